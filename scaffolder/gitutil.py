"""The little of git that apply needs: which files hold uncommitted work, what is ignored."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str] | None:
    if shutil.which("git") is None:
        return None
    try:
        return subprocess.run(
            ["git", "-C", str(root), *args],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
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
    """Those of `paths` (relative to root) with uncommitted changes, staged or not, or untracked."""
    if not paths or work_tree(root) is None:
        return []
    result = _git(root, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", *paths)
    if result is None or result.returncode != 0:
        return []
    top = work_tree(root)
    assert top is not None
    found = []
    for entry in result.stdout.split("\0"):
        if len(entry) > 3:
            found.append((top / entry[3:]).resolve())
    wanted = {(root / p).resolve(): p for p in paths}
    return sorted(wanted[p] for p in found if p in wanted)


def is_ignored(root: Path, path: str) -> bool | None:
    """git's own verdict (global excludes included); None when PATH is not in a work tree."""
    if work_tree(root) is None:
        return None
    result = _git(root, "check-ignore", "-q", "--no-index", "--", path)
    if result is None or result.returncode not in (0, 1):
        return None
    return result.returncode == 0
