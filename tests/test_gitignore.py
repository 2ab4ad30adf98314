"""Ignore rules read the way git reads them: the project's files against `git ls-files`."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from scaffolder.gitignore import IgnoreRules
from scaffolder.project import Project

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

RULES = "\n".join(
    [
        "# a comment, then a blank line",
        "",
        "*.log",
        "!keep.log",
        "/root-only.txt",
        "docs/*.md",
        "!docs/keep.md",
        "out/",
        "**/cache-dir/",
        "a/**/deep.txt",
        "logs/**",
        "!logs/kept/",
        "foo?.txt",
        "[abc]-class.txt",
        "[!x]-neg.txt",
        "range[0-9].txt",
        "[[:digit:]]-posix.txt",
        "[]]-bracket.txt",
        "odd[.txt",
        "\\#hash.txt",
        "\\!bang.txt",
        "spaced.txt   ",
        "escaped\\ ",
        "*.tmp/",
        "nested/*/mid.txt",
        "x/***/stars.txt",
        "two**stars.txt",
        "/anchored/",
    ]
)
SUB_RULES = "*.gen\n!important.gen\n/only-here.txt\n"
FILES = [
    "app.py",
    "a.log",
    "keep.log",
    "sub/b.log",
    "sub/keep.log",
    "root-only.txt",
    "sub/root-only.txt",
    "docs/guide.md",
    "docs/keep.md",
    "docs/deeper/guide.md",
    "out/x.txt",
    "sub/out/x.txt",
    "out.txt",
    "cache-dir/c.txt",
    "sub/deep/cache-dir/c.txt",
    "a/deep.txt",
    "a/b/c/deep.txt",
    "b/a/deep.txt",
    "logs/today.txt",
    "logs/kept/a.txt",
    "foo1.txt",
    "foo12.txt",
    "a-class.txt",
    "d-class.txt",
    "y-neg.txt",
    "x-neg.txt",
    "range7.txt",
    "rangeX.txt",
    "4-posix.txt",
    "q-posix.txt",
    "]-bracket.txt",
    "odd[.txt",
    "#hash.txt",
    "!bang.txt",
    "spaced.txt",
    "escaped ",
    "escaped",
    "dir.tmp/inside.py",
    "file.tmp",
    "nested/one/mid.txt",
    "nested/one/two/mid.txt",
    "x/stars.txt",
    "x/y/z/stars.txt",
    "twostars.txt",
    "two-and-stars.txt",
    "two/stars.txt",
    "anchored/a.py",
    "sub/anchored/a.py",
    "sub/x.gen",
    "sub/important.gen",
    "y.gen",
    "sub/only-here.txt",
    "sub/inner/only-here.txt",
    "only-here.txt",
]


def _git_listing(root: Path) -> set[str]:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    listed = subprocess.run(
        ["git", "-C", str(root), "ls-files", "-z", "--others", "--exclude-standard"],
        capture_output=True,
        check=True,
        env=env,
    ).stdout.decode()
    return {path for path in listed.split("\0") if path}


def _tree(root: Path, files: dict[str, str]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)


@needs_git
def test_the_files_git_lists_and_no_other(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    _tree(tmp_path, {".gitignore": RULES, "sub/.gitignore": SUB_RULES})
    _tree(tmp_path, dict.fromkeys(FILES, ""))
    expected = _git_listing(tmp_path)
    assert "app.py" in expected and "a.log" not in expected  # git did read the rules
    assert set(Project(tmp_path).files) == expected


@needs_git
def test_the_enclosing_repositorys_rules_as_git_reads_them(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    _tree(tmp_path, {".gitignore": "web/**/generated/\n*.bak\n", "web/.gitignore": "/app/tmp/\n"})
    files = ["app/x.py", "app/x.bak", "app/tmp/t.py", "app/generated/g.py", "lib/generated/g.py"]
    _tree(tmp_path / "web", dict.fromkeys(files, ""))
    expected = {p.removeprefix("web/") for p in _git_listing(tmp_path) if p.startswith("web/")}
    assert expected == {".gitignore", "app/x.py"}
    assert set(Project(tmp_path / "web").files) == expected


@needs_git
@pytest.mark.parametrize(
    ("ignore_files", "ignored"),
    [
        pytest.param({".gitignore": "scratch/\n"}, True, id="top-ignores-a-folder-above"),
        pytest.param({"scratch/.gitignore": "web\n"}, True, id="middle-ignores-the-project"),
        pytest.param({".gitignore": "scratch/*\n!scratch/web/\n"}, False, id="re-included"),
        pytest.param(
            {".gitignore": "web/\n", "scratch/.gitignore": "!web/\n"}, False, id="deeper-wins"
        ),
    ],
)
def test_a_project_inside_an_ignored_folder_has_no_files(
    tmp_path: Path, ignore_files: dict[str, str], ignored: bool
) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    _tree(tmp_path, {**ignore_files, "scratch/web/app.py": ""})
    listed = {p for p in _git_listing(tmp_path) if p.startswith("scratch/web/")}
    assert listed == (set() if ignored else {"scratch/web/app.py"})  # what git says
    project = Project(tmp_path / "scratch" / "web")
    assert project.files == (() if ignored else ("app.py",))
    assert project.is_ignored("app.py") is ignored


@pytest.mark.parametrize(
    ("rules", "path", "is_dir", "verdict"),
    [
        pytest.param("*.log\n", "logs/a.log", False, True, id="basename-at-any-depth"),
        pytest.param("*.log\n!a.log\n", "a.log", False, False, id="negation-re-includes"),
        pytest.param("build/\n", "build", False, None, id="directory-only-skips-files"),
        pytest.param("build/\n", "src/build", True, True, id="directory-only-at-any-depth"),
        pytest.param("/build\n", "src/build", True, None, id="leading-slash-anchors"),
        pytest.param("a/*.py\n", "a/b/c.py", False, None, id="star-stops-at-slash"),
        pytest.param("a/**\n", "a", True, None, id="trailing-double-star-not-the-folder"),
        pytest.param("a/[b\n", "a/[b", False, None, id="unclosed-bracket-matches-nothing"),
        pytest.param("\ufeffsecret\n", "secret", False, True, id="byte-order-mark-skipped"),
        pytest.param("x\\\n", "x\\", False, None, id="trailing-backslash-matches-nothing"),
    ],
)
def test_verdict(rules: str, path: str, is_dir: bool, verdict: bool | None) -> None:
    assert IgnoreRules(rules).verdict(path, is_dir=is_dir) is verdict
