"""FAQ import/export as CSV and XLSX (assistant.faq_io), on SQLite and PostgreSQL."""

import csv
import hashlib
import io
from datetime import date, datetime

import numpy as np
import pytest
from openpyxl import Workbook, load_workbook

from assistant import faq_io
from assistant.db import BEIJING
from assistant.faqs import FaqContent, create_faq, list_faqs, publish_faq, submit_faq
from assistant.passage import Passage
from assistant.spreadsheets import RowsRejected, sniff_format

KNOWN = {"land-administration-law/a62", "land-administration-law/a63"}
LAND = "中华人民共和国土地管理法"
RESOLVER = faq_io.CitationResolver([
    Passage(id=f"land-administration-law/a{n}", text=f"第{n}条的原文", doc_id="land-administration-law", title=LAND,
            label=label, article=n, status="有效") for n, label in ((62, "第六十二条"), (63, "第六十三条"))])
COSINE = 0.98


def encode(texts):
    """Unrelated texts as unrelated unit vectors (a seeded random vector per text)."""
    vectors = np.array([np.random.default_rng(int(hashlib.sha256(t.encode()).hexdigest()[:8], 16)).standard_normal(64)
                        for t in texts], dtype=np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def import_faqs(s, data, fmt, author="alice"):
    return faq_io.import_faqs(s, data, fmt, author, RESOLVER, encode, COSINE)


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


def test_export_reads_back_the_same_content_and_reimporting_creates_nothing(db_session):
    s = db_session
    faq = create_faq(s, FaqContent(question="农村一户能有几处宅基地？", alternatives=["一户两块宅基地行吗", "宅基地几处"],
                              answer="一户只能拥有一处宅基地。\n第二段。", citations=sorted(KNOWN), topic="宅基地",
                              audience="agent", valid_until=date(2099, 1, 31)), author="alice")
    submit_faq(s, faq.id, "alice")
    publish_faq(s, faq.id, "bob")
    s.commit()
    for fmt in ("csv", "xlsx"):
        data = faq_io.export_faqs(list_faqs(s), fmt, RESOLVER)
        [(row, content)] = faq_io.parse_import(data, fmt, RESOLVER)
        assert row == 2
        for field in ("question", "alternatives", "answer", "citations", "topic", "audience", "valid_until"):
            assert getattr(content, field) == getattr(faq, field), (fmt, field)
        result = import_faqs(s, data, fmt, "carol")
        assert result.created == []
        [skipped] = result.skipped
        assert (skipped.row, skipped.faq_id, skipped.similarity) == (2, faq.id, 1.0)
        assert skipped.message == f"与已有 FAQ #{faq.id}（已发布）重复，未导入"


def test_export_writes_human_citations_and_beijing_time(db_session):
    s = db_session
    faq = create_faq(s, FaqContent(question="宅基地几处", answer="一处。",
                                   citations=["land-administration-law/a62", "gone-law/a1"]), author="alice")
    submit_faq(s, faq.id, "alice")
    publish_faq(s, faq.id, "bob")
    rows = list(csv.reader(io.StringIO(faq_io.export_faqs(list_faqs(s), "csv", RESOLVER).decode("utf-8-sig"))))
    cells = dict(zip(rows[0], rows[1]))
    # A passage no longer in the index keeps its id: the file still says what was cited.
    assert cells["引用依据"] == "《土地管理法》第六十二条\ngone-law/a1"
    assert cells["更新时间"] == faq.updated_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
    assert cells["发布时间"] == faq.published_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def test_human_citations_are_resolved_and_duplicates_skipped_on_import(db_session):
    s = db_session
    data = _csv([["问题", "答复", "引用依据"],
                 ["宅基地一户几处", "一处。", "《中华人民共和国土地管理法》第六十二条"],
                 ["宅基地审批", "乡镇审核。", "土地管理法第62条；《土地管理法》第六十三条"],
                 ["宅基地 一户几处？", "同第二行。", "土地管理法 第６２条"],
                 ["宅基地面积", "按标准。", "《土地管理法》第六十二条、第六十三条"]])
    result = import_faqs(s, data, "csv")
    assert [f.citations for f in result.created] == [
        ["land-administration-law/a62"], ["land-administration-law/a62", "land-administration-law/a63"],
        ["land-administration-law/a62", "land-administration-law/a63"]]
    assert [(k.row, k.faq_id, k.message) for k in result.skipped] == [(4, None, "与第 2 行重复，未导入")]
    s.commit()
    again = import_faqs(s, data, "csv")
    assert again.created == [] and [k.row for k in again.skipped] == [2, 3, 4, 5]
    assert len(list_faqs(s)) == 3


def test_unknown_or_ambiguous_citations_are_reported_per_row(db_session):
    data = _csv([["问题", "答复", "引用依据"],
                 ["问题一", "答复一", "《土地管理法》第六十二条"],
                 ["问题二", "答复二", "土地法第62条"],
                 ["问题三", "答复三", "《土地管理法》第九百条"],
                 ["问题四", "答复四", "宅基地那一条"],
                 ["问题五", "答复五", "土地管理法第6十二条"]])
    with pytest.raises(RowsRejected) as caught:
        import_faqs(db_session, data, "csv")
    assert [(e.row, e.column, e.message) for e in caught.value.errors] == [
        (3, "引用依据", "法规库中没有「土地法」"),
        (4, "引用依据", f"《{LAND}》中没有第九百条"),
        (5, "引用依据", "无法识别「宅基地那一条」：请写条文编号，或如《土地管理法》第六十二条"),
        (6, "引用依据", "「第6十二条」的条号无法识别：请写如 第六十二条 或 第62条")]
    assert list_faqs(db_session) == []


def test_citation_resolver_on_the_live_index(searcher):
    resolver = faq_io.CitationResolver(searcher.index.passages)
    a62 = (["land-administration-law/a62"], None)
    for text in ("《中华人民共和国土地管理法》第六十二条", "土地管理法第62条", "《土地管理法》第六十二条",
                 "中华人民共和国土地管理法第６２条", "land-administration-law/a62"):
        assert resolver.resolve(text) == a62, text
    # Two documents of one title: the one in force is meant.
    ids, problem = resolver.resolve("行政复议法第一条")
    assert problem is None and ids[0].startswith("administrative-reconsideration-law-2023/")
    # An article split into parts is cited whole.
    ids, _ = resolver.resolve("北京市物业管理条例第九十八条")
    assert len(ids) > 1 and all(i.startswith("beijing-property-management-regulations/") for i in ids)
    # A name that is only part of titles gets suggestions.
    _, problem = resolver.resolve("《管理法》第一条")
    assert problem.startswith("法规库中没有「管理法」；是否指：《")
    assert resolver.label("land-administration-law/a62") == "《土地管理法》第六十二条"


def test_a_title_naming_two_documents_in_force_is_ambiguous():
    twins = faq_io.CitationResolver([
        Passage(id=f"{doc}/a1", text="原文", doc_id=doc, title="物业管理条例", label="第一条", article=1, status="有效")
        for doc in ("property-a", "property-b")])
    ids, problem = twins.resolve("物业管理条例第1条")
    assert ids == [] and problem == "「物业管理条例」对应多部法规：《物业管理条例》（有效）、《物业管理条例》（有效），请写全称或改用条文编号"


def test_the_import_template_imports(db_session):
    for fmt in ("csv", "xlsx"):
        data = faq_io.import_template(fmt)
        [(row, content)] = faq_io.parse_import(data, fmt, RESOLVER)
        assert (row, content.citations, content.audience) == (2, ["land-administration-law/a62"], "public")


def test_export_csv_is_excel_friendly_and_defuses_formulas(db_session):
    s = db_session
    create_faq(s, FaqContent(question="=HYPERLINK(\"http://x\")", answer="+1 正常答复", citations=[]), author="a")
    data = faq_io.export_faqs(list_faqs(s), "csv", RESOLVER)
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == faq_io.header_labels()
    assert rows[1][0] == "'=HYPERLINK(\"http://x\")" and rows[1][2] == "'+1 正常答复"
    assert rows[1][faq_io.header_labels().index("状态")] == "草稿"
    # and import takes the apostrophe off again
    s.rollback()  # the FAQ is gone, so its row is no duplicate
    created = import_faqs(s, data, "csv", "b").created
    assert created[0].question == "=HYPERLINK(\"http://x\")" and created[0].answer == "+1 正常答复"

    sheet = load_workbook(io.BytesIO(faq_io.export_faqs(list_faqs(s), "xlsx", RESOLVER))).active
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
        import_faqs(s, data, "csv")
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
        import_faqs(db_session, data, "csv")
    if message:
        assert message in str(caught.value)
    with pytest.raises(RowsRejected, match="无法读取 XLSX"):
        import_faqs(db_session, b"PK\x03\x04 not really a zip", "xlsx")


def test_import_reads_english_headers_gb18030_and_xlsx_cells(db_session):
    s = db_session
    gbk = _csv([["question", "answer", "citations", "audience"], ["房本丢了怎么办", "申请补发。", "", "agent"]],
               encoding="gb18030")
    assert import_faqs(s, gbk, "csv").created[0].question == "房本丢了怎么办"
    book = _xlsx([["问题", "答复", "有效期至", "其他问法", "引用依据"],
                  ["宅基地几处", "一处。", datetime(2099, 5, 1), "问法一|问法二", "land-administration-law/a62, land-administration-law/a63"],
                  [None, None, None, None, None]])
    [faq] = import_faqs(s, book, "xlsx").created
    assert faq.valid_until == date(2099, 5, 1)
    assert faq.alternatives == ["问法一", "问法二"]
    assert faq.citations == ["land-administration-law/a62", "land-administration-law/a63"]


def test_sniff_format():
    assert sniff_format(b"PK\x03\x04...", None, None) == "xlsx"
    assert sniff_format(b"a,b", "text/csv", None) == "csv"
    assert sniff_format(b"a,b", None, "xlsx") == "xlsx"
