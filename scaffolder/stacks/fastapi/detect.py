"""FastAPI detection: apps, routers and where `include_router` mounts them, routes, Jinja2
templates and the routes that render them, static mounts.

Pure and read-only: reads the project through `PythonIndex` and returns facts with evidence.
"""

from __future__ import annotations

import ast
import posixpath
import re
from dataclasses import dataclass, field, replace

from scaffolder.model import Evidence
from scaffolder.paths import is_test_path
from scaffolder.project import Project
from scaffolder.python.manifests import manifest_root
from scaffolder.python.source import PyModule, PythonIndex, keyword, string_value
from scaffolder.stacks.fastapi import values
from scaffolder.stacks.fastapi.registrars import (
    app_parameter,
    ref,
    returned_router,
    top_function,
    top_functions,
)
from scaffolder.stacks.fastapi.values import Value

MARKER = "BestChatBot visitor identity"
_VERSION = re.compile(r"v\d+(\.\d+)?")
_ROUTE_METHODS = frozenset(
    {"get", "post", "put", "patch", "delete", "options", "head", "api_route", "route"}
)
FASTAPI_CLASSES = frozenset({"fastapi.FastAPI", "fastapi.applications.FastAPI"})
ROUTER_CLASSES = frozenset({"fastapi.APIRouter", "fastapi.routing.APIRouter"})
TEMPLATES_CLASSES = frozenset(
    {"fastapi.templating.Jinja2Templates", "starlette.templating.Jinja2Templates"}
)
STATIC_CLASSES = frozenset({"fastapi.staticfiles.StaticFiles", "starlette.staticfiles.StaticFiles"})


def generated(mod: PyModule) -> bool:
    """bcb-scaffold's own module (left out of detection so a second run sees the app as is)."""
    return MARKER in mod.text[:400]


def modules(index: PythonIndex, *containing: str) -> list[PyModule]:
    """Parsed modules mentioning any of the given words (all modules without words), except
    bcb-scaffold's own."""
    found: dict[str, PyModule] = {}
    for word in containing or (None,):
        for mod in index.modules(containing=word):
            if not generated(mod):
                found.setdefault(mod.path, mod)
    return list(found.values())


@dataclass(frozen=True)
class AppInfo:
    path: str
    module: str
    var: str
    line: int
    factory: str | None
    # module-level `app = factory(...)` elsewhere (`main.py`): (path, module, var) of each
    built_by: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.module}.{self.factory}().{self.var}" if self.factory else self.ref

    @property
    def ref(self) -> str:
        return f"{self.module}.{self.var}"

    @property
    def label(self) -> str:
        return f"{self.path}:{self.var}"


@dataclass(frozen=True)
class RouterInfo:
    id: str
    path: str
    module: str
    var: str
    line: int
    prefix: Value | None  # own `APIRouter(prefix=...)`; Value("") when there is none
    call: ast.Call


@dataclass(frozen=True)
class Include:
    """`parent.include_router(child, prefix=...)`."""

    path: str
    line: int
    parent: str
    child: str | None  # a router id, None for a router built by a call (fastapi-users)
    child_label: str
    prefix: Value | None  # Value("") without prefix; None when it cannot be known
    prefix_src: str | None
    function: str | None  # enclosing top-level function, None at module level


@dataclass(frozen=True)
class Route:
    path: str
    line: int
    owner: str  # router or app id
    methods: tuple[str, ...]
    url: str | None
    function: str
    module: str
    cached: bool = False  # a page cache (fastapi-cache2's @cache) keeps its responses


@dataclass(frozen=True)
class Mount:
    router: str
    prefix: str | None  # full URL prefix where the router's routes live; None if unknown
    evidence: Evidence


@dataclass(frozen=True)
class TemplatesInfo:
    id: str
    path: str
    module: str
    var: str
    line: int
    dirs: list[str]
    call: ast.Call


@dataclass(frozen=True)
class StaticMount:
    """`app.mount(url, StaticFiles(directory=...), name=...)`."""

    path: str
    line: int
    url: str
    directory: str | None
    html: bool
    name: str | None = None  # what `url_for(name, path=...)` calls it


@dataclass(frozen=True)
class Structure:
    apps: list[AppInfo]
    routers: dict[str, RouterInfo]
    includes: list[Include]
    routes: list[Route]
    templates: list[TemplatesInfo]
    page_routes: list[Route] = field(default_factory=list)
    statics: list[StaticMount] = field(default_factory=list)


