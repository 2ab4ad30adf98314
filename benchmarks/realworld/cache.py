"""Per-app dependency caches outside the repository: node_modules from the npm registry and
Python venvs from PyPI, keyed by the app and the manifests they were built from, so a second run
reuses them. Every install has a timeout; a failed install is never marked complete."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(os.environ.get("BCB_RW_CACHE", Path.home() / ".cache" / "bcb-scaffold-realworld"))
NPM_TIMEOUT = 900
PIP_TIMEOUT = 900
NPM_FLAGS = [
    "--ignore-scripts",
    "--no-audit",
    "--no-fund",
    "--legacy-peer-deps",
    "--loglevel=error",
]
# Only tooling the harness itself needs (transpiling a route to run it under node).
TOOLING = {"typescript": "^5.9.0"}


class InstallError(Exception):
    """Dependencies could not be installed (the one-line reason is the message)."""


def _key(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()[:16]


def _tail(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return (lines[-1] if lines else "no output")[:200]


def _locked(target: Path) -> int:
    """An exclusive lock beside `target` (inside it, `venv --clear` would delete it)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle = os.open(target.parent / f"{target.name}.lock", os.O_CREAT | os.O_WRONLY)
    fcntl.flock(handle, fcntl.LOCK_EX)
    return handle


def node_modules(
    app_id: str,
    project: Path,
    seed: Path | None = None,
    *,
    peers: bool = False,
    versions: dict[str, str] | None = None,
) -> Path:
    """`node_modules` for the project's package.json and its npm lockfile; without one, the
    lockfile npm wrote for `seed` (the same app's node_modules before the patch), so a patch
    that adds a dependency resolves everything else to the versions already checked.
    `peers`: peer dependencies installed as npm does by default (an app that boots needs the
    ones its packages only declare, connect-mongo's `mongodb`), not --legacy-peer-deps.
    `versions`: packages whose range the registry here cannot serve (a dist-tag it does not
    carry, a canary it dropped), each with the published version that stands in for it (the
    recipe says why); the project's own files are left as they are."""
    manifest = _with_versions((project / "package.json").read_bytes(), versions or {})
    lock = project / "package-lock.json"
    if not lock.is_file() and seed is not None:
        lock = seed.parent / "package-lock.json"
    lock_bytes = lock.read_bytes() if lock.is_file() else b""
    key = _key(manifest, lock_bytes, b"peers") if peers else _key(manifest, lock_bytes)
    return _npm_install(ROOT / "npm" / f"{app_id}-{key}", manifest, lock_bytes, peers)


def _with_versions(manifest: bytes, versions: dict[str, str]) -> bytes:
    if not versions:
        return manifest
    data = json.loads(manifest)
    for field in ("dependencies", "devDependencies"):
        for name, version in versions.items():
            if name in data.get(field, {}):
                data[field][name] = version
    return json.dumps(data, indent=2).encode()


def tooling() -> Path:
    """The harness's own node packages (typescript, to transpile what it runs)."""
    return packages("tooling", TOOLING)


def packages(name: str, dependencies: dict[str, str]) -> Path:
    """`node_modules` holding these packages and nothing of an app's (harness tooling, a node
    release from the registry)."""
    manifest = json.dumps({"name": f"bcb-rw-{name}", "private": True, "dependencies": dependencies})
    target = ROOT / "npm" / f"{name}-{_key(manifest.encode())}"
    return _npm_install(target, manifest.encode(), b"")


def _npm_install(target: Path, manifest: bytes, lock: bytes, peers: bool = False) -> Path:
    done = target / ".complete"
    if done.exists():
        return target / "node_modules"
    npm = shutil.which("npm")
    if npm is None:
        raise InstallError("npm is not installed")
    handle = _locked(target)
    try:
        if not done.exists():
            target.mkdir(exist_ok=True)
            (target / "package.json").write_bytes(manifest)
            target.mkdir(exist_ok=True)
            if lock:
                (target / "package-lock.json").write_bytes(lock)
            problem = _npm(npm, target, peers)
            if problem and lock:
                # A lockfile can pin a version the registry no longer serves: resolve afresh.
                (target / "package-lock.json").unlink()
                shutil.rmtree(target / "node_modules", ignore_errors=True)
                problem = _npm(npm, target, peers)
            if problem:
                raise InstallError(problem)
            done.touch()
    finally:
        os.close(handle)
    return target / "node_modules"


