"""Do four ways of asking the same thing get the same answer? Over `eval/sets/paraphrases.jsonl`
(45 groups of 4, no gold): per group, whether every member's answer has the same first
citation, the same law, and the same numbers in its summary (as `hotline eval --answers`
judges its groups), and the share of member pairs that agree on the first citation.

    python -m eval.paraphrases [--set eval/sets/paraphrases.jsonl] [--details]
"""

import argparse
import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from itertools import combinations
from pathlib import Path

from assistant.answer import Answer, Answerer
from assistant.answer_judge import _numbers
from assistant.retrieval import Searcher
from assistant.settings import Settings


def load_groups(path: Path) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            groups[row["group"]].append(row["question"])
    return dict(groups)


def first_citation(answer: Answer) -> tuple[str, str]:
    """(law, article label) of the answer's first citation; (kind, "") when it cites nothing."""
    return (answer.citations[0].title, answer.citations[0].label) if answer.citations else (answer.kind, "")


def consistency(groups: dict[str, Sequence[str]], answer: Callable[[str], Answer]) -> tuple[dict, list[dict]]:
    rows = []
    for group, questions in groups.items():
        answers = [answer(q) for q in questions]
        firsts = [first_citation(a) for a in answers]
        keys = [(f, _numbers(a.summary or "")) for f, a in zip(firsts, answers)]
        pairs = list(combinations(firsts, 2))
        rows.append({"group": group, "questions": list(questions), "first_citations": firsts,
                     "same_citation": len(set(firsts)) == 1, "same_law": len({f[0] for f in firsts}) == 1,
                     "same_citation_and_numbers": len(set(keys)) == 1,
                     "agreeing_pairs": sum(a == b for a, b in pairs), "pairs": len(pairs)})
    n = len(rows)
    metrics = {"groups": n,
               "same_first_citation": sum(r["same_citation"] for r in rows) / n if n else None,
               "same_law": sum(r["same_law"] for r in rows) / n if n else None,
               "same_citation_and_numbers": sum(r["same_citation_and_numbers"] for r in rows) / n if n else None,
               "pairwise_same_citation": (sum(r["agreeing_pairs"] for r in rows) / sum(r["pairs"] for r in rows)
                                          if n else None)}
    return metrics, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", type=Path, default=Path("eval/sets/paraphrases.jsonl"))
    parser.add_argument("--details", action="store_true", help="print each group's first citations")
    args = parser.parse_args()
    answerer = Answerer.create(Searcher.open(Settings()))
    metrics, rows = consistency(load_groups(args.set), answerer.answer)
    if args.details:
        for r in rows:
            mark = "=" if r["same_citation"] else "≠"
            print(mark, r["group"], " | ".join(f"{law}{label}" for law, label in r["first_citations"]))
    print(json.dumps(metrics, ensure_ascii=False))


if __name__ == "__main__":
    main()
