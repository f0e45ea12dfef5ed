"""Crawler state: one row per crawl run, one per URL the crawler knows.

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-02

Self-contained on purpose (no imports from the app): the models will change, this must not.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RUN_STATUSES = ("running", "succeeded", "gated", "failed", "interrupted")


def _timestamp(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    allowed = ", ".join(f"'{v}'" for v in RUN_STATUSES)
    op.create_table(
        "crawl_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(64), nullable=True),
        _timestamp("started_at"),
        _timestamp("finished_at", nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("progress", sa.JSON(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("index_version", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crawl_runs")),
        sa.CheckConstraint(f"status IN ({allowed})", name=op.f("ck_crawl_runs_status")),
    )
    op.create_index(op.f("ix_crawl_runs_status"), "crawl_runs", ["status"])

    op.create_table(
        "crawl_pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("parent_url", sa.String(2048), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("etag", sa.String(512), nullable=True),
        sa.Column("last_modified", sa.String(64), nullable=True),
        sa.Column("content_hash", sa.String(64), nullable=True),
        sa.Column("text_hash", sa.String(64), nullable=True),
        sa.Column("doc_id", sa.String(300), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("links", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("queued_run", sa.Integer(), nullable=True),
        sa.Column("visited_run", sa.Integer(), nullable=True),
        _timestamp("fetched_at", nullable=True),
        _timestamp("changed_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crawl_pages")),
        sa.UniqueConstraint("url", name=op.f("uq_crawl_pages_url")),
    )
    op.create_index(op.f("ix_crawl_pages_source"), "crawl_pages", ["source"])
    op.create_index(op.f("ix_crawl_pages_text_hash"), "crawl_pages", ["text_hash"])
    op.create_index(op.f("ix_crawl_pages_queued_run"), "crawl_pages", ["queued_run"])


def downgrade() -> None:
    op.drop_table("crawl_pages")
    op.drop_table("crawl_runs")
