"""End to end on the Express fixtures: apply, install the patched package.json from the npm
registry (cached), run the app with node on a loopback port, sign in through its own routes with a
cookie jar, and verify the token with PyJWT and the key from the environment.

Firebase: firebase-admin talks to a stand-in for Google's Identity Toolkit API (the Auth emulator
protocol, used when FIREBASE_AUTH_EMULATOR_HOST is set); everything else is the real library."""

from __future__ import annotations

import base64
import contextlib
import http.cookiejar
import json
import os
import re
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import (
    apply_twice,
    assert_contract,
    assert_missing_key_logged_once,
    copy_fixture,
    token_in,
    verify,
)
from tests.npm_cache import link_node_modules, npm_env
from tests.test_identity_renewal import answer, run_script, script_after_tag

pytestmark = pytest.mark.e2e
WIDGET = "https://widget.bestchatbot.io/widget/v1/chat.js"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

NODE_START_TIMEOUT = 30.0
REQUEST_TIMEOUT = 15.0


def install(root: Path) -> None:
    """Link the packages the (patched) package.json declares, installed from the registry."""
    manifest = json.loads((root / "package.json").read_text())
    packages = {**manifest.get("dependencies", {}), **manifest.get("devDependencies", {})}
    link_node_modules(root, npm_env(packages))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    text: str
    url: str

    def json(self) -> Any:
        return json.loads(self.text)


