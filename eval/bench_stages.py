"""Each retrieval stage added in turn, on dev, dev2 and the held-out fifth of STARD.

    python -m eval.bench_stages [--stard-pool gold|full] [--json]

Stages: BM25 · e5 (base) · shipped hybrid (base e5 + hand fusion) · + tuned question encoder ·
+ learned fusion. dev/dev2 run over the live index of the bundled corpus. STARD runs over the
national collection's documents in force: `gold` (default) is a distractor-rich subset (every
passage of the laws STARD's gold lies in, BM25-mined near misses of the training questions
and 5,000 random passages, as in training), `full` is every passage in force (embedding it takes about an
hour on 2 cores the first time; the embedding cache keeps it).
"""

import argparse
import json
from pathlib import Path

from assistant.index import LoadedIndex
from assistant.retrieval import Searcher
from assistant.settings import Settings
from assistant.scoring import Gold, Question, load_questions, score_retrieval

STAGES = [  # (name, question encoder, fusion, mode)
    ("BM25", "base", "hand", "keyword"),
    ("e5", "base", "hand", "dense"),
    ("shipped hybrid", "base", "hand", "hybrid"),
    ("+ tuned encoder", "tuned", "hand", "hybrid"),
    ("+ learned fusion", "tuned", "learned", "hybrid"),
]


def stard_questions(path: Path, split: str = "heldout") -> list[Question]:
    from train.examples import held_out

    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            q = json.loads(line)
            if held_out(q["id"]) == (split == "heldout"):
                out.append(Question(id=q["id"], query=q["query"],
                                    gold=[Gold(law=g["law"], article=g["article"]) for g in q["gold"]]))
    return out


def stard_index(settings: Settings, which: str) -> LoadedIndex:
    """An in-memory index over the national documents in force (see the module docstring)."""
    from train.pipeline import Recipe, national_pool
    from train.pool import embed_pool, load_pool, pool_index

    recipe = Recipe()
    if which == "gold":
        pool, _ = national_pool(settings, recipe, settings.resolve(Path(recipe.stard_file)), print)
    else:
        pool = load_pool([settings.resolve(Path(recipe.national_dir))], settings)
    return pool_index(embed_pool(pool, settings), settings, f"stard-{which}")


def run(settings: Settings, index: LoadedIndex, questions: list[Question], model) -> dict[str, dict]:
    out = {}
    for name, encoder, fusion, mode in STAGES:
        s = settings.model_copy(update={"query_model": encoder, "fusion": fusion})
        searcher = Searcher.create(index, model, s)
        if encoder == "tuned" and s.query_model_path == s.model_path or \
                fusion == "learned" and searcher.learned is None:
            continue  # nothing trained yet for this stage
        metrics, _ = score_retrieval(
            questions, lambda q: [(h.title, h.article) for h in searcher.search(q, 10, mode=mode)])
        out[name] = metrics
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stard-pool", choices=("gold", "full", "none"), default="gold")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    from assistant.index import load_version
    from assistant.encoder import load_model

    settings = Settings()
    model = load_model(settings.model_path, settings.torch_threads)
    live = load_version(settings.index_path)
    results = {name: run(settings, live, load_questions(settings.resolve(Path(f"eval/sets/{name}.jsonl"))), model)
               for name in ("dev", "dev2")}
    if args.stard_pool != "none":
        stard = settings.resolve(Path("../shared/train/stard-other.jsonl"))
        index = stard_index(settings, args.stard_pool)
        results[f"stard-heldout ({args.stard_pool}, {len(index.passages)} passages)"] = run(
            settings, index, stard_questions(stard), model)
    if args.json:
        print(json.dumps(results, ensure_ascii=False))
        return
    for set_name, stages in results.items():
        print(f"\n{set_name}")
        print(f"  {'stage':<20}{'n':>5}{'R@1':>8}{'R@5':>8}{'R@10':>8}{'MRR':>8}")
        for stage, m in stages.items():
            print(f"  {stage:<20}{m['n']:>5}{m['recall@1']:>8.3f}{m['recall@5']:>8.3f}"
                  f"{m['recall@10']:>8.3f}{m['mrr']:>8.3f}")


if __name__ == "__main__":
    main()
