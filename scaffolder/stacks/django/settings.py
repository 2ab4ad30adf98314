"""Django settings, read statically: a settings module with its star-imported bases, evaluated.

Django runs a settings module top to bottom; split settings (`settings/dev.py` doing
`from .base import *`) make the effective value of a setting the last assignment along that
chain. This module follows the chain and evaluates the literal parts of each setting (strings,
lists, dicts, `BASE_DIR / "templates"`-style paths, `os.environ.get(..., default)`), remembering
which file assigns it. What cannot be known statically evaluates to `UNKNOWN`.
"""

from __future__ import annotations

import ast
import posixpath
from dataclasses import dataclass, field
from typing import Any

from scaffolder.python.source import PyModule, PythonIndex


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        return False


UNKNOWN: Any = _Unknown()


@dataclass(frozen=True)
class ProjPath:
    """A filesystem path relative to the project root; `up` counts levels above the root."""

    parts: tuple[str, ...]
    up: int = 0

    @classmethod
    def of(cls, rel: str) -> ProjPath:
        return cls(()).join(rel)

    @property
    def parent(self) -> ProjPath:
        if self.parts:
            return ProjPath(self.parts[:-1], self.up)
        return ProjPath((), self.up + 1)

    def join(self, *segments: str) -> ProjPath:
        parts, up = list(self.parts), self.up
        for segment in segments:
            if segment.startswith("/"):
                return ProjPath((), 1)  # an absolute path: outside the project
            for piece in segment.split("/"):
                if piece in ("", "."):
                    continue
                if piece == "..":
                    if parts:
                        parts.pop()
                    else:
                        up += 1
                else:
                    parts.append(piece)
        return ProjPath(tuple(parts), up)

    @property
    def rel(self) -> str | None:
        """The project-relative POSIX path, or None when it lies outside the project."""
        if self.up:
            return None
        return "/".join(self.parts) or "."


@dataclass(frozen=True)
class _Parents:
    path: ProjPath


@dataclass
class Setting:
    """A setting's evaluated value and the statement that (last) assigned it."""

    name: str
    value: Any
    path: str
    line: int


@dataclass
class Settings:
    """The effective settings of one settings module (`dotted`), as Django would load them."""

    dotted: str
    path: str
    values: dict[str, Setting] = field(default_factory=dict)
    modules: list[str] = field(default_factory=list)
    """Files of the chain in execution order (star-imported bases first)."""

    def get(self, name: str) -> Any:
        found = self.values.get(name)
        return found.value if found else UNKNOWN

    def where(self, name: str) -> Setting | None:
        return self.values.get(name)

    def strings(self, name: str) -> list[str]:
        """A list-of-strings setting (INSTALLED_APPS, MIDDLEWARE); unknown items are dropped."""
        value = self.get(name)
        if isinstance(value, (list, tuple)):
            return [v for v in value if isinstance(v, str)]
        return []


def resolve_module(index: PythonIndex, root: str, dotted: str) -> PyModule | None:
    """The module `dotted` as Django would import it with `root` (manage.py's dir) on sys.path."""
    rel = dotted.replace(".", "/")
    prefix = f"{root}/" if root not in ("", ".") else ""
    for candidate in (f"{prefix}{rel}.py", f"{prefix}{rel}/__init__.py"):
        if index.project.exists(candidate):
            return index.module(candidate)
    return index.by_name(dotted)


def load(index: PythonIndex, root: str, dotted: str) -> Settings | None:
    mod = resolve_module(index, root, dotted)
    if mod is None:
        return None
    settings = Settings(dotted, mod.path)
    _Evaluator(index, root, settings).run(mod, set())
    return settings


