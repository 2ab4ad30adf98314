"""End to end on the FastAPI fixtures: apply, import the patched app in isolation, sign in
through the app's own login route with FastAPI's TestClient, and verify the widget token with
PyJWT and the key from the environment."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient

from tests.helpers import (
    apply_twice,
    assert_contract,
    assert_missing_key_logged_once,
    copy_fixture,
    imported,
    run,
    token_in,
    tree_digest,
    verify,
)
from tests.npm_cache import link_node_modules, npm_env
from tests.test_identity_renewal import answer, run_script, script_after_tag

pytestmark = pytest.mark.e2e
WIDGET = "https://widget.bestchatbot.io/widget/v1/chat.js"
APP_SECRET = "an-app-secret-that-is-long-enough-for-hs256"


@pytest.mark.parametrize(
    "fixture",
    [
        "fastapi-oauth2",
        "fastapi-users",
        "fastapi-jinja",
        "fastapi-single-module",
        "fastapi-core-factory",
        "fastapi-core-pages",
        "fastapi-token-header",
        "fastapi-http-bearer",
        "fastapi-auth-middleware",
    ],
)
def test_dry_run_changes_nothing(tmp_path: Path, fixture: str) -> None:
    root = copy_fixture(fixture, tmp_path)
    before = tree_digest(root)
    result = run("apply", root, "--dry-run", "--api-key", "pk_test")
    assert result.exit_code == 0, result.output
    assert "+++ b/" in result.output and "bestchatbot" in result.output
    assert tree_digest(root) == before


def _anonymous_is_refused(client: TestClient, url: str, **kwargs: object) -> None:
    response = client.get(url, **kwargs)  # type: ignore[arg-type]
    assert response.status_code == 401
    assert response.json() == {"token": None}
    assert response.headers["Cache-Control"] == "no-store"


def _renewal_script_is_served(client: TestClient, page: str) -> str:
    """The page loads the identity script right after the widget tag, from a URL the app
    serves as JavaScript; its text."""
    src = script_after_tag(page)
    assert src is not None and src.endswith("/bestchatbot-identity.js"), page
    script = client.get(src)
    assert script.status_code == 200
    assert script.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    assert "setUserToken" in script.text and "BESTCHATBOT_SIGNING_KEY" not in script.text
    return script.text


def test_fastapi_oauth2(tmp_path: Path, signing_key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_fixture("fastapi-oauth2", tmp_path)
    apply_twice(root, "--api-key", "pk_fieldnotes")
    monkeypatch.setenv("SECRET_KEY", APP_SECRET)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'fieldnotes.db'}")
    from sqlmodel import SQLModel

    SQLModel.metadata.clear()  # the fixture's tables live in SQLModel's process-wide registry
    with imported(root / "backend", "app.main") as main, TestClient(main.app) as client:
        url = "/api/v1/widget-token"
        _anonymous_is_refused(client, url)
        _anonymous_is_refused(client, url, headers={"Authorization": "Bearer not-a-jwt"})

        signup = client.post(
            "/api/v1/users/signup",
            json={
                "email": "Ada.Lovelace@Example.COM",
                "password": "analytical",
                "full_name": "Ada Lovelace",
            },
        )
        assert signup.status_code == 200, signup.text
        login = client.post(
            "/api/v1/login/access-token",
            data={"username": "Ada.Lovelace@Example.COM", "password": "analytical"},
        )
        assert login.status_code == 200, login.text
        bearer = {"Authorization": f"Bearer {login.json()['access_token']}"}

        signed_in = client.get(url, headers=bearer)
        assert signed_in.status_code == 200
        assert signed_in.headers["Cache-Control"] == "no-store"
        token = signed_in.json()["token"]
        assert token != login.json()["access_token"]  # a new token, not the app's own
        assert_contract(
            verify(token),
            email="ada.lovelace@example.com",
            name="Ada Lovelace",
            user_id=signup.json()["id"],
        )
        # The app's own routes behave as before.
        assert client.get("/api/v1/users/me").status_code == 401
        assert client.get("/api/v1/users/me", headers=bearer).json()["email"] == (
            "Ada.Lovelace@Example.COM"
        )


def test_fastapi_core_factory(
    tmp_path: Path, signing_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app built by a factory in app/core/setup.py and mounted from app/main.py, routers
    passed in (`/api` around `/v1`), a dict user, the dependency in a namespace package."""
    root = copy_fixture("fastapi-core-factory", tmp_path)
    apply_twice(root, "--api-key", "pk_ledger")
    assert (root / "app" / "bestchatbot.py").is_file()  # beside main.py, not in app/core/
    assert 'user["email"]' in (root / "app" / "bestchatbot.py").read_text()
    monkeypatch.setenv("LEDGER_SECRET_KEY", APP_SECRET)
    monkeypatch.setenv("LEDGER_DATABASE", str(tmp_path / "ledger.sqlite3"))
    with imported(root, "app.main") as main, TestClient(main.app) as client:
        url = "/api/v1/widget-token"
        _anonymous_is_refused(client, url)
        _anonymous_is_refused(client, url, headers={"Authorization": "Bearer forged"})
        signup = client.post(
            "/api/v1/users",
            json={"email": "Mary.Somerville@Example.org", "name": "Mary", "password": "tides"},
        )
        assert signup.status_code == 201, signup.text
        login = client.post(
            "/api/v1/login", data={"username": "mary.somerville@example.org", "password": "tides"}
        )
        assert login.status_code == 200, login.text
        bearer = {"Authorization": f"Bearer {login.json()['access_token']}"}
        signed_in = client.get(url, headers=bearer)
        assert signed_in.status_code == 200
        assert signed_in.headers["Cache-Control"] == "no-store"
        assert_contract(
            verify(signed_in.json()["token"]),
            email="mary.somerville@example.org",
            name="Mary",
            user_id=str(signup.json()["id"]),
        )
        assert client.get("/api/v1/users/me", headers=bearer).json()["name"] == "Mary"


