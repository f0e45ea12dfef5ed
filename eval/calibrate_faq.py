"""Calibrate the FAQ-match threshold on paraphrase data (not a test).

    python -m eval.calibrate_faq [--set eval/sets/paraphrases.jsonl] [--precision 0.98]

Each group's first question plays the published FAQ; the group's other questions must match
it, and every other group's questions must not (many groups are near neighbours on purpose).
Groups are split in two: the threshold is chosen on one half (the lowest cosine whose
precision reaches the target; a wrong FAQ read out verbatim is worse than no FAQ) and
measured on the other half.
"""

import argparse
import json
import random
from collections import defaultdict
from pathlib import Path

import numpy as np

from assistant.encoder import OnnxQueryEncoder
from assistant.settings import Settings


def pairs(groups: dict[str, list[str]], vectors: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Best FAQ similarity per query and whether that best FAQ is the right one."""
    faqs = {g: qs[0] for g, qs in groups.items()}
    names = list(faqs)
    matrix = np.vstack([vectors[faqs[g]] for g in names])
    best, right = [], []
    for g, qs in groups.items():
        for q in qs[1:]:
            sims = matrix @ vectors[q]
            top = int(sims.argmax())
            best.append(float(sims[top]))
            right.append(names[top] == g)
    return np.array(best), np.array(right)


def precision_recall(best: np.ndarray, right: np.ndarray, threshold: float) -> tuple[float, float]:
    answered = best >= threshold
    precision = float(right[answered].mean()) if answered.any() else 1.0
    return precision, float((answered & right).sum() / len(right))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", type=Path, default=Path("eval/sets/paraphrases.jsonl"))
    parser.add_argument("--precision", type=float, default=0.98)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--show", type=float, nargs="*", default=[0.90, 0.92, 0.93, 0.94, 0.95],
                        help="Thresholds to report on the held-out half.")
    args = parser.parse_args()
    groups: dict[str, list[str]] = defaultdict(list)
    for line in args.set.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            groups[row["group"]].append(row["question"])
    settings = Settings()
    encode = OnnxQueryEncoder(settings.query_model_path, settings.torch_threads)  # the service's encoder
    texts = [q for qs in groups.values() for q in qs]
    vectors = dict(zip(texts, encode(texts)))
    names = sorted(groups)
    random.Random(args.seed).shuffle(names)
    half = len(names) // 2
    calib = {g: groups[g] for g in names[:half]}
    held = {g: groups[g] for g in names[half:]}
    best, right = pairs(calib, vectors)
    candidates = sorted(set(np.round(best, 3)))
    threshold = next((t for t in candidates if precision_recall(best, right, t)[0] >= args.precision),
                     max(candidates))
    p, r = precision_recall(best, right, threshold)
    print(f"calibration half ({len(calib)} groups): threshold {threshold:.3f}  precision {p:.3f}  recall {r:.3f}")
    hb, hr = pairs(held, vectors)
    p, r = precision_recall(hb, hr, threshold)
    print(f"held-out half   ({len(held)} groups): precision {p:.3f}  recall {r:.3f}")
    for t in args.show:
        p, r = precision_recall(hb, hr, t)
        print(f"  held-out at {t:.2f}: precision {p:.3f}  recall {r:.3f}")


if __name__ == "__main__":
    main()
