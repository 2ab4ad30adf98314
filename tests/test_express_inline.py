"""Pages whose HTML an Express app builds in code (template literals): which literals are pages
(sent by a route, directly or through a layout function) and which are not (e-mail bodies,
helpers whose result nobody sends), and the edits as before / after pairs with a noop for each:
the tag before `</body>`, the token attribute on a tag already there, the layout function's
token parameter (JSDoc too) and its callers' new argument."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from scaffolder import engine
from scaffolder.js.style import Style
from scaffolder.js.syntax import Source
from scaffolder.model import Answers
from scaffolder.project import Project
from scaffolder.stacks.express import inline
from scaffolder.stacks.express.index import JsIndex, Module
from scaffolder.stacks.express.inline import Caller, CodePage
from tests.test_express_detect import make, plan_files

TAG = '<script src="https://widget.bestchatbot.io/widget/v1/chat.js" data-api-key="pk"'
ATTR = "${widgetTokenAttribute(%s)}"
LOCALS_TAG = TAG + ATTR % "res.locals.bestchatbotToken" + "></script>"
PARAM_TAG = TAG + ATTR % "widgetToken" + "></script>"
ROUTE = "app.get('/', (req, res) => res.send(`%s`));\n"


def pages(tmp_path: Path, files: dict[str, str]) -> list[CodePage]:
    root = make(tmp_path, files)
    return inline.find(JsIndex(Project(root), ".", None))


def module(path: str, text: str) -> Module:
    return Module(path, Source.of(path, dedent(text)), "commonjs")


def locals_read(res: str) -> str:
    return f"{res}.locals.bestchatbotToken"


def tag(token: str) -> str:
    return inline.tag_html("pk", token)


DOC = "<!doctype html>\n<html>\n  <body>\n    ${body}\n  </body>\n</html>"


# -- which literals are pages ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "found"),
    [
        pytest.param(
            {"app.js": f"app.get('/', (req, res) => res.send(`{DOC}`));\n"},
            [("app.js", "res", None)],
            id="sent-inline",
        ),
        pytest.param(
            {"app.js": f"app.get('/', (req, reply) => {{ reply.status(200).send(`{DOC}`); }});\n"},
            [("app.js", "reply", None)],
            id="sent-after-status-by-another-name",
        ),
        pytest.param(
            {
                "app.js": "app.get('/', (req, res) => {\n"
                f"  const html = `{DOC}`;\n  res.send(html);\n}});\n"
            },
            [("app.js", "res", None)],
            id="through-a-variable",
        ),
        pytest.param(
            {
                "views/x.js": "",
                "lib/layout.js": f"function layout(body) {{\n  return `{DOC}`;\n}}\n"
                "module.exports = { layout };\n",
                "routes.js": "const { layout } = require('./lib/layout');\n"
                "r.get('/', (req, res) => res.send(layout('<p>hi</p>')));\n",
            },
            [("lib/layout.js", None, "layout")],
            id="layout-function-imported-by-name",
        ),
        pytest.param(
            {
                "page.js": f"module.exports = (body) => `{DOC}`;\n",
                "routes.js": "const page = require('./page');\n"
                "r.get('/', async (req, res) => {\n"
                "  const html = page('x');\n  res.send(html);\n});\n",
            },
            [("page.js", None, "page")],
            id="default-export-arrow",
        ),
        pytest.param(
            {
                "mail.js": f"function welcome(body) {{\n  return `{DOC}`;\n}}\n"
                "mailer.sendMail({ html: welcome('hi') });\n",
            },
            [],
            id="e-mail-body-not-a-page",
        ),
        pytest.param(
            {"mail.js": f"transport.sendMail({{ to, html: `{DOC}` }});\n"},
            [],
            id="e-mail-literal-not-a-page",
        ),
        pytest.param(
            {"app.js": "app.get('/', (req, res) => res.send(`<p>${body}</p>`));\n"},
            [],
            id="fragment-without-body-close",
        ),
        pytest.param(
            {"app.js": f"const socket = connect();\nsocket.send(`{DOC}`);\n"},
            [],
            id="sent-by-something-that-is-no-parameter",
        ),
    ],
)
def test_find_pages(
    tmp_path: Path, files: dict[str, str], found: list[tuple[str, str | None, str | None]]
) -> None:
    assert [(p.path, p.res, p.function) for p in pages(tmp_path, files)] == found


def test_layout_function_callers(tmp_path: Path) -> None:
    files = {
        "layout.js": f"exports.render = function (title, body) {{\n  return `{DOC}`;\n}};\n",
        "a.js": "const views = require('./layout');\n"
        "r.get('/', (req, res) => res.send(views.render('A', 'a')));\n"
        "function wrap(x) { return views.render('W', x); }\n",
        "b.js": "const { render } = require('./layout.js');\n"
        "r.get('/b', (req, res) => res.end(render('B')));\n",
    }
    (page,) = pages(tmp_path, files)
    assert (page.function, page.params) == ("views.render", 2)
    assert [(c.path, c.callee, c.ordinal, c.res) for c in page.sent_by] == [
        ("a.js", "views.render", 0, "res"),
        ("b.js", "render", 0, "res"),
    ]
    assert [(c.path, c.line) for c in page.unsent] == [("a.js", 3)]


def test_rest_parameter_is_a_problem(tmp_path: Path) -> None:
    files = {
        "app.js": f"function page(...parts) {{\n  return `{DOC}`;\n}}\n"
        "r.get('/', (req, res) => res.send(page('a')));\n"
    }
    (page,) = pages(tmp_path, files)
    assert page.problem == "page() takes a rest parameter"


# -- the edits ------------------------------------------------------------------------------------


def one_page(text: str, path: str = "app.js") -> list[CodePage]:
    """The pages of a module on its own (no other module calls its layout functions)."""
    mod = module(path, text)
    index_pages = []
    for ordinal, literal in enumerate(inline.literals(mod.source)):
        res = inline.sent_with(mod, literal)
        fn = None if res else inline.returned_by(mod, literal)
        index_pages.append(CodePage(path, ordinal, 1, res, function="page" if fn else None))
    return index_pages


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param(
            """\
            app.get('/', (req, res) => {
              res.send(`<html>
              <body>
                <p>hi</p>
              </body>
            </html>`);
            });
            """,
            f"""\
            app.get('/', (req, res) => {{
              res.send(`<html>
              <body>
                <p>hi</p>
                {LOCALS_TAG}
              </body>
            </html>`);
            }});
            """,
            id="inline-page",
        ),
        pytest.param(
            ROUTE % "<body><p>hi</p></body>",
            ROUTE % f"<body><p>hi</p>{LOCALS_TAG}</body>",
            id="one-line-page",
        ),
        pytest.param(
            """\
            function page(title, body) {
              return `<body>
                ${body}
              </body>`;
            }
            """,
            f"""\
            function page(title, body, widgetToken) {{
              return `<body>
                ${{body}}
                {PARAM_TAG}
              </body>`;
            }}
            """,
            id="layout-function",
        ),
        pytest.param(
            """\
            /**
             * @param {string} title
             * @param {string} body the page's main
             *   content, already escaped
             * @returns {string}
             */
            const page = (title, body) => `<body>${body}</body>`;
            """,
            f"""\
            /**
             * @param {{string}} title
             * @param {{string}} body the page's main
             *   content, already escaped
             * @param {{string | null}} [widgetToken] the widget token (res.locals.bestchatbotToken)
             * @returns {{string}}
             */
            const page = (title, body, widgetToken) => `<body>${{body}}{PARAM_TAG}</body>`;
            """,
            id="layout-arrow-with-jsdoc",
        ),
        pytest.param(
            ROUTE % f"<body>{TAG}></script></body>",
            ROUTE % f"<body>{LOCALS_TAG}</body>",
            id="tag-already-there",
        ),
    ],
)
def test_edit_pages(before: str, after: str) -> None:
    mod = module("app.js", before)
    edited = inline.edit_pages(mod, one_page(before), tag, locals_read, ts=False)
    assert edited == dedent(after)
    again = module("app.js", edited)
    assert inline.edit_pages(again, one_page(edited), tag, locals_read, ts=False) == edited


def test_edit_pages_typescript() -> None:
    before = "export function page(body: string): string {\n  return `<body>${body}</body>`;\n}\n"
    mod = Module("page.ts", Source.of("page.ts", before), "esm")
    edited = inline.edit_pages(mod, one_page(before, "page.ts"), tag, locals_read, ts=True)
    assert edited.startswith(
        "export function page(body: string, widgetToken?: string | null): string {\n"
    )


CALLER = Caller("routes.js", "page", 0, 1, "res")


@pytest.mark.parametrize(
    ("before", "params", "after"),
    [
        pytest.param(
            "res.send(page('Home', body));\n",
            2,
            "res.send(page('Home', body, res.locals.bestchatbotToken));\n",
            id="appended",
        ),
        pytest.param(
            "res.send(page('Home'));\n",
            3,
            "res.send(page('Home', undefined, undefined, res.locals.bestchatbotToken));\n",
            id="padded-for-omitted-parameters",
        ),
        pytest.param(
            "r.get('/', (req, res) => {\n"
            "  res.send(page('Today', `<ul>${items}</ul>`, user));\n});\n",
            3,
            "r.get('/', (req, res) => {\n  res.send(page(\n    'Today',\n    `<ul>${items}</ul>`,\n"
            "    user,\n    res.locals.bestchatbotToken,\n  ));\n});\n",
            id="broken-one-argument-a-line-past-the-width",
        ),
        pytest.param(
            "res.send(\n  page(\n    'Home',\n    body,\n  ),\n);\n",
            2,
            "res.send(\n  page(\n    'Home',\n    body,\n"
            "    res.locals.bestchatbotToken,\n  ),\n);\n",
            id="already-one-argument-a-line",
        ),
    ],
)
def test_edit_callers(before: str, params: int, after: str) -> None:
    mod = module("routes.js", before)
    edited = inline.edit_callers(mod, [(CALLER, params)], locals_read, Style(quote="'"), 80)
    assert edited == after
    again = module("routes.js", edited)
    assert inline.edit_callers(again, [(CALLER, params)], locals_read, Style(), 80) == edited


# -- planned end to end (in process) --------------------------------------------------------------


SESSION_APP = """\
    const express = require("express");
    const session = require("express-session");
    const app = express();
    app.use(session({ secret: "s" }));
    app.post("/login", (req, res) => {
      req.session.user = { id: 1, email: req.body.email };
      res.redirect("/");
    });
    app.get("/", (req, res) => res.send(`<html><body><p>hi</p></body></html>`));
    module.exports = app;
