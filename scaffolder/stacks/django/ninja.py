"""django-ninja: the project's NinjaAPI, the URL conf that mounts it, and how it authenticates.

The endpoint is an operation of a router of ours that the module defining the API adds to it
(`api.add_router("", widget_token_router(...))`, https://django-ninja.dev/guides/routers/),
with every authenticator the API uses (`NinjaAPI(auth=...)`, `Router(auth=...)`,
`add_router(..., auth=...)`, its operations' `auth=...`:
https://django-ninja.dev/guides/authentication/): the same expressions, evaluated in that
module, so the session cookie and the API's tokens both identify the visitor.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from scaffolder.model import Evidence, Finding
from scaffolder.python.source import PyModule, PythonIndex, keyword
from scaffolder.stacks.django.routes import NINJA_PACKAGES, UrlConf, find_mount

_OPERATIONS = ("get", "post", "put", "patch", "delete", "api_operation")
# What an authenticator expression may be made of: names, attributes, calls and literals.
_PLAIN = (ast.Name, ast.Attribute, ast.Call, ast.Constant, ast.keyword, ast.Load)


@dataclass(frozen=True)
class AuthExpr:
    """An authenticator as the project writes it (`AuthBearer()`, `django_auth`) and the
    names it reads, with what each one is (`ninja.security.django_auth`)."""

    text: str
    needs: tuple[tuple[str, str], ...]
    where: Evidence


@dataclass(frozen=True)
class NinjaApi:
    path: str
    module: str
    variable: str
    line: int
    """The line of `api = NinjaAPI(...)`."""
    auth: tuple[AuthExpr, ...]
    """Every authenticator the API uses, in the order they first appear."""
    mount: str = ""
    """The route the root URL conf includes its URLs at ("api/")."""

    @property
    def evidence(self) -> Evidence:
        return Evidence(self.path, self.line, f"django-ninja API `{self.variable}`")


def ninja_apis(index: PythonIndex) -> list[Evidence]:
    """Every `NinjaAPI(...)` of the project's modules."""
    return [
        Evidence(mod.path, call.lineno, "django-ninja API")
        for mod in index.modules(containing="API")
        for call in mod.nodes(ast.Call)
        if _is_api(mod, call)
    ]


def mounted_api(
    index: PythonIndex, root: str, conf: UrlConf | None, owns: Callable[[str], bool]
) -> NinjaApi | None:
    """The NinjaAPI the root URL conf includes (the first one, also through the project's
    included URL confs), with its authenticators."""
    include = find_mount(index, root, conf, "ninja") if conf is not None else None
    if include is None or include.owner is None:
        return None
    module_name, _, variable = include.owner.rpartition(".")
    mod = index.by_name(module_name)
    assign = _assignment(mod, variable) if mod is not None else None
    if mod is None or assign is None:
        return None
    found: dict[tuple[str, tuple[tuple[str, str], ...]], AuthExpr] = {}
    for expr in _auth_exprs(index, mod, variable, assign, owns):
        found.setdefault((expr.text, expr.needs), expr)
    auth = tuple(found.values())
    return NinjaApi(mod.path, mod.name, variable, assign.lineno, auth, include.route)


def _is_api(mod: PyModule, call: ast.Call) -> bool:
    name = mod.qualified(call.func) or ""
    return name.startswith(NINJA_PACKAGES) and name.endswith("API")


def _assignment(mod: PyModule, variable: str) -> ast.Assign | None:
    for stmt in mod.tree.body:
        if (
            isinstance(stmt, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == variable for t in stmt.targets)
            and isinstance(stmt.value, ast.Call)
            and _is_api(mod, stmt.value)
        ):
            return stmt
    return None


def _auth_exprs(
    index: PythonIndex,
    api_mod: PyModule,
    variable: str,
    assign: ast.Assign,
    owns: Callable[[str], bool],
) -> Iterator[AuthExpr]:
    """The API's own `auth=`, its add_router calls', then its routers' and operations'."""
    assert isinstance(assign.value, ast.Call)
    yield from _elements(api_mod, keyword(assign.value, "auth"))
    for call in api_mod.nodes(ast.Call):
        func = call.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr == "add_router"
            and isinstance(func.value, ast.Name)
            and func.value.id == variable
        ):
            yield from _elements(api_mod, keyword(call, "auth"))
    for mod in index.modules(containing="auth"):
        if not owns(mod.path) or "ninja" not in mod.text:
            continue
        for call in mod.nodes(ast.Call):
            name = mod.qualified(call.func) or ""
            if name.startswith(NINJA_PACKAGES) and name.endswith("Router"):
                yield from _elements(mod, keyword(call, "auth"))
        for func_def in mod.nodes(ast.FunctionDef, ast.AsyncFunctionDef):
            assert isinstance(func_def, (ast.FunctionDef, ast.AsyncFunctionDef))
            for decorator in func_def.decorator_list:
                if (
                    isinstance(decorator, ast.Call)
                    and isinstance(decorator.func, ast.Attribute)
                    and decorator.func.attr in _OPERATIONS
                ):
                    yield from _elements(mod, keyword(decorator, "auth"))


def _elements(mod: PyModule, value: ast.expr | None) -> Iterator[AuthExpr]:
    """`auth=X`, `auth=[X, Y]`, or a module-level list of them; `None` (public) is none."""
    if value is None or (isinstance(value, ast.Constant) and value.value is None):
        return
    if isinstance(value, ast.Name):
        bound = _top_level_value(mod, value.id)
        if isinstance(bound, (ast.List, ast.Tuple)):
            value = bound
    elements = value.elts if isinstance(value, (ast.List, ast.Tuple)) else [value]
    for element in elements:
        found = _auth_expr(mod, element)
        if found is not None:
            yield found


def _top_level_value(mod: PyModule, name: str) -> ast.expr | None:
    value = None
    for stmt in mod.tree.body:
        if isinstance(stmt, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in stmt.targets
        ):
            value = stmt.value
    return value


def _auth_expr(mod: PyModule, node: ast.expr) -> AuthExpr | None:
    """The expression, if it is plain (names, attributes, calls, literals) and each name it
    reads is imported or defined at the top of its module."""
    if not all(isinstance(n, (*_PLAIN, ast.expr_context)) for n in ast.walk(node)):
        return None
    needs: dict[str, str] = {}
    for name in (n for n in ast.walk(node) if isinstance(n, ast.Name)):
        qualified = mod.imports.get(name.id)
        if qualified is None and name.id in top_level_names(mod):
            qualified = f"{mod.name}.{name.id}"
        if qualified is None:
            return None
        needs[name.id] = qualified
    text = ast.get_source_segment(mod.text, node)
    if text is None or "\n" in text:
        text = ast.unparse(node)
    why = f"the API authenticates with {text}"
    return AuthExpr(text, tuple(sorted(needs.items())), Evidence(mod.path, node.lineno, why))


def top_level_names(mod: PyModule) -> dict[str, int]:
    """Names the module defines at its top level (classes, functions, assignments) -> line."""
    found: dict[str, int] = {}
    for stmt in mod.tree.body:
        if isinstance(stmt, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            found.setdefault(stmt.name, stmt.lineno)
        elif isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    found.setdefault(target.id, stmt.lineno)
    return found


def ninja_findings(api: NinjaApi) -> list[Finding]:
    """`api-authentication` for each authenticator the endpoint uses."""
    return [Finding("api-authentication", a.text, (a.where,)) for a in api.auth]
