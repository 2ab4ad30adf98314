"""The token module's signer and claims on small Express projects: the project's own JWT library
(jsonwebtoken, jose 4 / 5 / 6; CommonJS loading jose 6 by `require()` only where the declared
Node version can), every claim the user or the session holds (a `name` group, first + last name,
provider groups, the id kept beside the user in the session), and the `private` mark on pages
carrying a token, with a warning where the app makes such a page public."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scaffolder import engine
from scaffolder.model import Answers
from tests.test_express_detect import make, plan_files

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


def lockfile(**versions: str) -> str:
    packages = {f"node_modules/{n}": {"version": v} for n, v in versions.items()}
    return json.dumps({"lockfileVersion": 3, "packages": {"": {}, **packages}})


def planned(tmp_path: Path, files: dict[str, str], package: dict[str, object]) -> dict[str, str]:
    return plan_files(make(tmp_path, {**VIEWS, **files}, package), api_key="pk")


# -- the signer --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dependencies", "extra", "expected", "absent"),
    [
        pytest.param(
            {"jose": "^5.9.6"},
            {},
            'const { SignJWT } = require("jose");',
            ("jsonwebtoken", "import("),
            id="jose-5-commonjs",
        ),
        pytest.param(
            {"jose": "^6.1.0"},
            {},
            'const { SignJWT } = await import("jose");',
            ("jsonwebtoken", 'require("jose")'),
            id="jose-6-commonjs-node-unknown",
        ),
        pytest.param(
            {"jose": "^6.1.0"},
            {"engines": {"node": ">=22.12"}},
            'const { SignJWT } = require("jose");',
            ("import(",),
            id="jose-6-commonjs-on-node-22.12",
        ),
        pytest.param(
            {"jose": "^6.1.0"},
            {"engines": {"node": "^20.18.0"}},
            'const { SignJWT } = await import("jose");',
            ('require("jose")',),
            id="jose-6-commonjs-on-node-20.18",
        ),
        pytest.param(
            {"jose": "*", "__lock__": "6.1.3"},
            {},
            'const { SignJWT } = await import("jose");',
            (),
            id="jose-6-from-the-lockfile",
        ),
        pytest.param(
            {"jose": "^6.1.0", "jsonwebtoken": "^9.0.2"},
            {},
            'const jwt = require("jsonwebtoken");',
            ("SignJWT",),
            id="both-jsonwebtoken-first",
        ),
        pytest.param(
            {"jose": "^2.0.7"},
            {},
            'const jwt = require("jsonwebtoken");',
            ("SignJWT",),
            id="jose-2-predates-SignJWT",
        ),
    ],
)
def test_the_projects_jwt_library(
    tmp_path: Path,
    dependencies: dict[str, str],
    extra: dict[str, object],
    expected: str,
    absent: tuple[str, ...],
) -> None:
    files = {"app.js": SESSION_APP}
    locked = dependencies.pop("__lock__", None)
    if locked is not None:
        files["package-lock.json"] = lockfile(jose=locked)
    package = {"dependencies": {"express": "^4.21.2", **dependencies}, **extra}
    out = planned(tmp_path, files, package)
    module = out["bestchatbot.js"]
    assert expected in module
    assert not any(a in module for a in absent)
    added = json.loads(out.get("package.json", json.dumps(package))).get("dependencies", {})
    assert ("jsonwebtoken" in added) is ("jsonwebtoken" in module)
    if "SignJWT" in module:
        assert "package.json" not in out  # never a second JWT library
        assert "async function signWidgetToken(claims)" in module
        assert "await signWidgetToken(claims)" in module


def test_commonjs_follows_how_the_project_loads_jose(tmp_path: Path) -> None:
    """jose 6 on an undeclared Node, but the project's own code requires it: so does ours."""
    files = {"app.js": SESSION_APP, "lib/keys.js": 'const { jwtVerify } = require("jose");\n'}
    package = {"dependencies": {"express": "^4.21.2", "jose": "^6.1.0"}}
    assert 'require("jose")' in planned(tmp_path, files, package)["bestchatbot.js"]


def test_esm_imports_jose(tmp_path: Path) -> None:
    app = (
        SESSION_APP.replace('const express = require("express");', 'import express from "express";')
        .replace(
            'const session = require("express-session");', 'import session from "express-session";'
        )
        .replace("module.exports = app;", "export default app;")
    )
    package = {"type": "module", "dependencies": {"express": "^5.1.0", "jose": "^6.1.0"}}
    module = planned(tmp_path, {"app.js": app}, package)["bestchatbot.js"]
    assert 'import { SignJWT } from "jose";' in module
    assert "export async function bestchatbotToken(req, res, next) {" in module
    assert "next(err)" not in module  # Express 5 hands the rejection to the error handler


# -- the claims --------------------------------------------------------------------------------

PASSPORT_APP = """\
    const express = require("express");
    const session = require("express-session");
    const passport = require("passport");
    const User = require("./models/user");
    const app = express();
    app.set("view engine", "ejs");
    app.use(session({ secret: "s" }));
    app.use(passport.session());
    passport.deserializeUser((id, done) => User.findById(id, done));
    module.exports = app;
"""


def user_model(fields: str) -> str:
    return (
        'const mongoose = require("mongoose");\n'
        f"const userSchema = new mongoose.Schema({{\n{fields}\n}});\n"
        'module.exports = mongoose.model("User", userSchema);\n'
    )


