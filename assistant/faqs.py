"""FAQ curation: create, edit, review, publish, retire, with full version history.

Every function flushes but never commits: the caller owns the transaction (one per request),
so a failed step leaves nothing half-written.
"""

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, field_validator
from sqlalchemy import String, cast, event, or_, select
from sqlalchemy.orm import Session, sessionmaker

from assistant.db import Faq, FaqVersion, beijing_today, utcnow
from assistant.errors import Conflict, Invalid, NotFound
from assistant.text_fields import MAX_ANSWER_CHARS, MAX_QUESTION_CHARS, Plain, Text
from assistant.vocabularies import Audience, label

FIELD_LABELS = {
    "question": "问题", "alternatives": "其他问法", "answer": "答复", "citations": "引用依据",
    "topic": "主题", "audience": "受众", "valid_until": "有效期至",
}
EDITABLE_STATUSES = {"draft", "in_review", "published"}
MAX_ALTERNATIVES = 50
MAX_CITATIONS = 20


class FaqContent(BaseModel):
    """The editable content of a FAQ and its limits: the API, the spreadsheet import and the
    store all validate with this one model."""

    model_config = ConfigDict(extra="forbid")

    question: Text = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    alternatives: list[Annotated[Plain, Field(max_length=MAX_QUESTION_CHARS)]] = Field(
        default_factory=list, max_length=MAX_ALTERNATIVES, description="同一问题的其他问法")
    answer: Text = Field(min_length=1, max_length=MAX_ANSWER_CHARS)
    citations: list[Annotated[str, Field(max_length=300)]] = Field(
        default_factory=list, max_length=MAX_CITATIONS, description="引用的条文 passage id")
    topic: Plain = Field("", max_length=100)
    audience: Audience = "public"
    valid_until: date | None = None

    @field_validator("question", "answer", "topic")
    @classmethod
    def _strip(cls, value: str) -> str:
        # After the checks, so whitespace-only text is refused as blank rather than as empty.
        return value.strip()

    @field_validator("alternatives", "citations")
    @classmethod
    def _drop_blank_and_duplicates(cls, values: list[str]) -> list[str]:
        return list(dict.fromkeys(v.strip() for v in values if v.strip()))


def content_problems(exc: ValidationError) -> list[tuple[str, str]]:
    """(field, Chinese message) for each problem a FaqContent validation found."""
    problems = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        name, kind, ctx = FIELD_LABELS.get(field, field), error["type"], error.get("ctx", {})
        if kind in ("string_too_short", "missing"):
            message = f"{name}不能为空"
        elif kind == "string_too_long":
            message = f"{name}过长（上限 {ctx['max_length']} 字）"
        elif kind == "too_long":
            message = f"{name}最多 {ctx['max_length']} 条"
        elif kind in ("blank_text", "control_char"):
            message = f"{name}{error['msg']}"
        elif kind == "extra_forbidden":
            message = f"不能修改这些字段：{field}"
        else:
            message = f"{name}的值不合法"
        problems.append((field, message))
    return problems


def partial(model: type[BaseModel], name: str) -> type[BaseModel]:
    """`model` with every field optional (default None) and its constraints kept: a PATCH body."""
    # The constraints go inside the Optional: None means "not given", a given value is checked.
    fields: dict[str, Any] = {
        field: ((Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation) | None,
                Field(None, description=info.description))
        for field, info in model.model_fields.items()}
    return create_model(name, __config__=model.model_config, **fields)


def _content(faq: Faq) -> dict[str, Any]:
    return {field: getattr(faq, field) for field in FaqContent.model_fields}


def _snapshot(faq: Faq) -> dict[str, Any]:
    content = _content(faq)
    content["valid_until"] = faq.valid_until.isoformat() if faq.valid_until else None
    return content | {"status": faq.status}


def _check_actor(actor: str) -> None:
    if not actor or not actor.strip():
        raise Invalid("操作人不能为空")


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
        raise NotFound(f"未找到编号为 {faq_id} 的常见问题")
    return faq


def _refuse(faq: Faq, what: str) -> Conflict:
    return Conflict(f"常见问题当前状态为「{label('faq_statuses', faq.status)}」，不能{what}", code="invalid_transition")


def create_faq(s: Session, data: FaqContent, author: str) -> Faq:
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
    unknown = [k for k in changes if k not in FaqContent.model_fields]
    if unknown:
        raise Invalid(f"不能修改这些字段：{'、'.join(map(str, unknown))}")
    try:
        content = FaqContent.model_validate(_content(faq) | changes)
    except ValidationError as exc:
        raise Invalid("；".join(dict.fromkeys(m for _, m in content_problems(exc)))) from exc
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
        raise Invalid("发布前至少需要一条引用依据")
    if faq.valid_until is not None and faq.valid_until < beijing_today():
        raise Invalid("有效期已过，请先修改有效期再发布")
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
        raise NotFound(f"未找到编号为 {faq_id} 的常见问题")
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


def on_faq_commit(sessions: sessionmaker[Session], reload: Callable[[], None]) -> None:
    """Call `reload` after every commit of a session from `sessions` that changed a FAQ, and
    only then: the in-memory matcher never serves what a rolled-back transaction wrote."""

    @event.listens_for(sessions, "after_flush")
    def _note(session: Session, _context: Any) -> None:
        if any(isinstance(o, Faq) for o in (*session.new, *session.dirty, *session.deleted)):
            session.info["faqs_changed"] = True

    @event.listens_for(sessions, "after_commit")
    def _reload(session: Session) -> None:
        if session.info.pop("faqs_changed", False):
            reload()

    @event.listens_for(sessions, "after_rollback")
    def _forget(session: Session) -> None:
        session.info.pop("faqs_changed", None)
