"""Cited answers: a curated FAQ first, else sentences extracted from the top passages, else
an honest "no basis" with where to turn. Every answer sentence carries its [n] citation."""

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel

from assistant.faq_match import FaqMatcher
from assistant.retrieval import Filters, Hit, Searcher
from assistant.scope import ScopeGuard

if TYPE_CHECKING:
    from assistant.generate import LlmComposer

NO_BASIS = "未找到明确依据"
ESCALATION = "建议转人工坐席或由市民拨打 12345 热线、在网上留言，由承办部门答复。"
# A caller asking about their own file needs a clerk with access to it, not a statute.
CASE_STATUS_RE = re.compile(r"(办理进度|审批进度|申请进度|审核进度|进度|办到哪|到哪一步|到哪了|审核通过了吗|批下来了吗|"
                            r"什么时候有结果|办结了吗|我的工单|受理编号|受理号)")
SENTENCE_RE = re.compile(r"[^。；！？\n]+[。；！？]?")
LABEL_PREFIX_RE = re.compile(r"^第[零〇一二三四五六七八九十百千]+条(?:之[一二三四五六七八九十]+)?(?:（续）)?\s*")


class Citation(BaseModel):
    n: int
    passage_id: str
    citation: str
    title: str
    label: str
    url: str
    text: str


class Answer(BaseModel):
    kind: Literal["faq", "passages", "no_basis"]
    text: str
    citations: list[Citation]
    faq_id: int | None = None
    reason: Literal["out_of_scope", "weak_evidence", "case_status"] | None = None
    escalation: str | None = None
    evidence: float = 0.0
    hits: list[Hit] = []

    @property
    def refused(self) -> bool:
        return self.kind == "no_basis"


def citation_for(n: int, hit: Hit) -> Citation:
    return Citation(n=n, passage_id=hit.passage_id, citation=hit.citation, title=hit.title,
                    label=hit.label, url=hit.url, text=hit.text)


def _sentences(text: str) -> list[str]:
    body = LABEL_PREFIX_RE.sub("", text.strip())
    return [s.strip() for s in SENTENCE_RE.findall(body) if len(s.strip()) >= 6]


def compose_extractive(terms: set[str], hits: list[Hit], max_passages: int = 3,
                       max_sentences: int = 4) -> tuple[str, list[Citation]]:
    """The sentences of the top passages that share most words with the question, each with [n]."""
    lines: list[str] = []
    citations: list[Citation] = []
    for hit in hits[:max_passages]:
        sentences = _sentences(hit.text)
        if not sentences:
            continue
        scored = sorted(range(len(sentences)),
                        key=lambda i: (-sum(1 for t in terms if t in sentences[i]), i))
        take = 2 if not citations else 1
        chosen = sorted(scored[:take])
        n = len(citations) + 1
        citations.append(citation_for(n, hit))
        lines.extend(f"{sentences[i]}[{n}]" for i in chosen)
        if len(lines) >= max_sentences:
            break
    lead = f"依据{citations[0].citation}等规定：" if citations else ""
    return lead + "\n".join(lines[:max_sentences]), citations


@dataclass
class Answerer:
    searcher: Searcher
    scope: ScopeGuard
    faqs: FaqMatcher
    llm: "LlmComposer | None" = None

    def answer(self, question: str, *, audiences: frozenset[str] = frozenset({"public"}),
               filters: Filters = Filters(), top_k: int = 5) -> Answer:
        s = self.searcher.settings
        question = self.searcher.validate(question)
        vector = self.searcher.encode(question)
        faq = self.faqs.match(vector, audiences)
        if faq is not None:
            entry, similarity = faq
            return Answer(kind="faq", text=entry.answer, citations=entry.citations,
                          faq_id=entry.id, evidence=similarity)
        if CASE_STATUS_RE.search(question):
            return self._no_basis("case_status", "个人办件进度需要核实身份和受理编号，请联系受理窗口或转办理部门查询。")
        verdict = self.scope.check(vector)
        hits = self.searcher.search(question, top_k, filters, vector=vector)
        top_dense = max((h.dense_score for h in hits), default=0.0)
        evidence = verdict.margin + (top_dense - s.evidence_dense_reference)
        if not hits or evidence < s.evidence_threshold:
            reason = "out_of_scope" if not verdict.in_scope else "weak_evidence"
            return self._no_basis(reason, verdict.referral or ESCALATION, evidence, hits)
        generated = self.llm.compose(question, hits[:s.llm_passages]) if self.llm else None
        if generated is not None:
            text, citations = generated
        else:
            terms = set(self.searcher.tokenizer.tokens(question)) | set(self.searcher.synonyms.expansions(question))
            text, citations = compose_extractive(terms, hits)
        return Answer(kind="passages", text=text, citations=citations, evidence=evidence, hits=hits)

    @staticmethod
    def _no_basis(reason, escalation: str, evidence: float = 0.0,
                  hits: list[Hit] | None = None) -> Answer:
        return Answer(kind="no_basis", text=f"{NO_BASIS}。{escalation}", citations=[], reason=reason,
                      escalation=escalation, evidence=evidence, hits=hits or [])
