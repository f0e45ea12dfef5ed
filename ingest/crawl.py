"""One crawl: list pages → detail pages → attachments, into the crawled corpus.

State lives in the database (crawl_pages), committed every second together with the run's
counts, so a killed crawl resumes where it stopped: a URL queued by the run and not yet
visited by it is still to do. Pages handled after the last commit are fetched again on
resume; writing their documents again is harmless (same version, same file).

Unchanged pages cost one conditional GET (or one hash comparison); a changed document becomes
a new version and the old one goes to history; so does a change of status (有效 → 已废止): a
repealed document stays in the corpus, marked, to answer "is it still in force?". A page
that is gone (404/410) leaves the live corpus for history.

A document is its main text, not its URL: every link is canonicalised (tracking parameters
stripped, sources.yaml `canonical`), and the same text under two URLs is one document whose
URL is the better-ranked one (the section page, never the 专题 copy), whichever came first.
"""

import asyncio
import hashlib
import logging
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from assistant.db import CrawlPage, CrawlRun, utcnow
from assistant.settings import Settings
from assistant.vocabularies import REPEALED
from ingest.documents import DocumentStore, doc_id_for
from ingest.extract import (ExtractError, Extracted, clean_title, extract_docx, extract_html, extract_pdf,
                            list_links, soup_of)
from ingest.fetch import FetchError, Fetcher, OffSite, Response, RobotsDisallowed
from ingest.sources import Source

log = logging.getLogger(__name__)

COUNT_KEYS = ("new", "changed", "unchanged", "duplicate", "removed", "repealed", "not_indexed",
              "failed", "skipped_robots", "skipped_offsite")
HTML_TYPES = ("text/html", "application/xhtml+xml")
INHERITED = ("doc_type", "issuer", "doc_number", "publish_date", "effective_date", "status", "region")
ATTACHMENT_PREFIX = re.compile(r"^附件\s*\d*\s*[:：.、]?\s*")
# One commit per page would cost an fsync per page; a second's work is cheap to redo, and a
# write transaction held no longer than this does not block other SQLite writers for long.
COMMIT_EVERY_SECONDS = 1.0


@dataclass
class Task:
    url: str
    source: str
    kind: str  # list / detail / attachment
    parent_url: str | None = None


@dataclass
class Outcome:
    """What handling one URL decided; saved in one transaction."""
    count: str | None
    status: str
    changes: dict[str, Any]
    links: list[dict[str, str]] | None = None  # to enqueue (and remember, unless reused)


def sha256(data: bytes | str) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def text_identity(title: str, text: str) -> str:
    """Hash of a document's title and main text, without metadata, links or whitespace, so a
    copy under another URL (its relative attachment links resolved elsewhere) matches."""
    return sha256("".join(title.split()) + "\n" + "".join(text.split()))


def url_preference(source: Source, url: str) -> tuple[int, int, int, str]:
    """Sort key of candidate URLs for one document: the source's canonical rules, then the
    shallowest and shortest URL, so the choice never depends on crawl order."""
    path = url.split("?", 1)[0]
    return source.url_rank(url), path.count("/"), len(url), url


def _kind_of(response: Response) -> str | None:
    body = response.body.lstrip()[:512].lower()
    if body.startswith(b"%pdf-"):
        return "pdf"
    docx = response.url.lower().endswith(".docx") or "wordprocessingml" in response.content_type
    if body.startswith(b"pk") and docx:
        return "docx"
    if response.content_type in HTML_TYPES or body.startswith((b"<!doctype html", b"<html")):
        return "html"
    return None


def _numbered_next_page(url: str, source: Source) -> str | None:
    """With `list.page_urls` ('index_{n}.html'): the list page after `url`, within max_list_pages.

    A start URL, or a section page reached through `list.follow`, counts as page 0; pages are queued one at a time, so a short list costs one
    request past its end, not max_list_pages.
    """
    template = source.listing.page_urls
    if not template:
        return None
    folder, name = url.split("?", 1)[0].rsplit("/", 1)
    pattern = re.escape(template).replace(re.escape("{n}"), r"(\d+)")
    match = re.fullmatch(pattern, name)
    first = url in source.start_urls or bool(source.listing.follow and re.search(source.listing.follow, url))
    number = int(match.group(1)) if match else 0 if first else None
    if number is None or number + 1 >= source.listing.max_list_pages:
        return None
    return f"{folder}/{template.format(n=number + 1)}"


