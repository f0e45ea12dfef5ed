"""Import 12345 platform exports (CSV/XLSX with Chinese headers) through a column mapping file.

Idempotent by 工单编号: a row whose number exists updates that order (its history says so),
never a second copy. All or nothing per file: every row is checked first and every problem is
reported with its row and column; nothing is written unless all rows are good, and the caller
commits the whole file in one transaction (so a crash mid-way leaves nothing half-imported).
Columns the mapping does not name are kept on the order as extra fields.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.db import WorkOrder, WorkOrderEvent, utcnow
from assistant.db.base import BEIJING
from assistant.errors import Invalid
from assistant.spreadsheets import Format, RowError, RowsRejected, read_rows, unsafe_cell
from assistant.vocabularies import SATISFACTION, code_of
from assistant.workorders.deadlines import Calendar, TimeLimits

MAX_ROWS = 50_000
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d",
                "%Y/%m/%d", "%Y-%m-%dT%H:%M:%S")
YES, NO = ("是", "有", "yes", "true", "1", "解决", "已解决", "联系上", "已联系"), ("否", "无", "no", "false", "0",
                                                                         "未解决", "未联系上")
# Imported values that are not our codes: the platform's words for them.
STATUS_ALIASES = {"待办": "pending", "已受理": "in_progress", "处理中": "in_progress", "已办结": "replied",
                  "已回访": "archived", "已退回": "returned", "退单": "returned"}
FIELD_NAMES = {"number": "工单编号", "received_at": "受理时间", "request_type": "诉求类型", "content": "诉求内容",
               "due_at": "办理时限", "status": "工单状态", "replied_at": "答复时间",
               "visit_satisfaction": "回访满意度"}


@dataclass(frozen=True)
class Mapping:
    fields: dict[str, list[str]]
    required: tuple[str, ...]

    @classmethod
    def load(cls, path: Path) -> "Mapping":
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            fields = {str(k): [str(h) for h in v] for k, v in data["fields"].items()}
        except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError) as exc:
            raise Invalid(f"列映射文件无法读取（{path}）：{exc}") from None
        unknown = set(fields) - set(WorkOrder.__table__.columns.keys())
        if unknown:
            raise Invalid(f"列映射文件中有未知字段：{'、'.join(sorted(unknown))}")
        return cls(fields, tuple(data.get("required") or ()))

    def columns(self, header: list[str]) -> tuple[dict[int, str], dict[int, str]]:
        """(column index → field, column index → header kept as an extra field)."""
        names = [h.strip().lstrip("\ufeff") for h in header]
        mapped: dict[int, str] = {}
        for fld, aliases in self.fields.items():
            at = next((names.index(a) for a in (*aliases, fld) if a in names), None)
            if at is not None and at not in mapped:
                mapped[at] = fld
        extra = {i: n for i, n in enumerate(names) if i not in mapped and n}
        return mapped, extra


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rows: int = 0
    orders: list[WorkOrder] = field(default_factory=list)  # created or updated

    def as_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "created": self.created, "updated": self.updated, "unchanged": self.unchanged}


def _time(raw: str) -> datetime:
    raw = raw.strip()
    for fmt in TIME_FORMATS:
        try:
            value = datetime.strptime(raw, fmt)
        except ValueError:
            continue
        return value.replace(tzinfo=BEIJING) if value.tzinfo is None else value
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"时间格式应为 YYYY-MM-DD HH:MM，而不是「{raw}」") from None
    return value.replace(tzinfo=BEIJING) if value.tzinfo is None else value


def _flag(raw: str) -> bool | None:
    value = raw.strip().lower()
    if not value:
        return None
    if value in NO:
        return False
    if value in YES:
        return True
    raise ValueError(f"应为 是/否，而不是「{raw}」")


def _row(cells: dict[str, str], limits: TimeLimits, calendar: Calendar) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The order's fields from one row, and (field, message) problems."""
    values: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []

    def check(fld: str, parse: Callable[[str], Any]) -> None:
        raw = cells.get(fld, "")
        if not raw.strip():
            return
        try:
            values[fld] = parse(raw)
        except ValueError as exc:
            problems.append((fld, str(exc)))

    for fld in ("number", "channel", "caller_name", "caller_phone", "address", "district", "street", "content",
                "dispatcher", "handler", "reply"):
        if cells.get(fld, "").strip():
            values[fld] = cells[fld].strip()
    for fld in ("received_at", "due_at", "replied_at"):
        check(fld, _time)
    for fld in ("visit_contacted", "visit_resolved", "duplicate"):
        check(fld, _flag)
    check("request_type", lambda raw: _code("request_types", raw, "诉求类型"))
    check("status", lambda raw: STATUS_ALIASES.get(raw.strip()) or _code("order_statuses", raw, "工单状态"))
    check("visit_satisfaction", lambda raw: _code("satisfaction", raw, "回访满意度"))
    if len(values.get("number", "")) > 64:
        problems.append(("number", "工单编号过长（上限 64 字）"))
    if "due_at" not in values and "received_at" in values and "request_type" in values:
        values["due_at"] = calendar.add_working_days(values["received_at"], limits.days_for(values["request_type"]))
    if values.get("visit_satisfaction") and values["visit_satisfaction"] not in SATISFACTION:
        problems.append(("visit_satisfaction", "回访满意度不合法"))
    return values, problems


