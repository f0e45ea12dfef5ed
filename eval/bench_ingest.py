"""Ingest benchmark (not a test): a local fixture site of N detail pages (default 2,000, built
from the national statute collection), crawled with the real pipeline.

    python -m eval.bench_ingest                  # from the repository root; 2,000 pages, 2 articles each
    python -m eval.bench_ingest --pages 500 --json

Reports crawl+extract documents/s, embedding passages/s, the end-to-end time of a full run
(crawl, build, regression gate, activation) and of a no-change re-run (target: < 60 s with
0 passages embedded). The site runs in its own process so it does not share the GIL with
the crawler; everything else (index, embedding cache, database) lives in a temporary folder,
so the full run really embeds.
"""

import argparse
import json
import multiprocessing as mp
import shutil
import tarfile
import tempfile
import time
from pathlib import Path

from assistant.settings import PROJECT_ROOT, Settings

NATIONAL_TAR = PROJECT_ROOT.parent / "shared" / "corpus" / "national.tar.gz"
BUNDLED = ["urban-rural-planning-law.md", "land-administration-law.md"]
PAGE_SIZE = 20


def _statutes(count: int, articles: int, workdir: Path) -> list:
    """`count` statutes with at least `articles` articles each, from the national collection."""
    from eval.fixture_site import load_statute

    with tarfile.open(NATIONAL_TAR) as tar:
        tar.extractall(workdir, filter="data")
    found = []
    for path in sorted((workdir / "national").rglob("*.md")):
        statute = load_statute(str(path), max_articles=articles)  # absolute path: CORPUS is ignored
        if len(statute.articles) == articles:
            found.append(statute)
        if len(found) == count:
            return found
    raise SystemExit(f"only {len(found)} statutes with {articles} articles in {NATIONAL_TAR}")


def _serve(pages: dict[str, str], port_queue: "mp.Queue[int]") -> None:
    from eval.fixture_site import FixtureSite

    with FixtureSite() as site:
        site.server.request_queue_size = 128
        for path, body in pages.items():
            site.put(path, body, content_type="text/plain" if path.endswith(".txt") else "text/html; charset=utf-8")
        port_queue.put(site.server.server_address[1])
        while True:
            time.sleep(3600)


def _site(statutes: list) -> dict[str, str]:
    from eval.fixture_site import detail_page, list_page

    pages = {"/robots.txt": "User-agent: *\nDisallow: /private/\n"}
    items = []
    for i, statute in enumerate(statutes):
        path = f"/zcwj/{i // 100:03d}/t2024{i:06d}_{i}.html"
        pages[path] = detail_page(statute, f"京规〔2024〕{i + 1}号")
        items.append((path, statute.title, "2024-01-01"))
    chunks = [items[i:i + PAGE_SIZE] for i in range(0, len(items), PAGE_SIZE)]
    for n, chunk in enumerate(chunks):
        name = "index.html" if n == 0 else f"index_{n}.html"
        pages[f"/zcwj/{name}"] = list_page(chunk, f"index_{n + 1}.html" if n + 1 < len(chunks) else None)
    return pages


def _timed_run(settings: Settings, sources: list, model) -> dict:
    from ingest.runs import run_crawl

    marks: dict[str, float] = {}

    def progress(state: dict) -> None:
        marks.setdefault(state["stage"], time.perf_counter())

    started = time.perf_counter()
    run = run_crawl(settings, sources, model=model, progress=progress)
    ended = time.perf_counter()
    crawl_end = marks.get("index", marks.get("done", ended))
    embedded = run.counts["embedded"]
    return {"status": run.status, "message": run.message, "counts": run.counts, "seconds": round(ended - started, 2),
            "crawl_seconds": round(crawl_end - started, 2),
            "index_seconds": round(marks["gate"] - marks["index"], 2) if "gate" in marks else 0.0,
            "gate_seconds": round(marks["done"] - marks["gate"], 2) if "gate" in marks else 0.0,
            "embedded": embedded}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--articles", type=int, default=2, help="Articles per page (passages per document).")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    import yaml

    from assistant.encoder import load_model
    from ingest.embed import encode_passages
    from ingest.sources import load_sources
    from eval.fixture_site import fixture_sources

    work = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    try:
        statutes = _statutes(args.pages, args.articles, work)
        pages = _site(statutes)
        ports: mp.Queue[int] = mp.get_context("fork").Queue()
        server = mp.get_context("fork").Process(target=_serve, args=(pages, ports), daemon=True)
        server.start()
        base = f"http://127.0.0.1:{ports.get(timeout=60)}"

        corpus = work / "bundled"
        corpus.mkdir()
        for name in BUNDLED:
            shutil.copy(PROJECT_ROOT / "corpora" / "planning" / name, corpus / name)
        settings = Settings(
            corpus_dir=corpus, index_root=work / "indexes", embedding_cache=work / "cache.sqlite",
            crawl_corpus_dir=work / "crawled", crawl_history_dir=work / "history",
            database_url=f"sqlite:///{work / 'hotline.sqlite'}", crawl_workers=args.workers,
            gate_question_set=PROJECT_ROOT / "eval" / "sets" / "dev.jsonl")
        (work / "sources.yaml").write_text(fixture_sources(base, concurrency=args.workers, max_pages=args.pages + 200,
                                                           list={"links": "ul.list li a", "next_page": "a.next",
                                                                 "max_list_pages": 1000}), encoding="utf-8")
        sources = load_sources(work / "sources.yaml")
        model = load_model(settings.model_path, settings.torch_threads)

        full = _timed_run(settings, sources, model)
        again = _timed_run(settings, sources, model)

        sample = [f"{s.title}\n{a}" for s in statutes[:256] for a in s.articles[:1]]
        t = time.perf_counter()
        encode_passages(model, sample, settings.embed_batch_size)
        embed_rate = len(sample) / (time.perf_counter() - t)
        server.terminate()

        documents = full["counts"]["new"]
        report = {
            "pages": args.pages, "articles_per_page": args.articles, "workers": args.workers,
            "full_run": full, "no_change_run": again,
            "crawl_extract_docs_per_s": round(documents / full["crawl_seconds"], 1),
            "no_change_pages_per_s": round(args.pages / again["crawl_seconds"], 1),
            "embedding_passages_per_s": round(embed_rate, 1),
            "index_stage_passages_per_s": (round(full["embedded"] / full["index_seconds"], 1)
                                           if full["embedded"] and full["index_seconds"] else None),
        }
        if args.json:
            print(json.dumps(report, ensure_ascii=False))
            return
        print(yaml.safe_dump(report, allow_unicode=True, sort_keys=False))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
