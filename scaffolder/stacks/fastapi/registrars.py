"""Names and the project's own registration helpers, as FastAPI detection follows them.

Large apps mount their routers through helpers of their own: the factory calls
`register_router(app)`, which includes `build_final_router()`, a function returning a router it
imports inside itself (so plugins load first). `app_parameter` reads such a helper's parameter
as the app the factory passes it; `returned_router` reads the router such a function returns.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from scaffolder.python.source import PyModule, PythonIndex, keyword

if TYPE_CHECKING:
    from scaffolder.stacks.fastapi.detect import AppInfo

Function = ast.FunctionDef | ast.AsyncFunctionDef


def ref(mod: PyModule, expr: ast.expr) -> str | None:
    """Dotted name of what an expression refers to (`api_router` defined here ->
    `app.api.main.api_router`; `items.router` after `from app.api.routes import items` ->
    `app.api.routes.items.router`)."""
    if isinstance(expr, ast.Name):
        if expr.id in mod.imports:
            return mod.imports[expr.id]
        return f"{mod.name}.{expr.id}" if mod.name else expr.id
    if isinstance(expr, ast.Attribute):
        base = ref(mod, expr.value)
        return f"{base}.{expr.attr}" if base else None
    return None


def top_functions(tree: ast.Module) -> list[Function]:
    return [s for s in tree.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))]


def top_function(mod: PyModule, name: str) -> Function | None:
    return next((f for f in top_functions(mod.tree) if f.name == name), None)


def project_function(
    index: PythonIndex, mod: PyModule, expr: ast.expr
) -> tuple[PyModule, Function] | None:
    """The project's top-level function an expression names (defined here or imported)."""
    if isinstance(expr, ast.Name) and expr.id not in mod.imports:
        found = top_function(mod, expr.id)
        return (mod, found) if found is not None else None
    module, _, name = (ref(mod, expr) or "").rpartition(".")
    target = index.by_name(module) if module else None
    found = top_function(target, name) if target is not None else None
    return (target, found) if target is not None and found is not None else None


def app_parameter(
    index: PythonIndex, mod: PyModule, scope: str | None, expr: ast.expr, apps: list[AppInfo]
) -> AppInfo | None:
    """The app a helper's parameter (`expr`) receives: `register_router(app)` called with the
    app where it is built (in its factory, or at module level)."""
    helper = top_function(mod, scope) if scope else None
    if helper is None or not isinstance(expr, ast.Name):
        return None
    name = expr.id
    positional = [a.arg for a in (*helper.args.posonlyargs, *helper.args.args)]
    if name not in positional and name not in {a.arg for a in helper.args.kwonlyargs}:
        return None
    for app in apps:
        site = index.module(app.path)
        if site is None:
            continue
        builder = top_function(site, app.factory) if app.factory else None
        body = builder.body if builder is not None else site.tree.body
        for stmt in body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            for call in (n for n in ast.walk(stmt) if isinstance(n, ast.Call)):
                called = project_function(index, site, call.func)
                if called is None or called[1] is not helper:
                    continue
                value = keyword(call, name)
                at = positional.index(name) if name in positional else len(call.args)
                value = value if value is not None or at >= len(call.args) else call.args[at]
                if isinstance(value, ast.Name) and value.id == app.var:
                    return app
    return None


def returned_router(
    index: PythonIndex, mod: PyModule, scope: Function | None, expr: ast.expr
) -> str | None:
    """The router a project function returns, for `include_router(build_router())` and for
    `router = build_router()` assigned once in the enclosing function."""
    call = expr if isinstance(expr, ast.Call) else None
    if isinstance(expr, ast.Name) and scope is not None:
        bound = [
            s.value
            for s in ast.walk(scope)
            if isinstance(s, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == expr.id for t in s.targets)
        ]
        call = bound[0] if len(bound) == 1 and isinstance(bound[0], ast.Call) else None
    found = project_function(index, mod, call.func) if call is not None else None
    if found is None:
        return None
    target, builder = found
    returned = {
        ref(target, n.value)
        for n in ast.walk(builder)
        if isinstance(n, ast.Return) and n.value is not None
    }
    return returned.pop() if len(returned) == 1 else None