class Client:
    """An HTTP client with a cookie jar, like a browser session (redirects followed)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def request(
        self,
        method: str,
        path: str,
        *,
        form: dict[str, str] | None = None,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        data = None
        all_headers = dict(headers or {})
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif json_body is not None:
            data = json.dumps(json_body).encode()
            all_headers["Content-Type"] = "application/json"
        req = urllib.request.Request(self.base + path, data, all_headers, method=method)
        try:
            with self.opener.open(req, timeout=REQUEST_TIMEOUT) as resp:
                return Response(
                    resp.status, dict(resp.headers), resp.read().decode(), resp.geturl()
                )
        except urllib.error.HTTPError as err:
            body = err.read().decode()
            return Response(err.code, dict(err.headers), body, err.url or "")

    def get(self, path: str, **kw: Any) -> Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Response:
        return self.request("POST", path, **kw)

    def set_cookie(self, name: str, value: str) -> None:
        host = urllib.parse.urlparse(self.base).hostname or "127.0.0.1"
        self.jar.set_cookie(
            http.cookiejar.Cookie(
                0, name, value, None, False, host, False, False, "/", True, False,
                None, False, None, None, {},
            )
        )  # fmt: skip


@contextlib.contextmanager
def node_server(root: Path, *argv: str, env: dict[str, str] | None = None) -> Iterator[Client]:
    """`node <argv>` in `root` with PORT set; yields a client once the port answers, and stops
    the process (the one started here, by its id) on the way out."""
    port = free_port()
    full_env = {**os.environ, "PORT": str(port), "NODE_ENV": "test", **(env or {})}
    log = root / "node-server.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            ["node", *argv], cwd=root, env=full_env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + NODE_START_TIMEOUT
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"node exited ({proc.returncode}):\n{log.read_text()}")
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", port), timeout=0.5),
            ):
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"node did not listen on {port}:\n{log.read_text()}")
            time.sleep(0.1)
        yield Client(f"http://127.0.0.1:{port}")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def run_node_tool(root: Path, *argv: str, timeout: int = 180) -> None:
    """A build step (e.g. `tsc`) with a bounded run time."""
    result = subprocess.run(
        ["node", *argv], cwd=root, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, result.stdout + result.stderr


# -- Firebase Auth, as its emulator speaks it -----------------------------------------------------


def _b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unsigned_jwt(payload: dict[str, Any]) -> str:
    """Emulator tokens are unsigned (alg none); firebase-admin accepts only those in emulator
    mode and still checks audience, issuer, subject and expiry."""
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(payload)}."


class FakeFirebaseAuth:
    """The two Identity Toolkit calls the fixture needs: createSessionCookie (sign-in) and
    accounts:lookup (revocation check of verifySessionCookie(cookie, true))."""

    def __init__(self, project_id: str) -> None:
        self.project_id = project_id
        self.accounts: dict[str, dict[str, Any]] = {}
        self.providers: dict[str, str] = {}
        self.issued: set[str] = set()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakeFirebaseAuth:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)

    def add_user(
        self, uid: str, email: str, display_name: str | None = None, provider: str = "password"
    ) -> None:
        self.accounts[uid] = {"localId": uid, "email": email, "displayName": display_name}
        self.providers[uid] = provider

    def _claims(self, uid: str, issuer: str, lifetime: int) -> dict[str, Any]:
        account = self.accounts[uid]
        now = int(time.time())
        claims = {
            "iss": issuer,
            "aud": self.project_id,
            "auth_time": now,
            "user_id": uid,
            "sub": uid,
            "iat": now,
            "exp": now + lifetime,
            "email": account["email"],
            "email_verified": True,
            "firebase": {
                "identities": {"email": [account["email"]]},
                "sign_in_provider": self.providers[uid],
            },
        }
        if account["displayName"]:
            claims["name"] = account["displayName"]
        return claims

    def id_token(self, uid: str) -> str:
        """What the browser's Firebase SDK hands the app after signing in."""
        token = unsigned_jwt(
            self._claims(uid, f"https://securetoken.google.com/{self.project_id}", 3600)
        )
        self.issued.add(token)
        return token

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _reply(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                base = f"/identitytoolkit.googleapis.com/v1/projects/{fake.project_id}"
                if self.path.startswith(base + ":createSessionCookie"):
                    token = body.get("idToken", "")
                    if token not in fake.issued:
                        self._reply(400, {"error": {"code": 400, "message": "INVALID_ID_TOKEN"}})
                        return
                    payload = json.loads(
                        base64.urlsafe_b64decode(token.split(".")[1] + "==").decode()
                    )
                    issuer = f"https://session.firebase.google.com/{fake.project_id}"
                    claims = fake._claims(payload["sub"], issuer, int(body["validDuration"]))
                    self._reply(200, {"sessionCookie": unsigned_jwt(claims)})
                elif self.path.startswith(base + "/accounts:lookup"):
                    users = [
                        fake.accounts[u] for u in body.get("localId", []) if u in fake.accounts
                    ]
                    self._reply(
                        200, {"kind": "identitytoolkit#GetAccountInfoResponse", "users": users}
                    )
                else:
                    self._reply(404, {"error": {"code": 404, "message": self.path}})

        return Handler


# -- renewal of inline tokens ---------------------------------------------------------------------


def renewal_script(page: str) -> str:
    """The URL of the identity script the page loads right after the widget tag."""
    src = script_after_tag(page)
    assert src is not None and src.endswith("/bestchatbot-identity.js"), src
    return src


def assert_renews(
    browser: Client,
    page: str,
    endpoint: str,
    *,
    email: str,
    name: str | None,
    user_id: str | None,
    run_in: Path | None = None,
) -> None:
    """A signed-in page renews its token: the identity script (inline mode, this endpoint)
    right after the widget tag is served by the app as JavaScript, and the endpoint gives the
    session's user a fresh token, never cached. `run_in`: also run the script as served under
    node (a fake page carrying the page's token, the endpoint's answer as the renewal)."""
    script = browser.get(renewal_script(page))
    assert script.status == 200 and "javascript" in script.headers["Content-Type"]
    assert "tag?.dataset.userToken" in script.text and f'"{endpoint}"' in script.text
    fresh = browser.get(endpoint)
    assert fresh.status == 200 and fresh.headers["Cache-Control"] == "no-store", fresh.text
    renewed = fresh.json()["token"]
    assert_contract(verify(renewed), email=email, name=name, user_id=user_id)
    if run_in is not None:
        run = run_script(
            script.text,
            run_in,
            page_token=token_in(page),
            answers=[answer(200, renewed)],
            actions=[{"fire": True}],
        )
        assert run.of("fetch") == [
            {"url": endpoint, "credentials": "same-origin", "cache": "no-store"}
        ]
        assert run.of("set") == [renewed]


def assert_guest_endpoint(client: Client, endpoint: str) -> None:
    anonymous = client.get(endpoint)
    assert (anonymous.status, anonymous.json()) == (401, {"token": None})
    assert anonymous.headers["Cache-Control"] == "no-store"


# -- the tests ------------------------------------------------------------------------------------


def prepared(tmp_path: Path, name: str, *flags: str) -> Path:
    root = copy_fixture(name, tmp_path)
    assert "npm install" in apply_twice(root, *flags).output
    manifest = json.loads((root / "package.json").read_text())
    assert "jsonwebtoken" in manifest["dependencies"]
    install(root)
    return root


def test_passport_ejs_every_view_a_full_page(tmp_path: Path, signing_key: str) -> None:
    root = prepared(tmp_path, "express-passport-ejs", "--api-key", "pk_test_recipes")
    with node_server(root, "server.js") as browser:
        for path in ("/", "/recipes/dal", "/login"):
            page = browser.get(path).text
            assert WIDGET in page and 'data-api-key="pk_test_recipes"' in page
            assert token_in(page) is None
            assert renewal_script(page) == "/bestchatbot-identity.js"  # fetches nothing then
        assert_guest_endpoint(browser, "/api/widget-token")
        signed_up = browser.post(
            "/signup",
            form={
                "email": "Ada.Lovelace@Example.COM",
                "password": "analytical",
                "displayName": "Ada Lovelace",
            },
        )
        assert signed_up.status == 200 and signed_up.url.endswith("/")
        for path in ("/", "/recipes/dal", "/account"):  # every full page carries the token
            page = browser.get(path).text
            token = token_in(page)
            assert token is not None, path
            assert_contract(
                verify(token), email="ada.lovelace@example.com", name="Ada Lovelace", user_id="1"
            )
            assert_renews(
                browser,
                page,
                "/api/widget-token",
                email="ada.lovelace@example.com",
                name="Ada Lovelace",
                user_id="1",
            )
        browser.post("/logout")
        assert token_in(browser.get("/").text) is None
        assert_guest_endpoint(browser, "/api/widget-token")
        # Signing in again through passport-local's own route (the verify callback).
        browser.post("/login", form={"email": "ada.lovelace@example.com", "password": "analytical"})
        assert token_in(browser.get("/account").text) is not None

        other = Client(browser.base)  # a user without a display name: no name claim
        other.post("/signup", form={"email": "bob@example.com", "password": "hunter22"})
        bob = token_in(other.get("/").text)
        assert bob is not None
        assert_contract(verify(bob), email="bob@example.com", name=None, user_id="2")
        assert token_in(Client(browser.base).get("/").text) is None


def test_passport_set_up_in_a_module_and_pages_without_body(
    tmp_path: Path, signing_key: str
) -> None:
    """passport handed to `setupPassport(passport, ...)` in another module, users kept in
    memory, EJS pages rendered by file name (no view engine set) and written without <body>."""
    root = prepared(tmp_path, "express-passport-module", "--api-key", "pk_test_books")
    server = (root / "server.js").read_text()
    assert server.index("app.use(bestchatbotToken)") > server.index("express.static(")
    with node_server(root, "server.js") as browser:
        page = browser.get("/login").text
        assert WIDGET in page and 'data-api-key="pk_test_books"' in page
        assert token_in(page) is None
        assert "text/css" in browser.get("/static/style.css").headers["Content-Type"]
        browser.post(
            "/register",
            form={"name": "Grace Hopper", "email": "Grace@Navy.MIL", "password": "cobol1959"},
        )
        home = browser.post("/login", form={"email": "grace@navy.mil", "password": "cobol1959"})
        assert home.url.endswith("/") and "Hello Grace Hopper" in home.text
        token = token_in(home.text)
        assert token is not None
        assert_contract(verify(token), email="grace@navy.mil", name="Grace Hopper", user_id="1")
        browser.post("/logout")
        assert token_in(browser.get("/login").text) is None
        assert token_in(Client(browser.base).get("/register").text) is None


def test_passport_jwt_api_endpoint(tmp_path: Path, signing_key: str) -> None:
    """A session-less passport-jwt API: the endpoint runs the app's own strategy for itself,
    so a request with the app's bearer token gets a widget token and one without gets 401."""
    root = copy_fixture("express-jwt-api", tmp_path)
    applied = apply_twice(root)
    assert "src/bestchatbot.js" in applied.changed and "package.json" not in applied.changed
    install(root)
    with node_server(root, "src/server.js") as api:
        anonymous = api.get("/api/v1/widget-token")
        assert (anonymous.status, anonymous.json()) == (401, {"token": None})
        assert anonymous.headers["Cache-Control"] == "no-store"
        forged = api.get("/api/v1/widget-token", headers={"Authorization": "Bearer x.y.z"})
        assert (forged.status, forged.json()) == (401, {"token": None})
        api.post(
            "/api/v1/auth/register",
            json_body={"email": "Alan@Bletchley.UK", "password": "enigma", "displayName": "Alan"},
        )
        login = api.post(
            "/api/v1/auth/login", json_body={"email": "alan@bletchley.uk", "password": "enigma"}
        )
        bearer = {"Authorization": f"Bearer {login.json()['accessToken']}"}
        signed_in = api.get("/api/v1/widget-token", headers=bearer)
        assert signed_in.status == 200 and signed_in.headers["Cache-Control"] == "no-store"
        claims = verify(signed_in.json()["token"])
        assert UUID.match(claims.payload["user_id"])
        assert_contract(
            claims, email="alan@bletchley.uk", name="Alan", user_id=claims.payload["user_id"]
        )
        assert api.get("/api/v1/habits", headers=bearer).json() == []  # the app's own route


def test_passport_pug_layout(tmp_path: Path, signing_key: str) -> None:
    root = prepared(tmp_path, "express-passport-pug", "--api-key", "pk_test_trails")
    layout = (root / "views/layout.pug").read_text()
    assert "data-user-token=bestchatbotToken" in layout
    assert "script(src='/javascripts/bestchatbot-identity.js')" in layout
    with node_server(root, "bin/www") as browser:
        anonymous = browser.get("/").text
        assert WIDGET in anonymous and token_in(anonymous) is None
        assert renewal_script(anonymous) == "/javascripts/bestchatbot-identity.js"
        assert_guest_endpoint(browser, "/api/widget-token")
        browser.post(
            "/account/signup",
            form={"email": "grace@navy.mil", "password": "cobol", "name": "Grace Hopper"},
        )
        for path in ("/", "/saved", "/account"):
            page = browser.get(path).text
            token = token_in(page)
            assert token is not None, path
            claims = verify(token)
            assert UUID.match(claims.payload["user_id"])
            assert_contract(
                claims,
                email="grace@navy.mil",
                name="Grace Hopper",
                user_id=claims.payload["user_id"],
            )
            assert_renews(
                browser,
                page,
                "/api/widget-token",
                email="grace@navy.mil",
                name="Grace Hopper",
                user_id=claims.payload["user_id"],
                run_in=tmp_path,
            )
        browser.get("/account/logout")
        assert token_in(browser.get("/").text) is None
        browser.post("/account/login", form={"email": "grace@navy.mil", "password": "cobol"})
        assert token_in(browser.get("/").text) is not None


def test_session_handlebars_layout(tmp_path: Path, signing_key: str) -> None:
    root = prepared(tmp_path, "express-session-hbs")
    with node_server(root, "src/server.js") as browser:
        anonymous = browser.get("/").text
        assert 'data-api-key="pk_live_fieldnotes_7Qx2"' in anonymous
        assert token_in(anonymous) is None
        assert renewal_script(anonymous) == "/static/bestchatbot-identity.js"
        browser.post(
            "/register",
            form={"email": "Lin.Chen@Example.org", "password": "s3cret", "fullName": "Lin Chen"},
        )
        notes = browser.get("/notes").text
        token = token_in(notes)
        assert token is not None
        assert_contract(verify(token), email="lin.chen@example.org", name="Lin Chen", user_id="1")
        assert_renews(
            browser,
            notes,
            "/api/widget-token",
            email="lin.chen@example.org",
            name="Lin Chen",
            user_id="1",
        )
        browser.post("/logout")
        assert token_in(browser.get("/").text) is None
        browser.post("/login", form={"email": "lin.chen@example.org", "password": "s3cret"})
        assert token_in(browser.get("/").text) is not None


def test_typescript_esm_footer_partial(tmp_path: Path, signing_key: str) -> None:
    root = prepared(tmp_path, "express-ts", "--api-key", "pk_test_helpdesk")
    manifest = json.loads((root / "package.json").read_text())
    assert "@types/jsonwebtoken" in manifest["devDependencies"]
    run_node_tool(root, "node_modules/typescript/bin/tsc", "-p", "tsconfig.json")  # type-checks
    with node_server(root, "dist/server.js") as browser:
        home = browser.get("/").text
        assert WIDGET in home and token_in(home) is None
        browser.post(
            "/signup",
            form={
                "email": "Mae.Jemison@NASA.gov",
                "password": "endeavour",
                "fullName": "Mae C. Jemison",
            },
        )
        tickets = browser.get("/tickets").text
        token = token_in(tickets)
        assert token is not None
        claims = verify(token)
        assert UUID.match(claims.payload["user_id"])
        assert_contract(
            claims,
            email="mae.jemison@nasa.gov",
            name="Mae C. Jemison",
            user_id=claims.payload["user_id"],
        )
        assert_renews(  # under the app's API prefix
            browser,
            tickets,
            "/api/v1/widget-token",
            email="mae.jemison@nasa.gov",
            name="Mae C. Jemison",
            user_id=claims.payload["user_id"],
        )
        browser.post("/logout")
        assert token_in(browser.get("/").text) is None
        assert_guest_endpoint(browser, "/api/v1/widget-token")


def test_firebase_session_cookie_spa(tmp_path: Path, signing_key: str) -> None:
    root = prepared(tmp_path, "express-firebase", "--api-key", "pk_test_linkshelf")
    project_id = "linkshelf-test"
    with FakeFirebaseAuth(project_id) as firebase:
        firebase.add_user("uid-katherine", "Katherine.Johnson@NASA.gov", "Katherine Johnson")
        firebase.add_user("uid-anon-name", "dorothy@nasa.gov")
        firebase.add_user("anon", "left-over@nasa.gov", provider="anonymous")
        env = {"FIREBASE_AUTH_EMULATOR_HOST": firebase.host, "FIREBASE_PROJECT_ID": project_id}
        with node_server(root, "server.js", env=env) as browser:
            shell = browser.get("/").text
            assert WIDGET in shell and "/js/bestchatbot-identity.js" in shell
            assert browser.get("/js/bestchatbot-identity.js").status == 200

            anonymous = browser.get("/api/widget-token")
            assert anonymous.status == 401
            assert anonymous.json() == {"token": None}
            assert anonymous.headers["Cache-Control"] == "no-store"

            forged = Client(browser.base)  # a cookie the server never issued
            forged.set_cookie("session", unsigned_jwt({"sub": "uid-katherine"}))
            assert forged.get("/api/widget-token").status == 401

            login = browser.post(
                "/sessionLogin", json_body={"idToken": firebase.id_token("uid-katherine")}
            )
            assert login.status == 200, login.text
            signed_in = browser.get("/api/widget-token")
            assert signed_in.status == 200
            assert signed_in.headers["Cache-Control"] == "no-store"
            token = signed_in.json()["token"]
            assert token.count(".") == 2 and token not in firebase.issued  # a fresh token
            assert_contract(
                verify(token),
                email="katherine.johnson@nasa.gov",
                name="Katherine Johnson",
                user_id="uid-katherine",
            )
            browser.post("/sessionLogout")
            assert browser.get("/api/widget-token").status == 401

            other = Client(browser.base)
            other.post("/sessionLogin", json_body={"idToken": firebase.id_token("uid-anon-name")})
            claims = verify(other.get("/api/widget-token").json()["token"])
            assert_contract(claims, email="dorothy@nasa.gov", name=None, user_id="uid-anon-name")

            # An anonymous sign-in (signInAnonymously), even one whose token carried an email:
            # a session, but nobody to identify.
            guest = Client(browser.base)
            login = guest.post("/sessionLogin", json_body={"idToken": firebase.id_token("anon")})
            assert login.status == 200, login.text
            anonymous_user = guest.get("/api/widget-token")
            assert (anonymous_user.status, anonymous_user.json()) == (401, {"token": None})


def test_typescript_token_endpoint(tmp_path: Path, signing_key: str) -> None:
    """The same TypeScript app with the endpoint delivery: the typed handler compiles and serves
    GET /api/v1/widget-token (the app's API prefix) to signed-in users only, never cached."""
    root = prepared(
        tmp_path, "express-ts", "--api-key", "pk_test_helpdesk", "--delivery", "token-endpoint"
    )
    run_node_tool(root, "node_modules/typescript/bin/tsc", "-p", "tsconfig.json")
    with node_server(root, "dist/server.js") as browser:
        home = browser.get("/").text
        assert WIDGET in home and "/bestchatbot-identity.js" in home and token_in(home) is None
        assert browser.get("/bestchatbot-identity.js").status == 200
        anonymous = browser.get("/api/v1/widget-token")
        assert (anonymous.status, anonymous.json()) == (401, {"token": None})
        assert anonymous.headers["Cache-Control"] == "no-store"
        browser.post("/signup", form={"email": "Ada@Example.com", "password": "pw"})
        signed_in = browser.get("/api/v1/widget-token")
        assert signed_in.status == 200 and signed_in.headers["Cache-Control"] == "no-store"
        claims = verify(signed_in.json()["token"])
        assert_contract(
            claims, email="ada@example.com", name=None, user_id=claims.payload["user_id"]
        )


def test_views_without_the_key(tmp_path: Path, no_signing_key: None) -> None:
    """BESTCHATBOT_SIGNING_KEY unset: signed-in pages render as for a guest, one logged error;
    the renewal endpoint answers them 503 (guests still 401)."""
    root = prepared(tmp_path, "express-passport-ejs", "--api-key", "pk_test_recipes")
    with node_server(root, "server.js") as browser:
        assert_guest_endpoint(browser, "/api/widget-token")
        browser.post("/signup", form={"email": "ada@example.com", "password": "analytical"})
        for path in ("/", "/recipes/dal", "/account"):
            page = browser.get(path)
            assert page.status == 200, path
            assert WIDGET in page.text and "data-user-token" not in page.text
            assert browser.get(renewal_script(page.text)).status == 200
        for _ in range(2):
            signed_in = browser.get("/api/widget-token")
            assert (signed_in.status, signed_in.json()) == (503, {"token": None})
            assert signed_in.headers["Cache-Control"] == "no-store"
    assert_missing_key_logged_once((root / "node-server.log").read_text())


def test_endpoints_without_the_key(tmp_path: Path, no_signing_key: None) -> None:
    """The typed handler and the async (Firebase) one answer 503 {"token": null} to signed-in
    users while the key is unset; anonymous visitors still get 401."""
    root = prepared(
        tmp_path, "express-ts", "--api-key", "pk_test_helpdesk", "--delivery", "token-endpoint"
    )
    run_node_tool(root, "node_modules/typescript/bin/tsc", "-p", "tsconfig.json")
    with node_server(root, "dist/server.js") as browser:
        anonymous = browser.get("/api/v1/widget-token")
        assert (anonymous.status, anonymous.json()) == (401, {"token": None})
        browser.post("/signup", form={"email": "ada@example.com", "password": "pw"})
        for _ in range(2):
            signed_in = browser.get("/api/v1/widget-token")
            assert (signed_in.status, signed_in.json()) == (503, {"token": None})
            assert signed_in.headers["Cache-Control"] == "no-store"
    assert_missing_key_logged_once((root / "node-server.log").read_text())

    root = prepared(tmp_path / "firebase", "express-firebase", "--api-key", "pk_test_linkshelf")
    with FakeFirebaseAuth("linkshelf-test") as firebase:
        firebase.add_user("uid-katherine", "katherine@nasa.gov", "Katherine Johnson")
        env = {
            "FIREBASE_AUTH_EMULATOR_HOST": firebase.host,
            "FIREBASE_PROJECT_ID": "linkshelf-test",
        }
        with node_server(root, "server.js", env=env) as browser:
            assert browser.get("/api/widget-token").status == 401
            browser.post("/sessionLogin", json_body={"idToken": firebase.id_token("uid-katherine")})
            signed_in = browser.get("/api/widget-token")
            assert (signed_in.status, signed_in.json()) == (503, {"token": None})
            assert signed_in.headers["Cache-Control"] == "no-store"
    assert_missing_key_logged_once((root / "node-server.log").read_text())


NUNJUCKS_APP = {
    "package.json": json.dumps(
        {
            "name": "tiny-njk",
            "private": True,
            "dependencies": {
                "express": "^4.21.2",
                "express-session": "^1.18.1",
                "nunjucks": "^3.2.4",
            },
        },
        indent=2,
    )
    + "\n",
    "server.js": """\
const express = require("express")
const session = require("express-session")
const nunjucks = require("nunjucks")

const app = express()
nunjucks.configure("templates", { express: app, autoescape: true })
app.set("view engine", "njk")
app.use(express.urlencoded({ extended: false }))
app.use(session({ secret: "tiny", resave: false, saveUninitialized: false }))

app.post("/login", (req, res) => {
  req.session.user = { id: 7, email: req.body.email, name: req.body.name || null }
  res.redirect("/")
})
app.get("/", (req, res) => res.render("home.njk", { user: req.session.user }))

app.listen(process.env.PORT || 3000)
""",
    "templates/base.njk": "<!doctype html>\n<html>\n  <body>\n"
    "    {% block main %}{% endblock %}\n  </body>\n</html>\n",
    "templates/home.njk": '{% extends "base.njk" %}\n'
    "{% block main %}<h1>Hi {{ user.name }}</h1>{% endblock %}\n",
}


def test_nunjucks_layout_and_a_single_file_server(tmp_path: Path, signing_key: str) -> None:
    root = tmp_path / "tiny-njk"
    for path, text in NUNJUCKS_APP.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    assert "npm install" in apply_twice(root, "--api-key", "pk_njk").output
    assert "bestchatbotToken" in (root / "templates/base.njk").read_text()
    install(root)
    with node_server(root, "server.js") as browser:
        assert token_in(browser.get("/").text) is None
        browser.post("/login", form={"email": "Hedy@Lamarr.example", "name": "Hedy Lamarr"})
        token = token_in(browser.get("/").text)
        assert token is not None
        assert_contract(verify(token), email="hedy@lamarr.example", name="Hedy Lamarr", user_id="7")
