"""How the token reaches the widget, and where the key must never go: the widget tag (JSX
`<Script>` / `<script>`, HTML built in strings) and its inline `data-user-token`, the
`setUserToken` / `clearUserToken` calls, the token endpoint's responses (`NextResponse.json`,
`res.json`) and their `Cache-Control`, `res.locals` for server-rendered views; the provider's own
token forwarded at any of them, an inline token on a statically cached Next.js page, a key in
client code, rendered into a page, or read from a public variable.
"""

from __future__ import annotations

import re

from tree_sitter import Node

from scaffolder.check import TEMPLATES
from scaffolder.check.javascript import reads, routes
from scaffolder.check.javascript.context import Context
from scaffolder.check.javascript.mints import WIDGETISH, has_markers, key_leaves
from scaffolder.check.javascript.program import Module
from scaffolder.check.javascript.scope import (
    FUNCTIONS,
    enclosing_function,
    function_name,
    property_name,
)
from scaffolder.check.javascript.values import Leaf
from scaffolder.js.syntax import call_arguments, string_value
from scaffolder.markup import WIDGET_HOST
from scaffolder.treesitter import walk

TOKEN_ATTRIBUTE = "data-user-token"
RESPONSE_ROOTS = frozenset({"res", "response", "reply", "ctx", "c"})
HEADER_SETTERS = frozenset({"set", "setHeader", "header", "append"})
TYPE_MEMBERS = frozenset({"method_signature", "property_signature", "abstract_method_signature"})


def check(ctx: Context) -> None:
    for module in ctx.program.modules():
        _tags(ctx, module)
        _token_calls(ctx, module)
        _responses(ctx, module)
        _locals(ctx, module)
        _keys(ctx, module)
    _no_clear(ctx)


# -- the widget tag ---------------------------------------------------------------------------


def _tags(ctx: Context, m: Module) -> None:
    kinds = ("jsx_self_closing_element", "jsx_opening_element", "string", "template_string")
    for node in m.nodes(*kinds):
        if node.type in ("jsx_self_closing_element", "jsx_opening_element"):
            attrs = _jsx_attributes(m, node)
            src = attrs.get("src")
            widget = src is not None and WIDGET_HOST in m.text(src)
            token = attrs.get(TOKEN_ATTRIBUTE)
            if widget or token is not None:
                inline = " with an inline data-user-token" if token is not None else ""
                ctx.site("widget-tag", m, node, f"the widget <{_tag(m, node)}>{inline}")
            if token is not None:
                _inline_token(ctx, m, token)
        elif node.type in ("string", "template_string") and _builds_tag(m, node):
            ctx.site("widget-tag", m, node, "the widget tag, built in code")
            if node.type == "template_string":
                after = m.text(node).find(TOKEN_ATTRIBUTE)
                for sub in node.named_children:
                    if (
                        sub.type == "template_substitution"
                        and after >= 0
                        and sub.start_byte - node.start_byte > after
                        and sub.named_children
                    ):
                        _provider(ctx, m, sub.named_children[0], sub, "data-user-token")


def _jsx_attributes(m: Module, opening: Node) -> dict[str, Node]:
    out = {}
    for attr in opening.named_children:
        if attr.type == "jsx_attribute" and attr.named_children:
            name = m.text(attr.named_children[0])
            value = attr.named_children[1] if len(attr.named_children) > 1 else attr
            out[name] = value
    return out


def _tag(m: Module, opening: Node) -> str:
    return m.text(opening.child_by_field_name("name")) or "script"


def _builds_tag(m: Module, node: Node) -> bool:
    """A string that loads the widget: HTML with its `<script>`, or the `src` given to a
    script element (`tag.src = "..."`, `{ src: "..." }`); not a selector naming it."""
    text = m.text(node)
    if WIDGET_HOST not in text:
        return False
    if "<script" in text.lower():
        return True
    parent = node.parent
    if parent is not None and parent.type == "assignment_expression":
        return m.text(parent.child_by_field_name("left")).endswith(".src")
    if parent is not None and parent.type == "pair":
        return property_name(m, parent.child_by_field_name("key")) == "src"
    return False


