"""Stale-FAQ detection: when a new index goes live, every FAQ whose cited passages changed, lost
force or disappeared since the FAQ was written or last reviewed is flagged 待复核 at once.

Each FAQ pins its citations (assistant.faqs.pin_of: text hash, text, status); this module
compares the pins with an index. It runs in whichever process activates or picks up an index
(the crawl after activation, the API when it sees a new CURRENT and at start-up) and is
idempotent, so running it in several of them is harmless. It flushes; the caller commits.
"""

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assistant.db import Faq, utcnow
from assistant.faqs import pin_of, record_change, set_review, text_hash
from assistant.index import LoadedIndex
from assistant.passage import Passage
from assistant.vocabularies import REVIEW_REASONS

IN_FORCE = "有效"
SYSTEM_ACTOR = "系统"  # the history's actor for flags set and lifted by the check


@dataclass(frozen=True)
class StaleReport:
    """What one check did: FAQs compared, citations pinned for the first time (a baseline, never
    a flag), FAQs flagged (newly, or with different changes) by their reason, and flags lifted
    because the index agrees with the pins again (e.g. after a rollback)."""

    index_version: str
    checked: int = 0
    baselined: int = 0
    flagged: dict[str, int] = field(default_factory=dict)
    cleared: int = 0


def _change(pid: str, reason: str, pin: dict[str, Any] | None, passage: Passage | None) -> dict[str, Any]:
    """One citation's change, with what the desk's diff shows: the old and the new text."""
    return {
        "passage_id": pid,
        "reason": reason,
        "citation": f"《{pin['title']}》{pin['label']}" if pin else pid,  # no pin: only ever a removed passage
        "url": passage.url if passage else pin["url"] if pin else "",
        "old_text": pin["text"] if pin else None,
        "new_text": passage.text if passage else None,
        "old_status": pin["status"] if pin else None,
        "new_status": passage.status if passage else None,
    }


def changes_since_pinned(faq: Faq, index: LoadedIndex) -> list[dict[str, Any]]:
    """Per citation whose passage differs in `index` from its pin: removed (gone from the index),
    repealed (pinned in force, no longer 有效) or changed (other text). Citations without a pin
    count only when their passage is gone, since there is nothing to compare them with."""
    changes = []
    for pid in faq.citations:
        pin = faq.pins.get(pid)
        row = index.row_of(pid)
        passage = index.passages[row] if row is not None else None
        if passage is None:
            changes.append(_change(pid, "removed", pin, None))
        elif pin is None:
            continue
        elif pin["status"] == IN_FORCE and passage.status != IN_FORCE:
            changes.append(_change(pid, "repealed", pin, passage))
        elif text_hash(passage.text) != pin["hash"]:
            changes.append(_change(pid, "changed", pin, passage))
    return changes


def flag_stale_faqs(session: Session, index: LoadedIndex) -> StaleReport:
    """Compare every FAQ not retired with `index`: pin citations never pinned, flag 待复核 those
    whose basis changed (recorded in their history as 系统 标记待复核) and lift flags the index no
    longer supports. Idempotent for one index. Flushes only: the caller commits."""
    now = utcnow()
    # Row locks on PostgreSQL: an editor's concurrent change waits for this transaction.
    faqs = session.scalars(select(Faq).where(Faq.status != "retired").order_by(Faq.id)
                           .with_for_update().execution_options(populate_existing=True)).all()
    baselined, cleared, flagged = 0, 0, Counter[str]()
    for faq in faqs:
        new_pins = {pid: pin_of(index.passages[row], index.version)
                    for pid in faq.citations
                    if pid not in faq.pins and (row := index.row_of(pid)) is not None}
        if new_pins:
            faq.pins = faq.pins | new_pins
            baselined += len(new_pins)
        changes = changes_since_pinned(faq, index)
        if changes == faq.review_changes:
            continue
        set_review(faq, changes, now)
        if changes:
            flagged[faq.review_reason] += 1
            record_change(session, faq, "flag", SYSTEM_ACTOR, now)
        else:
            cleared += 1
            record_change(session, faq, "unflag", SYSTEM_ACTOR, now)
    session.flush()
    return StaleReport(index.version, len(faqs), baselined, dict(flagged), cleared)


def review_counts(session: Session) -> dict[str, int]:
    """FAQs flagged 待复核 now, by reason (every reason present, zero or not)."""
    rows = session.execute(select(Faq.review_reason, func.count()).where(Faq.review_reason.is_not(None))
                           .group_by(Faq.review_reason)).all()
    return {reason: 0 for reason in REVIEW_REASONS} | {reason: count for reason, count in rows}
