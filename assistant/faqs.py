"""FAQ curation: create, edit, review, publish, retire, restore, with full version history.

Every function flushes but never commits: the caller owns the transaction (one per request),
so a failed step leaves nothing half-written. Every transition checks everything before it
changes anything, so a refused one leaves the FAQ as it was (the bulk routes rely on this).

Four-eyes: whoever wrote what is waiting to be published (the entry, or its latest revision)
may not publish it, unless `faq_self_publish` allows it (assistant.settings). Editing a
published FAQ writes a revision (`Faq.revision`) while the published text keeps serving;
approving the revision replaces the published text in place (same id, next version).

Given the live index, creating and editing pin each new citation to the passage's text, and
publishing or confirming a review (已复核) re-pins them all: assistant.faq_review flags the FAQ
待复核 when a later index changes, repeals or removes what it was written against.
"""

import hashlib
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, field_validator
from sqlalchemy import String, cast, event, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from assistant.db import Faq, FaqVersion, beijing_today, utcnow
from assistant.errors import Conflict, DomainError, Invalid, NotFound
from assistant.passage import Passage
from assistant.querylog import close_gaps
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
# History actions that write content, and those that end a round of writing: the writers since
# the last publication (or discarded revision) are who may not publish (four-eyes).
WRITING_ACTIONS = ("create", "update", "revise", "restore")
ROUND_ENDS = ("publish", "discard")


class SelfReview(DomainError):
    """Four-eyes: the author of what is to be published may not publish it (403)."""

    status = 403
    code = "self_review"


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


def working_content(faq: Faq) -> dict[str, Any]:
    """What editors work on: the pending revision of a published FAQ, else the FAQ itself."""
    if faq.revision is not None:
        return FaqContent.model_validate(faq.revision).model_dump()
    return _content(faq)


def _snapshot(faq: Faq) -> dict[str, Any]:
    # The working content, so the history's diff shows a revision's edits as they are made;
    # what was served at any time is the content of the latest publish row before it.
    if faq.revision is not None:
        content = dict(faq.revision)
    else:
        content = _content(faq)
        content["valid_until"] = faq.valid_until.isoformat() if faq.valid_until else None
    return content | {"status": faq.status, "review_reason": faq.review_reason, "revision": faq.revision_status}


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


def record_change(s: Session, faq: Faq, action: str, actor: str, now: datetime,
                  extra: dict[str, Any] | None = None) -> Faq:
    """Bump the version (except on create), stamp the time and append the history row
    (`extra` goes into its snapshot: a publication's authors and reviewer)."""
    if action != "create":
        faq.version += 1
    faq.updated_at = now
    s.add(FaqVersion(faq_id=faq.id, version=faq.version, action=action, actor=actor, at=now,
                     snapshot=_snapshot(faq) | (extra or {})))
    s.flush()
    return faq


def writers(s: Session, faq_id: int) -> list[str]:
    """Who wrote what is now waiting to be published: the actors of every content change since
    the last publication or discarded revision, first writer first."""
    since = s.scalar(select(func.max(FaqVersion.version))
                     .where(FaqVersion.faq_id == faq_id, FaqVersion.action.in_(ROUND_ENDS))) or 0
    actors = s.scalars(select(FaqVersion.actor)
                       .where(FaqVersion.faq_id == faq_id, FaqVersion.version > since,
                              FaqVersion.action.in_(WRITING_ACTIONS))
                       .order_by(FaqVersion.version))
    return list(dict.fromkeys(actors))


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
    """Apply content changes; unchanged values are a no-op. On a published FAQ the changes go to
    its revision (started as a draft) and the published text keeps serving until a reviewer
    approves it. Otherwise citations added are pinned to `index` when given; one removed takes
    its pin and flag along."""
    _check_actor(actor)
    faq = _load_for_change(s, faq_id)
    if faq.status not in EDITABLE_STATUSES:
        raise _refuse(faq, "修改")
    unknown = [k for k in changes if k not in FaqContent.model_fields]
    if unknown:
        raise Invalid(f"不能修改这些字段：{'、'.join(map(str, unknown))}")
    current = working_content(faq)
    try:
        content = FaqContent.model_validate(current | changes)
    except ValidationError as exc:
        raise Invalid("；".join(dict.fromkeys(m for _, m in content_problems(exc)))) from exc
    new = content.model_dump()
    if new == current:
        return faq
    now = utcnow()
    if faq.status == "published":
        faq.revision = content.model_dump(mode="json")
        faq.revision_status = faq.revision_status or "draft"
        faq.revision_author = faq.revision_author or actor
        faq.revision_at = now
        return record_change(s, faq, "revise", actor, now)
    for field, value in new.items():
        setattr(faq, field, value)
    _pin(faq, index, now)
    return record_change(s, faq, "update", actor, now)


