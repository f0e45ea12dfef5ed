import csv

import pytest
from llama_index.core.schema import Document

from assistant.numerals import cn_to_int
from ingest.chunking import chunk_document
from ingest.corpus import load_corpus, load_document
from tests.conftest import CORPUS


@pytest.mark.parametrize("numeral, value", [
    ("一", 1), ("十", 10), ("十二", 12), ("二十", 20), ("六十二", 62), ("一百", 100),
    ("一百零五", 105), ("一百一十", 110), ("三百六十四", 364), ("一千二百六十", 1260),
])
def test_cn_to_int(numeral, value):
    assert cn_to_int(numeral) == value


def test_articles_per_law_match_the_manifest_over_the_whole_corpus():
    with open(CORPUS / "MANIFEST.tsv", encoding="utf-8") as f:
        expected = {row["path"].split("/", 1)[1]: int(row["articles"]) for row in csv.DictReader(f, delimiter="\t")}
    docs = load_corpus(CORPUS).documents
    assert len(expected) == len(docs)
    for doc in docs:
        nodes = chunk_document(doc)
        articles = {n.metadata["label"] for n in nodes if n.metadata["article"] >= 0}
        assert len(articles) == expected[doc.metadata["path"]], doc.metadata["path"]
        for node in nodes:  # offsets point at the passage's own text
            start, end = node.metadata["start"], node.metadata["end"]
            assert doc.text[start:end].strip().endswith(node.text[-20:].strip())


def test_article_carries_title_label_chapter_and_offsets():
    doc = load_document(CORPUS / "land-administration-law.md", CORPUS)
    node = next(n for n in chunk_document(doc) if n.metadata["article"] == 62)
    assert node.id_ == "land-administration-law/a62"
    assert node.metadata["label"] == "第六十二条"
    assert node.metadata["title"] == "中华人民共和国土地管理法"
    assert node.metadata["chapter"].startswith("第五章")
    assert node.text.startswith("第六十二条 农村村民一户只能拥有一处宅基地")
    assert doc.text[node.metadata["start"]:node.metadata["end"]] == node.text
    assert node.ref_doc_id == doc.id_


def test_civil_code_keeps_the_full_chapter_path():
    doc = load_document(CORPUS / "civil-code-property-rights.md", CORPUS)
    node = next(n for n in chunk_document(doc) if n.metadata["article"] == 214)
    assert node.metadata["chapter"].count(" / ") >= 1
    assert "不动产登记" in node.metadata["chapter"]


def test_long_article_is_split_at_paragraphs_keeping_its_label():
    paragraphs = [f"第{i}款内容" + "甲" * 300 + "。" for i in range(1, 6)]
    text = "# 测试法\n\n## 第一章 总则\n\n第一条 " + "\n\n".join(paragraphs) + "\n\n第二条 短条文。\n"
    doc = Document(id_="t", text=text, metadata={"title": "测试法"})
    nodes = chunk_document(doc, max_article_chars=800)
    first = [n for n in nodes if n.metadata["article"] == 1]
    assert len(first) == 3
    assert all(n.metadata["label"] == "第一条" for n in first)
    assert all(len(text[n.metadata["start"]:n.metadata["end"]]) <= 800 for n in first)
    assert first[1].text.startswith("第一条（续）")
    assert [n.id_ for n in first] == ["t/a1.1", "t/a1.2", "t/a1.3"]
    assert nodes[-1].id_ == "t/a2"


def test_article_with_zhi_suffix_gets_its_own_passage():
    text = "# 测试法\n\n第十条 甲。\n\n第十条之一 乙。\n\n第十一条 丙。\n"
    nodes = chunk_document(Document(id_="t", text=text, metadata={"title": "测试法"}))
    assert [n.metadata["label"] for n in nodes] == ["第十条", "第十条之一", "第十一条"]
    assert [n.id_ for n in nodes] == ["t/a10", "t/a10-1", "t/a11"]


