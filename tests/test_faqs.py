"""FAQ workflow and queries, on SQLite and PostgreSQL."""

import csv
import io
import json
import secrets
import threading
from datetime import date, timedelta

import numpy as np
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import func, select

from api.app import create_app
from assistant.db import QueryLog, beijing_today, session_factory
from assistant.errors import DomainError
from assistant.faqs import (
    FaqContent,
    SelfReview,
    create_faq,
    discard_revision,
    faq_history,
    faq_to_dict,
    find_duplicates,
    get_faq,
    list_faqs,
    near_duplicate_cosine,
    normalised,
    on_faq_commit,
    partial,
    publish_faq,
    published_faqs,
    restore_faq,
    retire_faq,
    submit_faq,
    update_faq,
)
from assistant.keys import create_key
from tests.conftest import make_settings


def _faq(**overrides) -> FaqContent:
    fields = dict(
        question="农村一户能有几处宅基地？",
        alternatives=["一户可以有两块宅基地吗", "宅基地能有几处"],
        answer="农村村民一户只能拥有一处宅基地。",
        citations=["land-administration-law/a62"],
        topic="宅基地",
    )
    return FaqContent(**(fields | overrides))


def _published(s, **overrides):
    faq = create_faq(s, _faq(**overrides), author="alice")
    submit_faq(s, faq.id, "alice")
    return publish_faq(s, faq.id, "bob")


def test_workflow_from_draft_to_retired(db_session):
    s = db_session
    faq = create_faq(s, _faq(), author="alice")
    s.commit()
    assert (faq.status, faq.version, faq.author, faq.reviewer) == ("draft", 1, "alice", None)
    assert published_faqs(s, {"public"}) == []

    submit_faq(s, faq.id, "alice")
    s.commit()
    assert (faq.status, faq.version) == ("in_review", 2)
    assert published_faqs(s, {"public"}) == []

    publish_faq(s, faq.id, "bob")
    s.commit()
    s.expire_all()
    faq = get_faq(s, faq.id)
    assert (faq.status, faq.version, faq.reviewer) == ("published", 3, "bob")
    assert faq.published_at is not None and faq.published_at.tzinfo is not None
    assert [f.id for f in published_faqs(s, {"public"})] == [faq.id]
    assert [f.id for f in published_faqs(s, {"agent", "public"})] == [faq.id]
    assert published_faqs(s, {"agent"}) == []

    retire_faq(s, faq.id, "carol")
    s.commit()
    assert (faq.status, faq.version) == ("retired", 4)
    assert faq.retired_at is not None
    assert published_faqs(s, {"public"}) == []


def test_invalid_transitions(db_session):
    s = db_session
    draft = create_faq(s, _faq(), author="alice")
    with pytest.raises(DomainError) as err:
        publish_faq(s, draft.id, "bob")
    assert err.value.code == "invalid_transition"
    assert "草稿" in str(err.value)

    published = _published(s)
    with pytest.raises(DomainError) as err:
        submit_faq(s, published.id, "alice")
    assert err.value.code == "invalid_transition"

    retire_faq(s, published.id, "carol")
    for action in (lambda: update_faq(s, published.id, {"answer": "新答复"}, "alice"),
                   lambda: submit_faq(s, published.id, "alice"),
                   lambda: publish_faq(s, published.id, "bob"),
                   lambda: retire_faq(s, published.id, "carol")):
        with pytest.raises(DomainError) as err:
            action()
        assert err.value.code == "invalid_transition"
        assert "已下线" in err.value.message
    assert get_faq(s, published.id).version == 4  # refused actions changed nothing

    submitted = create_faq(s, _faq(), author="alice")
    submit_faq(s, submitted.id, "alice")
    with pytest.raises(DomainError) as err:
        submit_faq(s, submitted.id, "alice")
    assert err.value.code == "invalid_transition"


