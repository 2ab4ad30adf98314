"""The real-world benchmark's throw-away database servers (benchmarks/realworld/services.py) and
what the Python deep check does with them: the recipe's set-up commands, a login answering its
token in a nested field under another scheme, a PyMongo client sent to the harness's server,
and a FastAPI app whose lifespan ends when the driver is done."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType

import pytest

from benchmarks.realworld import cache, deep_python, services
from benchmarks.realworld.tokens import PERSON

KEY = "test-signing-key-of-at-least-32-bytes!"


def _postgres_missing() -> bool:
    try:
        services._postgres_bindir()
    except cache.InstallError:
        return True
    return False


needs_postgres = pytest.mark.skipif(_postgres_missing(), reason="no PostgreSQL server here")
needs_redis = pytest.mark.skipif(shutil.which("redis-server") is None, reason="no redis-server")


def _answers(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(request)
        return conn.recv(64)


def _postgres_homes() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob("bcb-rw-postgres-*"))


@needs_postgres
def test_postgres_serves_an_empty_database_and_leaves_nothing(tmp_path: Path) -> None:
    before = _postgres_homes()
    query = "select current_database(), count(*) from pg_tables where schemaname = 'public'"
    with services.running(["postgres"], tmp_path) as running:
        names = running.names
        psql = services._postgres_bindir() / "psql"
        done = subprocess.run(
            [str(psql), names["postgres_url"], "-Atc", query],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        port = int(names["postgres_port"])
        assert len(_postgres_homes() - before) == 1
    assert _postgres_homes() - before == set()
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "bench|0"
    assert names["postgres_url"] == f"postgresql://bench:bench@127.0.0.1:{port}/bench"
    assert running.on[0].startswith("PostgreSQL ")
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1)


@needs_redis
def test_redis_stops_and_is_removed_even_when_the_check_fails(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), services.running(["redis"], tmp_path) as running:
        port = int(running.names["redis_port"])
        assert _answers(port, b"PING\r\n") == b"+PONG\r\n"
        assert running.names["redis_url"] == f"redis://127.0.0.1:{port}/0"
        raise RuntimeError("the check failed")
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1)
    assert list(tmp_path.iterdir()) == []


def test_a_missing_server_or_an_unknown_service_is_a_clear_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setattr(services, "DEBIAN_POSTGRESQL", tmp_path / "none")
    reasons = {
        "redis": "no redis-server on this machine",
        "postgres": "no PostgreSQL server on this machine",
        "mysql": "unknown service(s) in the recipe: mysql",
    }
    for name, reason in reasons.items():
        with (
            pytest.raises(cache.InstallError, match=re.escape(reason)),
            services.running([name], tmp_path),
        ):
            pass


def _python_venv(tmp_path: Path) -> Path:
    """A stand-in for the app's venv: this interpreter, with a `tool` program beside it."""
    bin_dir = tmp_path / "venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "python").symlink_to(sys.executable)
    return bin_dir / "python"


def test_set_up_commands_see_the_app_folder_and_a_crash_in_the_patch_fails(
    tmp_path: Path,
) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "shop.py").write_text("import bestchatbot\n")
    (app / "bestchatbot.py").write_text("raise ValueError('broken by the patch')\n")
    venv = _python_venv(tmp_path)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    ok = deep_python._command(venv, "python -c 'import sys'", app, env, app, [])
    assert ok is None
    mine = deep_python._command(venv, "python -c 'import shop'", app, env, app, ["bestchatbot.py"])
    assert mine is not None and mine.status == "fail"
    assert "crashed in bestchatbot.py: ValueError: broken by the patch" in mine.reason
    theirs = deep_python._command(venv, "python -c 'import shop'", app, env, app, [])
    assert theirs is not None and theirs.status == "skip"
    assert theirs.reason.startswith("`python -c 'import shop'` failed: ValueError")


