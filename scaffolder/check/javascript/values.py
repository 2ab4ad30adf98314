"""Following a value through the project's own code, statically: an expression's possible
values as `Leaf`s, found through variables (destructuring and later assignments included),
parameters (the arguments of the calls that reach the function), the return values of project
functions, object literals' properties, imports and requires of project modules, `?:`, `??` and
`||`.

A leaf is where following stops: a literal, an object, a call of something outside the project,
a global (`process`), or a parameter no call reaches, each with the property path still to
apply (`process` + `env.BESTCHATBOT_SIGNING_KEY`, `req` + `body.email`). Nothing is executed;
what cannot be followed ends in a leaf the rules read as "cannot tell".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

from tree_sitter import Node

from scaffolder.check.javascript import scope
from scaffolder.check.javascript.program import Module, NodeKey, Program
from scaffolder.check.javascript.scope import FUNCTIONS, Binding, Path, property_name
from scaffolder.js.syntax import call_arguments

LeafKind = Literal["value", "param", "global", "import", "absent", "unknown"]
WRAPPERS = frozenset(
    {
        "parenthesized_expression",
        "as_expression",
        "satisfies_expression",
        "non_null_expression",
        "type_assertion",
        "await_expression",
    }
)
LITERALS = frozenset({"string", "template_string", "number", "true", "false", "null"})
MAX_DEPTH = 40
CALLEE_DEPTH = 10
"""How deep a callee is followed when looking for the calls of a function."""
MAX_STEPS = 4000
"""Steps one `values()` call may take: past it (a huge call graph), the rest is "unknown"."""
# Promise plumbing: the value of `p.catch(...)` is (on success) the value of `p`.
PASS_THROUGH = ("catch", "finally")

Through = Callable[[Module, Node], Node | None]
"""Calls an analysis looks through: returns the node whose value the call's value follows
(`x.trim()` -> `x`), or None."""


Anchor = tuple[Module, Node] | None
"""Where a value was read, when it is not the leaf itself."""


@dataclass(frozen=True)
class Leaf:
    module: Module
    node: Node
    path: Path = ()
    kind: LeafKind = "value"
    at: Anchor = None
    """Where the value was read (the member expression), for `path:line`."""
    spec: str | None = None
    """import: the package; param: the parameter's name when it is a plain identifier."""
    imported: str | None = None

    @property
    def where(self) -> tuple[Module, Node]:
        """The module and node to report the leaf at."""
        return self.at if self.at is not None else (self.module, self.node)

    @property
    def line(self) -> int:
        module, node = self.where
        return module.line(node)

    def text(self) -> str:
        return self.module.text(self.node)


Frame = tuple[NodeKey, Module, Node]
"""A call being followed into a function: (the function, the caller's module, the call)."""


class Flow:
    """The value follower of one program (callers are indexed once)."""

    def __init__(self, program: Program) -> None:
        self.program = program
        self._callers: dict[NodeKey, list[tuple[Module, Node]]] = {}
        self._calls: list[tuple[Module, Node, str]] | None = None

    def values(
        self,
        module: Module,
        node: Node,
        path: Path = (),
        *,
        through: Through | None = None,
        ctx: tuple[Frame, ...] = (),
    ) -> list[Leaf]:
        return list(_Walk(self, through).values(module, node, path, ctx))

    # -- callers ------------------------------------------------------------------------------

    def callers(self, m: Module, fn: Node) -> list[tuple[Module, Node]]:
        """The calls in the program whose callee is the function `fn`."""
        key = m.key(fn)
        if key in self._callers:
            return self._callers[key]
        self._callers[key] = []  # a recursive function: its own calls do not count meanwhile
        names = self._aliases(m, fn)
        found = []
        if names:
            for cm, call, last in self._all_calls():
                if last not in names:
                    continue
                callee = call.child_by_field_name("function")
                if callee is None:
                    continue
                # a short walk: the callee is a name, not a computed value
                shallow = _Walk(self, None, depth=MAX_DEPTH - CALLEE_DEPTH)
                for leaf in shallow.values(cm, callee, (), ()):
                    if leaf.module.path == m.path and leaf.module.key(leaf.node) == key:
                        found.append((cm, call))
                        break
        self._callers[key] = found
        return found

    def _aliases(self, m: Module, fn: Node) -> set[str]:
        name = scope.function_name(m, fn)
        if name is None:
            return set()
        names = {name}
        for module in self.program.modules():
            for local, bound in module.imports.items():
                if bound.name == name or (
                    bound.name == "default" and self.program.resolve(module.path, bound.spec) is m
                ):
                    names.add(local)
        return names

    def _all_calls(self) -> list[tuple[Module, Node, str]]:
        if self._calls is None:
            self._calls = []
            for module in self.program.modules():
                for node in module.nodes("call_expression"):
                    callee = node.child_by_field_name("function")
                    if callee is None:
                        continue
                    if callee.type == "member_expression":
                        last = module.text(callee.child_by_field_name("property"))
                    else:
                        last = module.text(callee)
                    self._calls.append((module, node, last))
        return self._calls


