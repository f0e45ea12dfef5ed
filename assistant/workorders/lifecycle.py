"""The work-order state machine: which action is allowed in which status, and what it records.

待接单 pending → 办理中 in_progress → 已答复 replied → 待回访 awaiting_visit → 已归档 archived.
转办 (transfer) hands a pending or in-progress order to another unit, which must accept it
again; 退单 (return, 派单异议 per 第十二条) sends a pending order back to 12345; 申请延期 (extend,
第十五条) moves the deadline later with a reason; 催办 (urge) is a supervisor's note on any open
order. Every action appends an event (who, when, what, note); an action not allowed in the
order's status is a Conflict naming both.

Functions flush, never commit: the caller owns the transaction.
"""

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from assistant.db import WorkOrder, WorkOrderEvent, utcnow
from assistant.errors import Conflict, Invalid
from assistant.vocabularies import SATISFACTION, label

OPEN = ("pending", "in_progress")
# action -> (statuses it is allowed from, status it leads to; None = unchanged)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "accept": (("pending",), "in_progress"),
    "transfer": (OPEN, "pending"),
    "return": (("pending",), "returned"),
    "extend": (OPEN, None),
    "urge": (("pending", "in_progress", "replied", "awaiting_visit"), None),
    "reply": (("in_progress",), "replied"),
    "to_visit": (("replied",), "awaiting_visit"),
    "visit": (("awaiting_visit",), "archived"),
}
NEEDS_NOTE = {"transfer": "转办原因", "return": "退单理由", "extend": "延期理由", "urge": "催办要求", "reply": "答复内容"}


def record(s: Session, order: WorkOrder, action: str, actor: str, note: str = "",
           data: dict[str, Any] | None = None, at: datetime | None = None) -> WorkOrderEvent:
    at = at or utcnow()
    event = WorkOrderEvent(order_id=order.id, at=at, actor=actor, action=action, note=note, data=data or {})
    s.add(event)
    order.updated_at = at
    s.flush()
    return event


def act(s: Session, order: WorkOrder, action: str, actor: str, note: str = "", *,
        handler: str | None = None, due_at: datetime | None = None, contacted: bool | None = None,
        resolved: bool | None = None, satisfaction: str | None = None) -> WorkOrder:
    """Apply one lifecycle action to `order`, or raise Conflict / Invalid with the reason."""
    if action not in TRANSITIONS:
        raise Invalid(f"未知的工单操作：{action}")
    if not actor.strip():
        raise Invalid("操作人不能为空")
    allowed, target = TRANSITIONS[action]
    if order.status not in allowed:
        raise Conflict(f"工单 {order.number} 当前状态为「{label('order_statuses', order.status)}」，"
                       f"不能{label('order_actions', action)}", code="invalid_transition")
    note = note.strip()
    if action in NEEDS_NOTE and not note:
        raise Invalid(f"{label('order_actions', action)}需要填写{NEEDS_NOTE[action]}")
    data: dict[str, Any] = {"from": order.status}
    now = utcnow()
    if action == "transfer":
        if not (handler or "").strip():
            raise Invalid("转办需要指定新的承办单位")
        if handler == order.handler:
            raise Invalid(f"工单已由「{handler}」承办，转办需要另一个单位")
        data["handler"] = {"from": order.handler, "to": handler}
        order.handler = handler or ""
    elif action == "extend":
        if due_at is None or due_at <= order.due_at:
            raise Invalid("延期后的办理时限必须晚于当前时限")
        data["due_at"] = {"from": order.due_at.isoformat(), "to": due_at.isoformat()}
        order.due_at = due_at
    elif action == "reply":
        order.reply, order.replied_at = note, now
    elif action == "visit":
        if contacted is None:
            raise Invalid("回访需要填写是否联系上诉求人")
        if satisfaction is not None and satisfaction not in SATISFACTION:
            raise Invalid(f"满意度只能是：{'、'.join(label('satisfaction', v) for v in SATISFACTION)}")
        if not contacted and (resolved is not None or satisfaction is not None):
            raise Invalid("未联系上诉求人时，不能填写解决情况和满意度")
        order.visit_contacted, order.visit_resolved, order.visit_satisfaction = contacted, resolved, satisfaction
        data["visit"] = {"contacted": contacted, "resolved": resolved, "satisfaction": satisfaction}
    if target is not None:
        order.status = target
    data["to"] = order.status
    record(s, order, action, actor, note, data, now)
    return order
