"""End to end: the token endpoint joins the project's own API (issue 13) and runs on the
versions projects pin. Each project is patched, then runs under tests/django_driver.py (in a
pinned environment of tests/py_envs.py for the version fixtures): a user signs in through the
app's own login, by session and by the API's token, and the token verifies with PyJWT; the
browser script follows the SPA's own sign-in events under node.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import apply_twice, assert_contract, copy_fixture, verify
from tests.py_envs import installed, py_env, run_driver
from tests.test_django_e2e import DRIVER, drive

pytestmark = pytest.mark.e2e
ANONYMOUS = {"status": 401, "json": {"token": None}, "no_store": True}
DJANGO_3_2 = [
    "django==3.2.25",
    "djangorestframework==3.12.4",
    "djangorestframework-jwt==1.11.0",
    "pyjwt==1.7.1",
]
DJANGO_4_2 = ["django==4.2.16", "django-ninja==1.3.0", "pyjwt==2.8.0"]


def drive_pinned(
    python: Path, project: Path, settings: str, scenario: str, tmp: Path, key: str
) -> dict[str, Any]:
    argv = [str(DRIVER), str(project), settings, scenario, str(tmp)]
    code = (
        f"import runpy, sys\nsys.argv = {argv!r}\n"
        f"runpy.run_path({str(DRIVER)!r}, run_name='__main__')"
    )
    seen: dict[str, Any] = run_driver(
        python, code, cwd=project, env={"BESTCHATBOT_SIGNING_KEY": key}
    )
    return seen


def signed_in(seen: dict[str, Any]) -> str:
    assert seen["status"] == 200 and seen["no_store"], seen
    token: str = seen["json"]["token"]
    return token


def test_drf_with_allauth_headless_session_and_session_token(
    tmp_path: Path, signing_key: str
) -> None:
    """The views name SessionAuthentication and allauth's XSessionTokenAuthentication: the
    endpoint names both, so the browser's session and the app's X-Session-Token both work."""
    root = copy_fixture("django-drf-headless", tmp_path)
    apply_twice(root, "--api-key", "pk_fieldnotes")
    module = (root / "backend/fieldnotes/bestchatbot.py").read_text()
    assert "authentication_classes = [SessionAuthentication, XSessionTokenAuthentication]" in module
    assert "WidgetTokenView.as_view()" in (root / "backend/notes/urls.py").read_text()
    seen = drive(root / "backend", "fieldnotes.settings", "drf_headless", tmp_path)

    assert seen["anonymous"] == ANONYMOUS
    assert (seen["login"], seen["notes"], seen["app_login"]) == (200, 200, 200)
    for way in ("session", "x_session_token"):
        assert_contract(
            verify(signed_in(seen[way])),
            email="wren.alvarez@example.org",
            name="Wren Alvarez",
            user_id=seen["id"],
        )
    assert seen["unknown_token"] == ANONYMOUS
    assert seen["after_logout"] == ANONYMOUS
    assert seen["after_app_logout"] == ANONYMOUS


def test_identity_script_follows_allauth_auth_change(tmp_path: Path) -> None:
    """The SPA dispatches allauth.auth.change: the script fetches the token on sign-in,
    clears it on sign-out at once, and a sign-out wins over a token still on its way."""
    root = copy_fixture("django-drf-headless", tmp_path)
    apply_twice(root, "--api-key", "pk_fieldnotes")
    script = root / "frontend/public/bestchatbot-identity.js"
    harness = tmp_path / "harness.js"
    harness.write_text(HARNESS.replace("SCRIPT", json.dumps(str(script))))
    out = subprocess.run(["node", str(harness)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["clear", "set", "clear", "fetches:0", "clear", "fetches:0"]


HARNESS = r"""
const fs = require("fs");
const vm = require("vm");
const calls = [];
const listeners = {};
const pending = [];
const context = {
  window: {},
  document: {
    visibilityState: "visible",
    querySelector: () => null,
    addEventListener: (name, fn) => { listeners[name] = fn; },
  },
  fetch: (url, init) => {
    if (url !== "/api/widget-token" || init.cache !== "no-store") throw new Error(url);
    return new Promise((resolve) => pending.push(resolve));
  },
  atob: (s) => Buffer.from(s, "base64").toString("binary"),
  setTimeout: () => 0, clearTimeout: () => {}, Date, JSON, Math,
};
context.window.BestChatBot = {
  setUserToken: () => calls.push("set"),
  clearUserToken: () => calls.push("clear"),
};
const answer = (ok) => ({
  ok, status: ok ? 200 : 401,
  json: async () => ({ token: ok ? "header.eyJleHAiOjk5OTk5OTk5OTl9.sig" : null }),
});
const change = (detail) => listeners["allauth.auth.change"]({ detail });
const signedIn = { status: 200, meta: { is_authenticated: true }, data: { user: {} } };
const signedOut = { status: 401, meta: { is_authenticated: false } };
const settle = async (ok) => {
  pending.shift()(answer(ok));
  await new Promise((r) => setImmediate(r));
};
vm.runInNewContext(fs.readFileSync(SCRIPT, "utf8"), context);
(async () => {
  await settle(false); // the page loads signed out
  change(signedIn);
  await settle(true);
  change(signedOut); // no request: the identity goes at once
  calls.push("fetches:" + pending.length);
  change(signedIn);
  change(signedOut); // before the token arrives
  await settle(true);
  calls.push("fetches:" + pending.length);
  console.log(calls.join("\n"));
})();
"""


def test_django_ninja_on_django_4_2(tmp_path: Path, signing_key: str) -> None:
    """The endpoint is an operation on the project's NinjaAPI, authenticating like its
    routers (django_auth and its own bearer tokens), on Django 4.2 LTS and django-ninja 1.3."""
    python = py_env(DJANGO_4_2)
    assert installed(python, "django") == "4.2.16"
    root = copy_fixture("django-ninja", tmp_path)
    apply_twice(root)
    api = (root / "tidepool/api.py").read_text()
    assert 'api.add_router("", widget_token_router(django_auth, ApiTokenAuth()))\n' in api
    seen = drive_pinned(python, root, "tidepool.settings", "ninja", tmp_path, signing_key)

    assert seen["anonymous"] == ANONYMOUS
    assert seen["login"] == 200
    for way in ("session", "bearer"):
        assert_contract(
            verify(signed_in(seen[way])),
            email="rosa.ortega@example.net",
            name="Rosa Ortega",
            user_id=seen["id"],
        )
    assert seen["unknown_bearer"] == ANONYMOUS
    assert (seen["surveys"], seen["openapi"]) == (200, 200)
    assert seen["after_logout"] == ANONYMOUS


def test_drf_function_views_on_django_3_2(tmp_path: Path, signing_key: str) -> None:
    """Django 3.2 LTS, DRF 3.12, `@api_view` functions, djangorestframework-jwt on PyJWT 1.7
    (whose `jwt.encode` returns bytes): an `@api_view` endpoint inheriting the API's
    DEFAULT_AUTHENTICATION_CLASSES; the session and the JWT both get a token."""
    python = py_env(DJANGO_3_2)
    assert (installed(python, "djangorestframework"), installed(python, "pyjwt")) == (
        "3.12.4",
        "1.7.1",
    )
    root = copy_fixture("django-drf-legacy", tmp_path)
    apply_twice(root)
    assert "return token.decode() if isinstance(token, bytes) else token\n" in (
        (root / "shelf/bestchatbot.py").read_text()
    )
    assert "path('widget-token', widget_token, name='widget-token')" in (
        (root / "loans/urls.py").read_text()
    )
    seen = drive_pinned(python, root, "shelf.settings", "drf_legacy", tmp_path, signing_key)

    assert seen["anonymous"] == ANONYMOUS
    assert seen["login"] == 200
    for way in ("session", "jwt"):
        assert_contract(
            verify(signed_in(seen[way])),
            email="amal.haddad@example.ie",
            name="Amal Haddad",
            user_id=seen["id"],
        )
    assert seen["loans"] == 200
    assert seen["after_logout"] == ANONYMOUS
    assert seen["signed_type"] == "str"


def test_drf_views_authenticating_through_their_base(tmp_path: Path, signing_key: str) -> None:
    """DEFAULT_AUTHENTICATION_CLASSES is empty: the API's views authenticate through their
    base ApiView (a mixin in another module names the session and bearer-token classes).
    The endpoint inherits ApiView, so the session and the bearer token both reach it."""
    root = copy_fixture("django-drf-mixin", tmp_path)
    apply_twice(root)
    module = (root / "apiary/bestchatbot.py").read_text()
    assert "class WidgetTokenView(ApiView):\n" in module
    assert "from core.views import ApiView\n" in module
    seen = drive(root, "apiary.settings", "drf_mixin", tmp_path)

    assert seen["anonymous"] == ANONYMOUS
    assert (seen["login"], seen["hives"]) == (200, 200)
    for way in ("session", "bearer"):
        # A UUID primary key, stringified; the name from first and last name.
        assert_contract(
            verify(signed_in(seen[way])),
            email="iris.nakamura@example.org",
            name="Iris Nakamura",
            user_id=seen["id"],
        )
    # The API's own authentication rejects it, for the endpoint as for the API's views.
    assert seen["unknown_bearer"] == [403, 403]
    assert seen["after_logout"] == ANONYMOUS


def patched_requirements(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if line and not line.startswith("#")]


def test_simplejwt_project_signs_with_the_pyjwt_it_has(tmp_path: Path, signing_key: str) -> None:
    """djangorestframework-simplejwt brings PyJWT: the module signs with it (no second JWT
    library) and the fully pinned requirements get the PyJWT pin simplejwt accepts; the
    patched requirements install as they are, and simplejwt's bearer token reaches the
    endpoint."""
    root = copy_fixture("django-simplejwt", tmp_path)
    apply_twice(root)
    module = (root / "fleet/bestchatbot.py").read_text()
    assert "\nimport jwt\n" in module and "jose" not in module
    requirements = patched_requirements(root / "requirements.txt")
    # no Python named: the newest PyJWT for the 3.8 that Django==4.2.16, the oldest pin, runs on
    assert [r for r in requirements if r.lower().startswith("pyjwt")] == ["PyJWT==2.9.0"]
    python = py_env(requirements)
    seen = drive_pinned(python, root, "fleet.settings", "simplejwt", tmp_path, signing_key)

    assert seen["anonymous"] == ANONYMOUS
    assert (seen["login"], seen["vehicles"]) == (200, 200)
    assert_contract(
        verify(signed_in(seen["bearer"])),
        email="tomas.novak@example.cz",
        name="Tomáš Novák",
        user_id=seen["id"],
    )
    assert seen["forged"] == 401


def test_drf_jwt_project_without_pyjwt_declared(tmp_path: Path, signing_key: str) -> None:
    """djangorestframework-jwt requires PyJWT < 2 and the project does not declare PyJWT: the
    module handles PyJWT 1.x's bytes, and the pin added is the last 1.x, which the patched
    requirements install beside it (PyJWT 2 would not resolve)."""
    root = copy_fixture("django-drf-legacy", tmp_path)
    requirements = root / "requirements.txt"
    requirements.write_text(requirements.read_text().replace("PyJWT==1.7.1\n", ""))
    apply_twice(root)
    assert "return token.decode() if isinstance(token, bytes) else token\n" in (
        (root / "shelf/bestchatbot.py").read_text()
    )
    pinned = patched_requirements(requirements)
    assert "PyJWT==1.7.1" in pinned
    python = py_env(pinned)
    assert installed(python, "pyjwt") == "1.7.1"
    seen = drive_pinned(python, root, "shelf.settings", "drf_legacy", tmp_path, signing_key)
    assert seen["anonymous"] == ANONYMOUS
    for way in ("session", "jwt"):
        assert_contract(
            verify(signed_in(seen[way])),
            email="amal.haddad@example.ie",
            name="Amal Haddad",
            user_id=seen["id"],
        )
    assert seen["signed_type"] == "str"


def test_pages_renew_their_token_on_django_3_2(tmp_path: Path, signing_key: str) -> None:
    """Django 3.2 LTS: staticfiles serves the base template's renewal script, the plain view
    renews the signed-in page's token, guests get 401."""
    python = py_env(["django==3.2.25", "pyjwt==2.8.0"])
    root = copy_fixture("django-auth", tmp_path)
    (root / "requirements.txt").write_text("Django>=3.2,<4.0\n")
    apply_twice(root, "--api-key", "pk_test_recipes")
    seen = drive_pinned(python, root, "recipebox.settings", "auth", tmp_path, signing_key)

    script = seen["renewal_script"]
    assert script["src"] == "/static/bestchatbot-identity.js"
    assert script["status"] == 200 and "javascript" in script["content_type"]
    assert seen["anonymous_token"] == ANONYMOUS
    assert seen["login"] == 302
    assert_contract(
        verify(signed_in(seen["renewed"])),
        email="ada.lovelace@example.com",
        name="Ada Lovelace",
        user_id=seen["ada_id"],
    )
    assert seen["after_logout_token"] == ANONYMOUS
