"""Whether the token route gets through the app's middleware (`middleware.ts` / `proxy.ts`),
read statically, and the edit that lets it through where one is safe.

Next.js runs the middleware on every request its `config.matcher` covers
(https://nextjs.org/docs/app/api-reference/file-conventions/middleware#matcher). Two things
stop the route there:

- next-intl's middleware (`createMiddleware(routing)` from `next-intl/middleware`) handling
  `/api/widget-token`: it redirects or rewrites it to a locale path where nothing answers (404).
  The route leaves the matcher through the negative lookahead the matcher already has
  (`/((?!api/widget-token$|_next|...).*)`);
- Clerk, whose `currentUser()` / `getAuth()` throw unless `clerkMiddleware()` ran on the
  request: a matcher that skips the route gets it as one more entry, and a middleware that
  protects every route but its public ones (`if (!isPublicRoute(req)) await auth.protect()`)
  gets it as one more public route (`createRouteMatcher([...])`), the project's own style;
  v4 / v5's `authMiddleware()` likewise gets it in its `publicRoutes` (it answers signed-out
  visitors of the others with its own empty 401), and its `ignoredRoutes` must not cover it;
- next-intl composed inside Clerk's handler (`return handleI18nRouting(req)`): leaving the
  matcher would skip Clerk too, so the handler returns first on the route
  (`if (isWidgetTokenRoute(req)) return;`, a matcher made with the module's own
  `createRouteMatcher`, else a comparison of the path).

What cannot be edited safely (a wrapper that returns before Clerk runs, next-intl called
before Clerk's middleware, a matcher built in code) is refused with the snippet to paste.
What the middleware runs is read by `middleware`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from tree_sitter import Node

from scaffolder.js.style import detect
from scaffolder.js.syntax import Source, call_arguments, checked_splice, top_level
from scaffolder.stacks.nextjs.middleware import (
    Flow,
    Matcher,
    Reader,
    and_,
    config_object,
    matcher,
    pattern_matches,
    property_value,
    routes_match,
)
from scaffolder.treesitter import walk

Outcome = Literal["through", "edit", "manual"]
_SAFE_PATH = re.compile(r"^(/[A-Za-z0-9_-]+)+$")
_LOOKAHEAD = "/((?!"
PRINT_WIDTH = 80


@dataclass(frozen=True)
class Verdict:
    """What the middleware does to the route: `through` (nothing to change), `edit` (`text`
    lets it through), `manual` (the reason says what to change by hand); `warning`: what could
    not be told, worth a look."""

    outcome: Outcome
    reason: str = ""
    text: str | None = None
    warning: str | None = None


# -- the verdict --------------------------------------------------------------------------------


def check(path: str, text: str, endpoint: str, clerk: str | None = None) -> Verdict:
    """Whether GET `endpoint` gets through the middleware at `path` (with `text`), and the
    edit that lets it through when one is safe; `clerk`: the Clerk helper the route calls
    (`currentUser()`), which throws unless Clerk's middleware ran on the request."""
    reasons: list[str] = []
    current = text
    # One edit at a time, each re-read: adding the route to the matcher may bring it under
    # something else the middleware runs (next-intl), and the result must get through.
    for _ in range(3):
        verdict = _verdict(Source.of(path, current), endpoint, clerk)
        if verdict.outcome == "manual":
            done = "".join(f"{r}; then " for r in reasons)
            return Verdict("manual", done + verdict.reason)
        if verdict.outcome == "edit" and verdict.text is not None:
            reasons.append(verdict.reason)
            current = verdict.text
            continue
        if not reasons:
            return verdict
        return Verdict("edit", "; ".join(reasons), current, verdict.warning)
    return Verdict("manual", f"could not make {endpoint} get through: " + "; ".join(reasons))


