"""Automatic judge of answer quality against `answer_points` (shared/eval/README.md).

A point is covered when every number in it appears in the answer after normalising
(二十 ↔ 20, 天 ↔ 日, full-width digits) and enough of its key terms appear too. Numbers, time
limits and money must be exact; wording may differ. Validated against a reading by hand
(docs/answering.md).
"""

import json
import re
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path

import jieba

from assistant.article import INLINE_ITEMS_RE
from assistant.numerals import cn_to_int
from assistant.scoring import Question
from assistant.tokenize import STOPWORDS

CN_NUMBER_RE = re.compile(r"[零〇一二两三四五六七八九十百千万]+")
# A Chinese numeral is a number only before a counter: 二十日, 三个月, 百分之五 — not 一户, 统一.
COUNTER = r"(?=(?:个)?(?:工作日|日|天|月|年|周|小时|元|倍|%|平方米|亩|层|米|份|人|次|项|条|款)|$)"
NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")
TERM_COVERAGE = 0.6


def normalise(text: str) -> str:
    """Full-width → ASCII, Chinese numerals before a counter → digits, 天 → 日, 百分之N → N%."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"百分之([零〇一二两三四五六七八九十百]+)", lambda m: f"{cn_to_int(m.group(1))}%", text)
    text = re.sub(CN_NUMBER_RE.pattern + COUNTER, lambda m: str(cn_to_int(m.group(0))), text)
    text = text.replace("天", "日").replace("周岁", "岁")
    return re.sub(r"\s+", "", text)


def key_terms(point: str) -> list[str]:
    words = jieba.lcut(re.sub(r"[^\w]", " ", point))
    return [w for w in dict.fromkeys(words) if len(w) >= 2 and w not in STOPWORDS and not w.isdigit()]


SENTENCE_RE = re.compile(r"[^。；！？\n|]+")
LIST_START_RE = re.compile(f"[：:]{INLINE_ITEMS_RE.pattern}")


def _statements(answer: str) -> list[str]:
    """The answer's sentences, and each item of a quoted list read with its heading, as the law
    reads it ("……给予警告，并处二十万元以下的罚款：（一）损毁测量标志" states the fine for that act).
    Heading and all items together are not one statement: 60% of a fact's terms spread over a
    whole list credited facts whose item was left out (measured on dev2-judged)."""
    out = SENTENCE_RE.findall(answer)
    for line in answer.split("\n"):
        if m := LIST_START_RE.search(line):
            heading = re.split(r"[。！？]", line[:m.start()])[-1]
            items = [item for item in INLINE_ITEMS_RE.split(line[m.end():]) if item]
            out += [heading + item for item in items]
    return out


def point_covered(point: str, answer: str) -> bool:
    """Every number exact, and most key terms within one sentence of the answer (terms
    scattered over several quoted articles do not make a fact stated)."""
    p = normalise(point)
    numbers = NUMBER_RE.findall(p)
    terms = key_terms(p)
    for sentence in _statements(answer):
        s = normalise(sentence)
        found = set(NUMBER_RE.findall(s))
        if any(n not in found for n in numbers):
            continue
        if not terms or sum(1 for t in terms if t in s) / len(terms) >= TERM_COVERAGE:
            return True
    return False


def judge_agreement(path: Path) -> dict:
    """How often the judge agrees with a reading by hand (JSONL: answer, points, by_hand)."""
    pairs = [(point_covered(p, row["answer"]), hand)
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
             for row in [json.loads(line)] for p, hand in zip(row["points"], row["by_hand"])]
    return {"points": len(pairs), "agreement": sum(a == b for a, b in pairs) / len(pairs),
            "judge_yes_hand_no": sum(a and not b for a, b in pairs),
            "judge_no_hand_yes": sum(b and not a for a, b in pairs)}


def score_answers(questions: Sequence[Question], answer: Callable[[str], dict]) -> tuple[dict, list[dict]]:
    """Coverage, full coverage, refusals, length and paraphrase consistency, per channel too.

    `answer(query)` returns {"text", "summary", "refused", "first_citation"}.
    """
    rows = []
    for q in questions:
        got = answer(q.query)
        wanted = q.answer_points
        covered = [point_covered(p, got["text"]) for p in wanted] if not got["refused"] else [False] * len(wanted)
        rows.append({"id": q.id, "query": q.query, "channel": q.channel, "group": q.group, "expect": q.expect,
                     "refused": got["refused"], "summary": got["summary"], "text": got["text"],
                     "first_citation": got["first_citation"], "points": wanted, "covered": covered})
    return summarise_answers(rows), rows


def _numbers(text: str) -> frozenset[str]:
    return frozenset(NUMBER_RE.findall(normalise(text)))


def summarise_answers(rows: Sequence[dict]) -> dict:
    answerable = [r for r in rows if r["expect"] == "answer" and r["points"]]
    must_refuse = [r for r in rows if r["expect"] != "answer"]
    may = [r for r in rows if r["expect"] == "answer"]
    n_points = sum(len(r["points"]) for r in answerable)
    answered = [r for r in rows if not r["refused"]]
    groups: dict[str, list[dict]] = {}
    for r in rows:
        if r["group"] and r["expect"] == "answer":
            groups.setdefault(r["group"], []).append(r)
    consistent = [len({(g["first_citation"], _numbers(g["summary"])) for g in members}) == 1
                  for members in groups.values()]
    return {
        "n": len(rows),
        "point_coverage": sum(sum(r["covered"]) for r in answerable) / n_points if n_points else None,
        "fully_covered": sum(all(r["covered"]) for r in answerable) / len(answerable) if answerable else None,
        "refusal_accuracy": sum(r["refused"] for r in must_refuse) / len(must_refuse) if must_refuse else None,
        "false_refusals": sum(r["refused"] for r in may) / len(may) if may else 0.0,
        "paraphrase_groups": len(consistent),
        "paraphrase_consistent": sum(consistent),
        "summary_max_chars": max((len(r["summary"]) for r in answered), default=0),
        "summary_mean_chars": sum(len(r["summary"]) for r in answered) / len(answered) if answered else 0.0,
        "text_mean_chars": sum(len(r["text"]) for r in answered) / len(answered) if answered else 0.0,
    }
