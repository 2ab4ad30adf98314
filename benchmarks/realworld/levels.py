"""The first three levels for one app: inspected right, applied cleanly (and the deep check,
from deep.py). Each level is 'pass', 'fail' or 'skip' (not reached) with a one-line reason."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import deep, parsecheck, tool
from .corpus import App

GIT_TIMEOUT = 120
GIT_ID = [
    "-c",
    "user.name=bench",
    "-c",
    "user.email=bench@example.com",
    "-c",
    "commit.gpgsign=false",
]


@dataclass
class Level:
    status: str = "skip"
    reason: str = ""


@dataclass
class Result:
    id: str
    stack: str
    inspected: Level = field(default_factory=Level)
    applied: Level = field(default_factory=Level)
    verified: Level = field(default_factory=Level)
    found: dict[str, str] = field(default_factory=dict)
    changed: list[str] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)


def found_fields(doc: dict[str, Any]) -> dict[str, str]:
    """The recorded fields, as this inspect document reports them."""
    stack = doc.get("stack") or {}
    auth = doc.get("auth") or {}
    widget = doc.get("widget") or {}
    prefixes = [f["value"] for f in doc.get("findings", []) if f.get("kind") == "api-prefix"]
    return {
        "framework": str(stack.get("framework") or ""),
        "auth": str(auth.get("library") or ""),
        "app": str(stack.get("app_root") or ""),
        "layout": str(widget.get("file") or ""),
        "email": str((auth.get("email") or {}).get("expr") or ""),
        "rendering": str(stack.get("rendering") or ""),
        "prefix": str(prefixes[0]) if prefixes else "",
    }


def _same(key: str, want: str, got: str) -> bool:
    if key == "prefix":
        return want.rstrip("/") == got.rstrip("/")
    if key == "email":
        return want.replace("'", '"').replace(" ", "") == got.replace("'", '"').replace(" ", "")
    return want == got


def inspect(app: App, root: Path, bcb: Path, result: Result) -> None:
    outcome = tool.run(bcb, "inspect", root, app.answers)
    doc = outcome.document
    if outcome.exit_code not in (0, 3) or "stack" not in doc:
        result.inspected = Level("fail", outcome.error())
        return
    result.found = found_fields(doc)
    wrong = [
        f"{k}: expected {v!r}, got {result.found[k]!r}"
        for k, v in app.expect.items()
        if not _same(k, v, result.found[k])
    ]
    questions = [q["id"] for q in doc.get("questions", [])]
    if questions:
        wrong.append("questions left: " + ", ".join(questions))
    result.inspected = Level("fail", "; ".join(wrong)) if wrong else Level("pass")


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *GIT_ID, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=GIT_TIMEOUT,
        check=True,
    )
    return done.stdout


def prepare(checkout: Path, work: Path) -> Path:
    """A committed git copy of the checkout (apply refuses uncommitted work)."""
    copy = work / "app"
    shutil.copytree(checkout, copy, symlinks=True)
    _git(copy, "init", "-q")
    _git(copy, "add", "-A", "-f")
    _git(copy, "commit", "-q", "--no-verify", "-m", "pinned corpus commit")
    return copy


def apply(app: App, checkout: Path, copy: Path, bcb: Path, result: Result) -> None:
    first = tool.run(bcb, "apply", copy, app.answers, "--yes")
    status = first.document.get("status")
    if status != "applied":
        why = f"status {status}" if status else first.error()
        questions = [q["id"] for q in first.document.get("questions", [])]
        result.applied = Level("fail", why + (f" ({', '.join(questions)})" if questions else ""))
        return
    result.changed = list(first.document.get("changed_files", []))
    touched = sorted(
        line[3:].strip().strip('"')
        for line in _git(copy, "status", "--porcelain", "-uall").splitlines()
    )
    unreported = sorted(set(touched) - set(result.changed))
    errors, result.unchecked = parsecheck.check_files(checkout, copy, result.changed, app.stack)
    if unreported:
        errors.append("changed but not reported: " + ", ".join(unreported))
    second = tool.run(bcb, "apply", copy, app.answers, "--yes")
    if second.document.get("status") != "nothing-to-do":
        again = second.document.get("status") or second.error()
        errors.append(f"second apply: {again}, not nothing-to-do")
    result.applied = Level("fail", "; ".join(errors)) if errors else Level("pass")


def run_app(app: App, checkouts: Path, bcb: Path, work: Path) -> Result:
    result = Result(app.id, app.stack)
    checkout = checkouts / app.id
    if not checkout.is_dir():
        result.inspected = Level("fail", f"no checkout at {checkout}")
        return result
    copy = prepare(checkout, work)
    inspect(app, copy, bcb, result)
    apply(app, checkout, copy, bcb, result)
    if result.applied.status != "pass":
        result.verified = Level("skip", "not applied cleanly")
    else:
        result.verified = deep.verify(app, checkout, copy, work, bcb, result.changed)
    return result