class _Evaluator:
    def __init__(self, index: PythonIndex, root: str, settings: Settings) -> None:
        self.index = index
        self.root = root
        self.settings = settings
        self.env: dict[str, Any] = {}

    def run(self, mod: PyModule, seen: set[str]) -> None:
        if mod.path in seen:
            return
        seen.add(mod.path)
        self.settings.modules.append(mod.path)
        self._body(mod, mod.tree.body, seen)

    def _body(self, mod: PyModule, body: list[ast.stmt], seen: set[str]) -> None:
        for stmt in body:
            if isinstance(stmt, ast.ImportFrom):
                self._import_from(mod, stmt, seen)
            elif isinstance(stmt, ast.Assign):
                value = self.eval(mod, stmt.value)
                for target in stmt.targets:
                    self._assign(mod, stmt, target, value)
            elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
                self._assign(mod, stmt, stmt.target, self.eval(mod, stmt.value))
            elif isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
                self._augment(mod, stmt)
            elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
                self._mutate(mod, stmt.value)
            elif isinstance(stmt, ast.If):
                # Both branches: a setting added under `if DEBUG:` is still part of the project.
                self._body(mod, stmt.body, seen)
                self._body(mod, stmt.orelse, seen)
            elif isinstance(stmt, ast.Try):
                self._body(mod, stmt.body, seen)
                for handler in stmt.handlers:
                    self._body(mod, handler.body, seen)
                self._body(mod, stmt.orelse, seen)
                self._body(mod, stmt.finalbody, seen)
            elif isinstance(stmt, ast.With):
                self._body(mod, stmt.body, seen)

    def _import_from(self, mod: PyModule, stmt: ast.ImportFrom, seen: set[str]) -> None:
        source = mod.resolve_from(stmt)
        target = resolve_module(self.index, self.root, source) if source else None
        if target is None or target is mod:
            return
        if any(alias.name == "*" for alias in stmt.names):
            self.run(target, seen)
            return
        # `from .base import INSTALLED_APPS`: evaluate the base on its own, then bind the names.
        sub = Settings(source, target.path)
        evaluator = _Evaluator(self.index, self.root, sub)
        evaluator.run(target, set(seen))
        for alias in stmt.names:
            if alias.name in evaluator.env:
                self.env[alias.asname or alias.name] = evaluator.env[alias.name]

    def _assign(self, mod: PyModule, stmt: ast.stmt, target: ast.expr, value: Any) -> None:
        if isinstance(target, ast.Name):
            self.env[target.id] = value
            if target.id.isupper():
                self.settings.values[target.id] = Setting(target.id, value, mod.path, stmt.lineno)
        elif isinstance(target, ast.Subscript):
            _store(self.eval(mod, target.value), self.eval(mod, target.slice), value)

    def _augment(self, mod: PyModule, stmt: ast.AugAssign) -> None:
        assert isinstance(stmt.target, ast.Name)
        name = stmt.target.id
        current = self.env.get(name, UNKNOWN)
        added = self.eval(mod, stmt.value)
        if (
            isinstance(stmt.op, ast.Add)
            and isinstance(current, list)
            and isinstance(added, (list, tuple))
        ):
            current.extend(added)  # in place, as Python does for lists
            return
        new = self._binop(stmt.op, current, added)
        self.env[name] = new
        if name in self.settings.values:
            self.settings.values[name].value = new

    def _mutate(self, mod: PyModule, call: ast.Call) -> None:
        """`INSTALLED_APPS.append(...)`, `.extend(...)`, `.insert(i, ...)` on a known list."""
        func = call.func
        if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
            return
        target = self.env.get(func.value.id)
        if not isinstance(target, list):
            return
        args = [self.eval(mod, a) for a in call.args]
        if func.attr == "append" and len(args) == 1:
            target.append(args[0])
        elif func.attr == "extend" and len(args) == 1 and isinstance(args[0], (list, tuple)):
            target.extend(args[0])
        elif func.attr == "insert" and len(args) == 2 and isinstance(args[0], int):
            target.insert(args[0], args[1])

    # -- expressions ---------------------------------------------------------------------------

    def eval(self, mod: PyModule, node: ast.expr) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            items: list[Any] = []
            for elt in node.elts:
                if isinstance(elt, ast.Starred):
                    inner = self.eval(mod, elt.value)
                    if isinstance(inner, (list, tuple)):
                        items.extend(inner)
                    else:
                        items.append(UNKNOWN)
                else:
                    items.append(self.eval(mod, elt))
            return tuple(items) if isinstance(node, ast.Tuple) else items
        if isinstance(node, ast.Dict):
            out: dict[Any, Any] = {}
            for key, value in zip(node.keys, node.values, strict=True):
                if key is None:
                    merged = self.eval(mod, value)
                    if isinstance(merged, dict):
                        out.update(merged)
                    continue
                out[self.eval(mod, key)] = self.eval(mod, value)
            return out
        if isinstance(node, ast.Name):
            if node.id == "__file__":
                return ProjPath.of(mod.path)
            return self.env.get(node.id, UNKNOWN)
        if isinstance(node, ast.BinOp):
            return self._binop(node.op, self.eval(mod, node.left), self.eval(mod, node.right))
        if isinstance(node, ast.Attribute):
            return self._attribute(mod, node)
        if isinstance(node, ast.Subscript):
            base = self.eval(mod, node.value)
            key = self.eval(mod, node.slice)
            if isinstance(base, _Parents) and isinstance(key, int):
                path = base.path
                for _ in range(key + 1):
                    path = path.parent
                return path
            if isinstance(base, (list, tuple)) and isinstance(key, int):
                return base[key] if -len(base) <= key < len(base) else UNKNOWN
            if isinstance(base, dict) and isinstance(key, str):
                return base.get(key, UNKNOWN)
            return UNKNOWN
        if isinstance(node, ast.Call):
            return self._call(mod, node)
        if isinstance(node, ast.JoinedStr):
            return self._fstring(mod, node)
        return UNKNOWN

    def _binop(self, op: ast.operator, left: Any, right: Any) -> Any:
        if isinstance(op, ast.Add):
            if isinstance(left, list) and isinstance(right, (list, tuple)):
                return [*left, *right]
            if isinstance(left, tuple) and isinstance(right, (list, tuple)):
                return (*left, *right)
            if isinstance(left, str) and isinstance(right, str):
                return left + right
            if isinstance(left, ProjPath) and isinstance(right, str):
                return _join_str(left, right)
        if isinstance(op, ast.Div) and isinstance(left, ProjPath) and isinstance(right, str):
            return left.join(right)
        if isinstance(op, ast.Sub) and isinstance(left, ProjPath) and isinstance(right, int):
            # django-environ: `environ.Path(__file__) - 3` goes three levels up.
            for _ in range(right):
                left = left.parent
            return left
        return UNKNOWN

    def _attribute(self, mod: PyModule, node: ast.Attribute) -> Any:
        if mod.qualified(node) == "os.sep":
            return "/"
        base = self.eval(mod, node.value)
        if isinstance(base, ProjPath):
            if node.attr == "parent":
                return base.parent
            if node.attr == "parents":
                return _Parents(base)
            if node.attr == "root":  # django-environ's Path.root: the path as a string
                return base
        return UNKNOWN

    def _call(self, mod: PyModule, node: ast.Call) -> Any:
        name = mod.qualified(node.func) or ""
        args = [self.eval(mod, a) for a in node.args]
        if name in (
            "pathlib.Path",
            "pathlib.PurePath",
            "pathlib.PosixPath",
            "os.path.join",
            "environ.Path",
        ):
            return _path_join(args)
        if name in ("os.path.dirname",) and len(args) == 1:
            path = _as_path(args[0])
            return path.parent if path else UNKNOWN
        if (
            name in ("os.path.abspath", "os.path.realpath", "os.path.normpath", "os.fspath")
            or name in ("str", "list", "tuple")
        ) and len(args) == 1:
            value = args[0]
            if name == "list" and isinstance(value, tuple):
                return list(value)
            if name == "tuple" and isinstance(value, list):
                return tuple(value)
            return value
        if name in ("os.environ.get", "os.getenv"):
            return args[1] if len(args) > 1 else _keyword(self, mod, node, "default")
        if isinstance(node.func, ast.Attribute):
            owner = self.eval(mod, node.func.value)
            if isinstance(owner, ProjPath):
                if node.func.attr in ("resolve", "absolute", "expanduser"):
                    return owner
                if node.func.attr in ("joinpath", "path"):  # `path`: django-environ's Path
                    return _path_join([owner, *args])
            # django-environ and friends: env("X", default=...), env.bool("X", default=...)
            if node.func.attr in ("str", "bool", "int", "list", "path", "get_value"):
                return _keyword(self, mod, node, "default")
        if isinstance(node.func, ast.Name):
            if node.func.id == "env":
                return _keyword(self, mod, node, "default")
            called = self.env.get(node.func.id)
            if isinstance(called, ProjPath):  # django-environ: `ROOT_DIR("templates")`
                return _path_join([called, *args])
        return UNKNOWN

    def _fstring(self, mod: PyModule, node: ast.JoinedStr) -> Any:
        """`f"{BASE_DIR}/templates"`: a path when it starts with one, else a plain string."""
        pieces: list[Any] = []
        for value in node.values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                pieces.append(value.value)
            elif isinstance(value, ast.FormattedValue) and value.format_spec is None:
                pieces.append(self.eval(mod, value.value))
            else:
                return UNKNOWN
        if pieces and isinstance(pieces[0], ProjPath):
            rest = pieces[1:]
            if all(isinstance(p, str) for p in rest):
                return _join_str(pieces[0], "".join(rest))
            return UNKNOWN
        if all(isinstance(p, (str, int)) for p in pieces):
            return "".join(str(p) for p in pieces)
        return UNKNOWN


