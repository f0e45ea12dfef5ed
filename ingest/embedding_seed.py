"""Vectors of the bundled corpus shipped with the repository (`artefacts/embeddings-bundled.npz`).

Embedding the bundled corpus's 3.8k passages and 7.4k sentences takes 4–10 minutes on 2 cores;
every fresh machine, and every CI run, would pay it before the first index exists. The seed
fills an empty embedding cache instead. It is keyed as the cache is, by the sha256 of the
embedded text and the model name, so an edited article simply misses and is embedded. Vectors
are stored as float16 (8.6 MB instead of 17) and renormalised on load; the hybrid's dev and
dev2 figures are the same to the fourth decimal with them (docs/retrieval.md).
"""

from pathlib import Path

import numpy as np

from assistant.settings import Settings
from ingest.chunking import embedding_text, sentence_texts
from ingest.embed import EmbeddingCache, content_hash
from ingest.e5_convert import MODEL_NAME


class SeedIncomplete(RuntimeError):
    """The cache lacks vectors for some bundled texts: build the index first."""


def load_seed(path: Path, model: str = MODEL_NAME) -> dict[str, np.ndarray]:
    """The seed's vectors by text hash, or nothing when the file is absent or for another model."""
    if not path.is_file():
        return {}
    with np.load(path) as seed:
        if str(seed["model"]) != model:
            return {}
        vectors = seed["vectors"].astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        return {bytes(h).hex(): v for h, v in zip(seed["hashes"], vectors)}


def seed_cache(cache: EmbeddingCache, path: Path) -> int:
    """Fill a cache that holds nothing for its model from the seed; returns how many were added."""
    if cache.count() or not path.is_file():
        return 0
    vectors = load_seed(path, cache.model)
    cache.put_many(vectors)
    return len(vectors)


def bundled_texts(settings: Settings) -> list[str]:
    """Every text a build of the bundled corpus embeds: passages, then their sentences."""
    from ingest.build import chunk_corpus, load_corpora  # the build imports the cache module

    nodes = chunk_corpus(load_corpora([settings.corpus_path]).documents, settings)
    return [embedding_text(n) for n in nodes] + [t for n in nodes for t in sentence_texts(n)]


def write_seed(settings: Settings, path: Path) -> int:
    """Write the seed from the embedding cache (atomically); returns how many vectors it holds."""
    hashes = list(dict.fromkeys(content_hash(t) for t in bundled_texts(settings)))
    cache = EmbeddingCache(settings.embedding_cache_path, MODEL_NAME)
    try:
        found = cache.get_many(hashes)
    finally:
        cache.close()
    if len(found) < len(hashes):
        raise SeedIncomplete(f"{len(hashes) - len(found)} of {len(hashes)} bundled texts have no cached vector; "
                             "run `hotline index build` first")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.npz")
    # Digests as rows of 32 bytes: numpy's fixed-width bytes would drop a digest's trailing zeros.
    digests = np.frombuffer(b"".join(bytes.fromhex(h) for h in hashes), dtype=np.uint8).reshape(-1, 32)
    np.savez_compressed(tmp, model=np.array(MODEL_NAME), hashes=digests,
                        vectors=np.vstack([found[h] for h in hashes]).astype(np.float16))
    tmp.replace(path)
    return len(hashes)