def test_history_records_every_change_in_order(db_session):
    s = db_session
    faq = create_faq(s, _faq(), author="alice")
    update_faq(s, faq.id, {"answer": "一户只能拥有一处宅基地，面积不得超过规定标准。"}, "dave")
    submit_faq(s, faq.id, "alice")
    publish_faq(s, faq.id, "bob")
    s.commit()
    s.expire_all()
    history = faq_history(s, faq.id)
    assert [(h.version, h.action, h.actor) for h in history] == [
        (1, "create", "alice"), (2, "update", "dave"), (3, "submit", "alice"), (4, "publish", "bob")]
    assert history[0].snapshot["answer"] == "农村村民一户只能拥有一处宅基地。"
    assert history[1].snapshot["answer"].endswith("面积不得超过规定标准。")
    assert history[1].snapshot["alternatives"] == ["一户可以有两块宅基地吗", "宅基地能有几处"]
    assert [h.snapshot["status"] for h in history] == ["draft", "draft", "in_review", "published"]
    assert all(h.at.tzinfo is not None for h in history)
    assert [h.at for h in history] == sorted(h.at for h in history)
    with pytest.raises(DomainError) as err:
        faq_history(s, faq.id + 1000)
    assert err.value.code == "not_found"


def test_update_without_real_change_is_a_no_op(db_session):
    s = db_session
    faq = _published(s)
    update_faq(s, faq.id, {"topic": "宅基地", "valid_until": None}, "dave")
    update_faq(s, faq.id, {}, "dave")
    assert (faq.status, faq.version, len(faq_history(s, faq.id))) == ("published", 3, 3)


def test_update_validates_changes(db_session):
    s = db_session
    faq = create_faq(s, _faq(), author="alice")
    with pytest.raises(DomainError) as err:
        update_faq(s, faq.id, {"status": "published"}, "dave")
    assert (err.value.code, err.value.message) == ("invalid", "不能修改这些字段：status")
    with pytest.raises(DomainError) as err:
        update_faq(s, faq.id, {"question": "  ", "audience": "everyone"}, "dave")
    assert err.value.code == "invalid"
    assert "问题" in err.value.message and "受众" in err.value.message
    with pytest.raises(DomainError) as err:
        update_faq(s, faq.id, {"answer": "x"}, "")
    assert err.value.code == "invalid"
    with pytest.raises(DomainError) as err:
        update_faq(s, faq.id + 1000, {"answer": "x"}, "dave")
    assert err.value.code == "not_found"
    update_faq(s, faq.id, {"valid_until": "2099-12-31", "audience": "agent"}, "dave")
    assert (faq.valid_until, faq.audience, faq.version) == (date(2099, 12, 31), "agent", 2)


def test_publish_requires_a_citation_and_a_valid_date(db_session):
    s = db_session
    faq = create_faq(s, _faq(citations=[]), author="alice")
    submit_faq(s, faq.id, "alice")
    with pytest.raises(DomainError, match="引用依据") as err:
        publish_faq(s, faq.id, "bob")
    assert err.value.code == "invalid"
    update_faq(s, faq.id, {"citations": ["land-administration-law/a62"],
                           "valid_until": beijing_today() - timedelta(days=1)}, "alice")
    with pytest.raises(DomainError, match="有效期"):
        publish_faq(s, faq.id, "bob")
    update_faq(s, faq.id, {"valid_until": beijing_today()}, "alice")
    assert publish_faq(s, faq.id, "bob").status == "published"  # valid through today


def test_expired_faq_leaves_the_portal_and_is_stale(db_session):
    s = db_session
    current = _published(s, valid_until=beijing_today() + timedelta(days=30))
    expiring = _published(s, question="违建谁来查处？")
    # Time passes: the validity date is now behind us (set directly, as publishing refuses it).
    expiring.valid_until = beijing_today() - timedelta(days=1)
    s.commit()
    assert [f.id for f in published_faqs(s, {"public"})] == [current.id]
    assert [f.id for f in list_faqs(s, stale=True)] == [expiring.id]
    assert [f.id for f in list_faqs(s, stale=False)] == [current.id]
    assert faq_to_dict(expiring)["stale"] is True
    assert faq_to_dict(current)["stale"] is False


