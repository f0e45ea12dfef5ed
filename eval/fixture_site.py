"""A government-style website served on 127.0.0.1, built from the bundled statute corpus.

Pages live in a dict the test changes between crawls (a page edited, removed, failing once,
slow, redirecting). Detail pages look like the Beijing commission's: ArticleTitle/PubDate
meta tags, a 发文字号/发布机构/… table, the text in div.TRS_Editor, a share bar and a script
to strip, full-width digits in the 文号. PDFs are real (reportlab's built-in Chinese CID font,
no font files needed), including a scan without a text layer.
"""

import hashlib
import html
import io
import threading
import time
from collections import Counter
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml

from ingest.chunking import ARTICLE_RE

CORPUS = Path(__file__).resolve().parents[1] / "corpora" / "planning"
FULLWIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")


@dataclass
class Page:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    delay: float = 0.0  # seconds before answering
    fail_times: int = 0  # answer 500 this many times first
    location: str | None = None  # redirect target

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest()[:16] + '"'


class FixtureSite:
    """Threaded HTTP server over `pages` (path -> Page); `hits` counts requests per path,
    `starts` records when each request arrived, `max_active` the most served at once."""

    def __init__(self) -> None:
        self.pages: dict[str, Page] = {}
        self.hits: Counter[str] = Counter()
        self.starts: list[float] = []
        self.active = 0
        self.max_active = 0
        self.lock = threading.Lock()
        self.last_modified = formatdate(time.time() - 86400, usegmt=True)
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                with site.lock:
                    site.active += 1
                    site.max_active = max(site.max_active, site.active)
                    site.starts.append(time.monotonic())
                try:
                    self._get()
                finally:
                    with site.lock:
                        site.active -= 1

            def _get(self) -> None:
                path = self.path.split("?", 1)[0]
                with site.lock:
                    site.hits[path] += 1
                    page = site.pages.get(path)
                    failing = page is not None and page.fail_times > 0
                    if failing:
                        page.fail_times -= 1
                if page is None:
                    return self._send(404, b"<html><body>404 Not Found</body></html>", "text/html")
                if page.delay:
                    time.sleep(page.delay)
                if failing:
                    return self._send(500, b"<html><body>500</body></html>", "text/html")
                if page.location:
                    return self._send(302, b"", "text/html", {"Location": page.location})
                headers = {"ETag": page.etag, "Last-Modified": site.last_modified}
                if self.headers.get("If-None-Match") == page.etag:
                    return self._send(304, b"", None, headers)
                self._send(page.status, page.body, page.content_type, headers)

            def _send(self, status: int, body: bytes, content_type: str | None,
                      headers: dict[str, str] | None = None) -> None:
                try:
                    self.send_response(status)
                    if content_type:
                        self.send_header("Content-Type", content_type)
                    for key, value in (headers or {}).items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if status != 304:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the crawler gave up on a slow page

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> "FixtureSite":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def put(self, path: str, body: str | bytes, **kwargs: object) -> None:
        with self.lock:
            data = body.encode("utf-8") if isinstance(body, str) else body
            self.pages[path] = Page(data, **kwargs)  # type: ignore[arg-type]

    def remove(self, path: str) -> None:
        with self.lock:
            self.pages.pop(path, None)


@dataclass
class Statute:
    """A statute from the corpus, cut to its first articles (keeps embedding quick)."""
    title: str
    meta: dict
    articles: list[str]


def load_statute(name: str, max_articles: int = 6) -> Statute:
    text = (CORPUS / name).read_text(encoding="utf-8")
    _, front, body = text.split("---\n", 2)
    meta = yaml.safe_load(front)
    articles: list[str] = []
    for line in body.split("\n"):
        if ARTICLE_RE.match(line):
            if len(articles) == max_articles:
                break
            articles.append(line.strip())
        elif articles and line.strip() and not line.startswith("#"):
            articles[-1] += "\n" + line.strip()
    return Statute(str(meta["title"]), meta, articles)


def _cn_date(value: object) -> str:
    y, m, d = str(value).split("-")
    return f"{y}年{int(m)}月{int(d)}日"


