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


SECTIONS = [
    {"pattern": r"/zcjd/", "defaults": {"doc_type": "政策解读"}},
    {"pattern": r"/bszn/", "defaults": {"doc_type": "办事指南", "issuer": "北京市政务服务中心"}},
    {"pattern": r"/zcjd/|/bszn/", "defaults": {"doc_type": "其他"}},  # never reached: first match wins
]


def test_section_defaults_are_picked_by_url_and_the_first_match_wins(tmp_path):
    (source,) = load_sources(write(tmp_path, fixture_sources("http://127.0.0.1:8080", sections=SECTIONS)))
    base = "http://127.0.0.1:8080"
    assert source.defaults_for(f"{base}/zcwj/t1.html") == {"doc_type": "地方性法规", "region": "北京"}
    assert source.defaults_for(f"{base}/zcjd/t2.html") == {"doc_type": "政策解读", "region": "北京"}
    assert source.defaults_for(f"{base}/bszn/t3.html") == {"doc_type": "办事指南", "region": "北京",
                                                           "issuer": "北京市政务服务中心"}


@pytest.mark.parametrize("sections, expected", [
    ([{"pattern": "/zcjd/[", "defaults": {"doc_type": "政策解读"}}], "sections > 0 > pattern"),
    ([{"pattern": "/zcjd/", "defaults": {"doc_type": "通知"}}], "doc_type must be one of"),
    ([{"pattern": "/zcjd/", "defaults": {"doc_typ": "政策解读"}}], "sections > 0 > defaults > doc_typ"),
    ([{"pattern": "/zcjd/", "defaults": {"doc_type": "政策解读"}, "title": "x"}], "sections > 0 > title"),
    ([{"pattern": "/zcjd/", "defaults": {}}], "sections > 0 > defaults"),
])
def test_section_mistakes_name_the_section(tmp_path, sections, expected):
    path = write(tmp_path, fixture_sources("http://127.0.0.1:8080", sections=sections))
    with pytest.raises(SourcesError) as err:
        load_sources(path)
    assert "sources[0] (name: fixture)" in str(err.value) and expected in str(err.value)


def test_canonical_url_drops_fragment_and_tracking_parameters_only():
    (source,) = load_sources(SHIPPED)[:1]
    url = "https://ghzrzyw.beijing.gov.cn/art/view.html?id=42&utm_source=wx&UTM_Medium=a&from=singlemessage&page=2#top"
    assert source.canonical_url(url) == "https://ghzrzyw.beijing.gov.cn/art/view.html?id=42&page=2"
    # What is kept is kept as written: encoding, order and blank values are not rewritten.
    kept = "https://ghzrzyw.beijing.gov.cn/s?q=%E5%9C%9F%E5%9C%B0&b=&a=1/2&spm=a.b.c"
    assert source.canonical_url(kept) == "https://ghzrzyw.beijing.gov.cn/s?q=%E5%9C%9F%E5%9C%B0&b=&a=1/2"
    assert source.canonical_url("https://ghzrzyw.beijing.gov.cn/a.html?share=1") == "https://ghzrzyw.beijing.gov.cn/a.html"


def test_canonical_rules_from_the_file_rank_copies_last(tmp_path):
    canonical = {"strip_params": ["sessionid", "track_*"], "avoid": ["/zhuanti/", "/zt/"], "prefer": ["/zcwj/"]}
    (source,) = load_sources(write(tmp_path, fixture_sources("http://127.0.0.1:8080", canonical=canonical)))
    base = "http://127.0.0.1:8080"
    # The list replaces the default one: utm_* is kept here.
    assert (source.canonical_url(f"{base}/a.html?SessionId=9&track_x=1&utm_source=wx&id=3")
            == f"{base}/a.html?utm_source=wx&id=3")
    ranked = sorted([f"{base}/zt/2024/t1.html", f"{base}/xxgk/t1.html", f"{base}/zcwj/t1.html"], key=source.url_rank)
    assert ranked == [f"{base}/zcwj/t1.html", f"{base}/xxgk/t1.html", f"{base}/zt/2024/t1.html"]
    assert source.url_rank(f"{base}/zhuanti/zcwj/t1.html") == 2  # avoid beats prefer


@pytest.mark.parametrize("canonical, expected", [
    ({"strip_params": ["*"]}, "'*' alone would strip every parameter"),
    ({"avoid": ["/zt/("]}, "canonical > avoid"),
    ({"prefer": ["("]}, "invalid regular expression"),
    ({"strip": ["from"]}, "canonical > strip"),
])
def test_canonical_mistakes_are_reported(tmp_path, canonical, expected):
    path = write(tmp_path, fixture_sources("http://127.0.0.1:8080", canonical=canonical))
    with pytest.raises(SourcesError) as err:
        load_sources(path)
    assert expected in str(err.value)


def test_follow_must_be_a_regular_expression(tmp_path):
    listing = {"links": "ul.list li a", "follow": "/zcfg/(index"}
    with pytest.raises(SourcesError, match=r"list > follow: Value error, invalid regular expression"):
        load_sources(write(tmp_path, fixture_sources("http://127.0.0.1:8080", list=listing)))


def test_the_entries_in_docs_sources_md_load(tmp_path):
    import re

    docs = (PROJECT_ROOT / "docs" / "sources.md").read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```yaml\n(.*?)```", docs, flags=re.S) if "- name:" in b]
    entries = [load_sources(write(tmp_path, b if b.startswith("sources:") else "sources:\n" + b))[0] for b in blocks]
    assert [e.name for e in entries] == ["bjgh-policy-files", "bjgh-site"]
    site = entries[1]
    assert site.defaults_for("https://ghzrzyw.beijing.gov.cn/zcjd/t20240101_1.html")["doc_type"] == "政策解读"
    assert entries[0].canonical.avoid and entries[0].listing.follow and entries[0].sections
