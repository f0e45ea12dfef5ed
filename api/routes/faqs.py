"""FAQ curation for editors: CRUD, submit → publish → retire → restore, revisions of published
FAQs, bulk transitions, hit-testing, history, and the 待复核 queue (FAQs whose cited passages a
new index changed, repealed or removed; assistant.faq_review).

The request's session commits when a route returns; the FAQ matcher reloads after that commit
(assistant.faqs.on_faq_commit), so a publish, retire or review takes effect before the response
is sent. Creating, editing, publishing and reviewing pin citations to the live index.
"""

from typing import Literal

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from api.deps import EditorKey, SessionDep, StateDep
from api.errors import ApiError
from api.schemas import (BulkIn, BulkOut, BulkResultOut, DuplicateOut, FaqCreate, FaqOut, FaqPatch, FaqVersionOut,
                         HitTestFaqOut, HitTestIn, HitTestOut, Offset, ReviewCountsOut, RowId)
from api.state import AppState
from assistant.db import Faq
from assistant import faqs as store
from assistant.errors import DomainError
from assistant.faq_review import review_counts
from assistant.querylog import link_gaps
from assistant.vocabularies import Audience, FaqRevisionStatus, FaqStatus, ReviewReason

router = APIRouter(prefix="/v1/faqs", tags=["faqs"])
HIT_TEST_FAQS = 5
HIT_TEST_PASSAGES = 5
BulkAction = Literal["submit", "publish", "retire"]


def _check_citations(state: AppState, citations: list[str]) -> None:
    index = state.searcher.index
    unknown = [c for c in citations if index.row_of(c) is None]
    if unknown:
        raise ApiError(422, f"引用的条文不存在：{'、'.join(unknown[:5])}", "unknown_citation")


def _out(faq: Faq, duplicates: list[store.Duplicate] | None = None) -> FaqOut:
    return FaqOut.model_validate(store.faq_to_dict(faq) | {
        "duplicates": [DuplicateOut.model_validate(d, from_attributes=True) for d in duplicates or []]})


@router.get("", summary="FAQ 列表")
def list_faqs(session: SessionDep, _: EditorKey, status: FaqStatus | None = None,
              topic: str | None = None, audience: Audience | None = None,
              q: str | None = Query(None, max_length=200), stale: bool | None = None,
              review: bool | None = Query(None, description="true：待复核（依据已变更、废止或删除）；false：无需复核"),
              review_reason: ReviewReason | None = Query(None, description="只看此原因的待复核 FAQ"),
              revision: FaqRevisionStatus | None = Query(None, description="只看修订处于此状态的已发布 FAQ"),
              limit: int = Query(100, ge=1, le=500), offset: Offset = 0) -> list[FaqOut]:
    rows = store.list_faqs(session, status=status, topic=topic, audience=audience, q=q, stale=stale,
                           review=review, review_reason=review_reason, revision=revision, limit=limit, offset=offset)
    return [_out(f) for f in rows]


@router.post("", status_code=201, summary=(
    "新建 FAQ（草稿；与已有 FAQ 相同或几乎相同时在 duplicates 中提示；gap_ids：据此起草的缺口，发布后关闭）"))
def create(body: FaqCreate, state: StateDep, session: SessionDep, key: EditorKey) -> FaqOut:
    _check_citations(state, body.citations)
    content = store.FaqContent.model_validate(body.model_dump(exclude={"gap_ids"}))
    faq = store.create_faq(session, content, author=key.name, index=state.searcher.index)
    link_gaps(session, body.gap_ids, faq.id)
    cosine = store.near_duplicate_cosine(state.settings.calibration.faq_threshold)
    duplicates = store.find_duplicates(session, [faq.question], state.batcher.encode_many, cosine, exclude=faq.id)
    return _out(faq, duplicates[0])


# Declared before /{faq_id}, which would otherwise take "review-counts" for an id.
@router.get("/review-counts", summary="待复核 FAQ 数（按原因）")
def counts(session: SessionDep, _: EditorKey) -> ReviewCountsOut:
    by_reason = review_counts(session)
    return ReviewCountsOut(total=sum(by_reason.values()), by_reason=by_reason)


