"""Whether a project helper has the type the generated code assumes, read from its body:

- a Supabase "server client" helper must return the client it creates (a helper that calls
  `createServerClient` and returns a profile row is not one);
- the project's own current-user helper (`getCurrentUser()` in lib/session) is what the route
  calls when it returns the provider's user (`session?.user`); one that throws or redirects for
  anonymous visitors is called behind a guard;
- Auth.js's `basePath`, which a `<SessionProvider>` the component brings must repeat.

Pure: syntax trees in, facts out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from tree_sitter import Node

from scaffolder.js.imports import find_imports
from scaffolder.js.syntax import (
    FUNCTION_TYPES,
    Source,
    call_arguments,
    callee_name,
    declarations,
    exports,
    string_value,
)
from scaffolder.js.tsconfig import resolve
from scaffolder.project import Project
from scaffolder.stacks.nextjs.detect import NextApp
from scaffolder.treesitter import walk

_WRAPPERS = (
    "satisfies_expression",
    "as_expression",
    "parenthesized_expression",
    "await_expression",
)
_THROWS = ("redirect", "notFound", "unauthorized", "forbidden", "permanentRedirect")
_PATH = re.compile(r"^/[\w/-]*$")
V4_MODULES = {"next-auth", "next-auth/next"}
V4_SESSION = {"getServerSession", "unstable_getServerSession"}


@dataclass(frozen=True)
class CurrentUser:
    """The project's own current-user helper: `await name()` gives the signed-in user."""

    path: str
    name: str
    line: int
    throws: bool = False
    """It throws (or redirects) for anonymous visitors: the route catches that as no user."""


def _unwrap(node: Node | None) -> Node | None:
    while node is not None and node.type in _WRAPPERS:
        node = node.named_children[0] if node.named_children else None
    return node


def _function(node: Node | None) -> Node | None:
    """The function an export gives: itself, or the one wrapped in `cache(async () => ...)`."""
    value = _unwrap(node)
    if value is None:
        return None
    if value.type in FUNCTION_TYPES:
        return value
    if value.type == "call_expression":
        args = call_arguments(value)
        if len(args) == 1 and args[0].type in FUNCTION_TYPES:
            return args[0]
    return None


def _returns(fn: Node) -> Iterator[Node | None]:
    """The values `fn` returns (None for a bare `return`), its own returns only."""
    body = fn.child_by_field_name("body")
    if body is None:
        return
    if body.type != "statement_block":
        yield body
        return
    stack = list(body.named_children)
    while stack:
        node = stack.pop()
        if node.type in FUNCTION_TYPES:
            continue
        if node.type == "return_statement":
            yield node.named_children[0] if node.named_children else None
            continue
        stack.extend(node.named_children)


def _bound(source: Source, fn: Node) -> dict[str, Node]:
    """Variables declared in `fn` (`const x = ...`) -> their initializer."""
    out: dict[str, Node] = {}
    for node in walk(fn):
        if node.type == "variable_declarator":
            name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
            if name is not None and value is not None and name.type == "identifier":
                out[source.text_of(name)] = value
    return out


def _is_call(source: Source, node: Node | None, callees: set[str]) -> bool:
    node = _unwrap(node)
    return (
        node is not None
        and node.type == "call_expression"
        and (callee_name(source, node) in callees)
    )


def returns_call(source: Source, name: str, callee: str) -> bool:
    """Whether the export `name` returns what `callee(...)` gives (directly or through a
    variable), and nothing else: a client factory, not a helper that reads a row with it."""
    node = exports(source).get(name)
    fn = _function(node)
    if fn is None:
        return False
    bound = _bound(source, fn)
    values = list(_returns(fn))
    if not values:
        return False
    for value in values:
        value = _unwrap(value)
        if value is not None and value.type == "identifier":
            value = bound.get(source.text_of(value), value)
        if not _is_call(source, value, {callee}):
            return False
    return True


