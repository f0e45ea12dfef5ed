"""FAQ import/export as CSV and XLSX (assistant.faq_io), on SQLite and PostgreSQL."""

import csv
import io
from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook

from assistant import faq_io
from assistant.faqs import FaqContent, create_faq, list_faqs, publish_faq, submit_faq
from assistant.spreadsheets import RowsRejected, sniff_format

KNOWN = {"land-administration-law/a62", "land-administration-law/a63"}


def known(pid: str) -> bool:
    return pid in KNOWN


def _csv(rows, encoding="utf-8-sig") -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def _xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_export_then_import_round_trips_as_new_drafts(db_session):
    s = db_session
    faq = create_faq(s, FaqContent(question="农村一户能有几处宅基地？", alternatives=["一户两块宅基地行吗", "宅基地几处"],
                              answer="一户只能拥有一处宅基地。\n第二段。", citations=sorted(KNOWN), topic="宅基地",
                              audience="agent", valid_until=date(2099, 1, 31)), author="alice")
    submit_faq(s, faq.id, "alice")
    publish_faq(s, faq.id, "bob")
    s.commit()
    for fmt in ("csv", "xlsx"):
        data = faq_io.export_faqs(list_faqs(s), fmt)
        created = faq_io.import_faqs(s, data, fmt, "carol", known)
        assert len(created) == 1
        new = created[0]
        assert (new.status, new.version, new.author) == ("draft", 1, "carol")
        for field in ("question", "alternatives", "answer", "citations", "topic", "audience", "valid_until"):
            assert getattr(new, field) == getattr(faq, field), (fmt, field)
        s.rollback()


def test_export_csv_is_excel_friendly_and_defuses_formulas(db_session):
    s = db_session
    create_faq(s, FaqContent(question="=HYPERLINK(\"http://x\")", answer="+1 正常答复", citations=[]), author="a")
    data = faq_io.export_faqs(list_faqs(s), "csv")
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == faq_io.header_labels()
    assert rows[1][0] == "'=HYPERLINK(\"http://x\")" and rows[1][2] == "'+1 正常答复"
    assert rows[1][faq_io.header_labels().index("状态")] == "草稿"
    # and import takes the apostrophe off again
    created = faq_io.import_faqs(s, data, "csv", "b", known)
    assert created[0].question == "=HYPERLINK(\"http://x\")" and created[0].answer == "+1 正常答复"

    sheet = load_workbook(io.BytesIO(faq_io.export_faqs(list_faqs(s), "xlsx"))).active
    assert all(c.data_type == "s" for row in sheet.iter_rows(min_row=2) for c in row if c.value)


def test_import_reports_every_bad_row_and_creates_nothing(db_session):
    s = db_session
    data = _csv([["问题", "答复", "引用依据", "受众", "有效期至"],
                 ["好的问题", "好的答复", "land-administration-law/a62", "公众", ""],
                 ["", "没有问题的答复", "", "", ""],
                 ["问题三", "", "", "坐席", "明年"],
                 ["问题四", "答复四", "nope/a1、land-administration-law/a63", "市长", ""],
                 ["问" * 501, "答复五", "", "", ""]])
    with pytest.raises(RowsRejected) as caught:
        faq_io.import_faqs(s, data, "csv", "alice", known)
    errors = [(e.row, e.column, e.message) for e in caught.value.errors]
    assert (3, "问题", "问题不能为空") in errors
    assert (4, "答复", "答复不能为空") in errors
    assert any(r == 4 and c == "有效期至" and "明年" in m for r, c, m in errors)
    assert any(r == 5 and c == "受众" and "市长" in m for r, c, m in errors)
    assert any(r == 5 and c == "引用依据" and "nope/a1" in m and "a63" not in m for r, c, m in errors)
    assert any(r == 6 and "过长" in m for r, _, m in errors)
    assert not any(r == 2 for r, _, _ in errors)
    assert "未导入任何内容" in str(caught.value)
    assert list_faqs(s) == []


@pytest.mark.parametrize("data, message", [
    (b"", "文件是空的"),
    (_csv([["标题", "内容"], ["a", "b"]]), "表头缺少列：问题、答复"),
    (_csv([["问题", "答复"]]), "没有数据行"),
    (b"\x00\x81\xfe\xff" * 10, None),
])
def test_import_rejects_bad_files_with_a_clear_message(db_session, data, message):
    with pytest.raises(RowsRejected) as caught:
        faq_io.import_faqs(db_session, data, "csv", "alice", known)
    if message:
        assert message in str(caught.value)
    with pytest.raises(RowsRejected, match="无法读取 XLSX"):
        faq_io.import_faqs(db_session, b"PK\x03\x04 not really a zip", "xlsx", "alice", known)


def test_import_reads_english_headers_gb18030_and_xlsx_cells(db_session):
    s = db_session
    gbk = _csv([["question", "answer", "citations", "audience"], ["房本丢了怎么办", "申请补发。", "", "agent"]],
               encoding="gb18030")
    assert faq_io.import_faqs(s, gbk, "csv", "a", known)[0].question == "房本丢了怎么办"
    book = _xlsx([["问题", "答复", "有效期至", "其他问法", "引用依据"],
                  ["宅基地几处", "一处。", datetime(2099, 5, 1), "问法一|问法二", "land-administration-law/a62, land-administration-law/a63"],
                  [None, None, None, None, None]])
    [faq] = faq_io.import_faqs(s, book, "xlsx", "a", known)
    assert faq.valid_until == date(2099, 5, 1)
    assert faq.alternatives == ["问法一", "问法二"]
    assert faq.citations == ["land-administration-law/a62", "land-administration-law/a63"]


def test_sniff_format():
    assert sniff_format(b"PK\x03\x04...", None, None) == "xlsx"
    assert sniff_format(b"a,b", "text/csv", None) == "csv"
    assert sniff_format(b"a,b", None, "xlsx") == "xlsx"
