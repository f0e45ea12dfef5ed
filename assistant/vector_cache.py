"""Question vectors shared by the replicas through Redis, so a question encoded by one replica
is not encoded again by the next (callers ask the same things all day, on every replica).

Keys are a hash of the question, never its text (questions carry names and phone numbers),
under a fingerprint of the encoder: a retrained encoder starts an empty namespace rather than
reading vectors of the old one. Redis trouble only costs the cache, never a question.
"""

import hashlib
import logging
import time
from collections.abc import Callable, Sequence

import numpy as np

log = logging.getLogger(__name__)

FINGERPRINT_PROBE = "不动产登记需要哪些材料"
RETRY_AFTER_ERROR_SECONDS = 30.0


def encoder_fingerprint(encode: Callable[[Sequence[str]], np.ndarray]) -> str:
    """Identical on every replica running the same encoder, different for another one."""
    probe = np.round(np.asarray(encode([FINGERPRINT_PROBE])[0], dtype=np.float32), 3)
    return hashlib.sha256(probe.tobytes()).hexdigest()[:12]


class RedisVectorCache:
    def __init__(self, url: str, namespace: str, ttl_seconds: int):
        import redis

        self._redis = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=0.5)
        self._prefix = f"hotline:qvec:{namespace}:"
        self._ttl = ttl_seconds
        self._down_until = 0.0

    def _key(self, text: str) -> str:
        return self._prefix + hashlib.sha256(text.encode("utf-8")).hexdigest()

    def _failed(self, exc: Exception) -> None:
        # Back off instead of paying a connect timeout on every question while Redis is down.
        log.warning("question-vector cache unavailable for %.0f s: %s", RETRY_AFTER_ERROR_SECONDS, exc)
        self._down_until = time.monotonic() + RETRY_AFTER_ERROR_SECONDS

    def get_many(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        import redis

        if not texts or time.monotonic() < self._down_until:
            return {}
        try:
            values = self._redis.mget([self._key(t) for t in texts])
        except redis.RedisError as exc:
            self._failed(exc)
            return {}
        return {t: np.frombuffer(v, dtype=np.float32) for t, v in zip(texts, values) if v}

    def put_many(self, vectors: dict[str, np.ndarray]) -> None:
        import redis

        if not vectors or time.monotonic() < self._down_until:
            return
        try:
            with self._redis.pipeline(transaction=False) as pipe:
                for text, vector in vectors.items():
                    pipe.set(self._key(text), np.asarray(vector, dtype=np.float32).tobytes(), ex=self._ttl)
                pipe.execute()
        except redis.RedisError as exc:
            self._failed(exc)

    def close(self) -> None:
        self._redis.close()
