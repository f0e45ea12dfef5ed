"""FAQ workflow and queries, on SQLite and PostgreSQL."""

import json
import threading
from datetime import date, timedelta

import pytest
from pydantic import ValidationError

from assistant.db import beijing_today, session_factory
from assistant.errors import DomainError
from assistant.faqs import (
    FaqContent,
    create_faq,
    faq_history,
    faq_to_dict,
    get_faq,
    on_faq_commit,
    partial,
    list_faqs,
    publish_faq,
    published_faqs,
    retire_faq,
    submit_faq,
    update_faq,
)


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


def test_editing_a_published_faq_sends_it_back_to_review(db_session):
    s = db_session
    faq = _published(s)
    update_faq(s, faq.id, {"alternatives": ["宅基地 一户几处"]}, "dave")
    s.commit()
    assert (faq.status, faq.version, faq.alternatives) == ("in_review", 4, ["宅基地 一户几处"])
    assert published_faqs(s, {"public"}) == []
    publish_faq(s, faq.id, "erin")
    assert (faq.status, faq.reviewer, faq.version) == ("published", "erin", 5)
    assert [f.id for f in published_faqs(s, {"public"})] == [faq.id]


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