def current_user(source: Source, session: set[str]) -> list[CurrentUser]:
    """Exported helpers of `source` that return the provider's user: they call one of
    `session` (the local names of `auth` / `getServerSession`) and return `<session>.user`
    (or nothing, `null`, `undefined` for anonymous visitors, or throw / redirect then)."""
    out = []
    for name, node in exports(source).items():
        fn = _function(node)
        if fn is None:
            continue
        bound = _bound(source, fn)
        sessions = {v for v, init in bound.items() if _is_call(source, init, session)}
        if not sessions:
            continue
        users = {f"{s}.user" for s in sessions}
        values = list(_returns(fn))
        returned = [
            source.text_of(v).replace("?.", ".").replace(" ", "") for v in values if v is not None
        ]
        if not returned or not all(r in users | {"null", "undefined"} for r in returned):
            continue
        if not any(r in users for r in returned):
            continue
        throws = any(n.type == "throw_statement" for n in walk(fn)) or any(
            n.type == "call_expression" and callee_name(source, n) in _THROWS for n in walk(fn)
        )
        out.append(CurrentUser(source.path, name, source.line(fn), throws))
    return out


def local_names(source: Source, module_names: set[str], names: set[str]) -> set[str]:
    """The local names `source` binds to `names` imported from one of `module_names`."""
    out: set[str] = set()
    for imp in find_imports(source):
        if imp.source in module_names:
            out.update(loc for name, loc in imp.names if name in names)
    return out


def auth_base_path(source: Source, call: Node) -> str | None:
    """`basePath` of the config passed to `NextAuth(...)` (a literal path), when set."""
    args = call_arguments(call)
    config = _unwrap(args[0]) if args else None
    if config is not None and config.type == "identifier":
        config = _unwrap(declarations(source).get(source.text_of(config)))
    if config is None or config.type != "object":
        return None
    for pair in config.named_children:
        if pair.type == "pair" and source.text_of(pair.child_by_field_name("key")) == "basePath":
            value = string_value(source, pair.child_by_field_name("value"))
            return value if value is not None and _PATH.match(value) else None
    return None


def find_current_user(
    project: Project, app: NextApp, sources: list[Source], auth: str | None, version: int | None
) -> CurrentUser | None:
    """The project's current-user helper over next-auth (App Router only: it takes no
    request), one that answers anonymous visitors without throwing first; `auth`: the module
    exporting Auth.js v5's `auth`."""
    if app.router != "app":
        return None
    found: list[CurrentUser] = []
    for source in sources:
        if version == 5 and auth is not None:
            names = {
                loc
                for imp in find_imports(source)
                for name, loc in imp.names
                if name == "auth" and resolve(project, app.config, source.path, imp.source) == auth
            }
        else:
            names = local_names(source, V4_MODULES, V4_SESSION)
        if names:
            found += current_user(source, names)
    found.sort(key=lambda h: (h.throws, h.name != "getCurrentUser", h.path))
    return found[0] if found else None


def session_callback_id(source: Source) -> Node | None:
    """The app's own next-auth `callbacks.session` when it puts the user's id on the session
    (`session.user.id = token.sub`, or a returned `user: { ...session.user, id: token.sub }`)."""
    for node in walk(source.root):
        if node.type != "pair" or _key(source, node) != "callbacks":
            continue
        value = node.child_by_field_name("value")
        for member in value.named_children if value is not None and value.type == "object" else []:
            if _key(source, member) != "session":
                continue
            fn = (
                member
                if member.type == "method_definition"
                else member.child_by_field_name("value")
            )
            body = fn.child_by_field_name("body") if fn is not None else None
            if body is not None and _sets_user_id(source, body):
                return member
    return None


def _key(source: Source, member: Node) -> str:
    key = member.child_by_field_name("key") or member.child_by_field_name("name")
    return source.text_of(key).strip("'\"")


def _sets_user_id(source: Source, body: Node) -> bool:
    for node in walk(body):
        if node.type == "assignment_expression":
            left = source.text_of(node.child_by_field_name("left")).replace("?.", ".")
            if left.replace(" ", "").endswith(".user.id"):
                return True
        if node.type == "pair" and _key(source, node) == "user":
            user = node.child_by_field_name("value")
            if (
                user is not None
                and user.type == "object"
                and any(
                    (m.type == "pair" and _key(source, m) == "id")
                    or (m.type == "shorthand_property_identifier" and source.text_of(m) == "id")
                    for m in user.named_children
                )
            ):
                return True
    return False
