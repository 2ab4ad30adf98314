"""What a PHP value is, for the checker's rules: an environment read, a claims array, an email
that is (not) lowercased, a token lifetime, client input, a token WordPress or the client already
holds. Each follows the value through the project with `PhpIndex.values`; what cannot be told is
left out."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tree_sitter import Node

from scaffolder import treesitter as ts
from scaffolder.check.php.index import (
    CALLS,
    At,
    Ctx,
    PhpIndex,
    arguments,
    call_name,
    element_pairs,
    string_value,
    text,
    variable,
    walk_own,
)

WP_SECONDS = {
    "MINUTE_IN_SECONDS": 60,
    "HOUR_IN_SECONDS": 3600,
    "DAY_IN_SECONDS": 86400,
    "WEEK_IN_SECONDS": 604800,
    "MONTH_IN_SECONDS": 2592000,
    "YEAR_IN_SECONDS": 31536000,
}
UNITS = {"sec": 1, "second": 1, "min": 60, "minute": 60, "hour": 3600, "day": 86400}
UNITS |= {"week": 604800, "month": 2592000, "year": 31536000}
TEXT_THROUGH = frozenset(
    {"trim", "sanitize_email", "sanitize_text_field", "wp_unslash", "strval", "esc_attr"}
    | {"esc_html", "stripslashes", "rtrim", "ltrim"}
)
LOWER = frozenset({"strtolower", "mb_strtolower"})
SUPERGLOBALS = frozenset({"_GET", "_POST", "_REQUEST", "_COOKIE", "_SERVER", "_FILES"})
REQUEST_METHODS = frozenset(
    {"get_param", "get_params", "get_json_params", "get_body_params", "get_query_params"}
    | {"get_header", "get_body"}
)
PROVIDER = re.compile(r"(?i)token|authorization|auth_cookie|logged_in_cookie|nonce")
STORED = frozenset({"get_user_meta", "get_option"})
PROVIDER_CALLS = frozenset(
    {"wp_get_session_token", "wp_create_nonce", "wp_generate_auth_cookie", "wp_parse_auth_cookie"}
)


@dataclass
class Values:
    index: PhpIndex

    def env_name(self, leaf: At) -> str | None:
        """The variable an environment read reads: getenv('X'), $_ENV['X'], $_SERVER['X'], or a
        constant defined outside the project (wp-config.php defines it from the environment)."""
        node = leaf.node
        if node.type == "function_call_expression" and call_name(node) == "getenv":
            args = arguments(node)
            return string_value(args[0]) if args else None
        if node.type == "subscript_expression" and node.named_children:
            base = variable(node.named_children[0])
            return string_value(node.named_children[-1]) if base in ("_ENV", "_SERVER") else None
        if node.type == "name" and text(node) not in self.index.constants:
            return text(node)
        return None

    def claims(self, at: At, depth: int = 0) -> list[tuple[dict[str, list[At]], At]]:
        """The claims arrays a value may be: their entries, with the keys assigned later
        (`$claims['exp'] = ...`) and `array_merge(...)` parts; with where each starts."""
        node = at.node
        if depth > 12:
            return []
        if node.type == "array_creation_expression":
            entries: dict[str, list[At]] = {}
            for key, value in element_pairs(node):
                name = string_value(key)
                if name is not None:
                    entries.setdefault(name, []).append(At(value, at.ctx))
            return [(entries, at)]
        if node.type == "function_call_expression" and call_name(node) == "array_merge":
            merged: dict[str, list[At]] = {}
            for part in arguments(node):
                for inner, _ in self.claims(At(part, at.ctx), depth + 1):
                    for claim, values in inner.items():
                        merged.setdefault(claim, []).extend(values)
            return [(merged, at)] if merged else []
        found: list[tuple[dict[str, list[At]], At]] = []
        later = self._assigned_keys(node, at.ctx) if node.type == "variable_name" else []
        for hop in self.index.step(at) or []:
            for inner, origin in self.claims(hop, depth + 1):
                for claim, assigned in later:
                    inner.setdefault(claim, []).append(assigned)
                found.append((inner, origin))
        return found

    def _assigned_keys(self, node: Node, ctx: Ctx) -> list[tuple[str, At]]:
        name = text(node)
        scope = walk_own(ctx.func) if ctx.func is not None else ts.walk(ctx.file.root)
        found = []
        for n in scope:
            left = n.child_by_field_name("left") if n.type == "assignment_expression" else None
            if (
                left is not None
                and left.type == "subscript_expression"
                and left.named_children
                and text(left.named_children[0]) == name
            ):
                key = string_value(left.named_children[-1])
                right = n.child_by_field_name("right")
                if key is not None and right is not None:
                    found.append((key, At(right, ctx)))
        return found

    def leaves(self, at: At, through: frozenset[str], depth: int = 0) -> list[At]:
        found: list[At] = []
        for leaf in self.index.values(at):
            node = leaf.node
            if node.type == "function_call_expression" and call_name(node) in through and depth < 8:
                args = arguments(node)
                if args:
                    found += self.leaves(At(args[0], leaf.ctx), through, depth + 1)
                    continue
            found.append(leaf)
        return found

    def not_lowered(self, at: At, depth: int = 0) -> list[At]:
        found: list[At] = []
        for leaf in self.leaves(at, TEXT_THROUGH):
            node = leaf.node
            if node.type == "function_call_expression" and call_name(node) in LOWER:
                continue
            value = string_value(node)
            if value is not None:
                found += [leaf] if value != value.lower() else []
            elif node.type in ("member_access_expression", "subscript_expression"):
                found.append(leaf)
            elif (
                node.type == "binary_expression"
                and text(node.child_by_field_name("operator")) == "."
                and depth < 6
            ):
                for side in ("left", "right"):
                    part = node.child_by_field_name(side)
                    found += self.not_lowered(At(part, leaf.ctx), depth + 1) if part else []
        return found

    def client_inputs(self, at: At, depth: int = 0) -> list[At]:
        found: list[At] = []
        for leaf in self.leaves(at, TEXT_THROUGH | LOWER | {"json_decode"}):
            node = leaf.node
            if node.type == "subscript_expression" and node.named_children:
                base = node.named_children[0]
                read = variable(base) in SUPERGLOBALS or variable(base) in ("request", "req")
                if read or (depth < 6 and self.client_inputs(At(base, leaf.ctx), depth + 1)):
                    found.append(leaf)
            elif node.type == "member_call_expression" and call_name(node) in REQUEST_METHODS:
                found.append(leaf)
            elif node.type == "function_call_expression":
                args = " ".join(text(a) for a in arguments(node))
                if call_name(node) == "filter_input" or "php://input" in args:
                    found.append(leaf)
        return found

    def lifetimes(self, at: At) -> list[tuple[float, At]]:
        found: list[tuple[float, At]] = []
        for leaf in self.index.values(at):
            node = leaf.node
            if (
                node.type == "binary_expression"
                and text(node.child_by_field_name("operator")) == "+"
            ):
                left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
                for now, length in ((left, right), (right, left)):
                    if now is not None and length is not None and self._is_now(At(now, leaf.ctx)):
                        found += self.seconds(At(length, leaf.ctx))
            elif node.type == "function_call_expression" and call_name(node) == "strtotime":
                relative = _relative(string_value(arguments(node)[0]) if arguments(node) else None)
                found += [(relative, leaf)] if relative is not None else []
        return found

    def _is_now(self, at: At) -> bool:
        for leaf in self.index.values(at):
            if leaf.node.type in CALLS and call_name(leaf.node) in (
                "time",
                "current_time",
                "gettimestamp",
            ):
                return True
        return False

    def seconds(self, at: At, depth: int = 0) -> list[tuple[float, At]]:
        found = []
        for leaf in self.index.values(at):
            value = self._number(leaf.node, leaf.ctx, depth)
            if value is not None:
                found.append((value, leaf))
        return found

    def _number(self, node: Node, ctx: Ctx, depth: int) -> float | None:
        if depth > 8:
            return None
        if node.type in ("integer", "float"):
            return float(text(node).replace("_", ""))
        if node.type == "name" and text(node) in WP_SECONDS:
            return float(WP_SECONDS[text(node)])
        if node.type == "binary_expression":
            parts = [node.child_by_field_name(s) for s in ("left", "right")]
            numbers = []
            for part in parts:
                values = [v for v, _ in self.seconds(At(part, ctx), depth + 1)] if part else []
                numbers.append(max(values) if values else None)
            left, right = numbers
            operator = text(node.child_by_field_name("operator"))
            if left is None or right is None:
                return None
            return {"*": left * right, "+": left + right, "-": left - right}.get(operator)
        return None

    def provider_tokens(self, at: At) -> list[At]:
        found = []
        for leaf in self.leaves(at, TEXT_THROUGH):
            node = leaf.node
            if node.type in CALLS and call_name(node) in PROVIDER_CALLS:
                found.append(leaf)
            elif node.type == "subscript_expression" and node.named_children:
                base, key = node.named_children[0], node.named_children[-1]
                if variable(base) == "_COOKIE" or PROVIDER.search(string_value(key) or text(key)):
                    found.append(leaf)
            elif node.type == "member_access_expression" and PROVIDER.search(
                text(node.child_by_field_name("name"))
            ):
                found.append(leaf)
            elif node.type == "function_call_expression" and call_name(node) in STORED:
                names = [string_value(a) or "" for a in arguments(node)]
                found += [leaf] if any(PROVIDER.search(n) for n in names) else []
        return found


def _relative(value: str | None) -> float | None:
    """`strtotime('+2 days')`'s distance from now, in seconds."""
    if value is None:
        return None
    match = re.fullmatch(
        r"\s*\+?\s*(\d+)\s*(sec|second|min|minute|hour|day|week|month|year)s?\s*", value
    )
    return float(match.group(1)) * UNITS[match.group(2)] if match else None
