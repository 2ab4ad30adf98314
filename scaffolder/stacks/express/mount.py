"""Mounting the token module in the app: the middleware (or the endpoint) after the session /
passport middleware, the import of it, and where the middleware goes so that it runs for pages
only: past the static files and the API routes mounted before the first page route, which
answer their requests before it would run."""

from __future__ import annotations

import posixpath
import re

from tree_sitter import Node

from scaffolder.escape import js_str
from scaffolder.inspection import Choices
from scaffolder.js import style
from scaffolder.js.imports import ensure_import, find_imports
from scaffolder.js.syntax import Source, call_arguments, callee_name, checked_splice, string_value
from scaffolder.plan import PlanBuilder
from scaffolder.stacks.express.auth import AuthFacts
from scaffolder.stacks.express.detect import ExpressFacts, Use, anchor
from scaffolder.stacks.express.index import JsIndex, Module
from scaffolder.steps import StepResult, applied, skipped
from scaffolder.treesitter import walk

MIDDLEWARE = "bestchatbotToken"
HANDLER = "widgetTokenHandler"
_ROUTE_METHODS = ("get", "post", "put", "patch", "delete", "all", "route")
_ROUTER_NAME = re.compile(r"router|routes", re.IGNORECASE)


def step(
    facts: ExpressFacts,
    choices: Choices[AuthFacts],
    path: str,
    builder: PlanBuilder,
    *,
    renews: bool = False,
) -> StepResult | None:
    """Mount the middleware (or the endpoint) of the token module at `path` in the app; with
    `renews` (pages carrying an inline token renew it), the endpoint beside the middleware:
    right after the session / passport middleware, before the middleware's own place."""
    endpoint = choices.delivery == "token-endpoint"
    symbols = [HANDLER] if endpoint else [MIDDLEWARE, *([HANDLER] if renews else [])]
    missing = [symbol for symbol in symbols if not _mounted(facts, symbol)]
    if not missing:
        verb = "is" if len(symbols) == 1 else "are"
        return skipped("mount", facts.app.path, f"{' and '.join(symbols)} {verb} already mounted")
    auth = choices.auth
    kinds = ("session", "passport") if auth.library != "firebase" else ("cookies", "session")
    found: Use | None = anchor(facts.app, facts.uses, kinds)
    url = choices.endpoint_url
    if found is not None:
        mod, receiver, after = found.module, found.receiver, found.statement
        where = f"after the {found.kind} middleware"
    elif auth.library == "firebase":
        mod, receiver, after = facts.app.module, facts.app.var, facts.app.statement
        where = "right after the app is created"
    else:
        mod, receiver, after = facts.app.module, facts.app.var, None
        where = ""
    text = builder.current(mod.path)
    if after is None or text != mod.text:
        st = style.detect(mod.text, mod.source.language)
        what = " and ".join("endpoint" if s == HANDLER else "middleware" for s in missing)
        builder.warn(
            f"{facts.app.path}: no session or passport middleware found to mount the BestChatBot "
            f"{what} after; mount it yourself (next steps)"
        )
        statements = " ".join(
            mount_statement(receiver, s, url if s == HANDLER else None, st) for s in missing
        )
        builder.next_step(
            f"Import {', '.join(missing)} from {path} and mount "
            f"{'it' if len(missing) == 1 else 'them'} after your session middleware: {statements}"
        )
        return None
    source = Source(text, mod.source.language, mod.path)
    st = style.detect(text, source.language)
    edits: list[tuple[int, int, str]] = []
    reasons: list[tuple[str, str]] = []  # (what, where)
    if HANDLER in missing:  # first: at the same place, the endpoint precedes the middleware
        statement = mount_statement(receiver, HANDLER, url, st)
        if auth.strategy is not None:
            passports = sorted(facts.index.names_for(mod, "passport"))
            if not passports:
                builder.warn(
                    f"{mod.path}: req.user is set by passport's {auth.strategy!r} strategy per "
                    "route, and passport is not in scope here to run it for the endpoint"
                )
                builder.next_step(
                    f"Mount the endpoint behind your {auth.strategy!r} authentication, "
                    f"answering anonymous requests itself: {statement}"
                )
                return None
            ts = source.language != "javascript"
            indent = source.indent_at(after.end_byte - 1)
            statement = _stateless_mount(receiver, passports[0], auth.strategy, url, st, ts, indent)
        edits.append(insertion(source, after.end_byte, statement))
        reasons.append((f"GET {url}", where))
    if MIDDLEWARE in missing:
        api = [prefix for prefix, _ in facts.api_prefixes]
        last, passed = before_pages(facts.index, mod, receiver, after, facts.uses, api)
        here = f"after the {' and the '.join(passed)}, before the pages" if passed else where
        edits.append(
            insertion(source, last.end_byte, mount_statement(receiver, MIDDLEWARE, None, st))
        )
        reasons.append(("the widget-token middleware", here))
    new = checked_splice(text, edits, source.language, mod.path)
    spec = import_specifier(mod.path, path, text, mod.system, node_esm(facts, mod.path))
    system = "esm" if mod.source.language != "javascript" else mod.system
    names = tuple(missing)
    new = ensure_import(Source(new, source.language, mod.path), spec, system, names=names, style=st)
    if system == "commonjs" and _declares_with_var(source):
        added = f"const {{ {', '.join(names)} }} = require("
        if added not in text:
            new = new.replace(added, f"var {{ {', '.join(names)} }} = require(", 1)
    if len({here for _, here in reasons}) == 1:
        reason = f"mount {' and '.join(what for what, _ in reasons)} {reasons[0][1]}"
    else:
        reason = "mount " + " and ".join(f"{what} {here}" for what, here in reasons)
    builder.write(mod.path, new, reason, source.language)
    return applied("mount", mod.path, reason)


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
    edit = insertion(source, end, statement)
    return checked_splice(source.text, [edit], source.language, source.path)


