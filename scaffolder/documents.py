"""The JSON documents every command prints with `--json` (and the MCP tools return).

Each carries a `schema` id (`bcb-scaffold/<kind>@<major>`); fields are only ever added within a
major version. The JSON Schema files describing them ship in `scaffolder/schemas/`
(`<kind>.schema.json`, `$id` `urn:bcb-scaffold:<kind>@<major>`; shared definitions in
`defs.schema.json`).
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scaffolder import __version__
from scaffolder.exitcodes import ExitCode
from scaffolder.model import INSPECT_SCHEMA, Inspection

if TYPE_CHECKING:  # `inspect --json` never loads apply's outcome model
    from scaffolder.outcome import Outcome

APPLY_SCHEMA = "bcb-scaffold/apply@1"
ERROR_SCHEMA = "bcb-scaffold/error@1"
PROMPT_SCHEMA = "bcb-scaffold/prompt@1"
CHECK_SCHEMA = "bcb-scaffold/check@1"
VERIFY_SCHEMA = "bcb-scaffold/verify@1"
DOCUMENTS = (INSPECT_SCHEMA, APPLY_SCHEMA, ERROR_SCHEMA, PROMPT_SCHEMA, CHECK_SCHEMA, VERIFY_SCHEMA)
TOOL = {"name": "bcb-scaffold", "version": __version__}

SCHEMAS_DIR = Path(__file__).resolve().parent / "schemas"
_URN = re.compile(r"urn:bcb-scaffold:(?P<kind>[a-z]+)@(?P<major>\d+)")


def inspect_document(inspection: Inspection[object]) -> dict[str, Any]:
    document = inspection.to_json()
    document["hint"] = None
    if not inspection.supported:
        from scaffolder.engine import unsupported_message

        document["hint"] = unsupported_message(inspection)
    return document


def apply_document(outcome: Outcome) -> dict[str, Any]:
    insp, plan = outcome.inspection, outcome.plan
    return {
        "schema": APPLY_SCHEMA,
        "tool": TOOL,
        "status": outcome.status,
        "root": str(insp.root),
        "inspection": inspect_document(insp),
        "questions": [q.to_json() for q in insp.questions],
        "edits": [e.to_json() for e in plan.edits],
        "skipped": [s.to_json() for s in plan.skipped],
        "diff": plan.diff(),
        "changed_files": list(outcome.changed),
        "patch_file": outcome.patch_file,
        "next_steps": outcome.next_steps,
        "commands": [c.to_json() for c in outcome.commands],
        "lockfiles": [state.to_json() for state in outcome.locks],
        "warnings": outcome.warnings,
        "reminder": outcome.reminder,
    }


def error_document(
    code: str, message: str, exit_code: ExitCode, file: str | None = None
) -> dict[str, Any]:
    return {
        "schema": ERROR_SCHEMA,
        "tool": TOOL,
        "error": {"code": code, "exit_code": int(exit_code), "message": message, "file": file},
    }


def schema_name(document_schema: str) -> str:
    """`bcb-scaffold/apply@1` -> `apply`: the JSON Schema file describing that document."""
    kind = document_schema.removeprefix("bcb-scaffold/").split("@", 1)[0]
    if document_schema not in DOCUMENTS:
        raise KeyError(f"no JSON Schema for {document_schema!r}")
    return kind


@cache
def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SCHEMAS_DIR / f"{name}.schema.json").read_text("utf-8"))
    return data


def json_schema(name: str) -> dict[str, Any]:
    """The JSON Schema `scaffolder/schemas/<name>.schema.json` as shipped (it may `$ref` the
    other files by their `urn:bcb-scaffold:` ids)."""
    return copy.deepcopy(_load(name))


def bundled_json_schema(name: str) -> dict[str, Any]:
    """One self-contained schema: the files it references embedded under `$defs` with their
    own `$id` (JSON Schema 2020-12 bundling), for consumers without a schema registry, such
    as the output schemas of the MCP tools."""
    root = json_schema(name)
    embedded: dict[str, Any] = {}
    pending = _references(root)
    while pending:
        urn = pending.pop()
        if urn in embedded or urn == root["$id"]:
            continue
        match = _URN.fullmatch(urn)
        if match is None:
            raise KeyError(f"unknown schema reference {urn!r}")
        resource = json_schema(match["kind"])
        resource.pop("$schema", None)
        embedded[urn] = resource
        pending |= _references(resource)
    if embedded:
        root.setdefault("$defs", {}).update(embedded)
    return root


def _references(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("urn:"):
                found.add(value.split("#", 1)[0])
            else:
                found |= _references(value)
    elif isinstance(node, list):
        for item in node:
            found |= _references(item)
    return found
