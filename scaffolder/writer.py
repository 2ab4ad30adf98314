"""The one writer: applies a plan atomically per file and all-or-nothing per run.

Before writing anything it checks that every file is still what was planned against, is a
writable regular file that resolves inside the project (a symlink inside it is followed to its
target, and stays a link), and, unless allowed, that git says it holds no uncommitted work.
Each file is checked once more just before its own rename. A failure, a file changed meanwhile,
or SIGINT / SIGTERM part-way (deferred while writing) restores every file already written and
removes every temp file and directory it created. Temp files a killed run left behind in the
directories it writes to are removed first.
"""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

from scaffolder import gitutil
from scaffolder.errors import BadInput, Interrupted, Refused, WriteFailed
from scaffolder.plan import FileEdit, Plan
from scaffolder.project import BOM, TEMP_FILE, decode, read_regular

SIGNALS = (signal.SIGINT, signal.SIGTERM)
# The signal records of writes under way in worker threads (see `deliver`).
_WORKER_WRITES: list[list[int]] = []
_WORKERS_LOCK = threading.Lock()


def deliver(signum: int) -> bool:
    """Hand a signal that reached the main thread to the writes under way in worker threads (they
    roll back and raise Interrupted); False when none is under way. For a server whose tool calls
    write off the main thread (`bcb-scaffold mcp`)."""
    with _WORKERS_LOCK:
        for caught in _WORKER_WRITES:
            caught.append(signum)
        return bool(_WORKER_WRITES)


@dataclass(frozen=True)
class _Target:
    edit: FileEdit
    path: Path  # resolved: where the bytes go (a symlink's target)
    original: bytes | None  # None: the file is created


class _Changed(Exception):
    """A file was changed (or appeared) between the preflight and its own rename."""


class _Signalled(Exception):
    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.name = signal.Signals(signum).name


def write_plan(root: Path, plan: Plan, *, allow_dirty: bool = False) -> list[str]:
    """Write every edit of `plan` under `root`; returns the changed paths."""
    targets = _preflight(Path(os.path.realpath(root)), plan, allow_dirty=allow_dirty)
    _remove_stale_temp_files({t.path.parent for t in targets})
    changed = [e.path for e in plan.edits]
    try:
        with _DeferredSignals() as caught:
            _write_all(targets, caught)
    except _Signalled as exc:  # only from the exit of a completed write
        raise Interrupted(
            f"interrupted by {exc.name} after writing; the changes are in place: "
            + ", ".join(changed)
        ) from None
    return changed


def _write_all(targets: list[_Target], caught: list[int]) -> None:
    written: list[_Target] = []
    created_dirs: list[Path] = []
    current = ""

    def checkpoint() -> None:
        if caught:
            raise _Signalled(caught[0])

    try:
        for target in targets:
            current = target.edit.path
            checkpoint()
            _make_parents(target.path.parent, created_dirs)
            data = ((BOM if target.edit.bom else "") + target.edit.after).encode("utf-8")

            def before_rename(target: _Target = target) -> None:
                checkpoint()
                _recheck(target)

            _atomic_write(target.path, data, before_rename)
            written.append(target)
            checkpoint()
    except BaseException as exc:
        _rollback(written, created_dirs)
        restored = (
            f"the {len(written)} file(s) already written were restored"
            if written
            else "nothing was written"
        )
        if isinstance(exc, _Signalled):
            raise Interrupted(
                f"interrupted by {exc.name} while writing {current}; {restored}"
            ) from None
        if isinstance(exc, _Changed):
            message = f"{current}: {exc} while writing; {restored}; run apply again"
            raise Refused(message, file=current) from None
        if isinstance(exc, OSError):
            reason = exc.strerror or str(exc)
            message = f"{current}: write failed ({reason}); {restored}"
            raise WriteFailed(message, file=current) from None
        raise


