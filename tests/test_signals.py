"""SIGINT / SIGTERM while `apply --yes` writes: every file already written is restored, no temp
file or created directory stays, exit 130 with a true message. Each case runs the real command
in a subprocess whose os.replace / os.fsync / os.mkdir send the process a real signal at the
chosen step, so the writer's own handlers are what is exercised. Also: signals outside the
write, and a run killed by SIGKILL whose temp files the next run removes."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import copy_fixture, run, run_json, tree_digest

# argv: <step> <signal> <number of edits> <bcb-scaffold arguments...>
DRIVER = r"""
import os, signal, sys

step, sig, total = sys.argv[1], getattr(signal, sys.argv[2]), int(sys.argv[3])
real_replace, real_fsync, real_mkdir, real_chmod = os.replace, os.fsync, os.mkdir, os.chmod
renames, fsyncs, chmods = [], [], []

def kill(which=sig):
    os.kill(os.getpid(), which)

def replace(src, dst):
    renames.append(dst)
    n = len(renames)
    if step == "sigkill-before-a-rename" and n == 3:
        kill(signal.SIGKILL)  # leaves the third file's temp file behind
    if step == "during-rollback" and n == 3:
        kill(signal.SIGTERM)  # a second signal, during the rollback's own renames
    real_replace(src, dst)
    if step in ("between-files", "during-rollback") and n == 2:
        kill()
    if step == "after-last-rename" and n == total:
        kill()

def fsync(fd):
    fsyncs.append(fd)
    if step == "writing-a-temp-file" and len(fsyncs) == 2:
        kill()
    real_fsync(fd)

def chmod(path, mode):
    chmods.append(path)
    real_chmod(path, mode)
    if step == "before-first-rename" and len(chmods) == 1:
        kill()  # the first temp file is complete, not yet renamed

def mkdir(path, *args, **kwargs):
    real_mkdir(path, *args, **kwargs)
    if step == "creating-a-directory":
        kill()

os.replace, os.fsync, os.mkdir, os.chmod = replace, fsync, mkdir, chmod
if step == "before-the-write":
    import scaffolder.writer as writer
    real_preflight = writer._preflight
    def preflight(*args, **kwargs):
        kill()
        return real_preflight(*args, **kwargs)
    writer._preflight = preflight
if step == "after-the-last-check":
    import scaffolder.writer as writer
    real_write_all = writer._write_all
    def write_all(*args, **kwargs):
        real_write_all(*args, **kwargs)
        kill()  # every file written and checked, the handlers not yet restored
    writer._write_all = write_all
if step == "printing-the-summary":
    import scaffolder.render as render
    real_summary = render.plan_summary
    def summary(*args, **kwargs):
        kill()
        return real_summary(*args, **kwargs)
    render.plan_summary = summary

