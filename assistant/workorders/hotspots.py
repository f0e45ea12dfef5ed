"""High-frequency issues and emerging hot spots (突发热点) among the orders of a period.

Similar orders are grouped by meaning: each order's question-encoder vector (kept from its
classification, encoded now if missing) joins the group whose centroid is closest when the
cosine reaches the threshold, largest groups first; the representative text is the order
closest to its group's centroid. A hot spot is a group or a 街乡 whose count in the period is
at least HOT_MIN and at least HOT_RATIO times its count in the period before (a new street
or issue counts against a baseline of one).
"""

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.db import WorkOrder
from assistant.workorders.stats import UNSET, Period, counts

HOT_MIN = 10
HOT_RATIO = 2.0
Encode = Callable[[Sequence[str]], np.ndarray]


@dataclass
class Issue:
    text: str                 # the representative order's text
    count: int
    previous: int             # similar orders in the period before
    category: str             # the most common level-1 category in the group
    numbers: list[str]        # order numbers, for drill-down

    @property
    def hot(self) -> bool:
        return self.count >= HOT_MIN and self.count >= HOT_RATIO * max(self.previous, 1)


@dataclass
class _Orders:
    numbers: list[str]
    texts: list[str]
    categories: list[str]
    vectors: np.ndarray


def _orders(s: Session, period: Period, encode: Encode) -> _Orders:
    rows = list(s.execute(select(WorkOrder.number, WorkOrder.content, WorkOrder.category_l1, WorkOrder.vector)
                          .where(WorkOrder.received_at >= period.start, WorkOrder.received_at < period.end)
                          .order_by(WorkOrder.received_at, WorkOrder.id)))
    vectors = np.zeros((0, 0), dtype=np.float32)
    if rows:
        missing = [i for i, r in enumerate(rows) if r.vector is None]
        fresh = dict(zip(missing, encode([rows[i].content for i in missing]))) if missing else {}
        vectors = np.vstack([fresh[i] if i in fresh else np.frombuffer(r.vector, dtype=np.float32)
                             for i, r in enumerate(rows)]).astype(np.float32)
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    return _Orders([r.number for r in rows], [r.content for r in rows], [r.category_l1 or UNSET for r in rows], vectors)


def high_frequency(s: Session, period: Period, encode: Encode, threshold: float, top: int = 10) -> list[Issue]:
    """The largest groups of similar orders in `period`, with the same groups' size before."""
    now = _orders(s, period, encode)
    if not now.numbers:
        return []
    groups = sorted(_group(now.vectors, threshold), key=len, reverse=True)[:top]
    centroids = np.vstack([now.vectors[g].mean(axis=0) for g in groups])
    centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
    before = _orders(s, period.previous(), encode)
    earlier = (before.vectors @ centroids.T >= threshold).sum(axis=0) if before.numbers else np.zeros(len(groups))
    issues = []
    for members, centroid, previous in zip(groups, centroids, earlier):
        best = members[int(np.argmax(now.vectors[members] @ centroid))]
        issues.append(Issue(text=now.texts[best], count=len(members), previous=int(previous),
                            category=Counter(now.categories[m] for m in members).most_common(1)[0][0],
                            numbers=[now.numbers[m] for m in members]))
    return issues


def _group(vectors: np.ndarray, threshold: float) -> list[list[int]]:
    """Greedy single pass: each order joins the group with the closest centroid at ≥ threshold."""
    sums = np.zeros_like(vectors)
    norms = np.zeros(len(vectors), dtype=np.float32)
    groups: list[list[int]] = []
    for i, vector in enumerate(vectors):
        if groups:
            n = len(groups)
            sims = sums[:n] @ vector / np.maximum(norms[:n], 1e-12)
            g = int(np.argmax(sims))
            if sims[g] >= threshold:
                groups[g].append(i)
                sums[g] += vector
                norms[g] = np.linalg.norm(sums[g])
                continue
        sums[len(groups)], norms[len(groups)] = vector, 1.0
        groups.append([i])
    return groups


def hot_streets(s: Session, period: Period) -> list[dict]:
    """Streets (街乡) whose orders grew abnormally against the period before."""
    now, before = counts(s, period, "street"), counts(s, period.previous(), "street")
    return sorted(({"street": k, "count": n, "previous": before.get(k, 0)} for k, n in now.items()
                   if k != UNSET and n >= HOT_MIN and n >= HOT_RATIO * max(before.get(k, 0), 1)),
                  key=lambda r: -r["count"])


def hot_issues(issues: Sequence[Issue]) -> list[Issue]:
    return [i for i in issues if i.hot]
