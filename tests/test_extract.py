"""Extraction of fetched pages: HTML text and metadata, PDFs per page, DOCX, list links."""

import io
import zipfile

import pytest
from llama_index.core.schema import Document

from ingest.chunking import chunk_document
from ingest.extract import (ExtractError, clean_title, extract_docx, extract_html, extract_pdf, list_links,
                            normalise_date, normalise_status, normalise_text, soup_of)
from ingest.sources import DetailRules, ListRules
from eval.fixture_site import detail_page, list_page, load_statute, pdf_with_text, scanned_pdf

RULES = DetailRules(
    content="div.TRS_Editor", title="meta[name=ArticleTitle]@content",
    meta={"publish_date": "meta[name=PubDate]@content"}, meta_block="div.xxgk-table",
    labels={"发文字号": "doc_number", "发布机构": "issuer", "成文日期": "publish_date",
            "实施日期": "effective_date", "有效性": "status"},
    remove=[".share", "script"],
)
URL = "http://127.0.0.1:8000/zcwj/t20240101_1.html"


def test_detail_page_gives_title_metadata_articles_and_attachments():
    statute = load_statute("farmland-occupation-tax-law.md")
    page = detail_page(statute, "主席令第18号", status="现行有效",
                       attachments=[("附件1：税目税额表.pdf", "./P1.pdf"), ("附件2：说明.docx", "/files/P2.docx")])
    doc = extract_html(soup_of(page.encode("utf-8")), URL, RULES, ["pdf", "docx"])
    assert doc.title == "中华人民共和国耕地占用税法"
    assert doc.meta == {"publish_date": "2018-12-29", "doc_number": "主席令第18号",
                        "issuer": "全国人民代表大会常务委员会", "effective_date": "2019-09-01", "status": "有效"}
    assert "分享到" not in doc.text and "打印本页" not in doc.text and "京ICP备" not in doc.text
    assert [(a.text, a.url) for a in doc.attachments] == [
        ("附件1：税目税额表.pdf", "http://127.0.0.1:8000/zcwj/P1.pdf"),
        ("附件2：说明.docx", "http://127.0.0.1:8000/files/P2.docx")]
    nodes = chunk_document(Document(id_="x", text=f"# {doc.title}\n\n{doc.text}", metadata={"title": doc.title}))
    assert [n.metadata["label"] for n in nodes] == ["第一条", "第二条", "第三条", "第四条", "第五条", "第六条"]
    assert "占用耕地建设农田水利设施的，不缴纳耕地占用税。" in nodes[1].text  # second paragraph kept


def test_labels_in_one_container_and_brackets_are_split():
    page = """<html><body><div class="info"><span>发文字号：京规自发〔２０２４〕３号</span>
    <span>发布日期：2024年3月5日</span></div><ul class="m"><li><span>【有效性】</span>已废止</li></ul>
    <div id="c"><p>第一条为了测试。</p></div></body></html>"""
    rules = DetailRules(content="#c", labels={"发文字号": "doc_number", "发布日期": "publish_date", "有效性": "status"})
    doc = extract_html(soup_of(page.encode()), URL, rules, [])
    assert doc.meta == {"doc_number": "京规自发〔2024〕3号", "publish_date": "2024-03-05", "status": "已废止"}
    assert doc.text == "第一条 为了测试。"


@pytest.mark.parametrize("order, expected", [
    ({"文号": "doc_number", "发文字号": "doc_number"}, "京规自发〔2024〕3号"),
    ({"发文字号": "doc_number", "文号": "doc_number"}, "京规自函〔2024〕7号"),
])
def test_of_two_labels_for_one_field_the_first_listed_wins(order, expected):
    # 文号 comes later on the page than 发文字号: the file's order decides, not the page's.
    page = """<html><body><table class="m"><tr><td>发文字号：</td><td>京规自函〔2024〕7号</td></tr>
    <tr><td>文号：</td><td>京规自发〔2024〕3号</td></tr></table><div id="c"><p>正文。</p></div></body></html>"""
    doc = extract_html(soup_of(page.encode()), URL, DetailRules(content="#c", meta_block="table.m", labels=order), [])
    assert doc.meta == {"doc_number": expected}


