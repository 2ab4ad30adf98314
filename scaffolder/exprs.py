"""Answers that are code (`--email-expr`, `--name-expr`, `--id-expr`), checked before they reach
generated code.

An expression must parse as one expression of the stack's language and may only read the names
the generated code has in scope (the signed-in user, ...): anything else, request input above
all, is refused with a usage error, so the email can never come from the client.
"""

from __future__ import annotations

import ast
from collections.abc import Collection

from scaffolder.errors import UsageError
from scaffolder.model import Answers, UserExpr

_PYTHON_BUILTINS = frozenset({"str", "int", "getattr", "filter", "len", "None", "True", "False"})
_JS_GLOBALS = frozenset({"String", "Number", "Boolean", "undefined", "null"})
_LANGUAGE_NAMES = {"python": "Python", "javascript": "JavaScript", "php": "PHP"}


def check(expr: str, flag: str, language: str, allowed: Collection[str]) -> str:
    """The expression, trimmed, or a UsageError naming what is wrong with it."""
    expr = expr.strip()
    if language == "php":
        expr = expr.rstrip(";").strip()
    names = _free_names(expr, language)
    if names is None:
        raise UsageError(f"{flag} {expr!r} is not a {_LANGUAGE_NAMES[language]} expression")
    unknown = sorted(names - set(allowed))
    if unknown:
        raise UsageError(
            f"{flag} {expr!r} uses {', '.join(unknown)}; it may only use "
            + ", ".join(sorted(allowed))
        )
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


def _free_names(expr: str, language: str) -> set[str] | None:
    """Names the expression reads from its scope; None when it is not one expression."""
    if language == "python":
        try:
            parsed = ast.parse(expr, mode="eval")
        except SyntaxError:
            return None
        return {n.id for n in ast.walk(parsed) if isinstance(n, ast.Name)} - _PYTHON_BUILTINS
    from scaffolder import treesitter

    if language == "php":
        code = f"<?php $value = {expr};"
        if ";" in expr or treesitter.syntax_error(code, "php") is not None:
            return None
        root = treesitter.parse(code, "php").root_node
        names = {treesitter.text_of(n) for n in treesitter.walk(root) if n.type == "variable_name"}
        return names - {"$value"}
    program = treesitter.parse(f"({expr});", "typescript").root_node
    if program.has_error or len(program.named_children) != 1 or ";" in expr:
        return None
    # `user.email`: `email` is a property_identifier, not a name read from the scope.
    found = {treesitter.text_of(n) for n in treesitter.walk(program) if n.type == "identifier"}
    return found - _JS_GLOBALS
