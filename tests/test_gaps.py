"""Grouping of knowledge gaps by meaning (assistant.gaps) with the real embedding model, and
their triage (assistant.querylog) on SQLite and PostgreSQL."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from assistant.encoder import OnnxQueryEncoder
from assistant.errors import DomainError
from assistant.faqs import FaqContent, create_faq, publish_faq, submit_faq
from assistant.gaps import GapQuery, group_gaps
from assistant.querylog import gaps, link_gaps, log_query, triage_gaps
from assistant.settings import Settings

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def q(i: int, text: str, refused: bool = True, minutes: int = 0) -> GapQuery:
    return GapQuery(id=i, query=text, at=T0 + timedelta(minutes=minutes or i), channel="portal", refused=refused)


def test_paraphrases_group_together_and_unrelated_questions_do_not():
    settings = Settings()  # the service's question encoder and its calibrated threshold
    queries = [q(1, "宅基地一户能有几处"), q(2, "农村一户可以有两处宅基地吗"), q(3, "一户人家能批几块宅基地"),
               q(4, "征地补偿标准是多少"), q(5, "拆迁补偿怎么算", refused=False), q(6, "明天天气怎么样"),
               q(7, "宅基地一户能有几处"), q(8, "  宅基地一户能有几处 ")]
    groups = group_gaps(queries, OnnxQueryEncoder(settings.query_model_path),
                        settings.calibration.gap_group_threshold)
    by_question = {g.question: g for g in groups}
    homestead = by_question["宅基地一户能有几处"]  # the most asked text represents its group
    assert groups[0] is homestead
    assert sorted(x.id for x in homestead.queries) == [1, 2, 3, 7, 8]
    assert homestead.variants[0] == "宅基地一户能有几处" and len(homestead.variants) == 3
    compensation = next(g for g in groups if "征地补偿标准是多少" in g.variants)
    assert "拆迁补偿怎么算" in compensation.variants
    weather = next(g for g in groups if "明天天气怎么样" in g.variants)
    assert weather.count == 1
    d = compensation.to_dict()
    assert (d["count"], d["refused"], d["negative_feedback"]) == (2, 1, 1)


def test_threshold_one_keeps_only_identical_texts_together():
    vectors = {"a": [1.0, 0.0], "b": [0.99, 0.14], "c": [0.0, 1.0]}

    def encode(texts):
        return np.array([vectors[t] for t in texts], dtype=np.float32)

    groups = group_gaps([q(1, "a"), q(2, "b"), q(3, "a")], encode, threshold=1.0)
    assert [(g.question, g.count) for g in groups] == [("a", 2), ("b", 1)]
    loose = group_gaps([q(1, "a"), q(2, "b"), q(3, "c")], encode, threshold=0.9)
    assert sorted(len(g.variants) for g in loose) == [1, 2]
    assert group_gaps([], encode, 0.9) == [] and group_gaps([q(1, "   ")], encode, 0.9) == []


def _refused(s, text: str, reason: str = "out_of_scope", channel: str = "portal"):
    return log_query(s, channel=channel, query=text, answered=False, refused=True, latency_ms=1.0, reason=reason)


def test_a_triaged_gap_leaves_the_queue_with_who_why_and_when(db_session):
    s = db_session
    traffic = _refused(s, "违章停车罚多少钱")
    school = _refused(s, "孩子上小学怎么报名", channel="agent")
    weak = _refused(s, "宅基地上的老房子漏雨谁来修", reason="weak_evidence")
    assert {e.id for e in gaps(s)} == {traffic.id, school.id, weak.id}
    assert triage_gaps(s, [traffic.id, school.id], "not_ours", "  属交通和教育部门职责  ", "编辑甲") == 2
    assert [e.id for e in gaps(s)] == [weak.id]
    assert (traffic.triage, traffic.triage_note, traffic.triage_by) == ("not_ours", "属交通和教育部门职责", "编辑甲")
    assert traffic.triage_at is not None and traffic.reason == "out_of_scope"
    for ids, triage, note, message in (([weak.id], "ignored", " ", "请填写处理原因"),
                                       ([weak.id], "deleted", "x", "未知处理方式"),
                                       ([weak.id, 2_000_000], "ignored", "x", "未找到查询记录：2000000")):
        with pytest.raises(DomainError, match=message):
            triage_gaps(s, ids, triage, note, "编辑甲")
    assert weak.triage is None  # a refused triage marks nothing


def test_publishing_a_faq_drafted_from_a_gap_closes_it(db_session):
    s = db_session
    asked = [_refused(s, "宅基地能不能继承", reason="weak_evidence"), _refused(s, "宅基地可以继承吗", reason="weak_evidence")]
    faq = create_faq(s, FaqContent(question="宅基地能不能继承？", answer="宅基地使用权不能单独继承。",
                                   citations=["land-administration-law/a62"]), author="编辑甲")
    link_gaps(s, [e.id for e in asked], faq.id)
    open_gaps = gaps(s)
    assert {e.gap_faq_id for e in open_gaps} == {faq.id}  # drafted, still open until published
    group = group_gaps([GapQuery(id=e.id, query=e.query, at=e.at, channel=e.channel, refused=e.refused,
                                 reason=e.reason, faq_id=e.gap_faq_id) for e in open_gaps],
                       lambda texts: np.ones((len(texts), 4), np.float32), 0.9)[0].to_dict()
    assert (group["faq_ids"], group["reasons"], group["channels"]) == ([faq.id], ["weak_evidence"], ["portal"])
    with pytest.raises(DomainError, match="未找到查询记录"):
        link_gaps(s, [2_000_000], faq.id)
    submit_faq(s, faq.id, "编辑甲")
    publish_faq(s, faq.id, "编辑乙")
    assert gaps(s) == []
    assert [(e.triage, e.triage_note, e.triage_by) for e in asked] == [("handled", f"已发布 FAQ #{faq.id}", "编辑乙")] * 2
