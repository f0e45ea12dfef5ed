"""Change events between replicas over a real Redis (assistant/events.py)."""

import secrets
import threading
import time

import pytest

from assistant.events import FAQS, INDEX, LocalEvents, RedisEvents, announce, connect
from tests.redis_service import REDIS, redis_or_skip


class Inbox:
    def __init__(self) -> None:
        self.items: list[tuple[str, dict]] = []
        self.arrived = threading.Event()

    def handler(self, topic: str):
        def receive(data: dict) -> None:
            self.items.append((topic, data))
            self.arrived.set()
        return receive

    def wait(self, count: int, timeout: float = 5.0) -> list[tuple[str, dict]]:
        deadline = time.monotonic() + timeout
        while len(self.items) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.items


@pytest.fixture
def pair():
    """Two replicas' event buses on a channel of this test's own, both subscribed."""
    redis_or_skip()
    channel = f"hotline-test-{secrets.token_hex(4)}"
    buses = [RedisEvents(REDIS, channel, reconnect_seconds=0.1) for _ in range(2)]
    inboxes = [Inbox(), Inbox()]
    for bus, inbox in zip(buses, inboxes):
        for topic in (FAQS, INDEX):
            bus.subscribe(topic, inbox.handler(topic))
        assert bus.wait_ready(5)
    yield buses, inboxes, channel
    for bus in buses:
        bus.close()


def test_an_event_reaches_the_other_replica_and_not_its_sender(pair):
    (a, b), (inbox_a, inbox_b), _ = pair
    a.publish(INDEX, {"version": "v2"})
    assert inbox_b.wait(1) == [(INDEX, {"version": "v2"})]
    b.publish(FAQS)
    assert inbox_a.wait(1) == [(FAQS, {})]
    time.sleep(0.2)
    assert inbox_b.items == [(INDEX, {"version": "v2"})]  # b's own FAQ event came back to b and was ignored


def test_a_malformed_message_is_ignored_and_the_listener_goes_on(pair):
    import redis

    (a, _), (_, inbox_b), channel = pair
    redis.Redis.from_url(REDIS).publish(channel, b"\xff not json")
    a.publish(FAQS)
    assert inbox_b.wait(1) == [(FAQS, {})]


def test_a_replica_that_lost_redis_refreshes_everything_when_back(pair):
    """Events sent while it was cut off are lost, so every cache is refreshed on reconnect."""
    import redis

    (_, b), (_, inbox_b), _ = pair
    server = redis.Redis.from_url(REDIS)
    listeners = [c["id"] for c in server.client_list(_type="pubsub") if c["name"] == b.name]
    assert len(listeners) == 1
    server.client_kill_filter(_id=listeners[0])
    refreshed = inbox_b.wait(2)
    assert sorted(topic for topic, _ in refreshed) == [FAQS, INDEX]
    assert all(data == {} for _, data in refreshed)


def test_announce_publishes_once_without_listening(pair):
    _, (inbox_a, inbox_b), channel = pair
    announce(REDIS, channel, INDEX, {"version": "from-cli"})
    assert inbox_a.wait(1) == [(INDEX, {"version": "from-cli"})]
    assert inbox_b.wait(1) == [(INDEX, {"version": "from-cli"})]


def test_one_process_needs_no_events_and_a_wrong_url_is_refused():
    assert isinstance(connect("", "hotline:events"), LocalEvents)
    with pytest.raises(ValueError, match="redis://"):
        connect("http://127.0.0.1:6379", "hotline:events")
