"""Turn fetched pages into text and metadata: HTML (bs4, CSS selectors from the sources
file), PDF (pypdf, text per page), DOCX (its XML); list pages into links.

Text is normalised the same way for every format: full-width letters and digits to ASCII,
odd spaces to plain ones, blank runs collapsed, and a space after a leading 第X条 label so
the statute chunker finds articles. Full-width Chinese punctuation is kept: the chunker and
the tokenizer rely on it.
"""

import io
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urljoin, urlsplit
from xml.etree import ElementTree

import pypdf
from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from assistant.errors import Invalid

from ingest.sources import DetailRules, ListRules, split_selector

# Full-width ASCII letters and digits (U+FF10.., U+FF21.., U+FF41..) to half-width.
_FULLWIDTH = {c: c - 0xFEE0 for r in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
              for c in range(r[0], r[1] + 1)}
_SPACES = {ord(c): " " for c in "\u3000\xa0\u2002\u2003\u2009\u200a\u202f\u205f\t\f\v"}
_INVISIBLE = {ord(c): None for c in "\u200b\u200c\u200d\ufeff\r"}
_ARTICLE_NO_SPACE = re.compile(r"^(第[零〇一二三四五六七八九十百千]+条(?:之[一二三四五六七八九十]+)?)(?=[^\s、，,的])")
_DATE = re.compile(r"(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})")
_SKIP = {"script", "style", "noscript", "template", "iframe", "head", "button", "select", "form"}
_BLOCK = {"p", "div", "section", "article", "main", "li", "ul", "ol", "table", "tr", "tbody",
          "thead", "blockquote", "pre", "dl", "dt", "dd", "center", "figure", "figcaption", "hr",
          "header", "footer", "aside", "nav", "address"}
_CELLS = {"td", "th"}
_LABEL_CANDIDATE_CHARS = 200
_CN_DIGITS = "零〇一二三四五六七八九十"
# List numbering in front of a title: '附件1：', '附件：', '1.', '1、', '（一）', '(1)', '一、'.
_TITLE_NUMBERING = re.compile(
    rf"^(?:附件\s*(?:[\d{_CN_DIGITS}]+(?:-\d+)?\s*[:：.、]?|[:：.、])"
    rf"|\d{{1,3}}\s*[.、．](?!\d)|[（(]\s*[\d{_CN_DIGITS}]{{1,3}}\s*[）)]|[{_CN_DIGITS}]{{1,3}}\s*、)\s*")
# Where a page <title> appends the column and site: '标题_政策文件_北京市规划和自然资源委员会'.
_SITE_SUFFIX = re.compile(r"_| - ")


class ExtractError(Invalid):
    """A page or file that cannot be read (bad PDF, no main text); the message says why."""

    code = "unreadable_document"


@dataclass
class Link:
    text: str
    url: str


@dataclass
class Extracted:
    """A document's readable content: title, metadata found on the page, body text."""
    title: str
    text: str
    meta: dict[str, str] = field(default_factory=dict)
    attachments: list[Link] = field(default_factory=list)
    page_offsets: list[int] = field(default_factory=list)  # PDFs: where each page starts in `text`


def normalise_text(text: str) -> str:
    """Full-width letters/digits to ASCII, spaces tidied, blank-line runs collapsed."""
    text = text.translate(_INVISIBLE).translate(_SPACES).translate(_FULLWIDTH)
    lines: list[str] = []
    for raw in text.split("\n"):
        line = re.sub(r" {2,}", " ", raw).strip()
        line = _ARTICLE_NO_SPACE.sub(r"\1 ", line)
        if line or (lines and lines[-1]):
            lines.append(line)
    return "\n".join(lines).strip()


def clean_title(title: str, *, page_title: bool = False) -> str:
    """A title as cited: list numbering and a wrapping 《》 removed (the citation adds its own).

    `page_title`: the title came from the page's <title>, so a trailing '_栏目_站点' or ' - 站点'
    is the site's, not the document's. A cleaning that would leave nothing keeps the title.
    """
    title = normalise_text(title).replace("\n", " ")
    if page_title:
        title = _SITE_SUFFIX.split(title, maxsplit=1)[0].strip() or title
    title = _TITLE_NUMBERING.sub("", title, count=1) or title
    inner = title[1:-1].strip()
    if title.startswith("《") and title.endswith("》") and inner and not re.search("[《》]", inner):
        title = inner
    return title


def normalise_date(value: str) -> str | None:
    """'2024年1月5日', '2024-01-05', '2024/1/5' -> '2024-01-05'; None when there is no date."""
    match = _DATE.search(value.translate(_FULLWIDTH))
    if not match:
        return None
    year, month, day = (int(g) for g in match.groups())
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def normalise_status(value: str) -> str:
    """Validity wording of the sites to the corpus vocabulary 有效/已修改/已废止/失效.

    部分失效/部分废止 stays 有效: most of such a document is still in force.
    """
    value = value.strip()
    if value.startswith("部分") or "有效" in value:
        return "有效"
    for word, status in (("废止", "已废止"), ("失效", "失效"), ("修改", "已修改"), ("修订", "已修改")):
        if word in value:
            return status
    return value or "有效"


