"""接诉即办 work orders, their event history, and staff classification corrections."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from assistant.db.base import Base, one_of, utcnow
from assistant.vocabularies import ORDER_ACTIONS, ORDER_STATUSES, REQUEST_TYPES


class WorkOrder(Base):
    """One order as 第十条 of the regulation records it. The caller's name and phone sit in
    their own columns, never in listings unless the role may see them."""

    __tablename__ = "work_orders"
    __table_args__ = (
        one_of("request_type", REQUEST_TYPES),
        one_of("status", ORDER_STATUSES),
        Index("ix_work_orders_received_at", "received_at"),
        Index("ix_work_orders_status_due_at", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)  # 工单编号
    received_at: Mapped[datetime]                                  # 受理时间
    channel: Mapped[str] = mapped_column(String(32), default="")   # 来源渠道
    caller_name: Mapped[str] = mapped_column(String(100), default="")
    caller_phone: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    district: Mapped[str] = mapped_column(String(32), default="", index=True)
    street: Mapped[str] = mapped_column(String(64), default="")
    request_type: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text)
    dispatcher: Mapped[str] = mapped_column(String(200), default="")  # 派单单位
    handler: Mapped[str] = mapped_column(String(200), default="")     # 承办单位
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    category_l1: Mapped[str] = mapped_column(String(64), default="", index=True)  # taxonomy levels
    category_l2: Mapped[str] = mapped_column(String(64), default="")
    category_l3: Mapped[str] = mapped_column(String(64), default="")
    category_confidence: Mapped[float | None] = mapped_column(Float)
    category_confirmed: Mapped[bool] = mapped_column(default=False)
    # The text's question-encoder vector (float32), kept from classification for grouping similar orders.
    vector: Mapped[bytes | None] = mapped_column(LargeBinary)
    draft_reply: Mapped[str] = mapped_column(Text, default="")
    draft_citations: Mapped[list[str]] = mapped_column(JSON, default=list)
    reply: Mapped[str] = mapped_column(Text, default="")
    replied_at: Mapped[datetime | None]
    visit_contacted: Mapped[bool | None]
    visit_resolved: Mapped[bool | None]
    visit_satisfaction: Mapped[str | None] = mapped_column(String(24))
    duplicate: Mapped[bool] = mapped_column(default=False)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)  # unmapped export columns, kept
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class WorkOrderEvent(Base):
    """What happened to an order: who, when, what, and the note (reason, reply, result)."""

    __tablename__ = "work_order_events"
    __table_args__ = (one_of("action", ORDER_ACTIONS),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
