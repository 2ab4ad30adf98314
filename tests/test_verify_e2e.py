"""`bcb-scaffold verify` against the patched fixture apps, booted for real on loopback: sign in
through the app's own login over HTTP, pass the session cookie, and check every rule passes;
then against the app with its key unset and with another key, which must fail."""

from __future__ import annotations

import contextlib
import json
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from scaffolder import verify
from tests.helpers import apply_twice, copy_fixture, run
from tests.test_e2e_flask import bookclub, taskboard

pytestmark = pytest.mark.e2e
ADA = {
    "username": "ada",
    "email": "Ada.Lovelace@Example.COM",
    "display_name": "Ada Lovelace",
    "password": "analytical-engine",
}


@contextlib.contextmanager
def serving(app: Any) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


class _Keep(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def session_cookie(url: str, data: bytes, content_type: str) -> str:
    """Sign in over HTTP and return the `name=value` of the session cookie the app sets."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _Keep())
    request = urllib.request.Request(url, data=data, headers={"Content-Type": content_type})
    try:
        response = opener.open(request, timeout=10)
    except urllib.error.HTTPError as exc:  # the login's redirect
        response = exc
    with response:
        cookie = response.headers.get("Set-Cookie")
        assert cookie, f"no session cookie from {url} ({response.status})"
    return str(cookie).split(";", 1)[0]


def test_verify_passes_on_the_patched_flask_login_app(
    tmp_path: Path, signing_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = copy_fixture("flask-login", tmp_path)
    apply_twice(root, "--api-key", "pk_test_bookclub")
    with (
        bookclub(root, tmp_path, monkeypatch, ADA) as (client, _),
        serving(client.application) as base,
    ):
        form = urllib.parse.urlencode(
            {"email": "ada.lovelace@example.com", "password": "analytical-engine"}
        ).encode()
        cookie = session_cookie(f"{base}/auth/login", form, "application/x-www-form-urlencoded")
        result = run("verify", f"{base}/", "--cookie", cookie, "--json")
        assert result.exit_code == 0, result.output
        report = json.loads(result.output)
        assert report["ok"] and report["delivery"] == "script-attribute"
        assert report["claims"]["email"] == "ada.lovelace@example.com"
        assert all(c["ok"] for c in report["checks"] if c["severity"] == "error")
        assert {c["rule"]: c["ok"] for c in report["checks"]}["private"] is True  # marked private
        assert cookie.split("=", 1)[1] not in result.output

        # Checked with another key than the app signs with, the signature fails.
        wrong = verify.verify(f"{base}/", key="not-the-key-" + "x" * 40, cookies=(cookie,))
        assert [c.rule for c in wrong.checks if not c.ok and c.severity == "error"] == ["signature"]

        # A session that is not one: no token on the page.
        stale = run("verify", f"{base}/", "--cookie", "session=forged")
        assert stale.exit_code == 8 and "FAIL token-present" in stale.output


def test_verify_passes_on_the_patched_spa_endpoint(tmp_path: Path, signing_key: str) -> None:
    root = copy_fixture("flask-api", tmp_path)
    apply_twice(root, "--api-key", "pk_taskboard")
    with (
        taskboard(root, tmp_path, "Lin.Chen@Example.org") as client,
        serving(client.application) as base,
    ):
        body = json.dumps({"email": "lin.chen@example.org", "password": "s3cret"}).encode()
        cookie = session_cookie(f"{base}/api/session", body, "application/json")
        result = run(
            "verify", base, "--cookie", cookie, "--endpoint", "/api/widget-token", "--json"
        )
        assert result.exit_code == 0, result.output
        report = json.loads(result.output)
        assert report["delivery"] == "token-endpoint"
        assert {c["rule"] for c in report["checks"]} >= {"no-store", "anonymous", "exp-window"}
        assert report["claims"]["email"] == "lin.chen@example.org"


def test_verify_passes_on_the_patched_express_app_under_node(
    tmp_path: Path, signing_key: str
) -> None:
    """The Express fixture booted by node on loopback: the session cookie its own sign-up sets
    is what verify gets, as a user would copy it from the browser."""
    from tests.test_express_e2e import node_server, prepared

    root = prepared(tmp_path, "express-passport-ejs", "--api-key", "pk_test_recipes")
    with node_server(root, "server.js") as browser:
        browser.post(
            "/signup",
            form={
                "email": "Ada.Lovelace@Example.COM",
                "password": "analytical",
                "displayName": "Ada",
            },
        )
        [cookie] = [f"{c.name}={c.value}" for c in browser.jar]
        result = run("verify", f"{browser.base}/account", "--cookie", cookie, "--json")
        assert result.exit_code == 0, result.output
        report = json.loads(result.output)
        assert report["claims"]["email"] == "ada.lovelace@example.com"
        assert {c["rule"]: c["ok"] for c in report["checks"]}["private"] is True  # marked private
