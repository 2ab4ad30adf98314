"""Express plan: the token module, its mount after the session middleware, jsonwebtoken in
package.json, and the widget tag in the views (or the endpoint's browser script)."""

from __future__ import annotations

import json
import posixpath
import re
from functools import partial

from tree_sitter import Node

from scaffolder.escape import js_str
from scaffolder.inspection import Choices
from scaffolder.js import packages, style
from scaffolder.js.imports import ensure_import, find_imports
from scaffolder.js.syntax import Source, call_arguments, callee_name, checked_splice
from scaffolder.markup import Layout, append_lines, widget_tags
from scaffolder.model import Inspection
from scaffolder.plan import PlanBuilder
from scaffolder.project import Project
from scaffolder.spa import refresh_next_step
from scaffolder.stacks.express import views as v
from scaffolder.stacks.express.auth import AuthFacts
from scaffolder.stacks.express.detect import ExpressFacts, Use, anchor
from scaffolder.steps import (
    SCRIPT,
    Step,
    StepResult,
    applied,
    csp_warnings,
    generated_file,
    identity_script,
    skipped,
)
from scaffolder.templating import render
from scaffolder.treesitter import walk

MODULE = "bestchatbot"
MIDDLEWARE = "bestchatbotToken"
HANDLER = "widgetTokenHandler"
JWT_VERSION = "^9.0.2"
TYPES_VERSION = "^9.0.7"
_MIDDLEWARE_DIRS = ("middleware", "middlewares")


Chosen = Choices[AuthFacts]


def steps(
    project: Project, insp: Inspection[object], facts: ExpressFacts, choices: Chosen
) -> list[Step]:
    """The token module, its mount, the dependencies, then the tag in the views (or the
    endpoint's browser script in the pages), and the CSP warnings."""
    path = module_path(project, facts)
    api_key = insp.answers.api_key or ""
    delivered = (
        _browser(project, facts, choices, api_key)
        if choices.delivery == "token-endpoint"
        else _views(facts, choices, api_key)
    )
    return [
        partial(_token_module, project, facts, choices, path),
        partial(_mount, facts, choices, path),
        partial(_dependencies, project, facts),
        *delivered,
        partial(_csp, facts),
    ]


def module_path(project: Project, facts: ExpressFacts) -> str:
    """`bestchatbot.<ext>` in the app's `middleware/` directory when it has one, else beside
    the app module; the extension follows the app module's."""
    app = facts.app
    directory = app.module.directory
    for name in _MIDDLEWARE_DIRS:
        candidate = name if directory == "." else f"{directory}/{name}"
        if project.under(candidate):
            directory = candidate
            break
    ext = posixpath.splitext(app.path)[1]
    ext = {".mts": ".mts", ".cts": ".cts", ".ts": ".ts", ".mjs": ".mjs", ".cjs": ".cjs"}.get(
        ext, ".js"
    )
    return f"{MODULE}{ext}" if directory == "." else f"{directory}/{MODULE}{ext}"


def _language(path: str) -> str:
    return "typescript" if path.endswith((".ts", ".mts", ".cts")) else "javascript"


def _style(project: Project, facts: ExpressFacts) -> style.Style:
    found = style.project_style(project, facts.root, [facts.app.path])
    return style.with_file_newline(found, facts.app.module.text)


def _token_module(
    project: Project, facts: ExpressFacts, choices: Chosen, path: str, builder: PlanBuilder
) -> StepResult:
    endpoint = choices.delivery == "token-endpoint"
    auth = choices.auth
    ts = _language(path) == "typescript"
    options = facts.index.config.options
    module_option = str(options.get("module", "")).lower()
    jwt_default = (
        not ts
        or options.get("esModuleInterop") is True
        or options.get("allowSyntheticDefaultImports") is True
        or module_option in ("node16", "node18", "nodenext", "preserve")
    )
    code = render(
        "js/express/bestchatbot.js.j2",
        ts=ts,
        esm=ts or facts.app.module.system == "esm",
        jwt_default=jwt_default,
        firebase=auth.firebase,
        cookie=_cookie_expr(auth),
        accessor=_accessor(auth, ts),
        email=choices.email.expr,
        name=choices.name.expr if choices.name else None,
        user_id=choices.user_id.expr if choices.user_id else None,
        middleware=not endpoint,
        endpoint=choices.endpoint_url if endpoint else None,
    )
    code = style.restyle(code, _style(project, facts), _language(path))
    return generated_file(
        builder,
        path,
        code,
        reason="new: mints the widget token for the signed-in user",
        language=_language(path),
        ours=("function signWidgetToken(", HANDLER if endpoint else MIDDLEWARE),
        already="token module already present",
        refusal=f"{path} already exists and is not bcb-scaffold's token module (or was made "
        "for the other delivery); move it aside and run apply again",
    )


