"""How the browser sends the app's own token, read from the app's security scheme.

OAuth2 and HTTP bearer schemes read `Authorization: Bearer <token>`. An `APIKeyHeader` (or the
app's subclass of one) reads the whole header: the prefix is the one the app's header
dependency compares the header's first word with (the RealWorld API's `Token`, from
`settings.jwt_token_prefix`), none when it compares none.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass

from scaffolder.python.source import PyModule, PythonIndex, keyword
from scaffolder.stacks.fastapi import values

Function = ast.FunctionDef | ast.AsyncFunctionDef
_KEY_HEADERS = frozenset({"APIKeyHeader"})
_SPLITS = frozenset({"split", "rsplit", "partition", "get_authorization_scheme_param"})
_CASE = frozenset({"lower", "upper", "casefold", "strip"})


@dataclass(frozen=True)
class TokenHeader:
    name: str
    prefix: str
    """The word before the token (`Bearer`); "" when the header carries the bare token."""

    def fetch_options(self, token: str) -> str:
        """The `fetch` options sending `token` (a JS expression) as the app expects it."""
        key = self.name if self.name.isidentifier() else json.dumps(self.name)
        value = f"{json.dumps(self.prefix + ' ')} + {token}" if self.prefix else token
        return f"{{ headers: {{ {key}: {value} }} }}"


BEARER = TokenHeader("Authorization", "Bearer")


def token_header(
    index: PythonIndex,
    scheme_cls: str,
    scheme_mod: PyModule,
    scheme_call: ast.Call,
    readers: list[tuple[PyModule, Function]],
) -> TokenHeader:
    """The header of a scheme (`scheme_cls`, built by `scheme_call` in `scheme_mod`), read by
    the app's functions `readers` (the token's source, the user dependency)."""
    if scheme_cls not in _KEY_HEADERS:
        return BEARER
    named = keyword(scheme_call, "name") or (scheme_call.args[0] if scheme_call.args else None)
    name = values.resolve(index, scheme_mod, named) if named is not None else None
    for mod, func in readers:
        prefix = _compared_prefix(index, mod, func)
        if prefix is not None:
            return TokenHeader(name.text if name else "Authorization", prefix)
    return TokenHeader(name.text if name else "Authorization", "")


def _compared_prefix(index: PythonIndex, mod: PyModule, func: Function) -> str | None:
    """`if token_prefix != settings.jwt_token_prefix: raise ...` after `token_prefix, token =
    header.split(" ")`, or `header.startswith("Token ")`: the prefix's text."""
    split = _split_names(func)
    for node in ast.walk(func):
        sides: list[ast.expr] = []
        if isinstance(node, ast.Compare) and len(node.ops) == 1:
            if isinstance(node.ops[0], (ast.Eq, ast.NotEq)):
                pair = (node.left, node.comparators[0])
                sides = [b for a, b in (pair, pair[::-1]) if _bare_name(a) in split]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
            sides = [node.args[0]] if node.func.attr in ("startswith", "removeprefix") else []
        for side in sides:
            value = values.resolve(index, mod, side, scope=func)
            if value is not None and value.text.strip():
                return value.text.strip()
    return None


def _split_names(func: Function) -> set[str]:
    """Names bound from splitting the header: `prefix, token = header.split(" ")`."""
    found: set[str] = set()
    for node in ast.walk(func):
        if not isinstance(node, ast.Assign):
            continue
        calls = [n for n in ast.walk(node.value) if isinstance(n, ast.Call)]
        if not any(_called(c) in _SPLITS for c in calls):
            continue
        for target in node.targets:
            elements = target.elts if isinstance(target, ast.Tuple) else [target]
            found |= {e.id for e in elements if isinstance(e, ast.Name)}
    return found


def _called(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _bare_name(expr: ast.expr) -> str | None:
    """`scheme` for `scheme`, `scheme.lower()`."""
    while (
        isinstance(expr, ast.Call)
        and isinstance(expr.func, ast.Attribute)
        and expr.func.attr in _CASE
    ):
        expr = expr.func.value
    return expr.id if isinstance(expr, ast.Name) else None
