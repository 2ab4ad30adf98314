"""The PHP checker's view of a project: tree-sitter trees of its files, its functions (global
by name, as PHP has them) with their calls and the callbacks that name them (`add_action(...,
'fn')`, `'callback' => 'fn'`), and where a value comes from (`PhpIndex.step`: one hop back
through a variable, a constant, a project function's returns or a parameter's arguments).

Never executed; a file with a syntax error is left out. What cannot be followed is a leaf.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property

from tree_sitter import Node

from scaffolder import treesitter as ts
from scaffolder.check.rules import Sources

FUNCTIONS = ("function_definition", "method_declaration", "anonymous_function", "arrow_function")
CALLS = (
    "function_call_expression",
    "member_call_expression",
    "scoped_call_expression",
    "nullsafe_member_call_expression",
)
CALLBACKS = ("argument", "array_element_initializer")
MAX_HOPS = 300


@dataclass(eq=False)
class PhpFile:
    path: str
    text: str
    root: Node

    def line(self, node: Node) -> int:
        return node.start_point[0] + 1


@dataclass(frozen=True)
class Ctx:
    file: PhpFile
    func: Node | None
    call: Frame | None = None


@dataclass(frozen=True)
class Frame:
    node: Node
    ctx: Ctx


@dataclass(frozen=True)
class At:
    node: Node
    ctx: Ctx
    fallback: bool = False


@dataclass(frozen=True)
class Use:
    """A call of a project function, or a callback naming it (`call` None, `node` the string)."""

    file: PhpFile
    node: Node
    call: Node | None


def text(node: Node | None) -> str:
    return ts.text_of(node) if node is not None else ""


def string_value(node: Node | None) -> str | None:
    """The value of a string literal without interpolation."""
    if node is None or node.type not in ("string", "encapsed_string"):
        return None
    if any(c.type not in ("string_content", "'", '"', "escape_sequence") for c in node.children):
        return None
    return "".join(
        text(c) for c in node.children if c.type in ("string_content", "escape_sequence")
    )


def call_name(node: Node) -> str:
    """`add_action` of `add_action(...)`, `encode` of `JWT::encode(...)` / `$o->encode(...)`."""
    if node.type == "function_call_expression":
        name = text(node.child_by_field_name("function"))
        return name.lstrip("\\").rsplit("\\", 1)[-1].lower()
    return text(node.child_by_field_name("name")).lower()


def arguments(node: Node) -> list[Node]:
    """A call's argument expressions (named arguments included, by position)."""
    args = node.child_by_field_name("arguments")
    if args is None:
        return []
    return [
        a.named_children[-1]
        for a in args.named_children
        if a.type == "argument" and a.named_children
    ]


def variable(node: Node) -> str | None:
    return text(node)[1:] if node.type == "variable_name" else None


def element_pairs(node: Node) -> Iterator[tuple[Node | None, Node]]:
    """An array literal's (key, value) pairs; key None for `[v]` and `...$spread`."""
    for element in node.named_children:
        if element.type != "array_element_initializer":
            continue
        parts = element.named_children
        has_key = any(c.type == "=>" for c in element.children)
        if has_key and len(parts) >= 2:
            yield parts[0], parts[-1]
        elif parts:
            yield None, parts[-1]


def callback_name(node: Node) -> str | None:
    """The function a callback names: 'fn', 'Vendor\\fn', __NAMESPACE__ . '\\fn'."""
    if _is_concatenation(node):
        node = node.child_by_field_name("right") or node
    value = string_value(node)
    return value.rsplit("\\", 1)[-1].lower() if value else None


def _is_concatenation(node: Node | None) -> bool:
    return (
        node is not None
        and node.type == "binary_expression"
        and text(node.child_by_field_name("operator")) == "."
    )


def enclosing(node: Node) -> Node | None:
    current = node.parent
    while current is not None:
        if current.type in FUNCTIONS:
            return current
        current = current.parent
    return None


def function_name(func: Node) -> str:
    return text(func.child_by_field_name("name")).lower()


