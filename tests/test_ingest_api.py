"""Crawl runs and uploads through the HTTP API, against a local fixture site."""

import secrets
import time

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from assistant.keys import create_key
from eval.fixture_site import FixtureSite, detail_page, list_page, load_statute, pdf_with_text, scanned_pdf
from tests.test_crawl import crawl_settings, write_sources

# The marker keeps the text new to the shared embedding cache, so the upload must embed it.
UPLOADED_ARTICLE = ("第一条 本市集体经营性建设用地入市试点地块的规划条件由区规划自然资源部门在出让前六十日内出具。"
                    f"（编号 {secrets.token_hex(4)}）")


@pytest.fixture(scope="module")
def ingest_service(tmp_path_factory, model):
    tmp = tmp_path_factory.mktemp("ingest-api")
    with FixtureSite() as site:
        statute = load_statute("farmland-occupation-tax-law.md")
        site.put("/robots.txt", "User-agent: *\nAllow: /\n", content_type="text/plain")
        site.put("/zcwj/t1.html", detail_page(statute, "京政发〔2024〕9号"))
        site.put("/zcwj/index.html", list_page([("./t1.html", statute.title, "2024-01-01")], None))
        settings = crawl_settings(tmp, sources_file=write_sources(tmp, site.base))
        from ingest.build import build_index

        build_index(settings, model=model)
        app = create_app(settings, model)
        with TestClient(app) as client:
            with app.state.hotline.sessions() as s:
                keys = {r: create_key(s, r, f"{r}-ingest")[1] for r in ("agent", "editor", "admin")}
                s.commit()
            yield client, keys, statute


def key(keys, role):
    return {"X-API-Key": keys[role]}


def wait_for(client, keys, run_id, seconds=180):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run = client.get(f"/v1/ingest/runs/{run_id}", headers=key(keys, "admin")).json()
        if run["status"] not in ("running",):
            return run
        time.sleep(0.5)
    raise AssertionError(f"run {run_id} still running")


def test_crawl_run_via_api_reports_progress_and_makes_documents_searchable(ingest_service):
    client, keys, statute = ingest_service
    started = client.post("/v1/ingest/runs", json={}, headers=key(keys, "admin"))
    assert started.status_code == 202, started.text
    run = wait_for(client, keys, started.json()["id"])
    assert run["status"] == "succeeded", run["message"]
    assert run["counts"]["new"] == 1 and run["index_version"]
    assert run["progress"]
    listed = client.get("/v1/ingest/runs", headers=key(keys, "admin")).json()
    assert listed[0]["id"] == run["id"]
    hits = client.post("/v1/search", json={"query": statute.title, "top_k": 5}, headers=key(keys, "agent")).json()
    assert statute.title in [h["title"] for h in hits["results"]]


@pytest.mark.parametrize("role, status", [(None, 401), ("agent", 403), ("editor", 403)])
def test_crawl_runs_need_admin(ingest_service, role, status):
    client, keys, _ = ingest_service
    headers = key(keys, role) if role else {}
    assert client.post("/v1/ingest/runs", json={}, headers=headers).status_code == status
    assert client.get("/v1/ingest/runs/1", headers=headers).status_code == status


def test_crawl_run_bad_input(ingest_service):
    client, keys, _ = ingest_service
    unknown = client.post("/v1/ingest/runs", json={"source": "no-such-site"}, headers=key(keys, "admin"))
    assert unknown.status_code == 422 and "no-such-site" in unknown.json()["error"]["message"]
    assert client.post("/v1/ingest/runs", json={"max_pages": 0}, headers=key(keys, "admin")).status_code == 422
    assert client.get("/v1/ingest/runs/999999", headers=key(keys, "admin")).status_code == 404


def wait_for_upload(client, keys, run_id, seconds=180):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = client.get(f"/v1/ingest/uploads/{run_id}", headers=key(keys, "editor")).json()
        if job["status"] != "running":
            return job
        time.sleep(0.2)
    raise AssertionError(f"upload job {run_id} still running")


