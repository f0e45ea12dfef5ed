"""The `hotline` CLI against the session's index: one run as a real subprocess (the installed
entry point), the rest in-process through typer's runner, which parses and exits as the
process would without paying the start-up of a Python process with torch per command."""

import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from api.cli import app
from tests.conftest import index_env

COMMANDS = [[], ["ask"], ["eval"], ["index"], ["index", "build"], ["index", "list"],
            ["index", "activate"], ["models"], ["models", "prepare"], ["models", "train"], ["orders"],
            ["orders", "import"], ["orders", "list"], ["report"], ["report", "monthly"], ["report", "range"],
            ["report", "year"]]


def run(args, settings=None, check=False):
    """The CLI as a real process."""
    env = dict(os.environ)
    if settings is not None:
        env.update(index_env(settings))
    return subprocess.run([sys.executable, "-m", "api.cli", *args], capture_output=True, text=True,
                          env=env, check=check, timeout=300)


def invoke(args, settings=None, **env):
    """The CLI in this process: exit code, stdout and stderr as a process would give them."""
    if settings is not None:
        env.update(index_env(settings))
    return CliRunner().invoke(app, args, env=env, catch_exceptions=False)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "root")
def test_every_command_has_help(command):
    result = invoke([*command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.stdout


def test_ask_prints_citations(built):
    settings, _ = built
    result = run(["ask", "宅基地一户只能有一处吗", "--top-k", "3"], settings)
    assert result.returncode == 0, result.stderr
    assert "《中华人民共和国土地管理法》第六十二条" in result.stdout
    data = json.loads(invoke(["ask", "宅基地一户只能有一处吗", "--json"], settings).stdout)
    assert data[0]["citation"].startswith("《") and "url" in data[0]


@pytest.mark.parametrize("query, message", [("   ", "不能为空"), ("问" * 10_000, "过长")])
def test_ask_rejects_bad_queries_with_a_message(built, query, message):
    result = invoke(["ask", query], built[0])
    assert result.exit_code == 2
    assert message in result.stderr


def test_eval_json_has_the_metric_keys(built, tmp_path):
    settings, _ = built
    qset = tmp_path / "tiny.jsonl"
    rows = [{"id": "t1", "query": "农村村民一户只能拥有一处宅基地",
             "gold": [{"law": "土地管理法", "article": 62}], "expect": "answer"},
            {"id": "t2", "query": "驾驶证到期了去哪里换", "gold": [], "expect": "refuse_or_escalate"}]
    qset.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    result = invoke(["eval", "--set", str(qset), "--json"], settings)
    assert result.exit_code == 0, result.stderr
    metrics = json.loads(result.stdout)
    assert {"n", "recall@1", "recall@5", "recall@10", "mrr", "refusal_accuracy", "wrongly_refused"} <= metrics.keys()
    assert metrics["n"] == 1 and metrics["recall@1"] == 1.0
    assert metrics["refusal_accuracy"] == 1.0 and metrics["wrongly_refused"] == 0


def test_eval_missing_set_is_a_clear_error(built):
    result = invoke(["eval", "--set", "/nonexistent/set.jsonl"], built[0])
    assert result.exit_code == 2
    assert "not found" in result.stderr


def test_activate_unknown_version_fails_cleanly(built):
    result = invoke(["index", "activate", "nope"], built[0])
    assert result.exit_code == 2
    assert "未找到索引版本：nope" in result.stderr


def test_orders_import_list_and_report_from_the_command_line(tmp_path):
    from tests.test_workorders import export, row

    def cli(*args):
        return invoke(list(args), HOTLINE_DATABASE_URL=f"sqlite:///{tmp_path / 'orders.sqlite'}")

    export_file = tmp_path / "export.csv"
    export_file.write_bytes(export(row(number="C1", content="我家房本丢了，要去哪里补办？"),
                                   row(number="C2", kind="投诉", content="村里有人在耕地上盖厂房，请查处")))
    imported = cli("orders", "import", str(export_file))
    assert imported.exit_code == 0, imported.stderr
    assert "imported 2, updated 0, unchanged 0, rejected 0" in imported.stdout
    assert "imported 0, updated 0, unchanged 2" in cli("orders", "import", str(export_file), "--no-classify").stdout
    listed = [json.loads(line) for line in cli("orders", "list", "--month", "2026-11", "--json").stdout.splitlines()]
    assert {o["工单编号"] for o in listed} == {"C1", "C2"}
    assert all(o["一级分类"] and o["due"].endswith("+08:00") for o in listed)
    assert "13812345678" not in json.dumps(listed, ensure_ascii=False)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(export(row(number="C3", kind="闲聊")))
    refused = cli("orders", "import", str(bad))
    assert refused.exit_code == 2 and "诉求类型不认识" in refused.stderr and "rejected 1" in refused.stderr
    report = cli("report", "monthly", "--month", "2026-11", "--out", str(tmp_path))
    assert report.exit_code == 0, report.stderr
    assert (tmp_path / "report-2026-11.docx").stat().st_size > 10_000


def test_an_import_killed_while_writing_leaves_nothing_and_a_rerun_imports_all(tmp_path):
    import signal
    import time

    from sqlalchemy import create_engine, text

    from tests.test_workorders import export, row

    db = tmp_path / "orders.sqlite"
    wal = tmp_path / "orders.sqlite-wal"
    env = {**os.environ, "HOTLINE_DATABASE_URL": f"sqlite:///{db}"}
    big = tmp_path / "big.csv"
    big.write_bytes(export(*(row(number=f"K{i:06d}", content=f"第{i}号诉求：小区楼顶违建阳光房") for i in range(30_000))))
    child = subprocess.Popen([sys.executable, "-m", "api.cli", "orders", "import", str(big), "--no-classify"],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    # Kill once rows are being written (the write-ahead log grows) but before the commit.
    while not (wal.exists() and wal.stat().st_size > 2_000_000) and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL, "the import finished before it could be killed mid-write"

    def count() -> int:
        engine = create_engine(f"sqlite:///{db}")
        try:
            with engine.connect() as conn:
                return conn.execute(text("SELECT count(*) FROM work_orders")).scalar()
        finally:
            engine.dispose()

    assert count() == 0
    rerun = subprocess.run([sys.executable, "-m", "api.cli", "orders", "import", str(big), "--no-classify"],
                           env=env, capture_output=True, text=True, timeout=300)
    assert "imported 30000, updated 0" in rerun.stdout, rerun.stderr
    assert count() == 30_000


@pytest.mark.parametrize("args, message", [
    (["--sources", "typed,desk"], "go together"),
    (["--desk-files", "eval/sets/dev.jsonl"], "go together"),
    (["--sources", "desk", "--desk-files", "no/such.jsonl"], "no such file: no/such.jsonl"),
    (["--sources", "typed,gossip"], "subset of")])
def test_models_train_refuses_a_bad_recipe_before_training(args, message):
    result = invoke(["models", "train", *args])
    assert result.exit_code == 2
    assert message in result.stderr


def test_models_train_refuses_a_desk_file_with_a_bad_line_before_training(tmp_path):
    desk = tmp_path / "desk.jsonl"
    desk.write_text('{"id": "a", "query": "宅基地能卖吗", "gold": []}\n{"query": "no id"}\n', encoding="utf-8")
    result = invoke(["models", "train", "--sources", "desk", "--desk-files", str(desk)])
    assert result.exit_code == 2
    assert f"{desk}:2: not a valid question" in result.stderr
