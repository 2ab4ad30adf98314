"""The FastAPI version the project runs on, read from its lock and requirement files, for the
generated code that depends on it: `Annotated[T, Depends(f)]` parameters need FastAPI 0.95
(https://fastapi.tiangolo.com/release-notes/#0950); older apps get `x: T = Depends(f)`.

Exact versions first (poetry.lock, uv.lock, pdm.lock, Pipfile.lock, `==` pins), then the
lower bound of a declared range (pyproject.toml, Pipfile, requirements files); unknown when the
project says nothing, which means a current FastAPI.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterator

from scaffolder.project import Project
from scaffolder.python.deps import canonical, manifest_root
from scaffolder.stacks.fastapi.facts import FastAPIFacts

Version = tuple[int, ...]
ANNOTATED = (0, 95)
_LOCKS = ("poetry.lock", "uv.lock", "pdm.lock")
_REQUIREMENT = re.compile(
    r"^[ \t]*([A-Za-z0-9][A-Za-z0-9._-]*)[ \t]*(?:\[[^\]\n]*\])?[ \t]*(?P<spec>[^;#\n]*)",
    re.MULTILINE,
)
_BOUND = re.compile(r"(===|==|~=|>=|\^|~|>)?\s*v?(\d+(?:\.\d+)*)")


def supports_annotated(project: Project, facts: FastAPIFacts) -> bool:
    version = installed(project, manifest_root(project, facts.app.path), "fastapi")
    return version is None or version >= ANNOTATED


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
        text = project.text(_join(directory, name))
        if text:
            yield from ((True, v) for v in _toml_lock(text, want))
    text = project.text(_join(directory, "Pipfile.lock"))
    if text:
        yield from ((True, v) for v in _pipfile_lock(text, want))
    for path in _requirement_files(project, directory):
        for match in _REQUIREMENT.finditer(project.text(path) or ""):
            if canonical(match.group(1)) == want:
                yield from _spec(match.group("spec"))
    for name in ("pyproject.toml", "Pipfile"):
        text = project.text(_join(directory, name))
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


def _requirement_files(project: Project, directory: str) -> list[str]:
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
    return sorted(found)
