"""The versions a Python project runs on, read from its lock, requirement and runtime files, for
the generated code and pins that depend on them (FastAPI's `Annotated` parameters, PyJWT 1.x's
bytes, the Python a PyJWT release supports...).

Package versions: exact ones first (poetry.lock, uv.lock, pdm.lock, Pipfile.lock, `==` pins),
then the lower bound of a declared range (pyproject.toml, Pipfile, requirements files); unknown
when the project says nothing, which means a current release. The Python version: what the
runtime files name (`.python-version`, `runtime.txt`, `.tool-versions`, a Dockerfile's
`FROM python:X.Y`, Pipfile's `python_version`), else the lower bound of `requires-python` or
Poetry's `python`; else the oldest Python the project's exact pins allow
(`scaffolder.python.supported`: an app pinning Django==2.2.14 runs on 3.5 to 3.8, so its code
and pins must too), raised to the oldest the generated code runs on; unknown means a current
Python.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass

from scaffolder.project import Project
from scaffolder.python.supported import PACKAGES, Pin, PythonRange, dotted, python_range
from scaffolder.python.supported import Version as Version

_LOCKS = ("poetry.lock", "uv.lock", "pdm.lock")
_REQUIREMENT = re.compile(
    r"^[ \t]*([A-Za-z0-9][A-Za-z0-9._-]*)[ \t]*(?:\[[^\]\n]*\])?[ \t]*(?P<spec>[^;#\n]*)",
    re.MULTILINE,
)
_BOUND = re.compile(r"(===|==|~=|>=|\^|~|>)?\s*v?(\d+(?:\.\d+)*)")
_PYTHON_EXACT = {
    ".python-version": re.compile(r"^\s*(?:python-?)?(\d+)\.(\d+)", re.M),
    "runtime.txt": re.compile(r"^\s*python-(\d+)\.(\d+)", re.M),
    ".tool-versions": re.compile(r"^\s*python\s+(\d+)\.(\d+)", re.M),
    "Dockerfile": re.compile(r"^\s*FROM\s+(?:\S+/)?python:(\d+)\.(\d+)", re.M | re.I),
}
# The lower bound of `>=3.8,<4`, `^3.8`, `~=3.8`, `3.8.*` (an upper bound alone says nothing).
_PYTHON_RANGE = re.compile(r"(?:>=|\^|~=|~|===?)?\s*(\d+)\.(\d+)")


def read_text(project: Project, path: str) -> str | None:
    """The text of a project file that may not exist (None then, and no note)."""
    return project.text(path) if project.exists(path) else None


def canonical(name: str) -> str:
    """A distribution name as PEP 503 compares them (`Flask_Login` -> `flask-login`)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def installed(project: Project, directory: str, package: str) -> Version | None:
    """The version of `package` the project at `directory` (or a directory above it: a
    monorepo's lock) installs: locked or pinned, else the lowest its ranges allow."""
    want = canonical(package)
    lowest: Version | None = None
    for where in _directories(directory):
        for found in _declared(project, where, frozenset({want})):
            if found.exact:
                return found.version
            lowest = found.version if lowest is None else min(lowest, found.version)
    return lowest


@dataclass(frozen=True)
class _Declared:
    name: str  # canonical
    exact: bool
    version: Version
    path: str  # the file that says it


def _directories(directory: str) -> Iterator[str]:
    while True:
        yield directory
        if directory in ("", "."):
            return
        directory = posixpath.dirname(directory) or "."


def _join(directory: str, name: str) -> str:
    return name if directory in ("", ".") else f"{directory}/{name}"


