"""FAQ import and export as CSV and XLSX.

Export writes every FAQ with Chinese column headers (UTF-8 with BOM for CSV, so Excel opens it
correctly). Import reads the same layout (Chinese or English headers), ignores bookkeeping
columns (编号, 状态, 版本, …) and creates every row as a new draft. It is all or nothing: every
row is checked first, and any problem is reported per row (row number as the spreadsheet shows
it, column, message) with nothing created; the caller commits the drafts in one transaction.

Cells that a spreadsheet would run as a formula (starting with = + - @ or a tab) are written
with a leading apostrophe, which import strips again.
"""

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from pydantic import ValidationError
from sqlalchemy.orm import Session

from assistant import faqs as store
from assistant.db import Faq
from assistant.errors import Invalid

Format = Literal["csv", "xlsx"]

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
AUDIENCE_LABELS = {"public": "公众", "agent": "坐席"}
MAX_ROWS = 2000
MAX_QUESTION_CHARS = 500
MAX_ANSWER_CHARS = 5000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class RowError:
    row: int          # 1-based as a spreadsheet shows it; the header is row 1, 0 = the whole file
    column: str       # header label, "" for the whole row
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


class FaqImportError(Invalid):
    """The whole import refused; `details` lists every row's problem."""

    code = "invalid_rows"

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        first = errors[0]
        where = f"第 {first.row} 行" if first.row else "文件"
        super().__init__(f"导入失败，共 {len(errors)} 处问题，未导入任何内容（{where}：{first.message}）",
                         details=[e.to_dict() for e in errors])


# ---------- export ----------

def _safe(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) else value


def _cells(faq: Faq) -> list[str]:
    d = store.faq_to_dict(faq)
    out = []
    for field, _ in COLUMNS:
        value = d.get(field)
        if field in ("alternatives", "citations"):
            text = "\n".join(value or [])
        elif field == "audience":
            text = AUDIENCE_LABELS.get(value, value or "")
        elif field == "status":
            text = store.STATUS_LABELS.get(value, value or "")
        else:
            text = "" if value is None else str(value)
        out.append(_safe(text))
    return out


def export_faqs(faqs: Iterable[Faq], fmt: Format) -> bytes:
    rows = [[label for _, label in COLUMNS], *(_cells(f) for f in faqs)]
    if fmt == "csv":
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows(rows)
        return buffer.getvalue().encode("utf-8-sig")
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = "FAQ"
    for row in rows:
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = {"问题": 36, "其他问法": 30, "答复": 60, "引用依据": 36}
    for i, (_, label) in enumerate(COLUMNS):
        sheet.column_dimensions[sheet.cell(1, i + 1).column_letter].width = widths.get(label, 12)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.data_type = "s"   # never a formula, whatever the text
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# ---------- import ----------

def _read_rows(data: bytes, fmt: Format) -> list[list[str]]:
    if fmt == "csv":
        for encoding in ("utf-8-sig", "gb18030"):   # Excel on a Chinese Windows saves GB18030
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise FaqImportError([RowError(0, "", "文件编码无法识别，请另存为 UTF-8 编码的 CSV")])
        try:
            return [list(r) for r in csv.reader(io.StringIO(text, newline=""))]
        except csv.Error as exc:
            raise FaqImportError([RowError(0, "", f"CSV 格式错误：{exc}")]) from None
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a bad file
        raise FaqImportError([RowError(0, "", "无法读取 XLSX 文件，请确认文件是 Excel 2007 及以上格式（.xlsx）")]) from None
    try:
        sheet = book.worksheets[0]
        rows = []
        for values in sheet.iter_rows(values_only=True):
            rows.append([_xlsx_text(v) for v in values])
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    finally:
        book.close()


def _xlsx_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _unsafe(value: str) -> str:
    value = value.strip()
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_START) else value


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
        raw = _unsafe(cells.get(field, ""))
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
    if not fields["question"]:
        problems.append(("question", "问题不能为空"))
    elif len(fields["question"]) > MAX_QUESTION_CHARS:
        problems.append(("question", f"问题过长（上限 {MAX_QUESTION_CHARS} 字）"))
    if not fields["answer"]:
        problems.append(("answer", "答复不能为空"))
    elif len(fields["answer"]) > MAX_ANSWER_CHARS:
        problems.append(("answer", f"答复过长（上限 {MAX_ANSWER_CHARS} 字）"))
    return fields, problems


def parse_import(data: bytes, fmt: Format, known_passage: Callable[[str], bool]) -> list[store.FaqIn]:
    """Every row as FaqIn, or FaqImportError listing every problem (nothing is half-read)."""
    if not data.strip():
        raise FaqImportError([RowError(0, "", "文件是空的")])
    rows = _read_rows(data, fmt)
    while rows and not any(c.strip() for c in rows[-1]):
        rows.pop()
    if not rows:
        raise FaqImportError([RowError(0, "", "文件是空的")])
    header = [HEADER_ALIASES.get(h.strip().lstrip("\ufeff"), HEADER_ALIASES.get(h.strip().lower()))
              for h in rows[0]]
    missing = [LABELS[f] for f in ("question", "answer") if f not in header]
    if missing:
        raise FaqImportError([RowError(1, "", f"表头缺少列：{'、'.join(missing)}（第一行应为列名，如 问题、答复、引用依据）")])
    body = rows[1:]
    if len(body) > MAX_ROWS:
        raise FaqImportError([RowError(0, "", f"一次最多导入 {MAX_ROWS} 行")])

    errors: list[RowError] = []
    parsed: list[store.FaqIn] = []
    for number, row in enumerate(body, start=2):
        if not any(c.strip() for c in row):
            continue
        cells = {field: value for field, value in zip(header, row) if field}
        fields, problems = _row_to_fields(cells)
        unknown = [c for c in fields["citations"] if not known_passage(c)]
        if unknown:
            problems.append(("citations", f"引用的条文不存在：{'、'.join(unknown[:5])}"))
        if not problems:
            try:
                parsed.append(store.FaqIn(**fields))
            except ValidationError as exc:
                problems.extend((str(e["loc"][0]), e["msg"]) for e in exc.errors())
        errors.extend(RowError(number, LABELS.get(field, field), message) for field, message in problems)
    if errors:
        raise FaqImportError(errors)
    if not parsed:
        raise FaqImportError([RowError(0, "", "文件中没有数据行")])
    return parsed


def import_faqs(s: Session, data: bytes, fmt: Format, author: str,
                known_passage: Callable[[str], bool]) -> list[Faq]:
    """Create every row as a draft (flushed, not committed), or raise FaqImportError."""
    return [store.create_faq(s, item, author=author) for item in parse_import(data, fmt, known_passage)]


def sniff_format(data: bytes, content_type: str | None, declared: str | None) -> Format:
    if declared in ("csv", "xlsx"):
        return declared  # type: ignore[return-value]
    if data[:4] == b"PK\x03\x04" or (content_type or "").startswith(XLSX_MIME):
        return "xlsx"
    return "csv"


def header_labels() -> Sequence[str]:
    return [label for _, label in COLUMNS]
