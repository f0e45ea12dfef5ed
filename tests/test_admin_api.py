"""Admin API: keys, the audit log, crawl-run failures, sources, and per index version what
changed and its regression gate figures. On SQLite and PostgreSQL, against a local fixture site."""

import json
import secrets
import time

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from assistant import index as store
from assistant.audit import ACTIONS
from assistant.db import migrate
from assistant.keys import create_key
from eval.fixture_site import FixtureSite, detail_page, list_page, load_statute, scanned_pdf
from ingest.build import build_index
from ingest.runs import GATE_FILE, gate_record, update_index
from tests.conftest import copy_corpus
from tests.test_crawl import crawl_settings, write_sources

PHONE = "13812345678"
ID_NUMBER = "110101199003071234"
A, G = "farmland-occupation-tax-law.md", "land-administration-law.md"  # G is also bundled


@pytest.fixture(scope="module")
def admin_service(tmp_path_factory, model, migrated_db_url):
    """(client, keys by role, settings, site statute A, initial version): an app over a two-law
    index with a fixture site to crawl: A (new), a crawled copy of the bundled G, a page that
    is gone (404) and a scanned PDF (not indexed)."""
    tmp = tmp_path_factory.mktemp("admin-api")
    with FixtureSite() as site:
        a, g = load_statute(A), load_statute(G)
        site.put("/robots.txt", "User-agent: *\nAllow: /\n", content_type="text/plain")
        site.put("/zcwj/t1.html", detail_page(a, "京政发〔2024〕9号", attachments=[("附件：扫描件.pdf", "./scan.pdf")]))
        site.put("/zcwj/scan.pdf", scanned_pdf(), content_type="application/pdf")
        site.put("/zcwj/t2.html", detail_page(g, "主席令第32号"))
        site.put("/zcwj/index.html", list_page([("./t1.html", a.title, "2024-01-01"), ("./t2.html", g.title, "2019-08-26"),
                                                ("./t404.html", "已撤下", "2024-01-03")], None))
        settings = crawl_settings(tmp, sources_file=write_sources(tmp, site.base)).model_copy(
            update={"database_url": migrated_db_url})
        initial = build_index(settings, model=model).version
        app = create_app(settings, model)
        with TestClient(app) as client:
            with app.state.hotline.sessions() as s:
                tag = secrets.token_hex(3)  # the database is shared with other modules: names of our own
                keys = {r: create_key(s, r, f"{r}-admin-api-{tag}")[1] for r in ("agent", "editor", "admin")}
                s.commit()
            yield client, keys, settings, a, initial


def key(keys, role):
    return {"X-API-Key": keys[role]} if role else {}


def admin_name(client, keys) -> str:
    return client.get("/v1/whoami", headers=key(keys, "admin")).json()["name"]


def error(response, status: int) -> str:
    assert response.status_code == status, response.text
    message = response.json()["error"]["message"]
    assert message
    return message


def audit(client, keys, **params) -> dict:
    response = client.get("/v1/audit", params=params, headers=key(keys, "admin"))
    assert response.status_code == 200, response.text
    return response.json()


def wait_for(client, keys, path: str, seconds: float = 180) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = client.get(path, headers=key(keys, "admin")).json()
        if job["status"] != "running":
            return job
        time.sleep(0.3)
    raise AssertionError(f"{path} still running")


@pytest.fixture(scope="module")
def crawled(admin_service):
    """The fixture site crawled once through the API: the finished run."""
    client, keys, *_ = admin_service
    started = client.post("/v1/ingest/runs", json={"source": "fixture"}, headers=key(keys, "admin"))
    assert started.status_code == 202, started.text
    run = wait_for(client, keys, f"/v1/ingest/runs/{started.json()['id']}")
    assert run["status"] == "succeeded", run["message"]
    return run


ADMIN_ROUTES = [("get", "/v1/keys", None), ("post", "/v1/keys", {"name": "x", "role": "agent"}),
                ("post", "/v1/keys/1/revoke", None), ("get", "/v1/audit", None),
                ("get", "/v1/ingest/sources", None), ("get", "/v1/ingest/runs/1/pages", None)]


