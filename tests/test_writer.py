"""The one writer: atomic per file, all-or-nothing per run, refuses what it must not touch."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from scaffolder.errors import BadInput, Refused, WriteFailed
from scaffolder.plan import FileEdit, Plan
from scaffolder.writer import write_plan


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
