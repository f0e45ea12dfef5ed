"""Versioned index builds: cache reuse, atomic activation, crash safety, rollback."""

import multiprocessing
import os
import signal

import pytest

from assistant import index as store
from assistant.retrieval import Searcher
from ingest.build import build_index
from tests.conftest import copy_corpus, make_settings

SMALL = ["land-administration-law.md", "urban-rural-planning-law.md", "surveying-and-mapping-law.md"]


@pytest.fixture
def small_corpus(tmp_path):
    return copy_corpus(tmp_path / "corpus", SMALL)


def test_rebuild_embeds_only_changed_passages(tmp_path, small_corpus, model):
    settings = make_settings(tmp_path, corpus_dir=small_corpus)
    first = build_index(settings, model=model)
    again = build_index(settings, model=model)
    assert again.embedded == 0
    assert again.passages == first.passages

    path = small_corpus / "surveying-and-mapping-law.md"
    marker = f"测试修订{os.getpid()}{tmp_path.name}"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "第四十一条 ", f"第四十一条 {marker}，", 1), encoding="utf-8")
    changed = build_index(settings, model=model)
    assert changed.embedded == 1
    loaded = store.load_version(settings.index_path)
    assert loaded.version == changed.version
    text = next(p.text for p in loaded.passages if p.id == "surveying-and-mapping-law/a41")
    assert marker in text


def test_versions_are_listed_and_rollback_switches_current(tmp_path, small_corpus, model):
    settings = make_settings(tmp_path, corpus_dir=small_corpus)
    a = build_index(settings, model=model)
    b = build_index(settings, model=model)
    versions = store.list_versions(settings.index_path)
    assert [v["version"] for v in versions] == [a.version, b.version]
    assert [v["active"] for v in versions] == [False, True]
    manifest = versions[-1]
    for key in ("corpus_hash", "model", "dim", "documents", "passages", "articles", "created_at"):
        assert key in manifest
    assert manifest["dim"] == 384 and manifest["documents"] == 3
    store.activate(settings.index_path, a.version)
    assert store.current_version(settings.index_path) == a.version
    with pytest.raises(store.IndexNotFound):
        store.activate(settings.index_path, "no-such-version")
    assert store.current_version(settings.index_path) == a.version


def test_old_versions_are_pruned_but_the_live_one_kept(tmp_path, small_corpus, model):
    settings = make_settings(tmp_path, corpus_dir=small_corpus, keep_versions=2)
    builds = [build_index(settings, model=model) for _ in range(3)]
    names = [v["version"] for v in store.list_versions(settings.index_path)]
    assert names == [b.version for b in builds[1:]]


def _build_and_die(settings, model):
    """Child process: build, but SIGKILL itself after the vectors are written, before the rename."""
    real_save = store.bm25s.BM25.save

    def save_then_die(self, *args, **kwargs):
        real_save(self, *args, **kwargs)
        os.kill(os.getpid(), signal.SIGKILL)

    store.bm25s.BM25.save = save_then_die
    build_index(settings, model=model)


def test_crash_mid_build_leaves_the_previous_version_serving(tmp_path, small_corpus, model):
    settings = make_settings(tmp_path, corpus_dir=small_corpus)
    good = build_index(settings, model=model)
    child = multiprocessing.get_context("fork").Process(target=_build_and_die, args=(settings, model))
    child.start()
    child.join(300)
    assert child.exitcode == -signal.SIGKILL
    assert store.current_version(settings.index_path) == good.version
    assert [v["version"] for v in store.list_versions(settings.index_path)] == [good.version]
    searcher = Searcher.open(settings, model=model)
    hits = searcher.search("农村村民一户只能拥有一处宅基地", top_k=3)
    assert hits[0].passage_id == "land-administration-law/a62"
    # the next build cleans up and succeeds
    after = build_index(settings, model=model)
    assert store.current_version(settings.index_path) == after.version
    assert not any(p.name.startswith(store.TMP_PREFIX) for p in settings.index_path.iterdir())


def test_build_of_an_empty_corpus_is_refused(tmp_path, model):
    from ingest.corpus import CorpusError

    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(CorpusError, match="no readable documents"):
        build_index(make_settings(tmp_path, corpus_dir=empty), model=model)


def test_a_documents_passages_can_be_removed_and_replaced_by_id(built, model):
    import numpy as np

    from assistant.encoder import encode_queries
    from ingest.embed import encode_passages

    settings, _ = built
    loaded = store.load_version(settings.index_path)
    rows = np.array([i for i, p in enumerate(loaded.passages)
                     if p.doc_id == "surveying-and-mapping-law"], dtype=np.int64)
    query = encode_queries(model, ["测量标志受国家保护"])

    def top_rows(k=20):
        _, found = loaded.dense.search(query, k)
        return set(found[0].tolist())

    assert top_rows() & set(rows.tolist())
    assert loaded.dense.remove_ids(rows) == len(rows)
    assert not top_rows() & set(rows.tolist())
    assert loaded.dense.ntotal == len(loaded.passages) - len(rows)
    replacement = encode_passages(model, ["中华人民共和国测绘法\n第一条 测量标志受国家保护，任何单位和个人不得损毁。"])
    loaded.dense.add_with_ids(replacement, rows[:1])
    assert int(rows[0]) in top_rows(3)


def test_a_passage_survives_the_on_disk_round_trip(built):
    from assistant.passage import Passage

    index = store.load_version(built[0].index_path)
    article = next(p for p in index.passages if p.id == "land-administration-law/a62")
    assert (article.article, article.doc_id, article.status) == (62, "land-administration-law", "有效")
    assert Passage.from_record(article.to_record()) == article
    preamble = next(p for p in index.passages if p.article is None)
    assert preamble.to_record()["metadata"]["article"] == -1
    assert Passage.from_record(preamble.to_record()) == preamble
