"""Python environments pinned to old but common versions (Flask 2.x, Django 3.2, Pydantic v1...),
for the end-to-end tests that run a patched fixture on the versions a project actually uses.

Each environment is a virtualenv created once into a cache directory outside the repository
(never committed), keyed by its pins, and reused by every test and every run, like the npm
cache (tests/npm_cache.py):

    python = py_env(["flask==2.2.5", "werkzeug==2.2.3", "flask-login==0.5.0", "pyjwt==2.8.0"])
    out = run_driver(python, DRIVER, cwd=app_copy, env={"BESTCHATBOT_SIGNING_KEY": KEY})

The patched app runs in a subprocess of that interpreter (it cannot be imported into the test
process, which holds the current versions); the driver prints JSON the test then checks.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

CACHE = Path(
    os.environ.get("BCB_PY_ENV_CACHE", Path.home() / ".cache" / "bcb-scaffold-tests" / "python")
)


def py_env(requirements: Sequence[str], *, timeout: int = 900) -> Path:
    """The interpreter of a virtualenv holding exactly `requirements` (pip specifiers, pinned),
    created on first use."""
    pins = sorted(requirements)
    key = hashlib.sha256(json.dumps([sys.version_info[:2], pins]).encode()).hexdigest()[:16]
    target = CACHE / key
    python = target / "bin" / "python"
    done = target / ".complete"
    if done.exists():
        return python
    target.mkdir(parents=True, exist_ok=True)
    with open(target.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # parallel runs install once
        if not done.exists():
            subprocess.run(
                [sys.executable, "-m", "venv", "--clear", str(target)],
                check=True,
                capture_output=True,
                timeout=timeout,
            )
            result = subprocess.run(
                [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *pins],
                capture_output=True,
                text=True,
                timeout=timeout,
            )
            if result.returncode != 0:
                raise RuntimeError(f"pip install {' '.join(pins)} failed:\n{result.stderr[-4000:]}")
            (target / "requirements.txt").write_text("\n".join(pins) + "\n")
            done.touch()
    return python


def installed(python: Path, distribution: str) -> str:
    """The version of `distribution` in that environment (to assert the pin really holds)."""
    return subprocess.run(
        [str(python), "-c", f"import importlib.metadata as m; print(m.version({distribution!r}))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def run_driver(
    python: Path,
    code: str,
    *,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    timeout: int = 120,
) -> Any:
    """Run `code` with that interpreter in `cwd` (the patched app's copy, on `sys.path`) and
    return the JSON it prints last. A failing driver fails the test with its stderr."""
    result = subprocess.run(
        [str(python), "-c", code],
        cwd=cwd,
        env={
            "PATH": os.environ.get("PATH", ""),
            "HOME": os.environ.get("HOME", ""),
            "PYTHONPATH": str(cwd),
            "PYTHONDONTWRITEBYTECODE": "1",
            **(env or {}),
        },
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise AssertionError(f"driver failed ({result.returncode}):\n{result.stderr[-4000:]}")
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    if not lines:
        raise AssertionError(f"driver printed nothing; stderr:\n{result.stderr[-2000:]}")
    return json.loads(lines[-1])
