"""Token lifetimes, in seconds, as the code writes them: jsonwebtoken's `expiresIn` (`"1h"`,
`"7 days"`, `3600`), jose's `setExpirationTime("48h")` / an absolute time, and an `exp` claim
(`Math.floor(Date.now() / 1000) + 60 * 60`)."""

from __future__ import annotations

import re

from tree_sitter import Node

from scaffolder.check.javascript.program import Module
from scaffolder.check.javascript.values import Flow, Leaf
from scaffolder.js.syntax import call_arguments

MAX_LIFETIME = 24 * 3600
_SPAN = re.compile(r"^\s*\+?\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*(?:from now)?\s*$", re.I)
_UNITS = {
    1e-3: ("ms", "msec", "msecs", "millisecond", "milliseconds"),
    1: ("s", "sec", "secs", "second", "seconds"),
    60: ("m", "min", "mins", "minute", "minutes"),
    3600: ("h", "hr", "hrs", "hour", "hours"),
    86400: ("d", "day", "days"),
    604800: ("w", "week", "weeks"),
    31557600: ("y", "yr", "yrs", "year", "years"),
}
_SECONDS = {unit: factor for factor, units in _UNITS.items() for unit in units}
_ROUNDING = ("Math.floor", "Math.round", "Math.trunc", "Math.ceil", "Number", "parseInt")


def span(text: str, bare_unit: float | None) -> float | None:
    """`"2 days"` -> 172800. A number without unit counts `bare_unit` seconds (jsonwebtoken:
    milliseconds; jose: not a span)."""
    match = _SPAN.match(text)
    if match is None:
        return None
    amount, unit = float(match.group(1)), match.group(2).lower()
    if not unit:
        return amount * bare_unit if bare_unit is not None else None
    factor = _SECONDS.get(unit)
    return amount * factor if factor is not None else None


def number(flow: Flow, m: Module, node: Node, depth: int = 0) -> float | None:
    """A constant arithmetic expression's value (named constants followed)."""
    if depth > 12:
        return None
    kind = node.type
    if kind == "number":
        try:
            return float(m.text(node).replace("_", ""))
        except ValueError:
            return None
    if kind == "parenthesized_expression" and node.named_children:
        return number(flow, m, node.named_children[0], depth + 1)
    if kind == "unary_expression" and m.text(node).startswith("-") and node.named_children:
        inner = number(flow, m, node.named_children[-1], depth + 1)
        return -inner if inner is not None else None
    if kind == "binary_expression":
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        op = m.text(node.child_by_field_name("operator"))
        a = number(flow, m, left, depth + 1) if left is not None else None
        b = number(flow, m, right, depth + 1) if right is not None else None
        if a is None or b is None:
            return None
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/" and b:
            return a / b
        return None
    if kind in ("identifier", "member_expression"):
        leaves = flow.values(m, node)
        found = [number(flow, leaf.module, leaf.node, depth + 1) for leaf in leaves]
        known = [f for f in found if f is not None]
        return max(known) if known and len(known) == len(found) else None
    return None


def lifetime_of_expires_in(flow: Flow, leaf: Leaf) -> float | None:
    """jsonwebtoken's `expiresIn`: seconds as a number, an `ms` span as a string."""
    node, m = leaf.node, leaf.module
    if node.type == "string":
        return span(m.text(node)[1:-1], 1e-3)
    return number(flow, m, node)


def lifetime_of_jose(flow: Flow, leaf: Leaf) -> float | None:
    """jose's setExpirationTime: a span string, or an absolute time (seconds, a Date)."""
    node, m = leaf.node, leaf.module
    if node.type == "string":
        return span(m.text(node)[1:-1], None)
    return lifetime_of_exp(flow, leaf)


def lifetime_of_exp(flow: Flow, leaf: Leaf) -> float | None:
    """An absolute `exp` (seconds since the epoch), as now + N: N."""
    return _from_now(flow, leaf.module, leaf.node, 0)


def _from_now(flow: Flow, m: Module, node: Node, depth: int) -> float | None:
    if depth > 12:
        return None
    kind = node.type
    if kind == "parenthesized_expression" and node.named_children:
        return _from_now(flow, m, node.named_children[0], depth + 1)
    if kind == "identifier":
        leaves = flow.values(m, node)
        found = [_from_now(flow, leaf.module, leaf.node, depth + 1) for leaf in leaves]
        known = [f for f in found if f is not None]
        return max(known) if known and len(known) == len(found) else None
    if kind == "binary_expression":
        op = m.text(node.child_by_field_name("operator"))
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is None or right is None:
            return None
        if op == "+":
            if _now(flow, m, left, depth) == "s":
                return number(flow, m, right)
            if _now(flow, m, right, depth) == "s":
                return number(flow, m, left)
            base = _from_now(flow, m, left, depth + 1)
            extra = number(flow, m, right)
            return base + extra if base is not None and extra is not None else None
        if op == "/":
            divisor = number(flow, m, right)
            ms = _ms_from_now(flow, m, left, depth + 1)
            return ms / 1000 if divisor == 1000 and ms is not None else None
    if kind == "call_expression":
        callee = m.text(node.child_by_field_name("function"))
        args = call_arguments(node)
        if callee in _ROUNDING and args:
            return _from_now(flow, m, args[0], depth + 1)
    if kind == "new_expression" and m.text(node.child_by_field_name("constructor")) == "Date":
        args = call_arguments(node)
        ms = _ms_from_now(flow, m, args[0], depth + 1) if len(args) == 1 else None
        return ms / 1000 if ms is not None else None
    return None


def _ms_from_now(flow: Flow, m: Module, node: Node, depth: int) -> float | None:
    """`Date.now() + N` (milliseconds) -> N."""
    if node.type == "parenthesized_expression" and node.named_children:
        return _ms_from_now(flow, m, node.named_children[0], depth + 1)
    if _now(flow, m, node, depth) == "ms":
        return 0.0
    if node.type == "binary_expression" and m.text(node.child_by_field_name("operator")) == "+":
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is not None and right is not None:
            if _now(flow, m, left, depth) == "ms":
                return number(flow, m, right)
            if _now(flow, m, right, depth) == "ms":
                return number(flow, m, left)
    return None


def _now(flow: Flow, m: Module, node: Node, depth: int) -> str | None:
    """ "ms" for the current time in milliseconds, "s" in seconds, else None."""
    if depth > 12:
        return None
    text = re.sub(r"\s+", "", m.text(node))
    if text in ("Date.now()", "newDate().getTime()", "+newDate()", "Number(newDate())"):
        return "ms"
    if text in ("Date.now()/1000", "newDate().getTime()/1000"):
        return "s"
    if node.type == "parenthesized_expression" and node.named_children:
        return _now(flow, m, node.named_children[0], depth + 1)
    if node.type == "call_expression":
        callee = m.text(node.child_by_field_name("function"))
        args = call_arguments(node)
        if callee in _ROUNDING and args:
            inner = args[0]
            return "s" if _now(flow, m, inner, depth + 1) == "s" else None
        if callee.endswith(".unix") or callee.endswith("getUnixTime"):
            return "s"
    if node.type == "binary_expression" and m.text(node.child_by_field_name("operator")) == "/":
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is not None and right is not None and number(flow, m, right) == 1000:
            return "s" if _now(flow, m, left, depth + 1) == "ms" else None
    if node.type == "identifier":
        leaves = flow.values(m, node)
        kinds = {_now(flow, leaf.module, leaf.node, depth + 1) for leaf in leaves}
        return kinds.pop() if len(kinds) == 1 else None
    return None
