"""What `apply` came to, one model for every front end.

The CLI and the MCP tools reach an `Outcome` through the same steps (`settled`, then `planned`
or `applied`, then `install` for `apply --install`, or `update_locks` for the lockfile updates
accepted at the terminal); `documents.apply_document` turns it into the `bcb-scaffold/apply@1`
document and `render.outcome_text` into the CLI's text.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from scaffolder.envfile import REMINDER
from scaffolder.exitcodes import ExitCode
from scaffolder.model import Inspection
from scaffolder.plan import Command, LockUpdate, Plan

Status = Literal["questions", "nothing-to-do", "planned", "patch-written", "applied"]
LockStatus = Literal["pending", "updated", "failed"]
RUN_TIMEOUT = 900
"""Seconds a command run after the write may take (a lockfile update resolving over the network)."""


@dataclass(frozen=True)
class LockState:
    """A lockfile the change makes stale, and what came of its update: pending (not run),
    updated, or failed (`detail` says how; `exit_status` is the command's, when it ran)."""

    update: LockUpdate
    status: LockStatus = "pending"
    exit_status: int | None = None
    detail: str = ""

    @property
    def message(self) -> str:
        update = self.update
        if self.status == "updated":
            installs = f"install from it with `{update.frozen}`"
            return f"{update.path} updated by `{update.display}`; {installs}"
        if self.status == "failed":
            return f"`{update.display}` {self.detail}; {update.stale()}"
        return update.stale()

    def to_json(self) -> dict[str, Any]:
        return {
            **self.update.to_json(),
            "status": self.status,
            "exit_status": self.exit_status,
            "message": self.message,
        }


@dataclass(frozen=True)
class Outcome:
    """status: questions (nothing planned: answer them) | nothing-to-do (already integrated) |
    planned (nothing written) | patch-written | applied."""

    status: Status
    inspection: Inspection[object]
    plan: Plan
    changed: tuple[str, ...] = ()
    """The files written (status applied only)."""
    patch_file: str | None = None
    failed: tuple[Command, ...] = ()
    """Install commands that failed after the write (`apply --install`)."""
    updated: tuple[LockState, ...] = ()
    """The lockfile updates run after the write, and how each went."""

    @property
    def written(self) -> bool:
        return self.status == "applied"

    @property
    def next_steps(self) -> list[str]:
        return self.plan.next_steps

    @property
    def commands(self) -> list[Command]:
        return self.plan.commands

    @property
    def locks(self) -> list[LockState]:
        """Every lockfile the change makes stale: its update's result, or pending."""
        ran = {state.update.path: state for state in self.updated}
        return [ran.get(update.path, LockState(update)) for update in self.plan.locks]

    @property
    def warnings(self) -> list[str]:
        return [
            *self.plan.warnings,
            *(f"`{c.display}` failed: run it yourself" for c in self.failed),
        ]

    @property
    def reminder(self) -> str | None:
        """The BESTCHATBOT_SIGNING_KEY reminder, once there is a plan to remind of."""
        return None if self.status == "questions" else REMINDER

    @property
    def exit_code(self) -> ExitCode:
        if self.status == "questions":
            return ExitCode.QUESTIONS
        if self.failed or any(state.status == "failed" for state in self.updated):
            return ExitCode.FOLLOW_UP_FAILED
        return ExitCode.OK


def settled(inspection: Inspection[object], plan: Plan) -> Outcome | None:
    """The outcome when there is nothing to write (questions left, or nothing to do); None
    when the plan has edits."""
    if inspection.questions:
        return Outcome("questions", inspection, plan)
    if plan.empty:
        return Outcome("nothing-to-do", inspection, plan)
    return None


def planned(inspection: Inspection[object], plan: Plan, patch_file: Path | None = None) -> Outcome:
    """A dry run; with `patch_file`, the plan's diff written there as a `git apply`-able patch."""
    if patch_file is None:
        return Outcome("planned", inspection, plan)
    patch_file.write_text(plan.diff(), encoding="utf-8", newline="")
    return Outcome("patch-written", inspection, plan, patch_file=str(patch_file))


def applied(inspection: Inspection[object], plan: Plan, *, allow_dirty: bool) -> Outcome:
    """The plan written, all or nothing (see `writer.write_plan`)."""
    from scaffolder.writer import write_plan

    changed = write_plan(inspection.root, plan, allow_dirty=allow_dirty)
    return Outcome("applied", inspection, plan, changed=tuple(changed))


def install(outcome: Outcome, announce: Callable[[str], None] | None) -> Outcome:
    """`apply --install`: the plan's install commands, then its lockfile updates, each announced
    (when `announce` is given; otherwise their output is captured). A failure is reported, never
    undone: the edits are already written."""
    failed = tuple(
        cmd
        for cmd in outcome.commands
        if _run(outcome.inspection.root, cmd.argv, cmd.cwd, cmd.display, announce)[0]
    )
    ran = replace(outcome, failed=(*outcome.failed, *failed))
    return update_locks(ran, outcome.plan.locks, announce)


def update_locks(
    outcome: Outcome, updates: Sequence[LockUpdate], announce: Callable[[str], None] | None
) -> Outcome:
    """Run the given lockfile updates in their managers' roots (as `install` runs commands)."""
    states = []
    for update in updates:
        root = outcome.inspection.root
        detail, exit_status = _run(root, update.argv, update.cwd, update.display, announce)
        status: LockStatus = "failed" if detail else "updated"
        states.append(LockState(update, status, exit_status, detail))
    return replace(outcome, updated=(*outcome.updated, *states))


def runnable(update: LockUpdate) -> bool:
    """Whether the update's package manager is on PATH (the terminal offers only those)."""
    return shutil.which(update.argv[0]) is not None


def _run(
    root: Path,
    argv: tuple[str, ...],
    cwd: str,
    display: str,
    announce: Callable[[str], None] | None,
) -> tuple[str, int | None]:
    """Run one command in the project: ("", 0) when it succeeds, else how it failed and its exit
    status (None when it could not run). stdin is closed: nothing it asks can hang the run."""
    if announce is not None:
        sys.stdout.flush()  # what was printed comes before the command's own output
        announce(f"$ {display}")
    if shutil.which(argv[0]) is None:
        return f"could not run: {argv[0]} is not on PATH", None
    try:
        done = subprocess.run(
            list(argv),
            cwd=root / cwd,
            stdin=subprocess.DEVNULL,
            capture_output=announce is None,
            text=True,
            check=False,
            timeout=RUN_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        return f"timed out after {RUN_TIMEOUT} s", None
    except OSError as exc:
        return f"could not run: {exc.strerror or exc}", None
    if done.returncode == 0:
        return "", 0
    last = next((ln.strip() for ln in reversed((done.stderr or "").splitlines()) if ln.strip()), "")
    said = f" ({last[:200]})" if last else ""
    return f"exited with status {done.returncode}{said}", done.returncode