def test_list_faqs_filters(db_session):
    s = db_session
    a = _published(s)
    b = create_faq(s, _faq(question="房本丢了怎么补办？", alternatives=["不动产权证书遗失"],
                           answer="向不动产登记机构申请补发。", topic="不动产登记", audience="agent"),
                   author="alice")
    c = create_faq(s, _faq(question="100% 拆迁补偿？", topic="征收"), author="alice")
    s.commit()
    ids = lambda faqs: {f.id for f in faqs}  # noqa: E731
    assert ids(list_faqs(s)) == {a.id, b.id, c.id}
    assert ids(list_faqs(s, status="published")) == {a.id}
    assert ids(list_faqs(s, status="draft", topic="不动产登记")) == {b.id}
    assert ids(list_faqs(s, audience="agent")) == {b.id}
    assert ids(list_faqs(s, q="遗失")) == {b.id}  # matches an alternative phrasing
    assert ids(list_faqs(s, q="登记机构")) == {b.id}  # matches the answer
    assert ids(list_faqs(s, q="100%")) == {c.id}  # % is literal, not a wildcard
    assert ids(list_faqs(s, q="%")) == {c.id}
    assert list_faqs(s, q="不存在的词") == []
    assert len(list_faqs(s, limit=2)) == 2
    assert len(list_faqs(s, limit=2, offset=2)) == 1
    assert list_faqs(s)[0].id == c.id  # most recently changed first


def test_faq_to_dict_is_json_ready(db_session):
    faq = _published(db_session, valid_until=date(2099, 1, 1))
    data = json.loads(json.dumps(faq_to_dict(faq), ensure_ascii=False))
    assert data["question"] == "农村一户能有几处宅基地？"
    assert data["citations"] == ["land-administration-law/a62"]
    assert data["valid_until"] == "2099-01-01"
    assert (data["status"], data["version"], data["author"], data["reviewer"]) == ("published", 3, "alice", "bob")
    assert data["published_at"] and data["retired_at"] is None


def test_get_faq_not_found(db_session):
    with pytest.raises(DomainError) as err:
        get_faq(db_session, 123456)
    assert err.value.code == "not_found"
    assert "123456" in err.value.message


def test_faq_in_normalises_lists():
    data = FaqContent(question=" 问 ", answer="答", alternatives=["a", " ", "a", "b "], citations=["x", "x"])
    assert (data.question, data.alternatives, data.citations) == ("问", ["a", "b"], ["x"])


def test_patch_model_keeps_the_limits_and_makes_every_field_optional():
    patch = partial(FaqContent, "Patch")
    assert patch().model_dump(exclude_unset=True) == {}
    assert patch(answer="新答复").model_dump(exclude_unset=True) == {"answer": "新答复"}
    for bad in ({"question": "  "}, {"question": "问" * 501}, {"alternatives": ["问"] * 51},
                {"answer": "答\x00"}, {"audience": "everyone"}, {"status": "published"}):
        with pytest.raises(ValidationError):
            patch(**bad)


def test_the_matcher_reloads_after_a_commit_that_changed_a_faq_and_only_then(db_url, db_engine):
    sessions = session_factory(db_engine)
    reloads = []
    on_faq_commit(sessions, lambda: reloads.append(1))
    with sessions() as s:
        faq = create_faq(s, _faq(), author="alice")
        s.rollback()
    assert reloads == []  # rolled back: the matcher must not see it
    with sessions() as s:
        faq = create_faq(s, _faq(), author="alice")
        s.commit()
    assert reloads == [1]
    with sessions() as s:
        get_faq(s, faq.id)
        s.commit()  # read only: nothing to reload
        submit_faq(s, faq.id, "alice")
        publish_faq(s, faq.id, "bob")
        s.commit()
    assert reloads == [1, 1]


def test_concurrent_edits_queue_on_postgresql(db_backend, db_engine, db_session):
    if db_backend != "postgresql":
        pytest.skip("row locks are PostgreSQL-only; on SQLite the unique (faq_id, version) rejects a race")
    faq = create_faq(db_session, _faq(), author="alice")
    db_session.commit()
    factory = session_factory(db_engine)
    first = factory()
    update_faq(first, faq.id, {"answer": "第一位编辑的答复"}, "dave")  # holds the row lock
    versions: list[int] = []

    def second_editor() -> None:
        with factory() as s:
            versions.append(update_faq(s, faq.id, {"topic": "农村宅基地"}, "erin").version)
            s.commit()

    thread = threading.Thread(target=second_editor)
    thread.start()
    thread.join(0.3)
    assert thread.is_alive()  # waiting for the first editor
    first.commit()
    first.close()
    thread.join(5)
    assert versions == [3]
    db_session.expire_all()
    assert (get_faq(db_session, faq.id).answer, get_faq(db_session, faq.id).topic) == ("第一位编辑的答复", "农村宅基地")


