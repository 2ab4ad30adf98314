"""The one writer: atomic per file, all-or-nothing per run, refuses what it must not touch."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from scaffolder.errors import BadInput, Refused, WriteFailed
from scaffolder.plan import FileEdit, Plan
from scaffolder.writer import write_plan
from tests.helpers import no_hang


def edits(tmp_path: Path) -> Plan:
    (tmp_path / "a.py").write_text("a = 1\n")
    os.chmod(tmp_path / "a.py", 0o640)
    return Plan(
        edits=[
            FileEdit("a.py", "a = 1\n", "a = 2\n", "change a"),
            FileEdit("pkg/new/b.py", None, "b = 1\n", "create b"),
        ]
    )


def test_writes_keeps_mode_and_creates_directories(tmp_path: Path) -> None:
    plan = edits(tmp_path)
    assert write_plan(tmp_path, plan) == ["a.py", "pkg/new/b.py"]
    assert (tmp_path / "a.py").read_text() == "a = 2\n"
    assert (tmp_path / "a.py").stat().st_mode & 0o777 == 0o640
    assert (tmp_path / "pkg/new/b.py").read_text() == "b = 1\n"
    assert not list(tmp_path.rglob("*.bcb-tmp"))


def test_bom_and_crlf_are_written_back(tmp_path: Path) -> None:
    (tmp_path / "c.py").write_bytes(b"\xef\xbb\xbfx = 1\r\n")
    write_plan(tmp_path, Plan([FileEdit("c.py", "x = 1\r\n", "x = 1\r\ny = 2\r\n", "r", bom=True)]))
    assert (tmp_path / "c.py").read_bytes() == b"\xef\xbb\xbfx = 1\r\ny = 2\r\n"


def test_a_failure_part_way_restores_everything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = edits(tmp_path)
    real_replace = os.replace
    calls = []

    def failing_replace(src: str, dst: str) -> None:
        calls.append(dst)
        if str(dst).endswith("b.py"):
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(WriteFailed, match="No space left on device"):
        write_plan(tmp_path, plan)
    monkeypatch.setattr(os, "replace", real_replace)
    assert (tmp_path / "a.py").read_text() == "a = 1\n"
    assert not (tmp_path / "pkg").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.py"]


def test_file_changed_since_planning(tmp_path: Path) -> None:
    plan = edits(tmp_path)
    (tmp_path / "a.py").write_text("a = 'edited meanwhile'\n")
    with pytest.raises(Refused, match="changed since planning"):
        write_plan(tmp_path, plan)
    assert (tmp_path / "a.py").read_text() == "a = 'edited meanwhile'\n"
    assert not (tmp_path / "pkg").exists()


def test_file_created_since_planning(tmp_path: Path) -> None:
    plan = edits(tmp_path)
    (tmp_path / "pkg/new").mkdir(parents=True)
    (tmp_path / "pkg/new/b.py").write_text("mine\n")
    with pytest.raises(Refused, match="appeared since planning"):
        write_plan(tmp_path, plan)
    assert (tmp_path / "pkg/new/b.py").read_text() == "mine\n"


def test_read_only_file(tmp_path: Path) -> None:
    plan = edits(tmp_path)
    os.chmod(tmp_path / "a.py", 0o444)
    with pytest.raises(BadInput, match="read-only"):
        write_plan(tmp_path, plan)
    assert (tmp_path / "a.py").read_text() == "a = 1\n"


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q")
    git(tmp_path, "config", "user.email", "t@example.com")
    git(tmp_path, "config", "user.name", "t")
    return tmp_path


def test_uncommitted_changes_are_not_touched(repo: Path) -> None:
    (repo / "a.py").write_text("a = 1\n")
    git(repo, "add", "a.py")
    git(repo, "commit", "-qm", "a")
    write_plan(repo, Plan([FileEdit("a.py", "a = 1\n", "a = 3\n", "r")]))  # clean: written
    assert (repo / "a.py").read_text() == "a = 3\n"
    again = Plan([FileEdit("a.py", "a = 3\n", "a = 4\n", "r")])  # now it holds uncommitted work
    with pytest.raises(Refused, match=r"uncommitted changes in a\.py"):
        write_plan(repo, again)
    assert (repo / "a.py").read_text() == "a = 3\n"
    assert write_plan(repo, again, allow_dirty=True) == ["a.py"]


def test_untracked_files_count_as_uncommitted(repo: Path) -> None:
    plan = edits(repo)
    with pytest.raises(Refused, match=r"a\.py"):
        write_plan(repo, plan)


def test_project_in_a_subdirectory_of_the_repo(repo: Path) -> None:
    sub = repo / "services" / "web"
    sub.mkdir(parents=True)
    (sub / "a.py").write_text("a = 1\n")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "a")
    (sub / "a.py").write_text("a = 5\n")
    with pytest.raises(Refused, match=r"uncommitted changes in a\.py"):
        write_plan(sub, Plan([FileEdit("a.py", "a = 5\n", "a = 6\n", "r")]))


# -- each file checked again just before its own rename ------------------------------------


def two_files(tmp_path: Path) -> Plan:
    (tmp_path / "a.py").write_text("a = 1\n")
    (tmp_path / "b.py").write_text("b = 1\n")
    return Plan(
        [
            FileEdit("a.py", "a = 1\n", "a = 2\n", "r"),
            FileEdit("b.py", "b = 1\n", "b = 2\n", "r"),
            FileEdit("pkg/c.py", None, "c = 1\n", "r"),
        ]
    )


def after_first_rename(monkeypatch: pytest.MonkeyPatch, meanwhile: Callable[[], None]) -> None:
    """Run `meanwhile` (an editor saving a file) right after the writer's first rename."""
    real_replace = os.replace
    calls: list[str] = []

    def replace(src: str, dst: str) -> None:
        real_replace(src, dst)
        calls.append(dst)
        if len(calls) == 1:
            meanwhile()

    monkeypatch.setattr(os, "replace", replace)


