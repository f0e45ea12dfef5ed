"""Crawl runs against a local fixture site: what lands in the corpus, the history and the
index; politeness and failure handling; resuming after SIGKILL; the regression gate."""

import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from assistant import index as store
from assistant.db import CrawlPage, CrawlRun, Faq
from assistant.faqs import FaqContent, create_faq, publish_faq, submit_faq
from assistant.answer import Answerer
from assistant.live_index import open_searcher
from assistant.retrieval import Filters
from ingest.build import build_index
from ingest.corpus import load_corpus
from ingest.gate import regression_gate
from ingest.runs import note_manual_activation, run_crawl
from ingest.sources import load_sources
from tests.conftest import copy_corpus, index_env, make_settings
from eval.fixture_site import (FixtureSite, detail_page, fixture_sources, list_page, load_statute,
                                pdf_with_text, scanned_pdf)

BUNDLED = ["urban-rural-planning-law.md", "land-administration-law.md"]
A, B, C, D, E = ("farmland-occupation-tax-law.md", "urban-land-use-tax-regulations.md",
                 "spc-property-service-disputes.md", "beijing-rural-barren-land-lease-regulations.md",
                 "beijing-basic-farmland-protection-regulations.md")
F, G = "basic-surveying-regulations.md", "land-administration-law.md"  # G is also bundled
# The marker keeps the text new to the shared embedding cache, so "embedded 1" is exact.
CHANGED_ARTICLE = ("第二条 在中华人民共和国境内占用耕地建设建筑物、构筑物的单位和个人，"
                   f"按照每平方米八十八元的税额缴纳耕地占用税。（公告 {secrets.token_hex(4)}）")


def crawl_settings(tmp: Path, **overrides):
    """Everything under tmp: a two-law bundled corpus, gate questions about it, a SQLite file
    (unless `overrides` names another database)."""
    corpus = tmp / "bundled"
    if not corpus.exists():
        copy_corpus(corpus, BUNDLED)
        titles = ("中华人民共和国城乡规划法", "中华人民共和国土地管理法")
        dev = Path(__file__).resolve().parents[1] / "eval" / "sets" / "dev.jsonl"
        lines = [line for line in dev.read_text(encoding="utf-8").splitlines()
                 if any(g["law"] in titles for g in json.loads(line)["gold"])]
        (tmp / "gate.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return make_settings(tmp, **{"corpus_dir": corpus, "database_url": f"sqlite:///{tmp / 'hotline.sqlite'}",
                                 "gate_question_set": tmp / "gate.jsonl", "crawl_timeout": 1.0, "crawl_retries": 3,
                                 "crawl_backoff": 0.05, **overrides})


