"""FAQ curation for editors: CRUD, submit → publish → retire, history, and the 待复核 queue
(FAQs whose cited passages a new index changed, repealed or removed; assistant.faq_review).

The request's session commits when a route returns; the FAQ matcher reloads after that commit
(assistant.faqs.on_faq_commit), so a publish, retire or review takes effect before the response
is sent. Creating, editing, publishing and reviewing pin citations to the live index.
"""

from fastapi import APIRouter, Query

from api.deps import EditorKey, SessionDep, StateDep
from api.errors import ApiError
from api.schemas import FaqCreate, FaqOut, FaqPatch, FaqVersionOut, Offset, ReviewCountsOut, RowId
from assistant import faqs as store
from assistant.faq_review import review_counts
from assistant.vocabularies import Audience, FaqStatus, ReviewReason

router = APIRouter(prefix="/v1/faqs", tags=["faqs"])


def _check_citations(state, citations: list[str]) -> None:
    index = state.searcher.index
    unknown = [c for c in citations if index.row_of(c) is None]
    if unknown:
        raise ApiError(422, f"引用的条文不存在：{'、'.join(unknown[:5])}", "unknown_citation")


@router.get("", summary="FAQ 列表")
def list_faqs(session: SessionDep, _: EditorKey, status: FaqStatus | None = None,
              topic: str | None = None, audience: Audience | None = None,
              q: str | None = Query(None, max_length=200), stale: bool | None = None,
              review: bool | None = Query(None, description="true：待复核（依据已变更、废止或删除）；false：无需复核"),
              review_reason: ReviewReason | None = Query(None, description="只看此原因的待复核 FAQ"),
              limit: int = Query(100, ge=1, le=500), offset: Offset = 0) -> list[FaqOut]:
    rows = store.list_faqs(session, status=status, topic=topic, audience=audience, q=q, stale=stale,
                           review=review, review_reason=review_reason, limit=limit, offset=offset)
    return [_out(f) for f in rows]


@router.post("", status_code=201, summary="新建 FAQ（草稿）")
def create(body: FaqCreate, state: StateDep, session: SessionDep, key: EditorKey) -> FaqOut:
    _check_citations(state, body.citations)
    faq = store.create_faq(session, store.FaqContent.model_validate(body.model_dump()), author=key.name,
                           index=state.searcher.index)
    return _out(faq)


# Declared before /{faq_id}, which would otherwise take "review-counts" for an id.
@router.get("/review-counts", summary="待复核 FAQ 数（按原因）")
def counts(session: SessionDep, _: EditorKey) -> ReviewCountsOut:
    by_reason = review_counts(session)
    return ReviewCountsOut(total=sum(by_reason.values()), by_reason=by_reason)


@router.get("/{faq_id}", summary="查看 FAQ")
def get(faq_id: RowId, session: SessionDep, _: EditorKey) -> FaqOut:
    return _out(store.get_faq(session, faq_id))


@router.patch("/{faq_id}", summary="修改 FAQ（已发布的修改后回到待审核）")
def patch(faq_id: RowId, body: FaqPatch, state: StateDep, session: SessionDep, key: EditorKey) -> FaqOut:
    changes = body.model_dump(exclude_unset=True)
    if "citations" in changes:
        _check_citations(state, changes["citations"] or [])
    return _out(store.update_faq(session, faq_id, changes, actor=key.name, index=state.searcher.index))


def _out(faq) -> FaqOut:
    return FaqOut.model_validate(store.faq_to_dict(faq))


@router.post("/{faq_id}/submit", summary="提交审核")
def submit(faq_id: RowId, session: SessionDep, key: EditorKey) -> FaqOut:
    return _out(store.submit_faq(session, faq_id, key.name))


@router.post("/{faq_id}/publish", summary="审核通过并发布（依据按当前条文重新核定，清除待复核）")
def publish(faq_id: RowId, state: StateDep, session: SessionDep, key: EditorKey) -> FaqOut:
    return _out(store.publish_faq(session, faq_id, key.name, index=state.searcher.index))


@router.post("/{faq_id}/review", summary="已复核：依据变化后答复仍然成立（依据按当前条文重新核定，清除待复核）")
def review(faq_id: RowId, state: StateDep, session: SessionDep, key: EditorKey) -> FaqOut:
    return _out(store.review_faq(session, faq_id, key.name, state.searcher.index))


@router.post("/{faq_id}/retire", summary="下线")
def retire(faq_id: RowId, session: SessionDep, key: EditorKey) -> FaqOut:
    return _out(store.retire_faq(session, faq_id, key.name))


@router.get("/{faq_id}/history", summary="版本历史")
def history(faq_id: RowId, session: SessionDep, _: EditorKey) -> list[FaqVersionOut]:
    return [FaqVersionOut.model_validate(r, from_attributes=True) for r in store.faq_history(session, faq_id)]
