"""FAQ curation for editors: CRUD, submit → publish → retire, history."""

from typing import Literal

from fastapi import APIRouter, Query

from api.deps import EditorKey, SessionDep, StateDep
from api.errors import ApiError
from api.schemas import FaqCreate, FaqPatch, Offset, RowId
from assistant import faqs as store

router = APIRouter(prefix="/v1/faqs", tags=["faqs"])
def _check_citations(state, citations: list[str]) -> None:
    index = state.searcher.index
    unknown = [c for c in citations if index.row_of(c) is None]
    if unknown:
        raise ApiError(422, f"引用的条文不存在：{'、'.join(unknown[:5])}", "unknown_citation")


@router.get("", summary="FAQ 列表")
def list_faqs(session: SessionDep, _: EditorKey,
              status: Literal["draft", "in_review", "published", "retired"] | None = None,
              topic: str | None = None, audience: Literal["agent", "public"] | None = None,
              q: str | None = Query(None, max_length=200), stale: bool | None = None,
              limit: int = Query(100, ge=1, le=500), offset: Offset = 0) -> list[dict]:
    rows = store.list_faqs(session, status=status, topic=topic, audience=audience, q=q, stale=stale,
                           limit=limit, offset=offset)
    return [store.faq_to_dict(f) for f in rows]


@router.post("", status_code=201, summary="新建 FAQ（草稿）")
def create(body: FaqCreate, state: StateDep, session: SessionDep, key: EditorKey) -> dict:
    _check_citations(state, body.citations)
    faq = store.create_faq(session, store.FaqIn(**body.model_dump()), author=key.name)
    return store.faq_to_dict(faq)


@router.get("/{faq_id}", summary="查看 FAQ")
def get(faq_id: RowId, session: SessionDep, _: EditorKey) -> dict:
    return store.faq_to_dict(store.get_faq(session, faq_id))


@router.patch("/{faq_id}", summary="修改 FAQ（已发布的修改后回到待审核）")
def patch(faq_id: RowId, body: FaqPatch, state: StateDep, session: SessionDep, key: EditorKey) -> dict:
    changes = body.model_dump(exclude_unset=True)
    if "citations" in changes:
        _check_citations(state, changes["citations"] or [])
    faq = store.update_faq(session, faq_id, changes, actor=key.name)
    session.commit()
    state.reload_faqs()
    return store.faq_to_dict(faq)


def _transition(action, faq_id: int, state, session, actor: str) -> dict:
    faq = action(session, faq_id, actor)
    session.commit()
    # Publishing or retiring takes effect at once: the matcher reloads from the database.
    state.reload_faqs()
    return store.faq_to_dict(faq)


@router.post("/{faq_id}/submit", summary="提交审核")
def submit(faq_id: RowId, state: StateDep, session: SessionDep, key: EditorKey) -> dict:
    return _transition(store.submit_faq, faq_id, state, session, key.name)


@router.post("/{faq_id}/publish", summary="审核通过并发布")
def publish(faq_id: RowId, state: StateDep, session: SessionDep, key: EditorKey) -> dict:
    return _transition(store.publish_faq, faq_id, state, session, key.name)


@router.post("/{faq_id}/retire", summary="下线")
def retire(faq_id: RowId, state: StateDep, session: SessionDep, key: EditorKey) -> dict:
    return _transition(store.retire_faq, faq_id, state, session, key.name)


@router.get("/{faq_id}/history", summary="版本历史")
def history(faq_id: RowId, session: SessionDep, _: EditorKey) -> list[dict]:
    rows = store.faq_history(session, faq_id)
    return [{"version": r.version, "action": r.action, "actor": r.actor, "at": r.at.isoformat(),
             "snapshot": r.snapshot} for r in rows]