def test_four_eyes_the_author_of_an_entry_or_of_its_revision_cannot_publish_it(db_session):
    s = db_session
    faq = create_faq(s, _faq(), author="alice")
    update_faq(s, faq.id, {"answer": "农村村民一户只能拥有一处宅基地，面积不得超过规定的标准。"}, "dave")
    submit_faq(s, faq.id, "alice")
    for writer in ("alice", "dave"):  # the author, and whoever edited it since
        with pytest.raises(SelfReview, match="四眼审核") as err:
            publish_faq(s, faq.id, writer)
        assert (err.value.status, err.value.code) == (403, "self_review")
    assert (faq.status, faq.version) == ("in_review", 3)  # a refusal changes nothing
    publish_faq(s, faq.id, "bob")
    # A revision's author may not approve it; the entry's author may (it is someone else's text).
    update_faq(s, faq.id, {"topic": "宅基地审批"}, "erin")
    submit_faq(s, faq.id, "erin")
    with pytest.raises(SelfReview, match="修订"):
        publish_faq(s, faq.id, "erin")
    publish_faq(s, faq.id, "alice")
    s.commit()
    publications = [h for h in faq_history(s, faq.id) if h.action == "publish"]
    assert [(h.snapshot["authors"], h.snapshot["reviewer"]) for h in publications] == [
        (["alice", "dave"], "bob"), (["erin"], "alice")]
    # The setting lets a lone editor publish their own text; admins have no other way round it.
    own = create_faq(s, _faq(question="违建谁来查处？"), author="alice")
    submit_faq(s, own.id, "alice")
    assert publish_faq(s, own.id, "alice", self_publish=True).status == "published"


def test_editing_a_published_faq_makes_a_revision_and_the_published_text_keeps_serving(db_session):
    s = db_session
    faq = _published(s)
    original = faq.answer
    update_faq(s, faq.id, {"answer": "一户只能有一处宅基地。", "alternatives": ["宅基地 一户几处"]}, "dave")
    update_faq(s, faq.id, {"topic": "宅基地审批"}, "dave")
    s.commit()
    assert (faq.status, faq.answer, faq.alternatives, faq.version) == (
        "published", original, ["一户可以有两块宅基地吗", "宅基地能有几处"], 5)
    assert (faq.revision["answer"], faq.revision["topic"], faq.revision_status, faq.revision_author) == (
        "一户只能有一处宅基地。", "宅基地审批", "draft", "dave")
    assert [f.answer for f in published_faqs(s, {"public"})] == [original]  # still served as published
    assert [f.id for f in list_faqs(s, revision="draft")] == [faq.id]
    with pytest.raises(DomainError, match="尚未提交审核") as err:
        publish_faq(s, faq.id, "bob")
    assert err.value.code == "invalid_transition"
    submit_faq(s, faq.id, "dave")
    assert (faq.status, faq.revision_status) == ("published", "in_review")
    assert [f.answer for f in published_faqs(s, {"public"})] == [original]
    publish_faq(s, faq.id, "bob")
    s.commit()
    s.expire_all()
    faq = get_faq(s, faq.id)
    assert (faq.id, faq.status, faq.version, faq.answer, faq.topic, faq.revision, faq.revision_status) == (
        faq.id, "published", 7, "一户只能有一处宅基地。", "宅基地审批", None, None)
    assert [f.answer for f in published_faqs(s, {"public"})] == ["一户只能有一处宅基地。"]
    history = faq_history(s, faq.id)
    assert [h.action for h in history] == ["create", "submit", "publish", "revise", "revise", "submit", "publish"]
    assert history[3].snapshot["answer"] == "一户只能有一处宅基地。" and history[3].snapshot["revision"] == "draft"
    assert history[2].snapshot["answer"] == original  # what was served until v7
    assert faq_to_dict(faq)["revision"] is None


