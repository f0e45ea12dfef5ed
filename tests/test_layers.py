"""Imports point one way (docs/architecture.md): assistant is the core and imports no other
top folder; ingest builds on it; train on both; api on all three; eval (benchmarks and studies)
on top of the product; nothing in the product imports tests."""

import ast
from pathlib import Path

from assistant.settings import PROJECT_ROOT

MAY_IMPORT = {
    "assistant": set(),
    "ingest": {"assistant"},
    "train": {"assistant", "ingest"},
    "api": {"assistant", "ingest", "train"},
    "eval": {"assistant", "ingest", "train", "api"},
}
TOP = set(MAY_IMPORT) | {"tests"}


def imported_tops(path: Path) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        out += [(node.lineno, name) for name in names if name.split(".")[0] in TOP]
    return out


def backwards_imports(root: Path) -> list[str]:
    wrong = []
    for folder, allowed in MAY_IMPORT.items():
        for path in sorted((root / folder).rglob("*.py")):
            for line, name in imported_tops(path):
                top = name.split(".")[0]
                if top != folder and top not in allowed:
                    wrong.append(f"{path.relative_to(root)}:{line} imports {name}")
    return wrong


def test_no_folder_imports_against_the_flow():
    assert backwards_imports(PROJECT_ROOT) == []


def test_the_check_sees_a_backwards_import(tmp_path):
    (tmp_path / "assistant").mkdir()
    (tmp_path / "assistant" / "core.py").write_text("from api.app import create_app\nimport ingest.embed\n")
    for folder in set(MAY_IMPORT) - {"assistant"}:
        (tmp_path / folder).mkdir()
    assert backwards_imports(tmp_path) == ["assistant/core.py:1 imports api.app", "assistant/core.py:2 imports ingest.embed"]