def test_a_label_missing_from_the_page_leaves_the_field_to_the_next_one():
    page = """<html><body><div class="m"><span>文号：京规自发〔2024〕3号</span></div>
    <div id="c"><p>正文。</p></div></body></html>"""
    rules = DetailRules(content="#c", meta_block="div.m", labels={"发文字号": "doc_number", "文号": "doc_number"})
    assert extract_html(soup_of(page.encode()), URL, rules, []).meta == {"doc_number": "京规自发〔2024〕3号"}


def test_the_meta_block_itself_may_hold_the_label():
    page = """<html><body><p class="info">发布日期：2024年3月5日</p><div id="c"><p>正文。</p></div></body></html>"""
    rules = DetailRules(content="#c", meta_block="p.info", labels={"发布日期": "publish_date"})
    assert extract_html(soup_of(page.encode()), URL, rules, []).meta == {"publish_date": "2024-03-05"}


@pytest.mark.parametrize("raw, clean", [
    ("《中华人民共和国土地管理法》", "中华人民共和国土地管理法"),
    ("《土地管理法》与《城乡规划法》对照", "《土地管理法》与《城乡规划法》对照"),
    ("《北京市城乡规划条例》解读", "《北京市城乡规划条例》解读"),
    ("1.关于宅基地审批的通知", "关于宅基地审批的通知"),
    ("１． 关于宅基地审批的通知", "关于宅基地审批的通知"),
    ("12、办理流程", "办理流程"),
    ("（一）申请材料", "申请材料"),
    ("(3) 申请材料", "申请材料"),
    ("三、办理时限", "办理时限"),
    ("附件1：税目税额表", "税目税额表"),
    ("附件：《耕地占用税法》", "耕地占用税法"),
    ("附件2-1 申请表", "申请表"),
    ("附件材料清单", "附件材料清单"),
    ("1.5倍容积率的规定", "1.5倍容积率的规定"),
    ("2024年度土地供应计划", "2024年度土地供应计划"),
    ("12345热线知识库", "12345热线知识库"),
    ("十四五规划纲要", "十四五规划纲要"),
    ("关于规划_用地的通知", "关于规划_用地的通知"),  # not from <title>: underscores are the document's
    ("附件1", "附件1"),  # nothing would be left
    ("《》", "《》"),
    ("  关于\u3000宅基地的\n通知 ", "关于 宅基地的 通知"),
])
def test_clean_title(raw, clean):
    assert clean_title(raw) == clean


@pytest.mark.parametrize("raw, clean", [
    ("关于宅基地审批的通知_政策文件_北京市规划和自然资源委员会", "关于宅基地审批的通知"),
    ("关于宅基地审批的通知 - 自然资源部", "关于宅基地审批的通知"),
    ("2021-2035年北京城市总体规划", "2021-2035年北京城市总体规划"),
    ("_北京市规划和自然资源委员会", "_北京市规划和自然资源委员会"),
])
def test_clean_title_drops_the_site_suffix_of_a_page_title(raw, clean):
    assert clean_title(raw, page_title=True) == clean


def test_the_page_title_loses_its_site_suffix_only_as_a_fallback():
    page = """<html><head><title>1.关于宅基地审批的通知_政策文件_北京市规划和自然资源委员会</title></head>
    <body><div id="c"><p>正文。</p></div></body></html>"""
    assert extract_html(soup_of(page.encode()), URL, DetailRules(content="#c"), []).title == "关于宅基地审批的通知"
    headed = page.replace("<body>", "<body><h1>（一）《关于规划_用地的通知》</h1>")
    assert extract_html(soup_of(headed.encode()), URL, DetailRules(content="#c"), []).title == "关于规划_用地的通知"


def test_gbk_page_declared_gb2312_decodes():
    page = ('<html><head><meta charset="gb2312"></head>'
            '<body><div id="c"><p>镕基同志关于宅基地的讲话</p></div></body></html>')
    doc = extract_html(soup_of(page.encode("gbk"), "gb2312"), URL, DetailRules(content="#c", title="p"), [])
    assert doc.text == "镕基同志关于宅基地的讲话"