@pytest.mark.parametrize(
    ("fields", "name"),
    [
        pytest.param(
            "  email: String,\n  name: { first: String, last: String },",
            '[req.user.name.first, req.user.name.last].filter(Boolean).join(" ")',
            id="a-name-group-is-not-a-name",
        ),
        pytest.param(
            "  email: String,\n  firstName: String,\n  lastName: String,\n  username: String,",
            '[req.user.firstName, req.user.lastName].filter(Boolean).join(" ")',
            id="first-and-last-over-the-handle",
        ),
        pytest.param(
            "  email: String,\n  profile: { givenName: String, familyName: String },",
            '[req.user.profile.givenName, req.user.profile.familyName].filter(Boolean).join(" ")',
            id="first-and-last-in-the-profile",
        ),
        pytest.param(
            "  local: { email: String },\n  github: { email: String, displayName: String },\n"
            "  google: { email: String, name: String },",
            "req.user.github.displayName || req.user.google.name",
            id="each-providers-name",
        ),
        pytest.param("  email: String,\n  username: String,", "req.user.username", id="handle"),
    ],
)
def test_user_name(tmp_path: Path, fields: str, name: str) -> None:
    files = {"app.js": PASSPORT_APP, "models/user.js": user_model(fields), **VIEWS}
    insp = engine.inspect(make(tmp_path, files), Answers(api_key="pk"))[1]
    assert insp.auth.name is not None and insp.auth.name.expr == name
    assert insp.auth.user_id is not None and insp.auth.user_id.expr == "req.user.id"


def test_provider_groups_each_give_their_email(tmp_path: Path) -> None:
    fields = "  local: { email: String },\n  google: { id: String, email: String },"
    files = {"app.js": PASSPORT_APP, "models/user.js": user_model(fields), **VIEWS}
    insp = engine.inspect(make(tmp_path, files), Answers(api_key="pk"))[1]
    assert insp.auth.email is not None
    assert insp.auth.email.expr == "req.user.local.email || req.user.google.email"


SESSION_ID_APP = """\
    const express = require("express");
    const session = require("express-session");
    const app = express();
    app.set("view engine", "ejs");
    app.use(session({ secret: "s" }));
    app.post("/login", (req, res) => {
      req.session.accountId = 7;
      req.session.user = { email: req.body.email };
      res.redirect("/");
    });
    module.exports = app;
"""


def test_the_id_kept_beside_the_session_user(tmp_path: Path) -> None:
    insp = engine.inspect(make(tmp_path, {"app.js": SESSION_ID_APP, **VIEWS}), Answers())[1]
    assert insp.auth.user_id is not None and insp.auth.user_id.expr == "req.session.accountId"
    module = plan_files(tmp_path, api_key="pk")["bestchatbot.js"]
    assert "const userId = req.session.accountId;\n  if (userId != null)" in module


@pytest.mark.parametrize(
    ("declared", "read"),
    [
        pytest.param(
            "",
            "const userId = (req.session as unknown as Record<string, any>).accountId;",
            id="undeclared-read-loosely",
        ),
        pytest.param(
            'declare module "express-session" {\n'
            "  interface SessionData { accountId: number; user: { email: string } }\n}\n",
            "const userId = req.session.accountId;",
            id="declared-read-as-typed",
        ),
    ],
)
def test_the_session_id_in_typescript(tmp_path: Path, declared: str, read: str) -> None:
    app = (
        SESSION_ID_APP.replace(
            'const express = require("express");', 'import express from "express";'
        )
        .replace(
            'const session = require("express-session");', 'import session from "express-session";'
        )
        .replace("module.exports = app;", "export default app;")
    )
    files = {"src/app.ts": app, "tsconfig.json": '{"compilerOptions":{"strict":true}}', **VIEWS}
    if declared:
        files["src/session.d.ts"] = 'import "express-session";\n' + declared
    module = plan_files(make(tmp_path, files), api_key="pk")["src/bestchatbot.ts"]
    assert read in module


# -- pages carrying a token are private ---------------------------------------------------------


def test_the_middleware_marks_pages_with_a_token_private(tmp_path: Path) -> None:
    module = planned(tmp_path, {"app.js": SESSION_APP}, {})["bestchatbot.js"]
    mint = module[module.index("function bestchatbotToken") :]
    assert (
        "  res.locals.bestchatbotToken = token;\n"
        '  if (token && !/\\b(?:no-store|private)\\b/i.test(res.get("Cache-Control") || "")) {\n'
        '    res.set("Cache-Control", "private");\n'
        "  }\n"
        "  next();\n"
    ) in mint


@pytest.mark.parametrize(
    ("route", "warned"),
    [
        pytest.param('res.set("Cache-Control", "public, max-age=600");', True, id="public"),
        pytest.param("res.set({ 'Cache-Control': 's-maxage=60' });", True, id="s-maxage-object"),
        pytest.param('res.setHeader("cache-control", "private, max-age=60");', False, id="private"),
        pytest.param('res.set("Cache-Control", "no-store");', False, id="no-store"),
    ],
)
def test_a_route_making_pages_public_is_a_warning(tmp_path: Path, route: str, warned: bool) -> None:
    app = SESSION_APP.replace(
        "module.exports = app;",
        f'app.get("/about", (req, res) => {{\n  {route}\n  res.render("home");\n}});\n'
        "module.exports = app;",
    )
    root = make(tmp_path, {"app.js": app, **VIEWS})
    warnings = engine.plan(root, Answers(api_key="pk")).plan.warnings
    assert any(w.startswith("app.js:11: sets Cache-Control") for w in warnings) is warned
    endpoint = engine.plan(root, Answers(api_key="pk", delivery="token-endpoint")).plan.warnings
    assert not any("sets Cache-Control" in w for w in endpoint)  # no inline token there
