"""One document per rule: a crawled (or uploaded) copy of a bundled document is a version of it.

The bundled statutes are clean text from a mirror; the official sites publish the same laws.
Indexed side by side, two copies of one article push each other and the right neighbours
down the ranking, and the mirror is cited where the official page exists. Here they merge:
the bundled id stays (FAQ citations and eval gold keep pointing at it), the official page
gives the URL, dates and status, and its text replaces the bundled text when it is complete.

Two documents are the same rule when their normalised titles match (and their document
numbers, when both have one), or when most articles of the crawled one appear verbatim in
the bundled one (a page titled differently, e.g. 《…》（2019年修正）).
"""

import hashlib
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from llama_index.core.schema import Document

from ingest.chunking import ARTICLE_RE
from ingest.corpus import source_url

# Metadata the official page states for the current version.
OFFICIAL_FIELDS = ("url", "status", "effective_date", "publish_date", "doc_number", "issuer")
# A crawled copy with fewer articles than this share of the bundled one is an excerpt.
COMPLETE_SHARE = 0.9
# Share of a crawled document's articles found verbatim in a bundled one that makes them one.
ARTICLE_MATCH_SHARE = 0.8
MIN_MATCHED_ARTICLES = 3
_EDITION = re.compile(r"[（(][^）)]*(?:修正|修订|修改|年|版)[^）)]*[）)]$")
_DOC_NUMBER_BRACKETS = str.maketrans("〔［【(（〕］】)）", "[[[[[]]]]]")


def normalise_title(title: str) -> str:
    """'《中华人民共和国土地管理法》（2019年修正）' and '中华人民共和国土地管理法' compare equal."""
    title = re.sub(r"\s+", "", title).strip("《》\"“”")
    return _EDITION.sub("", title).strip("《》")


def normalise_doc_number(number: str) -> str:
    return re.sub(r"\s+", "", number).translate(_DOC_NUMBER_BRACKETS)


def article_texts(text: str) -> list[str]:
    """Each article's wording without its label or whitespace: what two copies share."""
    articles: list[str] = []
    for line in text.split("\n"):
        match = ARTICLE_RE.match(line)
        if match:
            articles.append(line[match.end():])
        elif articles and line.strip() and not line.startswith("#"):
            articles[-1] += line
    return [re.sub(r"\s+", "", a) for a in articles if a.strip()]


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


@dataclass
class Merge:
    """A crawled document folded into a bundled one."""
    kept: str       # the bundled document id
    merged: str     # the crawled document id
    by: str         # "title" or "articles"
    text_from: str  # "crawled", "bundled", or "none" (a second copy; the other one's version is kept)


class _Bundled:
    """Lookups over the bundled documents: by normalised title and by article wording."""

    def __init__(self, documents: Sequence[Document]):
        self.by_title: dict[str, list[Document]] = defaultdict(list)
        self.by_article: dict[str, set[str]] = defaultdict(set)
        self.by_id = {d.id_: d for d in documents}
        for doc in documents:
            self.by_title[normalise_title(doc.metadata.get("title", ""))].append(doc)
            for article in article_texts(doc.text):
                self.by_article[_digest(article)].add(doc.id_)

    def match(self, doc: Document) -> tuple[Document, str] | None:
        meta = doc.metadata
        candidates = [c for c in self.by_title.get(normalise_title(meta.get("title", "")), [])
                      if not (meta.get("doc_number") and c.metadata.get("doc_number")
                              and normalise_doc_number(meta["doc_number"])
                              != normalise_doc_number(c.metadata["doc_number"]))]
        # Several bundled versions share a title (行政复议法 2017 and 2023): the crawled page
        # is the version in force on its effective date, else the bundled one in force.
        same_date = [c for c in candidates if meta.get("effective_date")
                     and c.metadata.get("effective_date") == meta["effective_date"]]
        in_force = [c for c in candidates if c.metadata.get("status") == "有效"]
        chosen = same_date or in_force
        if len(chosen) == 1:
            return chosen[0], "title"
        articles = article_texts(doc.text)
        if len(articles) < MIN_MATCHED_ARTICLES:
            return None
        found: dict[str, int] = defaultdict(int)
        for article in articles:
            for doc_id in self.by_article.get(_digest(article), ()):
                found[doc_id] += 1
        best = max(found, key=lambda i: (found[i], self.by_id[i].metadata.get("status") == "有效"), default=None)
        if best is None or found[best] < max(MIN_MATCHED_ARTICLES, ARTICLE_MATCH_SHARE * len(articles)):
            return None
        return self.by_id[best], "articles"


def _combined(bundled: Document, crawled: Document, by: str) -> tuple[Document, Merge]:
    complete = len(article_texts(crawled.text)) >= COMPLETE_SHARE * len(article_texts(bundled.text))
    metadata = {**bundled.metadata,
                **{k: crawled.metadata[k] for k in OFFICIAL_FIELDS if crawled.metadata.get(k)},
                "copy_url": source_url(bundled.metadata), "merged_from": crawled.id_,
                "content_hash": _digest(bundled.metadata["content_hash"] + crawled.metadata["content_hash"])}
    document = Document(id_=bundled.id_, text=crawled.text if complete else bundled.text, metadata=metadata,
                        excluded_embed_metadata_keys=list(metadata), excluded_llm_metadata_keys=list(metadata))
    return document, Merge(bundled.id_, crawled.id_, by, "crawled" if complete else "bundled")


def merge_versions(bundled: Sequence[Document], crawled: Sequence[Document]) -> tuple[list[Document], list[Merge]]:
    """The bundled documents with their crawled versions folded in, then the crawled ones that
    match none. Of two crawled copies of one bundled document, the later effective one wins."""
    lookup = _Bundled(bundled)
    versions: dict[str, tuple[Document, str]] = {}
    unmatched: list[Document] = []
    merges: list[Merge] = []
    for doc in crawled:
        found = lookup.match(doc)
        if found is None:
            unmatched.append(doc)
            continue
        target, by = found
        held = versions.get(target.id_)
        newer = held is None or doc.metadata.get("effective_date", "") > held[0].metadata.get("effective_date", "")
        if newer:
            versions[target.id_] = (doc, by)
        if held is not None:
            loser, loser_by = held if newer else (doc, by)
            merges.append(Merge(target.id_, loser.id_, loser_by, "none"))
    documents: list[Document] = []
    for doc in bundled:
        if doc.id_ in versions:
            doc, merge = _combined(doc, *versions[doc.id_])
            merges.append(merge)
        documents.append(doc)
    return documents + unmatched, merges