def detail_page(statute: Statute, doc_number: str, status: str = "有效",
                attachments: list[tuple[str, str]] = ()) -> str:
    """A detail page in the commission's markup; article labels separated by U+3000."""
    meta = statute.meta
    paragraphs = []
    for article in statute.articles:
        first, *rest = article.split("\n")
        label = ARTICLE_RE.match(first)
        first = f"{label.group(1)}\u3000{first[label.end():]}" if label else first
        paragraphs.append(f"<p>{html.escape(first)}</p>")
        paragraphs += [f"<p>\u3000\u3000{html.escape(p)}</p>" for p in rest]
    links = "".join(f'<p>附件：<a href="{href}">{html.escape(text)}</a></p>' for text, href in attachments)
    publish = meta.get("publish_date") or "2020-01-01"
    effective = meta.get("effective_date") or publish
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{html.escape(statute.title)}_北京市规划和自然资源委员会</title>
<meta name="ArticleTitle" content="{html.escape(statute.title)}">
<meta name="PubDate" content="{publish} 09:30:00">
<script>var _trs = "analytics";</script></head>
<body><div class="nav"><a href="/">首页</a> &gt; <a href="/zcwj/index.html">政策文件</a></div>
<div class="xxgk-table"><table>
<tr><td>发文字号：</td><td>{doc_number.translate(FULLWIDTH_DIGITS)}</td>
<td>发布机构：</td><td>{html.escape(str(meta.get("issuer", "")))}</td></tr>
<tr><td>成文日期：</td><td>{_cn_date(publish)}</td><td>实施日期：</td><td>{_cn_date(effective)}</td></tr>
<tr><td>有效性：</td><td>{status}</td></tr></table></div>
<h1>{html.escape(statute.title)}</h1>
<div class="TRS_Editor"><div class="share">分享到：微信 微博</div>
{"".join(paragraphs)}
{links}
<script>document.write("打印本页");</script></div>
<div class="footer">主办：北京市规划和自然资源委员会 京ICP备05050939号</div>
</body></html>"""


def list_page(items: list[tuple[str, str, str]], next_href: str | None) -> str:
    """A list page: (href, title, date) items in ul.list, and a 下一页 link."""
    lis = "".join(f'<li><a href="{href}" title="{html.escape(title)}">{html.escape(title)}</a><span>{date}</span></li>'
                  for href, title, date in items)
    more = f'<a class="next" href="{next_href}">下一页</a>' if next_href else ""
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>政策文件</title></head><body>'
            f'<div class="nav">首页 &gt; 政策文件</div><ul class="list">{lis}</ul>'
            f'<div class="page">{more}</div></body></html>')


def pdf_with_text(pages: list[str], title: str) -> bytes:
    """A real PDF with a Chinese text layer, one string per page."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    pdf.setTitle(title)
    for text in pages:
        pdf.setFont("STSong-Light", 11)
        y = 800
        for paragraph in text.split("\n"):
            for start in range(0, len(paragraph), 40):  # 40 characters a line fits A4
                pdf.drawString(50, y, paragraph[start:start + 40])
                y -= 18
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def scanned_pdf() -> bytes:
    """A PDF whose only page is an image (as from a scanner): no text layer."""
    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    image = Image.new("L", (600, 800), 255)
    draw = ImageDraw.Draw(image)
    for y in range(60, 760, 24):
        draw.line((50, y, 550, y), fill=30, width=6)
    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    pdf.drawImage(ImageReader(image), 0, 0, 595, 842)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def fixture_sources(base: str, **overrides: object) -> str:
    """The sources.yaml entry a user would write for this site."""
    entry = {
        "name": "fixture",
        "title": "测试站点 政策文件",
        "start_urls": [f"{base}/zcwj/index.html"],
        "allowed_domains": ["127.0.0.1"],
        "list": {"links": "ul.list li a", "next_page": "a.next"},
        "detail": {
            "content": "div.TRS_Editor",
            "title": "meta[name=ArticleTitle]@content",
            "meta": {"publish_date": "meta[name=PubDate]@content"},
            "meta_block": "div.xxgk-table",
            "labels": {"发文字号": "doc_number", "发布机构": "issuer", "成文日期": "publish_date",
                       "实施日期": "effective_date", "有效性": "status"},
            "remove": [".share", "script"],
        },
        "defaults": {"doc_type": "地方性法规", "region": "北京"},
        "canonical": {"avoid": ["/zhuanti/"]},
        "attachments": ["pdf"],
        "delay": 0,
        "concurrency": 4,
        **overrides,
    }
    return yaml.safe_dump({"sources": [entry]}, allow_unicode=True, sort_keys=False)

