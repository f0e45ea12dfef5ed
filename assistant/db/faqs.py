"""Curated questions and answers, and the audit trail of their changes."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from assistant.db.base import Base, one_of, utcnow
from assistant.vocabularies import AUDIENCES, FAQ_ACTIONS, FAQ_REVISION_STATUSES, FAQ_STATUSES, REVIEW_REASONS


class Faq(Base):
    """A curated question and answer; `published_at` keeps the last publication even after an edit.

    `pins` holds, per cited passage id, the passage as the FAQ was written or last reviewed against
    ({hash, text, status, title, label, url, index_version}); when a new index differs, the FAQ is
    flagged 待复核: `review_reason` (the most serious of `review_changes`' reasons), `flagged_at`
    and `review_changes` (per citation: reason, old and new text and status). See assistant.faq_review.

    `revision` holds a published FAQ's pending edit (the FaqContent fields, as JSON) while the
    published fields keep serving; `revision_status` is draft or in_review. Approving it copies it
    over the published fields (assistant.faqs.publish_faq).
    """

    __tablename__ = "faqs"
    __table_args__ = (
        one_of("audience", AUDIENCES),
        one_of("status", FAQ_STATUSES),
        one_of("review_reason", REVIEW_REASONS),
        one_of("revision_status", FAQ_REVISION_STATUSES),
        Index("ix_faqs_status_audience", "status", "audience"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question: Mapped[str] = mapped_column(Text)
    alternatives: Mapped[list[str]] = mapped_column(default=list)
    answer: Mapped[str] = mapped_column(Text)
    citations: Mapped[list[str]] = mapped_column(default=list)
    topic: Mapped[str] = mapped_column(String(100), default="", index=True)
    audience: Mapped[str] = mapped_column(String(16), default="public")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    valid_until: Mapped[date | None] = mapped_column(Date)
    author: Mapped[str] = mapped_column(String(200))
    reviewer: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]
    retired_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)
    pins: Mapped[dict[str, Any]] = mapped_column(default=dict)
    review_reason: Mapped[str | None] = mapped_column(String(16), index=True)
    flagged_at: Mapped[datetime | None]
    review_changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    revision: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    revision_status: Mapped[str | None] = mapped_column(String(16))
    revision_author: Mapped[str | None] = mapped_column(String(200))
    revision_at: Mapped[datetime | None]


class FaqVersion(Base):
    """One row per FAQ change: who did what, and the content afterwards (a pending revision's, if
    any). A publication's snapshot also names its `authors` (four-eyes) and `reviewer`."""

    __tablename__ = "faq_versions"
    __table_args__ = (
        one_of("action", FAQ_ACTIONS),
        # Also the backstop against two concurrent edits producing the same version.
        UniqueConstraint("faq_id", "version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # No ON DELETE: history is an audit trail, so a FAQ with history cannot be deleted.
    faq_id: Mapped[int] = mapped_column(ForeignKey("faqs.id"))
    version: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    snapshot: Mapped[dict[str, Any]]
