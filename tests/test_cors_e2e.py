"""End to end: apps whose CORS policy answers any origin with credentials, patched and run with
the real CORS library. The policy still sends `Access-Control-Allow-Origin: https://evil.example`
back to another site's page; what keeps the visitor's token from it is the endpoint's refusal:
a cross-site request carrying the session cookie and no Authorization header gets 403
{"token": null}, while the app's own pages (same-origin) get the signed-in user's token and a
client that sends an Authorization header is not refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.helpers import apply_twice, assert_contract, copy_fixture, imported, token_in, verify
from tests.py_envs import py_env, run_driver
from tests.test_cors_stacks import SHAPES, edit
from tests.test_express_e2e import install, node_server

pytestmark = pytest.mark.e2e
EVIL = "https://evil.example"
CROSS_SITE = {"Origin": EVIL, "Sec-Fetch-Site": "cross-site"}
SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}


def test_express_cors_reflecting_every_origin(tmp_path: Path, signing_key: str) -> None:
    root = copy_fixture("express-passport-ejs", tmp_path)
    SHAPES["express"].add(root, True)
    applied = apply_twice(root, "--api-key", "pk_test_recipes")
    assert "any web site can read a signed-in visitor's widget token" in applied.output
    install(root)  # express, passport, ... and the real cors package
    with node_server(root, "server.js") as browser:
        guest = browser.get("/api/widget-token", headers=CROSS_SITE)
        assert (guest.status, guest.json()) == (403, {"token": None})
        browser.post(
            "/signup",
            form={"email": "Ada@Example.com", "password": "analytical", "displayName": "Ada"},
        )
        page = browser.get("/").text  # the app's own page still carries the token
        assert_contract(
            verify(token_in(page) or ""), email="ada@example.com", name="Ada", user_id="1"
        )

        stolen = browser.get("/api/widget-token", headers=CROSS_SITE)
        assert stolen.headers.get("Access-Control-Allow-Origin") == EVIL  # cors() reflects it
        assert stolen.headers.get("Access-Control-Allow-Credentials") == "true"
        assert (stolen.status, stolen.json()) == (403, {"token": None})
        assert stolen.headers["Cache-Control"] == "no-store"

        own = browser.get("/api/widget-token", headers=SAME_ORIGIN)
        assert own.status == 200 and own.headers["Cache-Control"] == "no-store"
        assert_contract(
            verify(own.json()["token"]), email="ada@example.com", name="Ada", user_id="1"
        )
        old_browser = browser.get("/api/widget-token")  # no Fetch Metadata: not refused
        assert old_browser.status == 200

        bearer = browser.get(
            "/api/widget-token", headers={**CROSS_SITE, "Authorization": "Bearer app-token"}
        )
        assert bearer.status == 200  # not refused: the app authenticates the request itself


FLASK_DRIVER = """
import json
from app import create_app
from app.extensions import db
from app.models import User

app = create_app()
with app.app_context():
    db.create_all()
    ada = User(username="ada", email="Ada.Lovelace@Example.COM", display_name="Ada Lovelace")
    ada.set_password("analytical-engine")
    db.session.add(ada)
    db.session.commit()
    ada_id = ada.id

client = app.test_client()
form = {"email": "ada.lovelace@example.com", "password": "analytical-engine"}
out = {"id": ada_id, "login": client.post("/auth/login", data=form).status_code}
for name, headers in HEADERS.items():
    r = client.get("/api/widget-token", headers=headers)
    out[name] = {
        "status": r.status_code,
        "json": r.get_json(),
        "origin": r.headers.get("Access-Control-Allow-Origin"),
        "no_store": r.headers.get("Cache-Control") == "no-store",
    }
print(json.dumps(out))
"""


def test_flask_cors_supports_credentials(tmp_path: Path, signing_key: str) -> None:
    """Flask-CORS 6 with supports_credentials=True and its default origins."""
    root = copy_fixture("flask-login", tmp_path)
    SHAPES["flask"].add(root, True)
    edit(root / "requirements.txt", "Flask-Login", "Flask-Cors==6.0.1\nFlask-Login")
    apply_twice(root, "--api-key", "pk_test_bookclub")
    pins = [line for line in (root / "requirements.txt").read_text().splitlines() if line]
    headers = {
        "cross_site": CROSS_SITE,
        "same_origin": {**SAME_ORIGIN, "Origin": "http://localhost"},
        "bearer": {**CROSS_SITE, "Authorization": "Bearer app-token"},
    }
    out = run_driver(
        py_env(pins),
        f"HEADERS = {headers!r}\n" + FLASK_DRIVER,
        cwd=root,
        env={
            "BESTCHATBOT_SIGNING_KEY": signing_key,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'bookclub.db'}",
        },
    )
    assert out["login"] == 302
    stolen = out["cross_site"]
    assert stolen == {"status": 403, "json": {"token": None}, "origin": EVIL, "no_store": True}
    for own in (out["same_origin"], out["bearer"]):
        assert own["status"] == 200 and own["no_store"]
        assert_contract(
            verify(own["json"]["token"]),
            email="ada.lovelace@example.com",
            name="Ada Lovelace",
            user_id=str(out["id"]),
        )


DJANGO_DRIVER = """
import json, os, sys
from pathlib import Path

