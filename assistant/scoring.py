"""Retrieval metrics over a question set in the format of shared/eval/dev.jsonl."""

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ValidationError

from assistant.compose import short_title

KS = (1, 5, 10)


class Gold(BaseModel):
    law: str
    article: int


class Question(BaseModel):
    id: str
    query: str
    gold: list[Gold] = []
    expect: Literal["answer", "refuse_or_escalate"] = "answer"
    channel: str = "portal"
    topic: str = ""
    group: str | None = None
    answer_points: list[str] = []


def normalise_title(title: str) -> str:
    return short_title("".join(title.split()))


def load_questions(path: Path) -> list[Question]:
    """Read a JSONL question set; a bad line raises ValueError naming the file and line."""
    questions = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            questions.append(Question.model_validate_json(line))
        except ValidationError as exc:
            raise ValueError(f"{path}:{lineno}: not a valid question: {exc.errors()[0]['msg']}") from None
    if not questions:
        raise ValueError(f"{path}: no questions in the file")
    return questions


def first_gold_rank(question: Question, ranked: Sequence[tuple[str, int | None]]) -> int | None:
    """1-based rank of the first (law, article) in `ranked` that is a gold citation."""
    gold = {(normalise_title(g.law), g.article) for g in question.gold}
    for rank, (title, article) in enumerate(ranked, start=1):
        if (normalise_title(title), article) in gold:
            return rank
    return None


def gold_coverage(question: Question, ranked: Sequence[tuple[str, int | None]], k: int = 5) -> float:
    """Share of the question's distinct gold articles found in the top k."""
    gold = {(normalise_title(g.law), g.article) for g in question.gold}
    top = {(normalise_title(t), a) for t, a in ranked[:k]}
    return len(gold & top) / len(gold) if gold else 0.0


def summarise(rows: Sequence[dict]) -> dict:
    """Recall@k, MRR and (where several gold articles) gold coverage@5 of per-question rows."""
    n = len(rows)
    metrics: dict = {"n": n}
    for k in KS:
        metrics[f"recall@{k}"] = sum(1 for r in rows if r["rank"] and r["rank"] <= k) / n if n else 0.0
    metrics["mrr"] = sum(1 / r["rank"] for r in rows if r["rank"]) / n if n else 0.0
    multi = [r["coverage@5"] for r in rows if r["golds"] > 1]
    metrics["gold_coverage@5"] = sum(multi) / len(multi) if multi else None
    return metrics


def score_retrieval(questions: Sequence[Question],
                    rank: Callable[[str], Sequence[tuple[str, int | None]]],
                    depth: int = max(KS)) -> tuple[dict, list[dict]]:
    """Recall@k and MRR over the answerable questions; returns (metrics, per-question rows)."""
    rows = []
    for q in questions:
        if q.expect != "answer":
            continue
        ranked = list(rank(q.query))[:depth]
        rows.append({"id": q.id, "query": q.query, "rank": first_gold_rank(q, ranked),
                     "channel": q.channel, "topic": q.topic,
                     "golds": len({(normalise_title(g.law), g.article) for g in q.gold}),
                     "coverage@5": gold_coverage(q, ranked)})
    return summarise(rows), rows


def breakdown(rows: Sequence[dict], key: str) -> dict[str, dict]:
    """The same metrics per value of `key` (channel, topic)."""
    values = sorted({r[key] for r in rows})
    return {v: summarise([r for r in rows if r[key] == v]) for v in values}


def score_refusals(questions: Sequence[Question], refuses: Callable[[str], bool]) -> tuple[dict, list[dict]]:
    """Refusal accuracy on refuse_or_escalate questions, with the answerable ones wrongly refused."""
    rows = [{"id": q.id, "query": q.query, "expect": q.expect, "refused": refuses(q.query)} for q in questions]
    must = [r for r in rows if r["expect"] == "refuse_or_escalate"]
    may = [r for r in rows if r["expect"] == "answer"]
    metrics = {
        "n_refuse": len(must),
        "refusal_accuracy": sum(r["refused"] for r in must) / len(must) if must else None,
        "wrongly_refused": sum(r["refused"] for r in may),
        "wrongly_refused_rate": sum(r["refused"] for r in may) / len(may) if may else 0.0,
    }
    return metrics, rows
