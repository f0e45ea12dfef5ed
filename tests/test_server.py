"""The service over real HTTP: uvicorn on 127.0.0.1 in a background thread."""

import httpx
import pytest

from api.app import create_app, server_options
from assistant import index as index_store
from assistant.keys import create_key
from ingest.build import build_index
from tests.conftest import make_settings
from tests.live_server import running


@pytest.fixture(scope="module")
def server(built, model, tmp_path_factory):
    """(base_url, agent key, settings) of a live server with a 5/minute portal limit."""
    index_settings, _ = built
    tmp = tmp_path_factory.mktemp("server")
    settings = make_settings(tmp, index_root=index_settings.index_path, database_url=f"sqlite:///{tmp}/db.sqlite",
                             portal_rate_limit="5/minute", index_poll_seconds=0.0)
    app = create_app(settings, model)
    with running(app, **server_options(settings)) as base:
        with app.state.hotline.sessions() as s:
            _, agent = create_key(s, "agent", "agent-http")
            s.commit()
        yield base, agent, settings


def test_health_and_readiness_over_http(server):
    base, _, _ = server
    assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
    ready = httpx.get(f"{base}/readyz").json()
    assert ready["status"] == "ready"
    assert httpx.get(f"{base}/docs").status_code == 200
    spec = httpx.get(f"{base}/openapi.json").json()
    assert "/v1/agent/suggest" in spec["paths"] and "/v1/portal/ask" in spec["paths"]


def test_agent_suggest_over_http(server):
    base, agent, _ = server
    response = httpx.post(f"{base}/v1/agent/suggest", json={"query": "征收农民集体土地要公告多少天"},
                          headers={"X-API-Key": agent}, timeout=30)
    assert response.status_code == 200
    answer = response.json()["answer"]
    assert answer["kind"] == "passages"
    assert any("土地管理法" in c["citation"] for c in answer["citations"])


def test_portal_is_rate_limited_per_client(server):
    base, _, _ = server
    statuses = [httpx.post(f"{base}/v1/portal/ask", json={"question": "宅基地一户几处"}, timeout=30).status_code
                for _ in range(7)]
    assert statuses[:5] == [200] * 5
    assert statuses[5:] == [429, 429]
    limited = httpx.post(f"{base}/v1/portal/ask", json={"question": "宅基地"}, timeout=30)
    body = limited.json()
    assert body["error"]["code"] == "rate_limited" and "频繁" in body["error"]["message"]
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    # the agent route is not subject to the portal limit
    base_ok = httpx.post(f"{base}/v1/search", json={"query": "宅基地"}, headers={"X-API-Key": server[1]})
    assert base_ok.status_code == 200


def test_a_spoofed_forwarded_header_does_not_buy_a_new_budget(server):
    """With no trusted proxy (the default), X-Forwarded-For is ignored: same client, same limit."""
    base, _, _ = server
    statuses = [httpx.post(f"{base}/v1/portal/ask", json={"question": "宅基地一户几处"},
                           headers={"X-Forwarded-For": f"203.0.113.{n}"}, timeout=30).status_code for n in range(8)]
    assert statuses.count(429) >= 3  # the budget of 5/minute was already spent by this module's client


def test_behind_a_trusted_proxy_the_forwarded_client_is_limited(built, model, tmp_path):
    index_settings, _ = built
    settings = make_settings(tmp_path, index_root=index_settings.index_path, database_url=f"sqlite:///{tmp_path}/p.sqlite",
                             portal_rate_limit="2/minute", trusted_proxies=["127.0.0.1"])
    app = create_app(settings, model)
    with running(app, **server_options(settings)) as base:
        def ask(client: str) -> int:
            return httpx.post(f"{base}/v1/portal/ask", json={"question": "宅基地一户几处"},
                              headers={"X-Forwarded-For": client}, timeout=30).status_code
        assert [ask("198.51.100.1") for _ in range(3)] == [200, 200, 429]
        assert ask("198.51.100.2") == 200  # another real client behind the proxy has its own budget


def test_new_current_is_picked_up_without_restart(server, model):
    base, agent, settings = server
    before = httpx.get(f"{base}/readyz").json()["index_version"]
    rebuilt = build_index(settings, model=model)
    try:
        assert httpx.get(f"{base}/readyz").json()["index_version"] == before  # readiness does not reload
        httpx.post(f"{base}/v1/search", json={"query": "宅基地"}, headers={"X-API-Key": agent})
        assert httpx.get(f"{base}/readyz").json()["index_version"] == rebuilt.version
    finally:
        index_store.activate(settings.index_path, before)


REDIS = "redis://127.0.0.1:6379"


def _redis_up() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def test_two_instances_share_one_limit_through_redis(built, model, tmp_path):
    """The documented HOTLINE_RATE_LIMIT_STORAGE=redis://… works: two replicas, one budget."""
    import os

    import redis

    if not _redis_up():
        if os.environ.get("CI"):
            pytest.fail("Redis on 127.0.0.1:6379 is not reachable")
        pytest.skip("no Redis on 127.0.0.1:6379")
    index_settings, _ = built
    limit = "4/minute"
    storage = f"{REDIS}/15"  # a database of its own, emptied first: the limit keys on the client address
    redis.Redis.from_url(storage).flushdb()
    apps = [create_app(make_settings(tmp_path / n, index_root=index_settings.index_path,
                                     database_url=f"sqlite:///{tmp_path}/{n}.sqlite", portal_rate_limit=limit,
                                     rate_limit_storage=storage), model) for n in ("a", "b")]
    with running(apps[0]) as a, running(apps[1]) as b:
        statuses = [httpx.post(f"{base}/v1/portal/ask", json={"question": "宅基地一户几处"}, timeout=30).status_code
                    for base in (a, b, a, b, a, b)]
    assert statuses == [200, 200, 200, 200, 429, 429]
