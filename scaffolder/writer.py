"""The one writer: applies a plan atomically per file and all-or-nothing per run.

Before writing anything it checks that every file is still what was planned against, is
writable, and (unless allowed) holds no uncommitted git work. A failure part-way restores every
file already written and removes every file and directory it created.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from scaffolder import gitutil
from scaffolder.errors import BadInput, Refused, WriteFailed
from scaffolder.plan import Plan
from scaffolder.project import BOM, decode


def write_plan(root: Path, plan: Plan, *, allow_dirty: bool = False) -> list[str]:
    """Write every edit of `plan` under `root`; returns the changed paths."""
    _preflight(root, plan, allow_dirty=allow_dirty)
    written: list[tuple[Path, bytes | None]] = []
    created_dirs: list[Path] = []
    current = ""
    try:
        for edit in plan.edits:
            current = edit.path
            path = root / edit.path
            original = path.read_bytes() if edit.before is not None else None
            _make_parents(path.parent, created_dirs)
            data = ((BOM if edit.bom else "") + edit.after).encode("utf-8")
            _atomic_write(path, data)
            written.append((path, original))
    except OSError as exc:
        _rollback(written, created_dirs)
        reason = exc.strerror or str(exc)
        raise WriteFailed(
            f"{current}: write failed ({reason}); every file written so far was restored"
        ) from None
    return [e.path for e in plan.edits]


def _preflight(root: Path, plan: Plan, *, allow_dirty: bool) -> None:
    for edit in plan.edits:
        path = root / edit.path
        if edit.before is None:
            if path.exists():
                raise Refused(f"{edit.path}: appeared since planning; nothing written")
            continue
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise BadInput(f"{edit.path}: cannot read ({exc.strerror}); nothing written") from None
        if decode(raw, edit.path).text != edit.before:
            raise Refused(f"{edit.path}: changed since planning; nothing written, run apply again")
        if not os.access(path, os.W_OK) or not path.stat().st_mode & 0o200:
            raise BadInput(f"{edit.path}: file is read-only; nothing written")
    if not allow_dirty:
        dirty = gitutil.dirty(root, [e.path for e in plan.edits if e.before is not None])
        if dirty:
            raise Refused(
                f"uncommitted changes in {', '.join(dirty)}: commit or stash them first, "
                "or pass --allow-dirty; nothing written"
            )


def _make_parents(directory: Path, created: list[Path]) -> None:
    missing: list[Path] = []
    while not directory.exists():
        missing.append(directory)
        directory = directory.parent
    for d in reversed(missing):
        d.mkdir()
        created.append(d)


def _atomic_write(path: Path, data: bytes) -> None:
    mode = path.stat().st_mode & 0o7777 if path.exists() else _default_mode()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".bcb-tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _rollback(written: list[tuple[Path, bytes | None]], created_dirs: list[Path]) -> None:
    for path, original in reversed(written):
        with contextlib.suppress(OSError):
            if original is None:
                path.unlink()
            else:
                _atomic_write(path, original)
    for directory in reversed(created_dirs):
        with contextlib.suppress(OSError):
            directory.rmdir()
