"""Bad input: a clear one-line error, a documented exit code, every file byte-identical."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

import pytest

from tests.helpers import copy_fixture, run, run_json, tree_digest


def expect_error(
    root: Path,
    code: int,
    message: str,
    *flags: str,
    deny: Path | None = None,
    patch: pytest.MonkeyPatch | None = None,
) -> None:
    before = tree_digest(root)
    with patch.context() if patch else contextlib.nullcontext() as active:
        if active is not None and deny is not None:
            active.setattr("scaffolder.project.read_regular", _denying(deny))
        result = run("apply", root, "--yes", "--api-key", "pk", *flags)
        as_json = run("apply", root, "--yes", "--api-key", "pk", "--json", *flags)
    assert result.exit_code == code, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("bcb-scaffold: error: "), result.stderr
    assert message in lines[0]
    assert tree_digest(root) == before
    doc = json.loads(as_json.stdout)
    assert doc["error"]["exit_code"] == code and message in doc["error"]["message"]


def applies_around(root: Path, broken: str, note: str) -> None:
    """A file the tool only scans never stops the run: apply writes, the broken file stays
    byte-identical, and the report names it."""
    before = (root / broken).read_bytes()
    result = run("apply", root, "--yes", "--api-key", "pk", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["status"] == "applied"
    notes = [n for n in doc["inspection"]["notes"] if n["file"] == broken]
    assert notes and note in notes[0]["message"], doc["inspection"]["notes"]
    assert (root / broken).read_bytes() == before


def test_syntax_error_in_a_file_the_tool_only_scans(tmp_path: Path) -> None:
    root = copy_fixture("flask-login", tmp_path)
    path = root / "app" / "main" / "routes.py"
    path.write_text(path.read_text().replace("def index():", "def index(:"))
    applies_around(root, "app/main/routes.py", "Python syntax error")


def test_syntax_error_in_the_app_module_itself(tmp_path: Path) -> None:
    root = copy_fixture("flask-login", tmp_path)
    path = root / "app" / "__init__.py"
    path.write_text(path.read_text() + "\n    return app\n  oops(\n")
    expect_error(root, 6, "app/__init__.py")


def test_non_utf8_template_the_tool_only_scans(tmp_path: Path) -> None:
    root = copy_fixture("flask-login", tmp_path)
    (root / "app/templates/member.html").write_bytes(
        "{% extends 'base.html' %}caf\xe9".encode("latin-1")
    )
    applies_around(root, "app/templates/member.html", "not valid UTF-8")


def test_non_utf8_layout_the_plan_edits(tmp_path: Path) -> None:
    root = copy_fixture("flask-login", tmp_path)
    layout = root / "app/templates/base.html"
    layout.write_bytes(layout.read_bytes().replace(b"</main>", "caf\xe9</main>".encode("latin-1")))
    expect_error(root, 6, "app/templates/base.html: not valid UTF-8")


def test_utf16_file_with_a_bom_is_read_not_called_binary(tmp_path: Path) -> None:
    root = copy_fixture("flask-login", tmp_path)
    (root / "app" / "strings.py").write_bytes('"""Strings."""\nHELLO = "héllo"\n'.encode("utf-16"))
    result = run("apply", root, "--yes", "--api-key", "pk", "--json")
    assert result.exit_code == 0, result.output
    notes = json.loads(result.stdout)["inspection"]["notes"]
    assert not [n for n in notes if n["file"] == "app/strings.py"], notes


def test_utf16_layout_is_not_rewritten_as_utf8(tmp_path: Path) -> None:
    root = copy_fixture("flask-login", tmp_path)
    layout = root / "app/templates/base.html"
    layout.write_bytes(layout.read_text().encode("utf-16"))
    expect_error(root, 6, "app/templates/base.html: UTF-16-LE text; bcb-scaffold edits UTF-8")


def test_ignore_rules_of_the_enclosing_repository_apply(tmp_path: Path) -> None:
    """The project is a folder of a bigger repository whose .gitignore (above the project)
    ignores a folder of broken scratch files: git would not list them, so they are not read."""
    import subprocess

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text("services/web/flask-login/app/scratch/\n")
    root = copy_fixture("flask-login", tmp_path / "services" / "web")
    scratch = root / "app" / "scratch"
    scratch.mkdir()
    (scratch / "broken.py").write_bytes(b"def x(:\n\xff\xfe")
    code, doc = run_json("inspect", root)
    assert code == 0
    assert not [n for n in doc["notes"] if "scratch" in (n["file"] or "")], doc["notes"]


def test_read_only_file(tmp_path: Path) -> None:
    root = copy_fixture("flask-login", tmp_path)
    os.chmod(root / "app/__init__.py", 0o444)
    expect_error(root, 6, "app/__init__.py: file is read-only")


def _denying(target: Path) -> object:
    from scaffolder.project import read_regular as real

    def read_regular(path: Path | str, max_bytes: int | None = None) -> bytes:
        if Path(path) == target:
            raise PermissionError(13, "Permission denied")
        return real(path, max_bytes)

    return read_regular


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The user model cannot be read: the email question it would have settled is not asked."""
    root = copy_fixture("flask-login", tmp_path)
    deny = root / "app" / "models.py"
    expect_error(
        root, 6, "app/models.py: cannot read (Permission denied)", deny=deny, patch=monkeypatch
    )


def test_unreadable_module_nothing_imports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A `chmod 000` module the app never imports is a note, not an error."""
    root = copy_fixture("flask-login", tmp_path)
    (root / "app" / "legacy_export.py").write_text("import csv\n")
    monkeypatch.setattr("scaffolder.project.read_regular", _denying(root / "app/legacy_export.py"))
    applies_around(root, "app/legacy_export.py", "cannot read (Permission denied)")


def test_path_that_does_not_exist(tmp_path: Path) -> None:
    result = run("apply", tmp_path / "nope", "--dry-run")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"bcb-scaffold: error: {tmp_path / 'nope'}: no such directory"
    ]


def test_project_with_no_web_framework(tmp_path: Path) -> None:
    (tmp_path / "cli.py").write_text("import argparse\n")
    (tmp_path / "requirements.txt").write_text("rich\n")
    expect_error(tmp_path, 4, "unsupported stack")


def test_rails_app_is_named(tmp_path: Path) -> None:
    (tmp_path / "Gemfile").write_text("gem 'rails'\n")
    result = run("inspect", tmp_path)
    assert result.exit_code == 4
    assert "Ruby" in result.output


def test_existing_module_of_the_same_name_is_a_conflict(tmp_path: Path) -> None:
    root = copy_fixture("flask-login", tmp_path)
    (root / "app" / "bestchatbot.py").write_text("# our own chatbot experiments\n")
    expect_error(root, 5, "app/bestchatbot.py already exists")


def test_utf16_file_the_plan_only_reads_does_not_stop_it(tmp_path: Path) -> None:
    """Supabase's generated `types_db.ts` is UTF-16 in real apps: the plan reads the project's
    TypeScript for its style, and that must not stop it; only an edit of such a file would."""
    root = copy_fixture("nextjs-supabase", tmp_path)
    types = root / "types_db.ts"
    types.write_bytes("export type Json = string | number | boolean | null;\n".encode("utf-16"))
    before = types.read_bytes()
    result = run("apply", root, "--yes", "--api-key", "pk", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["status"] == "applied"
    assert types.read_bytes() == before
