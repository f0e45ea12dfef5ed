"""One document per rule: which crawled documents are versions of bundled ones, and what the
merged document keeps from each."""

from llama_index.core.schema import Document

from ingest.identity import merge_versions, normalise_doc_number, normalise_title

ARTICLES = [f"第{n}条 " + f"关于第{n}项事务的规定，由主管部门依法办理并公告{n}次。" for n in "一二三四五六七八九十"]


def doc(doc_id: str, title: str, articles: list[str], **meta: str) -> Document:
    text = "\n\n".join(articles)
    return Document(id_=doc_id, text=text, metadata={"title": title, "content_hash": doc_id, **meta})


def test_titles_compare_without_brackets_spaces_or_edition():
    assert normalise_title("《中华人民共和国土地管理法》（2019年修正）") == "中华人民共和国土地管理法"
    assert normalise_title(" 北京市 城乡规划条例 ") == "北京市城乡规划条例"
    assert normalise_title("不动产登记暂行条例（试行）") == "不动产登记暂行条例（试行）"  # not an edition
    assert normalise_doc_number("京政发〔2024〕1号") == normalise_doc_number("京政发[2024]1号")


def test_a_complete_crawled_copy_gives_its_text_url_and_status_under_the_bundled_id():
    bundled = doc("land-law", "中华人民共和国土地管理法", ARTICLES, status="有效", source="LawRefBook/Laws:x.md")
    amended = ARTICLES[:3] + ["第四条 经修改的规定。"] + ARTICLES[4:]
    crawled = doc("site/t1", "《中华人民共和国土地管理法》", amended, status="有效",
                  url="http://gov.example/t1.html", effective_date="2020-01-01")
    documents, merges = merge_versions([bundled], [crawled])
    assert [d.id_ for d in documents] == ["land-law"]
    merged = documents[0]
    assert "经修改的规定" in merged.text
    assert merged.metadata["url"] == "http://gov.example/t1.html"
    assert merged.metadata["effective_date"] == "2020-01-01"
    assert merged.metadata["copy_url"].startswith("https://github.com/LawRefBook/Laws/")
    assert [(m.kept, m.merged, m.by, m.text_from) for m in merges] == [("land-law", "site/t1", "title", "crawled")]


def test_an_excerpt_keeps_the_bundled_text_but_the_official_status():
    bundled = doc("rules", "北京市某条例", ARTICLES, status="有效")
    crawled = doc("site/t2", "北京市某条例", ARTICLES[:4], status="已废止", url="http://gov.example/t2.html")
    (merged,), (merge,) = merge_versions([bundled], [crawled])
    assert merged.text == bundled.text and merged.metadata["status"] == "已废止"
    assert merge.text_from == "bundled"


def test_the_version_in_force_is_the_one_a_crawled_page_joins():
    old = doc("law-2017", "中华人民共和国行政复议法", ARTICLES[:5], status="已修改", effective_date="2018-01-01")
    new = doc("law-2023", "中华人民共和国行政复议法", ARTICLES[5:], status="有效", effective_date="2024-01-01")
    crawled = doc("site/t3", "中华人民共和国行政复议法", ARTICLES[5:], url="http://gov.example/t3.html")
    documents, merges = merge_versions([old, new], [crawled])
    assert [m.kept for m in merges] == ["law-2023"]
    dated = doc("site/t4", "中华人民共和国行政复议法", ARTICLES[:5], effective_date="2018-01-01")
    documents, merges = merge_versions([old, new], [dated])
    assert [m.kept for m in merges] == ["law-2017"]


def test_articles_match_a_differently_titled_copy_and_numbers_keep_different_documents_apart():
    bundled = doc("rules", "北京市某条例", ARTICLES, status="有效")
    renamed = doc("site/t5", "某条例全文", ARTICLES[:5], url="http://gov.example/t5.html")
    _, merges = merge_versions([bundled], [renamed])
    assert [(m.kept, m.by) for m in merges] == [("rules", "articles")]
    notice = doc("notice-2023", "关于做好登记工作的通知", ARTICLES[:2], status="有效", doc_number="京规发〔2023〕1号")
    other = doc("site/t6", "关于做好登记工作的通知", ARTICLES[2:4], doc_number="京规发〔2024〕9号")
    documents, merges = merge_versions([notice], [other])
    assert not merges and [d.id_ for d in documents] == ["notice-2023", "site/t6"]


def test_of_two_crawled_copies_the_later_effective_one_is_the_version():
    bundled = doc("rules", "北京市某条例", ARTICLES, status="有效")
    early = doc("a/t1", "北京市某条例", ARTICLES, effective_date="2020-01-01", url="http://a.example/t1")
    late = doc("b/t1", "北京市某条例", ARTICLES, effective_date="2022-01-01", url="http://b.example/t1")
    (merged,), merges = merge_versions([bundled], [early, late])
    assert merged.metadata["url"] == "http://b.example/t1"
    assert sorted((m.merged, m.text_from) for m in merges) == [("a/t1", "none"), ("b/t1", "crawled")]
