"""Fit the learned fusion (assistant/fusion.py) on training questions run through the live
Searcher: pseudo-queries of the corpus drawn with a seed of their own, never the dev sets."""

import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from assistant.fusion import FEATURES
from assistant.retrieval import Searcher
from train.examples import Example

log = logging.getLogger(__name__)


def training_matrix(searcher: Searcher, examples: Sequence[Example], positive_ids: Sequence[set[str]],
                    say: Callable[[str], None] = print) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(features, labels, question index) over every hybrid candidate of every example."""
    xs, ys, qs = [], [], []
    for i, (example, gold) in enumerate(zip(examples, positive_ids)):
        rows, x = searcher.candidate_features(example.query)
        if not rows:
            continue
        labels = np.array([searcher.index.passages[r].id in gold for r in rows], dtype=np.int8)
        if not labels.any():
            continue  # gold not among the candidates: nothing for the fusion to learn
        xs.append(x)
        ys.append(labels)
        qs.append(np.full(len(rows), i))
        if (i + 1) % 500 == 0:
            say(f"fusion features: {i + 1}/{len(examples)} questions")
    return np.vstack(xs), np.concatenate(ys), np.concatenate(qs)


# Evidence that means the same in any legal domain. Document type, region and date do not
# transfer: STARD's gold is national civil law, this desk cites Beijing regulations daily.
TRANSFERABLE = ("dense", "dense_gap", "keyword", "keyword_log", "doc_dense_gap", "doc_keyword", "not_article")


def fit_fusion(x: np.ndarray, y: np.ndarray, out: Path, c: float = 1.0,
               use: tuple[str, ...] = TRANSFERABLE) -> dict:
    """Logistic regression on standardised features; the weights go to `out` (JSON)."""
    from sklearn.linear_model import LogisticRegression

    x = x.copy()
    x[:, [i for i, f in enumerate(FEATURES) if f not in use]] = 0.0  # weight 0 after fitting
    mean, scale = x.mean(0), x.std(0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=c, max_iter=2000)
    model.fit((x - mean) / scale, y)
    record = {"features": list(FEATURES), "weights": model.coef_[0].round(6).tolist(),
              "bias": float(model.intercept_[0]), "mean": mean.round(6).tolist(),
              "scale": scale.round(6).tolist(), "candidates": int(len(y)), "positives": int(y.sum())}
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    tmp.replace(out)
    return record


def recall_at(searcher_rank: Callable[[str], list[str]], examples: Sequence[Example],
              positive_ids: Sequence[set[str]], k: int = 5) -> float:
    hits = sum(bool(set(searcher_rank(e.query)[:k]) & gold) for e, gold in zip(examples, positive_ids))
    return hits / len(examples) if examples else 0.0
