"""Crawl runs (admin) and uploads (editor): the same pipeline the `hotline crawl` command runs."""

import threading
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, UploadFile
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.deps import AdminKey, EditorKey, SessionDep, StateDep
from api.errors import ApiError
from api.schemas import CrawlPageOut, CrawlPagesOut, Offset, RowId, RunOut, RunStartedOut, SourceOut, UploadOut
from assistant import audit
from assistant.db import ApiKey, CrawlPage, CrawlRun
from ingest.jobs import UPLOAD_TASK, queue_crawl
from ingest.runs import PAGE_PROBLEMS, CrawlInProgress, run_crawl
from ingest.sources import SourcesError, load_sources, select_sources
from ingest.upload import SOURCE as UPLOAD_SOURCE
from ingest.upload import UploadMeta, queue_upload, submit_upload

router = APIRouter(prefix="/v1/ingest", tags=["ingest"])
RUN_START_TIMEOUT = 30.0
PageProblem = Literal[tuple(PAGE_PROBLEMS)]  # type: ignore[valid-type]


class RunIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"source": "bjghzrzyw-policy", "max_pages": 50}]})
    source: str | None = Field(None, description="来源名称；不填则抓取全部已启用来源")
    max_pages: int | None = Field(None, ge=1, le=100_000)


@router.get("/sources", summary="可抓取的来源（来源配置文件，管理员）")
def sources(state: StateDep, _: AdminKey) -> list[SourceOut]:
    try:
        found = load_sources(state.settings.sources_path)
    except SourcesError as exc:
        raise ApiError(503, f"来源配置文件有误，请修正后重试：{exc}") from None
    return [SourceOut(name=s.name, title=s.title, enabled=s.enabled, start_urls=s.start_urls) for s in found]


@router.post("/runs", status_code=202, summary="启动一次抓取 + 索引更新（管理员）")
def start_run(body: RunIn, state: StateDep, session: SessionDep, key: AdminKey) -> RunStartedOut:
    settings = state.settings
    try:
        sources = load_sources(settings.sources_path)
        if not select_sources(sources, body.source):
            raise SourcesError("没有已启用的来源")
    except SourcesError as exc:
        raise ApiError(422, str(exc)) from None
    if state.jobs is not None:
        run_id = queue_crawl(state.jobs, state.sessions, body.source, body.max_pages)
        _audit_start(session, key, run_id, body)
        return RunStartedOut(id=run_id, status="running")
    started = threading.Event()
    outcome: dict = {}

    def progress(update: dict) -> None:
        outcome.setdefault("run_id", update.get("run_id"))
        started.set()
        if update.get("stage") == "done":
            # Before the run records its status: once it says succeeded, questions get the new index.
            state.refresh_index(force=True)

    def work() -> None:
        try:
            run_crawl(settings, sources, source=body.source, max_pages=body.max_pages, progress=progress,
                      model=state.model)
        except Exception as exc:  # noqa: BLE001 - recorded in the run; reported if it never started
            outcome["error"] = exc
        finally:
            started.set()

    threading.Thread(target=work, name="crawl-run", daemon=True).start()
    started.wait(RUN_START_TIMEOUT)
    if "run_id" not in outcome:
        error = outcome.get("error")
        if isinstance(error, CrawlInProgress):
            raise error
        raise ApiError(503, f"抓取任务未能启动：{error or '超时'}")
    _audit_start(session, key, outcome["run_id"], body)
    return RunStartedOut(id=outcome["run_id"], status="running")


def _audit_start(session: Session, key: ApiKey, run_id: int, body: RunIn) -> None:
    audit.record(session, key, "crawl_start", f"run/{run_id}",
                 f"来源 {body.source or '全部已启用来源'}" + (f"，每个来源最多 {body.max_pages} 页" if body.max_pages else ""))


@router.get("/runs", summary="抓取任务（含上传后的索引更新），新的在前（管理员）")
def list_runs(session: SessionDep, _: AdminKey, limit: int = Query(50, ge=1, le=200),
              offset: Offset = 0) -> list[RunOut]:
    runs = session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(limit).offset(offset))
    return [RunOut.model_validate(r, from_attributes=True) for r in runs]


