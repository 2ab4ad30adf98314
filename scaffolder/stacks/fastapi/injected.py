"""What `Depends(...)` / `Security(...)` inject when the argument is not a plain name: a
security-scheme instance built in place (`Security(APIKeyHeader(name="Authorization"))`, the
app's own subclass of a `fastapi.security` class included), or a dependency factory
(`Depends(get_current_user_authorizer())`, `Depends(get_repository(UsersRepository))`) whose
result is one of the project's functions.
"""

from __future__ import annotations

import ast

from scaffolder.python.models import find_class
from scaffolder.python.source import PyModule, PythonIndex, keyword
from scaffolder.stacks.fastapi.registrars import ref

SECURITY = "fastapi.security."
_MAX_DEPTH = 5


def scheme_class(index: PythonIndex, mod: PyModule, func: ast.expr, depth: int = 0) -> str | None:
    """The `fastapi.security` class (`APIKeyHeader`) that `func` is, or that the project's
    class `func` names derives from (`class RWAPIKeyHeader(APIKeyHeader)`)."""
    name = mod.qualified(func) or ""
    if name.startswith(SECURITY):
        return name.rsplit(".", 1)[-1]
    if depth >= _MAX_DEPTH or not isinstance(func, (ast.Name, ast.Attribute)):
        return None
    cls = find_class(index, mod, ast.unparse(func))
    if cls is None:
        return None
    for base in cls.node.bases:
        found = scheme_class(index, cls.module, base, depth + 1)
        if found is not None:
            return found
    return None


def function(
    index: PythonIndex, mod: PyModule, expr: ast.expr
) -> tuple[PyModule, ast.FunctionDef | ast.AsyncFunctionDef] | None:
    """The project's top-level function an expression names, with its module."""
    target = ref(mod, expr)
    if target is None:
        return None
    owner, _, name = target.rpartition(".")
    found = index.by_name(owner) if owner else None
    if found is None:
        return None
    for stmt in found.tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name == name:
            return found, stmt
    return None


def factory_result(index: PythonIndex, mod: PyModule, call: ast.Call) -> str | None:
    """Id of the project function a dependency factory call returns: `return f`, or
    `return f if required else g` with `required` known from the call or its default."""
    found = function(index, mod, call.func)
    if found is None:
        return None
    fmod, func = found
    known = _arguments(func, call)
    results = {
        chosen
        for node in ast.walk(func)
        if isinstance(node, ast.Return) and node.value is not None
        for chosen in [_pick(fmod, node.value, known)]
        if chosen is not None
    }
    if len(results) != 1:
        return None
    result = results.pop()
    if isinstance(result, ast.Name) and any(
        isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == result.id
        for s in ast.walk(func)
        if s is not func
    ):
        return None  # a closure (`def _get_repo(...)` inside the factory): nothing to reuse
    return ref(fmod, result) if function(index, fmod, result) is not None else None


def branches(
    index: PythonIndex, mod: PyModule, func: ast.FunctionDef | ast.AsyncFunctionDef
) -> list[str]:
    """Ids of the project functions a factory returns on each side of its one conditional
    (`return f if required else g`): [f, g]; [] for any other shape."""
    returns = [n.value for n in ast.walk(func) if isinstance(n, ast.Return) and n.value]
    if len(returns) != 1 or not isinstance(returns[0], ast.IfExp):
        return []
    found = []
    for side in (returns[0].body, returns[0].orelse):
        target = function(index, mod, side)
        if target is None:
            return []
        found.append(f"{target[0].name}.{target[1].name}")
    return found


def _arguments(func: ast.FunctionDef | ast.AsyncFunctionDef, call: ast.Call) -> dict[str, object]:
    """Parameter -> constant value, from the call's constants and the function's defaults."""
    a = func.args
    positional = [*a.posonlyargs, *a.args]
    known: dict[str, object] = {}
    for arg, default in zip(
        positional[len(positional) - len(a.defaults) :], a.defaults, strict=True
    ):
        if isinstance(default, ast.Constant):
            known[arg.arg] = default.value
    for arg, kw_default in zip(a.kwonlyargs, a.kw_defaults, strict=True):
        if isinstance(kw_default, ast.Constant):
            known[arg.arg] = kw_default.value
    for arg, value in zip(positional, call.args, strict=False):
        if isinstance(value, ast.Constant):
            known[arg.arg] = value.value
        else:
            known.pop(arg.arg, None)
    for arg in [*positional, *a.kwonlyargs]:
        given = keyword(call, arg.arg)
        if isinstance(given, ast.Constant):
            known[arg.arg] = given.value
        elif given is not None:
            known.pop(arg.arg, None)
    return known


def _pick(mod: PyModule, expr: ast.expr, known: dict[str, object]) -> ast.expr | None:
    if isinstance(expr, ast.IfExp):
        test = expr.test
        negate = isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
        name = test.operand if isinstance(test, ast.UnaryOp) and negate else test
        if not (isinstance(name, ast.Name) and name.id in known):
            return None
        taken = bool(known[name.id]) != negate
        return _pick(mod, expr.body if taken else expr.orelse, known)
    return expr if isinstance(expr, (ast.Name, ast.Attribute)) else None
