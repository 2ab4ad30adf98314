"""Answers that are code (`--email-expr`, `--name-expr`, `--id-expr`), checked before they reach
generated code.

Each language has a grammar (`python`, `javascript` for JS and TS, `php`; registered with the
language in `languages`): an answer is a chain read from the signed-in user (the roots each
stack passes: the names its generated code has in scope, or a dotted path such as `req.user`),
through plain attributes, literal subscripts and a short list of calls, combined with `or` /
`||` / `??` / `?:` and string concatenation. The parsed tree is walked with an allow-list of node
types: anything else, request input above all, is refused with a usage error naming the rule, so
the email can never come from the client and an answer can never run code of its own.
"""

from __future__ import annotations

from collections.abc import Collection

from scaffolder.errors import UsageError
from scaffolder.exprs.grammar import Refused
from scaffolder.model import Answers, UserExpr


def check(expr: str, flag: str, language: str, allowed: Collection[str]) -> str:
    """The expression, trimmed, or a UsageError naming the grammar rule it breaks."""
    from scaffolder import languages  # only an answer to check needs the languages' table

    known = languages.get(language)
    if known is None or known.expressions is None:
        raise ValueError(f"no expression grammar for {language!r}")
    expr = expr.strip()
    if known.terminator:
        expr = expr.rstrip(known.terminator).strip()
    try:
        known.expressions(expr, allowed)
        if len(expr.splitlines()) > 1:
            raise Refused("an expression answer is one line")
    except Refused as refused:
        raise UsageError(f"{flag} {expr!r}: {refused}") from None
    return expr


def override(
    found: UserExpr | None, given: str | None, flag: str, language: str, allowed: Collection[str]
) -> UserExpr | None:
    """The detected expression, or the one given with `flag` (checked)."""
    if given is None:
        return found
    return UserExpr(check(given, flag, language, allowed), None, None, f"given with {flag}")


def user_exprs(
    email: UserExpr | None,
    name: UserExpr | None,
    user_id: UserExpr | None,
    answers: Answers,
    language: str,
    allowed: Collection[str],
) -> tuple[UserExpr | None, UserExpr | None, UserExpr | None]:
    """Email, name and id: detected, or as answered with --email-expr / --name-expr / --id-expr."""
    return (
        override(email, answers.email_expr, "--email-expr", language, allowed),
        override(name, answers.name_expr, "--name-expr", language, allowed),
        override(user_id, answers.id_expr, "--id-expr", language, allowed),
    )