def _declared(project: Project, directory: str, wants: frozenset[str]) -> Iterator[_Declared]:
    """Each place the directory's files give one of `wants` (canonical names) a version, locks
    first."""
    for name in (*_LOCKS, "Pipfile.lock"):
        path = _join(directory, name)
        text = read_text(project, path)
        if text:
            pipfile = name == "Pipfile.lock"
            locked = _pipfile_lock(text, wants) if pipfile else _toml_lock(text, wants)
            yield from (_Declared(n, True, v, path) for n, v in locked)
    for path in requirement_files(project, directory):
        for match in _REQUIREMENT.finditer(read_text(project, path) or ""):
            name = canonical(match.group(1))
            if name in wants:
                yield from (_Declared(name, e, v, path) for e, v in _spec(match.group("spec")))
    for base in ("pyproject.toml", "Pipfile"):
        path = _join(directory, base)
        text = read_text(project, path)
        if text:
            yield from (_Declared(n, e, v, path) for n, e, v in _manifest(text, wants))


def _toml_lock(text: str, wants: frozenset[str]) -> list[tuple[str, Version]]:
    import tomlkit

    try:
        doc = tomlkit.parse(text).unwrap()
    except Exception:
        return []
    return [
        (name, v)
        for pkg in doc.get("package", [])
        if isinstance(pkg, dict) and (name := canonical(str(pkg.get("name", "")))) in wants
        for v in [_version(str(pkg.get("version", "")))]
        if v is not None
    ]


def _pipfile_lock(text: str, wants: frozenset[str]) -> list[tuple[str, Version]]:
    try:
        doc = json.loads(text)
    except ValueError:
        return []
    found = []
    for section in ("default", "develop"):
        for name, entry in (doc.get(section) or {}).items():
            if canonical(name) in wants and isinstance(entry, dict):
                version = _version(str(entry.get("version", "")).lstrip("="))
                if version is not None:
                    found.append((canonical(name), version))
    return found


def _manifest(text: str, wants: frozenset[str]) -> Iterator[tuple[str, bool, Version]]:
    """pyproject.toml (`[project]` dependencies, Poetry) and Pipfile ranges."""
    import tomlkit

    try:
        doc = tomlkit.parse(text).unwrap()
    except Exception:
        return
    for item in doc.get("project", {}).get("dependencies", []) or []:
        match = _REQUIREMENT.match(str(item))
        if match and (name := canonical(match.group(1))) in wants:
            yield from ((name, e, v) for e, v in _spec(match.group("spec")))
    tables = [
        doc.get("tool", {}).get("poetry", {}).get("dependencies", {}),
        doc.get("packages", {}),
    ]
    for table in tables:
        for key, entry in (table or {}).items():
            name = canonical(str(key))
            if name not in wants:
                continue
            spec = entry.get("version", "") if isinstance(entry, dict) else entry
            yield from ((name, e, v) for e, v in _spec(str(spec)))


def _spec(spec: str) -> Iterator[tuple[bool, Version]]:
    """(exact, version) for `==0.79.1`, or the lower bound of `>=0.110,<1` / `^0.79` / `~=0.9`;
    nothing for `*` or an upper bound alone."""
    for part in spec.split(","):
        match = _BOUND.fullmatch(part.strip())
        if match is None:
            continue
        op, version = match.group(1), _version(match.group(2))
        if version is None or op == ">":
            continue
        yield (op in ("==", "==="), version)


def _version(text: str) -> Version | None:
    match = re.match(r"\d+(?:\.\d+)*", text.strip())
    return tuple(int(p) for p in match.group(0).split(".")) if match else None


def requirement_files(project: Project, directory: str) -> list[str]:
    """`requirements*.txt` / `.in` in `directory` and `requirements/*.txt` / `.in`, pip-tools
    sources (`.in`) first."""
    prefix = _join(directory, "")
    found = []
    for path in project.files:
        rest = path[len(prefix) :] if path.startswith(prefix) else None
        if rest is None or not rest.endswith((".txt", ".in")):
            continue
        base = rest.rsplit("/", 1)[-1]
        if (rest.count("/") == 0 and base.startswith("requirements")) or (
            rest.startswith("requirements/") and rest.count("/") == 1
        ):
            found.append(path)
    return sorted(found, key=lambda p: (not p.endswith(".in"), p))