def test_a_file_saved_while_writing_stops_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = two_files(tmp_path)
    after_first_rename(monkeypatch, lambda: (tmp_path / "b.py").write_text("b = 'editor'\n"))
    with pytest.raises(Refused, match=r"^b\.py: changed while writing; the 1 file\(s\) already"):
        write_plan(tmp_path, plan)
    assert (tmp_path / "a.py").read_text() == "a = 1\n"  # restored
    assert (tmp_path / "b.py").read_text() == "b = 'editor'\n"  # the editor's save is kept
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.py", "b.py"]


def test_a_file_created_while_writing_stops_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = two_files(tmp_path)

    def create() -> None:
        (tmp_path / "pkg").mkdir()
        (tmp_path / "pkg/c.py").write_text("mine\n")

    after_first_rename(monkeypatch, create)
    with pytest.raises(Refused, match=r"^pkg/c\.py: appeared while writing; the 2 file"):
        write_plan(tmp_path, plan)
    assert (tmp_path / "a.py").read_text() == "a = 1\n"
    assert (tmp_path / "b.py").read_text() == "b = 1\n"
    assert (tmp_path / "pkg/c.py").read_text() == "mine\n"


def test_the_first_file_rechecked_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plan = two_files(tmp_path)
    real_chmod = os.chmod

    def chmod(path: str, mode: int) -> None:  # the temp file is ready: an editor saves now
        real_chmod(path, mode)
        (tmp_path / "a.py").write_text("a = 'editor'\n")

    monkeypatch.setattr(os, "chmod", chmod)
    with pytest.raises(Refused, match=r"^a\.py: changed while writing; nothing was written"):
        write_plan(tmp_path, plan)
    assert (tmp_path / "a.py").read_text() == "a = 'editor'\n"
    assert not list(tmp_path.rglob("*.bcb-tmp"))


# -- temp files of a killed run ---------------------------------------------------------------


def test_stale_temp_files_in_the_directories_written_are_removed(tmp_path: Path) -> None:
    plan = edits(tmp_path)
    (tmp_path / "pkg/new").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    stale = [tmp_path / ".a.py.k2j4_x9q.bcb-tmp", tmp_path / "pkg/new/.b.py.abcdefgh.bcb-tmp"]
    for path in stale:
        path.write_text("half a file")
    kept = [tmp_path / "elsewhere/.x.py.abcdefgh.bcb-tmp", tmp_path / "notes.bcb-tmp"]
    for path in kept:
        path.write_text("not in a directory the plan writes to / not a temp file's name")
    write_plan(tmp_path, plan)
    assert [p.exists() for p in stale] == [False, False]
    assert [p.exists() for p in kept] == [True, True]


