"""Two `hotline serve` replicas behind a round-robin load balancer, sharing PostgreSQL, the index
folder and Redis (events and rate limits), as a deployment runs them (docs/deploy.md)."""

import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from assistant import index as index_store
from assistant.db import make_engine, migrate, session_factory
from assistant.keys import create_key
from ingest.publish import activate_version
from tests.conftest import index_env, make_settings
from tests.db_fixtures import _postgres_schema
from tests.live_server import free_port
from tests.redis_service import REDIS, redis_or_skip
from tests.tcp_proxy import proxied

LIMIT_DB = 14  # a Redis database of the rate-limit test's own, emptied first
PORTAL_LIMIT = 4
# A switch is the notice plus loading the version (FAISS, BM25, sentence vectors): 0.67 s on
# a quiet machine, 2.15 s once in CI with both cores busy. What is tested is that b follows without
# a restart; how fast a version loads is measured in eval/bench_scale.py.
SWITCH_SECONDS = 10.0


def _start(env: dict[str, str], log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "api.cli", "serve", "--port", str(port)], env=env,
                               stdout=log.open("wb"), stderr=subprocess.STDOUT)
    return process, f"http://127.0.0.1:{port}"


def _wait_up(process: subprocess.Popen, base: str, log: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"replica exited: {log.read_text(errors='replace')[-2000:]}"
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"replica at {base} did not start: {log.read_text(errors='replace')[-2000:]}")


@pytest.fixture(scope="module")
def cluster(built, postgres_server_url, tmp_path_factory):
    """(load balancer URL, replica URLs, keys, index root) of two replicas started with `hotline serve`."""
    import redis

    redis_or_skip()
    index_settings, _ = built
    tmp = tmp_path_factory.mktemp("replicas")
    settings = make_settings(tmp)
    root = settings.index_path
    live = index_store.current_version(index_settings.index_path)
    shutil.copytree(index_settings.index_path / live, root / live)
    activate_version(settings, live)
    redis.Redis.from_url(f"{REDIS}/{LIMIT_DB}").flushdb()
    with _postgres_schema(postgres_server_url) as database_url:
        migrate(database_url)
        engine = make_engine(database_url)
        with session_factory(engine)() as s:
            keys = {role: create_key(s, role, f"replica-{role}")[1] for role in ("agent", "editor", "admin")}
            s.commit()
        engine.dispose()
        env = {**os.environ, "HOTLINE_DATABASE_URL": database_url, **index_env(settings),
               "HOTLINE_CRAWL_CORPUS_DIR": str(tmp / "crawled"), "HOTLINE_CRAWL_HISTORY_DIR": str(tmp / "history"),
               "HOTLINE_EVENTS_URL": REDIS, "HOTLINE_SHARED_QUERY_CACHE_URL": REDIS,
               "HOTLINE_SHARED_QUERY_CACHE_TTL_SECONDS": "60", "HOTLINE_EVENTS_CHANNEL": f"hotline-test-{secrets.token_hex(4)}",
               "HOTLINE_RATE_LIMIT_STORAGE": f"{REDIS}/{LIMIT_DB}", "HOTLINE_PORTAL_RATE_LIMIT": f"{PORTAL_LIMIT}/minute",
               # Only an event can make a replica switch index within this test's time.
               "HOTLINE_INDEX_POLL_SECONDS": "3600", "HOTLINE_FAQ_SELF_PUBLISH": "true"}
        logs = [tmp / f"replica-{n}.log" for n in range(2)]
        replicas = [_start(env, log) for log in logs]
        try:
            for (process, base), log in zip(replicas, logs):
                _wait_up(process, base, log)
            bases = [base for _, base in replicas]
            ports = [("127.0.0.1", int(b.rsplit(":", 1)[1])) for b in bases]
            with proxied(*ports[0], *ports[1:]) as balancer:
                yield f"http://127.0.0.1:{balancer.port}", bases, keys, root
        finally:
            for process, _ in replicas:
                process.terminate()
            for process, _ in replicas:
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    process.kill()


def _suggest(base: str, key: str, query: str) -> dict:
    r = httpx.post(f"{base}/v1/agent/suggest", json={"query": query}, headers={"X-API-Key": key}, timeout=60)
    assert r.status_code == 200, r.text
    return r.json()["answer"]


def _served_version(base: str) -> str:
    for line in httpx.get(f"{base}/metrics", timeout=10).text.splitlines():
        if line.startswith("hotline_index_info{"):
            return line.split('version="', 1)[1].split('"', 1)[0]
    raise AssertionError("no hotline_index_info in /metrics")


def test_every_replica_gives_the_same_answer(cluster):
    _, bases, keys, _ = cluster
    for query in ("农村一户能有几处宅基地", "违法建设由谁查处", "不动产登记需要多长时间"):
        answers = [_suggest(base, keys["agent"], query) for base in bases]
        assert answers[0]["text"] == answers[1]["text"]
        assert [c["passage_id"] for c in answers[0]["citations"]] == [c["passage_id"] for c in answers[1]["citations"]]


def test_a_faq_published_on_one_replica_is_served_by_the_other_within_a_second(cluster):
    _, (a, b), keys, _ = cluster
    question = f"测绘标志被挖坏了找谁（副本测试{secrets.token_hex(2)}）"
    editor = {"X-API-Key": keys["editor"]}
    faq = httpx.post(f"{a}/v1/faqs", headers=editor, timeout=30, json={
        "question": question, "answer": "测量标志受国家保护，损毁的由测绘主管部门责令改正。",
        "citations": ["surveying-and-mapping-law/a41"]})
    assert faq.status_code == 201, faq.text
    assert _suggest(b, keys["agent"], question)["kind"] != "faq"
    assert httpx.post(f"{a}/v1/faqs/{faq.json()['id']}/submit", headers=editor, timeout=30).status_code == 200
    published = httpx.post(f"{a}/v1/faqs/{faq.json()['id']}/publish", headers=editor, timeout=30)
    assert published.status_code == 200, published.text
    done = time.monotonic()
    while (answer := _suggest(b, keys["agent"], question))["kind"] != "faq":
        assert time.monotonic() - done < 1.0, "replica b still does not serve the FAQ published on a"
        time.sleep(0.05)
    assert answer["faq_id"] == faq.json()["id"]


def test_an_index_activated_on_one_replica_is_served_by_both(cluster):
    _, (a, b), keys, root = cluster
    live = index_store.current_version(root)
    other = f"{live}-copy"
    shutil.copytree(root / live, root / other)
    admin = {"X-API-Key": keys["admin"]}
    try:
        assert _served_version(b) == live
        switched = httpx.post(f"{a}/v1/indexes/{other}/activate", headers=admin, timeout=60)
        assert switched.status_code == 200, switched.text
        done = time.monotonic()
        while _served_version(b) != other:
            assert time.monotonic() - done < SWITCH_SECONDS, "replica b did not switch with a"
            time.sleep(0.05)
    finally:
        httpx.post(f"{a}/v1/indexes/{live}/activate", headers=admin, timeout=60)
    done = time.monotonic()
    while _served_version(b) != live:  # the rollback travels the same way
        assert time.monotonic() - done < SWITCH_SECONDS, "replica b did not follow the rollback"
        time.sleep(0.05)


def test_the_portal_limit_is_one_budget_across_replicas(cluster):
    balancer, _, _, _ = cluster
    statuses = [httpx.post(f"{balancer}/v1/portal/ask", json={"question": "宅基地一户几处"}, timeout=60).status_code
                for _ in range(PORTAL_LIMIT + 2)]
    assert statuses == [200] * PORTAL_LIMIT + [429, 429]
