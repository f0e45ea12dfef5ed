"""A document added by hand (PDF, HTML, Markdown or DOCX with a metadata form) goes through the
same path as a crawled one: extract → crawled corpus (versioned) → incremental index + gate.

The file is read at once, in a bounded child process (ingest/extract_worker.py), so a bad file
is refused while the editor waits; the index update, which takes seconds to minutes, runs as a
job recorded in crawl_runs (source "upload") that the editor polls.
"""

import hashlib
import logging
import re
import threading
from collections.abc import Callable
from contextlib import ExitStack
from datetime import date, datetime, timezone
from pathlib import Path

from pydantic import BaseModel, Field
from sentence_transformers import SentenceTransformer

from assistant.db import CrawlRun, make_engine, session_factory, utcnow
from assistant.settings import Settings
from assistant.vocabularies import DocType, Status
from ingest.documents import DocumentStore
from ingest.extract_worker import extract_bounded
from ingest.runs import crawl_lock, update_index, update_run

SOURCE = "upload"
log = logging.getLogger(__name__)


class UploadMeta(BaseModel):
    title: str = Field(min_length=1, max_length=300)
    doc_type: DocType = "规范性文件"
    issuer: str = Field("", max_length=200)
    doc_number: str = Field("", max_length=100)
    publish_date: date | None = None
    effective_date: date | None = None
    status: Status = "有效"
    region: str = Field("北京", max_length=50)
    url: str = Field("", max_length=1000)


def _write_document(settings: Settings, filename: str, body: str, meta: UploadMeta, actor: str) -> str:
    """Into the crawled corpus; a re-upload of the same title is a new version, the old one
    goes to history. Returns the document id."""
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", Path(filename).stem).strip("-")[:40] or "document"
    doc_id = f"{SOURCE}/{slug}-{hashlib.sha256(meta.title.encode()).hexdigest()[:8]}"
    store = DocumentStore(settings.crawl_corpus_path, settings.crawl_history_path)
    now = datetime.now(timezone.utc)
    previous = store.live_version(doc_id)
    if previous:
        store.archive(doc_id, previous, "superseded by upload", now)
    front = {**meta.model_dump(mode="json"), "source": SOURCE, "uploaded_by": actor,
             "fetched_at": now.isoformat(timespec="seconds"), "content_hash": digest,
             "version": (previous or 0) + 1}
    store.write(doc_id, front, f"# {meta.title}\n\n{body}")
    return doc_id


def _read(settings: Settings, filename: str, data: bytes) -> str:
    return extract_bounded(filename, data, min_pdf_chars=settings.crawl_min_pdf_chars,
                           memory_bytes=settings.upload_extract_memory_bytes,
                           seconds=settings.upload_extract_seconds, max_chars=settings.max_document_chars)


def _store(settings: Settings, filename: str, body: str, meta: UploadMeta, actor: str) -> tuple[str, int]:
    """Write the document and open its run record (under the crawl lock, taken by the caller)."""
    doc_id = _write_document(settings, filename, body, meta, actor)
    engine = make_engine(settings.database)
    try:
        with session_factory(engine)() as session:
            run = CrawlRun(source=SOURCE, status="running", counts={}, message=f"上传《{meta.title}》：更新索引",
                           progress={"stage": "index", "done": 0, "total": 1})
            session.add(run)
            session.commit()
            return doc_id, run.id
    finally:
        engine.dispose()


def index_upload(settings: Settings, run_id: int, title: str, *, model: SentenceTransformer | None = None,
                 on_done: Callable[[], None] = lambda: None) -> None:
    """The index update after an upload, recorded in its run. The caller holds the crawl lock.
    `on_done` runs once the index is updated, before the run is marked finished."""
    engine = make_engine(settings.database)
    sessions = session_factory(engine)
    try:
        try:
            update = update_index(settings, model=model)
            on_done()  # the service serves the new version before the job says it is done
            values = {"status": update.status, "index_version": update.version,
                      "counts": {"embedded": update.embedded}, "message": f"上传《{title}》：{update.message}"}
        except Exception as exc:  # noqa: BLE001 - recorded in the run for the editor to read
            log.exception("upload index update failed")
            values = {"status": "failed", "message": f"上传《{title}》：索引更新失败：{type(exc).__name__}: {exc}"}
        update_run(sessions, run_id, **values, finished_at=utcnow(), progress={"stage": "done", "done": 1, "total": 1})
    finally:
        engine.dispose()


def submit_upload(settings: Settings, filename: str, data: bytes, meta: UploadMeta, actor: str, *,
                  model: SentenceTransformer, on_done: Callable[[], None] = lambda: None) -> tuple[str, int]:
    """Read the file (ExtractError when refused), store it, and update the index in a thread of
    this process.

    Returns (doc_id, run id). Raises CrawlInProgress while a crawl or another upload is updating
    the index: the lock is taken before anything is written and handed to the job."""
    body = _read(settings, filename, data)
    lock = ExitStack()
    lock.enter_context(crawl_lock(settings.crawl_corpus_path))
    try:
        doc_id, run_id = _store(settings, filename, body, meta, actor)
    except BaseException:
        lock.close()
        raise

    def job() -> None:
        try:
            index_upload(settings, run_id, meta.title, model=model, on_done=on_done)
        finally:
            lock.close()

    threading.Thread(target=job, name=f"upload-{run_id}", daemon=True).start()
    return doc_id, run_id


def queue_upload(settings: Settings, filename: str, data: bytes, meta: UploadMeta, actor: str,
                 defer: Callable[[int, str], None]) -> tuple[str, int]:
    """Read and store the file like submit_upload, then hand the index update to a worker
    (`defer(run_id, title)`); the run is marked failed if it cannot be queued."""
    body = _read(settings, filename, data)
    with crawl_lock(settings.crawl_corpus_path):
        doc_id, run_id = _store(settings, filename, body, meta, actor)
    try:
        defer(run_id, meta.title)
    except Exception as exc:
        engine = make_engine(settings.database)
        try:
            update_run(session_factory(engine), run_id, status="failed", finished_at=utcnow(),
                       message=f"上传《{meta.title}》：未能交给后台任务进程：{type(exc).__name__}")
        finally:
            engine.dispose()
        raise
    return doc_id, run_id
