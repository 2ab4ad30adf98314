"""The URL conf (ROOT_URLCONF): its `urlpatterns`, the includes that serve the JSON API, and
where the token endpoint goes among them.

An API include is a `path("api/...", include(...))` / `re_path(r"^api/...", ...)`, a DRF
router's `router.urls`, a django-ninja `api.urls`, or a URL conf of the project that routes DRF
views or a NinjaAPI under any prefix (`path("drf/", include("demo.urls"))`), found in the root
URL conf.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field, replace

from scaffolder.python.source import PyModule, PythonIndex, string_value
from scaffolder.stacks.django.settings import resolve_module

_ROUTE_FUNCS = ("django.urls.path", "django.urls.re_path", "django.conf.urls.url")
NINJA_PACKAGES = ("ninja.", "ninja_extra.")
_INCLUDE = ("django.urls.include", "django.conf.urls.include")  # the latter until Django 4.0


@dataclass(frozen=True)
class Include:
    route: str  # the URL prefix, normalised: "api/v1/"
    path: str  # the URL conf module that holds this include
    line: int
    target: str | None  # dotted module of an included project URL conf
    kind: str  # "module" (a URL conf of this project), "router", "ninja", "other"
    owner: str | None = None
    """For `<owner>.urls` (a DRF router, a NinjaAPI): the object's qualified name."""
    serves: str | None = None
    """"drf" or "ninja": the API framework whose views this include routes."""
    inner: str = ""
    """The directory every pattern of the included URL conf sits in ("api/" for `api/add/`
    and `api/schema/`)."""

    @property
    def prefix(self) -> str:
        """The URL prefix of the API views it routes: "/drf/api"."""
        return "/" + (self.route + self.inner).strip("/")

    @property
    def is_api(self) -> bool:
        first = self.route.strip("/").split("/")[0]
        return (
            first == "api"
            or (self.kind in ("router", "ninja") and bool(self.route))
            or self.serves is not None
        )


@dataclass
class UrlConf:
    module: PyModule
    includes: list[Include]
    has_patterns: bool
    routes: list[str] = field(default_factory=list)
    """The route of every pattern, in order."""


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


def analyse(index: PythonIndex, root: str, mod: PyModule, depth: int = 3) -> UrlConf:
    """The URL conf's patterns; `depth`: how many levels of included project URL confs are
    read to tell which API framework they serve."""
    includes: list[Include] = []
    routes: list[str] = []
    elements = urlpatterns_value(mod)
    for element in elements:
        if not isinstance(element, ast.Call):
            continue
        route = route_of(mod, element)
        if route is None or len(element.args) < 2:
            continue
        routes.append(route)
        include = _include(index, root, mod, route, element, element.args[1])
        if include.kind == "module" and include.target and depth:
            target = resolve_module(index, root, include.target)
            if target is not None and target is not mod:
                sub = analyse(index, root, target, depth - 1)
                inner = common_route(_directories(sub))
                include = replace(include, serves=_serves(index, sub), inner=inner)
        includes.append(include)
    return UrlConf(mod, [i for i in includes if i.kind != "view"], bool(elements), routes)


def _directories(conf: UrlConf) -> list[str]:
    """The directory each pattern sits in: "api" for `api/add/`; an include's own route."""
    included = {i.route for i in conf.includes}
    return [r if r in included else r.strip("/").rpartition("/")[0] for r in conf.routes]


def _serves(index: PythonIndex, conf: UrlConf) -> str | None:
    """The API framework ("drf", "ninja") whose views the URL conf routes (an included router
    or NinjaAPI, views from modules that use it), else None."""
    mod = conf.module
    for include in conf.includes:
        if include.kind == "ninja" or include.serves == "ninja":
            return "ninja"
        if include.kind == "router" or include.serves == "drf":
            return "drf"
    modules = [mod, *(m for n in _view_roots(mod) if (m := _module_of(index, n)) is not None)]
    if any("rest_framework" in m.text for m in modules):
        return "drf"
    return None


def _view_roots(mod: PyModule) -> list[str]:
    """The qualified names the patterns' views start from (`notes.views` for views.NoteList)."""
    names = []
    for element in urlpatterns_value(mod):
        if isinstance(element, ast.Call) and len(element.args) > 1:
            node = element.args[1]
            while isinstance(node, (ast.Call, ast.Attribute)):
                node = node.func if isinstance(node, ast.Call) else node.value
            if isinstance(node, ast.Name) and node.id in mod.imports:
                names.append(mod.imports[node.id])
    return names


def _module_of(index: PythonIndex, qualified: str) -> PyModule | None:
    """The project module `qualified` names or is defined in."""
    while qualified:
        found = index.by_name(qualified)
        if found is not None:
            return found
        qualified = qualified.rpartition(".")[0]
    return None


def _include(
    index: PythonIndex, root: str, mod: PyModule, route: str, call: ast.Call, view: ast.expr
) -> Include:
    def make(target: str | None, kind: str, owner: str | None = None) -> Include:
        return Include(route, mod.path, call.lineno, target, kind, owner)

    if isinstance(view, ast.Call) and (mod.qualified(view.func) or "") in _INCLUDE:
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
            return make(None, *_urls_owner(index, mod, arg.value))
        return make(None, "other")
    if isinstance(view, ast.Attribute) and view.attr == "urls":
        kind, owner = _urls_owner(index, mod, view.value)
        return make(None, kind if kind != "other" else "admin", owner)
    return make(None, "view")


