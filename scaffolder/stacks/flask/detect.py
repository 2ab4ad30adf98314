"""Flask finders: apps (factory or module-level), blueprints, templates, auth, the widget.

Pure and read-only: everything here reads the project through `Project` / `PythonIndex` and
returns frozen facts with evidence. What to ask and what to plan is decided elsewhere (`hooks`).
"""

from __future__ import annotations

import ast
import posixpath
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from scaffolder.markup import Layout, Tag, Template, find_layouts, load_templates, widget_tags
from scaffolder.model import Evidence, UserExpr, UserFields
from scaffolder.project import Project
from scaffolder.python.models import (
    Attribute,
    ModelClass,
    attributes,
    class_from_expr,
    find_class,
    pick_fields,
)
from scaffolder.python.source import PyModule, PythonIndex, keyword, string_value
from scaffolder.stacks.flask import folders

if TYPE_CHECKING:  # the SPA and CORS finders load only for the apps that need them
    from scaffolder.cors import Permissive
    from scaffolder.spa import Frontend


@dataclass(frozen=True)
class FlaskApp:
    """A `Flask(...)` app: where it is created (`factory`: the function that creates it, None at
    module level) and the folders it serves templates and static files from."""

    path: str
    var: str
    factory: str | None
    line: int
    root_dir: str
    template_dirs: tuple[str, ...]
    static_dir: str
    static_url: str
    # Template folders of which one is picked at run time (`themes/<THEME>`).
    themes: tuple[str, ...] = ()
    # False for `Flask(..., static_folder=None)`: the app serves no static files.
    serves_static: bool = True
    # Every static folder it may serve (one per theme when a part is only known at run time).
    static_dirs: tuple[str, ...] = ()


@dataclass(frozen=True)
class BlueprintInfo:
    """A `Blueprint(...)`: its name, URL prefix and template folder."""

    path: str
    module: str
    var: str
    name: str
    line: int
    url_prefix: str | None
    template_dir: str | None


@dataclass(frozen=True)
class AuthFacts:
    """Where the signed-in user comes from (Flask-Login or the session) and its fields."""

    library: str
    fields: UserFields
    evidence: list[Evidence]
    # How the generated module reads the user: imports it needs, and the anonymous check.
    imports: list[tuple[str, str]]
    anonymous: str
    names: frozenset[str]


@dataclass(frozen=True)
class FlaskFacts:
    """What the finders found for the chosen app; the choices made from it are `Choices`."""

    app: FlaskApp
    blueprints: list[BlueprintInfo]
    api_prefixes: list[tuple[str, Evidence]]
    templates: dict[str, Template]
    layouts: list[Layout]
    widget: tuple[str, Tag] | None
    spa_pages: list[str]
    renders_templates: bool
    page_cache: list[Evidence] = field(default_factory=list)
    csp: list[Evidence] = field(default_factory=list)
    frontend: Frontend | None = None
    """The bundled single-page app in the repository, for an app serving no pages of its own."""
    cors: tuple[Permissive, ...] = ()
    """Flask-CORS configurations answering any origin with credentials (`scaffolder.cors`)."""


def _dir(path: str) -> str:
    return posixpath.dirname(path)


def _join(*parts: str) -> str:
    return posixpath.normpath(posixpath.join(*[p for p in parts if p])) if any(parts) else "."


# -- apps and blueprints ----------------------------------------------------------------------


def _assignments(tree: ast.Module) -> list[tuple[ast.stmt, str, ast.Call, ast.FunctionDef | None]]:
    """(statement, target name, call, enclosing top-level function) for `x = Call(...)`."""
    found = []

    def scan(body: list[ast.stmt], func: ast.FunctionDef | None) -> None:
        for stmt in body:
            value: ast.expr | None = None
            target: ast.expr | None = None
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                value, target = stmt.value, stmt.targets[0]
            elif isinstance(stmt, ast.AnnAssign):
                value, target = stmt.value, stmt.target
            if isinstance(value, ast.Call) and isinstance(target, ast.Name):
                found.append((stmt, target.id, value, func))
            if isinstance(stmt, ast.FunctionDef) and func is None:
                scan(stmt.body, stmt)
            elif isinstance(stmt, (ast.If, ast.With, ast.Try)):
                scan(stmt.body, func)

    scan(tree.body, None)
    return found