def publish(site: FixtureSite, *, changed: bool = False) -> None:
    """The fixture site; `changed` is its state at the third crawl (A edited, C repealed, D gone).

    Its traps: a 专题 copy of A (relative attachment links, listed before the original), B
    linked with a tracking parameter and again under /copy/, F 失效 from the start, and G a
    crawled copy of a bundled law.
    """
    a, b, c, d, e, f, g = (load_statute(n) for n in (A, B, C, D, E, F, G))
    if changed:
        a.articles[1] = CHANGED_ARTICLE
    site.put("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    pdf_pages = ["\n".join(e.articles[:3]), "\n".join(e.articles[3:])]
    for folder in ("zcwj", "zhuanti"):
        site.put(f"/{folder}/P020240101_1.pdf", pdf_with_text(pdf_pages, e.title), content_type="application/pdf")
        site.put(f"/{folder}/P020240101_2.pdf", scanned_pdf(), content_type="application/octet-stream")
        site.put(f"/{folder}/t20240101_1.html", detail_page(a, "京人常发〔2024〕1号", attachments=[
            (f"附件1：{e.title}.pdf", "./P020240101_1.pdf"), ("附件2：扫描件.pdf", "./P020240101_2.pdf")]))
    site.put("/zcwj/t20240102_2.html", detail_page(b, "国令第483号"))
    site.put("/zcwj/copy/t20240102_2.html", detail_page(b, "国令第483号"))  # same page, second URL
    site.put("/zcwj/t20240103_3.html", detail_page(c, "主席令第30号", status="已废止" if changed else "有效"),
             fail_times=0 if changed else 1)
    site.put("/private/t20240104_4.html", detail_page(d, "内部"))
    site.put("/zcwj/t20240105_5.html", "", location="http://localhost:1/elsewhere.html")
    site.put("/zcwj/t20240109_9.html", detail_page(d, "慢"), delay=3.0)
    site.put("/zcwj/t20240110_10.html", detail_page(f, "京政发〔2003〕1号", status="失效"))
    site.put("/zcwj/t20240111_11.html", detail_page(g, "主席令第32号"))
    first = [("/zhuanti/t20240101_1.html", a.title, "2024-01-01"), ("./t20240101_1.html", a.title, "2024-01-01"),
             ("./t20240102_2.html?from=sy", b.title, "2024-01-02"),
             ("./t20240103_3.html", c.title, "2024-01-03"), ("/private/t20240104_4.html", "内部文件", "2024-01-04"),
             ("./t20240105_5.html", "外站转载", "2024-01-05"), ("./t20240110_10.html", f.title, "2003-01-10"),
             ("./t20240111_11.html", g.title, "2019-08-26")]
    second = [("./copy/t20240102_2.html", b.title, "2024-01-02"), ("./t20240108_8.html", "已撤下", "2024-01-08"),
              ("./t20240109_9.html", "慢页面", "2024-01-09")]
    if changed:
        site.remove("/zcwj/t20240106_6.html")
    else:
        site.put("/zcwj/t20240106_6.html", detail_page(d, "北京市人大常委会公告第12号"))
        second.insert(0, ("./t20240106_6.html", d.title, "2024-01-06"))
    site.put("/zcwj/index.html", list_page(first, "index_1.html"))
    site.put("/zcwj/index_1.html", list_page(second, None))


def write_sources(tmp: Path, base: str, **overrides) -> Path:
    path = tmp / "sources.yaml"
    path.write_text(fixture_sources(base, **overrides), encoding="utf-8")
    return path


def live_docs(settings) -> dict[str, dict]:
    return {d.metadata["title"]: d.metadata for d in load_corpus(settings.crawl_corpus_path).documents}


@pytest.fixture(scope="module")
def three_crawls(tmp_path_factory, model):
    """Crawl the site three times: fresh, unchanged, changed. Returns what each run saw."""
    tmp = tmp_path_factory.mktemp("crawl")
    settings = crawl_settings(tmp)
    with FixtureSite() as site:
        publish(site)
        sources = load_sources(write_sources(tmp, site.base))
        runs, corpora, hits = [], [], []
        for changed in (False, False, True):
            publish(site, changed=changed)
            site.hits.clear()
            runs.append(run_crawl(settings, sources, model=model))
            corpora.append(live_docs(settings))
            hits.append(dict(site.hits))
            if len(runs) == 1:
                publish_faqs_on_crawled_articles(settings, runs[0].index_version)
    return settings, runs, corpora, hits


def publish_faqs_on_crawled_articles(settings, version: str) -> None:
    """FAQs written against the first crawl: on A's 第二条 (edited later) and C's 第一条 (repealed later)."""
    index = store.load_version(settings.index_path, version)
    engine = create_engine(settings.database)
    with Session(engine) as s:
        for statute, label in ((A, "第二条"), (C, "第一条")):
            title = load_statute(statute).title
            pid = next(p.id for p in index.passages if p.title == title and p.label == label)
            faq = create_faq(s, FaqContent(question=f"{title}{label}怎么规定？", answer="按该条办理。", citations=[pid],
                                           audience="agent"), "编辑甲", index)
            submit_faq(s, faq.id, "编辑甲")
            publish_faq(s, faq.id, "审核乙", index)
        s.commit()
    engine.dispose()


def test_first_crawl_writes_each_document_once_with_metadata(three_crawls):
    settings, runs, corpora, _ = three_crawls
    run = runs[0]
    assert run.status == "succeeded", run.message
    docs = corpora[0]
    a, b, c, d, e, f, g = (load_statute(n) for n in (A, B, C, D, E, F, G))
    assert set(docs) == {a.title, b.title, c.title, d.title, e.title, f.title, g.title}
    meta = docs[a.title]
    assert meta["doc_number"] == "京人常发〔2024〕1号"  # full-width digits normalised
    assert meta["publish_date"] == str(a.meta["publish_date"])
    assert meta["status"] == "有效" and meta["region"] == "北京" and meta["doc_type"] == "地方性法规"
    pdf_doc = docs[e.title]  # the PDF attachment: its own document, metadata from its page
    assert pdf_doc["doc_number"] == "京人常发〔2024〕1号"
    counts = run.counts
    # A, B, C, D, G and the PDF; F was 失效 on first sight; the 专题 copies of A and its PDF
    # (attachment links relative to the copy) and B's /copy/ page are one document each.
    assert (counts["new"], counts["repealed"], counts["duplicate"], counts["not_indexed"]) == (6, 1, 3, 2)
    assert (counts["skipped_robots"], counts["skipped_offsite"], counts["failed"]) == (1, 1, 2)


def test_each_document_is_cited_at_its_canonical_url(three_crawls):
    """Not the 专题 copy listed first, not the tracking parameter, not the /copy/ page."""
    settings, _, corpora, _ = three_crawls
    a, b, e = (load_statute(n) for n in (A, B, E))
    for docs in corpora:
        assert docs[a.title]["url"].endswith("/zcwj/t20240101_1.html")
        assert docs[b.title]["url"].endswith("/zcwj/t20240102_2.html")
        assert docs[e.title]["url"].endswith("/zcwj/P020240101_1.pdf")
    engine = create_engine(settings.database)
    with Session(engine) as s:
        urls = s.scalars(select(CrawlPage.url)).all()
    engine.dispose()
    assert not [u for u in urls if "from=" in u]


def test_repealed_on_first_sight_is_stored_as_repealed_and_never_cited(three_crawls, model):
    settings, runs, corpora, _ = three_crawls
    f = load_statute(F)
    assert corpora[0][f.title]["status"] == "失效"
    searcher = open_searcher(settings, model, version=runs[0].index_version)
    assert {p.status for p in searcher.index.passages if p.title == f.title} == {"失效"}
    assert all(h.title != f.title for h in searcher.search(f.articles[1], 10))
    assert any(h.title == f.title for h in searcher.search(f.articles[1], 10, Filters(status=None)))
    answer = Answerer.create(searcher).answer(f"{f.title}现在还有效吗")
    assert answer.summary == f"《{f.title}》已失效，不再作为现行依据。" and answer.citations[0].status == "失效"
    assert answer.citations[0].url.endswith("/zcwj/t20240110_10.html")


def test_a_crawled_copy_of_a_bundled_law_is_one_document_citing_the_official_page(three_crawls):
    settings, runs, _, _ = three_crawls
    g = load_statute(G)
    for run in runs:
        passages = [p for p in store.load_version(settings.index_path, run.index_version).passages
                    if p.title == g.title]
        assert {p.doc_id for p in passages} == {"land-administration-law"}  # the bundled id, once
        assert {p.url for p in passages} == {passages[0].url} and passages[0].url.endswith("/zcwj/t20240111_11.html")
        assert len(passages) > 6  # the page shows six articles: the bundled full text stays
    assert "已合并为一篇" in runs[0].message


def test_crawl_records_why_pages_were_not_indexed(three_crawls):
    settings, runs, _, hits = three_crawls
    engine = create_engine(settings.database)
    with Session(engine) as s:
        pages = {p.url.split("/", 3)[3]: p for p in s.scalars(select(CrawlPage))}
    engine.dispose()
    assert pages["zcwj/P020240101_2.pdf"].status == "not_indexed" and "扫描件" in pages["zcwj/P020240101_2.pdf"].error
    assert pages["zcwj/copy/t20240102_2.html"].status == "duplicate"
    assert pages["zhuanti/t20240101_1.html"].status == "duplicate"
    assert pages["private/t20240104_4.html"].status == "robots"
    assert "站外" in pages["zcwj/t20240105_5.html"].error
    assert pages["zcwj/t20240108_8.html"].error == "HTTP 404"
    assert "超时" in pages["zcwj/t20240109_9.html"].error
    first = hits[0]
    # A 500 then success on retry (its document is among the new ones); the slow page
    # timed out on all three attempts.
    assert first["/zcwj/t20240103_3.html"] == 2 and first["/zcwj/t20240109_9.html"] == 3
    assert "/private/t20240104_4.html" not in first and "/elsewhere.html" not in first
    assert first["/robots.txt"] == 1


def test_first_crawl_makes_the_documents_searchable(three_crawls, model):
    settings, runs, _, _ = three_crawls
    index = store.load_version(settings.index_path, runs[0].index_version)
    crawled = {p.doc_id.split("/")[0] for p in index.passages}
    assert "fixture" in crawled and "urban-rural-planning-law" in crawled
    assert len({p.id for p in index.passages}) == len(index.passages)


def test_unchanged_recrawl_uses_conditional_get_and_embeds_nothing(three_crawls):
    settings, runs, corpora, hits = three_crawls
    run = runs[1]
    assert run.status == "succeeded", run.message
    assert run.counts["new"] == 0 and run.counts["changed"] == 0 and run.counts["unchanged"] == 7
    assert run.index_version == runs[0].index_version and "没有变化" in run.message
    assert run.counts["embedded"] == 0
    assert corpora[1] == corpora[0]
    assert "/zcwj/t20240103_3.html" in hits[1]  # asked again, answered 304


def test_changed_page_is_a_new_version_and_answerable_right_after(three_crawls, model):
    settings, runs, corpora, _ = three_crawls
    run = runs[2]
    assert run.status == "succeeded", run.message
    assert run.counts["changed"] >= 1 and run.counts["repealed"] == 1 and run.counts["removed"] == 1
    assert run.counts["embedded"] == 1 and "新嵌入 1 段" in run.message  # only the edited article
    a = load_statute(A)
    live_file = settings.crawl_corpus_path / f"{corpora[2][a.title]['path']}"
    live_text = live_file.read_text(encoding="utf-8")
    assert "八十八元" in live_text and int(re.search(r"\nversion: (\d+)\n", live_text).group(1)) >= 2
    assert live_docs(settings)[a.title]["url"].endswith("/zcwj/t20240101_1.html")
    assert [t for t, m in corpora[2].items() if t == a.title] == [a.title]  # the copy changed too: still one
    doc_id = corpora[2][a.title]["path"].removesuffix(".md")
    first_version = (settings.crawl_history_path / doc_id / "v0001.md").read_text(encoding="utf-8")
    assert a.articles[1].split()[1][:20] in first_version and "八十八元" not in first_version
    assert store.current_version(settings.index_path) == run.index_version
    searcher = open_searcher(settings, model)
    hits = searcher.search("占用耕地建房子，耕地占用税每平方米交多少", 3)
    assert any("八十八元" in h.text for h in hits)


def test_a_page_turning_repealed_is_a_new_version_kept_as_repealed(three_crawls):
    settings, runs, corpora, _ = three_crawls
    c = load_statute(C)
    assert corpora[1][c.title]["status"] == "有效" and corpora[2][c.title]["status"] == "已废止"
    index = store.load_version(settings.index_path, runs[2].index_version)
    assert {p.status for p in index.passages if p.title == c.title} == {"已废止"}
    archived = [p.read_text(encoding="utf-8") for p in (settings.crawl_history_path / "fixture").rglob("v*.md")]
    assert any(c.title in t and "状态变为已废止" in t for t in archived)


def test_removed_documents_leave_the_live_corpus_but_stay_in_history(three_crawls):
    settings, runs, corpora, _ = three_crawls
    d = load_statute(D)
    assert d.title in corpora[1] and d.title not in corpora[2]
    index = store.load_version(settings.index_path, runs[2].index_version)
    assert d.title not in {p.title for p in index.passages}
    archived = [p.read_text(encoding="utf-8") for p in (settings.crawl_history_path / "fixture").rglob("v*.md")]
    assert any(d.title in t and "HTTP 404" in t for t in archived)


def test_first_crawl_over_a_live_index_with_a_bundled_law_copy_is_activated(tmp_path, model):
    settings = crawl_settings(tmp_path)
    live = build_index(settings, model=model)
    with FixtureSite() as site:
        publish(site)
        run = run_crawl(settings, load_sources(write_sources(tmp_path, site.base)), model=model)
    assert run.status == "succeeded" and "回归检验通过" in run.message, run.message
    assert store.current_version(settings.index_path) == run.index_version != live.version


def test_regression_gate_blocks_a_worse_index(tmp_path, model):
    settings = crawl_settings(tmp_path, gate_max_recall_drop=-1.0)  # demands an impossible gain
    live = build_index(settings, model=model)
    with FixtureSite() as site:
        publish(site)
        run = run_crawl(settings, load_sources(write_sources(tmp_path, site.base)), model=model)
    assert run.status == "gated" and "回归检验未通过" in run.message, run.message
    assert store.current_version(settings.index_path) == live.version
    assert run.index_version in {v["version"] for v in store.list_versions(settings.index_path)}

    store.activate(settings.index_path, run.index_version)  # an admin overrides the gate by hand
    engine = create_engine(settings.database)
    with Session(engine) as s:
        assert note_manual_activation(s, run.index_version, "管理员甲") is not None
        s.commit()
        assert note_manual_activation(s, live.version, "管理员甲") is None  # no gated run built it
        overridden = s.get(CrawlRun, run.id)
        assert overridden.status == "succeeded" and "管理员甲 于" in overridden.message
        assert "手动启用（未通过回归检验）" in overridden.message
    engine.dispose()


def test_activate_anyway_overrides_the_gate_and_says_so(tmp_path, model):
    settings = crawl_settings(tmp_path, gate_max_recall_drop=-1.0)
    build_index(settings, model=model)
    with FixtureSite() as site:
        publish(site)
        run = run_crawl(settings, load_sources(write_sources(tmp_path, site.base)), model=model,
                        activate_anyway=True)
    assert run.status == "succeeded" and "回归检验未通过" in run.message and "强制启用" in run.message
    assert store.current_version(settings.index_path) == run.index_version


def test_a_crawl_that_reached_nothing_is_a_failure(tmp_path, model):
    from tests.live_server import free_port

    settings = crawl_settings(tmp_path, gate_max_recall_drop=1.0)
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    run = run_crawl(settings, load_sources(write_sources(tmp_path, closed)), model=model)
    assert run.status == "failed" and "没有抓到任何页面" in run.message, run.message
    assert store.current_version(settings.index_path) is None  # no index was built from nothing


def test_max_pages_limits_the_crawl(tmp_path, model):
    settings = crawl_settings(tmp_path, gate_max_recall_drop=1.0)
    with FixtureSite() as site:
        publish(site)
        run = run_crawl(settings, load_sources(write_sources(tmp_path, site.base)), max_pages=3, model=model)
    assert run.progress["stage"] == "done"
    engine = create_engine(settings.database)
    with Session(engine) as s:
        visited = s.scalar(select(func.count()).select_from(CrawlPage).where(CrawlPage.visited_run == run.id))
    engine.dispose()
    assert visited == 3


def numbered_pages(site: FixtureSite, statutes: list, count: int) -> None:
    """`count` detail pages (the statutes in turn, each title numbered, so each page is a
    document of its own), one list page linking them all, and a robots.txt allowing all."""
    items = []
    for i in range(count):
        statute = statutes[i % len(statutes)]
        statute = type(statute)(f"{statute.title}（第{i + 1}号）", statute.meta, statute.articles)
        site.put(f"/zcwj/t2024{i:04d}_{i}.html", detail_page(statute, f"京规〔2024〕{i + 1}号"))
        items.append((f"./t2024{i:04d}_{i}.html", statute.title, "2024-01-01"))
    site.put("/zcwj/index.html", list_page(items, None))
    site.put("/robots.txt", "", content_type="text/plain")


def _env(settings, sources: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        **index_env(settings), "HOTLINE_CORPUS_DIR": str(settings.corpus_path),
        "HOTLINE_CRAWL_CORPUS_DIR": str(settings.crawl_corpus_path),
        "HOTLINE_CRAWL_HISTORY_DIR": str(settings.crawl_history_path),
        "HOTLINE_DATABASE_URL": settings.database, "HOTLINE_GATE_MAX_RECALL_DROP": "1",
        "HOTLINE_SOURCES_FILE": str(sources),
    })
    return env


