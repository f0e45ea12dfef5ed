"""The question-vector cache the replicas share through a real Redis (assistant/vector_cache.py)."""

import secrets

import numpy as np
import redis

from assistant.encoder import QueryBatcher
from assistant.vector_cache import RedisVectorCache, encoder_fingerprint
from tests.redis_service import REDIS, redis_or_skip


class CountingEncoder:
    def __init__(self, seed: int = 0) -> None:
        self.calls: list[str] = []
        self.seed = seed

    def __call__(self, texts):
        self.calls.extend(texts)
        return np.vstack([np.random.default_rng(abs(hash((self.seed, t))) % 2**32).random(8, dtype=np.float32)
                          for t in texts])


def test_a_question_encoded_on_one_replica_is_not_encoded_again_on_another():
    redis_or_skip()
    namespace = f"test-{secrets.token_hex(4)}"
    first, second = CountingEncoder(), CountingEncoder()
    a = QueryBatcher(first, shared=RedisVectorCache(REDIS, namespace, 60))
    b = QueryBatcher(second, shared=RedisVectorCache(REDIS, namespace, 60))
    try:
        va = a.encode_many(["宅基地一户几处", "违建找谁"])
        vb = b.encode_many(["违建找谁", "宅基地一户几处", "不动产登记要多久"])
        assert first.calls == ["宅基地一户几处", "违建找谁"]
        assert second.calls == ["不动产登记要多久"]  # the other two came from Redis
        np.testing.assert_array_equal(vb[0], va[1])
        np.testing.assert_array_equal(vb[1], va[0])
        keys = redis.Redis.from_url(REDIS).keys(f"hotline:qvec:{namespace}:*")
        assert len(keys) == 3 and not any("宅基地".encode() in k for k in keys)  # hashes, never the question
        assert 0 < redis.Redis.from_url(REDIS).ttl(keys[0]) <= 60
    finally:
        a.close()
        b.close()


def test_without_redis_questions_are_still_encoded():
    dead = RedisVectorCache("redis://127.0.0.1:1", "test", 60)  # nothing listens on port 1
    encoder = CountingEncoder()
    batcher = QueryBatcher(encoder, shared=dead)
    try:
        assert batcher.encode_many(["宅基地"]).shape == (1, 8)
        assert batcher.encode_many(["违建"]).shape == (1, 8)  # backed off: no second connect attempt
        assert encoder.calls == ["宅基地", "违建"]
    finally:
        batcher.close()


def test_another_encoder_gets_another_namespace():
    assert encoder_fingerprint(CountingEncoder(0)) == encoder_fingerprint(CountingEncoder(0))
    assert encoder_fingerprint(CountingEncoder(0)) != encoder_fingerprint(CountingEncoder(1))
