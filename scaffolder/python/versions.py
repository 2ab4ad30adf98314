"""The versions a Python project runs on, read from its lock, requirement and runtime files, for
the generated code and pins that depend on them (FastAPI's `Annotated` parameters, PyJWT 1.x's
bytes, the Python a PyJWT release supports...).

Package versions: exact ones first (poetry.lock, uv.lock, pdm.lock, Pipfile.lock, `==` pins),
then the lower bound of a declared range (pyproject.toml, Pipfile, requirements files); unknown
when the project says nothing, which means a current release. The Python version: what the
runtime files name (`.python-version`, `runtime.txt`, `.tool-versions`, a Dockerfile's
`FROM python:X.Y`, Pipfile's `python_version`), else the lower bound of `requires-python` or
Poetry's `python`; unknown means a current Python.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass

from scaffolder.project import Project

Version = tuple[int, ...]
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
        for exact, version in _declared(project, where, want):
            if exact:
                return version
            lowest = version if lowest is None else min(lowest, version)
    return lowest


def _directories(directory: str) -> Iterator[str]:
    while True:
        yield directory
        if directory in ("", "."):
            return
        directory = posixpath.dirname(directory) or "."


def _join(directory: str, name: str) -> str:
    return name if directory in ("", ".") else f"{directory}/{name}"


def _declared(project: Project, directory: str, want: str) -> Iterator[tuple[bool, Version]]:
    """(exact, version) for each place the directory's files give `want` a version, locks
    first."""
    for name in _LOCKS:
        text = read_text(project, _join(directory, name))
        if text:
            yield from ((True, v) for v in _toml_lock(text, want))
    text = read_text(project, _join(directory, "Pipfile.lock"))
    if text:
        yield from ((True, v) for v in _pipfile_lock(text, want))
    for path in requirement_files(project, directory):
        for match in _REQUIREMENT.finditer(read_text(project, path) or ""):
            if canonical(match.group(1)) == want:
                yield from _spec(match.group("spec"))
    for name in ("pyproject.toml", "Pipfile"):
        text = read_text(project, _join(directory, name))
        if text:
            yield from _manifest(text, want)


def _toml_lock(text: str, want: str) -> list[Version]:
    import tomlkit

    try:
        doc = tomlkit.parse(text).unwrap()
    except Exception:
        return []
    return [
        v
        for pkg in doc.get("package", [])
        if isinstance(pkg, dict) and canonical(str(pkg.get("name", ""))) == want
        for v in [_version(str(pkg.get("version", "")))]
        if v is not None
    ]


def _pipfile_lock(text: str, want: str) -> list[Version]:
    try:
        doc = json.loads(text)
    except ValueError:
        return []
    found = []
    for section in ("default", "develop"):
        for name, entry in (doc.get(section) or {}).items():
            if canonical(name) == want and isinstance(entry, dict):
                version = _version(str(entry.get("version", "")).lstrip("="))
                if version is not None:
                    found.append(version)
    return found


def _manifest(text: str, want: str) -> Iterator[tuple[bool, Version]]:
    """pyproject.toml (`[project]` dependencies, Poetry) and Pipfile ranges."""
    import tomlkit

    try:
        doc = tomlkit.parse(text).unwrap()
    except Exception:
        return
    for item in doc.get("project", {}).get("dependencies", []) or []:
        match = _REQUIREMENT.match(str(item))
        if match and canonical(match.group(1)) == want:
            yield from _spec(match.group("spec"))
    tables = [
        doc.get("tool", {}).get("poetry", {}).get("dependencies", {}),
        doc.get("packages", {}),
    ]
    for table in tables:
        for name, entry in (table or {}).items():
            if canonical(str(name)) != want:
                continue
            spec = entry.get("version", "") if isinstance(entry, dict) else entry
            yield from _spec(str(spec))


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
    source: str  # the file that names it


def python_runtime(project: Project, directory: str) -> Runtime | None:
    """The Python of the project at `directory`, or of the repository above it."""
    for where in _directories(directory):
        found = _python_in(project, where)
        if found is not None:
            return found
    return None


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
        f"{runtime.source} names Python {'.'.join(map(str, runtime.version))}: the token module "
        "needs Python 3.6 or later, and no PyJWT 2 release supports it; upgrade the app's "
        "Python, then run apply again"
    )
