"""Stale-FAQ detection: FAQs pin the passages they cite; a rebuilt index that changes, repeals or
removes one flags them 待复核 with the old and new text. Real index builds over a small corpus,
real databases (SQLite and PostgreSQL), and the real service for serving and the API."""

import shutil

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from assistant import index as store
from assistant.answer import servable_faqs
from assistant.db import FaqVersion, make_engine, migrate, session_factory
from assistant.errors import DomainError
from assistant.faq_review import flag_stale_faqs, review_counts
from assistant.faqs import (FaqContent, create_faq, faq_history, get_faq, list_faqs, publish_faq, retire_faq,
                            review_faq, submit_faq, text_hash, update_faq)
from assistant.keys import create_key
from assistant.retrieval import Searcher
from ingest.build import build_index
from ingest.publish import activate_version
from tests.conftest import copy_corpus, make_settings

SURVEYING = "surveying-and-mapping-law"
FARMLAND = "farmland-occupation-tax-law"  # repealed in the second build
CHANGED = f"{SURVEYING}/a41"
REMOVED = f"{SURVEYING}/a42"
UNCHANGED = f"{SURVEYING}/a43"
REPEALED = f"{FARMLAND}/a1"
AMENDMENT = "（经修订，本条增加：测量标志受法律保护。）"


@pytest.fixture(scope="module")
def versions(tmp_path_factory, model):
    """(settings, first index, second index): the second build, as after a crawl, amends
    第四十一条 of the surveying law, drops its 第四十二条 and repeals the farmland tax law."""
    tmp = tmp_path_factory.mktemp("stale")
    corpus = copy_corpus(tmp / "corpus", (f"{SURVEYING}.md", f"{FARMLAND}.md"))
    settings = make_settings(tmp, corpus_dir=corpus)
    first = build_index(settings, model=model).version

    surveying = corpus / f"{SURVEYING}.md"
    lines = surveying.read_text(encoding="utf-8").splitlines(keepends=True)
    amended = [line.rstrip("\n") + AMENDMENT + "\n" if line.startswith("第四十一条 ") else line
               for line in lines if not line.startswith("第四十二条 ")]
    assert len(amended) == len(lines) - 1
    surveying.write_text("".join(amended), encoding="utf-8")
    farmland = corpus / f"{FARMLAND}.md"
    farmland.write_text(farmland.read_text(encoding="utf-8").replace("status: 有效", "status: 已废止", 1),
                        encoding="utf-8")
    second = build_index(settings, model=model).version
    return settings, store.load_version(settings.index_path, first), store.load_version(settings.index_path, second)


def _faq(question: str, citations: list[str], **overrides) -> FaqContent:
    return FaqContent(question=question, answer=f"{question}的标准答复。", citations=citations, **overrides)


def _published(s, index, question: str, citations: list[str], **overrides):
    faq = create_faq(s, _faq(question, citations, **overrides), author="alice", index=index)
    submit_faq(s, faq.id, "alice")
    return publish_faq(s, faq.id, "bob", index=index)


def _text(index, pid: str) -> str:
    return index.passages[index.row_of(pid)].text


def test_the_second_build_changes_repeals_and_removes_what_the_fixture_says(versions):
    _, first, second = versions
    assert AMENDMENT in _text(second, CHANGED) and AMENDMENT not in _text(first, CHANGED)
    assert first.row_of(REMOVED) is not None and second.row_of(REMOVED) is None
    assert _text(first, UNCHANGED) == _text(second, UNCHANGED)
    assert first.passages[first.row_of(REPEALED)].status == "有效"
    assert second.passages[second.row_of(REPEALED)].status == "已废止"


