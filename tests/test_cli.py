"""The `hotline` CLI, run as a real subprocess against the session's index."""

import json
import os
import subprocess
import sys

import pytest

COMMANDS = [[], ["ask"], ["eval"], ["index"], ["index", "build"], ["index", "list"],
            ["index", "activate"], ["models"], ["models", "prepare"], ["models", "train"]]


def run(args, settings=None, check=False):
    env = dict(os.environ)
    if settings is not None:
        env["HOTLINE_INDEX_ROOT"] = str(settings.index_path)
    return subprocess.run([sys.executable, "-m", "api.cli", *args], capture_output=True, text=True,
                          env=env, check=check, timeout=300)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "root")
def test_every_command_has_help(command):
    result = run([*command, "--help"])
    assert result.returncode == 0
    assert "Usage" in result.stdout


def test_ask_prints_citations(built):
    settings, _ = built
    result = run(["ask", "宅基地一户只能有一处吗", "--top-k", "3"], settings)
    assert result.returncode == 0, result.stderr
    assert "《中华人民共和国土地管理法》第六十二条" in result.stdout
    data = json.loads(run(["ask", "宅基地一户只能有一处吗", "--json"], settings, check=True).stdout)
    assert data[0]["citation"].startswith("《") and "url" in data[0]


@pytest.mark.parametrize("query, message", [("   ", "不能为空"), ("问" * 10_000, "过长")])
def test_ask_rejects_bad_queries_with_a_message(built, query, message):
    result = run(["ask", query], built[0])
    assert result.returncode == 2
    assert message in result.stderr


def test_eval_json_has_the_metric_keys(built, tmp_path):
    settings, _ = built
    qset = tmp_path / "tiny.jsonl"
    rows = [{"id": "t1", "query": "农村村民一户只能拥有一处宅基地",
             "gold": [{"law": "土地管理法", "article": 62}], "expect": "answer"},
            {"id": "t2", "query": "驾驶证到期了去哪里换", "gold": [], "expect": "refuse_or_escalate"}]
    qset.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    result = run(["eval", "--set", str(qset), "--json"], settings)
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout)
    assert {"n", "recall@1", "recall@5", "recall@10", "mrr", "refusal_accuracy", "wrongly_refused"} <= metrics.keys()
    assert metrics["n"] == 1 and metrics["recall@1"] == 1.0
    assert metrics["refusal_accuracy"] == 1.0 and metrics["wrongly_refused"] == 0


def test_eval_missing_set_is_a_clear_error(built):
    result = run(["eval", "--set", "/nonexistent/set.jsonl"], built[0])
    assert result.returncode == 2
    assert "not found" in result.stderr


def test_activate_unknown_version_fails_cleanly(built):
    result = run(["index", "activate", "nope"], built[0])
    assert result.returncode == 2
    assert "未找到索引版本：nope" in result.stderr
