"""What staff do with an order beyond its lifecycle: classify it, correct the category, and
draft a cited reply with the same Answerer the agent console uses.

Functions flush, never commit: the caller owns the transaction.
"""

import time
from collections.abc import Sequence

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from assistant.answer import Answerer
from assistant.db import WorkOrder
from assistant.errors import Conflict
from assistant.querylog import log_query
from assistant.redact import redact
from assistant.transcript import extract_query
from assistant.workorders.classify import Path3
from assistant.workorders.desk import OrderDesk
from assistant.workorders.lifecycle import record

DRAFTABLE = ("pending", "in_progress")
CLASSIFY_BATCH = 64


def classify(s: Session, desk: OrderDesk, orders: Sequence[WorkOrder], actor: str) -> None:
    """Suggest a category for each order not yet confirmed by staff (a suggestion, unconfirmed)."""
    todo = [o for o in orders if not o.category_confirmed]
    if not todo:
        return
    classifier = desk.classifier(s)
    vectors = classifier.encode([o.content for o in todo])
    for order, vector, guess in zip(todo, vectors, classifier.predict(vectors)):
        order.vector = vector.astype(np.float32).tobytes()
        order.category_l1, order.category_l2, order.category_l3 = guess.category
        order.category_confidence = guess.confidence
        record(s, order, "classify", actor, "自动分类：" + " / ".join(guess.category),
               {"category": list(guess.category), "confidence": guess.confidence, "confirmed": False})


def classify_later(sessions: sessionmaker[Session], desk: OrderDesk, order_ids: Sequence[int], actor: str,
                   batch: int = CLASSIFY_BATCH) -> None:
    """Classify orders after their import committed, a batch per transaction: a month of
    orders takes minutes to encode on two cores, longer than an upload should wait."""
    for start in range(0, len(order_ids), batch):
        with sessions() as s:
            orders = list(s.scalars(select(WorkOrder).where(WorkOrder.id.in_(order_ids[start:start + batch]))))
            classify(s, desk, [o for o in orders if not o.category_l1], actor)
            s.commit()


def set_category(s: Session, desk: OrderDesk, order: WorkOrder, category: Sequence[str], actor: str) -> WorkOrder:
    """Staff confirm or correct the category; the classifier learns it at once."""
    path = desk.taxonomy.check(category)
    before = [order.category_l1, order.category_l2, order.category_l3]
    order.category_l1, order.category_l2, order.category_l3 = path
    order.category_confirmed = True
    corrected = before != list(path)
    record(s, order, "classify", actor, ("人工更正：" if corrected else "人工确认：") + " / ".join(path),
           {"category": list(path), "previous": before, "confirmed": True})
    desk.classifier(s).learn([(order.content, path)])
    return order


def draft_reply(s: Session, answerer: Answerer, order: WorkOrder, actor: str, domain_terms: set[str]) -> WorkOrder:
    """The assistant's cited answer to the question in the order, as an editable draft reply."""
    if order.status not in DRAFTABLE:
        raise Conflict(f"工单 {order.number} 已答复或已结束，不能再起草答复", code="invalid_transition")
    question = (extract_query(order.content, domain_terms) or order.content)[:1000]
    started = time.perf_counter()
    answer = answerer.answer(question, audiences=frozenset({"agent", "public"}))
    # Logged like any other question, so an order the knowledge base could not answer joins
    # the editors' gaps queue (a FAQ gets written for the next caller).
    log_query(s, channel="api", query=redact(question), answered=not answer.refused, refused=answer.refused,
              faq_id=answer.faq_id, citations=[c.passage_id for c in answer.citations], top_score=answer.evidence,
              latency_ms=(time.perf_counter() - started) * 1000, index_version=answerer.searcher.index.version)
    order.draft_reply = answer.text
    order.draft_citations = [c.passage_id for c in answer.citations]
    record(s, order, "draft", actor, "助手起草答复" + ("（未找到明确依据）" if answer.refused else ""),
           {"kind": answer.kind, "citations": order.draft_citations})
    return order


def usual_handler(session: Session, category: Path3) -> str | None:
    """The 承办单位 most earlier orders of this category went to, if any named one."""
    count = func.count().label("count")
    row = session.execute(
        select(WorkOrder.handler, count)
        .where(WorkOrder.category_l1 == category[0], WorkOrder.category_l2 == category[1],
               WorkOrder.category_l3 == category[2], WorkOrder.handler != "")
        .group_by(WorkOrder.handler).order_by(count.desc(), WorkOrder.handler).limit(1)).first()
    return row[0] if row else None