class _DeferredSignals:
    """SIGINT and SIGTERM are only recorded while writing (the writer checks between steps and
    rolls back); the previous handlers come back afterwards. Outside the main thread (the MCP
    server's worker) Python cannot install handlers and signals never reach that thread: the
    write registers itself instead, and the main thread's handler hands signals to it
    (`deliver`)."""

    def __init__(self) -> None:
        self.caught: list[int] = []
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> list[int]:
        if threading.current_thread() is threading.main_thread():
            for signum in SIGNALS:
                self._previous[signum] = signal.signal(signum, self._record)
        else:
            with _WORKERS_LOCK:
                _WORKER_WRITES.append(self.caught)
        return self.caught

    def _record(self, signum: int, _frame: FrameType | None) -> None:
        self.caught.append(signum)

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _exc: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)
        with _WORKERS_LOCK:
            if any(caught is self.caught for caught in _WORKER_WRITES):
                _WORKER_WRITES[:] = [c for c in _WORKER_WRITES if c is not self.caught]
        if self.caught and _type is None:
            # Recorded after the writer's last check, once every file was written: the write
            # stays complete, and the run ends as a signal a moment later would end it.
            raise _Signalled(self.caught[0])


def _preflight(root: Path, plan: Plan, *, allow_dirty: bool) -> list[_Target]:
    targets: list[_Target] = []
    seen: dict[Path, str] = {}
    for edit in plan.edits:
        path = Path(os.path.realpath(root / edit.path))
        if path != root and root not in path.parents:
            raise Refused(
                f"{edit.path}: resolves to {path}, outside the project; nothing written",
                file=edit.path,
            )
        if path in seen:
            raise Refused(
                f"{edit.path} and {seen[path]} are the same file; nothing written", file=edit.path
            )
        seen[path] = edit.path
        targets.append(_Target(edit, path, _original(edit, path)))
    if not allow_dirty:
        modified = [t for t in targets if t.original is not None]
        rel = {str(t.path.relative_to(root)): t.edit.path for t in modified}
        try:
            found = gitutil.dirty(root, list(rel))
        except gitutil.GitUnclear as exc:
            raise Refused(
                f"git cannot tell whether the files to edit hold uncommitted work ({exc}): "
                "fix that, or pass --allow-dirty to write anyway; nothing written"
            ) from None
        if found:
            raise Refused(
                f"uncommitted changes in {', '.join(rel[p] for p in found)}: commit or stash "
                "them first, or pass --allow-dirty; nothing written"
            )
    return targets


def _original(edit: FileEdit, path: Path) -> bytes | None:
    """The bytes planned against (None for a file to create), checked against the plan."""
    if edit.before is None:
        if os.path.lexists(path):
            raise Refused(f"{edit.path}: appeared since planning; nothing written", file=edit.path)
        return None
    try:
        raw = read_regular(path)
    except OSError as exc:
        raise BadInput(
            f"{edit.path}: cannot read ({exc.strerror}); nothing written", file=edit.path
        ) from None
    if decode(raw, edit.path).text != edit.before:
        raise Refused(
            f"{edit.path}: changed since planning; nothing written, run apply again",
            file=edit.path,
        )
    if not os.access(path, os.W_OK) or not path.stat().st_mode & 0o200:
        raise BadInput(f"{edit.path}: file is read-only; nothing written", file=edit.path)
    return raw


def _recheck(target: _Target) -> None:
    """The file is still the one planned against: an editor may have saved it meanwhile."""
    if target.original is None:
        if os.path.lexists(target.path):
            raise _Changed("appeared")
        return
    try:
        now = read_regular(target.path)
    except OSError:
        raise _Changed("was replaced or removed") from None
    if now != target.original:
        raise _Changed("changed")


def _remove_stale_temp_files(directories: set[Path]) -> None:
    """Temp files of a run that was killed (SIGKILL, power loss) before it could clean up."""
    for directory in directories:
        with contextlib.suppress(OSError), os.scandir(directory) as entries:
            for entry in entries:
                if TEMP_FILE.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)


def _make_parents(directory: Path, created: list[Path]) -> None:
    missing: list[Path] = []
    while not directory.exists():
        missing.append(directory)
        directory = directory.parent
    for d in reversed(missing):
        d.mkdir()
        created.append(d)


def _atomic_write(path: Path, data: bytes, before_rename: Callable[[], None] | None = None) -> None:
    mode = path.stat().st_mode & 0o7777 if path.exists() else _default_mode()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".bcb-tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        if before_rename is not None:
            before_rename()
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _rollback(written: list[_Target], created_dirs: list[Path]) -> None:
    for target in reversed(written):
        with contextlib.suppress(OSError):
            if target.original is None:
                target.path.unlink()
            else:
                _atomic_write(target.path, target.original)
    for directory in reversed(created_dirs):
        with contextlib.suppress(OSError):
            directory.rmdir()
