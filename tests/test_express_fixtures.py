"""The Express fixtures planned in-process (fast; the end-to-end tests run them): which files
each apply touches, and that a second plan on the result is empty."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffolder import engine
from scaffolder.model import Answers
from scaffolder.writer import write_plan
from tests.helpers import copy_fixture

CASES = [
    pytest.param(
        "express-passport-ejs",
        {"api_key": "pk"},
        {
            "bestchatbot.js", "app.js", "package.json", ".env.example",
            "views/index.ejs", "views/recipe.ejs", "views/account.ejs", "views/login.ejs",
            "views/signup.ejs", "views/not-found.ejs", "public/bestchatbot-identity.js",
        },
        id="passport-ejs-full-pages",
    ),
    pytest.param(
        "express-passport-pug",
        {"api_key": "pk"},
        {
            "bestchatbot.js", "app.js", "package.json", ".env.example", "views/layout.pug",
            "public/javascripts/bestchatbot-identity.js",
        },
        id="passport-pug-layout",
    ),
    pytest.param(
        "express-session-hbs",
        {},
        {
            "src/bestchatbot.js", "src/app.js", "package.json", ".env.example",
            "src/views/layouts/main.hbs", "public/bestchatbot-identity.js",
        },
        id="session-handlebars",
    ),
    pytest.param(
        "express-firebase",
        {"api_key": "pk"},
        {
            "middleware/bestchatbot.js", "app.js", "package.json", ".env.example",
            "public/index.html", "public/js/bestchatbot-identity.js",
        },
        id="firebase-spa",
    ),
    pytest.param(
        "express-ts",
        {"api_key": "pk"},
        {
            "src/bestchatbot.ts", "src/app.ts", "package.json", ".env.example",
            "views/partials/footer.ejs", "public/bestchatbot-identity.js",
        },
        id="typescript-footer-partial",
    ),
    pytest.param(
        "express-passport-module",
        {"api_key": "pk"},
        {
            "bestchatbot.js", "server.js", "package.json", ".env.example",
            "views/index.ejs", "views/login.ejs", "views/register.ejs",
            "public/bestchatbot-identity.js",
        },
        id="passport-handed-to-a-module-pages-without-body",
    ),
    pytest.param(
        "express-passport-jwt",
        {},
        {"src/middlewares/bestchatbot.js", "src/app.js", "package.json", ".env.example"},
        id="passport-jwt-mongoose-v1-api",
    ),
    pytest.param(
        "express-jwt-api",
        {},
        {"src/bestchatbot.js", "src/app.js", ".env.example"},
        id="passport-jwt-memory-users-jsonwebtoken-present",
    ),
    pytest.param(
        "express-html-in-code",
        {"api_key": "pk"},
        {
            "bestchatbot.js", "app.js", "package.json", ".env.example",
            "lib/layout.js", "routes/pages.js", "public/bestchatbot-identity.js",
        },
        id="html-built-in-code-mailer-untouched",
    ),
    pytest.param(
        "express-html-in-code",
        {"api_key": "pk", "delivery": "token-endpoint"},
        {
            "bestchatbot.js", "app.js", "package.json", ".env.example",
            "lib/layout.js", "routes/pages.js", "public/bestchatbot-identity.js",
        },
        id="html-built-in-code-endpoint-not-the-static-sign-in-page",
    ),
    pytest.param(
        "express5-firebase-views",
        {"api_key": "pk"},
        {
            "src/bestchatbot.js", "src/app.js", "package.json", ".env.example",
            "views/partials/footer.ejs", "public/bestchatbot-identity.js",
        },
        id="express5-firebase-footer-partial",
    ),
    pytest.param(
        "express-checkjs",
        {"api_key": "pk"},
        {
            "src/bestchatbot.js", "src/app.js", "package.json", ".env.example",
            "views/partials/footer.ejs", "public/bestchatbot-identity.js",
        },
        id="checkjs-footer-partial",
    ),
    pytest.param(
        "express-mongoose-projection",
        {"api_key": "pk"},
        {
            "bestchatbot.js", "config/express.js", "package.json", ".env.example",
            "app/views/partials/footer.ejs", "config/passport.js",
            "public/bestchatbot-identity.js",
        },
        id="deserialize-projection-gets-the-email-model-untouched",
    ),
    pytest.param(
        "express-jose-session",
        {"api_key": "pk"},
        {
            "bestchatbot.js", "app.js", ".env.example", "views/layout.pug",
            "public/bestchatbot-identity.js",  # not served: a next step
        },
        id="jose-reused-package-json-untouched",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("fixture", "answers", "files"), CASES)
def test_plan_then_noop(
    tmp_path: Path, fixture: str, answers: dict[str, str], files: set[str]
) -> None:
    root = copy_fixture(fixture, tmp_path)
    result = engine.plan(root, Answers(**answers))
    assert not result.inspection.questions
    assert {e.path for e in result.plan.edits} == files
    write_plan(root, result.plan)
    again = engine.plan(root, Answers(**answers))
    assert again.plan.edits == []


def test_generated_module_reads_like_the_project(tmp_path: Path) -> None:
    """Quotes, semicolons and indentation follow each app module."""
    plans = {}
    for name in ("express-session-hbs", "express-ts"):
        result = engine.plan(copy_fixture(name, tmp_path), Answers(api_key="pk"))
        plans[name] = {e.path: e.after for e in result.plan.edits}
    hbs = plans["express-session-hbs"]["src/bestchatbot.js"]
    assert "import jwt from 'jsonwebtoken'\n" in hbs and ";" not in hbs.replace("; ", "")
    ts = plans["express-ts"]["src/bestchatbot.ts"]
    assert 'import jwt from "jsonwebtoken";' in ts and "\n    const user = req.user;" in ts
