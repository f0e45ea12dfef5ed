"""Where a version's search structures live: the files of the version folder (FAISS, bm25s,
sentence vectors; the embedded default) or PostgreSQL with pgvector (assistant/pg_index.py).

The Searcher's fusion is the same code whichever backend answers: a backend only finds dense
and keyword candidates and hands back vectors and scores by passage row.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from assistant import dense_index
from assistant.index import LoadedIndex


@dataclass(frozen=True)
class Filters:
    status: tuple[str, ...] | None = ("有效",)
    region: tuple[str, ...] | None = None
    doc_type: tuple[str, ...] | None = None

    def allows(self, passage) -> bool:
        return all(allowed is None or value in allowed
                   for value, allowed in ((passage.status, self.status), (passage.region, self.region),
                                          (passage.doc_type, self.doc_type)))

    def mask(self, index: LoadedIndex) -> np.ndarray:
        """Which rows of the index it allows, from the index's columns (no pass over passages)."""
        allowed = np.ones(len(index.passages), dtype=bool)
        for name, values in (("status", self.status), ("region", self.region), ("doc_type", self.doc_type)):
            if values is not None:
                allowed &= index.columns[name].isin(values)
        return allowed


class SearchBackend(Protocol):
    name: str

    def dense(self, query: np.ndarray, filters: Filters, allowed: np.ndarray, k: int) -> dict[int, float]:
        """Rows of the k passages (among `allowed` rows, which `filters` selects) nearest `query`, with cosines."""
        ...

    def keyword(self, weighted: Sequence[tuple[str, float]], size: int) -> np.ndarray:
        """BM25 of every passage for tokens with weights (a token listed twice counts twice)."""
        ...

    def vectors(self, rows: Sequence[int]) -> np.ndarray:
        ...

    def cosines(self, rows: Sequence[int], query: np.ndarray) -> np.ndarray:
        """Each row's cosine to `query` (for candidates only the keyword search found)."""
        ...

    def best_sentences(self, rows: Sequence[int], query: np.ndarray) -> np.ndarray | None:
        """Each row's best sentence cosine (-inf without sentences); None when the version has none."""
        ...

    def close(self) -> None:
        """Release connections (a version no longer served)."""
        ...


@dataclass
class FileBackend:
    """FAISS (flat, or IVF-SQ8 re-scored from fp32 vectors), bm25s and memory-mapped sentence
    vectors from the version folder."""
    index: LoadedIndex
    probe_share: float = 0.25
    name: str = "files"
    _filters: dict = field(default_factory=dict)

    def dense(self, query: np.ndarray, filters: Filters, allowed: np.ndarray, k: int) -> dict[int, float]:
        if filters not in self._filters:
            mask = np.zeros(len(self.index.passages), dtype=bool)
            mask[allowed] = True
            self._filters[filters] = dense_index.RowFilter.of(mask)
        k = min(k, len(allowed))
        if k == 0:
            return {}
        return dense_index.search(self.index.dense, query, self._filters[filters], k, self.probe_share,
                                  self.index.vectors)

    def keyword(self, weighted: Sequence[tuple[str, float]], size: int) -> np.ndarray:
        scores = np.zeros(size, dtype=np.float32)
        vocab = self.index.keyword.vocab_dict
        by_weight: dict[float, list[str]] = {}
        for token, weight in weighted:
            if token in vocab:
                by_weight.setdefault(weight, []).append(token)
        for weight, tokens in by_weight.items():
            scores += weight * self.index.keyword.get_scores(tokens)
        return scores

    def vectors(self, rows: Sequence[int]) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.int64)
        if self.index.vectors is not None:
            return np.asarray(self.index.vectors[rows], dtype=np.float32)
        return self.index.dense.reconstruct_batch(rows)

    def cosines(self, rows: Sequence[int], query: np.ndarray) -> np.ndarray:
        return self.vectors(rows) @ query

    def best_sentences(self, rows: Sequence[int], query: np.ndarray) -> np.ndarray | None:
        return None if self.index.sentences is None else self.index.sentences.best(rows, query)

    def close(self) -> None:
        return None  # memory-mapped files go with the last reference
