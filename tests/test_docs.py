"""Docs that cannot drift: every module in the README's layout table, every route of the
OpenAPI in docs/api.md, every CLI command in the README, every setting in docs/settings.md."""

from assistant.settings import PROJECT_ROOT, Settings

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
PRODUCT = ("assistant", "ingest", "api", "train", "eval")


def test_the_readme_layout_names_every_module():
    modules = [p for top in PRODUCT for p in (PROJECT_ROOT / top).rglob("*.py")
               if p.name != "__init__.py" and "migrations" not in p.parts]
    assert len(modules) > 50
    assert [str(p.relative_to(PROJECT_ROOT)) for p in modules if f"`{p.name}`" not in README] == []


def test_docs_api_lists_every_route():
    from api.app import create_app

    api_md = (PROJECT_ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    routes = list(create_app().openapi()["paths"])
    assert len(routes) > 25
    assert [path for path in routes if f"`{path}`" not in api_md and f" {path}`" not in api_md] == []


def test_the_readme_shows_every_cli_command():
    import typer.main

    from api.cli import app

    def commands(group, prefix=""):
        for name, command in group.commands.items():
            if hasattr(command, "commands"):
                yield from commands(command, f"{prefix}{name} ")
            else:
                yield f"{prefix}{name}"

    names = list(commands(typer.main.get_command(app)))
    assert len(names) > 10
    assert [n for n in names if f"hotline {n}" not in README] == []


def test_docs_settings_lists_every_setting():
    text = (PROJECT_ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    assert [name for name in Settings.model_fields if f"`HOTLINE_{name.upper()}`" not in text] == []