def _accessor(auth: AuthFacts, ts: bool) -> str:
    """How the module reads the user; in TypeScript without a declared user type (no
    `Express.User` / `SessionData` augmentation), loosely typed."""
    if not ts or auth.typed:
        return auth.accessor
    if auth.accessor == "req.user":
        return "req.user as Record<string, any> | undefined"
    key = auth.accessor.rsplit(".", 1)[-1]
    return f"(req.session as unknown as Record<string, any>).{key}"


def _cookie_expr(auth: AuthFacts) -> str | None:
    if auth.firebase is None or auth.firebase.cookie is None:
        return None
    name = auth.firebase.cookie
    if re.fullmatch(r"[A-Za-z_$][\w$]*", name):
        return f"req.cookies?.{name}"
    return f"req.cookies?.[{json.dumps(name)}]"


# -- mounting ---------------------------------------------------------------------------------


def _mounted(facts: ExpressFacts, symbol: str) -> bool:
    for mod in facts.index.modules(containing=symbol):
        for node in walk(mod.source.root):
            if node.type != "call_expression":
                continue
            if callee_name(mod.source, node).rsplit(".", 1)[-1] not in ("use", "get", "all"):
                continue
            if any(mod.text_of(arg) == symbol for arg in call_arguments(node)):
                return True
    return False


def mount_statement(receiver: str, symbol: str, url: str | None, st: style.Style) -> str:
    if url is None:
        return f"{receiver}.use({symbol}){st.semi}"
    return f"{receiver}.get({js_str(url, st.quote)}, {symbol}){st.semi}"


def _stateless_mount(
    receiver: str, passport: str, strategy: str, url: str, st: style.Style, ts: bool, indent: str
) -> str:
    """The endpoint behind the app's session-less strategy (passport-jwt and the like), run
    as optional authentication: a request without valid credentials reaches the handler
    anonymously, which answers 401 with `{ token: null }` itself."""
    i, comma = st.indent, "," if st.trailing_commas else ""
    params = "(_err: unknown, user?: Express.User | false | null)" if ts else "(_err, user)"
    lines = [
        f"{receiver}.get(",
        f"{i}{js_str(url, st.quote)},",
        f"{i}(req, res, next) =>",
        f"{i}{i}{passport}.authenticate({js_str(strategy, st.quote)}, {{ session: false }}, "
        f"{params} => {{",
        f"{i}{i}{i}if (user) req.user = user{st.semi}",
        f"{i}{i}{i}next(){st.semi}",
        f"{i}{i}}})(req, res, next),",
        f"{i}{HANDLER}{comma}",
        f"){st.semi}",
    ]
    return (st.newline + indent).join(lines)


def insert_after(source: Source, end: int, statement: str) -> str:
    """`statement` on a line of its own after the statement ending at byte `end` (after a
    trailing comment on that line), indented like the line it follows."""
    data = source.data
    line_end = data.find(b"\n", end)
    line_end = len(data) if line_end < 0 else line_end
    rest = data[end:line_end].decode("utf-8")
    at = end
    if not rest.strip() or rest.strip().startswith(("//", "/*")):
        at = line_end - 1 if data[line_end - 1 : line_end] == b"\r" else line_end
    nl = "\r\n" if "\r\n" in source.text else "\n"
    indent = source.indent_at(end - 1)
    return checked_splice(
        source.text, [(at, at, nl + indent + statement)], source.language, source.path
    )


def import_specifier(importer: str, target: str, text: str, system: str) -> str:
    """How `importer` names the token module: relative, with the extension where the module
    system needs one (Node ESM) or the file's own relative imports carry one (TS NodeNext)."""
    stem, ext = posixpath.splitext(target)
    relative = posixpath.relpath(stem, posixpath.dirname(importer) or ".")
    if not relative.startswith("."):
        relative = "./" + relative
    if importer.endswith((".ts", ".mts", ".cts")):
        source = Source.of(importer, text)
        local = [i.source for i in find_imports(source) if i.source.startswith(".")]
        if any(s.endswith(".js") for s in local):
            return relative + {".mts": ".mjs", ".cts": ".cjs"}.get(ext, ".js")
        return relative
    if system == "esm":
        return relative + ext
    return relative