def flask_classes(index: PythonIndex) -> set[tuple[str, str]]:
    """(path, name) of the project's classes deriving from `flask.Flask`, directly or not."""
    classes = [
        (mod, node)
        for mod in index.modules(containing="class ")
        for node in mod.tree.body
        if isinstance(node, ast.ClassDef)
    ]
    found: set[tuple[str, str]] = set()
    grew = True
    while grew:
        grew = False
        for mod, node in classes:
            if (mod.path, node.name) not in found and any(
                _is_flask(index, mod, base, found) for base in node.bases
            ):
                found.add((mod.path, node.name))
                grew = True
    return found


def _is_flask(
    index: PythonIndex, mod: PyModule, expr: ast.expr, subclasses: set[tuple[str, str]]
) -> bool:
    if mod.qualified(expr) == "flask.Flask":
        return True
    name = ast.unparse(expr) if isinstance(expr, (ast.Name, ast.Attribute)) else None
    cls = find_class(index, mod, name) if subclasses and name else None
    return cls is not None and (cls.path, cls.node.name) in subclasses


def find_apps(index: PythonIndex) -> list[FlaskApp]:
    apps = []
    subclasses = flask_classes(index)
    names = ("Flask", *sorted({name for _, name in subclasses}))
    for mod in index.modules(containing=names):
        for stmt, var, call, func in _assignments(mod.tree):
            if not _is_flask(index, mod, call.func, subclasses):
                continue
            factory = None
            if func is not None:
                returns = [
                    n
                    for n in ast.walk(func)
                    if isinstance(n, ast.Return) and isinstance(n.value, ast.Name)
                ]
                if any(r.value.id == var for r in returns if isinstance(r.value, ast.Name)):
                    factory = func.name
                else:
                    continue
            root = _dir(mod.path) or "."
            env = folders.env_of(mod.tree, func)
            templates = _folders(index, mod, keyword(call, "template_folder"), env, "templates")
            scope = func.body if func is not None else mod.tree.body
            loader = folders.loader_folders(mod, var, scope, env)
            themes = list(templates) if len(templates) > 1 else []
            if loader is not None:
                searched = [templates if e is None else _matching(index, mod, e) for e in loader]
                themes += [
                    d for dirs in searched if len(dirs) > 1 and dirs != templates for d in dirs
                ]
                templates = [d for dirs in searched for d in dirs]
            static_folder = keyword(call, "static_folder")
            static = _folders(index, mod, static_folder, env, "static")
            static_url = string_value(keyword(call, "static_url_path"))
            if static_url is None:
                static_url = "/" + posixpath.basename(static[0].rstrip("/"))
            apps.append(
                FlaskApp(
                    mod.path,
                    var,
                    factory,
                    stmt.lineno,
                    root,
                    tuple(dict.fromkeys(templates)),
                    static[0],
                    static_url,
                    tuple(themes),
                    not (isinstance(static_folder, ast.Constant) and static_folder.value is None),
                    tuple(static),
                )
            )
    return apps


def _folders(
    index: PythonIndex, mod: PyModule, expr: ast.expr | None, env: folders.Env, default: str
) -> list[str]:
    """The project folders a `template_folder` / `static_folder` argument names (several when
    a part is only known at run time), else Flask's default beside the app module."""
    value = folders.folder(mod, expr, env) if expr is not None else None
    found = _matching(index, mod, value) if value is not None else []
    return found or [_join(_dir(mod.path), default)]


def _matching(index: PythonIndex, mod: PyModule, relative: str) -> list[str]:
    return folders.matching_dirs(index, _join(_dir(mod.path), relative))


def find_blueprints(index: PythonIndex) -> list[BlueprintInfo]:
    found = []
    for mod in index.modules(containing="Blueprint"):
        for stmt, var, call, _func in _assignments(mod.tree):
            if mod.qualified(call.func) != "flask.Blueprint":
                continue
            name = string_value(call.args[0]) if call.args else None
            tpl = string_value(keyword(call, "template_folder"))
            found.append(
                BlueprintInfo(
                    mod.path,
                    mod.name,
                    var,
                    name or var,
                    stmt.lineno,
                    string_value(keyword(call, "url_prefix")),
                    _join(_dir(mod.path), tpl) if tpl else None,
                )
            )
    return found


