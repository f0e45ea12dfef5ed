"""Alembic environment: runs on the connection that `assistant.db.migrate` opens and hands over."""

from alembic import context

from assistant.db import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through assistant.db.migrate(url), which supplies the connection")

# Batch mode: SQLite cannot ALTER most things, so Alembic rebuilds the table instead.
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
