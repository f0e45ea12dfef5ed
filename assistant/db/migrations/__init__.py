"""Schema migrations: the Alembic scripts in this folder, applied by `migrate` on every start."""

import logging
import time
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.exc import OperationalError

from assistant.db.engine import make_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent
SQLITE_MIGRATE_TIMEOUT_MS = 120_000
SQLITE_LOCKED_ATTEMPTS = 3
log = logging.getLogger(__name__)


def _alembic_config() -> Config:
    config = Config()
    # Config values go through configparser interpolation, so a literal % must be doubled.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    return config


def migrate(url: str) -> None:
    """Bring the database at `url` to the newest schema; safe to run repeatedly and concurrently."""
    for attempt in range(1, SQLITE_LOCKED_ATTEMPTS + 1):
        try:
            return _migrate(url)
        except OperationalError as exc:
            # SQLite answers some lock conflicts at once instead of waiting out the busy timeout
            # (seen once with four concurrent migrators on a loaded CI machine; which conflict was
            # not traced). The migration runs in one transaction, rolled back: run it again.
            if "database is locked" not in str(exc) or attempt == SQLITE_LOCKED_ATTEMPTS:
                raise
            log.warning("migration found the database locked (attempt %d); retrying", attempt)
            time.sleep(0.2 * attempt)


def _migrate(url: str) -> None:
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