overlay = Path(TMP) / "bcb_cors_settings.py"
overlay.write_text(
    "from recipebox.settings import *  # noqa: F403\\n"
    "INSTALLED_APPS = [*INSTALLED_APPS, 'corsheaders']\\n"
    f"DATABASES = {{'default': {{'ENGINE': 'django.db.backends.sqlite3', 'NAME': {DB!r}}}}}\\n"
    "PASSWORD_HASHERS = ['django.contrib.auth.hashers.MD5PasswordHasher']\\n"
    "ALLOWED_HOSTS = ['testserver']\\n"
)
sys.path[:0] = [os.getcwd(), TMP]
os.environ["DJANGO_SETTINGS_MODULE"] = "bcb_cors_settings"
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.contrib.auth import get_user_model
from django.test import Client

ada = get_user_model().objects.create_user("ada", "Ada@Example.com", "engine", first_name="Ada")
client = Client()
out = {"id": str(ada.pk)}
form = {"username": "ada", "password": "engine"}
out["login"] = client.post("/accounts/login/", form).status_code
for name, headers in HEADERS.items():
    r = client.get("/api/widget-token", **headers)
    out[name] = {
        "status": r.status_code,
        "json": json.loads(r.content),
        "origin": r.headers.get("Access-Control-Allow-Origin"),
        "no_store": "no-store" in r.headers.get("Cache-Control", ""),
    }
print(json.dumps(out))
"""


def test_django_cors_headers_allow_all(tmp_path: Path, signing_key: str) -> None:
    """django-cors-headers with CORS_ALLOW_ALL_ORIGINS and CORS_ALLOW_CREDENTIALS."""
    root = copy_fixture("django-auth", tmp_path)
    SHAPES["django"].add(root, True)
    edit(root / "requirements.txt", "gunicorn", "django-cors-headers==4.9.0\ngunicorn")
    apply_twice(root, "--api-key", "pk_test_recipes")
    pins = [line for line in (root / "requirements.txt").read_text().splitlines() if line]
    headers = {
        "cross_site": {"HTTP_ORIGIN": EVIL, "HTTP_SEC_FETCH_SITE": "cross-site"},
        "same_origin": {"HTTP_SEC_FETCH_SITE": "same-origin"},
    }
    prelude = (
        f"HEADERS = {headers!r}\nTMP = {str(tmp_path)!r}\nDB = {str(tmp_path / 'db.sqlite3')!r}\n"
    )
    out = run_driver(
        py_env(pins),
        prelude + DJANGO_DRIVER,
        cwd=root,
        env={"BESTCHATBOT_SIGNING_KEY": signing_key},
    )
    assert out["login"] == 302
    stolen = out["cross_site"]
    assert stolen == {"status": 403, "json": {"token": None}, "origin": EVIL, "no_store": True}
    own = out["same_origin"]
    assert own["status"] == 200 and own["no_store"]
    assert_contract(
        verify(own["json"]["token"]), email="ada@example.com", name="Ada", user_id=out["id"]
    )


def test_starlette_star_with_credentials(
    tmp_path: Path, signing_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Starlette's CORSMiddleware with allow_origins=["*"] and allow_credentials=True sends the
    request's origin back; the session-cookie endpoint refuses the cross-site read."""
    root = copy_fixture("fastapi-jinja", tmp_path)
    SHAPES["fastapi"].add(root, True)
    apply_twice(root, "--api-key", "pk_recipes")
    monkeypatch.setenv("RECIPES_SESSION_SECRET", "an-app-secret-that-is-long-enough-for-hs256")
    monkeypatch.setenv("RECIPES_DATABASE_URL", f"sqlite:///{tmp_path / 'recipes.db'}")
    with imported(root, "app.main") as main, TestClient(main.app) as client:
        from app.database import SessionLocal  # type: ignore[import-not-found]
        from app.models import Member  # type: ignore[import-not-found]

        with SessionLocal() as db:
            paul = Member(email="Paul@Example.com", first_name="Paul", last_name="")
            paul.set_password("bocuse")
            db.add(paul)
            db.commit()
        client.post("/login", data={"email": "paul@example.com", "password": "bocuse"})
        stolen = client.get("/api/widget-token", headers=CROSS_SITE)
        assert stolen.headers["Access-Control-Allow-Origin"] == EVIL
        assert (stolen.status_code, stolen.json()) == (403, {"token": None})
        assert stolen.headers["Cache-Control"] == "no-store"
        own = client.get("/api/widget-token", headers=SAME_ORIGIN)
        assert own.status_code == 200
        assert_contract(
            verify(own.json()["token"]), email="paul@example.com", name="Paul", user_id="1"
        )
