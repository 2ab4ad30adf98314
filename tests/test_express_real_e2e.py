"""End to end on Express shapes from real projects: HTML built in code (a template-literal layout
function and pages sent inline), Express 4 and 5 (the installed major decides the generated
code), the token middleware on page routes only, JavaScript type-checked by `tsc` (checkJs), and
TypeScript under the strictest tsconfig flags. Each patched app is installed from npm, its own
`tsc` runs where it has one, it boots under node and a user signs in through its own routes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import (
    FIXTURES,
    apply_twice,
    assert_contract,
    assert_missing_key_logged_once,
    copy_fixture,
    token_in,
    verify,
)
from tests.npm_cache import link_node_modules, npm_env
from tests.test_express_e2e import (
    WIDGET,
    Client,
    FakeFirebaseAuth,
    assert_guest_endpoint,
    assert_renews,
    install,
    node_server,
    prepared,
    renewal_script,
    run_node_tool,
)

pytestmark = pytest.mark.e2e
TSC = "node_modules/typescript/bin/tsc"
# Preloaded into the app's process: one log line per widget token minted, so a test can tell
# which requests ran the token middleware.
COUNT_MINTS = """\
const jwt = require("jsonwebtoken");
const sign = jwt.sign;
jwt.sign = function (...args) {
  console.log("bcb-test: widget token minted");
  return sign.apply(this, args);
};
"""


def minted(root: Path) -> int:
    return (root / "node-server.log").read_text().count("bcb-test: widget token minted")


def counting(root: Path) -> dict[str, str]:
    (root / "count-mints.cjs").write_text(COUNT_MINTS)
    return {"NODE_OPTIONS": "--require ./count-mints.cjs"}


def test_html_built_in_code(tmp_path: Path, signing_key: str) -> None:
    """A layout function returning a template literal and a page sent inline get the tag; the
    token reaches the layout through a new parameter; the e-mail template is left alone; the
    middleware runs after the static files and the API, for pages only."""
    mailer = (FIXTURES / "express-html-in-code/lib/mailer.js").read_text()
    root = prepared(tmp_path, "express-html-in-code", "--api-key", "pk_test_standup")
    assert (root / "lib/mailer.js").read_text() == mailer
    assert "function page(title, body, user, widgetToken)" in (root / "lib/layout.js").read_text()
    with node_server(root, "server.js", env=counting(root)) as browser:
        status = browser.get("/status").text  # a page built inline, for anyone
        assert WIDGET in status and 'data-api-key="pk_test_standup"' in status
        assert token_in(status) is None
        assert renewal_script(status) == "/bestchatbot-identity.js"
        assert_guest_endpoint(browser, "/api/widget-token")
        assert "bestchatbot" not in browser.get("/login.html").text  # static: never rendered
        signed_up = browser.post(
            "/signup",
            form={
                "email": "Grace.Hopper@Navy.MIL",
                "password": "cobol1959",
                "displayName": "Grace Hopper",
            },
        )
        assert signed_up.url.endswith("/") and "Grace Hopper" in signed_up.text
        for path in ("/", "/team", "/status"):  # through the layout function and inline
            page = browser.get(path).text
            token = token_in(page)
            assert token is not None, path
            assert_contract(
                verify(token), email="grace.hopper@navy.mil", name="Grace Hopper", user_id="1"
            )
            assert_renews(
                browser,
                page,
                "/api/widget-token",
                email="grace.hopper@navy.mil",
                name="Grace Hopper",
                user_id="1",
            )
        before = minted(root)
        assert browser.get("/api/notes").json() == []
        assert "text/css" in browser.get("/style.css").headers["Content-Type"]
        assert minted(root) == before  # neither the API nor the static files ran it
        browser.get("/team")
        assert minted(root) == before + 1
        browser.post("/logout")
        assert token_in(browser.get("/status").text) is None
        assert token_in(Client(browser.base).get("/status").text) is None


def test_html_built_in_code_without_the_key(tmp_path: Path, no_signing_key: None) -> None:
    root = prepared(tmp_path, "express-html-in-code", "--api-key", "pk_test_standup")
    with node_server(root, "server.js") as browser:
        browser.post("/signup", form={"email": "ada@example.com", "password": "analytical"})
        for path in ("/", "/team", "/status"):
            page = browser.get(path)
            assert page.status == 200 and WIDGET in page.text, path
            assert "data-user-token" not in page.text
            assert renewal_script(page.text) == "/bestchatbot-identity.js"
        signed_in = browser.get("/api/widget-token")
        assert (signed_in.status, signed_in.json()) == (503, {"token": None})
    assert_missing_key_logged_once((root / "node-server.log").read_text())


def test_html_built_in_code_with_the_endpoint(tmp_path: Path, signing_key: str) -> None:
    """The endpoint delivery loads the widget and the identity script where the pages are
    built (not only on the static sign-in page) and serves the token under the API prefix."""
    root = prepared(
        tmp_path,
        "express-html-in-code",
        "--api-key",
        "pk_test_standup",
        "--delivery",
        "token-endpoint",
    )
    assert "bestchatbot" not in (root / "public/login.html").read_text()
    with node_server(root, "server.js") as browser:
        status = browser.get("/status").text
        assert WIDGET in status and "/bestchatbot-identity.js" in status
        assert browser.get("/bestchatbot-identity.js").status == 200
        anonymous = browser.get("/api/widget-token")
        assert (anonymous.status, anonymous.json()) == (401, {"token": None})
        assert anonymous.headers["Cache-Control"] == "no-store"
        home = browser.post("/signup", form={"email": "Ada@Example.com", "password": "pw"})
        assert "/bestchatbot-identity.js" in home.text and token_in(home.text) is None
        signed_in = browser.get("/api/widget-token")
        assert signed_in.status == 200 and signed_in.headers["Cache-Control"] == "no-store"
        assert_contract(
            verify(signed_in.json()["token"]), email="ada@example.com", name=None, user_id="1"
        )


def test_express5_firebase_views(tmp_path: Path, signing_key: str) -> None:
    """Express 5 (read from package.json): the async middleware leaves a rejection to Express
    instead of catching it, and runs after the static files; Firebase session cookies under the
    app's own cookie name, checked for revocation as the app checks them."""
    root = prepared(tmp_path, "express5-firebase-views", "--api-key", "pk_test_planner")
    module = (root / "src/bestchatbot.js").read_text()
    assert "export async function bestchatbotToken(req, res, next) {" in module
    assert "next(err)" not in module and "verifySessionCookie(sessionCookie, true)" in module
    project_id = "planner-test"
    with FakeFirebaseAuth(project_id) as firebase:
        firebase.add_user("uid-julia", "Julia.Child@Example.COM", "Julia Child")
        firebase.add_user("anon", "left-over@example.com", provider="anonymous")
        env = {
            "FIREBASE_AUTH_EMULATOR_HOST": firebase.host,
            "FIREBASE_PROJECT_ID": project_id,
            **counting(root),
        }
        with node_server(root, "src/server.js", env=env) as browser:
            home = browser.get("/").text
            assert WIDGET in home and token_in(home) is None
            login = browser.post(
                "/sessionLogin", json_body={"idToken": firebase.id_token("uid-julia")}
            )
            assert login.status == 200, login.text
            for path in ("/", "/plan?week=next"):
                page = browser.get(path)
                token = token_in(page.text)
                assert token is not None, path
                assert_contract(
                    verify(token),
                    email="julia.child@example.com",
                    name="Julia Child",
                    user_id="uid-julia",
                )
                assert_renews(  # the async handler verifies the session cookie itself
                    browser,
                    page.text,
                    "/api/widget-token",
                    email="julia.child@example.com",
                    name="Julia Child",
                    user_id="uid-julia",
                )
            assert "next week" in page.text
            before = minted(root)
            assert browser.get("/assets/planner.css").status == 200
            assert minted(root) == before  # static files are served before it
            browser.post("/sessionLogout")
            assert token_in(browser.get("/").text) is None
            assert_guest_endpoint(browser, "/api/widget-token")
            guest = Client(browser.base)
            guest.post("/sessionLogin", json_body={"idToken": firebase.id_token("anon")})
            assert token_in(guest.get("/").text) is None
            assert_guest_endpoint(guest, "/api/widget-token")