def _verdict(source: Source, endpoint: str, clerk: str | None) -> Verdict:
    where = source.path
    match = matcher(source)
    covered = match.covers(endpoint)
    reader = Reader(source, endpoint)
    entry = reader.entry()
    if entry is not None:
        reader.run(entry, True)
    flow = reader.flow
    intl = and_(covered, flow.intl)
    if intl:
        if clerk and reader.factory:
            # leaving the matcher would skip Clerk too: only a branch can skip next-intl
            if flow.intl_handler is not None:
                return _skip_intl(source, reader, flow, endpoint)
            return Verdict(
                "manual",
                f"next-intl's middleware runs on {endpoint} and redirects it to a locale path "
                f"(404), while {reader.factory}() must still run there: make the middleware "
                f"return before next-intl for that path (`if ({reader.request}.nextUrl.pathname "
                f'=== "{endpoint}") return;`)',
            )
        return _exclude(source, match, endpoint)
    if intl is None:
        return Verdict(
            "through",
            warning=f"{where}: next-intl's middleware may handle {endpoint} (and redirect it to "
            "a locale path): check that its matcher leaves the route out",
        )
    if clerk is None:
        return Verdict("through")
    needs = f"Clerk's {clerk} throws unless {reader.factory}() ran on the request"
    if not reader.factory:
        return Verdict(
            "through",
            warning=f"{where} does not call Clerk's middleware, and Clerk's {clerk} throws on "
            f"{endpoint} unless it ran on the request",
        )
    if covered is False:
        return _include(source, match, endpoint, needs)
    if flow.clerk is False:
        return Verdict(
            "manual",
            f"it returns before {reader.factory}() runs on {endpoint} ({needs}): let that path "
            f"reach {reader.factory}()",
        )
    if covered is None or flow.clerk is None:
        return Verdict(
            "through",
            warning=f"{where}: could not tell whether {reader.factory}() runs on {endpoint} "
            f"({needs})",
        )
    call = flow.clerk_call
    if call is not None and source.text_of(call.child_by_field_name("function")) in (
        reader.auth_middleware
    ):
        return _auth_middleware(source, call, endpoint, reader, needs)
    if flow.protect and flow.public_matchers:
        return _public(source, flow.public_matchers[0], endpoint)
    if flow.protect:
        return Verdict(
            "through",
            warning=f"{where}: auth.protect() may run on {endpoint}: anonymous visitors then get "
            "Clerk's 404 instead of the route's 401 (the widget takes both as no identity)",
        )
    return Verdict("through")


def _entry(source: Source, node: Node, endpoint: str) -> str:
    """`endpoint` as a string literal in the quotes of `node` (a string entry)."""
    raw = source.text_of(node)
    quote = raw[0] if raw[:1] in ("'", '"') else detect(source.text, source.language).quote
    escaped = endpoint.replace("\\", "\\\\").replace(quote, "\\" + quote)
    return f"{quote}{escaped}{quote}"


def _append(source: Source, array: Node, endpoint: str) -> str:
    """`array` (of strings) with `endpoint` as its last entry."""
    items = [c for c in array.named_children if c.type != "comment"]
    return _append_item(source, array, _entry(source, items[-1] if items else array, endpoint))


def _append_item(source: Source, array: Node, literal: str) -> str:
    """`array` (or an object) with `literal` as its last entry, laid out like the others: a
    line of its own in a multi-line one; a one-line one that grows past Prettier's width gets
    one entry per line, as Prettier prints it."""
    items = [c for c in array.named_children if c.type != "comment"]
    nl = "\r\n" if "\r\n" in source.text else "\n"
    close = array.end_byte - 1
    if not items:
        new = f"{{ {literal} }}" if array.type == "object" else f"[{literal}]"
        edit = (array.start_byte, array.end_byte, new)
        return checked_splice(source.text, [edit], source.language, source.path)
    last = items[-1]
    between = source.data[last.end_byte : close].decode("utf-8")
    trailing = between.lstrip().startswith(",")
    if source.only_whitespace_before(last.start_byte):
        indent = source.indent_at(last.start_byte)
        insert = f"{nl}{indent}{literal}," if trailing else f",{nl}{indent}{literal}"
        at = last.end_byte + (between.index(",") + 1 if trailing else 0)
        return checked_splice(source.text, [(at, at, insert)], source.language, source.path)
    line_end = source.data.find(b"\n", array.end_byte)
    line = source.data[source.line_start(array.start_byte) : line_end if line_end >= 0 else None]
    if len(line.decode("utf-8").rstrip()) + len(literal) + 2 <= PRINT_WIDTH:
        at = last.end_byte
        return checked_splice(source.text, [(at, at, f", {literal}")], source.language, source.path)
    style = detect(source.text, source.language)
    indent = source.indent_at(array.start_byte)
    entries = [source.text_of(i) for i in items] + [literal]
    comma = "," if style.trailing_commas else ""
    body = f",{nl}".join(f"{indent}{style.indent}{e}" for e in entries)
    new = f"{source.text_of(array)[0]}{nl}{body}{comma}{nl}{indent}{source.text_of(array)[-1]}"
    edit = (array.start_byte, array.end_byte, new)
    return checked_splice(source.text, [edit], source.language, source.path)