@router.post("/hit-test", summary="命中测试：此问题会由哪条 FAQ（相似度与阈值）或哪些条文（得分）答复；不记入问答日志")
def hit_test(body: HitTestIn, state: StateDep, _: EditorKey) -> HitTestOut:
    state.refresh_index()
    audiences = frozenset({"public"}) if body.audience == "public" else frozenset({"agent", "public"})
    answer = state.answerer.answer(body.question, audiences=audiences)
    threshold = state.faqs.threshold
    ranked = state.faqs.ranked(state.searcher.encode(body.question), audiences, HIT_TEST_FAQS)
    passages = answer.hits or state.searcher.search(body.question, HIT_TEST_PASSAGES)
    return HitTestOut(
        question=body.question, audience=body.audience, threshold=threshold, kind=answer.kind,
        faq_id=answer.faq_id, reason=answer.reason, evidence=answer.evidence,
        faqs=[HitTestFaqOut(id=entry.id, question=entry.question, similarity=round(similarity, 4),
                            answers=similarity >= threshold) for entry, similarity in ranked],
        passages=passages[:HIT_TEST_PASSAGES], index_version=state.searcher.index.version)


@router.post("/bulk/{action}", summary="批量提交审核、发布或下线：逐条给出结果（成功，或不能执行的原因）")
def bulk(action: BulkAction, body: BulkIn, state: StateDep, session: SessionDep, key: EditorKey) -> BulkOut:
    results = []
    for faq_id in body.ids:
        try:
            faq = _transition(action, faq_id, state, session, key.name)
        except DomainError as exc:  # checked before anything changed: the other ids go on
            results.append(BulkResultOut(id=faq_id, ok=False, code=exc.code, message=exc.message))
        else:
            results.append(BulkResultOut(id=faq_id, ok=True, status=faq.status, version=faq.version))
    return BulkOut(done=sum(r.ok for r in results), failed=sum(not r.ok for r in results), results=results)


def _transition(action: str, faq_id: int, state: AppState, session: Session, actor: str) -> Faq:
    if action == "submit":
        return store.submit_faq(session, faq_id, actor)
    if action == "publish":
        return store.publish_faq(session, faq_id, actor, index=state.searcher.index,
                                 self_publish=state.settings.faq_self_publish)
    return store.retire_faq(session, faq_id, actor)


@router.get("/{faq_id}", summary="查看 FAQ")
def get(faq_id: RowId, session: SessionDep, _: EditorKey) -> FaqOut:
    return _out(store.get_faq(session, faq_id))


@router.patch("/{faq_id}", summary="修改 FAQ（已发布的修改成为修订草稿，审核通过前门户和坐席端仍用已发布的版本）")
def patch(faq_id: RowId, body: FaqPatch, state: StateDep, session: SessionDep, key: EditorKey) -> FaqOut:
    changes = body.model_dump(exclude_unset=True)
    if "citations" in changes:
        _check_citations(state, changes["citations"] or [])
    return _out(store.update_faq(session, faq_id, changes, actor=key.name, index=state.searcher.index))


@router.post("/{faq_id}/submit", summary="提交审核（草稿，或已发布 FAQ 的修订草稿）")
def submit(faq_id: RowId, state: StateDep, session: SessionDep, key: EditorKey) -> FaqOut:
    return _out(_transition("submit", faq_id, state, session, key.name))


@router.post("/{faq_id}/publish", summary="审核通过并发布（作者本人不能发布；修订审核通过后替换已发布的内容）")
def publish(faq_id: RowId, state: StateDep, session: SessionDep, key: EditorKey) -> FaqOut:
    return _out(_transition("publish", faq_id, state, session, key.name))


@router.post("/{faq_id}/review", summary="已复核：依据变化后答复仍然成立（依据按当前条文重新核定，清除待复核）")
def review(faq_id: RowId, state: StateDep, session: SessionDep, key: EditorKey) -> FaqOut:
    return _out(store.review_faq(session, faq_id, key.name, state.searcher.index))


@router.post("/{faq_id}/retire", summary="下线")
def retire(faq_id: RowId, state: StateDep, session: SessionDep, key: EditorKey) -> FaqOut:
    return _out(_transition("retire", faq_id, state, session, key.name))


@router.post("/{faq_id}/restore", summary="恢复已下线的 FAQ 为草稿（需重新审核发布）")
def restore(faq_id: RowId, state: StateDep, session: SessionDep, key: EditorKey) -> FaqOut:
    return _out(store.restore_faq(session, faq_id, key.name, state.searcher.index))


@router.post("/{faq_id}/discard", summary="放弃修订（已发布的内容不变）")
def discard(faq_id: RowId, session: SessionDep, key: EditorKey) -> FaqOut:
    return _out(store.discard_revision(session, faq_id, key.name))


@router.get("/{faq_id}/history", summary="版本历史（发布记录含作者与审核人）")
def history(faq_id: RowId, session: SessionDep, _: EditorKey) -> list[FaqVersionOut]:
    return [FaqVersionOut(version=r.version, action=r.action, actor=r.actor, at=r.at, snapshot=r.snapshot,
                          authors=r.snapshot.get("authors", []), reviewer=r.snapshot.get("reviewer"))
            for r in store.faq_history(session, faq_id)]
