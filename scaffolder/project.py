"""Read-only view of a project tree: which files belong to it, and their text.

Discovery respects `.gitignore` files (root and nested) and `.git/info/exclude`, skips
virtualenvs, dependency and build output trees, and never follows a symlink out of the project.
Files that cannot be read as UTF-8 text become notes, never crashes. Only regular files are ever
opened: a FIFO, socket or device (even one named `.gitignore`) becomes a note, never a hang.
"""

from __future__ import annotations

import codecs
import errno
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

from scaffolder.errors import BadInput
from scaffolder.gitignore import IgnoreRules
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
# The writer's temp files (`.<name>.<8 random characters>.bcb-tmp`): never project files.
TEMP_FILE = re.compile(r"\..+\.[A-Za-z0-9_]{8}\.bcb-tmp")
_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISDIR, "a directory"),
)


class NotRegularFile(OSError):
    """The path is a FIFO, socket, device or directory: it is never opened."""


class FileTooLarge(OSError):
    """The file is larger than the reader accepts."""


class Skippable(BadInput):
    """A file the analysis can leave out (too large, not a regular file): a non-blocking note."""


def read_regular(path: Path | str, max_bytes: int | None = None) -> bytes:
    """The bytes of a regular file. Anything else raises NotRegularFile before it is opened
    (a FIFO would block `open`); the non-blocking open and the `fstat` of the open file close
    the race with a file swapped for a FIFO in between."""
    _require_regular(os.stat(path), path)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    try:
        st = os.fstat(fd)
        _require_regular(st, path)
        if max_bytes is not None and st.st_size > max_bytes:
            raise FileTooLarge(errno.EFBIG, f"too large ({st.st_size} bytes)", str(path))
        # os.read, not a file object: a project's thousands of files are read in a loop
        data = os.read(fd, st.st_size + 1)  # a byte more than fstat says: did it grow?
        if len(data) <= st.st_size:
            return data  # a short read of a regular file is its end
        chunks = [data]
        while chunk := os.read(fd, 1 << 16):  # it grew since: read on to its end
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _require_regular(st: os.stat_result, path: Path | str) -> None:
    if not stat.S_ISREG(st.st_mode):
        kind = next((name for test, name in _KINDS if test(st.st_mode)), "not a file")
        raise NotRegularFile(errno.EINVAL, f"not a regular file ({kind})", str(path))


@dataclass(frozen=True)
class SourceFile:
    """A file's text exactly as stored (newlines untranslated), minus a UTF-8 BOM.

    `encoding` is `utf-8` for every file bcb-scaffold may edit; a UTF-16 / UTF-32 file (known by
    its BOM) is read for the analysis only."""

    path: str
    text: str
    bom: bool = False
    encoding: str = "utf-8"

    @property
    def newline(self) -> str:
        return "\r\n" if "\r\n" in self.text else "\n"


