"""Express detection on small projects: the app, the module system, views, the user's fields
for passport / express-session / firebase-admin, and the questions when something is unclear."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from textwrap import dedent

import pytest

from scaffolder import engine
from scaffolder.errors import Refused, UsageError
from scaffolder.model import Answers, Inspection
from scaffolder.project import Project
from scaffolder.stacks.express import MANIFEST
from scaffolder.stacks.express.hooks import ExpressStack
from tests.helpers import FIXTURES, copy_fixture

PACKAGE = {"name": "demo", "dependencies": {"express": "^4.21.2"}}


def make(root: Path, files: dict[str, str], package: dict[str, object] | None = None) -> Path:
    manifest = {**PACKAGE, **(package or {})}
    (root / "package.json").write_text(json.dumps(manifest, indent=2) + "\n")
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(dedent(text))
    return root


def inspect(root: Path, **answers: str) -> Inspection:
    return engine.inspect(root, Answers(**answers))[1]


def plan_files(root: Path, **answers: str) -> dict[str, str]:
    result = engine.plan(root, Answers(**answers))
    return {e.path: e.after for e in result.plan.edits}


PASSPORT_APP = """\
    const express = require("express");
    const session = require("express-session");
    const passport = require("passport");
    require("./auth");

    const app = express();
    app.set("view engine", "ejs");
    app.use(session({ secret: "s" }));
    app.use(passport.session());
    module.exports = app;