def _module_expr(index: PythonIndex, mod: PyModule, arg: ast.expr) -> str | None:
    """`include(api_urls)` where `from api import urls as api_urls`."""
    qualified = mod.qualified(arg)
    if qualified and isinstance(arg, (ast.Name, ast.Attribute)):
        return qualified
    return None


def _urls_owner(index: PythonIndex, mod: PyModule, owner: ast.expr) -> tuple[str, str | None]:
    """What `<owner>.urls` is: a DRF router, a NinjaAPI, or something else (admin.site), and
    where that object is defined (`config.api.api`)."""
    if isinstance(owner, ast.Attribute):  # `views.api.urls`, views being a module
        module_name, _, attr = (mod.qualified(owner) or "").rpartition(".")
        source = index.by_name(module_name) if module_name else None
        if source is None or source is mod:
            return "other", None
        return _urls_owner(index, source, ast.Name(id=attr, ctx=ast.Load()))
    if not isinstance(owner, ast.Name):
        return "other", None
    for stmt in mod.nodes(ast.Assign):
        if any(isinstance(t, ast.Name) and t.id == owner.id for t in stmt.targets) and isinstance(
            stmt.value, ast.Call
        ):
            name = mod.qualified(stmt.value.func) or ""
            if name.startswith("rest_framework.routers."):
                return "router", f"{mod.name}.{owner.id}"
            if name.startswith(NINJA_PACKAGES):
                return "ninja", f"{mod.name}.{owner.id}"
    imported = mod.imports.get(owner.id, "")
    module_name, _, attr = imported.rpartition(".")
    source = index.by_name(module_name) if module_name else None
    if source is not None and source is not mod:
        return _urls_owner(index, source, ast.Name(id=attr, ctx=ast.Load()))
    return "other", None


# -- where the endpoint goes -------------------------------------------------------------------


def api_includes(conf: UrlConf, serves: str | None = None) -> list[Include]:
    """The root URL conf's API includes (those serving `serves`, when some do)."""
    found = [i for i in conf.includes if i.is_api]
    if serves is not None:
        found = [i for i in found if i.serves == serves or _kind_serves(i) == serves] or found
    own = [i for i in found if i.kind in ("module", "router", "ninja")]
    return own or found


def _kind_serves(include: Include) -> str | None:
    return {"router": "drf", "ninja": "ninja"}.get(include.kind, include.serves)


def first_api(conf: UrlConf | None) -> str | None:
    """The framework the first API include serves ("drf", "ninja"), if any."""
    return next((_kind_serves(i) for i in api_includes(conf)), None) if conf else None


def common_route(routes: list[str]) -> str:
    parts = [r.strip("/").split("/") for r in routes]
    common: list[str] = []
    for segment in zip(*parts, strict=False):
        if len(set(segment)) != 1 or not segment[0]:
            break
        common.append(segment[0])
    return "/".join(common) + "/" if common else ""


@dataclass(frozen=True)
class Route:
    """Where `widget-token` goes: the URL conf module, the route in it, the line of the
    include it goes before (in the root conf), and the URL prefix it ends up under."""

    into: str
    route: str
    before: int | None = None
    prefix: str = "/api"

    @property
    def url(self) -> str:
        """The endpoint's URL path: "/api/widget-token"."""
        return self.prefix.rstrip("/") + "/widget-token"


def endpoint_route(
    index: PythonIndex, root: str, conf: UrlConf, prefix: str | None, serves: str | None
) -> Route:
    """Where `widget-token` goes: in the included URL conf of the API (`serves`: of that
    framework) under the prefix its own patterns share, or in the root conf under the API
    prefix (before the include; `prefix`: the answered one), or at `api/widget-token`."""
    root_conf = conf.module.path
    if prefix is not None:
        route = prefix.strip("/") + "/" if prefix.strip("/") else ""
        return Route(root_conf, route + "widget-token", prefix="/" + route.rstrip("/"))
    includes = api_includes(conf, serves)
    if not includes:
        return Route(root_conf, "api/widget-token")
    route = common_route([i.route for i in includes])
    first = includes[0]
    targets = {i.target for i in includes}
    if len(includes) == 1 and first.kind == "module" and len(targets) == 1 and first.target:
        target = resolve_module(index, root, first.target)
        if target is not None and analyse(index, root, target, 0).has_patterns:
            return Route(target.path, first.inner + "widget-token", prefix=first.prefix)
    return Route(root_conf, route + "widget-token", first.line, "/" + route.rstrip("/"))


def find_mount(
    index: PythonIndex, root: str, conf: UrlConf, kind: str, depth: int = 3
) -> Include | None:
    """The first include of `kind` ("ninja") in the URL conf or the project URL confs it
    includes (`depth` levels down), with its full route."""
    for include in conf.includes:
        if include.kind == kind:
            return include
        target = resolve_module(index, root, include.target) if include.target else None
        if include.kind == "module" and target is not None and depth:
            inner = analyse(index, root, target, 0)
            found = find_mount(index, root, inner, kind, depth - 1)
            if found is not None:
                return replace(found, route=include.route + found.route)
    return None
