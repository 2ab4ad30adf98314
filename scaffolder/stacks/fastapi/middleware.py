"""Middleware that matters to the widget token (https://www.starlette.io/middleware/):

- Starlette's `AuthenticationMiddleware` with the app's own backend: its `authenticate()`
  returns `(AuthCredentials, user)` for a signed-in visitor and `request.user` is that user
  (`UnauthenticatedUser` otherwise): the identity source when no dependency is;
- middleware that sets `Cache-Control` on every response (`@app.middleware("http")`, a
  `BaseHTTPMiddleware` subclass or an ASGI class passed to `add_middleware`): it runs after the
  endpoint and would overwrite its `no-store`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from scaffolder.model import Evidence
from scaffolder.paths import is_test_path
from scaffolder.python.models import ModelClass, class_from_expr, find_class
from scaffolder.python.source import PyModule, PythonIndex, keyword, string_value
from scaffolder.stacks.fastapi.detect import AppInfo, generated, modules

_AUTH_MIDDLEWARE = frozenset(
    {
        "starlette.middleware.authentication.AuthenticationMiddleware",
        "fastapi.middleware.authentication.AuthenticationMiddleware",
    }
)
_MIDDLEWARE = frozenset({"starlette.middleware.Middleware", "fastapi.middleware.Middleware"})
CACHE_CONTROL = "cache-control"


@dataclass(frozen=True)
class AuthBackend:
    """`add_middleware(AuthenticationMiddleware, backend=JwtAuthBackend())`."""

    cls: ModelClass  # the backend class
    model: ModelClass | None  # the user `authenticate()` returns
    bearer: bool  # it reads the Authorization header
    evidence: tuple[Evidence, ...]


def auth_backends(index: PythonIndex) -> list[AuthBackend]:
    found: dict[str, AuthBackend] = {}
    for mod in modules(index, "AuthenticationMiddleware"):
        if is_test_path(mod.path):
            continue
        for node in ast.walk(mod.tree):
            if not isinstance(node, ast.Call):
                continue
            backend = _backend_call(mod, node)
            if backend is None:
                continue
            cls = find_class(index, mod, ast.unparse(backend.func))
            method = _method(cls, "authenticate") if cls is not None else None
            if cls is None or method is None:
                continue
            model = _authenticated_user(index, cls.module, method)
            evidence = [
                Evidence(mod.path, node.lineno, f"AuthenticationMiddleware(backend={cls.name}())"),
                Evidence(cls.path, method.lineno, f"{cls.name}.authenticate() sets request.user"),
            ]
            if model is not None:
                evidence.append(Evidence(model.path, model.node.lineno, f"user model {model.name}"))
            found.setdefault(
                f"{cls.module.name}.{cls.name}",
                AuthBackend(cls, model, _reads_authorization(cls.node), tuple(evidence)),
            )
    return list(found.values())


def _backend_call(mod: PyModule, node: ast.Call) -> ast.Call | None:
    """The `backend=` call of `x.add_middleware(AuthenticationMiddleware, backend=...)` or
    `Middleware(AuthenticationMiddleware, backend=...)`."""
    if not node.args:
        return None
    adds = isinstance(node.func, ast.Attribute) and node.func.attr == "add_middleware"
    if not (adds or mod.qualified(node.func) in _MIDDLEWARE):
        return None
    if mod.qualified(node.args[0]) not in _AUTH_MIDDLEWARE:
        return None
    backend = keyword(node, "backend") or (node.args[1] if len(node.args) > 1 else None)
    return backend if isinstance(backend, ast.Call) else None


def _method(cls: ModelClass, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    return next(
        (
            s
            for s in cls.node.body
            if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == name
        ),
        None,
    )


def _authenticated_user(
    index: PythonIndex, mod: PyModule, method: ast.FunctionDef | ast.AsyncFunctionDef
) -> ModelClass | None:
    """The second item of what `authenticate()` returns: `tuple[AuthCredentials, User] | None`
    as annotated, else `return AuthCredentials([...]), user`."""
    annotation = method.returns
    for part in _union_members(annotation) if annotation is not None else []:
        if isinstance(part, ast.Subscript) and isinstance(part.slice, ast.Tuple):
            elts = part.slice.elts
            if len(elts) == 2:
                found = find_class(index, mod, ast.unparse(elts[1]))
                if found is not None:
                    return found
    for node in ast.walk(method):
        if (
            isinstance(node, ast.Return)
            and isinstance(node.value, ast.Tuple)
            and len(node.value.elts) == 2
        ):
            found = class_from_expr(index, mod, node.value.elts[1])
            if found is not None:
                return found
    return None


def _union_members(expr: ast.expr) -> list[ast.expr]:
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.BitOr):
        return [*_union_members(expr.left), *_union_members(expr.right)]
    if isinstance(expr, ast.Subscript) and ast.unparse(expr.value).endswith(("Optional", "Union")):
        inner = expr.slice
        return list(inner.elts) if isinstance(inner, ast.Tuple) else [inner]
    return [expr]


def _reads_authorization(node: ast.AST) -> bool:
    return any(
        (string_value(n) or "").lower() == "authorization"
        or (isinstance(n, ast.Name) and n.id == "get_authorization_scheme_param")
        for n in ast.walk(node)
    )


# -- Cache-Control overwritten on every response ----------------------------------------------


@dataclass(frozen=True)
class CacheOverride:
    """A middleware of the app that sets `Cache-Control` on the responses it passes on."""

    path: str  # the module registering it
    line: int  # the registration's last line: the endpoint's guard is added after it
    function: str | None  # the top-level function registering it (the factory), if any
    variable: str  # the app, as that code names it
    name: str  # the middleware function or class
    evidence: Evidence


def cache_overrides(index: PythonIndex, app: AppInfo) -> list[CacheOverride]:
    """Middleware registered on the app where it is built (module level, in its factory or in
    a function the factory hands the app to, or where `app = create_app()` runs) that
    overwrites `Cache-Control`."""
    sites = [app.path, *(path for path, _, _ in app.built_by)]
    out: list[CacheOverride] = []
    for path in dict.fromkeys(sites):
        mod = index.module(path)
        if mod is None or "middleware" not in mod.text:
            continue
        scopes = _scopes(mod, app)
        for stmt in mod.tree.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name in scopes:
                body, scope, names = stmt.body, stmt.name, {scopes[stmt.name]}
            else:
                body, scope, names = [stmt], None, _module_names(app, mod)
            for inner in body:
                found = _override(index, mod, inner, names, scope)
                if found is not None:
                    out.append(found)
    return out


def _module_names(app: AppInfo, mod: PyModule) -> set[str]:
    """How module-level code of `mod` names the app."""
    names = {var for path, _, var in app.built_by if path == mod.path}
    return names | ({app.var} if mod.path == app.path and app.factory is None else set())


def _scopes(mod: PyModule, app: AppInfo) -> dict[str, str]:
    """Functions of `mod` that see the app, with their name for it: its factory, and the
    module's functions the factory calls with it (`register_middleware(app)`)."""
    if mod.path != app.path or app.factory is None:
        return {}
    factory = next(
        (
            s
            for s in mod.tree.body
            if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == app.factory
        ),
        None,
    )
    if factory is None:
        return {}
    scopes = {factory.name: app.var}
    functions = {
        s.name: s for s in mod.tree.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))
    }
    for node in ast.walk(factory):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        helper = functions.get(node.func.id)
        params = [a.arg for a in (*helper.args.posonlyargs, *helper.args.args)] if helper else []
        for position, arg in enumerate(node.args[: len(params)]):
            if isinstance(arg, ast.Name) and arg.id == app.var and helper is not None:
                scopes.setdefault(helper.name, params[position])
    return scopes