def insertion(source: Source, end: int, statement: str) -> tuple[int, int, str]:
    """The splice of `insert_after`."""
    data = source.data
    line_end = data.find(b"\n", end)
    line_end = len(data) if line_end < 0 else line_end
    rest = data[end:line_end].decode("utf-8")
    at = end
    if not rest.strip() or rest.strip().startswith(("//", "/*")):
        at = line_end - 1 if data[line_end - 1 : line_end] == b"\r" else line_end
    nl = "\r\n" if "\r\n" in source.text else "\n"
    indent = source.indent_at(end - 1)
    return at, at, nl + indent + statement


def import_specifier(
    importer: str, target: str, text: str, system: str, node_esm: bool = False
) -> str:
    """How `importer` names the token module: relative, with the extension where the module
    system needs one (Node ESM), where the file's own relative imports carry one (TS
    NodeNext), or, in a TypeScript file importing nothing relative, where TypeScript resolves
    ES modules as Node does (`node_esm`: NodeNext / Node16 in an ES module package)."""
    stem, ext = posixpath.splitext(target)
    relative = posixpath.relpath(stem, posixpath.dirname(importer) or ".")
    if not relative.startswith("."):
        relative = "./" + relative
    if importer.endswith((".ts", ".mts", ".cts")):
        source = Source.of(importer, text)
        local = [i.source for i in find_imports(source) if i.source.startswith(".")]
        if any(s.endswith(".js") for s in local) or (not local and node_esm):
            return relative + {".mts": ".mjs", ".cts": ".cjs"}.get(ext, ".js")
        return relative
    if system == "esm":
        return relative + ext
    return relative


