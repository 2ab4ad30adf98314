"""Helpers shared by the tests: fixture copies, the CLI in-process, tree hashes, app imports,
token verification."""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import io
import json
import os
import re
import shutil
import signal
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import jwt

from scaffolder import cli

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
TOKEN_ATTR = re.compile(r'data-user-token="([^"]+)"')


def copy_fixture(name: str, dest: Path) -> Path:
    target = dest / name
    shutil.copytree(FIXTURES / name, target, symlinks=True)
    return target


@dataclass(frozen=True)
class Result:
    """What a run of the CLI printed, and its exit code; `output` is stdout and stderr as they
    were interleaved."""

    exit_code: int
    stdout: str
    stderr: str
    output: str


class _Captured(io.StringIO):
    """One of the two streams, each write also going to the interleaved `output`."""

    def __init__(self, output: io.StringIO) -> None:
        super().__init__()
        self._output = output

    def write(self, text: str) -> int:
        self._output.write(text)
        return super().write(text)


def run(*args: str | Path, input: str | None = None) -> Result:
    """The CLI in-process, as a script would run it (stdin and stdout are not terminals)."""
    output = io.StringIO()
    out, err = _Captured(output), _Captured(output)
    code: int | str | None = 0
    with (
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        _stdin(io.StringIO(input or "")),
    ):
        try:
            cli.run([str(a) for a in args])
        except SystemExit as exc:
            code = exc.code
    return Result(
        code if isinstance(code, int) else 1, out.getvalue(), err.getvalue(), output.getvalue()
    )


@contextlib.contextmanager
def _stdin(stream: io.StringIO) -> Iterator[None]:
    saved, sys.stdin = sys.stdin, stream
    try:
        yield
    finally:
        sys.stdin = saved


def run_json(*args: str) -> tuple[int, dict[str, Any]]:
    result = run(*args, "--json")
    return result.exit_code, json.loads(result.stdout)


def tree_digest(root: Path) -> dict[str, str]:
    """Every file under root, with a hash of its bytes and its mode."""
    digest = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            data = path.read_bytes()
            digest[str(path.relative_to(root))] = (
                hashlib.sha256(data).hexdigest() + f":{path.stat().st_mode:o}"
            )
    return digest


@contextlib.contextmanager
def no_hang(seconds: float = 10) -> Iterator[None]:
    """Fail (instead of hanging the suite) when the body blocks, e.g. opening a FIFO."""

    def expire(_signum: int, _frame: object) -> None:
        raise TimeoutError(f"blocked for {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class Applied:
    output: str
    changed: list[str]


def apply_twice(root: Path, *flags: str) -> Applied:
    """The end-to-end tests' apply: a --dry-run changes no byte; `apply --yes` succeeds and ends
    with the signing-key reminder; a second apply plans nothing; a --dry-run after it changes no
    byte either. Returns the first apply's output and the files it created or changed."""
    pristine = tree_digest(root)
    dry = run("apply", root, "--dry-run", *flags)
    assert dry.exit_code == 0, dry.output
    assert tree_digest(root) == pristine
    first = run("apply", root, "--yes", *flags)
    assert first.exit_code == 0, first.output
    assert "BESTCHATBOT_SIGNING_KEY" in first.output
    after = tree_digest(root)
    again = run("apply", root, "--yes", *flags)
    assert again.exit_code == 0, again.output
    assert "Nothing to do" in again.output
    assert run("apply", root, "--dry-run", *flags).exit_code == 0
    assert tree_digest(root) == after
    return Applied(first.output, sorted(p for p in after if pristine.get(p) != after[p]))


@contextlib.contextmanager
def imported(root: Path, module: str) -> Iterator[ModuleType]:
    """Import `module` from a patched fixture copy, isolated from every other copy."""

    def ours(mod: ModuleType) -> bool:
        file = getattr(mod, "__file__", None) or ""
        return file.startswith(str(root))

    saved_path = list(sys.path)
    stale = {name: m for name, m in sys.modules.items() if name.split(".")[0] in _top_levels(root)}
    for name in stale:
        del sys.modules[name]
    sys.path.insert(0, str(root))
    importlib.invalidate_caches()
    try:
        yield importlib.import_module(module)
    finally:
        sys.path[:] = saved_path
        for name, mod in list(sys.modules.items()):
            if ours(mod):
                del sys.modules[name]
        sys.modules.update(stale)


def _top_levels(root: Path) -> set[str]:
    names = set()
    for base in (root, root / "src"):
        if base.is_dir():
            for child in base.iterdir():
                if child.suffix == ".py":
                    names.add(child.stem)
                elif (child / "__init__.py").exists():
                    names.add(child.name)
    return names


@dataclass
class Claims:
    header: dict[str, Any]
    payload: dict[str, Any]


def verify(token: str) -> Claims:
    """Verify a widget token the way BestChatBot would: HS256, the key from the environment."""
    key = os.environ["BESTCHATBOT_SIGNING_KEY"]
    payload = jwt.decode(token, key, algorithms=["HS256"], options={"require": ["exp", "email"]})
    return Claims(jwt.get_unverified_header(token), payload)


def assert_contract(claims: Claims, *, email: str, name: str | None, user_id: str | None) -> None:
    now = time.time()
    assert claims.header["alg"] == "HS256"
    assert claims.payload["email"] == email
    assert claims.payload["email"] == claims.payload["email"].lower()
    assert now < claims.payload["exp"] <= now + 3600 + 5
    assert claims.payload.get("name") == name
    assert claims.payload.get("user_id") == user_id
    # The contract's claims, plus at most the standard issued-at that JWT libraries add.
    assert set(claims.payload) <= {"email", "exp", "name", "user_id", "iat"}
    assert claims.payload.get("iat", now) <= now + 5


def token_in(html: str) -> str | None:
    found = TOKEN_ATTR.findall(html)
    assert len(found) <= 1, "more than one data-user-token on the page"
    return found[0] if found else None


def assert_missing_key_logged_once(log: str) -> None:
    """The app's log names BESTCHATBOT_SIGNING_KEY on exactly one line, saying it is not set."""
    lines = [line for line in log.splitlines() if "BESTCHATBOT_SIGNING_KEY" in line]
    assert len(lines) == 1, log
    assert "BESTCHATBOT_SIGNING_KEY is not set" in lines[0], lines[0]
