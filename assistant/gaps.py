"""Knowledge gaps grouped by meaning, so editors write one FAQ per kind of unanswered question.

Input: logged queries that were refused or rated badly (assistant.querylog.gaps). Identical texts
are merged first; the distinct texts are embedded with the service's model (normalised e5
vectors, cosine = dot product) and grouped greedily, most asked first: a text joins the group
whose centroid is closest if that cosine reaches `threshold`, else it starts a new group.

Threshold: with multilingual-e5-small, paraphrases of one question ("宅基地一户能有几处" /
"一户人家能批几块宅基地") sit at 0.94-0.96, related but different questions ("房本丢了怎么补办" /
"不动产权证书遗失补领") at ~0.92, and unrelated ones at 0.81-0.90 — hence 0.91 by default.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

@dataclass
class GapQuery:
    """One logged query that went unanswered (refused) or was rated badly."""
    id: int
    query: str
    at: datetime
    channel: str
    refused: bool
    reason: str | None = None     # why it was refused (assistant.answer), if it was
    faq_id: int | None = None     # the FAQ drafted from it, not yet published


@dataclass
class _Text:
    text: str
    items: list[GapQuery]

    @property
    def latest(self) -> datetime:
        return max(q.at for q in self.items)


@dataclass
class GapGroup:
    question: str                     # the most asked text of the group (the representative)
    queries: list[GapQuery] = field(default_factory=list)
    variants: list[str] = field(default_factory=list)  # distinct texts, most asked first

    @property
    def count(self) -> int:
        return len(self.queries)

    @property
    def latest(self) -> datetime:
        return max(q.at for q in self.queries)

    def to_dict(self, sample: int = 10) -> dict[str, Any]:
        return {
            "question": self.question,
            "count": self.count,
            "refused": sum(q.refused for q in self.queries),
            "negative_feedback": sum(not q.refused for q in self.queries),
            "channels": sorted({q.channel for q in self.queries}),
            "reasons": sorted({q.reason for q in self.queries if q.reason}),
            "faq_ids": sorted({q.faq_id for q in self.queries if q.faq_id is not None}),
            "latest_at": self.latest.isoformat(),
            "variants": self.variants[:sample],
            "query_ids": [q.id for q in self.queries],
        }


def group_gaps(queries: Sequence[GapQuery], encode: Callable[[Sequence[str]], np.ndarray],
               threshold: float) -> list[GapGroup]:
    """Groups of similar gap queries, largest (then most recent) first."""
    texts: dict[str, _Text] = {}
    for q in queries:
        key = " ".join(q.query.split())
        if key:
            texts.setdefault(key, _Text(key, [])).items.append(q)
    if not texts:
        return []
    # Most asked first, then most recent: the representative of a group is its most asked text.
    ordered = sorted(texts.values(), key=lambda t: (-len(t.items), -t.latest.timestamp(), t.text))
    vectors = np.asarray(encode([t.text for t in ordered]), dtype=np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)

    groups: list[GapGroup] = []
    sums: list[np.ndarray] = []       # un-normalised sum of member vectors, per group
    for text, vector in zip(ordered, vectors):
        best, best_sim = -1, threshold
        for g, total in enumerate(sums):
            sim = float(vector @ total) / max(float(np.linalg.norm(total)), 1e-12)
            if sim >= best_sim:
                best, best_sim = g, sim
        if best < 0:
            groups.append(GapGroup(question=text.text))
            sums.append(np.zeros_like(vector))
            best = len(groups) - 1
        groups[best].queries.extend(text.items)
        groups[best].variants.append(text.text)
        sums[best] = sums[best] + vector
    return sorted(groups, key=lambda g: (-g.count, -g.latest.timestamp()))
