"""End to end on the versions FastAPI projects pin: each fixture is applied here, then run by a
driver in a virtualenv holding the versions its requirements name (tests/py_envs.py): FastAPI
0.79 with Pydantic 1 and SQLAlchemy 1.4, FastAPI 0.110 with Pydantic 2 and SQLAlchemy 2, and
FastAPI 0.110 with python-jose on Python 3.8. The
driver signs in through the app's own routes and prints what the endpoint answered; the token
is verified here with PyJWT and the key from the environment."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import apply_twice, assert_contract, copy_fixture, run, verify
from tests.py_envs import installed, py_env, run_driver
from tests.test_e2e_flask import PY38, py_env_on

pytestmark = pytest.mark.e2e
APP_SECRET = "an-app-secret-that-is-long-enough-for-hs256"

PYDANTIC_1 = [
    "fastapi==0.79.1",
    "pydantic==1.10.13",
    "sqlalchemy==1.4.52",
    "pyjwt==2.8.0",
    "anyio==3.6.2",  # what Starlette 0.19 was released against
    "requests==2.31.0",  # Starlette 0.19's TestClient
]
PYDANTIC_2 = [
    "fastapi==0.110.3",
    "pydantic==2.6.4",
    "pydantic-settings==2.2.1",
    "sqlalchemy==2.0.29",
    "aiosqlite==0.20.0",
    "pyjwt==2.8.0",
    "httpx==0.27.0",
]

# Sign up and in through the app's own routes, then ask for the widget token: anonymous, with
# a forged token, signed in. Prints the answers as JSON.
TOKEN_HEADER_DRIVER = """
import json
from fastapi.testclient import TestClient
from app.main import app

url = "/api/widget-token"
out = {}
with TestClient(app) as client:
    def answer(**kw):
        r = client.get(url, **kw)
        return [r.status_code, r.json(), r.headers.get("cache-control")]

    out["anonymous"] = answer()
    out["forged"] = answer(headers={"Authorization": "Token not-a-jwt"})
    out["wrong_prefix"] = answer(headers={"Authorization": "Bearer whatever"})
    user = {"username": "ada", "email": "Ada.Lovelace@Example.COM", "password": "engine"}
    registered = client.post("/api/users", json={"user": user})
    assert registered.status_code == 201, registered.text
    credentials = {"email": user["email"], "password": "engine"}
    login = client.post("/api/users/login", json={"user": credentials})
    assert login.status_code == 200, login.text
    token = login.json()["user"]["token"]
    out["app_token"] = token
    out["signed_in"] = answer(headers={"Authorization": "Token " + token})
    out["own_route"] = client.get("/api/user", headers={"Authorization": "Token " + token}).json()
print(json.dumps(out))
"""


def _refused(answer: list[Any]) -> None:
    assert answer == [401, {"token": None}, "no-store"]


def test_fastapi_079_pydantic_1_token_header(tmp_path: Path, signing_key: str) -> None:
    """The RealWorld shape (corpus: fastapi-realworld) on FastAPI 0.79 / Pydantic 1: no
    `Annotated` parameters (FastAPI < 0.95 ignores them), the prefix from the settings the
    factory reads, the `Token` header through the app's APIKeyHeader subclass."""
    root = copy_fixture("fastapi-token-header", tmp_path)
    apply_twice(root, "--api-key", "pk_club")
    module = (root / "app/bestchatbot.py").read_text()
    assert "Annotated" not in module
    assert "user: Optional[User] = Depends(_get_current_user_or_none)" in module
    assert "optional_api_key = ClubAPIKeyHeader(name=HEADER_KEY, auto_error=False)" in module
    assert (
        "router.include_router(bestchatbot_router)\n"
        in (root / "app/api/routes/api.py").read_text()
    )
    python = py_env(PYDANTIC_1)
    assert installed(python, "pydantic") == "1.10.13"
    out = run_driver(
        python,
        TOKEN_HEADER_DRIVER,
        cwd=root,
        env={
            "BESTCHATBOT_SIGNING_KEY": signing_key,
            "CLUB_SECRET_KEY": APP_SECRET,
            "CLUB_DATABASE_URL": f"sqlite:///{tmp_path / 'club.db'}",
        },
    )
    for case in ("anonymous", "forged", "wrong_prefix"):
        _refused(out[case])
    status, body, cache = out["signed_in"]
    assert (status, cache) == (200, "no-store")
    assert body["token"] != out["app_token"]
    assert_contract(
        verify(body["token"]), email="ada.lovelace@example.com", name="ada", user_id=None
    )
    assert out["own_route"]["email"] == "ada.lovelace@example.com"


