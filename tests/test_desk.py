"""The page-support API (api/routes/desk.py) through TestClient, on SQLite and PostgreSQL."""

import csv
import io

import pytest

from tests.conftest import app_with_keys, make_settings

CITATION = "land-administration-law/a62"


@pytest.fixture(scope="module")
def service(built, model, migrated_db_url, tmp_path_factory):
    index_settings, _ = built
    settings = make_settings(tmp_path_factory.mktemp("desk"), index_root=index_settings.index_path,
                             database_url=migrated_db_url, portal_rate_limit="10000/minute")
    with app_with_keys(settings, model, "desk") as (client, keys):
        yield client, {role: {"X-API-Key": k} for role, k in keys.items()}


def _csv(rows) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


def test_whoami_names_the_key_and_its_role(service):
    client, keys = service
    assert client.get("/v1/whoami", headers=keys["editor"]).json() == {
        "name": "editor-desk", "role": "editor", "prefix": keys["editor"]["X-API-Key"][:8]}
    assert client.get("/v1/whoami").status_code == 401
    assert client.get("/v1/whoami", headers={"X-API-Key": "hk_wrong"}).status_code == 401


def test_import_export_need_an_editor_key(service):
    client, keys = service
    for headers, status in ((None, 401), (keys["agent"], 403)):
        assert client.get("/v1/faqs/export", headers=headers).status_code == status
        assert client.post("/v1/faqs/import", content=b"a,b", headers=headers).status_code == status
        assert client.get("/v1/analytics/gaps/grouped", headers=headers).status_code == status


def test_import_is_all_or_nothing_and_export_returns_files(service):
    client, keys = service
    before = len(client.get("/v1/faqs?limit=500", headers=keys["editor"]).json())
    bad = _csv([["问题", "答复", "引用依据"], ["desk 问题一", "答复一", CITATION], ["desk 问题二", "答复二", "missing/a1"]])
    response = client.post("/v1/faqs/import?format=csv", content=bad, headers=keys["editor"])
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_rows"
    assert error["rows"] == [{"row": 3, "column": "引用依据", "message": "引用的条文不存在：missing/a1"}]
    assert len(client.get("/v1/faqs?limit=500", headers=keys["editor"]).json()) == before

    good = _csv([["问题", "答复", "引用依据"], ["desk 问题一", "答复一", CITATION], ["desk 问题二", "答复二", ""]])
    response = client.post("/v1/faqs/import", content=good, headers={**keys["editor"], "Content-Type": "text/csv"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["created"] == 2
    first = client.get(f"/v1/faqs/{body['ids'][0]}", headers=keys["editor"]).json()  # /{id} still routes
    assert (first["status"], first["author"]) == ("draft", "editor-desk")

    csv_file = client.get("/v1/faqs/export?format=csv", headers=keys["editor"])
    assert csv_file.status_code == 200 and csv_file.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv_file.headers["content-disposition"]
    assert "desk 问题二" in csv_file.content.decode("utf-8-sig")
    xlsx = client.get("/v1/faqs/export?format=xlsx&status=draft", headers=keys["admin"])
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert client.get("/v1/faqs/export?format=pdf", headers=keys["editor"]).status_code == 422


def test_gaps_grouped_by_meaning(service):
    client, keys = service
    for question in ("明天北京天气怎么样", "后天北京天气如何", "明天北京天气怎么样"):
        client.post("/v1/portal/ask", json={"question": question})
    logged = client.post("/v1/portal/ask", json={"question": "农村一户能有几处宅基地"}).json()
    client.post("/v1/feedback", json={"log_id": logged["log_id"], "rating": "not_helpful"})
    body = client.get("/v1/analytics/gaps/grouped", headers=keys["editor"]).json()
    weather = next(g for g in body["groups"] if "明天北京天气怎么样" in g["variants"])
    assert weather["question"] == "明天北京天气怎么样" and weather["count"] >= 3
    assert "后天北京天气如何" in weather["variants"]
    homestead = next(g for g in body["groups"] if "农村一户能有几处宅基地" in g["variants"])
    assert homestead["negative_feedback"] >= 1
    strict = client.get("/v1/analytics/gaps/grouped?threshold=1.0", headers=keys["editor"]).json()
    assert len(strict["groups"]) > len(body["groups"])  # the weather paraphrases split apart
    assert client.get("/v1/analytics/gaps/grouped?threshold=2", headers=keys["editor"]).status_code == 422
