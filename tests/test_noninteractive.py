"""Headless use: every question can be answered by a flag or an MCP tool argument, and nothing
ever waits on stdin when it is not a terminal (subprocesses whose stdin is a pipe held open)."""

from __future__ import annotations

import json
import os
import pty
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from scaffolder.cli import parser
from scaffolder.mcp.tools import TOOLS, input_schema
from scaffolder.model import Answers
from tests.helpers import FIXTURES, copy_fixture, run_json, tree_digest

FIXTURE_NAMES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())
ANSWERS = [name for name, _ in Answers.fields_help()]


def headless(
    root: Path, *args: str, stdout: int | None = None, tmp_path: Path
) -> tuple[int, str, str]:
    """Run bcb-scaffold with stdin a pipe that stays open: a prompt would hang until timeout."""
    out_path, err_path = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "scaffolder", *args, str(root)],
            stdin=subprocess.PIPE,
            stdout=out if stdout is None else stdout,
            stderr=err,
        )
        try:
            code = proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            pytest.fail(f"bcb-scaffold {' '.join(args)} waited on stdin")
        finally:
            assert proc.stdin is not None
            proc.stdin.close()
    return code, out_path.read_text(), err_path.read_text()


def test_apply_without_yes_refuses_at_once(tmp_path: Path) -> None:
    root = copy_fixture("flask-login", tmp_path)
    before = tree_digest(root)
    code, out, err = headless(root, "apply", "--api-key", "pk", tmp_path=tmp_path)
    assert code == 5, err
    assert "not a terminal: pass --yes" in err
    assert "+++ b/app/bestchatbot.py" in out  # the diff was shown, then refused
    assert tree_digest(root) == before


def test_apply_with_questions_exits_3_without_prompting(tmp_path: Path) -> None:
    root = copy_fixture("flask-login", tmp_path)
    before = tree_digest(root)
    code, out, err = headless(root, "apply", tmp_path=tmp_path)
    assert code == 3, err
    assert "questions left unanswered" in err
    assert "answer with --api-key" in out
    assert tree_digest(root) == before


def test_apply_json_without_yes_is_a_refusal_document(tmp_path: Path) -> None:
    root = copy_fixture("flask-login", tmp_path)
    code, out, _ = headless(root, "apply", "--json", "--api-key", "pk", tmp_path=tmp_path)
    assert code == 5
    assert json.loads(out)["error"]["code"] == "refused"


def test_a_terminal_stdout_is_not_enough(tmp_path: Path) -> None:
    """stdout on a terminal but stdin a pipe (as under an agent's pty): still no prompt."""
    root = copy_fixture("flask-login", tmp_path)
    primary, secondary = pty.openpty()
    try:
        code, _, err = headless(
            root, "apply", "--api-key", "pk", stdout=secondary, tmp_path=tmp_path
        )
    finally:
        os.close(secondary)
        os.close(primary)
    assert code == 5, err
    assert "not a terminal" in err


@pytest.mark.parametrize("command", ["inspect", "prompt"])
def test_read_only_commands_never_read_stdin(tmp_path: Path, command: str) -> None:
    root = copy_fixture("flask-login", tmp_path)
    code, out, err = headless(root, command, tmp_path=tmp_path)
    assert code == 0, err
    assert out


# -- every question has a flag and a tool argument ------------------------------------------


def test_every_answer_is_a_flag_and_a_tool_argument() -> None:
    _, commands = parser()
    for name in ("inspect", "apply", "prompt"):
        params = {a.dest for a in commands[name]._actions}
        assert set(ANSWERS) <= params, name
        flags = {opt for a in commands[name]._actions for opt in a.option_strings}
        assert {"--" + a.replace("_", "-") for a in ANSWERS} <= flags
    for spec in TOOLS:  # `check` audits what is written: it takes no answers
        properties = set(input_schema(spec)["properties"])
        assert set(ANSWERS) <= properties if spec.answers else properties == {"path"}, spec.name


def _answer(question: dict[str, Any]) -> str | None:
    if question["choices"]:
        return str(question["choices"][0])
    return "pk_test" if question["id"] == "api_key" else None


