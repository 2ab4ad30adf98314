"""File discovery: .gitignore, skipped trees, symlinks, unreadable files as notes."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from scaffolder.errors import BadInput
from scaffolder.project import NotRegularFile, Project, read_regular
from tests.helpers import no_hang


def make(root: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)


def test_skips_dependencies_build_output_and_virtualenvs(tmp_path: Path) -> None:
    make(
        tmp_path,
        {
            "app.py": "",
            "node_modules/x/index.js": "",
            ".venv/lib/site.py": "",
            "env2/pyvenv.cfg": "",
            "env2/lib/x.py": "",
            "build/out.js": "",
            "pkg.egg-info/PKG-INFO": "",
            ".git/config": "",
            "src/app/__init__.py": "",
        },
    )
    assert Project(tmp_path).files == ("app.py", "src/app/__init__.py")


def test_respects_gitignore_files_nested_and_negated(tmp_path: Path) -> None:
    make(
        tmp_path,
        {
            ".gitignore": "*.log\n/secret/\n!keep.log\n",
            "a.log": "",
            "keep.log": "",
            "secret/x.py": "",
            "sub/.gitignore": "generated.py\n",
            "sub/generated.py": "",
            "sub/kept.py": "",
            "sub/secret/y.py": "",
        },
    )
    assert set(Project(tmp_path).files) == {
        ".gitignore",
        "keep.log",
        "sub/.gitignore",
        "sub/kept.py",
        "sub/secret/y.py",
    }


def test_git_info_exclude(tmp_path: Path) -> None:
    make(tmp_path, {".git/info/exclude": "local.py\n", "local.py": "", "app.py": ""})
    assert Project(tmp_path).files == ("app.py",)


def test_is_ignored_for_paths_that_do_not_exist(tmp_path: Path) -> None:
    make(tmp_path, {".gitignore": ".env\nlogs/\n"})
    project = Project(tmp_path)
    assert project.is_ignored(".env")
    assert project.is_ignored("logs/today.txt")
    assert not project.is_ignored(".env.example")


def test_never_follows_a_symlink_out_of_the_project(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    make(outside, {"leak.py": ""})
    root = tmp_path / "project"
    make(root, {"app.py": "", "inside/x.py": ""})
    os.symlink(outside, root / "linked-out")
    os.symlink(outside / "leak.py", root / "leak.py")
    os.symlink(root / "inside", root / "linked-in")
    os.symlink(root, root / "inside" / "loop")
    files = Project(root).files
    assert "leak.py" not in files and not any(f.startswith("linked-out") for f in files)
    assert "inside/x.py" in files
    assert len(files) < 10  # the loop is not walked forever


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(b"caf\xe9 = 1\n", "not valid UTF-8", id="latin-1"),
        pytest.param(b"\x00\x01binary", "binary file", id="binary"),
    ],
)
def test_unreadable_text_is_a_blocking_note(tmp_path: Path, content: bytes, message: str) -> None:
    make(tmp_path, {"bad.py": content})
    project = Project(tmp_path)
    assert project.text("bad.py") is None
    assert [(n.file, n.blocking) for n in project.notes] == [("bad.py", True)]
    assert message in project.notes[0].message
    with pytest.raises(BadInput, match=message):
        project.read("bad.py")


def test_huge_files_are_a_plain_note(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("scaffolder.project.MAX_TEXT_BYTES", 10)
    make(tmp_path, {"big.py": "x = 1234567890\n"})
    project = Project(tmp_path)
    assert project.text("big.py") is None
    assert project.notes[0].blocking is False


def test_bom_is_remembered(tmp_path: Path) -> None:
    make(tmp_path, {"a.py": "\ufeffx = 1\n".encode()})
    source = Project(tmp_path).read("a.py")
    assert source.bom and source.text == "x = 1\n"


@pytest.mark.parametrize("ignore_file", ["sub/.gitignore", ".gitignore", ".git/info/exclude"])
def test_a_fifo_ignore_file_is_a_note_not_a_hang(tmp_path: Path, ignore_file: str) -> None:
    make(tmp_path, {"app.py": "", "sub/x.py": "", ".git/info/.keep": ""})
    os.mkfifo(tmp_path / ignore_file)
    project = Project(tmp_path)
    with no_hang():
        files = project.files
        assert project.is_ignored("sub/x.py") is False
    assert set(files) == {"app.py", "sub/x.py"}
    assert [(n.file, n.blocking) for n in project.notes] == [(ignore_file, False)]
    assert "not a regular file (a FIFO)" in project.notes[0].message


def test_a_fifo_read_by_name_is_a_plain_note(tmp_path: Path) -> None:
    make(tmp_path, {"app.py": ""})
    os.mkfifo(tmp_path / "settings.py")
    project = Project(tmp_path)
    with no_hang():
        assert project.text("settings.py") is None
        with pytest.raises(BadInput, match=r"settings\.py: not a regular file \(a FIFO\)"):
            project.read("settings.py")
    assert [(n.file, n.blocking) for n in project.notes] == [("settings.py", False)]
    assert project.files == ("app.py",)  # never listed either


def test_sockets_are_never_opened(tmp_path: Path) -> None:
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(tmp_path / "app.sock"))
        with pytest.raises(NotRegularFile, match="a socket"):
            read_regular(tmp_path / "app.sock")


def test_the_writers_temp_files_are_not_project_files(tmp_path: Path) -> None:
    make(tmp_path, {"app.py": "", ".app.py.k2j4_x9q.bcb-tmp": "", "notes.bcb-tmp": ""})
    assert set(Project(tmp_path).files) == {"app.py", "notes.bcb-tmp"}


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="no procfs")
def test_a_file_longer_than_its_size_is_read_to_its_end() -> None:
    # procfs files say they hold 0 bytes: the read goes on past what fstat gave
    status = read_regular("/proc/self/status")
    assert status.startswith(b"Name:") and len(status) > 100 and status.endswith(b"\n")
