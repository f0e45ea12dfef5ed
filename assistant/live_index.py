"""The live index version, wherever the configured backend keeps it (HOTLINE_RETRIEVAL_BACKEND):
CURRENT in the index folder, or the version made current in PostgreSQL."""

from collections.abc import Callable, Sequence

import numpy as np
from sentence_transformers import SentenceTransformer

from assistant import index as files
from assistant import pg_index
from assistant.retrieval import Searcher
from assistant.settings import Settings


def live_version(settings: Settings) -> str | None:
    if settings.retrieval_backend == "postgres":
        return pg_index.current_version(settings.index_conninfo)
    return files.current_version(settings.index_path)


def open_searcher(settings: Settings, model: SentenceTransformer,
                  encoder: Callable[[Sequence[str]], np.ndarray] | None = None, version: str | None = None) -> Searcher:
    """A Searcher over `version` (default: the live one) on the configured backend."""
    if settings.retrieval_backend == "postgres":
        conninfo = settings.index_conninfo
        index = pg_index.load_version(conninfo, version)
        backend = pg_index.PostgresBackend(conninfo, index.version, settings.pg_ef_search)
        return Searcher.create(index, model, settings, encoder, backend)
    return Searcher.create(files.load_version(settings.index_path, version), model, settings, encoder)
