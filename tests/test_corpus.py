
import pytest

from ingest.corpus import CorpusError, load_corpus, load_document, source_url
from tests.conftest import CORPUS, copy_corpus


def test_bundled_corpus_loads_every_document_with_metadata():
    result = load_corpus(CORPUS)
    assert result.errors == []
    assert len(result.documents) == 72
    land = next(d for d in result.documents if d.id_ == "land-administration-law")
    assert land.metadata["title"] == "中华人民共和国土地管理法"
    assert land.metadata["doc_type"] == "法律"
    assert land.metadata["status"] == "有效"
    assert land.metadata["effective_date"] == "2020-01-01"
    assert land.metadata["url"].startswith("https://github.com/LawRefBook/Laws/")
    assert land.text.lstrip().startswith("# 中华人民共和国土地管理法")
    statuses = {d.metadata["status"] for d in result.documents}
    assert {"有效", "已修改", "已废止"} <= statuses


def test_broken_front_matter_names_file_and_line_and_loses_nothing_else(tmp_path):
    copy_corpus(tmp_path, ("land-administration-law.md", "urban-rural-planning-law.md"))
    broken = tmp_path / "broken.md"
    broken.write_text('---\ntitle: "某条例"\nstatus: [有效\nregion: 北京\n---\n第一条 内容。\n', encoding="utf-8")
    result = load_corpus(tmp_path)
    assert sorted(d.id_ for d in result.documents) == ["land-administration-law", "urban-rural-planning-law"]
    assert len(result.errors) == 1
    err = result.errors[0]
    assert err.path == broken
    assert err.line in (3, 4)
    assert "broken.md:" in str(err) and "front matter" in str(err)


@pytest.mark.parametrize("content, problem", [
    ("第一条 没有前言。\n", "missing YAML front matter"),
    ("---\ntitle: 未闭合\n第一条 内容。\n", "not closed"),
    ("---\nstatus: 有效\n---\n第一条 内容。\n", "no 'title'"),
    ("---\n- a\n- b\n---\n", "mapping"),
])
def test_malformed_files_raise_clear_errors(tmp_path, content, problem):
    path = tmp_path / "bad.md"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CorpusError, match=problem) as info:
        load_document(path, tmp_path)
    assert str(path) in str(info.value)


def test_non_utf8_file_is_reported(tmp_path):
    path = tmp_path / "gbk.md"
    path.write_bytes("---\ntitle: 条例\n---\n第一条 内容。\n".encode("gbk"))
    with pytest.raises(CorpusError, match="not UTF-8"):
        load_document(path, tmp_path)


def test_source_url_prefers_explicit_url():
    assert source_url({"url": "https://www.gov.cn/x.html", "source": "LawRefBook/Laws:a.md"}) == "https://www.gov.cn/x.html"
    assert source_url({"source": "LawRefBook/Laws:行政法/a.md"}).endswith("/行政法/a.md")