def _include(source: Source, match: Matcher, endpoint: str, needs: str) -> Verdict:
    """The route added to a matcher that skips it (Clerk must run there)."""
    value = match.value
    reason = f"add {endpoint} to its config.matcher ({needs})"
    if value is not None and match.literal and value.type == "array":
        return Verdict("edit", reason, _append(source, value, endpoint))
    if value is not None and match.literal:
        new = f"[{source.text_of(value)}, {_entry(source, value, endpoint)}]"
        text = checked_splice(
            source.text, [(value.start_byte, value.end_byte, new)], source.language, source.path
        )
        return Verdict("edit", reason, text)
    return Verdict(
        "manual", f'its config.matcher skips {endpoint} ({needs}): add "{endpoint}" to it'
    )


def _public(source: Source, array: Node, endpoint: str) -> Verdict:
    reason = (
        f"add {endpoint} to its public routes: the route answers anonymous visitors itself "
        "(401), and auth.protect() would turn them away first"
    )
    return Verdict("edit", reason, _append(source, array, endpoint))


def _exclude(source: Source, match: Matcher, endpoint: str) -> Verdict:
    """The route taken out of the matcher next-intl runs under."""
    manual = Verdict(
        "manual",
        f"next-intl's middleware handles {endpoint} and redirects it to a locale path (404): "
        f"exclude it from config.matcher, e.g. '/((?!{endpoint[1:]}$|_next|_vercel|.*\\\\..*).*)'",
    )
    if not _SAFE_PATH.match(endpoint):
        return manual
    if match.value is None:
        return manual if config_object(source) is not None else _add_config(source, endpoint)
    covering = [(p, n) for p, n in match.patterns if pattern_matches(p, endpoint) is not False]
    if not match.literal or not covering:
        return manual
    edits = []
    for pattern, node in covering:
        raw = source.text_of(node)
        at = raw.find(_LOOKAHEAD)
        if not pattern.startswith(_LOOKAHEAD) or at != 1:
            return manual
        start = node.start_byte + len(raw[:at].encode("utf-8")) + len(_LOOKAHEAD)
        edits.append((start, start, f"{endpoint[1:]}$|"))
    text = checked_splice(source.text, edits, source.language, source.path)
    reason = (
        f"exclude {endpoint} from its config.matcher: next-intl's middleware would redirect it "
        "to a locale path (404)"
    )
    return Verdict("edit", reason, text)


def _add_config(source: Source, endpoint: str) -> Verdict:
    """A matcher-less middleware (every path) gets one that covers every path but the route."""
    style = detect(source.text, source.language)
    nl = "\r\n" if "\r\n" in source.text else "\n"
    pattern = style.string(f"/((?!{endpoint[1:]}$).*)")
    comma = "," if style.trailing_commas else ""
    block = (
        f"{nl}export const config = {{{nl}"
        f"{style.indent}// every path but the widget-token route, which next-intl would send to a "
        f"locale path{nl}{style.indent}matcher: [{pattern}]{comma}{nl}}}{style.semi}{nl}"
    )
    end = len(source.data)
    if not source.text.endswith(nl):
        block = nl + block
    text = checked_splice(source.text, [(end, end, block)], source.language, source.path)
    reason = (
        f"add a config.matcher that leaves out {endpoint}: next-intl's middleware would redirect "
        "it to a locale path (404)"
    )
    return Verdict("edit", reason, text)


