"""办理时限: working days over a holiday calendar, and the time limit of an order."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

import yaml

from assistant.db.base import BEIJING
from assistant.errors import Invalid

END_OF_DAY = time(23, 59, 59)
DUE_SOON_HOURS = 24


@dataclass(frozen=True)
class Calendar:
    """Weekends rest unless listed as 调休 workdays; listed holidays rest even on weekdays."""

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()

    @classmethod
    def load(cls, path: Path) -> "Calendar":
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            return cls(frozenset(map(_day, data.get("holidays") or [])), frozenset(map(_day, data.get("workdays") or [])))
        except (OSError, yaml.YAMLError, ValueError, TypeError) as exc:
            raise Invalid(f"工作日历文件无法读取（{path}）：{exc}") from None

    def is_workday(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The end (23:59:59 Beijing) of the `days`-th working day after `start`'s day; an order
        received on a rest day starts counting on the next working day, as the desk does."""
        day = start.astimezone(BEIJING).date()
        counted = 0
        while counted < days:
            day += timedelta(days=1)
            counted += self.is_workday(day)
        return datetime.combine(day, END_OF_DAY, BEIJING)


def _day(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


@dataclass(frozen=True)
class TimeLimits:
    """Working days allowed by 诉求类型, overridden by level-1 category."""

    by_type: dict[str, int] = field(default_factory=dict)
    by_category: dict[str, int] = field(default_factory=dict)
    default: int = 15

    @classmethod
    def load(cls, path: Path) -> "TimeLimits":
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            return cls({str(k): int(v) for k, v in (data.get("by_type") or {}).items()},
                       {str(k): int(v) for k, v in (data.get("by_category") or {}).items()})
        except (OSError, yaml.YAMLError, ValueError, TypeError, AttributeError) as exc:
            raise Invalid(f"办理时限表无法读取（{path}）：{exc}") from None

    def days_for(self, request_type: str, category: Sequence[str] = ()) -> int:
        if category and category[0] in self.by_category:
            return self.by_category[category[0]]
        return self.by_type.get(request_type, self.default)


def deadline_state(due_at: datetime, now: datetime, open_: bool) -> str:
    """"overdue", "due_soon" (within a day) or "" for an order still being handled."""
    if not open_:
        return ""
    if now > due_at:
        return "overdue"
    return "due_soon" if due_at - now <= timedelta(hours=DUE_SOON_HOURS) else ""
