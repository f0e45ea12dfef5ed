"""Regression gate: a new index version goes live only if Recall@5 does not fall more than
`gate_max_recall_drop` below the live version's, on the questions it can fairly compare.

The questions are the gate set plus the editors' per-source check sets (`gate_check_dir`,
one `<source>.jsonl` each). A question is compared only when every document its gold
citations name is unchanged between the two versions (a crawl that changes or repeals a law
changes what the right answer is), and the new version is ranked without the documents it
adds: a crawl that only adds documents must not be refused for adding them. What the gate
catches is a build that ranks the unchanged documents worse (chunking, encoder, a bad
merge); how the added documents rank is reported beside it.
"""

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from sentence_transformers import SentenceTransformer

from assistant.encoder import OnnxQueryEncoder
from assistant.index import LoadedIndex, load_version
from assistant.retrieval import Searcher
from assistant.scoring import Question, load_questions, normalise_title, score_retrieval
from assistant.settings import Settings


@dataclass
class GateResult:
    passed: bool
    new_recall: float | None
    live_recall: float | None
    message: str  # Chinese, shown in the run log
    compared: int = 0  # questions scored on both versions
    skipped: int = 0   # answerable questions whose gold documents the update changed


def gate_questions(settings: Settings) -> list[Question]:
    """The gate set and every per-source check set, answerable questions only."""
    paths = [settings.resolve(settings.gate_question_set)]
    check_dir = settings.resolve(settings.gate_check_dir)
    if check_dir.is_dir():
        paths += sorted(check_dir.glob("*.jsonl"))
    return [q for path in paths for q in load_questions(Path(path)) if q.expect == "answer"]


def document_fingerprints(index: LoadedIndex) -> dict[str, str]:
    """Per normalised title, a hash of its passages (ids, texts, statuses): what a change touches."""
    parts: dict[str, list[str]] = defaultdict(list)
    for passage in index.passages:
        parts[normalise_title(passage.title)].append(f"{passage.id}\t{passage.status}\t{passage.text}")
    return {title: hashlib.sha256("\n".join(sorted(texts)).encode()).hexdigest() for title, texts in parts.items()}


def _recall_at_5(searcher: Searcher, questions: list[Question], without: frozenset[str] = frozenset()) -> float:
    """Recall@5 over `questions`, ranking as if the documents titled `without` were absent."""

    def rank(query: str) -> list[tuple[str, int | None]]:
        hits = searcher.search(query, 10 + 20 * bool(without))
        return [(h.title, h.article) for h in hits if normalise_title(h.title) not in without][:10]

    metrics, _ = score_retrieval(questions, rank)
    return float(metrics["recall@5"])


def regression_gate(settings: Settings, model: SentenceTransformer, new_version: str,
                    live_version: str | None) -> GateResult:
    margin = settings.gate_max_recall_drop
    if margin >= 1:
        return GateResult(True, None, None, "回归检验已关闭")
    questions = gate_questions(settings)
    new_index = load_version(settings.index_path, new_version)
    encoder = OnnxQueryEncoder(settings.query_model_path, settings.torch_threads)  # one for both versions
    new_searcher = Searcher.create(new_index, model, settings, encoder)
    if live_version is None:
        new = _recall_at_5(new_searcher, questions)
        return GateResult(True, new, None, f"首个索引，Recall@5 = {new:.3f}", len(questions))
    live_index = load_version(settings.index_path, live_version)
    before, after = document_fingerprints(live_index), document_fingerprints(new_index)
    changed = {t for t in before.keys() | after.keys() if before.get(t) != after.get(t)}
    compared = [q for q in questions if not {normalise_title(g.law) for g in q.gold} & changed]
    skipped = len(questions) - len(compared)
    notes = [f"比较 {len(compared)} 题"] + ([f"{skipped} 题的依据文件本次有变更，未计入"] if skipped else [])
    if not compared:
        return GateResult(True, None, None, f"回归检验跳过：所有检验题的依据文件本次都有变更（{'；'.join(notes)}）",
                          0, skipped)
    added = frozenset(after.keys() - before.keys())
    new = _recall_at_5(new_searcher, compared, without=added)
    live = _recall_at_5(Searcher.create(live_index, model, settings, encoder), compared)
    if added:
        notes.append(f"本次新增 {len(added)} 篇文档，计入它们时 Recall@5 = {_recall_at_5(new_searcher, compared):.3f}")
    note = f"（{'；'.join(notes)}）"
    if new < live - margin - 1e-9:
        return GateResult(False, new, live,
                          f"回归检验未通过：Recall@5 从 {live:.3f} 降到 {new:.3f}（允许下降 {margin:.3f}）{note}，"
                          f"新索引 {new_version} 已构建但未启用", len(compared), skipped)
    return GateResult(True, new, live, f"回归检验通过：Recall@5 {live:.3f} → {new:.3f}{note}", len(compared), skipped)
