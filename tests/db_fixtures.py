"""Database fixtures: every test that uses them runs once on SQLite and once on PostgreSQL.

PostgreSQL comes from HOTLINE_TEST_POSTGRES_URL (default: a local server, database `test`).
If it is unreachable those variants are skipped, unless HOTLINE_REQUIRE_POSTGRES=1 (as in CI),
then they fail. PostgreSQL tests work in throw-away schemas (hotline_test_<random>), dropped
afterwards, so concurrent runs do not collide and nothing is left behind.
"""

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from assistant.db import Base, make_engine, migrate, session_factory

# What `from tests.db_fixtures import *` in conftest.py brings in: the fixtures only.
__all__ = ["db_backend", "db_engine", "db_session", "db_url", "empty_db_url", "migrated_db_url",
           "postgres_server_url"]

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    """URL of a reachable PostgreSQL server (skip or fail otherwise, see module doc)."""
    url = os.environ.get("HOTLINE_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    probe_url = make_url(url).update_query_dict({"connect_timeout": "3"})
    try:
        probe = create_engine(probe_url, poolclass=NullPool)
        with probe.connect() as conn:
            conn.execute(text("SELECT 1"))
        probe.dispose()
    except (ImportError, SQLAlchemyError) as exc:
        reason = (f"PostgreSQL at {make_url(url).render_as_string(hide_password=True)} unreachable "
                  f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}); "
                  "set HOTLINE_TEST_POSTGRES_URL")
        if os.environ.get("HOTLINE_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{reason}. HOTLINE_REQUIRE_POSTGRES=1, so this is an error.")
        pytest.skip(reason)
    return url


@contextmanager
def _postgres_schema(server_url: str) -> Iterator[str]:
    """A fresh schema, dropped afterwards; yields a URL whose search_path points at it."""
    schema = f"hotline_test_{secrets.token_hex(4)}"
    admin = create_engine(server_url, poolclass=NullPool)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(server_url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def _empty_database(backend: str, request: pytest.FixtureRequest, directory: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{directory / 'hotline.db'}"
        return
    with _postgres_schema(request.getfixturevalue("postgres_server_url")) as url:
        yield url


# Module scope, not session: pytest then runs each module on both backends before the next, so
# a module's app fixtures (a model, an index and an ONNX encoder each) are torn down with the
# module instead of living until every module has run on the other backend (peak RSS).
@pytest.fixture(scope="module", params=BACKENDS)
def db_backend(request: pytest.FixtureRequest) -> str:
    """"sqlite" or "postgresql"; parametrises every test that uses a database fixture."""
    return request.param


@pytest.fixture
def empty_db_url(db_backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all, just for this test."""
    with _empty_database(db_backend, request, tmp_path) as url:
        yield url


@pytest.fixture(scope="module")
def migrated_db_url(db_backend: str, request: pytest.FixtureRequest,
                    tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database at the newest schema, shared by the module (use `db_url` for clean tables)."""
    with _empty_database(db_backend, request, tmp_path_factory.mktemp("db")) as url:
        migrate(url)
        yield url


@pytest.fixture(scope="module")
def db_engine(migrated_db_url: str) -> Iterator[Engine]:
    engine = make_engine(migrated_db_url)
    yield engine
    engine.dispose()  # before the schema is dropped


def _delete_all_rows(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def db_url(migrated_db_url: str, db_engine: Engine) -> Iterator[str]:
    """The migrated database with empty tables, emptied again afterwards (for code opening its
    own engine). Emptied before too, since module-scoped users of `migrated_db_url` leave rows."""
    _delete_all_rows(db_engine)
    yield migrated_db_url
    _delete_all_rows(db_engine)


@pytest.fixture
def db_session(db_url: str, db_engine: Engine) -> Iterator[Session]:
    """A session on clean tables; tests may commit, the rows are deleted afterwards."""
    session = session_factory(db_engine)()
    try:
        yield session
    finally:
        session.rollback()
        session.close()