def test_fastapi_auth_middleware(
    tmp_path: Path, signing_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The user comes from Starlette's AuthenticationMiddleware (a Pydantic model on
    request.user, not a BaseUser), and a middleware class registered in a helper the factory
    calls marks every response public: the endpoint still answers no-store (corpus:
    fastapi-best-architecture)."""
    root = copy_fixture("fastapi-auth-middleware", tmp_path)
    apply_twice(root, "--api-key", "pk_notices")
    module = (root / "backend/bestchatbot.py").read_text()
    assert "isinstance(request.user, UnauthenticatedUser)" in module
    registrar = (root / "backend/core/registrar.py").read_text()
    assert registrar.index("add_middleware(PublicCacheMiddleware)") < registrar.index(
        "app.add_middleware(WidgetTokenNoStore)"
    )
    monkeypatch.setenv("NOTICES_SECRET_KEY", APP_SECRET)
    monkeypatch.setenv("NOTICES_DATABASE", str(tmp_path / "notices.sqlite3"))
    with imported(root, "backend.main") as main, TestClient(main.app) as client:
        url = "/api/v1/widget-token"
        _anonymous_is_refused(client, url)
        forged = client.get(url, headers={"Authorization": "Bearer forged"})
        assert forged.status_code == 401  # the app's own middleware refuses it first
        assert forged.headers["Cache-Control"] == "no-store"
        signup = client.post(
            "/api/v1/auth/register",
            json={"email": "Emmy.Noether@Example.org", "nickname": "Emmy", "password": "rings"},
        )
        assert signup.status_code == 201, signup.text
        login = client.post(
            "/api/v1/auth/login", json={"email": "emmy.noether@example.org", "password": "rings"}
        )
        bearer = {"Authorization": f"Bearer {login.json()['access_token']}"}
        signed_in = client.get(url, headers=bearer)
        assert signed_in.status_code == 200, signed_in.text
        assert signed_in.headers["Cache-Control"] == "no-store"
        assert_contract(
            verify(signed_in.json()["token"]),
            email="emmy.noether@example.org",
            name="Emmy",
            user_id=str(signup.json()["id"]),
        )
        # The app's own answers keep the app's caching and its own sign-in check.
        me = client.get("/api/v1/users/me", headers=bearer)
        assert me.json()["nickname"] == "Emmy"
        assert me.headers["Cache-Control"] == "public, max-age=300"
        assert client.get("/api/v1/users/me").status_code == 401


def test_fastapi_users(tmp_path: Path, signing_key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_fixture("fastapi-users", tmp_path)
    output = apply_twice(root, "--api-key", "pk_notes").output
    assert "Authorization" in output  # no frontend here: the next step says how to call it
    monkeypatch.setenv("NOTES_SECRET", APP_SECRET)
    monkeypatch.setenv("NOTES_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'notes.sqlite3'}")
    with (
        imported(root / "src", "notes_api.app") as module,
        TestClient(module.create_app()) as client,
    ):
        url = "/api/widget-token"
        _anonymous_is_refused(client, url)
        registered = client.post(
            "/auth/register",
            json={
                "email": "Grace.Hopper@Navy.mil",
                "password": "cobol-1959",
                "display_name": "Grace",
            },
        )
        assert registered.status_code == 201, registered.text
        login = client.post(
            "/auth/jwt/login", data={"username": "grace.hopper@navy.mil", "password": "cobol-1959"}
        )
        assert login.status_code == 200, login.text
        bearer = {"Authorization": f"Bearer {login.json()['access_token']}"}
        signed_in = client.get(url, headers=bearer)
        assert signed_in.status_code == 200
        assert signed_in.headers["Cache-Control"] == "no-store"
        assert_contract(
            verify(signed_in.json()["token"]),
            email="grace.hopper@navy.mil",
            name="Grace",
            user_id=registered.json()["id"],
        )
        assert client.post("/auth/jwt/logout", headers=bearer).status_code in (200, 204)
        _anonymous_is_refused(client, url, headers={"Authorization": "Bearer expired.or.forged"})


def test_fastapi_jinja(tmp_path: Path, signing_key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_fixture("fastapi-jinja", tmp_path)
    (root / "app/templates/email").mkdir()
    (root / "app/templates/email/digest.txt").write_text(
        "Hello {{ name }}, here are this week's recipes."
        "{% if bestchatbot_token %} {{ bestchatbot_token }}{% endif %}\n"
    )
    apply_twice(root, "--api-key", "pk_recipes")
    monkeypatch.setenv("RECIPES_SESSION_SECRET", APP_SECRET)
    monkeypatch.setenv("RECIPES_DATABASE_URL", f"sqlite:///{tmp_path / 'recipes.db'}")
    with imported(root, "app.main") as main, TestClient(main.app) as client:
        from app.database import SessionLocal  # type: ignore[import-not-found]
        from app.models import Member  # type: ignore[import-not-found]

        with SessionLocal() as db:
            julia = Member(email="Julia.Child@Example.com", first_name="Julia", last_name="Child")
            julia.set_password("bouillabaisse")
            db.add(julia)
            db.commit()
            julia_id = julia.id

        # A page of the app's own that is never cached: it stays no-store with a token.
        from app.bestchatbot import remember_widget_token  # type: ignore[import-not-found]
        from app.templating import templates  # type: ignore[import-not-found]

        @main.app.get("/shelf", dependencies=[Depends(remember_widget_token)])
        def shelf(request: Request) -> HTMLResponse:
            page = templates.TemplateResponse(request, "index.html", {"recipes": []})
            page.headers["Cache-Control"] = "no-store"
            return page

        @main.app.get("/menu", dependencies=[Depends(remember_widget_token)])
        def menu(request: Request) -> HTMLResponse:
            page = templates.TemplateResponse(request, "index.html", {"recipes": []})
            page.headers["Cache-Control"] = "public, max-age=60"
            return page

        guest = client.get("/")
        anonymous = guest.text
        assert WIDGET in anonymous and 'data-api-key="pk_recipes"' in anonymous
        assert token_in(anonymous) is None
        assert "Cache-Control" not in guest.headers  # a guest's page is left as the app sends it
        # A guest's page loads the renewal script too (it fetches nothing without a token).
        script = _renewal_script_is_served(client, anonymous)
        assert '"/api/widget-token"' in script
        _anonymous_is_refused(client, "/api/widget-token")
        assert client.get("/menu").headers["Cache-Control"] == "public, max-age=60"
        assert token_in(client.get("/login").text) is None

        response = client.post(
            "/login",
            data={"email": "julia.child@example.com", "password": "bouillabaisse"},
            follow_redirects=False,
        )
        assert response.status_code == 303
        shelf_page = client.get("/shelf")
        assert token_in(shelf_page.text) is not None
        assert shelf_page.headers["Cache-Control"] == "no-store"
        assert client.get("/menu").headers["Cache-Control"] == "private, max-age=60"
        for page in ("/", "/kitchen"):
            signed_in = client.get(page)
            assert signed_in.headers["Cache-Control"] == "private", page  # not shared
            token = token_in(signed_in.text)
            assert token is not None, page
            assert_contract(
                verify(token),
                email="julia.child@example.com",
                name="Julia Child",
                user_id=str(julia_id),
            )
            script = _renewal_script_is_served(client, signed_in.text)
        # The open page renews its token from the endpoint, with the session cookie.
        renewed = client.get("/api/widget-token")
        assert renewed.status_code == 200
        assert renewed.headers["Cache-Control"] == "no-store"
        assert_contract(
            verify(renewed.json()["token"]),
            email="julia.child@example.com",
            name="Julia Child",
            user_id=str(julia_id),
        )
        # The served script, under node, renews the page's token from that very endpoint.
        run = run_script(
            script,
            tmp_path,
            page_token=token,
            answers=[answer(200, renewed.json()["token"])],
            actions=[{"fire": True}],
        )
        assert [f["url"] for f in run.of("fetch")] == ["/api/widget-token"]
        assert run.of("set") == [renewed.json()["token"]]
        client.post("/logout")
        assert token_in(client.get("/").text) is None
        _anonymous_is_refused(client, "/api/widget-token")
        assert client.get("/kitchen", follow_redirects=False).status_code == 303

        # An e-mail rendered by a background task, with no request: Jinja2Templates' context
        # processors (the token's among them) run for TemplateResponse only, so it renders.
        digest = templates.get_template("email/digest.txt").render(name="Julia")
        assert digest == "Hello Julia, here are this week's recipes."  # Jinja drops the \n


def test_fastapi_core_pages(
    tmp_path: Path, signing_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Jinja pages of an app built by create_app() in core/setup.py and mounted from main.py,
    whose own middleware makes every page `public, max-age=60`: the private middleware goes
    into the factory after it, so a signed-in reader's pages are private while guests' stay
    as the app sends them; the renewal endpoint stays no-store; the script is served."""
    root = copy_fixture("fastapi-core-pages", tmp_path)
    main_before = (root / "main.py").read_bytes()
    apply_twice(root, "--api-key", "pk_bookclub")
    assert (root / "main.py").read_bytes() == main_before  # the factory is where the app is made
    setup = (root / "core/setup.py").read_text()
    factory = setup[setup.index("def create_app(") : setup.index("return application")]
    assert "application.add_middleware(WidgetTokenPrivate)" in factory
    assert factory.index("async def cache_pages(") < factory.index("WidgetTokenPrivate)")
    monkeypatch.setenv("BOOKCLUB_SECRET_KEY", APP_SECRET)
    monkeypatch.setenv("BOOKCLUB_DATABASE", str(tmp_path / "bookclub.sqlite3"))
    with imported(root, "main") as main, TestClient(main.app) as client:
        from bestchatbot import WidgetTokenPrivate  # type: ignore[import-not-found]

        assert WidgetTokenPrivate in [m.cls for m in main.app.user_middleware]
        guest = client.get("/")
        assert guest.status_code == 200
        assert guest.headers["Cache-Control"] == "public, max-age=60"  # untouched
        assert WIDGET in guest.text and token_in(guest.text) is None
        _renewal_script_is_served(client, guest.text)
        _anonymous_is_refused(client, "/api/widget-token")  # no-store despite cache_pages

        joined = client.post(
            "/join",
            data={"email": "Zadie.Smith@Example.org", "display_name": "Zadie", "password": "nw"},
            follow_redirects=False,
        )
        assert joined.status_code == 303, joined.text
        client.post("/sign-out")
        signed_in = client.post(
            "/sign-in",
            data={"email": "zadie.smith@example.org", "password": "nw"},
            follow_redirects=False,
        )
        assert (signed_in.status_code, signed_in.headers["location"]) == (303, "/shelf")
        for path in ("/", "/shelf"):
            page = client.get(path)
            assert page.status_code == 200, path
            assert page.headers["Cache-Control"] == "private, max-age=60", path
            token = token_in(page.text)
            assert token is not None, path
            assert_contract(
                verify(token), email="zadie.smith@example.org", name="Zadie", user_id="1"
            )
            _renewal_script_is_served(client, page.text)
        renewed = client.get("/api/widget-token")
        assert renewed.status_code == 200
        assert renewed.headers["Cache-Control"] == "no-store"
        assert_contract(
            verify(renewed.json()["token"]),
            email="zadie.smith@example.org",
            name="Zadie",
            user_id="1",
        )
        client.post("/sign-out")
        after = client.get("/")
        assert token_in(after.text) is None
        assert after.headers["Cache-Control"] == "public, max-age=60"
        _anonymous_is_refused(client, "/api/widget-token")
        assert client.get("/shelf", follow_redirects=False).status_code == 303


