"""Extractive answers an agent can read out: a one-sentence summary, conclusion first, then the
supporting sentences quoted exactly, one line per article, each with its [n].

Sentences are chosen by the question's words and by the kind of answer asked for
(assistant/question.py): a 期限 question takes the sentence with the time expression, a 谁
question the one naming the authority. Lists keep their heading and matching items.
"""

import re
from dataclasses import dataclass

from assistant.article import Unit, units
from assistant.question import ANSWER_PATTERNS, Intent
from assistant.retrieval import Hit

CN_PREFIX = "中华人民共和国"
SUMMARY_CHARS = 60
MAX_ITEMS = 8
MAX_TOP_UNITS = 4
ITEM_MATCH = 0.6  # an item is quoted when it matches the question at least this well as the best item
SHORT_ARTICLE_CHARS = 220
RETRIEVAL_MARGIN = 0.35  # fused-score distance from the top within which another article may join
CLAUSE_RE = re.compile(r"[^，；：。！？]+[，；：。！？]?")
TIME_RE = re.compile(r"(?:[\d零〇一二两三四五六七八九十百]+|半)(?:个)?(?:工作日|日|天|月|年|小时)(?:内|以内|之内)?")
NEGATIVE_RE = re.compile(r"不得|禁止|严禁|不予|不能|不准|无权|不属于|无效|不收取|不允许")
POSITIVE_RE = re.compile(r"可以|有权|允许|准予|有效")
OBLIGATION_RE = re.compile(r"应当|必须|需要|须经")
PREDICATE_RE = re.compile(r"应当|可以|不得|必须|禁止|有权|由.{1,30}(?:负责|批准|审批|决定|办理)|予以|给予|属于")
ILLEGAL_Q_RE = re.compile(r"违法|违规|合法|犯法")
EXCEPTION_RE = re.compile(r"^(?:但是|但|除.{0,30}外|然而)")
FREE_RE = re.compile(r"不收取费用|免收|免费|无偿")
AMOUNT_RE = re.compile(r"[\d零〇一二两三四五六七八九十百千万]+元|百分之[零〇一二三四五六七八九十]+(?:以上|以下)?")


@dataclass(frozen=True)
class Point:
    text: str          # quoted exactly from the article
    n: int             # its [n] in the citations
    citation: str      # 《短名》第X条


@dataclass(frozen=True)
class Composition:
    summary: str
    points: list[Point]
    used: list[Hit]    # the articles quoted, in [n] order

    @property
    def text(self) -> str:
        """The readable paragraph: summary, then one line per quoted sentence."""
        return "\n".join([self.summary, *(f"{p.citation}：{p.text}[{p.n}]" for p in self.points)])


def short_title(title: str) -> str:
    return title[len(CN_PREFIX):] if title.startswith(CN_PREFIX) else title


def short_citation(hit: Hit) -> str:
    return f"《{short_title(hit.title)}》{hit.label}"


def _overlap(text: str, terms: set[str]) -> float:
    # Longer terms are more specific: 宅基地 says more than 申请.
    return sum(min(len(t), 4) for t in terms if len(t) >= 2 and t in text)


def _score(text: str, terms: set[str], intent: Intent) -> float:
    bonus = 0.0
    for i, kind in enumerate(intent.kinds):
        if ANSWER_PATTERNS[kind].search(text):
            bonus += 4.0 if i == 0 else 2.0
    return _overlap(text, terms) + bonus


def _best_items(unit: Unit, terms: set[str], intent: Intent) -> tuple[int, ...] | None:
    """The items of a list worth quoting: those the question touches, else all (capped)."""
    if not unit.items:
        return None
    overlaps = [_overlap(item, terms) for item in unit.items]
    top = max(overlaps)
    matched = tuple(i for i, o in enumerate(overlaps) if o > 0 and o >= top * ITEM_MATCH)
    if matched and len(matched) < len(unit.items):
        return matched[:MAX_ITEMS]
    return tuple(range(min(len(unit.items), MAX_ITEMS)))


@dataclass(frozen=True)
class _Scored:
    unit: Unit
    score: float
    index: int


def _rule_of(chosen: _Scored, scored: list[_Scored]) -> _Scored:
    """The rule an exception ("但是……") qualifies: quoting the exception alone says the opposite."""
    if not EXCEPTION_RE.match(chosen.unit.text):
        return chosen
    before = next((s for s in scored if s.index == chosen.index - 1
                   and s.unit.paragraph == chosen.unit.paragraph), None)
    return before or chosen


def _ranked_units(hit: Hit, terms: set[str], intent: Intent) -> list[_Scored]:
    scored = [_Scored(u, _score(u.quote(), terms, intent), i) for i, u in enumerate(units(hit.text))]
    return sorted(scored, key=lambda s: (-s.score, s.index))


PERMISSION_Q_RE = re.compile(r"能不能|能否|可不可以|可以.{0,12}吗|能.{0,12}吗|允许|行不行|准不准")
NEED_Q_RE = re.compile(r"需要|需不需要|要不要|必须|是否要|得不得")
AUTHORITY_RE = re.compile(r"由([^，；。由]{2,30}?(?:人民法院|人民政府|主管部门|部门|机关|机构|委员会))"
                          r"(负责|管辖|审核|批准|审批|核发|办理|登记|组织|责令|决定|实施|处理)")


