"""Query log, feedback and analytics, on SQLite and PostgreSQL."""

from datetime import datetime, timedelta

import pytest

from assistant.db import BEIJING
from assistant.errors import Invalid, NotFound
from assistant.faqs import FaqContent, create_faq
from assistant.querylog import (
    add_feedback,
    daily_counts,
    faq_hit_rate,
    gaps,
    log_query,
    top_questions,
)


def _log(s, query="违建谁来查处", *, at=None, refused=False, faq_id=None):
    entry = log_query(s, channel="agent", query=query, answered=not refused, refused=refused,
                      faq_id=faq_id, latency_ms=12.5)
    if at is not None:
        entry.at = at
    return entry


def _faq_id(s) -> int:
    return create_faq(s, FaqContent(question="问", answer="答"), author="alice").id


def test_query_and_feedback_round_trip(db_session):
    s = db_session
    faq_id = _faq_id(s)
    entry = log_query(s, channel="portal", query="房本丢了怎么办 [手机号]", answered=True, refused=False,
                      faq_id=faq_id, citations=("real-estate-registration/a22", "civil-code/a210"),
                      top_score=0.83, latency_ms=41.2, index_version="20240510-1")
    rating = add_feedback(s, query_log_id=entry.id, rating="wrong_citation", comment="第二条引用不对",
                          channel="portal")
    s.commit()
    s.expire_all()
    assert (entry.channel, entry.query, entry.answered, entry.refused, entry.faq_id) == (
        "portal", "房本丢了怎么办 [手机号]", True, False, faq_id)
    assert entry.citations == ["real-estate-registration/a22", "civil-code/a210"]
    assert (entry.top_score, entry.latency_ms, entry.index_version) == (0.83, 41.2, "20240510-1")
    assert entry.at.tzinfo is not None
    assert (rating.query_log_id, rating.rating, rating.comment, rating.channel) == (
        entry.id, "wrong_citation", "第二条引用不对", "portal")


def test_feedback_validation(db_session):
    s = db_session
    assert add_feedback(s, query_log_id=None, rating="helpful", channel="portal").query_log_id is None
    with pytest.raises(NotFound, match="未找到编号为 987654 的查询记录"):
        add_feedback(s, query_log_id=987654, rating="helpful", channel="portal")
    entry = _log(s)
    with pytest.raises(Invalid, match="未知评价"):
        add_feedback(s, query_log_id=entry.id, rating="great", channel="portal")
    with pytest.raises(Invalid, match="未知渠道"):
        add_feedback(s, query_log_id=entry.id, rating="helpful", channel="email")
    with pytest.raises(Invalid, match="未知渠道"):
        log_query(s, channel="email", query="q", answered=True, refused=False, latency_ms=1)


def test_gaps_are_refused_or_negatively_rated_newest_first(db_session):
    s = db_session
    base = datetime(2024, 5, 1, 9, 0, tzinfo=BEIJING)
    fine = _log(s, "好的回答", at=base)
    refused = _log(s, "今天天气怎么样", at=base + timedelta(minutes=1), refused=True)
    unhelpful = _log(s, "宅基地能继承吗", at=base + timedelta(minutes=2))
    miscited = _log(s, "违建谁来查处", at=base + timedelta(minutes=3))
    _log(s, "没人评价", at=base + timedelta(minutes=4))
    add_feedback(s, query_log_id=fine.id, rating="helpful", channel="agent")
    add_feedback(s, query_log_id=unhelpful.id, rating="not_helpful", channel="agent")
    add_feedback(s, query_log_id=miscited.id, rating="wrong_citation", channel="agent")
    add_feedback(s, query_log_id=miscited.id, rating="not_helpful", channel="portal")
    add_feedback(s, query_log_id=miscited.id, rating="helpful", channel="portal")
    s.commit()
    assert [g.id for g in gaps(s)] == [miscited.id, unhelpful.id, refused.id]
    assert [g.id for g in gaps(s, limit=1)] == [miscited.id]


def test_daily_counts_by_beijing_day(db_session):
    s = db_session
    faq_id = _faq_id(s)
    day = lambda d, h, m=0: datetime(2024, 5, d, h, m, tzinfo=BEIJING)  # noqa: E731
    _log(s, at=day(10, 1))                      # 2024-05-09 17:00 UTC, but a May 10 query
    _log(s, at=day(9, 23, 30), faq_id=faq_id)   # 15:30 UTC
    _log(s, at=day(9, 10), refused=True)
    _log(s, at=day(9, 0, 0))                    # first instant of May 9
    _log(s, at=day(7, 23, 59))                  # before the window
    _log(s, at=day(11, 9))                      # after `now`'s day
    s.commit()
    counts = daily_counts(s, days=3, now=day(10, 12))
    assert counts == [
        {"day": "2024-05-08", "queries": 0, "faq_hits": 0, "refusals": 0},
        {"day": "2024-05-09", "queries": 3, "faq_hits": 1, "refusals": 1},
        {"day": "2024-05-10", "queries": 1, "faq_hits": 0, "refusals": 0},
    ]
    assert len(daily_counts(s)) == 30


def test_faq_hit_rate(db_session):
    s = db_session
    assert faq_hit_rate(s) == 0.0
    faq_id = _faq_id(s)
    _log(s, faq_id=faq_id)
    _log(s)
    _log(s, refused=True)
    _log(s)
    assert faq_hit_rate(s) == 0.25


def test_top_questions(db_session):
    s = db_session
    base = datetime(2024, 5, 1, 9, 0, tzinfo=BEIJING)
    for i, query in enumerate(["宅基地", "违建", "宅基地", "拆迁", "违建", "宅基地"]):
        _log(s, query, at=base + timedelta(hours=i))
    s.commit()
    top = top_questions(s, limit=2)
    assert [(t["query"], t["count"]) for t in top] == [("宅基地", 3), ("违建", 2)]
    assert datetime.fromisoformat(top[0]["last_at"]) == base + timedelta(hours=5)
    assert datetime.fromisoformat(top[1]["last_at"]) == base + timedelta(hours=4)