"""
SIMPLE_PASSPORT = (
    'const passport = require("passport");\n'
    'passport.deserializeUser((id, done) => done(null, { id, email: "x" }));\n'
)
LAYOUT = "<html><body>\n  <%- body %>\n</body></html>\n"


# -- the app and the module system ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "package", "label", "language"),
    [
        pytest.param(
            {"app.js": "const app = require('express')();\nmodule.exports = app;\n"},
            {},
            "app.js:app",
            "javascript",
            id="inline-require",
        ),
        pytest.param(
            {
                "src/app.mjs": "import express from 'express';\n"
                "export function build() {\n  const server = express();\n  return server;\n}\n"
            },
            {},
            "src/app.mjs:server",
            "javascript",
            id="esm-factory",
        ),
        pytest.param(
            {"src/index.ts": 'import express from "express";\nexport const api = express();\n'},
            {"type": "module"},
            "src/index.ts:api",
            "typescript",
            id="typescript-exported-const",
        ),
    ],
)
def test_finds_the_app(
    tmp_path: Path, files: dict[str, str], package: dict[str, object], label: str, language: str
) -> None:
    insp = inspect(make(tmp_path, files, package))
    assert insp.stack.framework == "express"
    assert insp.stack.language == language
    assert insp.facts.found.app.label == label


def test_two_apps_is_a_question_then_an_answer(tmp_path: Path) -> None:
    root = make(
        tmp_path,
        {
            "web.js": "const express = require('express');\nconst web = express();\n",
            "admin.js": "const express = require('express');\nconst admin = express();\n",
        },
    )
    insp = inspect(root)
    assert [q.id for q in insp.questions] == ["app"]
    assert set(insp.questions[0].choices) == {"web.js:web", "admin.js:admin"}
    assert inspect(root, app="admin.js").facts.found.app.var == "admin"
    with pytest.raises(UsageError):
        inspect(root, app="nope.js")


def test_tests_and_client_code_are_not_the_app(tmp_path: Path) -> None:
    root = make(
        tmp_path,
        {
            "server.js": "const express = require('express');\nconst app = express();\n",
            "test/app.test.js": "const express = require('express');\nconst app = express();\n",
            "public/js/app.js": "const express = require('express');\nconst app = express();\n",
        },
    )
    assert inspect(root).facts.found.app.path == "server.js"


# -- views ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "views"),
    [
        pytest.param(
            "app.set('views', path.join(__dirname, 'templates'));", ["src/templates"], id="dirname"
        ),
        pytest.param("app.set('views', 'pages');", ["pages"], id="cwd-relative"),
        pytest.param(
            "app.set('views', path.resolve(__dirname, '..', 'views'));", ["views"], id="resolve-up"
        ),
        pytest.param(
            "const here = path.dirname(fileURLToPath(import.meta.url));\n"
            "app.set('views', [path.join(here, 'a'), path.join(here, 'b')]);",
            ["src/a", "src/b"],
            id="import-meta-array",
        ),
        pytest.param(
            "app.set('views', fileURLToPath(new URL('../shared/views', import.meta.url)));",
            ["shared/views"],
            id="new-url",
        ),
        pytest.param("app.set('views', config.viewsDir);", ["views"], id="unknown-falls-back"),
    ],
)  # fmt: skip
def test_views_directory(tmp_path: Path, code: str, views: list[str]) -> None:
    root = make(
        tmp_path,
        {
            "src/app.js": "const path = require('path');\n"
            "const { fileURLToPath } = require('url');\n"
            "const express = require('express');\nconst app = express();\n"
            "app.set('view engine', 'pug');\n" + code + "\n",
        },
    )
    facts = inspect(root).facts.found
    assert facts.views.engine == "pug"
    if "unknown" not in code:
        assert facts.views.dirs == views
    else:
        assert facts.views.dirs == ["views"]


def test_handlebars_and_nunjucks_engines(tmp_path: Path) -> None:
    hbs = make(
        tmp_path / "hbs" if (tmp_path / "hbs").mkdir() is None else tmp_path,
        {
            "app.js": "const express = require('express');\n"
            "const { engine } = require('express-handlebars');\nconst app = express();\n"
            "app.engine('handlebars', engine({ layoutsDir: __dirname + '/x' }));\n"
            "app.set('view engine', 'handlebars');\n",
        },
    )
    assert inspect(hbs).facts.found.views.engine == "handlebars"
    (tmp_path / "njk").mkdir()
    njk = make(
        tmp_path / "njk",
        {
            "app.js": "const express = require('express');\nconst nunjucks = require('nunjucks');\n"
            "const app = express();\nnunjucks.configure('templates', { express: app });\n"
            "app.set('view engine', 'njk');\n"
        },
    )
    facts = inspect(njk).facts.found
    assert (facts.views.engine, facts.views.dirs) == ("nunjucks", ["templates"])


# -- who is signed in -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("auth", "email", "name", "user_id"),
    [
        pytest.param(
            {
                "auth.js": """\
                    const passport = require("passport");
                    passport.deserializeUser((id, done) => {
                      const row = db.get(id);
                      done(null, { id: row.id, email: row.mail, displayName: row.nick });
                    });
                """
            },
            "req.user.email",
            "req.user.displayName",
            "req.user.id",
            id="object-literal-in-deserializeUser",
        ),
        pytest.param(
            {
                "auth.js": """\
                    const passport = require("passport");
                    passport.serializeUser((user, cb) => {
                      const { id, username, email } = user;
                      process.nextTick(() => cb(null, { id, username, emailAddress: email }));
                    });
                    passport.deserializeUser((user, cb) => {
                      process.nextTick(() => cb(null, user));
                    });
                """
            },
            "req.user.emailAddress",
            "req.user.username",
            "req.user.id",
            id="whole-user-in-the-session",
        ),
        pytest.param(
            {
                "auth.js": """\
                    const passport = require("passport");
                    const User = require("./models/user");
                    passport.deserializeUser((id, done) => {
                      User.findById(id).then((user) => done(null, user)).catch(done);
                    });
                """,
                "models/user.js": """\
                    const mongoose = require("mongoose");
                    const userSchema = new mongoose.Schema({
                      email: { type: String, unique: true },
                      profile: { firstName: String, lastName: String, name: String },
                    });
                    module.exports = mongoose.model("User", userSchema);
                """,
            },
            "req.user.email",
            "req.user.profile.name",  # a Mongoose nested path is always an object
            "req.user.id",  # every Mongoose document has `id`
            id="mongoose-schema-nested-profile",
        ),
        pytest.param(
            {
                "auth.js": """\
                    const passport = require("passport");
                    const { Account } = require("./account");
                    passport.deserializeUser(async (id, done) => {
                      done(null, await Account.load(id));
                    });
                """,
                "account.js": """\
                    class Account {
                      constructor(row) {
                        this.uuid = row.uuid;
                        this.email = row.email;
                        this.firstName = row.first;
                        this.lastName = row.last;
                      }
                      static async load(id) { return new Account(await db.one(id)); }
                    }
                    module.exports = { Account };
                """,
            },
            "req.user.email",
            '[req.user.firstName, req.user.lastName].filter(Boolean).join(" ")',
            "req.user.uuid",
            id="class-with-first-and-last-name",
        ),
        pytest.param(
            {
                "routes/login.js": """\
                    router.post("/login", async (req, res) => {
                      const member = await members.check(req.body);
                      const { email, name } = member;
                      req.session.member = { memberId: member.id, email, fullName: name };
                      res.redirect("/");
                    });
                """
            },
            "req.session.member.email",
            "req.session.member.fullName",
            None,
            id="express-session-object",
        ),
    ],
)
def test_user_fields(
    tmp_path: Path, auth: dict[str, str], email: str, name: str | None, user_id: str | None
) -> None:
    root = make(tmp_path, {"app.js": PASSPORT_APP, "views/layout.ejs": LAYOUT, **auth})
    insp = inspect(root, api_key="pk")
    got = insp.auth
    assert (got.email and got.email.expr, got.name and got.name.expr) == (email, name)
    assert (got.user_id.expr if got.user_id else None) == user_id


def test_session_user_without_email_asks_and_uses_the_answer(tmp_path: Path) -> None:
    root = make(
        tmp_path,
        {
            "app.js": PASSPORT_APP.replace('    require("./auth");\n', ""),
            "views/layout.ejs": LAYOUT,
            "routes.js": "function signIn(req, u) {\n"
            "  req.session.user = { id: u.id, login: u.login };\n}\n",
        },
    )
    insp = inspect(root, api_key="pk")
    assert insp.auth.library == "express-session"
    assert [q.id for q in insp.questions] == ["email_expr"]
    with pytest.raises(UsageError, match="may only use"):
        inspect(root, api_key="pk", email_expr="process.env.ADMIN_EMAIL")
    with pytest.raises(UsageError, match="not a JavaScript expression"):
        inspect(root, api_key="pk", email_expr="user.login +")
    files = plan_files(root, api_key="pk", email_expr='user.login + "@corp.example"')
    module = files["bestchatbot.js"]
    assert 'const email = user.login + "@corp.example";' in module
    assert "const name = user.login;" in module


@pytest.mark.parametrize(
    ("middleware", "source", "cookie"),
    [
        pytest.param(
            "const c = req.cookies.__session || '';\nadmin.auth().verifySessionCookie(c, true);",
            "cookie",
            "__session",
            id="named-cookie-through-a-variable",
        ),
        pytest.param(
            "getAuth().verifySessionCookie(req.cookies['sid'])",
            "cookie",
            "sid",
            id="subscript",
        ),
        pytest.param(
            "const token = (req.headers.authorization || '').split('Bearer ')[1];\n"
            "getAuth().verifyIdToken(token);",
            "bearer",
            None,
            id="id-token-bearer",
        ),
    ],
)
def test_firebase(tmp_path: Path, middleware: str, source: str, cookie: str | None) -> None:
    root = make(
        tmp_path,
        {
            "app.js": "const express = require('express');\nconst app = express();\n",
            "auth.js": f"async function check(req, res, next) {{\n{middleware}\n}}\n",
        },
    )
    choices = inspect(root).facts.choices
    assert choices.auth.library == "firebase"
    assert (choices.auth.firebase.source, choices.auth.firebase.cookie) == (source, cookie)
    assert choices.email.expr == "user.email"


def test_several_sign_ins_is_a_question(tmp_path: Path) -> None:
    root = make(
        tmp_path,
        {
            "app.js": PASSPORT_APP,
            "views/layout.ejs": LAYOUT,
            "auth.js": 'const passport = require("passport");\npassport.use(strategy);\n',
            "login.js": "req.session.user = { email: e };\n",
        },
    )
    insp = inspect(root, api_key="pk")
    assert [q.id for q in insp.questions] == ["auth"]
    assert insp.questions[0].text == (
        "Several sign-in mechanisms are used (passport, express-session): which one identifies "
        "the widget's user?"
    )
    assert inspect(root, api_key="pk", auth="express-session").auth.library == "express-session"
    with pytest.raises(UsageError):
        inspect(root, auth="devise")


def test_a_session_passport_keeps_users_in_is_no_rival_unless_answered(tmp_path: Path) -> None:
    root = make(
        tmp_path,
        {
            "app.js": PASSPORT_APP,
            "views/layout.ejs": LAYOUT,
            "auth.js": SIMPLE_PASSPORT,
            "login.js": "function signIn(req, u) {\n  req.session.user = { id: u.id };\n}\n",
        },
    )
    assert inspect(root, api_key="pk").auth.library == "passport"
    answered = inspect(root, api_key="pk", auth="express-session").auth
    # The session found in login.js, not a bare declaration: its evidence is reported.
    assert answered.library == "express-session"
    assert {e.file for e in answered.evidence} == {"login.js"}


# -- delivery, caches, CSP, conflicts --------------------------------------------------------------


def test_page_cache_prefers_the_endpoint(tmp_path: Path) -> None:
    root = make(
        tmp_path,
        {
            "app.js": PASSPORT_APP.replace(
                "const app = express();",
                'const apicache = require("apicache");\nconst app = express();\n'
                'app.use(express.static("public"));',
            ),
            "views/layout.ejs": LAYOUT,
            "auth.js": SIMPLE_PASSPORT,
            "public/app.css": "",
        },
        {"dependencies": {"express": "^4", "apicache": "^1"}},
    )
    insp = inspect(root, api_key="pk")
    assert insp.delivery == "token-endpoint"
    assert any("page cache" in n.message for n in insp.notes)
    files = plan_files(root, api_key="pk")
    assert 'app.get("/api/widget-token", widgetTokenHandler);' in files["app.js"]
    layout = files["views/layout.ejs"]
    assert "data-user-token" not in layout and "/bestchatbot-identity.js" in layout
    assert "public/bestchatbot-identity.js" in files


def test_helmet_csp_is_a_warning(tmp_path: Path) -> None:
    root = make(
        tmp_path,
        {
            "app.js": PASSPORT_APP.replace(
                "const app = express();",
                'const helmet = require("helmet");\nconst app = express();\napp.use(helmet());',
            ),
            "views/layout.ejs": LAYOUT,
            "auth.js": SIMPLE_PASSPORT,
        },
    )
    result = engine.plan(root, Answers(api_key="pk"))
    assert any("widget.bestchatbot.io" in w for w in result.plan.warnings)


def test_an_unrelated_bestchatbot_module_is_refused(tmp_path: Path) -> None:
    root = make(
        tmp_path,
        {
            "app.js": PASSPORT_APP,
            "views/layout.ejs": LAYOUT,
            "auth.js": SIMPLE_PASSPORT,
            "bestchatbot.js": "module.exports = { ask() {} };\n",
        },
    )
    with pytest.raises(Refused):
        engine.plan(root, Answers(api_key="pk"))


def test_api_only_app_gets_the_endpoint_and_a_snippet(tmp_path: Path) -> None:
    root = make(
        tmp_path,
        {
            "server.mjs": """\
                import express from "express";
                import session from "express-session";
                import { router } from "./api.mjs";
                const app = express();
                app.use(session({ secret: "s" }));
                app.use("/api/v2", router);
                app.listen(3000);
            """,
            "api.mjs": "export const router = 1;\n"
            'function login(req) { req.session.user = { id: 1, email: "e" }; }\n',
        },
    )
    insp = inspect(root)
    assert (insp.stack.rendering, insp.delivery) == ("api", "token-endpoint")
    result = engine.plan(root, Answers())
    files = {e.path: e.after for e in result.plan.edits}
    assert 'app.get("/api/v2/widget-token", widgetTokenHandler);' in files["server.mjs"]
    assert 'import { widgetTokenHandler } from "./bestchatbot.mjs";' in files["server.mjs"]
    assert "export function widgetTokenHandler" in files["bestchatbot.mjs"]
    assert any("setUserToken" in s for s in result.plan.next_steps)


def test_express_ejs_layouts_layout(tmp_path: Path) -> None:
    root = make(
        tmp_path,
        {
            "app.js": PASSPORT_APP.replace(
                "const app = express();",
                'const layouts = require("express-ejs-layouts");\n'
                "const app = express();\napp.use(layouts);",
            ),
            "auth.js": SIMPLE_PASSPORT,
            "views/layout.ejs": LAYOUT,
            "views/home.ejs": "<h1>Home</h1>\n",
            "views/about.ejs": "<h1>About</h1>\n",
        },
    )
    insp = inspect(root, api_key="pk")
    assert insp.widget.file == "views/layout.ejs"
    assert [x.template.path for x in insp.facts.choices.layouts] == ["views/layout.ejs"]
    assert insp.facts.choices.layouts[0].extenders == 2


def test_monorepo_package(tmp_path: Path) -> None:
    """The Express package of a workspace: paths under it, the install at the lockfile's root."""
    make(tmp_path, {"pnpm-lock.yaml": ""}, {"name": "mono", "dependencies": {}})
    app_dir = tmp_path / "apps" / "web"
    app_dir.mkdir(parents=True)
    make(app_dir, {"app.js": PASSPORT_APP, "auth.js": SIMPLE_PASSPORT, "views/layout.ejs": LAYOUT})
    result = engine.plan(tmp_path, Answers(api_key="pk"))
    assert result.inspection.stack.app_root == "apps/web"
    assert {e.path for e in result.plan.edits} == {
        "apps/web/bestchatbot.js",
        "apps/web/app.js",
        "apps/web/package.json",
        "apps/web/views/layout.ejs",
        "apps/web/.env.example",
        "apps/web/public/bestchatbot-identity.js",  # no static files: serving it is a next step
    }
    assert [(lock.argv, lock.cwd) for lock in result.plan.locks] == [
        (("pnpm", "install", "--lockfile-only"), ".")
    ]