@pytest.mark.parametrize("method, path, body", ADMIN_ROUTES, ids=[f"{m} {p}" for m, p, _ in ADMIN_ROUTES])
@pytest.mark.parametrize("role, status", [(None, 401), ("agent", 403), ("editor", 403)])
def test_admin_routes_refuse_other_roles(admin_service, method, path, body, role, status):
    client, keys, *_ = admin_service
    response = getattr(client, method)(path, headers=key(keys, role), **({"json": body} if body else {}))
    message = error(response, status)
    if status == 403:
        assert "admin" in message


def test_a_key_is_created_shown_once_used_listed_and_revoked_with_audit(admin_service):
    client, keys, *_ = admin_service
    admin = key(keys, "admin")
    created = client.post("/v1/keys", json={"name": f"坐席 王五 {PHONE}", "role": "agent"}, headers=admin)
    assert created.status_code == 201, created.text
    body = created.json()
    secret, key_id = body["secret"], body["id"]
    assert secret.startswith("hk_") and body["prefix"] == secret[:8] and body["role"] == "agent"
    assert body["last_used_at"] is None and body["revoked_at"] is None

    assert client.get("/v1/whoami", headers={"X-API-Key": secret}).json()["role"] == "agent"
    listed = {k["id"]: k for k in client.get("/v1/keys", headers=admin).json()}
    assert listed[key_id]["last_used_at"] is not None and listed[key_id]["name"] == f"坐席 王五 {PHONE}"
    assert "secret" not in listed[key_id] and secret not in json.dumps(listed, ensure_ascii=False)
    assert [k["id"] for k in listed.values() if k["current"]] == [
        next(k["id"] for k in listed.values() if k["name"] == admin_name(client, keys))]

    revoked = client.post(f"/v1/keys/{key_id}/revoke", headers=admin)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    error(client.get("/v1/whoami", headers={"X-API-Key": secret}), 401)
    again = client.post(f"/v1/keys/{key_id}/revoke", headers=admin)  # idempotent, not audited twice
    assert again.status_code == 200 and again.json()["revoked_at"] == revoked.json()["revoked_at"]

    entries = audit(client, keys, target=f"key/{key_id}")["entries"]
    assert [e["action"] for e in entries] == ["key_revoke", "key_create"]
    assert {e["actor"] for e in entries} == {admin_name(client, keys)}
    create_entry = entries[1]
    assert "[手机号]" in create_entry["detail"] and PHONE not in json.dumps(entries, ensure_ascii=False)
    assert "坐席" in create_entry["detail"] and secret[:8] in create_entry["detail"]
    assert secret not in json.dumps(audit(client, keys, limit=200), ensure_ascii=False)


@pytest.mark.parametrize("body, status, words", [
    ({"name": "x", "role": "root"}, 422, "role"),
    ({"name": "   ", "role": "agent"}, 422, "name"),
    ({"name": "x" * 201, "role": "agent"}, 422, "name"),
    ({"name": "x\x00", "role": "agent"}, 422, "控制字符"),
    ({"role": "agent"}, 422, "缺少必填字段"),
    ({"name": "x", "role": "agent", "secret": "hk_mine"}, 422, "不支持的字段"),
])
def test_bad_key_input_is_refused_in_chinese(admin_service, body, status, words):
    client, keys, *_ = admin_service
    assert words in error(client.post("/v1/keys", json=body, headers=key(keys, "admin")), status)


def test_revoking_an_unknown_or_ones_own_key_is_refused(admin_service):
    client, keys, *_ = admin_service
    admin = key(keys, "admin")
    assert "未找到" in error(client.post("/v1/keys/2000000000/revoke", headers=admin), 404)
    error(client.post("/v1/keys/0/revoke", headers=admin), 422)
    own = next(k["id"] for k in client.get("/v1/keys", headers=admin).json() if k["current"])
    assert "正在使用" in error(client.post(f"/v1/keys/{own}/revoke", headers=admin), 409)
    assert client.get("/v1/whoami", headers=admin).status_code == 200