def _assigned_calls(
    body: list[ast.stmt], classes: frozenset[str], mod: PyModule
) -> list[tuple[ast.stmt, str, ast.Call]]:
    found = []
    for stmt in body:
        value: ast.expr | None = None
        target: ast.expr | None = None
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            value, target = stmt.value, stmt.targets[0]
        elif isinstance(stmt, ast.AnnAssign):
            value, target = stmt.value, stmt.target
        if (
            isinstance(value, ast.Call)
            and isinstance(target, ast.Name)
            and mod.qualified(value.func) in classes
        ):
            found.append((stmt, target.id, value))
        elif isinstance(stmt, (ast.If, ast.Try, ast.With)):
            found += _assigned_calls(stmt.body, classes, mod)
    return found


def find_apps(index: PythonIndex) -> list[AppInfo]:
    apps = []
    for mod in modules(index, "FastAPI"):
        for stmt, var, _call in _assigned_calls(mod.tree.body, FASTAPI_CLASSES, mod):
            apps.append(AppInfo(mod.path, mod.name, var, stmt.lineno, None))
        for func in top_functions(mod.tree):
            returned = {
                n.value.id
                for n in ast.walk(func)
                if isinstance(n, ast.Return) and isinstance(n.value, ast.Name)
            }
            for stmt, var, _call in _assigned_calls(func.body, FASTAPI_CLASSES, mod):
                if var in returned:
                    built_by = [
                        (site.path, site.name, target)
                        for site, target, _ in factory_calls(index, mod, func.name)
                    ]
                    apps.append(AppInfo(mod.path, mod.name, var, stmt.lineno, func.name, built_by))
    return apps


def factory_calls(
    index: PythonIndex, mod: PyModule, factory: str
) -> list[tuple[PyModule, str, ast.Call]]:
    """Module-level `app = factory(...)` statements of the project: (module, variable, call)."""
    wanted = f"{mod.name}.{factory}"

    def calls_factory(site: PyModule, call: ast.Call) -> bool:
        # `core.setup.create_application` names `core/setup.py` whose name is `setup` when
        # `core/` is a namespace package at the root
        called = ref(site, call.func) or ""
        module, _, name = called.rpartition(".")
        target = index.by_name(module) if name == factory else None
        return called == wanted or (target is not None and target.path == mod.path)

    found = []
    for site in modules(index, factory):
        if is_test_path(site.path):
            continue
        for stmt in site.tree.body:
            if (
                isinstance(stmt, ast.Assign)
                and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name)
                and isinstance(stmt.value, ast.Call)
                and calls_factory(site, stmt.value)
            ):
                found.append((site, stmt.targets[0].id, stmt.value))
    return found


def _passed_to(
    index: PythonIndex, mod: PyModule, func: ast.FunctionDef | ast.AsyncFunctionDef, name: str
) -> tuple[PyModule, ast.expr] | None:
    """What the project's `app = factory(...)` passes for the factory's parameter `name`."""
    positional = [a.arg for a in (*func.args.posonlyargs, *func.args.args)]
    if name not in positional and name not in {a.arg for a in func.args.kwonlyargs}:
        return None
    for site, _var, call in factory_calls(index, mod, func.name):
        value = keyword(call, name)
        if value is None and name in positional and positional.index(name) < len(call.args):
            value = call.args[positional.index(name)]
        if value is not None:
            return site, value
    return None


def structure(index: PythonIndex, project: Project, apps: list[AppInfo]) -> Structure:
    routers: dict[str, RouterInfo] = {}
    for mod in modules(index, "APIRouter"):
        for stmt, var, call in _assigned_calls(mod.tree.body, ROUTER_CLASSES, mod):
            prefix_expr = keyword(call, "prefix")
            prefix = values.resolve(index, mod, prefix_expr) if prefix_expr else Value("")
            rid = f"{mod.name}.{var}"
            routers[rid] = RouterInfo(rid, mod.path, mod.name, var, stmt.lineno, prefix, call)
    factory_apps: dict[tuple[str, str | None], AppInfo] = {
        (a.path, a.factory): a for a in apps if a.factory
    }
    includes: list[Include] = []
    routes: list[Route] = []
    statics: list[StaticMount] = []
    for mod in modules(index, "include_router", "StaticFiles"):
        for scope, node in _calls(mod):
            if not isinstance(node.func, ast.Attribute):
                continue
            app = factory_apps.get((mod.path, scope))
            owner = _owner(mod, node.func, app)
            passed = app_parameter(index, mod, scope, node.func.value, apps) if not app else None
            owner = passed.id if passed is not None else owner  # register_router(app)
            if owner is None:
                continue
            if node.func.attr == "include_router" and node.args:
                includes.append(_include(index, mod, node, owner, scope, app))
            elif node.func.attr == "mount" and len(node.args) >= 2:
                static = _static_mount(project, index, mod, node)
                if static is not None and static not in statics:
                    statics.append(static)
    seen_routes: set[tuple[str, int]] = set()
    for mod in modules(index, "@"):  # a route is a decorated function
        for func in top_functions(mod.tree):
            for dec in func.decorator_list:
                route = _route(index, mod, func, dec)
                if route is not None and (route.path, route.line) not in seen_routes:
                    seen_routes.add((route.path, route.line))
                    routes.append(route)
    templates = find_templates(index, project)
    found = Structure(apps, routers, includes, routes, templates, statics=statics)
    return replace(found, page_routes=page_routes(index, found))


