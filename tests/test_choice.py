"""One of several candidates: the answered one, the only one, or a question; never a guess."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffolder import choice
from scaffolder.errors import UsageError
from scaffolder.model import Draft


def pick(candidates: list[str], answer: str | None) -> tuple[str | None, Draft]:
    insp = Draft(root=Path("."))
    found = choice.pick(
        candidates,
        answer,
        insp,
        question="app",
        text="Which app?",
        what="app",
        label=lambda c: c,
        aliases=lambda c: [c.removesuffix(".py")],
    )
    return found, insp


def test_the_only_candidate() -> None:
    assert pick(["a.py"], None)[0] == "a.py"


def test_several_make_a_question() -> None:
    found, insp = pick(["a.py", "b.py"], None)
    assert found is None
    assert [(q.id, q.choices) for q in insp.questions] == [("app", ("a.py", "b.py"))]


def test_an_answer_by_label_or_alias() -> None:
    assert pick(["a.py", "b.py"], "b/")[0] == "b.py"  # a trailing slash is trimmed
    assert pick(["a.py", "b.py"], "a.py")[0] == "a.py"


def test_an_answer_naming_nothing_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match=r"--app c: no app there; found a\.py, b\.py"):
        pick(["a.py", "b.py"], "c")


def test_none_found_asks_nothing() -> None:
    found, insp = pick([], None)
    assert found is None and insp.questions == []


@pytest.mark.parametrize(
    ("found", "answer", "expected"),
    [
        pytest.param(["login"], None, "login", id="only-one"),
        pytest.param(["login", "session"], None, None, id="several-take-a-question"),
        pytest.param(["login", "session"], "session", "session", id="answered"),
        pytest.param([], "session", "declared:session", id="declared-by-the-answer"),
    ],
)
def test_pick_library(found: list[str], answer: str | None, expected: str | None) -> None:
    got = choice.pick_library(found, answer, ("login", "session"), str, lambda a: f"declared:{a}")
    assert got == expected


def test_unknown_library_id() -> None:
    with pytest.raises(UsageError, match="--auth must be one of: login, session"):
        choice.pick_library([], "okta", ("login", "session"), str, str)