def _npm(npm: str, target: Path, peers: bool = False) -> str | None:
    """None when `npm install` succeeded in `target`, else why not (one line)."""
    flags = [f for f in NPM_FLAGS if not (peers and f == "--legacy-peer-deps")]
    try:
        out = subprocess.run(
            [npm, "install", *flags],
            cwd=target,
            capture_output=True,
            text=True,
            timeout=NPM_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"npm install timed out after {NPM_TIMEOUT}s"
    if out.returncode == 0:
        return None
    said = [
        line.removeprefix("npm error").strip()
        for line in out.stderr.splitlines()
        if line.startswith("npm error") and "complete log" not in line
    ]
    detail = [line for line in said if line and not line.startswith("code ")]
    return "npm install failed: " + (detail[0] if detail else _tail(out.stderr))[:180]


def link(project: Path, modules: Path) -> None:
    """Make the project copy resolve its packages from the cache (a symlink, nothing copied)."""
    linked = project / "node_modules"
    if linked.is_symlink():
        linked.unlink()
    linked.symlink_to(modules, target_is_directory=True)


def venv(
    app_id: str, python: str, requirements: list[str], root: Path, sources: Path | None = None
) -> Path:
    """The python of a venv holding `requirements`: pip arguments in which "{root}" is the
    project (`-r {root}/requirements.txt`, `{root}` itself) and "{sources}" the folder of the
    recipe's sources (`{sources}/django-push`, a dependency checked out from its mirror); keyed
    by their text and the content of the requirement files and sources, not by where the
    project copy happens to be."""
    places = {"{root}": str(root), "{sources}": str(sources)}
    args = [_placed(a, places) for r in requirements for a in r.split(" ", 1)]
    files = b"".join(Path(a).read_bytes() for a in args if a.endswith(".txt") and Path(a).is_file())
    trees = b"".join(_tree(Path(a)) for a in args if sources and a.startswith(f"{sources}/"))
    key = _key(python.encode(), json.dumps(requirements).encode(), files, trees)
    target = ROOT / "venv" / f"{app_id}-{key}"
    python_bin = target / "bin" / "python"
    done = target / ".complete"
    if done.exists():
        return python_bin
    handle = _locked(target)
    try:
        if not done.exists():
            _pip(python, ["-m", "venv", "--clear", str(target)], "venv")
            pip = [str(python_bin), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
            _pip(pip[0], [*pip[1:], *args], "pip install")
            done.touch()
    finally:
        os.close(handle)
    return python_bin


def _placed(arg: str, places: dict[str, str]) -> str:
    for name, value in places.items():
        arg = arg.replace(name, value)
    return arg


def _tree(folder: Path) -> bytes:
    """The names and contents of a source folder's files, in a stable order."""
    files = sorted(f for f in folder.rglob("*") if f.is_file())
    return b"".join(str(f.relative_to(folder)).encode() + f.read_bytes() for f in files)


def find_python(version: str) -> str | None:
    """An interpreter of that minor version: one pyenv installed, or on PATH (not a pyenv
    shim, which answers only for the versions selected in the current directory)."""
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    for candidate in sorted(pyenv.glob(f"{version}.*"), reverse=True):
        if (candidate / "bin" / "python").is_file():
            return str(candidate / "bin" / "python")
    found = shutil.which(f"python{version}")
    return found if found and "/shims/" not in found else None


def _pip(python: str, args: list[str], what: str) -> None:
    try:
        out = subprocess.run(
            [python, *args], capture_output=True, text=True, timeout=PIP_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        raise InstallError(f"{what} timed out after {PIP_TIMEOUT}s") from None
    if out.returncode != 0:
        errors = [line for line in out.stderr.splitlines() if "error" in line.lower()]
        raise InstallError(f"{what} failed: " + _tail("\n".join(errors) or out.stderr))