# -- symlinks -----------------------------------------------------------------------------------


def test_a_symlink_inside_the_project_writes_its_target(tmp_path: Path) -> None:
    (tmp_path / "theme").mkdir()
    (tmp_path / "theme/base.html").write_text("<body></body>\n")
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates/base.html").symlink_to("../theme/base.html")
    plan = Plan([FileEdit("templates/base.html", "<body></body>\n", "<body>x</body>\n", "r")])
    assert write_plan(tmp_path, plan) == ["templates/base.html"]
    assert (tmp_path / "templates/base.html").is_symlink()
    assert os.readlink(tmp_path / "templates/base.html") == "../theme/base.html"
    assert (tmp_path / "theme/base.html").read_text() == "<body>x</body>\n"
    assert not list(tmp_path.rglob("*.bcb-tmp"))


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(FileEdit("base.html", "<body></body>\n", "x\n", "r"), id="a-linked-file"),
        pytest.param(FileEdit("linked/new.py", None, "x\n", "r"), id="a-new-file-in-a-linked-dir"),
        pytest.param(
            FileEdit("linked/a/b/new.py", None, "x\n", "r"), id="new-dirs-in-a-linked-dir"
        ),
    ],
)
def test_nothing_is_written_outside_the_project(tmp_path: Path, edit: FileEdit) -> None:
    project, outside = tmp_path / "project", tmp_path / "outside"
    project.mkdir()
    outside.mkdir()
    (outside / "base.html").write_text("<body></body>\n")
    (project / "base.html").symlink_to(outside / "base.html")
    (project / "linked").symlink_to(outside)
    (project / "mine.py").write_text("m = 1\n")
    plan = Plan([FileEdit("mine.py", "m = 1\n", "m = 2\n", "r"), edit])
    with pytest.raises(Refused, match=r"outside the project; nothing written"):
        write_plan(project, plan)
    assert sorted(p.name for p in outside.rglob("*")) == ["base.html"]
    assert (outside / "base.html").read_text() == "<body></body>\n"
    assert (project / "mine.py").read_text() == "m = 1\n"


def test_two_edits_of_one_file_through_a_link_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_text("a\n")
    (tmp_path / "b.html").symlink_to("a.html")
    plan = Plan([FileEdit("a.html", "a\n", "1\n", "r"), FileEdit("b.html", "a\n", "2\n", "r")])
    with pytest.raises(Refused, match=r"b\.html and a\.html are the same file"):
        write_plan(tmp_path, plan)
    assert (tmp_path / "a.html").read_text() == "a\n"


# -- non-regular files, signal handlers ---------------------------------------------------------


def test_a_fifo_to_edit_is_refused_without_opening_it(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "a.py")
    with no_hang(), pytest.raises(BadInput, match=r"a\.py: cannot read \(not a regular file"):
        write_plan(tmp_path, Plan([FileEdit("a.py", "a = 1\n", "a = 2\n", "r")]))


def test_the_previous_signal_handlers_come_back(tmp_path: Path) -> None:
    def mine(_signum: int, _frame: object) -> None:
        raise AssertionError("not called")

    previous = signal.signal(signal.SIGTERM, mine)
    try:
        write_plan(tmp_path, edits(tmp_path))
        assert signal.getsignal(signal.SIGTERM) is mine
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_writes_from_a_worker_thread(tmp_path: Path) -> None:
    """The MCP server writes from a worker thread, where Python cannot install handlers."""
    plan = edits(tmp_path)
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(write_plan, tmp_path, plan).result() == ["a.py", "pkg/new/b.py"]
    assert (tmp_path / "a.py").read_text() == "a = 2\n"


# -- when git cannot tell whether a file is clean ----------------------------------------------


@pytest.fixture
def committed(repo: Path) -> Path:
    (repo / "a.py").write_text("a = 1\n")
    git(repo, "add", "a.py")
    git(repo, "commit", "-qm", "a")
    return repo


