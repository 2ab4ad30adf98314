"""Next.js: the app's dependencies from the npm registry (`npm install --ignore-scripts`, cached
per app outside the repository), the project's own `tsc --noEmit` before and after the patch (a
diagnostic in a file the patch touched that was not there before is a failure; diagnostics the
project already had are not), then the generated route under node with the provider's server
function replaced (drivers/route_harness.cjs): the signed-in user's token verifies, the
anonymous visitor gets 401 and no token. JavaScript projects (no tsconfig.json, no typescript)
have no `tsc` of their own: for them only the route runs, and the reason says so."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import cache
from .corpus import App
from .tokens import PERSON, check_token

if TYPE_CHECKING:
    from .levels import Level

TSC_TIMEOUT = 600
NODE_TIMEOUT = 120
HARNESS = Path(__file__).resolve().parent / "drivers" / "route_harness.cjs"
DIAGNOSTIC = re.compile(r"^(?P<file>[^\s(][^(]*)\(\d+,\d+\): error (?P<code>TS\d+): (?P<text>.*)$")
ROUTE = re.compile(r"(^|/)(app/api/.+/route|pages/api/.+)\.(ts|tsx|js|jsx|mjs)$")
# What `next dev` / `next build` writes before type-checking (absent from git checkouts).
NEXT_ENV = '/// <reference types="next" />\n/// <reference types="next/image-types/global" />\n'


def verify(app: App, checkout: Path, root: Path, work: Path, changed: list[str]) -> Level:
    from .levels import Level

    versions = dict((app.recipe or {}).get("versions", {}))
    try:
        before_modules = cache.node_modules(app.id, checkout, versions=versions)
        after_modules = (
            cache.node_modules(app.id, root, before_modules, versions=versions)
            if "package.json" in changed
            else before_modules
        )
        harness_ts = cache.tooling() / "typescript"
    except cache.InstallError as exc:
        return Level("skip", str(exc))
    notes = []
    if (checkout / "tsconfig.json").is_file() and (before_modules / "typescript").is_dir():
        before = work / "before"
        shutil.copytree(checkout, before, symlinks=True)
        old = _tsc(before, before_modules)
        new = _tsc(root, after_modules)
        for outcome in (old, new):
            if isinstance(outcome, str):
                return Level("skip", outcome)
        assert not isinstance(old, str) and not isinstance(new, str)
        added = new - old
        touched = [d for d in added.elements() if d[0] in changed]
        if touched:
            file, code, text = touched[0]
            return Level("fail", f"tsc: new {code} in {file}: {text}"[:200])
        notes.append(f"tsc: no new diagnostic ({sum(old.values())} before the patch)")
    else:
        cache.link(root, after_modules)
        notes.append("JavaScript project: no tsc of its own")
    routes = [p for p in changed if ROUTE.search(p)]
    if len(routes) != 1:
        return Level("skip", f"expected one generated route, got {routes}")
    problem = _route(app, root, routes[0], harness_ts)
    if problem:
        return Level("fail", problem)
    return Level("pass", "; ".join([*notes, "route ran under node"]))


def _tsc(project: Path, modules: Path) -> Counter[tuple[str, str, str]] | str:
    """The project's diagnostics (file, code, message; line numbers shift with the patch)."""
    cache.link(project, modules)
    if not (project / "next-env.d.ts").exists():
        (project / "next-env.d.ts").write_text(NEXT_ENV, encoding="utf-8")
    tsc = modules / "typescript" / "bin" / "tsc"
    try:
        done = subprocess.run(
            ["node", str(tsc), "--noEmit", "--pretty", "false", "-p", "tsconfig.json"],
            cwd=project,
            capture_output=True,
            text=True,
            timeout=TSC_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"tsc timed out after {TSC_TIMEOUT}s"
    found: Counter[tuple[str, str, str]] = Counter()
    for line in done.stdout.splitlines():
        match = DIAGNOSTIC.match(line)
        if match:
            found[(match["file"].replace(os.sep, "/"), match["code"], match["text"])] += 1
    if done.returncode != 0 and not found:
        # No diagnostic to compare: tsc itself failed (bad tsconfig, crash), not the code.
        said = (done.stdout + done.stderr).strip().splitlines() or ["no output"]
        return f"tsc failed (exit {done.returncode}): {said[0][:150]}"
    return found


def _route(app: App, root: Path, route: str, typescript: Path) -> str | None:
    """None when the route answers as the contract says, else what is wrong."""
    key = secrets.token_urlsafe(32)
    config = {
        "root": str(root),
        "file": route,
        "typescript": str(typescript),
        "provider": app.expect["auth"],
        "person": PERSON,
    }
    env = {**os.environ, "BESTCHATBOT_SIGNING_KEY": key, "NODE_ENV": "production"}
    try:
        done = subprocess.run(
            ["node", str(HARNESS), json.dumps(config)],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=NODE_TIMEOUT,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"the route did not answer within {NODE_TIMEOUT}s"
    if done.returncode != 0:
        return (
            "the route failed under node: " + (done.stderr.strip().splitlines() or [""])[-1][:150]
        )
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    signed, anonymous = answer["results"]
    for result in answer["results"]:
        if result["cacheControl"] != "no-store":
            return f"{result['case']}: Cache-Control {result['cacheControl']!r}, not no-store"
    if anonymous["status"] != 401 or anonymous["body"] != {"token": None}:
        return f"anonymous: {anonymous['status']} {anonymous['body']}, expected 401 no token"
    if signed["status"] != 200:
        return f"signed-in: {signed['status']} {signed['body']}, expected 200 with a token"
    return check_token(str(signed["body"].get("token")), key, PERSON["email"])