def test_typescript_without_a_declared_user_type_reads_it_loosely(tmp_path: Path) -> None:
    root = make(
        tmp_path,
        {
            "src/app.ts": 'import express from "express";\nimport passport from "passport";\n'
            "export const app = express();\napp.use(passport.session());\n"
            'app.set("view engine", "ejs");\n',
            "src/auth.ts": 'import passport from "passport";\n'
            "passport.deserializeUser((id: string, done) => done(null, { id, email: id }));\n",
            "views/layout.ejs": LAYOUT,
        },
    )
    module = plan_files(root, api_key="pk")["src/bestchatbot.ts"]
    assert "const user = req.user as Record<string, any> | undefined;" in module


def test_no_session_middleware_to_mount_after_gives_the_snippet(tmp_path: Path) -> None:
    """Session middleware set up by a package the analysis cannot see into: no guessed edit of
    the app, the exact statement to paste instead."""
    root = make(
        tmp_path,
        {
            "app.js": 'const express = require("express");\nconst setup = require("@acme/auth");\n'
            'const app = express();\nsetup(app);\napp.set("view engine", "ejs");\n',
            "auth.js": SIMPLE_PASSPORT,
            "views/layout.ejs": LAYOUT,
        },
    )
    result = engine.plan(root, Answers(api_key="pk"))
    assert "app.js" not in {e.path for e in result.plan.edits}
    assert any("app.use(bestchatbotToken);" in s for s in result.plan.next_steps)
    assert result.plan.warnings


