"""Crawl runs and upload index updates on `hotline worker` processes (HOTLINE_JOBS=worker):
the API queues them in PostgreSQL, a worker runs them, a killed worker's job runs again."""

import signal
import subprocess
import sys
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.app import create_app
from assistant import index as store
from assistant.db import CrawlPage, CrawlRun, make_engine
from assistant.keys import create_key
from eval.fixture_site import FixtureSite, load_statute
from ingest.build import build_index
from tests.db_fixtures import _postgres_schema
from tests.test_crawl import A, B, C, _env, crawl_settings, numbered_pages, write_sources
from tests.test_ingest_api import UPLOADED_ARTICLE, key, wait_for, wait_for_upload

PAGES = 12


@pytest.fixture(scope="module")
def queued(tmp_path_factory, model, postgres_server_url):
    """(client, keys, settings, worker env, site) of an API that queues jobs, with no worker yet."""
    tmp = tmp_path_factory.mktemp("jobs")
    statutes = [load_statute(n, max_articles=2) for n in (A, B, C)]
    with FixtureSite() as site, _postgres_schema(postgres_server_url) as database_url:
        numbered_pages(site, statutes, PAGES)
        sources = write_sources(tmp, site.base, delay=0.3, concurrency=1)
        settings = crawl_settings(tmp, sources_file=sources, database_url=database_url, jobs="worker",
                                  worker_heartbeat_seconds=1.0, worker_stalled_seconds=3.0, index_poll_seconds=0.0)
        build_index(settings, model=model)
        env = {**_env(settings, sources), "HOTLINE_JOBS": "worker", "HOTLINE_WORKER_HEARTBEAT_SECONDS": "1",
               "HOTLINE_WORKER_STALLED_SECONDS": "3", "HOTLINE_CRAWL_TIMEOUT": "1", "HOTLINE_CRAWL_RETRIES": "2",
               "HOTLINE_CRAWL_BACKOFF": "0.05"}
        app = create_app(settings, model)
        with TestClient(app) as client:
            with app.state.hotline.sessions() as s:
                keys = {r: create_key(s, r, f"{r}-jobs")[1] for r in ("agent", "editor", "admin")}
                s.commit()
            yield client, keys, settings, env


def _worker(env: dict[str, str]) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-m", "api.cli", "worker"], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    for line in process.stderr:  # type: ignore[union-attr]
        if "worker ready" in line:
            return process
    raise AssertionError(f"worker did not start (exit {process.wait()})")


def _stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _pages_done(settings) -> int:
    engine = make_engine(settings.database)
    try:
        with Session(engine) as s:
            return s.scalar(select(func.count()).select_from(CrawlPage).where(CrawlPage.status == "new")) or 0
    finally:
        engine.dispose()


def test_a_crawl_waits_in_the_queue_and_a_killed_worker_leaves_it_to_the_next(queued):
    client, keys, settings, env = queued
    live = store.current_version(settings.index_path)
    started = client.post("/v1/ingest/runs", json={}, headers=key(keys, "admin"))
    assert started.status_code == 202, started.text
    run_id = started.json()["id"]
    time.sleep(1.0)
    run = client.get(f"/v1/ingest/runs/{run_id}", headers=key(keys, "admin")).json()
    assert run["status"] == "running" and run["progress"]["stage"] == "queued"  # nobody works it yet
    again = client.post("/v1/ingest/runs", json={}, headers=key(keys, "admin"))
    assert again.status_code == 409 and again.json()["error"]["code"] == "busy"

    first = _worker(env)
    try:
        deadline = time.monotonic() + 120
        while _pages_done(settings) < 3:
            assert time.monotonic() < deadline and first.poll() is None, "the worker did not start crawling"
            time.sleep(0.1)
        first.send_signal(signal.SIGKILL)
        first.wait()
    finally:
        if first.poll() is None:
            first.kill()
    assert store.current_version(settings.index_path) == live  # the live index is untouched
    assert _pages_done(settings) < PAGES

    second = _worker(env)
    try:
        run = wait_for(client, keys, run_id, seconds=240)
    finally:
        _stop(second)
    assert run["status"] == "succeeded", run["message"]
    assert run["counts"]["new"] == PAGES  # the same run, resumed: nothing counted twice
    assert store.current_version(settings.index_path) not in (None, live)
    engine = make_engine(settings.database)
    with Session(engine) as s:
        assert s.scalars(select(CrawlRun.id)).all() == [run_id]
    engine.dispose()
    hits = client.post("/v1/search", json={"query": "第3号", "top_k": 20}, headers=key(keys, "agent")).json()["results"]
    assert any("（第3号）" in h["title"] for h in hits)  # the API serves what the worker activated


def test_an_upload_is_indexed_by_a_worker(queued):
    client, keys, _, env = queued
    worker = _worker(env)
    try:
        markdown = f"# 试点办法\n\n## 第一章 总则\n\n{UPLOADED_ARTICLE}\n".encode()
        response = client.post("/v1/ingest/uploads", headers=key(keys, "editor"),
                               files={"file": ("pilot.md", markdown, "text/markdown")},
                               data={"title": "北京市集体经营性建设用地入市试点办法（队列）"})
        assert response.status_code == 202, response.text
        job = wait_for_upload(client, keys, response.json()["run_id"])
    finally:
        _stop(worker)
    assert job["status"] == "succeeded", job
    hits = client.post("/v1/search", json={"query": "集体经营性建设用地入市的规划条件多久出具", "top_k": 3},
                       headers=key(keys, "agent")).json()["results"]
    assert hits[0]["title"] == "北京市集体经营性建设用地入市试点办法（队列）"


def test_a_worker_needs_postgresql_and_says_so(tmp_path):
    settings = crawl_settings(tmp_path)
    result = subprocess.run([sys.executable, "-m", "api.cli", "worker"], capture_output=True, text=True, timeout=120,
                            env={**_env(settings, tmp_path / "sources.yaml"), "HOTLINE_JOBS": "worker"})
    assert result.returncode == 2  # the CLI's usage-error status
    assert "需要 PostgreSQL" in result.stderr
