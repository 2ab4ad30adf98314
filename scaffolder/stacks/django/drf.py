"""Django REST framework: how the project's API authenticates, and the style of its views.

The widget-token view joins the API as one of its own views: an `APIView`, or an `@api_view`
function where those are all the project writes; it authenticates with DRF's
DEFAULT_AUTHENTICATION_CLASSES plus every class the API's views name themselves
(`authentication_classes = [...]` or `@authentication_classes([...])`), so each credential the
API accepts (the session cookie, a DRF token, allauth headless's X-Session-Token, a JWT) is
accepted by the endpoint too.
https://www.django-rest-framework.org/api-guide/authentication/
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass

from scaffolder.model import Evidence, Finding
from scaffolder.python.source import PyModule, PythonIndex
from scaffolder.stacks.django.settings import Settings

_VIEW_BASES = ("rest_framework.views.", "rest_framework.generics.", "rest_framework.viewsets.")
_API_VIEW = "rest_framework.decorators.api_view"
_AUTHENTICATION = "rest_framework.decorators.authentication_classes"


@dataclass(frozen=True)
class DrfApi:
    """The project's DRF API as the endpoint joins it."""

    default_authentication: tuple[str, ...]
    """DEFAULT_AUTHENTICATION_CLASSES (dotted), empty when the settings do not set it."""
    view_authentication: tuple[str, ...]
    """The classes the views name themselves, qualified, in the order they first appear."""
    function_views: bool
    """The API's views are `@api_view` functions, and none is a class."""
    views: int = 0
    """How many DRF views (classes and `@api_view` functions) the project has."""
    first_view: Evidence | None = None
    named_at: tuple[tuple[str, Evidence], ...] = ()
    """Where a view first names each of `view_authentication`."""

    @property
    def extra_authentication(self) -> tuple[str, ...]:
        """The views' classes DEFAULT_AUTHENTICATION_CLASSES lacks: the endpoint names the
        defaults and these, or inherits the defaults when there are none."""
        return tuple(c for c in self.view_authentication if c not in self.default_authentication)

    @property
    def authentication(self) -> tuple[str, ...]:
        """Every class the API authenticates with (empty: DRF's own defaults)."""
        return self.default_authentication + self.extra_authentication


def drf_api(index: PythonIndex, settings: Settings, owns: Callable[[str], bool]) -> DrfApi:
    classes = 0
    functions = 0
    named: dict[str, Evidence] = {}
    first: Evidence | None = None
    for mod in index.modules(containing="rest_framework"):
        if not owns(mod.path):
            continue
        for cls in mod.nodes(ast.ClassDef):
            if any((mod.qualified(b) or "").startswith(_VIEW_BASES) for b in cls.bases):
                classes += 1
                first = first or Evidence(mod.path, cls.lineno, f"{cls.name}: a DRF view")
            for stmt in cls.body:
                for name in _class_attribute(mod, stmt):
                    why = f"{cls.name}.authentication_classes"
                    named.setdefault(name, Evidence(mod.path, stmt.lineno, why))
        for func in mod.nodes(ast.FunctionDef):
            decorators = [_decorator(mod, d) for d in func.decorator_list]
            if any(name == _API_VIEW for name, _ in decorators):
                functions += 1
                first = first or Evidence(mod.path, func.lineno, f"{func.name}(): a DRF view")
            for name, args in decorators:
                found = _qualified_list(mod, args[0]) if name == _AUTHENTICATION and args else []
                for qualified in found:
                    why = f"@authentication_classes of {func.name}()"
                    named.setdefault(qualified, Evidence(mod.path, func.lineno, why))
    return DrfApi(
        default_authentication=tuple(default_authentication(settings)),
        view_authentication=tuple(named),
        function_views=functions > 0 and classes == 0,
        views=classes + functions,
        first_view=first,
        named_at=tuple(named.items()),
    )


def default_authentication(settings: Settings) -> list[str]:
    value = settings.get("REST_FRAMEWORK")
    if not isinstance(value, dict):
        return []
    classes = value.get("DEFAULT_AUTHENTICATION_CLASSES")
    if isinstance(classes, (list, tuple)):
        return [c for c in classes if isinstance(c, str)]
    return []


def _class_attribute(mod: PyModule, stmt: ast.stmt) -> list[str]:
    """`authentication_classes = [...]` in a class body (the list, or a module-level name
    bound to one)."""
    if isinstance(stmt, ast.Assign) and any(
        isinstance(t, ast.Name) and t.id == "authentication_classes" for t in stmt.targets
    ):
        return _qualified_list(mod, stmt.value)
    return []


def _decorator(mod: PyModule, node: ast.expr) -> tuple[str, list[ast.expr]]:
    if isinstance(node, ast.Call):
        return mod.qualified(node.func) or "", list(node.args)
    return mod.qualified(node) or "", []


def _module_list(mod: PyModule, name: str) -> ast.expr | None:
    value = None
    for stmt in mod.tree.body:
        if isinstance(stmt, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in stmt.targets
        ):
            value = stmt.value
    return value


def _qualified_list(mod: PyModule, node: ast.expr) -> list[str]:
    """The dotted classes of a list literal (or of the module-level list a name is bound to);
    elements that are no class name are left out."""
    if isinstance(node, ast.Name) and node.id not in mod.imports:
        node = _module_list(mod, node.id) or node
    if not isinstance(node, (ast.List, ast.Tuple)):
        return []
    out = []
    for element in node.elts:
        name = mod.qualified(element) if isinstance(element, (ast.Name, ast.Attribute)) else None
        if name is None:
            continue
        if "." not in name:
            defined = any(c.name == name for c in mod.nodes(ast.ClassDef))
            if not defined:
                continue
            name = f"{mod.name}.{name}"
        out.append(name)
    return out


def drf_findings(api: DrfApi, at: Callable[[str, str, str], Evidence]) -> list[Finding]:
    """`api-authentication` for each class the endpoint authenticates with (`at`: evidence in
    the settings, for the defaults)."""
    named = dict(api.named_at)
    return [
        Finding(
            "api-authentication",
            name,
            (
                named[name]
                if name in named
                else at(name, "REST_FRAMEWORK", "DEFAULT_AUTHENTICATION_CLASSES"),
            ),
        )
        for name in api.authentication
    ]


def drf_evidence(settings: Settings, api: DrfApi | None, at: Evidence) -> Evidence:
    """`at` (rest_framework in INSTALLED_APPS), or the first DRF view when it is not there."""
    installed = "rest_framework" in settings.strings("INSTALLED_APPS")
    return at if installed or api is None or api.first_view is None else api.first_view
