"""Stale-FAQ detection: each FAQ pins the passages it cites; a changed basis flags it 待复核.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-08

Self-contained on purpose (no imports from the app): the models will change, this must not.
Existing FAQs start with no pins; the first check against an index pins them to its text
(a baseline, never a flag).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REVIEW_REASONS = ("changed", "repealed", "removed")
OLD_ACTIONS = ("create", "update", "submit", "publish", "retire")
NEW_ACTIONS = (*OLD_ACTIONS, "flag", "unflag", "review")


def _allowed(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def upgrade() -> None:
    # The server defaults fill the rows already there; the application always writes the values.
    with op.batch_alter_table("faqs") as batch:
        batch.add_column(sa.Column("pins", sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
        batch.add_column(sa.Column("review_reason", sa.String(16), nullable=True))
        batch.add_column(sa.Column("flagged_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("review_changes", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch.create_check_constraint(op.f("ck_faqs_review_reason"), f"review_reason IN ({_allowed(REVIEW_REASONS)})")
        batch.create_index(op.f("ix_faqs_review_reason"), ["review_reason"])
    with op.batch_alter_table("faqs") as batch:
        batch.alter_column("pins", server_default=None)
        batch.alter_column("review_changes", server_default=None)
    with op.batch_alter_table("faq_versions") as batch:
        batch.drop_constraint(op.f("ck_faq_versions_action"), type_="check")
        batch.create_check_constraint(op.f("ck_faq_versions_action"), f"action IN ({_allowed(NEW_ACTIONS)})")


def downgrade() -> None:
    op.execute(f"DELETE FROM faq_versions WHERE action NOT IN ({_allowed(OLD_ACTIONS)})")
    with op.batch_alter_table("faq_versions") as batch:
        batch.drop_constraint(op.f("ck_faq_versions_action"), type_="check")
        batch.create_check_constraint(op.f("ck_faq_versions_action"), f"action IN ({_allowed(OLD_ACTIONS)})")
    with op.batch_alter_table("faqs") as batch:
        batch.drop_index(op.f("ix_faqs_review_reason"))
        batch.drop_constraint(op.f("ck_faqs_review_reason"), type_="check")
        batch.drop_column("review_changes")
        batch.drop_column("flagged_at")
        batch.drop_column("review_reason")
        batch.drop_column("pins")
