"""What a Next.js middleware (`middleware.ts` / `proxy.ts`) runs on a request path, read
statically: its `config.matcher` (path-to-regexp patterns, as Next.js compiles them), whether
Clerk's middleware and next-intl's run there, and whether Clerk's `auth.protect()` does. Early
returns and `if` conditions on the path (`pathname.startsWith("/api")`, `=== "/x"`,
`[...].includes(pathname)`, a regex `.test(pathname)`, a `createRouteMatcher([...])` matcher)
are read three-valued: true, false, or cannot tell (None).

Pure: a syntax tree in, facts out (`reach` decides what to do with them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tree_sitter import Node

from scaffolder.js.imports import find_imports
from scaffolder.js.syntax import (
    FUNCTION_TYPES,
    Source,
    call_arguments,
    declarations,
    string_value,
    top_level,
)
from scaffolder.treesitter import walk

Tri = bool | None
"""True, False, or None: cannot tell."""
CLERK = ("@clerk/nextjs/server", "@clerk/nextjs")
CLERK_FACTORIES = ("clerkMiddleware", "authMiddleware", "withClerkMiddleware")
INTL = "next-intl/middleware"


def and_(a: Tri, b: Tri) -> Tri:
    if a is False or b is False:
        return False
    return True if a and b else None


def _or(a: Tri, b: Tri) -> Tri:
    if a or b:
        return True
    return False if a is False and b is False else None


def _not(a: Tri) -> Tri:
    return None if a is None else not a


# -- the matcher --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Matcher:
    """`config.matcher`: its value node (None: no matcher, every path) and its patterns
    (`literal`: every entry is a string, or an object whose `source` is one)."""

    value: Node | None
    patterns: tuple[tuple[str, Node], ...] = ()
    literal: bool = True

    def covers(self, path: str) -> Tri:
        if self.value is None:
            return True
        hit: Tri = False
        for pattern, _node in self.patterns:
            hit = _or(hit, pattern_matches(pattern, path))
        return hit if self.literal or hit else None


def pattern_matches(pattern: str, path: str) -> Tri:
    """A Next.js / Clerk route pattern (path-to-regexp: `/:path*`, `(.*)` groups, regular
    expressions) against a path."""
    regex = re.sub(r"/:\w+\*", "(?:/.*)?", pattern)
    regex = re.sub(r"/:\w+\+", "/.+", regex)
    regex = re.sub(r"/:\w+\?", "(?:/[^/]+)?", regex)
    regex = re.sub(r"/:\w+", "/[^/]+", regex)
    try:
        return re.fullmatch(regex, path) is not None
    except re.error:
        return None


def _strings(source: Source, node: Node) -> list[tuple[str, Node]] | None:
    """The string entries of a pattern list (a string or an array of them); None when one is
    not a literal."""
    items = node.named_children if node.type == "array" else [node]
    out = []
    for item in items:
        if item.type == "comment":
            continue
        if item.type == "object":  # { source: "...", has: [...] }
            item = property_value(source, item, "source") or item
        raw = string_value(source, item)
        if raw is None:
            return None
        out.append((raw.replace("\\\\", "\\"), item))
    return out


def routes_match(source: Source, node: Node, path: str) -> Tri:
    """Whether `authMiddleware()`'s `publicRoutes` / `ignoredRoutes` (a pattern, a RegExp, or
    an array of them) cover `path`; None when an entry is neither (a function, a variable)."""
    items = node.named_children if node.type == "array" else [node]
    hit: Tri = False
    for item in items:
        if item.type == "comment":
            continue
        if item.type == "regex":
            pattern = source.text_of(item.child_by_field_name("pattern"))
            flags = source.text_of(item.child_by_field_name("flags"))
            try:
                found = re.search(pattern, path, re.I if "i" in flags else 0) is not None
            except re.error:
                return None
            hit = _or(hit, found)
            continue
        raw = string_value(source, item)
        if raw is None:
            return None
        hit = _or(hit, pattern_matches(raw.replace("\\\\", "\\"), path))
    return hit


def property_value(source: Source, obj: Node, key: str) -> Node | None:
    """The value of `key: ...` in an object literal, or None."""
    for pair in obj.named_children:
        if (
            pair.type == "pair"
            and source.text_of(pair.child_by_field_name("key")).strip("'\"") == key
        ):
            return pair.child_by_field_name("value")
    return None


def _member(source: Source, obj: Node, key: str) -> Node | None:
    """`key`'s value in an object literal, a method (`key(req) {...}`) included."""
    for child in obj.named_children:
        name = child.child_by_field_name("name") if child.type == "method_definition" else None
        if name is not None and source.text_of(name) == key:
            return child
    return property_value(source, obj, key)