def _inline_token(ctx: Context, m: Module, value: Node) -> None:
    if value.type != "jsx_expression" or not value.named_children:
        return
    expr = value.named_children[0]
    if _provider(ctx, m, expr, value, TOKEN_ATTRIBUTE):
        return
    leaves = ctx.flow.values(m, expr)
    if not any(ctx.is_token(leaf) for leaf in leaves):
        return
    cached = _page_cache(ctx, m)
    if cached:
        ctx.flag(
            "inline-token-page-cache",
            m,
            value,
            f"an inline token on a page {cached}: every visitor can be served one user's token",
        )


def _page_cache(ctx: Context, m: Module) -> str:
    """How Next.js caches the page rendering `m` (its own or an importing page's segment
    config), or ""."""
    pages = [m] + [
        other
        for other in ctx.program.modules()
        if any(ctx.program.resolve(other.path, s) is m for s in other.specifiers)
    ]
    for page in pages:
        why = _static(page)
        if why:
            return why
    return ""


def _static(m: Module) -> str:
    """How a page file's own segment config makes Next.js cache it, or ""."""
    if any(
        stmt.type == "expression_statement"
        and m.text(stmt).strip(" ;") in ("'use cache'", '"use cache"')
        for stmt in m.root.named_children
    ):
        return f"cached by 'use cache' ({m.path})"
    for stmt in m.root.named_children:
        if stmt.type != "export_statement":
            continue
        decl = stmt.child_by_field_name("declaration")
        if decl is None:
            continue
        if decl.type == "function_declaration":
            if m.text(decl.child_by_field_name("name")) == "getStaticProps":
                return f"built by getStaticProps ({m.path})"
            continue
        for d in decl.named_children:
            if d.type != "variable_declarator":
                continue
            name = m.text(d.child_by_field_name("name"))
            value = m.text(d.child_by_field_name("value")).strip()
            if name == "revalidate" and value == "false":
                return f"cached indefinitely: revalidate = false ({m.path})"
            if name == "revalidate" and _positive(value):
                return f"revalidated every {value} s ({m.path})"
            if name == "dynamic" and value.strip("'\"") == "force-static":
                return f"rendered statically: dynamic = 'force-static' ({m.path})"
            if name == "getStaticProps":
                return f"built by getStaticProps ({m.path})"
    return ""


def _positive(text: str) -> bool:
    try:
        return float(text.replace("_", "")) > 0
    except ValueError:
        return False


# -- setUserToken / clearUserToken ------------------------------------------------------------


def _token_calls(ctx: Context, m: Module) -> None:
    for node in m.nodes("call_expression"):
        callee = m.text(node.child_by_field_name("function"))
        last = callee.rsplit(".", 1)[-1]
        if last == "setUserToken":
            ctx.site("set-token", m, node, f"{callee}(...)")
            args = call_arguments(node)
            if args:
                _provider(ctx, m, args[0], node, "setUserToken()")
        elif last == "clearUserToken":
            ctx.site("clear-token", m, node, f"{callee}()")


def _no_clear(ctx: Context) -> None:
    sets = [s for s in ctx.found.sites if s.kind == "set-token"]
    if not sets or any(s.kind == "clear-token" for s in ctx.found.sites):
        return
    # named in code another way (`widget[user ? "setUserToken" : "clearUserToken"](...)`)
    for module in ctx.program.modules():
        if any(
            "clearUserToken" in module.text(node)
            and (node.parent is None or node.parent.type not in TYPE_MEMBERS)
            for node in module.nodes("property_identifier", "string_fragment")
        ):
            return
    sources = ctx.program.sources
    for path in sources.with_suffix(*TEMPLATES):
        if "clearUserToken" in (sources.text(path) or ""):
            return
    first = min(sets, key=lambda s: (s.file, s.line))
    where = ctx.program.module(first.file)
    if where is not None:
        ctx.flag(
            "spa-no-clear",
            where,
            first.line,
            "setUserToken() is called but clearUserToken() never is: after sign-out the widget "
            "keeps the previous user's identity",
        )