def test_a_revision_can_be_discarded_and_a_retired_faq_restored_as_a_draft(db_session):
    s = db_session
    faq = _published(s)
    with pytest.raises(DomainError) as err:
        discard_revision(s, faq.id, "dave")
    assert err.value.code == "no_revision"
    update_faq(s, faq.id, {"answer": "改写中的答复。"}, "dave")
    discard_revision(s, faq.id, "dave")
    assert (faq.revision, faq.status, faq.answer) == (None, "published", "农村村民一户只能拥有一处宅基地。")
    # After a discard the next revision's author may be anyone but its own writer.
    update_faq(s, faq.id, {"answer": "退休前的最后修订。"}, "erin")
    retire_faq(s, faq.id, "carol")
    with pytest.raises(DomainError) as err:
        restore_faq(s, faq.id + 1000, "carol")
    assert err.value.code == "not_found"
    restored = restore_faq(s, faq.id, "carol")
    s.commit()
    assert (restored.id, restored.status, restored.answer, restored.revision, restored.retired_at) == (
        faq.id, "draft", "退休前的最后修订。", None, None)
    assert [h.action for h in faq_history(s, faq.id)] == [
        "create", "submit", "publish", "revise", "discard", "revise", "retire", "restore"]
    with pytest.raises(DomainError) as err:
        restore_faq(s, faq.id, "carol")
    assert err.value.code == "invalid_transition"
    submit_faq(s, faq.id, "carol")
    with pytest.raises(SelfReview):  # the restorer and the revision's writer wrote what is to be published
        publish_faq(s, faq.id, "carol")
    with pytest.raises(SelfReview):
        publish_faq(s, faq.id, "erin")
    assert publish_faq(s, faq.id, "bob").answer == "退休前的最后修订。"


def test_duplicates_are_found_by_normalised_text_or_cosine(db_session):
    s = db_session
    first = create_faq(s, _faq(), author="alice")
    other = create_faq(s, _faq(question="违建谁来查处？", alternatives=["违法建设归谁管"]), author="alice")
    vectors = {"农村一户能有几处宅基地？": [1.0, 0.0], "违建谁来查处？": [0.0, 1.0],
               "宅基地一户最多几处": [0.995, 0.0999], "房本丢了怎么办": [0.6, 0.8]}

    def encode(texts):
        return np.array([vectors.get(t, [0.7071, 0.7071]) for t in texts], dtype=np.float32)

    found = find_duplicates(s, ["农村一户能有几处宅基地", "违法 建设归谁管！", "宅基地一户最多几处", "房本丢了怎么办"],
                            encode, cosine=0.98)
    assert [[(d.faq_id, d.similarity) for d in f] for f in found] == [
        [(first.id, 1.0)], [(other.id, 1.0)], [(first.id, 0.995)], []]
    assert find_duplicates(s, ["农村一户能有几处宅基地"], encode, 0.98, exclude=first.id) == [[]]
    assert normalised("Ｗｈｏ 管？") == "who管"
    assert near_duplicate_cosine(0.62) == pytest.approx(0.981)


# ---------- through the API (a live app on the same database) ----------

@pytest.fixture(scope="module")
def service(built, model, migrated_db_url, tmp_path_factory):
    index_settings, _ = built
    settings = make_settings(tmp_path_factory.mktemp("faqs-api"), index_root=index_settings.index_path,
                             database_url=migrated_db_url, portal_rate_limit="10000/minute")
    app = create_app(settings, model)
    with TestClient(app) as client:
        yield client, app.state.hotline


def _editors(state) -> dict[str, dict[str, str]]:
    """Two editors' key headers, made afresh: the database tests above empty every table."""
    with state.sessions() as s:
        keys = {who: {"X-API-Key": create_key(s, "editor", f"{who}-{secrets.token_hex(3)}")[1]} for who in ("甲", "乙")}
        s.commit()
    return keys


def _submitted(client, keys, question: str, answer: str = "农村村民一户只能拥有一处宅基地。", **extra) -> dict:
    faq = client.post("/v1/faqs", headers=keys["甲"], json={
        "question": question, "answer": answer, "citations": ["land-administration-law/a62"], **extra})
    assert faq.status_code == 201, faq.text
    assert client.post(f"/v1/faqs/{faq.json()['id']}/submit", headers=keys["甲"]).status_code == 200
    return faq.json()