def test_sources_come_from_the_sources_file(admin_service):
    client, keys, *_ = admin_service
    [source] = client.get("/v1/ingest/sources", headers=key(keys, "admin")).json()
    assert source["name"] == "fixture" and source["title"] == "测试站点 政策文件" and source["enabled"]


def test_a_crawl_start_is_audited_and_its_failures_are_listed_with_the_reason(admin_service, crawled):
    client, keys, *_ = admin_service
    admin = key(keys, "admin")
    [entry] = audit(client, keys, action="crawl_start", target=f"run/{crawled['id']}")["entries"]
    assert entry["actor"] == admin_name(client, keys) and "fixture" in entry["detail"]
    assert crawled["counts"]["failed"] == 1 and crawled["counts"]["not_indexed"] == 1

    pages = client.get(f"/v1/ingest/runs/{crawled['id']}/pages", headers=admin).json()
    assert pages["total"] == 2
    by_status = {p["status"]: p for p in pages["pages"]}
    assert by_status["failed"]["url"].endswith("/zcwj/t404.html") and by_status["failed"]["error"] == "HTTP 404"
    assert by_status["not_indexed"]["url"].endswith("/zcwj/scan.pdf") and "扫描件" in by_status["not_indexed"]["error"]
    second = client.get(f"/v1/ingest/runs/{crawled['id']}/pages?limit=1&offset=1", headers=admin).json()
    assert second["total"] == 2 and [p["url"] for p in second["pages"]] == [pages["pages"][1]["url"]]
    only_failed = client.get(f"/v1/ingest/runs/{crawled['id']}/pages?status=failed", headers=admin).json()
    assert [p["status"] for p in only_failed["pages"]] == ["failed"]
    assert "status" in error(client.get(f"/v1/ingest/runs/{crawled['id']}/pages?status=new", headers=admin), 422)
    assert "未找到" in error(client.get("/v1/ingest/runs/999999/pages", headers=admin), 404)


def test_run_history_pages(admin_service, crawled):
    client, keys, *_ = admin_service
    admin = key(keys, "admin")
    first = client.get("/v1/ingest/runs?limit=1", headers=admin).json()
    assert len(first) == 1
    everything = client.get("/v1/ingest/runs?limit=200", headers=admin).json()
    assert crawled["id"] in [r["id"] for r in everything]
    assert client.get("/v1/ingest/runs?limit=1&offset=1", headers=admin).json() == everything[1:2]
    error(client.get("/v1/ingest/runs?limit=0", headers=admin), 422)


def test_each_version_says_what_it_changed_and_how_the_gate_scored_it(admin_service, crawled):
    client, keys, settings, a, initial = admin_service
    versions = {v["version"]: v for v in client.get("/v1/indexes", headers=key(keys, "admin")).json()}
    first, built = versions[initial], versions[crawled["index_version"]]
    assert first["changes"]["previous"] is None and first["gate"] is None  # built by hand: no gate ran
    assert {d["doc_id"] for d in first["changes"]["added"]} == {"urban-rural-planning-law", "land-administration-law"}

    changes = built["changes"]
    assert changes["previous"] == initial
    assert [d["title"] for d in changes["added"]] == [a.title] and changes["removed"] == []
    [merged] = changes["changed"]  # the crawled copy of a bundled law: one document, now citing the official page
    assert merged["doc_id"] == "land-administration-law" and merged["passages_changed"] == merged["passages"] > 0
    gate = built["gate"]
    assert gate["passed"] and gate["against"] == initial and gate["compared"] > 0
    assert 0 <= gate["live_recall"] <= 1 and 0 <= gate["new_recall"] <= 1
    assert f"{gate['live_recall']:.3f} → {gate['new_recall']:.3f}" in gate["message"]
    stored = json.loads((settings.index_path / crawled["index_version"] / GATE_FILE).read_text(encoding="utf-8"))
    assert {k: v for k, v in gate.items() if k != "checked_at"} == {k: v for k, v in stored.items() if k != "checked_at"}


