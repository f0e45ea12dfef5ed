"""Crawl runs, the index update after an upload, and slices of a large build's embedding, on
`hotline worker` processes.

With `HOTLINE_JOBS=worker` the API only records the run (crawl_runs, as before) and queues a
job; workers take jobs from a queue in the service's own PostgreSQL through procrastinate.
PostgreSQL is what a multi-replica deployment already runs, and procrastinate keeps its jobs
there, so there is no extra broker to run or back up. Workers send heartbeats, so the job of a
worker killed mid-run is found stalled and run again by the next worker. A crawl resumes its
run, an upload's index update starts over, and the live index stays as it was, because a
version becomes live only by the atomic switch of CURRENT at the end of a build. With the
default `HOTLINE_JOBS=thread`, the same work runs in a thread of the API process (one process,
SQLite, no worker to start).
"""

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, sessionmaker

from assistant.db import CrawlRun, libpq_uri, utcnow
from assistant.errors import Invalid
from assistant.events import INDEX, announce
from assistant.index import current_version
from assistant.settings import Settings
from ingest.embed import encode_passages, prepared_model
from ingest.runs import COUNT_KEYS, CrawlInProgress, crawl_lock, run_crawl
from ingest.sources import load_sources
from ingest.shared_embedding import SharedEmbedder, embed_slices, worker_name
from ingest.upload import index_upload

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)

QUEUE = "hotline"
CRAWL_TASK, UPLOAD_TASK, EMBED_TASK = "hotline.crawl_run", "hotline.upload_index", "hotline.embed_help"


class JobsUnavailable(Invalid):
    code = "jobs_unavailable"


def conninfo(database_url: str) -> str:
    """The libpq URI of the service's database (procrastinate talks psycopg directly)."""
    uri = libpq_uri(database_url)
    if uri is None:
        raise JobsUnavailable("HOTLINE_JOBS=worker 需要 PostgreSQL 数据库（HOTLINE_DATABASE_URL=postgresql+psycopg://…）")
    return uri


