"""Read-only view of a project tree: which files belong to it, and their text.

Discovery respects `.gitignore` files (root and nested) and `.git/info/exclude`, skips
virtualenvs, dependency and build output trees, and never follows a symlink out of the project.
Files that cannot be read as UTF-8 text become notes, never crashes.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

import pathspec

from scaffolder.errors import BadInput
from scaffolder.model import Note

# Directory names that are never the user's source: dependencies, caches, build output.
SKIP_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", ".bzr",
        "node_modules", "bower_components", "jspm_packages", "vendor",
        "__pycache__", ".venv", "venv", ".tox", ".nox", ".eggs", "site-packages",
        ".mypy_cache", ".pytest_cache", ".ruff_cache", ".hypothesis", "htmlcov", "coverage",
        "dist", "build", ".next", ".nuxt", ".svelte-kit", ".turbo", ".vercel", ".output",
        ".parcel-cache", ".cache", ".angular", ".expo", ".serverless", ".terraform",
        ".idea", ".vscode",
    }
)  # fmt: skip
MAX_TEXT_BYTES = 2 * 1024 * 1024
T = TypeVar("T")
BOM = "\ufeff"


@dataclass(frozen=True)
class SourceFile:
    """A file's text exactly as stored (newlines untranslated), minus a UTF-8 BOM."""

    path: str
    text: str
    bom: bool = False

    @property
    def newline(self) -> str:
        return "\r\n" if "\r\n" in self.text else "\n"


def decode(raw: bytes, rel: str) -> SourceFile:
    """Decode file bytes as UTF-8 (BOM allowed) or raise BadInput naming the file."""
    if b"\0" in raw[:8192]:
        raise BadInput(f"{rel}: binary file", file=rel)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadInput(f"{rel}: not valid UTF-8 (byte {exc.start})", file=rel) from None
    if text.startswith(BOM):
        return SourceFile(rel, text[1:], bom=True)
    return SourceFile(rel, text)


