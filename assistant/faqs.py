"""FAQ curation: create, edit, review, publish, retire, with full version history.

Every function flushes but never commits: the caller owns the transaction (one per request),
so a failed step leaves nothing half-written.
"""

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import String, cast, or_, select
from sqlalchemy.orm import Session

from assistant.db import Faq, FaqVersion, beijing_today, utcnow
from assistant.errors import DomainError

STATUS_LABELS = {"draft": "草稿", "in_review": "待审核", "published": "已发布", "retired": "已下线"}
FIELD_LABELS = {
    "question": "问题", "alternatives": "其他问法", "answer": "答复", "citations": "引用依据",
    "topic": "主题", "audience": "受众", "valid_until": "有效期至",
}
EDITABLE_STATUSES = {"draft", "in_review", "published"}


class FaqError(DomainError):
    """A refused FAQ operation; `code` is "not_found", "invalid_transition" or "invalid"."""

    STATUS = {"not_found": 404, "invalid_transition": 409, "invalid": 422}

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, code=code)
        self.status = self.STATUS[code]


class FaqIn(BaseModel):
    """The editable content of a FAQ."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    question: str = Field(min_length=1)
    alternatives: list[str] = []
    answer: str = Field(min_length=1)
    citations: list[str] = []
    topic: str = ""
    audience: Literal["agent", "public"] = "public"
    valid_until: date | None = None

    @field_validator("alternatives", "citations")
    @classmethod
    def _drop_blank_and_duplicates(cls, values: list[str]) -> list[str]:
        return list(dict.fromkeys(v for v in values if v))


def _content(faq: Faq) -> dict[str, Any]:
    return {field: getattr(faq, field) for field in FaqIn.model_fields}


def _snapshot(faq: Faq) -> dict[str, Any]:
    content = _content(faq)
    content["valid_until"] = faq.valid_until.isoformat() if faq.valid_until else None
    return content | {"status": faq.status}


def _check_actor(actor: str) -> None:
    if not actor or not actor.strip():
        raise FaqError("invalid", "操作人不能为空")


def _record(s: Session, faq: Faq, action: str, actor: str, now: datetime) -> Faq:
    """Bump the version (except on create), stamp the time and append the history row."""
    if action != "create":
        faq.version += 1
    faq.updated_at = now
    s.add(FaqVersion(faq_id=faq.id, version=faq.version, action=action, actor=actor, at=now,
                     snapshot=_snapshot(faq)))
    s.flush()
    return faq


def _load_for_change(s: Session, faq_id: int) -> Faq:
    # Row lock on PostgreSQL so concurrent edits queue instead of racing, then re-read what the
    # previous editor committed. SQLite ignores the lock; the unique (faq_id, version) rejects a race.
    faq = s.get(Faq, faq_id, with_for_update=True, populate_existing=True)
    if faq is None:
        raise FaqError("not_found", f"未找到编号为 {faq_id} 的常见问题")
    return faq


def _refuse(faq: Faq, what: str) -> FaqError:
    return FaqError("invalid_transition", f"常见问题当前状态为「{STATUS_LABELS[faq.status]}」，不能{what}")


def create_faq(s: Session, data: FaqIn, author: str) -> Faq:
    """A new draft at version 1."""
    _check_actor(author)
    now = utcnow()
    faq = Faq(**data.model_dump(), status="draft", author=author, version=1,
              created_at=now, updated_at=now)
    s.add(faq)
    s.flush()  # assigns the id the history row needs
    return _record(s, faq, "create", author, now)


def update_faq(s: Session, faq_id: int, changes: dict[str, Any], actor: str) -> Faq:
    """Apply content changes; a published FAQ goes back to review. Unchanged values are a no-op."""
    _check_actor(actor)
    faq = _load_for_change(s, faq_id)
    if faq.status not in EDITABLE_STATUSES:
        raise _refuse(faq, "修改")
    unknown = [k for k in changes if k not in FaqIn.model_fields]
    if unknown:
        raise FaqError("invalid", f"不能修改这些字段：{'、'.join(map(str, unknown))}")
    try:
        content = FaqIn.model_validate(_content(faq) | changes)
    except ValidationError as exc:
        fields = dict.fromkeys(FIELD_LABELS.get(str(e["loc"][0]), str(e["loc"][0])) for e in exc.errors())
        raise FaqError("invalid", f"以下内容不合法：{'、'.join(fields)}") from exc
    new = content.model_dump()
    if new == _content(faq):
        return faq
    for field, value in new.items():
        setattr(faq, field, value)
    if faq.status == "published":
        faq.status = "in_review"  # the edited text has not been reviewed yet
    return _record(s, faq, "update", actor, utcnow())


def submit_faq(s: Session, faq_id: int, actor: str) -> Faq:
    """draft -> in_review."""
    _check_actor(actor)
    faq = _load_for_change(s, faq_id)
    if faq.status != "draft":
        raise _refuse(faq, "提交审核")
    faq.status = "in_review"
    return _record(s, faq, "submit", actor, utcnow())


def publish_faq(s: Session, faq_id: int, reviewer: str) -> Faq:
    """in_review -> published; needs at least one citation and a validity date not yet passed."""
    _check_actor(reviewer)
    faq = _load_for_change(s, faq_id)
    if faq.status != "in_review":
        raise _refuse(faq, "发布")
    if not faq.citations:
        raise FaqError("invalid", "发布前至少需要一条引用依据")
    if faq.valid_until is not None and faq.valid_until < beijing_today():
        raise FaqError("invalid", "有效期已过，请先修改有效期再发布")
    now = utcnow()
    faq.status = "published"
    faq.reviewer = reviewer
    faq.published_at = now
    return _record(s, faq, "publish", reviewer, now)


def retire_faq(s: Session, faq_id: int, actor: str) -> Faq:
    """draft | in_review | published -> retired (final)."""
    _check_actor(actor)
    faq = _load_for_change(s, faq_id)
    if faq.status == "retired":
        raise _refuse(faq, "下线")
    now = utcnow()
    faq.status = "retired"
    faq.retired_at = now
    return _record(s, faq, "retire", actor, now)


def get_faq(s: Session, faq_id: int) -> Faq:
    faq = s.get(Faq, faq_id)
    if faq is None:
        raise FaqError("not_found", f"未找到编号为 {faq_id} 的常见问题")
    return faq


def list_faqs(s: Session, *, status: str | None = None, topic: str | None = None,
              audience: str | None = None, q: str | None = None, stale: bool | None = None,
              limit: int = 100, offset: int = 0) -> list[Faq]:
    """Filtered FAQs, most recently changed first. `stale`: valid_until already passed."""
    stmt = select(Faq)
    if status is not None:
        stmt = stmt.where(Faq.status == status)
    if topic is not None:
        stmt = stmt.where(Faq.topic == topic)
    if audience is not None:
        stmt = stmt.where(Faq.audience == audience)
    if q:
        stmt = stmt.where(or_(Faq.question.icontains(q, autoescape=True),
                              Faq.answer.icontains(q, autoescape=True),
                              cast(Faq.alternatives, String).icontains(q, autoescape=True)))
    if stale is not None:
        expired = Faq.valid_until < beijing_today()
        stmt = stmt.where(expired if stale else or_(Faq.valid_until.is_(None), ~expired))
    stmt = stmt.order_by(Faq.updated_at.desc(), Faq.id.desc()).limit(limit).offset(offset)
    return list(s.scalars(stmt))


def faq_history(s: Session, faq_id: int) -> list[FaqVersion]:
    """Every recorded change, oldest first."""
    get_faq(s, faq_id)
    stmt = select(FaqVersion).where(FaqVersion.faq_id == faq_id).order_by(FaqVersion.version)
    return list(s.scalars(stmt))


def published_faqs(s: Session, audiences: set[str]) -> list[Faq]:
    """What may be shown to `audiences` today: published and not past valid_until."""
    stmt = (select(Faq)
            .where(Faq.status == "published", Faq.audience.in_(audiences),
                   or_(Faq.valid_until.is_(None), Faq.valid_until >= beijing_today()))
            .order_by(Faq.id))
    return list(s.scalars(stmt))


def faq_to_dict(faq: Faq) -> dict[str, Any]:
    """JSON-ready representation, with `stale` computed for today."""
    def iso(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "id": faq.id,
        **_content(faq),
        "valid_until": iso(faq.valid_until),
        "stale": faq.valid_until is not None and faq.valid_until < beijing_today(),
        "status": faq.status,
        "author": faq.author,
        "reviewer": faq.reviewer,
        "created_at": iso(faq.created_at),
        "updated_at": iso(faq.updated_at),
        "published_at": iso(faq.published_at),
        "retired_at": iso(faq.retired_at),
        "version": faq.version,
    }
