"""What the MCP tools take and return, independent of the SDK.

Every tool takes `path` plus one string argument per answer (`Answers.fields_help`: the shared
answers and those the stacks' manifests declare, so a stack's new answer is an argument as soon
as its manifest declares it), and returns the same JSON document the CLI prints with `--json`.
Failures are error documents (`bcb-scaffold/error@1`) flagged as tool errors, never exceptions:
the server keeps serving.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scaffolder import answer_rules
from scaffolder.documents import apply_document, bundled_json_schema, error_document
from scaffolder.errors import Refused, ScaffoldError, UsageError
from scaffolder.exitcodes import ExitCode
from scaffolder.model import Answers

PATH_ARGUMENT = {
    "type": "string",
    "description": (
        "The project directory to work on. Prefer an absolute path: a relative one is "
        "resolved against the server's working directory."
    ),
}
WRITE_ARGUMENTS = {
    "confirm": {
        "type": "boolean",
        "default": False,
        "description": (
            "Must be true to write anything. Call `plan` first and let the user review its diff."
        ),
    },
    "allow_dirty": {
        "type": "boolean",
        "default": False,
        "description": "Edit files that have uncommitted git changes (refused otherwise).",
    },
    "install": {
        "type": "boolean",
        "default": False,
        "description": (
            "After writing, update the lockfiles the new dependencies make stale (the lockfile "
            "only: `npm install --package-lock-only`, `uv lock`, ...; see `lockfiles[]`) and run "
            "the install commands in `commands[]`. Without it they are only returned; a lockfile "
            "left pending breaks CI's frozen install until it is updated."
        ),
    },
}


@dataclass(frozen=True)
class ToolSpec:
    name: str
    title: str
    description: str
    output: str
    """The JSON Schema (in `scaffolder/schemas/`) of a successful result."""
    read_only: bool = True
    extra: dict[str, dict[str, Any]] = field(default_factory=dict)
    answers: bool = True
    """Whether the tool takes the answers (a check of what is written takes none)."""


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        "inspect",
        "Inspect a web app for BestChatBot visitor identity",
        "Phase 1. Report the project's stack (language, framework, server-rendered or SPA), "
        "where a user becomes authenticated (auth library; server-side expressions for the "
        "user's email, name and id) and where the BestChatBot widget loads or should be added, "
        "each with file:line evidence, plus the questions detection could not settle: answer a "
        "question by passing the argument named by its `id`. Writes nothing. When `supported` "
        "is false, call `prompt` instead of `plan`.",
        "inspect",
    ),
    ToolSpec(
        "plan",
        "Plan the BestChatBot visitor-identity edits",
        "Phase 2, dry run. Plan the edits that make the backend sign the widget's HS256 JWT "
        "(key from BESTCHATBOT_SIGNING_KEY) and hand it to the widget; return the unified diff, "
        "every edit, the open questions (status `questions`: nothing planned, answer them with "
        "the arguments named by their `id`), next steps and commands. Writes nothing. Show the "
        "diff to the user before calling `apply`.",
        "apply",
    ),
    ToolSpec(
        "apply",
        "Write the BestChatBot visitor-identity edits",
        "Write the plan that `plan` returns for the same arguments, all or nothing, and return "
        "the changed files and the BESTCHATBOT_SIGNING_KEY reminder to pass on to the user. "
        "Writes only with `confirm: true`; refuses files with uncommitted changes unless "
        "`allow_dirty: true`; with `install: true`, then updates the stale lockfiles "
        "(`lockfiles[]`) and runs the install commands. Running it again changes nothing.",
        "apply",
        read_only=False,
        extra=WRITE_ARGUMENTS,
    ),
    ToolSpec(
        "prompt",
        "Assistant prompt for stacks bcb-scaffold cannot rewrite",
        "For stacks bcb-scaffold does not rewrite (Rails, Laravel, Go, Spring, ...) or cases "
        "it declined: the two-phase BestChatBot prompt (contract, delivery, constraints) with "
        "phase 1 already answered from the inspection. Follow its `prompt` text. Writes nothing.",
        "prompt",
    ),
    ToolSpec(
        "check",
        "Audit an existing BestChatBot visitor-identity integration",
        "Find the code that mints the widget token, the widget tag and the setUserToken / "
        "clearUserToken calls (whoever wrote them: a person, an assistant, `apply`) and check "
        "them against the token contract: HS256, the key from BESTCHATBOT_SIGNING_KEY (no "
        "literal, default or public variable, never in client code), lowercased email, exp at "
        "most 24 h, tokens for signed-in non-guest users only, the email from the server-side "
        "session, no forwarded provider token, no-store, no inline token on cached pages, "
        "clearUserToken on sign-out. Each finding has a rule id, severity, file:line, message "
        "and fix; `ok` is false when one is an error. Writes nothing, runs nothing.",
        "check",
        answers=False,
    ),
)
BY_NAME = {t.name: t for t in TOOLS}


def _answer_properties() -> dict[str, dict[str, Any]]:
    """One argument per answer, with the grammar `answer_rules` enforces on the server (the
    same constants: the schema cannot drift from the check that really runs)."""
    properties: dict[str, dict[str, Any]] = {}
    for name, help_text in Answers.fields_help():
        rule = answer_rules.describe(name)
        description = f"{help_text} Must be {rule}." if rule else help_text
        prop: dict[str, Any] = {"type": ["string", "null"], "description": description}
        properties[name] = prop | answer_rules.json_schema(name)
    return properties


def input_schema(spec: ToolSpec) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "path": PATH_ARGUMENT,
            **(_answer_properties() if spec.answers else {}),
            **spec.extra,
        },
        "required": ["path"],
        "additionalProperties": False,
    }


def output_schema(spec: ToolSpec) -> dict[str, Any]:
    return bundled_json_schema(spec.output)


@dataclass
class ToolResult:
    document: dict[str, Any]
    is_error: bool = False


def call(name: str, arguments: dict[str, Any] | None) -> ToolResult:
    """Run one tool; every failure becomes an error document."""
    try:
        spec = BY_NAME.get(name)
        if spec is None:
            raise UsageError(f"unknown tool {name!r}; the tools are: {', '.join(BY_NAME)}")
        root, answers, flags = _arguments(spec, arguments or {})
        return ToolResult(_RUN[name](root, answers, flags))
    except ScaffoldError as exc:
        return ToolResult(error_document(exc.code, exc.message, exc.exit_code, exc.file), True)
    except Exception as exc:
        traceback.print_exc(file=sys.stderr)
        message = f"internal error: {type(exc).__name__}: {exc}"
        return ToolResult(error_document("internal-error", message, ExitCode.INTERNAL), True)


def _arguments(spec: ToolSpec, arguments: dict[str, Any]) -> tuple[Path, Answers, dict[str, bool]]:
    known = input_schema(spec)["properties"]
    unknown = sorted(set(arguments) - set(known))
    if unknown:
        raise UsageError(
            f"{spec.name}: unknown argument(s) {', '.join(unknown)}; it takes: {', '.join(known)}"
        )
    path = arguments.get("path")
    if not isinstance(path, str) or not path.strip():
        raise UsageError(f"{spec.name}: `path` (the project directory) is required")
    answers: dict[str, str] = {}
    for name, _ in Answers.fields_help() if spec.answers else ():
        value = arguments.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            raise UsageError(f"{spec.name}: `{name}` must be a string")
        answers[name] = value
    flags: dict[str, bool] = {}
    for name in spec.extra:
        value = arguments.get(name, False)
        if not isinstance(value, bool):
            raise UsageError(f"{spec.name}: `{name}` must be true or false")
        flags[name] = value
    return Path(path).expanduser(), Answers(**answers), flags


def _inspect(root: Path, answers: Answers, _flags: dict[str, bool]) -> dict[str, Any]:
    from scaffolder import engine
    from scaffolder.documents import inspect_document

    _, inspection = engine.inspect(root, answers)
    return inspect_document(inspection)


def _plan(root: Path, answers: Answers, _flags: dict[str, bool]) -> dict[str, Any]:
    from scaffolder import engine, outcome

    result = engine.plan(root, answers)
    insp, plan = result.inspection, result.plan
    return apply_document(outcome.settled(insp, plan) or outcome.planned(insp, plan))


def _apply(root: Path, answers: Answers, flags: dict[str, bool]) -> dict[str, Any]:
    from scaffolder import engine, outcome

    result = engine.plan(root, answers)
    insp, plan = result.inspection, result.plan
    settled = outcome.settled(insp, plan)
    if settled is not None:
        return apply_document(settled)
    if not flags["confirm"]:
        raise Refused(
            "apply writes only with `confirm: true`: show the user the diff from `plan`, then "
            "call apply again with confirm; nothing was written"
        )
    done = outcome.applied(insp, plan, allow_dirty=flags["allow_dirty"])
    return apply_document(outcome.install(done, None) if flags["install"] else done)


def _prompt(root: Path, answers: Answers, _flags: dict[str, bool]) -> dict[str, Any]:
    from scaffolder import prompt

    return prompt.build(root, answers).to_json()


def _check(root: Path, _answers: Answers, _flags: dict[str, bool]) -> dict[str, Any]:
    from scaffolder import check, engine

    return check.run(engine.open_project(root)).to_json()


_RUN: dict[str, Callable[[Path, Answers, dict[str, bool]], dict[str, Any]]] = {
    "inspect": _inspect,
    "plan": _plan,
    "apply": _apply,
    "prompt": _prompt,
    "check": _check,
}
