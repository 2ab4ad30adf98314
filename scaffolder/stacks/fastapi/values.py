"""Static values of string expressions: URL prefixes such as `settings.API_V1_STR`.

Follows module constants, imports, f-strings, `+`, and settings objects (a module-level
`settings = Settings()`, an `@lru_cache` `get_settings()` returning or annotated with one,
`settings = get_settings()` inside the app factory, or its parameter `settings: Settings`) down
to the class attribute's default.
Values read from a settings class can be overridden by the environment, so they are reported
as such.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from scaffolder.python.models import find_class
from scaffolder.python.source import PyModule, PythonIndex

_MAX_DEPTH = 8

Scope = ast.FunctionDef | ast.AsyncFunctionDef | None
"""The function an expression is evaluated in (an app factory), for its local variables."""


@dataclass(frozen=True)
class Value:
    text: str
    from_settings: bool = False


def resolve(
    index: PythonIndex,
    mod: PyModule,
    expr: ast.expr | None,
    depth: int = 0,
    scope: Scope = None,
) -> Value | None:
    """The string an expression evaluates to at import time (in `scope`, a function of `mod`,
    when given), when it can be known statically."""
    if expr is None or depth > _MAX_DEPTH:
        return None
    if isinstance(expr, ast.Constant):
        return Value(expr.value) if isinstance(expr.value, str) else None
    if isinstance(expr, ast.JoinedStr):
        return _joined(index, mod, expr, depth, scope)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        left = resolve(index, mod, expr.left, depth + 1, scope)
        right = resolve(index, mod, expr.right, depth + 1, scope)
        if left is None or right is None:
            return None
        return Value(left.text + right.text, left.from_settings or right.from_settings)
    if isinstance(expr, ast.Name):
        local = local_binding(scope, expr.id)
        if local is not None:
            return resolve(index, mod, local, depth + 1, scope)
        return _name(index, mod, expr.id, depth)
    if isinstance(expr, ast.Attribute):
        return _attribute(index, mod, expr, depth, scope)
    return None


def local_binding(scope: Scope, name: str) -> ast.expr | None:
    """The value last bound to `name` by an assignment in the function `scope`."""
    found: ast.expr | None = None
    for node in ast.walk(scope) if scope is not None else ():
        value = _assigned(node, name)
        found = value if value is not None else found
    return found


def _annotation(scope: Scope, name: str) -> ast.expr | None:
    """The class a parameter of `scope` is annotated with (`settings: Settings`)."""
    if scope is None:
        return None
    args = scope.args
    for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs):
        if arg.arg == name and isinstance(arg.annotation, (ast.Name, ast.Attribute)):
            return arg.annotation
    return None


def _assigned(node: ast.AST, name: str) -> ast.expr | None:
    """The value `node` binds to `name` (`name = v`, `name: T = v`), if it does."""
    if isinstance(node, ast.Assign) and any(
        isinstance(t, ast.Name) and t.id == name for t in node.targets
    ):
        return node.value
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return node.value if node.target.id == name else None
    return None


def _joined(
    index: PythonIndex, mod: PyModule, expr: ast.JoinedStr, depth: int, scope: Scope
) -> Value | None:
    parts: list[str] = []
    settings = False
    for part in expr.values:
        if isinstance(part, ast.Constant) and isinstance(part.value, str):
            parts.append(part.value)
            continue
        if not isinstance(part, ast.FormattedValue) or part.format_spec or part.conversion != -1:
            return None
        value = resolve(index, mod, part.value, depth + 1, scope)
        if value is None:
            return None
        parts.append(value.text)
        settings = settings or value.from_settings
    return Value("".join(parts), settings)


def module_binding(mod: PyModule, name: str) -> ast.expr | None:
    """The value last bound to `name` by a top-level assignment of the module."""
    found: ast.expr | None = None
    for stmt in mod.tree.body:
        value = _assigned(stmt, name)
        found = value if value is not None else found
    return found


def imported(index: PythonIndex, mod: PyModule, name: str) -> tuple[PyModule, str] | None:
    """(module, name) that `name` was imported from, when that module is in the project."""
    qualified = mod.imports.get(name)
    if qualified is None or qualified == name:
        return None
    owner, _, attr = qualified.rpartition(".")
    target = index.by_name(owner) if owner else None
    if target is None or target is mod:
        return None
    return target, attr


def _name(index: PythonIndex, mod: PyModule, name: str, depth: int) -> Value | None:
    bound = module_binding(mod, name)
    if bound is not None:
        return resolve(index, mod, bound, depth + 1)
    found = imported(index, mod, name)
    if found is None:
        return None
    target, attr = found
    return _name(index, target, attr, depth + 1)


def _attribute(
    index: PythonIndex, mod: PyModule, expr: ast.Attribute, depth: int, scope: Scope
) -> Value | None:
    base = expr.value
    if isinstance(base, ast.Name):  # `settings = get_settings()` in the factory
        local = local_binding(scope, base.id)
        base = local if local is not None else _annotation(scope, base.id) or base
    # `config.API_PREFIX` where `config` is a project module
    if isinstance(base, ast.Name):
        qualified = mod.imports.get(base.id)
        target = index.by_name(qualified) if qualified else None
        if target is not None and target is not mod:
            return _name(index, target, expr.attr, depth + 1)
    owner = _settings_class(index, mod, base, depth)
    if owner is None:
        return None
    cls_mod, cls = owner
    value = _class_default(cls, expr.attr)
    if value is None:
        return None
    found = resolve(index, cls_mod, value, depth + 1)
    return Value(found.text, True) if found else None


def _settings_class(
    index: PythonIndex, mod: PyModule, expr: ast.expr, depth: int
) -> tuple[PyModule, ast.ClassDef] | None:
    """The class of an object expression: `settings` (bound to `Settings()`), `get_settings()`,
    or the class itself."""
    if depth > _MAX_DEPTH:
        return None
    if isinstance(expr, ast.Name):
        bound = module_binding(mod, expr.id)
        if bound is not None:
            return _settings_class(index, mod, bound, depth + 1)
        cls = find_class(index, mod, expr.id)
        if cls is not None:
            return cls.module, cls.node
        found = imported(index, mod, expr.id)
        if found is None:
            return None
        target, attr = found
        return _settings_class(index, target, ast.Name(attr), depth + 1)
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name):
        cls = find_class(index, mod, expr.func.id)
        if cls is not None:
            return cls.module, cls.node
        func = _function(index, mod, expr.func.id)
        if func is not None:
            func_mod, node = func
            annotated = (
                find_class(index, func_mod, ast.unparse(node.returns)) if node.returns else None
            )
            if annotated is not None:  # `def get_app_settings() -> AppSettings`
                return annotated.module, annotated.node
            for ret in ast.walk(node):
                if isinstance(ret, ast.Return) and ret.value is not None:
                    return _settings_class(index, func_mod, ret.value, depth + 1)
    return None


def _function(
    index: PythonIndex, mod: PyModule, name: str
) -> tuple[PyModule, ast.FunctionDef] | None:
    for stmt in mod.tree.body:
        if isinstance(stmt, ast.FunctionDef) and stmt.name == name:
            return mod, stmt
    found = imported(index, mod, name)
    if found is None:
        return None
    return _function(index, found[0], found[1])


def _class_default(cls: ast.ClassDef, attr: str) -> ast.expr | None:
    for stmt in cls.body:
        if not (isinstance(stmt, (ast.Assign, ast.AnnAssign)) and _binds(stmt, attr)):
            continue
        value = _assigned(stmt, attr)
        if isinstance(value, ast.Call):  # pydantic `Field("/api", ...)` / `Field(default=...)`
            for kw in value.keywords:
                if kw.arg == "default":
                    return kw.value
            return value.args[0] if value.args else None
        return value
    return None


def _binds(stmt: ast.Assign | ast.AnnAssign, name: str) -> bool:
    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
    return any(isinstance(t, ast.Name) and t.id == name for t in targets)
