"""Query log, feedback on answers, the analytics the editors read, and the triage of knowledge
gaps (忽略 / 不属于本部门 / 已处理, or closed by publishing a FAQ drafted from them).

Queries and comments arrive already redacted (assistant.redact). Functions flush but never
commit; the caller owns the transaction.
"""

import threading
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from time import monotonic
from typing import Any

from sqlalchemy import ColumnElement, Date, case, cast, exists, func, or_, select, update
from sqlalchemy.orm import Session

from assistant.db import BEIJING, Feedback, QueryLog, utcnow
from assistant.vocabularies import CHANNELS, GAP_TRIAGES, RATINGS
from assistant.errors import Invalid, NotFound

NEGATIVE_RATINGS = ("not_helpful", "wrong_citation")


def _check_channel(channel: str) -> None:
    if channel not in CHANNELS:
        raise Invalid(f"未知渠道：{channel}（可选：{'、'.join(CHANNELS)}）")


def log_query(s: Session, *, channel: str, query: str, answered: bool, refused: bool,
              faq_id: int | None = None, citations: Iterable[str] = (),
              top_score: float | None = None, latency_ms: float,
              index_version: str | None = None, revise: int | None = None, reason: str | None = None) -> QueryLog:
    """Record one query and what was returned; with `revise`, that earlier entry of the same
    question still being typed is rewritten instead (it keeps its id, so a rating still finds it)."""
    _check_channel(channel)
    entry = s.get(QueryLog, revise) if revise is not None else None
    if entry is None:
        entry = QueryLog(channel=channel)
        s.add(entry)
    entry.at, entry.query, entry.answered, entry.refused = utcnow(), query, answered, refused
    entry.faq_id, entry.citations, entry.top_score = faq_id, list(citations), top_score
    entry.latency_ms, entry.index_version, entry.reason = latency_ms, index_version, reason
    s.flush()
    return entry


class TypingSessions:
    """The agent console asks again at every pause while the agent types, so one question would
    be logged once per pause ("喂你好", "喂你好我想问", …) and the fragments would top the gaps
    queue and the hot questions. A query that extends or trims the same key's previous one
    within `window` seconds is the same question still being typed: its log entry is revised."""

    def __init__(self, window: float, capacity: int = 10_000):
        self.window, self.capacity = window, capacity
        self._last: dict[int, tuple[float, str, int]] = {}  # key id -> (time, query, log id)
        self._lock = threading.Lock()

    def revises(self, key_id: int, query: str) -> int | None:
        """The log id to revise for this query, if it continues the key's previous one."""
        with self._lock:
            last = self._last.get(key_id)
        if last is None or monotonic() - last[0] > self.window:
            return None
        before = last[1]
        return last[2] if query.startswith(before) or before.startswith(query) else None

    def note(self, key_id: int, query: str, log_id: int) -> None:
        with self._lock:
            if len(self._last) >= self.capacity:
                self._last.clear()  # a rare reset costs one extra log row per typing agent
            self._last[key_id] = (monotonic(), query, log_id)


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
    """What we could not answer well and nobody has dealt with yet: refused queries and
    negatively rated ones, not triaged, newest first."""
    rated_badly = exists().where(Feedback.query_log_id == QueryLog.id,
                                 Feedback.rating.in_(NEGATIVE_RATINGS))
    stmt = (select(QueryLog).where(or_(QueryLog.refused, rated_badly), QueryLog.triage.is_(None))
            .order_by(QueryLog.at.desc(), QueryLog.id.desc()).limit(limit))
    return list(s.scalars(stmt))


def _entries(s: Session, ids: Iterable[int]) -> list[QueryLog]:
    ids = list(dict.fromkeys(ids))
    found = {e.id: e for e in s.scalars(select(QueryLog).where(QueryLog.id.in_(ids)))} if ids else {}
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound(f"未找到查询记录：{'、'.join(map(str, missing[:5]))}")
    return [found[i] for i in ids]


def triage_gaps(s: Session, ids: Iterable[int], triage: str, note: str, actor: str) -> int:
    """Mark these gap queries 忽略 / 不属于本部门 / 已处理 with the editor's reason; they leave the
    gaps queue. Returns how many were marked."""
    if triage not in GAP_TRIAGES:
        raise Invalid(f"未知处理方式：{triage}（可选：{'、'.join(GAP_TRIAGES)}）")
    if not note.strip():
        raise Invalid("请填写处理原因")
    entries = _entries(s, ids)
    now = utcnow()
    for entry in entries:
        entry.triage, entry.triage_note, entry.triage_by, entry.triage_at = triage, note.strip(), actor, now
    s.flush()
    return len(entries)


def link_gaps(s: Session, ids: Iterable[int], faq_id: int) -> None:
    """Note that the FAQ `faq_id` was drafted from these gap queries (close_gaps closes them)."""
    for entry in _entries(s, ids):
        entry.gap_faq_id = faq_id
    s.flush()


def close_gaps(s: Session, faq_id: int, actor: str, now: datetime) -> None:
    """The FAQ drafted from these gaps is published: the gaps still open are 已处理."""
    s.execute(update(QueryLog).where(QueryLog.gap_faq_id == faq_id, QueryLog.triage.is_(None))
              .values(triage="handled", triage_note=f"已发布 FAQ #{faq_id}", triage_by=actor, triage_at=now)
              .execution_options(synchronize_session="fetch"))


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
