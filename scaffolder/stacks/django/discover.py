"""Where a Django project is: `manage.py`, the settings module(s) it runs with, its apps.

The settings module comes from `DJANGO_SETTINGS_MODULE` as `manage.py`, `wsgi.py`, `asgi.py`
(or a Celery module) set it; several of them may name different modules of a split settings
package (`config.settings.dev` / `config.settings.prod`), which all count.
"""

from __future__ import annotations

import ast
import posixpath
import re
from dataclasses import dataclass, field

from scaffolder import paths
from scaffolder.python.source import PyModule, PythonIndex, string_value
from scaffolder.stacks.django.settings import Settings, load, resolve_module

_KIND_ORDER = {"manage.py": 0, "wsgi.py": 1, "asgi.py": 2}


# Django projects also keep apps' `tests.py` and data `fixtures/` beside the code.
_DJANGO_TESTS = re.compile(r"(^|/)fixtures/|(^|/)tests?\.py$")


def is_test_path(path: str) -> bool:
    return paths.is_test_path(path) or bool(_DJANGO_TESTS.search(path))


def own_code(path: str, root: str, packages: list[str]) -> bool:
    """Whether `path` is the project's code, not its tests, examples or docs. Below a package
    of the project itself (the settings package, an app) only the part inside it is judged, so
    a project whose package is named `example/` is still seen."""
    prefix = "" if root in (".", "") else root + "/"
    if not path.startswith(prefix):
        return False
    rel = path[len(prefix) :]
    for package in sorted(packages, key=len, reverse=True):
        if package not in (".", "") and path.startswith(package + "/"):
            rel = path[len(package) + 1 :]
            break
    return not is_test_path(rel)


def dirname(path: str) -> str:
    return posixpath.dirname(path) or "."


def join(directory: str, *parts: str) -> str:
    if directory in ("", "."):
        return posixpath.join(*parts) if parts else "."
    return posixpath.join(directory, *parts)


@dataclass(frozen=True)
class Entry:
    """A place that sets DJANGO_SETTINGS_MODULE."""

    dotted: str
    path: str
    line: int

    @property
    def order(self) -> tuple[int, str]:
        return _KIND_ORDER.get(posixpath.basename(self.path), 3), self.path


@dataclass
class DjangoProject:
    root: str
    """The directory Django runs from (manage.py's): the root of its imports."""
    manage: str | None
    entries: list[Entry] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.manage or self.root


def settings_entries(index: PythonIndex) -> list[Entry]:
    """`os.environ.setdefault("DJANGO_SETTINGS_MODULE", "x.y")` and `os.environ[...] = "x.y"`."""
    found: list[Entry] = []
    for mod in index.modules(containing="DJANGO_SETTINGS_MODULE"):
        if is_test_path(mod.path):
            continue
        for node in ast.walk(mod.tree):
            value: ast.expr | None = None
            if (
                isinstance(node, ast.Call)
                and mod.qualified(node.func) == "os.environ.setdefault"
                and len(node.args) == 2
                and string_value(node.args[0]) == "DJANGO_SETTINGS_MODULE"
            ):
                value = node.args[1]
            elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Subscript)
                and mod.qualified(t.value) == "os.environ"
                and string_value(t.slice) == "DJANGO_SETTINGS_MODULE"
                for t in node.targets
            ):
                value = node.value
            dotted = _last_string(value) if value is not None else None
            if dotted and re.fullmatch(r"[\w.]+", dotted):
                found.append(Entry(dotted, mod.path, getattr(node, "lineno", 1)))
    return sorted(set(found), key=lambda e: e.order)


def _last_string(node: ast.expr) -> str | None:
    """The module name, also when given as a default: `os.getenv("X", "config.settings")`."""
    direct = string_value(node)
    if direct is not None:
        return direct
    strings = [s for n in ast.walk(node) if (s := string_value(n)) is not None]
    return strings[-1] if strings else None


def _is_manage(mod: PyModule | None) -> bool:
    return mod is not None and (
        "execute_from_command_line" in mod.text or "DJANGO_SETTINGS_MODULE" in mod.text
    )


def find_projects(index: PythonIndex) -> list[DjangoProject]:
    """Django projects: one per `manage.py`, with the settings entries found below it."""
    project = index.project
    projects = [
        DjangoProject(dirname(path), path)
        for path in project.named("manage.py")
        if not is_test_path(path) and _is_manage(index.module(path))
    ]
    entries = settings_entries(index)
    if not projects:
        roots: dict[str, DjangoProject] = {}
        for entry in entries:
            root = _root_for(index, entry)
            if root is not None:
                roots.setdefault(root, DjangoProject(root, None))
        projects = list(roots.values())
    for entry in entries:
        owners = [p for p in projects if p.root in (".", "") or entry.path.startswith(p.root + "/")]
        if owners:
            max(owners, key=lambda p: len(p.root)).entries.append(entry)
    return sorted(projects, key=lambda p: (p.root.count("/"), p.root))