def _store(container: Any, key: Any, value: Any) -> None:
    """`TEMPLATES[0]["OPTIONS"]["debug"] = DEBUG` on a known structure."""
    if isinstance(container, dict) and isinstance(key, str):
        container[key] = value
        return
    if (
        isinstance(container, list)
        and isinstance(key, int)
        and -len(container) <= key < len(container)
    ):
        container[key] = value


def _keyword(ev: _Evaluator, mod: PyModule, node: ast.Call, name: str) -> Any:
    for kw in node.keywords:
        if kw.arg == name:
            return ev.eval(mod, kw.value)
    return UNKNOWN


def _as_path(value: Any) -> ProjPath | None:
    if isinstance(value, ProjPath):
        return value
    return None


def _join_str(base: ProjPath, text: str) -> Any:
    """`str(BASE_DIR) + "/templates"`: the text continues the path."""
    return base.join(text.lstrip("/")) if text.startswith("/") else UNKNOWN


def _path_join(args: list[Any]) -> Any:
    if not args or not isinstance(args[0], ProjPath):
        if args and all(isinstance(a, str) for a in args):
            return posixpath.join(*args)
        return UNKNOWN
    path = args[0]
    for arg in args[1:]:
        if isinstance(arg, ProjPath):
            path = arg
        elif isinstance(arg, str):
            path = path.join(arg)
        else:
            return UNKNOWN
    return path