def _calls(mod: PyModule) -> list[tuple[str | None, ast.Call]]:
    """Calls of the module with their enclosing top-level function (None: module level)."""
    found: list[tuple[str | None, ast.Call]] = []
    for stmt in mod.tree.body:
        func = stmt.name if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) else None
        found += [(func, n) for n in ast.walk(stmt) if isinstance(n, ast.Call)]
    return found


def _owner(mod: PyModule, func: ast.Attribute, app: AppInfo | None) -> str | None:
    if app is not None and isinstance(func.value, ast.Name) and func.value.id == app.var:
        return app.id
    return ref(mod, func.value)


def _include(
    index: PythonIndex,
    mod: PyModule,
    node: ast.Call,
    owner: str,
    func: str | None,
    app: AppInfo | None,
) -> Include:
    child_expr = node.args[0]
    child = ref(mod, child_expr) if not isinstance(child_expr, ast.Call) else None
    factory = top_function(mod, app.factory) if app is not None and app.factory else None
    if factory is not None and isinstance(child_expr, ast.Name):
        # `application.include_router(router)` with the router passed to the factory
        passed = _passed_to(index, mod, factory, child_expr.id)
        if passed is not None:
            child = ref(*passed)
    scope = top_function(mod, func) if func else None  # `settings = get_settings()` in a factory
    built = returned_router(index, mod, scope, child_expr)  # include_router(build_router())
    child = built if built is not None else child
    prefix_expr = keyword(node, "prefix")
    prefix = values.resolve(index, mod, prefix_expr, scope=scope) if prefix_expr else Value("")
    return Include(
        mod.path,
        node.lineno,
        owner,
        child,
        ast.unparse(child_expr),
        prefix,
        ast.get_source_segment(mod.text, prefix_expr) if prefix_expr else None,
        func,
    )


def _route(
    index: PythonIndex,
    mod: PyModule,
    func: ast.FunctionDef | ast.AsyncFunctionDef,
    dec: ast.expr,
) -> Route | None:
    if not (
        isinstance(dec, ast.Call)
        and isinstance(dec.func, ast.Attribute)
        and dec.func.attr in _ROUTE_METHODS
    ):
        return None
    owner = ref(mod, dec.func.value)
    if owner is None:
        return None
    url = values.resolve(index, mod, dec.args[0]) if dec.args else None
    method = dec.func.attr
    cached = any(
        (mod.qualified(d.func if isinstance(d, ast.Call) else d) or "").startswith("fastapi_cache.")
        for d in func.decorator_list
    )
    return Route(
        mod.path,
        func.lineno,
        owner,
        (method.upper(),) if method not in ("api_route", "route") else (),
        url.text if url else None,
        func.name,
        mod.name,
        cached,
    )


def mounts(found: Structure, app: AppInfo) -> list[Mount]:
    """Every router reachable from the app with the full URL prefix of its routes."""
    out: list[Mount] = []
    queue: list[tuple[str, str | None, Evidence]] = [
        (app.id, "", Evidence(app.path, app.line, "the FastAPI app"))
    ]
    seen: set[tuple[str, str | None]] = set()
    while queue:
        owner, prefix, evidence = queue.pop(0)
        if (owner, prefix) in seen or len(seen) > 500:
            continue
        seen.add((owner, prefix))
        if owner != app.id:
            out.append(Mount(owner, prefix, evidence))
        for inc in found.includes:
            if inc.parent != owner or inc.child is None:
                continue
            router = found.routers.get(inc.child)
            own = router.prefix if router else Value("")
            full = None
            if prefix is not None and inc.prefix is not None and own is not None:
                full = _join_url(prefix, inc.prefix.text, own.text)
            where = full if full is not None else "an unknown prefix"
            why = f"{inc.child_label} mounted at {where or '/'}"
            queue.append((inc.child, full, Evidence(inc.path, inc.line, why)))
    return out


