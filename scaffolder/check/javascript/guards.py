"""Who gets a token: the mint must be reachable only for a signed-in user (a condition on the
user or session around it, an early return for anonymous visitors, a call that throws for them,
route middleware that requires sign-in), never for Supabase / Firebase anonymous users, and the
Supabase user must come from `getUser()`, not `getSession()`.

Reachability is followed from the mint up through the functions that call it to an entry: a
Next.js route handler, page or server action, an Express route or middleware. A function no
call reaches and no framework calls is "cannot tell", never a finding.

A condition guards when it checks the object the token's email is read from, or a value it was
loaded from (`if (!req.neighbour) return next()` before `req.neighbour.email`), whatever it is
called; a condition on a name that looks like a user's or a session's guards too.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from tree_sitter import Node

from scaffolder.check.javascript import reads, routes
from scaffolder.check.javascript.context import Context
from scaffolder.check.javascript.mints import Mint
from scaffolder.check.javascript.program import Module
from scaffolder.check.javascript.scope import (
    BLOCKS,
    FUNCTIONS,
    enclosing_function,
    function_name,
)
from scaffolder.check.javascript.values import Leaf
from scaffolder.js.syntax import call_arguments

USERISH = re.compile(
    r"user|session|auth|claims|email|uid|principal|account|identity|viewer|member|signed|"
    r"logged|login|profile|customer|decoded|verified|subject|person|owner|^me$|^sub$",
    re.I,
)
THROWS_FOR_GUESTS = re.compile(
    r"^(verifyIdToken|verifySessionCookie|verify|jwtVerify|protect|redirectToSignIn)$|"
    r"^(require|ensure|assert|must)_?(User|Auth|Session|Login|Signed|Logged|Authenticated|Viewer)|"
    r"OrThrow$|OrRedirect$|^(assert|invariant)$",
)
EXIT_CALLS = frozenset(
    {"redirect", "permanentRedirect", "notFound", "unauthorized", "forbidden", "redirectToSignIn"}
)
GUARD_MIDDLEWARE = re.compile(
    r"(require|ensure|must|check|verify|is|only)_?\w*(auth|login|logged|signed|user|session)|"
    r"auth|protect|guard|login_?required|signed_?in|logged_?in|jwt",
    re.I,
)
"""Middleware that can stop anonymous requests (read generously: a guard counted is a finding
not made)."""
GUARD_WRAPPERS = re.compile(r"^(with(Api|Page)AuthRequired|withAuth|requireAuth|protect\w*)$")
AUTH_WORDS = re.compile(r"protect|redirect|auth|session|sign_?in|login", re.I)
HTTP_EXPORTS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
ANONYMOUS_MARKERS = frozenset({"is_anonymous", "isAnonymous", "sign_in_provider", "anonymous"})


@dataclass(frozen=True)
class Reach:
    """Whether a node runs only for signed-in users: True, False (with the entry's node that
    reaches it unguarded), or None: cannot tell."""

    guarded: bool | None
    module: Module | None = None
    node: Node | None = None
    entry: str = ""


def check(ctx: Context, mint: Mint, identity: list[Leaf]) -> None:
    verdict = reach(ctx, mint.module, mint.call, 0, tuple(identity))
    if verdict.guarded is False and verdict.module is not None and verdict.node is not None:
        ctx.flag(
            "no-auth-guard",
            verdict.module,
            verdict.node,
            f"{mint.describe()} is reached from {verdict.entry} for every visitor: nothing on "
            "the way checks for a signed-in user",
        )
    guests(ctx, mint, identity)
    for leaf in identity:
        found = reads.identity_call(leaf)
        on_server = leaf.module.path not in ctx.client
        if found is not None and found[1].endswith(".auth.getSession") and on_server:
            ctx.flag(
                "supabase-get-session",
                leaf.module,
                leaf.node,
                "the token's user comes from supabase.auth.getSession() on the server: "
                "it trusts the cookie without asking Supabase",
            )
            break


# -- reachability -----------------------------------------------------------------------------


def reach(
    ctx: Context, m: Module, node: Node, depth: int, identity: tuple[Leaf, ...] = ()
) -> Reach:
    """`identity`: where the token's email is read (a check on its object guards)."""
    if depth > 8:
        return Reach(None)
    fn = enclosing_function(node)
    if local_guard(ctx, m, node, fn, identity):
        return Reach(True)
    if fn is None:
        return Reach(None)
    if _wrapped(m, fn):
        return Reach(True)
    found = routes.registrations(ctx, m, fn)
    if found:
        for rm, call, index in found:
            before = routes.middleware_before(ctx, rm, call, index)
            if not any(_guard_middleware(mm, arg) for mm, arg in before):
                method = rm.text(call.child_by_field_name("function")).rsplit(".", 1)[-1]
                what = "middleware" if method == "use" else "route"
                return Reach(False, m, node, f"the Express {what} at {rm.path}:{rm.line(call)}")
        return Reach(True)
    entry = _entry(m, fn)
    if entry:
        # a Next.js middleware that signs visitors in or turns them away may cover the route
        return Reach(None) if _auth_middleware(ctx) else Reach(False, m, node, entry)
    callers = ctx.flow.callers(m, fn)
    if not callers and fn.parent is not None and fn.parent.type == "arguments":
        return reach(ctx, m, fn, depth + 1, identity)  # a callback: guarded where it is passed
    if not callers:
        return Reach(None)
    verdicts = [reach(ctx, cm, call, depth + 1, identity) for cm, call in callers]
    unguarded = next((v for v in verdicts if v.guarded is False), None)
    if unguarded is not None:
        return unguarded
    return Reach(True) if all(v.guarded for v in verdicts) else Reach(None)