def test_activation_is_audited_with_the_switch(admin_service, crawled):
    client, keys, _, _, initial = admin_service
    admin = key(keys, "admin")
    live = crawled["index_version"]
    try:
        assert client.post(f"/v1/indexes/{initial}/activate", headers=admin).status_code == 200
    finally:
        assert client.post(f"/v1/indexes/{live}/activate", headers=admin).status_code == 200
    entries = audit(client, keys, action="index_activate")["entries"]
    back, rollback = entries[0], entries[1]
    assert (back["target"], rollback["target"]) == (f"index/{live}", f"index/{initial}")
    assert initial in rollback["detail"] and live in rollback["detail"]
    error(client.post("/v1/indexes/no-such/activate", headers=admin), 404)
    assert audit(client, keys, target="index/no-such")["total"] == 0  # refused actions are not recorded


def test_an_upload_is_audited_without_personal_data(admin_service, crawled):
    client, keys, *_ = admin_service
    title = f"试点地块规划条件说明（联系人身份证 {ID_NUMBER}）"
    article = f"第一条 试点地块的规划条件应当在出让前出具。（编号 {secrets.token_hex(4)}）"
    response = client.post("/v1/ingest/uploads", headers=key(keys, "editor"),
                           files={"file": ("pilot.md", f"# 说明\n\n{article}\n".encode(), "text/markdown")},
                           data={"title": title})
    assert response.status_code == 202, response.text
    started = response.json()
    assert wait_for(client, keys, started["poll"])["status"] == "succeeded"
    [entry] = audit(client, keys, action="upload", target=f"document/{started['doc_id']}")["entries"]
    editor = client.get("/v1/whoami", headers=key(keys, "editor")).json()["name"]
    assert entry["actor"] == editor and "[身份证号]" in entry["detail"] and ID_NUMBER not in entry["detail"]
    assert f"#{started['run_id']}" in entry["detail"] and "pilot.md" in entry["detail"]


def test_the_audit_view_includes_faq_history_and_filters_and_pages(admin_service):
    client, keys, *_ = admin_service
    editor = key(keys, "editor")
    question = f"审计测试问题 {secrets.token_hex(3)} 电话 {PHONE}"
    faq = client.post("/v1/faqs", headers=editor, json={
        "question": question, "answer": "答复。", "citations": ["land-administration-law/a62"]}).json()
    assert client.post(f"/v1/faqs/{faq['id']}/submit", headers=editor).status_code == 200
    assert client.post(f"/v1/faqs/{faq['id']}/publish", headers=key(keys, "admin")).status_code == 200  # four eyes
    editor_name = client.get("/v1/whoami", headers=editor).json()["name"]
    reviewer = admin_name(client, keys)

    mine = audit(client, keys, target=f"faq/{faq['id']}")
    assert [(e["action"], e["actor"]) for e in mine["entries"]] == [
        ("faq_publish", reviewer), ("faq_submit", editor_name), ("faq_create", editor_name)]
    assert all(e["detail"] == question.replace(PHONE, "[手机号]") for e in mine["entries"])
    assert mine["total"] == 3 and all(e["source"] == "faq_versions" for e in mine["entries"])

    published = audit(client, keys, action="faq_publish", actor=reviewer)
    assert [e["target"] for e in published["entries"]] == [f"faq/{faq['id']}"]
    assert audit(client, keys, kind="admin", target=f"faq/{faq['id']}")["total"] == 0
    assert all(e["action"].startswith("faq_") for e in audit(client, keys, kind="editorial", limit=200)["entries"])
    assert all(not e["action"].startswith("faq_") for e in audit(client, keys, kind="admin", limit=200)["entries"])

    everything = audit(client, keys, limit=200)
    assert everything["total"] >= 3
    ats = [e["at"] for e in everything["entries"]]
    assert ats == sorted(ats, reverse=True)
    page = audit(client, keys, limit=2, offset=1)
    assert page["total"] == everything["total"] and page["entries"] == everything["entries"][1:3]

    from datetime import date, timedelta

    today = date.today()
    assert audit(client, keys, target=f"faq/{faq['id']}", start=str(today - timedelta(days=1)),
                 end=str(today + timedelta(days=1)))["total"] == 3
    assert audit(client, keys, target=f"faq/{faq['id']}", end=str(today - timedelta(days=2)))["total"] == 0
    assert audit(client, keys, target="faq/99999999999")["total"] == 0  # beyond any row id: nothing, not an error


