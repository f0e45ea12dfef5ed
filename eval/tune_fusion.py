"""Fusion study (not a test): grid over the fusion settings, scored with the real Searcher,
and cross-validated estimates of how the chosen setting does on questions it was not tuned on.

    python -m eval.tune_fusion [--set eval/sets/dev.jsonl --set eval/sets/dev2.jsonl] [--splits 50]

The held-out figures are the honest ones: a setting chosen on one set scored on the other, and
chosen on half of all questions scored on the other half.
"""

import argparse
import itertools
import random
from pathlib import Path

import numpy as np

from assistant.retrieval import Searcher
from assistant.settings import Settings
from assistant.scoring import first_gold_rank, load_questions

GRID = {
    "keyword_weight": [0.03, 0.04, 0.05, 0.06],
    "sentence_weight": [0.0, 0.2, 0.3, 0.4],
    "expansion_weight": [0.0, 0.3],
    "law_prior_weight": [0.0, 0.3],
}


def ranks_for(searcher: Searcher, questions, **overrides) -> np.ndarray:
    settings = searcher.settings.model_copy(update=overrides)
    tuned = searcher.with_settings(settings)
    ranks = [first_gold_rank(q, [(h.title, h.article) for h in tuned.search(q.query, 10)]) for q in questions]
    return np.array([r or 99 for r in ranks])


def summary(ranks: np.ndarray) -> tuple[float, float, float]:
    return float((ranks == 1).mean()), float((ranks <= 5).mean()), float(np.where(ranks <= 10, 1 / ranks, 0).mean())


def objective(ranks: np.ndarray) -> float:
    r1, r5, mrr = summary(ranks)
    return r5 + mrr


def line(ranks: np.ndarray) -> str:
    r1, r5, mrr = summary(ranks)
    return f"R@1 {r1:.3f}  R@5 {r5:.3f}  MRR {mrr:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", type=Path, action="append", dest="sets")
    parser.add_argument("--splits", type=int, default=50)
    args = parser.parse_args()
    paths = args.sets or [Path("eval/sets/dev.jsonl"), Path("eval/sets/dev2.jsonl")]
    sets = {p.stem: [q for q in load_questions(p) if q.expect == "answer"] for p in paths}
    questions = [q for qs in sets.values() for q in qs]
    bounds, start = {}, 0
    for name, qs in sets.items():
        bounds[name] = np.arange(start, start + len(qs))
        start += len(qs)
    searcher = Searcher.open(Settings())
    configs = {}
    for values in itertools.product(*GRID.values()):
        overrides = dict(zip(GRID, values))
        configs[tuple(overrides.items())] = ranks_for(searcher, questions, **overrides)
    current = ranks_for(searcher, questions)
    for name, rows in bounds.items():
        print(f"shipped settings on {name}: {line(current[rows])}")
    for chosen_on, rows in bounds.items():
        choice = max(configs, key=lambda k: objective(configs[k][rows]))
        for scored_on, other in bounds.items():
            if scored_on != chosen_on:
                print(f"chosen on {chosen_on} {dict(choice)}, scored on {scored_on}: {line(configs[choice][other])}")
    held_out = []
    for seed in range(args.splits):
        order = list(range(len(questions)))
        random.Random(seed).shuffle(order)
        half = len(order) // 2
        for train, test in ((order[:half], order[half:]), (order[half:], order[:half])):
            choice = max(configs, key=lambda k: objective(configs[k][train]))
            held_out.append(summary(configs[choice][test]))
    r1, r5, mrr = np.mean(held_out, axis=0)
    print(f"2-fold cross-validated over all {len(questions)} questions ({args.splits} splits): "
          f"R@1 {r1:.3f}  R@5 {r5:.3f}  MRR {mrr:.3f}")


if __name__ == "__main__":
    main()
