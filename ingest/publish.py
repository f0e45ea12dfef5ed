"""Make a built version live wherever the replicas search: CURRENT in the index folder, and,
with HOTLINE_RETRIEVAL_BACKEND=postgres, the version published to PostgreSQL and made current
there (assistant/pg_index.py). Every activation (build, crawl, upload, the admin page, the CLI,
a rollback) goes through here."""

from assistant import index as store
from assistant import pg_index
from assistant.settings import Settings


def publish_version(settings: Settings, version: str) -> None:
    """Copy a built version into PostgreSQL (nothing to do with the files backend)."""
    if settings.retrieval_backend == "postgres":
        pg_index.publish(settings.index_conninfo, store.load_version(settings.index_path, version))


def activate_version(settings: Settings, version: str) -> None:
    """Make `version` live (also how to roll back). A version built before the backend was
    switched to PostgreSQL is published first."""
    store.activate(settings.index_path, version)
    if settings.retrieval_backend == "postgres":
        conninfo = settings.index_conninfo
        if version not in pg_index.published_versions(conninfo):
            publish_version(settings, version)
        pg_index.activate(conninfo, version)


def unpublish_versions(settings: Settings, versions: list[str]) -> None:
    """Drop the published copies of versions whose folders were pruned."""
    if settings.retrieval_backend == "postgres":
        for version in versions:
            pg_index.drop(settings.index_conninfo, version)
