"""Crawl runs (admin) and uploads (editor): the same pipeline the `hotline crawl` command runs."""

import threading
from datetime import date
from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select

from api.deps import AdminKey, EditorKey, SessionDep, StateDep
from api.errors import ApiError
from api.schemas import RowId, RunOut, RunStartedOut, UploadOut
from assistant.db import CrawlRun
from ingest.runs import CrawlInProgress, run_crawl
from ingest.sources import SourcesError, load_sources, select_sources
from ingest.upload import SOURCE as UPLOAD_SOURCE
from ingest.upload import UploadMeta, submit_upload

router = APIRouter(prefix="/v1/ingest", tags=["ingest"])
RUN_START_TIMEOUT = 30.0


class RunIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"source": "bjghzrzyw-policy", "max_pages": 50}]})
    source: str | None = Field(None, description="来源名称；不填则抓取全部已启用来源")
    max_pages: int | None = Field(None, ge=1, le=100_000)


@router.post("/runs", status_code=202, summary="启动一次抓取 + 索引更新（管理员）")
def start_run(body: RunIn, state: StateDep, _: AdminKey) -> RunStartedOut:
    settings = state.settings
    try:
        sources = load_sources(settings.sources_path)
        if not select_sources(sources, body.source):
            raise SourcesError("没有已启用的来源")
    except SourcesError as exc:
        raise ApiError(422, str(exc)) from None
    started = threading.Event()
    outcome: dict = {}

    def progress(update: dict) -> None:
        outcome.setdefault("run_id", update.get("run_id"))
        started.set()

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
    return RunStartedOut(id=outcome["run_id"], status="running")


@router.get("/runs", summary="最近的抓取任务（管理员）")
def list_runs(session: SessionDep, _: AdminKey) -> list[RunOut]:
    runs = session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(50))
    return [RunOut.model_validate(r, from_attributes=True) for r in runs]


@router.get("/runs/{run_id}", summary="抓取任务进度（管理员）")
def get_run(run_id: RowId, session: SessionDep, _: AdminKey) -> RunOut:
    run = session.get(CrawlRun, run_id)
    if run is None:
        raise ApiError(404, f"未找到抓取任务：{run_id}")
    return RunOut.model_validate(run, from_attributes=True)


@router.post("/uploads", status_code=202, summary="上传文件（PDF/HTML/Markdown/DOCX），后台更新索引（编辑）")
def upload(state: StateDep, key: EditorKey,
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
    doc_id, run_id = submit_upload(state.settings, file.filename or "upload", data, meta, key.name,
                                   model=state.model, on_done=lambda: state.refresh_index(force=True))
    return UploadOut(doc_id=doc_id, run_id=run_id, status="running", poll=f"/v1/ingest/uploads/{run_id}")


@router.get("/uploads/{run_id}", summary="上传后的索引更新进度（编辑）")
def upload_job(run_id: RowId, session: SessionDep, _: EditorKey) -> RunOut:
    run = session.get(CrawlRun, run_id)
    if run is None or run.source != UPLOAD_SOURCE:
        raise ApiError(404, f"未找到上传任务：{run_id}")
    return RunOut.model_validate(run, from_attributes=True)
