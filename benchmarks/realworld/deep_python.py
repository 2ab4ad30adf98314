"""Flask, Django, FastAPI: the patched app runs in a venv of its own requirements from PyPI
(cached per app outside the repository, on the Python its recipe names), with its own test
client (drivers/python_signin.py) on SQLite or on the throw-away servers its recipe names
(services.py: PostgreSQL, Redis, MongoDB), after the set-up commands it names (its own
`alembic upgrade head`); a user is created with the app's ORM or its own sign-up route, signs
in through the app's own login, and the token the page or the endpoint carries is verified
(HS256, key from the environment, lowercased email, `exp`); the anonymous visitor and the
signed-out user get none. How to install, boot and sign in is per-app data: the
`[app.recipe]` tables of corpus.toml."""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import cache, services
from .checkout import sources_dir
from .corpus import App
from .tokens import PERSON, check_token

if TYPE_CHECKING:
    from .levels import Level

DRIVER = Path(__file__).resolve().parent / "drivers" / "python_signin.py"
RUN_TIMEOUT = 300
SCENARIO_KEYS = (
    "app",
    "settings",
    "database",
    "config",
    "orm",
    "setup",
    "user",
    "signup",
    "login",
    "logout",
)


def verify(app: App, checkout: Path, root: Path, work: Path, changed: list[str]) -> Level:
    from .levels import Level

    recipe = app.recipe
    if not recipe:
        return Level("skip", "no sign-in recipe in corpus.toml yet")
    sources = sources_dir(checkout)
    missing = [n for n in dict(recipe.get("sources", {})) if not (sources / str(n)).is_dir()]
    if missing:
        return Level("skip", f"no checkout of {', '.join(missing)} in {sources} (checkout.py)")
    version = str(recipe.get("python", "3.11"))
    python = cache.find_python(version)
    if python is None:
        return Level("skip", f"no Python {version} on this machine")
    try:
        venv = cache.venv(app.id, python, list(recipe["requirements"]), root, sources)
    except cache.InstallError as exc:
        return Level("skip", f"Python {version}: {exc}")
    try:
        with services.running(list(recipe.get("services", [])), work) as running:
            return _run(app, venv, root, work, changed, running)
    except cache.InstallError as exc:
        return Level("skip", str(exc))