def test_api_refuses_the_authors_publication_with_403_unless_the_setting_allows_it(service, monkeypatch):
    client, state = service
    keys = _editors(state)
    faq = _submitted(client, keys, "接口四眼：宅基地能不能买卖")
    refused = client.post(f"/v1/faqs/{faq['id']}/publish", headers=keys["甲"])
    assert refused.status_code == 403
    assert refused.json()["error"] == {
        "code": "self_review", "message": "四眼审核：您编写或修改过此 FAQ，不能由您本人审核发布，请另一位编辑审核"}
    assert client.get(f"/v1/faqs/{faq['id']}", headers=keys["甲"]).json()["status"] == "in_review"
    author, reviewer = (client.get("/v1/whoami", headers=keys[who]).json()["name"] for who in ("甲", "乙"))
    published = client.post(f"/v1/faqs/{faq['id']}/publish", headers=keys["乙"]).json()
    assert (published["status"], published["reviewer"]) == ("published", reviewer)
    history = client.get(f"/v1/faqs/{faq['id']}/history", headers=keys["甲"]).json()
    assert (history[-1]["authors"], history[-1]["reviewer"]) == ([author], reviewer)
    assert history[0]["authors"] == [] and history[0]["reviewer"] is None

    monkeypatch.setattr(state.settings, "faq_self_publish", True)
    own = _submitted(client, keys, "接口四眼：一个人的编辑部可以自己发布吗")
    assert client.post(f"/v1/faqs/{own['id']}/publish", headers=keys["甲"]).status_code == 200


def test_api_a_revision_leaves_the_portal_answer_until_approved(service):
    client, state = service
    keys = _editors(state)
    question = "接口修订：宅基地上的房子能不能卖给外村人"
    faq = _submitted(client, keys, question, "不能卖给本集体经济组织以外的人。")
    client.post(f"/v1/faqs/{faq['id']}/publish", headers=keys["乙"])

    def portal() -> dict:
        return client.post("/v1/portal/ask", json={"question": question}).json()["answer"]

    assert client.post(f"/v1/faqs/{faq['id']}/discard", headers=keys["甲"]).json()["error"]["code"] == "no_revision"
    revised = client.patch(f"/v1/faqs/{faq['id']}", headers=keys["甲"], json={"answer": "不能卖给外村人。"}).json()
    assert (revised["status"], revised["answer"], revised["revision"]["answer"], revised["revision"]["status"]) == (
        "published", "不能卖给本集体经济组织以外的人。", "不能卖给外村人。", "draft")
    assert (portal()["faq_id"], portal()["text"]) == (faq["id"], "不能卖给本集体经济组织以外的人。")
    assert client.get("/v1/faqs?revision=draft", headers=keys["甲"]).json()[0]["id"] == faq["id"]
    client.post(f"/v1/faqs/{faq['id']}/submit", headers=keys["甲"])
    approved = client.post(f"/v1/faqs/{faq['id']}/publish", headers=keys["乙"]).json()
    assert (approved["id"], approved["answer"], approved["revision"]) == (faq["id"], "不能卖给外村人。", None)
    assert (portal()["faq_id"], portal()["text"]) == (faq["id"], "不能卖给外村人。")

    retired = client.post(f"/v1/faqs/{faq['id']}/retire", headers=keys["甲"]).json()
    assert portal()["faq_id"] != faq["id"]
    restored = client.post(f"/v1/faqs/{faq['id']}/restore", headers=keys["甲"]).json()
    assert (restored["status"], restored["version"]) == ("draft", retired["version"] + 1)
    assert client.post(f"/v1/faqs/{faq['id']}/restore", headers=keys["甲"]).status_code == 409


