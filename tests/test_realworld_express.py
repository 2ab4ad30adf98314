"""The Express deep check of the real-world benchmark (benchmarks/realworld/deep_express.py and
browser.py): what it reads from pages, answers and crashes, its sign-in visits, its node preload."""

from __future__ import annotations

import http.server
import json
import os
import shutil
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import jwt
import pytest

from benchmarks.realworld import browser, deep_express, mongodb
from benchmarks.realworld.deep_python import fill, judge
from benchmarks.realworld.tokens import PERSON

KEY = "test-signing-key-of-at-least-32-bytes!"


@pytest.mark.parametrize(
    ("html", "fields"),
    [
        pytest.param(
            '<form><input type="hidden" name="_csrf" value="abc"><input name="email"></form>',
            {"_csrf": "abc"},
            id="pug-rendered CSRF field, visible inputs left out",
        ),
        pytest.param(
            "<input type='hidden' name='_csrf' value='x-y'>",
            {"_csrf": "x-y"},
            id="single quotes",
        ),
        pytest.param(
            '<INPUT TYPE="HIDDEN" NAME="_csrf">',
            {"_csrf": ""},
            id="no value (an app without CSRF protection renders it empty)",
        ),
        pytest.param("<p>no form</p>", {}, id="no form"),
    ],
)
def test_hidden_fields(html: str, fields: dict[str, str]) -> None:
    assert browser.hidden_fields(html) == fields


@pytest.mark.parametrize(
    ("text", "path", "token"),
    [
        pytest.param(
            '{"tokens": {"access": {"token": "t1"}}}', "tokens.access.token", "t1", id="nested"
        ),
        pytest.param(
            '{"token": {"accessToken": "t2"}}', "token.accessToken", "t2", id="two levels"
        ),
        pytest.param('{"token": {"accessToken": 7}}', "token.accessToken", None, id="not a string"),
        pytest.param('{"message": "Incorrect email"}', "token.accessToken", None, id="missing"),
        pytest.param("<html>Too many requests</html>", "token", None, id="not JSON"),
    ],
)
def test_bearer(text: str, path: str, token: str | None) -> None:
    assert browser.bearer(text, path) == token


def _stack(root: Path, *frames: str) -> str:
    return "TypeError: boom\n" + "".join(f"    at f ({root}/{frame}:3:9)\n" for frame in frames)


def test_crash_in_a_file_the_patch_changed_is_the_patch(tmp_path: Path) -> None:
    log = _stack(tmp_path, "node_modules/jsonwebtoken/sign.js", "bestchatbot.js", "app.js")
    assert deep_express._crashed_in(log, tmp_path, ["bestchatbot.js", "app.js"]) == "bestchatbot.js"


def test_crash_in_the_apps_own_file_is_not(tmp_path: Path) -> None:
    log = _stack(tmp_path, "config/passport/google.js", "app.js")
    assert deep_express._crashed_in(log, tmp_path, ["bestchatbot.js", "app.js"]) is None


def test_fill_replaces_names_in_nested_recipe_values() -> None:
    recipe = {"env": {"MONGO_URI": "{mongodb_url}"}, "login": {"form": {"email": "{email}"}}}
    filled = fill(recipe, {"mongodb_url": "mongodb://h/db", "email": "a@b"})
    assert filled == {"env": {"MONGO_URI": "mongodb://h/db"}, "login": {"form": {"email": "a@b"}}}


class _App(http.server.BaseHTTPRequestHandler):
    """A stand-in app: a login form with a CSRF field, a session cookie, a page whose widget
    tag carries the token while signed in. `leak` makes it hand the anonymous visitor one."""

    leak: ClassVar[bool] = False
    sessions: ClassVar[set[str]] = set()

    def log_message(self, *args: Any) -> None:
        pass

    def _signed_in(self) -> bool:
        cookie = self.headers.get("Cookie", "")
        return any(f"sid={sid}" in cookie for sid in self.sessions)

    def _send(self, status: int, body: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body.encode())))
        self.end_headers()
        self.wfile.write(body.encode())

    def do_GET(self) -> None:
        if self.path == "/login":
            form = '<form method="post"><input type="hidden" name="_csrf" value="c5rf"></form>'
            self._send(200, form)
        elif self.path == "/logout":
            self.sessions.clear()
            self._send(302, "", {"Location": "/login"})
        else:
            claims = {"email": PERSON["email"].lower(), "exp": int(time.time()) + 3600}
            token = jwt.encode(claims, KEY, algorithm="HS256")
            attr = f' data-user-token="{token}"' if self._signed_in() or self.leak else ""
            self._send(200, f'<script src="chat.js" data-api-key="pk"{attr}></script>')

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        if form.get("_csrf") != ["c5rf"] or form.get("password") != [PERSON["password"]]:
            self._send(403, "bad csrf or password")
            return
        self.sessions.add("s1")
        self._send(302, "", {"Location": "/home", "Set-Cookie": "sid=s1; Path=/; HttpOnly"})


