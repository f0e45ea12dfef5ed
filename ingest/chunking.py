"""Statute-aware chunking: one passage per article (第X条), headings give the chapter path.

An over-long article is split at paragraph (款/项) boundaries and every piece keeps the
article label; documents without articles are cut at headings, then by length with overlap.
Text outside articles is labelled by its heading, else 序言 (before a statute's articles),
正文 or 第N部分, never by the document title, which the citation already names.
"""

import re
from dataclasses import dataclass, field

from llama_index.core.schema import Document, NodeRelationship, TextNode

from assistant.article import units
from assistant.numerals import cn_to_int

ARTICLE_RE = re.compile(r"^(第([零〇一二三四五六七八九十百千]+)条(?:之([一二三四五六七八九十]+))?)[ \u3000]+")
HEADING_RE = re.compile(r"^(#{1,6})[ \t]+(.+?)\s*$")
SENTENCE_END_RE = re.compile(r"(?<=[。；！？])")
# The '附件：' list of markdown links a crawled page ends with: kept in the file for readers,
# not passage text (a link line is no answer to quote).
ATTACHMENT_LINKS_RE = re.compile(r"\n附件[:：][ \t]*(?:\n[ \t]*- \[[^\n]*\]\(https?://[^\n]*\)[ \t]*)+\s*\Z")


@dataclass
class _Block:
    """A run of body text under one heading path: an article, or a stretch of prose."""
    label: str
    article: int | None
    article_suffix: int | None
    chapter: list[str]
    start: int
    end: int
    paragraphs: list[tuple[int, int]] = field(default_factory=list)


def _scan(text: str) -> tuple[list[_Block], bool]:
    """Split the body into article blocks (or heading sections when there are no articles)."""
    blocks: list[_Block] = []
    headings: dict[int, str] = {}
    has_articles = False
    current: _Block | None = None
    pos = 0
    for line in text.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        stripped = line.strip()
        heading = HEADING_RE.match(line)
        article = ARTICLE_RE.match(line)
        if heading:
            level = len(heading.group(1))
            headings = {lvl: h for lvl, h in headings.items() if lvl < level}
            if level > 1:  # level 1 is the document title itself
                headings[level] = re.sub(r"\s+", " ", heading.group(2))
            current = None
            continue
        chapter = [headings[lvl] for lvl in sorted(headings)]
        if article:
            has_articles = True
            suffix = article.group(3)
            current = _Block(article.group(1), cn_to_int(article.group(2)),
                             cn_to_int(suffix) if suffix else None, chapter, start, end)
            blocks.append(current)
        elif not stripped:
            continue
        elif current is None:
            current = _Block("", None, None, chapter, start, end)
            blocks.append(current)
        current.end = end
        current.paragraphs.append((start, end))
    return blocks, has_articles


def _pack(spans: list[tuple[int, int]], limit: int) -> list[tuple[int, int]]:
    """Greedily merge consecutive spans into pieces of at most `limit` characters."""
    pieces: list[tuple[int, int]] = []
    for start, end in spans:
        if pieces and end - pieces[-1][0] <= limit:
            pieces[-1] = (pieces[-1][0], end)
        else:
            pieces.append((start, end))
    return pieces


def _sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans, pos = [], start
    for part in SENTENCE_END_RE.split(text[start:end]):
        if part:
            spans.append((pos, pos + len(part)))
            pos += len(part)
    return spans


def _split_long(text: str, block: _Block, limit: int) -> list[tuple[int, int]]:
    """Pieces of an article at paragraph boundaries; a paragraph over the limit at sentences."""
    spans: list[tuple[int, int]] = []
    for start, end in block.paragraphs:
        spans.extend(_sentence_spans(text, start, end) if end - start > limit else [(start, end)])
    return _pack(spans, limit)


def _windows(start: int, end: int, size: int, overlap: int) -> list[tuple[int, int]]:
    if end - start <= size:
        return [(start, end)]
    step = max(1, size - overlap)
    return [(s, min(s + size, end)) for s in range(start, end - overlap, step)]


def passage_id(doc_id: str, block: _Block, index: int, piece: int, pieces: int) -> str:
    if block.article is None:
        base = f"{doc_id}/s{index}"
    else:
        base = f"{doc_id}/a{block.article}" + (f"-{block.article_suffix}" if block.article_suffix else "")
    return f"{base}.{piece + 1}" if pieces > 1 else base


def _section_label(block: _Block, title: str, has_articles: bool, piece: int, pieces: int) -> str:
    """Label of a passage outside articles: its headings (less one repeating the title), else
    序言 before a statute's articles, else 正文, or 第N部分 when the text is cut in pieces."""
    path = [h for h in block.chapter if "".join(h.split()) != "".join(title.split())]
    if path:
        return " / ".join(path)
    if has_articles:
        return "序言"
    return "正文" if pieces == 1 else f"第{piece + 1}部分"


def chunk_document(doc: Document, max_article_chars: int = 800,
                   section_chars: int = 600, section_overlap: int = 100) -> list[TextNode]:
    """Cut one document into passages carrying law title, label, chapter path and offsets."""
    text = doc.text
    links = ATTACHMENT_LINKS_RE.search(text)
    blocks, has_articles = _scan(text[:links.start()] if links else text)
    title = doc.metadata.get("title", "")
    nodes: list[TextNode] = []
    for index, block in enumerate(blocks):
        if block.article is not None:
            spans = (_split_long(text, block, max_article_chars)
                     if block.end - block.start > max_article_chars else [(block.start, block.end)])
        elif has_articles:
            spans = [(block.start, block.end)]  # preamble or closing words of a statute
        else:
            spans = [w for s, e in _pack(block.paragraphs, section_chars)
                     for w in _windows(s, e, section_chars, section_overlap)]
        for piece, (start, end) in enumerate(spans):
            body = text[start:end].strip()
            if block.article is not None and piece > 0:
                body = f"{block.label}（续）{body}"
            metadata = {
                "doc_id": doc.id_,
                "title": title,
                "label": block.label if block.article is not None
                else _section_label(block, title, has_articles, piece, len(spans)),
                "article": block.article if block.article is not None else -1,
                "chapter": " / ".join(block.chapter),
                "start": start,
                "end": end,
                **{k: doc.metadata[k] for k in ("part", "doc_type", "region", "status", "url",
                                                "issuer", "effective_date", "status_date") if k in doc.metadata},
            }
            node = TextNode(
                id_=passage_id(doc.id_, block, index, piece, len(spans)),
                text=body,
                metadata=metadata,
                excluded_embed_metadata_keys=list(metadata),
                excluded_llm_metadata_keys=list(metadata),
            )
            node.relationships[NodeRelationship.SOURCE] = doc.as_related_node_info()
            nodes.append(node)
    return nodes


def embedding_text(node: TextNode, text: str | None = None) -> str:
    """What the dense model and the keyword index see: law title and chapter as fields, then
    the passage (or one of its sentences)."""
    meta = node.metadata
    return f"{meta.get('title', '')} {meta.get('chapter', '')}\n{node.text if text is None else text}"


def sentence_texts(node: TextNode) -> list[str]:
    """The passage's quotable sentences (a list heading with its items counts as one), each
    with the title fields, for the sentence vectors that let one matching rule lift its article."""
    return [embedding_text(node, unit.quote()) for unit in units(node.text)]