# -- Clerk's handler composing next-intl ----------------------------------------------------------

_IDENTIFIER = re.compile(r"^[A-Za-z_$][\w$]*$")
MATCHER = "isWidgetTokenRoute"
SKIP_WHY = "The widget-token route answers signed-out visitors itself (401) and has no locale."


def _skip_intl(source: Source, reader: Reader, flow: Flow, endpoint: str) -> Verdict:
    """next-intl called inside Clerk's handler (or authMiddleware()'s `beforeAuth`): the
    handler returns first on the route (Clerk's auth is on the request by then, or runs next),
    with a route matcher where the module makes its matchers with `createRouteMatcher`, else a
    comparison of the path."""
    handler, at = flow.intl_handler, flow.intl_request
    assert handler is not None
    params = handler.child_by_field_name("parameters")
    single = handler.child_by_field_name("parameter")  # `req => ...`
    named = [p for p in params.named_children if p.type != "comment"] if params else [single]
    request = source.text_of(named[at]).split(":")[0].strip() if len(named) > at else ""
    body = handler.child_by_field_name("body")
    manual = Verdict(
        "manual",
        f"next-intl's middleware runs on {endpoint} inside {reader.factory}()'s handler and "
        "redirects it to a locale path (404): make the handler return first for that path "
        f'(`if ({request or "req"}.nextUrl.pathname === "{endpoint}") return;`)',
    )
    if not _IDENTIFIER.match(request) or body is None:
        return manual
    style = detect(source.text, source.language)
    nl = "\r\n" if "\r\n" in source.text else "\n"
    literal = style.string(endpoint)
    edits: list[tuple[int, int, str]] = []
    made = _last_route_matcher(source, reader)
    if made is not None and MATCHER not in reader.local:
        factory, after = made
        declaration = f"{nl}{nl}const {MATCHER} = {factory}([{literal}]){style.semi}"
        edits.append((after.end_byte, after.end_byte, declaration))
        test = f"{MATCHER}({request})"
    else:
        test = f"{request}.nextUrl.pathname === {literal}"

    def guard(indent: str) -> str:
        return f"// {SKIP_WHY}{nl}{indent}if ({test}) return{style.semi}"

    if body.type == "statement_block":
        first = next(iter(body.named_children), None)
        if first is None or not source.only_whitespace_before(first.start_byte):
            return manual
        indent = source.indent_at(first.start_byte)
        edits.append((first.start_byte, first.start_byte, f"{guard(indent)}{nl}{nl}{indent}"))
    else:  # `(auth, req) => handleI18nRouting(req)`: the body becomes a block
        base = source.indent_at(handler.start_byte)
        inner = base + style.indent
        value = source.text_of(body).replace(nl, nl + style.indent)
        block = f"{{{nl}{inner}{guard(inner)}{nl}{inner}return {value}{style.semi}{nl}{base}}}"
        edits.append((body.start_byte, body.end_byte, block))
    text = checked_splice(source.text, sorted(edits), source.language, source.path)
    where, then = (
        ("handler", "Clerk's auth is on the request by then")
        if at
        else ("beforeAuth", "authMiddleware() runs on as usual")
    )
    reason = (
        f"return from {reader.factory}()'s {where} on {endpoint} before next-intl runs "
        f"({then}): next-intl would redirect the route to a locale path (404)"
    )
    return Verdict("edit", reason, text)


def _last_route_matcher(source: Source, reader: Reader) -> tuple[str, Node] | None:
    """The module's `createRouteMatcher` (its local name) and the last top-level statement
    declaring a matcher with it (`const isPublicRoute = createRouteMatcher([...])`)."""
    found = None
    for stmt in top_level(source):
        declaration = stmt.child_by_field_name("declaration") or stmt
        if declaration.type != "lexical_declaration":
            continue
        for declarator in declaration.named_children:
            value = declarator.child_by_field_name("value")
            if value is not None and value.type == "call_expression":
                factory = source.text_of(value.child_by_field_name("function"))
                if factory in reader.route_matchers:
                    found = (factory, stmt)
    return found


