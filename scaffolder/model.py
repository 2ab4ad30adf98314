"""The findings vocabulary shared by every stack: evidence, questions, answers, the report."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

if TYPE_CHECKING:
    from pathlib import Path

Confidence = Literal["high", "medium", "low"]
Rendering = Literal["server-rendered", "spa", "api"]
Delivery = Literal["script-attribute", "token-endpoint"]

DELIVERIES: tuple[Delivery, ...] = ("script-attribute", "token-endpoint")
INSPECT_SCHEMA = "bcb-scaffold/inspect@1"


@dataclass(frozen=True)
class Evidence:
    """Why something was concluded: a `path:line` and a short reason."""

    file: str
    line: int
    why: str

    def location(self) -> str:
        return f"{self.file}:{self.line}"

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "why": self.why}


@dataclass(frozen=True)
class Finding:
    """A fact about the project beyond the three headline parts (apps, blueprints, manifests)."""

    kind: str
    value: str
    evidence: tuple[Evidence, ...]
    confidence: Confidence = "high"

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "value": self.value,
            "confidence": self.confidence,
            "evidence": [e.to_json() for e in self.evidence],
        }


@dataclass(frozen=True)
class UserExpr:
    """A server-side expression for one user attribute, and where it is defined."""

    expr: str
    file: str | None = None
    line: int | None = None
    why: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"expr": self.expr, "file": self.file, "line": self.line, "why": self.why}


@dataclass(frozen=True)
class UserFields:
    """The signed-in user's fields as a stack's detection reads them: an expression for each
    claim (None where the project has no such value), how sure detection is of the email, and
    the imports the email's expression needs (allauth's `EmailAddress`, say)."""

    email: UserExpr | None
    name: UserExpr | None
    user_id: UserExpr | None
    confidence: Confidence
    imports: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Question:
    """Something detection could not settle. Its id is the answer that settles it (a flag)."""

    id: str
    text: str
    choices: tuple[str, ...] = ()

    @property
    def flag(self) -> str:
        return "--" + self.id.replace("_", "-")

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "flag": self.flag, "choices": list(self.choices)}


@dataclass(frozen=True)
class Note:
    """Something the user should know that does not block the work (a skipped file, a caveat)."""

    message: str
    file: str | None = None
    line: int | None = None
    blocking: bool = False
    """The analysis needed this file and could not read it: apply refuses until it is fixed."""

    def to_json(self) -> dict[str, Any]:
        return {
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "blocking": self.blocking,
        }


def _answer(help_text: str) -> Any:
    return field(default=None, metadata={"help": help_text})


@dataclass(frozen=True, init=False)
class Answers:
    """Answers to questions, given as CLI flags (`--email-expr`) or MCP tool arguments.

    Every answer is one question id; the CLI and the MCP server derive their options from
    `fields_help`. The shared answers are the fields below. A stack's own answers are declared
    in its `Manifest.answers` (`registry.StackAnswer`) and held in `stack`, (name, value) pairs
    in declaration order; the stack reads them with `StackAnswer.of(answers)`.

    Why a field of pairs rather than a field per stack answer: fields generated at run time
    (`make_dataclass`) are invisible to `mypy --strict` without casts, and declared ones would
    make this module know every stack. The constructor still takes every answer as a keyword
    (`Answers(api_key="pk", settings="config.settings")`; a name no stack declares is a
    TypeError, as for a dataclass); change answers with `replace`, not `dataclasses.replace`
    (which would pass `stack` as an answer, a TypeError).
    """

    framework: str | None = _answer("Framework to integrate, when several are found.")
    app: str | None = _answer(
        "The app to integrate, when several: a path inside the project (a module or sub-project), "
        "optionally path:variable."
    )
    auth: str | None = _answer("Auth library id (e.g. flask-login, flask-session; [a-z0-9-]).")
    delivery: str | None = _answer(
        "script-attribute (data-user-token on server-rendered pages) or token-endpoint."
    )
    email_expr: str | None = _answer(
        "Signed-in user's email: a chain from the stack's user (current_user.email, "
        "req.user.email, $user->user_email), or/+/?? of chains and literals; no calls with "
        "arguments, no request input."
    )
    name_expr: str | None = _answer(
        "User's display name, same grammar (e.g. user.get_full_name() or user.username)."
    )
    id_expr: str | None = _answer("User's id, same grammar (e.g. str(user.pk), String(user.id)).")
    layout: str | None = _answer(
        "Base layout template that should carry the widget tag (a path or loader name inside "
        "the project; Next.js: root layout paths, comma-separated, or all)."
    )
    api_key: str | None = _answer(
        "BestChatBot public API key (data-api-key: 1-128 letters, digits, _ and -), if the tag "
        "is missing."
    )
    api_prefix: str | None = _answer(
        "URL prefix for the token endpoint, e.g. /api/v1 (default: the app's API; / for none)."
    )
    stack: tuple[tuple[str, str], ...] = ()
    """The stacks' own answers that were given, in the manifests' order."""

    def __init__(self, **answers: str | None) -> None:
        from scaffolder.registry import stack_answers

        for f in _shared_fields():
            object.__setattr__(self, f.name, answers.pop(f.name, None))
        declared = stack_answers()
        unknown = sorted(set(answers) - set(declared))
        if unknown:
            raise TypeError(f"Answers: no such answer: {', '.join(unknown)}")
        given = tuple((n, v) for n in declared if (v := answers.get(n)) is not None)
        object.__setattr__(self, "stack", given)

    def replace(self, **changes: str | None) -> Answers:
        """These answers with `changes` (None takes an answer back)."""
        return Answers(**(self.given() | changes))

    @classmethod
    def fields_help(cls) -> list[tuple[str, str]]:
        """Every answer's id and help: the shared ones, then the union of the stacks' own."""
        from scaffolder.registry import stack_answers

        shared = [(f.name, f.metadata["help"]) for f in _shared_fields()]
        return shared + [(a.name, a.help) for a in stack_answers().values()]

    def value(self, name: str) -> str | None:
        """The answer to question `name` (shared or a stack's), None when not given."""
        if name in _SHARED:
            shared: str | None = getattr(self, name)
            return shared
        return dict(self.stack).get(name)

    def given(self) -> dict[str, str]:
        shared = {f.name: getattr(self, f.name) for f in _shared_fields()}
        return {k: v for k, v in shared.items() if v is not None} | dict(self.stack)


def _shared_fields() -> tuple[dataclasses.Field[Any], ...]:
    return tuple(f for f in dataclasses.fields(Answers) if f.name != "stack")


_SHARED = frozenset(f.name for f in _shared_fields())


@dataclass(frozen=True)
class StackReport:
    """Part 1 of the report: the language, the framework and how the app is served."""

    language: str | None = None
    framework: str | None = None
    rendering: Rendering | None = None
    app_root: str = "."
    confidence: Confidence = "high"
    evidence: tuple[Evidence, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "framework": self.framework,
            "rendering": self.rendering,
            "app_root": self.app_root,
            "confidence": self.confidence,
            "evidence": [e.to_json() for e in self.evidence],
        }


@dataclass(frozen=True)
class AuthReport:
    """Part 2: the auth library and where the signed-in user's email, name and id are read."""

    library: str | None = None
    email: UserExpr | None = None
    name: UserExpr | None = None
    user_id: UserExpr | None = None
    confidence: Confidence = "high"
    evidence: tuple[Evidence, ...] = ()

    def to_json(self) -> dict[str, Any]:
        def opt(x: UserExpr | None) -> dict[str, Any] | None:
            return x.to_json() if x else None

        return {
            "library": self.library,
            "email": opt(self.email),
            "name": opt(self.name),
            "user_id": opt(self.user_id),
            "confidence": self.confidence,
            "evidence": [e.to_json() for e in self.evidence],
        }


@dataclass(frozen=True)
class WidgetReport:
    """Where the widget tag loads (`present`) or where it should be added."""

    present: bool = False
    file: str | None = None
    line: int | None = None
    has_user_token: bool = False
    evidence: tuple[Evidence, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "present": self.present,
            "file": self.file,
            "line": self.line,
            "has_user_token": self.has_user_token,
            "evidence": [e.to_json() for e in self.evidence],
        }


FactsT_co = TypeVar("FactsT_co", covariant=True)
FactsT = TypeVar("FactsT")


@dataclass
class Draft:
    """The report while a stack's inspection builds it: its hooks set the reports and add
    findings, questions and notes; `freeze` ends inspection with the stack's facts."""

    root: Path
    stack: StackReport = field(default_factory=StackReport)
    auth: AuthReport = field(default_factory=AuthReport)
    widget: WidgetReport = field(default_factory=WidgetReport)
    delivery: Delivery | None = None
    findings: list[Finding] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    supported: bool = True

    def freeze(self, facts: FactsT | None = None) -> Inspection[FactsT]:
        return Inspection(
            self.root,
            self.stack,
            self.auth,
            self.widget,
            self.delivery,
            tuple(self.findings),
            tuple(self.questions),
            tuple(self.notes),
            self.supported,
            facts=facts,
        )


@dataclass(frozen=True)
class Inspection(Generic[FactsT_co]):
    """The phase-1 report, frozen once inspection ends. `facts` is the stack's own detail for
    planning (a hooked stack's `Settled`), never serialized; outside the stack it is opaque
    (`Inspection[object]`) and the stack narrows it with a checked `isinstance`."""

    root: Path
    stack: StackReport = field(default_factory=StackReport)
    auth: AuthReport = field(default_factory=AuthReport)
    widget: WidgetReport = field(default_factory=WidgetReport)
    delivery: Delivery | None = None
    findings: tuple[Finding, ...] = ()
    questions: tuple[Question, ...] = ()
    notes: tuple[Note, ...] = ()
    supported: bool = True
    answers: Answers = field(default_factory=Answers)
    facts: FactsT_co | None = None

    def with_notes(self, notes: Iterable[Note]) -> Inspection[FactsT_co]:
        """This report with `notes` added, each (file, message) once."""
        seen = {(n.file, n.message) for n in self.notes}
        extra = []
        for note in notes:
            if (note.file, note.message) not in seen:
                seen.add((note.file, note.message))
                extra.append(note)
        return dataclasses.replace(self, notes=(*self.notes, *extra)) if extra else self

    def to_json(self) -> dict[str, Any]:
        from scaffolder import __version__

        return {
            "schema": INSPECT_SCHEMA,
            "tool": {"name": "bcb-scaffold", "version": __version__},
            "root": str(self.root),
            "supported": self.supported,
            "stack": self.stack.to_json(),
            "auth": self.auth.to_json(),
            "widget": self.widget.to_json(),
            "delivery": self.delivery,
            "findings": [f.to_json() for f in self.findings],
            "answers": self.answers.given(),
            "questions": [q.to_json() for q in self.questions],
            "notes": [n.to_json() for n in self.notes],
        }