@router.get("/runs/{run_id}", summary="抓取任务进度（管理员）")
def get_run(run_id: RowId, session: SessionDep, _: AdminKey) -> RunOut:
    run = session.get(CrawlRun, run_id)
    if run is None:
        raise ApiError(404, f"未找到抓取任务：{run_id}")
    return RunOut.model_validate(run, from_attributes=True)


@router.get("/runs/{run_id}/pages", summary="抓取任务未能收录的页面及原因（管理员）")
def run_pages(run_id: RowId, session: SessionDep, _: AdminKey,
              status: Annotated[list[PageProblem] | None, Query(
                  description="failed 请求失败、not_indexed 未收录、robots、offsite；默认前两种")] = None,
              limit: int = Query(20, ge=1, le=200), offset: Offset = 0) -> CrawlPagesOut:
    """Pages whose last visit was this run: a later run that visits a page again takes it over,
    since crawl_pages keeps each URL's latest status only."""
    if session.get(CrawlRun, run_id) is None:
        raise ApiError(404, f"未找到抓取任务：{run_id}")
    where = (CrawlPage.visited_run == run_id, CrawlPage.status.in_(status or ("failed", "not_indexed")))
    total = session.scalar(select(func.count()).select_from(CrawlPage).where(*where)) or 0
    pages = session.scalars(select(CrawlPage).where(*where).order_by(CrawlPage.id).limit(limit).offset(offset))
    return CrawlPagesOut(total=total, pages=[CrawlPageOut.model_validate(p, from_attributes=True) for p in pages])


@router.post("/uploads", status_code=202, summary="上传文件（PDF/HTML/Markdown/DOCX），后台更新索引（编辑）")
def upload(state: StateDep, session: SessionDep, key: EditorKey,
           file: Annotated[UploadFile, File(description="PDF、HTML、Markdown 或 DOCX 文件")],
           title: Annotated[str, Form()], doc_type: Annotated[str, Form()] = "规范性文件",
           issuer: Annotated[str, Form()] = "", doc_number: Annotated[str, Form()] = "",
           publish_date: Annotated[date | None, Form()] = None,
           effective_date: Annotated[date | None, Form()] = None,
           status: Annotated[str, Form()] = "有效", region: Annotated[str, Form()] = "北京",
           url: Annotated[str, Form()] = "") -> UploadOut:
    """The file is read at once (a refused file is a 422 with the reason); the index update runs
    as a job: poll GET /v1/ingest/uploads/{run_id} until its status is no longer running."""
    try:
        meta = UploadMeta(title=title, doc_type=doc_type, issuer=issuer, doc_number=doc_number,
                          publish_date=publish_date, effective_date=effective_date, status=status,
                          region=region, url=url)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ApiError(422, f"表单字段 {'.'.join(map(str, err['loc']))} 无效：{err['msg']}") from None
    data = file.file.read()
    if not data:
        raise ApiError(422, "上传的文件为空。")
    if state.jobs is not None:
        jobs = state.jobs
        doc_id, run_id = queue_upload(state.settings, file.filename or "upload", data, meta, key.name,
                                      defer=lambda run_id, title: jobs.defer(UPLOAD_TASK, run_id=run_id, title=title))
    else:
        doc_id, run_id = submit_upload(state.settings, file.filename or "upload", data, meta, key.name,
                                       model=state.model, on_done=lambda: state.refresh_index(force=True))
    audit.record(session, key, "upload", f"document/{doc_id}",
                 f"《{meta.title}》，文件 {file.filename or '（无名）'}，索引更新任务 #{run_id}")
    return UploadOut(doc_id=doc_id, run_id=run_id, status="running", poll=f"/v1/ingest/uploads/{run_id}")


@router.get("/uploads/{run_id}", summary="上传后的索引更新进度（编辑）")
def upload_job(run_id: RowId, session: SessionDep, _: EditorKey) -> RunOut:
    run = session.get(CrawlRun, run_id)
    if run is None or run.source != UPLOAD_SOURCE:
        raise ApiError(404, f"未找到上传任务：{run_id}")
    return RunOut.model_validate(run, from_attributes=True)