# A FastAPI app like the RealWorld API: login answers {"user": {"token": ...}}, read back as
# `Authorization: Token ...`; its lifespan holds a resource it releases on shutdown.
FASTAPI_APP = """
import datetime
from contextlib import asynccontextmanager
from collections.abc import Mapping
from pathlib import Path

import jwt
from fastapi import FastAPI, Header, HTTPException

USERS = {}
KEY = "%s"


@asynccontextmanager
async def lifespan(app):
    yield
    Path("shutdown.txt").write_text("closed")


app = FastAPI(lifespan=lifespan)


@app.post("/users")
def register(body: dict):
    USERS[body["user"]["email"]] = body["user"]["password"]
    return {"user": {"email": body["user"]["email"]}}


@app.post("/admin/login")
def admin_login(body: dict):
    if body != {"username": "admin", "password": "seeded"}:
        raise HTTPException(400)
    return {"data": {"access_token": "admin"}}


@app.post("/admin/users")
def create_user(body: dict, authorization: str = Header(default="")):
    if authorization != "Bearer admin":
        raise HTTPException(403)
    return register(body)


@app.post("/users/login")
def login(body: dict):
    if USERS.get(body["user"]["email"]) != body["user"]["password"]:
        raise HTTPException(400)
    return {"user": {"token": "session-" + body["user"]["email"]}}


@app.get("/widget-token")
def widget_token(authorization: str = Header(default="")):
    scheme, _, session = authorization.partition(" ")
    if scheme != "Token" or not session.startswith("session-"):
        raise HTTPException(401, detail={"token": None})
    soon = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=59)
    email = session.removeprefix("session-").lower()
    return {"token": jwt.encode({"email": email, "exp": soon}, KEY, algorithm="HS256")}
"""


def _run_fastapi(tmp_path: Path, signup: Mapping[str, object]) -> dict[str, object]:
    (tmp_path / "shop.py").write_text(FASTAPI_APP % KEY)
    user = {"email": "{email}", "password": "{password}"}
    scenario = {
        "framework": "fastapi",
        "root": str(tmp_path),
        "db": "",
        "email": PERSON["email"],
        "email_lower": PERSON["email"].lower(),
        "password": PERSON["password"],
        "app": "shop:app",
        "signup": {**signup, "json": {"user": user}},
        "login": {
            "url": "/users/login",
            "json": {"user": user},
            "bearer": "user.token",
            "scheme": "Token",
        },
        "endpoint": "/widget-token",
    }
    done = subprocess.run(
        [sys.executable, str(deep_python.DRIVER)],
        input=json.dumps(scenario),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "shutdown.txt").read_text() == "closed"
    observed: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return observed


def test_a_nested_token_under_another_scheme_signs_in_and_the_lifespan_ends(
    tmp_path: Path,
) -> None:
    assert deep_python.judge(_run_fastapi(tmp_path, {"url": "/users"}), KEY) is None


ADMIN = {"url": "/admin/login", "json": {"username": "admin", "password": "seeded"}}


def test_an_admin_backend_creates_the_user_with_its_administrators_token(
    tmp_path: Path,
) -> None:
    signup = {"url": "/admin/users", "admin": {**ADMIN, "bearer": "data.access_token"}}
    observed = _run_fastapi(tmp_path, signup)
    assert observed["signup"] == 200
    assert deep_python.judge(observed, KEY) is None


def test_without_the_administrators_token_nobody_is_created(tmp_path: Path) -> None:
    observed = _run_fastapi(tmp_path, {"url": "/admin/users"})
    assert observed["signup"] == 403
    assert "signed in: no token" in str(deep_python.judge(observed, KEY))


def _driver() -> ModuleType:
    spec = importlib.util.spec_from_file_location("python_signin", deep_python.DRIVER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_hard_coded_mongodb_host_goes_to_the_harness_server() -> None:
    class Client:
        def __init__(self, host: str | None = None, port: int | None = None, **kw: object):
            self.seen = (host, port, kw)

    harness = "mongodb://127.0.0.1:4242/bench"
    Client.__init__ = _driver()._to(harness, Client.__init__)  # type: ignore[method-assign]
    client = Client("mongodb://localhost:27017", uuidRepresentation="standard")
    assert client.seen == (harness, None, {"uuidRepresentation": "standard"})
    assert Client().seen[0] == harness


def test_recipe_files_are_written_with_the_services_placeholders(tmp_path: Path) -> None:
    (tmp_path / "settings.example").write_text("DEBUG = True\n")
    files = {".env": "", "conf/secrets.json": '{"db_port": "{postgres_port}"}'}
    recipe = {"copy": {"settings.py": "settings.example"}, "files": files}
    deep_python.copy_files(recipe, tmp_path, {"postgres_port": "5999"})
    assert (tmp_path / ".env").read_text() == ""
    assert (tmp_path / "conf" / "secrets.json").read_text() == '{"db_port": "5999"}'
    assert (tmp_path / "settings.py").read_text() == "DEBUG = True\n"