def test_an_faq_citing_a_changed_article_is_flagged_with_its_diff_after_the_second_build(db_session, versions):
    s = db_session
    _, first, second = versions
    faq = _published(s, first, "测量标志能不能随便挪动？", [CHANGED])
    s.commit()
    assert faq.pins[CHANGED]["hash"] == text_hash(_text(first, CHANGED))
    assert faq.pins[CHANGED]["index_version"] == first.version

    quiet = flag_stale_faqs(s, first)  # the index it was written against: nothing to review
    s.commit()
    assert (quiet.checked, quiet.flagged, quiet.cleared) == (1, {}, 0)
    assert faq.review_reason is None

    report = flag_stale_faqs(s, second)
    s.commit()
    assert report.flagged == {"changed": 1} and report.index_version == second.version
    s.expire_all()
    faq = get_faq(s, faq.id)
    assert faq.status == "published"  # still served (to agents with a warning); see the serving test
    assert faq.review_reason == "changed" and faq.flagged_at is not None
    [change] = faq.review_changes
    assert change["passage_id"] == CHANGED and change["reason"] == "changed"
    assert change["citation"] == "《中华人民共和国测绘法》第四十一条"
    assert change["old_text"] == _text(first, CHANGED)
    assert change["new_text"] == _text(second, CHANGED) and AMENDMENT in change["new_text"]
    assert (change["old_status"], change["new_status"]) == ("有效", "有效")
    last = faq_history(s, faq.id)[-1]
    assert (last.action, last.actor, last.snapshot["review_reason"]) == ("flag", "系统", "changed")
    assert [f.id for f in list_faqs(s, review=True)] == [faq.id]
    assert [f.id for f in list_faqs(s, review_reason="changed")] == [faq.id]
    assert list_faqs(s, review=False) == [] and list_faqs(s, review_reason="repealed") == []

    flagged_at, version = faq.flagged_at, faq.version
    again = flag_stale_faqs(s, second)  # idempotent: no second flag, no new history
    s.commit()
    assert (again.flagged, again.cleared) == ({}, 0)
    assert (faq.flagged_at, faq.version, faq.review_changes) == (flagged_at, version, [change])


def test_repealed_and_removed_passages_flag_with_the_most_serious_reason(db_session, versions):
    s = db_session
    _, first, second = versions
    repealed = _published(s, first, "占用耕地建房要交税吗？", [REPEALED])
    removed = _published(s, first, "永久性测量标志由谁保管？", [UNCHANGED, REMOVED])
    both = _published(s, first, "测量标志的规定有哪些？", [CHANGED, REMOVED])
    calm = _published(s, first, "测量标志的安全控制范围？", [UNCHANGED])
    draft = create_faq(s, _faq("草稿也要复核吗？", [CHANGED]), author="alice", index=first)
    retired = _published(s, first, "已下线的不复核", [CHANGED])
    retire_faq(s, retired.id, "carol")
    s.commit()

    report = flag_stale_faqs(s, second)
    s.commit()
    assert report.checked == 5  # the retired one is left alone
    assert report.flagged == {"repealed": 1, "removed": 2, "changed": 1}
    assert (repealed.review_reason, removed.review_reason, both.review_reason) == ("repealed", "removed", "removed")
    assert (calm.review_reason, retired.review_reason, draft.review_reason) == (None, None, "changed")

    [change] = repealed.review_changes
    assert (change["old_status"], change["new_status"]) == ("有效", "已废止")
    assert change["old_text"] == change["new_text"] == _text(second, REPEALED)
    [change] = removed.review_changes  # the unchanged citation is not listed
    assert change["passage_id"] == REMOVED and change["old_text"] == _text(first, REMOVED)
    assert (change["new_text"], change["new_status"]) == (None, None)
    assert [c["reason"] for c in both.review_changes] == ["changed", "removed"]
    assert review_counts(s) == {"changed": 1, "repealed": 1, "removed": 2}


def test_faqs_never_pinned_take_the_first_index_as_their_baseline(db_session, versions):
    s = db_session
    _, first, second = versions
    # Written before pins existed (or imported): no pins until the first check.
    old = create_faq(s, _faq("升级前就有的 FAQ", [CHANGED]), author="alice")
    late = create_faq(s, _faq("第一次核对就在修订之后", [CHANGED, REPEALED]), author="alice")
    gone = create_faq(s, _faq("引用的条文早已不在", [REMOVED]), author="alice")
    s.commit()
    assert old.pins == {} and late.pins == {}

    report = flag_stale_faqs(s, first)
    s.commit()
    assert report.flagged == {} and report.baselined == 4  # gone's passage is still there in the first index
    assert old.pins[CHANGED]["text"] == _text(first, CHANGED)
    assert flag_stale_faqs(s, second).flagged == {"changed": 1, "repealed": 1, "removed": 1}
    assert (old.review_reason, late.review_reason, gone.review_reason) == ("changed", "repealed", "removed")

    # Pinned for the first time against the amended index: a baseline, never a flag...
    fresh = create_faq(s, _faq("升级后才第一次核对", [CHANGED, REPEALED]), author="alice")
    vanished = create_faq(s, _faq("从未核对、条文已删除", [REMOVED]), author="alice")
    s.flush()
    report = flag_stale_faqs(s, second)
    assert fresh.review_reason is None and fresh.pins[CHANGED]["text"] == _text(second, CHANGED)
    # ...except a passage already gone, which there is nothing to compare with but is surely not served.
    assert vanished.review_reason == "removed" and vanished.review_changes[0]["old_text"] is None
    assert report.flagged == {"removed": 1} and report.baselined == 2