"""


def test_pages_built_in_code_make_the_app_server_rendered(tmp_path: Path) -> None:
    planned = plan_files(make(tmp_path, {"app.js": SESSION_APP}), api_key="pk")
    app = planned["app.js"]
    assert "widgetTokenAttribute(res.locals.bestchatbotToken)" in app
    names = "bestchatbotToken, widgetTokenHandler, widgetTokenAttribute"
    assert f'const {{ {names} }} = require("./bestchatbot");' in app
    assert "function widgetTokenAttribute(token) {" in planned["bestchatbot.js"]


def test_without_pages_in_code_no_attribute_helper(tmp_path: Path) -> None:
    files = {
        "app.js": SESSION_APP.replace(
            "res.send(`<html><body><p>hi</p></body></html>`)", 'res.render("home")'
        ),
        "views/home.ejs": "<html><body></body></html>\n",
    }
    files["app.js"] = files["app.js"].replace(
        "const app = express();", 'const app = express();\napp.set("view engine", "ejs");'
    )
    planned = plan_files(make(tmp_path, files), api_key="pk")
    assert "widgetTokenAttribute" not in planned["bestchatbot.js"]


def test_rest_parameter_layout_is_a_next_step(tmp_path: Path) -> None:
    app = SESSION_APP.replace(
        'app.get("/", (req, res) => res.send(`<html><body><p>hi</p></body></html>`));',
        "function page(...parts) {\n"
        "      return `<html><body>${parts.join('')}</body></html>`;\n    }\n"
        '    app.get("/", (req, res) => res.send(page("<p>hi</p>")));',
    )
    result = engine.plan(make(tmp_path, {"app.js": app}), Answers(api_key="pk"))
    assert any("page() takes a rest parameter" in w for w in result.plan.warnings)
    step = next(s for s in result.plan.next_steps if "add before </body>" in s)
    assert "${widgetTokenAttribute(res.locals.bestchatbotToken)}" in step
    edited = {e.path: e.after for e in result.plan.edits}["app.js"]
    assert "function page(...parts) {" in edited and "widgetTokenAttribute(" not in edited