def api_prefixes(index: PythonIndex, blueprints: list[BlueprintInfo]) -> list[tuple[str, Evidence]]:
    """URL prefixes of the app's JSON API blueprints, with where each is set."""
    by_qualname = {f"{bp.module}.{bp.var}": bp for bp in blueprints}
    prefixes: dict[str, tuple[str, Evidence]] = {}
    registered: set[str] = set()
    for mod in index.modules(containing="register_blueprint"):
        for node in mod.nodes(ast.Call):
            if not (
                isinstance(node.func, ast.Attribute)
                and node.func.attr == "register_blueprint"
                and node.args
            ):
                continue
            qual = mod.qualified(node.args[0])
            bp = by_qualname.get(qual or "")
            if bp is None and qual:
                # `from .api import api` binds the blueprint's module attribute of the same name.
                bp = next((b for b in blueprints if qual.endswith(f".{b.var}")), None)
            prefix = string_value(keyword(node, "url_prefix"))
            if bp is not None:
                registered.add(bp.path + bp.var)
                prefix = prefix or bp.url_prefix
            if prefix and _is_api(prefix, bp):
                why = f"API blueprint registered under {prefix}"
                prefixes.setdefault(prefix, (prefix, Evidence(mod.path, node.lineno, why)))
    for bp in blueprints:
        if bp.path + bp.var not in registered and bp.url_prefix and _is_api(bp.url_prefix, bp):
            why = f"blueprint {bp.name!r} has url_prefix {bp.url_prefix}"
            prefixes.setdefault(bp.url_prefix, (bp.url_prefix, Evidence(bp.path, bp.line, why)))
    return sorted(prefixes.values())


def _is_api(prefix: str, bp: BlueprintInfo | None) -> bool:
    return prefix.strip("/").split("/")[0] == "api" or (bp is not None and bp.name == "api")


# -- templates and the widget -----------------------------------------------------------------


def template_dirs(app: FlaskApp, blueprints: list[BlueprintInfo]) -> list[str]:
    dirs = list(app.template_dirs)
    dirs += [bp.template_dir for bp in blueprints if bp.template_dir]
    return list(dict.fromkeys(dirs))


def renders_templates(index: PythonIndex) -> bool:
    for mod in index.modules(containing="render_"):
        if any(
            (mod.qualified(n.func) or "").startswith("flask.render_") for n in mod.nodes(ast.Call)
        ):
            return True
    return False


def spa_pages(project: Project, app: FlaskApp) -> list[str]:
    """Static HTML pages served as a single-page app shell."""
    pages = project.under(app.static_dir, project.with_suffix(".html", ".htm"))
    return sorted(pages, key=lambda p: (not p.endswith("index.html"), p.count("/"), p))


def find_widget(
    project: Project, templates: dict[str, Template], pages: list[str]
) -> tuple[str, Tag] | None:
    for tpl in templates.values():
        tags = widget_tags(tpl.text)
        if tags:
            return tpl.path, tags[0]
    for page in pages:
        text = project.text(page)
        tags = widget_tags(text) if text else []
        if tags:
            return page, tags[0]
    return None


# -- auth -------------------------------------------------------------------------------------


def _decorated(func: ast.FunctionDef, suffixes: tuple[str, ...]) -> ast.expr | None:
    for dec in func.decorator_list:
        target = dec.func if isinstance(dec, ast.Call) else dec
        if isinstance(target, ast.Attribute) and target.attr in suffixes:
            return dec
    return None


def flask_login(index: PythonIndex) -> AuthFacts | None:
    evidence: list[Evidence] = []
    model = None
    # the names below come from flask_login / flask_user imports; `user_loader` from the app's own
    for mod in index.modules(containing=("flask_", "user_loader")):
        for node in mod.nodes(ast.Call, ast.FunctionDef):
            if isinstance(node, ast.Call):
                name = mod.qualified(node.func) or ""
                if name == "flask_login.LoginManager":
                    evidence.append(Evidence(mod.path, node.lineno, "Flask-Login LoginManager"))
                elif name == "flask_user.UserManager":
                    # Flask-User signs users in with Flask-Login: `UserManager(app, db, User)`.
                    why = "Flask-User UserManager (Flask-Login underneath)"
                    evidence.append(Evidence(mod.path, node.lineno, why))
                    user_class = node.args[2] if len(node.args) > 2 else keyword(node, "UserClass")
                    if user_class is not None and model is None:
                        model = class_from_expr(index, mod, user_class)
                elif name == "flask_login.login_user":
                    evidence.append(
                        Evidence(mod.path, node.lineno, "login_user(): a user becomes signed in")
                    )
            if isinstance(node, ast.FunctionDef) and _decorated(node, ("user_loader",)):
                evidence.append(Evidence(mod.path, node.lineno, "user_loader loads current_user"))
                for ret in ast.walk(node):
                    if isinstance(ret, ast.Return) and ret.value is not None and model is None:
                        model = class_from_expr(index, mod, ret.value)
    if not evidence:
        return None
    if model is None:
        model = _user_mixin_class(index)
    fields = UserFields(None, None, None, "low")
    if model is not None:
        fields = pick_fields(attributes(index, model), "current_user")
        if fields.user_id is None:
            fields = UserFields(
                fields.email,
                fields.name,
                UserExpr(
                    "current_user.get_id()", model.path, model.node.lineno, "UserMixin.get_id()"
                ),
                fields.confidence,
            )
        evidence.append(Evidence(model.path, model.node.lineno, f"user model {model.name}"))
    return AuthFacts(
        "flask-login",
        fields,
        evidence,
        imports=[("flask_login", "current_user")],
        anonymous="not current_user.is_authenticated",
        names=frozenset({"current_user"}),
    )


