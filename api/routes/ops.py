"""Feedback, health, readiness, metrics, index versions and analytics."""

import logging
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import PlainTextResponse, Response
from sqlalchemy import text

from api.deps import AdminKey, EditorKey, OptionalKey, RateLimited, SessionDep, StateDep
from api.errors import ApiError
from api.schemas import (
    ActiveIndexOut,
    DailyOut,
    DayOut,
    FeedbackIn,
    FeedbackOut,
    IndexVersionOut,
    QueryLogOut,
    ReadyOut,
    StatusOut,
    TopQuestionOut,
    VocabularyItem,
)
from assistant import index as index_store
from assistant import querylog
from assistant.redact import redact
from assistant.vocabularies import LABELS
from ingest.runs import note_manual_activation

log = logging.getLogger(__name__)
router = APIRouter(tags=["ops"])


@router.post("/v1/feedback", status_code=201, summary="对答复的评价（所有用户）", dependencies=[RateLimited])
def feedback(body: FeedbackIn, session: SessionDep, key: OptionalKey) -> FeedbackOut:
    channel = "agent" if key is not None else "portal"
    row = querylog.add_feedback(session, query_log_id=body.log_id, rating=body.rating,
                                comment=redact(body.comment) if body.comment else None, channel=channel)
    return FeedbackOut(id=row.id, rating=row.rating)


@router.get("/v1/meta/vocabularies", summary="代码表：文件类型、效力、FAQ 状态、受众、评价等的中文名称")
def vocabularies() -> dict[str, list[VocabularyItem]]:
    return {name: [VocabularyItem(value=v, label=t) for v, t in items.items()] for name, items in LABELS.items()}


@router.get("/healthz", summary="存活检查")
def healthz() -> StatusOut:
    return StatusOut(status="ok")


@router.get("/readyz", summary="就绪检查（当前索引已加载、数据库可达）")
def readyz(state: StateDep) -> ReadyOut:
    try:
        with state.sessions() as s:
            s.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any DB failure means not ready
        raise ApiError(503, f"数据库不可用：{type(exc).__name__}") from None
    # Forced: the answer must be the live CURRENT even right after an activation; reading the
    # CURRENT file is cheap, and a version is loaded only when it differs from the served one.
    try:
        state.refresh_index(force=True)
    except Exception as exc:  # noqa: BLE001 - missing files, a corrupt FAISS or BM25 file: not ready
        live = index_store.current_version(state.settings.index_path)
        if live == state.searcher.index.version:
            raise  # the version loaded; what failed after it (the FAQ reload) has its own handler
        log.warning("index version %s cannot be loaded: %s: %s", live, type(exc).__name__, exc)
        raise ApiError(503, f"当前索引版本 {live} 无法加载（{type(exc).__name__}），仍在使用 "
                            f"{state.searcher.index.version}；请重建索引或回滚：hotline index activate <版本>") from None
    return ReadyOut(status="ready", index_version=state.searcher.index.version,
                    passages=len(state.searcher.index.passages), faqs=len(state.faqs))


@router.get("/metrics", summary="Prometheus 指标", response_class=PlainTextResponse)
def metrics(state: StateDep) -> Response:
    return Response(state.metrics.render(), media_type="text/plain; version=0.0.4")


@router.get("/v1/indexes", summary="索引版本（管理员）")
def indexes(state: StateDep, _: AdminKey) -> list[IndexVersionOut]:
    return [IndexVersionOut.model_validate(m) for m in index_store.list_versions(state.settings.index_path)]


@router.post("/v1/indexes/{version}/activate", summary="启用或回滚索引版本（管理员）")
def activate(version: Annotated[str, Path(max_length=128, pattern=index_store.VERSION_RE.pattern,
                                          description="索引版本名，如 20261205-231900-79214d31")],
             state: StateDep, session: SessionDep, key: AdminKey) -> ActiveIndexOut:
    index_store.activate(state.settings.index_path, version)
    note_manual_activation(session, version, key.name)
    state.refresh_index(force=True)
    return ActiveIndexOut(active=state.searcher.index.version)


@router.get("/v1/analytics/top-questions", summary="高频问题（编辑）")
def top_questions(session: SessionDep, _: EditorKey, limit: int = Query(20, ge=1, le=200)) -> list[TopQuestionOut]:
    return [TopQuestionOut.model_validate(q) for q in querylog.top_questions(session, limit)]


@router.get("/v1/analytics/gaps", summary="未能答复或差评的问题（编辑）")
def gaps(session: SessionDep, _: EditorKey, limit: int = Query(100, ge=1, le=500)) -> list[QueryLogOut]:
    return [QueryLogOut.model_validate(q, from_attributes=True) for q in querylog.gaps(session, limit)]


@router.get("/v1/analytics/daily", summary="每日问答量、FAQ 命中和拒答（编辑）")
def daily(session: SessionDep, _: EditorKey, days: int = Query(30, ge=1, le=365)) -> DailyOut:
    return DailyOut(days=[DayOut.model_validate(d) for d in querylog.daily_counts(session, days)],
                    faq_hit_rate=querylog.faq_hit_rate(session))
