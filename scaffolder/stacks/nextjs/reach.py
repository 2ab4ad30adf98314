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
  gets it as one more public route (`createRouteMatcher([...])`), the project's own style.

What cannot be edited safely (a wrapper that returns before Clerk runs, next-intl composed
inside `clerkMiddleware`, a matcher built in code) is refused with the snippet to paste.
What the middleware runs is read by `middleware`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from tree_sitter import Node

from scaffolder.js.style import detect
from scaffolder.js.syntax import Source, checked_splice
from scaffolder.stacks.nextjs.middleware import (
    Matcher,
    Reader,
    and_,
    config_object,
    matcher,
    pattern_matches,
)

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
            place = "its handler" if flow.intl_inside_clerk else "the middleware"
            return Verdict(
                "manual",
                f"next-intl's middleware runs on {endpoint} and redirects it to a locale path "
                f"(404), while {reader.factory}() must still run there: make {place} return "
                f"before next-intl for that path (`if ({reader.request}.nextUrl.pathname === "
                f'"{endpoint}") return;`)',
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
    """`array` (of strings) with `endpoint` as its last entry, laid out like the others: a
    line of its own in a multi-line array; a one-line array that grows past Prettier's width
    gets one entry per line, as Prettier prints it."""
    items = [c for c in array.named_children if c.type != "comment"]
    nl = "\r\n" if "\r\n" in source.text else "\n"
    literal = _entry(source, items[-1] if items else array, endpoint)
    close = array.end_byte - 1
    if not items:
        return checked_splice(source.text, [(close, close, literal)], source.language, source.path)
    last = items[-1]
    between = source.data[last.end_byte : close].decode("utf-8")
    trailing = between.lstrip().startswith(",")
    if source.only_whitespace_before(last.start_byte):
        indent = source.indent_at(last.start_byte)
        insert = f"{nl}{indent}{literal}" + ("," if trailing else "")
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
    new = f"[{nl}{body}{comma}{nl}{indent}]"
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
