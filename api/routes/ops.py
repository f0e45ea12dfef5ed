"""Feedback, health, readiness, metrics, index versions, analytics, API keys and the audit log."""

import logging
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import PlainTextResponse, Response
from sqlalchemy import text

from api.deps import AdminKey, EditorKey, OptionalKey, RateLimited, SessionDep, StateDep
from api.errors import ApiError
from api.schemas import (
    ActiveIndexOut,
    AuditEntryOut,
    AuditPageOut,
    DailyOut,
    DayOut,
    FeedbackIn,
    FeedbackOut,
    IndexVersionOut,
    KeyCreatedOut,
    KeyIn,
    KeyOut,
    Offset,
    QueryLogOut,
    ReadyOut,
    RowId,
    StatusOut,
    TopQuestionOut,
    VocabularyItem,
)
from assistant import audit, keys
from assistant import index as index_store
from assistant import querylog
from assistant.db import ApiKey
from assistant.redact import redact
from assistant.text_fields import Plain
from assistant.vocabularies import LABELS, label
from ingest.publish import activate_version
from ingest.runs import COUNT_LABELS, PAGE_PROBLEMS, gate_record, note_manual_activation

log = logging.getLogger(__name__)
router = APIRouter(tags=["ops"])
# The product's code lists, plus the admin page's: audit actions, crawl-run counts, page problems.
VOCABULARIES = {**LABELS, "audit_actions": audit.ACTION_LABELS, "crawl_counts": COUNT_LABELS,
                "crawl_page_statuses": PAGE_PROBLEMS}
AuditAction = Literal[audit.ACTIONS]  # type: ignore[valid-type]
AuditKind = Literal[audit.KINDS]  # type: ignore[valid-type]


@router.post("/v1/feedback", status_code=201, summary="对答复的评价（所有用户）", dependencies=[RateLimited])
def feedback(body: FeedbackIn, session: SessionDep, key: OptionalKey) -> FeedbackOut:
    channel = "agent" if key is not None else "portal"
    row = querylog.add_feedback(session, query_log_id=body.log_id, rating=body.rating,
                                comment=redact(body.comment) if body.comment else None, channel=channel)
    return FeedbackOut(id=row.id, rating=row.rating)


@router.get("/v1/meta/vocabularies", summary="代码表：文件类型、效力、FAQ 状态、受众、评价等的中文名称")
def vocabularies() -> dict[str, list[VocabularyItem]]:
    return {name: [VocabularyItem(value=v, label=t) for v, t in items.items()] for name, items in VOCABULARIES.items()}


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
    """Each version's manifest (with what it changed), and the gate's figures where a gate ran."""
    root = state.settings.index_path
    return [IndexVersionOut.model_validate({**m, "gate": gate_record(root, m["version"])})
            for m in index_store.list_versions(root)]


@router.post("/v1/indexes/{version}/activate", summary="启用或回滚索引版本（管理员）")
def activate(version: Annotated[str, Path(max_length=128, pattern=index_store.VERSION_RE.pattern,
                                          description="索引版本名，如 20261205-231900-79214d31")],
             state: StateDep, session: SessionDep, key: AdminKey) -> ActiveIndexOut:
    previous = index_store.current_version(state.settings.index_path)
    activate_version(state.settings, version)
    # Before this request's own writes: the switch re-checks the FAQs in a session of its own,
    # and SQLite has one writer at a time.
    state.refresh_index(force=True)
    run = note_manual_activation(session, version, key.name)
    audit.record(session, key, "index_activate", f"index/{version}",
                 f"由 {previous or '（无）'} 切换到 {version}"
                 + (f"；该版本未通过回归检验，已记入抓取任务 #{run.id}" if run else ""))
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


def _key_out(key: ApiKey, caller: ApiKey) -> KeyOut:
    return KeyOut.model_validate(key, from_attributes=True).model_copy(update={"current": key.id == caller.id})


@router.get("/v1/keys", summary="API 密钥：角色、创建和最近使用时间（管理员）")
def list_keys(session: SessionDep, key: AdminKey) -> list[KeyOut]:
    return [_key_out(k, key) for k in keys.list_keys(session)]


@router.post("/v1/keys", status_code=201, summary="创建 API 密钥；完整密钥只在此返回一次（管理员）")
def create_key(body: KeyIn, session: SessionDep, key: AdminKey) -> KeyCreatedOut:
    created, secret = keys.create_key(session, body.role, body.name)
    audit.record(session, key, "key_create", f"key/{created.id}",
                 f"名称 {created.name}，角色 {label('roles', created.role)}，前缀 {created.prefix}")
    return KeyCreatedOut(**_key_out(created, key).model_dump(), secret=secret)


@router.post("/v1/keys/{key_id}/revoke", summary="停用 API 密钥，立即生效（管理员）")
def revoke_key(key_id: RowId, session: SessionDep, key: AdminKey) -> KeyOut:
    """Revoking twice keeps the first time and is recorded once; the key in use cannot revoke
    itself (an admin would lock themselves out mid-session)."""
    if key_id == key.id:
        raise ApiError(409, "不能停用正在使用的密钥：请用另一个管理员密钥操作。")
    found = session.get(ApiKey, key_id)
    newly = found is not None and found.revoked_at is None
    revoked = keys.revoke_key(session, key_id)
    if newly:
        audit.record(session, key, "key_revoke", f"key/{revoked.id}",
                     f"名称 {revoked.name}，角色 {label('roles', revoked.role)}，前缀 {revoked.prefix}")
    return _key_out(revoked, key)


@router.get("/v1/audit", summary="操作日志：管理操作和 FAQ 编辑，新的在前（管理员）")
def audit_log(session: SessionDep, _: AdminKey,
              kind: AuditKind | None = Query(None, description="admin 管理操作；editorial FAQ 编辑"),
              action: AuditAction | None = Query(None, description="操作代码（见 vocabularies 的 audit_actions）"),
              actor: Annotated[Plain | None, Query(max_length=200, description="操作人（密钥名称）")] = None,
              target: Annotated[Plain | None, Query(max_length=400,
                                                   description="对象，如 key/3、faq/12、index/<版本>")] = None,
              start: date | None = Query(None, description="起始日期（北京时间，含）"),
              end: date | None = Query(None, description="截止日期（北京时间，含）"),
              limit: int = Query(50, ge=1, le=200), offset: Offset = 0) -> AuditPageOut:
    total, found = audit.entries(session, kind=kind, action=action, actor=actor, target=target, start=start,
                                 end=end, limit=limit, offset=offset)
    return AuditPageOut(total=total, entries=[AuditEntryOut.model_validate(e, from_attributes=True) for e in found])
