"""What `apply` came to, one model for every front end.

The CLI and the MCP tools reach an `Outcome` through the same steps (`settled`, then `planned`
or `applied`, then `install` for `apply --install`); `documents.apply_document` turns it into the
`bcb-scaffold/apply@1` document and `render.outcome_text` into the CLI's text.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from scaffolder.envfile import REMINDER
from scaffolder.exitcodes import ExitCode
from scaffolder.model import Inspection
from scaffolder.plan import Command, Plan

Status = Literal["questions", "nothing-to-do", "planned", "patch-written", "applied"]


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
        return ExitCode.QUESTIONS if self.status == "questions" else ExitCode.OK


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
    """Run the plan's install commands in the project, each announced (when `announce` is
    given; otherwise their output is captured); a failure becomes a warning, the edits being
    already written."""
    failed = []
    for cmd in outcome.commands:
        if announce is not None:
            announce(f"$ {cmd.display}")
        try:
            done = subprocess.run(
                list(cmd.argv),
                cwd=outcome.inspection.root / cmd.cwd,
                capture_output=announce is None,
                check=False,
            )
            ok = done.returncode == 0
        except OSError:
            ok = False
        if not ok:
            failed.append(cmd)
    return replace(outcome, failed=(*outcome.failed, *failed))
