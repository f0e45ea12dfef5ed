import json
import threading

import numpy as np

from assistant.settings import PROJECT_ROOT, Settings
from assistant.encoder import OnnxQueryEncoder, QueryBatcher, encode_queries

PARAPHRASES = PROJECT_ROOT / "eval" / "sets" / "paraphrases.jsonl"


def questions() -> list[str]:
    rows = [json.loads(line) for line in PARAPHRASES.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["question"] for r in rows[:60]] + ["房本", "违建谁管？", "ＡＢＣ　全角测试", "a" * 700]


def test_onnx_query_vectors_match_sentence_transformers(model):
    texts = questions()
    onnx = OnnxQueryEncoder(Settings().model_path)(texts)
    reference = encode_queries(model, texts)
    cosine = (onnx * reference).sum(axis=1)
    assert onnx.shape == reference.shape
    assert cosine.min() >= 0.999
    assert np.allclose(np.linalg.norm(onnx, axis=1), 1.0, atol=1e-4)


def test_batcher_answers_concurrent_callers_with_their_own_vectors(model):
    texts = questions()[:24]
    encoder = OnnxQueryEncoder(Settings().model_path)
    batcher = QueryBatcher(encoder, cache_size=8)
    reference = encoder(texts)
    results: dict[int, np.ndarray] = {}

    def ask(i: int) -> None:
        results[i] = batcher.encode(texts[i])

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(texts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for i, text in enumerate(texts):
        assert float(results[i] @ reference[i]) > 0.9999, text
    again = batcher.encode_many(texts[:3])  # served from the cache, same vectors
    assert np.allclose(again, reference[:3], atol=1e-5)


def test_a_closed_batcher_stops_its_thread_and_lets_the_encoder_go():
    import gc
    import weakref

    import numpy as np

    class Encoder:
        def __call__(self, texts):
            return np.ones((len(texts), 4), dtype=np.float32)

    encoder = Encoder()
    gone = weakref.ref(encoder)
    batcher = QueryBatcher(encoder, cache_size=0)
    assert batcher.encode("宅基地").shape == (4,)
    batcher.close()
    assert not batcher._thread.is_alive()
    del encoder, batcher
    gc.collect()
    assert gone() is None  # an app's encoder (an ONNX session) does not outlive the app
