"""Express apps shaped like real projects: passport set up in a config module it is handed to,
passport on top of express-session, Mongoose models (nested paths, `mongoose.Schema(...)`, the
implicit `id`), passport-jwt APIs under `/v1`, `/api` routes that render pages, views found
through `config.root`, pages without `<body>`, and a git-ignored `.env.example`."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffolder import engine
from scaffolder.model import Answers
from tests.test_express_detect import inspect, make, plan_files

APP = """\
    const express = require("express");
    const session = require("express-session");
    const passport = require("passport");
    const app = express();
    app.set("view engine", "ejs");
    require("./config/passport")(passport);
    app.use(session({ secret: "s" }));
    app.use(passport.initialize());
    app.use(passport.session());
    module.exports = app;
"""
HANDED = """\
    const User = require("../models/user");
    module.exports = function (passport) {
      passport.serializeUser((user, done) => done(null, user.id));
      passport.deserializeUser((id, done) => User.findById(id, done));
    };
"""
LAYOUT = "<html><body>\n  <%- body %>\n</body></html>\n"


def schema(fields: str, call: str = "new mongoose.Schema") -> str:
    return (
        'const mongoose = require("mongoose");\n'
        f"const userSchema = {call}({{\n{fields}\n}});\n"
        'module.exports = mongoose.model("User", userSchema);\n'
    )


def test_passport_handed_to_a_config_module(tmp_path: Path) -> None:
    root = make(
        tmp_path,
        {
            "app.js": APP,
            "config/passport.js": HANDED,
            "models/user.js": schema("  email: String,\n  name: String,"),
            "views/layout.ejs": LAYOUT,
        },
    )
    insp = inspect(root, api_key="pk")
    assert not insp.questions
    assert insp.auth.library == "passport"
    assert insp.auth.email is not None and insp.auth.email.expr == "req.user.email"
    assert any(e.file == "config/passport.js" for e in insp.auth.evidence)


ESM_APP = """\
    import express from "express";
    import session from "express-session";
    import passport from "passport";
    import { configurePassport } from "./config/passport.js";
    const app = express();
    app.set("view engine", "ejs");
    configurePassport(app, passport);
    app.use(session({ secret: "s" }));
    app.use(passport.session());
    export default app;
"""
ESM_HANDED = """\
    import User from "../models/user.js";
    export function configurePassport(app, auth) {
      auth.deserializeUser((id, done) => User.findById(id, done));
    }
"""


def test_passport_handed_to_an_es_module_function_under_another_name(tmp_path: Path) -> None:
    files = {
        "app.js": ESM_APP,
        "config/passport.js": ESM_HANDED,
        "models/user.js": schema("  email: String,")
        .replace('const mongoose = require("mongoose");', 'import mongoose from "mongoose";')
        .replace("module.exports = ", "export default "),
        "views/layout.ejs": LAYOUT,
    }
    insp = inspect(make(tmp_path, files, {"type": "module"}), api_key="pk")
    assert insp.auth.library == "passport"
    assert [e.file for e in insp.auth.evidence][:1] == ["config/passport.js"]
    assert insp.auth.email is not None and insp.auth.email.expr == "req.user.email"


def test_without_the_handing_call_no_passport(tmp_path: Path) -> None:
    """The parameter is passport only because the app passes passport to it."""
    app = APP.replace('    require("./config/passport")(passport);\n', "")
    files = {"app.js": app, "config/passport.js": HANDED, "views/layout.ejs": LAYOUT}
    insp = inspect(make(tmp_path, files), api_key="pk")
    assert insp.auth.library is None
    assert [q.id for q in insp.questions] == ["auth"]


@pytest.mark.parametrize(
    ("session_code", "question"),
    [
        pytest.param("req.session.pendingUserId = user.id;", False, id="ids-in-the-session"),
        pytest.param(
            "req.session.user = { id: user.id, email: user.email };", True, id="a-second-sign-in"
        ),
    ],
)
def test_passport_is_the_top_layer_over_express_session(
    tmp_path: Path, session_code: str, question: bool
) -> None:
    files = {
        "app.js": APP,
        "config/passport.js": HANDED,
        "models/user.js": schema("  email: String,"),
        "routes/login.js": f"exports.login = (req, res) => {{\n  {session_code}\n}};\n",
        "views/layout.ejs": LAYOUT,
    }
    insp = inspect(make(tmp_path, files), api_key="pk")
    assert ([q.id for q in insp.questions] == ["auth"]) is question
    assert insp.auth.library == (None if question else "passport")


@pytest.mark.parametrize(
    ("fields", "call", "email", "name"),
    [
        pytest.param(
            "  local: { email: String, password: String },\n"
            "  facebook: { id: String, email: String, name: String },",
            "mongoose.Schema",
            "req.user.local.email || req.user.facebook.email",  # each sign-in's users
            "req.user.facebook.name",
            id="passport-local-and-provider-groups-without-new",
        ),
        pytest.param(
            "  email: { type: String, required: true },\n"
            "  company: { name: String },\n"
            "  contact: { fullName: { type: String } },",
            "new mongoose.Schema",
            "req.user.email",
            "req.user.contact.fullName",
            id="field-definitions-and-a-company-name",
        ),
    ],
)
def test_mongoose_paths(
    tmp_path: Path, fields: str, call: str, email: str, name: str | None
) -> None:
    files = {
        "app.js": APP,
        "config/passport.js": HANDED,
        "models/user.js": schema(fields, call),
        "views/layout.ejs": LAYOUT,
    }
    insp = inspect(make(tmp_path, files), api_key="pk")
    assert insp.auth.email is not None and insp.auth.email.expr == email
    assert (insp.auth.name.expr if insp.auth.name else None) == name
    assert insp.auth.user_id is not None and insp.auth.user_id.expr == "req.user.id"


CONTROLLER_RENDERS = """\
    exports.getApi = (req, res) => {
      const load = async () => {
        const res = await fetch("https://example.com");
        return res.json();
      };
      res.render("api/index", { load });
    };