BEARER_DRIVER = """
import json, sqlite3, sys
from fastapi.testclient import TestClient
from app.main import app

url = "/api/v1/widget-token"
out = {}
with TestClient(app) as client:
    def answer(**kw):
        r = client.get(url, **kw)
        return [r.status_code, r.json(), r.headers.get("cache-control")]

    def sign_in(email, password, name):
        body = {"email": email, "password": password, "full_name": name}
        r = client.post("/api/v1/auth/register", json=body)
        assert r.status_code == 201, r.text
        r = client.post("/api/v1/auth/login", json={"email": email, "password": password})
        assert r.status_code == 200, r.text
        return {"Authorization": "Bearer " + r.json()["access_token"], "id": r.status_code}

    out["anonymous"] = answer()
    out["forged"] = answer(headers={"Authorization": "Bearer forged"})
    ada = sign_in("Ada.Lovelace@Example.COM", "engine", "Ada Lovelace")
    ada.pop("id")
    out["signed_in"] = answer(headers=ada)
    me = client.get("/api/v1/pantry/me", headers=ada)
    out["own_route"] = [me.json(), me.headers.get("cache-control")]
    bob = sign_in("bob@example.com", "hunter22", None)
    bob.pop("id")
    db = sqlite3.connect(sys.argv[1] if len(sys.argv) > 1 else "pantry.db")
    db.execute("UPDATE users SET is_active = 0 WHERE email = 'bob@example.com'")
    db.commit()
    out["inactive"] = answer(headers=bob)
print(json.dumps(out))
"""


