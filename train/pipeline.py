"""`hotline models train`: pools, examples, hard negatives, the query-tower adapter and the
learned fusion, reproducible from a seed."""

import json
import logging
import random
import tarfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import bm25s
import numpy as np

from assistant.expand import Synonyms
from assistant.settings import Settings
from assistant.tokenize import Tokenizer
from train.examples import Example, labelled_examples, pseudo_examples, stard_examples, stard_gold_laws
from train.pool import Pool, embed_pool, load_pool
from train.query_tower import Group, TrainConfig, train_query_tower

log = logging.getLogger(__name__)


@dataclass
class Recipe:
    """What goes into a training run; recorded next to the artefact."""
    sources: tuple[str, ...] = ("stard", "ict", "typed", "synonym")
    stard_file: str = "../shared/train/stard-other.jsonl"
    national_dir: str = "data/national"
    national_archive: str = "../shared/corpus/national.tar.gz"  # unpacked into national_dir's parent
    negatives_per_question: int = 20
    random_negatives: int = 5000
    pseudo_per_article: int = 1
    desk_files: tuple[str, ...] = ()  # the `desk` source: JSONL of answered questions (query, gold)
    desk_repeat: int = 8
    seed: int = 13
    limit: int | None = None  # examples per group, for smoke runs


def national_pool(settings: Settings, recipe: Recipe, stard_path: Path,
                  say: Callable[[str], None]) -> tuple[Pool, list[Example]]:
    """The national documents STARD's gold lies in, plus BM25-mined and random distractors."""
    national = settings.resolve(Path(recipe.national_dir))
    if not national.is_dir():
        archive = settings.resolve(Path(recipe.national_archive))
        if not archive.is_file():
            raise FileNotFoundError(f"national collection not found: {national} (nor {archive})")
        say(f"unpacking {archive} into {national.parent}")
        with tarfile.open(archive) as tar:
            tar.extractall(national.parent, filter="data")
    full = load_pool([national], settings)
    train = stard_examples(stard_path, full, "train", recipe.seed)
    gold_laws = stard_gold_laws(stard_path)
    keep = {r for r, m in enumerate(full.meta) if m["title"] in gold_laws}
    say(f"national: {len(full)} passages in force; {len(keep)} in STARD's gold laws; mining negatives")
    tokenizer = Tokenizer(Synonyms.load(settings.synonyms_path).terms())
    keyword = bm25s.BM25()
    keyword.index([tokenizer.tokens(t) for t in full.texts], show_progress=False)
    queries = [tokenizer.tokens(e.query) or ["的"] for e in train]
    rows, _ = keyword.retrieve(queries, k=recipe.negatives_per_question, show_progress=False, n_threads=1)
    keep.update(int(r) for r in np.asarray(rows).ravel())
    rng = random.Random(recipe.seed)
    keep.update(rng.sample(range(len(full)), min(recipe.random_negatives, len(full))))
    pool = full.subset(sorted(keep))
    return pool, stard_examples(stard_path, pool, "train", recipe.seed)


def build_groups(settings: Settings, recipe: Recipe, say: Callable[[str], None] = print) -> list[Group]:
    groups: list[Group] = []
    pseudo_kinds = [s for s in recipe.sources if s not in ("stard", "desk")]
    if pseudo_kinds or "desk" in recipe.sources:
        pool = embed_pool(load_pool([settings.corpus_path], settings), settings)
        examples = pseudo_examples(pool, Synonyms.load(settings.synonyms_path), pseudo_kinds,
                                   recipe.pseudo_per_article, recipe.seed)[: recipe.limit] if pseudo_kinds else []
        if "desk" in recipe.sources:
            desk = labelled_examples([settings.resolve(Path(f)) for f in recipe.desk_files], pool, recipe.desk_repeat)
            say(f"desk: {len(desk) // max(1, recipe.desk_repeat)} answered questions × {recipe.desk_repeat}")
            examples += desk[: recipe.limit]
        say(f"planning: {len(pool)} passages, {len(examples)} questions {[s for s in recipe.sources if s != 'stard']}")
        groups.append(Group("planning", pool.vectors, pool.bodies, examples))
    if "stard" in recipe.sources:
        pool, examples = national_pool(settings, recipe, settings.resolve(Path(recipe.stard_file)), say)
        pool = embed_pool(pool, settings)
        examples = examples[: recipe.limit]
        say(f"stard: {len(pool)} passages, {len(examples)} training questions")
        groups.append(Group("stard", pool.vectors, pool.bodies, examples))
    return groups


def train(settings: Settings, out_dir: Path, recipe: Recipe = Recipe(), config: TrainConfig = TrainConfig(),
          say: Callable[[str], None] = print) -> dict:
    """Train the query adapter into `out_dir` and record how (recipe.json)."""
    started = time.perf_counter()
    groups = build_groups(settings, recipe, say)
    stats = train_query_tower(settings.model_path, groups, out_dir, config, say)
    record = {"recipe": asdict(recipe), "config": asdict(config), **stats,
              "total_seconds": round(time.perf_counter() - started, 1)}
    (out_dir / "recipe.json").write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    return record


def train_fusion(settings: Settings, out: Path, questions: int = 3000, seed: int = 101,
                 sources: tuple[str, ...] = ("stard",), say: Callable[[str], None] = print) -> dict:
    """Fit the learned fusion with the configured question encoder on training questions:
    STARD's training questions over the national pool, and/or fresh pseudo-queries of the
    bundled corpus (their own seed, so not the ones the encoder was trained on)."""
    from assistant.retrieval import Searcher
    from ingest.embed import prepared_model
    from train.fusion import fit_fusion, training_matrix
    from train.pool import pool_index

    hand = settings.model_copy(update={"fusion": "hand"})
    model = prepared_model(settings)
    xs, ys = [], []
    if "stard" in sources:
        recipe = Recipe()
        pool, examples = national_pool(settings, recipe, settings.resolve(Path(recipe.stard_file)), say)
        pool = embed_pool(pool, settings)
        searcher = Searcher.create(pool_index(pool, settings, "stard-train"), model, hand)
        x, y, _ = training_matrix(searcher, examples, [{pool.ids[r] for r in e.positives} for e in examples], say)
        xs.append(x)
        ys.append(y)
    if "pseudo" in sources:
        from assistant.index import load_version

        searcher = Searcher.create(load_version(settings.index_path), model, hand)
        pool = load_pool([settings.corpus_path], settings)
        examples = pseudo_examples(pool, Synonyms.load(settings.synonyms_path), ("typed", "synonym"), 1, seed)
        random.Random(seed).shuffle(examples)
        examples = examples[:questions]
        x, y, _ = training_matrix(searcher, examples, [{pool.ids[r] for r in e.positives} for e in examples], say)
        xs.append(x)
        ys.append(y)
    record = fit_fusion(np.vstack(xs), np.concatenate(ys), out)
    record["sources"] = list(sources)
    say(f"fusion fitted on {sources}: {record['candidates']} candidates, {record['positives']} positives")
    return record
