"""接诉即办 work orders: import and push, the queue, one order with its history, lifecycle
actions, classification, draft replies, and statistics. The logic is in assistant.workorders.

Which roles may act on orders, urge and import, and see callers' contact data in full is
configured (Settings.order_*_roles); everyone else gets 403, or masked contact data.
"""

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, BackgroundTasks, Path, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.deps import AgentKey, SessionDep, StateDep
from api.errors import ApiError
from api.schemas import (
    CategoryIn,
    HotspotsOut,
    IssueOut,
    OrderActionIn,
    OrderDetailOut,
    OrderEventOut,
    OrderImportOut,
    OrderOut,
    OrderPushIn,
    OrdersOut,
    OrderStatsOut,
    RowId,
)
from api.state import AppState
from assistant import spreadsheets
from assistant.db import ApiKey, WorkOrder, utcnow
from assistant.events import ORDER_CATEGORY
from assistant.vocabularies import OrderStatus, RequestType
from assistant.redact import redact
from assistant.workorders import handling, hotspots, importer, lifecycle, report, stats
from assistant.workorders.orders import OrderFilter, get_order, history, list_orders, order_view

router = APIRouter(prefix="/v1/orders", tags=["orders"])
Action = Literal[tuple(lifecycle.TRANSITIONS)]  # type: ignore[valid-type]
Dimension = Literal[tuple(stats.DIMENSIONS)]  # type: ignore[valid-type]
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MAX_RANGE_DAYS = 3660
Start = Annotated[date, Query(description="受理日期自（含）")]
End = Annotated[date, Query(description="受理日期至（含）")]


def _period(start: date, end: date) -> stats.Period:
    if end < start:
        raise ApiError(422, "结束日期不能早于开始日期")
    if (end - start).days > MAX_RANGE_DAYS:
        raise ApiError(422, "统计区间最长十年")
    return stats.Period.days(start, end)


def _allowed(key: ApiKey, roles: list[str], what: str) -> None:
    if key.role not in roles:
        raise ApiError(403, f"当前密钥角色为 {key.role}，不能{what}（可由 {'、'.join(roles)} 操作）。")


def _out(state: AppState, key: ApiKey, order: WorkOrder) -> OrderOut:
    return OrderOut.model_validate(order_view(order, utcnow(), key.role in state.settings.order_contact_roles))


def _import(state: AppState, session, parsed, actor: str, tasks: BackgroundTasks) -> OrderImportOut:
    result = importer.import_orders(session, parsed, actor)
    unclassified = [o.id for o in result.orders if not o.category_l1]
    # After the response, hence after the request's commit: the import never waits on the encoder.
    tasks.add_task(handling.classify_later, state.sessions, state.orders, unclassified, actor)
    return OrderImportOut(**result.as_dict(), classifying=len(unclassified))


@router.post("/import", status_code=201, summary="导入 12345 平台导出的工单（CSV 或 XLSX；按工单编号更新，任一行有误则不导入）",
             openapi_extra={"requestBody": {"required": True, "content": {
                 "text/csv": {"schema": {"type": "string"}},
                 spreadsheets.XLSX_MIME: {"schema": {"type": "string", "format": "binary"}}}}})
async def import_file(request: Request, state: StateDep, session: SessionDep, key: AgentKey, tasks: BackgroundTasks,
                      format: Literal["csv", "xlsx"] | None = None) -> OrderImportOut:
    _allowed(key, state.settings.order_supervisor_roles, "导入工单")
    data = await request.body()
    fmt = spreadsheets.sniff_format(data, request.headers.get("content-type"), format)
    desk = state.orders

    def work() -> OrderImportOut:
        parsed = importer.parse_orders(data, fmt, desk.mapping, desk.limits, desk.calendar)
        return _import(state, session, parsed, key.name, tasks)

    return await run_in_threadpool(work)


@router.post("", status_code=201, summary="平台推送工单（JSON；按工单编号更新，任一条有误则不接收）")
def push(body: OrderPushIn, state: StateDep, session: SessionDep, key: AgentKey, tasks: BackgroundTasks) -> OrderImportOut:
    _allowed(key, state.settings.order_supervisor_roles, "推送工单")
    desk = state.orders
    parsed = importer.parse_table(importer.records_table(body.orders), desk.mapping, desk.limits, desk.calendar)
    return _import(state, session, parsed, key.name, tasks)


@router.get("", summary="工单列表（超期、临期在前）")
def list_(state: StateDep, session: SessionDep, key: AgentKey,
          status: OrderStatus | None = None, request_type: RequestType | None = None,
          district: str | None = Query(None, max_length=32), category: str | None = Query(None, max_length=64),
          handler: str | None = Query(None, max_length=200), channel: str | None = Query(None, max_length=32),
          deadline: Literal["overdue", "due_soon"] | None = None,
          start: date | None = Query(None, description="受理日期自（含）"),
          end: date | None = Query(None, description="受理日期至（含）"),
          q: str | None = Query(None, max_length=200),
          limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=2**31 - 1)) -> OrdersOut:
    where = OrderFilter(status=status, request_type=request_type, district=district, category=category,
                        handler=handler, channel=channel, deadline=deadline,
                        start=stats.Period.days(start, start).start if start else None,
                        end=stats.Period.days(end, end).end if end else None, q=q)
    total, rows = list_orders(session, where, utcnow(), limit, offset)
    return OrdersOut(total=total, orders=[_out(state, key, o) for o in rows])


