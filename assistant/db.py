"""Database models, engine set-up and migrations (SQLite by default, PostgreSQL in production)."""

import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    create_engine,
    event,
    make_url,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# The desk works on Beijing time; China has no daylight saving, so a fixed offset is exact.
BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")

ROLES = ("agent", "editor", "admin")
AUDIENCES = ("agent", "public")
FAQ_STATUSES = ("draft", "in_review", "published", "retired")
FAQ_ACTIONS = ("create", "update", "submit", "publish", "retire")
CHANNELS = ("agent", "portal", "api")
RATINGS = ("helpful", "not_helpful", "wrong_citation")

SQLITE_BUSY_TIMEOUT_MS = 5000
SQLITE_MIGRATE_TIMEOUT_MS = 120_000
PG_CONNECT_TIMEOUT_S = 5


def utcnow() -> datetime:
    return datetime.now(UTC)


def beijing_today() -> date:
    return datetime.now(BEIJING).date()


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite would drop the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass a timezone-aware value")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:  # SQLite stores what we bound: UTC without the offset
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _one_of(column: str, values: tuple[str, ...]) -> CheckConstraint:
    allowed = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=column)


class Base(DeclarativeBase):
    # Named constraints keep Alembic batch operations on SQLite (which rebuild tables) deterministic.
    metadata = MetaData(naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    })
    type_annotation_map = {datetime: UtcDateTime(), dict[str, Any]: JSON(), list[str]: JSON()}


class ApiKey(Base):
    """An API key; only the SHA-256 of the secret is stored."""

    __tablename__ = "api_keys"
    __table_args__ = (_one_of("role", ROLES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]


class Faq(Base):
    """A curated question and answer; `published_at` keeps the last publication even after an edit."""

    __tablename__ = "faqs"
    __table_args__ = (
        _one_of("audience", AUDIENCES),
        _one_of("status", FAQ_STATUSES),
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


class FaqVersion(Base):
    """One row per FAQ change: who did what, and the content afterwards."""

    __tablename__ = "faq_versions"
    __table_args__ = (
        _one_of("action", FAQ_ACTIONS),
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


class QueryLog(Base):
    """One answered or refused query; `query` is redacted by the caller before it gets here."""

    __tablename__ = "query_log"
    __table_args__ = (_one_of("channel", CHANNELS),)

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


class Feedback(Base):
    """A rating of a logged answer; `comment` is redacted by the caller."""

    __tablename__ = "feedback"
    __table_args__ = (_one_of("rating", RATINGS), _one_of("channel", CHANNELS))

    id: Mapped[int] = mapped_column(primary_key=True)
    # SET NULL so that purging old query logs keeps the ratings.
    query_log_id: Mapped[int | None] = mapped_column(
        ForeignKey("query_log.id", ondelete="SET NULL"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    rating: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(16))


def _json_dumps(value: Any) -> str:
    # Readable Chinese in the database, and LIKE searches over JSON text can match it.
    return json.dumps(value, ensure_ascii=False)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and a busy timeout on every connection."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, json_serializer=_json_dumps)
        event.listen(engine, "connect", _sqlite_on_connect)
        return engine
    # A server that does not answer fails the connection in seconds, not after the OS's minutes.
    connect_args = {"connect_timeout": PG_CONNECT_TIMEOUT_S} if parsed.get_backend_name() == "postgresql" else {}
    engine = create_engine(parsed, json_serializer=_json_dumps, pool_pre_ping=True, connect_args=connect_args)
    event.listen(engine, "handle_error", _failed_ping_is_a_disconnect)
    return engine


def _failed_ping_is_a_disconnect(context: Any) -> None:
    # A pooled connection whose server went away can fail its ping with another error than
    # "closed" (psycopg: "can't change 'autocommit' now"); whatever the ping says, the
    # connection is unusable, so the pool replaces it instead of handing the error to a request.
    if context.is_pre_ping:
        context.is_disconnect = True


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose objects stay readable after commit (handlers serialise them afterwards)."""
    return sessionmaker(engine, expire_on_commit=False)


def _alembic_config() -> Config:
    config = Config()
    # Config values go through configparser interpolation, so a literal % must be doubled.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    return config


def migrate(url: str) -> None:
    """Bring the database at `url` to the newest schema; safe to run repeatedly and concurrently."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            sqlite = conn.dialect.name == "sqlite"
            if sqlite:
                # Batch migrations rebuild tables; with foreign keys on, dropping the old table
                # would null out or reject the rows that reference it. Only works outside a transaction.
                conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
                # Migrators queue on BEGIN IMMEDIATE below; on a loaded machine the line of them
                # can take longer than the request-time busy timeout.
                conn.exec_driver_sql(f"PRAGMA busy_timeout={SQLITE_MIGRATE_TIMEOUT_MS}")
                conn.commit()
            with conn.begin():
                # Serialise concurrent migrators (e.g. several workers starting at once); the
                # loser waits, then finds the schema at head.
                if sqlite:
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
                elif conn.dialect.name == "postgresql":
                    conn.exec_driver_sql("SELECT pg_advisory_xact_lock(12345001)")
                config = _alembic_config()
                config.attributes["connection"] = conn
                command.upgrade(config, "head")
                if sqlite and conn.exec_driver_sql("PRAGMA foreign_key_check").first():
                    raise RuntimeError("migration left rows violating foreign keys")
    finally:
        engine.dispose()


CRAWL_RUN_STATUSES = ("running", "succeeded", "gated", "failed", "interrupted")


class CrawlRun(Base):
    """One crawl + index run: what it found (`counts`), where it is (`progress`), how it ended."""

    __tablename__ = "crawl_runs"
    __table_args__ = (_one_of("status", CRAWL_RUN_STATUSES),)

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
