"""The sources file: the shipped one loads; mistakes are reported by file, entry and field."""

from pathlib import Path

import pytest

from assistant.settings import PROJECT_ROOT
from ingest.sources import SourcesError, load_sources, select_sources
from eval.fixture_site import fixture_sources

SHIPPED = PROJECT_ROOT / "corpora" / "sources.yaml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_sources_cover_the_official_sites():
    sources = load_sources(SHIPPED)
    domains = {d for s in sources for d in s.allowed_domains}
    assert {"ghzrzyw.beijing.gov.cn", "mnr.gov.cn", "www.gov.cn", "flk.npc.gov.cn"} <= domains
    doc_types = {s.defaults.get("doc_type") for s in sources}
    assert {"规范性文件", "政策解读", "办事指南", "部门规章"} <= doc_types
    assert all(s.start_urls[0].startswith("https://") for s in sources)


def test_a_new_site_is_one_entry(tmp_path):
    (source,) = load_sources(write(tmp_path, fixture_sources("http://127.0.0.1:8080")))
    assert source.name == "fixture" and source.detail.labels["发文字号"] == "doc_number"
    assert source.allows("http://127.0.0.1:8080/zcwj/a.html")
    assert not source.allows("http://localhost:8080/zcwj/a.html")
    assert not source.allows("ftp://127.0.0.1/x")


def test_subdomains_of_an_allowed_domain_are_allowed():
    mnr = next(s for s in load_sources(SHIPPED) if s.name == "mnr-regulations")
    assert mnr.allows("http://gi.mnr.gov.cn/202304/t20230413_2781409.html")
    assert not mnr.allows("https://mnr.gov.cn.example.com/")


@pytest.mark.parametrize("change, expected", [
    (("content: div.TRS_Editor", "contnt: div.TRS_Editor"), "sources[0] (name: fixture) > detail > content"),
    (("content: div.TRS_Editor", "content: div[[["), "invalid CSS selector"),
    (("name: fixture", "name: Fixture Site"), "sources[0] (name: Fixture Site) > name"),
    (("doc_type: 地方性法规", "doc_type: 通知"), "doc_type must be one of"),
    (("- http://127.0.0.1:8080/zcwj/index.html", "- http://evil.example/zcwj/index.html"), "outside allowed_domains"),
    (("delay: 0", "delay: -1"), "sources[0] (name: fixture) > delay"),
])
def test_mistakes_name_the_entry_and_field(tmp_path, change, expected):
    text = fixture_sources("http://127.0.0.1:8080")
    assert change[0] in text
    path = write(tmp_path, text.replace(change[0], change[1]))
    with pytest.raises(SourcesError) as err:
        load_sources(path)
    assert str(path) in str(err.value) and expected in str(err.value)


def test_broken_yaml_names_the_line(tmp_path):
    path = write(tmp_path, "sources:\n  - name: a\n    title: [unclosed\n")
    with pytest.raises(SourcesError, match=r"sources.yaml:\d+: YAML 格式错误"):
        load_sources(path)


def test_duplicate_names_and_unknown_selection_are_errors(tmp_path):
    entry = fixture_sources("http://127.0.0.1:8080")
    doubled = entry + entry.split("sources:\n", 1)[1]
    with pytest.raises(SourcesError, match="来源名称重复：fixture"):
        load_sources(write(tmp_path, doubled))
    sources = load_sources(SHIPPED)
    with pytest.raises(SourcesError, match="没有名为 'nope' 的来源"):
        select_sources(sources, "nope")
    enabled = select_sources(sources, None)
    assert "npc-law-database" not in {s.name for s in enabled}  # disabled: the site is a JS app
    assert [s.name for s in select_sources(sources, "npc-law-database")] == ["npc-law-database"]