# Longest first: the UTF-32 LE BOM begins with the UTF-16 LE one.
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode(raw: bytes, rel: str) -> SourceFile:
    """Decode file bytes as UTF-8 (BOM allowed), or as UTF-16 / UTF-32 when a BOM says so, or
    raise BadInput naming the file."""
    for bom, encoding in _WIDE_BOMS:
        if raw.startswith(bom):
            try:
                text = raw[len(bom) :].decode(encoding)
            except UnicodeDecodeError as exc:
                raise BadInput(
                    f"{rel}: not valid {encoding.upper()} (byte {exc.start + len(bom)})", file=rel
                ) from None
            return SourceFile(rel, text, bom=True, encoding=encoding)
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
        self._root = str(self.root)  # reads join strings: a Path per file costs milliseconds
        self.notes: list[Note] = []
        self._texts: dict[str, SourceFile | None] = {}
        self._noted: set[str] = set()
        self._shared: dict[str, Any] = {}
        self._by_suffix: dict[tuple[str, ...], list[str]] = {}
        self._ignore_files: dict[str, IgnoreRules] = {}

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
        if self._outer_ignored:
            return
        root = self._root
        specs: list[tuple[str, _Rules]] = [("", rules) for rules in self._outer_rules]
        if os.path.lexists(self.root / ".git" / "info" / "exclude"):
            specs.append(("", self._spec(".git/info/exclude")))
        seen_dirs = {os.path.realpath(root)}
        stack: list[tuple[str, list[tuple[str, _Rules]]]] = [("", specs)]
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
                gi = f"{rel_dir}/.gitignore" if rel_dir else ".gitignore"
                active = [*inherited, (rel_dir, self._spec(gi))]
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
                elif (
                    is_file
                    and not (entry.name.endswith(".bcb-tmp") and TEMP_FILE.fullmatch(entry.name))
                    and not _ignored(active, rel, is_dir=False)
                ):
                    yield rel
            stack.extend((d, active) for d in reversed(subdirs))

    def exists(self, rel: str) -> bool:
        return rel in self._file_set

    def with_suffix(self, *suffixes: str) -> list[str]:
        """The files with one of the suffixes (each listing computed once: every stack asks)."""
        if suffixes not in self._by_suffix:
            self._by_suffix[suffixes] = [f for f in self.files if f.endswith(suffixes)]
        return list(self._by_suffix[suffixes])

    def named(self, *names: str) -> list[str]:
        return [f for f in self.files if f.rsplit("/", 1)[-1] in names]

    def under(self, directory: str, files: Iterable[str] | None = None) -> list[str]:
        prefix = directory.rstrip("/") + "/" if directory not in ("", ".") else ""
        return [f for f in (self.files if files is None else files) if f.startswith(prefix)]

    def abspath(self, rel: str) -> Path:
        return self.root / rel

    def is_ignored(self, rel: str) -> bool:
        """Whether a (possibly non-existent) path is git-ignored by the project's rules."""
        if self._outer_ignored:
            return True
        parts = rel.split("/")
        specs: list[tuple[str, _Rules]] = [("", rules) for rules in self._outer_rules]
        if os.path.lexists(self.root / ".git" / "info" / "exclude"):
            specs.append(("", self._spec(".git/info/exclude")))
        for depth in range(len(parts)):
            base = "/".join(parts[:depth])
            gi = f"{base}/.gitignore" if base else ".gitignore"
            if os.path.lexists(self.root / gi):
                specs.append((base, self._spec(gi)))
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
        try:
            raw = read_regular(os.path.join(self._root, rel), MAX_TEXT_BYTES)
        except FileTooLarge as exc:
            raise Skippable(f"{rel}: {exc.strerror}", file=rel) from None
        except NotRegularFile as exc:
            raise Skippable(f"{rel}: {exc.strerror}", file=rel) from None
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
            self.note(reason + "; skipped", rel, blocking=not isinstance(exc, Skippable))
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

    def _spec(self, rel: str) -> IgnoreRules:
        """An ignore file's rules, read once per run; one that cannot be read (or is a FIFO)
        counts as empty."""
        if rel in self._ignore_files:
            return self._ignore_files[rel]
        try:
            raw = read_regular(self.root / rel, MAX_TEXT_BYTES)
        except NotRegularFile as exc:
            self.note(f"{exc.strerror}; its ignore rules are not applied", rel)
            raw = b""
        except OSError:
            raw = b""
        rules = self._ignore_files[rel] = IgnoreRules(raw.decode("utf-8", "replace"))
        return rules

    @cached_property
    def _outer_rules(self) -> list[_Prefixed]:
        """The ignore rules of the git repository the project sits inside, when the project is
        a folder of it: that repository's `.git/info/exclude` and every `.gitignore` from its
        top down to the project's parent, each matching paths from its own folder (git applies
        them to the project's files too)."""
        if os.path.lexists(self.root / ".git"):
            return []
        top = next((d for d in self.root.parents if os.path.lexists(d / ".git")), None)
        if top is None:
            return []
        inside = self.root.relative_to(top).parts
        folders = [top.joinpath(*inside[:depth]) for depth in range(len(inside))]
        files = [top / ".git" / "info" / "exclude"] + [d / ".gitignore" for d in folders]
        rules: list[_Prefixed] = []
        for path in files:
            if not os.path.lexists(path):
                continue
            rel = os.path.relpath(path, self.root)
            prefix = self.root.relative_to(
                top if path.name == "exclude" else path.parent
            ).as_posix()
            rules.append(_Prefixed(self._spec(rel), prefix))
        return rules

    @cached_property
    def _outer_ignored(self) -> bool:
        """Whether those rules ignore the project's folder itself or a folder between it and
        the repository's top: git lists none of the project's files then."""
        rules = self._outer_rules
        depth = max((len(r.folders) for r in rules), default=0)
        for above in reversed(range(depth)):  # top-down: the folder `above` levels over the root
            ignored = False
            for r in rules:  # each file that sits above that folder, in git's precedence
                if above >= len(r.folders):
                    continue
                verdict = r.rules.verdict(r.folders[-1 - above], is_dir=True)
                ignored = ignored if verdict is None else verdict
            if ignored:
                return True
        return False


class _Prefixed:
    """The rules of an ignore file above the project root: its patterns see paths from its own
    folder, so the project's paths are read with the project's place prepended."""

    def __init__(self, rules: IgnoreRules, prefix: str) -> None:
        self.rules = rules
        self.prefix = prefix + "/"
        parts = prefix.split("/")
        # the folders from the file's down to the project root, as the file's patterns see them
        self.folders = ["/".join(parts[: n + 1]) for n in range(len(parts))]

    def verdict(self, path: str, *, is_dir: bool) -> bool | None:
        return self.rules.verdict(self.prefix + path, is_dir=is_dir)


_Rules = IgnoreRules | _Prefixed


def _ignored(specs: list[tuple[str, _Rules]], rel: str, *, is_dir: bool) -> bool:
    """git's verdict on `rel` from the ignore files that apply to it (`base`: the folder of
    each, in increasing precedence); the caller has checked the folders above `rel`."""
    ignored = False
    for base, rules in specs:
        if base:
            if not rel.startswith(base + "/"):
                continue
            sub = rel[len(base) + 1 :]
        else:
            sub = rel
        verdict = rules.verdict(sub, is_dir=is_dir)
        if verdict is not None:
            ignored = verdict
    return ignored


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)
