"""Django REST framework: how the project's API authenticates, and the style of its views.

The widget-token view joins the API as one of its own views: an `APIView`, or an `@api_view`
function where those are all the project writes; it authenticates with DRF's
DEFAULT_AUTHENTICATION_CLASSES plus every class the API's views name (`authentication_classes =
[...]` on the view or on a base or mixin it inherits, `@authentication_classes([...])`), so each
credential the API accepts (the session cookie, a DRF token, allauth headless's X-Session-Token,
a JWT) is accepted by the endpoint too. Where the views inherit their authentication from a base
of the project's own (`drf_views`), the endpoint inherits it as well.
https://www.django-rest-framework.org/api-guide/authentication/
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass

from scaffolder.model import Evidence, Finding
from scaffolder.python.models import ModelClass
from scaffolder.python.source import PyModule, PythonIndex
from scaffolder.stacks.django.drf_views import AuthBase, auth_base, provider, view_classes
from scaffolder.stacks.django.settings import Settings

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
    empty_defaults: bool = False
    """DEFAULT_AUTHENTICATION_CLASSES is set, to no class: views without their own
    authentication see every visitor as anonymous."""
    base: AuthBase | None = None
    """The project's base (or mixin) the views inherit their authentication from."""
    base_classes: tuple[str, ...] | None = None
    """The classes `base` authenticates with; None when it computes them
    (`get_authenticators()`) or names them in a way not read statically."""

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
    named: dict[str, Evidence] = {}
    views = view_classes(index, owns)
    firsts = [(cls.path, cls.node.lineno, f"{cls.name}: a DRF view") for cls in views]
    for cls in views:
        source = provider(index, cls)
        if source is None:
            continue
        for stmt in source.node.body:
            for name in _class_attribute(source.module, stmt):
                why = f"{source.name}.authentication_classes"
                named.setdefault(name, Evidence(source.path, stmt.lineno, why))
    functions = 0
    for mod in index.modules(containing="rest_framework"):
        if not owns(mod.path):
            continue
        for func in mod.nodes(ast.FunctionDef):
            decorators = [_decorator(mod, d) for d in func.decorator_list]
            if any(name == _API_VIEW for name, _ in decorators):
                functions += 1
                firsts.append((mod.path, func.lineno, f"{func.name}(): a DRF view"))
            for name, args in decorators:
                found = _qualified_list(mod, args[0]) if name == _AUTHENTICATION and args else []
                for qualified in found:
                    why = f"@authentication_classes of {func.name}()"
                    named.setdefault(qualified, Evidence(mod.path, func.lineno, why))
    defaults, empty = default_authentication(settings)
    base = auth_base(index, views)
    return DrfApi(
        default_authentication=tuple(defaults),
        view_authentication=tuple(named),
        function_views=functions > 0 and not views,
        views=len(views) + functions,
        first_view=Evidence(*min(firsts)) if firsts else None,
        named_at=tuple(named.items()),
        empty_defaults=empty,
        base=base,
        base_classes=_listed(base.provider) if base is not None else None,
    )


def _listed(cls: ModelClass) -> tuple[str, ...] | None:
    """The classes `cls` sets `authentication_classes` to, when a list of classes says so."""
    if any(
        isinstance(s, ast.FunctionDef) and s.name == "get_authenticators" for s in cls.node.body
    ):
        return None
    values = [v for stmt in cls.node.body if (v := _assigned(stmt)) is not None]
    literal = _literal(cls.module, values[-1]) if values else None
    if literal is None:
        return None
    names = _qualified_list(cls.module, literal)
    return tuple(names) if len(names) == len(literal.elts) else None


def default_authentication(settings: Settings) -> tuple[list[str], bool]:
    """DEFAULT_AUTHENTICATION_CLASSES (dotted), and whether it is set to an empty list."""
    value = settings.get("REST_FRAMEWORK")
    classes = value.get("DEFAULT_AUTHENTICATION_CLASSES") if isinstance(value, dict) else None
    if isinstance(classes, (list, tuple)):
        return [c for c in classes if isinstance(c, str)], not classes
    return [], False


def _assigned(stmt: ast.stmt) -> ast.expr | None:
    """The value of `authentication_classes = ...` (annotated or not) in a class body."""
    if isinstance(stmt, ast.Assign) and any(
        isinstance(t, ast.Name) and t.id == "authentication_classes" for t in stmt.targets
    ):
        return stmt.value
    if (
        isinstance(stmt, ast.AnnAssign)
        and isinstance(stmt.target, ast.Name)
        and stmt.target.id == "authentication_classes"
    ):
        return stmt.value
    return None


def _class_attribute(mod: PyModule, stmt: ast.stmt) -> list[str]:
    """`authentication_classes = [...]` in a class body (the list, or a module-level name
    bound to one)."""
    value = _assigned(stmt)
    return _qualified_list(mod, value) if value is not None else []


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


def _literal(mod: PyModule, node: ast.expr) -> ast.List | ast.Tuple | None:
    """A list literal, or the one a module-level name is bound to."""
    if isinstance(node, ast.Name) and node.id not in mod.imports:
        node = _module_list(mod, node.id) or node
    return node if isinstance(node, (ast.List, ast.Tuple)) else None


def _qualified_list(mod: PyModule, node: ast.expr) -> list[str]:
    """The dotted classes of a list literal (or of the module-level list a name is bound to);
    elements that are no class name are left out."""
    literal = _literal(mod, node)
    out = []
    for element in literal.elts if literal is not None else ():
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