def _provider(ctx: Context, m: Module, expr: Node, where: Node, target: str) -> bool:
    for leaf in ctx.flow.values(m, expr):
        found = reads.provider_token(leaf)
        if found is not None:
            ctx.flag(
                "provider-token-forwarded",
                m,
                where,
                f"{target} gets {found}: the auth provider's own token, not a BestChatBot one",
            )
            return True
    return False


# -- the endpoint -----------------------------------------------------------------------------


def _responses(ctx: Context, m: Module) -> None:
    widget_module = bool(WIDGETISH.search(m.path)) or has_markers(m)
    done: set[int] = set()
    for node in m.nodes("call_expression", "new_expression"):
        found = _response(m, node)
        if found is None:
            continue
        body, init, express = found
        fn = enclosing_function(node)
        leaves = ctx.flow.values(m, body)
        carries = any(ctx.is_token(leaf) for leaf in leaves)
        values = [v for leaf in leaves if leaf.node.type == "object" for v in _props(leaf)]
        carries = carries or any(
            ctx.is_token(leaf)
            for module, value in values
            for leaf in ctx.flow.values(module, value)
        )
        name = function_name(m, fn) if fn is not None else None
        if not carries:
            if widget_module or (name and WIDGETISH.search(name)):
                for module, value in values:
                    if _provider(ctx, module, value, node, "the token endpoint's response"):
                        break
            continue
        ctx.site(
            "endpoint", m, node, f"{_callee(m, node)}(...)" + (f" in {name}()" if name else "")
        )
        key = fn.id if fn is not None else -1
        if key in done:
            continue
        done.add(key)
        if not _no_store(ctx, m, node, init, express):
            ctx.flag(
                "endpoint-no-store",
                m,
                node,
                "the token response sets no `Cache-Control: no-store`: a shared cache can hand "
                "one user's token to another",
            )


def _response(m: Module, node: Node) -> tuple[Node, Node | None, bool] | None:
    """(body, init, is Express-style) for a response built by `node`."""
    if node.type == "new_expression":
        ctor = m.text(node.child_by_field_name("constructor"))
        args = call_arguments(node)
        if ctor in ("Response", "NextResponse") and args:
            body = args[0]
            if (
                body.type == "call_expression"
                and m.text(body.child_by_field_name("function")) == "JSON.stringify"
            ):
                inner = call_arguments(body)
                body = inner[0] if inner else body
            return body, args[1] if len(args) > 1 else None, False
        return None
    if node.type != "call_expression":
        return None
    callee = _callee(m, node)
    args = call_arguments(node)
    if not args:
        return None
    if callee in ("NextResponse.json", "Response.json"):
        return args[0], args[1] if len(args) > 1 else None, False
    parts = callee.split(".")
    if len(parts) > 1 and parts[-1] in ("json", "send", "jsonp") and parts[0] in RESPONSE_ROOTS:
        return args[0], None, True
    return None


def _callee(m: Module, node: Node) -> str:
    fn = node.child_by_field_name("function")
    text = m.text(fn).replace("?.", ".")
    return re.sub(r"\([^()]*\)", "", re.sub(r"\s+", "", text))


def _props(leaf: Leaf) -> list[tuple[Module, Node]]:
    out = []
    for child in leaf.node.named_children:
        if child.type == "pair":
            value = child.child_by_field_name("value")
            if value is not None:
                out.append((leaf.module, value))
        elif child.type == "shorthand_property_identifier":
            out.append((leaf.module, child))
    return out


def _no_store(ctx: Context, m: Module, node: Node, init: Node | None, express: bool) -> bool:
    """Whether the response is sent with Cache-Control: no-store (True when it cannot be
    told)."""
    if init is not None:
        for leaf in ctx.flow.values(m, init, ("headers",)):
            verdict = _headers_no_store(ctx, leaf)
            if verdict is not False:
                return True
    fn = enclosing_function(node)
    while fn is not None:
        if _sets_no_store(ctx, m, fn):
            return True
        fn = enclosing_function(fn)
    if express and _middleware_no_store(ctx, m, node):
        return True
    return not express and _config_no_store(ctx)


