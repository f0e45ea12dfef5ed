"""Initial schema: API keys, FAQs with version history, query log and feedback.

Revision ID: 0001
Revises:
Create Date: 2025-01-01

Self-contained on purpose (no imports from the app): the models will change, this must not.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _one_of(table: str, column: str, values: tuple[str, ...]) -> sa.CheckConstraint:
    allowed = ", ".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({allowed})", name=op.f(f"ck_{table}_{column}"))


def _timestamp(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


CHANNELS = ("agent", "portal", "api")


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        _timestamp("created_at"),
        _timestamp("revoked_at", nullable=True),
        _timestamp("last_used_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
        _one_of("api_keys", "role", ("agent", "editor", "admin")),
    )
    op.create_index(op.f("ix_api_keys_prefix"), "api_keys", ["prefix"])

    op.create_table(
        "faqs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("alternatives", sa.JSON(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("citations", sa.JSON(), nullable=False),
        sa.Column("topic", sa.String(100), nullable=False),
        sa.Column("audience", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("reviewer", sa.String(200), nullable=True),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        _timestamp("published_at", nullable=True),
        _timestamp("retired_at", nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faqs")),
        _one_of("faqs", "audience", ("agent", "public")),
        _one_of("faqs", "status", ("draft", "in_review", "published", "retired")),
    )
    op.create_index(op.f("ix_faqs_topic"), "faqs", ["topic"])
    op.create_index(op.f("ix_faqs_status_audience"), "faqs", ["status", "audience"])

    op.create_table(
        "faq_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("faq_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        _timestamp("at"),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_versions")),
        sa.ForeignKeyConstraint(["faq_id"], ["faqs.id"], name=op.f("fk_faq_versions_faq_id_faqs")),
        sa.UniqueConstraint("faq_id", "version", name=op.f("uq_faq_versions_faq_id_version")),
        _one_of("faq_versions", "action", ("create", "update", "submit", "publish", "retire")),
    )

    op.create_table(
        "query_log",
        sa.Column("id", sa.Integer(), nullable=False),
        _timestamp("at"),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("answered", sa.Boolean(), nullable=False),
        sa.Column("refused", sa.Boolean(), nullable=False),
        sa.Column("faq_id", sa.Integer(), nullable=True),
        sa.Column("citations", sa.JSON(), nullable=False),
        sa.Column("top_score", sa.Float(), nullable=True),
        sa.Column("latency_ms", sa.Float(), nullable=False),
        sa.Column("index_version", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_query_log")),
        sa.ForeignKeyConstraint(["faq_id"], ["faqs.id"], name=op.f("fk_query_log_faq_id_faqs"),
                                ondelete="SET NULL"),
        _one_of("query_log", "channel", CHANNELS),
    )
    op.create_index(op.f("ix_query_log_at"), "query_log", ["at"])

    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("query_log_id", sa.Integer(), nullable=True),
        _timestamp("at"),
        sa.Column("rating", sa.String(16), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
        sa.ForeignKeyConstraint(["query_log_id"], ["query_log.id"],
                                name=op.f("fk_feedback_query_log_id_query_log"), ondelete="SET NULL"),
        _one_of("feedback", "rating", ("helpful", "not_helpful", "wrong_citation")),
        _one_of("feedback", "channel", CHANNELS),
    )
    op.create_index(op.f("ix_feedback_query_log_id"), "feedback", ["query_log_id"])


def downgrade() -> None:
    op.drop_table("feedback")
    op.drop_table("query_log")
    op.drop_table("faq_versions")
    op.drop_table("faqs")
    op.drop_table("api_keys")