def _mount(
    facts: ExpressFacts, choices: Chosen, path: str, builder: PlanBuilder
) -> StepResult | None:
    endpoint = choices.delivery == "token-endpoint"
    symbol = HANDLER if endpoint else MIDDLEWARE
    auth = choices.auth
    if _mounted(facts, symbol):
        return skipped("mount", facts.app.path, f"{symbol} is already mounted")
    kinds = ("session", "passport") if auth.library != "firebase" else ("cookies", "session")
    found: Use | None = anchor(facts.app, facts.uses, kinds)
    if found is not None and not endpoint:
        found = _past_statics(found, facts.uses)
    url = choices.endpoint_url if endpoint else None
    if found is not None:
        mod, receiver, end = found.module, found.receiver, found.statement.end_byte
        where = f"after the {found.kind} middleware"
    elif auth.library == "firebase":
        mod, receiver, end = facts.app.module, facts.app.var, facts.app.statement.end_byte
        where = "right after the app is created"
    else:
        mod, receiver, end = facts.app.module, facts.app.var, -1
        where = ""
    text = builder.current(mod.path)
    if end < 0 or text != mod.text:
        st = _style_of(mod.text, mod.source.language)
        builder.warn(
            f"{facts.app.path}: no session or passport middleware found to mount the BestChatBot "
            f"{'endpoint' if endpoint else 'middleware'} after; mount it yourself (next steps)"
        )
        builder.next_step(
            f"Import {symbol} from {path} and mount it after your session middleware: "
            f"{mount_statement(receiver, symbol, url, st)}"
        )
        return None
    source = Source(text, mod.source.language, mod.path)
    st = _style_of(text, source.language)
    statement = mount_statement(receiver, symbol, url, st)
    if auth.strategy is not None and url is not None:
        passports = sorted(facts.index.names_for(mod, "passport"))
        if not passports:
            builder.warn(
                f"{mod.path}: req.user is set by passport's {auth.strategy!r} strategy per "
                "route, and passport is not in scope here to run it for the endpoint"
            )
            builder.next_step(
                f"Mount the endpoint behind your {auth.strategy!r} authentication, answering "
                f"anonymous requests itself: {statement}"
            )
            return None
        ts = source.language != "javascript"
        indent = source.indent_at(end - 1)
        statement = _stateless_mount(receiver, passports[0], auth.strategy, url, st, ts, indent)
    new = insert_after(source, end, statement)
    spec = import_specifier(mod.path, path, text, mod.system)
    system = "esm" if mod.source.language != "javascript" else mod.system
    new = ensure_import(
        Source(new, source.language, mod.path), spec, system, names=(symbol,), style=st
    )
    if system == "commonjs" and _declares_with_var(source):
        added = f"const {{ {symbol} }} = require("
        if added not in text:
            new = new.replace(added, f"var {{ {symbol} }} = require(", 1)
    what = f"GET {url}" if endpoint else "the widget-token middleware"
    reason = f"mount {what} {where}"
    builder.write(mod.path, new, reason, source.language)
    return applied("mount", mod.path, reason)


_ROUTE_METHODS = ("get", "post", "put", "patch", "delete", "all", "route")


def _past_statics(found: Use, uses: list[Use]) -> Use:
    """The static-file mounts that follow the session / passport middleware, before any
    route: the token middleware goes after them, so it runs for pages, not for every asset."""
    source = found.module.source
    later = [
        u
        for u in uses
        if u.module.path == found.module.path
        and u.receiver == found.receiver
        and u.statement.parent is not None
        and found.statement.parent is not None
        and u.statement.parent.id == found.statement.parent.id
        and u.statement.start_byte > found.statement.start_byte
    ]
    routes = [
        stmt.start_byte
        for stmt in found.statement.parent.named_children  # type: ignore[union-attr]
        if stmt.start_byte > found.statement.start_byte and _is_route(source, stmt, found.receiver)
    ]
    routes += [u.statement.start_byte for u in later if u.kind == "router"]
    first_route = min(routes, default=len(source.data))
    statics = [u for u in later if u.kind == "static" and u.statement.start_byte < first_route]
    return statics[-1] if statics else found