@router.get("/stats", summary="工单统计：分类、类型、区域、渠道、承办单位、状态，同比环比与三率")
def statistics(session: SessionDep, _: AgentKey, start: Start, end: End,
               dimensions: list[Dimension] = Query(  # type: ignore[valid-type]
                   ["category_l1", "request_type", "district", "channel", "handler", "status"])) -> OrderStatsOut:
    period = _period(start, end)
    return OrderStatsOut(start=period.start, end=period.end, rates=stats.rates(session, period),
                         breakdowns={d: stats.breakdown(session, period, d) for d in dimensions},
                         daily=stats.daily(session, period))


@router.get("/report", summary="月报、专刊或年度总结（DOCX 含图表，或 XLSX 数据表）", response_class=Response,
            responses={200: {"content": {DOCX_MIME: {}, spreadsheets.XLSX_MIME: {}}, "description": "文件下载"}})
def report_file(state: StateDep, session: SessionDep, _: AgentKey, start: Start, end: End,
                kind: Literal["month", "range", "year"] = "month",
                format: Literal["docx", "xlsx"] = "docx") -> Response:
    period = _period(start, end)
    figures = report.gather(session, period, report.title_for(period, kind), state.batcher.encode_many,
                            state.settings.calibration.order_group_threshold)
    data = report.render_docx(figures) if format == "docx" else report.render_xlsx(figures)
    name = f"report-{start:%Y%m%d}-{end:%Y%m%d}.{format}"
    return Response(data, media_type=DOCX_MIME if format == "docx" else spreadsheets.XLSX_MIME,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/hotspots", summary="高频问题与突发热点")
def hot(state: StateDep, session: SessionDep, _: AgentKey, start: Start, end: End) -> HotspotsOut:
    period = _period(start, end)
    issues = hotspots.high_frequency(session, period, state.batcher.encode_many,
                                     state.settings.calibration.order_group_threshold)
    return HotspotsOut(issues=[IssueOut(text=redact(i.text), count=i.count, previous=i.previous, category=i.category,
                                        hot=i.hot, numbers=i.numbers) for i in issues],
                       streets=hotspots.hot_streets(session, period))


@router.get("/{order_id}", summary="工单详情与处理记录")
def get(order_id: RowId, state: StateDep, session: SessionDep, key: AgentKey) -> OrderDetailOut:
    order = get_order(session, order_id)
    return OrderDetailOut(**_out(state, key, order).model_dump(),
                          history=[OrderEventOut.model_validate(e, from_attributes=True)
                                   for e in history(session, order_id)])


@router.post("/{order_id}/actions/{action}", summary="办理：接单、转办、退单、延期、催办、答复、转回访、回访")
def act(order_id: RowId, action: Annotated[Action, Path(description="操作")], body: OrderActionIn,
        state: StateDep, session: SessionDep, key: AgentKey) -> OrderOut:
    roles = state.settings.order_supervisor_roles if action == "urge" else state.settings.order_transition_roles
    _allowed(key, roles, "催办工单" if action == "urge" else "办理工单")
    order = get_order(session, order_id, lock=True)
    lifecycle.act(session, order, action, key.name, body.note, handler=body.handler, due_at=body.due_at,
                  contacted=body.contacted, resolved=body.resolved, satisfaction=body.satisfaction)
    return _out(state, key, order)


@router.post("/{order_id}/classify", summary="自动分类（建议，待人工确认）")
def classify(order_id: RowId, state: StateDep, session: SessionDep, key: AgentKey) -> OrderOut:
    _allowed(key, state.settings.order_transition_roles, "办理工单")
    order = get_order(session, order_id, lock=True)
    order.category_confirmed = False
    handling.classify(session, state.orders, [order], key.name)
    return _out(state, key, order)


@router.put("/{order_id}/category", summary="人工确认或更正分类（分类器随即学习）")
def set_category(order_id: RowId, body: CategoryIn, state: StateDep, session: SessionDep, key: AgentKey) -> OrderOut:
    _allowed(key, state.settings.order_transition_roles, "办理工单")
    order = get_order(session, order_id, lock=True)
    handling.set_category(session, state.orders, order, body.category, key.name)
    state.publish_after_commit(session, ORDER_CATEGORY, {"order_id": order.id})
    return _out(state, key, order)


@router.post("/{order_id}/draft", summary="用知识库起草带引用的答复")
def draft(order_id: RowId, state: StateDep, session: SessionDep, key: AgentKey) -> OrderOut:
    _allowed(key, state.settings.order_transition_roles, "办理工单")
    order = get_order(session, order_id, lock=True)
    state.refresh_index()
    handling.draft_reply(session, state.answerer, order, key.name, state.searcher.synonyms.terms())
    return _out(state, key, order)