def test_review_re_pins_and_clears_the_flag_in_the_history(db_session, versions):
    s = db_session
    _, first, second = versions
    changed = _published(s, first, "测量标志能不能随便挪动？", [CHANGED])
    repealed = _published(s, first, "占用耕地建房要交税吗？", [REPEALED])
    removed = _published(s, first, "永久性测量标志由谁保管？", [REMOVED])
    calm = _published(s, first, "测量标志的安全控制范围？", [UNCHANGED])
    flag_stale_faqs(s, second)
    s.commit()

    review_faq(s, changed.id, "dave", second)
    s.commit()
    assert (changed.status, changed.review_reason, changed.flagged_at, changed.review_changes) == (
        "published", None, None, [])
    assert changed.pins[CHANGED]["hash"] == text_hash(_text(second, CHANGED))
    assert [(h.action, h.actor) for h in faq_history(s, changed.id)][-2:] == [("flag", "系统"), ("review", "dave")]
    assert flag_stale_faqs(s, second).flagged == {}  # the amended text is now what it was reviewed against

    with pytest.raises(DomainError, match="已废止") as err:  # a repealed basis cannot be confirmed
        review_faq(s, repealed.id, "dave", second)
    assert err.value.code == "invalid"
    with pytest.raises(DomainError, match="已不在法规库中") as err:
        review_faq(s, removed.id, "dave", second)
    assert err.value.code == "invalid"
    with pytest.raises(DomainError) as err:
        review_faq(s, calm.id, "dave", second)
    assert err.value.code == "not_flagged"
    with pytest.raises(DomainError) as err:
        review_faq(s, 987654, "dave", second)
    assert err.value.code == "not_found"

    # Republishing cannot confirm a citation that is gone; a revision replacing it clears its flag when approved.
    update_faq(s, removed.id, {"answer": "永久性测量标志由建设单位委托专人保管。"}, "dave", index=second)
    submit_faq(s, removed.id, "dave")
    with pytest.raises(DomainError, match="已不在法规库中"):
        publish_faq(s, removed.id, "erin", index=second)
    update_faq(s, removed.id, {"citations": [UNCHANGED]}, "dave", index=second)
    assert (removed.status, removed.review_reason, removed.revision["citations"]) == ("published", "removed", [UNCHANGED])
    publish_faq(s, removed.id, "erin", index=second)
    assert (removed.review_reason, list(removed.pins)) == (None, [UNCHANGED])
    # Publishing a flagged FAQ is a review too: re-pinned to today's text, flag cleared.
    update_faq(s, repealed.id, {"answer": "耕地占用税法已废止，请以现行规定为准。"}, "dave", index=second)
    assert repealed.review_reason == "repealed"  # an edit alone does not review the basis
    submit_faq(s, repealed.id, "dave")
    publish_faq(s, repealed.id, "erin", index=second)
    assert (repealed.review_reason, repealed.pins[REPEALED]["status"]) == (None, "已废止")
    s.commit()
    assert review_counts(s) == {"changed": 0, "repealed": 0, "removed": 0}

    # Retiring a flagged FAQ leaves nothing to review.
    again = _published(s, first, "测量标志挪动后怎么处理？", [CHANGED])
    flag_stale_faqs(s, second)
    assert review_counts(s)["changed"] == 1
    retire_faq(s, again.id, "carol")
    assert (again.review_reason, again.review_changes, review_counts(s)["changed"]) == (None, [], 0)


def test_a_rollback_to_the_reviewed_text_lifts_the_flag(db_session, versions):
    s = db_session
    _, first, second = versions
    faq = _published(s, first, "测量标志能不能随便挪动？", [CHANGED])
    flag_stale_faqs(s, second)
    report = flag_stale_faqs(s, first)
    s.commit()
    assert (report.flagged, report.cleared, faq.review_reason) == ({}, 1, None)
    actions = s.scalars(select(FaqVersion.action).where(FaqVersion.faq_id == faq.id).order_by(FaqVersion.version))
    assert list(actions)[-2:] == ["flag", "unflag"]


