"""/readyz answers for the live CURRENT: a new version at once, a broken one as 503."""

import json
import shutil

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.app import create_app
from api.errors import DATABASE_DOWN
from assistant import index as index_store
from tests.conftest import make_settings

OTHER = "20200101-000000-other"
BROKEN = "20200101-000000-broken"


@pytest.fixture(scope="module")
def index_root(built, tmp_path_factory):
    """Three versions: the session index, a copy of it, and one whose files are missing."""
    index_settings, result = built
    root = tmp_path_factory.mktemp("readyz") / "indexes"
    root.mkdir()
    live = index_settings.index_path / result.version
    shutil.copytree(live, root / result.version)
    shutil.copytree(live, root / OTHER)
    (root / BROKEN).mkdir()
    manifest = json.loads((live / "manifest.json").read_text(encoding="utf-8"))
    (root / BROKEN / "manifest.json").write_text(json.dumps({**manifest, "version": BROKEN}), encoding="utf-8")
    index_store.activate(root, result.version)
    return root, result.version


def client_for(index_root, model, tmp_path):
    root, _ = index_root
    # A poll interval longer than the test: only /readyz itself can pick up a new CURRENT. The
    # folder's CURRENT is the files backend's (the PostgreSQL one: tests/test_pg_backend.py).
    settings = make_settings(tmp_path, index_root=root, database_url=f"sqlite:///{tmp_path}/ready.sqlite",
                             index_poll_seconds=3600, retrieval_backend="files")
    return TestClient(create_app(settings, model))


def test_readyz_reports_a_new_current_at_once(index_root, model, tmp_path):
    root, first = index_root
    with client_for(index_root, model, tmp_path) as client:
        assert client.get("/readyz").json()["index_version"] == first
        index_store.activate(root, OTHER)
        try:
            ready = client.get("/readyz")
            assert ready.status_code == 200 and ready.json()["index_version"] == OTHER
            assert ready.json()["passages"] > 3000
        finally:
            index_store.activate(root, first)
        assert client.get("/readyz").json()["index_version"] == first


def test_a_current_that_cannot_be_loaded_is_not_ready(index_root, model, tmp_path):
    root, first = index_root
    with client_for(index_root, model, tmp_path) as client:
        index_store.activate(root, BROKEN)
        try:
            response = client.get("/readyz")
            assert response.status_code == 503
            error = response.json()["error"]
            assert error["code"] == "unavailable"
            assert error["message"].startswith(f"当前索引版本 {BROKEN} 无法加载（")
            assert f"仍在使用 {first}" in error["message"]
            assert client.get("/readyz").status_code == 503  # tried again, not remembered as fine
            # Questions are still answered from the version in use.
            assert client.post("/v1/portal/ask", json={"question": "宅基地一户几处"}).status_code == 200
        finally:
            index_store.activate(root, first)
        assert client.get("/readyz").status_code == 200


def test_a_database_failure_after_the_switch_is_not_blamed_on_the_index(index_root, model, tmp_path):
    root, first = index_root
    with client_for(index_root, model, tmp_path) as client:
        with client.app.state.hotline.sessions() as s:  # the FAQ reload that follows a switch fails
            s.execute(text("ALTER TABLE faqs RENAME TO faqs_away"))
            s.commit()
        index_store.activate(root, OTHER)
        try:
            response = client.get("/readyz")
        finally:
            index_store.activate(root, first)
        assert response.status_code == 503
        assert response.json()["error"]["message"] == DATABASE_DOWN