def test_uploaded_document_is_answerable_once_its_job_finishes(ingest_service):
    client, keys, _ = ingest_service
    markdown = f"# 试点办法\n\n## 第一章 总则\n\n{UPLOADED_ARTICLE}\n".encode()
    response = client.post("/v1/ingest/uploads", headers=key(keys, "editor"),
                           files={"file": ("pilot.md", markdown, "text/markdown")},
                           data={"title": "北京市集体经营性建设用地入市试点办法", "doc_type": "规范性文件",
                                 "issuer": "北京市规划和自然资源委员会", "publish_date": "2024-05-01"})
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["doc_id"].startswith("upload/") and body["status"] == "running"
    job = wait_for_upload(client, keys, body["run_id"])
    assert job["status"] == "succeeded", job
    assert job["counts"]["embedded"] >= 1 and job["index_version"]
    hits = client.post("/v1/search", json={"query": "集体经营性建设用地入市的规划条件多久出具", "top_k": 3},
                       headers=key(keys, "agent")).json()["results"]
    assert hits[0]["title"] == "北京市集体经营性建设用地入市试点办法"
    assert hits[0]["label"] == "第一条"


def test_uploaded_pdf_with_text_is_indexed(ingest_service):
    client, keys, _ = ingest_service
    pdf = pdf_with_text(["第一条 测试地块的土壤污染状况调查报告应当在出让前完成评审。"], "土壤调查规定")
    response = client.post("/v1/ingest/uploads", headers=key(keys, "admin"),
                           files={"file": ("soil.pdf", pdf, "application/pdf")}, data={"title": "土壤调查规定"})
    assert response.status_code == 202, response.text
    assert wait_for_upload(client, keys, response.json()["run_id"])["status"] == "succeeded"


@pytest.mark.parametrize("filename, content, message", [
    ("scan.pdf", None, "扫描件"),
    ("notes.txt", b"hello", "不支持的文件类型"),
    ("fake.pdf", b"not a pdf", "不是有效的 PDF"),
    ("empty.md", b"", "为空"),
])
def test_bad_uploads_are_refused_with_a_reason(ingest_service, filename, content, message):
    client, keys, _ = ingest_service
    data = scanned_pdf() if content is None else content
    response = client.post("/v1/ingest/uploads", headers=key(keys, "editor"),
                           files={"file": (filename, data, "application/octet-stream")}, data={"title": "测试"})
    assert response.status_code == 422
    assert message in response.json()["error"]["message"]


def test_upload_needs_editor_and_a_title(ingest_service):
    client, keys, _ = ingest_service
    files = {"file": ("a.md", b"# a\n\ntext", "text/markdown")}
    assert client.post("/v1/ingest/uploads", files=files, data={"title": "x"}).status_code == 401
    assert client.post("/v1/ingest/uploads", headers=key(keys, "agent"), files=files,
                       data={"title": "x"}).status_code == 403
    missing = client.post("/v1/ingest/uploads", headers=key(keys, "editor"), files=files)
    assert missing.status_code == 422
    bad_type = client.post("/v1/ingest/uploads", headers=key(keys, "editor"), files=files,
                           data={"title": "x", "doc_type": "小说"})
    assert bad_type.status_code == 422 and "doc_type" in bad_type.json()["error"]["message"]


def test_a_docx_zip_bomb_upload_is_refused_and_the_service_does_not_grow(ingest_service):
    import io
    import zipfile

    import psutil

    client, keys, _ = ingest_service
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("word/document.xml", "w") as member:  # 1 GiB of zeros, ~1 MB compressed
            for _ in range(1024):
                member.write(b"\0" * (1 << 20))
    before = psutil.Process().memory_info().rss
    response = client.post("/v1/ingest/uploads", headers=key(keys, "editor"),
                           files={"file": ("bomb.docx", buffer.getvalue(), "application/octet-stream")},
                           data={"title": "炸弹"})
    assert response.status_code == 422
    assert "压缩炸弹" in response.json()["error"]["message"]
    assert psutil.Process().memory_info().rss - before < 100 * (1 << 20)
