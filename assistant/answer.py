"""Cited answers: a curated FAQ first, else sentences extracted from the top passages, else
an honest "no basis" with where to turn. Every answer sentence carries its [n] citation."""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field, computed_field

from assistant.compose import Composition, compose
from assistant.faq_match import FaqEntry, FaqMatcher
from assistant.question import Intent, analyse
from assistant.retrieval import SOURCE_KIND_DESCRIPTION, Filters, Hit, Searcher, SourceKind, source_kind_of
from assistant.scope import ScopeGuard
from assistant.validity import DocumentState, validity_answer
from assistant.vocabularies import ReviewReason, label

if TYPE_CHECKING:
    from assistant.db import Faq
    from assistant.generate import LlmComposer

log = logging.getLogger(__name__)

NO_BASIS = "未找到明确依据"
ESCALATION = "建议转人工坐席或由市民拨打 12345 热线、在网上留言，由承办部门答复。"
CASE_STATUS = "个人办件进度需要核实身份和受理编号，请联系受理窗口或转办理部门查询。"


class Citation(BaseModel):
    n: int
    passage_id: str
    citation: str
    title: str
    label: str
    url: str
    text: str
    quotes: list[str] = Field(default_factory=list, description="本条中被答复引用的原文句子（页面高亮）")
    status: str = Field("有效", description="条文所属文件的效力：有效/已修改/已废止/失效")
    effective_date: str = Field("", description="文件施行日期（YYYY-MM-DD），未知时为空")
    change: ReviewReason | None = Field(None, description=(
        "标准答复待复核时此条依据自审核以来的变化：changed 条文已变更，repealed 依据已废止或失效，"
        "removed 条文已删除（此时 text 为审核时的原文）"))

    @computed_field(description=SOURCE_KIND_DESCRIPTION)  # type: ignore[prop-decorator]
    @property
    def source_kind(self) -> SourceKind:
        return source_kind_of(self.url)


class AnswerPoint(BaseModel):
    text: str = Field(description="条文原文")
    n: int = Field(description="对应 citations 的编号")
    citation: str = Field(description="《简称》第X条")


class Answer(BaseModel):
    kind: Literal["faq", "passages", "no_basis"]
    text: str
    summary: str = Field("", description="一句话结论（≤60字，坐席可直接念）")
    points: list[AnswerPoint] = []
    citations: list[Citation]
    faq_id: int | None = None
    review_warning: str | None = None
    reason: Literal["out_of_scope", "weak_evidence", "case_status"] | None = None
    escalation: str | None = None
    evidence: float = 0.0
    confidence: Literal["有依据", "需核实"] | None = None
    asks: list[str] = Field(default_factory=list, description="问题类型：deadline/fee/who/yes_no/…")
    hits: list[Hit] = []

    @property
    def refused(self) -> bool:
        return self.kind == "no_basis"


def citation_for(n: int, hit: Hit, quotes: list[str] | None = None, change: ReviewReason | None = None) -> Citation:
    return Citation(n=n, passage_id=hit.passage_id, citation=hit.citation, title=hit.title,
                    label=hit.label, url=hit.url, text=hit.text, quotes=quotes or [], status=hit.status,
                    effective_date=hit.effective_date, change=change)


def extractive_answer(question: str, intent: Intent, terms: set[str], hits: list[Hit],
                      sanctions: Callable[[Hit], list[Hit]] | None = None,
                      remedies: Callable[[str], list[Hit]] | None = None) -> tuple[Composition, list[Citation]]:
    """Summary and quoted points from the top passages, with their citations."""
    composed = compose(question, intent, terms, hits, sanctions=sanctions, remedies=remedies)
    citations = [citation_for(n, hit, [p.text for p in composed.points if p.n == n])
                 for n, hit in enumerate(composed.used, start=1)]
    return composed, citations


