"""A multi-section government site crawled end to end, twice, over the whole bundled corpus.

    python -m eval.crawl_demo [--out docs/crawl-demo.md]

The site (served on 127.0.0.1 by eval.fixture_site) has a home page linking three sections,
政策文件 (two numbered list pages), 政策解读 and 办事指南 (a PDF guide), configured in one
sources entry with `list.follow` and per-section `sections` defaults. Its traps: a 专题 copy
of a page listed before the original, links with tracking parameters, a page 失效 from the
start, a crawled copy of a bundled law. The second version edits a page, removes one, adds
one and repeals one. Each crawl runs the real pipeline: the regression gate on the dev set,
activation, FAQ review. Prints each run's counts, the documents by type and status, and the
gate's message.
"""

import argparse
import tempfile
from collections import Counter
from pathlib import Path

import yaml

from assistant.settings import Settings
from eval.fixture_site import FixtureSite, Statute, detail_page, list_page, load_statute, pdf_with_text
from ingest.corpus import load_corpus
from ingest.runs import run_crawl
from ingest.sources import load_sources

LAWS = ["farmland-occupation-tax-law.md", "urban-land-use-tax-regulations.md",
        "beijing-basic-farmland-protection-regulations.md", "basic-surveying-regulations.md",
        "land-administration-law.md"]  # the last is also bundled
READINGS = ["spc-property-service-disputes.md", "beijing-rural-barren-land-lease-regulations.md"]
GUIDE = "real-estate-registration-regulations.md"


def home_page() -> str:
    links = "".join(f'<li><a href="/{p}/index.html">{t}</a></li>'
                    for p, t in (("zcwj", "政策文件"), ("zcjd", "政策解读"), ("bszn", "办事指南")))
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>首页</title></head><body>'
            f'<ul class="nav">{links}</ul><ul class="list"><li><a href="/zhuanti/t1.html?from=sy">专题：耕地保护</a>'
            f'</li></ul></body></html>')


def publish(site: FixtureSite, second: bool) -> None:
    laws = [load_statute(n) for n in LAWS]
    readings = [load_statute(n, max_articles=3) for n in READINGS]
    guide = load_statute(GUIDE, max_articles=8)
    if second:
        laws[0].articles[1] = "第二条 " + "在北京市范围内占用耕地建设建筑物的，按照每平方米八十八元的税额缴纳耕地占用税。"
    site.put("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    site.put("/index.html", home_page())
    items = []
    for i, law in enumerate(laws, start=1):
        status = "失效" if i == 4 or (second and i == 2) else "有效"
        site.put(f"/zcwj/t{i}.html", detail_page(law, f"京规发〔2024〕{i}号", status=status))
        items.append((f"./t{i}.html?utm_source=wx", law.title, "2024-01-01"))
    site.put("/zhuanti/t1.html", detail_page(laws[0], "京规发〔2024〕1号"))
    site.put("/zcwj/index.html", list_page(items[:3], None))
    site.put("/zcwj/index_1.html", list_page(items[3:], None))
    for i, reading in enumerate(readings, start=1):
        if second and i == 2:
            site.remove(f"/zcjd/t{i}.html")  # taken down
            continue
        site.put(f"/zcjd/t{i}.html", detail_page(reading, f"解读〔2024〕{i}号"))
    site.put("/zcjd/index.html", list_page([(f"./t{i}.html", r.title, "2024-02-01")
                                            for i, r in enumerate(readings, start=1) if not (second and i == 2)], None))
    site.put("/bszn/guide.pdf", pdf_with_text(["\n".join(guide.articles[:4]), "\n".join(guide.articles[4:])],
                                              guide.title), content_type="application/pdf")
    page = Statute("不动产登记办事指南", guide.meta, ["一、申请人持登记申请书、身份证明和不动产权属来源材料到登记窗口申请。"])
    site.put("/bszn/t1.html", detail_page(page, "指南〔2024〕1号", attachments=[(f"1.{guide.title}.pdf", "./guide.pdf")]))
    guides = [("./t1.html", page.title, "2024-03-01")]
    if second:
        extra = load_statute("surveying-and-mapping-law.md", max_articles=4)
        site.put("/bszn/t2.html", detail_page(extra, "指南〔2024〕2号"))
        guides.append(("./t2.html", extra.title, "2024-03-02"))
    site.put("/bszn/index.html", list_page(guides, None))


def sources_file(base: str, folder: Path) -> Path:
    entry = {
        "name": "demo-site", "title": "演示站点（首页 → 三个栏目）",
        "start_urls": [f"{base}/index.html"], "allowed_domains": ["127.0.0.1"],
        "list": {"links": "ul.list li a", "follow": r"/(zcwj|zcjd|bszn)/index\.html$", "page_urls": "index_{n}.html",
                 "max_list_pages": 5},
        "detail": {"content": "div.TRS_Editor", "title": "meta[name=ArticleTitle]@content",
                   "meta_block": "div.xxgk-table", "remove": [".share", "script"],
                   "labels": {"发文字号": "doc_number", "发布机构": "issuer", "成文日期": "publish_date",
                              "实施日期": "effective_date", "有效性": "status"}},
        "defaults": {"doc_type": "规范性文件", "region": "北京"},
        "sections": [{"pattern": "/zcwj/", "defaults": {"doc_type": "地方性法规"}},
                     {"pattern": "/zcjd/", "defaults": {"doc_type": "政策解读"}},
                     {"pattern": "/bszn/", "defaults": {"doc_type": "办事指南"}}],
        "canonical": {"avoid": ["/zhuanti/"]},
        "attachments": ["pdf"], "delay": 0, "concurrency": 4,
    }
    path = folder / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": [entry]}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="Also write the report (markdown) here.")
    args = parser.parse_args()
    lines = ["| run | status | counts | documents (type × status) |", "|---|---|---|---|"]
    messages = []
    with tempfile.TemporaryDirectory() as tmp, FixtureSite() as site:
        folder = Path(tmp)
        settings = Settings(index_root=folder / "indexes", crawl_corpus_dir=folder / "crawled",
                            crawl_history_dir=folder / "history", database_url=f"sqlite:///{folder / 'demo.sqlite'}")
        from ingest.build import build_index

        build_index(settings)  # the live index a desk already has: the bundled corpus
        sources = load_sources(sources_file(site.base, folder))
        for n, second in enumerate((False, True), start=1):
            publish(site, second)
            run = run_crawl(settings, sources)
            docs = load_corpus(settings.crawl_corpus_path).documents
            kinds = Counter((d.metadata.get("doc_type"), d.metadata["status"]) for d in docs)
            counts = ", ".join(f"{k} {v}" for k, v in run.counts.items() if v)
            lines.append(f"| {n} | {run.status} | {counts} | "
                         + ", ".join(f"{t}·{s} {c}" for (t, s), c in sorted(kinds.items())) + " |")
            messages.append(f"run {n}: {run.message}")
            for d in sorted(docs, key=lambda d: d.metadata["url"]):
                messages.append(f"  {d.metadata['status']:4} {d.metadata.get('doc_type', ''):6} "
                                f"{d.metadata['url'].removeprefix(site.base)}  {d.metadata['title']}")
    report = "\n".join(lines + ["", "```", *messages, "```"])
    print(report)
    if args.out:
        args.out.write_text(report + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