def test_document_without_articles_is_cut_at_headings_then_by_length():
    doc = load_document(CORPUS / "beijing-farmland-occupation-tax-decision.md", CORPUS)
    nodes = chunk_document(doc)
    assert nodes and all(n.metadata["article"] == -1 for n in nodes)
    assert any("一、北京市各区耕地占用税的适用税额" in n.metadata["label"] for n in nodes)
    long_text = "# 指南\n\n## 办理流程\n\n" + "\n\n".join("步骤说明" * 40 for _ in range(6))
    pieces = chunk_document(Document(id_="g", text=long_text, metadata={"title": "指南"}),
                            section_chars=300, section_overlap=50)
    assert len(pieces) > 1
    assert all(len(p.text) <= 300 for p in pieces)
    assert all(p.metadata["label"] == "办理流程" for p in pieces)


def labels_of(text: str, title: str = "关于宅基地审批的办事指南", **kwargs) -> list[str]:
    return [n.metadata["label"] for n in chunk_document(Document(id_="g", text=text, metadata={"title": title}),
                                                        **kwargs)]


def test_passages_outside_articles_are_not_labelled_with_the_title():
    title = "关于宅基地审批的办事指南"
    assert labels_of(f"# {title}\n\n申请人向村委会提出申请。") == ["正文"]
    # A heading that repeats the title (the page's own h1) is no section name either.
    assert labels_of(f"# {title}\n\n## {title}\n\n申请人向村委会提出申请。\n\n## 办理时限\n\n二十个工作日。") == [
        "正文", "办理时限"]
    long_text = f"# {title}\n\n" + "\n\n".join("申请人提交材料。" * 30 for _ in range(3))
    assert labels_of(long_text, section_chars=300, section_overlap=50) == ["第1部分", "第2部分", "第3部分"]
    statute = "# 测试解释\n\n为正确审理案件，制定本解释。\n\n第一条 甲。\n"
    nodes = chunk_document(Document(id_="t", text=statute, metadata={"title": "测试解释"}))
    assert [(n.id_, n.metadata["label"]) for n in nodes] == [("t/s0", "序言"), ("t/a1", "第一条")]


def test_preamble_labels_change_but_passage_ids_do_not():
    doc = load_document(CORPUS / "spc-property-service-disputes.md", CORPUS)
    nodes = chunk_document(doc)
    assert nodes[0].id_ == "spc-property-service-disputes/s0" and nodes[0].metadata["label"] == "序言"
    assert nodes[0].text.startswith("为正确审理物业服务纠纷案件")
    assert all(n.metadata["label"] != doc.metadata["title"] for n in nodes)


LINKS = ("\n\n附件：\n- [附件1：税目税额表.pdf](http://h/zcwj/P1.pdf)\n"
         "- [附件2：说明.docx](https://h/files/P2.docx)\n")


def test_the_trailing_attachment_links_are_not_passage_text():
    statute = "# 测试法\n\n第一条 甲。\n\n第二条 乙。" + LINKS
    nodes = chunk_document(Document(id_="t", text=statute, metadata={"title": "测试法"}))
    assert [n.text for n in nodes] == ["第一条 甲。", "第二条 乙。"]
    assert nodes[-1].metadata["end"] == statute.index("\n\n附件：")
    guide = "# 指南\n\n## 办理流程\n\n提交申请。" + LINKS
    assert [n.text for n in chunk_document(Document(id_="g", text=guide, metadata={"title": "指南"}))] == ["提交申请。"]


@pytest.mark.parametrize("tail", [
    "\n\n附件：\n1. 税目税额表",                                   # not a link list
    "\n\n附件：\n- [税目税额表](http://h/P1.pdf)\n\n第三条 丙。",     # text follows: not the trailing block
    "\n附件：税目税额表（见下载）",                                 # a sentence that mentions 附件
])
def test_other_attachment_wording_stays_in_the_text(tail):
    text = "# 测试法\n\n第一条 甲。\n\n第二条 乙。" + tail
    nodes = chunk_document(Document(id_="t", text=text, metadata={"title": "测试法"}))
    passages = "\n".join(n.text for n in nodes)
    assert all(line in passages for line in tail.split("\n") if line.strip())