def one_edit() -> Plan:
    return Plan([FileEdit("a.py", "a = 1\n", "a = 2\n", "r")])


def fake_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str | None) -> None:
    """PATH holds only a `git` running `script`, or no git at all (None)."""
    bin_dir = tmp_path.parent / f"{tmp_path.name}-bin"
    bin_dir.mkdir()
    if script is not None:
        (bin_dir / "git").write_text(f"#!/bin/sh\n{script}\n")
        (bin_dir / "git").chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))


def assume_unchanged(repo: Path, _mp: pytest.MonkeyPatch) -> None:
    git(repo, "update-index", "--assume-unchanged", "a.py")


def skip_worktree(repo: Path, _mp: pytest.MonkeyPatch) -> None:
    git(repo, "update-index", "--skip-worktree", "a.py")


def bare(repo: Path, _mp: pytest.MonkeyPatch) -> None:
    git(repo, "config", "core.bare", "true")


def dubious_ownership(repo: Path, _mp: pytest.MonkeyPatch) -> None:
    if os.geteuid() != 0:
        pytest.skip("giving the repository to another user needs root")
    for path in [repo, *repo.rglob("*")]:
        os.lchown(path, 4242, 4242)


def git_dir_garbage(repo: Path, mp: pytest.MonkeyPatch) -> None:
    mp.setenv("GIT_DIR", str(repo / "no-such-dir"))


def git_fails(repo: Path, mp: pytest.MonkeyPatch) -> None:
    fake_git(repo, mp, "exit 128")


def git_missing(repo: Path, mp: pytest.MonkeyPatch) -> None:
    fake_git(repo, mp, None)


def fifo_gitignore(repo: Path, _mp: pytest.MonkeyPatch) -> None:
    os.mkfifo(repo / ".gitignore")  # git status would block reading it


@pytest.mark.parametrize(
    ("make", "why"),
    [
        pytest.param(assume_unchanged, r"not to look at a\.py", id="assume-unchanged"),
        pytest.param(skip_worktree, r"not to look at a\.py", id="skip-worktree"),
        pytest.param(bare, "must be run in a work tree", id="core.bare"),
        pytest.param(dubious_ownership, "dubious ownership", id="dubious-ownership"),
        pytest.param(git_dir_garbage, "not a git repository", id="GIT_DIR-garbage"),
        pytest.param(git_fails, "exit 128", id="git-exits-128"),
        pytest.param(git_missing, "git is not installed", id="git-missing"),
        pytest.param(fifo_gitignore, r"\.gitignore is not a regular file", id="fifo-gitignore"),
    ],
)
def test_refused_when_git_cannot_tell(
    committed: Path, monkeypatch: pytest.MonkeyPatch, make: Any, why: str
) -> None:
    (committed / "a.py").write_text("a = 1\n")
    make(committed, monkeypatch)
    with no_hang(), pytest.raises(Refused, match=f"git cannot tell .*{why}.*--allow-dirty"):
        write_plan(committed, one_edit())
    assert (committed / "a.py").read_text() == "a = 1\n"
    assert write_plan(committed, one_edit(), allow_dirty=True) == ["a.py"]
    assert (committed / "a.py").read_text() == "a = 2\n"


def test_assume_unchanged_hides_real_edits_from_git(committed: Path) -> None:
    """Why the bit refuses: git reports the file clean while it holds the user's edit."""
    git(committed, "update-index", "--assume-unchanged", "a.py")
    (committed / "a.py").write_text("a = 'uncommitted'\n")
    out = subprocess.run(
        ["git", "-C", str(committed), "status", "--porcelain"],
        text=True,
        capture_output=True,
        check=True,
    )
    assert out.stdout == ""
    plan = Plan([FileEdit("a.py", "a = 'uncommitted'\n", "a = 2\n", "r")])
    with pytest.raises(Refused, match="assume-unchanged"):
        write_plan(committed, plan)


@pytest.mark.parametrize("git_binary", ["missing", "failing"])
def test_no_repository_anywhere_is_allowed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, git_binary: str
) -> None:
    fake_git(tmp_path, monkeypatch, None if git_binary == "missing" else "exit 128")
    assert write_plan(tmp_path, edits(tmp_path)) == ["a.py", "pkg/new/b.py"]
