"""Fusion study (not a test): grid over the fusion settings, scored with the real Searcher,
and a cross-validated estimate of how the chosen setting does on questions it was not tuned on.

    python -m eval.tune_fusion [--set eval/sets/dev.jsonl] [--splits 50]

The cross-validated figure is the honest one: choose on half the questions, score the other half.
"""

import argparse
import itertools
import random
from pathlib import Path

import numpy as np

from assistant.retrieval import Searcher
from assistant.settings import Settings
from eval.harness import first_gold_rank, load_questions

GRID = {
    "keyword_weight": [0.5, 0.7, 1.0],
    "expansion_weight": [0.0, 0.3],
    "law_prior_weight": [0.0, 0.3],
    "law_prior_top": [1, 3],
    "authority_prior": [{}, {"法律": 0.1, "行政法规": 0.05, "司法解释": -0.1}],
}


def ranks_for(searcher: Searcher, questions, **overrides) -> np.ndarray:
    settings = searcher.settings.model_copy(update=overrides)
    tuned = Searcher(searcher.index, searcher.model, settings, searcher.synonyms, searcher.tokenizer, searcher.encoder)
    ranks = [first_gold_rank(q, [(h.title, h.article) for h in tuned.search(q.query, 10)]) for q in questions]
    return np.array([r or 99 for r in ranks])


def summary(ranks: np.ndarray) -> tuple[float, float]:
    return float((ranks <= 5).mean()), float(np.where(ranks <= 10, 1 / ranks, 0).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--set", type=Path, default=Path("eval/sets/dev.jsonl"))
    parser.add_argument("--splits", type=int, default=50)
    args = parser.parse_args()
    questions = [q for q in load_questions(args.set) if q.expect == "answer"]
    searcher = Searcher.open(Settings())
    configs = {}
    for values in itertools.product(*GRID.values()):
        overrides = dict(zip(GRID, values))
        if overrides["law_prior_weight"] == 0 and overrides["law_prior_top"] != 1:
            continue
        key = tuple((k, str(v)) for k, v in overrides.items())
        configs[key] = ranks_for(searcher, questions, **overrides)
    best = sorted(configs.items(), key=lambda kv: summary(kv[1]))[-10:]
    print("best settings on the whole set (R@5, MRR):")
    for key, ranks in best:
        print(f"  {summary(ranks)[0]:.3f} {summary(ranks)[1]:.3f}  {dict(key)}")
    current = ranks_for(searcher, questions)
    print(f"shipped settings: R@5 {summary(current)[0]:.3f}  MRR {summary(current)[1]:.3f}")

    def objective(ranks: np.ndarray) -> float:
        r5, mrr = summary(ranks)
        return r5 + 0.5 * mrr

    held_out = []
    for seed in range(args.splits):
        order = list(range(len(questions)))
        random.Random(seed).shuffle(order)
        half = len(order) // 2
        for train, test in ((order[:half], order[half:]), (order[half:], order[:half])):
            choice = max(configs, key=lambda k: objective(configs[k][train]))
            held_out.append(summary(configs[choice][test]))
    r5, mrr = np.mean(held_out, axis=0)
    print(f"2-fold cross-validated ({args.splits} splits): R@5 {r5:.3f}  MRR {mrr:.3f}")


if __name__ == "__main__":
    main()