def test_missing_main_text_is_an_error():
    with pytest.raises(ExtractError, match="没有找到正文"):
        extract_html(soup_of(b"<html><body><p>x</p></body></html>"), URL, DetailRules(content="#none"), [])


@pytest.mark.parametrize("raw, clean", [
    ("第一条\u3000为了加强管理，制定本条例。", "第一条 为了加强管理，制定本条例。"),
    ("第十二条之一本条例自公布之日起施行。", "第十二条之一 本条例自公布之日起施行。"),
    ("京政发〔２０２３〕１２号　ＡＢＣ", "京政发〔2023〕12号 ABC"),
    ("  第一段  \n\n\n\n第二段\xa0\xa0结束\u200b ", "第一段\n\n第二段 结束"),
    ("第三条规定的期限", "第三条 规定的期限"),
    ("第三条、第四条", "第三条、第四条"),
])
def test_normalise_text(raw, clean):
    assert normalise_text(raw) == clean


@pytest.mark.parametrize("raw, iso", [("2024年1月5日", "2024-01-05"), ("2024-01-05 09:30:00", "2024-01-05"),
                                      ("２０２４/1/5", "2024-01-05"), ("2024.01.05", "2024-01-05"),
                                      ("无", None), ("2024年13月1日", None)])
def test_normalise_date(raw, iso):
    assert normalise_date(raw) == iso


@pytest.mark.parametrize("raw, status", [("现行有效", "有效"), ("已废止", "已废止"), ("失效", "失效"),
                                         ("部分失效", "有效"), ("已被修改", "已修改"), ("", "有效")])
def test_normalise_status(raw, status):
    assert normalise_status(raw) == status


def test_pdf_text_is_read_per_page():
    statute = load_statute("beijing-basic-farmland-protection-regulations.md")
    data = pdf_with_text(["\n".join(statute.articles[:2]), "\n".join(statute.articles[2:4])], statute.title)
    doc = extract_pdf(data, min_chars_per_page=20)
    assert doc.title == statute.title
    assert len(doc.page_offsets) == 2
    second = doc.text[doc.page_offsets[1]:]
    assert second.startswith("第三条") and "第一条" not in second
    assert "基本农田是指" in doc.text[:doc.page_offsets[1]]


def test_pdf_title_is_cleaned():
    data = pdf_with_text(["第一条 本规定适用于本市。" * 3], "附件1：《北京市宅基地管理规定》")
    assert extract_pdf(data, min_chars_per_page=20).title == "北京市宅基地管理规定"


def test_scanned_pdf_is_reported_not_indexed_empty():
    with pytest.raises(ExtractError, match="扫描件"):
        extract_pdf(scanned_pdf(), min_chars_per_page=20)


def test_broken_pdf_is_an_error():
    with pytest.raises(ExtractError, match="PDF 无法读取"):
        extract_pdf(b"%PDF-1.4\nnot really", min_chars_per_page=20)


def test_docx_paragraphs():
    ns = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    body = "".join(f'<w:p><w:r><w:t>{t}</w:t></w:r></w:p>' for t in ("关于宅基地审批的通知", "第一条\u3000适用范围。"))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", f'<w:document xmlns:w="{ns}"><w:body>{body}</w:body></w:document>')
    doc = extract_docx(out.getvalue())
    assert doc.title == "关于宅基地审批的通知" and doc.text.endswith("第一条 适用范围。")
    assert extract_docx(_docx("附件2：《宅基地申请表》")).title == "宅基地申请表"


def test_list_links_follow_patterns_and_next_page():
    page = list_page([("./t20240101_1.html", "关于土地征收的通知", ""),
                      ("./t20240102_2.html", "关于体育比赛的通知", ""),
                      ("/about.html", "关于土地", "")], "index_1.html")
    rules = ListRules(links="ul.list li a", link_pattern=r"/t\d{8}_\d+\.html$", link_text_pattern="土地|规划",
                      next_page="a.next")
    details, pages = list_links(soup_of(page.encode()), "http://h/zcwj/index.html", rules)
    assert details == ["http://h/zcwj/t20240101_1.html"]
    assert pages == ["http://h/zcwj/index_1.html"]


