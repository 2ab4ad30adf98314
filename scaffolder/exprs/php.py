"""The PHP expression grammar, on tree-sitter's PHP parser.

    expression := term | expression (`.` | `??` | `?:`) expression
    term       := value | 'string' | "string without interpolation"
    value      := $root | value->name | value?->name | value['key'] | value[0]
                | (string) value | trim(value) | strtolower(value) | mb_strtolower(value)
                | strval(value)

The four functions are pure string conversions of one value (no I/O, no callbacks, no
WordPress filters), which is all an email, a name or an id needs. Method calls are refused:
WP_User has no zero-argument method returning one of them (its fields are properties). Names
are plain ASCII identifiers and never magic (`__get`); superglobals and `php://` streams are
request input, never the signed-in user.
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
    snippet,
    step,
)

FUNCTIONS = frozenset({"trim", "strtolower", "mb_strtolower", "strval"})
SUPERGLOBALS = frozenset(
    {
        "$_GET",
        "$_POST",
        "$_REQUEST",
        "$_COOKIE",
        "$_SERVER",
        "$_FILES",
        "$_ENV",
        "$_SESSION",
        "$GLOBALS",
    }
)
_PREFIX = "<?php $value = "
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_VARIABLE = re.compile(r"\$[A-Za-z_][A-Za-z0-9_]*")
_OPERATORS = frozenset({".", "??"})
_TEXT = frozenset({"string_content", "escape_sequence"})
_LABELS = {
    "shell_command_expression": "backtick shell commands",
    "dynamic_variable_name": "variable variables",
    "include_expression": "`include`",
    "include_once_expression": "`include_once`",
    "require_expression": "`require`",
    "require_once_expression": "`require_once`",
    "print_intrinsic": "`print`",
    "heredoc": "heredocs",
    "nowdoc": "nowdocs",
    "object_creation_expression": "`new`",
    "anonymous_function": "functions",
    "arrow_function": "functions",
    "assignment_expression": "assignment",
    "scoped_property_access_expression": "static access",
    "scoped_call_expression": "static calls",
    "member_call_expression": "method calls; read the user's properties instead",
    "nullsafe_member_call_expression": "method calls; read the user's properties instead",
    "binary_expression": "only `.`, `??` and `?:` combine values",
    "conditional_expression": "only the short `?:` combines values",
}


def check(expr: str, roots: Collection[str]) -> None:
    code = f"{_PREFIX}{expr};"
    program = treesitter.parse(code, "php").root_node
    nodes = list(treesitter.walk(program))
    if any(node.type == "comment" for node in nodes):
        raise Refused("comments are not allowed")
    value = _wrapped(program, len(_PREFIX), len(code.encode("utf-8")) - 1)
    if program.has_error or value is None:
        raise Refused("not a PHP expression")
    if any(n.type in ("string", "encapsed_string") and "php://" in _text(n) for n in nodes):
        raise Refused("php:// streams are request input, never the signed-in user")
    _Grammar(roots).expression(value)


def _wrapped(program: Node, start: int, end: int) -> Node | None:
    """The right side of the assignment `check` wrapped the expression in, if it is all of it."""
    statements = program.named_children
    if len(statements) != 2 or statements[1].type != "expression_statement":
        return None
    assignment = statements[1].named_children[0]
    value = assignment.child_by_field_name("right")
    if assignment.type != "assignment_expression" or value is None:
        return None
    return value if (value.start_byte, value.end_byte) == (start, end) else None


def _text(node: Node) -> str:
    return treesitter.text_of(node)


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
        elif node.type == "conditional_expression" and node.child_by_field_name("body") is None:
            self.expression(_field(node, "condition"))
            self.expression(_field(node, "alternative"))
        elif node.type in ("string", "encapsed_string"):
            if any(part.type not in _TEXT for part in node.named_children):
                raise not_allowed(_text(node), "interpolation in double-quoted strings")
        else:
            self.value(node)

    def value(self, node: Node) -> None:
        parts = self.chain(node)
        if parts and parts[0] in SUPERGLOBALS:
            raise Refused(
                f"`{parts[0]}` is a PHP superglobal (request input, never the signed-in user); "
                f"it may only use {', '.join(sorted(self.roots))}"
            )
        check_root(parts, self.roots)

    def chain(self, node: Node) -> tuple[str, ...]:
        """The names the chain reads, root first; () for a chain rooted at a conversion."""
        kind = node.type
        if kind == "variable_name":
            if not _VARIABLE.fullmatch(_text(node)):
                raise Refused(f"`{snippet(_text(node))}` is not a plain variable")
            return (_text(node),)
        if kind == "parenthesized_expression" and len(node.named_children) == 1:
            return self.chain(node.named_children[0])
        if kind in ("member_access_expression", "nullsafe_member_access_expression"):
            parts = self.chain(_field(node, "object"))
            name = _field(node, "name")
            if name.type != "name":
                raise not_allowed(_text(node), "dynamic property names")
            check_name(_text(name), _PLAIN, {})
            return step(parts, _text(name))
        if kind == "subscript_expression" and len(node.named_children) == 2:
            target, index = node.named_children
            if node.children[1].type != "[":
                raise not_allowed(_text(node), "`{}` subscripts")
            return step(self.chain(target), _key(index))
        if kind == "cast_expression":
            if _text(_field(node, "type")).lower() != "string":
                raise not_allowed(_text(node), "casts other than `(string)`")
            self.value(_field(node, "value"))
            return ()
        if kind == "function_call_expression":
            return self.call(node)
        raise not_allowed(_text(node), _LABELS.get(kind, kind.replace("_", " ")))

    def call(self, node: Node) -> tuple[str, ...]:
        func = _field(node, "function")
        name = _function_name(func)
        given = _field(node, "arguments").named_children
        if name not in FUNCTIONS:
            if given:
                raise call_with_arguments(_text(func), FUNCTIONS)
            raise not_allowed_call(_text(func), FUNCTIONS)
        if len(given) != 1 or given[0].type != "argument" or len(given[0].children) != 1:
            raise Refused(f"`{_text(func)}()` takes one value (`{snippet(_text(node))}`)")
        self.value(given[0].children[0])
        return ()


def _function_name(func: Node) -> str | None:
    """A global function's name, lowercased (PHP's function names are case-insensitive)."""
    if func.type == "name":
        return _text(func).lower()
    if func.type == "qualified_name" and _text(func).startswith("\\"):
        rest = _text(func)[1:]
        return rest.lower() if _PLAIN.fullmatch(rest) else None
    return None


def _field(node: Node, name: str) -> Node:
    child = node.child_by_field_name(name)
    if child is None:
        raise Refused("not a PHP expression")
    return child


def _key(node: Node) -> str:
    if node.type == "integer" and re.fullmatch(r"\d+", _text(node)):
        return f"[{_text(node)}]"
    if node.type in ("string", "encapsed_string") and all(
        part.type == "string_content" for part in node.named_children
    ):
        key = "".join(_text(part) for part in node.named_children)
        check_key(key, {})
        return key
    raise Refused(
        f"subscripts take one string or integer literal, without escapes (`[{_text(node)}]`)"
    )