@pytest.fixture
def app() -> Iterator[tuple[str, type[_App]]]:
    handler = type("Handler", (_App,), {"sessions": set(), "leak": False})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()


RECIPE = {
    "login": {"url": "/login", "form": {"email": PERSON["email"], "password": PERSON["password"]}},
    "logout": {"url": "/logout", "method": "GET"},
    "page": "/home",
}


def test_visit_signs_in_with_the_forms_csrf_field_and_the_session_cookie(
    app: tuple[str, type[_App]],
) -> None:
    base, _ = app
    observed = browser.visit(base, RECIPE)
    assert observed["login"] == 200
    assert observed["anonymous"]["page"]["token"] is None
    assert observed["signed_in"]["page"]["token"]
    assert observed["logged_out"]["page"]["token"] is None
    assert judge(observed, KEY) is None


def test_a_token_for_the_anonymous_visitor_fails(app: tuple[str, type[_App]]) -> None:
    base, handler = app
    handler.leak = True
    observed = browser.visit(base, RECIPE)
    assert judge(observed, KEY) == "anonymous: the page carried a token"


@pytest.mark.parametrize(
    ("cache_control", "problem"),
    [
        pytest.param("no-store", None, id="no-store"),
        pytest.param(
            "public, max-age=60",
            "signed in: the endpoint answered Cache-Control 'public, max-age=60'",
            id="cacheable",
        ),
    ],
)
def test_no_store(cache_control: str, problem: str | None) -> None:
    endpoint = {"status": 200, "body": {"token": "t"}, "cache_control": cache_control}
    observed = {"anonymous": {"page": {"token": None}}, "signed_in": {"endpoint": endpoint}}
    assert browser.no_store(observed) == problem


def _endpoint(status: int, token: str | None) -> dict[str, Any]:
    return {"endpoint": {"status": status, "body": {"token": token}, "cache_control": "no-store"}}


@pytest.mark.parametrize(
    ("observed", "problem"),
    [
        pytest.param(
            {"anonymous": _endpoint(401, None), "signed_in": _endpoint(503, None)},
            None,
            id="endpoint: 503 for the signed-in user",
        ),
        pytest.param(
            {"anonymous": _endpoint(401, None), "signed_in": _endpoint(200, None)},
            "without the key, the signed-in endpoint answered 200, not 503",
            id="endpoint: 200 without a token",
        ),
        pytest.param(
            {"anonymous": {"page": {"token": None}}, "signed_in": {"page": {"token": "t"}}},
            "without the key, signed in: a token anyway",
            id="page: a token signed with no key",
        ),
        pytest.param(
            {"anonymous": {"page": {"token": None}}, "signed_in": {"page": {"token": None}}},
            None,
            id="page: rendered as for a guest",
        ),
    ],
)
def test_keyless(observed: dict[str, Any], problem: str | None) -> None:
    assert deep_express._keyless(observed) == problem


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_preload_moves_the_first_server_to_the_harness_port(tmp_path: Path) -> None:
    script = tmp_path / "server.js"
    script.write_text(
        "const http = require('http');\n"
        "const first = http.createServer().listen(3000, () => {\n"
        "  const second = http.createServer().listen(0, '127.0.0.1', () => {\n"
        "    console.log(JSON.stringify([first.address(), second.address().port]));\n"
        "    first.close(); second.close();\n"
        "  });\n"
        "});\n",
        encoding="utf-8",
    )
    port = mongodb.free_port()
    done = subprocess.run(
        ["node", "-r", str(deep_express.BOOT), str(script)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "BCB_RW_PORT": str(port)},
        check=True,
    )
    first, second = json.loads(done.stdout)
    assert (first["address"], first["port"]) == ("127.0.0.1", port)
    assert second != port