def _override(
    index: PythonIndex, mod: PyModule, stmt: ast.stmt, names: set[str], scope: str | None
) -> CacheOverride | None:
    if not names:
        return None
    end = stmt.end_lineno or stmt.lineno
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
        for dec in stmt.decorator_list:
            if (
                isinstance(dec, ast.Call)
                and isinstance(dec.func, ast.Attribute)
                and dec.func.attr == "middleware"
                and isinstance(dec.func.value, ast.Name)
                and dec.func.value.id in names
                and _sets_cache_control(stmt)
            ):
                why = f"{stmt.name}() sets Cache-Control on every response"
                where = Evidence(mod.path, _sets_line(stmt), why)
                return CacheOverride(mod.path, end, scope, dec.func.value.id, stmt.name, where)
        return None
    if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
        return None
    call = stmt.value
    if not (
        isinstance(call.func, ast.Attribute)
        and call.func.attr == "add_middleware"
        and isinstance(call.func.value, ast.Name)
        and call.func.value.id in names
        and call.args
    ):
        return None
    cls = find_class(index, mod, ast.unparse(call.args[0]))
    if cls is None or generated(cls.module) or not _sets_cache_control(cls.node):
        return None
    why = f"{cls.name} sets Cache-Control on every response"
    where = Evidence(cls.path, _sets_line(cls.node), why)
    return CacheOverride(mod.path, end, scope, call.func.value.id, cls.name, where)


def _cache_key(node: ast.expr) -> bool:
    return (string_value(node) or "").lower() == CACHE_CONTROL


def _assignments(node: ast.AST) -> list[ast.stmt]:
    """`x.headers["Cache-Control"] = ...` and `x.headers.update({"Cache-Control": ...})`,
    except under an `if` that tests for the header first (it keeps the endpoint's own)."""
    found: list[ast.stmt] = []
    guarded: set[int] = set()
    for n in ast.walk(node):
        if isinstance(n, ast.If) and any(
            isinstance(c, ast.Constant) and _cache_key(c) for c in ast.walk(n.test)
        ):
            guarded |= {id(s) for s in ast.walk(n)}
    for n in ast.walk(node):
        if (
            isinstance(n, (ast.Assign, ast.Expr))
            and id(n) not in guarded
            and (_assigns_header(n) or _updates_header(n))
        ):
            found.append(n)
    return found


def _assigns_header(n: ast.AST) -> bool:
    return isinstance(n, ast.Assign) and any(
        isinstance(t, ast.Subscript) and _cache_key(t.slice) for t in n.targets
    )


def _updates_header(n: ast.AST) -> bool:
    return (
        isinstance(n, ast.Expr)
        and isinstance(n.value, ast.Call)
        and isinstance(n.value.func, ast.Attribute)
        and n.value.func.attr == "update"
        and any(
            isinstance(a, ast.Dict) and any(k is not None and _cache_key(k) for k in a.keys)
            for a in n.value.args
        )
    )


def _sets_cache_control(node: ast.AST) -> bool:
    return bool(_assignments(node))


def _sets_line(node: ast.AST) -> int:
    return min(s.lineno for s in _assignments(node))
