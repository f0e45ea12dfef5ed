"""Browse the live index: documents, their passages, one passage."""

from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import AgentKey, StateDep
from api.errors import ApiError
from api.schemas import DocumentDetailOut, DocumentOut, DocumentsOut, PassageOut

router = APIRouter(prefix="/v1", tags=["documents"])
DOC_FIELDS = ("title", "doc_type", "issuer", "region", "status", "url", "effective_date")


def _documents(state) -> dict[str, dict]:
    docs: dict[str, dict] = {}
    for p in state.searcher.index.passages:
        doc = docs.setdefault(p.doc_id, {"id": p.doc_id, **{k: getattr(p, k) for k in DOC_FIELDS}, "passages": 0})
        doc["passages"] += 1
    return docs


@router.get("/documents", summary="文件列表")
def list_documents(state: StateDep, _: AgentKey, status: str | None = None,
                   q: str | None = Query(None, max_length=100)) -> DocumentsOut:
    state.refresh_index()
    docs = [d for d in _documents(state).values()
            if (status is None or d["status"] == status) and (not q or q in (d["title"] or ""))]
    return DocumentsOut(index_version=state.searcher.index.version,
                        documents=[DocumentOut.model_validate(d) for d in docs])


@router.get("/documents/{doc_id:path}", summary="文件及其条文")
def get_document(doc_id: Annotated[str, Path(max_length=300)], state: StateDep, _: AgentKey) -> DocumentDetailOut:
    doc = _documents(state).get(doc_id)
    if doc is None:
        raise ApiError(404, f"未找到文件：{doc_id}")
    passages = [{"id": p.id, "label": p.label, "chapter": p.chapter}
                for p in state.searcher.index.passages if p.doc_id == doc_id]
    return DocumentDetailOut.model_validate({**doc, "passages": passages})


@router.get("/passages/{passage_id:path}", summary="单条条文")
def get_passage(passage_id: Annotated[str, Path(max_length=300)], state: StateDep, _: AgentKey) -> PassageOut:
    index = state.searcher.index
    row = index.row_of(passage_id)
    if row is None:
        raise ApiError(404, f"未找到条文：{passage_id}")
    p = index.passages[row]
    return PassageOut(id=p.id, text=p.text, citation=state.searcher.hit(row).citation, **p.metadata())
