"""What the web pages need beyond the core API: who a key belongs to, gaps grouped by meaning,
FAQ import (with its template) and export. Routes are thin; the logic is in assistant.gaps and
assistant.faq_io.

Include this router before api.routes.faqs: GET /v1/faqs/export and /v1/faqs/import-template
would otherwise be taken for GET /v1/faqs/{faq_id}.
"""

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.deps import AgentKey, EditorKey, SessionDep, StateDep
from api.schemas import GapGroupOut, GapGroupsOut, GapTriageIn, GapTriageOut, ImportOut, ImportSkippedOut, WhoAmIOut
from assistant import faq_io, querylog, spreadsheets
from assistant import faqs as store
from assistant.db import BEIJING
from assistant.gaps import GapQuery, group_gaps
from assistant.vocabularies import FaqStatus

router = APIRouter(prefix="/v1", tags=["desk"])
FILE_RESPONSE = {200: {"content": {"text/csv": {}, spreadsheets.XLSX_MIME: {}}, "description": "文件下载"}}


def _file(data: bytes, name: str, fmt: str) -> Response:
    media = spreadsheets.XLSX_MIME if fmt == "xlsx" else "text/csv; charset=utf-8"
    return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'})


@router.get("/whoami", summary="当前密钥的名称与角色（页面登录用）")
def whoami(key: AgentKey) -> WhoAmIOut:
    return WhoAmIOut(name=key.name, role=key.role, prefix=key.prefix)


@router.get("/analytics/gaps/grouped", summary="知识缺口按语义分组（编辑）")
def gaps_grouped(session: SessionDep, state: StateDep, _: EditorKey,
                 limit: int = Query(500, ge=1, le=2000),
                 threshold: float | None = Query(None, ge=0.0, le=1.0,
                                                 description="相似度阈值；默认取当前问题编码器的校准值")) -> GapGroupsOut:
    rows = querylog.gaps(session, limit)
    queries = [GapQuery(id=r.id, query=r.query, at=r.at, channel=r.channel, refused=r.refused, reason=r.reason,
                        faq_id=r.gap_faq_id) for r in rows]
    if threshold is None:
        threshold = state.settings.calibration.gap_group_threshold
    groups = group_gaps(queries, state.batcher.encode_many, threshold)
    return GapGroupsOut(threshold=threshold, total=len(queries),
                        groups=[GapGroupOut.model_validate(g.to_dict()) for g in groups])


@router.post("/analytics/gaps/triage", summary="处理知识缺口：忽略、不属于本部门或已处理（须填原因），移出缺口队列")
def triage_gaps(body: GapTriageIn, session: SessionDep, key: EditorKey) -> GapTriageOut:
    return GapTriageOut(updated=querylog.triage_gaps(session, body.query_ids, body.triage, body.note, key.name))


@router.get("/faqs/export", summary="导出 FAQ（CSV 或 XLSX，北京时间，引用写作《简称》第X条；编辑）",
            response_class=Response, responses=FILE_RESPONSE)
def export(session: SessionDep, state: StateDep, _: EditorKey, format: Literal["csv", "xlsx"] = "csv",
           status: FaqStatus | None = None) -> Response:
    rows = store.list_faqs(session, status=status, limit=1_000_000)
    citations = faq_io.CitationResolver(state.searcher.index.passages)
    data = faq_io.export_faqs(reversed(rows), format, citations)  # oldest first, as they were written
    return _file(data, f"faqs-{datetime.now(BEIJING):%Y%m%d-%H%M}", format)


@router.get("/faqs/import-template", summary="FAQ 导入模板（列名和一行示例；编辑）", response_class=Response,
            responses=FILE_RESPONSE)
def import_template(_: EditorKey, format: Literal["csv", "xlsx"] = "csv") -> Response:
    return _file(faq_io.import_template(format), "faq-import-template", format)


@router.post("/faqs/import", status_code=201, summary=(
                 "导入 FAQ（CSV 或 XLSX，全部成为草稿；任一行有误则不导入；与已有 FAQ 重复的行跳过并列出）"),
             openapi_extra={"requestBody": {"required": True, "content": {
                 "text/csv": {"schema": {"type": "string"}},
                 spreadsheets.XLSX_MIME: {"schema": {"type": "string", "format": "binary"}}}}})
async def import_(request: Request, state: StateDep, session: SessionDep, key: EditorKey,
                  format: Literal["csv", "xlsx"] | None = None) -> ImportOut:
    data = await request.body()
    fmt = spreadsheets.sniff_format(data, request.headers.get("content-type"), format)
    citations = faq_io.CitationResolver(state.searcher.index.passages)
    cosine = store.near_duplicate_cosine(state.settings.calibration.faq_threshold)
    # One transaction (the request's): every row becomes a draft, or a refused row raises and none does.
    result = await run_in_threadpool(faq_io.import_faqs, session, data, fmt, key.name, citations,
                                     state.batcher.encode_many, cosine)
    return ImportOut(created=len(result.created), ids=[f.id for f in result.created],
                     skipped=[ImportSkippedOut.model_validate(s, from_attributes=True) for s in result.skipped])
