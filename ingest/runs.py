"""A crawl run end to end: crawl → crawled corpus → incremental index build → regression gate
→ atomic activation, logged in crawl_runs with live progress.

`run_crawl` is synchronous (it runs its own event loop): call it from a CLI or a worker
thread, not from inside a running event loop. Progress goes to the `progress` callback and
to crawl_runs.progress, so another process can watch the run.
"""

import asyncio
import json
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sentence_transformers import SentenceTransformer
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from assistant import index as store
from assistant.db import BEIJING, CrawlRun, make_engine, migrate, session_factory, utcnow
from assistant.errors import Conflict
from assistant.faq_review import flag_stale_faqs
from assistant.locks import exclusive
from assistant.settings import Settings
from ingest.build import build_index, corpus_hash, load_corpora, prune_versions
from ingest.crawl import COUNT_KEYS, Crawl
from ingest.documents import DocumentStore
from ingest.embed import prepared_model
from ingest.fetch import Fetcher
from ingest.gate import GateResult, regression_gate
from ingest.publish import activate_version, unpublish_versions
from ingest.sources import Source, SourcesError, select_sources

log = logging.getLogger(__name__)
# Counts that mean a page was fetched and read, whatever became of it.
REACHED = ("new", "changed", "unchanged", "duplicate", "removed", "repealed", "not_indexed")

Progress = Callable[[dict[str, Any]], None]
RESUMABLE = ("running", "interrupted")
# What a run counts and why a page was not taken in, as the run log and the admin page say it.
COUNT_LABELS = {"new": "新增", "changed": "更新", "unchanged": "未变", "duplicate": "重复", "removed": "移除",
                "repealed": "废止", "not_indexed": "未收录", "failed": "失败", "skipped_robots": "robots.txt 禁止",
                "skipped_offsite": "站外链接", "embedded": "新嵌入段落"}
SUMMARY_COUNTS = ("new", "changed", "repealed", "duplicate", "removed", "failed")
PAGE_PROBLEMS = {"failed": "请求失败", "not_indexed": "未收录", "robots": "robots.txt 禁止", "offsite": "站外链接"}
GATE_FILE = "gate.json"


class CrawlInProgress(Conflict):
    """Another crawl run (or upload job) holds the lock."""

    code = "busy"


@contextmanager
def crawl_lock(root: Path) -> Iterator[None]:
    """One crawl run at a time per crawled corpus; the OS drops the lock if the process dies."""
    with exclusive(root / ".crawl.lock", lambda: CrawlInProgress("另一个抓取或上传任务正在更新索引，请稍后再试。")):
        yield


def _start_or_resume(sessions: sessionmaker[Session], source: str | None, run_id: int | None = None) -> int:
    """Resume the latest unfinished run of the same scope (its process died), else start one;
    a queued run (`run_id`, created when the job was queued) is the one resumed.

    Called under the crawl lock, so a 'running' run found here is not running any more.
    """
    with sessions() as session:
        stale = session.scalars(select(CrawlRun).where(CrawlRun.status.in_(RESUMABLE))
                                .order_by(CrawlRun.id.desc())).all()
        resumed = next((r for r in stale if (r.id == run_id if run_id else r.source == source)), None)
        for run in stale:
            if run is not resumed:
                run.status, run.finished_at = "interrupted", run.finished_at or utcnow()
        if resumed is None:
            resumed = CrawlRun(source=source, status="running", counts={k: 0 for k in COUNT_KEYS},
                               progress={"stage": "crawl", "done": 0, "total": 0}, message="")
            session.add(resumed)
        else:
            resumed.status, resumed.finished_at = "running", None
            resumed.message = "从中断处继续"
            log.info("resuming crawl run %d", resumed.id)
        session.commit()
        return resumed.id


def update_run(sessions: sessionmaker[Session], run_id: int, **values: Any) -> CrawlRun:
    with sessions() as session:
        run = session.get_one(CrawlRun, run_id)
        for key, value in values.items():
            setattr(run, key, value)
        session.commit()
        return run


