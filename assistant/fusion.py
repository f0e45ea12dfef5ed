"""Learned fusion: a linear scorer over each candidate's evidence, fitted by `hotline models
train` on training questions (train/fusion.py), never on the dev sets.

Features use raw cosines and gaps to the best candidate rather than min-max normalisation
over the dense top 100: that band is only ~0.03 wide, so a candidate only BM25 found, a little
below it, used to get a large negative dense term.
"""

import json
import math
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.passage import Passage

FEATURES = ("dense", "dense_gap", "keyword", "keyword_log", "doc_dense_gap", "doc_keyword",
            "law", "admin_regulation", "local_regulation", "interpretation", "beijing", "recency",
            "not_article")
DOC_TYPES = {"法律": "law", "行政法规": "admin_regulation", "地方性法规": "local_regulation",
             "司法解释": "interpretation"}


def features(rows: list[int], dense: dict[int, float], keyword: dict[int, float],
             passages: list[Passage]) -> np.ndarray:
    """One row of FEATURES per candidate (rows index the live passages)."""
    top_dense = max(dense[r] for r in rows)
    top_keyword = max(keyword[r] for r in rows) or 1.0
    doc_dense: dict[str, float] = defaultdict(lambda: -1.0)
    doc_keyword: dict[str, float] = defaultdict(float)
    for r, p in zip(rows, passages):
        doc_dense[p.doc_id] = max(doc_dense[p.doc_id], dense[r])
        doc_keyword[p.doc_id] = max(doc_keyword[p.doc_id], keyword[r])
    out = np.zeros((len(rows), len(FEATURES)), dtype=np.float32)
    for i, (r, p) in enumerate(zip(rows, passages)):
        year = p.year
        kind = DOC_TYPES.get(p.doc_type)
        values = {
            "dense": dense[r], "dense_gap": dense[r] - top_dense,
            "keyword": keyword[r] / top_keyword, "keyword_log": math.log1p(keyword[r]),
            "doc_dense_gap": doc_dense[p.doc_id] - top_dense,
            "doc_keyword": doc_keyword[p.doc_id] / top_keyword,
            "beijing": float(p.region == "北京"),
            "recency": 0.0 if year is None else min(max((year - 2000) / 25, -1.0), 1.0),
            "not_article": float(p.article is None),
            **({kind: 1.0} if kind else {}),
        }
        out[i] = [values.get(name, 0.0) for name in FEATURES]
    return out


@dataclass(frozen=True)
class LearnedFusion:
    weights: np.ndarray
    bias: float
    mean: np.ndarray
    scale: np.ndarray

    @classmethod
    def load(cls, path: Path) -> "LearnedFusion | None":
        """The fitted scorer, or None when there is none (or it was fitted on other features)."""
        if not path.is_file():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        if tuple(data["features"]) != FEATURES:
            return None
        return cls(np.array(data["weights"], np.float32), float(data["bias"]),
                   np.array(data["mean"], np.float32), np.array(data["scale"], np.float32))

    def score(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.mean) / self.scale) @ self.weights + self.bias
