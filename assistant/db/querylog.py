"""The log of answered and refused queries, and the ratings given to them."""

from datetime import datetime

from sqlalchemy import Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from assistant.db.base import Base, one_of, utcnow
from assistant.vocabularies import CHANNELS, GAP_TRIAGES, RATINGS


class QueryLog(Base):
    """One answered or refused query; `query` is redacted by the caller before it gets here.

    As a knowledge gap (refused or badly rated) it carries the refusal `reason`, the editor's
    `triage` (ignored / not_ours / handled) with its note, who and when, and `gap_faq_id`, the
    FAQ drafted from it (whose publication marks it handled)."""

    __tablename__ = "query_log"
    __table_args__ = (one_of("channel", CHANNELS), one_of("triage", GAP_TRIAGES))

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    channel: Mapped[str] = mapped_column(String(16))
    query: Mapped[str] = mapped_column(Text)
    answered: Mapped[bool]
    refused: Mapped[bool]
    faq_id: Mapped[int | None] = mapped_column(ForeignKey("faqs.id", ondelete="SET NULL"))
    citations: Mapped[list[str]] = mapped_column(default=list)
    top_score: Mapped[float | None] = mapped_column(Float)
    latency_ms: Mapped[float] = mapped_column(Float)
    index_version: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(String(32))
    triage: Mapped[str | None] = mapped_column(String(16), index=True)
    triage_note: Mapped[str | None] = mapped_column(Text)
    triage_by: Mapped[str | None] = mapped_column(String(200))
    triage_at: Mapped[datetime | None]
    gap_faq_id: Mapped[int | None] = mapped_column(ForeignKey("faqs.id", ondelete="SET NULL"), index=True)


class Feedback(Base):
    """A rating of a logged answer; `comment` is redacted by the caller."""

    __tablename__ = "feedback"
    __table_args__ = (one_of("rating", RATINGS), one_of("channel", CHANNELS))

    id: Mapped[int] = mapped_column(primary_key=True)
    # SET NULL so that purging old query logs keeps the ratings.
    query_log_id: Mapped[int | None] = mapped_column(
        ForeignKey("query_log.id", ondelete="SET NULL"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    rating: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(16))
