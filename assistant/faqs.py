"""FAQ curation: create, edit, review, publish, retire, with full version history.

Every function flushes but never commits: the caller owns the transaction (one per request),
so a failed step leaves nothing half-written.

Given the live index, creating and editing pin each new citation to the passage's text, and
publishing or confirming a review (已复核) re-pins them all: assistant.faq_review flags the FAQ
待复核 when a later index changes, repeals or removes what it was written against.
"""

import hashlib
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, field_validator
from sqlalchemy import String, cast, event, or_, select
from sqlalchemy.orm import Session, sessionmaker

from assistant.db import Faq, FaqVersion, beijing_today, utcnow
from assistant.errors import Conflict, Invalid, NotFound
from assistant.passage import Passage
from assistant.text_fields import MAX_ANSWER_CHARS, MAX_QUESTION_CHARS, Plain, Text
from assistant.vocabularies import REVIEW_REASONS, Audience, label

if TYPE_CHECKING:
    from assistant.index import LoadedIndex

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
    return content | {"status": faq.status, "review_reason": faq.review_reason}


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def pin_of(passage: Passage, index_version: str) -> dict[str, str]:
    """What a FAQ keeps of a passage it cites, to tell later whether the passage changed."""
    return {"hash": text_hash(passage.text), "text": passage.text, "status": passage.status,
            "title": passage.title, "label": passage.label, "url": passage.url, "index_version": index_version}


def set_review(faq: Faq, changes: list[dict[str, Any]], now: datetime) -> None:
    """Flag the FAQ 待复核 with these per-citation changes, or clear the flag when there are none.
    The reason is the most serious change's; `flagged_at` stays when the FAQ was first flagged."""
    faq.review_changes = changes
    faq.review_reason = max((c["reason"] for c in changes), key=REVIEW_REASONS.index, default=None)
    faq.flagged_at = (faq.flagged_at or now) if changes else None


def _pin(faq: Faq, index: "LoadedIndex | None", now: datetime, *, reviewed: bool = False) -> None:
    """Keep the pins and flagged changes of the citations still cited, and pin the new ones to
    `index`. `reviewed`: a person has just approved the FAQ against `index`, so every citation
    is re-pinned and the flag cleared. Without an index (imports, scripts) nothing new is
    pinned: the next check takes the live text as the baseline."""
    cited = set(faq.citations)
    pins = {} if reviewed else {pid: pin for pid, pin in faq.pins.items() if pid in cited}
    if index is not None:
        for pid in faq.citations:
            row = index.row_of(pid)
            if pid not in pins and row is not None:
                pins[pid] = pin_of(index.passages[row], index.version)
    faq.pins = pins
    set_review(faq, [] if reviewed else [c for c in faq.review_changes if c["passage_id"] in cited], now)


def _check_actor(actor: str) -> None:
    if not actor or not actor.strip():
        raise Invalid("操作人不能为空")


def record_change(s: Session, faq: Faq, action: str, actor: str, now: datetime) -> Faq:
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


def create_faq(s: Session, data: FaqContent, author: str, index: "LoadedIndex | None" = None) -> Faq:
    """A new draft at version 1, its citations pinned to `index` when given."""
    _check_actor(author)
    now = utcnow()
    faq = Faq(**data.model_dump(), status="draft", author=author, version=1,
              created_at=now, updated_at=now, pins={}, review_changes=[])
    _pin(faq, index, now)
    s.add(faq)
    s.flush()  # assigns the id the history row needs
    return record_change(s, faq, "create", author, now)


def update_faq(s: Session, faq_id: int, changes: dict[str, Any], actor: str,
               index: "LoadedIndex | None" = None) -> Faq:
    """Apply content changes; a published FAQ goes back to review. Unchanged values are a no-op.
    Citations added are pinned to `index` when given; one removed takes its pin and flag along."""
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
    now = utcnow()
    _pin(faq, index, now)
    return record_change(s, faq, "update", actor, now)


def submit_faq(s: Session, faq_id: int, actor: str) -> Faq:
    """draft -> in_review."""
    _check_actor(actor)
    faq = _load_for_change(s, faq_id)
    if faq.status != "draft":
        raise _refuse(faq, "提交审核")
    faq.status = "in_review"
    return record_change(s, faq, "submit", actor, utcnow())