def test_fastapi_jinja_with_the_endpoint(
    tmp_path: Path, signing_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Server-rendered pages behind a page cache want the endpoint: the layout loads the widget
    and the identity script (served by the app's static mount), the cookie session signs in."""
    root = copy_fixture("fastapi-jinja", tmp_path)
    apply_twice(root, "--api-key", "pk_recipes", "--delivery", "token-endpoint")
    layout = (root / "app/templates/base.html").read_text()
    assert "data-user-token" not in layout
    assert layout.index(WIDGET) < layout.index('src="/static/bestchatbot-identity.js"')
    monkeypatch.setenv("RECIPES_SESSION_SECRET", APP_SECRET)
    monkeypatch.setenv("RECIPES_DATABASE_URL", f"sqlite:///{tmp_path / 'recipes.db'}")
    with imported(root, "app.main") as main, TestClient(main.app) as client:
        from app.database import SessionLocal  # type: ignore[import-not-found]
        from app.models import Member  # type: ignore[import-not-found]

        with SessionLocal() as db:
            member = Member(email="Paul@Example.com", first_name="Paul", last_name="")
            member.set_password("bocuse")
            db.add(member)
            db.commit()
        assert client.get("/static/bestchatbot-identity.js").status_code == 200
        _anonymous_is_refused(client, "/api/widget-token")
        client.post("/login", data={"email": "paul@example.com", "password": "bocuse"})
        response = client.get("/api/widget-token")
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
        assert_contract(
            verify(response.json()["token"]), email="paul@example.com", name="Paul", user_id="1"
        )
        client.post("/logout")
        _anonymous_is_refused(client, "/api/widget-token")


def test_fastapi_single_module(
    tmp_path: Path, signing_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tutorial shape: app, scheme, dependency and routes in one module. The endpoint is
    added to that module (a separate one would import it back: a circular import)."""
    root = copy_fixture("fastapi-single-module", tmp_path)
    apply_twice(root)
    assert not (root / "bestchatbot.py").exists()
    from pwdlib import PasswordHash

    users = tmp_path / "users.json"
    hashed = PasswordHash.recommended().hash("correct horse")
    users.write_text(
        json.dumps(
            {
                "jdoe": {
                    "username": "jdoe",
                    "email": "J.Doe@Example.com",
                    "full_name": "Jane Doe",
                    "hashed_password": hashed,
                },
                "nomail": {"username": "nomail", "hashed_password": hashed},
            }
        )
    )
    monkeypatch.setenv("ROSTER_SECRET_KEY", APP_SECRET)
    monkeypatch.setenv("ROSTER_USERS_FILE", str(users))
    with imported(root, "main") as main, TestClient(main.app) as client:
        url = "/api/widget-token"
        _anonymous_is_refused(client, url)
        login = client.post("/token", data={"username": "jdoe", "password": "correct horse"})
        assert login.status_code == 200, login.text
        bearer = {"Authorization": f"Bearer {login.json()['access_token']}"}
        signed_in = client.get(url, headers=bearer)
        assert signed_in.status_code == 200
        assert_contract(
            verify(signed_in.json()["token"]),
            email="j.doe@example.com",
            name="Jane Doe",
            user_id=None,
        )
        assert client.get("/roster", headers=bearer).json() == ["jdoe", "nomail"]
        # A signed-in user without an email gets no token either.
        login = client.post("/token", data={"username": "nomail", "password": "correct horse"})
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        _anonymous_is_refused(client, url, headers=headers)


def test_fastapi_jinja_without_the_key(
    tmp_path: Path,
    no_signing_key: None,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """BESTCHATBOT_SIGNING_KEY unset: signed-in pages render as for a guest, one logged error."""
    root = copy_fixture("fastapi-jinja", tmp_path)
    apply_twice(root, "--api-key", "pk_recipes")
    monkeypatch.setenv("RECIPES_SESSION_SECRET", APP_SECRET)
    monkeypatch.setenv("RECIPES_DATABASE_URL", f"sqlite:///{tmp_path / 'recipes.db'}")
    with imported(root, "app.main") as main, TestClient(main.app) as client:
        from app.database import SessionLocal  # type: ignore[import-not-found]
        from app.models import Member  # type: ignore[import-not-found]

        with SessionLocal() as db:
            julia = Member(email="julia@example.com", first_name="Julia", last_name="Child")
            julia.set_password("bouillabaisse")
            db.add(julia)
            db.commit()
        client.post("/login", data={"email": "julia@example.com", "password": "bouillabaisse"})
        for path in ("/", "/kitchen", "/"):
            page = client.get(path, follow_redirects=False)
            assert page.status_code == 200, path
            assert WIDGET in page.text and "data-user-token" not in page.text
            assert "private" not in page.headers.get("Cache-Control", "")  # no token
            _renewal_script_is_served(client, page.text)
        renewal = client.get("/api/widget-token")
        assert (renewal.status_code, renewal.json()) == (503, {"token": None})
        assert renewal.headers["Cache-Control"] == "no-store"
        client.post("/logout")
        _anonymous_is_refused(client, "/api/widget-token")
    assert_missing_key_logged_once(caplog.text)


def test_fastapi_endpoint_without_the_key(
    tmp_path: Path,
    no_signing_key: None,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The endpoint (here inline, in the tutorial's single module) answers 503 {"token": null}
    to a signed-in user while the key is unset; anonymous visitors still get 401."""
    root = copy_fixture("fastapi-single-module", tmp_path)
    apply_twice(root)
    from pwdlib import PasswordHash

    users = tmp_path / "users.json"
    hashed = PasswordHash.recommended().hash("correct horse")
    users.write_text(
        json.dumps(
            {"jdoe": {"username": "jdoe", "email": "j@example.com", "hashed_password": hashed}}
        )
    )
    monkeypatch.setenv("ROSTER_SECRET_KEY", APP_SECRET)
    monkeypatch.setenv("ROSTER_USERS_FILE", str(users))
    with imported(root, "main") as main, TestClient(main.app) as client:
        url = "/api/widget-token"
        _anonymous_is_refused(client, url)
        login = client.post("/token", data={"username": "jdoe", "password": "correct horse"})
        bearer = {"Authorization": f"Bearer {login.json()['access_token']}"}
        for _ in range(2):
            response = client.get(url, headers=bearer)
            assert (response.status_code, response.json()) == (503, {"token": None})
            assert response.headers["Cache-Control"] == "no-store"
        _anonymous_is_refused(client, url)
    assert_missing_key_logged_once(caplog.text)


def test_bearer_identity_script_follows_the_spa_token(tmp_path: Path) -> None:
    """The generated SPA script under node: it sends the SPA's own bearer token, follows sign-in
    and sign-out through localStorage, and sets / clears the widget's user."""
    root = copy_fixture("fastapi-oauth2", tmp_path)
    assert run("apply", root, "--yes", "--api-key", "pk").exit_code == 0
    script = (root / "frontend/src/bestchatbot-identity.js").read_text()
    # What Vite's define step does to import.meta.env at build time.
    script = script.replace("import.meta.env", json.dumps({"VITE_API_URL": "http://api.test"}))
    (tmp_path / "script.js").write_text(script)
    harness = tmp_path / "harness.js"
    harness.write_text(HARNESS.replace("SCRIPT", str(tmp_path / "script.js")))
    out = subprocess.run(["node", str(harness)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "clear",
        "fetch:http://api.test/api/v1/widget-token:Bearer app-access-token",
        "set:header.eyJleHAiOjk5OTk5OTk5OTl9.sig",
        "clear",
    ]


FRONTEND_PACKAGES = {
    "typescript": "^5.6.3",
    "@types/react": "^18.3.12",
    "@types/react-dom": "^18.3.1",
    "vite": "^5.4.10",
    "react": "^18.3.1",
    "react-dom": "^18.3.1",
    "@vitejs/plugin-react-swc": "^3.7.1",
}


def test_patched_spa_type_checks_and_builds(tmp_path: Path) -> None:
    """The React frontend after apply: `tsc` still passes, and Vite bundles the identity script
    with the API origin from VITE_API_URL and the widget tag in the page."""
    root = copy_fixture("fastapi-oauth2", tmp_path)
    assert run("apply", root, "--yes", "--api-key", "pk_fieldnotes").exit_code == 0
    frontend = root / "frontend"
    link_node_modules(frontend, npm_env(FRONTEND_PACKAGES))
    node_modules = frontend / "node_modules"
    tsc = subprocess.run(
        ["node", str(node_modules / "typescript/bin/tsc"), "-p", "tsconfig.json"],
        cwd=frontend,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert tsc.returncode == 0, tsc.stdout + tsc.stderr
    out = tmp_path / "dist"
    build = subprocess.run(
        ["node", str(node_modules / "vite/bin/vite.js"), "build", "--outDir", str(out)],
        cwd=frontend,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "VITE_API_URL": "https://api.fieldnotes.test"},
    )
    assert build.returncode == 0, build.stdout + build.stderr
    bundle = "".join(p.read_text() for p in (out / "assets").glob("*.js"))
    assert '"https://api.fieldnotes.test/api/v1/widget-token"' in bundle
    assert "BestChatBotIdentity" in bundle and "BESTCHATBOT_SIGNING_KEY" not in bundle
    assert 'data-api-key="pk_fieldnotes"' in (out / "index.html").read_text()


HARNESS = r"""
const fs = require("fs");
const vm = require("vm");
const calls = [];
const store = new Map();
let tick = null;
const context = {
  window: {},
  localStorage: {
    getItem: (k) => (store.has(k) ? store.get(k) : null),
    setItem: (k, v) => store.set(k, String(v)),
    removeItem: (k) => store.delete(k),
  },
  document: {
    visibilityState: "visible",
    querySelector: () => ({ addEventListener: () => {} }),
    addEventListener: () => {},
  },
  fetch: async (url, init) => {
    if (init.cache !== "no-store") throw new Error("cached fetch");
    calls.push(`fetch:${url}:${init.headers.Authorization}`);
    return { ok: true, json: async () => ({ token: "header.eyJleHAiOjk5OTk5OTk5OTl9.sig" }) };
  },
  atob: (s) => Buffer.from(s, "base64").toString("binary"),
  setTimeout: () => 0, clearTimeout: () => {},
  setInterval: (fn) => { tick = fn; return 1; },
  Date, JSON, Math,
};
context.window.BestChatBot = {
  setUserToken: (t) => calls.push("set:" + t),
  clearUserToken: () => calls.push("clear"),
};
vm.runInNewContext(fs.readFileSync("SCRIPT", "utf8"), context);
const settle = () => new Promise((r) => setImmediate(r));
(async () => {
  await settle();                                   // page load, signed out: no request
  context.localStorage.setItem("access_token", "app-access-token");  // the SPA signs in
  tick(); await settle(); await settle();
  tick(); await settle();                           // nothing changed: no new request
  context.localStorage.removeItem("access_token");  // the SPA signs out
  tick(); await settle();
  console.log(calls.join("\n"));
})();
"""
