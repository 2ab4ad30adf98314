"""The apply outcome: one model reached by the same steps from the CLI and the MCP tools, and
rendered from it as the apply document and as the CLI's text."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from scaffolder import outcome
from scaffolder.ansi import unstyle
from scaffolder.documents import apply_document
from scaffolder.envfile import REMINDER
from scaffolder.exitcodes import ExitCode
from scaffolder.mcp.tools import call
from scaffolder.model import Inspection, Question
from scaffolder.plan import Command, FileEdit, Plan
from scaffolder.render import outcome_text
from tests.helpers import copy_fixture, run, tree_digest


def _plan(*commands: Command) -> Plan:
    edit = FileEdit("notes.txt", None, "hello\n", "new: a note")
    return Plan(edits=[edit], warnings=["from the plan"], commands=list(commands))


def test_nothing_to_write_is_settled_before_any_edit(tmp_path: Path) -> None:
    question = Question("email_expr", "Which expression?", "--email-expr")
    asked = outcome.settled(Inspection(tmp_path, questions=(question,)), _plan())
    assert asked is not None and asked.status == "questions"
    assert asked.exit_code is ExitCode.QUESTIONS and asked.reminder is None
    done = outcome.settled(Inspection(tmp_path), Plan())
    assert done is not None and done.status == "nothing-to-do" and done.reminder == REMINDER
    assert outcome.settled(Inspection(tmp_path), _plan()) is None


def test_a_patch_is_the_plans_diff(tmp_path: Path) -> None:
    plan, patch = _plan(), tmp_path / "out.patch"
    written = outcome.planned(Inspection(tmp_path), plan, patch)
    assert written.status == "patch-written" and written.patch_file == str(patch)
    assert patch.read_text("utf-8") == plan.diff()
    assert not (tmp_path / "notes.txt").exists() and not written.written
    assert outcome.planned(Inspection(tmp_path), plan).status == "planned"


def test_failed_install_commands_become_warnings(tmp_path: Path) -> None:
    fine = Command((sys.executable, "-c", "pass"), ".", "works")
    broken = Command((sys.executable, "-c", "raise SystemExit(3)"), ".", "exits 3")
    missing = Command(("bcb-no-such-program",), ".", "not installed")
    applied = outcome.applied(Inspection(tmp_path), _plan(fine, broken, missing), allow_dirty=True)
    assert applied.changed == ("notes.txt",) and (tmp_path / "notes.txt").read_text() == "hello\n"
    announced: list[str] = []
    installed = outcome.install(applied, announced.append)
    assert announced == [f"$ {c.display}" for c in (fine, broken, missing)]
    assert installed.failed == (broken, missing)
    assert installed.exit_code is ExitCode.FOLLOW_UP_FAILED and applied.exit_code is ExitCode.OK
    assert installed.warnings == [
        "from the plan",
        f"`{broken.display}` failed: run it yourself",
        "`bcb-no-such-program` failed: run it yourself",
    ]
    document = apply_document(installed)
    assert document["status"] == "applied" and document["changed_files"] == ["notes.txt"]
    assert document["warnings"] == installed.warnings
    text = unstyle(outcome_text(installed))
    assert text.startswith("Changed 1 file(s):\n   create  notes.txt  (new: a note)\nWarnings:")
    assert f"   ! `{broken.display}` failed: run it yourself" in text


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_cli_install_reports_a_missing_installer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, as_json: bool
) -> None:
    root = copy_fixture("express-ts", tmp_path)
    bin_dir = tmp_path / "bin"  # git only: npm is not there
    bin_dir.mkdir()
    git = shutil.which("git")
    assert git is not None
    os.symlink(git, bin_dir / "git")
    monkeypatch.setenv("PATH", str(bin_dir))
    flags = ["--json"] if as_json else []
    result = run("apply", root, "--yes", "--install", "--api-key", "pk_demo", *flags)
    assert result.exit_code == ExitCode.FOLLOW_UP_FAILED, result.output
    warning = "`npm install` failed: run it yourself"
    if as_json:
        document = json.loads(result.stdout)
        assert document["status"] == "applied" and warning in document["warnings"]
        assert document["commands"][0]["argv"] == ["npm", "install"]
    else:
        assert "$ npm install" in result.stderr
        assert f"   ! {warning}" in result.stdout


def test_mcp_plan_and_apply_reach_the_same_outcome(tmp_path: Path) -> None:
    root = copy_fixture("nextjs-clerk", tmp_path)
    before = tree_digest(root)
    arguments = {"path": str(root), "api_key": "pk_demo"}
    planned = call("plan", arguments).document
    assert planned["status"] == "planned" and tree_digest(root) == before
    refused = call("apply", arguments)
    assert refused.is_error and tree_digest(root) == before
    applied = call("apply", {**arguments, "confirm": True, "allow_dirty": True}).document
    assert applied["status"] == "applied"
    assert applied["changed_files"] == [e["path"] for e in planned["edits"]]
    assert {k: v for k, v in applied.items() if k not in ("status", "changed_files")} == {
        k: v for k, v in planned.items() if k not in ("status", "changed_files")
    }
    again = call("apply", {**arguments, "confirm": True}).document
    assert again["status"] == "nothing-to-do" and again["edits"] == []
