"""A large build's embedding shared with worker processes through PostgreSQL: every text
embedded once, by whoever was free, and a helper that dies mid-slice loses nothing."""

import threading

import numpy as np
import psycopg
import pytest

from assistant import index as store
from assistant.db import libpq_uri
from ingest.build import build_index
from ingest.embed import content_hash, encode_passages
from ingest.shared_embedding import TABLE, embed_shared, embed_slices
from tests.conftest import CORPUS, copy_corpus, make_settings
from tests.db_fixtures import _postgres_schema
from tests.test_crawl import _env
from tests.test_jobs import _stop, _worker

LAW = "surveying-and-mapping-law.md"


@pytest.fixture
def database(postgres_server_url):
    with _postgres_schema(postgres_server_url) as url:
        yield url


def _texts(count: int) -> dict[str, str]:
    articles = (CORPUS / LAW).read_text(encoding="utf-8").split("第")[1:count + 1]
    return {content_hash(t): t for t in (f"第{a.strip()}" for a in articles)}


def test_two_processes_share_the_slices_and_each_text_is_embedded_once(database, model):
    conninfo = libpq_uri(database)
    texts = _texts(40)
    helper_done: list[int] = []

    def encode(batch):
        return encode_passages(model, batch)

    def ask_helpers(build: str) -> None:
        helper = threading.Thread(target=lambda: helper_done.append(embed_slices(conninfo, build, encode, 4, "helper")))
        helper.start()

    vectors, by_whom = embed_shared(conninfo, texts, encode, 4, ask_helpers)
    assert set(vectors) == set(texts)
    assert sum(by_whom.values()) == len(texts) and len(by_whom) == 2 and by_whom["helper"] > 0
    want = encode_passages(model, list(texts.values()))
    got = np.vstack([vectors[h] for h in texts])
    assert np.min(np.sum(want * got, axis=1)) > 0.9999
    with psycopg.connect(conninfo) as conn:
        assert conn.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0] == 0  # the work rows are cleared


def test_a_helper_that_dies_mid_slice_leaves_its_texts_to_the_others(database, model):
    conninfo = libpq_uri(database)
    texts = _texts(12)
    holding, released = threading.Event(), threading.Event()
    helper_failed: list[BaseException] = []

    def stuck_encode(batch):
        holding.set()
        released.wait(60)
        return np.zeros((len(batch), 384), np.float32)

    def doomed(build: str) -> None:
        try:
            embed_slices(conninfo, build, stuck_encode, 8, "doomed")
        except psycopg.OperationalError as exc:
            helper_failed.append(exc)

    def ask_helpers(build: str) -> None:
        threading.Thread(target=doomed, args=(build,)).start()
        assert holding.wait(60)
        with psycopg.connect(conninfo, autocommit=True) as conn:
            free = conn.execute(f"SELECT count(*) FROM (SELECT 1 FROM {TABLE} WHERE build = %s AND vector IS NULL "
                                "FOR UPDATE SKIP LOCKED) AS free", (build,)).fetchone()[0]
            assert free == len(texts) - 8  # the slice the helper holds is locked, not free
            pid = conn.execute("SELECT pid FROM pg_stat_activity WHERE state = 'idle in transaction' "
                               "AND query LIKE %s", (f"%{TABLE}%SKIP LOCKED%",)).fetchone()[0]
            conn.execute("SELECT pg_terminate_backend(%s)", (pid,))  # as if its process was killed
        released.set()

    vectors, by_whom = embed_shared(conninfo, texts, lambda batch: encode_passages(model, batch), 8, ask_helpers)
    assert set(vectors) == set(texts) and "doomed" not in by_whom
    assert np.min([np.linalg.norm(v) for v in vectors.values()]) > 0.99  # real vectors, not the helper's zeros
    for _ in range(100):
        if helper_failed:
            break
        threading.Event().wait(0.1)
    assert helper_failed, "the helper's connection was not the one terminated"


def test_a_build_with_jobs_on_workers_embeds_on_a_worker_too(tmp_path, database, model):
    settings = make_settings(tmp_path, corpus_dir=copy_corpus(tmp_path / "corpus", [LAW]), database_url=database, jobs="worker",
                             embedding_cache=tmp_path / "embeddings.sqlite", embedding_seed=tmp_path / "none.npz",
                             # nothing cached or shipped: every text must be embedded
                             shared_embedding_min=1, embed_slice=8, embed_helpers=1)
    env = {**_env(settings, tmp_path / "sources.yaml"), "HOTLINE_JOBS": "worker", "HOTLINE_TORCH_THREADS": "1"}
    worker = _worker(env)
    try:
        result = build_index(settings, model=model)
    finally:
        _stop(worker)
    manifest = store.load_version(settings.index_path).manifest
    by_whom = manifest["embedded_by"]
    assert sum(by_whom.values()) == result.embedded + manifest["sentences_embedded_new"]
    assert any(name.endswith(f":{worker.pid}") for name in by_whom), by_whom
    assert len(by_whom) == 2