def _headers_no_store(ctx: Context, leaf: Leaf) -> bool | None:
    """A headers value: True with no-store, False without, None when it cannot be told."""
    node = leaf.node
    if leaf.kind == "absent":
        return False
    if (
        node.type == "new_expression"
        and leaf.module.text(node.child_by_field_name("constructor")) == "Headers"
    ):
        args = call_arguments(node)
        if not args:
            return False
        return any(
            _headers_no_store(ctx, inner) is not False
            for inner in ctx.flow.values(leaf.module, args[0])
        )
    if node.type != "object" or leaf.path:
        return None
    for child in node.named_children:
        if child.type == "pair":
            name = property_name(leaf.module, child.child_by_field_name("key"))
            value = child.child_by_field_name("value")
            if name is not None and name.lower() == "cache-control" and value is not None:
                return _no_store_value(ctx, leaf.module, value)
        elif child.type == "spread_element":
            return None
    return False


def _no_store_value(ctx: Context, m: Module, value: Node) -> bool:
    for leaf in ctx.flow.values(m, value):
        text = reads.literal(leaf)
        if text is None or "no-store" in text.lower():
            return True
    return False


def _sets_no_store(ctx: Context, m: Module, fn: Node) -> bool:
    """`res.set("Cache-Control", "no-store")`, `res.setHeader(...)`, `headers.set(...)`,
    `res.set({ "Cache-Control": ... })` in a function."""
    for node in walk(fn):
        if node.type != "call_expression":
            continue
        callee = m.text(node.child_by_field_name("function"))
        if callee.rsplit(".", 1)[-1] not in HEADER_SETTERS:
            continue
        args = call_arguments(node)
        if len(args) >= 2:
            name = string_value(m.source, args[0])
            if (
                name is not None
                and name.lower() == "cache-control"
                and _no_store_value(ctx, m, args[1])
            ):
                return True
        elif len(args) == 1:
            for leaf in ctx.flow.values(m, args[0]):
                if leaf.node.type == "object" and _headers_no_store(ctx, leaf):
                    return True
    return False


def _middleware_no_store(ctx: Context, m: Module, node: Node) -> bool:
    """Middleware in front of the route sends no-store: `nocache()`, or a function setting
    the header."""
    fn = enclosing_function(node)
    while fn is not None:
        for rm, call, index in routes.registrations(ctx, m, fn):
            for mm, arg in routes.middleware_before(ctx, rm, call, index):
                if arg.type == "call_expression":
                    callee = mm.text(arg.child_by_field_name("function"))
                    if callee.rsplit(".", 1)[-1] in ("nocache", "noCache"):
                        return True
                for leaf in ctx.flow.values(mm, arg):
                    if leaf.node.type in FUNCTIONS and _sets_no_store(ctx, leaf.module, leaf.node):
                        return True
        fn = enclosing_function(fn)
    return False


def _config_no_store(ctx: Context) -> bool:
    """next.config.* sending no-store headers (`async headers()`)."""
    for module in ctx.program.modules():
        name = module.path.rsplit("/", 1)[-1]
        if name.startswith("next.config.") and "no-store" in module.source.text:
            return True
    return False


# -- server-rendered views (res.locals, res.render) -------------------------------------------


def _locals(ctx: Context, m: Module) -> None:
    for node in m.nodes("assignment_expression", "call_expression"):
        if node.type == "assignment_expression":
            left = m.text(node.child_by_field_name("left"))
            right = node.child_by_field_name("right")
            if right is None or ".locals." not in left + ".":
                continue
            name = left.rsplit(".", 1)[-1]
            if WIDGETISH.search(name) or name in _template_tokens(ctx):
                _provider(ctx, m, right, node, left)
            _rendered_key(ctx, m, right, node, left)
        elif node.type == "call_expression":
            callee = m.text(node.child_by_field_name("function"))
            if not callee.endswith(".render"):
                continue
            args = call_arguments(node)
            if len(args) < 2:
                continue
            for leaf in ctx.flow.values(m, args[1]):
                if leaf.node.type == "object":
                    for module, value in _props(leaf):
                        _rendered_key(ctx, module, value, value, "the view's data")


