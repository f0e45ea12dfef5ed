"""The trained question encoder: the shipped artefact reproduces its recorded figures, and
training runs end to end on a tiny sample."""

import json

import numpy as np
import pytest

from assistant.encoder import OnnxQueryEncoder
from assistant.expand import Synonyms
from assistant.settings import PROJECT_ROOT, Settings
from assistant.scoring import load_questions, score_retrieval
from tests.conftest import make_settings
from train.examples import held_out, labelled_examples, pseudo_examples
from train.pool import load_pool
from train.query_tower import Group, TrainConfig, train_query_tower

ADAPTER = PROJECT_ROOT / "artefacts" / "query-adapter"


def test_the_shipped_encoder_reproduces_its_recorded_dev2_figures(built, model):
    from assistant.retrieval import Searcher

    settings, _ = built
    assert settings.query_model_path != settings.model_path, "the tuned encoder is not prepared"
    recorded = json.loads((ADAPTER / "eval.json").read_text(encoding="utf-8"))["dev2"]
    searcher = Searcher.open(settings, model=model)
    metrics, _ = score_retrieval(load_questions(PROJECT_ROOT / "eval" / "sets" / "dev2.jsonl"),
                                 lambda q: [(h.title, h.article) for h in searcher.search(q, 10)])
    assert abs(metrics["recall@5"] - recorded["recall@5"]) <= 0.01
    assert abs(metrics["mrr"] - recorded["mrr"]) <= 0.01


def test_the_tuned_encoder_differs_from_base_and_ships_its_own_thresholds():
    settings = Settings()
    texts = ["宅基地能卖给城里人吗", "违建谁来管"]
    tuned = OnnxQueryEncoder(settings.query_model_path)(texts)
    base = OnnxQueryEncoder(settings.model_path)(texts)
    assert np.allclose(np.linalg.norm(tuned, axis=1), 1.0, atol=1e-4)
    assert float((tuned * base).sum(1).min()) < 0.99  # the adapter really changed the encoder
    assert settings.calibration.faq_threshold != Settings(query_model="base").calibration.faq_threshold


def test_the_held_out_split_is_stable_and_a_fifth():
    ids = [f"stard-{i}" for i in range(2000)]
    share = sum(held_out(i) for i in ids) / len(ids)
    assert 0.17 < share < 0.23
    assert [held_out(i) for i in ids[:50]] == [held_out(i) for i in ids[:50]]


def test_pseudo_queries_are_reproducible_and_point_at_their_article():
    settings = Settings()
    pool = load_pool([settings.corpus_path], settings)
    synonyms = Synonyms.load(settings.synonyms_path)
    first = pseudo_examples(pool, synonyms, ("ict", "typed", "synonym"), seed=5)
    again = pseudo_examples(pool, synonyms, ("ict", "typed", "synonym"), seed=5)
    assert first == again and len(first) > 3000
    ict = next(e for e in first if e.source == "ict")
    assert ict.query in pool.bodies[ict.positives[0]]  # a sentence of the article it asks for
    assert {e.source for e in first} == {"ict", "typed", "synonym"}


def test_desk_questions_point_at_every_piece_of_their_gold_articles(tmp_path):
    settings = Settings()
    pool = load_pool([settings.corpus_path], settings)
    answered = tmp_path / "answered.jsonl"
    rows = [{"id": "a", "query": "宅基地能卖给城里人吗", "gold": [{"law": "土地管理法", "article": 62}]},
            {"id": "b", "query": "个税怎么填", "gold": []},
            {"id": "c", "query": "不在库里的法", "gold": [{"law": "不存在的法", "article": 1}]}]
    answered.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n\n", encoding="utf-8")
    examples = labelled_examples([answered], pool, repeat=3)
    assert [e.query for e in examples] == ["宅基地能卖给城里人吗"] * 3  # refusals and unknown laws give nothing
    gold = set(pool.rows_of("中华人民共和国土地管理法", 62))
    assert gold and set(examples[0].positives) == gold and examples[0].source == "desk"


@pytest.mark.slow
def test_training_runs_end_to_end_on_a_tiny_sample(tmp_path, built):
    from ingest.query_model import prepare_query_model
    from train.pool import embed_pool

    settings = make_settings(tmp_path)
    pool = embed_pool(load_pool([settings.corpus_path], settings).subset(list(range(300))), settings, progress=False)
    examples = pseudo_examples(pool, Synonyms.load(settings.synonyms_path), ("typed",), seed=1)[:32]
    out = tmp_path / "adapter"
    stats = train_query_tower(settings.model_path, [Group("tiny", pool.vectors, pool.bodies, examples)], out,
                              TrainConfig(epochs=2, batch_size=16, lr=1e-3), progress=lambda _: None)
    assert stats["steps"] == 4 and np.isfinite(stats["final_loss"])
    merged = prepare_query_model(settings.model_path, out, tmp_path / "tuned")
    vectors = OnnxQueryEncoder(merged)([e.query for e in examples[:4]])
    base = OnnxQueryEncoder(settings.model_path)([e.query for e in examples[:4]])
    assert float((vectors * base).sum(1).min()) < 0.9999  # trained weights were merged and exported
    assert prepare_query_model(settings.model_path, out, tmp_path / "tuned") == merged  # idempotent
