"""Renewal of inline tokens on Express (issue 15, long-open tabs): pages carrying the widget token
load the identity script (inline mode) right after the widget tag, from a folder the app serves
with `express.static`, and the token module also serves the endpoint it renews the token from.
The splice as before / after pairs, then the plan: what it adds, where, the noops, and what it
leaves as a next step. The browser script itself runs under node in test_identity_renewal.py; the
end-to-end tests (test_express_e2e.py, test_express_real_e2e.py) run the patched apps."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from scaffolder import engine
from scaffolder.js.syntax import Source
from scaffolder.model import Answers
from scaffolder.project import Project
from scaffolder.stacks.express import inline, renewal
from scaffolder.stacks.express import views as v
from scaffolder.stacks.express.index import Module
from scaffolder.writer import write_plan
from tests.test_express_detect import make
from tests.test_identity_renewal import run_script

SRC = "https://widget.bestchatbot.io/widget/v1/chat.js"
EJS_ATTR = (
    '<% if (locals.bestchatbotToken) { %> data-user-token="<%= locals.bestchatbotToken %>"<% } %>'
)
EJS_TAG = f'<script src="{SRC}" data-api-key="pk"{EJS_ATTR}></script>'
SCRIPT = '<script src="/bestchatbot-identity.js"></script>'
PUG_SCRIPT = "script(src='/bestchatbot-identity.js')"


def _after(engine: str, before: str, line: str) -> str:
    tags = v.find_tags(engine, before)
    assert len(tags) == 1
    at, added = v.after_tag(engine, before, tags[0], line)
    return before[:at] + added + before[at:]


@pytest.mark.parametrize(
    ("engine", "before", "line", "after"),
    [
        pytest.param(
            "ejs",
            f"  <main></main>\n  {EJS_TAG}\n</body>\n",
            SCRIPT,
            f"  <main></main>\n  {EJS_TAG}\n  {SCRIPT}\n</body>\n",
            id="ejs-a-line-of-its-own",
        ),
        pytest.param(
            "handlebars",
            f'<footer>x</footer><script src="{SRC}" async></script></body>',
            SCRIPT,
            f'<footer>x</footer><script src="{SRC}" async></script>{SCRIPT}</body>',
            id="markup-follows-on-the-line",
        ),
        pytest.param(
            "nunjucks",
            f'\t<script src="{SRC}"\r\n\t  data-api-key="pk"></script>\r\n</body>\r\n',
            SCRIPT,
            f'\t<script src="{SRC}"\r\n\t  data-api-key="pk"></script>\r\n\t{SCRIPT}\r\n'
            "</body>\r\n",
            id="attributes-over-lines-crlf",
        ),
        pytest.param(
            "pug",
            f"  body\n    script(src='{SRC}', data-user-token=bestchatbotToken)",
            PUG_SCRIPT,
            f"  body\n    script(src='{SRC}', data-user-token=bestchatbotToken)\n    {PUG_SCRIPT}",
            id="pug-end-of-file",
        ),
        pytest.param(
            "pug",
            f"body\n  script(\n    src='{SRC}'\n    data-api-key='pk'\n  )\n  footer\n",
            PUG_SCRIPT,
            f"body\n  script(\n    src='{SRC}'\n    data-api-key='pk'\n  )\n  {PUG_SCRIPT}\n"
            "  footer\n",
            id="pug-multi-line-attributes-then-a-sibling",
        ),
        pytest.param(
            "pug",
            f"body\n  script(src='{SRC}').\n    window.x = 1\n  footer\n",
            PUG_SCRIPT,
            f"body\n  script(src='{SRC}').\n    window.x = 1\n  {PUG_SCRIPT}\n  footer\n",
            id="pug-past-the-tags-nested-lines",
        ),
    ],
)
def test_after_the_widget_tag(engine: str, before: str, line: str, after: str) -> None:
    assert _after(engine, before, line) == after


@pytest.mark.parametrize(
    ("engine", "text", "url", "tag"),
    [
        pytest.param("ejs", "", "/static/a&b.js", '<script src="/static/a&amp;b.js"></script>'),
        pytest.param("pug", 'link(href="/x.css")\n', "/js/x.js", 'script(src="/js/x.js")'),
    ],
)
def test_script_tag_in_the_views_language(engine: str, text: str, url: str, tag: str) -> None:
    assert v.script_tag(engine, text, url) == tag


def test_after_the_tag_in_a_page_built_in_code() -> None:
    """In a template literal: right after the widget tag already in its <head>, not at the end
    of the body; a page already loading the script is left alone."""
    text = (
        "app.get('/', (req, res) => res.send(`<html><head>\n"
        f'    <script src="{SRC}" data-api-key="pk"></script>\n'
        "  </head><body>hi</body></html>`));\n"
    )
    mod = Module("app.js", Source.of("app.js", text), "commonjs")
    pages = [inline.CodePage("app.js", 0, 3, "res")]
    after = inline.after_tags(mod, pages, SCRIPT)
    assert after == text.replace("</script>\n", f"</script>\n    {SCRIPT}\n")
    assert inline.after_tags(mod.with_text(after), pages, SCRIPT) == after


# -- the plan -------------------------------------------------------------------------------------

APP = """\
    const express = require("express");
    const path = require("path");
    const session = require("express-session");

    const app = express();
    app.set("view engine", "ejs");
    app.use(session({ secret: "s", resave: false, saveUninitialized: false }));
    app.use(express.static(path.join(__dirname, "public")));
    app.post("/login", (req, res) => {
      req.session.user = { id: 1, email: req.body.email };
      res.redirect("/");
    });
    app.get("/", (req, res) => res.render("home"));
    module.exports = app;
