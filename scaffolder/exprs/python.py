"""The Python expression grammar, on LibCST's native parser (any Python grammar, whatever the
interpreter running the tool).

    expression := term | expression `or` expression | expression `+` expression
    term       := value | string | f-string (placeholders: value, `!s` at most)
                | "sep".join([value, ...]) | "sep".join(filter(None, [value, ...]))
    value      := root | value.name | value["key"] | value[0] | value.method() | str(value)

Names are plain ASCII identifiers; names starting with `_` are refused (`__x` reaches the
interpreter, `_x` is private and `_Class__x` reaches name-mangled internals such as werkzeug's
LocalProxy), and so are the frame attributes that lead to globals without underscores.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import TypeGuard

import libcst as cst

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

METHODS = frozenset(
    {
        "get_full_name",
        "full_name",  # a model method detection reads the name from (python.models.pick_fields)
        "display_name",
        "get_short_name",
        "get_username",
        "get_id",
        "strip",
        "lstrip",
        "rstrip",
        "lower",
        "upper",
        "title",
        "casefold",
    }
)
CONVERSIONS = frozenset({"str"})
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_FRAMES = "it reaches interpreter frames and their globals"
_REFUSED = {
    name: _FRAMES
    for name in ("gi_frame", "cr_frame", "ag_frame", "tb_frame", "f_back", "f_globals", "f_locals")
}
_LABELS: dict[type[cst.CSTNode], str] = {
    cst.Lambda: "lambda",
    cst.ListComp: "comprehension",
    cst.SetComp: "comprehension",
    cst.DictComp: "comprehension",
    cst.GeneratorExp: "comprehension",
    cst.NamedExpr: "assignment expression `:=`",
    cst.IfExp: "conditional expression",
    cst.Await: "`await`",
    cst.Yield: "`yield`",
    cst.Comparison: "comparison",
    cst.UnaryOperation: "unary operator",
    cst.BinaryOperation: "only `+` joins pieces",
    cst.BooleanOperation: "only `or` combines values",
    cst.SimpleString: "calls and attributes on string literals",
    cst.ConcatenatedString: "calls and attributes on string literals",
    cst.FormattedString: "calls and attributes on string literals",
}


def check(expr: str, roots: Collection[str]) -> None:
    try:
        tree = cst.parse_expression(expr)
    except cst.ParserSyntaxError:
        raise Refused("not a Python expression") from None
    # The parser leaves out a trailing comment; any other comment is a node of the tree.
    if _code(tree) != expr or any(isinstance(n, cst.Comment) for n in _descendants(tree)):
        raise Refused("comments are not allowed")
    _Grammar(roots).expression(tree)


def _descendants(node: cst.CSTNode) -> list[cst.CSTNode]:
    found = [node]
    for child in node.children:
        found += _descendants(child)
    return found


def _code(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)


class _Grammar:
    def __init__(self, roots: Collection[str]) -> None:
        self.roots = roots

    def expression(self, node: cst.BaseExpression) -> None:
        if _combines(node):
            self.expression(node.left)
            self.expression(node.right)
        elif isinstance(node, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
            self.string(node)
        elif not self.join(node):
            self.value(node)

    def string(self, node: cst.BaseExpression) -> None:
        if isinstance(node, cst.ConcatenatedString):
            self.string(node.left)
            self.string(node.right)
        elif isinstance(node, cst.SimpleString) and "b" not in node.prefix.lower():
            return
        elif isinstance(node, cst.FormattedString):
            for part in node.parts:
                if isinstance(part, cst.FormattedStringExpression):
                    if part.format_spec is not None or part.equal is not None:
                        raise not_allowed(_code(part), "f-string format specs and `=`")
                    if part.conversion not in (None, "s"):
                        raise not_allowed(_code(part), "f-string conversions other than `!s`")
                    self.value(part.expression)
        else:
            raise not_allowed(_code(node), "bytes")

    def join(self, node: cst.BaseExpression) -> bool:
        """`" ".join([user.first_name, user.last_name])`, optionally through `filter(None, ...)`."""
        if not (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and isinstance(node.func.value, cst.SimpleString)
            and "b" not in node.func.value.prefix.lower()
            and node.func.attr.value == "join"
            and _positional(node, 1)
        ):
            return False
        items = node.args[0].value
        if (
            isinstance(items, cst.Call)
            and isinstance(items.func, cst.Name)
            and items.func.value == "filter"
            and _positional(items, 2)
            and isinstance(items.args[0].value, cst.Name)
            and items.args[0].value.value == "None"
        ):
            items = items.args[1].value
        if not isinstance(items, cst.List):
            return False
        for element in items.elements:
            if not isinstance(element, cst.Element):
                raise not_allowed(_code(element), "unpacking")
            self.value(element.value)
        return True

    def value(self, node: cst.BaseExpression) -> None:
        check_root(self.chain(node), self.roots)

    def chain(self, node: cst.BaseExpression) -> tuple[str, ...]:
        """The names the chain reads, root first; () for a chain rooted at a conversion."""
        if isinstance(node, cst.Name):
            if not _PLAIN.fullmatch(node.value):
                raise Refused(f"`{snippet(node.value)}` is not a plain identifier")
            return (node.value,)
        if isinstance(node, cst.Attribute):
            parts = self.chain(node.value)
            _check_attribute(node.attr.value)
            return step(parts, node.attr.value)
        if isinstance(node, cst.Subscript):
            return step(self.chain(node.value), _key(node))
        if isinstance(node, cst.Call):
            return self.call(node)
        raise not_allowed(_code(node), _LABELS.get(type(node), type(node).__name__))

    def call(self, node: cst.Call) -> tuple[str, ...]:
        func = node.func
        if isinstance(func, cst.Name) and func.value in CONVERSIONS and _positional(node, 1):
            self.value(node.args[0].value)
            return ()
        if isinstance(func, cst.Attribute):
            parts = self.chain(func.value)
            _check_attribute(func.attr.value)
            check_root(parts, self.roots)  # `request.args.get(...)` reads the request first
        else:
            parts = self.chain(func)
        if node.args:
            raise call_with_arguments(_code(func), CONVERSIONS)
        if not isinstance(func, cst.Attribute) or func.attr.value not in METHODS:
            raise not_allowed_call(_code(func), METHODS)
        return step(parts, f"{func.attr.value}()")


def _check_attribute(name: str) -> None:
    if name.startswith("_") and not name.startswith("__"):
        raise Refused(f"private name `{snippet(name)}` is not allowed (read a public field)")
    check_name(name, _PLAIN, _REFUSED)


def _combines(
    node: cst.BaseExpression,
) -> TypeGuard[cst.BooleanOperation | cst.BinaryOperation]:
    """`a or b`, `a + b`: the two ways to combine pieces."""
    if isinstance(node, cst.BooleanOperation):
        return isinstance(node.operator, cst.Or)
    return isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add)


def _positional(node: cst.Call, count: int) -> bool:
    return len(node.args) == count and all(a.keyword is None and not a.star for a in node.args)


def _key(node: cst.Subscript) -> str:
    element = node.slice[0].slice if len(node.slice) == 1 else None
    if isinstance(element, cst.Index) and element.star is None:
        key = element.value
        if isinstance(key, cst.Integer):
            return f"[{key.value}]"
        if isinstance(key, cst.SimpleString) and "b" not in key.prefix.lower():
            text = key.evaluated_value
            assert isinstance(text, str)
            check_key(text, _REFUSED)
            return text
    raise Refused(f"subscripts take one string or integer literal (`{snippet(_code(node))}`)")
