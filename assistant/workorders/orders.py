"""Querying work orders: filters, the deadline queue, and the view a role may see.

Caller name and phone are masked unless the role may see contact data; for those roles the
order text has phone and ID numbers redacted too (callers often say them in the text).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from assistant.db import WorkOrder, WorkOrderEvent
from assistant.errors import NotFound
from assistant.redact import redact
from assistant.vocabularies import label
from assistant.workorders.deadlines import DUE_SOON_HOURS, deadline_state
from assistant.workorders.lifecycle import OPEN


@dataclass(frozen=True)
class OrderFilter:
    status: str | None = None
    request_type: str | None = None
    district: str | None = None
    category: str | None = None       # a level-1 category
    handler: str | None = None
    channel: str | None = None
    deadline: str | None = None       # "overdue" or "due_soon"
    start: datetime | None = None     # received at or after
    end: datetime | None = None       # received before
    q: str | None = None

    def apply(self, stmt: Select, now: datetime) -> Select:
        for column, value in ((WorkOrder.status, self.status), (WorkOrder.request_type, self.request_type),
                              (WorkOrder.district, self.district), (WorkOrder.handler, self.handler),
                              (WorkOrder.category_l1, self.category), (WorkOrder.channel, self.channel)):
            if value is not None:
                stmt = stmt.where(column == value)
        if self.start is not None:
            stmt = stmt.where(WorkOrder.received_at >= self.start)
        if self.end is not None:
            stmt = stmt.where(WorkOrder.received_at < self.end)
        if self.q:
            stmt = stmt.where(or_(WorkOrder.content.icontains(self.q, autoescape=True),
                                  WorkOrder.number.icontains(self.q, autoescape=True),
                                  WorkOrder.address.icontains(self.q, autoescape=True)))
        if self.deadline == "overdue":
            stmt = stmt.where(WorkOrder.status.in_(OPEN), WorkOrder.due_at < now)
        elif self.deadline == "due_soon":
            stmt = stmt.where(WorkOrder.status.in_(OPEN), WorkOrder.due_at >= now,
                              WorkOrder.due_at <= now + timedelta(hours=DUE_SOON_HOURS))
        return stmt


def list_orders(s: Session, where: OrderFilter, now: datetime, limit: int = 100, offset: int = 0) -> tuple[int, list[WorkOrder]]:
    """(total matching, one page) — overdue and soonest-due open orders first."""
    total = s.scalar(where.apply(select(func.count()).select_from(WorkOrder), now)) or 0
    open_first = WorkOrder.status.in_(OPEN).desc()
    rows = s.scalars(where.apply(select(WorkOrder), now)
                     .order_by(open_first, WorkOrder.due_at, WorkOrder.id).limit(limit).offset(offset))
    return total, list(rows)


def get_order(s: Session, order_id: int, *, lock: bool = False) -> WorkOrder:
    # Row lock on PostgreSQL so two staff acting on one order queue instead of racing.
    order = s.get(WorkOrder, order_id, with_for_update=lock, populate_existing=lock)
    if order is None:
        raise NotFound(f"未找到编号为 {order_id} 的工单")
    return order


def history(s: Session, order_id: int) -> list[WorkOrderEvent]:
    return list(s.scalars(select(WorkOrderEvent).where(WorkOrderEvent.order_id == order_id)
                          .order_by(WorkOrderEvent.at, WorkOrderEvent.id)))


def mask_phone(phone: str) -> str:
    digits = phone.strip()
    return digits[:3] + "****" + digits[-4:] if len(digits) >= 8 else ("****" if digits else "")


def mask_name(name: str) -> str:
    name = name.strip()
    return name[0] + "*" * (len(name) - 1) if len(name) > 1 else name


def order_view(order: WorkOrder, now: datetime, contact: bool) -> dict[str, Any]:
    """What a role sees of an order: contact data in full only with `contact`."""
    return {
        "id": order.id, "number": order.number, "received_at": order.received_at, "channel": order.channel,
        "caller_name": order.caller_name if contact else mask_name(order.caller_name),
        "caller_phone": order.caller_phone if contact else mask_phone(order.caller_phone),
        "address": order.address if contact else redact(order.address),
        "district": order.district, "street": order.street,
        "request_type": order.request_type, "request_type_label": label("request_types", order.request_type),
        "content": order.content if contact else redact(order.content),
        "dispatcher": order.dispatcher, "handler": order.handler, "due_at": order.due_at,
        "deadline": deadline_state(order.due_at, now, order.status in OPEN),
        "status": order.status, "status_label": label("order_statuses", order.status),
        "category": [c for c in (order.category_l1, order.category_l2, order.category_l3) if c],
        "category_confidence": order.category_confidence, "category_confirmed": order.category_confirmed,
        "draft_reply": order.draft_reply, "draft_citations": order.draft_citations, "reply": order.reply,
        "replied_at": order.replied_at, "visit_contacted": order.visit_contacted,
        "visit_resolved": order.visit_resolved, "visit_satisfaction": order.visit_satisfaction,
        "duplicate": order.duplicate, "extra": order.extra if contact else {
            k: redact(str(v)) for k, v in order.extra.items()},
    }