def local_guard(
    ctx: Context, m: Module, node: Node, fn: Node | None, identity: tuple[Leaf, ...]
) -> bool:
    """A check for a signed-in user between the start of `fn` and `node`."""
    cur = node
    while cur.parent is not None and (fn is None or cur.id != fn.id):
        parent = cur.parent
        if parent.type == "if_statement" or parent.type == "ternary_expression":
            cond = parent.child_by_field_name("condition")
            branch = _branch(parent, cur)
            if cond is not None and branch is not None and _guards(ctx, m, cond, branch, identity):
                return True
        elif parent.type == "binary_expression" and _op(m, parent) == "&&":
            left = parent.child_by_field_name("left")
            right = parent.child_by_field_name("right")
            if (
                right is not None
                and right.id == cur.id
                and left is not None
                and _guards(ctx, m, left, True, identity)
            ):
                return True
        elif parent.type in BLOCKS:
            for stmt in parent.named_children:
                if stmt.start_byte >= cur.start_byte:
                    break
                if _exits_for_guests(ctx, m, stmt, identity) or _throws_for_guests(m, stmt):
                    return True
        cur = parent
    return False


def _branch(parent: Node, cur: Node) -> bool | None:
    """True when `cur` is the branch taken when the condition holds, False for the other."""
    yes = parent.child_by_field_name("consequence")
    no = parent.child_by_field_name("alternative")
    if yes is not None and yes.id == cur.id:
        return True
    if no is not None and no.id == cur.id:
        return False
    return None


def _guards(ctx: Context, m: Module, cond: Node, holds: bool, identity: tuple[Leaf, ...]) -> bool:
    if not _userish(ctx, m, cond, identity):
        return False
    polarity = _polarity(m, cond)
    return polarity != "neg" if holds else polarity == "neg"


def _exits_for_guests(ctx: Context, m: Module, stmt: Node, identity: tuple[Leaf, ...]) -> bool:
    if stmt.type != "if_statement" or stmt.child_by_field_name("alternative") is not None:
        return False
    cond = stmt.child_by_field_name("condition")
    body = stmt.child_by_field_name("consequence")
    if cond is None or body is None or not always_exits(m, body):
        return False
    return _userish(ctx, m, cond, identity) and _polarity(m, cond) != "pos"


def always_exits(m: Module, stmt: Node) -> bool:
    kind = stmt.type
    if kind in ("return_statement", "throw_statement"):
        return True
    if kind == "statement_block":
        return any(always_exits(m, child) for child in stmt.named_children)
    if kind == "expression_statement" and stmt.named_children:
        expr = stmt.named_children[0]
        if expr.type == "await_expression" and expr.named_children:
            expr = expr.named_children[0]
        if expr.type == "call_expression":
            callee = m.text(expr.child_by_field_name("function"))
            return callee.rsplit(".", 1)[-1] in EXIT_CALLS
    if kind == "if_statement":
        yes = stmt.child_by_field_name("consequence")
        no = stmt.child_by_field_name("alternative")
        return (
            yes is not None
            and no is not None
            and always_exits(m, yes)
            and any(always_exits(m, c) for c in no.named_children)
        )
    return False


