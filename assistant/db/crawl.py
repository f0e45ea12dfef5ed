"""What the crawler has run and what it knows about each URL."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from assistant.db.base import Base, one_of, utcnow
from assistant.vocabularies import CRAWL_RUN_STATUSES


class CrawlRun(Base):
    """One crawl + index run: what it found (`counts`), where it is (`progress`), how it ended."""

    __tablename__ = "crawl_runs"
    __table_args__ = (one_of("status", CRAWL_RUN_STATUSES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str | None] = mapped_column(String(64))  # None: every enabled source
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="running", index=True)
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    progress: Mapped[dict[str, Any]] = mapped_column(default=dict)
    message: Mapped[str] = mapped_column(Text, default="")
    index_version: Mapped[str | None] = mapped_column(String(64))


class CrawlPage(Base):
    """What the crawler knows about one URL, kept between runs (conditional GET, versions).

    `queued_run`/`visited_run` make a run resumable: a URL queued but not visited by the same
    run is still to do. `doc_id` is set while the page's document is in the live corpus.
    """

    __tablename__ = "crawl_pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    source: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # list / detail / attachment
    parent_url: Mapped[str | None] = mapped_column(String(2048))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    http_status: Mapped[int | None] = mapped_column(Integer)
    etag: Mapped[str | None] = mapped_column(String(512))
    last_modified: Mapped[str | None] = mapped_column(String(64))
    content_hash: Mapped[str | None] = mapped_column(String(64))  # sha256 of the response body
    text_hash: Mapped[str | None] = mapped_column(String(64), index=True)  # of the document written
    doc_id: Mapped[str | None] = mapped_column(String(300))
    version: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str | None] = mapped_column(Text)
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    links: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)  # {url, kind, text}
    error: Mapped[str | None] = mapped_column(Text)
    queued_run: Mapped[int | None] = mapped_column(Integer, index=True)
    visited_run: Mapped[int | None] = mapped_column(Integer)
    fetched_at: Mapped[datetime | None]
    changed_at: Mapped[datetime | None]
