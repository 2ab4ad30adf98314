"""Express route and middleware registrations: which `app.get(path, ..., handler)` /
`router.use(...)` calls hand requests to a function, and the middleware that runs before it
there: the route's own, the `use()` calls earlier in its file, and the middleware in front of
its router where another file mounts it (`app.use("/api", requireAuth, apiRouter)`)."""

from __future__ import annotations

from tree_sitter import Node

from scaffolder.check.javascript.context import Context
from scaffolder.check.javascript.program import Module, NodeKey
from scaffolder.check.javascript.scope import FUNCTIONS
from scaffolder.js.syntax import call_arguments

METHODS = frozenset({"get", "post", "put", "patch", "delete", "all", "use", "head", "options"})
Registration = tuple[Module, Node, int]
"""(the module, the registering call, the handler's argument index)."""


def registrations(ctx: Context, m: Module, fn: Node) -> list[Registration]:
    """The registrations (`app.get(path, ..., fn)`) handing requests to `fn`."""
    index: dict[NodeKey, list[Registration]] | None = ctx.memo.get("routes")
    if index is None:
        index = {}
        for rm, call in calls(ctx):
            for i, arg in enumerate(call_arguments(call)):
                if arg.type in FUNCTIONS:
                    index.setdefault(rm.key(arg), []).append((rm, call, i))
                elif arg.type in ("identifier", "member_expression", "call_expression"):
                    for leaf in ctx.flow.values(rm, arg):
                        if leaf.node.type in FUNCTIONS:
                            index.setdefault(leaf.module.key(leaf.node), []).append((rm, call, i))
        ctx.memo["routes"] = index
    return index.get(m.key(fn), [])


def calls(ctx: Context) -> list[tuple[Module, Node]]:
    """Every `x.get(...)` / `x.use(...)` / ... call of the program."""
    found: list[tuple[Module, Node]] | None = ctx.memo.get("route-calls")
    if found is not None:
        return found
    out = []
    for module in ctx.program.modules():
        for node in module.nodes("call_expression"):
            fn = node.child_by_field_name("function")
            method = fn.child_by_field_name("property") if fn is not None else None
            if method is not None and module.text(method) in METHODS:
                out.append((module, node))
    ctx.memo["route-calls"] = out
    return out


def middleware_before(ctx: Context, m: Module, call: Node, index: int) -> list[tuple[Module, Node]]:
    """The middleware arguments that run before the handler registered by `call`."""
    out = [(m, arg) for arg in call_arguments(call)[:index]]
    out += _used_before(ctx, m, call)
    fn = call.child_by_field_name("function")
    obj = fn.child_by_field_name("object") if fn is not None else None
    if obj is None:
        return out
    routers = {leaf.module.key(leaf.node) for leaf in ctx.flow.values(m, obj)}
    for other, node in calls(ctx):
        if other.path == m.path:
            continue
        args = call_arguments(node)
        for i, arg in enumerate(args):
            if arg.type not in ("identifier", "member_expression", "call_expression"):
                continue
            if any(leaf.module.key(leaf.node) in routers for leaf in ctx.flow.values(other, arg)):
                out += [(other, a) for a in args[:i]]
                out += _used_before(ctx, other, node)
    return out


def _used_before(ctx: Context, m: Module, call: Node) -> list[tuple[Module, Node]]:
    """The arguments of the `use()` calls earlier in the file than `call`."""
    out = []
    for other, node in calls(ctx):
        if other.path != m.path or node.start_byte >= call.start_byte:
            continue
        fn = node.child_by_field_name("function")
        if fn is not None and m.text(fn.child_by_field_name("property")) == "use":
            out += [(m, arg) for arg in call_arguments(node)]
    return out