class Project:
    """The files of the project rooted at `root`, discovered lazily and read once."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.notes: list[Note] = []
        self._texts: dict[str, SourceFile | None] = {}
        self._noted: set[str] = set()
        self._shared: dict[str, Any] = {}

    def shared(self, key: str, build: Callable[[], T]) -> T:
        """A per-run cache for indexes several stacks build (parsed modules, syntax trees)."""
        if key not in self._shared:
            self._shared[key] = build()
        return self._shared[key]  # type: ignore[no-any-return]

    # -- discovery ---------------------------------------------------------------------------

    @cached_property
    def files(self) -> tuple[str, ...]:
        """Every project file, as a POSIX path relative to the root, in walk order."""
        return tuple(self._walk())

    @cached_property
    def _file_set(self) -> frozenset[str]:
        return frozenset(self.files)

    def _walk(self) -> Iterator[str]:
        root = str(self.root)
        specs: list[tuple[str, pathspec.GitIgnoreSpec]] = []
        exclude = self.root / ".git" / "info" / "exclude"
        if exclude.is_file():
            specs.append(("", _spec(exclude)))
        seen_dirs = {os.path.realpath(root)}
        stack: list[tuple[str, list[tuple[str, pathspec.GitIgnoreSpec]]]] = [("", specs)]
        while stack:
            rel_dir, inherited = stack.pop()
            abs_dir = os.path.join(root, rel_dir) if rel_dir else root
            try:
                entries = sorted(os.scandir(abs_dir), key=lambda e: e.name)
            except OSError as exc:
                self.note(f"directory skipped: {exc.strerror}", rel_dir or ".")
                continue
            active = inherited
            if any(e.name == ".gitignore" for e in entries):
                gi = os.path.join(abs_dir, ".gitignore")
                active = [*inherited, (rel_dir, _spec(Path(gi)))]
            subdirs: list[str] = []
            for entry in entries:
                rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
                try:
                    is_link = entry.is_symlink()
                    is_dir = entry.is_dir()  # follows links
                    is_file = entry.is_file()
                except OSError:
                    continue
                if is_link:
                    target = os.path.realpath(entry.path)
                    if not _inside(target, root):
                        continue
                    if is_dir and target in seen_dirs:
                        continue
                if is_dir:
                    if entry.name in SKIP_DIRS or entry.name.endswith(".egg-info"):
                        continue
                    if _ignored(active, rel, is_dir=True):
                        continue
                    if os.path.exists(os.path.join(entry.path, "pyvenv.cfg")):
                        continue  # a virtualenv under any name
                    seen_dirs.add(os.path.realpath(entry.path))
                    subdirs.append(rel)
                elif is_file and not _ignored(active, rel, is_dir=False):
                    yield rel
            stack.extend((d, active) for d in reversed(subdirs))

    def exists(self, rel: str) -> bool:
        return rel in self._file_set

    def with_suffix(self, *suffixes: str) -> list[str]:
        return [f for f in self.files if f.endswith(suffixes)]

    def named(self, *names: str) -> list[str]:
        return [f for f in self.files if f.rsplit("/", 1)[-1] in names]

    def under(self, directory: str, files: Iterable[str] | None = None) -> list[str]:
        prefix = directory.rstrip("/") + "/" if directory not in ("", ".") else ""
        return [f for f in (self.files if files is None else files) if f.startswith(prefix)]

    def abspath(self, rel: str) -> Path:
        return self.root / rel

    def is_ignored(self, rel: str) -> bool:
        """Whether a (possibly non-existent) path is git-ignored by the project's rules."""
        parts = rel.split("/")
        specs: list[tuple[str, pathspec.GitIgnoreSpec]] = []
        exclude = self.root / ".git" / "info" / "exclude"
        if exclude.is_file():
            specs.append(("", _spec(exclude)))
        for depth in range(len(parts)):
            base = "/".join(parts[:depth])
            gi = self.root / base / ".gitignore"
            if gi.is_file():
                specs.append((base, _spec(gi)))
            prefix = "/".join(parts[: depth + 1])
            if depth < len(parts) - 1 and _ignored(specs, prefix, is_dir=True):
                return True
        return _ignored(specs, rel, is_dir=False)

    # -- reading -----------------------------------------------------------------------------

    def read(self, rel: str) -> SourceFile:
        """The file's text, or BadInput (unreadable, binary, huge, not UTF-8)."""
        cached = self._texts.get(rel)
        if cached is not None:
            return cached
        path = self.root / rel
        try:
            st = path.stat()
            if st.st_size > MAX_TEXT_BYTES:
                raise BadInput(f"{rel}: too large to edit ({st.st_size} bytes)", file=rel)
            raw = path.read_bytes()
        except OSError as exc:
            raise BadInput(f"{rel}: cannot read ({exc.strerror})", file=rel) from None
        source = decode(raw, rel)
        self._texts[rel] = source
        return source

    def text(self, rel: str) -> str | None:
        """The file's text, or None with a note in the report when it cannot be read as text."""
        try:
            return self.read(rel).text
        except BadInput as exc:
            reason = exc.message.split(": ", 1)[-1]
            self.note(reason + "; skipped", rel, blocking=not reason.startswith("too large"))
            return None

    def note(
        self,
        message: str,
        file: str | None = None,
        line: int | None = None,
        *,
        blocking: bool = False,
    ) -> None:
        key = f"{file}:{line}:{message}"
        if key not in self._noted:
            self._noted.add(key)
            self.notes.append(Note(message, file, line, blocking))

    def is_read_only(self, rel: str) -> bool:
        path = self.root / rel
        try:
            mode = path.stat().st_mode
        except OSError:
            return False
        return not os.access(path, os.W_OK) or not mode & stat.S_IWUSR


def _spec(path: Path) -> pathspec.GitIgnoreSpec:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        lines = []
    return pathspec.GitIgnoreSpec.from_lines(lines)


def _ignored(specs: list[tuple[str, pathspec.GitIgnoreSpec]], rel: str, *, is_dir: bool) -> bool:
    ignored = False
    for base, spec in specs:
        if base:
            if not rel.startswith(base + "/"):
                continue
            sub = rel[len(base) + 1 :]
        else:
            sub = rel
        result = spec.check_file(sub + "/" if is_dir else sub)
        if result.include is not None:
            ignored = result.include
    return ignored


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)