def _code(vocabulary: str, raw: str, name: str) -> str:
    code = code_of(vocabulary, raw)
    if code is None:
        raise ValueError(f"{name}不认识：「{raw.strip()}」")
    return code


def records_table(records: list[dict[str, Any]]) -> list[list[str]]:
    """Pushed records (header → value) as a header row and data rows, to parse like a file."""
    header = list(dict.fromkeys(k for r in records for k in r))
    return [header, *([("" if r.get(h) is None else str(r.get(h))) for h in header] for r in records)]


def parse_orders(data: bytes, fmt: Format, mapping: Mapping, limits: TimeLimits,
                 calendar: Calendar) -> list[tuple[dict[str, Any], dict[str, str]]]:
    """Every row of a file as (fields, extra columns), or RowsRejected listing every problem."""
    if not data.strip():
        raise RowsRejected([RowError(0, "", "文件是空的")])
    return parse_table(read_rows(data, fmt, MAX_ROWS), mapping, limits, calendar)


def parse_table(rows: list[list[str]], mapping: Mapping, limits: TimeLimits,
                calendar: Calendar) -> list[tuple[dict[str, Any], dict[str, str]]]:
    while rows and not any(c.strip() for c in rows[-1]):
        rows.pop()
    if not rows:
        raise RowsRejected([RowError(0, "", "文件是空的")])
    columns, extra_columns = mapping.columns(rows[0])
    found = set(columns.values())
    missing = [mapping.fields[f][0] for f in mapping.required if f not in found]
    if missing:
        raise RowsRejected([RowError(1, "", f"表头缺少列：{'、'.join(missing)}（请检查列映射文件）")])
    if len(rows) - 1 > MAX_ROWS:
        raise RowsRejected([RowError(0, "", f"一次最多导入 {MAX_ROWS} 行")])
    header = {fld: rows[0][i].strip() for i, fld in columns.items()}
    errors: list[RowError] = []
    parsed = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        cells = {fld: unsafe_cell(row[i]) for i, fld in columns.items() if i < len(row)}
        values, problems = _row(cells, limits, calendar)
        problems += [(f, f"{header.get(f, FIELD_NAMES.get(f, f))}不能为空") for f in mapping.required
                     if f not in values and not any(p[0] == f for p in problems)]
        key = values.get("number")
        if key in seen:
            problems.append(("number", f"工单编号与第 {seen[key]} 行重复"))
        elif key:
            seen[key] = number
        errors += [RowError(number, header.get(f, FIELD_NAMES.get(f, f)), m) for f, m in problems]
        if not problems:
            parsed.append((values, {extra_columns[i]: unsafe_cell(row[i]) for i in extra_columns
                                    if i < len(row) and row[i].strip()}))
    if errors:
        raise RowsRejected(errors)
    if not parsed:
        raise RowsRejected([RowError(0, "", "文件中没有数据行")])
    return parsed


def import_orders(s: Session, parsed: list[tuple[dict[str, Any], dict[str, str]]], actor: str, *,
                  progress: Callable[[int, int], None] | None = None) -> ImportResult:
    """Create or update the order of every parsed row (flushed, not committed)."""
    numbers = [values["number"] for values, _ in parsed]
    existing: dict[str, WorkOrder] = {}
    for i in range(0, len(numbers), 500):  # SQLite caps the parameters of one statement
        existing.update((o.number, o) for o in s.scalars(
            select(WorkOrder).where(WorkOrder.number.in_(numbers[i:i + 500]))))
    result = ImportResult(rows=len(parsed))
    now = utcnow()
    created: list[WorkOrder] = []
    events: list[WorkOrderEvent] = []
    for done, (values, extra) in enumerate(parsed, start=1):
        order = existing.get(values["number"])
        if order is None:
            order = WorkOrder(**{"status": "pending", "draft_citations": [], **values},
                              extra=extra, created_at=now, updated_at=now)
            created.append(order)
        else:
            changed = {k: v for k, v in values.items() if getattr(order, k) != v}
            if extra != order.extra:
                changed["extra"] = extra
            if not changed:
                result.unchanged += 1
                continue
            for k, v in changed.items():
                setattr(order, k, v)
            order.updated_at = now
            events.append(WorkOrderEvent(order_id=order.id, at=now, actor=actor, action="import",
                                         note="从 12345 平台重新导入，更新了：" + "、".join(sorted(changed)),
                                         data={"updated": sorted(changed)}))
            result.updated += 1
        result.orders.append(order)
        if progress and done % 1000 == 0:
            progress(done, len(parsed))
    # One flush for all new orders (ids assigned in a batch), then their history rows.
    s.add_all(created)
    s.flush()
    events += [WorkOrderEvent(order_id=o.id, at=now, actor=actor, action="import", note="从 12345 平台导入",
                              data={"created": True}) for o in created]
    s.add_all(events)
    s.flush()
    result.created = len(created)
    return result