def config_object(source: Source) -> Node | None:
    """The object of `export const config = {...}`."""
    for stmt in top_level(source):
        if stmt.type != "export_statement":
            continue
        decl = stmt.child_by_field_name("declaration")
        for declarator in decl.named_children if decl is not None else []:
            name = declarator.child_by_field_name("name")
            value = declarator.child_by_field_name("value")
            if source.text_of(name) == "config" and value is not None:
                while value.type in ("satisfies_expression", "as_expression"):
                    value = value.named_children[0]
                return value if value.type == "object" else None
    return None


def matcher(source: Source) -> Matcher:
    config = config_object(source)
    value = property_value(source, config, "matcher") if config is not None else None
    if value is None:
        return Matcher(None)
    found = _strings(source, value)
    if found is None:
        return Matcher(value, (), literal=False)
    return Matcher(value, tuple(found))


# -- what the middleware runs -------------------------------------------------------------------


@dataclass
class Flow:
    """What runs on the route's path once the middleware is called."""

    clerk: Tri = False
    intl: Tri = False
    intl_inside_clerk: bool = False
    protect: Tri = False
    public_matchers: list[Node] = field(default_factory=list)
    """The arrays of the public-route matchers whose negation guards a protect() that runs."""
    clerk_call: Node | None = None
    """The Clerk factory call that may run on the path (`authMiddleware({...})`)."""
    intl_handler: Node | None = None
    """The Clerk handler (`clerkMiddleware((auth, req) => ...)`, or `authMiddleware()`'s
    `beforeAuth`) that may run next-intl."""
    intl_request: int = 1
    """Which parameter of that handler is the request: 1 in `(auth, req)`, 0 in
    `beforeAuth(req)`."""


