"""Django plan: the token endpoint as one of the API's own views, and where it is routed.

The view joins the project's API: a DRF `APIView` (or `@api_view` function) with the API's
authentication classes, routed in the API's URL conf; an operation on the project's NinjaAPI
with its authenticators; else a plain `JsonResponse` view under the API prefix.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from scaffolder.escape import py_raw_str, py_str, url_path
from scaffolder.inspection import Choices
from scaffolder.plan import PlanBuilder
from scaffolder.project import Project
from scaffolder.python.source import PythonIndex
from scaffolder.python.style import preferred_quote, requote
from scaffolder.stacks.django.detect import DjangoAuth, DjangoFacts
from scaffolder.stacks.django.discover import dotted_name
from scaffolder.stacks.django.drf_views import AuthBase
from scaffolder.stacks.django.ninja import NinjaApi, top_level_names
from scaffolder.stacks.django.routes import Route, endpoint_route, first_api
from scaffolder.steps import StepResult, applied, manual, skipped

Chosen = Choices[DjangoAuth]

VIEWS = {
    # view -> (the name the URL conf imports, how it routes it, what marks our module);
    # the NinjaAPI adds its router instead of routing it
    "drf": ("WidgetTokenView", "WidgetTokenView.as_view()", "class WidgetTokenView("),
    "drf-function": ("widget_token", "widget_token", "def widget_token(request"),
    "ninja": ("widget_token_router", "", "def widget_token_router("),
    "django": ("widget_token_view", "widget_token_view", "def widget_token_view("),
}
_DRF_FUNCTION = {"api_view", "permission_classes"}


def endpoint_view(facts: DjangoFacts, prefix: str | None) -> str:
    """`ninja` when the API the root URL conf mounts is a NinjaAPI (or the only one) and the
    answered prefix (`prefix`), if any, is its own; `drf` (class-based) or `drf-function` for
    Django REST framework; else a plain `django` view."""
    ninja = facts.ninja_api
    first = first_api(facts.urlconf)
    if (
        ninja is not None
        and (facts.drf_api is None or first == "ninja")
        and (prefix is None or url_path(prefix).strip("/") == ninja.mount.strip("/"))
    ):
        return "ninja"
    if facts.drf_api is not None:
        return "drf-function" if facts.drf_api.function_views else "drf"
    return "django"


@dataclass
class ViewCode:
    """What the token module's view needs: imports at run time and for type checking, and
    the DRF authentication classes it names."""

    imports: dict[str, set[str]] = field(default_factory=dict)
    type_imports: dict[str, set[str]] = field(default_factory=dict)
    typing: list[str] = field(default_factory=lambda: ["TYPE_CHECKING"])
    authentication: str | None = None
    authentication_doc: str = ""
    bases: str = "APIView"
    """What the DRF class view inherits."""

    def need(self, *pairs: tuple[str, str]) -> None:
        for module, name in pairs:
            self.imports.setdefault(module, set()).add(name)


def view_code(facts: DjangoFacts, view: str) -> ViewCode:
    code = ViewCode()
    if view == "context":
        code.need(
            ("django.utils.cache", "patch_cache_control"),
            ("django.utils.functional", "SimpleLazyObject"),
        )
        code.type_imports["collections.abc"] = {"Callable"}
        code.type_imports["django.http"] = {"HttpRequest"}
        code.type_imports["django.http.response"] = {"HttpResponseBase"}
    elif view in ("drf", "drf-function"):
        code.need(
            ("django.views.decorators.cache", "never_cache"),
            ("rest_framework.permissions", "AllowAny"),
            ("rest_framework.response", "Response"),
        )
        if view == "drf":
            code.need(("django.utils.decorators", "method_decorator"))
        else:
            code.need(*(("rest_framework.decorators", n) for n in sorted(_DRF_FUNCTION)))
        code.type_imports["rest_framework.request"] = {"Request"}
        _drf_authentication(facts, view, code)
        if view == "drf" and "APIView" in code.bases.split(", "):
            code.need(("rest_framework.views", "APIView"))
    elif view == "ninja":
        code.need(
            ("django.contrib.auth.models", "AnonymousUser"),
            ("django.http", "HttpRequest"),
            ("django.http", "JsonResponse"),
            ("django.utils.cache", "add_never_cache_headers"),
            ("ninja", "Router"),
        )
        code.type_imports["collections.abc"] = {"Callable"}
        code.typing.append("Any")
    else:
        code.need(
            ("django.http", "HttpRequest"),
            ("django.http", "JsonResponse"),
            ("django.views.decorators.cache", "never_cache"),
            ("django.views.decorators.http", "require_GET"),
        )
    return code


def _drf_authentication(facts: DjangoFacts, view: str, code: ViewCode) -> None:
    """The API's classes: inherited from the project's base view (or mixin) its views
    authenticate through, or from DEFAULT_AUTHENTICATION_CLASSES; named (the defaults and what
    the views add) when the views accept more than that; the session when the defaults are
    empty and nothing else authenticates."""
    api = facts.drf_api
    assert api is not None
    base = api.base if view == "drf" else None
    if base is not None:
        name = _base_name(facts, base, code)
        code.bases = f"{name}, APIView" if base.mixin else name
        listed = api.base_classes
        if listed is None or set(api.authentication) <= set(listed):
            code.authentication_doc = f"inherited from {name}, like its views"
            return
        code.authentication_doc = f"{name}'s and the classes its other views name"
    elif not api.extra_authentication:
        if api.empty_defaults:
            code.need(("rest_framework.authentication", "SessionAuthentication"))
            code.authentication = "[SessionAuthentication]"
            code.authentication_doc = "the session: DEFAULT_AUTHENTICATION_CLASSES is empty"
            if view == "drf-function":
                code.need(("rest_framework.decorators", "authentication_classes"))
            return
        code.authentication_doc = (
            "DEFAULT_AUTHENTICATION_CLASSES"
            if api.default_authentication
            else "DRF's default authentication"
        )
        return
    names = []
    taken: dict[str, str] = {}
    first = api.base_classes if base is not None and api.base_classes else ()
    for qualified in dict.fromkeys([*first, *api.authentication]):
        module, _, name = qualified.rpartition(".")
        local = name
        if taken.setdefault(name, qualified) != qualified:
            local = f"{module.rpartition('.')[2]}_{name}"
            code.need((module, f"{name} as {local}"))
        else:
            code.need((module, name))
        names.append(local)
    code.authentication = "[" + ", ".join(names) + "]"
    if base is None:
        code.authentication_doc = (
            "DEFAULT_AUTHENTICATION_CLASSES and the classes its views add"
            if api.default_authentication
            else "the classes its views name"
        )
    if view == "drf-function":
        code.need(("rest_framework.decorators", "authentication_classes"))


def _base_name(facts: DjangoFacts, base: AuthBase, code: ViewCode) -> str:
    """Import the class the endpoint inherits; its local name (aliased where it would shadow
    a name the module imports)."""
    cls = base.inherits
    module = dotted_name(facts.project.root, cls.path)
    taken = {n for names in code.imports.values() for n in names} | {"APIView", "Response"}
    if cls.name not in taken:
        code.need((module, cls.name))
        return cls.name
    local = f"Project{cls.name}"
    code.need((module, f"{cls.name} as {local}"))
    return local


# -- the route ---------------------------------------------------------------------------------


def place(index: PythonIndex, facts: DjangoFacts, view: str, prefix: str | None) -> Route | None:
    """Where the endpoint goes (`prefix`: the answered one): the NinjaAPI's mount, else the
    URL conf `endpoint_route` picks for the API; None when ROOT_URLCONF is not resolved."""
    if facts.urlconf is None:
        return None
    if view == "ninja" and facts.ninja_api is not None:
        mount = facts.ninja_api.mount.strip("/")
        return Route(facts.ninja_api.path, "widget-token", prefix="/" + mount)
    serves = "drf" if view.startswith("drf") else None
    return endpoint_route(index, facts.project.root, facts.urlconf, prefix, serves)


def wire_route(
    project: Project,
    facts: DjangoFacts,
    choices: Chosen,
    view: str,
    prefix: str | None,
    url_regex: bool,
    builder: PlanBuilder,
) -> StepResult:
    """`widget-token` in the URL conf `plan_route` picks (`prefix`: the answered one), as a
    `url()` regex for Django before 2.0 (`url_regex`)."""
    from scaffolder.python import cst  # LibCST loads for the plan, never for `inspect`
    from scaffolder.stacks.django import transforms

    name, target, _ = VIEWS[view]
    wired = place(PythonIndex.of(project), facts, view, url_path(prefix) if prefix else None)
    if wired is None:
        route = (choices.endpoint_prefix.strip("/") + "/widget-token").lstrip("/")
        snippet = f'path({py_str(route)}, {target}, name="widget-token")'
        return manual(
            "route",
            facts.settings.path,
            f"ROOT_URLCONF could not be resolved; add `{snippet}` to your urlpatterns "
            f"(from {facts.module_dotted} import {name})",
            snippet,
        )
    path, route = wired.into, wired.route
    snippet = f'path({py_str(route)}, {target}, name="widget-token")'
    code = builder.current(path)
    assert code is not None
    if transforms.uses_name(code, name):
        return skipped("route", path, f"{name} is already routed")

    quote = preferred_quote(code)
    urls = transforms.imported_names(code, "django.urls")
    pattern = py_raw_str(f"^{route}$")
    if url_regex:  # Django before 2.0
        source, func = "django.conf.urls", "url"
        entry = f'url({pattern}, {target}, name="widget-token")'
    elif "path" in urls or "re_path" not in urls:
        source, func, entry = "django.urls", "path", snippet
    else:
        source, func = "django.urls", "re_path"
        entry = f're_path({pattern}, {target}, name="widget-token")'
    entry = requote(entry, quote)
    imported = transforms.imported_names(code, source)
    try:
        new = transforms.add_urlpattern(code, entry, wired.before)
        module, relative = import_target(project, facts, path)
        new = transforms.add_import(new, module, name, relative=relative)
        if func not in imported:
            new = (
                transforms.add_to_from_import(new, source, func)
                if imported
                else cst.add_import(new, source, func)
            )
    except cst.CannotEdit as exc:
        return manual(
            "route",
            path,
            f"{exc}; add `{entry}` to its urlpatterns (from {facts.module_dotted} import {name})",
            entry,
        )
    reason = f"route GET {wired.url} to {name}"
    builder.write(path, new, reason, "python")
    return applied("route", path, reason)


def wire_ninja(
    project: Project, facts: DjangoFacts, choices: Chosen, builder: PlanBuilder
) -> StepResult:
    """`api.add_router("", widget_token_router(<the API's authenticators>))` in the module
    that defines the NinjaAPI, after its own add_router calls and the authenticators' classes."""
    from scaffolder.python import cst
    from scaffolder.stacks.django import transforms

    api = facts.ninja_api
    assert api is not None
    name = VIEWS["ninja"][0]
    code = builder.current(api.path)
    assert code is not None
    call = f"{api.variable}.add_router({py_str('')}, {name}({', '.join(a.text for a in api.auth)}))"
    statement = requote(call, preferred_quote(code))
    if transforms.uses_name(code, name):
        return skipped("route", api.path, f"{name} is already added to {api.variable}")
    try:
        new = transforms.insert_after(code, _anchor_line(project, api), statement)
        for local, qualified in _missing_names(project, api):
            module, _, attr = qualified.rpartition(".")
            if attr != local:
                raise cst.CannotEdit(f"{local} is {qualified} under another name")
            new = cst.add_import(new, module, attr)
        module, relative = import_target(project, facts, api.path)
        new = transforms.add_import(new, module, name, relative=relative)
    except cst.CannotEdit as exc:
        return manual(
            "route",
            api.path,
            f"{exc}; add `{statement}` after {api.variable} = NinjaAPI(...) "
            f"(from {facts.module_dotted} import {name})",
            statement,
        )
    reason = f"serve GET {choices.endpoint_url} from the NinjaAPI {api.variable}"
    builder.write(api.path, new, reason, "python")
    return applied("route", api.path, reason)