@dataclass(frozen=True)
class Runtime:
    version: Version  # (major, minor)
    source: str  # the file that names it, or that pins the release it is inferred from
    pins: PythonRange | None = None
    """Inferred: no file names a Python, and the project's exact pins allow this range."""

    @property
    def said(self) -> str:
        """Where the version comes from, as a message says it."""
        if self.pins is None:
            return f"{self.source} names Python {dotted(self.version)}"
        return f"{self.pins.describe()} (pinned in {self.source})"


def python_runtime(project: Project, directory: str) -> Runtime | None:
    """The Python of the project at `directory`, or of the repository above it; else the one
    its exact pins imply (see `pinned_pythons`)."""
    for where in _directories(directory):
        found = _python_in(project, where)
        if found is not None:
            return found
    allowed = pinned_pythons(project, directory)
    if allowed is None:
        return None
    return Runtime(allowed.target(OLDEST_PYTHON), allowed.floor.path, allowed)


def pinned_pythons(project: Project, directory: str) -> PythonRange | None:
    """The Pythons that the releases the project pins exactly (locked or `==`) run on, from
    `scaffolder.python.supported`'s table; None when no pin there says."""
    pins: dict[str, Pin] = {}
    for where in _directories(directory):
        for found in _declared(project, where, frozenset(PACKAGES)):
            if found.exact:
                pins.setdefault(found.name, Pin(found.name, found.version, found.path))
    return python_range(pins.values())


def python_version(project: Project, directory: str) -> Version | None:
    runtime = python_runtime(project, directory)
    return runtime.version if runtime else None


def _python_in(project: Project, directory: str) -> Runtime | None:
    def text(name: str) -> str:
        return read_text(project, _join(directory, name)) or ""

    for name, pattern in _PYTHON_EXACT.items():
        m = pattern.search(text(name))
        if m:
            return Runtime((int(m.group(1)), int(m.group(2))), _join(directory, name))
    pipfile = _pipfile_python(text("Pipfile"), text("Pipfile.lock"))
    if pipfile is not None:
        return Runtime(pipfile, _join(directory, "Pipfile"))
    pyproject = _pyproject_python(text("pyproject.toml"))
    return Runtime(pyproject, _join(directory, "pyproject.toml")) if pyproject else None


def _pipfile_python(pipfile: str, lock: str) -> Version | None:
    m = re.search(r'^\s*python_version\s*=\s*"(\d+)\.(\d+)', pipfile, re.M)
    if m:
        return int(m.group(1)), int(m.group(2))
    try:
        meta = json.loads(lock).get("_meta", {}) if lock else {}
    except ValueError:
        return None
    m = re.match(r"(\d+)\.(\d+)", str(meta.get("requires", {}).get("python_version", "")))
    return (int(m.group(1)), int(m.group(2))) if m else None


def _pyproject_python(text: str) -> Version | None:
    if not text:
        return None
    import tomlkit

    try:
        doc = tomlkit.parse(text).unwrap()
    except Exception:
        return None
    ranges = [
        doc.get("project", {}).get("requires-python"),
        doc.get("tool", {}).get("poetry", {}).get("dependencies", {}).get("python"),
    ]
    for spec in ranges:
        for part in re.split(r"[,|]", str(spec or "")):
            m = _PYTHON_RANGE.match(part.strip())
            if m:
                return int(m.group(1)), int(m.group(2))
    return None


OLDEST_PYTHON = (3, 6)
"""The generated modules annotate variables (PEP 526) and PyJWT 2 needs 3.6."""


def unsupported_python(project: Project, directory: str) -> str | None:
    """Why the generated code cannot run on the project's Python; None when it can."""
    runtime = python_runtime(project, directory)
    if runtime is None or runtime.version >= OLDEST_PYTHON:
        return None
    return (
        f"{runtime.said}: the token module needs Python 3.6 or later, and no PyJWT 2 release "
        "supports it; upgrade the app's Python, then run apply again"
    )
