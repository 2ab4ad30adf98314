"""Where a Python app's manifest lives: the app root every Python stack reports (`inspect`) and
plans against. Light on purpose (no plan, lock, hosting or version module): `inspect` imports
it, `scaffolder.python.deps` edits what it finds."""

from __future__ import annotations

import re

from scaffolder.project import Project

_MANIFESTS = (
    "pyproject.toml",
    "requirements.txt",
    "requirements.in",
    "Pipfile",
    "setup.cfg",
)
_SETUP = r"^\s*(?:from|import)\s+(?:setuptools|distutils)\b"  # compiled when a setup.py exists


def manifest_root(project: Project, path: str) -> str:
    """The directory of the nearest Python manifest at or above `path`'s directory."""
    directory = path.rsplit("/", 1)[0] if "/" in path else "."
    while True:
        # read first: an unreadable setup.py is a note whatever else the directory holds
        setuptools = _is_setuptools_script(project, _join(directory, "setup.py"))
        if (
            any(project.abspath(_join(directory, m)).is_file() for m in _MANIFESTS)
            or setuptools
            or project.abspath(_join(directory, "requirements")).is_dir()
        ):
            return directory
        if directory in ("", "."):
            return "."
        directory = directory.rsplit("/", 1)[0] if "/" in directory else "."


def _is_setuptools_script(project: Project, path: str) -> bool:
    """A setup.py is a manifest when it is setuptools' (not `core/setup.py`, a module)."""
    text = project.text(path) if project.exists(path) else None
    return text is not None and re.search(_SETUP, text, re.M) is not None


def _join(directory: str, name: str) -> str:
    return f"{directory}/{name}" if directory not in ("", ".") else name