@pytest.mark.parametrize("params, words", [
    ({"action": "delete_everything"}, "action"),
    ({"kind": "secret"}, "kind"),
    ({"start": "2026-12-06", "end": "2026-12-01"}, "结束日期不能早于开始日期"),
    ({"start": "1900-01-01"}, "日期超出范围"),
    ({"end": "9999-12-31"}, "日期超出范围"),
    ({"start": "昨天"}, "start"),
    ({"limit": "0"}, "limit"),
    ({"limit": "201"}, "limit"),
    ({"actor": "管理员\x00"}, "控制字符"),
    ({"target": "x" * 401}, "target"),
])
def test_bad_audit_filters_are_a_422_naming_the_problem(admin_service, params, words):
    client, keys, *_ = admin_service
    assert words in error(client.get("/v1/audit", params=params, headers=key(keys, "admin")), 422)


def test_vocabularies_label_every_audit_action_and_run_count(admin_service):
    client, _, *_ = admin_service
    vocab = {name: {i["value"]: i["label"] for i in items}
             for name, items in client.get("/v1/meta/vocabularies").json().items()}
    assert set(vocab["audit_actions"]) == set(ACTIONS)
    assert vocab["audit_actions"]["key_revoke"] == "停用密钥" and vocab["audit_actions"]["faq_publish"] == "FAQ 审核发布"
    assert vocab["crawl_counts"]["not_indexed"] == "未收录" and vocab["crawl_page_statuses"]["failed"] == "请求失败"


# ---------- the index build and update, without the API ----------

def test_the_manifest_lists_documents_added_changed_and_removed(tmp_path, model):
    settings = crawl_settings(tmp_path)
    first = build_index(settings, model=model)
    bundled = settings.corpus_path
    (bundled / "urban-rural-planning-law.md").unlink()
    copy_corpus(bundled, ("surveying-and-mapping-law.md",))
    land = bundled / "land-administration-law.md"
    land.write_text(land.read_text(encoding="utf-8").replace(
        "第一条 ", f"第一条 （修订 {secrets.token_hex(3)}）", 1), encoding="utf-8")
    second = build_index(settings, model=model)

    changes = json.loads((second.path / store.MANIFEST).read_text(encoding="utf-8"))["changes"]
    assert changes["previous"] == first.version
    [added], [changed], [removed] = changes["added"], changes["changed"], changes["removed"]
    assert added["doc_id"] == "surveying-and-mapping-law" and added["title"] == "中华人民共和国测绘法"
    assert added["passages"] == sum(1 for p in store.load_version(settings.index_path).passages
                                    if p.doc_id == "surveying-and-mapping-law")
    assert (changed["doc_id"], changed["passages_changed"], changed["passages_added"], changed["passages_removed"]) \
        == ("land-administration-law", 1, 0, 0)
    assert removed["doc_id"] == "urban-rural-planning-law" and removed["passages"] > 0
    third = build_index(settings, model=model)  # nothing changed since
    same = json.loads((third.path / store.MANIFEST).read_text(encoding="utf-8"))["changes"]
    assert same == {"previous": second.version, "added": [], "changed": [], "removed": []}


def test_an_index_update_keeps_its_gate_figures_beside_the_manifest(tmp_path, model):
    settings = crawl_settings(tmp_path, gate_max_recall_drop=-1.0)  # demands an impossible gain
    migrate(settings.database)
    live = build_index(settings, model=model).version
    land = settings.corpus_path / "land-administration-law.md"
    land.write_text(land.read_text(encoding="utf-8").replace("第一条 ", "第一条 （修改）", 1), encoding="utf-8")
    update = update_index(settings, model=model)
    assert update.status == "gated"
    gate = gate_record(settings.index_path, update.version)
    assert gate["passed"] is False and gate["against"] == live
    assert gate["compared"] > 0 and gate["skipped"] > 0  # questions on the changed law are left out
    assert gate["message"] in update.message and f"{gate['new_recall']:.3f}" in gate["message"]
    assert gate_record(settings.index_path, live) is None
    assert not list((settings.index_path / update.version).glob(".*tmp*"))  # written atomically: no leftovers
