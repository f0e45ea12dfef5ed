"""Work orders over HTTP: import, push, the queue with masking by role, actions, classify,
draft reply and statistics, on SQLite and PostgreSQL with the real index and encoder."""

import pytest

from tests.conftest import app_with_keys, make_settings
from tests.test_workorders import export, row


@pytest.fixture(scope="module")
def service(built, model, migrated_db_url, tmp_path_factory):
    index_settings, _ = built
    settings = make_settings(tmp_path_factory.mktemp("orders"), index_root=index_settings.index_path,
                             database_url=migrated_db_url)
    with app_with_keys(settings, model, "staff") as service:
        yield service


def h(keys, role):
    return {"X-API-Key": keys[role]}


@pytest.fixture(scope="module")
def imported(service):
    client, keys = service
    data = export(row(number="T1", content="村里有人在耕地上盖房子，已经盖到二层了，没人管吗？我电话13912345678"),
                  row(number="T2", kind="咨询", content="我想查一下我家房子的不动产登记信息，要带什么材料去哪里办？"))
    response = client.post("/v1/orders/import", content=data, headers={**h(keys, "editor"), "Content-Type": "text/csv"})
    assert response.status_code == 201, response.text
    return response.json()


def test_import_creates_classifies_and_is_idempotent(service, imported):
    client, keys = service
    assert (imported["created"], imported["updated"], imported["classifying"]) == (2, 0, 2)
    again = client.post("/v1/orders/import", content=export(row(number="T1", content="村里有人在耕地上盖房子，已经盖到二层了，没人管吗？我电话13912345678")),
                        headers={**h(keys, "editor"), "Content-Type": "text/csv"})
    assert again.status_code == 201 and (again.json()["created"], again.json()["unchanged"]) == (0, 1)


def test_agents_may_not_import_and_a_bad_file_names_its_rows(service):
    client, keys = service
    refused = client.post("/v1/orders/import", content=export(row()), headers={**h(keys, "agent"), "Content-Type": "text/csv"})
    assert refused.status_code == 403
    bad = client.post("/v1/orders/import", content=export(row(number="T9", kind="闲聊")),
                      headers={**h(keys, "editor"), "Content-Type": "text/csv"})
    assert bad.status_code == 422
    assert bad.json()["error"]["rows"] == [{"row": 2, "column": "诉求类型", "message": "诉求类型不认识：「闲聊」"}]


def test_the_queue_masks_contact_data_except_for_privileged_roles(service, imported):
    client, keys = service
    listed = client.get("/v1/orders", headers=h(keys, "agent"), params={"q": "T1"}).json()
    assert listed["total"] == 1
    order = listed["orders"][0]
    assert order["caller_phone"] == "138****5678" and "13912345678" not in order["content"]
    assert order["category"] and order["category_confidence"] is not None
    full = client.get(f"/v1/orders/{order['id']}", headers=h(keys, "admin")).json()
    assert full["caller_phone"] == "13812345678" and "13912345678" in full["content"]
    assert [e["action"] for e in full["history"]][:2] == ["import", "classify"]


def test_actions_follow_the_lifecycle_and_refuse_illegal_steps(service, imported):
    client, keys = service
    order = client.get("/v1/orders", headers=h(keys, "agent"), params={"q": "T2"}).json()["orders"][0]
    early = client.post(f"/v1/orders/{order['id']}/actions/reply", headers=h(keys, "agent"), json={"note": "答复"})
    assert early.status_code == 409 and "待接单" in early.json()["error"]["message"]
    assert client.post(f"/v1/orders/{order['id']}/actions/urge", headers=h(keys, "agent"),
                       json={"note": "快点"}).status_code == 403
    accepted = client.post(f"/v1/orders/{order['id']}/actions/accept", headers=h(keys, "agent"), json={})
    assert accepted.json()["status"] == "in_progress"
    drafted = client.post(f"/v1/orders/{order['id']}/draft", headers=h(keys, "agent")).json()
    assert drafted["draft_reply"] and drafted["draft_citations"]
    corrected = client.put(f"/v1/orders/{order['id']}/category", headers=h(keys, "agent"),
                           json={"category": ["不动产登记", "x", "y"]})
    assert corrected.status_code == 422 and "分类不在分类体系中" in corrected.json()["error"]["message"]


def test_stats_give_rates_and_breakdowns(service, imported):
    client, keys = service
    got = client.get("/v1/orders/stats", headers=h(keys, "agent"), params={"start": "2026-11-01", "end": "2026-11-30"})
    assert got.status_code == 200
    body = got.json()
    assert body["rates"]["orders"] >= 2
    assert {r["key"] for r in body["breakdowns"]["request_type"]} == {"consult"}
    assert client.get("/v1/orders/stats", headers=h(keys, "agent"),
                      params={"start": "2026-11-30", "end": "2026-11-01"}).status_code == 422