def test_api_bulk_actions_answer_per_id(service):
    client, state = service
    keys = _editors(state)
    mine = _submitted(client, keys, "接口批量：我写的问题")
    theirs = client.post("/v1/faqs", headers=keys["乙"], json={
        "question": "接口批量：别人写的问题", "answer": "答复。", "citations": ["land-administration-law/a62"]}).json()
    client.post(f"/v1/faqs/{theirs['id']}/submit", headers=keys["乙"])
    draft = client.post("/v1/faqs", headers=keys["乙"], json={"question": "接口批量：草稿", "answer": "答复。"}).json()
    body = client.post("/v1/faqs/bulk/publish", headers=keys["甲"],
                       json={"ids": [mine["id"], theirs["id"], draft["id"], 2_000_000, theirs["id"]]}).json()
    assert (body["done"], body["failed"]) == (1, 3)
    results = {r["id"]: r for r in body["results"]}
    assert list(results) == [mine["id"], theirs["id"], draft["id"], 2_000_000]  # duplicates answered once
    assert (results[theirs["id"]]["ok"], results[theirs["id"]]["status"]) == (True, "published")
    assert (results[mine["id"]]["ok"], results[mine["id"]]["code"]) == (False, "self_review")
    assert results[draft["id"]]["message"] == "常见问题当前状态为「草稿」，不能发布"
    assert results[2_000_000]["message"] == "未找到编号为 2000000 的常见问题"
    assert client.get(f"/v1/faqs/{theirs['id']}", headers=keys["甲"]).json()["status"] == "published"
    assert client.get(f"/v1/faqs/{mine['id']}", headers=keys["甲"]).json()["status"] == "in_review"
    retired = client.post("/v1/faqs/bulk/retire", headers=keys["甲"], json={"ids": [draft["id"]]}).json()
    assert retired["results"] == [{"id": draft["id"], "ok": True, "status": "retired", "version": 2,
                                   "code": None, "message": None}]
    for path, body in (("/v1/faqs/bulk/publish", {"ids": []}), ("/v1/faqs/bulk/delete", {"ids": [1]}),
                       ("/v1/faqs/bulk/submit", {"ids": [0]})):
        response = client.post(path, headers=keys["甲"], json=body)
        assert response.status_code == 422 and response.json()["error"]["message"], (path, body)


def test_api_hit_test_names_the_faq_with_its_similarity_and_the_passages(service):
    client, state = service
    keys = _editors(state)
    question = "接口命中：宅基地一户能批几块"
    faq = _submitted(client, keys, question)
    client.post(f"/v1/faqs/{faq['id']}/publish", headers=keys["乙"])
    inside = _submitted(client, keys, "接口命中：坐席口径宅基地复核", audience="agent")
    client.post(f"/v1/faqs/{inside['id']}/publish", headers=keys["乙"])
    body = client.post("/v1/faqs/hit-test", headers=keys["甲"], json={"question": question}).json()
    assert (body["kind"], body["faq_id"]) == ("faq", faq["id"])
    assert body["threshold"] == state.settings.calibration.faq_threshold
    top = body["faqs"][0]
    assert (top["id"], top["similarity"], top["answers"]) == (faq["id"], 1.0, True)
    assert all(f["similarity"] <= top["similarity"] for f in body["faqs"])
    assert inside["id"] not in [f["id"] for f in body["faqs"]]  # the portal never sees an agent FAQ
    assert body["passages"] and all("score" in p and p["citation"] for p in body["passages"])
    as_agent = client.post("/v1/faqs/hit-test", headers=keys["甲"],
                           json={"question": "接口命中：坐席口径宅基地复核", "audience": "agent"}).json()
    assert as_agent["faq_id"] == inside["id"]
    far = client.post("/v1/faqs/hit-test", headers=keys["甲"], json={"question": "违章停车罚多少钱"}).json()
    assert far["kind"] != "faq" and all(not f["answers"] for f in far["faqs"])
    with state.sessions() as s:  # nothing logged: a test is not a citizen's question
        assert s.scalar(select(func.count()).select_from(QueryLog).where(QueryLog.query == "违章停车罚多少钱")) == 0
    assert client.post("/v1/faqs/hit-test", headers=keys["甲"], json={"question": " "}).status_code == 422


def test_api_create_warns_of_the_same_or_near_same_question(service):
    client, state = service
    keys = _editors(state)
    first = client.post("/v1/faqs", headers=keys["甲"], json={
        "question": "接口重复：农村一户能有几处宅基地？", "answer": "一处。"}).json()
    assert first["duplicates"] == []
    same = client.post("/v1/faqs", headers=keys["乙"], json={
        "question": "接口重复 农村一户能有几处宅基地", "answer": "一处。"}).json()
    assert [(d["faq_id"], d["similarity"], d["status"]) for d in same["duplicates"]] == [(first["id"], 1.0, "draft")]
    near = client.post("/v1/faqs", headers=keys["乙"], json={
        "question": "接口重复：农村一户可以有几处宅基地？", "answer": "一处。"}).json()
    assert first["id"] in [d["faq_id"] for d in near["duplicates"]]
    assert all(d["similarity"] >= store_cosine(state) for d in near["duplicates"])
    other = client.post("/v1/faqs", headers=keys["乙"], json={
        "question": "接口重复：不动产权证书遗失了怎么补领", "answer": "申请补发。"}).json()
    assert other["duplicates"] == []
    assert client.get(f"/v1/faqs/{same['id']}", headers=keys["甲"]).json()["duplicates"] == []