def test_a_home_page_is_followed_to_its_section_lists():
    page = """<html><body><div class="nav"><a href="/">首页</a><a href="/zcwj/index.html">政策文件</a>
    <a href="/zcjd/">政策解读</a><a href="/about/index.html">关于我们</a></div>
    <ul class="list"><li><a href="/zcwj/t20240101_1.html">通知</a></li><li><a href="/zcjd/">政策解读</a></li></ul>
    <a class="next" href="index_1.html">下一页</a><a href="/zcwj/index.html#top">政策文件</a></body></html>"""
    rules = ListRules(links="ul.list li a", next_page="a.next", follow=r"/(zcwj|zcjd)/(index\.html)?$")
    details, pages = list_links(soup_of(page.encode()), "http://h/index.html", rules)
    assert details == ["http://h/zcwj/t20240101_1.html"]  # /zcjd/ matches follow: a list, not a document
    assert pages == ["http://h/index_1.html", "http://h/zcwj/index.html", "http://h/zcjd/"]
    without = ListRules(links="ul.list li a", next_page="a.next")
    assert list_links(soup_of(page.encode()), "http://h/index.html", without) == (
        ["http://h/zcwj/t20240101_1.html", "http://h/zcjd/"], ["http://h/index_1.html"])


def test_a_docx_zip_bomb_is_refused_quickly_without_unpacking():
    import resource
    import time
    import zipfile as zf

    buffer = io.BytesIO()
    with zf.ZipFile(buffer, "w", zf.ZIP_DEFLATED) as archive:
        with archive.open("word/document.xml", "w") as member:  # 1 GiB of zeros, ~1 MB compressed
            chunk = b"\0" * (1 << 20)
            for _ in range(1024):
                member.write(chunk)
    bomb = buffer.getvalue()
    assert len(bomb) < 2 * (1 << 20)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with pytest.raises(ExtractError, match="压缩炸弹"):
        extract_docx(bomb)
    assert time.perf_counter() - started < 2
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100 * 1024  # KiB: under 100 MB


def _docx(text: str) -> bytes:
    import zipfile as zf

    buffer = io.BytesIO()
    with zf.ZipFile(buffer, "w", zf.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", '<w:document xmlns:w="http://schemas.openxmlformats.org/'
                         'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>' + text + "</w:t></w:r></w:p>"
                         "</w:body></w:document>")
    return buffer.getvalue()


def test_an_upload_is_read_in_a_bounded_child_process():
    from ingest.extract_worker import extract_bounded

    budget = {"min_pdf_chars": 20, "memory_bytes": 1 << 30, "max_chars": 10_000}
    assert "宅基地" in extract_bounded("a.docx", _docx("第一条 宅基地的申请条件。"), seconds=60, **budget)
    with pytest.raises(ExtractError, match="超时"):
        extract_bounded("a.docx", _docx("第一条 宅基地。"), seconds=0.001, **budget)
    with pytest.raises(ExtractError, match="过长"):
        extract_bounded("a.docx", _docx("宅" * 20_000), seconds=60, **budget)
    with pytest.raises(ExtractError, match="不支持的文件类型"):
        extract_bounded("a.exe", b"MZ", seconds=60, **budget)


def test_a_child_out_of_memory_is_a_refusal_not_a_crash():
    import random

    from ingest.extract_worker import extract_bounded

    # 30 MB of text that does not compress (so it passes the zip-bomb check) needs more than the
    # 100 MB of address space given here; the interpreter alone takes ~63 MB.
    rng = random.Random(0)
    text = "".join(chr(0x4E00 + rng.randrange(3000)) for _ in range(10_000_000))
    with pytest.raises(ExtractError, match="内存"):
        extract_bounded("a.docx", _docx(text), min_pdf_chars=20, memory_bytes=100 << 20,
                        seconds=60, max_chars=100_000_000)
