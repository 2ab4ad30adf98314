"""The versions a Django project runs on, for the generated code that depends on them:

- PyJWT before 2.0 (djangorestframework-jwt pins `PyJWT<2`) returns bytes from `jwt.encode`
  (https://pyjwt.readthedocs.io/en/stable/changelog.html#v2-0-0): the token module decodes it;
- Python before 3.7 (Django 3.2 still supports 3.6) has no `from __future__ import annotations`
  (PEP 563): the module's annotations are strings instead;
- Django before 2.0 has no `django.urls.path`: the route is a `url()` regex.

Package versions come from the locks and requirement files (`scaffolder.python.versions`
reads them for every Python stack); the Python version from `.python-version`, `runtime.txt`,
Pipfile's `python_version`, a Dockerfile's `FROM python:X.Y`, else the lower bound of
`requires-python` or Poetry's `python`. Unknown means current.
"""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass

from scaffolder.project import Project
from scaffolder.python.versions import Version, installed

_EXACT = {
    ".python-version": re.compile(r"^\s*(?:python-?)?(\d+)\.(\d+)", re.M),
    "runtime.txt": re.compile(r"^\s*python-(\d+)\.(\d+)", re.M),
    "Dockerfile": re.compile(r"^\s*FROM\s+(?:\S+/)?python:(\d+)\.(\d+)", re.M | re.I),
}
_PYTHON_RANGE = re.compile(r"(?:>=|\^|~=|~|==)\s*(\d+)\.(\d+)")


@dataclass(frozen=True)
class Versions:
    python: Version | None
    django: Version | None
    pyjwt: Version | None

    @property
    def future_annotations(self) -> bool:
        return self.python is None or self.python >= (3, 7)

    @property
    def jwt_bytes(self) -> bool:
        return self.pyjwt is not None and self.pyjwt < (2,)

    @property
    def url_regex(self) -> bool:
        return self.django is not None and self.django < (2,)


def versions(project: Project, directory: str) -> Versions:
    """The versions of the project whose manifests are in `directory`."""
    return Versions(
        python=python_version(project, directory),
        django=installed(project, directory, "django"),
        pyjwt=installed(project, directory, "pyjwt"),
    )


def python_version(project: Project, directory: str) -> Version | None:
    """The Python of the project at `directory`, or of the repository above it."""
    while True:
        found = _python_in(project, directory)
        if found is not None or directory in ("", "."):
            return found
        directory = posixpath.dirname(directory) or "."


def _python_in(project: Project, directory: str) -> Version | None:
    def text(name: str) -> str:
        return project.text(name if directory in ("", ".") else f"{directory}/{name}") or ""

    for name, pattern in _EXACT.items():
        m = pattern.search(text(name))
        if m:
            return int(m.group(1)), int(m.group(2))
    return _pipfile(text("Pipfile"), text("Pipfile.lock")) or _pyproject(text("pyproject.toml"))


def _pipfile(pipfile: str, lock: str) -> Version | None:
    m = re.search(r'^\s*python_version\s*=\s*"(\d+)\.(\d+)', pipfile, re.M)
    if m:
        return int(m.group(1)), int(m.group(2))
    try:
        meta = json.loads(lock).get("_meta", {}) if lock else {}
    except ValueError:
        return None
    wanted = str(meta.get("requires", {}).get("python_version", ""))
    m = re.match(r"(\d+)\.(\d+)", wanted)
    return (int(m.group(1)), int(m.group(2))) if m else None


def _pyproject(text: str) -> Version | None:
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
        m = _PYTHON_RANGE.search(str(spec or ""))
        if m:
            return int(m.group(1)), int(m.group(2))
    return None
