"""pnpm for the lockfile end-to-end tests: one pinned release, installed once into the npm cache
(tests/npm_cache.py), with its package store beside it so that a frozen install downloads each
package once, whichever test or run asks.

    monkeypatch.setenv("PATH", pnpm_path())  # what `apply --install` finds on PATH
    done = pnpm(root, "install", "--frozen-lockfile")

The fixtures' `pnpm-lock.yaml` files were written by this release (`pnpm install
--lockfile-only`). `python -m tests.pnpm_cache` installs it ahead of the tests (scripts/setup-tests
runs it) and prints its version.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.npm_cache import CACHE, npm_env

VERSION = "10.34.9"
STORE = CACHE.parent / "pnpm-store"
"""The package store the tests' pnpm installs from (content-addressed: safe to share)."""
SETTINGS = {
    "npm_config_store_dir": str(STORE),
    "npm_config_update_notifier": "false",
}


def pnpm_bin() -> Path:
    """The directory holding the pinned `pnpm` executable, installed on first use."""
    return npm_env({"pnpm": VERSION}) / ".bin"


def pnpm_path() -> str:
    """PATH with the pinned pnpm first."""
    return f"{pnpm_bin()}{os.pathsep}{os.environ.get('PATH', '')}"


def environment() -> dict[str, str]:
    """The environment pnpm runs in: the pinned release on PATH, the shared store."""
    return {**os.environ, **SETTINGS, "PATH": pnpm_path()}


def pnpm(cwd: Path, *args: str, timeout: int = 1200) -> subprocess.CompletedProcess[str]:
    """`pnpm <args>` in `cwd` with the pinned release and the shared store (not checked)."""
    return subprocess.run(
        [str(pnpm_bin() / "pnpm"), *args],
        cwd=cwd,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


if __name__ == "__main__":
    done = pnpm(Path.cwd(), "--version", timeout=120)
    if done.returncode != 0:
        raise SystemExit(f"pnpm {VERSION} does not run:\n{done.stderr}")
    print(f"pnpm {done.stdout.strip()} in {pnpm_bin()}")
