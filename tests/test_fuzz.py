"""schemathesis over every operation of the service's own OpenAPI, with an admin key and with
none, on SQLite and PostgreSQL: no generated input may get a 5xx."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from api.app import create_app, server_options
from assistant import index as index_store
from assistant.keys import create_key
from ingest.publish import activate_version
from tests.conftest import make_settings
from tests.live_server import running

EXAMPLES_PER_OPERATION = 6


def _schemathesis(base: str, headers: list[str], report: Path) -> subprocess.CompletedProcess:
    st = Path(sys.executable).with_name("st")
    command = [str(st), "run", f"{base}/openapi.json", "--checks", "not_a_server_error",
               "--max-examples", str(EXAMPLES_PER_OPERATION), "--workers", "1", "--seed", "12345",
               "--generation-database", "none", "--suppress-health-check", "all", "--no-color",
               "--request-timeout", "60", "--report", "junit", "--report-junit-path", str(report)]
    for header in headers:
        command += ["--header", header]
    return subprocess.run(command, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_no_generated_request_gets_a_server_error(built, model, tmp_path, empty_db_url):
    index_settings, _ = built
    # Uploads fuzzed with an admin key may build and activate new versions: on a copy.
    live = index_store.current_version(index_settings.index_path)
    shutil.copytree(index_settings.index_path / live, tmp_path / "indexes" / live)
    settings = make_settings(tmp_path, index_root=tmp_path / "indexes", database_url=empty_db_url,
                             portal_rate_limit="100000/minute")
    activate_version(settings, live)
    app = create_app(settings, model)
    with running(app, **server_options(settings)) as base:
        with app.state.hotline.sessions() as s:
            _, admin = create_key(s, "admin", "fuzz")
            s.commit()
        for name, headers in (("admin", [f"X-API-Key: {admin}"]), ("anonymous", [])):
            result = _schemathesis(base, headers, tmp_path / f"{name}.xml")
            summary = result.stdout[result.stdout.rfind("Test cases:"):]
            assert result.returncode == 0, f"{name}: {result.stdout[-3000:]}{result.stderr[-2000:]}"
            assert " passed" in summary and "failed" not in summary, summary
            assert int(summary.split()[2]) >= 1000, summary  # "Test cases: N generated"
