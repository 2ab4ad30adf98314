"""What the three expression grammars share: the refusal, the roots rule and the name rules."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence


class Refused(Exception):
    """An expression outside its language's grammar; the message names the rule it breaks."""


def snippet(code: str, limit: int = 40) -> str:
    """The offending code, on one line and short enough to quote in a one-line error."""
    code = " ".join(code.split())
    return code if len(code) <= limit else code[: limit - 3] + "..."


def check_name(name: str, plain: re.Pattern[str], refused: Mapping[str, str]) -> None:
    """A property name: a plain ASCII identifier, not a dunder, not one the language refuses."""
    if not plain.fullmatch(name):
        raise Refused(f"`{snippet(name)}` is not a plain identifier")
    check_key(name, refused)


def check_key(key: str, refused: Mapping[str, str]) -> None:
    """A literal subscript key: not a dunder, not one of the names the language refuses."""
    if key.startswith("__"):
        raise Refused(f"dunder name `{snippet(key)}` is not allowed")
    why = refused.get(key)
    if why is not None:
        raise Refused(f"`{key}` is not allowed ({why})")


def check_root(parts: Sequence[str], roots: Collection[str]) -> None:
    """The chain `parts` (its root name, then each step's name) starts at one of `roots`: a name,
    or a dotted path where only part of an object is the user (`req.user`, `req.session`).

    Empty `parts` is a chain rooted at a conversion (`str(user.pk)`), whose argument was checked.
    """
    if not parts:
        return
    paths = [tuple(root.split(".")) for root in roots]
    if any(tuple(parts[: len(path)]) == path for path in paths):
        return
    allowed = ", ".join(sorted(roots))
    if any(path[0] == parts[0] for path in paths):
        read = parts[0] + "".join(p if p.startswith("[") else f".{p}" for p in parts[1:2])
        raise Refused(
            f"`{read}` is not the signed-in user (a request's query, body, params, headers and "
            f"cookies are client input); it may only use {allowed}"
        )
    raise Refused(f"uses {parts[0]}; it may only use {allowed}")


def step(parts: tuple[str, ...], name: str) -> tuple[str, ...]:
    """`parts` read one step further; a chain rooted at a conversion stays rooted there."""
    return (*parts, name) if parts else ()


def call_with_arguments(function: str, conversions: Collection[str]) -> Refused:
    takers = ", ".join(f"{name}()" for name in sorted(conversions))
    return Refused(
        f"calls with arguments are not allowed (`{snippet(function)}(...)`), "
        f"except {takers} of one value"
    )


def not_allowed_call(method: str, methods: Collection[str]) -> Refused:
    listed = ", ".join(f"{name}()" for name in sorted(methods))
    return Refused(f"`{snippet(method)}()` is not an allowed call (allowed: {listed})")


def not_allowed(code: str, what: str) -> Refused:
    return Refused(f"`{snippet(code)}` is not allowed ({what})")