class _Walk:
    """One `Flow.values` call's walk: where it has been (`stack`), how deep and how long it
    went, and the calls its analysis looks through."""

    def __init__(self, flow: Flow, through: Through | None, depth: int = 0) -> None:
        self.flow = flow
        self.through = through
        self.depth = depth
        self.steps = 0
        self.stack: set[tuple[NodeKey, Path]] = set()

    def values(
        self, module: Module, node: Node, path: Path, ctx: tuple[Frame, ...]
    ) -> Iterator[Leaf]:
        return self._values(module, node, path, None, ctx)

    # -- the steps -----------------------------------------------------------------------------

    def _values(
        self, m: Module, node: Node, path: Path, at: Anchor, ctx: tuple[Frame, ...]
    ) -> Iterator[Leaf]:
        key = (m.key(node), path)
        self.steps += 1
        if self.depth > MAX_DEPTH or self.steps > MAX_STEPS or key in self.stack:
            yield Leaf(m, node, path, "unknown", at)
            return
        self.stack.add(key)
        self.depth += 1
        try:
            yield from self._step(m, node, path, at, ctx)
        finally:
            self.depth -= 1
            self.stack.discard(key)

    def _step(
        self, m: Module, node: Node, path: Path, at: Anchor, ctx: tuple[Frame, ...]
    ) -> Iterator[Leaf]:
        kind = node.type
        if kind in WRAPPERS:
            inner = next((c for c in node.named_children if c.type != "comment"), None)
            if inner is not None:
                yield from self._values(m, inner, path, at, ctx)
            return
        if kind in ("identifier", "shorthand_property_identifier"):
            yield from self._identifier(m, node, path, at, ctx)
        elif kind in ("member_expression", "subscript_expression"):
            yield from self._member(m, node, path, at, ctx)
        elif kind == "object":
            yield from self._object(m, node, path, at, ctx)
        elif kind == "ternary_expression":
            for part in ("consequence", "alternative"):
                child = node.child_by_field_name(part)
                if child is not None:
                    yield from self._values(m, child, path, at, ctx)
        elif kind == "binary_expression" and _operator(m, node) in ("??", "||", "&&"):
            sides = ("right",) if _operator(m, node) == "&&" else ("left", "right")
            for part in sides:
                child = node.child_by_field_name(part)
                if child is not None:
                    yield from self._values(m, child, path, at, ctx)
        elif kind == "assignment_expression":
            right = node.child_by_field_name("right")
            if right is not None:
                yield from self._values(m, right, path, at, ctx)
        elif kind == "sequence_expression":
            last = node.named_children[-1] if node.named_children else None
            if last is not None:
                yield from self._values(m, last, path, at, ctx)
        elif kind == "call_expression":
            yield from self._call(m, node, path, at, ctx)
        elif (path and kind in LITERALS) or kind == "undefined":
            yield Leaf(m, node, path, "absent", at)
        else:
            yield Leaf(m, node, path, "value", at)

    def _identifier(
        self, m: Module, node: Node, path: Path, at: Anchor, ctx: tuple[Frame, ...]
    ) -> Iterator[Leaf]:
        if m.text(node) == "undefined":
            yield Leaf(m, node, path, "absent", at)
            return
        binding = scope.lookup(m, node)
        if binding is None:
            yield Leaf(m, node, path, "global", at)
            return
        if binding.kind == "import":
            yield from self._import(m, binding, node, path, at)
            return
        if binding.kind == "function":
            yield Leaf(m, binding.value or node, path, "value", at)
            return
        defs = list(_live_definitions(m, binding, node, path))
        for value, rest in defs:
            if value is None:
                continue
            yield from self._values(m, value, rest, at, ctx)
        if any(value is None for value, _ in defs):
            if binding.kind == "param":
                yield from self._param(m, binding, node, path, at, ctx)
            elif binding.kind == "var" and binding.value is not None:
                yield from self._values(m, binding.value, binding.pattern + path, at, ctx)
                if binding.default is not None:
                    yield from self._values(m, binding.default, path, at, ctx)
            elif binding.kind == "var":  # `let x;`: undefined until assigned
                yield Leaf(m, node, path, "absent", at)
            else:
                yield Leaf(m, node, path, "unknown", at)

    def _import(
        self, m: Module, binding: Binding, node: Node, path: Path, at: Anchor
    ) -> Iterator[Leaf]:
        bound = m.imports.get(binding.name)
        if bound is None:
            yield Leaf(m, node, path, "unknown", at)
            return
        target = self.flow.program.resolve(m.path, bound.spec)
        if target is None:
            yield Leaf(m, node, path, "import", at, bound.spec, bound.name)
            return
        name, rest = bound.name, path
        if name == "*":
            if not path:
                yield Leaf(m, node, path, "value", at)
                return
            name, rest = path[0], path[1:]
        found = self.flow.program.export(target, name)
        if found is None:
            yield Leaf(m, node, path, "unknown", at)
            return
        module, value, extra = found
        yield from self._values(module, value, extra + rest, at, ())

    def _param(
        self,
        m: Module,
        binding: Binding,
        node: Node,
        path: Path,
        at: Anchor,
        ctx: tuple[Frame, ...],
    ) -> Iterator[Leaf]:
        fn = binding.value
        assert fn is not None
        full = binding.pattern + path
        frames = [i for i, f in enumerate(ctx) if f[0] == m.key(fn)]
        promised = _then_receiver(m, fn) if binding.index == 0 else None
        if promised is not None:  # p.then((value) => ...): the value is p's
            yield from self._values(m, promised, full, at, ctx)
            return
        if frames:
            i = frames[-1]
            calls = [(ctx[i][1], ctx[i][2], ctx[:i])]
        else:
            calls = [(cm, call, ()) for cm, call in self.flow.callers(m, fn)]
        if not calls:
            name = m.text(binding.site) if binding.site.type == "identifier" else None
            yield Leaf(m, binding.site, full, "param", at, name)
            if binding.default is not None:
                yield from self._values(m, binding.default, path, at, ctx)
            return
        for cm, call, outer in calls:
            args = call_arguments(call)
            if any(a.type == "spread_element" for a in args[: binding.index + 1]):
                yield Leaf(cm, call, full, "unknown", at)
            elif binding.index < len(args):
                yield from self._values(cm, args[binding.index], full, at, outer)
            elif binding.default is not None:
                yield from self._values(m, binding.default, path, at, ctx)
            else:
                yield Leaf(cm, call, full, "absent", at)

    def _member(
        self, m: Module, node: Node, path: Path, at: Anchor, ctx: tuple[Frame, ...]
    ) -> Iterator[Leaf]:
        obj = node.child_by_field_name("object")
        if obj is None:
            yield Leaf(m, node, path, "unknown", at)
            return
        if node.type == "member_expression":
            names = [property_name(m, node.child_by_field_name("property"))]
        else:
            names = self._indexes(m, node.child_by_field_name("index"), ctx)
        for name in names:
            if name is None:
                yield Leaf(m, node, path, "value", at)
            else:
                yield from self._values(m, obj, (name, *path), at or (m, node), ctx)

    def _indexes(self, m: Module, index: Node | None, ctx: tuple[Frame, ...]) -> list[str | None]:
        """The property names a subscript can read (`x["a"]`, `x[name]` with name followed)."""
        if index is None:
            return [None]
        if index.type in ("string", "number"):
            return [property_name(m, index)]
        out: list[str | None] = []
        for leaf in self._values(m, index, (), None, ctx):
            name = property_name(leaf.module, leaf.node) if leaf.kind == "value" else None
            out.append(name if leaf.node.type in ("string", "number") else None)
        return out or [None]

    def _object(
        self, m: Module, node: Node, path: Path, at: Anchor, ctx: tuple[Frame, ...]
    ) -> Iterator[Leaf]:
        if not path:
            yield Leaf(m, node, path, "value", at)
            return
        want, rest = path[0], path[1:]
        spreads = []
        found = False
        for child in reversed(node.named_children):  # a later key wins
            if child.type == "pair":
                if property_name(m, child.child_by_field_name("key")) == want:
                    value = child.child_by_field_name("value")
                    if value is not None:
                        yield from self._values(m, value, rest, at if rest else None, ctx)
                    found = True
                    break
            elif child.type == "shorthand_property_identifier":
                if m.text(child) == want:
                    yield from self._values(m, child, rest, at if rest else None, ctx)
                    found = True
                    break
            elif child.type == "method_definition":
                if property_name(m, child.child_by_field_name("name")) == want:
                    yield Leaf(m, child, rest, "value", at)
                    found = True
                    break
            elif child.type == "spread_element":
                spreads.append(child)
        if found:
            return
        provided = []
        for spread in spreads:
            inner = spread.named_children[0] if spread.named_children else None
            if inner is not None:
                provided += [
                    leaf for leaf in self._values(m, inner, path, at, ctx) if leaf.kind != "absent"
                ]
        yield from provided
        if not provided:
            yield Leaf(m, node, path, "absent", at)

    def _call(
        self, m: Module, node: Node, path: Path, at: Anchor, ctx: tuple[Frame, ...]
    ) -> Iterator[Leaf]:
        fn = node.child_by_field_name("function")
        if fn is None:
            yield Leaf(m, node, path, "value", at)
            return
        if self.through is not None:
            follow = self.through(m, node)
            if follow is not None:
                yield from self._values(m, follow, path, at, ctx)
                return
        if fn.type == "member_expression":
            prop = property_name(m, fn.child_by_field_name("property"))
            obj = fn.child_by_field_name("object")
            if prop in PASS_THROUGH and obj is not None:
                yield from self._values(m, obj, path, at, ctx)
                return
            args = call_arguments(node)
            if prop == "then" and args and args[0].type in FUNCTIONS:
                for result in scope.returns(args[0]):
                    yield from self._values(m, result, path, at, ctx)
                return
        if m.text(fn) == "Object.assign" and path:  # like an object of spreads
            provided = [
                leaf
                for arg in reversed(call_arguments(node))
                for leaf in self._values(m, arg, path, at, ctx)
                if leaf.kind != "absent"
            ]
            yield from provided or [Leaf(m, node, path, "absent", at)]
            return
        if fn.type == "import" or (fn.type == "identifier" and m.text(fn) == "require"):
            yield from self._require(m, node, path, at)  # `await import("x")` alike
            return
        targets = [
            leaf
            for leaf in self._values(m, fn, (), None, ctx)
            if leaf.kind == "value" and leaf.node.type in FUNCTIONS and not leaf.path
        ]
        if not targets:
            yield Leaf(m, node, path, "value", at)
            return
        for target in targets:
            frame = (target.module.key(target.node), m, node)
            results = scope.returns(target.node)
            if not results:
                yield Leaf(m, node, path, "absent", at)
            for result in results:
                yield from self._values(target.module, result, path, at, (*ctx, frame))

    def _require(self, m: Module, node: Node, path: Path, at: Anchor) -> Iterator[Leaf]:
        args = call_arguments(node)
        spec = m.text(args[0])[1:-1] if len(args) == 1 and args[0].type == "string" else None
        target = self.flow.program.resolve(m.path, spec) if spec else None
        if target is None:
            yield Leaf(m, node, path, "import", at, spec, "*")
            return
        if not path:  # the whole module: what `module.exports` is set to
            whole = self.flow.program.export(target, "default")
            if whole is None:
                yield Leaf(m, node, path, "value", at)
                return
            module, value, extra = whole
            yield from self._values(module, value, extra, at, ())
            return
        found = self.flow.program.export(target, path[0])
        if found is None:
            found = self.flow.program.export(target, "default")
            if found is None:
                yield Leaf(m, node, path, "unknown", at)
                return
            module, value, extra = found
            yield from self._values(module, value, extra + path, at, ())
            return
        module, value, extra = found
        yield from self._values(module, value, extra + path[1:], at, ())


