"""Add a requirement (PyJWT) where the project installs from, pinned the way it pins.

Looks for the manifest that declares the framework itself: `pyproject.toml` (`[project]` or
Poetry, edited with tomlkit so formatting survives), `Pipfile`, `requirements*.in` (pip-tools
sources win over their compiled `.txt`), `requirements*.txt` (also under `requirements/`). The
requirements files the hosting installs (`scaffolder.python.hosting`: a Dockerfile's `pip
install -r`, render.yaml, Heroku) get it too, unless they include that manifest. A manifest whose
every requirement is an exact pin gets an exact pin: the newest release of the requirement that
supports the project's Python (`scaffolder.python.versions`; where no file names one, the oldest
Python the project's pins support, said in the edit's reason); ranges get the requirement's floor.
The lockfile that goes with a manifest (`scaffolder.python.locks`) is part of the change; without
one, the install is a next step.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import Any

from scaffolder.plan import PlanBuilder
from scaffolder.project import Project
from scaffolder.python.hosting import install_sources
from scaffolder.python.locks import lock_update
from scaffolder.python.versions import (
    Runtime,
    Version,
    canonical,
    python_runtime,
    requirement_files,
)

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_EXACT = re.compile(  # `name==1.2.3`, extras and an environment marker allowed
    r"^\s*[A-Za-z0-9][A-Za-z0-9._-]*\s*(?:\[[^\]]*\])?\s*===?\s*[\w.+!-]+\s*(?:;|$)"
)
_PIPFILE = re.compile(r"^\s*==\s*\d[\w.]*\s*$")  # "==1.2"
_POETRY = re.compile(r"^\s*(?:==?)?\s*\d[\w.]*\s*$")  # "1.2" (exact in Poetry), "==1.2"
_INCLUDE = re.compile(r"^\s*(?:-r|--requirement|-c|--constraint)[ =]?\s*(\S+)", re.M)


@dataclass(frozen=True)
class Requirement:
    """A distribution to declare: `floor` is the lowest release a range allows (`>=2.8`),
    `releases` the newest release for each lowest Python it supports, newest Python first."""

    name: str  # as published, e.g. "PyJWT"
    floor: Version = ()
    releases: tuple[tuple[Version, str], ...] = ()

    def release(self, python: Version | None) -> str | None:
        """The newest release that supports `python` (unknown: the newest); None if none."""
        for lowest, release in self.releases:
            if python is None or python >= lowest:
                return release
        return None

    def lowest(self, python: Version | None) -> str:
        """The floor of a range, lowered to the newest release on an older Python."""
        floor = self.floor
        newest = self.release(python)
        if newest is not None:
            floor = min(floor, tuple(int(p) for p in newest.split(".")[:2]))
        return ".".join(map(str, floor))

    @property
    def spec(self) -> str:
        return f">={self.lowest(None)}" if self.floor else ""


# PyPI's Requires-Python: 2.10 needs 3.9, 2.9 needs 3.8, 2.5 needs 3.7, 2.0 needs 3.6.
PYJWT = Requirement(
    "PyJWT",
    (2, 8),
    (((3, 9), "2.15.1"), ((3, 8), "2.9.0"), ((3, 7), "2.8.0"), ((3, 6), "2.4.0")),
)


@dataclass(frozen=True)
class Manifest:
    path: str
    kind: str  # project | poetry | pipfile | requirements
    names: frozenset[str]  # canonical names declared
    pinned: bool  # every requirement it declares is an exact pin
    includes: tuple[str, ...] = ()  # requirements files it includes (`-r`, `-c`)


def _req_name(line: str) -> str | None:
    line = line.split("#", 1)[0].strip()
    if not line or line.startswith("-"):
        return None
    m = _NAME.match(line)
    return canonical(m.group(1)) if m else None


def _join(directory: str, name: str) -> str:
    return f"{directory}/{name}" if directory not in ("", ".") else name


def _requirements_manifest(path: str, text: str) -> Manifest:
    lines = [line.split(" #", 1)[0] for line in text.splitlines()]
    specs = [line for line in lines if _req_name(line)]
    names = frozenset(n for line in specs if (n := _req_name(line)))
    directory = posixpath.dirname(path)
    includes = tuple(
        posixpath.normpath(_join(directory, m.group(1))) for m in _INCLUDE.finditer(text)
    )
    pinned = bool(specs) and all(_EXACT.match(line) for line in specs)
    return Manifest(path, "requirements", names, pinned, includes)


def _toml_manifest(path: str, text: str) -> Manifest | None:
    import tomlkit

    doc = tomlkit.parse(text).unwrap()
    if "packages" in doc:  # Pipfile
        packages = doc.get("packages", {})
        sections = [*packages, *doc.get("dev-packages", {})]
        names = frozenset(canonical(str(k)) for k in sections)
        return Manifest(path, "pipfile", names, _all_exact(packages.values(), _PIPFILE))
    project_deps = doc.get("project", {}).get("dependencies")
    if project_deps is not None:
        declared = frozenset(n for d in project_deps if (n := _req_name(str(d))))
        pinned = bool(project_deps) and all(_EXACT.match(str(d)) for d in project_deps)
        return Manifest(path, "project", declared, pinned)
    poetry = doc.get("tool", {}).get("poetry", {}).get("dependencies")
    if poetry is not None:
        deps = {k: v for k, v in poetry.items() if canonical(str(k)) != "python"}
        return Manifest(
            path,
            "poetry",
            frozenset(canonical(str(k)) for k in poetry),
            _all_exact(deps.values(), _POETRY),
        )
    return None


def _all_exact(values: Any, exact: re.Pattern[str]) -> bool:
    """Whether every constraint of a Pipfile or Poetry table is an exact version."""
    specs = [v.get("version", "") if isinstance(v, dict) else v for v in values]
    return bool(specs) and all(isinstance(s, str) and exact.match(s) for s in specs)


def manifests(project: Project, builder: PlanBuilder, app_root: str) -> list[Manifest]:
    """The Python manifests of the app at `app_root` and of the repository root."""
    found: list[Manifest] = []
    for directory in dict.fromkeys([app_root, "."]):
        for name in ("pyproject.toml", "Pipfile"):
            path = _join(directory, name)
            text = builder.current(path)
            manifest = _toml_manifest(path, text) if text is not None else None
            if manifest is not None:
                found.append(manifest)
        for path in requirement_files(project, directory):
            text = builder.current(path)
            if text is not None:
                found.append(_requirements_manifest(path, text))
    return found


def plan_requirement(
    project: Project,
    builder: PlanBuilder,
    app_root: str,
    requirement: Requirement,
    framework_package: str,
) -> None:
    """Declare `requirement` next to `framework_package` and in the requirements files the
    hosting installs, unless a manifest already has it."""
    want = canonical(requirement.name)
    found = manifests(project, builder, app_root)
    for manifest in found:
        if want in manifest.names:
            builder.skip(
                manifest.path, f"{requirement.name} is already a dependency (it signs the token)"
            )
            return
    runtime = python_runtime(project, app_root)
    python = _python_for(requirement, runtime)
    if requirement.releases and requirement.release(python) is None:
        assert runtime is not None
        builder.warn(
            f"{runtime.said}, which no {requirement.name} release supports: "
            f"{requirement.name} was not added; upgrade the app's Python first"
        )
        return
    framework = canonical(framework_package)
    declaring = [m for m in found if framework in m.names] or found
    if not declaring:
        builder.next_step(
            f"Add {requirement.name}{requirement.spec} to the app's dependencies "
            f"(no requirements file or pyproject.toml was found): pip install {requirement.name}"
        )
        return
    targets: list[tuple[Manifest, str]] = [(_best(declaring), "")]
    by_path = {m.path: m for m in found}
    directories = list(dict.fromkeys([app_root, "."]))
    for source in install_sources(project, directories):
        closure = _closure(source.path, by_path)
        if any(t.path in closure for t, _ in targets):
            continue  # it installs a manifest that gets the requirement
        inner = [by_path[p] for p in closure if p in by_path and framework in by_path[p].names]
        manifest = (
            inner[0]
            if inner
            else by_path.get(source.path)
            or _requirements_manifest(source.path, builder.current(source.path) or "")
        )
        targets.append((manifest, f"the hosting installs it: {source.why}; "))
    for manifest, why in targets:
        _declare(project, builder, manifest, requirement, runtime, python, why)


def _python_for(requirement: Requirement, runtime: Runtime | None) -> Version | None:
    """The Python to pick `requirement`'s release for: the project's. Where only its pins imply
    it and no release supports it, the oldest Python a release supports, if the pins' range
    reaches it (the table knows a lower bound of most pins, not the Python they really run on)."""
    if runtime is None:
        return None
    python = runtime.version
    if runtime.pins is None or not requirement.releases or requirement.release(python):
        return python
    oldest = min(lowest for lowest, _ in requirement.releases)
    newest = runtime.pins.newest
    return oldest if newest is None or oldest <= newest else python


def _closure(path: str, by_path: dict[str, Manifest]) -> list[str]:
    """`path` and every requirements file it includes, transitively."""
    seen: list[str] = []
    queue = [path]
    while queue:
        current = queue.pop(0)
        if current in seen:
            continue
        seen.append(current)
        manifest = by_path.get(current)
        if manifest is not None:
            queue += list(manifest.includes)
    return seen


def _declare(
    project: Project,
    builder: PlanBuilder,
    manifest: Manifest,
    requirement: Requirement,
    runtime: Runtime | None,
    python: Version | None,
    why: str,
) -> None:
    path, kind = manifest.path, manifest.kind
    text = builder.current(path)
    assert text is not None
    release = requirement.release(python)
    exact = manifest.pinned and release is not None
    spec = f"=={release}" if exact else f">={requirement.lowest(python)}"
    if kind == "requirements":
        if "--hash" in text:
            builder.next_step(
                f"Add {requirement.name}{spec} to the source of {path} "
                "and re-generate it with hashes"
            )
            return
        new = _add_to_requirements(text, f"{requirement.name}{spec}", canonical(requirement.name))
    else:
        poetry = release if exact else f"^{requirement.lowest(python)}"
        new = _add_to_toml(text, kind, requirement.name, spec, str(poetry))
    inferred = exact and runtime is not None and runtime.pins is not None
    why += "pinned like its other requirements, " if exact and not inferred else ""
    reason = f"declare {requirement.name} ({why}signs the widget token)"
    if inferred:
        assert runtime is not None and python is not None
        reason += "; " + _inferred_pin(requirement.name, str(release), python, runtime)
    builder.write(path, new, reason, _lang(kind))
    lock = lock_update(project, path, kind)
    if lock is not None:
        builder.lock(lock)
    else:
        builder.next_step(_install_hint(path, kind, f"{requirement.name}{spec}"))


def _inferred_pin(name: str, release: str, python: Version, runtime: Runtime) -> str:
    """Why this release, for a project that names no Python: its pins imply the oldest."""
    assert runtime.pins is not None
    pins = runtime.pins
    if python > runtime.version:
        raised = f" that {name} runs on"
    elif python > pins.lowest:
        raised = " that the token module runs on"
    else:
        raised = ""
    return (
        f"pinned {name}=={release}: the newest that runs on Python {'.'.join(map(str, python))}, "
        f"the oldest your pins support{raised} ({pins.describe()})"
    )


def _best(manifests: list[Manifest]) -> Manifest:
    order = {"project": 0, "poetry": 1, "pipfile": 2, "requirements": 3}

    def key(m: Manifest) -> tuple[int, int, int, str]:
        base = m.path.rsplit("/", 1)[-1]
        compiled = m.kind == "requirements" and base.endswith(".txt")
        preferred = (
            0
            if re.search(r"(base|common|main|prod)", base) or base.startswith("requirements.")
            else 1
        )
        return order[m.kind], int(compiled), preferred, m.path

    return min(manifests, key=key)


def _lang(kind: str) -> str:
    return "text" if kind == "requirements" else "toml"


def _add_to_requirements(text: str, line: str, want: str) -> str:
    nl = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines(keepends=True)
    req_idx = [(i, n) for i, raw in enumerate(lines) if (n := _req_name(raw))]
    names = [n for _, n in req_idx]
    if names and names == sorted(names):
        for i, n in req_idx:
            if n > want:
                lines.insert(i, line + nl)
                return "".join(lines)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += nl
    # Append after the last requirement, before any trailing comments or blank lines.
    at = req_idx[-1][0] + 1 if req_idx else len(lines)
    lines.insert(at, line + nl)
    return "".join(lines)


def _add_to_toml(text: str, kind: str, name: str, spec: str, poetry: str) -> str:
    import tomlkit

    doc: Any = tomlkit.parse(text)
    if kind == "project":
        deps = doc["project"]["dependencies"]
        names = [_req_name(str(d)) or "" for d in deps]
        at = len(names)
        if names == sorted(names):
            at = next((i for i, n in enumerate(names) if n > canonical(name)), at)
        deps.insert(at, f"{name}{spec}")
    elif kind == "poetry":
        doc["tool"]["poetry"]["dependencies"][name.lower()] = poetry
    else:
        doc["packages"][name.lower()] = spec
    return tomlkit.dumps(doc)


def _install_hint(path: str, kind: str, requirement: str) -> str:
    """The install, for a manifest that no lockfile goes with."""
    if kind == "poetry":
        return "Install the new dependency: poetry lock && poetry install"
    if kind == "pipfile":
        return "Install the new dependency: pipenv install"
    if kind == "project":
        return f"Install the new dependency: pip install '{requirement}'"
    if path.endswith(".in"):
        return f"Re-compile {path} (pip-compile) and install: pip install -r {path[:-3]}.txt"
    return f"Install the new dependency: pip install -r {path}"