def _missing_names(project: Project, api: NinjaApi) -> list[tuple[str, str]]:
    """The authenticators' names the API's module lacks; CannotEdit when it binds one of them
    to something else."""
    from scaffolder.python import cst

    mod = PythonIndex.of(project).module(api.path)
    assert mod is not None
    defined = top_level_names(mod)
    missing: dict[str, str] = {}
    for expr in api.auth:
        for local, qualified in expr.needs:
            if mod.imports.get(local) == qualified or (
                local in defined and qualified == f"{mod.name}.{local}"
            ):
                continue
            if local in defined or local in mod.imports:
                raise cst.CannotEdit(f"{local} means something else in {api.path}")
            missing[local] = qualified
    return sorted(missing.items())


def _anchor_line(project: Project, api: NinjaApi) -> int:
    """The line our add_router goes after: the API's assignment, its last add_router call, or
    the last definition the authenticators read, whichever comes last; CannotEdit when the
    module reads `api.urls` before that."""
    from scaffolder.python import cst

    mod = PythonIndex.of(project).module(api.path)
    assert mod is not None
    defined = top_level_names(mod)
    needed = {local for expr in api.auth for local, _ in expr.needs}
    line = max([api.line, *(defined[n] for n in needed if n in defined)])
    urls_line = None
    for stmt in mod.tree.body:
        if _calls_add_router(stmt, api.variable):
            line = max(line, stmt.lineno)
        if urls_line is None and any(
            isinstance(n, ast.Attribute)
            and n.attr == "urls"
            and isinstance(n.value, ast.Name)
            and n.value.id == api.variable
            for n in ast.walk(stmt)
        ):
            urls_line = stmt.lineno
    if urls_line is not None and urls_line <= line:
        raise cst.CannotEdit(f"{api.variable}.urls is read before the API is set up")
    return line


def _calls_add_router(stmt: ast.stmt, variable: str) -> bool:
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Call)
        and isinstance(stmt.value.func, ast.Attribute)
        and stmt.value.func.attr == "add_router"
        and isinstance(stmt.value.func.value, ast.Name)
        and stmt.value.func.value.id == variable
    )


def import_target(project: Project, facts: DjangoFacts, path: str) -> tuple[str, int]:
    """Import the token module relatively from its own package, absolutely from elsewhere."""
    index = PythonIndex.of(project)
    mod = index.module(path)
    dotted = dotted_name(facts.project.root, path)
    package = dotted.rpartition(".")[0] if not path.endswith("__init__.py") else dotted
    if mod is not None and facts.package and package == facts.package:
        absolute_self = any(n.startswith(package + ".") for n in mod.imports.values())
        if mod.uses_relative_imports or not absolute_self:
            return "bestchatbot", 1
    return facts.module_dotted, 0
