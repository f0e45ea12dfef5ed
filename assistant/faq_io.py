"""FAQ import and export as CSV and XLSX.

Export writes every FAQ with Chinese column headers (UTF-8 with BOM for CSV, so Excel opens it
correctly). Import reads the same layout (Chinese or English headers), ignores bookkeeping
columns (编号, 状态, 版本, …) and creates every row as a new draft. It is all or nothing: every
row is checked first, and any problem is reported per row (row number as the spreadsheet shows
it, column, message) with nothing created; the caller commits the drafts in one transaction.

Cells that a spreadsheet would run as a formula (starting with = + - @ or a tab) are written
with a leading apostrophe, which import strips again.
"""

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from assistant import faqs as store
from assistant.db import Faq
from assistant.spreadsheets import Format, RowError, RowsRejected, read_rows, unsafe_cell, write_table
from assistant.vocabularies import label

# (field, header) in export order; the first seven are what import reads.
COLUMNS: list[tuple[str, str]] = [
    ("question", "问题"), ("alternatives", "其他问法"), ("answer", "答复"), ("citations", "引用依据"),
    ("topic", "主题"), ("audience", "受众"), ("valid_until", "有效期至"),
    ("id", "编号"), ("status", "状态"), ("version", "版本"), ("author", "作者"), ("reviewer", "审核人"),
    ("updated_at", "更新时间"), ("published_at", "发布时间"),
]
IMPORTED = ("question", "alternatives", "answer", "citations", "topic", "audience", "valid_until")
LABELS = dict(COLUMNS)
HEADER_ALIASES = {**{field: field for field, _ in COLUMNS}, **{label: field for field, label in COLUMNS},
                  "答案": "answer", "相似问法": "alternatives", "依据": "citations", "引用": "citations"}
AUDIENCE_NAMES = {"public": "public", "agent": "agent", "公众": "public", "市民": "public", "坐席": "agent"}
MAX_ROWS = 2000


# ---------- export ----------

def _cells(faq: Faq) -> list[str]:
    d = store.faq_to_dict(faq)
    out = []
    for field, _ in COLUMNS:
        value = d.get(field)
        if field in ("alternatives", "citations"):
            text = "\n".join(value or [])
        elif field == "audience":
            text = label("audiences", value) if value else ""
        elif field == "status":
            text = label("faq_statuses", value) if value else ""
        else:
            text = "" if value is None else str(value)
        out.append(text)
    return out


def export_faqs(faqs: Iterable[Faq], fmt: Format) -> bytes:
    rows = [[label for _, label in COLUMNS], *(_cells(f) for f in faqs)]
    return write_table(rows, fmt, "FAQ", {"问题": 36, "其他问法": 30, "答复": 60, "引用依据": 36})


# ---------- import ----------

def _split(value: str, citations: bool) -> list[str]:
    if citations:
        for sep in ("，", ",", "；", ";", "、"):
            value = value.replace(sep, "\n")
        return [v for v in value.split() if v]
    return [v.strip() for v in value.replace("｜", "\n").replace("|", "\n").splitlines() if v.strip()]


def _row_to_fields(cells: dict[str, str]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Parsed fields and (column, message) problems of one row."""
    problems: list[tuple[str, str]] = []
    fields: dict[str, Any] = {}
    for field in IMPORTED:
        raw = unsafe_cell(cells.get(field, ""))
        if field in ("alternatives", "citations"):
            fields[field] = _split(raw, field == "citations")
        elif field == "audience":
            audience = AUDIENCE_NAMES.get(raw or "public") or AUDIENCE_NAMES.get(raw.lower())
            if audience is None:
                problems.append((field, f"受众只能是「公众」或「坐席」，而不是「{raw}」"))
            fields[field] = audience or "public"
        elif field == "valid_until":
            try:
                fields[field] = date.fromisoformat(raw[:10]) if raw else None
            except ValueError:
                problems.append((field, f"日期格式应为 YYYY-MM-DD，而不是「{raw}」"))
                fields[field] = None
        else:
            fields[field] = raw
    return fields, problems


def parse_import(data: bytes, fmt: Format, known_passage: Callable[[str], bool]) -> list[store.FaqContent]:
    """Every row as FaqContent, or RowsRejected listing every problem (nothing is half-read)."""
    if not data.strip():
        raise RowsRejected([RowError(0, "", "文件是空的")])
    rows = read_rows(data, fmt, MAX_ROWS)
    while rows and not any(c.strip() for c in rows[-1]):
        rows.pop()
    if not rows:
        raise RowsRejected([RowError(0, "", "文件是空的")])
    header = [HEADER_ALIASES.get(h.strip().lstrip("\ufeff"), HEADER_ALIASES.get(h.strip().lower()))
              for h in rows[0]]
    missing = [LABELS[f] for f in ("question", "answer") if f not in header]
    if missing:
        raise RowsRejected([RowError(1, "", f"表头缺少列：{'、'.join(missing)}（第一行应为列名，如 问题、答复、引用依据）")])
    body = rows[1:]
    if len(body) > MAX_ROWS:
        raise RowsRejected([RowError(0, "", f"一次最多导入 {MAX_ROWS} 行")])

    errors: list[RowError] = []
    parsed: list[store.FaqContent] = []
    for number, row in enumerate(body, start=2):
        if not any(c.strip() for c in row):
            continue
        cells = {field: value for field, value in zip(header, row) if field}
        fields, problems = _row_to_fields(cells)
        unknown = [c for c in fields["citations"] if not known_passage(c)]
        if unknown:
            problems.append(("citations", f"引用的条文不存在：{'、'.join(unknown[:5])}"))
        try:
            content = store.FaqContent(**fields)
        except ValidationError as exc:
            problems.extend(p for p in store.content_problems(exc) if p[0] not in dict(problems))
        else:
            if not problems:
                parsed.append(content)
        errors.extend(RowError(number, LABELS.get(field, field), message) for field, message in problems)
    if errors:
        raise RowsRejected(errors)
    if not parsed:
        raise RowsRejected([RowError(0, "", "文件中没有数据行")])
    return parsed


def import_faqs(s: Session, data: bytes, fmt: Format, author: str,
                known_passage: Callable[[str], bool]) -> list[Faq]:
    """Create every row as a draft (flushed, not committed), or raise RowsRejected."""
    return [store.create_faq(s, item, author=author) for item in parse_import(data, fmt, known_passage)]


def header_labels() -> Sequence[str]:
    return [label for _, label in COLUMNS]