def _template_tokens(ctx: Context) -> set[str]:
    """The names the project's templates put in `data-user-token` (`<%= chatToken %>`,
    `data-user-token=widgetToken`, `{{ bestchatbotToken }}`)."""
    found: set[str] | None = ctx.memo.get("template-tokens")
    if found is not None:
        return found
    found = set()
    sources = ctx.program.sources
    for path in sources.with_suffix(*TEMPLATES):
        text = sources.text(path) or ""
        for match in re.finditer(TOKEN_ATTRIBUTE, text):
            found.update(re.findall(r"[A-Za-z_$][\w$]*", text[match.end() : match.end() + 80]))
    ctx.memo["template-tokens"] = found
    return found


# -- the key ----------------------------------------------------------------------------------


def _keys(ctx: Context, m: Module) -> None:
    client = m.path in ctx.client
    near_key = m.path in _near_key(ctx)
    kinds = ("member_expression", "subscript_expression", "jsx_expression", "template_string")
    for node in m.nodes(*kinds):
        name = reads.env_reads(m, node)
        if name is not None and reads.signing_name(name):
            if reads.public_env(name):
                ctx.flag(
                    "key-public-env",
                    m,
                    node,
                    f"{name} is a public variable: the bundler ships its value to the browser",
                )
            elif client:
                ctx.flag(
                    "key-in-client",
                    m,
                    node,
                    f"{name} is read in code bundled for the browser ({m.path})",
                )
        elif node.type == "jsx_expression" and node.named_children and near_key:
            _rendered_key(ctx, m, node.named_children[0], node, "the page")
        elif node.type == "template_string" and near_key and "<" in m.text(node):
            for sub in node.named_children:  # HTML built in a string
                if sub.type == "template_substitution" and sub.named_children:
                    _rendered_key(ctx, m, sub.named_children[0], sub, "the page's HTML")
    if client:
        for mint in ctx.mints:
            if mint.module is not m:
                continue
            leaves = key_leaves(ctx.flow, mint)
            names = [reads.env_name(leaf) for leaf in leaves]
            if any(n is not None and reads.public_env(n) for n in names):
                continue
            if any(leaf.module.path in ctx.client and reads.env_name(leaf) for leaf in leaves):
                continue
            ctx.flag(
                "key-in-client",
                m,
                mint.call,
                f"{mint.describe()} runs in code bundled for the browser: its key goes with it",
            )


def _near_key(ctx: Context) -> set[str]:
    """The files that read the signing key, and the files importing them: where a page can
    render it (followed further, every JSX expression of a big app would be traced)."""
    found: set[str] | None = ctx.memo.get("near-key")
    if found is not None:
        return found
    readers = {
        module.path
        for module in ctx.program.modules()
        if any(
            (name := reads.env_reads(module, node)) is not None and reads.signing_name(name)
            for node in module.nodes("member_expression", "subscript_expression")
        )
    }
    near = set(readers)
    for module in ctx.program.modules():
        for spec in module.specifiers:
            target = ctx.program.resolve(module.path, spec)
            if target is not None and target.path in readers:
                near.add(module.path)
    ctx.memo["near-key"] = near
    return near


def _rendered_key(ctx: Context, m: Module, expr: Node, where: Node, target: str) -> None:
    """The signing key flows into what a page shows: as the expression's value, or read
    anywhere inside it (`{{ __html: `...${process.env.X}...` }}`)."""
    names = [reads.env_name(leaf) for leaf in ctx.flow.values(m, expr)]
    names += [reads.env_reads(m, node) for node in walk(expr)]
    for name in names:
        if name is not None and reads.signing_name(name) and not reads.public_env(name):
            ctx.flag(
                "key-in-client",
                m,
                where,
                f"{name} is rendered into {target}: the signing key reaches the browser",
            )
            return