"""


@pytest.mark.parametrize(
    ("routes", "controller", "prefix"),
    [
        pytest.param('app.use("/v1", router);', None, ["/v1"], id="versioned-router"),
        pytest.param(
            'app.get("/api/demo", api.getApi);', CONTROLLER_RENDERS, [], id="api-pages-render"
        ),
        pytest.param(
            'app.get("/api/demo", api.getApi);',
            "exports.getApi = (req, res) => res.json({ ok: true });\n",
            ["/api"],
            id="api-routes-answer-json",
        ),
    ],
)
def test_api_prefix(tmp_path: Path, routes: str, controller: str | None, prefix: list[str]) -> None:
    app = APP.replace(
        "module.exports = app;",
        f'const router = express.Router();\nconst api = require("./controllers/api");\n'
        f"{routes}\nmodule.exports = app;",
    )
    files = {"app.js": app, "config/passport.js": HANDED, "views/layout.ejs": LAYOUT}
    if controller is not None:
        files["controllers/api.js"] = controller
    insp = inspect(make(tmp_path, files), api_key="pk")
    assert [f.value for f in insp.findings if f.kind == "api-prefix"] == prefix


def test_views_under_a_config_root(tmp_path: Path) -> None:
    app = APP.replace(
        'app.set("view engine", "ejs");',
        'const config = require("./config");\n'
        'app.set("views", config.root + "/app/views");\napp.set("view engine", "ejs");',
    )
    files = {
        "app.js": app,
        "config/index.js": 'module.exports = { root: require("path").join(__dirname, "..") };\n',
        "config/passport.js": HANDED,
        "app/views/layout.ejs": LAYOUT,
    }
    insp = inspect(make(tmp_path, files), api_key="pk")
    assert insp.stack.rendering == "server-rendered"
    assert insp.widget.file == "app/views/layout.ejs"


def test_stateless_passport_endpoint_authenticates_optionally(tmp_path: Path) -> None:
    app = """\
        const express = require("express");
        const passport = require("passport");
        const { jwtStrategy } = require("./config/passport");
        const app = express();
        app.use(passport.initialize());
        passport.use("jwt", jwtStrategy);
        app.use("/v1", require("./routes"));
        module.exports = app;
    """
    files = {
        "app.js": app,
        "routes.js": 'const passport = require("passport");\n'
        'module.exports = passport.authenticate("jwt", { session: false });\n',
        "config/passport.js": "exports.jwtStrategy = null;\n",
        "models/user.model.js": schema("  email: String,", "mongoose.Schema"),
    }
    planned = plan_files(make(tmp_path, files))
    mount = planned["app.js"]
    assert 'app.get(\n  "/v1/widget-token",\n' in mount
    assert 'passport.authenticate("jwt", { session: false }, (_err, user) => {' in mount
    assert mount.index("widgetTokenHandler,\n);") > mount.index("passport.initialize()")


def test_env_example_git_ignored_is_said(tmp_path: Path) -> None:
    files = {"app.js": APP, "config/passport.js": HANDED, "views/layout.ejs": LAYOUT}
    root = make(tmp_path, {**files, "models/user.js": schema("  email: String,")})
    (root / ".gitignore").write_text(".env*\n")
    result = engine.plan(root, Answers(api_key="pk"))
    assert any(".env.example is git-ignored" in w for w in result.plan.warnings)
    (root / ".gitignore").write_text(".env\n")
    result = engine.plan(root, Answers(api_key="pk"))
    assert not any("git-ignored" in w for w in result.plan.warnings)


PAGES_ONLY = """\
    const express = require("express");
    const session = require("express-session");
    const passport = require("passport");
    const pages = require("./routes/pages");
    const account = require("./routes/account");
    const locals = require("./config/locals");
    const app = express();
    app.set("view engine", "ejs");
    require("./config/passport")(passport);
    app.use(session({ secret: "s" }));
    app.use(passport.session());
    {after}
    module.exports = app;
