"""Change events between the replicas of the service.

What a replica holds in memory (the FAQ matcher, the live index, the work-order classifier) is
a cache of the shared store. A replica that changes the store publishes an event; every other
replica refreshes its cache when the event arrives. Without `events_url` the service is one
process and nothing is sent. With a Redis URL the events go over Redis pub/sub; a replica that
loses Redis refreshes everything when it reconnects, because it may have missed events meanwhile.
"""

import json
import logging
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable
from typing import Any, Protocol

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], None]

FAQS = "faqs"                    # a FAQ was created, edited, published or withdrawn
INDEX = "index"                  # another index version was activated
ORDER_CATEGORY = "order_category"  # staff confirmed or corrected a work order's category ({"order_id": …})
TOPICS = (FAQS, INDEX, ORDER_CATEGORY)


class Events(Protocol):
    def publish(self, topic: str, data: dict[str, Any] | None = None) -> None: ...
    def subscribe(self, topic: str, handler: Handler) -> None: ...
    def close(self) -> None: ...


class LocalEvents:
    """One process: the change was already applied where it happened, so nothing to send."""

    def publish(self, topic: str, data: dict[str, Any] | None = None) -> None:
        return None

    def subscribe(self, topic: str, handler: Handler) -> None:
        return None

    def close(self) -> None:
        return None


class RedisEvents:
    """Events over one Redis pub/sub channel. A replica ignores its own events (it applied the
    change already); handlers run on the listener thread, one at a time."""

    def __init__(self, url: str, channel: str, reconnect_seconds: float = 1.0, listen: bool = True):
        import redis

        self._sender = uuid.uuid4().hex
        self.name = f"hotline-events-{self._sender[:12]}"  # in Redis's CLIENT LIST
        self._redis = redis.Redis.from_url(url, socket_connect_timeout=3, health_check_interval=30,
                                           client_name=self.name)
        self._channel = channel
        self._handlers: dict[str, list[Handler]] = defaultdict(list)
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._reconnect_seconds = reconnect_seconds
        self._pubsub = None
        self._thread = threading.Thread(target=self._listen, name="hotline-events", daemon=True)
        if listen:
            self._thread.start()

    def publish(self, topic: str, data: dict[str, Any] | None = None) -> None:
        """Best effort: a lost event costs another replica at most its next refresh on reconnect
        or index poll, never the change itself, which is already in the store."""
        import redis

        try:
            self._redis.publish(self._channel, _message(topic, self._sender, data))
        except redis.RedisError as exc:
            log.warning("could not publish %s event: %s", topic, exc)

    def subscribe(self, topic: str, handler: Handler) -> None:
        self._handlers[topic].append(handler)

    def wait_ready(self, timeout: float) -> bool:
        """True once the listener is subscribed (events published before that are not seen)."""
        return self._ready.wait(timeout)

    def _listen(self) -> None:
        import redis

        missed = False
        while not self._stop.is_set():
            try:
                self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
                self._pubsub.subscribe(self._channel)
                self._ready.set()
                if missed:
                    log.info("events: reconnected to Redis, refreshing every cache")
                    self._dispatch_all()
                while not self._stop.is_set():
                    message = self._pubsub.get_message(timeout=0.5)
                    if message is not None:
                        self._dispatch(message["data"])
            except (redis.RedisError, OSError, ValueError) as exc:
                if self._stop.is_set():
                    return
                self._ready.clear()
                missed = True
                log.warning("events: Redis unreachable (%s); retrying in %.0f s", exc, self._reconnect_seconds)
                self._stop.wait(self._reconnect_seconds)

    def _dispatch(self, raw: bytes) -> None:
        try:
            message = json.loads(raw)
            topic, sender, data = message["topic"], message["sender"], message.get("data") or {}
        except (ValueError, KeyError, TypeError):
            log.warning("events: ignored a malformed message")
            return
        if sender != self._sender:
            self._run(topic, data)

    def _dispatch_all(self) -> None:
        for topic in list(self._handlers):
            self._run(topic, {})

    def _run(self, topic: str, data: dict[str, Any]) -> None:
        for handler in self._handlers.get(topic, []):
            try:
                handler(data)
            except Exception:  # noqa: BLE001 - one failing cache refresh must not stop the listener
                log.exception("events: handler for %s failed", topic)

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5)
        if self._pubsub is not None:
            try:
                self._pubsub.close()
            except Exception:  # noqa: BLE001 - closing a connection that is already gone
                pass
        self._redis.close()


def _message(topic: str, sender: str, data: dict[str, Any] | None) -> str:
    return json.dumps({"topic": topic, "sender": sender, "data": data or {}})


def announce(url: str, channel: str, topic: str, data: dict[str, Any] | None = None) -> None:
    """Publish one event from outside the service (the CLI after activating an index)."""
    if not url:
        return
    events = RedisEvents(url, channel, listen=False)
    try:
        events.publish(topic, data)
    finally:
        events.close()


def connect(url: str, channel: str) -> Events:
    """The events of the configured deployment: none for one process, Redis for replicas."""
    if not url:
        return LocalEvents()
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisEvents(url, channel)
    raise ValueError(f"HOTLINE_EVENTS_URL must be empty or a redis:// URL, not {url.split('@')[-1]!r}")