@dataclass
class Answerer:
    searcher: Searcher
    scope: ScopeGuard
    faqs: FaqMatcher
    llm: "LlmComposer | None" = None

    @classmethod
    def create(cls, searcher: Searcher, *, scope: ScopeGuard | None = None, faqs: FaqMatcher | None = None,
               llm: "LlmComposer | None" = None) -> "Answerer":
        """The one way to build an Answerer. The service passes its long-lived scope guard, FAQ
        matcher and LLM; without them (CLI, benchmarks, tests) the scope examples come from
        settings and no FAQ answers."""
        c = searcher.settings.calibration
        return cls(searcher,
                   scope or ScopeGuard(searcher.encoder, searcher.settings.scope_path, c.scope_margin),
                   faqs or FaqMatcher(searcher.encoder, c.faq_threshold), llm)

    def answer(self, question: str, *, audiences: frozenset[str] = frozenset({"public"}),
               filters: Filters = Filters(), top_k: int = 5) -> Answer:
        s = self.searcher.settings
        c = s.calibration
        question = self.searcher.validate(question)
        vector = self.searcher.encode(question)
        faq = self.faqs.match(vector, audiences)
        if faq is not None:
            entry, similarity = faq
            return Answer(kind="faq", text=entry.answer, summary=entry.answer if len(entry.answer) <= 60 else "",
                          citations=entry.citations, faq_id=entry.id, review_warning=entry.review_warning,
                          evidence=similarity, confidence="需核实" if entry.review_warning else "有依据")
        intent = analyse(question)
        if intent.personal_case:
            return self._no_basis("case_status", CASE_STATUS)
        validity = validity_answer(question, self.searcher.register)
        if validity is not None:
            return self._validity(*validity)
        verdict = self.scope.check(vector, question)
        hits = self.searcher.search(question, top_k, filters, vector=vector)
        top_dense = max((h.dense_score for h in hits), default=0.0)
        evidence = verdict.margin + (top_dense - c.evidence_dense_reference)
        if self.scope.named_topic(question):
            evidence -= c.named_topic_penalty  # "违停罚款" names traffic even when it sounds like 罚款 rules
        if not hits or evidence < c.evidence_threshold:
            reason = "out_of_scope" if not verdict.in_scope else "weak_evidence"
            return self._no_basis(reason, verdict.referral or ESCALATION, evidence, hits)
        terms = (set(self.searcher.tokenizer.tokens(question))
                 | set(self.searcher.synonyms.expansions(question, cues=False)))
        # A rule that gives way to a higher law on its matter is shown among the hits, never read out.
        basis = [h for h in hits if not h.superseded_by]
        composed, citations = extractive_answer(question, intent, terms, basis, self.searcher.sanctions,
                                                 self.searcher.remedy_articles)
        text = composed.text
        generated = self.llm.compose(question, basis[:s.llm_passages]) if self.llm else None
        if generated is not None:
            text, citations = generated
        # The evidence score does not separate right from wrong first citations; the lead of
        # the top passage over the others does, and so does a summary that states no time,
        # amount or 可以/不得 when one was asked for (docs/answering.md).
        lead = hits[0].dense_score - max((h.dense_score for h in hits[1:]), default=0.0)
        confidence = "有依据" if lead >= c.confident_dense_gap and composed.concluded else "需核实"
        return Answer(kind="passages", text=text, summary=composed.summary,
                      points=[AnswerPoint(text=p.text, n=p.n, citation=p.citation) for p in composed.points]
                      if generated is None else [],
                      citations=citations, evidence=evidence, confidence=confidence,
                      asks=list(intent.kinds), hits=hits)

    def _validity(self, text: str, versions: list[DocumentState]) -> Answer:
        """Whether the named document is in force, each version cited with its status: a repealed
        one is named as repealed, never quoted as the rule."""
        citations = []
        for n, doc in enumerate(versions, start=1):
            row = self.searcher.index.row_of(doc.first_passage)
            if row is not None:
                hit = self.searcher.hit(row)
                citations.append(citation_for(n, hit.model_copy(update={"label": "", "text": ""})))
        return Answer(kind="passages", text=text, summary=text if len(text) <= 60 else text.split("。")[0] + "。",
                      citations=citations, confidence="有依据", asks=["validity"])

    @staticmethod
    def _no_basis(reason, escalation: str, evidence: float = 0.0,
                  hits: list[Hit] | None = None) -> Answer:
        return Answer(kind="no_basis", text=f"{NO_BASIS}。{escalation}", summary=f"{NO_BASIS}。",
                      citations=[], reason=reason, escalation=escalation, evidence=evidence, hits=hits or [])


def servable_faqs(published: Iterable["Faq"], searcher: Searcher) -> list[FaqEntry]:
    """The published FAQs the answerer may serve, cited from the live index.

    A FAQ flagged 待复核 (assistant.faq_review) is served with a warning and each changed
    citation marked with its change and its document's status (a removed one shows the text the
    FAQ was reviewed against); when one of its reasons is in `stale_faq_portal_withdraw` it is
    served to agents only. A FAQ not flagged that cites a passage gone or not in force (published
    so, or not yet checked against this index) is left out until an editor looks at it."""
    withdraw = set(searcher.settings.stale_faq_portal_withdraw)
    entries = []
    for faq in published:
        changes = {c["passage_id"]: c for c in faq.review_changes}
        citations: list[Citation] = []
        for pid in faq.citations:
            change = changes.get(pid)
            row = searcher.index.row_of(pid)
            hit = searcher.hit(row) if row is not None else None
            if change is None and (hit is None or hit.status != "有效"):
                citations = []
                break
            n = len(citations) + 1
            if hit is None:
                pin = faq.pins.get(pid, {})
                citations.append(Citation(n=n, passage_id=pid, citation=change["citation"], title=pin.get("title", ""),
                                          label=pin.get("label", ""), url=change["url"], text=change["old_text"] or "",
                                          status=change["old_status"] or "", change="removed"))
            else:
                citations.append(citation_for(n, hit, change=change["reason"] if change else None))
        if not citations:
            log.warning("FAQ %s cites a passage gone or not in force, or nothing; not served", faq.id)
            continue
        withdrawn = faq.audience == "public" and bool(withdraw & {c["reason"] for c in faq.review_changes})
        entries.append(FaqEntry(id=faq.id, question=faq.question, answer=faq.answer, citations=citations,
                                audience="agent" if withdrawn else faq.audience, phrasings=tuple(faq.alternatives),
                                review_warning=review_warning(faq.review_changes)))
    return entries


def review_warning(changes: list[dict[str, Any]]) -> str | None:
    """What an agent is told about a FAQ flagged 待复核, or None when it is not."""
    if not changes:
        return None
    items = "；".join(f"{c['citation']}（{label('faq_review_reasons', c['reason'])}）" for c in changes)
    return f"依据已变更，待复核：{items}。请核对现行条文后再答复。"
