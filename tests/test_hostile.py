"""The hostile-answer table (issue 10: answers are data, never code): every answer flag, with
hostile values, against every stack.

Wall 1, validation: each hostile answer is refused up front with exit 2 and a one-line message
naming the flag; every file of the project copy stays byte-identical, nothing appears outside it
and nothing runs.

Wall 2, escaping: the same API keys, API prefixes and SPA tokens with wall 1 switched off. Each
case applies, then renders the patched templates or runs the patched app for real (Flask's and
FastAPI's test clients, Django in a subprocess, node for Express, php for WordPress, the tsx
syntax tree for Next.js) and checks that nothing ran, that the widget tag has exactly the
expected attributes with the API key verbatim, that generated code parses and names nothing a
benign run did not, that every answer landed inside one string literal, and that no file
outside the project changed. An engine may instead refuse a prefix or an SPA token at a later
stage (exit 2 or 6, every file byte-identical); it may never refuse an API key: that is data.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import Result, run
from tests.hostile import checks
from tests.hostile.checks import Baseline
from tests.hostile.markup import assert_widget
from tests.hostile.sandbox import Sandbox
from tests.hostile.targets import TARGETS, Target
from tests.hostile.values import (
    API_KEYS,
    API_PREFIXES,
    APPS,
    EXPR_FLAGS,
    EXPRS,
    SETTINGS,
    SPA_TOKENS,
    USER_DEPENDENCIES,
    PlaceValue,
    Value,
)

BENIGN = {
    "api-key": "pk_benign_1",
    "api-prefix": "/benign/v1",
    "spa-token": 'localStorage.getItem("benign_token")',
}


def assert_one_line_error(result: Result, codes: tuple[int, ...], naming: str = "") -> None:
    assert result.exit_code in codes, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("bcb-scaffold: error: "), lines[0]
    assert naming in lines[0], lines[0]


# -- wall 1: validation -----------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    flag: str
    id: str
    make: Callable[[Sandbox], str]


def _const(text: str) -> Callable[[Sandbox], str]:
    return lambda sb: text


def _place(value: PlaceValue) -> Callable[[Sandbox], str]:
    return lambda sb: value.make(sb.root, sb.outside)


def _layouts(t: Target) -> list[Answer]:
    evil = f"evil{t.layout_suffix}"
    where = "" if t.layout_dir == "." else t.layout_dir + "/"
    return [
        Answer("--layout", "parent-dir", _const(f"../outside{t.layout_suffix}")),
        Answer("--layout", "outside-dir", _const(f"../../outside/{evil}")),
        Answer("--layout", "absolute-outside", lambda sb: str(sb.outside / evil)),
        Answer(
            "--layout",
            "symlink-to-outside",
            lambda sb: sb.link(f"{where}{evil}", sb.outside / evil),
        ),
        Answer(
            "--layout",
            "symlinked-dir",
            lambda sb: sb.link(f"{where}elsewhere", sb.outside) + f"/{evil}",
        ),
    ]


def _project_file(sb: Sandbox) -> Path:
    return sb.root / next(p for p in sorted(sb.before) if not p.startswith("."))


def _patch_through_link(sb: Sandbox) -> str:
    link = sb.outside / "bestchatbot.patch"
    link.symlink_to(_project_file(sb))
    sb.snapshot()
    return str(link)


def wall_one_answers(t: Target) -> Iterator[Answer]:
    yield from (Answer("--api-key", v.id, _const(v.text)) for v in API_KEYS)
    yield from (Answer("--api-prefix", v.id, _const(v.text)) for v in API_PREFIXES)
    yield from _layouts(t)
    for flag in EXPR_FLAGS:
        for v in EXPRS[t.language]:
            yield Answer(flag, v.id, _const(v.text.format(user=t.user)))
    yield from (Answer("--spa-token", v.id, _const(v.text)) for v in SPA_TOKENS)
    places = (("--app", APPS), ("--settings", SETTINGS), ("--user-dependency", USER_DEPENDENCIES))
    for flag, values in places:
        yield from (Answer(flag, v.id, _place(v)) for v in values if _reads(t, v))
    yield Answer("--patch", "project-file", lambda sb: str(_project_file(sb)))
    yield Answer("--patch", "symlink-to-project-file", _patch_through_link)


def _reads(t: Target, value: PlaceValue) -> bool:
    return not value.stacks or t.stack in value.stacks


WALL_ONE = [
    pytest.param(t, a, id=f"{t.fixture}-{a.flag[2:]}-{a.id}")
    for t in TARGETS
    if t.wall_one
    for a in wall_one_answers(t)
]


def _base_flags(flag: str) -> list[str]:
    return [] if flag == "--api-key" else ["--api-key", "pk_wall_one"]


@pytest.mark.parametrize("target", [pytest.param(t, id=t.fixture) for t in TARGETS if t.wall_one])
def test_wall_one_baseline_applies(target: Target, tmp_path: Path) -> None:
    """Without the hostile answer the same command succeeds: exit 2 below is the answer's."""
    sb = target.sandbox(tmp_path)
    result = run("apply", sb.root, "--dry-run", *_base_flags(""))
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(("target", "answer"), WALL_ONE)
def test_wall_one_refuses(
    target: Target, answer: Answer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sb = target.sandbox(tmp_path)
    monkeypatch.chdir(sb.work)
    value = answer.make(sb)
    result = run("apply", sb.root, "--yes", *_base_flags(answer.flag), answer.flag, value)
    assert_one_line_error(result, (2,), naming=answer.flag)
    sb.assert_untouched()


# -- wall 2: escaping -------------------------------------------------------------------------


@dataclass(frozen=True)
class Hostile:
    kind: str  # api-key | api-prefix | spa-token
    value: Value
    target: Target

    @property
    def may_refuse(self) -> bool:
        """An API key is data wherever it goes; a prefix names files and routes, an SPA token
        is an expression: a stack may refuse those at a later stage."""
        return self.kind != "api-key"

    def flags(self, text: str) -> list[str]:
        if self.kind == "api-key":
            return ["--api-key", text]
        if self.kind == "api-prefix":
            assert self.target.endpoint is not None
            return [*self.target.endpoint.flags, "--api-key", "pk_prefix", "--api-prefix", text]
        return ["--api-key", "pk_spa", "--spa-token", text]


def _wall_two() -> Iterator[Hostile]:
    for t in TARGETS:
        if t.pages is not None:
            yield from (Hostile("api-key", v, t) for v in API_KEYS)
        if t.endpoint is not None:
            yield from (Hostile("api-prefix", v, t) for v in API_PREFIXES)
        if t.spa_script is not None:
            yield from (Hostile("spa-token", v, t) for v in SPA_TOKENS)


WALL_TWO = [pytest.param(h, id=f"{h.target.fixture}-{h.kind}-{h.value.id}") for h in _wall_two()]


@pytest.fixture(scope="session")
def baselines(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Hostile], Baseline]:
    """The files a benign answer of the same kind creates or changes, per fixture (once)."""
    cache: dict[tuple[str, str], Baseline] = {}

    def baseline(h: Hostile) -> Baseline:
        key = (h.kind, h.target.fixture)
        if key not in cache:
            sb = h.target.sandbox(tmp_path_factory.mktemp("benign"), stripped=h.kind == "api-key")
            result = run("apply", sb.root, "--yes", "--json", *h.flags(BENIGN[h.kind]))
            assert result.exit_code == 0, result.output
            changed = json.loads(result.stdout)["changed_files"]
            cache[key] = {p: (sb.root / p).read_text() for p in changed}
        return cache[key]

    return baseline


