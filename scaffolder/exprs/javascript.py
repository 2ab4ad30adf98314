"""The JavaScript / TypeScript expression grammar, on tree-sitter's TypeScript parser.

    expression := term | expression (`||` | `??` | `+`) expression
    term       := value | "string" | `template ${value}` | [value, ...].filter(Boolean).join("sep")
    value      := root | value.name | value?.name | value["key"] | value[0] | value.method()
                | String(value) | value! | value as Type

Names are plain ASCII identifiers; dunders (`__proto__`) and the names that reach constructors
and function internals (`constructor`, `prototype`, `caller`, `callee`, `arguments`) are refused,
as names and as subscript keys.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from tree_sitter import Node

from scaffolder import treesitter
from scaffolder.exprs.grammar import (
    Refused,
    call_with_arguments,
    check_key,
    check_name,
    check_root,
    not_allowed,
    not_allowed_call,
    step,
)

METHODS = frozenset(
    {"trim", "trimStart", "trimEnd", "toLowerCase", "toUpperCase", "toString", "normalize"}
)
CONVERSIONS = frozenset({"String"})
_PLAIN = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_PROTOTYPE = "it reaches constructors and the prototype chain"
_REFUSED = {
    "constructor": _PROTOTYPE,
    "prototype": _PROTOTYPE,
    "caller": "it reaches function internals",
    "callee": "it reaches function internals",
    "arguments": "it reaches function internals",
}
_OPERATORS = frozenset({"||", "??", "+"})
# Type annotations are erased before the code runs; these are the shapes an answer needs.
_TYPES = frozenset(
    {
        "predefined_type",
        "type_identifier",
        "nested_type_identifier",
        "identifier",
        "literal_type",
        "string",
        "string_fragment",
        "number",
        "undefined",
        "null",
        "union_type",
        "array_type",
        "generic_type",
        "type_arguments",
        "parenthesized_type",
    }
)
_LABELS = {
    "new_expression": "`new`",
    "meta_property": "`import.meta`",
    "arrow_function": "functions",
    "function_expression": "functions",
    "await_expression": "`await`",
    "assignment_expression": "assignment",
    "augmented_assignment_expression": "assignment",
    "ternary_expression": "conditional expression",
    "binary_expression": "only `||`, `??` and `+` combine values",
    "private_property_identifier": "private fields",
    "string": "calls and properties on string literals",
    "template_string": "calls and properties on string literals",
}


def check(expr: str, roots: Collection[str]) -> None:
    code = f"({expr});"
    program = treesitter.parse(code, "typescript").root_node
    if any(node.type == "comment" for node in treesitter.walk(program)):
        raise Refused("comments are not allowed")
    inner = _wrapped(program, len(code.encode("utf-8")))
    if program.has_error or inner is None:
        raise Refused("not a JavaScript expression")
    _Grammar(roots).expression(inner)


def _wrapped(program: Node, size: int) -> Node | None:
    """The expression inside the parentheses `check` put around it, if it is all one expression."""
    if len(program.children) != 1 or program.children[0].type != "expression_statement":
        return None
    parens = program.children[0].children[0]
    if parens.type != "parenthesized_expression" or (parens.start_byte, parens.end_byte) != (
        0,
        size - 1,
    ):
        return None
    return parens.named_children[0] if len(parens.named_children) == 1 else None


class _Grammar:
    def __init__(self, roots: Collection[str]) -> None:
        self.roots = roots

    def expression(self, node: Node) -> None:
        operator = node.child_by_field_name("operator")
        if node.type == "parenthesized_expression" and len(node.named_children) == 1:
            self.expression(node.named_children[0])
        elif node.type == "binary_expression" and operator and operator.type in _OPERATORS:
            self.expression(_field(node, "left"))
            self.expression(_field(node, "right"))
        elif node.type == "string":
            return
        elif node.type == "template_string":
            for part in node.named_children:
                if part.type == "template_substitution":
                    self.value(part.named_children[0])
        elif not self.join(node):
            self.value(node)

    def join(self, node: Node) -> bool:
        """`[user.firstName, user.lastName].filter(Boolean).join(" ")` (the filter is optional)."""
        method = _method_call(node, "join")
        if method is None or [a.type for a in _arguments(node)] != ["string"]:
            return False
        items = _field(method, "object")
        inner = _method_call(items, "filter")
        if inner is not None and [treesitter.text_of(a) for a in _arguments(items)] == ["Boolean"]:
            items = _field(inner, "object")
        if items.type != "array":
            return False
        for element in items.named_children:
            self.value(element)
        return True

    def value(self, node: Node) -> None:
        check_root(self.chain(node), self.roots)

    def chain(self, node: Node) -> tuple[str, ...]:
        """The names the chain reads, root first; () for a chain rooted at a conversion."""
        kind = node.type
        if kind == "identifier":
            check_name(treesitter.text_of(node), _PLAIN, {})
            return (treesitter.text_of(node),)
        if kind in ("parenthesized_expression", "non_null_expression"):
            return self.chain(node.named_children[0])
        if kind == "as_expression":
            for part in treesitter.walk(node.named_children[1]):
                if part.is_named and part.type not in _TYPES:
                    raise not_allowed(treesitter.text_of(node.named_children[1]), "type")
            return self.chain(node.named_children[0])
        if kind == "member_expression":
            parts = self.chain(_field(node, "object"))
            return step(parts, _property(_field(node, "property")))
        if kind == "subscript_expression":
            return step(self.chain(_field(node, "object")), _key(_field(node, "index")))
        if kind == "call_expression":
            return self.call(node)
        raise not_allowed(treesitter.text_of(node), _LABELS.get(kind, kind.replace("_", " ")))

    def call(self, node: Node) -> tuple[str, ...]:
        func, args = _field(node, "function"), _field(node, "arguments")
        if func.type == "import":
            raise Refused("`import` is not allowed")
        if args.type == "template_string":
            raise not_allowed(treesitter.text_of(node), "tagged templates")
        if len(node.children) != 2:
            raise not_allowed(treesitter.text_of(node), "optional calls")
        given = _arguments(node)
        conversion = func.type == "identifier" and treesitter.text_of(func) in CONVERSIONS
        if conversion and len(given) == 1 and given[0].type != "spread_element":
            self.value(given[0])
            return ()
        parts = self.chain(func)
        if func.type == "member_expression":
            check_root(parts, self.roots)  # `req.get(...)` reads the request first
        if given:
            raise call_with_arguments(treesitter.text_of(func), CONVERSIONS)
        name = (
            treesitter.text_of(_field(func, "property")) if func.type == "member_expression" else ""
        )
        if name not in METHODS:
            raise not_allowed_call(treesitter.text_of(func), METHODS)
        return step(parts[:-1], f"{name}()")


def _field(node: Node, name: str) -> Node:
    child = node.child_by_field_name(name)
    if child is None:
        raise Refused("not a JavaScript expression")
    return child


def _arguments(call: Node) -> list[Node]:
    args = call.child_by_field_name("arguments")
    return args.named_children if args is not None and args.type == "arguments" else []


def _method_call(node: Node, method: str) -> Node | None:
    """The member expression `x.method` when `node` is the call `x.method(...)`."""
    if node.type != "call_expression" or len(node.children) != 2:
        return None
    func = node.child_by_field_name("function")
    prop = func.child_by_field_name("property") if func is not None else None
    if func is None or func.type != "member_expression" or prop is None:
        return None
    return func if treesitter.text_of(prop) == method else None


def _property(node: Node) -> str:
    if node.type != "property_identifier":
        raise not_allowed(treesitter.text_of(node), _LABELS.get(node.type, node.type))
    name = treesitter.text_of(node)
    check_name(name, _PLAIN, _REFUSED)
    return name


def _key(node: Node) -> str:
    if node.type == "number" and re.fullmatch(r"\d+", treesitter.text_of(node)):
        return f"[{treesitter.text_of(node)}]"
    if node.type == "string" and all(c.type == "string_fragment" for c in node.named_children):
        key = "".join(treesitter.text_of(c) for c in node.named_children)
        check_key(key, _REFUSED)
        return key
    raise Refused(
        f"subscripts take one string or integer literal, without escapes "
        f"(`[{treesitter.text_of(node)}]`)"
    )