@dataclass
class IndexUpdate:
    status: str  # succeeded (activated, or nothing to do) / gated (built, not activated)
    message: str  # Chinese, for the run log
    version: str | None
    embedded: int


def review_faqs(settings: Settings, version: str) -> int:
    """Flag the FAQs whose cited passages `version` changed, repealed or removed, so a changed
    regulation reaches the desk with this crawl; returns how many were flagged. The service
    runs the same check when it picks the version up: whoever commits second finds nothing to
    do, and a failure here (that race on SQLite) is left to it."""
    engine = make_engine(settings.database)
    try:
        with session_factory(engine)() as session:
            report = flag_stale_faqs(session, store.load_version(settings.index_path, version))
            session.commit()
    except SQLAlchemyError:
        log.exception("checking FAQs against index %s failed; the service will check again", version)
        return 0
    finally:
        engine.dispose()
    return sum(report.flagged.values())


def record_gate(root: Path, version: str, gate: GateResult, against: str | None) -> None:
    """Keep the gate's figures beside the version's manifest, for the admin page; written to a
    temporary file and renamed, so a reader never sees half of it."""
    record = {"passed": gate.passed, "new_recall": gate.new_recall, "live_recall": gate.live_recall,
              "compared": gate.compared, "skipped": gate.skipped, "message": gate.message, "against": against,
              "checked_at": utcnow().isoformat(timespec="seconds")}
    path = root / version / GATE_FILE
    tmp = path.with_name(f".{GATE_FILE}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(record, f, ensure_ascii=False, indent=2)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def gate_record(root: Path, version: str) -> dict[str, Any] | None:
    """What the gate found for `version`; None for a version built without it (hotline index build)."""
    try:
        return json.loads((root / version / GATE_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def update_index(settings: Settings, *, model: SentenceTransformer | None = None,
                 progress: Progress | None = None, activate_anyway: bool = False) -> IndexUpdate:
    """Build a version over `settings.corpus_paths` if they differ from the live index, gate it,
    activate it if it passes (or, with `activate_anyway`, if it does not: an operator's explicit,
    logged override). Also what an upload calls after writing its document."""
    report = progress or (lambda state: None)
    root = settings.index_path
    live = store.current_version(root)
    loaded = load_corpora(settings.corpus_paths)
    digest = corpus_hash([d.metadata["content_hash"] for d in loaded.documents])
    live_manifest = next((v for v in store.list_versions(root) if v["active"]), None)
    if live and live_manifest and live_manifest.get("corpus_hash") == digest:
        return IndexUpdate("succeeded", f"语料没有变化，索引保持 {live}", live, 0)
    report({"stage": "index", "done": 0, "total": len(loaded.documents)})
    model = model or prepared_model(settings)
    result = build_index(settings, model=model, activate=False)
    built = f"新索引 {result.version}：{result.documents} 篇文档，{result.passages} 段，新嵌入 {result.embedded} 段"
    report({"stage": "gate", "done": 0, "total": 1, "embedded": result.embedded})
    gate = regression_gate(settings, model, result.version, live)
    record_gate(root, result.version, gate, live)
    merged = sum(1 for m in loaded.merges if m.text_from != "none")
    if merged:
        built += f"；{merged} 篇抓取文件与内置文件是同一文件，已合并为一篇"
    activate = gate.passed or activate_anyway
    if activate:
        activate_version(settings, result.version)
    unpublish_versions(settings, prune_versions(root, settings.keep_versions))
    message = f"{built}；{gate.message}"
    if activate and (flagged := review_faqs(settings, result.version)):
        message += f"；{flagged} 条标准答复的依据有变更，已标记待复核"
    if activate and not gate.passed:
        log.warning("index %s activated although the regression gate failed (--activate-anyway)", result.version)
        message += "；按 --activate-anyway 强制启用"
    elif activate:
        message += "；已启用"
    return IndexUpdate("succeeded" if activate else "gated", message, result.version, result.embedded)


def note_manual_activation(session: Session, version: str, actor: str) -> CrawlRun | None:
    """An operator made `version` live by hand: if a run built it and the gate refused it, that
    run now says who overrode the gate and when (the override is explicit and logged)."""
    run = session.scalars(select(CrawlRun).where(CrawlRun.index_version == version,
                                                 CrawlRun.status == "gated")).first()
    if run is None:
        return None
    log.warning("index %s activated by %s although the regression gate refused it (run %d)", version, actor, run.id)
    run.status = "succeeded"
    run.message += f"；{actor} 于 {utcnow().astimezone(BEIJING):%Y-%m-%d %H:%M} 手动启用（未通过回归检验）"
    return run


def run_crawl(settings: Settings, sources: list[Source], *, source: str | None = None,
              max_pages: int | None = None, progress: Progress | None = None,
              model: SentenceTransformer | None = None, activate_anyway: bool = False,
              run_id: int | None = None) -> CrawlRun:
    """Crawl the enabled sources (or the one named), then build, gate and activate an index.

    A run whose process was killed is resumed by the next call with the same `source` (or,
    for a run queued for a worker, the same `run_id`).
    Raises SourcesError for an unknown source and CrawlInProgress if a run is active;
    any other failure is recorded in the run (status 'failed') and re-raised.
    """
    chosen = select_sources(sources, source)
    if not chosen:
        raise SourcesError("没有已启用的来源")
    migrate(settings.database)
    engine = make_engine(settings.database)
    sessions = session_factory(engine)
    try:
        with crawl_lock(settings.crawl_corpus_path):
            run_id = _start_or_resume(sessions, source, run_id)

            def report(state: dict[str, Any]) -> None:
                state = {"run_id": run_id, **state}
                update_run(sessions, run_id, progress={k: v for k, v in state.items() if k != "run_id"})
                if progress:
                    progress(state)

            def on_page(crawl: Crawl) -> None:
                if progress:
                    progress({"run_id": run_id, **crawl.progress(), "counts": dict(crawl.counts)})

            try:
                counts = asyncio.run(_crawl(settings, sessions, run_id, chosen, max_pages, on_page))
                if not any(counts.get(k) for k in REACHED):
                    # Nothing fetched (site down, robots.txt forbids everything, wrong start URL):
                    # a failure to report, not "no change".
                    return update_run(sessions, run_id, status="failed", finished_at=utcnow(), counts=counts,
                                   message="没有抓到任何页面：" + "，".join(
                                       f"{label} {counts[k]}" for k, label in (
                                           ("failed", "请求失败"), ("skipped_robots", "robots.txt 禁止"),
                                           ("skipped_offsite", "站外链接")) if counts.get(k)) + "。请检查来源地址和网络。")
                update = update_index(settings, model=model, progress=report, activate_anyway=activate_anyway)
            except KeyboardInterrupt:
                update_run(sessions, run_id, status="interrupted", finished_at=utcnow(),
                        message="已中断；下次以相同参数运行时从中断处继续")
                raise
            except Exception as exc:
                update_run(sessions, run_id, status="failed", finished_at=utcnow(),
                        message=f"运行失败：{type(exc).__name__}: {exc}")
                raise
            report({"stage": "done", "done": 1, "total": 1})
            summary = "，".join(f"{COUNT_LABELS[k]} {counts[k]}" for k in SUMMARY_COUNTS if counts.get(k))
            return update_run(sessions, run_id, status=update.status, index_version=update.version,
                           message=f"抓取：{summary or '没有变化'}；{update.message}",
                           counts={**counts, "embedded": update.embedded}, finished_at=utcnow())
    finally:
        engine.dispose()


async def _crawl(settings: Settings, sessions: sessionmaker[Session], run_id: int, sources: list[Source],
                 max_pages: int | None, on_page: Callable[[Crawl], None]) -> dict[str, int]:
    documents = DocumentStore(settings.crawl_corpus_path, settings.crawl_history_path)
    async with Fetcher(settings) as fetcher:
        crawl = Crawl(settings, sessions, run_id, sources, fetcher, documents, max_pages, on_page)
        counts = await crawl.run()
    return {k: counts[k] for k in COUNT_KEYS}