def _join_url(*parts: str) -> str:
    joined = "".join(p for p in parts if p)
    return "/" + joined.strip("/") if joined.strip("/") else ""


def segments(url: str) -> list[str]:
    return [s for s in url.strip("/").split("/") if s]


def api_prefix(
    found: Structure, app: AppInfo, app_mounts: list[Mount]
) -> tuple[str, Evidence] | None:
    """The app's JSON API prefix (`/api`, `/api/v1`): the common part of where its routers
    under an `api` segment are mounted, leaving out the routers' own resource prefixes
    (`APIRouter(prefix="/items")` mounted at `/api/v2` -> `/api/v2`)."""
    bases: list[tuple[list[str], Mount]] = []
    # Routers that only include others (`APIRouter(prefix="/api")` around a `/v1` one) say
    # less than those whose routes live there.
    with_routes = {r.owner for r in found.routes}
    mounted = [m for m in app_mounts if m.router in with_routes] or [
        m for m in app_mounts if _has_api_routes(found, m.router)
    ]
    for m in mounted:
        if m.prefix is None:
            continue
        parts = segments(m.prefix)
        if not parts or parts[0] not in ("api", "apis"):
            continue
        router = found.routers.get(m.router)
        own = segments(router.prefix.text) if router and router.prefix else []
        while own and _VERSION.fullmatch(own[0]):  # `/v1/items`: the version is the API's
            own = own[1:]
        if own and parts[-len(own) :] == own and len(parts) > len(own):
            parts = parts[: -len(own)]
        bases.append((parts, m))
    if not bases:
        return None
    common: list[str] = []
    for column in zip(*[parts for parts, _ in bases], strict=False):
        if len(set(column)) != 1:
            break
        common.append(column[0])
    prefix = "/" + "/".join(common)
    # The first mount reached from the app that puts routes under the prefix (an aggregating
    # router's `include_router(api_router, prefix=settings.API_V1_STR)` included).
    best = next(
        (
            m
            for m in app_mounts
            if m.prefix is not None
            and segments(m.prefix)[: len(common)] == common
            and _has_api_routes(found, m.router)
        ),
        min(bases, key=lambda b: len(b[0]))[1],
    )
    return prefix, best.evidence


def _has_api_routes(found: Structure, router: str) -> bool:
    if any(r.owner == router for r in found.routes):
        return True
    return any(i.parent == router for i in found.includes)


# -- templates --------------------------------------------------------------------------------


def find_templates(index: PythonIndex, project: Project) -> list[TemplatesInfo]:
    found = []
    for mod in modules(index, "Jinja2Templates"):
        for stmt, var, call in _assigned_calls(mod.tree.body, TEMPLATES_CLASSES, mod):
            directory = keyword(call, "directory") or (call.args[0] if call.args else None)
            dirs = _template_dirs(project, index, mod, directory)
            tid = f"{mod.name}.{var}"
            found.append(TemplatesInfo(tid, mod.path, mod.name, var, stmt.lineno, dirs, call))
    return found


def _template_dirs(
    project: Project, index: PythonIndex, mod: PyModule, expr: ast.expr | None
) -> list[str]:
    if expr is None:
        return []
    items = expr.elts if isinstance(expr, (ast.List, ast.Tuple)) else [expr]
    dirs = []
    for item in items:
        directory = path_value(project, index, mod, item)
        if directory is not None:
            dirs.append(directory)
    return dirs


def path_value(
    project: Project, index: PythonIndex, mod: PyModule, expr: ast.expr, depth: int = 0
) -> str | None:
    """A project-relative directory for a path expression (`"templates"`,
    `Path(__file__).parent / "templates"`, `os.path.join(BASE_DIR, "templates")`).

    Paths relative to the working directory are looked up where the app is usually started:
    the directory of its Python manifest, then the project root, then the module's directory.
    """
    rel = _path(index, mod, expr, depth)
    if rel is None:
        return None
    base, path = rel
    if base == "file":
        return posixpath.normpath(path) if path else "."
    starts = [manifest_root(project, mod.path), ".", posixpath.dirname(mod.path)]
    for start in dict.fromkeys(starts):
        candidate = posixpath.normpath(posixpath.join(start, path) if start != "." else path)
        if any(f.startswith(candidate.rstrip("/") + "/") for f in project.files):
            return candidate
    return posixpath.normpath(path)