def _throws_for_guests(m: Module, stmt: Node) -> bool:
    """A statement calling what throws (or redirects) for anonymous visitors: firebase-admin's
    verifyIdToken, jwt.verify, Clerk's auth.protect(), the app's requireUser()."""
    if stmt.type == "try_statement":
        body = stmt.child_by_field_name("body")
        handler = stmt.child_by_field_name("handler")
        catch_body = handler.child_by_field_name("body") if handler is not None else None
        return (
            body is not None
            and catch_body is not None
            and always_exits(m, catch_body)
            and any(_throws_for_guests(m, s) for s in body.named_children)
        )
    if stmt.type not in ("lexical_declaration", "variable_declaration", "expression_statement"):
        return False
    for node in _own_nodes(stmt):
        if node.type != "call_expression":
            continue
        callee = m.text(node.child_by_field_name("function"))
        if not THROWS_FOR_GUESTS.search(callee.rsplit(".", 1)[-1]):
            continue
        outer = node.parent
        caught = (
            outer is not None
            and outer.type == "member_expression"
            and m.text(outer.child_by_field_name("property")) == "catch"
        )
        if not caught:
            return True
    return False


def _own_nodes(node: Node) -> list[Node]:
    """The nodes under `node`, not entering nested functions."""
    out = []
    stack = [node]
    while stack:
        cur = stack.pop()
        out.append(cur)
        stack.extend(c for c in cur.named_children if c.type not in FUNCTIONS)
    return out


def _userish(ctx: Context, m: Module, cond: Node, identity: tuple[Leaf, ...]) -> bool:
    """A condition on the signed-in user / session (not on what the client sent): on the object
    the token's email is read from, or on what looks like a user."""
    for chain in _chains(cond):
        if identity and _reads_identity(ctx.flow.values(m, chain), identity):
            return True
        text = m.text(chain)
        if not any(USERISH.search(part) for part in re.split(r"[.?!()\[\]\s]+", text) if part):
            continue
        leaves = ctx.flow.values(m, chain)
        if leaves and all(reads.client_input(leaf) is not None for leaf in leaves):
            continue
        return True
    return False


def _reads_identity(leaves: list[Leaf], identity: tuple[Leaf, ...]) -> bool:
    """A value that is the object (or an object above it) the email is read from: `req.neighbour`
    (`req` with the path `neighbour`) for `req.neighbour.email` (`req`, `neighbour.email`)."""
    return any(
        reads.client_input(leaf) is None  # the request's body is not a signed-in user
        and leaf.module.path == read.module.path
        and leaf.node.id == read.node.id
        and len(leaf.path) < len(read.path)
        and read.path[: len(leaf.path)] == leaf.path
        for leaf in leaves
        for read in identity
    )


def _chains(cond: Node) -> list[Node]:
    """The outermost identifiers / member chains / calls of a condition."""
    out = []
    stack = [cond]
    while stack:
        cur = stack.pop()
        if cur.type in ("identifier", "member_expression", "subscript_expression"):
            out.append(cur)
            continue
        if cur.type == "call_expression":
            fn = cur.child_by_field_name("function")
            if fn is not None:
                out.append(fn)
            args = cur.child_by_field_name("arguments")
            if args is not None:
                stack.extend(args.named_children)
            continue
        if cur.type in FUNCTIONS:
            continue
        stack.extend(cur.named_children)
    return out


def _polarity(m: Module, cond: Node) -> str:
    """ "neg" for a test that a user is missing (`!user`, `user == null`), "pos" for a plain
    test that one is there (`user`, `req.user != null`), "mixed" otherwise."""
    kind = cond.type
    if kind == "parenthesized_expression" and cond.named_children:
        return _polarity(m, cond.named_children[0])
    if kind == "unary_expression" and m.text(cond).startswith("!"):
        return "neg"
    if kind in ("identifier", "member_expression", "call_expression", "await_expression"):
        return "pos"
    if kind == "binary_expression":
        op = _op(m, cond)
        left, right = cond.child_by_field_name("left"), cond.child_by_field_name("right")
        sides = [s for s in (left, right) if s is not None]
        nullish = [s for s in sides if m.text(s) in ("null", "undefined")]
        if op in ("==", "===") and nullish:
            return "neg"
        if op in ("!=", "!==") and nullish:
            return "pos"
        parts = [_polarity(m, s) for s in sides]
        if op == "||":
            return "neg" if "neg" in parts else "mixed"
        if op == "&&":
            if all(p == "pos" for p in parts):
                return "pos"
            return "neg" if all(p == "neg" for p in parts) else "mixed"
    return "mixed"


def _op(m: Module, node: Node) -> str:
    op = node.child_by_field_name("operator")
    return m.text(op) if op is not None else ""


# -- entries ----------------------------------------------------------------------------------