def parameters(func: Node) -> list[str]:
    params = func.child_by_field_name("parameters")
    found = []
    for param in params.named_children if params is not None else []:
        name = param.child_by_field_name("name")
        found.append(text(name)[1:] if name is not None else "")
    return found


def walk_own(func: Node) -> Iterator[Node]:
    """The nodes of a function's body, not those of functions nested in it."""
    body = func.child_by_field_name("body")
    stack = [body] if body is not None else []
    while stack:
        node = stack.pop()
        yield node
        stack.extend(c for c in node.children if c.type not in FUNCTIONS)


@dataclass
class PhpIndex:
    sources: Sources
    files: list[PhpFile] = field(default_factory=list)

    @classmethod
    def of(cls, sources: Sources) -> PhpIndex:
        index = cls(sources)
        for path in sources.with_suffix(".php"):
            source = sources.text(path)
            if source is None:
                continue
            tree = ts.parse(source, "php")
            if not tree.root_node.has_error:  # a file with a syntax error is skipped
                index.files.append(PhpFile(path, source, tree.root_node))
        return index

    def nodes(self, *types: str) -> Iterator[tuple[PhpFile, Node]]:
        for file in self.files:
            for node in ts.walk(file.root):
                if node.type in types:
                    yield file, node

    @cached_property
    def functions(self) -> dict[str, list[tuple[PhpFile, Node]]]:
        """Named functions and methods by lower-cased name."""
        found: dict[str, list[tuple[PhpFile, Node]]] = {}
        for file, node in self.nodes("function_definition", "method_declaration"):
            found.setdefault(function_name(node), []).append((file, node))
        return found

    @cached_property
    def _uses(self) -> dict[Node, list[Use]]:
        found: dict[Node, list[Use]] = {}
        for file, node in self.nodes(*CALLS, "string", "encapsed_string"):
            if node.type in CALLS:
                for _, func in self.functions.get(call_name(node), []):
                    found.setdefault(func, []).append(Use(file, node, node))
                continue
            name = callback_name(node)
            holder = node.parent if _is_concatenation(node.parent) else node  # __NAMESPACE__ . 'f'
            parent = holder.parent if holder is not None else None
            if name in self.functions and parent is not None and parent.type in CALLBACKS:
                for _, func in self.functions[name]:
                    found.setdefault(func, []).append(Use(file, holder or node, None))
        return found

    def uses(self, func: Node) -> list[Use]:
        return self._uses.get(func, [])

    @cached_property
    def constants(self) -> dict[str, list[At]]:
        """`define('NAME', value)` and `const NAME = value` across the project."""
        found: dict[str, list[At]] = {}
        for file, node in self.nodes("function_call_expression", "const_element"):
            if node.type == "function_call_expression" and call_name(node) == "define":
                args = arguments(node)
                name = string_value(args[0]) if args else None
                if name is not None and len(args) > 1:
                    found.setdefault(name, []).append(At(args[1], Ctx(file, enclosing(node))))
            elif node.type == "const_element" and node.named_children:
                parts = node.named_children
                if len(parts) >= 2:
                    found.setdefault(text(parts[0]), []).append(At(parts[-1], Ctx(file, None)))
        return found

    # -- following values ---------------------------------------------------------------------

    def values(self, at: At) -> list[At]:
        leaves: list[At] = []
        seen: set[tuple[Node, Ctx]] = set()
        todo = [at]
        hops = 0
        while todo:
            current = todo.pop()
            if (current.node, current.ctx) in seen:
                continue
            seen.add((current.node, current.ctx))
            hops += 1
            following = self.step(current) if hops < MAX_HOPS else None
            if following is None:
                leaves.append(current)
            else:
                todo.extend(reversed(following))
        return leaves

    def step(self, at: At) -> list[At] | None:
        node, ctx = at.node, at.ctx
        kind = node.type
        hops: list[At] | None = None
        if kind in ("parenthesized_expression", "argument") and node.named_children:
            hops = [At(node.named_children[-1], ctx)]
        elif kind == "cast_expression":
            value = node.child_by_field_name("value")
            hops = [At(value, ctx)] if value is not None else None
        elif kind == "conditional_expression":
            body = node.child_by_field_name("body") or node.child_by_field_name("condition")
            alternative = node.child_by_field_name("alternative")
            short = node.child_by_field_name("body") is None
            hops = [
                At(n, ctx, fallback=short and n is alternative) for n in (body, alternative) if n
            ]
        elif kind == "binary_expression" and text(node.child_by_field_name("operator")) in (
            "??",
            "?:",
            "||",
            "or",
        ):
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            hops = [At(left, ctx)] if left is not None else []
            hops += [At(right, ctx, fallback=True)] if right is not None else []
        elif kind == "variable_name" and variable(node) != "this":
            hops = self._variable(node, ctx)
        elif kind == "name" and (node.parent is None or node.parent.type not in CALLS):
            hops = self.constants.get(text(node))
        elif kind == "class_constant_access_expression" and node.named_children:
            hops = self.constants.get(text(node.named_children[-1]))
        elif kind == "function_call_expression":
            hops = self._returns(node, ctx)
        if hops is None:
            return None
        return [replace(h, fallback=True) for h in hops] if at.fallback else hops

    def _variable(self, node: Node, ctx: Ctx) -> list[At] | None:
        name = variable(node)
        scope = ctx.func
        defs = self._reaching(node, name or "", ctx)
        if defs:
            return defs
        if scope is not None and name in parameters(scope):
            return self._param(name or "", ctx)
        return None

    def _reaching(self, use: Node, name: str, ctx: Ctx) -> list[At] | None:
        scope = ctx.func
        nodes = walk_own(scope) if scope is not None else _top_level(ctx.file.root)
        defs = [
            n
            for n in nodes
            if n.type == "assignment_expression"
            and text(n.child_by_field_name("left")) == f"${name}"
            and n.end_byte <= use.start_byte
        ]
        live = [
            d for d in defs if not any(d.end_byte < b.end_byte and _dominates(b, use) for b in defs)
        ]
        found = [
            At(right, ctx) for d in live if (right := d.child_by_field_name("right")) is not None
        ]
        return found or None

    def _param(self, name: str, ctx: Ctx) -> list[At] | None:
        func = ctx.func
        assert func is not None
        position = parameters(func).index(name)
        if ctx.call is not None:
            frames = [ctx.call]
        else:
            uses = self.uses(func)
            if not uses or len(uses) > 12 or any(u.call is None for u in uses):
                return None
            frames = [Frame(u.node, Ctx(u.file, enclosing(u.node))) for u in uses]
        found = []
        for frame in frames:
            args = arguments(frame.node)
            if position >= len(args):
                return None
            found.append(At(args[position], frame.ctx))
        return found

    def _returns(self, node: Node, ctx: Ctx) -> list[At] | None:
        targets = self.functions.get(call_name(node), [])
        if len(targets) != 1:
            return None
        file, func = targets[0]
        inner = Ctx(file, func, Frame(node, ctx))
        found = [
            At(r.named_children[0], inner)
            for r in walk_own(func)
            if r.type == "return_statement" and r.named_children
        ]
        return found or None


def _top_level(root: Node) -> Iterator[Node]:
    stack = list(root.children)
    while stack:
        node = stack.pop()
        yield node
        stack.extend(c for c in node.children if c.type not in FUNCTIONS)


def _statement_of(node: Node) -> Node:
    while node.parent is not None and node.parent.type not in ("compound_statement", "program"):
        node = node.parent
    return node


def _dominates(assignment: Node, use: Node) -> bool:
    """The assignment's statement sits in a block that also holds (an ancestor of) the use,
    before it: it runs on every path to the use."""
    stmt = _statement_of(assignment)
    block = stmt.parent
    if stmt.type != "expression_statement" or block is None:
        return False
    current: Node | None = use
    while current is not None and current.parent != block:
        current = current.parent
    return current is not None and current.start_byte > stmt.start_byte