class Crawl:
    """Crawl `sources` for run `run_id`; `on_page` is called after every URL handled."""

    def __init__(self, settings: Settings, sessions: sessionmaker[Session], run_id: int,
                 sources: list[Source], fetcher: Fetcher, store: DocumentStore,
                 max_pages: int | None = None, on_page: Callable[["Crawl"], None] | None = None):
        self.settings, self.sessions, self.run_id = settings, sessions, run_id
        self.sources = {s.name: s for s in sources}
        self.fetcher, self.store, self.max_pages = fetcher, store, max_pages
        self.on_page = on_page or (lambda crawl: None)
        self.counts: Counter[str] = Counter()
        self.queued = 0
        self.visited = 0
        self.fetched: Counter[str] = Counter()
        self.budget_hit: set[str] = set()
        self._queue: asyncio.Queue[Task] = asyncio.Queue()
        self._db: Session | None = None

    @property
    def db(self) -> Session:
        """The crawl's one session; only the event loop thread uses it."""
        assert self._db is not None, "Crawl.run() opens the session"
        return self._db

    def _commit(self) -> None:
        """Commit the pages handled so far with the run's counts and progress."""
        run = self.db.get_one(CrawlRun, self.run_id)
        run.counts = {k: self.counts[k] for k in COUNT_KEYS}
        run.progress = self.progress()
        self.db.commit()
        self.db.expunge_all()  # keeps memory flat over long crawls; rows are re-read when needed

    async def _committer(self) -> None:
        # Runs on the event loop between page handlers, so it never commits half a page.
        while True:
            await asyncio.sleep(COMMIT_EVERY_SECONDS)
            self._commit()

    # -- frontier -------------------------------------------------------------------------

    def _budget(self, source: Source) -> int:
        return self.max_pages if self.max_pages is not None else source.max_pages

    def _enqueue(self, tasks: list[Task]) -> None:
        """Queue URLs not yet queued by this run (the row remembers them across a crash)."""
        urls = list(dict.fromkeys(t.url for t in tasks))
        rows: dict[str, CrawlPage] = {}
        for i in range(0, len(urls), 500):  # SQLite caps the parameters of one statement
            rows.update((r.url, r) for r in self.db.scalars(
                select(CrawlPage).where(CrawlPage.url.in_(urls[i:i + 500]))))
        unique: dict[str, Task] = {}
        for task in tasks:
            unique.setdefault(task.url, task)
        for task in unique.values():
            row = rows.get(task.url)
            if row is None:
                row = CrawlPage(url=task.url, source=task.source, kind=task.kind, parent_url=task.parent_url,
                                status="queued", version=0, meta={}, links=[])
                self.db.add(row)
                rows[task.url] = row
            elif row.queued_run == self.run_id:
                continue
            row.queued_run = self.run_id
            self.queued += 1
            self._queue.put_nowait(Task(row.url, row.source, row.kind, row.parent_url))

    def _seed(self) -> None:
        """Resume what this run left pending, then queue the start pages (no-op if already queued)."""
        pending = self.db.scalars(select(CrawlPage).where(
            CrawlPage.queued_run == self.run_id,
            (CrawlPage.visited_run.is_(None)) | (CrawlPage.visited_run != self.run_id),
            CrawlPage.source.in_(self.sources))).all()
        done = self.db.scalars(select(CrawlPage).where(
            CrawlPage.queued_run == self.run_id, CrawlPage.visited_run == self.run_id)).all()
        for row in done:
            self.fetched[row.source] += 1
        self.visited = len(done)
        self.queued = len(done) + len(pending)
        for row in pending:
            self._queue.put_nowait(Task(row.url, row.source, row.kind, row.parent_url))
        self._enqueue([Task(s.canonical_url(url), s.name, "list") for s in self.sources.values() for url in s.start_urls])

    def _revisit(self) -> None:
        """Live documents no list linked this time: check them directly (gone → removed)."""
        names = [n for n in self.sources if n not in self.budget_hit]
        if not names:
            return
        rows = self.db.scalars(select(CrawlPage).where(
            CrawlPage.source.in_(names), CrawlPage.doc_id.is_not(None),
            (CrawlPage.queued_run.is_(None)) | (CrawlPage.queued_run != self.run_id))).all()
        self._enqueue([Task(r.url, r.source, r.kind, r.parent_url) for r in rows])

    async def run(self) -> Counter[str]:
        with self.sessions() as self._db:
            self.counts.update({k: v for k, v in self.db.get_one(CrawlRun, self.run_id).counts.items()
                                if k in COUNT_KEYS})
            self._seed()
            self._commit()
            workers = [asyncio.create_task(self._work()) for _ in range(max(1, self.settings.crawl_workers))]
            committer = asyncio.create_task(self._committer())
            try:
                await self._drain([*workers, committer])
                self._revisit()
                await self._drain([*workers, committer])
            finally:
                for task in (*workers, committer):
                    task.cancel()
                await asyncio.gather(*workers, committer, return_exceptions=True)
            self._commit()
        self._db = None
        return self.counts

    async def _drain(self, workers: list[asyncio.Task]) -> None:
        """Wait until the queue is empty; a worker that died (database error) stops the crawl."""
        joined = asyncio.create_task(self._queue.join())
        done, _ = await asyncio.wait([joined, *workers], return_when=asyncio.FIRST_COMPLETED)
        if joined not in done:
            joined.cancel()
            for worker in done:
                worker.result()

    async def _work(self) -> None:
        while True:
            task = await self._queue.get()
            try:
                await self._handle(task)
            except Exception as exc:  # noqa: BLE001 - one bad page must not stop the crawl; it is recorded
                log.exception("crawling %s failed", task.url)
                self._save(task, Outcome("failed", "failed", {"error": f"内部错误：{type(exc).__name__}: {exc}"}))
            finally:
                self._queue.task_done()
                self.on_page(self)

    # -- one URL --------------------------------------------------------------------------

    async def _handle(self, task: Task) -> None:
        source = self.sources[task.source]
        if self.fetched[source.name] >= self._budget(source):
            self.budget_hit.add(source.name)
            return  # stays queued: a later run (or --max-pages) gets to it
        row = self.db.scalars(select(CrawlPage).where(CrawlPage.url == task.url)).one()
        state = {c: getattr(row, c) for c in ("etag", "last_modified", "content_hash", "text_hash",
                                               "doc_id", "version", "links", "kind", "status", "title", "meta")}
        conditional = state["kind"] == "list" or state["doc_id"] is not None
        self.fetched[source.name] += 1
        try:
            response = await self.fetcher.fetch(task.url, source, *(
                (state["etag"], state["last_modified"]) if conditional else (None, None)))
        except RobotsDisallowed as exc:
            return self._save(task, Outcome("skipped_robots", "robots", {"error": str(exc)}))
        except OffSite as exc:
            return self._save(task, Outcome("skipped_offsite", "offsite", {"error": str(exc)}))
        except FetchError as exc:
            return self._save(task, Outcome("failed", "failed", {"error": str(exc)}))
        self._save(task, self._outcome(task, source, state, response))

    def _outcome(self, task: Task, source: Source, state: dict, response: Response) -> Outcome:
        http = {"http_status": response.status, "fetched_at": utcnow(), "error": None}
        document_count = None if task.kind == "list" else "unchanged"
        if response.status == 304:
            return Outcome(document_count, "unchanged" if document_count else "ok", http, state["links"])
        if response.status in (404, 410) and state["doc_id"]:
            self.store.remove(state["doc_id"], state["version"], f"源页面已删除（HTTP {response.status}）", utcnow())
            return Outcome("removed", "removed", {**http, "doc_id": None})
        if response.status in (404, 410) and task.kind == "list":
            # Usually a numbered list page past the last one; the error stays on the row.
            return Outcome(None, "gone", {**http, "error": f"HTTP {response.status}"})
        if response.status != 200:
            return Outcome("failed", "failed", {**http, "error": f"HTTP {response.status}"})
        http.update(etag=response.etag, last_modified=response.last_modified,
                    content_hash=sha256(response.body))
        if http["content_hash"] == state["content_hash"] and (task.kind == "list" or state["doc_id"]):
            return Outcome(document_count, "unchanged" if document_count else "ok", http, state["links"])
        kind = _kind_of(response)
        if task.kind == "list":
            if kind != "html":
                return Outcome("failed", "failed", {**http, "error": "列表页不是 HTML"})
            details, pages = list_links(soup_of(response.body, response.charset), response.url, source.listing)
            numbered = _numbered_next_page(task.url, source)
            if details and numbered:
                pages.append(numbered)
            links = ([{"url": source.canonical_url(u), "kind": "detail", "text": ""} for u in details if source.allows(u)]
                     + [{"url": source.canonical_url(u), "kind": "list", "text": ""} for u in pages if source.allows(u)])
            return Outcome(None, "ok", {**http, "links": links}, links)
        try:
            if kind == "html":
                extracted = extract_html(soup_of(response.body, response.charset), response.url,
                                         source.detail, source.attachments)
            elif kind == "pdf":
                extracted = extract_pdf(response.body, self.settings.crawl_min_pdf_chars)
            elif kind == "docx":
                extracted = extract_docx(response.body)
            else:
                raise ExtractError(f"不支持的文件类型（{response.content_type}）")
        except ExtractError as exc:
            return Outcome("not_indexed", "not_indexed", {**http, "error": str(exc)})
        return self._document(task, source, state, response, extracted, http)

    def _parent(self, task: Task) -> tuple[dict[str, str], str]:
        """Metadata of an attachment's detail page, and the attachment's link text there."""
        if not task.parent_url:
            return {}, ""
        parent = self.db.scalars(select(CrawlPage).where(CrawlPage.url == task.parent_url)).first()
        if parent is None:
            return {}, ""
        text = next((link["text"] for link in parent.links if link["url"] == task.url), "")
        return {k: v for k, v in parent.meta.items() if k in INHERITED}, text

    def _document(self, task: Task, source: Source, state: dict, response: Response,
                  extracted: Extracted, http: dict[str, Any]) -> Outcome:
        parent_meta, link_text = self._parent(task)
        meta = {**source.defaults_for(task.url), **parent_meta, **extracted.meta}
        link_title = clean_title(ATTACHMENT_PREFIX.sub("", link_text).rsplit(".", 1)[0]) if link_text else ""
        title = link_title or extracted.title
        heading = f"# {title}\n\n"
        body = heading + extracted.text
        links = [{"url": source.canonical_url(a.url), "kind": "attachment", "text": a.text}
                 for a in extracted.attachments if source.allows(a.url)]
        if extracted.attachments:
            body += "\n\n附件：\n" + "\n".join(f"- [{a.text}]({a.url})" for a in extracted.attachments)
        front: dict[str, Any] = {
            "title": title, **meta, "url": task.url, "source": source.name, "parent_url": task.parent_url,
            "pages": [len(heading) + o for o in extracted.page_offsets] or None,
        }
        text_hash = text_identity(title, extracted.text)
        record = {**http, "title": title, "meta": meta, "links": links, "text_hash": text_hash}
        if state["doc_id"] and (text_hash, title, meta) == (state["text_hash"], state["title"], state["meta"]):
            return Outcome("unchanged", "unchanged", record, links)
        doc_id, version, count = state["doc_id"], state["version"], None
        reason = "被新版本取代"
        now = utcnow()
        twin = self.db.scalars(select(CrawlPage).where(
            CrawlPage.text_hash == text_hash, CrawlPage.doc_id.is_not(None), CrawlPage.url != task.url).limit(1)).first()
        if twin is not None:
            # One text, two URLs: the better-ranked URL holds the document, whichever came first.
            if url_preference(self.sources.get(twin.source, source), twin.url) <= url_preference(source, task.url):
                if doc_id:
                    self.store.remove(doc_id, version, f"与 {twin.url} 内容相同", now)
                return Outcome("duplicate", "duplicate",
                               {**record, "doc_id": None, "error": f"与 {twin.url} 内容相同"}, links)
            if doc_id:
                self.store.remove(twin.doc_id, twin.version, f"与 {task.url} 内容相同", now)
                if twin.visited_run == self.run_id and twin.status == "new":
                    # A copy reached first with the changed text was counted new a moment ago.
                    self.counts["new"] -= 1
                    self.counts["duplicate"] += 1
            else:
                doc_id, version, count = twin.doc_id, twin.version, "duplicate"
                reason = f"规范地址改为 {task.url}"
            twin.doc_id, twin.status, twin.error = None, "duplicate", f"与 {task.url} 内容相同"
        repealed = meta.get("status") in REPEALED
        if repealed and state["meta"].get("status") not in REPEALED:
            count = count or "repealed"
            reason = f"状态变为{meta['status']}"
        count = count or ("changed" if doc_id else "new")
        if doc_id:
            self.store.archive(doc_id, version, reason, now)
        doc_id = doc_id or doc_id_for(source.name, task.url, sha256(task.url))
        version += 1
        front.update(version=version, fetched_at=now.isoformat(timespec="seconds"), content_hash=text_hash)
        self.store.write(doc_id, front, body)
        status = "repealed" if repealed else "changed" if count == "duplicate" else count
        return Outcome(count, status, {**record, "doc_id": doc_id, "version": version, "changed_at": now}, links)

    def _save(self, task: Task, outcome: Outcome) -> None:
        """Record the page and queue its links (committed with the run's counts, see _commit)."""
        row = self.db.scalars(select(CrawlPage).where(CrawlPage.url == task.url)).one()
        for key, value in outcome.changes.items():
            setattr(row, key, value)
        row.status = outcome.status
        row.visited_run = self.run_id
        if outcome.links:
            self._enqueue([Task(link["url"], task.source, link["kind"],
                                task.url if link["kind"] == "attachment" else None)
                           for link in outcome.links])
        if outcome.count:
            self.counts[outcome.count] += 1
        self.visited += 1

    def progress(self) -> dict[str, Any]:
        return {"stage": "crawl", "done": self.visited, "total": self.queued}