class Reader:
    """The middleware module: who is Clerk, who is next-intl, which route matchers exist."""

    def __init__(self, source: Source, path: str) -> None:
        self.source, self.path = source, path
        self.local = declarations(source)
        self.clerk_factories: set[str] = set()
        self.auth_middleware: set[str] = set()
        """The local names of v4 / v5's `authMiddleware` (protects every route but its
        `publicRoutes`)."""
        self.intl_factories: set[str] = set()
        self.route_matchers: set[str] = set()
        for imp in find_imports(source):
            if imp.source in CLERK:
                self.clerk_factories.update(
                    loc for name, loc in imp.names if name in CLERK_FACTORIES
                )
                self.auth_middleware.update(
                    loc for name, loc in imp.names if name == "authMiddleware"
                )
                self.route_matchers.update(
                    loc for name, loc in imp.names if name == "createRouteMatcher"
                )
            elif imp.source == INTL and imp.default:
                self.intl_factories.add(imp.default)
        self.flow = Flow()
        self.request = "req"
        """The request parameter's name in the Clerk handler (for the snippets)."""
        self._handler: Node | None = None
        """The Clerk handler being read, and which of its parameters is the request."""
        self._request_at = 1
        called = [
            source.text_of(n.child_by_field_name("function"))
            for n in walk(source.root)
            if n.type == "call_expression"
        ]
        self.factory = next((c for c in called if c in self.clerk_factories), "")
        """The Clerk middleware the module calls (`clerkMiddleware`), or ""."""

    # names bound at the top level to a factory's result
    def _made_by(self, name: str, factories: set[str]) -> Node | None:
        node = self.local.get(name)
        if node is not None and node.type == "call_expression":
            fn = node.child_by_field_name("function")
            if self.source.text_of(fn) in factories:
                return node
        return None

    def entry(self) -> Node | None:
        """The exported middleware: the default export, or `middleware` / `proxy`."""
        for stmt in top_level(self.source):
            if stmt.type != "export_statement":
                continue
            decl = stmt.child_by_field_name("declaration")
            value = stmt.child_by_field_name("value")
            if any(c.type == "default" for c in stmt.children):
                node = decl if decl is not None else value
                if node is not None and node.type == "identifier":
                    node = self.local.get(self.source.text_of(node), node)
                return node
            for name in ("middleware", "proxy"):
                if decl is not None and name in self.local and self._declares(decl, name):
                    return self.local[name]
        return None

    def _declares(self, decl: Node, name: str) -> bool:
        named = decl.child_by_field_name("name")
        if named is not None:
            return self.source.text_of(named) == name
        return any(
            self.source.text_of(d.child_by_field_name("name")) == name
            for d in decl.named_children
            if d.type == "variable_declarator"
        )

    def run(self, node: Node, reached: Tri, *, in_clerk: bool = False) -> None:
        """Record what `node` (the exported value) runs when it is called on the path."""
        if node.type == "call_expression":
            fn = self.source.text_of(node.child_by_field_name("function"))
            if fn in self.clerk_factories:
                self._clerk(node, reached)
                return
            if fn in self.intl_factories:
                self._intl(reached, in_clerk)
                return
        if node.type in FUNCTION_TYPES or node.type == "method_definition":
            body = node.child_by_field_name("body")
            if body is None:
                return
            if body.type == "statement_block":
                self._block(body.named_children, reached, in_clerk)
            else:
                self._calls(body, reached, in_clerk)

    def _clerk(self, call: Node, reached: Tri) -> None:
        self.flow.clerk = _or(self.flow.clerk, reached)
        if reached is not False and self.flow.clerk_call is None:
            self.flow.clerk_call = call
        args = call_arguments(call)
        handler = args[0] if args else None
        if handler is not None and handler.type == "identifier":
            handler = self.local.get(self.source.text_of(handler), handler)
        if handler is not None and handler.type in FUNCTION_TYPES:
            params = handler.child_by_field_name("parameters")
            named = [p for p in params.named_children if p.type != "comment"] if params else []
            if len(named) > 1:
                self.request = self.source.text_of(named[1]).split(":")[0].strip()
            self._in_handler(handler, 1, reached)
        elif handler is not None and handler.type == "object":
            # authMiddleware({ beforeAuth: (req) => intlMiddleware(req), ... }): it runs first
            before = _member(self.source, handler, "beforeAuth")
            if before is not None and before.type == "identifier":
                before = self.local.get(self.source.text_of(before), before)
            if before is not None and before.type in (*FUNCTION_TYPES, "method_definition"):
                self._in_handler(before, 0, reached)

    def _in_handler(self, handler: Node, request_at: int, reached: Tri) -> None:
        outer = self._handler, self._request_at
        self._handler, self._request_at = handler, request_at
        self.run(handler, reached, in_clerk=True)
        self._handler, self._request_at = outer

    def _intl(self, reached: Tri, in_clerk: bool) -> None:
        self.flow.intl = _or(self.flow.intl, reached)
        inside = in_clerk and reached is not False
        self.flow.intl_inside_clerk = self.flow.intl_inside_clerk or inside
        if inside and self.flow.intl_handler is None:
            self.flow.intl_handler, self.flow.intl_request = self._handler, self._request_at

    def _block(self, statements: list[Node], reached: Tri, in_clerk: bool) -> Tri:
        """Walk statements in order; returns whether the end is reached."""
        for stmt in statements:
            if reached is False:
                break
            if stmt.type == "comment":
                continue
            if stmt.type == "if_statement":
                cond = self.test(stmt.child_by_field_name("condition"))
                then = stmt.child_by_field_name("consequence")
                other = stmt.child_by_field_name("alternative")
                after_then = self._branch(then, and_(reached, cond), in_clerk)
                other_body = other.named_children[-1] if other is not None else None
                after_else = (
                    self._branch(other_body, and_(reached, _not(cond)), in_clerk)
                    if other_body is not None
                    else and_(reached, _not(cond))
                )
                reached = _or(after_then, after_else)
            elif stmt.type == "statement_block":
                reached = self._block(stmt.named_children, reached, in_clerk)
            elif stmt.type == "try_statement":
                body = stmt.child_by_field_name("body")
                if body is not None:
                    reached = self._block(body.named_children, reached, in_clerk)
            else:
                self._calls(stmt, reached, in_clerk)
                if stmt.type in ("return_statement", "throw_statement"):
                    reached = False
        return reached

    def _branch(self, node: Node | None, reached: Tri, in_clerk: bool) -> Tri:
        if node is None:
            return reached
        guard = self._negated_matcher(node.parent) if node.parent is not None else None
        before = self.flow.protect
        statements = node.named_children if node.type == "statement_block" else [node]
        after = self._block(statements, reached, in_clerk)
        if guard is not None and self.flow.protect and not before:
            self.flow.public_matchers.append(guard)
        return after

    def _negated_matcher(self, if_stmt: Node) -> Node | None:
        """`if (!isPublicRoute(req))`: the array `isPublicRoute` was made from."""
        if if_stmt.type != "if_statement":
            return None
        cond = _unwrap(if_stmt.child_by_field_name("condition"))
        if cond is None or cond.type != "unary_expression" or _operator(cond) != "!":
            return None
        inner = _unwrap(cond.child_by_field_name("argument"))
        if inner is None or inner.type != "call_expression":
            return None
        made = self._made_by(
            self.source.text_of(inner.child_by_field_name("function")), self.route_matchers
        )
        args = call_arguments(made) if made is not None else []
        return args[0] if args and args[0].type == "array" else None

    def _calls(self, node: Node, reached: Tri, in_clerk: bool) -> None:
        """The calls `node` makes (not those of functions it only defines)."""
        if node.type in FUNCTION_TYPES:
            return
        if node.type == "call_expression" and self._call(node, reached, in_clerk):
            return
        for child in node.children:
            self._calls(child, reached, in_clerk)

    def _call(self, call: Node, reached: Tri, in_clerk: bool) -> bool:
        """Record a call to Clerk, next-intl or protect(); True when it was one of them."""
        fn = call.child_by_field_name("function")
        if fn is None:
            return False
        text = self.source.text_of(fn)
        factories = self.clerk_factories | self.intl_factories
        if text in factories:
            self.run(call, reached, in_clerk=in_clerk)
        elif (
            fn.type == "call_expression"
            and self.source.text_of(fn.child_by_field_name("function")) in factories
        ):
            # clerkMiddleware(...)(req, event) / createMiddleware(routing)(req)
            self.run(fn, reached, in_clerk=in_clerk)
        elif (made := self._made_by(text, self.clerk_factories)) is not None:
            self._clerk(made, reached)
        elif self._made_by(text, self.intl_factories) is not None:
            self._intl(reached, in_clerk)
        elif in_clerk and text.replace(" ", "").endswith(".protect"):
            self.flow.protect = _or(self.flow.protect, reached)
        else:
            return False
        return True

    # -- conditions ---------------------------------------------------------------------------

    def test(self, node: Node | None) -> Tri:
        """A condition's value on the route's path (None: cannot tell)."""
        node = _unwrap(node)
        if node is None:
            return None
        source = self.source
        if node.type == "unary_expression" and _operator(node) == "!":
            return _not(self.test(node.child_by_field_name("argument")))
        if node.type == "binary_expression":
            op = _operator(node)
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if op == "&&":
                return and_(self.test(left), self.test(right))
            if op == "||":
                return _or(self.test(left), self.test(right))
            if op in ("===", "==", "!==", "!="):
                literal = string_value(source, right) if self._is_path(left) else None
                if literal is None and self._is_path(right):
                    literal = string_value(source, left)
                if literal is None:
                    return None
                same = literal == self.path
                return same if op in ("===", "==") else not same
            return None
        if node.type == "call_expression":
            return self._test_call(node)
        return None

    def _test_call(self, call: Node) -> Tri:
        source = self.source
        fn = call.child_by_field_name("function")
        args = call_arguments(call)
        if fn is None:
            return None
        if fn.type == "member_expression":
            obj = fn.child_by_field_name("object")
            method = source.text_of(fn.child_by_field_name("property"))
            literal = string_value(source, args[0]) if args else None
            if self._is_path(obj) and literal is not None:
                if method == "startsWith":
                    return self.path.startswith(literal)
                if method == "endsWith":
                    return self.path.endswith(literal)
                if method == "includes":
                    return literal in self.path
                return None
            if method == "includes" and obj is not None and obj.type == "array" and args:
                if not self._is_path(args[0]):
                    return None
                values = _strings(source, obj)
                return None if values is None else self.path in {v for v, _ in values}
            if method == "test" and obj is not None and obj.type == "regex" and args:
                if not self._is_path(args[0]):
                    return None
                pattern = source.text_of(obj.child_by_field_name("pattern"))
                try:
                    return re.search(pattern, self.path) is not None
                except re.error:
                    return None
            return None
        made = self._made_by(source.text_of(fn), self.route_matchers)
        if made is not None:
            patterns = call_arguments(made)
            values = _strings(source, patterns[0]) if patterns else None
            if values is None:
                return None
            hit: Tri = False
            for pattern, _node in values:
                hit = _or(hit, pattern_matches(pattern, self.path))
            return hit
        return None

    def _is_path(self, node: Node | None) -> bool:
        text = self.source.text_of(node).replace("?.", ".").replace(" ", "")
        return text == "pathname" or text.endswith(".pathname")


def _unwrap(node: Node | None) -> Node | None:
    while node is not None and node.type == "parenthesized_expression":
        node = node.named_children[0] if node.named_children else None
    return node


def _operator(node: Node) -> str:
    op = node.child_by_field_name("operator")
    return op.type if op is not None else ""