def normalise_meta(meta: Mapping[str, str]) -> dict[str, str]:
    out = {}
    for key, value in meta.items():
        value = normalise_text(value).replace("\n", " ")
        if key in ("publish_date", "effective_date", "status_date"):
            value = normalise_date(value) or ""
        elif key == "status":
            value = normalise_status(value)
        if value:
            out[key] = value
    return out


def soup_of(data: bytes, charset: str | None = None) -> BeautifulSoup:
    """Parse HTML bytes; GB2312/GBK pages are decoded as GB18030, which they often really are."""
    if charset and charset.lower().replace("-", "") in ("gb2312", "gbk", "gb18030"):
        charset = "gb18030"
    return BeautifulSoup(data, "html.parser", from_encoding=charset)


def _select_value(soup: BeautifulSoup | Tag, spec: str) -> str:
    selector, attr = split_selector(spec)
    element = soup.select_one(selector)
    if element is None:
        return ""
    value = element.get(attr, "") if attr else element.get_text(" ", strip=True)
    return " ".join(value) if isinstance(value, list) else str(value)


def _block_text(root: Tag) -> str:
    """Text of `root` with line breaks at block elements and headings as markdown '##'."""
    lines = [""]

    def walk(node: Tag) -> None:
        for child in node.children:
            if isinstance(child, Comment):
                continue
            if isinstance(child, NavigableString):
                lines[-1] += str(child).replace("\n", " ")
                continue
            if not isinstance(child, Tag) or child.name in _SKIP:
                continue
            name = child.name
            if name == "br":
                lines.append("")
            elif re.fullmatch(r"h[1-6]", name):
                level = min(6, int(name[1]) + 1)  # level 1 is the document title
                lines.append("#" * level + " ")
                walk(child)
                lines.append("")
            elif name in _BLOCK:
                lines.append("")
                walk(child)
                lines.append("")
            elif name in _CELLS:
                walk(child)
                lines[-1] += " "
            else:
                walk(child)

    walk(root)
    return "\n".join(line for line in lines if line.strip() not in ("", "#", "##", "###"))


def _labelled_values(block: Tag, labels: Mapping[str, str]) -> dict[str, str]:
    """Values printed as 'label：value' (same element) or label and value in sibling cells.

    Of two labels of one field that are both on the page, the one listed first in `labels` wins
    (a site printing 发文字号 and 文号 says which it means by the order in the sources file).
    """
    keys = {label.rstrip(":：").strip(): name for label, name in labels.items()}
    by_label: dict[str, str] = {}
    # The block itself counts: a meta_block may be the one element holding 'label：value'.
    for element in [block, *block.find_all(True)]:
        if element.name in _SKIP:
            continue
        # Labels may be bracketed: 【发文字号】 or [发布日期].
        text = normalise_text(element.get_text(" ", strip=True)).replace("\n", " ").lstrip("【[")
        if not text or len(text) > _LABEL_CANDIDATE_CHARS:
            continue
        for label in keys:
            if label in by_label or not text.startswith(label):
                continue
            rest = text[len(label):].lstrip(" :：】]")
            # A container holding several label: value pairs: stop at the next label.
            cut = [i for other in keys if other != label and (i := rest.find(other)) > 0]
            rest = rest[:min(cut)].strip() if cut else rest
            if not rest:
                sibling = element.find_next_sibling()
                rest = sibling.get_text(" ", strip=True) if sibling else ""
            if rest:
                by_label[label] = rest
    found: dict[str, str] = {}
    for label, name in keys.items():
        if label in by_label:
            found.setdefault(name, by_label[label])
    return found


def _attachment_links(soup: BeautifulSoup, base_url: str, extensions: list[str]) -> list[Link]:
    links: dict[str, Link] = {}
    for a in soup.select("a[href]"):
        url = urldefrag(urljoin(base_url, str(a["href"]).strip()))[0]
        ext = urlsplit(url).path.rsplit(".", 1)[-1].lower()
        if ext in extensions and url not in links:
            text = normalise_text(a.get_text(" ", strip=True)) or url.rsplit("/", 1)[-1]
            links[url] = Link(text, url)
    return list(links.values())


