"""Engines and sessions: SQLite by default, PostgreSQL in production."""

import json
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 5000
PG_CONNECT_TIMEOUT_S = 5


def _json_dumps(value: Any) -> str:
    # Readable Chinese in the database, and LIKE searches over JSON text can match it.
    return json.dumps(value, ensure_ascii=False)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # The timeout first: switching a new file to WAL takes a lock another connection may hold.
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer
    cursor.execute("PRAGMA foreign_keys=ON")
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


def libpq_uri(url: str) -> str | None:
    """The libpq URI of a PostgreSQL SQLAlchemy URL (for code that talks psycopg directly:
    the job queue, the pgvector index); None for any other database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return None
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose objects stay readable after commit (handlers serialise them afterwards)."""
    return sessionmaker(engine, expire_on_commit=False)
