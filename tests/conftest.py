"""Shared fixtures: one real index over the bundled corpus, built once per test session."""

import os
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from assistant.settings import PROJECT_ROOT, Settings  # noqa: E402
from tests import index_backend  # noqa: E402
from tests.db_fixtures import *  # noqa: E402,F401,F403  (db_backend, migrated_db_url, db_session, ...)

CORPUS = PROJECT_ROOT / "corpora" / "planning"


def make_settings(tmp: Path, **overrides) -> Settings:
    """Settings whose index (and crawled corpus) live in `tmp`; model and embedding cache are
    shared, as in production. With the PostgreSQL retrieval backend each index folder also gets a
    database of its own, so tests do not move each other's live version."""
    settings = Settings(**{"index_root": tmp / "indexes", "crawl_corpus_dir": tmp / "crawled",
                           "crawl_history_dir": tmp / "crawled-history", **overrides})
    if settings.retrieval_backend == "postgres" and "index_database_url" not in overrides:
        settings = settings.model_copy(update={"index_database_url": index_backend.database_of(settings.index_path)})
    return settings


def index_env(settings: Settings) -> dict[str, str]:
    """Environment that points a `hotline` subprocess at `settings`' index (and its database)."""
    env = {"HOTLINE_INDEX_ROOT": str(settings.index_path)}
    if settings.index_database_url:
        env["HOTLINE_INDEX_DATABASE_URL"] = settings.index_database_url
    return env


def copy_corpus(folder: Path, names: Iterable[str]) -> Path:
    """A corpus folder holding copies of the named bundled documents."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(CORPUS / name, folder / name)
    return folder


@contextmanager
def app_with_keys(settings: Settings, model, name: str) -> Iterator[tuple]:
    """(TestClient, key by role) for a live app over `settings`; the keys are named `{role}-{name}`."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from assistant.keys import create_key

    app = create_app(settings, model)
    with TestClient(app) as client:
        with app.state.hotline.sessions() as s:
            keys = {role: create_key(s, role, f"{role}-{name}")[1] for role in ("agent", "editor", "admin")}
            s.commit()
        yield client, keys


@pytest.fixture(scope="session", autouse=True)
def retrieval_backend_store(tmp_path_factory) -> Iterator[None]:
    """With HOTLINE_RETRIEVAL_BACKEND=postgres the whole suite searches PostgreSQL + pgvector:
    an embedded server per test process unless HOTLINE_INDEX_DATABASE_URL names one."""
    if Settings().retrieval_backend != "postgres":
        yield
        return
    with index_backend.serving(tmp_path_factory.mktemp("index-postgres")):
        yield


@pytest.fixture(scope="session", autouse=True)
def one_question_encoder_per_model_folder():
    """Apps, searchers and gates each load an ONNX question encoder (~0.5 GB); the hundreds a
    run starts would not all be given back to the OS (glibc keeps freed arenas) and the suite
    outgrew CI's memory. In tests, one encoder per model folder serves them all: an
    InferenceSession may be run from several threads, and the encoder holds no other state."""
    import api.state
    import assistant.encoder
    import ingest.gate

    real = assistant.encoder.OnnxQueryEncoder
    loaded: dict[tuple[Path, int], object] = {}

    def shared(model_dir: Path, threads: int = 2):
        key = (Path(model_dir).resolve(), threads)
        if key not in loaded:
            loaded[key] = real(model_dir, threads)
        return loaded[key]

    patch = pytest.MonkeyPatch()
    for module in (api.state, assistant.encoder, ingest.gate):
        patch.setattr(module, "OnnxQueryEncoder", shared)
    yield
    patch.undo()


@pytest.fixture(scope="session")
def model():
    from assistant.encoder import load_model

    return load_model(Settings().model_path)


@pytest.fixture(scope="session")
def built(tmp_path_factory, model):
    """(settings, BuildResult) for the bundled corpus."""
    from ingest.build import build_index

    settings = make_settings(tmp_path_factory.mktemp("session-index"))
    return settings, build_index(settings, model=model)


@pytest.fixture(scope="session")
def searcher(built, model):
    from assistant.retrieval import Searcher

    settings, _ = built
    return Searcher.open(settings, model=model)