"""


@pytest.mark.parametrize(
    ("after", "follows"),
    [
        pytest.param(
            'app.use(express.static("public"));\n    app.use(pages);',
            'app.use(express.static("public"));',
            id="past-the-static-files",
        ),
        pytest.param(
            'app.use("/api/v1", require("./routes/api"));\n    app.use(express.static("public"));'
            "\n    app.use(pages);",
            'app.use(express.static("public"));',
            id="past-the-api-mount-and-the-static-files",
        ),
        pytest.param(
            'app.get("/api/health", (req, res) => res.json({ ok: true }));\n'
            '    app.use("/api", require("./routes/api"));\n    app.get("/", home);',
            'app.use("/api", require("./routes/api"));',
            id="past-an-api-route",
        ),
        pytest.param(
            'app.use(pages);\n    app.use("/api", require("./routes/api"));',
            "app.use(passport.session());",
            id="api-after-the-pages-not-passed",
        ),
        pytest.param(
            'app.use("/", require("./routes/index"));\n    app.use(express.static("public"));',
            "app.use(passport.session());",
            id="a-router-stops-the-search",
        ),
        pytest.param(
            'app.use(flash());\n    app.use(express.static("public"));\n    app.get("/", home);',
            'app.use(express.static("public"));',
            id="middleware-in-between-is-passed",
        ),
        pytest.param(
            'app.use(require("./config/flash").flash);\n    app.use(locals);\n'
            '    app.use(express.static("public"));\n    app.use(pages);',
            'app.use(express.static("public"));',
            id="project-middleware-is-passed",
        ),
        pytest.param(
            'app.use(account);\n    app.use(express.static("public"));',
            "app.use(passport.session());",
            id="a-project-router-stops-the-search",
        ),
    ],
)
def test_token_middleware_runs_on_pages_only(tmp_path: Path, after: str, follows: str) -> None:
    files = {
        "app.js": PAGES_ONLY.replace("{after}", after),
        "config/flash.js": "exports.flash = (req, res, next) => next();\n",
        "config/locals.js": "module.exports = (req, res, next) => next();\n",
        "routes/account.js": 'const router = require("express").Router();\n'
        "module.exports = router;\n",
        "routes/pages.js": 'const { Router } = require("express");\nmodule.exports = Router();\n',
        "config/passport.js": HANDED,
        "routes/api.js": "module.exports = require('express').Router();\n",
        "views/layout.ejs": LAYOUT,
        "models/user.js": schema("  email: String,"),
    }
    app = plan_files(make(tmp_path, files), api_key="pk")["app.js"]
    # The renewal's endpoint goes right after the session, before the middleware's place.
    session = "app.use(passport.session());\n"
    prefix = "/api/v1" if "/api/v1" in after else "/api"
    endpoint = f'app.get("{prefix}/widget-token", widgetTokenHandler);\n'
    assert session + endpoint in app
    between = endpoint if follows + "\n" == session else ""
    assert f"{follows}\n{between}app.use(bestchatbotToken);\n" in app


def test_passport_from_a_module_that_re_exports_it(tmp_path: Path) -> None:
    """`const passport = require("./auth")`: its `passport.session()` is still passport's,
    and the token middleware follows it (req.user is set only after it)."""
    app = APP.replace('require("passport")', 'require("./config/auth")').replace(
        'require("./config/passport")(passport);\n', ""
    )
    files = {
        "app.js": app,
        "config/auth.js": 'const passport = require("passport");\n'
        "passport.deserializeUser((id, done) => done(null, { id, email: 'x' }));\n"
        "module.exports = passport;\n",
        "views/layout.ejs": LAYOUT,
    }
    planned = plan_files(make(tmp_path, files), api_key="pk")["app.js"]
    assert (
        "app.use(passport.session());\n"
        'app.get("/api/widget-token", widgetTokenHandler);\n'
        "app.use(bestchatbotToken);\n"
    ) in planned