def _run(
    app: App, venv: Path, root: Path, work: Path, changed: list[str], running: services.Running
) -> Level:
    """The set-up commands, then the driver's three visits, judged."""
    from .levels import Level

    recipe = app.recipe
    names = {
        "db": str(work / "bench.sqlite3"),
        "email": PERSON["email"],
        "email_lower": PERSON["email"].lower(),
        "password": PERSON["password"],
        **running.names,
    }
    key = secrets.token_urlsafe(32)
    env = {**os.environ, "BESTCHATBOT_SIGNING_KEY": key, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("VIRTUAL_ENV", None)
    env.update({k: str(v) for k, v in fill(dict(recipe.get("env", {})), names).items()})
    copy_files(recipe, root, names)
    home = root / str(recipe.get("dir", "."))
    for command in recipe.get("commands", []):
        stopped = _command(venv, str(fill(command, names)), home, env, root, changed)
        if stopped:
            return stopped
    scenario: dict[str, Any] = {
        "framework": app.stack,
        "root": str(home),
        **names,
        **fill({k: recipe[k] for k in SCENARIO_KEYS if k in recipe}, names),
        "services": list(recipe.get("services", [])),
        "page": recipe.get("page", ""),
        "endpoint": recipe.get("endpoint", ""),
    }
    try:
        done = subprocess.run(
            [str(venv), str(DRIVER)],
            input=json.dumps(scenario),
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return Level("skip", f"the app did not finish within {RUN_TIMEOUT}s")
    if done.returncode != 0 or not done.stdout.strip():
        last = _last_line(done.stderr)
        culprit = _crashed_in(done.stderr, root, changed)
        if culprit:
            return Level("fail", f"the patched app crashed in {culprit}: {last}")
        return Level("skip", "the app did not run: " + last)
    observed: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    problem = judge(observed, key)
    if problem:
        return Level("fail", problem)
    on = f" (on {', '.join(running.on)})" if running.on else ""
    return Level("pass", f"signed in as {PERSON['email']}{on}")


def _command(
    venv: Path, command: str, home: Path, env: dict[str, str], root: Path, changed: list[str]
) -> Level | None:
    """Runs one of the app's own set-up commands (`alembic upgrade head`: a program of its
    venv, or `python ...` on the venv's interpreter) in the app's folder, which is on
    sys.path as it is for the driver (an installed project's package would be); None when
    it succeeded, else why the check stops there."""
    from .levels import Level

    program, *args = shlex.split(command)
    binary = venv if program == "python" else venv.parent / program
    path = os.pathsep.join(p for p in (str(home), env.get("PYTHONPATH", "")) if p)
    try:
        done = subprocess.run(
            [str(binary), *args],
            cwd=home,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
            env={**env, "PYTHONPATH": path},
            check=False,
        )
    except subprocess.TimeoutExpired:
        return Level("skip", f"`{command}` did not finish within {RUN_TIMEOUT}s")
    except OSError as exc:
        return Level("skip", f"`{command}` did not start: {exc}")
    if done.returncode == 0:
        return None
    culprit = _crashed_in(done.stderr, root, changed)
    last = _last_line(done.stderr or done.stdout)
    if culprit:
        return Level("fail", f"`{command}` crashed in {culprit}: {last}")
    return Level("skip", f"`{command}` failed: {last}")


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return (lines[-1] if lines else "no output")[:150]


def copy_files(recipe: dict[str, Any], root: Path, names: dict[str, str]) -> None:
    """The recipe's `copy` ({target: source} in the patched copy) and `files` ({target: text},
    placeholders filled): the set-up steps an app's README asks for before it runs (`cp
    local_settings_example.py local_settings.py`, `touch .env`, a secrets file naming the
    database)."""
    for target, source in dict(recipe.get("copy", {})).items():
        shutil.copyfile(root / str(source), root / str(target))
    for target, text in dict(recipe.get("files", {})).items():
        written = root / str(target)
        written.parent.mkdir(parents=True, exist_ok=True)
        written.write_text(str(fill(text, names)), encoding="utf-8")


def _crashed_in(stderr: str, root: Path, changed: list[str]) -> str | None:
    """The file the patch wrote or changed when the traceback's innermost frame of the app
    is in one (then the patch broke the app, not the environment), else None."""
    frames = re.findall(r'File "([^"]+)", line \d+', stderr)
    prefix = str(root.resolve()) + os.sep
    mine = [f[len(prefix) :] for f in frames if f.startswith(prefix)]
    return mine[-1] if mine and mine[-1] in changed else None


def fill(value: Any, names: dict[str, str]) -> Any:
    """The recipe's value with {email}, {postgres_url}... replaced (strings, lists, tables)."""
    if isinstance(value, str):
        for name, text in names.items():
            value = value.replace("{" + name + "}", text)
        return value
    if isinstance(value, dict):
        return {k: fill(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, names) for v in value]
    return value


def _token(seen: dict[str, Any]) -> tuple[str | None, str]:
    """The token this visit carried, and where: the page's data-user-token or the endpoint."""
    page = seen.get("page") or {}
    if page.get("token"):
        return str(page["token"]), "the page"
    body = (seen.get("endpoint") or {}).get("body") or {}
    if isinstance(body, dict) and body.get("token"):
        return str(body["token"]), "the endpoint"
    return None, ""


def judge(observed: dict[str, Any], key: str) -> str | None:
    """None when the three visits are what the contract says, else the first thing wrong."""
    for visit in ("anonymous", "logged_out"):
        if visit in observed:
            token, where = _token(observed[visit])
            if token:
                return f"{visit.replace('_', ' ')}: {where} carried a token"
            endpoint = observed[visit].get("endpoint")
            if endpoint and endpoint["status"] != 401:
                return f"{visit.replace('_', ' ')}: the endpoint answered {endpoint['status']}"
    signed = observed["signed_in"]
    token, _ = _token(signed)
    if token is None:
        detail = observed.get("login_error") or f"login answered {observed.get('login')}"
        pages = {k: v.get("status") for k, v in signed.items()}
        return f"signed in: no token ({detail}; {pages})"[:200]
    return check_token(token, key, PERSON["email"])