def _is_route(source: Source, stmt: Node, receiver: str) -> bool:
    """`app.get("/path", handler)` and the like (not `app.get("env")`, a setting)."""
    call = stmt.named_children[0] if stmt.type == "expression_statement" else None
    if call is None or call.type != "call_expression":
        return False
    callee = callee_name(source, call)
    return callee in {f"{receiver}.{m}" for m in _ROUTE_METHODS} and len(call_arguments(call)) > 1


def _declares_with_var(source: Source) -> bool:
    """Whether the file's top-level requires are `var` declarations (express-generator)."""
    kinds = [
        stmt.type
        for stmt in source.root.named_children
        if stmt.type in ("variable_declaration", "lexical_declaration")
        and "require(" in source.text_of(stmt)
    ]
    return kinds.count("variable_declaration") > len(kinds) / 2


def _style_of(text: str, language: str) -> style.Style:
    return style.detect(text, language)


# -- dependencies -----------------------------------------------------------------------------


def _dependencies(project: Project, facts: ExpressFacts, builder: PlanBuilder) -> None:
    root = facts.root
    packages.plan_dependency(
        project, builder, root, "jsonwebtoken", JWT_VERSION, why="signs the widget token"
    )
    if facts.ts and not facts.package.has("@types/jsonwebtoken"):
        packages.plan_dependency(
            project,
            builder,
            root,
            "@types/jsonwebtoken",
            TYPES_VERSION,
            section="devDependencies",
            why="types for jsonwebtoken",
        )


# -- views ------------------------------------------------------------------------------------


def _views(facts: ExpressFacts, choices: Chosen, api_key: str) -> list[Step]:
    """The token attribute on the widget tags already in the views, else the tag in each
    view that closes the page body."""
    engine = facts.engine
    if facts.tags:
        paths = dict.fromkeys(p for p, _ in facts.tags)
        return [partial(_token_attribute, engine, path) for path in paths]
    return [partial(_view_tag, engine, layout, api_key) for layout in choices.layouts]


def _token_attribute(engine: str, path: str, builder: PlanBuilder) -> StepResult:
    text = builder.current(path) or ""
    new = text
    for tag in reversed(v.find_tags(engine, text)):
        if not tag.has_user_token:
            new = v.add_token(engine, new, tag)
    if new == text:
        return skipped("token-attribute", path, "widget tag already carries data-user-token")
    reason = "widget tag: data-user-token for signed-in users"
    builder.write(path, new, reason, engine)
    return applied("token-attribute", path, reason)


def _view_tag(engine: str, layout: Layout, api_key: str, builder: PlanBuilder) -> StepResult | None:
    path = layout.template.path
    text = builder.current(path) or ""
    added = (
        v.insert_tag(engine, text, api_key)
        if layout.mode == "body"
        else v.append_tag(engine, text, api_key)
    )
    if added is None:
        return None
    reason = "add the widget tag, with data-user-token for signed-in users"
    builder.write(path, added, reason, engine)
    return applied("layout-tag", path, reason)


def _csp(facts: ExpressFacts, builder: PlanBuilder) -> None:
    csp_warnings(builder, facts.csp, "script-src and connect-src directives")


# -- endpoint delivery ------------------------------------------------------------------------

_SRC = re.compile(r"""<script\b[^>]*\bsrc\s*=\s*(['"])(?P<src>[^'"]+)\1""", re.IGNORECASE)
_PUG_SRC = re.compile(r"""^\s*script\([^)]*\bsrc\s*=\s*(['"])(?P<src>[^'"]+)\1""", re.MULTILINE)


