"""FAQ-first matching: a question close enough in meaning to a published FAQ's question or
one of its phrasings gets that FAQ verbatim. Reloaded in memory when FAQs are published or
retired, so no passage index rebuild is needed."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from assistant.encoder import DIM


@dataclass(frozen=True)
class FaqEntry:
    id: int
    question: str
    answer: str
    citations: list  # list[assistant.answer.Citation]
    audience: str  # who it is served to now: a public FAQ withdrawn from the portal is served as "agent"
    phrasings: tuple[str, ...] = ()
    review_warning: str | None = None  # flagged 待复核: what changed in its basis, for the agent


@dataclass
class _Table:
    entries: list[FaqEntry] = field(default_factory=list)
    vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, DIM), np.float32))
    owners: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))


class FaqMatcher:
    def __init__(self, encode: Callable[[Sequence[str]], np.ndarray], threshold: float):
        self.encode = encode
        self.threshold = threshold
        self._table = _Table()
        self._cache: dict[str, np.ndarray] = {}

    def load(self, entries: list[FaqEntry]) -> None:
        """Replace the published set; only phrasings not seen before are encoded."""
        texts, owners = [], []
        for i, entry in enumerate(entries):
            for text in dict.fromkeys((entry.question, *entry.phrasings)):
                if text.strip():
                    texts.append(text)
                    owners.append(i)
        new = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if new:
            self._cache.update(zip(new, self.encode(new)))
        vectors = np.vstack([self._cache[t] for t in texts]) if texts else np.zeros((0, DIM), np.float32)
        # One reference swap: a concurrent match() sees the old table or the new, never a mix.
        self._table = _Table(list(entries), vectors, np.array(owners, dtype=np.int64))

    def __len__(self) -> int:
        return len(self._table.entries)

    def ranked(self, vector: np.ndarray, audiences: frozenset[str], k: int) -> list[tuple[FaqEntry, float]]:
        """The `k` FAQs served to `audiences` closest to `vector`, each by its closest phrasing,
        best first, whatever the threshold (the FAQ desk's hit-testing shows the near misses)."""
        table = self._table
        if not table.entries:
            return []
        sims = table.vectors @ vector
        best: dict[int, float] = {}
        for row in np.argsort(-sims):
            owner = int(table.owners[row])
            if owner not in best and table.entries[owner].audience in audiences:
                best[owner] = float(sims[row])
                if len(best) == k:
                    break
        return [(table.entries[owner], similarity) for owner, similarity in best.items()]

    def match(self, vector: np.ndarray, audiences: frozenset[str]) -> tuple[FaqEntry, float] | None:
        table = self._table
        if not table.entries:
            return None
        sims = table.vectors @ vector
        for row in np.argsort(-sims):
            if sims[row] < self.threshold:
                return None
            entry = table.entries[table.owners[row]]
            if entry.audience in audiences:
                return entry, float(sims[row])
        return None
