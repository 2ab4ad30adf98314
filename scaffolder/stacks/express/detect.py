"""Express detection: the package, its app (`express()`), the middleware it mounts, the view
engine and views directory, static files, API prefixes, page caches and CSP.

Pure and read-only: reads the project through `Project` / `JsIndex`, returns facts with
evidence. What to ask and what to plan is decided elsewhere (`hooks`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tree_sitter import Node

from scaffolder.cors import Permissive
from scaffolder.js.packages import PackageJson, manifests
from scaffolder.js.syntax import (
    FUNCTION_TYPES,
    call_arguments,
    callee_name,
    enclosing,
    string_value,
)
from scaffolder.markup import Layout, Template
from scaffolder.model import Evidence
from scaffolder.project import Project
from scaffolder.stacks.express.index import JsIndex, Module, exported_function, parameters
from scaffolder.stacks.express.inline import CodePage
from scaffolder.stacks.express.views import Found
from scaffolder.treesitter import walk

SESSION_PACKAGES = ("express-session", "cookie-session")
_PASSPORT_NAME = re.compile(r"passport", re.IGNORECASE)
_TS_CHECK = re.compile(r"(?:\s*(?://[^\n]*\n|/\*[\s\S]*?\*/))*?\s*//\s*@ts-check\b")
PAGE_CACHES = ("apicache", "route-cache", "express-cache-middleware", "express-expeditious")
# `app.set("view engine", x)` / registered extension -> the template language.
ENGINES = {
    "ejs": "ejs",
    "pug": "pug",
    "jade": "pug",
    "hbs": "handlebars",
    "handlebars": "handlebars",
    "njk": "nunjucks",
    "nunjucks": "nunjucks",
}
ENGINE_PACKAGES = {
    "ejs": "ejs",
    "pug": "pug",
    "jade": "pug",
    "express-handlebars": "handlebars",
    "hbs": "handlebars",
    "handlebars": "handlebars",
    "nunjucks": "nunjucks",
}


@dataclass
class ExpressApp:
    """Where `express()` creates the app: its module, variable and enclosing function."""

    module: Module
    var: str
    line: int
    factory: str | None
    statement: Node
    scope: Node

    @property
    def path(self) -> str:
        return self.module.path

    @property
    def label(self) -> str:
        return f"{self.path}:{self.var}"


@dataclass
class Use:
    """An `x.use(...)` (or `x.get(...)`) call statement."""

    module: Module
    receiver: str
    kind: str  # session, passport, cookies, layouts, static, router, other
    statement: Node
    path: str | None = None  # the mount path argument, when given
    static_dir: str | None = None

    @property
    def line(self) -> int:
        return self.module.line(self.statement)


@dataclass
class ViewConfig:
    engine: str | None = None  # ejs, pug, handlebars, nunjucks
    ext: str | None = None  # the view file extension, without the dot
    dirs: list[str] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    layouts_dir: str | None = None  # express-handlebars
    default_layout: str | None = "main"
    ejs_layouts: str | None = None  # express-ejs-layouts: the layout view name
    rendered: tuple[str, ...] = ()  # the view names routes render (`res.render("index")`)


@dataclass(frozen=True)
class ExpressCandidate:
    """An Express app, with the package and the module index it was found in."""

    package: PackageJson
    index: JsIndex
    app: ExpressApp


@dataclass(frozen=True)
class ExpressFacts:
    """What the finders found for the chosen app; the choices made from it are `Choices`."""

    package: PackageJson
    index: JsIndex
    app: ExpressApp
    uses: list[Use]
    views: ViewConfig
    statics: list[tuple[str, str]]  # (directory, URL prefix)
    api_prefixes: list[tuple[str, Evidence]]
    page_cache: list[Evidence]
    csp: list[Evidence]
    ts: bool
    templates: dict[str, Template]  # every view of the engine, by path
    all_views: list[Layout]  # the same views, where the tag would go in each (`views.as_layout`)
    layouts: list[Layout]  # the views that close the page body, most used first
    tags: list[tuple[str, Found]]  # the widget tags already in views
    spa_pages: list[str]
    page_tags: list[tuple[str, Found]]  # the widget tags already in single-page app pages
    shell_line: int  # where the tag goes in the first single-page app page (0: none)
    code_pages: list[CodePage] = field(default_factory=list)  # HTML built in template literals
    cors: tuple[Permissive, ...] = ()  # CORS answering any origin with credentials

    @property
    def root(self) -> str:
        return self.package.directory

    @property
    def engine(self) -> str:
        """The template language the plan edits views in ("html" without a view engine)."""
        return self.views.engine or "html"

    @property
    def checks_js(self) -> bool:
        """JavaScript the project type-checks (`checkJs` in its tsconfig / jsconfig, or the app
        module's `// @ts-check`): generated JavaScript carries JSDoc types then."""
        return not self.ts and (self.index.config.checks_js or self.ts_check)

    @property
    def ts_check(self) -> bool:
        """Whether the app module opens with the `// @ts-check` pragma."""
        return not self.ts and bool(_TS_CHECK.match(self.app.module.text))

    @property
    def system(self) -> str:
        """The app module's system, as reported: TypeScript, ES modules or CommonJS."""
        if self.ts:
            return "TypeScript"
        return "ES modules" if self.app.module.system == "esm" else "CommonJS"


# -- the package and the app ------------------------------------------------------------------


def express_packages(project: Project) -> list[PackageJson]:
    return [m for m in manifests(project) if m.has("express")]


def find_apps(index: JsIndex) -> list[ExpressApp]:
    apps = []
    for mod in index.modules(containing="express"):
        names = set(mod.local_for("express"))
        for node in walk(mod.source.root):
            if node.type != "call_expression":
                continue
            fn = node.child_by_field_name("function")
            if fn is None:
                continue
            direct = fn.type == "identifier" and mod.text_of(fn) in names
            inline = (
                fn.type == "call_expression"
                and callee_name(mod.source, fn) == "require"
                and (
                    string_value(mod.source, call_arguments(fn)[0] if call_arguments(fn) else None)
                    == "express"
                )
            )
            if not (direct or inline):
                continue
            declarator = node.parent
            if declarator is None or declarator.type != "variable_declarator":
                continue
            name = declarator.child_by_field_name("name")
            if name is None or name.type != "identifier":
                continue
            statement = declarator.parent
            assert statement is not None
            if statement.parent is not None and statement.parent.type == "export_statement":
                statement = statement.parent
            func = enclosing(node, *FUNCTION_TYPES, "method_definition")
            apps.append(
                ExpressApp(
                    mod,
                    mod.text_of(name),
                    mod.line(node),
                    _function_name(mod, func) if func is not None else None,
                    statement,
                    func if func is not None else mod.source.root,
                )
            )
    return apps


def _function_name(mod: Module, func: Node) -> str:
    name = func.child_by_field_name("name")
    if name is not None:
        return mod.text_of(name)
    parent = func.parent
    if parent is not None and parent.type == "variable_declarator":
        return mod.text_of(parent.child_by_field_name("name"))
    return "<anonymous function>"


def is_exported(app: ExpressApp) -> bool:
    text = app.module.text
    return (
        f"module.exports = {app.var}" in text
        or f"export default {app.var}" in text
        or app.statement.type == "export_statement"
        or f"return {app.var}" in text
    )


# -- middleware -------------------------------------------------------------------------------


def find_uses(index: JsIndex) -> list[Use]:
    """Every `<x>.use(...)` statement of the package, classified."""
    out = []
    for mod in index.modules(containing=".use("):
        session_fns = set(mod.local_for(*SESSION_PACKAGES))
        passports = index.names_for(mod, "passport")
        cookie_parsers = set(mod.local_for("cookie-parser"))
        layouts = set(mod.local_for("express-ejs-layouts"))
        expresses = set(mod.local_for("express"))
        statics = {n for n, spec in mod.bindings.items() if spec in ("serve-static",)}
        for node in walk(mod.source.root):
            if node.type != "call_expression":
                continue
            callee = callee_name(mod.source, node)
            if not callee.endswith(".use") or callee.count(".") != 1:
                continue
            statement = node.parent
            if statement is None or statement.type != "expression_statement":
                continue
            args = call_arguments(node)
            mount = string_value(mod.source, args[0]) if args else None
            kind, static_dir = "other", None
            for arg in args:
                text = mod.text_of(arg)
                head = text.split("(")[0].split(".")[0]
                if arg.type == "call_expression":
                    inner = callee_name(mod.source, arg)
                    if inner in session_fns:
                        kind = "session"
                    elif (
                        inner.split(".")[0] in passports
                        or _PASSPORT_NAME.search(inner.split(".")[0])  # a module re-exporting it
                    ) and inner.endswith((".initialize", ".session", ".authenticate")):
                        if not inner.endswith(".authenticate") or "session" in text:
                            kind = "passport"
                    elif inner in cookie_parsers:
                        kind = "cookies"
                    elif (inner.split(".")[0] in expresses and inner.endswith(".static")) or (
                        inner in statics
                    ):
                        kind = "static"
                        sargs = call_arguments(arg)
                        static_dir = index.directory(mod, sargs[0]) if sargs else None
                elif head in layouts:
                    kind = "layouts"
                elif arg.type == "identifier" and mount is not None:
                    kind = "router"
            out.append(
                Use(
                    mod,
                    callee.split(".")[0],
                    kind,
                    statement,
                    mount,
                    static_dir,
                )
            )
    return out


def anchor(app: ExpressApp, uses: list[Use], kinds: tuple[str, ...]) -> Use | None:
    """The last statement mounting middleware of `kinds`: in the app's own scope first, else
    wherever the package mounts it (a `configure(app)` helper)."""
    mine = [
        u
        for u in uses
        if u.kind in kinds
        and u.module.path == app.path
        and u.receiver == app.var
        and app.scope.start_byte <= u.statement.start_byte < app.scope.end_byte
    ]
    if mine:
        return mine[-1]
    others = [u for u in uses if u.kind in kinds]
    return others[-1] if others else None


# -- views ------------------------------------------------------------------------------------


def view_config(index: JsIndex, uses: list[Use]) -> ViewConfig:
    config = ViewConfig()
    registered: dict[str, str] = {}
    for mod in index.modules(containing=".set("):
        for call in _method_calls(mod, "set"):
            args = call_arguments(call)
            key = string_value(mod.source, args[0]) if args else None
            if key == "view engine" and len(args) > 1:
                value = string_value(mod.source, args[1])
                if value:
                    config.ext = value.lstrip(".")
                    config.evidence.append(
                        Evidence(mod.path, mod.line(call), f"view engine {value!r}")
                    )
            elif key == "views" and len(args) > 1:
                values = args[1].named_children if args[1].type == "array" else [args[1]]
                dirs = [d for v in values if (d := index.directory(mod, v))]
                config.dirs += dirs
            elif key == "layout" and len(args) > 1:
                config.ejs_layouts = string_value(mod.source, args[1]) or config.ejs_layouts
    for mod in index.modules(containing=".engine("):
        for call in _method_calls(mod, "engine"):
            args = call_arguments(call)
            ext = string_value(mod.source, args[0]) if args else None
            if ext is None or len(args) < 2:
                continue
            head = callee_name(mod.source, args[1]) if args[1].type == "call_expression" else ""
            root = (head or mod.text_of(args[1])).split(".")[0]
            package = mod.bindings.get(root, "").split("#")[0]
            engine = ENGINE_PACKAGES.get(package) or ENGINES.get(ext.lstrip("."))
            if engine:
                registered[ext.lstrip(".")] = engine
            if engine == "handlebars" and args[1].type == "call_expression":
                _handlebars_options(index, mod, args[1], config)
    for mod in index.modules(containing="configure"):
        for name in mod.local_for("nunjucks"):
            for node in walk(mod.source.root):
                if node.type == "call_expression" and callee_name(mod.source, node) == (
                    f"{name}.configure"
                ):
                    args = call_arguments(node)
                    registered.setdefault(config.ext or "njk", "nunjucks")
                    if args:
                        values = args[0].named_children if args[0].type == "array" else args[:1]
                        config.dirs += [d for v in values if (d := index.directory(mod, v))]
                    config.evidence.append(
                        Evidence(mod.path, mod.line(node), "nunjucks.configure(...)")
                    )
    config.rendered = _rendered(index, config)
    if config.ext:
        config.engine = registered.get(config.ext) or ENGINES.get(config.ext)
    elif registered:
        config.ext, config.engine = next(iter(registered.items()))
    if config.engine and not config.dirs:
        config.dirs = [_join(index.root, "views")]  # Express's default: <cwd>/views
    if config.engine == "handlebars" and config.layouts_dir is None and config.dirs:
        config.layouts_dir = _join(config.dirs[0], "layouts")
    if config.ejs_layouts is None and any(u.kind == "layouts" for u in uses):
        config.ejs_layouts = "layout"
    config.dirs = list(dict.fromkeys(config.dirs))
    return config


def _rendered(index: JsIndex, config: ViewConfig) -> tuple[str, ...]:
    """The view names passed to `res.render(...)`; with no view engine set, the extension
    they name (`res.render("index.ejs")`) is the engine, as Express resolves it."""
    names: list[str] = []
    for mod in index.modules(containing=".render("):
        for call in _method_calls(mod, "render"):
            args = call_arguments(call)
            name = string_value(mod.source, args[0]) if args else None
            if not name:
                continue
            names.append(name)
            ext = name.rsplit(".", 1)[-1] if "." in name else ""
            if not config.ext and ext in ENGINES:
                config.ext = ext
                config.evidence.append(Evidence(mod.path, mod.line(call), f"renders {name!r}"))
    return tuple(dict.fromkeys(names))


def _handlebars_options(index: JsIndex, mod: Module, call: Node, config: ViewConfig) -> None:
    args = call_arguments(call)
    if not args or args[0].type != "object":
        return
    for pair in args[0].named_children:
        if pair.type != "pair":
            continue
        key = mod.text_of(pair.child_by_field_name("key")).strip("'\"")
        value = pair.child_by_field_name("value")
        if key == "defaultLayout":
            literal = string_value(mod.source, value)
            config.default_layout = literal if literal else None
        elif key == "layoutsDir":
            config.layouts_dir = index.directory(mod, value)
        elif key == "extname":
            literal = string_value(mod.source, value)
            if literal:
                config.ext = config.ext or literal.lstrip(".")


def _method_calls(mod: Module, method: str) -> list[Node]:
    out = []
    for node in walk(mod.source.root):
        if node.type == "call_expression":
            callee = callee_name(mod.source, node)
            if callee.endswith("." + method) and callee.count(".") == 1:
                out.append(node)
    return out


# -- API, caches, CSP -------------------------------------------------------------------------


_API_SEGMENT = re.compile(r"^(api|v\d+)$")
_DATA_REPLIES = ("json", "jsonp", "send", "sendStatus")


def api_prefixes(uses: list[Use], index: JsIndex) -> list[tuple[str, Evidence]]:
    """Where routers are mounted under `/api` or a version (`/v1`); else `/api` when routes
    under `/api/` answer with data (routes there that render pages are not an API)."""
    found: dict[str, tuple[str, Evidence]] = {}
    for use in uses:
        prefix = _literal_prefix(use.path or "")
        if use.kind != "static" and prefix and _API_SEGMENT.match(prefix.strip("/").split("/")[0]):
            found.setdefault(
                prefix,
                (
                    prefix,
                    Evidence(use.module.path, use.line, f"API routes mounted at {use.path}"),
                ),
            )
    if not found:
        for mod in index.modules(containing="/api/"):
            for method in ("get", "post", "put", "delete", "patch"):
                for call in _method_calls(mod, method):
                    args = call_arguments(call)
                    route = string_value(mod.source, args[0]) if args else None
                    if route and route.startswith("/api/") and _answers_data(index, mod, args[-1]):
                        found.setdefault(
                            "/api", ("/api", Evidence(mod.path, mod.line(call), f"route {route}"))
                        )
    return sorted(found.values())


def _literal_prefix(path: str) -> str:
    """The path's leading literal segments: the endpoint's URL is fetched as it is written, and
    Express 5's path-to-regexp v8 rejects the wildcards Express 4 took (`/api/*`)."""
    literal = []
    for segment in path.strip("/").split("/"):
        if not segment or any(c in segment for c in ":*?+()[]{}"):
            break
        literal.append(segment)
    return "/" + "/".join(literal) if literal else ""


def _answers_data(index: JsIndex, mod: Module, handler: Node) -> bool:
    """Whether a route handler responds with data (`res.json`, `res.send`): true unless it
    can be read (inline, or `controller.name` of a project module) and only renders,
    redirects or the like."""
    fn: Node | None = handler if handler.type in FUNCTION_TYPES else None
    owner = mod
    if fn is None and handler.type == "member_expression":
        obj = mod.text_of(handler.child_by_field_name("object"))
        spec = mod.bindings.get(obj, "")
        target = index.resolve(mod, spec) if spec.startswith(".") else None
        name = mod.text_of(handler.child_by_field_name("property"))
        fn = exported_function(target, name) if target is not None else None
        owner = target or mod
    if fn is None:
        return True
    params = parameters(owner, fn)
    res = params[1] if len(params) > 1 and params[1] else "res"
    shadowed = [  # inner functions with a `res` of their own (`const res = await fetch(...)`)
        (n.start_byte, n.end_byte)
        for n in walk(fn)
        if n.type in FUNCTION_TYPES
        and n.id != fn.id
        and (
            res in parameters(owner, n)
            or any(
                d.type == "variable_declarator"
                and owner.text_of(d.child_by_field_name("name")) == res
                for d in walk(n)
            )
        )
    ]
    for node in walk(fn):
        if node.type != "call_expression" or any(a <= node.start_byte < b for a, b in shadowed):
            continue
        callee = callee_name(owner.source, node)
        if callee.startswith(res + ".") and callee.rsplit(".", 1)[-1] in _DATA_REPLIES:
            return True
    return False


def page_cache(package: PackageJson, index: JsIndex) -> list[Evidence]:
    found = []
    for name in PAGE_CACHES:
        if not package.has(name):
            continue
        for mod in index.modules(containing=name):
            if mod.local_for(name) or any(s.startswith(name + "#") for s in mod.bindings.values()):
                found.append(Evidence(mod.path, 1, f"{name} caches responses"))
                break
    return found


def csp(index: JsIndex) -> list[Evidence]:
    found = []
    for mod in index.modules(containing="helmet"):
        names = set(mod.local_for("helmet"))
        for node in walk(mod.source.root):
            if node.type == "call_expression" and callee_name(mod.source, node).split(".")[0] in (
                names
            ):
                found.append(
                    Evidence(mod.path, mod.line(node), "helmet sets a Content-Security-Policy")
                )
                break
    return found


_HEADER_SETTERS = ("set", "setHeader", "header", "append")
_SHARED = re.compile(r"\b(public|s-maxage)\b", re.IGNORECASE)
_PRIVATE = re.compile(r"\b(private|no-store)\b", re.IGNORECASE)


def shared_caching(index: JsIndex) -> list[Evidence]:
    """Where the app sets a `Cache-Control` that lets shared caches keep a response
    (`res.set("Cache-Control", "public, max-age=600")`): set by a route after the token
    middleware ran, it replaces the `private` a page carrying a token gets."""
    found = []
    for mod in index.modules(containing="ache-"):
        for node in walk(mod.source.root):
            if node.type != "call_expression":
                continue
            if callee_name(mod.source, node).rsplit(".", 1)[-1] not in _HEADER_SETTERS:
                continue
            args = call_arguments(node)
            value = None
            if len(args) >= 2 and (string_value(mod.source, args[0]) or "").lower() == (
                "cache-control"
            ):
                value = string_value(mod.source, args[1])
            elif args and args[0].type == "object":
                for pair in args[0].named_children:
                    key = mod.text_of(pair.child_by_field_name("key")).strip("'\"")
                    if pair.type == "pair" and key.lower() == "cache-control":
                        value = string_value(mod.source, pair.child_by_field_name("value"))
            if value and _SHARED.search(value) and not _PRIVATE.search(value):
                found.append(Evidence(mod.path, mod.line(node), f"Cache-Control: {value}"))
    return found


def spa_pages(project: Project, statics: list[tuple[str, str]]) -> list[str]:
    pages: list[str] = []
    for directory, _url in statics:
        pages += project.under(directory, project.with_suffix(".html", ".htm"))
    return sorted(
        dict.fromkeys(pages), key=lambda p: (not p.endswith("index.html"), p.count("/"), p)
    )


def statics(uses: list[Use]) -> list[tuple[str, str]]:
    out = []
    for use in uses:
        if use.kind == "static" and use.static_dir:
            out.append((use.static_dir, use.path or "/"))
    return list(dict.fromkeys(out))


def _join(directory: str, name: str) -> str:
    return name if directory in ("", ".") else f"{directory}/{name}"
