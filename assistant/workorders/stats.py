"""Work-order statistics over a date range: counts by dimension with 同比/环比, and the 三率.

The rates (《北京市接诉即办工作条例》第三十二条 考评 on 响应率、解决率、满意率), over the orders
received in the range, leaving out orders returned to 12345 (退单: not the desk's to answer):
- 响应率 = orders taken up (accepted or further) ÷ orders;
- 按时答复率 = orders answered by their 办理时限 ÷ orders answered;
- 解决率 = 回访 "解决" ÷ 回访 in which the caller was reached and said 解决 or 未解决;
- 满意率 = 回访 "满意" or "基本满意" ÷ 回访 in which the caller was reached and rated.
A rate with nothing to divide by is None (shown as —), never 0.
"""

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from assistant.db import WorkOrder
from assistant.db.base import BEIJING

UNSET = "未分类"  # shown for an empty category, street or other dimension value
DIMENSIONS = {"category_l1": WorkOrder.category_l1, "category_l2": WorkOrder.category_l2,
              "category_l3": WorkOrder.category_l3, "request_type": WorkOrder.request_type,
              "district": WorkOrder.district, "street": WorkOrder.street, "channel": WorkOrder.channel,
              "handler": WorkOrder.handler, "status": WorkOrder.status}


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime  # exclusive

    @classmethod
    def month(cls, year: int, month: int) -> "Period":
        return cls(datetime(year, month, 1, tzinfo=BEIJING), _shift(datetime(year, month, 1, tzinfo=BEIJING), 1))

    @classmethod
    def days(cls, first: date, last: date) -> "Period":
        """From the start of `first` to the end of `last` (Beijing days, both included)."""
        return cls(datetime.combine(first, time(), BEIJING), datetime.combine(last + timedelta(days=1), time(), BEIJING))

    def previous(self) -> "Period":
        """The period just before (环比): the calendar month before a month, else the same length."""
        if self.start.day == 1 and self.start.hour == 0 and _shift(self.start, 1) == self.end:
            return Period(_shift(self.start, -1), self.start)
        return Period(self.start - (self.end - self.start), self.start)

    def year_before(self) -> "Period":
        """The same period a year earlier (同比)."""
        return Period(_shift(self.start, -12), _shift(self.end, -12))


def _shift(moment: datetime, months: int) -> datetime:
    """`moment` moved by whole months (the day clamped to the month's last, e.g. 29 Feb)."""
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    return moment.replace(year=year, month=month + 1, day=min(moment.day, monthrange(year, month + 1)[1]))


def counts(s: Session, period: Period, dimension: str) -> dict[str, int]:
    column = DIMENSIONS[dimension]
    rows = s.execute(select(column, func.count()).where(WorkOrder.received_at >= period.start,
                                                        WorkOrder.received_at < period.end)
                     .group_by(column).order_by(func.count().desc())).all()
    return {(key or UNSET): n for key, n in rows}


def breakdown(s: Session, period: Period, dimension: str) -> list[dict]:
    """Counts in the period with the previous period's (环比) and last year's (同比) and changes."""
    now, before, last_year = (counts(s, p, dimension) for p in (period, period.previous(), period.year_before()))
    return [{"key": key, "count": n, "previous": before.get(key, 0), "year_before": last_year.get(key, 0),
             "mom": _change(n, before.get(key, 0)), "yoy": _change(n, last_year.get(key, 0))}
            for key, n in now.items()]


def _change(now: int, before: int) -> float | None:
    return None if before == 0 else round((now - before) / before, 4)


def rates(s: Session, period: Period) -> dict[str, float | int | None]:
    o = WorkOrder
    taken = case((o.status.in_(("in_progress", "replied", "awaiting_visit", "archived")), 1), else_=0)
    answered = case((o.replied_at.is_not(None), 1), else_=0)
    on_time = case((o.replied_at.is_not(None) & (o.replied_at <= o.due_at), 1), else_=0)
    judged = case((o.visit_contacted.is_(True) & o.visit_resolved.is_not(None), 1), else_=0)
    resolved = case((o.visit_contacted.is_(True) & o.visit_resolved.is_(True), 1), else_=0)
    rated = case((o.visit_contacted.is_(True) & o.visit_satisfaction.is_not(None), 1), else_=0)
    pleased = case((o.visit_contacted.is_(True)
                    & o.visit_satisfaction.in_(("satisfied", "basically_satisfied")), 1), else_=0)
    row = s.execute(select(func.count(), *(func.coalesce(func.sum(c), 0) for c in
                                           (taken, answered, on_time, judged, resolved, rated, pleased)))
                    .where(o.received_at >= period.start, o.received_at < period.end,
                           o.status != "returned")).one()
    total, taken_n, answered_n, on_time_n, judged_n, resolved_n, rated_n, pleased_n = (int(v) for v in row)
    return {"orders": total, "response_rate": _rate(taken_n, total), "on_time_rate": _rate(on_time_n, answered_n),
            "resolution_rate": _rate(resolved_n, judged_n), "satisfaction_rate": _rate(pleased_n, rated_n)}


def _rate(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 4)


def daily(s: Session, period: Period) -> list[tuple[str, int]]:
    """Orders per received day (Beijing), for the trend chart."""
    days: dict[str, int] = {}
    for (at,) in s.execute(select(WorkOrder.received_at).where(WorkOrder.received_at >= period.start,
                                                               WorkOrder.received_at < period.end)):
        key = at.astimezone(BEIJING).date().isoformat()
        days[key] = days.get(key, 0) + 1
    return sorted(days.items())