def submit_faq(s: Session, faq_id: int, actor: str) -> Faq:
    """draft -> in_review; for a published FAQ, its draft revision -> in review."""
    _check_actor(actor)
    faq = _load_for_change(s, faq_id)
    now = utcnow()
    if faq.status == "published" and faq.revision_status == "draft":
        faq.revision_status, faq.revision_at = "in_review", now
    elif faq.status == "draft":
        faq.status = "in_review"
    elif faq.status == "published":
        raise Conflict("此 FAQ 没有待提交的修订：修改后保存即生成修订草稿", code="invalid_transition")
    else:
        raise _refuse(faq, "提交审核")
    return record_change(s, faq, "submit", actor, now)


def publish_faq(s: Session, faq_id: int, reviewer: str, index: "LoadedIndex | None" = None, *,
                self_publish: bool = False) -> Faq:
    """in_review -> published, or a published FAQ's revision in review -> the published text
    (same id, next version). Needs at least one citation and a validity date not yet passed;
    with the live `index`, every citation must be in it, they are re-pinned to it and a 待复核
    flag is cleared (the reviewer approved the FAQ against today's text). Four-eyes: refused
    (SelfReview) when `reviewer` wrote any of it, unless `self_publish`. The knowledge gaps it was
    drafted from are closed (已处理)."""
    _check_actor(reviewer)
    faq = _load_for_change(s, faq_id)
    revising = faq.status == "published" and faq.revision is not None
    if revising and faq.revision_status != "in_review":
        raise Conflict("此 FAQ 的修订尚未提交审核，不能发布", code="invalid_transition")
    if not revising and faq.status != "in_review":
        raise _refuse(faq, "发布")
    content = FaqContent.model_validate(working_content(faq))
    if not content.citations:
        raise Invalid("发布前至少需要一条引用依据")
    if content.valid_until is not None and content.valid_until < beijing_today():
        raise Invalid("有效期已过，请先修改有效期再发布")
    if index is not None:
        _require_in_index(content.citations, index, "发布")
    authors = writers(s, faq.id)
    if reviewer in authors and not self_publish:
        what = "此 FAQ 的修订" if revising else "此 FAQ"
        raise SelfReview(f"四眼审核：您编写或修改过{what}，不能由您本人审核发布，请另一位编辑审核")
    now = utcnow()
    if revising:
        for field, value in content.model_dump().items():
            setattr(faq, field, value)
        _clear_revision(faq)
    faq.status = "published"
    faq.reviewer = reviewer
    faq.published_at = now
    if index is not None:
        _pin(faq, index, now, reviewed=True)
    elif revising:
        _pin(faq, None, now)  # drop the pins and flags of citations the revision removed
    close_gaps(s, faq.id, reviewer, now)
    return record_change(s, faq, "publish", reviewer, now, {"authors": authors, "reviewer": reviewer})


def _clear_revision(faq: Faq) -> None:
    faq.revision = faq.revision_status = faq.revision_author = faq.revision_at = None


def discard_revision(s: Session, faq_id: int, actor: str) -> Faq:
    """Throw a published FAQ's pending revision away (the history keeps its text)."""
    _check_actor(actor)
    faq = _load_for_change(s, faq_id)
    if faq.status != "published" or faq.revision is None:
        raise Conflict("此 FAQ 没有待处理的修订", code="no_revision")
    _clear_revision(faq)
    return record_change(s, faq, "discard", actor, utcnow())


