"""Apps written for Python 3.12-3.14 (PEP 695 aliases and type parameters, PEP 701 f-strings,
PEP 758 `except A, B:`), inspected and patched by the tool running on an older interpreter.

The patched apps are not run: the interpreter running the tests may not import their modules.
What runs is inspection (right answers, evidence on the real lines, no note), apply (twice:
the second plans nothing), and LibCST's parse of every written Python file."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from scaffolder.python import syntax
from tests.helpers import FIXTURES, apply_twice, copy_fixture, run_json


@pytest.mark.parametrize(
    ("fixture", "newer", "auth", "email", "evidence"),
    [
        pytest.param(
            "fastapi-py314",
            ["app/deps.py", "app/routes.py", "app/store.py"],
            "fastapi-oauth2",
            "user.email",
            (
                "app/deps.py",
                25,
                "get_current_volunteer() -> Volunteer",
                "def get_current_volunteer(",
            ),
            id="fastapi: except A, B and type aliases in the dependencies module",
        ),
        pytest.param(
            "flask-py314",
            ["pantry/__init__.py", "pantry/models.py"],
            "flask-login",
            "current_user.email",
            ("pantry/models.py", 37, "user_loader", "def load_member("),
            id="flask: PEP 701 f-strings in the model module",
        ),
    ],
)
def test_newer_syntax_app(
    tmp_path: Path,
    fixture: str,
    newer: list[str],
    auth: str,
    email: str,
    evidence: tuple[str, int, str, str],
) -> None:
    root = copy_fixture(fixture, tmp_path)
    if sys.version_info < (3, 14):
        for path in newer:  # the fixture does exercise the lowering on this interpreter
            with pytest.raises(SyntaxError):
                ast.parse((root / path).read_text())
    code, doc = run_json("inspect", root, "--api-key", "pk_test")
    assert code == 0, doc
    assert doc["notes"] == [] and doc["questions"] == []
    assert doc["auth"]["library"] == auth
    assert doc["auth"]["email"]["expr"] == email
    file, line, why, text = evidence
    lines = (root / file).read_text().splitlines()
    found = [e for e in doc["auth"]["evidence"] if e["file"] == file and why in e["why"]]
    assert [e["line"] for e in found] == [line], doc["auth"]["evidence"]
    assert lines[line - 1].startswith(text)  # the real line, after the lowered ones

    applied = apply_twice(root, "--api-key", "pk_test")
    written = [p for p in applied.changed if p.endswith(".py")]
    assert written
    for path in written:
        assert syntax.problem((root / path).read_text()) is None, path
    for path in set(newer) - set(written):
        assert (root / path).read_bytes() == (FIXTURES / fixture / path).read_bytes()
