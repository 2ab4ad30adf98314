"""Add a requirement (PyJWT) to the manifest the project really uses.

Looks for the manifest that declares the framework itself: `pyproject.toml` (`[project]` or
Poetry, edited with tomlkit so formatting survives), `Pipfile`, `requirements*.in` (pip-tools
sources win over their compiled `.txt`), `requirements*.txt` (also under `requirements/`). The
lockfile that goes with it (`scaffolder.python.locks`) is part of the change; without one, the
install is a next step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from scaffolder.plan import PlanBuilder
from scaffolder.project import Project
from scaffolder.python.locks import lock_update

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


@dataclass(frozen=True)
class Requirement:
    name: str  # as published, e.g. "PyJWT"
    spec: str  # PEP 440 specifier, e.g. ">=2.8"
    poetry: str  # Poetry constraint, e.g. "^2.8"


PYJWT = Requirement("PyJWT", ">=2.8", "^2.8")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _req_name(line: str) -> str | None:
    line = line.split("#", 1)[0].strip()
    if not line or line.startswith("-"):
        return None
    m = _NAME.match(line)
    return canonical(m.group(1)) if m else None


def _join(directory: str, name: str) -> str:
    return f"{directory}/{name}" if directory not in ("", ".") else name


def _requirement_files(project: Project, directory: str) -> list[str]:
    prefix = _join(directory, "")
    found = []
    for path in project.files:
        if not path.startswith(prefix):
            continue
        rest = path[len(prefix) :]
        base = rest.rsplit("/", 1)[-1]
        if (
            rest.count("/") == 0
            and base.startswith("requirements")
            and base.endswith((".txt", ".in"))
        ) or (
            rest.startswith("requirements/")
            and rest.count("/") == 1
            and base.endswith((".txt", ".in"))
        ):
            found.append(path)
    return sorted(found, key=lambda p: (not p.endswith(".in"), p))


def _toml_deps(text: str) -> tuple[str | None, set[str]]:
    """('project' | 'poetry' | 'pipfile' | None, canonical names declared)."""
    import tomlkit

    doc = tomlkit.parse(text)
    if "packages" in doc:  # Pipfile
        names = {canonical(str(k)) for k in doc.get("packages", {})}
        names |= {canonical(str(k)) for k in doc.get("dev-packages", {})}
        return "pipfile", names
    project_deps = doc.get("project", {}).get("dependencies")
    if project_deps is not None:
        return "project", {n for d in project_deps if (n := _req_name(str(d)))}
    poetry = doc.get("tool", {}).get("poetry", {}).get("dependencies")
    if poetry is not None:
        return "poetry", {canonical(str(k)) for k in poetry}
    return None, set()


def plan_requirement(
    project: Project,
    builder: PlanBuilder,
    app_root: str,
    requirement: Requirement,
    framework_package: str,
) -> None:
    """Declare `requirement` next to `framework_package`, unless any manifest already has it."""
    want = canonical(requirement.name)
    framework = canonical(framework_package)
    directories = list(dict.fromkeys([app_root, "."]))
    manifests: list[tuple[str, str, set[str]]] = []  # (path, kind, names)
    for directory in directories:
        for name in ("pyproject.toml", "Pipfile"):
            path = _join(directory, name)
            text = builder.current(path)
            if text is None:
                continue
            kind, names = _toml_deps(text)
            if kind:
                manifests.append((path, kind, names))
        for path in _requirement_files(project, directory):
            text = builder.current(path)
            if text is not None:
                names = {n for line in text.splitlines() if (n := _req_name(line))}
                manifests.append((path, "requirements", names))
    for path, _kind, names in manifests:
        if want in names:
            builder.skip(path, f"{requirement.name} is already a dependency")
            return
    declaring = [m for m in manifests if framework in m[2]] or manifests
    if not declaring:
        builder.next_step(
            f"Add {requirement.name}{requirement.spec} to the app's dependencies "
            f"(no requirements file or pyproject.toml was found): pip install {requirement.name}"
        )
        return
    path, kind, _ = _best(declaring)
    text = builder.current(path)
    assert text is not None
    if kind == "requirements":
        if "--hash" in text:
            builder.next_step(
                f"Add {requirement.name}{requirement.spec} to the source of {path} "
                "and re-generate it with hashes"
            )
            return
        new = _add_to_requirements(text, f"{requirement.name}{requirement.spec}", want)
    else:
        new = _add_to_toml(text, kind, requirement)
    builder.write(path, new, f"declare {requirement.name} (signs the widget token)", _lang(kind))
    lock = lock_update(project, path, kind)
    if lock is not None:
        builder.lock(lock)
    else:
        builder.next_step(_install_hint(path, kind, requirement))


def _best(manifests: list[tuple[str, str, set[str]]]) -> tuple[str, str, set[str]]:
    order = {"project": 0, "poetry": 1, "pipfile": 2, "requirements": 3}

    def key(m: tuple[str, str, set[str]]) -> tuple[int, int, int, str]:
        path, kind, _ = m
        base = path.rsplit("/", 1)[-1]
        compiled = kind == "requirements" and base.endswith(".txt")
        preferred = (
            0
            if re.search(r"(base|common|main|prod)", base) or base.startswith("requirements.")
            else 1
        )
        return order[kind], int(compiled), preferred, path

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


def _add_to_toml(text: str, kind: str, requirement: Requirement) -> str:
    import tomlkit

    doc: Any = tomlkit.parse(text)
    if kind == "project":
        deps = doc["project"]["dependencies"]
        entry = f"{requirement.name}{requirement.spec}"
        names = [_req_name(str(d)) or "" for d in deps]
        at = len(names)
        if names == sorted(names):
            at = next((i for i, n in enumerate(names) if n > canonical(requirement.name)), at)
        deps.insert(at, entry)
    elif kind == "poetry":
        doc["tool"]["poetry"]["dependencies"][requirement.name.lower()] = requirement.poetry
    else:
        doc["packages"][requirement.name.lower()] = requirement.spec
    return tomlkit.dumps(doc)


def _install_hint(path: str, kind: str, requirement: Requirement) -> str:
    """The install, for a manifest that no lockfile goes with."""
    if kind == "poetry":
        return "Install the new dependency: poetry lock && poetry install"
    if kind == "pipfile":
        return "Install the new dependency: pipenv install"
    if kind == "project":
        return f"Install the new dependency: pip install '{requirement.name}{requirement.spec}'"
    if path.endswith(".in"):
        return f"Re-compile {path} (pip-compile) and install: pip install -r {path[:-3]}.txt"
    return f"Install the new dependency: pip install -r {path}"


_MANIFESTS = (
    "pyproject.toml",
    "requirements.txt",
    "requirements.in",
    "Pipfile",
    "setup.py",
    "setup.cfg",
)


def manifest_root(project: Project, path: str) -> str:
    """The directory of the nearest Python manifest at or above `path`'s directory."""
    directory = path.rsplit("/", 1)[0] if "/" in path else "."
    while True:
        # A setup.py inside a package is one of its modules (`core/setup.py`), not a manifest.
        package = project.abspath(_join(directory, "__init__.py")).is_file()
        manifests = [m for m in _MANIFESTS if not (package and m == "setup.py")]
        if (
            any(project.abspath(_join(directory, m)).is_file() for m in manifests)
            or project.abspath(_join(directory, "requirements")).is_dir()
        ):
            return directory
        if directory in ("", "."):
            return "."
        directory = directory.rsplit("/", 1)[0] if "/" in directory else "."
