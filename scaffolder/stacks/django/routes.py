"""The URL conf (ROOT_URLCONF): its `urlpatterns` and the include that serves the JSON API.

An API include is a `path("api/...", include(...))` / `re_path(r"^api/...", ...)`, a DRF
router's `router.urls`, or a django-ninja `api.urls`, found in the root URL conf.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from scaffolder.python.source import PyModule, PythonIndex, string_value
from scaffolder.stacks.django.settings import resolve_module

_ROUTE_FUNCS = ("django.urls.path", "django.urls.re_path", "django.conf.urls.url")


@dataclass(frozen=True)
class Include:
    route: str  # the URL prefix, normalised: "api/v1/"
    path: str  # the URL conf module that holds this include
    line: int
    target: str | None  # dotted module of an included project URL conf
    kind: str  # "module" (a URL conf of this project), "router", "ninja", "other"

    @property
    def is_api(self) -> bool:
        first = self.route.strip("/").split("/")[0]
        return first == "api" or (self.kind in ("router", "ninja") and bool(self.route))


@dataclass
class UrlConf:
    module: PyModule
    includes: list[Include]
    has_patterns: bool


def urlpatterns_value(mod: PyModule) -> list[ast.expr]:
    """The elements of every list literal assigned or added to `urlpatterns` at top level."""
    elements: list[ast.expr] = []
    for stmt in mod.tree.body:
        value: ast.expr | None = None
        if (
            isinstance(stmt, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "urlpatterns" for t in stmt.targets)
        ) or (
            isinstance(stmt, (ast.AnnAssign, ast.AugAssign))
            and isinstance(stmt.target, ast.Name)
            and stmt.target.id == "urlpatterns"
        ):
            value = stmt.value
        if value is not None:
            elements += _lists(value)
    return elements


def _lists(value: ast.expr) -> list[ast.expr]:
    if isinstance(value, (ast.List, ast.Tuple)):
        return list(value.elts)
    if isinstance(value, ast.BinOp):
        return _lists(value.left) + _lists(value.right)
    return []


def route_of(mod: PyModule, call: ast.Call) -> str | None:
    """`path("api/", ...)` -> "api/"; `re_path(r"^api/v1/", ...)` -> "api/v1/"."""
    name = mod.qualified(call.func) or ""
    if name not in _ROUTE_FUNCS or not call.args:
        return None
    route = string_value(call.args[0])
    if route is None:
        return None
    if name != "django.urls.path":
        route = route.removeprefix("^").removesuffix("$")
        if re.search(r"[\\()\[\]?*+{}|^$]", route):
            return None
    return route


def analyse(index: PythonIndex, root: str, mod: PyModule) -> UrlConf:
    includes: list[Include] = []
    elements = urlpatterns_value(mod)
    for element in elements:
        if not isinstance(element, ast.Call):
            continue
        route = route_of(mod, element)
        if route is None or len(element.args) < 2:
            continue
        includes.append(_include(index, root, mod, route, element, element.args[1]))
    return UrlConf(mod, [i for i in includes if i.kind != "view"], bool(elements))


def _include(
    index: PythonIndex, root: str, mod: PyModule, route: str, call: ast.Call, view: ast.expr
) -> Include:
    def make(target: str | None, kind: str) -> Include:
        return Include(route, mod.path, call.lineno, target, kind)

    if isinstance(view, ast.Call) and (mod.qualified(view.func) or "") == "django.urls.include":
        arg = view.args[0] if view.args else None
        if isinstance(arg, ast.Tuple) and arg.elts:
            arg = arg.elts[0]
        dotted = string_value(arg) if arg is not None else None
        if dotted is None and arg is not None:
            dotted = _module_expr(index, mod, arg)
        if dotted is not None:
            local = resolve_module(index, root, dotted)
            return make(dotted, "module" if local is not None else "other")
        if isinstance(arg, ast.Attribute) and arg.attr == "urls":
            return make(None, _urls_owner(index, mod, arg.value))
        return make(None, "other")
    if isinstance(view, ast.Attribute) and view.attr == "urls":
        kind = _urls_owner(index, mod, view.value)
        return make(None, kind if kind != "other" else "admin")
    return make(None, "view")


def _module_expr(index: PythonIndex, mod: PyModule, arg: ast.expr) -> str | None:
    """`include(api_urls)` where `from api import urls as api_urls`."""
    qualified = mod.qualified(arg)
    if qualified and isinstance(arg, (ast.Name, ast.Attribute)):
        return qualified
    return None


def _urls_owner(index: PythonIndex, mod: PyModule, owner: ast.expr) -> str:
    """What `<owner>.urls` is: a DRF router, a NinjaAPI, or something else (admin.site)."""
    if not isinstance(owner, ast.Name):
        return "other"
    for stmt in ast.walk(mod.tree):
        if (
            isinstance(stmt, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == owner.id for t in stmt.targets)
            and isinstance(stmt.value, ast.Call)
        ):
            name = mod.qualified(stmt.value.func) or ""
            if name.startswith("rest_framework.routers."):
                return "router"
            if name.startswith("ninja."):
                return "ninja"
    imported = mod.imports.get(owner.id, "")
    module_name, _, attr = imported.rpartition(".")
    source = index.by_name(module_name) if module_name else None
    if source is not None and source is not mod:
        return _urls_owner(index, source, ast.Name(id=attr, ctx=ast.Load()))
    return "other"
