"""npm packages for the JS end-to-end tests, installed once into a cache directory outside the
repository (never committed) and reused by every test and every run.

    node_modules = npm_env({"jose": "^5.9.6", "typescript": "^5.6"})
    link_node_modules(project_copy, node_modules)
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

CACHE = Path(os.environ.get("BCB_NPM_CACHE", Path.home() / ".cache" / "bcb-scaffold-tests" / "npm"))


def npm_env(packages: dict[str, str], *, timeout: int = 1200) -> Path:
    """`node_modules` holding `packages` (name -> version range), installed on first use."""
    key = hashlib.sha256(json.dumps(sorted(packages.items())).encode()).hexdigest()[:16]
    target = CACHE / key
    done = target / ".complete"
    if done.exists():
        return target / "node_modules"
    target.mkdir(parents=True, exist_ok=True)
    with open(target / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # parallel test workers install once
        if not done.exists():
            manifest = {"name": "bcb-scaffold-test-env", "private": True, "dependencies": packages}
            (target / "package.json").write_text(json.dumps(manifest, indent=2))
            npm = shutil.which("npm")
            if npm is None:
                raise RuntimeError("npm is needed by the JS end-to-end tests (see .ci/run)")
            result = subprocess.run(
                [npm, "install", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
                cwd=target,
                capture_output=True,
                text=True,
                timeout=timeout,
            )
            if result.returncode != 0:
                raise RuntimeError(f"npm install failed:\n{result.stderr[-4000:]}")
            done.touch()
    return target / "node_modules"


def link_node_modules(project: Path, node_modules: Path) -> None:
    """Make a fixture copy resolve its packages from the cache (a symlink, nothing copied)."""
    link = project / "node_modules"
    if not link.exists():
        link.symlink_to(node_modules, target_is_directory=True)