@dataclass
class JobQueue:
    """The procrastinate app: what the API defers to and what `hotline worker` runs."""
    settings: Settings

    def __post_init__(self) -> None:
        import procrastinate

        # A crawl that finds the corpus locked (the CLI, or an upload) waits and tries again.
        retry = procrastinate.RetryStrategy(max_attempts=30, wait=10, retry_exceptions={CrawlInProgress})
        self.app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo(self.settings.database)))
        self.app.task(name=CRAWL_TASK, queue=QUEUE, retry=retry)(self._crawl)
        self.app.task(name=UPLOAD_TASK, queue=QUEUE, retry=retry)(self._upload)
        self.app.task(name=EMBED_TASK, queue=QUEUE)(self._embed_help)
        self._model = None

    def ensure_schema(self) -> None:
        """Create procrastinate's tables once (its own schema file is not idempotent)."""
        import psycopg

        with psycopg.connect(conninfo(self.settings.database), autocommit=True) as conn:
            if conn.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()[0] is None:
                conn.execute(self.app.schema_manager.get_schema())

    def _crawl(self, run_id: int, source: str | None, max_pages: int | None) -> None:
        sources = load_sources(self.settings.sources_path)
        run_crawl(self.settings, sources, source=source, max_pages=max_pages, run_id=run_id)
        self._announce()

    def _upload(self, run_id: int, title: str) -> None:
        with crawl_lock(self.settings.crawl_corpus_path):
            index_upload(self.settings, run_id, title)
        self._announce()

    def _embed_help(self, build: str) -> None:
        if self._model is None:  # loaded once per worker process, on its first slice
            self._model = prepared_model(self.settings)
        model = self._model
        embed_slices(conninfo(self.settings.database), build,
                     lambda texts: encode_passages(model, texts, self.settings.embed_batch_size),
                     self.settings.embed_slice, worker_name())

    def _announce(self) -> None:
        # Replicas switch to what the job activated now, not at their next poll of CURRENT.
        announce(self.settings.events_url, self.settings.events_channel, INDEX,
                 {"version": current_version(self.settings.index_path)})

    def pending(self, task: str) -> int:
        """Jobs of `task` waiting or running."""
        import psycopg

        self.ensure_schema()
        with psycopg.connect(conninfo(self.settings.database)) as conn:
            return conn.execute("SELECT count(*) FROM procrastinate_jobs WHERE task_name = %s AND queue_name = %s "
                                "AND status IN ('todo', 'doing')", (task, QUEUE)).fetchone()[0]

    def defer(self, task: str, **params: object) -> int:
        """Queue a job; returns its id."""
        self.ensure_schema()
        with self.app.open():
            return self.app.configure_task(task, queue=QUEUE).defer(**params)

    def run_worker(self, concurrency: int = 1, heartbeat_seconds: float = 10.0, stalled_seconds: float = 30.0,
                   on_start: Callable[[], None] = lambda: None) -> None:
        """Work until SIGINT/SIGTERM: first re-queue the jobs of workers that stopped beating,
        then again every `stalled_seconds`, while running jobs."""
        self.ensure_schema()

        async def main() -> None:
            async with self.app.open_async():
                await self._retry_stalled(stalled_seconds)
                sweeper = asyncio.create_task(self._sweep(stalled_seconds))
                on_start()
                try:
                    await self.app.run_worker_async(queues=[QUEUE], concurrency=concurrency,
                                                    update_heartbeat_interval=heartbeat_seconds,
                                                    stalled_worker_timeout=stalled_seconds)
                finally:
                    sweeper.cancel()

        asyncio.run(main())

    async def _retry_stalled(self, stalled_seconds: float) -> None:
        for job in await self.app.job_manager.get_stalled_jobs(queue=QUEUE, seconds_since_heartbeat=stalled_seconds):
            log.warning("job %s (%s) was running on a worker that stopped; queued again", job.id, job.task_name)
            await self.app.job_manager.retry_job(job)

    async def _sweep(self, stalled_seconds: float) -> None:
        while True:
            await asyncio.sleep(stalled_seconds)
            try:
                await self._retry_stalled(stalled_seconds)
            except Exception:  # noqa: BLE001 - the next sweep tries again; the worker keeps working
                log.exception("re-queueing stalled jobs failed")


def queue_crawl(queue: JobQueue, sessions: sessionmaker[Session], source: str | None, max_pages: int | None) -> int:
    """Record a crawl run and queue it; returns the run id. One crawl queued or running at a
    time, as with threads (a run left 'running' by a dead thread-mode process does not count)."""
    if queue.pending(CRAWL_TASK):
        raise CrawlInProgress("已有抓取任务正在进行或排队，请稍后再试。")
    with sessions() as s:
        run = CrawlRun(source=source, status="running", counts={k: 0 for k in COUNT_KEYS},
                       progress={"stage": "queued", "done": 0, "total": 0}, message="排队中：等待后台任务进程")
        s.add(run)
        s.commit()
        run_id = run.id
    try:
        queue.defer(CRAWL_TASK, run_id=run_id, source=source, max_pages=max_pages)
    except Exception as exc:
        with sessions() as s:
            failed = s.get_one(CrawlRun, run_id)
            failed.status, failed.finished_at = "failed", utcnow()
            failed.message = f"未能交给后台任务进程：{type(exc).__name__}"
            s.commit()
        raise
    return run_id


def shared_embedder(settings: Settings, model: "SentenceTransformer") -> SharedEmbedder:
    """A build's embedding shared with `embed_helpers` worker jobs, from `shared_embedding_min` texts on."""
    queue = JobQueue(settings)

    def ask_helpers(build: str) -> None:
        for _ in range(settings.embed_helpers):
            queue.defer(EMBED_TASK, build=build)

    return SharedEmbedder(conninfo(settings.database),
                          lambda texts: encode_passages(model, texts, settings.embed_batch_size),
                          ask_helpers, settings.embed_slice, settings.shared_embedding_min)
