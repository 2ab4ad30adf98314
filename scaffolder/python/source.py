"""An `ast` index of a project's Python modules, for fast, read-only detection.

Detection parses with the standard library (`ast`), which is an order of magnitude faster than
LibCST; LibCST reads a module only when `ast` refuses it (`syntax.parse`: syntax newer than the
running interpreter is lowered, lines kept) and when a plan rewrites a file.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TypeVar, cast

from scaffolder.project import Project
from scaffolder.python import syntax

NodeT = TypeVar("NodeT", bound=ast.AST)


@dataclass
class PyModule:
    path: str
    name: str
    tree: ast.Module
    text: str
    is_package: bool

    def nodes(self, *kinds: type[NodeT]) -> Sequence[NodeT]:
        """The module's nodes of the given classes, in `ast.walk` order. The tree is walked once
        whoever asks: finders ask for the node classes they look at instead of walking it."""
        if len(kinds) == 1:
            return cast("list[NodeT]", self._by_class.get(kinds[0], []))
        return [node for node in self._walked if isinstance(node, kinds)]

    @cached_property
    def _walked(self) -> list[ast.AST]:
        return list(ast.walk(self.tree))

    @cached_property
    def _by_class(self) -> dict[type[ast.AST], list[ast.AST]]:
        # `ast.parse` builds only concrete node classes, so a node's class is its only kind
        found: dict[type[ast.AST], list[ast.AST]] = {}
        for node in self._walked:
            found.setdefault(type(node), []).append(node)
        return found

    @cached_property
    def imports(self) -> dict[str, str]:
        """Local name -> fully qualified dotted name, for top-level and nested imports."""
        found: dict[str, str] = {}
        for node in self.nodes(ast.Import, ast.ImportFrom):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        found[alias.asname] = alias.name
                    else:
                        head = alias.name.split(".")[0]
                        found[head] = head
            elif isinstance(node, ast.ImportFrom):
                base = self.resolve_from(node)
                for alias in node.names:
                    found[alias.asname or alias.name] = (
                        f"{base}.{alias.name}" if base else alias.name
                    )
        return found

    def resolve_from(self, node: ast.ImportFrom) -> str:
        """The absolute module an ImportFrom reads from."""
        if not node.level:
            return node.module or ""
        parts = self.name.split(".")
        package = parts if self.is_package else parts[:-1]
        package = package[: len(package) - (node.level - 1)] if node.level > 1 else package
        return ".".join([*package, *([node.module] if node.module else [])])

    def qualified(self, expr: ast.expr) -> str | None:
        """`flask.Flask` for `Flask(...)`'s func when imported from flask, etc."""
        if isinstance(expr, ast.Name):
            return self.imports.get(expr.id, expr.id)
        if isinstance(expr, ast.Attribute):
            base = self.qualified(expr.value)
            return f"{base}.{expr.attr}" if base else None
        return None

    @property
    def uses_relative_imports(self) -> bool:
        return any(node.level for node in self.nodes(ast.ImportFrom))


class PythonIndex:
    """Parsed Python modules of a project; unparseable files become notes."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._modules: dict[str, PyModule | None] = {}

    @classmethod
    def of(cls, project: Project) -> PythonIndex:
        """The project's shared index: every stack reads the same parsed modules."""
        return project.shared(cls.__name__, lambda: cls(project))

    @cached_property
    def paths(self) -> list[str]:
        return self.project.with_suffix(".py")

    def module(self, path: str) -> PyModule | None:
        if path in self._modules:
            return self._modules[path]
        text = self.project.text(path)
        mod: PyModule | None = None
        if text is not None:
            try:
                tree = syntax.parse(text, filename=path)
            except syntax.Unparseable as exc:
                # valid code of a grammar this interpreter cannot analyse never stops a run
                self.project.note(exc.message, path, exc.line, blocking=not exc.valid)
            else:
                name, is_pkg = module_name(self.project, path)
                mod = PyModule(path, name, tree, text, is_pkg)
        self._modules[path] = mod
        return mod

    def modules(self, containing: str | tuple[str, ...] | None = None) -> Iterator[PyModule]:
        """Parsed modules; with `containing` (a word, or several), only those whose text
        mentions it (one of them): a grep before the parse, so a module that mentions none is
        never parsed for this caller, however many others asked for it."""
        words = (containing,) if isinstance(containing, str) else containing
        for path in self.paths:
            if words is not None:
                text = self.project.text(path)
                if text is None:
                    continue
                for word in words:  # a loop, not any(): this runs for every module, per finder
                    if word in text:
                        break
                else:
                    continue
            mod = self.module(path)
            if mod is not None:
                yield mod

    def by_name(self, dotted: str) -> PyModule | None:
        for path in self._candidates(dotted):
            if self.project.exists(path):
                return self.module(path)
        return None

    def _candidates(self, dotted: str) -> Iterator[str]:
        rel = dotted.replace(".", "/")
        for root in self.source_roots:
            prefix = f"{root}/" if root else ""
            yield f"{prefix}{rel}.py"
            yield f"{prefix}{rel}/__init__.py"

    @cached_property
    def source_roots(self) -> list[str]:
        """Directories that hold top-level modules: the project root, `src/`, and any dir whose
        child is a top-level package (a package dir without `__init__.py` above it)."""
        roots: dict[str, None] = {"": None}
        for path in self.paths:
            if path.endswith("/__init__.py"):
                pkg_dir = path.rsplit("/", 1)[0]
                parent = pkg_dir.rsplit("/", 1)[0] if "/" in pkg_dir else ""
                if not self.project.exists(f"{parent}/__init__.py" if parent else "__init__.py"):
                    roots[parent] = None
        return list(roots)


def module_name(project: Project, path: str) -> tuple[str, bool]:
    """Dotted module name of a file, from the package directories (`__init__.py`) above it.
    Directories without one below a package are namespace packages inside it
    (`app/__init__.py` + `app/auth/deps.py` -> `app.auth.deps`)."""
    parts = path[:-3].split("/")
    is_package = parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    dirs = parts[:-1]
    top = len(dirs)
    for depth in range(len(dirs), 0, -1):
        if project.exists("/".join([*dirs[:depth], "__init__.py"])):
            top = depth - 1
    return ".".join(parts[top:]), is_package


def call_name(mod: PyModule, node: ast.AST) -> str | None:
    """Qualified name of the callable in a Call node."""
    if isinstance(node, ast.Call):
        return mod.qualified(node.func)
    return None


def string_value(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def keyword(node: ast.Call, name: str) -> ast.expr | None:
    for kw in node.keywords:
        if kw.arg == name:
            return kw.value
    return None