# -- v4 / v5's authMiddleware() -------------------------------------------------------------------


def _auth_middleware(
    source: Source, call: Node, endpoint: str, reader: Reader, needs: str
) -> Verdict:
    """`authMiddleware()` (v4, deprecated in v5, gone in v6) answers signed-out requests to
    every route but its `publicRoutes` itself (an empty 401 for API routes) and does not run on
    its `ignoredRoutes` (Clerk's helpers throw there): the route must be one of the first and
    none of the second (https://clerk.com/docs/references/nextjs/auth-middleware)."""
    where = source.path
    args = call_arguments(call)
    options = args[0] if args else None
    if options is not None and options.type == "identifier":
        options = reader.local.get(source.text_of(options))
    unknown = Verdict(
        "through",
        warning=f"{where}: could not read authMiddleware()'s options: {endpoint} must be one of "
        "its publicRoutes (the route answers signed-out visitors itself) and none of its "
        f"ignoredRoutes ({needs})",
    )
    quoted = next((n for n in walk(options) if n.type == "string"), None) if options else None
    literal = _entry(source, quoted or call, endpoint)  # in the quotes of the options' strings
    reason = (
        f"add {endpoint} to authMiddleware()'s publicRoutes: the route answers signed-out "
        'visitors itself (401 {"token": null}, no-store), where authMiddleware() would answer '
        "them with its own empty 401"
    )
    if options is None and not args:  # authMiddleware()
        arguments = call.child_by_field_name("arguments")
        assert arguments is not None
        at = arguments.end_byte - 1
        insert = f"{{ publicRoutes: [{literal}] }}"
        text = checked_splice(source.text, [(at, at, insert)], source.language, source.path)
        return Verdict("edit", reason, text)
    keys = _keys(source, options) if options is not None and options.type == "object" else None
    if options is None or keys is None:
        return unknown
    ignored = property_value(source, options, "ignoredRoutes")
    if "ignoredRoutes" in keys and ignored is None:
        return unknown
    covered = routes_match(source, ignored, endpoint) if ignored is not None else False
    if covered:
        return Verdict(
            "manual",
            f"authMiddleware()'s ignoredRoutes cover {endpoint}, so it does not run there "
            f"({needs}): take the route out of ignoredRoutes",
        )
    public = property_value(source, options, "publicRoutes")
    hit = routes_match(source, public, endpoint) if public is not None else False
    if covered is None or hit is None or ("publicRoutes" in keys and public is None):
        return unknown
    if hit:
        if "afterAuth" not in keys:
            return Verdict("through")
        return Verdict(
            "through",
            warning=f"{where}: its afterAuth runs on {endpoint}: it must let signed-out visitors "
            "of public routes through (`auth.isPublicRoute`) to the route's own 401",
        )
    if public is None:
        text = _append_item(source, options, f"publicRoutes: [{literal}]")
    elif public.type == "array":
        text = _append(source, public, endpoint)
    else:
        new = f"[{source.text_of(public)}, {literal}]"
        edit = (public.start_byte, public.end_byte, new)
        text = checked_splice(source.text, [edit], source.language, source.path)
    return Verdict("edit", reason, text)


def _keys(source: Source, obj: Node) -> set[str] | None:
    """The property names of an object literal (pairs, methods, shorthands); None when it
    spreads another object (whose keys cannot be told)."""
    keys = set()
    for child in obj.named_children:
        if child.type == "spread_element":
            return None
        if child.type in ("pair", "method_definition"):
            key = child.child_by_field_name("key") or child.child_by_field_name("name")
            keys.add(source.text_of(key).strip("'\""))
        elif child.type == "shorthand_property_identifier":
            keys.add(source.text_of(child))
    return keys