def test_express4_firebase_keeps_the_try_catch(tmp_path: Path) -> None:
    """The same app on Express 4: its async middleware must hand errors to next() itself."""
    root = copy_fixture("express5-firebase-views", tmp_path)
    manifest = json.loads((root / "package.json").read_text())
    manifest["dependencies"]["express"] = "^4.21.2"
    (root / "package.json").write_text(json.dumps(manifest, indent=2) + "\n")
    apply_twice(root, "--api-key", "pk_test_planner")
    module = (root / "src/bestchatbot.js").read_text()
    assert "  } catch (err) {\n    next(err);\n  }" in module


def test_checkjs_javascript(tmp_path: Path, signing_key: str) -> None:
    """checkJs with strict: the generated JavaScript carries JSDoc types (the user read loosely,
    no declaration types it) and the project's own `tsc` still passes; the middleware follows
    passport's, though passport comes from a project module."""
    root = prepared(tmp_path, "express-checkjs", "--api-key", "pk_test_lab")
    module = (root / "src/bestchatbot.js").read_text()
    assert "@param {import('express').Request} req" in module
    assert "/** @type {Record<string, any> | undefined} */ (req.user)" in module
    assert (
        "@types/jsonwebtoken" in json.loads((root / "package.json").read_text())["devDependencies"]
    )
    app = (root / "src/app.js").read_text()
    assert app.index("app.use(bestchatbotToken);") > app.index("app.use(passport.session());")
    run_node_tool(root, TSC, "-p", "tsconfig.json")
    with node_server(root, "src/server.js") as browser:
        assert token_in(browser.get("/login").text) is None
        browser.post(
            "/register",
            form={
                "email": "Rosalind@KCL.ac.uk",
                "password": "photo51",
                "fullName": "Rosalind Franklin",
            },
        )
        bookings = browser.get("/bookings").text
        token = token_in(bookings)
        assert token is not None
        assert_contract(
            verify(token), email="rosalind@kcl.ac.uk", name="Rosalind Franklin", user_id="1"
        )
        assert_renews(  # the JSDoc-typed handler passed tsc
            browser,
            bookings,
            "/api/widget-token",
            email="rosalind@kcl.ac.uk",
            name="Rosalind Franklin",
            user_id="1",
        )
        browser.post("/logout")
        assert token_in(browser.get("/").text) is None


