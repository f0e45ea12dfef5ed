"""The audit log of admin actions (keys, index versions, crawls, uploads).

FAQ edits are not copied here: their history (faq_versions) already records who did what and
when, and the audit view reads both (assistant.audit).
"""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from assistant.db.base import Base, one_of, utcnow

ADMIN_ACTIONS = ("key_create", "key_revoke", "index_activate", "crawl_start", "upload")


class AuditEntry(Base):
    """Who (the key's name, and its id) did what to which target; text is redacted before it gets here."""

    __tablename__ = "audit_log"
    __table_args__ = (one_of("action", ADMIN_ACTIONS),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(200), index=True)
    key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"))
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(400))
    detail: Mapped[str] = mapped_column(Text, default="")
