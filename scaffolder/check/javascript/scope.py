"""What a name refers to where it is used: the nearest declaration in the enclosing blocks and
functions (a `const` / `let` / `var`, a parameter, a function or class, an import), with the
property path when it is bound by a destructuring pattern, and the later assignments to it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from tree_sitter import Node

from scaffolder.check.javascript.program import Module

FUNCTIONS = frozenset(
    {
        "function_declaration",
        "function_expression",
        "arrow_function",
        "function",
        "generator_function_declaration",
        "generator_function",
        "method_definition",
    }
)
BLOCKS = frozenset({"statement_block", "program", "switch_case", "switch_default", "class_body"})
Kind = Literal["var", "param", "function", "import", "catch"]
Path = tuple[str, ...]


@dataclass(frozen=True)
class Binding:
    kind: Kind
    name: str
    site: Node
    """The identifier where the name is bound."""
    value: Node | None = None
    """var: the initializer; function: the declaration; param: the function."""
    pattern: Path = ()
    """The property path inside the bound value (`const { data: { user } } = x`)."""
    default: Node | None = None
    """The pattern's default (`{ key = "dev" }`, `(key = "dev") =>`)."""
    index: int = 0
    """param: the parameter's position."""
    scope: Node | None = None
    """The node the binding is visible in (where assignments to it are looked for)."""


def lookup(module: Module, ident: Node) -> Binding | None:
    """The binding an identifier use refers to (None: a global such as `process`)."""
    key = (ident.start_byte, ident.end_byte)
    if key not in module.lookups:
        module.lookups[key] = _lookup(module, ident)
    found = module.lookups[key]
    return found if isinstance(found, Binding) else None


def _lookup(module: Module, ident: Node) -> Binding | None:
    name = module.text(ident)
    cur = ident
    while cur.parent is not None:
        parent = cur.parent
        if parent.type in FUNCTIONS:
            found = _param(module, parent, name)
            if found is not None:
                return found
            if parent.type in ("function_expression", "function"):
                own = parent.child_by_field_name("name")
                if own is not None and module.text(own) == name:
                    return Binding("function", name, own, parent, scope=parent)
        elif parent.type in BLOCKS:
            found = _in_block(module, parent, name)
            if found is not None:
                return found
        elif parent.type in ("for_statement", "for_in_statement"):
            for child in parent.named_children:
                if child.type in ("lexical_declaration", "variable_declaration"):
                    found = _declarators(module, child, name, parent)
                    if found is not None:
                        return found
        elif parent.type == "catch_clause":
            param = parent.child_by_field_name("parameter")
            if param is not None:
                hit = pattern_path(module, param, name)
                if hit is not None:
                    return Binding("catch", name, param, None, hit[0], hit[1], scope=parent)
        cur = parent
    return None


def _param(module: Module, fn: Node, name: str) -> Binding | None:
    single = fn.child_by_field_name("parameter")  # x => ...
    if single is not None:
        if module.text(single) == name:
            return Binding("param", name, single, fn, scope=fn)
        return None
    params = fn.child_by_field_name("parameters")
    if params is None:
        return None
    index = 0
    for p in params.named_children:
        if p.type == "comment":
            continue
        pattern, default = p, None
        if p.type in ("required_parameter", "optional_parameter"):
            pattern = p.child_by_field_name("pattern") or p
            default = p.child_by_field_name("value")
        if pattern.type != "this":
            hit = pattern_path(module, pattern, name)
            if hit is not None:
                return Binding(
                    "param", name, pattern, fn, hit[0], hit[1] or default, index, scope=fn
                )
            index += 1
    return None


def _in_block(module: Module, block: Node, name: str) -> Binding | None:
    for stmt in block.named_children:
        target = stmt
        if stmt.type == "export_statement":
            target = stmt.child_by_field_name("declaration") or stmt
        if target.type in ("lexical_declaration", "variable_declaration"):
            found = _declarators(module, target, name, block)
            if found is not None:
                return found
        elif target.type in (
            "function_declaration",
            "generator_function_declaration",
            "class_declaration",
            "abstract_class_declaration",
        ):
            own = target.child_by_field_name("name")
            if own is not None and module.text(own) == name:
                return Binding("function", name, own, target, scope=block)
        elif target.type == "import_statement" and name in module.imports:
            return Binding("import", name, target, target, scope=block)
    return None


def _declarators(module: Module, decl: Node, name: str, scope: Node) -> Binding | None:
    for d in decl.named_children:
        if d.type != "variable_declarator":
            continue
        target = d.child_by_field_name("name")
        if target is None:
            continue
        hit = pattern_path(module, target, name)
        if hit is not None:
            return Binding(
                "var", name, target, d.child_by_field_name("value"), hit[0], hit[1], scope=scope
            )
    return None


