"""Query log, feedback on answers, and the analytics the editors read.

Queries and comments arrive already redacted (assistant.redact). Functions flush but never
commit; the caller owns the transaction.
"""

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Date, case, cast, exists, func, or_, select
from sqlalchemy.orm import Session

from assistant.db import BEIJING, Feedback, QueryLog, utcnow
from assistant.vocabularies import CHANNELS, RATINGS
from assistant.errors import Invalid, NotFound

NEGATIVE_RATINGS = ("not_helpful", "wrong_citation")


def _check_channel(channel: str) -> None:
    if channel not in CHANNELS:
        raise Invalid(f"未知渠道：{channel}（可选：{'、'.join(CHANNELS)}）")


def log_query(s: Session, *, channel: str, query: str, answered: bool, refused: bool,
              faq_id: int | None = None, citations: Iterable[str] = (),
              top_score: float | None = None, latency_ms: float,
              index_version: str | None = None) -> QueryLog:
    """Record one query and what was returned."""
    _check_channel(channel)
    entry = QueryLog(at=utcnow(), channel=channel, query=query, answered=answered, refused=refused,
                     faq_id=faq_id, citations=list(citations), top_score=top_score,
                     latency_ms=latency_ms, index_version=index_version)
    s.add(entry)
    s.flush()
    return entry


def add_feedback(s: Session, *, query_log_id: int | None, rating: str, comment: str | None = None,
                 channel: str) -> Feedback:
    """Record a rating, optionally tied to a logged query."""
    _check_channel(channel)
    if rating not in RATINGS:
        raise Invalid(f"未知评价：{rating}（可选：{'、'.join(RATINGS)}）")
    if query_log_id is not None and s.get(QueryLog, query_log_id) is None:
        raise NotFound(f"未找到编号为 {query_log_id} 的查询记录")
    entry = Feedback(query_log_id=query_log_id, at=utcnow(), rating=rating,
                     comment=comment or None, channel=channel)
    s.add(entry)
    s.flush()
    return entry


def gaps(s: Session, limit: int = 100) -> list[QueryLog]:
    """What we could not answer well: refused queries and negatively rated ones, newest first."""
    rated_badly = exists().where(Feedback.query_log_id == QueryLog.id,
                                 Feedback.rating.in_(NEGATIVE_RATINGS))
    stmt = (select(QueryLog).where(or_(QueryLog.refused, rated_badly))
            .order_by(QueryLog.at.desc(), QueryLog.id.desc()).limit(limit))
    return list(s.scalars(stmt))


def _beijing_day(s: Session) -> ColumnElement[Any]:
    # Reporting days are Beijing calendar days, not UTC ones (which would split at 08:00).
    if s.get_bind().dialect.name == "sqlite":
        return func.date(QueryLog.at, "+8 hours")  # stored as UTC text
    return cast(func.timezone("Asia/Shanghai", QueryLog.at), Date)


def daily_counts(s: Session, days: int = 30, *, now: datetime | None = None) -> list[dict[str, Any]]:
    """Per Beijing day over the last `days` days (today included, oldest first, gaps as zeros):
    queries, faq_hits (answered from a FAQ) and refusals."""
    today = (now or utcnow()).astimezone(BEIJING).date()
    first = today - timedelta(days=days - 1)
    start = datetime.combine(first, time(), BEIJING)
    end = datetime.combine(today + timedelta(days=1), time(), BEIJING)
    day = _beijing_day(s)
    rows = s.execute(
        select(day, func.count(), func.count(QueryLog.faq_id),
               func.coalesce(func.sum(case((QueryLog.refused, 1), else_=0)), 0))
        .where(QueryLog.at >= start, QueryLog.at < end)
        .group_by(day)).all()
    found = {(d if isinstance(d, date) else date.fromisoformat(d)): (q, h, r) for d, q, h, r in rows}
    out = []
    for offset in range(days):
        current = first + timedelta(days=offset)
        queries, hits, refusals = found.get(current, (0, 0, 0))
        out.append({"day": current.isoformat(), "queries": queries, "faq_hits": hits,
                    "refusals": refusals})
    return out


def faq_hit_rate(s: Session) -> float:
    """Share of all logged queries answered from a FAQ (0.0 when nothing is logged)."""
    total, hits = s.execute(select(func.count(), func.count(QueryLog.faq_id))).one()
    return hits / total if total else 0.0


def top_questions(s: Session, limit: int = 20) -> list[dict[str, Any]]:
    """The most frequent query texts (exact, after redaction) with count and last time asked."""
    count = func.count().label("count")
    last_at = func.max(QueryLog.at)
    rows = s.execute(select(QueryLog.query, count, last_at).group_by(QueryLog.query)
                     .order_by(count.desc(), last_at.desc()).limit(limit)).all()
    return [{"query": query, "count": n, "last_at": last.isoformat()} for query, n, last in rows]