_USER_MIXINS = {"flask_login.UserMixin", "flask_user.UserMixin"}


def _user_mixin_class(index: PythonIndex) -> ModelClass | None:
    for mod in index.modules(containing="UserMixin"):
        for node in mod.tree.body:
            if isinstance(node, ast.ClassDef) and any(
                (mod.qualified(b) or "") in _USER_MIXINS for b in node.bases
            ):
                return find_class(index, mod, node.name)
    return None


def flask_session(index: PythonIndex, project: Project) -> AuthFacts | None:
    """Hand-rolled auth: `session["user_id"] = ...` at login (or any key a sign-in function of
    the app's own, such as `login_user`, sets), and `g.<user> = ...` loaded from that key in a
    `before_request` / `before_app_request` hook."""
    evidence: list[Evidence] = []
    keys: set[str] = set()
    loaders: list[tuple[PyModule, ast.FunctionDef, str, ast.expr]] = []
    for mod in index.modules(containing=("session", "before_request", "before_app_request")):
        for func in mod.nodes(ast.FunctionDef):
            sign_in = _SIGN_IN.search(func.name) is not None
            for node in ast.walk(func):
                if not isinstance(node, ast.Assign):
                    continue
                key = _session_key(mod, node)
                if key is None or not ("user" in key or sign_in):
                    continue
                set_at = Evidence(mod.path, node.lineno, f'session["{key}"] set at sign-in')
                if set_at not in evidence:
                    keys.add(key)
                    evidence.append(set_at)
            if _decorated(func, ("before_request", "before_app_request")):
                loaders += [
                    (mod, func, target.attr, node.value)
                    for node in ast.walk(func)
                    if isinstance(node, ast.Assign)
                    for target in node.targets
                    if isinstance(target, ast.Attribute)
                    and mod.qualified(target.value) == "flask.g"
                    and not _is_none(node.value)
                ]
    loader = next((lo for lo in reversed(loaders) if "user" in lo[2] or _reads(lo[1], keys)), None)
    if not evidence or loader is None:
        return None
    mod, func, attr, value = loader
    evidence.append(Evidence(mod.path, func.lineno, f"{func.name}() loads g.{attr} per request"))
    accessor = f"g.{attr}"
    model = class_from_expr(index, mod, value)
    if model is not None:
        fields = pick_fields(attributes(index, model), accessor)
        evidence.append(Evidence(model.path, model.node.lineno, f"user model {model.name}"))
    else:
        fields = _row_fields(project, index, mod, value, accessor, evidence)
    return AuthFacts(
        "flask-session",
        fields,
        evidence,
        imports=[("flask", "g")],
        anonymous=f'g.get("{attr}") is None',
        names=frozenset({"g"}),
    )


_SIGN_IN = re.compile(r"log_?in|sign_?in", re.IGNORECASE)


def _session_key(mod: PyModule, node: ast.Assign) -> str | None:
    """The key of `session[key] = ...`."""
    for target in node.targets:
        if isinstance(target, ast.Subscript) and mod.qualified(target.value) == "flask.session":
            return string_value(target.slice)
    return None


def _reads(func: ast.FunctionDef, keys: set[str]) -> bool:
    """Whether the function reads one of the session keys (`session.get(key)`, `session[key]`)."""
    return any(string_value(n) in keys for n in ast.walk(func) if isinstance(n, ast.Constant))


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


