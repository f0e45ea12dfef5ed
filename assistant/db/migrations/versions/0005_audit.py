"""The audit log of admin actions: key create/revoke, index activation, crawl start, upload.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06

Self-contained on purpose (no imports from the app): the models will change, this must not.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIONS = ("key_create", "key_revoke", "index_activate", "crawl_start", "upload")


def upgrade() -> None:
    allowed = ", ".join(f"'{v}'" for v in ACTIONS)
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("key_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("target", sa.String(400), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
        sa.ForeignKeyConstraint(["key_id"], ["api_keys.id"], name=op.f("fk_audit_log_key_id_api_keys")),
        sa.CheckConstraint(f"action IN ({allowed})", name=op.f("ck_audit_log_action")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"])
    op.create_index(op.f("ix_audit_log_actor"), "audit_log", ["actor"])


def downgrade() -> None:
    op.drop_table("audit_log")
