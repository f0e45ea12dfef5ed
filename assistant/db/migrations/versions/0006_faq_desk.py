"""FAQ desk: revisions of published FAQs (the published text keeps serving until a reviewer
approves the revision), the history actions revise, discard and restore, and the triage of
knowledge gaps on the query log (refusal reason, decision with its note, the FAQ drafted).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06

Self-contained on purpose (no imports from the app): the models will change, this must not.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REVISION_STATUSES = ("draft", "in_review")
OLD_ACTIONS = ("create", "update", "submit", "publish", "retire", "flag", "unflag", "review")
NEW_ACTIONS = (*OLD_ACTIONS, "revise", "discard", "restore")
GAP_TRIAGES = ("ignored", "not_ours", "handled")


def _allowed(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def upgrade() -> None:
    with op.batch_alter_table("faqs") as batch:
        batch.add_column(sa.Column("revision", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("revision_status", sa.String(16), nullable=True))
        batch.add_column(sa.Column("revision_author", sa.String(200), nullable=True))
        batch.add_column(sa.Column("revision_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_check_constraint(op.f("ck_faqs_revision_status"),
                                      f"revision_status IN ({_allowed(REVISION_STATUSES)})")
    with op.batch_alter_table("faq_versions") as batch:
        batch.drop_constraint(op.f("ck_faq_versions_action"), type_="check")
        batch.create_check_constraint(op.f("ck_faq_versions_action"), f"action IN ({_allowed(NEW_ACTIONS)})")
    with op.batch_alter_table("query_log") as batch:
        batch.add_column(sa.Column("reason", sa.String(32), nullable=True))
        batch.add_column(sa.Column("triage", sa.String(16), nullable=True))
        batch.add_column(sa.Column("triage_note", sa.Text(), nullable=True))
        batch.add_column(sa.Column("triage_by", sa.String(200), nullable=True))
        batch.add_column(sa.Column("triage_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("gap_faq_id", sa.Integer(), nullable=True))
        batch.create_check_constraint(op.f("ck_query_log_triage"), f"triage IN ({_allowed(GAP_TRIAGES)})")
        batch.create_foreign_key(op.f("fk_query_log_gap_faq_id_faqs"), "faqs", ["gap_faq_id"], ["id"],
                                 ondelete="SET NULL")
        batch.create_index(op.f("ix_query_log_triage"), ["triage"])
        batch.create_index(op.f("ix_query_log_gap_faq_id"), ["gap_faq_id"])


def downgrade() -> None:
    with op.batch_alter_table("query_log") as batch:
        batch.drop_index(op.f("ix_query_log_gap_faq_id"))
        batch.drop_index(op.f("ix_query_log_triage"))
        batch.drop_constraint(op.f("fk_query_log_gap_faq_id_faqs"), type_="foreignkey")
        batch.drop_constraint(op.f("ck_query_log_triage"), type_="check")
        for column in ("gap_faq_id", "triage_at", "triage_by", "triage_note", "triage", "reason"):
            batch.drop_column(column)
    # The old schema knows no revise/discard/restore: those history rows are kept as updates.
    # A revision still pending is dropped with its columns; its text stays in those rows.
    op.execute(f"UPDATE faq_versions SET action = 'update' WHERE action NOT IN ({_allowed(OLD_ACTIONS)})")
    with op.batch_alter_table("faq_versions") as batch:
        batch.drop_constraint(op.f("ck_faq_versions_action"), type_="check")
        batch.create_check_constraint(op.f("ck_faq_versions_action"), f"action IN ({_allowed(OLD_ACTIONS)})")
    with op.batch_alter_table("faqs") as batch:
        batch.drop_constraint(op.f("ck_faqs_revision_status"), type_="check")
        batch.drop_column("revision_at")
        batch.drop_column("revision_author")
        batch.drop_column("revision_status")
        batch.drop_column("revision")
