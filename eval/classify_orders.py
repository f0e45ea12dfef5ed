"""Work-order classification accuracy on the labelled set's held-out third.

    python -m eval.classify_orders [--set eval/sets/workorders.jsonl] [--write-examples]

The classifier starts from the set's "train" rows (the same rows ship as
corpora/workorders/examples.jsonl; --write-examples refreshes that file) and the taxonomy's
descriptions; it is scored on the "heldout" rows it never saw: level-1 accuracy, level-3
accuracy, per-class recall, the confusion of level-1 classes, and how accuracy rises with the
confidence threshold (what staff can trust without checking).
"""

import argparse
import json
import time
from collections import Counter, defaultdict
from pathlib import Path

from assistant.encoder import OnnxQueryEncoder
from assistant.settings import Settings
from assistant.workorders.classify import Classifier, Taxonomy
from assistant.workorders.desk import EXAMPLES, TAXONOMY


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", type=Path, default=Path("eval/sets/workorders.jsonl"))
    parser.add_argument("--write-examples", action="store_true", help="Write the train rows to the examples file.")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    settings = Settings()
    rows = [json.loads(line) for line in args.set.read_text(encoding="utf-8").splitlines() if line.strip()]
    train = [r for r in rows if r["split"] == "train"]
    heldout = [r for r in rows if r["split"] == "heldout"]
    if args.write_examples:
        target = settings.workorders_path / EXAMPLES
        target.write_text("".join(json.dumps({k: r[k] for k in ("content", "l1", "l2", "l3")}, ensure_ascii=False) + "\n"
                                  for r in train), encoding="utf-8")
        print(f"wrote {len(train)} examples to {target}")
    started = time.perf_counter()
    encoder = OnnxQueryEncoder(settings.query_model_path, settings.torch_threads)
    classifier = Classifier(encoder, Taxonomy.load(settings.workorders_path / TAXONOMY),
                            [(r["content"], (r["l1"], r["l2"], r["l3"])) for r in train])
    built = time.perf_counter() - started
    started = time.perf_counter()
    predictions = classifier.classify([r["content"] for r in heldout])
    took = time.perf_counter() - started
    hits1 = [p.category[0] == r["l1"] for p, r in zip(predictions, heldout)]
    hits3 = [p.category == (r["l1"], r["l2"], r["l3"]) for p, r in zip(predictions, heldout)]
    recall: dict[str, list[bool]] = defaultdict(list)
    confusion: Counter = Counter()
    for p, r, hit in zip(predictions, heldout, hits1):
        recall[r["l1"]].append(hit)
        if not hit:
            confusion[(r["l1"], p.category[0])] += 1
    by_confidence = []
    for floor in (0.0, 0.5, 0.6, 0.7, 0.8, 0.9):
        kept = [h for p, h in zip(predictions, hits1) if p.confidence >= floor]
        by_confidence.append({"confidence_at_least": floor, "share": round(len(kept) / len(hits1), 3),
                              "level1_accuracy": round(sum(kept) / len(kept), 3) if kept else None})
    result = {
        "train": len(train), "heldout": len(heldout),
        "level1_accuracy": round(sum(hits1) / len(hits1), 3), "level3_accuracy": round(sum(hits3) / len(hits3), 3),
        "recall": {k: {"n": len(v), "recall": round(sum(v) / len(v), 3)} for k, v in sorted(recall.items())},
        "confusion": [{"gold": g, "predicted": p, "n": n} for (g, p), n in confusion.most_common()],
        "by_confidence": by_confidence,
        "build_s": round(built, 1), "classify_ms_per_order": round(took / len(heldout) * 1000, 1),
    }
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return
    print(f"held-out {result['heldout']} (trained on {result['train']}): level-1 accuracy {result['level1_accuracy']}, "
          f"level-3 accuracy {result['level3_accuracy']}; {result['classify_ms_per_order']} ms per order")
    print("per-class recall:")
    for name, r in result["recall"].items():
        print(f"  {name:<12} {r['recall']:.3f}  (n={r['n']})")
    print("confusions (gold → predicted):")
    for c in result["confusion"]:
        print(f"  {c['gold']} → {c['predicted']}: {c['n']}")
    print("accuracy by confidence:")
    for c in by_confidence:
        print(f"  ≥{c['confidence_at_least']:.1f}: {c['share']:.0%} of orders, level-1 accuracy {c['level1_accuracy']}")


if __name__ == "__main__":
    main()