def _wrapped(m: Module, fn: Node) -> bool:
    """`withApiAuthRequired(async function handler() {...})`, `export default
    withAuth(handler)` and the like."""
    parent = fn.parent
    if parent is not None and parent.type == "arguments" and parent.parent is not None:
        callee = m.text(parent.parent.child_by_field_name("function")).rsplit(".", 1)[-1]
        if GUARD_WRAPPERS.match(callee):
            return True
    name = function_name(m, fn)
    for call in m.nodes("call_expression"):
        callee = m.text(call.child_by_field_name("function")).rsplit(".", 1)[-1]
        if GUARD_WRAPPERS.match(callee) and any(
            m.text(arg) == name for arg in call_arguments(call)
        ):
            return True
    return False


def _auth_middleware(ctx: Context) -> bool:
    """A Next.js middleware (`middleware.ts`, `proxy.ts`) that deals with sign-in."""
    for module in ctx.program.modules():
        stem = posixpath.basename(module.path).split(".", 1)[0]
        if stem in ("middleware", "proxy") and AUTH_WORDS.search(module.source.text):
            return True
    return False


def _guard_middleware(m: Module, arg: Node) -> bool:
    if arg.type in ("identifier", "member_expression"):
        return bool(GUARD_MIDDLEWARE.search(m.text(arg)))
    if arg.type == "call_expression":
        return bool(GUARD_MIDDLEWARE.search(m.text(arg.child_by_field_name("function"))))
    return False


def _entry(m: Module, fn: Node) -> str:
    """What kind of framework entry `fn` is (a Next.js route handler, page, server action,
    getServerSideProps, middleware), or ""."""
    name = function_name(m, fn) or ""
    path = "/" + m.path
    base = posixpath.basename(m.path).split(".", 1)[0]
    exported = _exported(m, fn)
    default = _default_export(m, fn)
    if base == "route" and name in HTTP_EXPORTS and exported:
        return f"the {name} route handler in {m.path}"
    if "/pages/api/" in path and default:
        return f"the API route {m.path}"
    if name in ("getServerSideProps", "getInitialProps") and exported:
        return f"{name} in {m.path}"
    if "/app/" in path and base in ("page", "layout", "template", "default") and default:
        return f"the {base} {m.path}"
    if base in ("middleware", "proxy") and (default or name in ("middleware", "proxy")):
        return f"the middleware {m.path}"
    if m.directive == "use server" and exported:
        return f"the server action {name} in {m.path}"
    return ""


def _exported(m: Module, fn: Node) -> bool:
    cur = fn.parent
    while cur is not None and cur.type in ("variable_declarator", "lexical_declaration"):
        cur = cur.parent
    return cur is not None and cur.type == "export_statement"


def _default_export(m: Module, fn: Node) -> bool:
    parent = fn.parent
    if parent is not None and parent.type == "export_statement":
        return any(c.type == "default" for c in parent.children)
    name = function_name(m, fn)
    for stmt in m.root.named_children:
        if stmt.type == "export_statement" and any(c.type == "default" for c in stmt.children):
            value = stmt.child_by_field_name("value")
            if value is not None and name is not None and m.text(value) == name:
                return True
    return False


# -- guests -----------------------------------------------------------------------------------


def guests(ctx: Context, mint: Mint, identity: list[Leaf]) -> None:
    """A Supabase / Firebase user signs the token while the app signs visitors in anonymously
    and nothing on the way turns anonymous users away."""
    if not _anonymous_sign_in(ctx):
        return
    for leaf in identity:
        found = reads.identity_call(leaf)
        if found is None:
            continue
        if any(_mentions_anonymous(m) for m in _nearby(ctx, leaf.module, mint.module)):
            continue
        provider, callee = found
        flag = "is_anonymous" if provider == "supabase" else "firebase.sign_in_provider"
        ctx.flag(
            "guest-token",
            leaf.module,
            leaf.node,
            f"the token's user comes from {callee}() and the app signs visitors in "
            f"anonymously, but nothing checks {flag}",
        )
        return


def _anonymous_sign_in(ctx: Context) -> bool:
    for module in ctx.program.modules():
        if "signInAnonymously" in module.source.text and any(
            n.type in ("identifier", "property_identifier")
            and module.text(n) == "signInAnonymously"
            for n in module.nodes("identifier", "property_identifier")
        ):
            return True
    return False


def _nearby(ctx: Context, *modules: Module) -> list[Module]:
    """The modules and the project modules they import (where a guest check may live)."""
    out = list(modules)
    for module in modules:
        out += [
            target
            for spec in module.specifiers
            if (target := ctx.program.resolve(module.path, spec)) is not None
        ]
    return out


def _mentions_anonymous(module: Module) -> bool:
    for node in module.nodes("property_identifier", "identifier", "string_fragment"):
        if module.text(node) in ANONYMOUS_MARKERS:
            return True
    return False