@pytest.mark.parametrize(
    ("answers", "inactive_gets_token"),
    [
        pytest.param((), True, id="the-detected-dependency"),
        pytest.param(
            ("--user-dependency", "app.api.deps:get_current_active_user"),
            False,
            id="an-answered-derived-dependency",
        ),
    ],
)
def test_fastapi_0110_pydantic_2_http_bearer(
    tmp_path: Path, signing_key: str, answers: tuple[str, ...], inactive_gets_token: bool
) -> None:
    """FastAPI 0.110 / Pydantic 2 / SQLAlchemy 2 (async): `Depends(security)` on an HTTPBearer
    instance, the user loaded through a repository class by untyped dependencies, and a
    middleware setting `Cache-Control: public` on every response, which the endpoint's
    `no-store` survives. Answering the dependency that refuses inactive users (built on the
    detected one) keeps them without a token."""
    root = copy_fixture("fastapi-http-bearer", tmp_path)
    apply_twice(root, "--api-key", "pk_pantry", *answers)
    assert "app.add_middleware(WidgetTokenNoStore)" in (root / "app/main.py").read_text()
    python = py_env(PYDANTIC_2)
    assert installed(python, "sqlalchemy") == "2.0.29"
    database = tmp_path / "pantry.db"
    out = run_driver(
        python,
        BEARER_DRIVER.replace("sys.argv[1] if len(sys.argv) > 1 else ", "").replace(
            '"pantry.db"', repr(str(database))
        ),
        cwd=root,
        env={
            "BESTCHATBOT_SIGNING_KEY": signing_key,
            "PANTRY_SECRET_KEY": APP_SECRET,
            "PANTRY_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        },
    )
    _refused(out["anonymous"])
    _refused(out["forged"])
    status, body, cache = out["signed_in"]
    assert (status, cache) == (200, "no-store")
    assert_contract(
        verify(body["token"]), email="ada.lovelace@example.com", name="Ada Lovelace", user_id="1"
    )
    # The app's own responses keep the app's caching.
    assert out["own_route"] == [
        {"id": 1, "email": "ada.lovelace@example.com", "full_name": "Ada Lovelace"},
        "public, max-age=60",
    ]
    if inactive_gets_token:
        assert out["inactive"][0] == 200
        assert verify(out["inactive"][1]["token"]).payload["email"] == "bob@example.com"
    else:
        _refused(out["inactive"])


# -- a factory in a core folder, python-jose, Python 3.8 ----------------------------------------

CORE_SETUP_DRIVER = """
import json
from fastapi.testclient import TestClient
from main import app

url = "/api/v1/widget-token"
out = {}
with TestClient(app) as client:
    def answer(**kw):
        r = client.get(url, **kw)
        return [r.status_code, r.json(), r.headers.get("cache-control")]

    out["anonymous"] = answer()
    out["forged"] = answer(headers={"Authorization": "Bearer forged"})
    tutor = {"email": "Ada.Lovelace@Example.COM", "full_name": "Ada Lovelace", "password": "engine"}
    created = client.post("/api/v1/tutors/", json=tutor)
    assert created.status_code == 201, created.text
    form = {"username": "ada.lovelace@example.com", "password": "engine"}
    login = client.post("/api/v1/login/access-token", data=form)
    assert login.status_code == 200, login.text
    bearer = {"Authorization": "Bearer " + login.json()["access_token"]}
    out["signed_in"] = answer(headers=bearer)
    out["id"] = created.json()["id"]
    out["me"] = client.get("/api/v1/tutors/me", headers=bearer).json()
print(json.dumps(out))
"""


def test_a_core_folder_factory_with_python_jose_on_python_3_8(
    tmp_path: Path, signing_key: str
) -> None:
    """`core/setup.py`'s factory (core/ a folder without __init__.py) mounted from main.py, the
    dependency in api/dependencies.py, routers under the settings' prefix passed to the factory
    as a parameter: the app root is the project, the module goes beside main.py, `--app core`
    names the app. The project signs its access tokens with python-jose: the widget token too,
    no PyJWT. On the Dockerfile's Python 3.8: `typing.Dict`, `typing_extensions.Annotated`."""
    root = copy_fixture("fastapi-core-setup", tmp_path)
    before = (root / "requirements.txt").read_text()
    for answer in ("core", "core/setup.py", "core.setup:create_application", "main.py"):
        inspected = run("inspect", str(root), "--app", answer, "--json")
        assert inspected.exit_code == 0, (answer, inspected.output)
        assert json.loads(inspected.stdout)["stack"]["app_root"] == "."
    apply_twice(root, "--api-key", "pk_tutor")
    module = (root / "bestchatbot.py").read_text()  # beside main.py, not in core/
    assert "from jose import jwt\n" in module and "\nimport jwt\n" not in module
    assert "from typing_extensions import Annotated\n" in module
    assert "def widget_claims(user: Tutor) -> Optional[Dict[str, object]]:" in module
    assert "api_router.include_router(bestchatbot_router)" in (root / "api/router.py").read_text()
    assert (root / "requirements.txt").read_text() == before
    pins = [line for line in before.splitlines() if line] + ["httpx==0.27.2"]
    python = py_env_on(PY38, pins)
    out = run_driver(
        python,
        CORE_SETUP_DRIVER,
        cwd=root,
        env={
            "BESTCHATBOT_SIGNING_KEY": signing_key,
            "TUTOR_SECRET_KEY": APP_SECRET,
            "TUTOR_DATABASE": str(tmp_path / "tutor.sqlite3"),
        },
    )
    for anonymous in (out["anonymous"], out["forged"]):
        assert anonymous == [401, {"token": None}, "no-store"]
    status, body, cache = out["signed_in"]
    assert (status, cache) == (200, "no-store")
    assert_contract(
        verify(body["token"]),
        email="ada.lovelace@example.com",
        name="Ada Lovelace",
        user_id=str(out["id"]),
    )
    assert out["me"]["full_name"] == "Ada Lovelace"  # the app's own routes as before