def restore_faq(s: Session, faq_id: int, actor: str, index: "LoadedIndex | None" = None) -> Faq:
    """retired -> draft, with its last words (a revision pending at retirement included) and,
    given the live `index`, what changed in its basis since it was pinned (待复核)."""
    # Imported here: faq_review imports this module.
    from assistant.faq_review import changes_since_pinned

    _check_actor(actor)
    faq = _load_for_change(s, faq_id)
    if faq.status != "retired":
        raise _refuse(faq, "恢复")
    now = utcnow()
    for field, value in working_content(faq).items():
        setattr(faq, field, value)
    _clear_revision(faq)
    faq.status = "draft"
    faq.retired_at = None
    _pin(faq, index, now)
    if index is not None:
        set_review(faq, changes_since_pinned(faq, index), now)
    return record_change(s, faq, "restore", actor, now)


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
    _require_in_index(faq.citations, index, "复核")
    cited = [index.passages[row] for row in map(index.row_of, faq.citations) if row is not None]
    lapsed = [f"《{p.title}》{p.label}（{p.status}）" for p in cited if p.status != "有效"]
    if lapsed:
        raise Invalid(f"引用的条文已不再有效：{'、'.join(lapsed[:5])}；请更换引用依据后再复核")
    now = utcnow()
    _pin(faq, index, now, reviewed=True)
    return record_change(s, faq, "review", actor, now)


def _require_in_index(citations: list[str], index: "LoadedIndex", what: str) -> None:
    gone = [pid for pid in citations if index.row_of(pid) is None]
    if gone:
        raise Invalid(f"引用的条文已不在法规库中：{'、'.join(gone[:5])}；请修改引用依据后再{what}")


def retire_faq(s: Session, faq_id: int, actor: str) -> Faq:
    """draft | in_review | published -> retired (restore_faq brings it back as a draft; a
    pending revision is kept for that)."""
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
              review: bool | None = None, review_reason: str | None = None, revision: str | None = None,
              limit: int = 100, offset: int = 0) -> list[Faq]:
    """Filtered FAQs, most recently changed first. `stale`: valid_until already passed;
    `review`: flagged 待复核 (for any reason, or for `review_reason`); `revision`: published
    with a revision in this state."""
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
    if revision is not None:
        stmt = stmt.where(Faq.revision_status == revision)
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
        "revision": None if faq.revision is None else {
            **faq.revision, "status": faq.revision_status, "author": faq.revision_author,
            "updated_at": iso(faq.revision_at)},
    }


# ---------- duplicates ----------

@dataclass(frozen=True)
class Duplicate:
    """An existing FAQ a question repeats: same text once normalised, or a cosine at least
    `near_duplicate_cosine`; similarity 1.0 for the former."""

    faq_id: int
    question: str
    status: str
    similarity: float


def normalised(text: str) -> str:
    """A question as compared for duplicates: NFKC, lower case, letters and digits only."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).lower() if ch.isalnum())


def near_duplicate_cosine(faq_threshold: float) -> float:
    """The cosine from which two questions are the same question reworded, relative to the
    encoder's calibrated FAQ threshold. Measured with the tuned encoder (threshold 0.62, so
    0.981): a word added or changed 0.989-0.997, test questions differing in one character
    (问题一/问题二) 0.963, paraphrases 0.74-0.87."""
    return 1 - (1 - faq_threshold) / 20


def find_duplicates(s: Session, questions: Sequence[str], encode: Callable[[Sequence[str]], np.ndarray],
                    cosine: float, *, exclude: int | None = None, limit: int = 3) -> list[list[Duplicate]]:
    """Per question, the existing FAQs (any status) it repeats, closest first: its normalised text
    equals their question or one of their other phrasings, or its cosine to their question
    reaches `cosine`."""
    faqs = [f for f in s.scalars(select(Faq).order_by(Faq.id)) if f.id != exclude]
    if not faqs or not questions:
        return [[] for _ in questions]
    by_text: dict[str, Faq] = {}
    for faq in faqs:
        for text in (faq.question, *faq.alternatives):
            by_text.setdefault(normalised(text), faq)
    vectors = np.asarray(encode([*questions, *(f.question for f in faqs)]), dtype=np.float32)
    sims = vectors[:len(questions)] @ vectors[len(questions):].T
    out = []
    for i, question in enumerate(questions):
        found: dict[int, Duplicate] = {}
        same = by_text.get(normalised(question))
        if same is not None:
            found[same.id] = Duplicate(same.id, same.question, same.status, 1.0)
        for j in np.argsort(-sims[i]):
            if sims[i, j] < cosine or len(found) >= limit:
                break
            faq = faqs[j]
            found.setdefault(faq.id, Duplicate(faq.id, faq.question, faq.status, round(float(sims[i, j]), 4)))
        out.append(sorted(found.values(), key=lambda d: -d.similarity)[:limit])
    return out


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
