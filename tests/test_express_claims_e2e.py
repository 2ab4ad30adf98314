"""End to end on Express shapes from real projects (issue 15): the user loaded by passport's
deserializeUser through a projection that leaves the email out (express-mongoose-demo in the
corpus: `User.load()` selecting 'name username'), the project's own JWT library reused (jose 5
and 6, required or imported), every claim the session holds (first + last name, the id kept in
`req.session.userId`, a Mongoose `_id` from a lean query), and pages carrying a token marked
`Cache-Control: private` without loosening a stricter `no-store`. Each patched app is installed
from npm, boots under node (the Mongoose one on a MongoDB-compatible server from PyPI, as the
corpus runs it), and a user signs in through its own routes."""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.realworld import cache, mongodb
from tests.helpers import (
    FIXTURES,
    apply_twice,
    assert_contract,
    assert_missing_key_logged_once,
    copy_fixture,
    token_in,
    verify,
)
from tests.test_express_e2e import WIDGET, Client, install, node_server, run_node_tool

pytestmark = pytest.mark.e2e
OBJECT_ID = re.compile(r"^[0-9a-f]{24}$")
LINK = re.compile(r"sign-in link for \S+: (http://\S+)")


@pytest.fixture
def mongodb_url(tmp_path: Path) -> Iterator[str]:
    work = tmp_path / "mongodb"
    work.mkdir()
    try:
        with mongodb.server(work) as url:
            yield url
    except cache.InstallError as err:
        pytest.skip(f"no MongoDB-compatible server here: {err}")


def cache_control(response_headers: dict[str, str]) -> str:
    return response_headers.get("Cache-Control", "")


def test_projection_leaving_the_email_out(
    tmp_path: Path, signing_key: str, mongodb_url: str
) -> None:
    """deserializeUser loads members through a Mongoose static whose default projection has no
    email: apply passes the default plus the email at that call only, so the profile pages the
    same static serves still show no email; the lean query's `_id` is the user_id."""
    model = (FIXTURES / "express-mongoose-projection/app/models/member.js").read_text()
    root = copy_fixture("express-mongoose-projection", tmp_path)
    applied = apply_twice(root, "--api-key", "pk_test_supper")
    assert "config/passport.js" in applied.changed
    assert (root / "app/models/member.js").read_text() == model
    assert "fields: 'displayName handle email'" in (root / "config/passport.js").read_text()
    install(root)
    with node_server(root, "server.js", env={"MONGODB_URL": mongodb_url}) as browser:
        guest = browser.get("/")
        assert WIDGET in guest.text and token_in(guest.text) is None
        assert "private" not in cache_control(guest.headers)  # guests' pages stay cacheable
        joined = browser.post(
            "/signup",
            form={
                "displayName": "Julia Child",
                "handle": "julia",
                "email": "Julia.Child@Example.COM",
                "password": "bon-appetit",
            },
        )
        assert joined.url.endswith("/") and "Julia Child" in joined.text
        home = browser.get("/")
        assert cache_control(home.headers) == "private"
        token = token_in(home.text)
        assert token is not None
        claims = verify(token)
        assert OBJECT_ID.match(claims.payload["user_id"])
        assert_contract(
            claims,
            email="julia.child@example.com",
            name="Julia Child",
            user_id=claims.payload["user_id"],
        )
        account = browser.get("/account")  # the app's own no-store stays
        assert token_in(account.text) is not None
        assert cache_control(account.headers) == "no-store"
        profile = browser.get("/members/julia").text  # another caller of the same static
        assert "@julia" in profile and "julia.child@example.com" not in profile.lower()

        browser.post("/logout")
        assert token_in(browser.get("/").text) is None
        browser.post("/login", form={"email": "Julia.Child@Example.COM", "password": "bon-appetit"})
        again = token_in(browser.get("/").text)
        assert again is not None and verify(again).payload["user_id"] == claims.payload["user_id"]


def _jose_variant(root: Path, variant: str) -> None:
    """The fixture as shipped (jose 6 loaded with `await import()`, Node >= 18.17), or jose 5
    required as CommonJS."""
    if variant == "jose5-require":
        manifest = json.loads((root / "package.json").read_text())
        manifest["dependencies"]["jose"] = "^5.9.6"
        (root / "package.json").write_text(json.dumps(manifest, indent=2) + "\n")
        links = (root / "lib/links.js").read_text()
        links = links.replace('const { SignJWT } = await import("jose");\n', "")
        links = links.replace('const { jwtVerify } = await import("jose");\n', "")
        (root / "lib/links.js").write_text(
            'const { SignJWT, jwtVerify } = require("jose");\n' + links
        )