def _operator(m: Module, node: Node) -> str:
    op = node.child_by_field_name("operator")
    return m.text(op) if op is not None else ""


def _live_definitions(
    m: Module, binding: Binding, use: Node, path: Path
) -> Iterator[tuple[Node | None, Path]]:
    """The definitions of a variable or parameter that can reach `use`: the declaration
    (None: follow the binding itself) unless an unconditional assignment before the use
    replaces it, and the assignments before the use (`x = v`; `x.a = v` when `path` starts
    with `a`)."""
    reaching: list[tuple[Node | None, Path]] = [(None, path)]
    for assign, member, value in scope.assignments(m, binding):
        if assign.start_byte >= use.start_byte and not _in_loop(assign, use):
            continue
        if member:
            if path[: len(member)] == member:
                reaching.append((value, path[len(member) :]))
            continue
        if binding.pattern:
            reaching.append((value, path))
            continue
        if _dominates(assign, use):
            reaching = [(value, path)]
        else:
            reaching.append((value, path))
    return iter(reaching)


def _dominates(assign: Node, use: Node) -> bool:
    """An assignment statement directly in a block that also holds the use (no branch skips
    it), and not in a nested function."""
    stmt = assign.parent
    if stmt is None or stmt.type != "expression_statement":
        return False
    block = stmt.parent
    if block is None:
        return False
    cur = use.parent
    while cur is not None:
        if cur.id == block.id:
            return True
        if cur.type in FUNCTIONS:
            return False
        cur = cur.parent
    return False


def _in_loop(assign: Node, use: Node) -> bool:
    cur = assign.parent
    while cur is not None and cur.type not in FUNCTIONS:
        if cur.type in ("for_statement", "for_in_statement", "while_statement", "do_statement"):
            return cur.start_byte <= use.start_byte <= cur.end_byte
        cur = cur.parent
    return False


def _then_receiver(m: Module, fn: Node) -> Node | None:
    """`p` when `fn` is the callback of `p.then(fn)`."""
    args = fn.parent
    call = args.parent if args is not None and args.type == "arguments" else None
    callee = call.child_by_field_name("function") if call is not None else None
    if callee is None or callee.type != "member_expression" or args is None:
        return None
    if m.text(callee.child_by_field_name("property")) != "then":
        return None
    first = next((a for a in args.named_children if a.type != "comment"), None)
    if first is None or first.id != fn.id:
        return None
    return callee.child_by_field_name("object")