def without_wall_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """Answers go through unvalidated: `answer_rules.validate` returns them as given, under
    every name bcb-scaffold's modules call it by (`engine.inspect` calls it today)."""
    from scaffolder import answer_rules, engine  # noqa: F401 (loaded, to be patched)

    real = answer_rules.validate

    def passthrough(answers: object, root: object) -> object:
        return answers

    for module in [m for n, m in sys.modules.items() if n.startswith("scaffolder.")]:
        for name, obj in list(vars(module).items()):
            if obj is real:
                monkeypatch.setattr(module, name, passthrough)


@pytest.mark.e2e
@pytest.mark.parametrize("hostile", WALL_TWO)
def test_wall_two_keeps_answers_as_data(
    hostile: Hostile,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    signing_key: str,
    baselines: Callable[[Hostile], Baseline],
) -> None:
    t, text = hostile.target, hostile.value.text
    baseline = baselines(hostile)
    sb = t.sandbox(tmp_path, stripped=hostile.kind == "api-key")
    monkeypatch.chdir(sb.work)
    without_wall_one(monkeypatch)
    result = run("apply", sb.root, "--yes", "--json", *hostile.flags(text))
    if result.exit_code != 0:
        assert hostile.may_refuse, f"an API key is data, yet it was refused: {result.stderr}"
        assert_one_line_error(result, (2, 6))
        sb.assert_untouched()
        return

    changed = json.loads(result.stdout)["changed_files"]
    inside = sb.root.resolve()
    for path in changed:
        assert (sb.root / path).resolve().is_relative_to(inside), f"{path} is outside"
    sb.assert_outside_untouched()
    skip: dict[str, list[tuple[int, int]]] = {}
    if hostile.kind == "spa-token":
        assert t.spa_script is not None
        skip[t.spa_script] = [checks.spa_slot(sb.root / t.spa_script, text)]
    checks.changed_code(sb, changed, baseline, skip)

    if hostile.kind == "api-key":
        assert t.pages is not None
        pages = t.pages(sb, monkeypatch)
        sb.assert_nothing_ran()
        for page in pages:
            assert_widget(page, text)
    elif hostile.kind == "api-prefix":
        checks.endpoint(sb, t, text, baseline, monkeypatch)
    sb.assert_outside_untouched()