def _root_for(index: PythonIndex, entry: Entry) -> str | None:
    """Without manage.py: the directory, at or above the entry's, that `entry.dotted` imports
    from."""
    rel = entry.dotted.replace(".", "/")
    directory = dirname(entry.path)
    while True:
        if any(index.project.exists(join(directory, rel + end)) for end in (".py", "/__init__.py")):
            return directory
        if directory in (".", ""):
            return None
        directory = dirname(directory)


def settings_candidates(index: PythonIndex, root: str) -> list[str]:
    """Without any DJANGO_SETTINGS_MODULE: modules under `root` that assign INSTALLED_APPS,
    minus those another candidate star-imports (bases of a split settings package)."""
    prefix = "" if root in (".", "") else root + "/"
    found: dict[str, PyModule] = {}
    modules = [*index.modules(containing="INSTALLED_APPS"), *index.modules(containing="import *")]
    for mod in modules:
        if not mod.path.startswith(prefix) or is_test_path(mod.path):
            continue
        assigns = any(
            isinstance(stmt, (ast.Assign, ast.AnnAssign))
            and any(
                isinstance(t, ast.Name) and t.id == "INSTALLED_APPS"
                for t in (stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target])
            )
            for stmt in mod.tree.body
        )
        star = any(
            isinstance(stmt, ast.ImportFrom) and any(a.name == "*" for a in stmt.names)
            for stmt in mod.tree.body
        )
        if assigns or star:
            found[dotted_name(root, mod.path)] = mod
    bases: set[str] = set()
    for mod in found.values():
        for stmt in mod.tree.body:
            if isinstance(stmt, ast.ImportFrom) and any(a.name == "*" for a in stmt.names):
                bases.add(mod.resolve_from(stmt))
    leaves = [name for name in found if name not in bases]
    with_apps = [n for n in leaves if _defines_apps(index, root, n)]
    return sorted(with_apps)


def _defines_apps(index: PythonIndex, root: str, dotted: str) -> bool:
    loaded = load(index, root, dotted)
    return loaded is not None and bool(loaded.strings("INSTALLED_APPS"))


def dotted_name(root: str, path: str) -> str:
    prefix = "" if root in (".", "") else root + "/"
    rel = path[len(prefix) :] if path.startswith(prefix) else path
    rel = rel.removesuffix(".py").removesuffix("/__init__")
    return rel.replace("/", ".")


@dataclass(frozen=True)
class AppInfo:
    """An INSTALLED_APPS entry that is part of this project."""

    entry: str
    module: str
    label: str
    directory: str


def project_apps(index: PythonIndex, root: str, settings: Settings) -> list[AppInfo]:
    apps = []
    for entry in settings.strings("INSTALLED_APPS"):
        app = _app(index, root, entry)
        if app is not None:
            apps.append(app)
    return apps


def _app(index: PythonIndex, root: str, entry: str) -> AppInfo | None:
    mod = resolve_module(index, root, entry)
    if mod is not None and mod.is_package:
        label = _config_label(index, root, entry, mod) or entry.rsplit(".", 1)[-1]
        return AppInfo(entry, entry, label, dirname(mod.path))
    # "accounts.apps.AccountsConfig": an AppConfig class; its `name` is the app's module.
    module_name, _, cls_name = entry.rpartition(".")
    config = resolve_module(index, root, module_name) if module_name else None
    if config is None:
        return None
    for node in config.tree.body:
        if isinstance(node, ast.ClassDef) and node.name == cls_name:
            attrs = _class_strings(node)
            name = attrs.get("name")
            if name is None:
                return None
            package = resolve_module(index, root, name)
            if package is None:
                return None
            label = attrs.get("label", name.rsplit(".", 1)[-1])
            return AppInfo(entry, name, label, dirname(package.path))
    return None


def _config_label(index: PythonIndex, root: str, entry: str, package: PyModule) -> str | None:
    """An app package whose apps.py has one AppConfig with an explicit `label`."""
    apps_mod = resolve_module(index, root, f"{entry}.apps")
    if apps_mod is None:
        return None
    labels = [
        attrs["label"]
        for node in apps_mod.tree.body
        if isinstance(node, ast.ClassDef)
        and (attrs := _class_strings(node)).get("name") == entry
        and "label" in attrs
    ]
    return labels[0] if len(labels) == 1 else None


def _class_strings(node: ast.ClassDef) -> dict[str, str]:
    out: dict[str, str] = {}
    for stmt in node.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target = stmt.targets[0]
            value = string_value(stmt.value)
            if isinstance(target, ast.Name) and value is not None:
                out[target.id] = value
    return out
