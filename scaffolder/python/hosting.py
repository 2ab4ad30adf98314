"""The requirements files the app's hosting installs from, read from its deploy files.

- a Dockerfile's `pip install -r <file>` (`--requirement`, `uv pip install -r`), the path
  taken from the build context (the Dockerfile's folder);
- `render.yaml`'s `buildCommand` (from its service's `rootDir`);
- a `Procfile` or `app.json` (Heroku): the root `requirements.txt`, which Heroku's Python
  buildpack installs before a Pipfile or a Poetry lock
  (https://devcenter.heroku.com/articles/python-dependencies-via-pip).

A requirement declared only in a Pipfile or a pyproject.toml never reaches an app these install.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from scaffolder.project import Project
from scaffolder.python.versions import read_text

_PIP_R = re.compile(
    r"\bpip3?(?:\.exe)?\s+install\b[^\n&;|]*?(?:-r\s*|--requirement[ =])([^\s&;|\"']+)"
)
_ROOT_DIR = re.compile(r"^\s*rootDir:\s*[\"']?([^\s\"'#]+)", re.M)


@dataclass(frozen=True)
class InstallSource:
    path: str  # the requirements file installed
    why: str  # "Dockerfile:9 pip install -r requirements/docker.txt"


def install_sources(project: Project, directories: list[str]) -> list[InstallSource]:
    """Requirements files of the project that the hosting of the app in `directories` (its
    root, then the repository's) installs, in the order found."""
    found: dict[str, InstallSource] = {}
    for directory in directories:
        for source in _dockerfiles(project, directory) + _render(project, directory):
            found.setdefault(source.path, source)
        heroku = [n for n in ("Procfile", "app.json") if project.exists(_join(directory, n))]
        requirements = _join(directory, "requirements.txt")
        if heroku and project.exists(requirements):
            found.setdefault(
                requirements, InstallSource(requirements, f"{_join(directory, heroku[0])}: Heroku")
            )
    return list(found.values())


def _dockerfiles(project: Project, directory: str) -> list[InstallSource]:
    out = []
    prefix = _join(directory, "")
    for path in project.files:
        rest = path[len(prefix) :] if path.startswith(prefix) else None
        if rest is None or "/" in rest:
            continue
        if rest == "Dockerfile" or rest.startswith("Dockerfile.") or rest.endswith(".Dockerfile"):
            out += _pip_installs(project, path, directory)
    return out


def _render(project: Project, directory: str) -> list[InstallSource]:
    path = _join(directory, "render.yaml")
    text = read_text(project, path) or ""
    root = _ROOT_DIR.search(text)
    base = _join(directory, root.group(1).strip("/")) if root else directory
    return _pip_installs(project, path, base)


def _pip_installs(project: Project, path: str, base: str) -> list[InstallSource]:
    text = read_text(project, path) or ""
    out = []
    for m in _PIP_R.finditer(text):
        target = _resolve(project, base, m.group(1))
        if target is not None:
            line = text.count("\n", 0, m.start()) + 1
            out.append(InstallSource(target, f"{path}:{line} {' '.join(m.group(0).split())}"))
    return out


def _resolve(project: Project, base: str, raw: str) -> str | None:
    """The project file `pip install -r raw` reads: relative to the build context, or an
    absolute path inside the image (`/app/requirements.txt`) whose tail is a project file."""
    if not raw.startswith("/"):
        path = posixpath.normpath(_join(base, raw))
        return path if project.exists(path) else None
    parts = raw.strip("/").split("/")
    for i in range(len(parts)):
        path = _join(base, "/".join(parts[i:]))
        if project.exists(path):
            return path
    return None


def _join(directory: str, name: str) -> str:
    return name if directory in ("", ".") else f"{directory}/{name}"
