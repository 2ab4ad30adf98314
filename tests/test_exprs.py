"""Answers that are code: parsed in the stack's language, limited to the names in scope."""

from __future__ import annotations

import pytest

from scaffolder import exprs
from scaffolder.errors import UsageError
from scaffolder.model import Answers, UserExpr


@pytest.mark.parametrize(
    ("expr", "language", "allowed", "result"),
    [
        pytest.param(
            "current_user.email",
            "python",
            {"current_user"},
            "current_user.email",
            id="python-attribute",
        ),
        pytest.param(" str(user.pk) ", "python", {"user"}, "str(user.pk)", id="python-builtin"),
        pytest.param(
            "user?.emails[0]?.address as string",
            "javascript",
            {"user"},
            "user?.emails[0]?.address as string",
            id="typescript-cast",
        ),
        pytest.param(
            "String(req.user.id)",
            "javascript",
            {"user", "req"},
            "String(req.user.id)",
            id="javascript-global",
        ),
        pytest.param(
            "strtolower( $user->user_login ) . '@corp.example';",
            "php",
            {"$user"},
            "strtolower( $user->user_login ) . '@corp.example'",
            id="php-trailing-semicolon",
        ),
    ],
)
def test_accepted(expr: str, language: str, allowed: set[str], result: str) -> None:
    assert exprs.check(expr, "--email-expr", language, allowed) == result


@pytest.mark.parametrize(
    ("expr", "language", "message"),
    [
        pytest.param("request.args['email']", "python", "uses request", id="python-request"),
        pytest.param("user.(", "python", "not a Python expression", id="python-syntax"),
        pytest.param("user = 1", "python", "not a Python expression", id="python-statement"),
        pytest.param("req.body.email", "javascript", "uses req", id="js-body"),
        pytest.param("user.email; fetch(x)", "javascript", "not a JavaScript", id="js-two"),
        pytest.param("$_POST['email']", "php", r"uses \$_POST", id="php-post"),
        pytest.param("$user->email; exit()", "php", "not a PHP expression", id="php-two"),
    ],
)
def test_refused(expr: str, language: str, message: str) -> None:
    allowed = {"$user"} if language == "php" else {"user"}
    with pytest.raises(UsageError, match=message):
        exprs.check(expr, "--email-expr", language, allowed)


def test_user_exprs_keep_what_was_found_unless_answered() -> None:
    found = UserExpr("user.email", "models.py", 3)
    email, name, user_id = exprs.user_exprs(
        found, None, None, Answers(name_expr="user.nickname"), "python", {"user"}
    )
    assert email is found and user_id is None
    assert name == UserExpr("user.nickname", None, None, "given with --name-expr")
