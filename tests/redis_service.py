"""The machine's Redis on 127.0.0.1:6379, which the multi-replica tests need (CI has one)."""

import os

import pytest

REDIS = "redis://127.0.0.1:6379"


def redis_or_skip() -> None:
    """Skip without Redis, except in CI, where its absence is a failure."""
    import redis

    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping()
    except redis.RedisError:
        if os.environ.get("CI"):
            pytest.fail("Redis on 127.0.0.1:6379 is not reachable")
        pytest.skip("no Redis on 127.0.0.1:6379")