def test_killed_crawl_resumes_without_duplicates_while_the_old_index_serves(tmp_path, model):
    settings = crawl_settings(tmp_path)
    live = build_index(settings, model=model).version
    statutes = [load_statute(n, max_articles=2) for n in (A, B, C, D, E)]
    with FixtureSite() as site:
        numbered_pages(site, statutes, 30)
        sources = write_sources(tmp_path, site.base, delay=0.2, concurrency=1)
        command = [sys.executable, "-m", "api.cli", "crawl", "--source", "fixture"]
        process = subprocess.Popen(command, env=_env(settings, sources), stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE)
        engine = create_engine(settings.database)
        searcher = open_searcher(settings, model)
        deadline = time.monotonic() + 120
        done = 0
        while done < 8 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.1)
            assert store.current_version(settings.index_path) == live
            assert searcher.search("宅基地", 1)
            try:
                with Session(engine) as s:
                    done = s.scalar(select(func.count()).select_from(CrawlPage).where(CrawlPage.status == "new"))
            except Exception:  # noqa: BLE001 - tables not created yet by the subprocess
                done = 0
        assert process.poll() is None, process.communicate()
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert store.current_version(settings.index_path) == live
        with Session(engine) as s:
            assert s.scalars(select(CrawlRun.status)).all() == ["running"]
            done_before = s.scalars(select(CrawlPage.url).where(CrawlPage.visited_run.is_not(None),
                                                                CrawlPage.kind == "detail")).all()
        assert 8 <= len(done_before) < 30

        result = subprocess.run(command, env=_env(settings, sources), capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stdout + result.stderr
    with Session(engine) as s:
        runs = s.scalars(select(CrawlRun)).all()
        urls = s.scalars(select(CrawlPage.url)).all()
    engine.dispose()
    assert [(r.status, r.counts["new"]) for r in runs] == [("succeeded", 30)]  # one run, resumed
    assert len(urls) == len(set(urls)) == 31
    assert all(site.hits[url.removeprefix(site.base)] == 1 for url in done_before)  # not fetched again
    docs = load_corpus(settings.crawl_corpus_path).documents
    assert len(docs) == 30 and len({d.metadata["title"] for d in docs}) == 30
    assert not settings.crawl_history_path.exists() or not any(settings.crawl_history_path.rglob("*.md"))
    assert store.current_version(settings.index_path) not in (None, live)


def test_cli_crawl_needs_a_source_or_all_and_names_unknown_sources(tmp_path):
    env = dict(os.environ, HOTLINE_DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite'}",
               HOTLINE_CRAWL_CORPUS_DIR=str(tmp_path / "crawled"))
    run = lambda *args: subprocess.run([sys.executable, "-m", "api.cli", "crawl", *args],  # noqa: E731
                                       env=env, capture_output=True, text=True, timeout=120)
    assert "--all" in run().stderr
    result = run("--source", "nope")
    assert result.returncode == 2 and "nope" in result.stderr and "bjgh-policy-files" in result.stderr


def test_numbered_list_pages_are_followed_until_one_is_missing(tmp_path, model):
    settings = crawl_settings(tmp_path, gate_max_recall_drop=1.0)
    with FixtureSite() as site:
        publish(site)
        listing = {"links": "ul.list li a", "page_urls": "index_{n}.html", "max_list_pages": 10}
        run = run_crawl(settings, load_sources(write_sources(tmp_path, site.base, list=listing)), model=model)
        hits, base = dict(site.hits), site.base
    engine = create_engine(settings.database)
    with Session(engine) as s:
        failed = {p.url.removeprefix(base): p.error for p in s.scalars(select(CrawlPage).where(CrawlPage.status == "failed"))}
    engine.dispose()
    assert failed.keys() == {"/zcwj/t20240108_8.html", "/zcwj/t20240109_9.html"}, failed  # the 404 and the slow page
    assert run.counts["new"] == 6 and run.counts["failed"] == 2
    assert hits["/zcwj/index_1.html"] == 1 and hits["/zcwj/index_2.html"] == 1 and "/zcwj/index_3.html" not in hits


def test_gate_leaves_out_questions_on_changed_documents_and_scores_the_check_sets(tmp_path, model):
    settings = crawl_settings(tmp_path, gate_check_dir=tmp_path / "checks")
    live = build_index(settings, model=model)
    questions = [json.loads(line) for line in (tmp_path / "gate.jsonl").read_text(encoding="utf-8").splitlines()]
    on_land = [q for q in questions if any(g["law"] == "中华人民共和国土地管理法" for g in q["gold"])]
    (tmp_path / "checks").mkdir()
    check = {**next(q for q in questions if q not in on_land), "id": "check-1"}
    (tmp_path / "checks" / "fixture.jsonl").write_text(json.dumps(check, ensure_ascii=False) + "\n", encoding="utf-8")
    land = settings.corpus_path / "land-administration-law.md"
    land.write_text(land.read_text(encoding="utf-8").replace("第一条", "第一条 （修改）", 1), encoding="utf-8")
    new = build_index(settings, model=model, activate=False)

    result = regression_gate(settings, model, new.version, live.version)
    assert result.passed, result.message
    assert result.skipped == len(on_land) > 0
    assert result.compared == len(questions) + 1 - len(on_land)
    assert f"{len(on_land)} 题的依据文件本次有变更" in result.message


def test_faqs_on_a_changed_or_repealed_article_are_flagged_with_the_diff_by_the_crawl(three_crawls):
    settings, runs, _, _ = three_crawls
    assert "2 条标准答复的依据有变更，已标记待复核" in runs[2].message
    assert "待复核" not in runs[1].message
    engine = create_engine(settings.database)
    with Session(engine) as s:
        faqs = {f.question[:8]: f for f in s.scalars(select(Faq))}
    engine.dispose()
    a, c = load_statute(A), load_statute(C)
    edited, repealed = faqs[a.title[:8]], faqs[c.title[:8]]
    assert edited.review_reason == "changed" and repealed.review_reason == "repealed"
    [change] = edited.review_changes
    assert "八十八元" in change["new_text"] and "八十八元" not in change["old_text"]
    assert change["old_text"].split()[0] == "第二条"
    assert (repealed.review_changes[0]["old_status"], repealed.review_changes[0]["new_status"]) == ("有效", "已废止")
