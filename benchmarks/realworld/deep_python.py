"""Flask, Django, FastAPI: the patched app runs in a venv of its own requirements from PyPI
(cached per app outside the repository, on the Python its recipe names), with its own test
client on SQLite (drivers/python_signin.py); a user is created with the app's ORM or its own
sign-up route, signs in through the app's own login, and the token the page or the endpoint
carries is verified (HS256, key from the environment, lowercased email, `exp`); the anonymous
visitor and the signed-out user get none. How to install, boot and sign in is per-app data:
the `[app.recipe]` tables of corpus.toml."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import cache
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


def verify(app: App, root: Path, work: Path, changed: list[str]) -> Level:
    from .levels import Level

    recipe = app.recipe
    if not recipe:
        return Level("skip", "no sign-in recipe in corpus.toml yet")
    version = str(recipe.get("python", "3.11"))
    python = cache.find_python(version)
    if python is None:
        return Level("skip", f"no Python {version} on this machine")
    try:
        venv = cache.venv(app.id, python, list(recipe["requirements"]), root)
    except cache.InstallError as exc:
        return Level("skip", f"Python {version}: {exc}")
    copy_files(recipe, root)
    db = work / "bench.sqlite3"
    names = {
        "db": str(db),
        "email": PERSON["email"],
        "email_lower": PERSON["email"].lower(),
        "password": PERSON["password"],
    }
    key = secrets.token_urlsafe(32)
    env = {**os.environ, "BESTCHATBOT_SIGNING_KEY": key, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("VIRTUAL_ENV", None)
    env.update({k: _fill(str(v), names) for k, v in dict(recipe.get("env", {})).items()})
    scenario: dict[str, Any] = {
        "framework": app.stack,
        "root": str(root / str(recipe.get("dir", "."))),
        **names,
        **{k: recipe[k] for k in SCENARIO_KEYS if k in recipe},
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
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        last = (lines[-1] if lines else "no output")[:150]
        culprit = _crashed_in(done.stderr, root, changed)
        if culprit:
            return Level("fail", f"the patched app crashed in {culprit}: {last}")
        return Level("skip", "the app did not run: " + last)
    observed: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    problem = judge(observed, key)
    return Level("fail", problem) if problem else Level("pass", f"signed in as {PERSON['email']}")


def copy_files(recipe: dict[str, Any], root: Path) -> None:
    """The recipe's `copy` ({target: source} in the patched copy): the set-up step an app's
    README asks for before it runs (`cp local_settings_example.py local_settings.py`)."""
    for target, source in dict(recipe.get("copy", {})).items():
        shutil.copyfile(root / str(source), root / str(target))


def _crashed_in(stderr: str, root: Path, changed: list[str]) -> str | None:
    """The file the patch wrote or changed when the traceback's innermost frame of the app
    is in one (then the patch broke the app, not the environment), else None."""
    frames = re.findall(r'File "([^"]+)", line \d+', stderr)
    prefix = str(root.resolve()) + os.sep
    mine = [f[len(prefix) :] for f in frames if f.startswith(prefix)]
    return mine[-1] if mine and mine[-1] in changed else None


def _fill(text: str, names: dict[str, str]) -> str:
    for name, value in names.items():
        text = text.replace("{" + name + "}", value)
    return text


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
