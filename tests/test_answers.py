"""Stacks own their answers: each manifest declares its answers (name, help, grammar), and the
CLI flags, the MCP arguments and the validation come from the shared answers plus their union."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffolder import registry
from scaffolder.answer_rules import GRAMMARS, validate
from scaffolder.errors import UsageError
from scaffolder.grammar import Grammar
from scaffolder.mcp.tools import TOOLS, call, input_schema
from scaffolder.model import Answers
from scaffolder.registry import Manifest, StackAnswer
from scaffolder.stacks.django import SETTINGS
from scaffolder.stacks.fastapi import SPA_TOKEN, USER_DEPENDENCY
from tests.helpers import run

SHARED = [
    "framework",
    "app",
    "auth",
    "delivery",
    "email_expr",
    "name_expr",
    "id_expr",
    "layout",
    "api_key",
    "api_prefix",
]
DECLARED = [(m.id, a) for m in registry.manifests().values() for a in m.answers]


def test_the_answers_are_the_shared_ones_then_the_stacks() -> None:
    names = [name for name, _ in Answers.fields_help()]
    assert names[: len(SHARED)] == SHARED
    assert names[len(SHARED) :] == list(registry.stack_answers())
    assert {"settings", "user_dependency", "spa_token"} <= set(names)


@pytest.mark.parametrize(("stack", "answer"), DECLARED, ids=[f"{s}-{a.name}" for s, a in DECLARED])
def test_a_declared_answer_is_a_flag_an_argument_and_a_rule(
    stack: str, answer: StackAnswer, tmp_path: Path
) -> None:
    flag = "--" + answer.name.replace("_", "-")
    assert flag in run("apply", "--help").output
    for spec in (t for t in TOOLS if t.answers):
        prop = input_schema(spec)["properties"][answer.name]
        assert prop["pattern"] == answer.grammar.json_schema()["pattern"]
        assert prop["description"].startswith(answer.help)
    assert GRAMMARS[answer.name] is answer.grammar
    with pytest.raises(UsageError) as refused:
        validate(Answers(**{answer.name: "x; import os"}), tmp_path)
    assert refused.value.message.startswith(f"{flag} must be {answer.grammar.says}")


def test_stack_answers_read_through_their_declaration() -> None:
    answers = Answers(api_key="pk", settings="config.settings", spa_token="window.token")
    assert SETTINGS.of(answers) == "config.settings"
    assert SPA_TOKEN.of(answers) == "window.token"
    assert USER_DEPENDENCY.of(answers) is None
    assert answers.api_key == "pk"
    assert answers.given() == {
        "api_key": "pk",
        "settings": "config.settings",
        "spa_token": "window.token",
    }


def test_validate_normalises_stack_answers(tmp_path: Path) -> None:
    answers = validate(Answers(settings="  config.settings.dev \n"), tmp_path)
    assert SETTINGS.of(answers) == "config.settings.dev"


def test_replace_keeps_the_other_answers_and_none_takes_one_back() -> None:
    answers = Answers(api_key="pk", settings="a.b", user_dependency="deps:user")
    changed = answers.replace(settings=None, spa_token="window.t", api_key="pk2")
    assert changed.given() == {
        "api_key": "pk2",
        "user_dependency": "deps:user",
        "spa_token": "window.t",
    }
    assert answers.given()["settings"] == "a.b", "the original is unchanged"
    assert Answers(settings="a.b", api_key="pk") == Answers(api_key="pk", settings="a.b")


def test_an_answer_no_stack_declares_is_refused() -> None:
    with pytest.raises(TypeError, match="no such answer: colour"):
        Answers(colour="red")


def test_an_unknown_mcp_argument_is_refused() -> None:
    result = call("inspect", {"path": ".", "colour": "red"})
    assert result.is_error
    assert "unknown argument(s) colour" in result.document["error"]["message"]


def test_two_stacks_declaring_one_answer_differently(monkeypatch: pytest.MonkeyPatch) -> None:
    grammar = Grammar("[a-z]+", 8, "lowercase letters")
    ours = Manifest("a", "A", "python", "a.hooks", answers=(StackAnswer("x", "X.", grammar),))
    same = Manifest("b", "B", "python", "b.hooks", answers=ours.answers)
    other = Manifest("c", "C", "python", "c.hooks", answers=(StackAnswer("x", "Other.", grammar),))
    monkeypatch.setattr(registry, "_MANIFESTS", {"a": ours, "b": same})
    assert list(registry.stack_answers()) == ["x"]
    monkeypatch.setattr(registry, "_MANIFESTS", {"a": ours, "c": other})
    with pytest.raises(ValueError, match="answer 'x' declared differently by c"):
        registry.stack_answers()