def store_cosine(state) -> float:
    return near_duplicate_cosine(state.settings.calibration.faq_threshold)


def test_api_import_template_and_a_reimport_that_creates_nothing(service):
    client, state = service
    keys = _editors(state)
    template = client.get("/v1/faqs/import-template?format=csv", headers=keys["甲"])
    assert template.status_code == 200 and template.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(template.content.decode("utf-8-sig"))))
    assert rows[0] == ["问题", "其他问法", "答复", "引用依据", "主题", "受众", "有效期至"] and len(rows) == 2
    data = "问题,答复,引用依据\n接口导入：宅基地面积标准,按省级规定。,《土地管理法》第六十二条\n".encode()
    first = client.post("/v1/faqs/import?format=csv", headers=keys["甲"], content=data).json()
    assert (first["created"], first["skipped"]) == (1, [])
    again = client.post("/v1/faqs/import?format=csv", headers=keys["甲"], content=data).json()
    assert again["created"] == 0
    assert [(k["row"], k["faq_id"]) for k in again["skipped"]] == [(2, first["ids"][0])]
    export = client.get("/v1/faqs/export?format=csv", headers=keys["甲"]).content.decode("utf-8-sig")
    assert "《土地管理法》第六十二条" in export


def test_api_gaps_show_channel_and_reason_and_close_by_triage_or_publication(service):
    client, state = service
    keys = _editors(state)
    out_of_scope = client.post("/v1/portal/ask", json={"question": "接口缺口：孩子上小学怎么报名"}).json()
    drafted = client.post("/v1/portal/ask", json={"question": "接口缺口：医保卡丢了去哪补办"}).json()
    assert out_of_scope["answer"]["kind"] == "no_basis" and drafted["answer"]["kind"] == "no_basis"

    def groups() -> dict[int, dict]:
        body = client.get("/v1/analytics/gaps/grouped", headers=keys["甲"]).json()
        return {qid: g for g in body["groups"] for qid in g["query_ids"]}

    group = groups()[out_of_scope["log_id"]]
    assert "portal" in group["channels"] and out_of_scope["answer"]["reason"] in group["reasons"]
    refused = client.post("/v1/analytics/gaps/triage", headers=keys["甲"],
                          json={"query_ids": [out_of_scope["log_id"]], "triage": "not_ours", "note": ""})
    assert refused.status_code == 422 and refused.json()["error"]["message"]
    marked = client.post("/v1/analytics/gaps/triage", headers=keys["甲"], json={
        "query_ids": [out_of_scope["log_id"]], "triage": "not_ours", "note": "属教育部门职责"})
    assert marked.json() == {"updated": 1}
    assert out_of_scope["log_id"] not in groups()

    faq = client.post("/v1/faqs", headers=keys["甲"], json={
        "question": "接口缺口：医保卡丢了怎么办", "answer": "请向医保经办机构申请补办。",
        "citations": ["land-administration-law/a62"], "gap_ids": [drafted["log_id"]]}).json()
    assert faq["id"] in groups()[drafted["log_id"]]["faq_ids"]
    client.post(f"/v1/faqs/{faq['id']}/submit", headers=keys["甲"])
    assert client.post(f"/v1/faqs/{faq['id']}/publish", headers=keys["乙"]).status_code == 200
    assert drafted["log_id"] not in groups()
    unknown = client.post("/v1/faqs", headers=keys["甲"], json={
        "question": "接口缺口：未知缺口", "answer": "答复。", "gap_ids": [2_000_000]})
    assert unknown.status_code == 404 and unknown.json()["error"]["message"] == "未找到查询记录：2000000"
