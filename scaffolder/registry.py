"""Stack plugins. Each module under `scaffolder.stacks` registers its stack with `@register`;
nothing central changes when a stack is added."""

from __future__ import annotations

import importlib
import pkgutil
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

from scaffolder.model import Answers, Confidence, Evidence, Inspection
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

    @abstractmethod
    def detect(self, project: Project) -> Detection | None:
        """Cheap check: is this framework used here? None when it is not."""

    @abstractmethod
    def inspect(self, project: Project, detection: Detection, answers: Answers) -> Inspection:
        """The phase-1 report; questions for whatever cannot be settled."""

    @abstractmethod
    def plan(self, project: Project, inspection: Inspection, builder: PlanBuilder) -> None:
        """Add the edits for an inspection without open questions to `builder`."""


_STACKS: dict[str, Stack] = {}


def register(cls: type[Stack]) -> type[Stack]:
    _STACKS[cls.id] = cls()
    return cls


_discovered = False


def stacks() -> dict[str, Stack]:
    """Every registered stack, importing the plugin packages on first use (a stack module
    imported directly before that, e.g. by a test, must not hide the others)."""
    global _discovered
    if not _discovered:
        import scaffolder.stacks as pkg

        for info in pkgutil.iter_modules(pkg.__path__):
            importlib.import_module(f"{pkg.__name__}.{info.name}")
        _discovered = True
    return _STACKS