# Compiled on first use (re's cache): only an app that loads its user from SQL reads them.
_FROM = r"\bfrom\s+[\"`\[]?(\w+)"
_SELECT = r"\bselect\s+(.*?)\s+from\b"


def _row_fields(
    project: Project,
    index: PythonIndex,
    mod: PyModule,
    value: ast.expr,
    accessor: str,
    evidence: list[Evidence],
) -> UserFields:
    """Fields of a DB-API row (`...execute("SELECT * FROM user ...").fetchone()`), read by key."""
    sql = next(
        (s for n in ast.walk(value) if (s := string_value(n)) and re.search(_FROM, s, re.I)), None
    )
    if sql is None:
        return UserFields(None, None, None, "low")
    table = re.search(_FROM, sql, re.I)
    assert table is not None
    columns: dict[str, Attribute] = {}
    selected = re.search(_SELECT, sql, re.I | re.S)
    if selected and selected.group(1).strip() != "*":
        for col in selected.group(1).split(","):
            name = col.strip().split()[-1].split(".")[-1].strip('"`')
            columns[name] = Attribute(name, mod.path, value.lineno)
    else:
        columns = _table_columns(project, index, table.group(1))
    if columns:
        evidence.append(
            Evidence(
                next(iter(columns.values())).path,
                next(iter(columns.values())).line,
                f"table {table.group(1)!r} columns",
            )
        )
    return pick_fields(columns, accessor, subscript=True)


def _table_columns(project: Project, index: PythonIndex, table: str) -> dict[str, Attribute]:

    create = re.compile(
        rf"create\s+table\s+(?:if\s+not\s+exists\s+)?[\"`\[]?{re.escape(table)}[\"`\]]?\s*\(",
        re.IGNORECASE,
    )
    # SQL files, then the modules that parse (a grep first: only one that matches is parsed)
    for path in [*project.with_suffix(".sql"), *index.paths]:
        text = project.text(path) or ""
        m = create.search(text)
        if m is None or (path.endswith(".py") and index.module(path) is None):
            continue
        columns: dict[str, Attribute] = {}
        depth, start = 1, m.end()
        i = start
        while i < len(text) and depth:
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        offset = start
        for part in _split_columns(text[start : i - 1]):
            name = part.strip().split()[0].strip('"`[]') if part.strip() else ""
            if name and name.upper() not in {"PRIMARY", "FOREIGN", "UNIQUE", "CHECK", "CONSTRAINT"}:
                at = text.index(part, offset)
                columns[name] = Attribute(
                    name, path, text.count("\n", 0, at + len(part) - len(part.lstrip())) + 1
                )
            offset += len(part) + 1
        return columns
    return {}


def _split_columns(body: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for c in body:
        if c == "," and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        depth += {"(": 1, ")": -1}.get(c, 0)
        current.append(c)
    parts.append("".join(current))
    return parts


# -- caches and CSP ---------------------------------------------------------------------------


def page_cache(index: PythonIndex) -> list[Evidence]:
    found = []
    for mod in index.modules(containing="cache"):
        for func in mod.nodes(ast.FunctionDef):
            dec = _decorated(func, ("cached",))
            if dec is not None and "flask_caching" in " ".join(mod.imports.values()):
                found.append(Evidence(mod.path, func.lineno, f"{func.name}() is page-cached"))
    return found


def csp(index: PythonIndex) -> list[Evidence]:
    found = []
    for mod in index.modules(containing="Talisman"):
        for node in mod.nodes(ast.Call):
            if mod.qualified(node.func) == "flask_talisman.Talisman":
                found.append(Evidence(mod.path, node.lineno, "Flask-Talisman sets a CSP"))
    return found


def layouts_for(
    project: Project, dirs: list[str], themes: tuple[str, ...] = ()
) -> tuple[dict[str, Template], list[Layout]]:
    """The templates Jinja finds first, and the layouts of every theme the app may run with
    (one theme's folder at a time, with the folders that are not themes)."""
    templates = load_templates(project, dirs)
    layouts = find_layouts(templates)
    shared = [d for d in dirs if d not in themes]
    for theme in themes[1:]:
        seen = {lay.template.path for lay in layouts}
        more = find_layouts(load_templates(project, [theme, *shared]))
        layouts += [lay for lay in more if lay.template.path not in seen]
    return templates, layouts