def test_flagged_faqs_are_served_to_agents_with_a_warning_and_withdrawn_from_the_portal(db_session, versions, model):
    s = db_session
    settings, first, second = versions
    changed = _published(s, first, "测量标志能不能随便挪动？", [CHANGED])
    repealed = _published(s, first, "占用耕地建房要交税吗？", [REPEALED])
    removed = _published(s, first, "永久性测量标志由谁保管？", [UNCHANGED, REMOVED])
    calm = _published(s, first, "测量标志的安全控制范围？", [UNCHANGED])
    flag_stale_faqs(s, second)
    s.commit()
    searcher = Searcher.create(second, model, settings, lambda texts: model.encode(list(texts)))
    entries = {e.id: e for e in servable_faqs([changed, repealed, removed, calm], searcher)}

    assert set(entries) == {changed.id, repealed.id, removed.id, calm.id}  # nothing silently dropped
    assert entries[calm.id].review_warning is None and entries[calm.id].audience == "public"
    entry = entries[changed.id]
    assert entry.audience == "public"  # "changed" stays on the portal by default
    assert entry.review_warning.startswith("依据已变更，待复核")
    assert "《中华人民共和国测绘法》第四十一条（条文已变更）" in entry.review_warning
    [citation] = entry.citations
    assert (citation.change, citation.status) == ("changed", "有效") and AMENDMENT in citation.text

    entry = entries[repealed.id]
    assert entry.audience == "agent"  # withdrawn from the portal, still shown to agents
    [citation] = entry.citations
    assert (citation.change, citation.status) == ("repealed", "已废止")  # never shown as current law
    assert "依据已废止或失效" in entry.review_warning

    entry = entries[removed.id]
    assert entry.audience == "agent"
    kept, gone = entry.citations
    assert (kept.passage_id, kept.change, gone.n) == (UNCHANGED, None, 2)
    assert (gone.passage_id, gone.change, gone.text) == (REMOVED, "removed", _text(first, REMOVED))

    strict = settings.model_copy(update={"stale_faq_portal_withdraw": ["changed", "repealed", "removed"]})
    strict_searcher = Searcher.create(second, model, strict, searcher.encoder)
    assert {e.id: e.audience for e in servable_faqs([changed, calm], strict_searcher)} == {
        changed.id: "agent", calm.id: "public"}