def publish_faq(s: Session, faq_id: int, reviewer: str, index: "LoadedIndex | None" = None) -> Faq:
    """in_review -> published; needs at least one citation and a validity date not yet passed.
    With the live `index`, every citation must be in it; they are re-pinned to it and a 待复核
    flag is cleared (the reviewer approved the FAQ against today's text)."""
    _check_actor(reviewer)
    faq = _load_for_change(s, faq_id)
    if faq.status != "in_review":
        raise _refuse(faq, "发布")
    if not faq.citations:
        raise Invalid("发布前至少需要一条引用依据")
    if faq.valid_until is not None and faq.valid_until < beijing_today():
        raise Invalid("有效期已过，请先修改有效期再发布")
    if index is not None:
        _require_in_index(faq, index, "发布")
    now = utcnow()
    faq.status = "published"
    faq.reviewer = reviewer
    faq.published_at = now
    if index is not None:
        _pin(faq, index, now, reviewed=True)
    return record_change(s, faq, "publish", reviewer, now)


def review_faq(s: Session, faq_id: int, actor: str, index: "LoadedIndex") -> Faq:
    """已复核: a person confirms a FAQ flagged 待复核 still holds under the live `index`'s text.
    Its citations are re-pinned and the flag cleared; the status does not change. A citation
    gone from the index or no longer in force has to be replaced by an edit first."""
    _check_actor(actor)
    faq = _load_for_change(s, faq_id)
    if faq.status == "retired":
        raise _refuse(faq, "复核")
    if faq.review_reason is None:
        raise Conflict("此常见问题没有待复核的依据变化", code="not_flagged")
    _require_in_index(faq, index, "复核")
    cited = [index.passages[row] for row in map(index.row_of, faq.citations) if row is not None]
    lapsed = [f"《{p.title}》{p.label}（{p.status}）" for p in cited if p.status != "有效"]
    if lapsed:
        raise Invalid(f"引用的条文已不再有效：{'、'.join(lapsed[:5])}；请更换引用依据后再复核")
    now = utcnow()
    _pin(faq, index, now, reviewed=True)
    return record_change(s, faq, "review", actor, now)


def _require_in_index(faq: Faq, index: "LoadedIndex", what: str) -> None:
    gone = [pid for pid in faq.citations if index.row_of(pid) is None]
    if gone:
        raise Invalid(f"引用的条文已不在法规库中：{'、'.join(gone[:5])}；请修改引用依据后再{what}")


def retire_faq(s: Session, faq_id: int, actor: str) -> Faq:
    """draft | in_review | published -> retired (final)."""
    _check_actor(actor)
    faq = _load_for_change(s, faq_id)
    if faq.status == "retired":
        raise _refuse(faq, "下线")
    now = utcnow()
    faq.status = "retired"
    faq.retired_at = now
    set_review(faq, [], now)  # nothing left to review: a retired FAQ is never served
    return record_change(s, faq, "retire", actor, now)


def get_faq(s: Session, faq_id: int) -> Faq:
    faq = s.get(Faq, faq_id)
    if faq is None:
        raise NotFound(f"未找到编号为 {faq_id} 的常见问题")
    return faq


def list_faqs(s: Session, *, status: str | None = None, topic: str | None = None,
              audience: str | None = None, q: str | None = None, stale: bool | None = None,
              review: bool | None = None, review_reason: str | None = None,
              limit: int = 100, offset: int = 0) -> list[Faq]:
    """Filtered FAQs, most recently changed first. `stale`: valid_until already passed;
    `review`: flagged 待复核 (for any reason, or for `review_reason`)."""
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
    if review is not None:
        stmt = stmt.where(Faq.review_reason.is_not(None) if review else Faq.review_reason.is_(None))
    if review_reason is not None:
        stmt = stmt.where(Faq.review_reason == review_reason)
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
        "review_reason": faq.review_reason,
        "flagged_at": iso(faq.flagged_at),
        "review_changes": faq.review_changes,
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
