"""Dense embeddings: the converted multilingual-e5-small model, and an on-disk cache by content hash."""

import hashlib
import logging
import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from llama_index.core.base.embeddings.base import BaseEmbedding  # noqa: E402
from pydantic import PrivateAttr  # noqa: E402
from sentence_transformers import SentenceTransformer  # noqa: E402

from ingest.e5_convert import MODEL_NAME, prepare_model  # noqa: E402

log = logging.getLogger(__name__)
DIM = 384


def load_model(model_dir: Path, threads: int = 2) -> SentenceTransformer:
    """Load (converting on first use) the sentence-transformers e5 model, CPU only."""
    import torch
    from transformers.utils import logging as hf_logging

    torch.set_num_threads(threads)
    hf_logging.disable_progress_bar()
    prepare_model(model_dir)
    return SentenceTransformer(str(model_dir), device="cpu")


def encode_queries(model: SentenceTransformer, queries: Sequence[str]) -> np.ndarray:
    return model.encode(list(queries), prompt_name="query", normalize_embeddings=True,
                        convert_to_numpy=True).astype(np.float32)


def encode_passages(model: SentenceTransformer, texts: Sequence[str], batch_size: int = 32,
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

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO embeddings (model, hash, vector) VALUES (?, ?, ?)",
                [(self.model, h, np.asarray(v, dtype=np.float32).tobytes()) for h, v in items.items()])

    def close(self) -> None:
        self._db.close()


def embed_with_cache(model: SentenceTransformer, texts: Sequence[str], cache: EmbeddingCache,
                     batch_size: int = 32, progress: bool = False) -> tuple[np.ndarray, int]:
    """Embed texts, computing only those not cached; returns (vectors, number newly embedded)."""
    hashes = [content_hash(t) for t in texts]
    cached = cache.get_many(hashes)
    missing = list(dict.fromkeys(h for h in hashes if h not in cached))
    if missing:
        by_hash = dict(zip(hashes, texts))
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


class E5Embedding(BaseEmbedding):
    """llama-index adapter, so its retrievers and query engines can use the same model."""

    _model: SentenceTransformer = PrivateAttr()

    def __init__(self, model: SentenceTransformer, **kwargs):
        super().__init__(model_name=MODEL_NAME, **kwargs)
        self._model = model

    def _get_query_embedding(self, query: str) -> list[float]:
        return encode_queries(self._model, [query])[0].tolist()

    def _get_text_embedding(self, text: str) -> list[float]:
        return encode_passages(self._model, [text])[0].tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return encode_passages(self._model, texts).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)
