"""What the installed Express and the project's type checking change in the generated module:
Express 5 leaves an async middleware's rejection to the router (4 needs the try/catch), read
from the lockfile before the range; checked JavaScript (`checkJs`, `// @ts-check`) gets JSDoc
types and `@types/jsonwebtoken`; TypeScript's noPropertyAccessFromIndexSignature gets bracket
access; API prefixes keep their literal segments (path-to-regexp v8 rejects `*`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_express_detect import inspect, make, plan_files

FIREBASE_APP = """\
    const express = require("express");
    const cookieParser = require("cookie-parser");
    const { getAuth } = require("firebase-admin/auth");
    const app = express();
    app.set("view engine", "ejs");
    app.use(cookieParser());
    app.get("/", async (req, res) => {
      const user = await getAuth().verifySessionCookie(req.cookies.session, true);
      res.render("home", { user });
    });
    module.exports = app;
"""
SESSION_APP = """\
    const express = require("express");
    const session = require("express-session");
    const app = express();
    app.set("view engine", "ejs");
    app.use(session({ secret: "s" }));
    app.post("/login", (req, res) => {
      req.session.user = { id: 1, email: req.body.email, name: req.body.name };
      res.redirect("/");
    });
    module.exports = app;
"""
VIEWS = {"views/home.ejs": "<html><body><%= user %></body></html>\n"}
CATCH = "  } catch (err) {\n    next(err);\n  }"


def lockfile(express: str) -> str:
    return json.dumps(
        {
            "lockfileVersion": 3,
            "packages": {"": {}, "node_modules/express": {"version": express}},
        }
    )


@pytest.mark.parametrize(
    ("declared", "locked", "express5"),
    [
        pytest.param("^4.21.2", None, False, id="range-4"),
        pytest.param("^5.1.0", None, True, id="range-5"),
        pytest.param("*", "5.1.0", True, id="lockfile-5-over-a-loose-range"),
        pytest.param(">=4", "4.21.2", False, id="lockfile-4"),
        pytest.param("latest", None, False, id="unknown-as-4"),
    ],
)
def test_async_middleware_per_express_major(
    tmp_path: Path, declared: str, locked: str | None, express5: bool
) -> None:
    files = {"app.js": FIREBASE_APP, **VIEWS}
    if locked is not None:
        files["package-lock.json"] = lockfile(locked)
    package = {"dependencies": {"express": declared, "firebase-admin": "^13.0.2"}}
    module = plan_files(make(tmp_path, files, package), api_key="pk")["bestchatbot.js"]
    assert "async function bestchatbotToken(req, res, next) {" in module
    assert (CATCH not in module) is express5
    assert ("Express 5 hands a rejection to the app's error handler." in module) is express5


def test_async_endpoint_per_express_major(tmp_path: Path) -> None:
    files = {"app.js": FIREBASE_APP, **VIEWS}
    package = {"dependencies": {"express": "^5.1.0", "firebase-admin": "^13.0.2"}}
    (tmp_path / "5").mkdir()
    module = plan_files(
        make(tmp_path / "5", files, package), api_key="pk", delivery="token-endpoint"
    )["bestchatbot.js"]
    assert "async function widgetTokenHandler(req, res) {" in module and CATCH not in module
    package["dependencies"]["express"] = "^4.21.2"
    (tmp_path / "4").mkdir()
    module = plan_files(
        make(tmp_path / "4", files, package), api_key="pk", delivery="token-endpoint"
    )["bestchatbot.js"]
    assert "async function widgetTokenHandler(req, res, next) {" in module and CATCH in module


@pytest.mark.parametrize(
    ("extra", "jsdoc", "pragma"),
    [
        pytest.param({}, False, False, id="unchecked-javascript"),
        pytest.param(
            {"jsconfig.json": '{ "compilerOptions": { "checkJs": true } }\n'},
            True,
            False,
            id="jsconfig-checkjs",
        ),
        pytest.param(
            {"tsconfig.json": '{\n  // checked JavaScript\n  "compilerOptions": {"allowJs": true, '
             '"checkJs": true}\n}\n'},
            True,
            False,
            id="tsconfig-checkjs-with-comments",
        ),
        pytest.param({"pragma": ""}, True, True, id="ts-check-pragma"),
    ],
)  # fmt: skip
def test_checked_javascript(
    tmp_path: Path, extra: dict[str, str], jsdoc: bool, pragma: bool
) -> None:
    files = {"app.js": SESSION_APP, **VIEWS}
    if extra.pop("pragma", None) is not None:
        files["app.js"] = "// @ts-check\n" + SESSION_APP
    files.update(extra)
    package = {"dependencies": {"express": "^4.21.2", "express-session": "^1.18.1"}}
    if jsdoc:
        package["devDependencies"] = {"@types/express": "^4.17.21", "typescript": "^5.9.2"}
    planned = plan_files(make(tmp_path, files, package), api_key="pk")
    module = planned["bestchatbot.js"]
    assert ('@param {import("express").Request} req' in module) is jsdoc
    assert ("/** @type {WidgetClaims} */" in module) is jsdoc
    assert module.startswith("// @ts-check\n") is pragma
    loose = "/** @type {Record<string, any>} */ (/** @type {unknown} */ (req.session)).user"
    assert (loose in module) is jsdoc
    types = "@types/jsonwebtoken" in json.loads(planned["package.json"]).get("devDependencies", {})
    assert types is jsdoc


def test_checked_javascript_without_express_types(tmp_path: Path) -> None:
    files = {
        "app.js": SESSION_APP,
        **VIEWS,
        "jsconfig.json": '{"compilerOptions":{"checkJs":true}}',
    }
    module = plan_files(make(tmp_path, files), api_key="pk")["bestchatbot.js"]
    assert "@param {any} req" in module and "import(" not in module


def test_bracket_access_under_no_property_access_from_index_signature(tmp_path: Path) -> None:
    app = SESSION_APP.replace(
        'const express = require("express");', 'import express from "express";'
    )
    app = app.replace(
        'const session = require("express-session");', 'import session from "express-session";'
    )
    app = app.replace("module.exports = app;", "export default app;")
    tsconfig = {"compilerOptions": {"strict": True, "noPropertyAccessFromIndexSignature": True}}
    files = {"src/app.ts": app, **VIEWS, "tsconfig.json": json.dumps(tsconfig)}
    module = plan_files(make(tmp_path, files), api_key="pk")["src/bestchatbot.ts"]
    assert 'const key = process.env["BESTCHATBOT_SIGNING_KEY"];' in module
    assert 'res.locals["bestchatbotToken"] = token;' in module


@pytest.mark.parametrize(
    ("mount", "prefix"),
    [
        pytest.param('"/api/v1"', ["/api/v1"], id="literal"),
        pytest.param('"/api/:version"', ["/api"], id="parameter-cut"),
        pytest.param('"/api/*"', ["/api"], id="express4-wildcard-cut"),
        pytest.param('"/:tenant/api"', [], id="no-literal-head"),
    ],
)
def test_api_prefix_literal_segments(tmp_path: Path, mount: str, prefix: list[str]) -> None:
    app = SESSION_APP.replace(
        "module.exports = app;", f"app.use({mount}, require('./api'));\nmodule.exports = app;"
    )
    insp = inspect(make(tmp_path, {"app.js": app, "api.js": "module.exports = 1;\n", **VIEWS}))
    assert [f.value for f in insp.findings if f.kind == "api-prefix"] == prefix
