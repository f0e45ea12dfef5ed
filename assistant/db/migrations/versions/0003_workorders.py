"""接诉即办 work orders and their event history.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06

Self-contained on purpose (no imports from the app): the models will change, this must not.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REQUEST_TYPES = ("consult", "help", "complaint", "report", "suggestion")
ORDER_STATUSES = ("pending", "in_progress", "replied", "awaiting_visit", "archived", "returned")
ORDER_ACTIONS = ("import", "accept", "transfer", "return", "extend", "urge", "reply", "to_visit", "visit",
                 "classify", "draft")


def _one_of(table: str, column: str, values: tuple[str, ...]) -> sa.CheckConstraint:
    allowed = ", ".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({allowed})", name=op.f(f"ck_{table}_{column}"))


def _timestamp(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "work_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(64), nullable=False),
        _timestamp("received_at"),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("caller_name", sa.String(100), nullable=False),
        sa.Column("caller_phone", sa.String(40), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("district", sa.String(32), nullable=False),
        sa.Column("street", sa.String(64), nullable=False),
        sa.Column("request_type", sa.String(16), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("dispatcher", sa.String(200), nullable=False),
        sa.Column("handler", sa.String(200), nullable=False),
        _timestamp("due_at"),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("category_l1", sa.String(64), nullable=False),
        sa.Column("category_l2", sa.String(64), nullable=False),
        sa.Column("category_l3", sa.String(64), nullable=False),
        sa.Column("category_confidence", sa.Float(), nullable=True),
        sa.Column("category_confirmed", sa.Boolean(), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=True),
        sa.Column("draft_reply", sa.Text(), nullable=False),
        sa.Column("draft_citations", sa.JSON(), nullable=False),
        sa.Column("reply", sa.Text(), nullable=False),
        _timestamp("replied_at", nullable=True),
        sa.Column("visit_contacted", sa.Boolean(), nullable=True),
        sa.Column("visit_resolved", sa.Boolean(), nullable=True),
        sa.Column("visit_satisfaction", sa.String(24), nullable=True),
        sa.Column("duplicate", sa.Boolean(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_orders")),
        sa.UniqueConstraint("number", name=op.f("uq_work_orders_number")),
        _one_of("work_orders", "request_type", REQUEST_TYPES),
        _one_of("work_orders", "status", ORDER_STATUSES),
    )
    op.create_index("ix_work_orders_received_at", "work_orders", ["received_at"])
    op.create_index("ix_work_orders_status_due_at", "work_orders", ["status", "due_at"])
    op.create_index(op.f("ix_work_orders_district"), "work_orders", ["district"])
    op.create_index(op.f("ix_work_orders_category_l1"), "work_orders", ["category_l1"])
    op.create_table(
        "work_order_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        _timestamp("at"),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_order_events")),
        sa.ForeignKeyConstraint(["order_id"], ["work_orders.id"], ondelete="CASCADE",
                                name=op.f("fk_work_order_events_order_id_work_orders")),
        _one_of("work_order_events", "action", ORDER_ACTIONS),
    )
    op.create_index(op.f("ix_work_order_events_order_id"), "work_order_events", ["order_id"])


def downgrade() -> None:
    op.drop_table("work_order_events")
    op.drop_table("work_orders")
