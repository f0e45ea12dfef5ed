"""Schema, migrations and engine set-up, on SQLite and PostgreSQL."""

import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

import assistant.db.migrations as migrations
from assistant.db import ApiKey, Base, FaqVersion, QueryLog, make_engine, migrate, utcnow

TABLES = {"api_keys", "faqs", "faq_versions", "query_log", "feedback", "crawl_runs", "crawl_pages", "work_orders",
          "work_order_events", "audit_log"}


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_migrate_creates_schema_from_nothing(empty_db_url):
    assert _tables(empty_db_url) == set()
    migrate(empty_db_url)
    assert _tables(empty_db_url) == TABLES | {"alembic_version"}
    engine = make_engine(empty_db_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == ["0006"]
        # The hand-written migration and the models describe the same schema.
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    engine.dispose()


def test_migrate_is_idempotent_and_keeps_data(empty_db_url):
    migrate(empty_db_url)
    engine = make_engine(empty_db_url)
    with Session(engine) as s:
        s.add(QueryLog(channel="api", query="宅基地", answered=True, refused=False, latency_ms=1.0))
        s.commit()
    migrate(empty_db_url)
    with Session(engine) as s:
        assert s.scalars(select(QueryLog.query)).all() == ["宅基地"]
    engine.dispose()


def test_concurrent_migrations_all_succeed(empty_db_url):
    errors: list[BaseException] = []

    def run() -> None:
        try:
            migrate(empty_db_url)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert _tables(empty_db_url) == TABLES | {"alembic_version"}


def test_timestamps_come_back_utc_aware(db_session):
    before = utcnow()
    entry = QueryLog(channel="portal", query="q", answered=False, refused=True, latency_ms=2.5,
                     at=datetime(2024, 5, 10, 1, 0, tzinfo=timezone(timedelta(hours=8))))
    db_session.add(entry)
    db_session.commit()
    db_session.expire_all()
    assert entry.at == datetime(2024, 5, 9, 17, 0, tzinfo=UTC)
    assert entry.at.utcoffset() == timedelta(0)
    key = ApiKey(name="n", role="agent", key_hash="0" * 64, prefix="hk_x")
    db_session.add(key)
    db_session.commit()
    db_session.expire_all()
    assert key.created_at.tzinfo is not None and key.created_at >= before


def test_naive_datetimes_are_rejected(db_session):
    db_session.add(QueryLog(channel="api", query="q", answered=True, refused=False, latency_ms=1,
                            at=datetime(2024, 1, 1)))
    with pytest.raises(Exception, match="naive datetime"):
        db_session.flush()


def test_foreign_keys_are_enforced(db_session):
    db_session.add(FaqVersion(faq_id=999_999, version=1, action="create", actor="a", snapshot={}))
    with pytest.raises(IntegrityError):
        db_session.flush()


def test_check_constraints_are_enforced(db_session):
    db_session.add(ApiKey(name="n", role="root", key_hash="1" * 64, prefix="hk_y"))
    with pytest.raises(IntegrityError):
        db_session.flush()


def test_sqlite_engine_settings(tmp_path):
    url = f"sqlite:///{tmp_path / 'nested' / 'dir' / 'hotline.db'}"
    engine = make_engine(url)
    with engine.connect() as conn:
        pragmas = {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                   for name in ("journal_mode", "foreign_keys", "busy_timeout")}
    engine.dispose()
    assert (tmp_path / "nested" / "dir").is_dir()
    assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 5000}


def test_a_migration_that_finds_the_database_locked_is_run_again(empty_db_url, monkeypatch):
    real, calls = migrations._migrate, []

    def locked_once(url: str) -> None:
        calls.append(url)
        if len(calls) == 1:
            raise OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))
        real(url)

    monkeypatch.setattr(migrations, "_migrate", locked_once)
    migrate(empty_db_url)
    assert len(calls) == 2
    assert _tables(empty_db_url) == TABLES | {"alembic_version"}


def test_a_migration_error_other_than_a_lock_is_not_retried(empty_db_url, monkeypatch):
    calls = []

    def broken(url: str) -> None:
        calls.append(url)
        raise OperationalError("CREATE TABLE", {}, Exception("disk I/O error"))

    monkeypatch.setattr(migrations, "_migrate", broken)
    with pytest.raises(OperationalError, match="disk I/O error"):
        migrate(empty_db_url)
    assert len(calls) == 1
