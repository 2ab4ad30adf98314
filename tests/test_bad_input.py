"""Bad input: a clear one-line error, a documented exit code, every file byte-identical."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

import pytest

from tests.helpers import copy_fixture, run, tree_digest


def expect_error(
    root: Path, code: int, message: str, *flags: str, patch: pytest.MonkeyPatch | None = None
) -> None:
    before = tree_digest(root)
    with patch.context() if patch else contextlib.nullcontext() as active:
        if active is not None:
            active.setattr(Path, "read_bytes", _denying(root / "app" / "models.py"))
        result = run("apply", root, "--yes", "--api-key", "pk", *flags)
        as_json = run("apply", root, "--yes", "--api-key", "pk", "--json", *flags)
    assert result.exit_code == code, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("bcb-scaffold: error: "), result.stderr
    assert message in lines[0]
    assert tree_digest(root) == before
    doc = json.loads(as_json.stdout)
    assert doc["error"]["exit_code"] == code and message in doc["error"]["message"]


def test_syntax_error_in_a_source_file(tmp_path: Path) -> None:
    root = copy_fixture("flask-login", tmp_path)
    path = root / "app" / "main" / "routes.py"
    path.write_text(path.read_text().replace("def index():", "def index(:"))
    expect_error(root, 6, "app/main/routes.py:10: Python syntax error")


def test_syntax_error_in_the_app_module_itself(tmp_path: Path) -> None:
    root = copy_fixture("flask-login", tmp_path)
    path = root / "app" / "__init__.py"
    path.write_text(path.read_text() + "\n    return app\n  oops(\n")
    expect_error(root, 6, "app/__init__.py")


def test_non_utf8_template(tmp_path: Path) -> None:
    root = copy_fixture("flask-login", tmp_path)
    (root / "app/templates/member.html").write_bytes(
        "{% extends 'base.html' %}caf\xe9".encode("latin-1")
    )
    expect_error(root, 6, "app/templates/member.html: not valid UTF-8")


def test_read_only_file(tmp_path: Path) -> None:
    root = copy_fixture("flask-login", tmp_path)
    os.chmod(root / "app/__init__.py", 0o444)
    expect_error(root, 6, "app/__init__.py: file is read-only")


def _denying(target: Path) -> object:
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self == target:
            raise PermissionError(13, "Permission denied")
        return real(self)

    return read_bytes


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_fixture("flask-login", tmp_path)
    expect_error(root, 6, "app/models.py: cannot read (Permission denied)", patch=monkeypatch)


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
