"""Main-text extraction on the fixture detail pages: bs4 with the configured selectors (what
the crawler uses) against trafilatura (generic, no selectors). Not a test.

    pip install -e '.[bench]'            # brings trafilatura
    python -m eval.compare_extractors

Every bundled statute (first 40 articles) is rendered as a government detail page
(eval/fixture_site.py: share bar, scripts, footer, metadata table) and extracted by both.
Recall/precision are characters of the true article text matched in the extracted text
(whitespace ignored); `articles` is the share of articles the statute chunker finds;
`boilerplate` counts pages where navigation, share or footer text leaked in; `doc_number`
counts pages whose 文号 was read.
"""

import difflib
import time

import yaml
from llama_index.core.schema import Document

from ingest.chunking import chunk_document
from ingest.extract import extract_html, normalise_text, soup_of
from ingest.sources import DetailRules
from eval.fixture_site import CORPUS, detail_page, fixture_sources, load_statute

BOILERPLATE = ("分享到", "打印本页", "京ICP备", "首页")
DOC_NUMBER = "京规〔2024〕1号"


def _bs4(page: str) -> tuple[str, dict]:
    entry = yaml.safe_load(fixture_sources("http://127.0.0.1"))["sources"][0]
    doc = extract_html(soup_of(page.encode()), "http://127.0.0.1/a.html", DetailRules(**entry["detail"]), ["pdf"])
    return doc.text, doc.meta


def _trafilatura(page: str) -> tuple[str, dict]:
    import trafilatura

    out = trafilatura.bare_extraction(page, url="http://127.0.0.1/a.html", with_metadata=True, favor_recall=True)
    return (normalise_text(out.text or ""), {"title": out.title}) if out else ("", {})


def main() -> None:
    rows: dict[str, list[dict]] = {"bs4+selectors": [], "trafilatura": []}
    for path in sorted(CORPUS.glob("*.md")):
        statute = load_statute(path.name, max_articles=40)
        if not statute.articles:
            continue
        page = detail_page(statute, DOC_NUMBER)
        truth = "".join("".join(statute.articles).split())
        for name, extract in (("bs4+selectors", _bs4), ("trafilatura", _trafilatura)):
            started = time.perf_counter()
            text, meta = extract(page)
            ms = (time.perf_counter() - started) * 1000
            got = "".join(text.split())
            matcher = difflib.SequenceMatcher(None, truth, got, autojunk=False)
            matched = sum(block.size for block in matcher.get_matching_blocks())
            nodes = chunk_document(Document(id_="x", text=f"# t\n\n{text}", metadata={"title": "t"}))
            labels = {n.metadata["label"] for n in nodes if n.metadata["article"] >= 0}
            rows[name].append({"recall": matched / len(truth), "precision": matched / max(1, len(got)),
                               "articles": len(labels) / len(statute.articles), "ms": ms,
                               "boilerplate": any(b in text for b in BOILERPLATE),
                               "doc_number": meta.get("doc_number") == DOC_NUMBER})
    print(f"{'extractor':<15}{'pages':>6}{'recall':>8}{'prec.':>8}{'articles':>9}{'boilerpl.':>10}"
          f"{'文号':>6}{'ms/page':>9}")
    for name, found in rows.items():
        n = len(found)
        mean = {k: sum(r[k] for r in found) / n for k in ("recall", "precision", "articles", "ms")}
        print(f"{name:<15}{n:>6}{mean['recall']:>8.3f}{mean['precision']:>8.3f}{mean['articles']:>9.3f}"
              f"{sum(r['boilerplate'] for r in found):>10}{sum(r['doc_number'] for r in found):>6}{mean['ms']:>9.1f}")


if __name__ == "__main__":
    main()