def _lead(clause: str, unit_text: str, question: str, intent: Intent) -> str:
    """The conclusion an agent says first: 可以/不可以, N日内, 由X部门, 不收费."""
    kind = intent.primary
    if kind == "deadline" and (m := TIME_RE.search(clause) or TIME_RE.search(unit_text)):
        return f"时限：{m.group(0)}。"
    if kind == "fee":
        if FREE_RE.search(clause):
            return "不收费。"
        if m := AMOUNT_RE.search(clause):
            return f"金额：{m.group(0)}。"
    if kind == "who" and (m := AUTHORITY_RE.search(clause)):
        return f"由{m.group(1)}{m.group(2)}。"
    if kind == "yes_no":
        if ILLEGAL_Q_RE.search(question) and NEGATIVE_RE.search(clause):
            return "属于违法行为。"
        if PERMISSION_Q_RE.search(question):
            if NEGATIVE_RE.search(clause):
                return "不可以。"
            if POSITIVE_RE.search(clause):
                return "可以。"
        if NEED_Q_RE.search(question) and OBLIGATION_RE.search(clause):
            return "需要。"
    return ""


def _clauses(text: str) -> list[str]:
    return [c for c in CLAUSE_RE.findall(text) if c.strip()]


def _is_condition(clause: str) -> bool:
    """A "……的，" clause frames the rule; the clause after it answers."""
    return clause.rstrip("，；：。").endswith("的")


def _answer_clause(text: str, terms: set[str], intent: Intent, extend: bool = True) -> str:
    """The shortest run of clauses that carries the answer: the best clause, with its
    condition ("……的，") before it, or its consequence after it when it is the condition or
    (with `extend`) only names the matter."""
    clauses = _clauses(text)
    if not clauses:
        return text
    best = max(range(len(clauses)), key=lambda i: (_score(clauses[i], terms, intent), -i))
    start, end = best, best + 1

    if _is_condition(clauses[best]) and best + 1 < len(clauses):
        end = best + 2
    elif not PREDICATE_RE.search(clauses[best]) and best + 1 < len(clauses) \
            and PREDICATE_RE.search(clauses[best + 1]) and extend:
        end = best + 2  # "征收……房屋，" only names the matter; "应当……给予公平补偿" is the rule
    elif best > 0 and _is_condition(clauses[best - 1]):
        start = best - 1
    elif intent.parts > 1 and best > 0 and _overlap(clauses[best - 1], terms) > 0:
        start = best - 1  # a two-part question: the clause before may answer the other part
    return "".join(clauses[start:end]).rstrip("，；：。")


def _fit(clause: str, budget: int, terms: set[str], intent: Intent) -> str:
    """The clause within budget: whole, else its best part, else cut at a word boundary."""
    if len(clause) <= budget:
        return clause
    parts = _clauses(clause)
    if len(parts) > 1:
        answers = [c for c in parts if not _is_condition(c)] or parts
        best = max(answers, key=lambda c: _score(c, terms, intent)).rstrip("，；：。")
        if len(best) <= budget:
            return best
        clause = best
    cut = clause[: budget - 1]
    boundary = max(cut.rfind("、"), cut.rfind("的"), cut.rfind("或者"), cut.rfind("和"))
    return (cut[:boundary] if boundary >= budget // 2 else cut) + "…"


def summarise(question: str, hit: Hit, unit: Unit, terms: set[str], intent: Intent) -> str:
    """One sentence of at most SUMMARY_CHARS, conclusion first, the law by its short name."""
    cite = f"（{short_citation(hit)}）"
    text = unit.quote()
    for extend in (True, False):
        # The matter with its rule when both fit whole; cut, the rule could lose its subject.
        clause = _answer_clause(text, terms, intent, extend)
        lead = _lead(clause, text, question, intent)
        if len(lead) + len(clause) + len(cite) <= SUMMARY_CHARS:
            break
    budget = SUMMARY_CHARS - len(cite) - len(lead)
    body = _fit(clause, budget, terms, intent) if budget >= 8 else ""
    summary = f"{lead}{body}{cite}"
    return summary if len(summary) <= SUMMARY_CHARS else f"{lead}{cite}"[:SUMMARY_CHARS]


def compose(question: str, intent: Intent, terms: set[str], hits: list[Hit],
            max_articles: int = 3) -> Composition:
    """Summary from the best article; points from every article the question needs."""
    if not hits:
        return Composition("", [], [])
    ranked = [(hit, _ranked_units(hit, terms, intent)) for hit in hits[:max_articles]]
    ranked = [(h, r) for h, r in ranked if r]
    if not ranked:
        return Composition("", [], [])
    top_hit, top_units = ranked[0]
    top_best = top_units[0].score
    # A second article earns a line when the question has several parts or kinds, or when it
    # answers the question as well as the first does (the same rule in national and Beijing law).
    several = intent.parts > 1 or intent.wants("compare")
    used: list[tuple[Hit, list[_Scored]]] = [(top_hit, top_units)]
    for hit, scored in ranked[1:]:
        close = hit.score >= top_hit.score - RETRIEVAL_MARGIN
        if close and scored[0].score >= top_best * (0.6 if several else 0.9) and scored[0].score > 0:
            used.append((hit, scored))
    points: list[Point] = []
    for n, (hit, scored) in enumerate(used, start=1):
        best = scored[0].score
        take = [scored[0]]
        if n == 1:
            # A short article is quoted whole; a long one by its sentences that answer.
            short = sum(len(s.unit.quote()) for s in scored) <= SHORT_ARTICLE_CHARS
            take += [s for s in scored[1:MAX_TOP_UNITS] if short or s.score >= max(best * 0.5, 1.0)]
        take += [_rule_of(s, scored) for s in take]
        for s in sorted({s.index: s for s in take}.values(), key=lambda s: s.index):
            keep = _best_items(s.unit, terms, intent)
            points.append(Point(s.unit.quote(keep), n, short_citation(hit)))
    summary = summarise(question, top_hit, _rule_of(top_units[0], top_units).unit, terms, intent)
    return Composition(summary, points, [h for h, _ in used])