def pattern_path(
    module: Module, pattern: Node, name: str, path: Path = ()
) -> tuple[Path, Node | None] | None:
    """Where `name` sits in a binding pattern: its property path and its default."""
    kind = pattern.type
    if kind in ("identifier", "shorthand_property_identifier_pattern"):
        return (path, None) if module.text(pattern) == name else None
    if kind == "assignment_pattern":
        left, right = pattern.child_by_field_name("left"), pattern.child_by_field_name("right")
        hit = pattern_path(module, left, name, path) if left is not None else None
        return (hit[0], hit[1] or right) if hit is not None else None
    if kind == "rest_pattern":
        inner = pattern.named_children[0] if pattern.named_children else None
        return pattern_path(module, inner, name, path) if inner is not None else None
    if kind == "object_pattern":
        for child in pattern.named_children:
            if child.type == "shorthand_property_identifier_pattern":
                if module.text(child) == name:
                    return (*path, name), None
            elif child.type == "object_assignment_pattern":
                left = child.child_by_field_name("left")
                if left is not None and module.text(left) == name:
                    return (*path, name), child.child_by_field_name("right")
            elif child.type == "pair_pattern":
                key = property_name(module, child.child_by_field_name("key"))
                value = child.child_by_field_name("value")
                if key is not None and value is not None:
                    hit = pattern_path(module, value, name, (*path, key))
                    if hit is not None:
                        return hit
            elif child.type == "rest_pattern":
                hit = pattern_path(module, child, name, path)
                if hit is not None:
                    return hit
        return None
    if kind == "array_pattern":
        for i, child in enumerate(c for c in pattern.named_children if c.type != "comment"):
            hit = pattern_path(module, child, name, (*path, f"[{i}]"))
            if hit is not None:
                return hit
    return None


def property_name(module: Module, key: Node | None) -> str | None:
    """The name of an object key / member property (`a`, `"a"`, `'Cache-Control'`)."""
    if key is None:
        return None
    if key.type in ("property_identifier", "identifier", "private_property_identifier"):
        return module.text(key)
    if key.type == "string":
        return module.text(key)[1:-1]
    if key.type == "number":
        return f"[{module.text(key)}]"
    return None


def assignments(module: Module, binding: Binding) -> Iterator[tuple[Node, Path, Node]]:
    """Assignments after the declaration: (`x = v` / `x.a.b = v` node, the member path, v)."""
    scope = binding.scope
    if scope is None:
        return
    for node in module.assignments.get(binding.name, []):
        if not scope.start_byte <= node.start_byte < scope.end_byte:
            continue
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is None or right is None:
            continue
        path, target = _member_path(module, left)
        if target is not None and target.type == "identifier":
            if module.text(target) != binding.name:
                continue
            bound = lookup(module, target)
            if bound is not None and bound.site == binding.site:
                yield node, path, right


def _member_path(module: Module, node: Node) -> tuple[Path, Node | None]:
    """`x.a["b"]` -> (("a", "b"), x); None when a step cannot be named."""
    path: list[str] = []
    cur: Node | None = node
    while cur is not None and cur.type in ("member_expression", "subscript_expression"):
        field = "property" if cur.type == "member_expression" else "index"
        prop = property_name(module, cur.child_by_field_name(field))
        if prop is None:
            return (), None
        path.insert(0, prop)
        cur = cur.child_by_field_name("object")
    return tuple(path), cur


def enclosing_function(node: Node) -> Node | None:
    cur = node.parent
    while cur is not None:
        if cur.type in FUNCTIONS:
            return cur
        cur = cur.parent
    return None


def function_name(module: Module, fn: Node) -> str | None:
    """The name a function goes by: its own, the variable / property / export it is
    assigned to."""
    own = fn.child_by_field_name("name")
    if own is not None:
        return module.text(own)
    parent = fn.parent
    while parent is not None and parent.type in ("parenthesized_expression", "as_expression"):
        parent = parent.parent
    if parent is None:
        return None
    if parent.type == "variable_declarator":
        return module.text(parent.child_by_field_name("name"))
    if parent.type == "pair":
        return property_name(module, parent.child_by_field_name("key"))
    if parent.type in ("public_field_definition", "field_definition"):
        return property_name(
            module, parent.child_by_field_name("name") or parent.child_by_field_name("property")
        )
    if parent.type == "assignment_expression":
        return module.text(parent.child_by_field_name("left")).rsplit(".", 1)[-1]
    return None


def returns(fn: Node) -> list[Node]:
    """The expressions a function returns (an arrow's expression body included)."""
    body = fn.child_by_field_name("body")
    if body is None:
        return []
    if body.type != "statement_block":
        return [body]
    out: list[Node] = []
    stack = list(body.named_children)
    while stack:
        node = stack.pop()
        if node.type in FUNCTIONS or node.type == "class_declaration":
            continue
        if node.type == "return_statement":
            out.extend(c for c in node.named_children if c.type != "comment")
            continue
        stack.extend(node.named_children)
    return out