def test_cli_asks_for_the_email_and_writes_nothing(tmp_path: Path) -> None:
    from tests.helpers import run, tree_digest

    root = make(
        tmp_path,
        {
            "app.js": PASSPORT_APP.replace('    require("./auth");\n', ""),
            "views/layout.ejs": LAYOUT,
            "login.js": "function signIn(req, u) {\n  req.session.user = { id: u.id };\n}\n",
        },
    )
    before = tree_digest(root)
    result = run("apply", root, "--yes", "--api-key", "pk")
    assert result.exit_code == 3
    assert "--email-expr" in result.output
    assert tree_digest(root) == before


# -- triage ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", sorted(f.name for f in FIXTURES.glob("express-*")))
def test_signals_never_miss_a_detected_app(tmp_path: Path, fixture: str) -> None:
    project = Project(copy_fixture(fixture, tmp_path))
    assert ExpressStack().detect(project) is not None
    assert MANIFEST.signals is not None and MANIFEST.signals.match(project)


def test_triage_leaves_express_unimported_without_a_package_json(tmp_path: Path) -> None:
    (tmp_path / "app.js").write_text("const app = require('express')();\n")
    code = (
        "import sys; from pathlib import Path; from scaffolder import engine; "
        "from scaffolder.model import Answers; "
        f"engine.inspect(Path({str(tmp_path)!r}), Answers()); "
        "print('scaffolder.stacks.express.hooks' in sys.modules, "
        "'scaffolder.stacks.express' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.split() == ["False", "True"]