def test_the_service_flags_when_it_picks_up_a_new_index(db_url, versions, model, tmp_path):
    """End to end: an index version goes live; the next request switches to it, flags the FAQ,
    the agent console gets the warning, the portal loses the repealed one, the desk lists both
    with their diff and counts, and 已复核 puts the changed one back."""
    settings, first, second = versions
    root = tmp_path / "indexes"
    root.mkdir()
    for index in (first, second):
        shutil.copytree(index.path, root / index.version)
    live = make_settings(tmp_path, index_root=root, database_url=db_url, index_poll_seconds=0,
                         portal_rate_limit="10000/minute", faq_self_publish=True)
    activate_version(live, first.version)
    # One editor writes and publishes: four-eyes is tested in tests/test_faqs.py.
    app = create_app(live, model)
    with TestClient(app) as client:
        with app.state.hotline.sessions() as s:
            editor = {"X-API-Key": create_key(s, "editor", "editor-tester")[1]}
            agent = {"X-API-Key": create_key(s, "agent", "agent-tester")[1]}
            s.commit()

        def publish(question: str, citation: str) -> int:
            created = client.post("/v1/faqs", headers=editor, json={
                "question": question, "answer": f"{question}的标准答复。", "citations": [citation]})
            assert created.status_code == 201, created.text
            for action in ("submit", "publish"):
                assert client.post(f"/v1/faqs/{created.json()['id']}/{action}", headers=editor).status_code == 200
            return created.json()["id"]

        changed = publish("测量标志被人挪动了算不算违法？", CHANGED)
        repealed = publish("占用耕地建房要不要交耕地占用税？", REPEALED)
        unflagged = client.get("/v1/faqs?review=false", headers=editor).json()
        assert {f["id"] for f in unflagged} == {changed, repealed}
        assert all(f["review_reason"] is None and f["review_changes"] == [] for f in unflagged)

        def ask(question: str, who: dict | None) -> dict:
            if who is None:
                return client.post("/v1/portal/ask", json={"question": question}).json()["answer"]
            return client.post("/v1/agent/suggest", json={"query": question}, headers=who).json()["answer"]

        assert ask("占用耕地建房要不要交耕地占用税？", None)["faq_id"] == repealed
        assert ask("测量标志被人挪动了算不算违法？", agent)["review_warning"] is None

        activate_version(live, second.version)  # as a crawl does after building
        answer = ask("测量标志被人挪动了算不算违法？", agent)  # this request picks the new version up
        assert answer["faq_id"] == changed and answer["confidence"] == "需核实"
        assert answer["review_warning"].startswith("依据已变更，待复核")
        assert answer["citations"][0]["change"] == "changed" and AMENDMENT in answer["citations"][0]["text"]
        assert ask("测量标志被人挪动了算不算违法？", None)["faq_id"] == changed  # "changed" stays on the portal
        agent_answer = ask("占用耕地建房要不要交耕地占用税？", agent)
        assert agent_answer["faq_id"] == repealed and agent_answer["citations"][0]["status"] == "已废止"
        assert ask("占用耕地建房要不要交耕地占用税？", None).get("faq_id") != repealed

        flagged = client.get("/v1/faqs?review=true", headers=editor).json()
        assert {f["id"]: f["review_reason"] for f in flagged} == {changed: "changed", repealed: "repealed"}
        diff = next(f for f in flagged if f["id"] == changed)["review_changes"][0]
        assert diff["old_text"] == _text(first, CHANGED) and diff["new_text"] == _text(second, CHANGED)
        assert [f["id"] for f in client.get("/v1/faqs?review_reason=repealed", headers=editor).json()] == [repealed]
        counts = client.get("/v1/faqs/review-counts", headers=editor)
        assert counts.status_code == 200
        assert counts.json() == {"total": 2, "by_reason": {"changed": 1, "repealed": 1, "removed": 0}}
        assert client.get("/v1/faqs/review-counts", headers=agent).status_code == 403
        assert client.get("/v1/faqs?review_reason=outdated", headers=editor).status_code == 422

        reviewed = client.post(f"/v1/faqs/{changed}/review", headers=editor)
        assert reviewed.status_code == 200, reviewed.text
        assert (reviewed.json()["review_reason"], reviewed.json()["status"]) == (None, "published")
        assert ask("测量标志被人挪动了算不算违法？", agent)["review_warning"] is None
        again = client.post(f"/v1/faqs/{changed}/review", headers=editor)
        assert again.status_code == 409 and again.json()["error"]["code"] == "not_flagged"
        refused = client.post(f"/v1/faqs/{repealed}/review", headers=editor)
        assert refused.status_code == 422 and "已废止" in refused.json()["error"]["message"]
        assert client.post("/v1/faqs/999999/review", headers=editor).status_code == 404
        history = client.get(f"/v1/faqs/{changed}/history", headers=editor).json()
        assert [(h["action"], h["actor"]) for h in history][-2:] == [("flag", "系统"), ("review", "editor-tester")]
        assert client.get("/v1/faqs/review-counts", headers=editor).json()["total"] == 1


def test_the_service_checks_faqs_at_start_up(db_url, versions, model, tmp_path):
    """A crawl that activated a new index while the service was down: flagged at start."""
    settings, first, second = versions
    root = tmp_path / "indexes"
    root.mkdir()
    shutil.copytree(second.path, root / second.version)
    live = make_settings(tmp_path, index_root=root, database_url=db_url)
    activate_version(live, second.version)
    migrate(db_url)
    engine = make_engine(db_url)
    with session_factory(engine)() as s:
        faq_id = _published(s, first, "测量标志能不能随便挪动？", [CHANGED]).id
        s.commit()
    engine.dispose()
    app = create_app(live, model)
    with TestClient(app) as client:
        with app.state.hotline.sessions() as s:
            assert get_faq(s, faq_id).review_reason == "changed"
            agent = {"X-API-Key": create_key(s, "agent", "agent-tester")[1]}
            s.commit()
        answer = client.post("/v1/agent/suggest", json={"query": "测量标志能不能随便挪动？"}, headers=agent).json()["answer"]
        assert answer["faq_id"] == faq_id and answer["review_warning"].startswith("依据已变更，待复核")