def test_checkjs_with_a_declared_user(tmp_path: Path) -> None:
    """An `Express.User` declaration types req.user: the module reads it as it is, and tsc
    passes."""
    root = copy_fixture("express-checkjs", tmp_path)
    declaration = root / "src/types/express.d.ts"
    declaration.parent.mkdir()
    declaration.write_text(
        "declare global {\n  namespace Express {\n    interface User {\n      id: number;\n"
        "      email: string;\n      fullName: string | null;\n    }\n  }\n}\n\nexport {};\n"
    )
    apply_twice(root, "--api-key", "pk_test_lab")
    module = (root / "src/bestchatbot.js").read_text()
    assert "const user = req.user;" in module
    install(root)
    run_node_tool(root, TSC, "-p", "tsconfig.json")


STRICTEST = {
    "package.json": json.dumps(
        {
            "name": "tiny-strict",
            "private": True,
            "type": "module",
            "dependencies": {"express": "^4.21.2", "express-session": "^1.18.1"},
            "devDependencies": {
                "@types/express": "^4.17.21",
                "@types/express-session": "^1.18.1",
                "@types/node": "^20.17.0",
                "typescript": "^5.9.2",
            },
        },
        indent=2,
    )
    + "\n",
    "tsconfig.json": json.dumps(
        {
            "compilerOptions": {
                "target": "ES2022",
                "module": "NodeNext",
                "moduleResolution": "NodeNext",
                "rootDir": "src",
                "outDir": "dist",
                "strict": True,
                "noUncheckedIndexedAccess": True,
                "exactOptionalPropertyTypes": True,
                "verbatimModuleSyntax": True,
                "noPropertyAccessFromIndexSignature": True,
                "noImplicitReturns": True,
                "noUnusedLocals": True,
                "noUnusedParameters": True,
                "skipLibCheck": True,
            },
            "include": ["src"],
        },
        indent=2,
    )
    + "\n",
    "src/server.ts": """\
import { app } from "./app.js";

app.listen(Number(process.env["PORT"] ?? 3000));
""",
    "src/app.ts": """\
import { randomUUID } from "node:crypto";

import express from "express";
import session from "express-session";

declare module "express-session" {
  interface SessionData {
    user: { id: string; email: string; name?: string };
  }
}

export const app = express();

app.use(express.urlencoded({ extended: false }));
app.use(
  session({
    secret: process.env["SESSION_SECRET"] ?? "tiny-strict-dev",
    resave: false,
    saveUninitialized: false,
  }),
);

function page(title: string, body: string): string {
  return `<!doctype html>
<html>
  <body>
    <h1>${title}</h1>
    ${body}
  </body>
</html>`;
}

app.post("/login", (req, res) => {
  const form = req.body as Record<string, string | undefined>;
  const email = form["email"] ?? "";
  const name = form["name"];
  req.session.user = { id: randomUUID(), email, ...(name ? { name } : {}) };
  res.redirect("/");
});

app.get("/", (req, res) => {
  const user = req.session.user;
  res.send(page("Home", user ? `<p>${user.email}</p>` : "<p>Guest</p>"));
});
""",
}