"""
LAYOUT = """\
    <html>
      <body>
        <%- include('partials/nav') %>
        <script src="/js/app.js"></script>
      </body>
    </html>
"""


def plan(root: Path, **answers: str) -> engine.Result:
    return engine.plan(root, Answers(api_key="pk", **answers))


def test_the_page_renews_its_token(tmp_path: Path) -> None:
    """The endpoint mounted right after the session (before the middleware passes the static
    files), the handler in the module, the script beside the app's own scripts, loaded right
    after the tag, outside its condition: guests load it too (it fetches nothing for them)."""
    (root := tmp_path / "app").mkdir()
    make(root, {"app.js": APP, "views/home.ejs": LAYOUT, "public/js/app.js": ""})
    result = plan(root)
    files = {e.path: e.after for e in result.plan.edits}
    assert set(files) >= {"bestchatbot.js", "app.js", "views/home.ejs"}
    assert (
        'app.use(session({ secret: "s", resave: false, saveUninitialized: false }));\n'
        'app.get("/api/widget-token", widgetTokenHandler);\n'
        'app.use(express.static(path.join(__dirname, "public")));\n'
        "app.use(bestchatbotToken);\n"
    ) in files["app.js"]
    assert (
        'const { bestchatbotToken, widgetTokenHandler } = require("./bestchatbot");'
        in (files["app.js"])
    )
    module = files["bestchatbot.js"]
    assert "function bestchatbotToken(req, res, next) {" in module
    assert "function widgetTokenHandler(req, res) {" in module
    assert "module.exports = { widgetClaims, signWidgetToken, bestchatbotToken, " in module
    script = files["public/js/bestchatbot-identity.js"]
    assert "tag?.dataset.userToken" in script and 'const ENDPOINT = "/api/widget-token";' in script
    assert (
        f'    {EJS_TAG}\n    <script src="/js/bestchatbot-identity.js"></script>\n  </body>'
    ) in files["views/home.ejs"]
    (harness := tmp_path / "harness").mkdir()
    guest = run_script(script, harness, page_token=None, actions=[{"advance": 7200}])
    assert guest.events == [] and guest.pending == []  # a guest's page fetches nothing
    write_plan(root, result.plan)
    again = plan(root)
    assert again.plan.edits == []


def test_under_the_api_prefix_and_a_static_mount_path(tmp_path: Path) -> None:
    app = APP.replace(
        'app.use(express.static(path.join(__dirname, "public")));',
        'app.use("/assets", express.static(path.join(__dirname, "public")));\n'
        '    app.use("/api/v2", require("./routes/api"));',
    )
    files = {
        "app.js": app,
        "routes/api.js": "module.exports = require('express').Router();\n",
        "views/home.ejs": LAYOUT.replace('<script src="/js/app.js"></script>\n', ""),
    }
    planned = {e.path: e.after for e in plan(make(tmp_path, files)).plan.edits}
    assert 'app.get("/api/v2/widget-token", widgetTokenHandler);' in planned["app.js"]
    assert '<script src="/assets/bestchatbot-identity.js"></script>' in planned["views/home.ejs"]
    assert "/api/v2/widget-token" in planned["public/bestchatbot-identity.js"]


def test_a_relative_script_src_is_not_where_views_load_it_from() -> None:
    """A view is rendered at many URLs: only an absolute `src` places the script."""
    statics = [("public", "/")]
    page = ("views/page.html", '<script src="js/app.js"></script>')
    assert renewal.script_location(statics, [page], relative=False) == (
        "public/bestchatbot-identity.js",
        "/bestchatbot-identity.js",
    )
    assert renewal.script_location(statics, [page], relative=True) == (
        "views/js/bestchatbot-identity.js",
        "js/bestchatbot-identity.js",
    )


def test_an_app_without_static_files_is_told_how_to_serve_it(tmp_path: Path) -> None:
    app = APP.replace(
        'app.use(express.static(path.join(__dirname, "public")));\n',
        'app.set("views", path.join(__dirname, "views"));\n',
    )
    root = make(tmp_path, {"src/app.js": app, "src/views/home.ejs": LAYOUT})
    result = plan(root)
    files = {e.path: e.after for e in result.plan.edits}
    assert "widgetTokenHandler" in files["src/app.js"]
    assert "tag?.dataset.userToken" in files["public/bestchatbot-identity.js"]
    assert "bestchatbot-identity.js" not in files["src/views/home.ejs"]  # not served: not loaded
    assert any(
        step.startswith("src/app.js serves no static files")
        and 'app.use(express.static(path.join(__dirname, "..", "public")))' in step
        and f"{SCRIPT} in src/views/home.ejs" in step
        for step in result.plan.next_steps
    ), result.plan.next_steps


def test_an_app_already_loading_the_script_keeps_it(tmp_path: Path) -> None:
    layout = LAYOUT.replace("/js/app.js", "/js/bestchatbot-identity.js")
    files = {"app.js": APP, "views/home.ejs": layout, "public/js/bestchatbot-identity.js": "// x\n"}
    result = plan(make(tmp_path, files))
    planned = {e.path: e.after for e in result.plan.edits}
    assert "public/js/bestchatbot-identity.js" not in planned
    assert planned["views/home.ejs"].count("bestchatbot-identity.js") == 1
    assert ("views/home.ejs", "identity script already loaded") in [
        (s.path, s.why) for s in result.plan.skipped
    ]


def test_a_token_module_from_before_renewal(tmp_path: Path) -> None:
    """The middleware's module without the endpoint (written before renewal): kept, nothing
    mounted that it does not export, and a next step says how to get renewal."""
    root = make(tmp_path, {"app.js": APP, "views/home.ejs": LAYOUT, "public/js/app.js": ""})
    write_plan(root, plan(root, delivery="script-attribute").plan)
    module = root / "bestchatbot.js"
    old = module.read_text()
    start = old.index("/**\n * GET /api/widget-token")
    old = old[:start] + old[old.index("module.exports") :]
    module.write_text(old.replace(", widgetTokenHandler };", " };"))
    app = root / "app.js"
    app.write_text(
        app.read_text()
        .replace('app.get("/api/widget-token", widgetTokenHandler);\n', "")
        .replace("{ bestchatbotToken, widgetTokenHandler }", "{ bestchatbotToken }")
    )
    (root / "public/js/bestchatbot-identity.js").unlink()
    view = root / "views/home.ejs"
    view.write_text(
        view.read_text().replace('<script src="/js/bestchatbot-identity.js"></script>\n    ', "")
    )
    result = plan(root)
    assert result.plan.edits == []
    assert any("bestchatbot.js predates the renewal" in s for s in result.plan.next_steps)


def test_an_app_with_the_middleware_gets_the_endpoint(tmp_path: Path) -> None:
    """The middleware mounted (a module moved aside and planned again): only the endpoint is
    added, its name joining the existing require."""
    app = APP.replace(
        'const session = require("express-session");\n',
        'const session = require("express-session");\n'
        '    const { bestchatbotToken } = require("./bestchatbot");\n',
    ).replace('    app.post("/login"', '    app.use(bestchatbotToken);\n    app.post("/login"')
    files = {"app.js": app, "views/home.ejs": LAYOUT, "public/js/app.js": ""}
    planned = {e.path: e.after for e in plan(make(tmp_path, files)).plan.edits}
    assert planned["app.js"].count("app.use(bestchatbotToken);") == 1
    assert (
        'const { bestchatbotToken, widgetTokenHandler } = require("./bestchatbot");'
        in (planned["app.js"])
    )
    assert (
        'saveUninitialized: false }));\napp.get("/api/widget-token", widgetTokenHandler);\n'
    ) in planned["app.js"]


def test_no_renewal_where_requests_carry_a_bearer_token(tmp_path: Path) -> None:
    """A passport strategy authenticating each request (or Firebase ID tokens sent as bearer
    tokens): a cookie-credentialed fetch cannot renew anything."""
    root = make(tmp_path, {"app.js": APP, "views/home.ejs": LAYOUT, "public/js/app.js": ""})
    project = Project(root)
    _, insp = engine.inspect(root, Answers(api_key="pk"))
    facts, choices = insp.facts.found, insp.facts.choices
    assert renewal.applies(project, facts, choices, "bestchatbot.js")
    bearer = dataclasses.replace(choices, auth=dataclasses.replace(choices.auth, strategy="jwt"))
    assert not renewal.applies(project, facts, bearer, "bestchatbot.js")
    assert renewal.steps(project, facts, bearer, "bestchatbot.js") == []


def test_the_endpoint_delivery_is_unchanged(tmp_path: Path) -> None:
    """`--delivery token-endpoint`: no middleware, no inline mode."""
    root = make(tmp_path, {"app.js": APP, "views/home.ejs": LAYOUT, "public/js/app.js": ""})
    planned = {e.path: e.after for e in plan(root, delivery="token-endpoint").plan.edits}
    assert "bestchatbotToken" not in planned["app.js"]
    assert "dataset.userToken" not in planned["public/js/bestchatbot-identity.js"]


def test_pages_built_in_code_load_it_after_the_tag(tmp_path: Path) -> None:
    page = "res.send(`<html><body>\n      <p>hi</p>\n    </body></html>`)"
    app = APP.replace('res.render("home")', page)
    planned = {e.path: e.after for e in plan(make(tmp_path, {"app.js": app})).plan.edits}
    assert (
        f'"pk"${{widgetTokenAttribute(res.locals.bestchatbotToken)}}></script>\n  {SCRIPT}\n</body>'
    ) in planned["app.js"]
