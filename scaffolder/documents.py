"""The JSON documents every command prints with `--json` (and the MCP tools return).

Each carries a `schema` id (`bcb-scaffold/<kind>@<major>`); fields are only ever added within a
major version. JSON Schema files describing them ship in `scaffolder/schemas/`.
"""

from __future__ import annotations

from typing import Any

from scaffolder import __version__
from scaffolder.envfile import REMINDER
from scaffolder.exitcodes import ExitCode
from scaffolder.model import Inspection
from scaffolder.plan import Plan

APPLY_SCHEMA = "bcb-scaffold/apply@1"
ERROR_SCHEMA = "bcb-scaffold/error@1"
TOOL = {"name": "bcb-scaffold", "version": __version__}


def inspect_document(inspection: Inspection) -> dict[str, Any]:
    return inspection.to_json()


def apply_document(
    inspection: Inspection,
    plan: Plan,
    *,
    status: str,
    changed: list[str] | None = None,
    patch_file: str | None = None,
) -> dict[str, Any]:
    """status: questions | nothing-to-do | planned | patch-written | applied."""
    return {
        "schema": APPLY_SCHEMA,
        "tool": TOOL,
        "status": status,
        "root": str(inspection.root),
        "inspection": inspection.to_json(),
        "questions": [q.to_json() for q in inspection.questions],
        "edits": [e.to_json() for e in plan.edits],
        "skipped": [s.to_json() for s in plan.skipped],
        "diff": plan.diff(),
        "changed_files": changed or [],
        "patch_file": patch_file,
        "next_steps": plan.next_steps,
        "commands": [c.to_json() for c in plan.commands],
        "warnings": plan.warnings,
        "reminder": REMINDER if status != "questions" else None,
    }


def error_document(
    code: str, message: str, exit_code: ExitCode, file: str | None = None
) -> dict[str, Any]:
    return {
        "schema": ERROR_SCHEMA,
        "tool": TOOL,
        "error": {"code": code, "exit_code": int(exit_code), "message": message, "file": file},
    }
