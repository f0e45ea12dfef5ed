"""Shared fixtures: one real index over the bundled corpus, built once per test session."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from assistant.settings import PROJECT_ROOT, Settings  # noqa: E402
from tests.db_fixtures import *  # noqa: E402,F401,F403  (db_backend, migrated_db_url, db_session, ...)

CORPUS = PROJECT_ROOT / "corpora" / "planning"


def make_settings(tmp: Path, **overrides) -> Settings:
    """Settings whose index (and crawled corpus) live in `tmp`; model and embedding cache are
    shared, as in production."""
    return Settings(**{"index_root": tmp / "indexes", "crawl_corpus_dir": tmp / "crawled",
                       "crawl_history_dir": tmp / "crawled-history", **overrides})


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
