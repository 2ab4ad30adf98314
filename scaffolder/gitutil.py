"""The little of git that apply needs: which files hold uncommitted work, what is ignored."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path


class GitUnclear(Exception):
    """git cannot say whether the files to edit are clean; the message says why."""


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str] | None:
    """git's answer, or None when git is not installed or could not run."""
    try:
        return subprocess.run(
            ["git", "-C", str(root), *args],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
            # English messages for ours; no index refresh written behind the user's back.
            env={**os.environ, "LC_ALL": "C", "GIT_OPTIONAL_LOCKS": "0"},
        )
    except (OSError, subprocess.TimeoutExpired):
        return None


def work_tree(root: Path) -> Path | None:
    """The enclosing git work tree's top directory, or None when PATH is not in one."""
    result = _git(root, "rev-parse", "--show-toplevel")
    if result is None or result.returncode != 0:
        return None
    return Path(result.stdout.strip()).resolve()


def dirty(root: Path, paths: list[str]) -> list[str]:
    """Those of `paths` (relative to root) with uncommitted changes, staged or not, or untracked.

    Raises GitUnclear when git cannot tell: git fails or is missing where a repository is, the
    repository is bare or not trusted ("dubious ownership"), or a file carries git's
    assume-unchanged or skip-worktree bit (git would report it clean whatever it holds). Outside
    any repository there is nothing to lose to git, and nothing is dirty."""
    if not paths:
        return []
    top = _top(root)
    if top is None:
        return []
    blocking = _non_regular_git_file(root, top, paths)
    if blocking:
        raise GitUnclear(f"{blocking} is not a regular file: git would wait on it forever")
    status = _run(root, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", *paths)
    found = {(top / e[3:]).resolve() for e in status.split("\0") if len(e) > 3}
    wanted = {(root / p).resolve(): p for p in paths}
    listed = _run(root, "ls-files", "-v", "-z", "--", *paths)
    hidden = sorted(
        entry[2:]
        for entry in listed.split("\0")
        if len(entry) > 2 and (entry[0].islower() or entry[0] == "S")
    )
    if hidden:
        raise GitUnclear(
            f"git is told not to look at {', '.join(hidden)} (assume-unchanged or skip-worktree)"
        )
    return sorted(wanted[p] for p in found if p in wanted)


def _top(root: Path) -> Path | None:
    """The work tree's top; None when no repository is in sight; GitUnclear otherwise."""
    result = _git(root, "rev-parse", "--show-toplevel")
    if result is not None and result.returncode == 0:
        return Path(result.stdout.strip()).resolve()
    marker = _repository_marker(root)
    if marker is None:
        return None
    if result is None:
        raise GitUnclear(f"{marker} is there but git is not installed or did not run")
    raise GitUnclear(_why(result))


def _non_regular_git_file(root: Path, top: Path, paths: list[str]) -> str | None:
    """An ignore or attributes file git reads for `paths` that is a FIFO, socket or device
    (git opens it and blocks), or None."""
    result = _git(root, "rev-parse", "--git-path", "info/exclude", "--git-path", "info/attributes")
    config = _git(
        root, "config", "--path", "--get-regexp", r"^core\.(excludesfile|attributesfile)$"
    )
    xdg = Path(os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")) / "git"
    files = [xdg / "ignore", xdg / "attributes"]
    if result is not None and result.returncode == 0:
        files += [root / line for line in result.stdout.splitlines()]
    if config is not None and config.returncode == 0:
        files += [Path(line.split(" ", 1)[-1]) for line in config.stdout.splitlines()]
    for rel in paths:
        directory = (root / rel).parent
        while directory == top or top in directory.parents:
            files += [directory / ".gitignore", directory / ".gitattributes"]
            directory = directory.parent
    for file in dict.fromkeys(files):
        try:
            mode = os.stat(file).st_mode
        except OSError:
            continue
        if not stat.S_ISREG(mode):
            return str(file)
    return None


def _repository_marker(root: Path) -> str | None:
    """What says a repository may be here even though git did not find one: GIT_DIR, or a
    `.git` in PATH or a parent directory."""
    if os.environ.get("GIT_DIR"):
        return "GIT_DIR"
    for directory in (root, *root.parents):
        if os.path.lexists(directory / ".git"):
            return str(directory / ".git")
    return None


def _run(root: Path, *args: str) -> str:
    result = _git(root, *args)
    if result is None:
        raise GitUnclear(f"`git {args[0]}` did not run")
    if result.returncode != 0:
        raise GitUnclear(_why(result))
    return result.stdout


def _why(result: subprocess.CompletedProcess[str]) -> str:
    lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
    first = lines[0].removeprefix("fatal: ") if lines else ""
    return f"`{' '.join(result.args[3:5])}` failed: {first or f'exit {result.returncode}'}"


def is_ignored(root: Path, path: str) -> bool | None:
    """git's own verdict (global excludes included); None when PATH is not in a work tree."""
    top = work_tree(root)
    if top is None or _non_regular_git_file(root, top, [path]):
        return None
    result = _git(root, "check-ignore", "-q", "--no-index", "--", path)
    if result is None or result.returncode not in (0, 1):
        return None
    return result.returncode == 0
