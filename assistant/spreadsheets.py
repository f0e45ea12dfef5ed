"""Reading and writing the spreadsheets staff exchange (CSV from Excel or WPS, XLSX), shared
by the FAQ and work-order imports: decoding, formula-safe cells, and per-row errors."""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, Literal

from assistant.errors import Invalid

Format = Literal["csv", "xlsx"]
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Cells a spreadsheet would run as a formula are written with a leading apostrophe.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class RowError:
    row: int          # 1-based as a spreadsheet shows it; the header is row 1, 0 = the whole file
    column: str       # header label, "" for the whole row
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


class RowsRejected(Invalid):
    """The whole import refused; `details` lists every row's problem."""

    code = "invalid_rows"

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        first = errors[0]
        where = f"第 {first.row} 行" if first.row else "文件"
        super().__init__(f"导入失败，共 {len(errors)} 处问题，未导入任何内容（{where}：{first.message}）",
                         details=[e.to_dict() for e in errors])


def safe_cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) else value


def unsafe_cell(value: str) -> str:
    value = value.strip()
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_START) else value


def sniff_format(data: bytes, content_type: str | None, declared: str | None) -> Format:
    if declared in ("csv", "xlsx"):
        return declared  # type: ignore[return-value]
    if data[:4] == b"PK\x03\x04" or (content_type or "").startswith(XLSX_MIME):
        return "xlsx"
    return "csv"


def read_rows(data: bytes, fmt: Format, max_rows: int) -> list[list[str]]:
    """Every row as text cells (at most `max_rows` + 1 are read, so the caller can refuse more)."""
    if fmt == "csv":
        for encoding in ("utf-8-sig", "gb18030"):   # Excel on a Chinese Windows saves GB18030
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise RowsRejected([RowError(0, "", "文件编码无法识别，请另存为 UTF-8 编码的 CSV")])
        try:
            rows = []
            for row in csv.reader(io.StringIO(text, newline="")):
                rows.append(list(row))
                if len(rows) > max_rows + 1:
                    break
            return rows
        except csv.Error as exc:
            raise RowsRejected([RowError(0, "", f"CSV 格式错误：{exc}")]) from None
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a bad file
        raise RowsRejected([RowError(0, "", "无法读取 XLSX 文件，请确认文件是 Excel 2007 及以上格式（.xlsx）")]) from None
    try:
        sheet = book.worksheets[0]
        rows = []
        for values in sheet.iter_rows(values_only=True):
            rows.append([_xlsx_text(v) for v in values])
            if len(rows) > max_rows + 1:
                break
        return rows
    finally:
        book.close()


def _xlsx_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def write_table(rows: list[list[str]], fmt: Format, sheet_title: str, widths: dict[str, int] | None = None) -> bytes:
    """A header row and data rows as CSV (UTF-8 with BOM, so Excel opens it) or XLSX."""
    rows = [[safe_cell(c) for c in row] for row in rows]
    if fmt == "csv":
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows(rows)
        return buffer.getvalue().encode("utf-8-sig")
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title
    for row in rows:
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for i, label in enumerate(rows[0] if rows else []):
        sheet.column_dimensions[sheet.cell(1, i + 1).column_letter].width = (widths or {}).get(label, 12)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.data_type = "s"   # never a formula, whatever the text
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