def extract_html(soup: BeautifulSoup, url: str, rules: DetailRules, attachment_exts: list[str]) -> Extracted:
    """Main text, title, metadata and attachment links of a detail page."""
    content = soup.select_one(rules.content)
    if content is None:
        raise ExtractError(f"页面中没有找到正文（选择器 {rules.content}）")
    attachments = _attachment_links(soup, url, attachment_exts)
    meta: dict[str, str] = {name: _select_value(soup, spec) for name, spec in rules.meta.items()}
    if rules.labels:
        block = soup.select_one(rules.meta_block) if rules.meta_block else soup
        for name, value in _labelled_values(block or soup, rules.labels).items():
            if not meta.get(name):  # a configured selector wins over a label
                meta[name] = value
    for selector in rules.remove:
        for element in content.select(selector):
            element.decompose()
    title = clean_title(meta.pop("title", "") or _select_value(soup, rules.title))
    if not title and soup.title:
        title = clean_title(soup.title.get_text(strip=True), page_title=True)
    text = normalise_text(_block_text(content))
    if not text:
        raise ExtractError("正文为空")
    return Extracted(title, text, normalise_meta(meta), attachments)


def list_links(soup: BeautifulSoup, url: str, rules: ListRules) -> tuple[list[str], list[str]]:
    """(detail or attachment URLs, further list page URLs) on a list page, in page order.

    Further list pages are the `next_page` links, then every link matching `follow` (a home
    page's section indexes); a URL matching `follow` is a list page, never a document.
    """
    def absolute(href: object) -> str:
        return urldefrag(urljoin(url, str(href).strip()))[0]

    follow = re.compile(rules.follow) if rules.follow else None
    pages: dict[str, None] = {}
    if rules.next_page:
        for a in soup.select(rules.next_page):
            if a.get("href"):
                pages[absolute(a["href"])] = None
    if follow is not None:
        for a in soup.select("a[href]"):
            if follow.search(target := absolute(a["href"])):
                pages[target] = None
    pattern = re.compile(rules.link_pattern) if rules.link_pattern else None
    text_pattern = re.compile(rules.link_text_pattern) if rules.link_text_pattern else None
    details: dict[str, None] = {}
    for a in soup.select(rules.links):
        href = a.get("href")
        if not href:
            continue
        target = absolute(href)
        text = a.get("title") or a.get_text(" ", strip=True)
        if ((pattern is None or pattern.search(target))
                and (text_pattern is None or text_pattern.search(str(text)))
                and (follow is None or not follow.search(target))):
            details[target] = None
    return list(details), list(pages)


MAX_PDF_PAGES = 2000  # the longest regulation compilations run to a few hundred pages


def extract_pdf(data: bytes, min_chars_per_page: int) -> Extracted:
    """Text per page; a PDF without a text layer (a scan) raises ExtractError."""
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            reader.decrypt("")
        if len(reader.pages) > MAX_PDF_PAGES:
            raise ExtractError(f"PDF 页数过多（{len(reader.pages)} 页，上限 {MAX_PDF_PAGES} 页）")
        pages = [normalise_text(page.extract_text() or "") for page in reader.pages]
        title = str(reader.metadata.get("/Title") or "").strip() if reader.metadata else ""
    except (pypdf.errors.PyPdfError, ValueError, KeyError, OSError) as exc:
        raise ExtractError(f"PDF 无法读取（{type(exc).__name__}）") from None
    chars = sum(len("".join(p.split())) for p in pages)
    if not pages or chars < min_chars_per_page * len(pages):
        raise ExtractError(f"扫描件或图片 PDF（{len(pages)} 页，无文字层），未编入索引")
    offsets, parts, pos = [], [], 0
    for page in pages:
        offsets.append(pos)
        parts.append(page)
        pos += len(page) + 2
    text = "\n\n".join(parts)
    return Extracted(clean_title(title or text.split("\n", 1)[0][:100]), text, page_offsets=offsets)


# A real document.xml is a few MB and compresses about 10:1; a zip bomb claims (or unpacks
# to) far more. Both the declared size and the bytes actually read are checked.
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_RATIO = 100


def _bounded_member(archive: zipfile.ZipFile, name: str) -> bytes:
    info = archive.getinfo(name)
    if info.file_size > MAX_UNPACKED_BYTES or info.file_size > MAX_RATIO * max(info.compress_size, 1024):
        raise ExtractError("DOCX 解压后过大（疑似压缩炸弹），已拒绝")
    with archive.open(info) as member:
        data = member.read(MAX_UNPACKED_BYTES + 1)
    if len(data) > MAX_UNPACKED_BYTES:
        raise ExtractError("DOCX 解压后过大（疑似压缩炸弹），已拒绝")
    return data


def extract_docx(data: bytes) -> Extracted:
    """Paragraph text of a .docx (its word/document.xml); old binary .doc is not supported."""
    ns = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            root = ElementTree.fromstring(_bounded_member(archive, "word/document.xml"))
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError):
        raise ExtractError("DOCX 无法读取") from None
    paragraphs = ["".join(t.text or "" for t in p.iter(f"{ns}t")) for p in root.iter(f"{ns}p")]
    text = normalise_text("\n".join(paragraphs))
    if not text:
        raise ExtractError("DOCX 没有文字")
    return Extracted(clean_title(text.split("\n", 1)[0][:100]), text)
