"""The CORS finders of the Node stacks, read with tree-sitter from `Source`s (the stacks'
modules and the checker's alike), never run.

- `express_cors`: the `cors` package (`app.use(cors({ origin: true, credentials: true }))`):
  with `credentials: true`, `origin: true`, a RegExp that matches any origin, or a callback
  that allows every origin (`(origin, cb) => cb(null, true)`) send the request's origin back;
  `*` (its default) is refused by browsers on credentialed requests, and a list is an
  allow-list.
- `reflected`: a handler that sets `Access-Control-Allow-Origin` from the request's `Origin`
  header itself, with `Access-Control-Allow-Credentials: true` (Express middleware, Next.js
  middleware); under a test of anything but the origin's presence (an allow-list), it yields
  nothing. Next.js `headers()` in next.config cannot read the request: its values are fixed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from tree_sitter import Node

from scaffolder.cors import Permissive, matches_any_origin, prefix_scope
from scaffolder.js.imports import find_imports
from scaffolder.js.syntax import (
    FUNCTION_TYPES,
    Source,
    call_arguments,
    callee_name,
    enclosing,
    string_value,
)
from scaffolder.treesitter import walk

EXPRESS_FIX = (
    'give cors() the app\'s own frontends (`origin: ["https://app.example.com"]`), never '
    "`origin: true`, a catch-all RegExp or a callback allowing every origin while credentials "
    "is true"
)
HEADERS_FIX = (
    "send Access-Control-Allow-Origin only for the app's own frontends (an allow-list), never "
    "the request's Origin as it comes, while Access-Control-Allow-Credentials is true"
)
ROUTE_METHODS = frozenset({"use", "get", "all"})
"""The registrations that put cors() in front of GET requests (`options` answers preflights
only, which a simple GET never sends)."""
SETTERS = frozenset({"setHeader", "header", "set", "append"})
ALLOW_ORIGIN = "access-control-allow-origin"
ALLOW_CREDENTIALS = "access-control-allow-credentials"
REQUEST_ORIGIN = re.compile(
    r"""(?i)(\.headers\s*\.\s*get\s*\(\s*["'`]origin["'`]\s*\)|\.headers\s*\.\s*origin\b"""
    r"""|\.headers\s*\[\s*["'`]origin["'`]\s*\]|\.(get|header)\s*\(\s*["'`]origin["'`]\s*\))"""
)
MIDDLEWARE_FILE = re.compile(r"(^|/)(src/)?(middleware|proxy)\.[cm]?[jt]s$")
"""Next.js middleware (`proxy` from Next.js 16), at the app's root or in src/."""
FUNCTIONS = (*FUNCTION_TYPES, "method_definition", "generator_function_declaration")


# -- the cors package ----------------------------------------------------------------------------


def express_cors(sources: Iterable[Source]) -> list[Permissive]:
    """`cors(options)` calls that answer any origin with credentials, scoped where they are
    mounted (`app.use("/api", cors(...))`)."""
    found = []
    for src in sources:
        if "cors" not in src.text:
            continue
        names = {
            local
            for imp in find_imports(src)
            if imp.source == "cors" and not imp.type_only
            for local in (imp.default, imp.namespace)
            if local
        }
        for node in walk(src.root) if names else []:
            if node.type != "call_expression" or callee_name(src, node) not in names:
                continue
            args = call_arguments(node)
            options = _object(src, args[0]) if args else None
            why = _cors_any(src, options) if options is not None else None
            if why is None:
                continue
            scope, mounted = _mounted(src, node)
            if mounted:
                found.append(Permissive(src.path, src.line(node), why, EXPRESS_FIX, scope))
    return found


def _object(src: Source, node: Node | None, depth: int = 0) -> Node | None:
    """An object literal, directly or through a `const` of the module."""
    if node is None or depth > 4:
        return None
    if node.type == "object":
        return node
    if node.type == "identifier":
        return _object(src, _declared(src, src.text_of(node), node), depth + 1)
    return None


def _declared(src: Source, name: str, before: Node | None) -> Node | None:
    """The initializer of the last `const` / `let` / `var` named `name` (before `before`,
    when given), or the function declared under that name (hoisted: anywhere)."""
    best = None
    for node in walk(src.root):
        if node.type == "variable_declarator":
            if before is not None and node.start_byte > before.start_byte:
                continue
            if src.text_of(node.child_by_field_name("name")) == name:
                best = node.child_by_field_name("value")
        elif (
            node.type == "function_declaration"
            and src.text_of(node.child_by_field_name("name")) == name
        ):
            best = node
    return best


def _props(src: Source, obj: Node) -> dict[str, Node]:
    out = {}
    for pair in obj.named_children:
        if pair.type == "pair":
            key = pair.child_by_field_name("key")
            value = pair.child_by_field_name("value")
            name = string_value(src, key) if key is not None and key.type == "string" else None
            name = name if name is not None else src.text_of(key)
            if value is not None:
                out[name] = value
        elif pair.type == "method_definition":  # { origin(origin, callback) { ... } }
            out[src.text_of(pair.child_by_field_name("name"))] = pair
        elif pair.type == "shorthand_property_identifier":
            value = _declared(src, src.text_of(pair), pair)
            if value is not None:
                out[src.text_of(pair)] = value
    return out


def _cors_any(src: Source, options: Node) -> str | None:
    """Why these cors() options answer any origin with credentials; None when they do not
    (or cannot be read)."""
    props = _props(src, options)
    credentials = props.get("credentials")
    origin = props.get("origin")
    if credentials is None or credentials.type != "true" or origin is None:
        return None
    if origin.type == "identifier":
        origin = _declared(src, src.text_of(origin), origin) or origin
    if origin.type == "true":
        shown = "origin: true"
    elif (origin.type == "regex" and _regex_any(src, origin)) or (
        origin.type == "array"
        and any(c.type == "regex" and _regex_any(src, c) for c in origin.named_children)
    ):
        shown = f"origin: {src.text_of(origin)}"
    elif origin.type in FUNCTIONS and _allows_all(src, origin):
        shown = "an origin callback that allows every origin"
    else:
        return None
    return f"cors() with {shown} and credentials: true reflects any origin with credentials"


def _regex_any(src: Source, regex: Node) -> bool:
    pattern = src.text_of(regex.child_by_field_name("pattern")).replace("\\/", "/")
    return matches_any_origin(pattern, "search")


def _params(src: Source, fn: Node) -> list[str]:
    params = fn.child_by_field_name("parameters")
    if params is None:
        single = fn.child_by_field_name("parameter")
        return [src.text_of(single)] if single is not None else []
    out = []
    for p in params.named_children:
        ident = p.child_by_field_name("pattern") if p.type != "identifier" else p
        out.append(src.text_of(ident) if ident is not None and ident.type == "identifier" else "")
    return out


def _allows_all(src: Source, fn: Node) -> bool:
    """A cors origin callback whose only statement calls back `(null, true)` or
    `(null, origin)`, whatever the origin."""
    params = _params(src, fn)
    body = fn.child_by_field_name("body")
    if len(params) < 2 or body is None:
        return False
    call = body
    if body.type == "statement_block":
        statements = [c for c in body.named_children if c.type != "comment"]
        if len(statements) != 1 or statements[0].type not in (
            "expression_statement",
            "return_statement",
        ):
            return False
        inner = statements[0].named_children
        call = inner[0] if inner else body
    if call.type != "call_expression" or callee_name(src, call) != params[1]:
        return False
    args = [src.text_of(a) for a in call_arguments(call)]
    return len(args) == 2 and args[0] in ("null", "undefined") and args[1] in ("true", params[0])


def _mounted(src: Source, call: Node) -> tuple[str | None, bool]:
    """Where a cors() call is mounted: (its scope, whether it serves GET requests); a
    middleware not registered in this call (`const mw = cors(...)`) is taken as app-wide."""
    args = call.parent
    register = args.parent if args is not None and args.type == "arguments" else None
    if register is None or register.type != "call_expression":
        return None, True
    method = callee_name(src, register).rsplit(".", 1)[-1]
    if method not in ROUTE_METHODS:
        return None, method not in ("options", "post", "put", "patch", "delete")
    first = call_arguments(register)[0]
    path = string_value(src, first) if first.id != call.id else None
    if path is None:
        return None, True
    return (prefix_scope(path) if method == "use" else re.escape(path) + r"/?\Z"), True


# -- Access-Control-Allow-Origin set by hand -----------------------------------------------------


def reflected(sources: Iterable[Source], *, middleware_only: bool) -> list[Permissive]:
    """Functions that set Access-Control-Allow-Origin to the request's Origin with
    Access-Control-Allow-Credentials: true. `middleware_only`: only Express middleware (a
    function calling its third parameter, `next()`); else any function of the file (a
    Next.js middleware module), scoped by its `config.matcher`."""
    found = []
    for src in sources:
        text = src.text.lower()
        if ALLOW_ORIGIN not in text or ALLOW_CREDENTIALS not in text:
            continue
        scope = None if middleware_only else _matcher_scope(src)
        for fn, origin in _reflecting(src):
            if middleware_only and not _calls_next(src, fn):
                continue
            why = (
                f"Access-Control-Allow-Origin set to the request's origin "
                f"({src.text_of(origin)}) with Access-Control-Allow-Credentials: true reflects "
                "any origin with credentials"
            )
            found.append(Permissive(src.path, src.line(origin), why, HEADERS_FIX, scope))
    return found


def is_middleware_file(path: str) -> bool:
    return MIDDLEWARE_FILE.search(path) is not None


def _reflecting(src: Source) -> list[tuple[Node, Node]]:
    """(function, the origin value) for each function setting both headers, the origin
    from the request and not under a test of anything but its presence."""
    origins: dict[int, tuple[Node, Node]] = {}
    credentialed: set[int] = set()
    for name, value, at in _header_sets(src):
        fn = enclosing(at, *FUNCTIONS)
        if fn is None:
            continue
        if name == ALLOW_CREDENTIALS and _truthy(src, value):
            credentialed.add(fn.id)
        elif (
            name == ALLOW_ORIGIN
            and _from_request(src, fn, value, 0)
            and _unconditional(src, fn, at, value)
        ):
            origins.setdefault(fn.id, (fn, value))
    return [found for key, found in origins.items() if key in credentialed]


def _header_sets(src: Source) -> list[tuple[str, Node, Node]]:
    """(header name lowercased, value, the node setting it): `res.setHeader(k, v)`,
    `headers.set(k, v)`, and `{ "Access-Control-Allow-Origin": v }` objects."""
    out = []
    for node in walk(src.root):
        if node.type == "call_expression":
            args = call_arguments(node)
            if callee_name(src, node).rsplit(".", 1)[-1] in SETTERS and len(args) == 2:
                name = string_value(src, args[0])
                if name is not None:
                    out.append((name.lower(), args[1], node))
        elif node.type == "pair":
            key = node.child_by_field_name("key")
            value = node.child_by_field_name("value")
            name = string_value(src, key) if key is not None else None
            if name is not None and value is not None:
                out.append((name.lower(), value, node))
    return out


def _truthy(src: Source, value: Node) -> bool:
    return value.type == "true" or string_value(src, value) == "true"


def _from_request(src: Source, fn: Node, value: Node, depth: int) -> bool:
    """Whether `value` is the request's Origin header (`?? "*"` / `|| ""` fallbacks kept),
    directly or through a variable of the function."""
    if depth > 4:
        return False
    if value.type == "binary_expression" and src.text_of(value.child_by_field_name("operator")) in (
        "??",
        "||",
    ):
        left = value.child_by_field_name("left")
        return left is not None and _from_request(src, fn, left, depth + 1)
    if value.type in ("parenthesized_expression", "non_null_expression", "as_expression"):
        inner = value.named_children[0] if value.named_children else None
        return inner is not None and _from_request(src, fn, inner, depth + 1)
    if value.type in ("member_expression", "call_expression", "subscript_expression"):
        return REQUEST_ORIGIN.search(src.text_of(value)) is not None
    if value.type != "identifier":
        return False
    name = src.text_of(value)
    for node in walk(fn):
        if node.type != "variable_declarator" or node.start_byte > value.start_byte:
            continue
        target = node.child_by_field_name("name")
        init = node.child_by_field_name("value")
        if target is None or init is None:
            continue
        if target.type == "identifier" and src.text_of(target) == name:
            return _from_request(src, fn, init, depth + 1)
        if target.type == "object_pattern" and name.lower() == "origin":
            shorthand = {
                src.text_of(c)
                for c in target.named_children
                if c.type == "shorthand_property_identifier_pattern"
            }
            if name in shorthand and src.text_of(init).replace(" ", "").endswith(".headers"):
                return True
    return False


def _unconditional(src: Source, fn: Node, at: Node, value: Node) -> bool:
    """No test between the function and the header but one of the origin's presence
    (`if (origin)`)."""
    allowed = {src.text_of(value).replace(" ", "")}
    current = at.parent
    while current is not None and current.id != fn.id:
        if current.type in ("ternary_expression", "switch_statement", "conditional_type"):
            return False
        if current.type == "binary_expression" and src.text_of(
            current.child_by_field_name("operator")
        ) in ("&&", "||"):
            return False
        if current.type == "if_statement":
            condition = src.text_of(current.child_by_field_name("condition"))
            if condition.strip("() ").replace(" ", "") not in allowed:
                return False
        current = current.parent
    return True


def _calls_next(src: Source, fn: Node) -> bool:
    params = _params(src, fn)
    if len(params) < 3 or not params[2]:
        return False
    return any(
        node.type == "call_expression" and callee_name(src, node) == params[2] for node in walk(fn)
    )


def _matcher_scope(src: Source) -> str | None:
    """The paths a Next.js middleware runs on (`export const config = { matcher }`), as one
    regular expression; None for every path (no matcher, or one that cannot be read)."""
    config = _declared(src, "config", None)
    if config is None or config.type != "object":
        return None
    matcher = _props(src, config).get("matcher")
    if matcher is None:
        return None
    items = matcher.named_children if matcher.type == "array" else [matcher]
    patterns = []
    for item in items:
        if item.type == "object":
            item = _props(src, item).get("source") or item
        value = string_value(src, item)
        if value is None:
            return None
        patterns.append(_path_regex(value.replace("\\\\", "\\")))  # "\\." is \. in JS
    return "|".join(f"(?:{p})" for p in patterns) if patterns else None


def _path_regex(matcher: str) -> str:
    """A path-to-regexp matcher (`/api/:path*`, `/((?!_next).*)`) as a Python regex."""
    out = re.sub(r":\w+\*", ".*", matcher)
    out = re.sub(r":\w+\+", ".+", out)
    out = re.sub(r":\w+\?", "[^/]*", out)
    out = re.sub(r":\w+", "[^/]+", out)
    return out + r"/?\Z"
