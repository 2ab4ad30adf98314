"""Plans: what `apply` would change, as data. Generation builds a plan and never writes."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

Action = Literal["create", "modify"]
LockManager = Literal["npm", "pnpm", "yarn", "bun", "uv", "poetry", "pipenv", "pip-tools"]


@dataclass(frozen=True)
class FileEdit:
    """One file's new text. `before` is None when the file is created."""

    path: str
    before: str | None
    after: str
    reason: str
    language: str = "text"
    bom: bool = False

    @property
    def action(self) -> Action:
        return "create" if self.before is None else "modify"

    def diff(self) -> str:
        return unified_diff(self.path, self.before, self.after)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "action": self.action,
            "reason": self.reason,
            "language": self.language,
            "diff": self.diff(),
        }


@dataclass(frozen=True)
class Skipped:
    """A step that needs no change: already integrated, or deliberately left alone."""

    path: str
    why: str

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "why": self.why}


def command_line(argv: tuple[str, ...], cwd: str) -> str:
    """`argv` as the shell line to run from the project root (`cd web && npm ci`)."""
    import shlex

    where = f"cd {shlex.quote(cwd)} && " if cwd not in ("", ".") else ""
    return where + shlex.join(argv)


@dataclass(frozen=True)
class Command:
    """A command the user should run after the edits (installing a new dependency);
    `apply --install` runs it."""

    argv: tuple[str, ...]
    cwd: str
    why: str

    @property
    def display(self) -> str:
        return command_line(self.argv, self.cwd)

    def to_json(self) -> dict[str, Any]:
        return {"argv": list(self.argv), "cwd": self.cwd, "why": self.why}


@dataclass(frozen=True)
class LockUpdate:
    """A lockfile that a dependency the plan declares leaves stale, and the package manager's
    command that updates the lockfile alone (never node_modules or the virtualenv). It is part of
    the change: `apply --install` runs it, and so does a yes to the terminal's offer."""

    path: str
    """The lockfile, relative to the project root."""
    manager: LockManager
    argv: tuple[str, ...]
    cwd: str
    """Where the command runs: the manager's root (the directory holding the lockfile)."""
    frozen: str
    """CI's frozen install, which checks the lockfile against the manifest (`npm ci`)."""
    frozen_fails: bool = True
    """False where that install does not check, and installs without the new dependency."""

    @property
    def display(self) -> str:
        return command_line(self.argv, self.cwd)

    def stale(self) -> str:
        """What happens while the lockfile is not updated, and the command that updates it."""
        effect = "will fail" if self.frozen_fails else "leaves the new dependency out"
        return (
            f"CI's frozen install (`{self.frozen}`) {effect} until {self.path} is updated: "
            f"run `{self.display}`"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "manager": self.manager,
            "argv": list(self.argv),
            "cwd": self.cwd,
            "frozen": self.frozen,
        }


@dataclass
class Plan:
    edits: list[FileEdit] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    next_steps: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    commands: list[Command] = field(default_factory=list)
    locks: list[LockUpdate] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.edits

    def diff(self) -> str:
        return "".join(e.diff() for e in self.edits)


class PlanBuilder:
    """Accumulates edits; several steps may edit the same file in turn."""

    def __init__(self, read: Callable[[str], tuple[str, bool] | None]) -> None:
        self._read = read
        self._original: dict[str, str | None] = {}
        self._current: dict[str, str] = {}
        self._reasons: dict[str, list[str]] = {}
        self._language: dict[str, str] = {}
        self._bom: dict[str, bool] = {}
        self.plan = Plan()

    def current(self, path: str) -> str | None:
        """The file's text as planned so far (None: does not exist and is not planned)."""
        if path in self._current:
            return self._current[path]
        if path not in self._original:
            found = self._read(path)
            self._original[path] = found[0] if found else None
            self._bom[path] = found[1] if found else False
        return self._original[path]

    def write(self, path: str, text: str, reason: str, language: str = "text") -> None:
        before = self.current(path)
        if before == text:
            return
        self._current[path] = text
        self._reasons.setdefault(path, []).append(reason)
        self._language[path] = language

    def skip(self, path: str, why: str) -> None:
        self.plan.skipped.append(Skipped(path, why))

    def next_step(self, text: str) -> None:
        if text not in self.plan.next_steps:
            self.plan.next_steps.append(text)

    def command(self, argv: list[str], cwd: str, why: str) -> None:
        """A command to run after writing (printed as a next step; run by `apply --install`)."""
        cmd = Command(tuple(argv), cwd, why)
        if cmd not in self.plan.commands:
            self.plan.commands.append(cmd)
            self.next_step(f"{why}: {cmd.display}")

    def lock(self, update: LockUpdate) -> None:
        """A lockfile the plan's new dependencies make stale (one entry per lockfile)."""
        if all(u.path != update.path for u in self.plan.locks):
            self.plan.locks.append(update)

    def warn(self, text: str) -> None:
        if text not in self.plan.warnings:
            self.plan.warnings.append(text)

    def build(self) -> Plan:
        self.plan.edits = [
            FileEdit(
                path,
                self._original.get(path),
                text,
                "; ".join(self._reasons[path]),
                self._language[path],
                self._bom.get(path, False),
            )
            for path, text in self._current.items()
            if text != self._original.get(path)
        ]
        return self.plan


def unified_diff(path: str, before: str | None, after: str) -> str:
    """A `git apply`-able unified diff of one file (new files from /dev/null)."""
    a = (before or "").splitlines(keepends=True)
    b = after.splitlines(keepends=True)
    lines = list(
        difflib.unified_diff(
            a,
            b,
            fromfile="/dev/null" if before is None else f"a/{path}",
            tofile=f"b/{path}",
        )
    )
    if not lines:
        return ""
    out = [f"diff --git a/{path} b/{path}\n"]
    if before is None:
        out.append("new file mode 100644\n")
    for line in lines:
        if line.endswith("\n"):
            out.append(line)
        else:
            out.append(line + "\n\\ No newline at end of file\n")
    return "".join(out)
