"""The audit log: who did what, when, to what; admin actions and editorial (FAQ) actions in one view.

Admin actions (keys, index versions, crawls, uploads) are recorded here in the same transaction
as the action itself. FAQ actions are not copied: faq_versions already holds every change with
its actor and time, written in the FAQ's own transaction, so `entries` reads both tables as one
list; a second copy could only disagree with it. Personal data is redacted (assistant.redact)
before an entry is stored, and from FAQ questions when they are read.

Functions flush but never commit; the caller owns the transaction.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, Integer, Select, String, cast, func, literal, null, select, union_all
from sqlalchemy.orm import InstrumentedAttribute, Session

from assistant.db import ApiKey, FaqVersion, utcnow
from assistant.db.audit import ADMIN_ACTIONS, AuditEntry
from assistant.db.base import BEIJING
from assistant.errors import Invalid
from assistant.redact import redact
from assistant.text_fields import CONTROL_RE
from assistant.vocabularies import FAQ_ACTIONS, LABELS

FAQ_PREFIX = "faq_"
FAQ_TARGET = "faq/"
ACTIONS = (*ADMIN_ACTIONS, *(FAQ_PREFIX + a for a in FAQ_ACTIONS))
KINDS = ("admin", "editorial")
ACTION_LABELS: dict[str, str] = {
    "key_create": "创建密钥", "key_revoke": "停用密钥", "index_activate": "启用索引版本",
    "crawl_start": "启动抓取", "upload": "上传文件",
    **{FAQ_PREFIX + code: f"FAQ {name}" for code, name in LABELS["faq_actions"].items()},
}
MAX_ID = 2**31 - 1  # integer columns on PostgreSQL
# Dates outside this range are typing errors, and would overflow the UTC conversion at the edges.
FIRST_YEAR, LAST_YEAR = 2000, 2100


@dataclass(frozen=True)
class Entry:
    source: str  # audit_log / faq_versions
    id: int
    at: datetime
    actor: str
    key_id: int | None
    action: str
    target: str
    detail: str


def _clean(text: str) -> str:
    """Redacted, and without control characters (an uploaded file's name may carry a NUL, which
    PostgreSQL refuses)."""
    return CONTROL_RE.sub("", redact(text))


def record(s: Session, key: ApiKey, action: str, target: str, detail: str = "") -> AuditEntry:
    """Note that `key` did `action` (one of ADMIN_ACTIONS) to `target`; names and text are redacted
    first (a target too: a document id is made from the uploaded file's name)."""
    entry = AuditEntry(at=utcnow(), actor=_clean(key.name), key_id=key.id, action=action,
                       target=_clean(target), detail=_clean(detail))
    s.add(entry)
    s.flush()
    return entry


def _day_start(day: date) -> datetime:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise Invalid(f"日期超出范围：{day.isoformat()}（可选 {FIRST_YEAR}–{LAST_YEAR} 年）")
    return datetime.combine(day, time(), BEIJING).astimezone(UTC)


def _period(at: InstrumentedAttribute[datetime], since: datetime | None,
            until: datetime | None) -> list[ColumnElement[bool]]:
    return ([at >= since] if since else []) + ([at < until] if until else [])


def _admin_rows(action: str | None, actor: str | None, target: str | None,
                since: datetime | None, until: datetime | None) -> Select:
    query = select(literal("audit_log", String).label("source"), AuditEntry.id, AuditEntry.at, AuditEntry.actor,
                   AuditEntry.key_id, AuditEntry.action, AuditEntry.target, AuditEntry.detail)
    conditions = _period(AuditEntry.at, since, until)
    for column, value in ((AuditEntry.action, action), (AuditEntry.actor, actor), (AuditEntry.target, target)):
        if value:
            conditions.append(column == value)
    return query.where(*conditions)


def _faq_rows(action: str | None, actor: str | None, faq_id: int | None,
              since: datetime | None, until: datetime | None) -> Select:
    query = select(literal("faq_versions", String).label("source"), FaqVersion.id, FaqVersion.at, FaqVersion.actor,
                   cast(null(), Integer).label("key_id"),
                   literal(FAQ_PREFIX, String).concat(FaqVersion.action).label("action"),
                   literal(FAQ_TARGET, String).concat(cast(FaqVersion.faq_id, String)).label("target"),
                   FaqVersion.snapshot["question"].as_string().label("detail"))
    conditions = _period(FaqVersion.at, since, until)
    if action:
        conditions.append(FaqVersion.action == action.removeprefix(FAQ_PREFIX))
    if actor:
        conditions.append(FaqVersion.actor == actor)
    if faq_id is not None:
        conditions.append(FaqVersion.faq_id == faq_id)
    return query.where(*conditions)


def _faq_id(target: str) -> int | None:
    """The FAQ a target such as faq/12 names, or None when it names something else."""
    number = target.removeprefix(FAQ_TARGET)
    if not target.startswith(FAQ_TARGET) or not number.isdecimal() or len(number) > 10:
        return None
    return int(number) if int(number) <= MAX_ID else None


def entries(s: Session, *, kind: str | None = None, action: str | None = None, actor: str | None = None,
            target: str | None = None, start: date | None = None, end: date | None = None,
            limit: int = 50, offset: int = 0) -> tuple[int, list[Entry]]:
    """(total, one page of entries), newest first. `start`/`end` are Beijing days, both included."""
    if start and end and end < start:
        raise Invalid("结束日期不能早于开始日期")
    since = _day_start(start) if start else None
    until = _day_start(end) + timedelta(days=1) if end else None
    is_faq = action.startswith(FAQ_PREFIX) if action else None
    branches: list[Select] = []
    if kind != "editorial" and is_faq is not True:
        branches.append(_admin_rows(action, actor, target, since, until))
    faq_id = _faq_id(target) if target else None
    if kind != "admin" and is_faq is not False and (target is None or faq_id is not None):
        branches.append(_faq_rows(action, actor, faq_id, since, until))
    if not branches:
        return 0, []
    rows = union_all(*branches).subquery() if len(branches) > 1 else branches[0].subquery()
    total = s.scalar(select(func.count()).select_from(rows)) or 0
    page = s.execute(select(rows).order_by(rows.c.at.desc(), rows.c.source, rows.c.id.desc())
                     .limit(limit).offset(offset)).all()
    return total, [Entry(source=r.source, id=r.id, at=r.at, actor=r.actor, key_id=r.key_id, action=r.action,
                         target=r.target, detail=redact(r.detail or "") if r.source == "faq_versions" else r.detail)
                   for r in page]