def test_typescript_strictest_flags(tmp_path: Path, signing_key: str) -> None:
    """strict, noUncheckedIndexedAccess, exactOptionalPropertyTypes, verbatimModuleSyntax and
    noPropertyAccessFromIndexSignature: the project type-checks before and after, and runs."""
    root = tmp_path / "tiny-strict"
    for path, text in STRICTEST.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    manifest = json.loads(STRICTEST["package.json"])
    install_with = {**manifest["dependencies"], **manifest["devDependencies"]}
    install_with |= {"jsonwebtoken": "^9.0.2", "@types/jsonwebtoken": "^9.0.7"}
    link_node_modules(root, npm_env(install_with))
    run_node_tool(root, TSC, "-p", "tsconfig.json")  # the project's own code passes first
    apply_twice(root, "--api-key", "pk_strict")
    module = (root / "src/bestchatbot.ts").read_text()
    assert 'process.env["BESTCHATBOT_SIGNING_KEY"]' in module
    app = (root / "src/app.ts").read_text()
    assert "function page(title: string, body: string, widgetToken?: string | null)" in app
    assert '    res.locals["bestchatbotToken"],\n  ));' in app
    run_node_tool(root, TSC, "-p", "tsconfig.json")
    with node_server(root, "dist/server.js") as browser:
        assert token_in(browser.get("/").text) is None
        browser.post("/login", form={"email": "Hedy@Lamarr.example", "name": "Hedy Lamarr"})
        token = token_in(browser.get("/").text)
        assert token is not None
        claims = verify(token)
        assert_contract(
            claims,
            email="hedy@lamarr.example",
            name="Hedy Lamarr",
            user_id=claims.payload["user_id"],
        )