@pytest.mark.parametrize("fixture", FIXTURE_NAMES)
def test_every_question_is_answerable_by_its_flag(fixture: str) -> None:
    _, doc = run_json("inspect", FIXTURES / fixture)
    questions = doc.get("questions", [])
    for q in questions:
        assert q["id"] in ANSWERS, q
        assert q["flag"] == "--" + q["id"].replace("_", "-")
    for q in questions:
        value = _answer(q)
        if value is None:
            continue
        _, answered = run_json("inspect", FIXTURES / fixture, q["flag"], value)
        if answered["schema"] == "bcb-scaffold/inspect@1":
            assert answered["answers"][q["id"]] == value
            assert q["id"] not in [left["id"] for left in answered["questions"]], q


# -- hostile trees and pipes: everything finishes, nothing hangs ----------------------------


def bcb(root: Path, *args: str, stdout: Any = subprocess.PIPE) -> subprocess.CompletedProcess[str]:
    """The real command in a subprocess with a timeout: a regression fails instead of hanging."""
    try:
        return subprocess.run(
            [sys.executable, "-m", "scaffolder", *args, str(root)],
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"bcb-scaffold {' '.join(args)} hung")


@pytest.mark.parametrize(
    ("fifo", "note"),
    [
        pytest.param(
            "app/.gitignore", "its ignore rules are not applied", id="gitignore-in-a-subfolder"
        ),
        pytest.param("app/helpers.py", None, id="source-file"),
        pytest.param(".env.example", None, id="env-example"),
    ],
)
def test_a_fifo_in_the_tree_never_hangs(tmp_path: Path, fifo: str, note: str | None) -> None:
    root = copy_fixture("flask-login", tmp_path)
    (root / fifo).unlink(missing_ok=True)
    os.mkfifo(root / fifo)
    inspected = bcb(root, "inspect", "--json", "--api-key", "pk")
    assert inspected.returncode == 0, inspected.stderr
    notes = json.loads(inspected.stdout)["notes"]
    if note:
        assert [(n["file"], n["blocking"]) for n in notes] == [(fifo, False)]
        assert note in notes[0]["message"]
    applied = bcb(root, "apply", "--yes", "--api-key", "pk")
    assert applied.returncode == 0, applied.stderr
    assert "data-api-key" in (root / "app/templates/base.html").read_text()
    assert stat.S_ISFIFO(os.lstat(root / fifo).st_mode)
    if fifo == ".env.example":
        assert ".env.example is not a regular file: list BESTCHATBOT_SIGNING_KEY=" in applied.stdout


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_a_closed_stdout_never_interrupts_the_write(tmp_path: Path, as_json: bool) -> None:
    """The reader is gone before the first line (`| head -0`): every write still happens."""
    root = copy_fixture("flask-login", tmp_path)
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = bcb(
            root,
            "apply",
            "--yes",
            "--api-key",
            "pk",
            *(["--json"] if as_json else []),
            stdout=write_end,
        )
    finally:
        os.close(write_end)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert (root / "app/bestchatbot.py").is_file()
    assert "PyJWT" in (root / "requirements.txt").read_text()


def test_apply_piped_into_head_writes_everything(tmp_path: Path) -> None:
    """`bcb-scaffold apply --yes ... | head -1`: one line is read, then the pipe closes."""
    root = copy_fixture("flask-login", tmp_path)
    with subprocess.Popen(
        [sys.executable, "-m", "scaffolder", "apply", "--yes", "--api-key", "pk", str(root)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        first = proc.stdout.readline()
        proc.stdout.close()
        err = proc.stderr.read().decode()
        code = proc.wait(timeout=60)
    assert first.startswith(b"diff --git")
    assert (code, err) == (0, "")
    again = bcb(root, "apply", "--yes", "--api-key", "pk")
    assert "Nothing to do" in again.stdout


def test_apply_refuses_where_git_cannot_tell(tmp_path: Path) -> None:
    root = copy_fixture("flask-login", tmp_path)
    for args in (
        ["init", "-q"],
        ["add", "."],
        ["-c", "user.name=t", "-c", "user.email=t@x", "commit", "-qm", "fixture"],
    ):
        subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)
    subprocess.run(
        ["git", "-C", str(root), "update-index", "--skip-worktree", "app/__init__.py"], check=True
    )
    before = tree_digest(root)
    refused = bcb(root, "apply", "--yes", "--api-key", "pk")
    assert refused.returncode == 5
    assert "git cannot tell" in refused.stderr and "app/__init__.py" in refused.stderr
    assert tree_digest(root) == before
    allowed = bcb(root, "apply", "--yes", "--allow-dirty", "--api-key", "pk")
    assert allowed.returncode == 0, allowed.stderr
