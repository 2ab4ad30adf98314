"""Stack plugins. Each package under `scaffolder.stacks` declares a light `Manifest` in its
`__init__` (id, name, language, auth ids, triage signals, its own answers, the module holding
its hooks); that module registers the `Stack` with `@register`, and is imported only when
triage says the stack may be present (or when `--framework` names it). Nothing central changes
when a stack is added.

A stack whose `__init__` still defines its `Stack` directly (not yet migrated) gets a manifest
derived from the class, with no signals: it is always triaged in.
"""

from __future__ import annotations

import importlib
import os
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from scaffolder.errors import BadInput
from scaffolder.grammar import Grammar
from scaffolder.model import Answers, Confidence, Evidence, Inspection

if TYPE_CHECKING:  # annotations only: the CLI reads the manifests' answers before `--help`
    from scaffolder.plan import PlanBuilder
    from scaffolder.project import Project

_CONFIDENCE_RANK = {"high": 3, "medium": 2, "low": 1}


@dataclass(frozen=True)
class Detection:
    """A stack's claim that it is present, with the evidence for it."""

    stack: str
    confidence: Confidence
    evidence: tuple[Evidence, ...]

    @property
    def rank(self) -> tuple[int, int]:
        return _CONFIDENCE_RANK[self.confidence], len(self.evidence)


class Stack(ABC):
    """A framework plugin: detection returns findings, planning returns edits."""

    id: ClassVar[str]
    name: ClassVar[str]
    language: ClassVar[str]
    auth_ids: ClassVar[tuple[str, ...]] = ()
    uses_env_file: ClassVar[bool] = True
    """Whether the app reads its secrets from env files (an `.env.example` entry is added)."""
    manifest: ClassVar[Manifest | None] = None
    """The stack's manifest: a subclass that sets it gets `id`, `name`, `language` and
    `auth_ids` from it, so they are written once."""

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        declared = cls.__dict__.get("manifest")
        if isinstance(declared, Manifest):
            cls.id, cls.name, cls.language = declared.id, declared.name, declared.language
            cls.auth_ids = declared.auth_ids

    @abstractmethod
    def detect(self, project: Project) -> Detection | None:
        """Cheap check: is this framework used here? None when it is not."""

    @abstractmethod
    def inspect(
        self, project: Project, detection: Detection, answers: Answers
    ) -> Inspection[object]:
        """The phase-1 report; questions for whatever cannot be settled."""

    @abstractmethod
    def plan(self, project: Project, inspection: Inspection[object], builder: PlanBuilder) -> None:
        """Add the edits for an inspection without open questions to `builder`."""


@dataclass(frozen=True)
class Signals:
    """Cheap evidence that a stack may be present: any file named one of `names`, or any file
    with one of `suffixes` (read from the file listing) that, when `words` are given, holds one
    of the words (case-insensitive): a grep, no parse. Pick words every real app of the stack
    has somewhere in those files (its import, its header), since a miss is an "unsupported
    stack"; a file that cannot be read counts as a match."""

    suffixes: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    words: tuple[str, ...] = ()

    def match(self, project: Project) -> bool:
        if self.names and project.named(*self.names):
            return True
        files = project.with_suffix(*self.suffixes) if self.suffixes else []
        if not self.words:
            return bool(files)
        return any(self._holds(project, path) for path in files)

    def _holds(self, project: Project, path: str) -> bool:
        try:
            text = project.read(path).text.lower()
        except BadInput:
            return True  # the stack's own scan reports it, if it matters
        return any(word in text for word in self.words)


@dataclass(frozen=True)
class StackAnswer:
    """An answer one stack owns (Django's `settings`): `name` is its question id, its flag
    (`--settings`) and its MCP argument; `help` the flag's help; `grammar` what
    `answer_rules.validate` holds the value to (the MCP schema says the same)."""

    name: str
    help: str
    grammar: Grammar

    def of(self, answers: Answers) -> str | None:
        """The (validated) value given for this answer, None when it was not given."""
        return answers.value(self.name)


@dataclass(frozen=True)
class Manifest:
    """What the CLI, triage and the answer rules need to know about a stack without importing
    it. `module` registers the `Stack`; `signals` None means "always try" (unmigrated stacks)."""

    id: str
    name: str
    language: str
    module: str
    auth_ids: tuple[str, ...] = ()
    signals: Signals | None = None
    answers: tuple[StackAnswer, ...] = ()
    """The stack's own answers; the shared ones (framework, app, auth, ...) are `Answers` fields."""


_MANIFESTS: dict[str, Manifest] = {}
_STACKS: dict[str, Stack] = {}


def declare(manifest: Manifest) -> Manifest:
    """Called by a stack package's `__init__`: the stack exists, its hooks live in `module`."""
    _MANIFESTS[manifest.id] = manifest
    return manifest


def register(cls: type[Stack]) -> type[Stack]:
    _STACKS[cls.id] = cls()
    if cls.id not in _MANIFESTS:  # an unmigrated stack: its class is its manifest
        _MANIFESTS[cls.id] = Manifest(cls.id, cls.name, cls.language, cls.__module__, cls.auth_ids)
    return cls


_discovered = False


def manifests() -> dict[str, Manifest]:
    """Every stack's manifest, importing each stack package's `__init__` on first use (a stack
    module imported directly before that, e.g. by a test, must not hide the others)."""
    global _discovered
    if not _discovered:
        import scaffolder.stacks as pkg

        for name in _packages(pkg.__path__[0]):
            importlib.import_module(f"{pkg.__name__}.{name}")
        _discovered = True
    return _MANIFESTS


def _packages(folder: str) -> list[str]:
    """The packages in `folder` (sub-folders with an `__init__.py`), by name: a listing, as
    pkgutil's import would cost every command half a millisecond, `--version` included."""
    with os.scandir(folder) as entries:
        found = [e.name for e in entries if os.path.isfile(os.path.join(e.path, "__init__.py"))]
    return sorted(found)


def stack_answers() -> dict[str, StackAnswer]:
    """The union of the manifests' answers by name, in manifest order (the order of the CLI
    flags and MCP arguments after the shared ones). Two stacks may declare the same answer
    only alike."""
    union: dict[str, StackAnswer] = {}
    for manifest in manifests().values():
        for answer in manifest.answers:
            if union.setdefault(answer.name, answer) != answer:
                raise ValueError(f"answer {answer.name!r} declared differently by {manifest.id}")
    return union


def load(stack_id: str) -> Stack:
    """The stack's plugin, importing its hooks module on first use (KeyError: no such stack)."""
    if stack_id not in _STACKS:
        importlib.import_module(manifests()[stack_id].module)
    return _STACKS[stack_id]


def triage(project: Project) -> list[Stack]:
    """The stacks that may be present, by their manifests' signals; only these are imported."""
    return [
        load(m.id) for m in manifests().values() if m.signals is None or m.signals.match(project)
    ]


def stacks() -> dict[str, Stack]:
    """Every stack, imported (for reports listing them all; triage is the cheap path)."""
    return {stack_id: load(stack_id) for stack_id in manifests()}
