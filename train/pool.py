"""Passage pools the query tower is trained against: chunked corpora with their base-model
vectors (the passage side stays frozen, so the served index needs no re-embedding)."""

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from assistant.settings import Settings
from assistant.scoring import normalise_title
from ingest.build import chunk_corpus, load_corpora
from ingest.chunking import embedding_text
from ingest.e5_convert import MODEL_NAME
from ingest.embed import EmbeddingCache, embed_with_cache, prepared_model

if TYPE_CHECKING:
    from assistant.index import LoadedIndex

log = logging.getLogger(__name__)


@dataclass
class Pool:
    """Passages of one corpus: parallel lists, row = position."""
    ids: list[str]
    texts: list[str]            # what the dense model embeds (title + chapter + body)
    bodies: list[str]
    meta: list[dict]
    vectors: np.ndarray | None = None
    _by_article: dict = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        by_article: dict[tuple[str, int], list[int]] = defaultdict(list)
        for row, m in enumerate(self.meta):
            if m["article"] >= 0:
                by_article[(normalise_title(m["title"]), m["article"])].append(row)
        self._by_article = dict(by_article)

    def __len__(self) -> int:
        return len(self.ids)

    def rows_of(self, law: str, article: int) -> list[int]:
        """Every piece of the article (a long article is several passages)."""
        return self._by_article.get((normalise_title(law), article), [])

    def subset(self, rows: list[int]) -> "Pool":
        rows = sorted(set(rows))
        return Pool([self.ids[r] for r in rows], [self.texts[r] for r in rows],
                    [self.bodies[r] for r in rows], [self.meta[r] for r in rows],
                    None if self.vectors is None else self.vectors[rows])


def load_pool(corpus_dirs: list[Path], settings: Settings, statuses: tuple[str, ...] = ("有效",)) -> Pool:
    """Chunk the corpora the way the index does; only documents in force."""
    loaded = load_corpora(corpus_dirs)
    nodes = chunk_corpus([d for d in loaded.documents if d.metadata.get("status", "有效") in statuses], settings)
    log.info("pool: %d documents, %d passages", len(loaded.documents), len(nodes))
    return Pool([n.id_ for n in nodes], [embedding_text(n) for n in nodes], [n.text for n in nodes],
                [n.metadata for n in nodes])


def pool_index(pool: Pool, settings: Settings, name: str) -> "LoadedIndex":
    """An in-memory index over an embedded pool, searchable by the product's Searcher."""
    import bm25s

    from assistant import dense_index
    from assistant.expand import Synonyms
    from assistant.index import LoadedIndex
    from assistant.passage import Passage
    from assistant.tokenize import Tokenizer

    tokens = Tokenizer(Synonyms.load(settings.synonyms_path).terms())
    dense = dense_index.build(pool.vectors, "flat")
    keyword = bm25s.BM25()
    keyword.index([tokens.tokens(t) for t in pool.texts], show_progress=False)
    passages = [Passage.from_record({"id": i, "text": b, "metadata": m})
                for i, b, m in zip(pool.ids, pool.bodies, pool.meta)]
    return LoadedIndex(name, Path("."), {}, passages, dense, keyword)


def embed_pool(pool: Pool, settings: Settings, progress: bool = True) -> Pool:
    """Attach base-model passage vectors, from the shared embedding cache where present."""
    model = prepared_model(settings)
    cache = EmbeddingCache(settings.embedding_cache_path, MODEL_NAME)
    try:
        pool.vectors, embedded = embed_with_cache(model, pool.texts, cache, settings.embed_batch_size, progress)
    finally:
        cache.close()
    log.info("pool vectors: %d passages, %d newly embedded", len(pool), embedded)
    return pool
