"""Regression gate: a new index version goes live only if Recall@5 on the configured question
set does not fall more than `gate_max_recall_drop` below the live version's."""

from dataclasses import dataclass

from sentence_transformers import SentenceTransformer

from assistant.index import load_version
from assistant.retrieval import Searcher
from assistant.settings import Settings
from assistant.scoring import load_questions, score_retrieval


@dataclass
class GateResult:
    passed: bool
    new_recall: float | None
    live_recall: float | None
    message: str  # Chinese, shown in the run log


def recall_at_5(settings: Settings, model: SentenceTransformer, version: str) -> float:
    questions = load_questions(settings.resolve(settings.gate_question_set))
    searcher = Searcher.create(load_version(settings.index_path, version), model, settings)
    metrics, _ = score_retrieval(questions, lambda q: [(h.title, h.article) for h in searcher.search(q, 10)])
    return float(metrics["recall@5"])


def regression_gate(settings: Settings, model: SentenceTransformer, new_version: str,
                    live_version: str | None) -> GateResult:
    margin = settings.gate_max_recall_drop
    if margin >= 1:
        return GateResult(True, None, None, "回归检验已关闭")
    new = recall_at_5(settings, model, new_version)
    if live_version is None:
        return GateResult(True, new, None, f"首个索引，Recall@5 = {new:.3f}")
    live = recall_at_5(settings, model, live_version)
    if new < live - margin - 1e-9:
        return GateResult(False, new, live,
                          f"回归检验未通过：Recall@5 从 {live:.3f} 降到 {new:.3f}（允许下降 {margin:.3f}），"
                          f"新索引 {new_version} 已构建但未启用")
    return GateResult(True, new, live, f"回归检验通过：Recall@5 {live:.3f} → {new:.3f}")