def node_esm(facts: ExpressFacts, importer: str) -> bool:
    """Whether TypeScript resolves `importer`'s imports as Node's ES modules do (relative
    paths need their `.js`): Node16 / NodeNext resolution in an ES module file."""
    options = facts.index.config.options
    resolution = str(options.get("moduleResolution") or options.get("module") or "").lower()
    esm = importer.endswith(".mts") or (facts.package.type == "module" and importer.endswith(".ts"))
    return esm and resolution in ("node16", "node18", "nodenext")


# -- pages only -------------------------------------------------------------------------------


def before_pages(
    index: JsIndex, mod: Module, receiver: str, after: Node, uses: list[Use], api: list[str]
) -> tuple[Node, list[str]]:
    """The statement the token middleware follows so that it runs for pages only: `after` (the
    session / passport middleware), or the last static-file or API mount (or API route) that
    follows it in the same block before the first page route or router; and what it passed
    ("static files", "API routes"). Requests those answer never reach the middleware; anything
    that may serve pages stops the search."""
    parent = after.parent
    if parent is None:
        return after, []
    mine = {u.statement.id: u for u in uses if u.module.path == mod.path and u.receiver == receiver}
    last, passed = after, []
    for stmt in parent.named_children:
        if stmt.start_byte <= after.start_byte:
            continue
        use = mine.get(stmt.id)
        route = None if use is not None else _route_path(mod, stmt, receiver)
        if use is not None and use.kind == "static":
            what = "static files"
        elif (use is not None and use.path is not None and _under(use.path, api)) or (
            route is not None and _under(route, api)
        ):
            what = "API routes"
        elif route is not None or (
            use is not None and (use.path is not None or _mounts_routes(index, mod, stmt))
        ):
            break
        else:
            continue
        last = stmt
        if what not in passed:
            passed.append(what)
    return last, passed


def _under(path: str, prefixes: list[str]) -> bool:
    return any(
        path.rstrip("/") == p.rstrip("/") or path.startswith(p.rstrip("/") + "/")
        for p in prefixes
        if p.strip("/")
    )


def _route_path(mod: Module, stmt: Node, receiver: str) -> str | None:
    """The path of `app.get("/path", handler)` and the like ("" when it is not a literal);
    None for other statements (`app.get("env")` reads a setting)."""
    call = stmt.named_children[0] if stmt.type == "expression_statement" else None
    if call is None or call.type != "call_expression":
        return None
    callee = callee_name(mod.source, call)
    head, _, method = callee.partition(".")
    if head != receiver or method.split(".")[0] not in _ROUTE_METHODS:
        return None
    if method == "route" or "." in method:  # app.route("/x").get(...)
        return ""
    args = call_arguments(call)
    if len(args) < 2:
        return None
    return string_value(mod.source, args[0]) or ""


def _mounts_routes(index: JsIndex, mod: Module, stmt: Node) -> bool:
    """`app.use(router)` without a path: a router (named so, or a project module that builds
    one with `Router()`) may answer pages; a project module it cannot read counts as one."""
    call = stmt.named_children[0] if stmt.named_children else None
    if call is None or call.type != "call_expression":
        return False
    for arg in call_arguments(call):
        text = mod.text_of(arg)
        if arg.type in ("identifier", "member_expression") and _ROUTER_NAME.search(text):
            return True
        spec = None
        if arg.type == "identifier":
            spec = mod.bindings.get(text, "").split("#")[0]
        elif arg.type == "call_expression" and callee_name(mod.source, arg) == "require":
            required = call_arguments(arg)
            spec = string_value(mod.source, required[0]) if required else None
        if spec is not None and spec.startswith("."):
            target = index.resolve(mod, spec)
            if target is None or "Router(" in target.text:
                return True
    return False


def _declares_with_var(source: Source) -> bool:
    """Whether the file's top-level requires are `var` declarations (express-generator)."""
    kinds = [
        stmt.type
        for stmt in source.root.named_children
        if stmt.type in ("variable_declaration", "lexical_declaration")
        and "require(" in source.text_of(stmt)
    ]
    return kinds.count("variable_declaration") > len(kinds) / 2