@pytest.mark.parametrize(
    ("variant", "loads"),
    [
        pytest.param("jose6-import", 'await import("jose")', id="jose-6-dynamic-import"),
        pytest.param("jose5-require", 'require("jose")', id="jose-5-required"),
    ],
)
def test_the_projects_jose_signs(
    tmp_path: Path, signing_key: str, variant: str, loads: str
) -> None:
    """An app already on jose (its sign-in links) gets a token module signing with jose,
    loaded as the app loads it, and no second JWT library; the name is first + last, the id
    is the one kept in req.session.userId; a page the app makes public is reported."""
    root = copy_fixture("express-jose-session", tmp_path)
    _jose_variant(root, variant)
    manifest = (root / "package.json").read_text()
    applied = apply_twice(root, "--api-key", "pk_test_fieldlog")
    assert "package.json" not in applied.changed and (root / "package.json").read_text() == manifest
    assert "routes/pages.js:11: sets Cache-Control: public, max-age=300" in applied.output
    module = (root / "bestchatbot.js").read_text()
    assert loads in module and "jsonwebtoken" not in module
    install(root)
    with node_server(root, "app.js") as browser:
        guest = browser.get("/")
        assert WIDGET in guest.text and token_in(guest.text) is None
        assert "private" not in cache_control(guest.headers)
        sent = browser.post(
            "/auth/login",
            form={"email": "Mary.Anning@Lyme.example", "firstName": "Mary", "lastName": "Anning"},
        )
        assert "Check your e-mail" in sent.text
        links = LINK.findall((root / "node-server.log").read_text())
        assert links, (root / "node-server.log").read_text()
        link = urllib.parse.urlsplit(links[-1])
        home = browser.get(f"{link.path}?{link.query}")
        assert home.url.endswith("/") and "Welcome back, Mary." in home.text
        assert cache_control(home.headers) == "private"
        token = token_in(home.text)
        assert token is not None
        assert_contract(
            verify(token), email="mary.anning@lyme.example", name="Mary Anning", user_id="100"
        )
        about = browser.get("/about")  # the app's own header, set after the middleware
        assert token_in(about.text) is not None
        assert cache_control(about.headers) == "public, max-age=300"
        browser.post("/auth/logout")
        assert token_in(browser.get("/").text) is None


TS_APP = {
    "package.json": json.dumps(
        {
            "name": "tide-tables",
            "private": True,
            "type": "module",
            "scripts": {"build": "tsc -p tsconfig.json"},
            "dependencies": {
                "express": "^5.1.0",
                "express-session": "^1.18.1",
                "jose": "^6.1.0",
            },
            "devDependencies": {
                "@types/express": "^5.0.0",
                "@types/express-session": "^1.18.1",
                "@types/node": "^22.10.0",
                "typescript": "^5.7.2",
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
                "strict": True,
                "exactOptionalPropertyTypes": True,
                "noUncheckedIndexedAccess": True,
                "outDir": "dist",
                "rootDir": "src",
                "skipLibCheck": True,
            },
            "include": ["src"],
        },
        indent=2,
    )
    + "\n",
    "src/session.d.ts": """\
import "express-session";

declare module "express-session" {
  interface SessionData {
    accountId: number;
    user: { email: string; displayName?: string };
  }
}
""",
    "src/api-keys.ts": """\
import { SignJWT } from "jose";

// Keys for the public tide API: a JWT naming the account.
export async function apiKey(accountId: number, secret: string): Promise<string> {
  return new SignJWT({ sub: String(accountId) })
    .setProtectedHeader({ alg: "HS256" })
    .sign(new TextEncoder().encode(secret));
}
""",
    "src/server.ts": """\
import express from "express";
import session from "express-session";

const app = express();
app.use(express.urlencoded({ extended: false }));
app.use(session({ secret: "tides", resave: false, saveUninitialized: false }));

app.post("/login", (req, res) => {
  req.session.accountId = 42;
  req.session.user = { email: String(req.body.email), displayName: "Grace Darling" };
  res.redirect("/");
});

app.get("/", (req, res) => {
  const who = req.session.user ? req.session.user.displayName : "guest";
  res.send(`<!doctype html>
<html>
  <body>
    <p>High tide at 06:12, ${who}.</p>
  </body>
</html>`);
});

app.listen(Number(process.env.PORT ?? 3000));
""",
}


def test_typescript_esm_with_jose_and_a_declared_session(tmp_path: Path, signing_key: str) -> None:
    """TypeScript (NodeNext, strict, exactOptionalPropertyTypes) on Express 5 and jose 6:
    `import { SignJWT }`, the id from `req.session.accountId` as SessionData declares it, and
    the project's own tsc accepts it."""
    root = tmp_path / "tide-tables"
    for path, text in TS_APP.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    applied = apply_twice(root, "--api-key", "pk_test_tides")
    assert "package.json" not in applied.changed
    module = (root / "src/bestchatbot.ts").read_text()
    assert 'import { SignJWT } from "jose";' in module
    assert "const userId = req.session.accountId;" in module
    install(root)
    run_node_tool(root, "node_modules/typescript/bin/tsc", "-p", "tsconfig.json")
    with node_server(root, "dist/server.js") as browser:
        assert token_in(browser.get("/").text) is None
        home = browser.post("/login", form={"email": "Grace@Longstone.example"})
        token = token_in(home.text)
        assert token is not None and cache_control(home.headers) == "private"
        assert_contract(
            verify(token), email="grace@longstone.example", name="Grace Darling", user_id="42"
        )
        assert token_in(Client(browser.base).get("/").text) is None


def test_jose_without_the_key(tmp_path: Path, no_signing_key: None) -> None:
    """BESTCHATBOT_SIGNING_KEY unset: the jose-signing middleware renders signed-in pages as
    for a guest (cacheable, no token) and logs one error."""
    root = copy_fixture("express-jose-session", tmp_path)
    apply_twice(root, "--api-key", "pk_test_fieldlog")
    install(root)
    with node_server(root, "app.js") as browser:
        browser.post("/auth/login", form={"email": "mary@lyme.example", "firstName": "Mary"})
        link = urllib.parse.urlsplit(LINK.findall((root / "node-server.log").read_text())[-1])
        signed_in = browser.get(f"{link.path}?{link.query}")
        for home in (signed_in, browser.get("/")):
            assert home.status == 200 and "Welcome back, Mary." in home.text
            assert WIDGET in home.text and "data-user-token" not in home.text
            assert "private" not in cache_control(home.headers)
    assert_missing_key_logged_once((root / "node-server.log").read_text())
