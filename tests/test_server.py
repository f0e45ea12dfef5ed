"""The service over real HTTP: uvicorn on 127.0.0.1 in a background thread."""

import httpx
import pytest

from api.app import create_app, server_options
from assistant import index as index_store
from assistant.keys import create_key
from ingest.build import build_index
from tests.conftest import make_settings
from tests.live_server import running
from tests.redis_service import REDIS, redis_or_skip


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
        httpx.post(f"{base}/v1/search", json={"query": "宅基地"}, headers={"X-API-Key": agent})
        assert f'version="{rebuilt.version}"' in httpx.get(f"{base}/metrics").text  # a question switched it
        assert httpx.get(f"{base}/readyz").json()["index_version"] == rebuilt.version
    finally:
        index_store.activate(settings.index_path, before)


def test_two_instances_share_one_limit_through_redis(built, model, tmp_path):
    """The documented HOTLINE_RATE_LIMIT_STORAGE=redis://… works: two replicas, one budget."""
    import redis

    redis_or_skip()
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


def test_with_the_database_gone_agents_and_the_portal_still_get_answers(built, model, tmp_path, postgres_server_url):
    """PostgreSQL behind a proxy the test cuts: search, suggestions and portal answers go on
    (a key seen before the outage still opens them, the query log drop is counted); what needs
    the database says 503 in the error shape; a key never seen is not let in."""
    from sqlalchemy import make_url

    from tests.db_fixtures import _postgres_schema
    from tests.tcp_proxy import proxied

    index_settings, _ = built
    with _postgres_schema(postgres_server_url) as schema_url:
        url = make_url(schema_url)
        with proxied(url.host or "127.0.0.1", url.port or 5432) as proxy:
            settings = make_settings(tmp_path, index_root=index_settings.index_path,
                                     database_url=url.set(host="127.0.0.1", port=proxy.port).render_as_string(
                                         hide_password=False))
            app = create_app(settings, model)
            with running(app, **server_options(settings)) as base:
                with app.state.hotline.sessions() as s:
                    _, agent = create_key(s, "agent", "agent-outage")
                    _, editor = create_key(s, "editor", "editor-outage")
                    s.commit()
                headers = {"X-API-Key": agent}
                before = httpx.post(f"{base}/v1/agent/suggest", json={"query": "宅基地一户几处"}, headers=headers,
                                    timeout=30)
                assert before.status_code == 200 and before.json()["log_id"] is not None

                proxy.cut()
                search = httpx.post(f"{base}/v1/search", json={"query": "违法建设由谁查处"}, headers=headers, timeout=30)
                assert search.status_code == 200 and search.json()["results"]
                suggest = httpx.post(f"{base}/v1/agent/suggest", json={"query": "宅基地一户几处"}, headers=headers,
                                     timeout=30)
                assert suggest.status_code == 200
                assert suggest.json()["log_id"] is None and suggest.json()["answer"]["citations"]
                ask = httpx.post(f"{base}/v1/portal/ask", json={"question": "宅基地一户几处"}, timeout=30)
                assert ask.status_code == 200 and ask.json()["answer"]["citations"]

                faqs = httpx.get(f"{base}/v1/faqs", headers={"X-API-Key": editor}, timeout=30)
                assert faqs.status_code == 503
                assert faqs.json()["error"]["code"] == "unavailable" and faqs.headers["retry-after"]
                ready = httpx.get(f"{base}/readyz", timeout=30)
                assert ready.status_code == 503
                stranger = httpx.post(f"{base}/v1/search", json={"query": "违建"}, timeout=30,
                                      headers={"X-API-Key": "hk_never-seen-before-000000000000000000"})
                assert stranger.status_code == 503
                metrics = httpx.get(f"{base}/metrics", timeout=30).text
                assert "hotline_query_logs_dropped_total 2.0" in metrics


def test_a_chunked_body_over_the_limit_is_413_in_the_error_shape(server):
    base, agent, _ = server

    def chunks():
        for _ in range(2 * 1024):
            yield b"x" * 1024  # 2 MB with no Content-Length: the server must count

    for path, headers in (("/v1/search", {"X-API-Key": agent}), ("/v1/portal/ask", {})):
        r = httpx.post(base + path, content=chunks(), headers={**headers, "content-type": "application/json"},
                       timeout=60)
        assert r.status_code == 413, (path, r.text)
        assert r.json()["error"]["code"] == "payload_too_large"


def _raw_get(base: str, target: str) -> tuple[int, str, bytes]:
    import socket

    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall(f"GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    content_type = next(line.split(":", 1)[1].strip() for line in lines if line.lower().startswith("content-type"))
    return int(lines[0].split()[1]), content_type, body


@pytest.mark.parametrize("length, status", [(9_000, 414), (90_000, 400)])
def test_over_long_urls_are_refused_in_the_json_error_shape(server, length, status):
    # 9 kB passes the HTTP parser and meets the app's limit; 90 kB is refused by the parser itself.
    import json

    base, _, _ = server
    code, content_type, body = _raw_get(base, "/v1/faqs?q=" + "a" * length)
    assert code == status
    assert content_type == "application/json"
    assert json.loads(body)["error"]["message"]


def test_an_empty_body_says_a_json_object_is_needed(server):
    base, agent, _ = server
    r = httpx.post(f"{base}/v1/search", content=b"", headers={"X-API-Key": agent, "content-type": "application/json"},
                   timeout=30)
    assert r.status_code == 422
    assert r.json()["error"]["message"] == "请求体不能为空：需要一个 JSON 对象。"
