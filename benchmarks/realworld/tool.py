"""Runs the installed bcb-scaffold in a subprocess, with a timeout, and reads its JSON."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TIMEOUT = 180


@dataclass(frozen=True)
class Outcome:
    exit_code: int
    document: dict[str, Any]
    """The JSON document on stdout ({} when there was none)."""
    stderr: str

    def error(self) -> str:
        """One line: why the command failed."""
        err = self.document.get("error")
        if isinstance(err, dict):
            return f"exit {self.exit_code}: {err.get('message', err)}".splitlines()[0]
        if self.exit_code == -1:
            return self.stderr
        tail = self.stderr.strip().splitlines()[-1:] or ["no JSON on stdout"]
        return f"exit {self.exit_code}: {tail[0][:200]}"


def flags(answers: dict[str, str]) -> list[str]:
    """Recorded answers as CLI flags: api_key -> --api-key VALUE."""
    out: list[str] = []
    for key, value in answers.items():
        out += ["--" + key.replace("_", "-"), value]
    return out


def run(tool: Path, command: str, root: Path, answers: dict[str, str], *extra: str) -> Outcome:
    argv = [str(tool), command, "--json", *flags(answers), *extra, str(root)]
    env = {**os.environ, "NO_COLOR": "1"}
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=TIMEOUT, env=env, check=False
        )
    except subprocess.TimeoutExpired:
        return Outcome(-1, {}, f"timed out after {TIMEOUT}s")
    try:
        document = json.loads(done.stdout) if done.stdout.strip() else {}
    except json.JSONDecodeError:
        document = {}
    return Outcome(done.returncode, document, done.stderr)


def commit_of(tool: Path) -> str:
    """The commit of the checkout the tool is installed from (its venv sits in that checkout)."""
    for parent in tool.resolve().parents:
        if (parent / ".git").exists():
            done = subprocess.run(
                ["git", "-C", str(parent), "rev-parse", "--short=12", "HEAD"],
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
            return done.stdout.strip() or "unknown"
    return "unknown"