from scaffolder.cli import main
sys.argv = ["bcb-scaffold", *sys.argv[4:]]
main()
"""


def interrupted_apply(
    root: Path, step: str, sig: str, *flags: str
) -> subprocess.CompletedProcess[str]:
    code, planned = run_json("apply", root, "--dry-run", *flags)
    assert code == 0 and planned["edits"], planned
    total = str(len(planned["edits"]))
    argv = [sys.executable, "-c", DRIVER, step, sig, total, "apply", "--yes", *flags, str(root)]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)


def leftovers(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.name.endswith(".bcb-tmp")]


def every_path(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.mark.parametrize(
    ("fixture", "step", "sig", "restored"),
    [
        pytest.param("flask-login", "before-first-rename", "SIGINT", 0, id="before-first-rename"),
        pytest.param("flask-login", "writing-a-temp-file", "SIGINT", 1, id="writing-a-temp-file"),
        pytest.param("flask-login", "between-files", "SIGINT", 2, id="between-files"),
        pytest.param("flask-login", "between-files", "SIGTERM", 2, id="between-files-sigterm"),
        pytest.param("flask-login", "after-last-rename", "SIGTERM", 6, id="after-last-rename"),
        pytest.param("flask-login", "during-rollback", "SIGINT", 2, id="second-signal-in-rollback"),
        pytest.param(
            "nextjs-clerk", "creating-a-directory", "SIGINT", 0, id="creating-a-directory"
        ),
    ],
)
def test_a_signal_while_writing_restores_everything(
    tmp_path: Path, fixture: str, step: str, sig: str, restored: int
) -> None:
    root = copy_fixture(fixture, tmp_path)
    before, paths = tree_digest(root), every_path(root)
    done = interrupted_apply(root, step, sig, "--api-key", "pk_demo")
    assert done.returncode == 130, done.stderr
    assert tree_digest(root) == before
    assert every_path(root) == paths  # no temp file, no directory created by the run
    assert "Traceback" not in done.stderr
    message = done.stderr.strip().splitlines()[-1]
    assert message.startswith(f"bcb-scaffold: error: interrupted by {sig} while writing ")
    if restored:
        assert f"the {restored} file(s) already written were restored" in message
        assert "nothing was written" not in message
    else:
        assert message.endswith("; nothing was written")


def test_the_interruption_is_an_error_document_with_json(tmp_path: Path) -> None:
    import json

    root = copy_fixture("flask-login", tmp_path)
    done = interrupted_apply(root, "between-files", "SIGTERM", "--api-key", "pk_demo", "--json")
    assert done.returncode == 130, done.stderr
    error = json.loads(done.stdout)["error"]
    assert (error["code"], error["exit_code"]) == ("interrupted", 130)
    assert "already written were restored" in error["message"]


def test_ctrl_c_before_the_write_is_todays_refusal(tmp_path: Path) -> None:
    root = copy_fixture("flask-login", tmp_path)
    before = tree_digest(root)
    done = interrupted_apply(root, "before-the-write", "SIGINT", "--api-key", "pk_demo")
    assert done.returncode == 5, done.stderr
    assert done.stderr.strip().endswith("interrupted; nothing was written")
    assert tree_digest(root) == before


def test_sigterm_before_the_write_keeps_its_default_action(tmp_path: Path) -> None:
    root = copy_fixture("flask-login", tmp_path)
    before = tree_digest(root)
    done = interrupted_apply(root, "before-the-write", "SIGTERM", "--api-key", "pk_demo")
    assert done.returncode == -signal.SIGTERM
    assert tree_digest(root) == before


def test_ctrl_c_after_the_write_says_the_changes_are_in_place(tmp_path: Path) -> None:
    root = copy_fixture("flask-login", tmp_path)
    before = tree_digest(root)
    done = interrupted_apply(root, "printing-the-summary", "SIGINT", "--api-key", "pk_demo")
    assert done.returncode == 130, done.stderr
    message = done.stderr.strip().splitlines()[-1]
    assert "interrupted after writing; the changes are in place: app/bestchatbot.py" in message
    assert "nothing was written" not in message
    assert (root / "app/bestchatbot.py").is_file()
    assert tree_digest(root) != before
    assert run("apply", root, "--yes", "--api-key", "pk_demo").output.startswith("Nothing to do")


def test_the_run_after_a_sigkill_removes_its_temp_files(tmp_path: Path) -> None:
    root = copy_fixture("flask-login", tmp_path)
    killed = interrupted_apply(root, "sigkill-before-a-rename", "SIGINT", "--api-key", "pk_demo")
    assert killed.returncode == -signal.SIGKILL
    stale = leftovers(root)
    assert [p.relative_to(root).parent.as_posix() for p in stale] == ["app/templates"]
    assert run("inspect", root, "--json").exit_code == 0  # a temp file is no project file
    again = run("apply", root, "--yes", "--api-key", "pk_demo")
    assert again.exit_code == 0, again.output
    assert leftovers(root) == []
    assert "data-api-key" in (root / "app/templates/base.html").read_text()


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_a_signal_after_the_last_check_is_not_dropped(tmp_path: Path, sig: str) -> None:
    root = copy_fixture("flask-login", tmp_path)
    before = tree_digest(root)
    done = interrupted_apply(root, "after-the-last-check", sig, "--api-key", "pk_demo")
    assert done.returncode == 130, done.stderr
    message = done.stderr.strip().splitlines()[-1]
    assert f"interrupted by {sig} after writing; the changes are in place: " in message
    assert tree_digest(root) != before and leftovers(root) == []
    assert run("apply", root, "--yes", "--api-key", "pk_demo").output.startswith("Nothing to do")