def _path(index: PythonIndex, mod: PyModule, expr: ast.expr, depth: int) -> tuple[str, str] | None:
    """('file', project-relative path) or ('cwd', path relative to the working directory)."""
    if depth > 10:
        return None
    if isinstance(expr, ast.Name):
        if expr.id == "__file__":
            return "file", mod.path
        bound = values.module_binding(mod, expr.id)
        if bound is not None:
            return _path(index, mod, bound, depth + 1)
        found = values.imported(index, mod, expr.id)  # `from core.config import BASE_DIR`
        return _path(index, found[0], ast.Name(found[1]), depth + 1) if found else None
    text = string_value(expr)
    if text is not None:
        return "cwd", text
    if isinstance(expr, ast.Attribute) and expr.attr == "parent":
        inner = _path(index, mod, expr.value, depth + 1)
        return (inner[0], posixpath.dirname(inner[1])) if inner else None
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Div):
        left = _path(index, mod, expr.left, depth + 1)
        right = string_value(expr.right)
        if left is None or right is None:
            return None
        return left[0], posixpath.join(left[1], right)
    if isinstance(expr, ast.Call):
        name = mod.qualified(expr.func) or ""
        if isinstance(expr.func, ast.Attribute) and expr.func.attr in ("resolve", "absolute"):
            return _path(index, mod, expr.func.value, depth + 1)
        if (
            name.endswith(("pathlib.Path", "os.path.abspath", "os.path.realpath", "str"))
            and expr.args
        ):
            return _path(index, mod, expr.args[0], depth + 1)
        if name == "os.path.dirname" and expr.args:
            inner = _path(index, mod, expr.args[0], depth + 1)
            return (inner[0], posixpath.dirname(inner[1])) if inner else None
        if name == "os.path.join" and expr.args:
            first = _path(index, mod, expr.args[0], depth + 1)
            rest = [string_value(a) for a in expr.args[1:]]
            if first is None or any(r is None for r in rest):
                return None
            return first[0], posixpath.join(first[1], *[r for r in rest if r is not None])
    return None


def page_routes(index: PythonIndex, found: Structure) -> list[Route]:
    """Routes that render a Jinja2Templates template, directly or through a project helper."""
    template_ids = {t.id for t in found.templates}
    if not template_ids:
        return []
    renderers: set[str] = set()
    for mod in modules(index, "TemplateResponse"):
        for func in top_functions(mod.tree):
            if _calls_render(mod, func, template_ids, set()):
                renderers.add(f"{mod.name}.{func.name}")
    pages = []
    for route in found.routes:
        owner_mod = index.by_name(route.module)
        route_func = top_function(owner_mod, route.function) if owner_mod else None
        if (
            owner_mod is not None
            and route_func is not None
            and _calls_render(owner_mod, route_func, template_ids, renderers)
        ):
            pages.append(route)
    return pages


def _calls_render(
    mod: PyModule,
    func: ast.FunctionDef | ast.AsyncFunctionDef,
    template_ids: set[str],
    renderers: set[str],
) -> bool:
    for node in ast.walk(func):
        if not isinstance(node, ast.Call):
            continue
        if (
            isinstance(node.func, ast.Attribute)
            and node.func.attr in ("TemplateResponse", "get_template")
            and ref(mod, node.func.value) in template_ids
        ):
            return True
        if ref(mod, node.func) in renderers:
            return True
    return False


def _static_mount(
    project: Project, index: PythonIndex, mod: PyModule, node: ast.Call
) -> StaticMount | None:
    url = string_value(node.args[0])
    app = node.args[1]
    if (
        url is None
        or not isinstance(app, ast.Call)
        or mod.qualified(app.func) not in STATIC_CLASSES
    ):
        return None
    directory_expr = keyword(app, "directory") or (app.args[0] if app.args else None)
    directory = path_value(project, index, mod, directory_expr) if directory_expr else None
    html = keyword(app, "html")
    is_html = isinstance(html, ast.Constant) and html.value is True
    name = string_value(keyword(node, "name"))
    return StaticMount(mod.path, node.lineno, url, directory, is_html, name)