def _browser(project: Project, facts: ExpressFacts, choices: Chosen, api_key: str) -> list[Step]:
    """The identity script, loaded by the app's page (or each view closing the body); a next
    step where the frontend is not here or does not send cookies."""
    url = choices.endpoint_url
    auth = choices.auth
    if auth.firebase is not None and auth.firebase.source == "bearer":
        return [
            partial(
                _next_step,
                f"Your pages send Firebase ID tokens, not cookies: after sign-in, sign-out and on "
                "page load, run: const idToken = await auth.currentUser?.getIdToken(); "
                f"fetch({js_str(url)}, "
                "{ headers: idToken ? { Authorization: `Bearer ${idToken}` } "
                "} : {} }).then((r) => (r.ok ? r.json() : { token: null })).then(({ token }) => "
                "token ? window.BestChatBot.setUserToken(token) : "
                "window.BestChatBot.clearUserToken())",
            )
        ]
    if auth.strategy is not None:
        return [
            partial(
                _next_step,
                f"Your API authenticates each request with passport's {auth.strategy!r} "
                "strategy, not a cookie: in your frontend, after sign-in, sign-out and on page "
                f"load, call GET {url} with the same Authorization header your API calls send, "
                "then window.BestChatBot.setUserToken(token) when it answers 200, else "
                "window.BestChatBot.clearUserToken()",
            )
        ]
    pages: list[tuple[str, str]] = []  # (path, engine or "html")
    if facts.spa_pages:
        pages = [(facts.spa_pages[0], "html")]
    elif choices.layouts:
        pages = [(lay.template.path, facts.engine) for lay in choices.layouts]
    if not pages or not facts.statics:
        return [
            partial(
                _next_step,
                "Load the widget in your frontend and, after sign-in, sign-out and on page load, "
                f'run: fetch({js_str(url)}, {{ credentials: "include" }})'
                ".then((r) => (r.ok ? r.json() : { token: null })).then(({ token }) => token ? "
                "window.BestChatBot.setUserToken(token) : window.BestChatBot.clearUserToken())",
            )
        ]
    first = pages[0][0]
    script_path, script_url = _script_location(facts, first, project.text(first) or "")
    return [
        partial(identity_script, path=script_path, endpoint=url),
        *(partial(_load_scripts, page, kind, script_url, api_key) for page, kind in pages),
        partial(_refresh, project, facts, script_path),
    ]


def _next_step(text: str, builder: PlanBuilder) -> None:
    builder.next_step(text)


def _load_scripts(
    page: str, kind: str, script_url: str, api_key: str, builder: PlanBuilder
) -> StepResult:
    """The widget tag (unless there) and the identity script, at the end of the page's body."""
    text = builder.current(page) or ""
    if SCRIPT in text:
        return skipped("identity-script", page, "identity script already loaded")
    if kind == "pug":
        new = (
            text
            if v.find_tags("pug", text)
            else (v.insert_tag("pug", text, api_key, token=False) or text)
        )
        q = "'" if "'" in new else '"'
        new = v._pug_insert(new, f"script(src={q}{script_url}{q})") or new
    else:
        lines = [] if widget_tags(text) else [v.plain_tag(api_key)]
        lines.append(f'<script src="{script_url}"></script>')
        new = v.insert_html(text, lines) or append_lines(text, lines)
    reason = "load the widget and the identity script"
    builder.write(page, new, reason, kind)
    return applied("identity-script", page, reason)


def _refresh(project: Project, facts: ExpressFacts, script_path: str, builder: PlanBuilder) -> None:
    """Ask the app's own scripts to refresh the token after sign-in and sign-out."""
    scripts = [
        js
        for directory, _ in facts.statics
        for js in project.under(directory, project.with_suffix(".js", ".mjs", ".ts"))
        if js != script_path
    ]
    refresh_next_step(builder, project, scripts)


def _script_location(facts: ExpressFacts, page: str, text: str) -> tuple[str, str]:
    """Beside the page's own scripts, referenced the way the page references them."""
    for m in list(_SRC.finditer(text)) + list(_PUG_SRC.finditer(text)):
        src = m.group("src").split("?")[0]
        if "//" in src or src.startswith("data:"):
            continue
        if src.startswith("/"):
            for directory, url in facts.statics:
                base = "/" + url.strip("/")
                base = "" if base == "/" else base
                if src.startswith(base + "/"):
                    rel_dir = posixpath.dirname(src[len(base) + 1 :])
                    folder = posixpath.join(directory, rel_dir) if rel_dir else directory
                    return f"{folder}/{SCRIPT}", posixpath.join(posixpath.dirname(src), SCRIPT)
        elif page.endswith(".html"):
            rel_dir = posixpath.dirname(src)
            folder = posixpath.normpath(posixpath.join(posixpath.dirname(page), rel_dir))
            return f"{folder}/{SCRIPT}", f"{rel_dir}/{SCRIPT}" if rel_dir else SCRIPT
    directory, url = facts.statics[0]
    base = "/" + url.strip("/")
    return f"{directory}/{SCRIPT}", (base.rstrip("/") + "/" + SCRIPT)
