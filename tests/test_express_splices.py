"""Express edits as before / after pairs: the middleware / route mount after the session
middleware, the import specifier, and the widget tag in EJS, Pug, Handlebars and Nunjucks views."""

from __future__ import annotations

from textwrap import dedent

import pytest

from scaffolder.js.style import Style
from scaffolder.js.syntax import Source
from scaffolder.stacks.express import views as v
from scaffolder.stacks.express.mount import import_specifier, insert_after, mount_statement

SRC = "https://widget.bestchatbot.io/widget/v1/chat.js"
EJS_ATTR = (
    '<% if (locals.bestchatbotToken) { %> data-user-token="<%= locals.bestchatbotToken %>"<% } %>'
)
HBS_ATTR = '{{#if bestchatbotToken}} data-user-token="{{bestchatbotToken}}"{{/if}}'
NJK_ATTR = '{% if bestchatbotToken %} data-user-token="{{ bestchatbotToken }}"{% endif %}'


def _mount(before: str, anchor: str, statement: str, path: str = "app.js") -> str:
    source = Source.of(path, before)
    end = source.data.index(anchor.encode()) + len(anchor.encode())
    return insert_after(source, end, statement)


@pytest.mark.parametrize(
    ("before", "anchor", "statement", "after"),
    [
        pytest.param(
            "app.use(passport.session());\napp.use('/', router);\n",
            "app.use(passport.session());",
            "app.use(bestchatbotToken);",
            "app.use(passport.session());\napp.use(bestchatbotToken);\napp.use('/', router);\n",
            id="commonjs-module-level",
        ),
        pytest.param(
            "function createApp() {\n  const app = express()\n  app.use(session(opts))\n\n"
            "  return app\n}\n",
            "app.use(session(opts))",
            "app.use(bestchatbotToken)",
            "function createApp() {\n  const app = express()\n  app.use(session(opts))\n"
            "  app.use(bestchatbotToken)\n\n  return app\n}\n",
            id="inside-a-factory-no-semicolons",
        ),
        pytest.param(
            "app.use(cookieParser()); // signed cookies\napp.get('*', spa);\n",
            "app.use(cookieParser());",
            "app.get('/api/widget-token', widgetTokenHandler);",
            "app.use(cookieParser()); // signed cookies\n"
            "app.get('/api/widget-token', widgetTokenHandler);\napp.get('*', spa);\n",
            id="after-a-trailing-comment",
        ),
        pytest.param(
            "app.use(\r\n  session({ secret: s })\r\n);\r\napp.listen(3000);\r\n",
            ");",
            "app.use(bestchatbotToken);",
            "app.use(\r\n  session({ secret: s })\r\n);\r\napp.use(bestchatbotToken);\r\n"
            "app.listen(3000);\r\n",
            id="multi-line-statement-crlf",
        ),
        pytest.param(
            "app.use(passport.session())",
            "app.use(passport.session())",
            "app.use(bestchatbotToken)",
            "app.use(passport.session())\napp.use(bestchatbotToken)",
            id="end-of-file-without-newline",
        ),
    ],
)
def test_mount_after_the_session_middleware(
    before: str, anchor: str, statement: str, after: str
) -> None:
    assert _mount(before, anchor, statement) == after


@pytest.mark.parametrize(
    ("style", "url", "expected"),
    [
        pytest.param(Style(), None, "app.use(bestchatbotToken);", id="middleware"),
        pytest.param(
            Style(quote="'", semicolons=False),
            "/api/v1/widget-token",
            "app.get('/api/v1/widget-token', bestchatbotToken)",
            id="route-in-file-style",
        ),
    ],
)
def test_mount_statement(style: Style, url: str | None, expected: str) -> None:
    assert mount_statement("app", "bestchatbotToken", url, style) == expected


@pytest.mark.parametrize(
    ("importer", "target", "text", "system", "expected"),
    [
        pytest.param("app.js", "bestchatbot.js", "", "commonjs", "./bestchatbot", id="cjs"),
        pytest.param(
            "src/app.js", "src/middleware/bestchatbot.js", "", "esm",
            "./middleware/bestchatbot.js", id="esm-needs-extension",
        ),
        pytest.param(
            "src/server/app.mjs", "src/bestchatbot.mjs", "", "esm", "../bestchatbot.mjs",
            id="mjs-parent-dir",
        ),
        pytest.param(
            "src/app.ts", "src/bestchatbot.ts", 'import { a } from "./routes/a.js";\n', "esm",
            "./bestchatbot.js", id="ts-nodenext-style",
        ),
        pytest.param(
            "src/app.ts", "src/bestchatbot.ts", 'import { a } from "./routes/a";\n', "esm",
            "./bestchatbot", id="ts-bundler-style",
        ),
    ],
)  # fmt: skip
def test_import_specifier(
    importer: str, target: str, text: str, system: str, expected: str
) -> None:
    assert import_specifier(importer, target, text, system) == expected


# -- the widget tag -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("engine", "before", "after"),
    [
        pytest.param(
            "ejs",
            f'<script src="{SRC}" data-api-key="<%= key %>" async></script>',
            f'<script src="{SRC}" data-api-key="<%= key %>" async{EJS_ATTR}></script>',
            id="ejs",
        ),
        pytest.param(
            "handlebars",
            f'<script src="{SRC}" data-api-key="pk" async></script>',
            f'<script src="{SRC}" data-api-key="pk" async{HBS_ATTR}></script>',
            id="handlebars",
        ),
        pytest.param(
            "nunjucks",
            f"<script src='{SRC}' data-api-key='pk' />",
            f"<script src='{SRC}' data-api-key='pk'{NJK_ATTR} />",
            id="nunjucks-self-closing",
        ),
        pytest.param(
            "pug",
            f"    script(src='{SRC}', data-api-key='pk')\n",
            f"    script(src='{SRC}', data-api-key='pk', data-user-token=bestchatbotToken)\n",
            id="pug-comma-separated",
        ),
        pytest.param(
            "pug",
            f'script(src="{SRC}" data-api-key=apiKey async)\n',
            f'script(src="{SRC}" data-api-key=apiKey async data-user-token=bestchatbotToken)\n',
            id="pug-space-separated",
        ),
        pytest.param(
            "pug",
            f"body\n  script(\n    src='{SRC}'\n    data-api-key='pk'\n  )\n",
            f"body\n  script(\n    src='{SRC}'\n    data-api-key='pk'\n"
            "    data-user-token=bestchatbotToken\n  )\n",
            id="pug-multi-line-attributes",
        ),
    ],
)
def test_add_token_to_an_existing_tag(engine: str, before: str, after: str) -> None:
    tags = v.find_tags(engine, before)
    assert len(tags) == 1 and not tags[0].has_user_token
    assert v.add_token(engine, before, tags[0]) == after
    assert v.find_tags(engine, after)[0].has_user_token  # the planner's noop check


@pytest.mark.parametrize(
    ("engine", "text"),
    [
        pytest.param("ejs", f'<script src="{SRC}" data-api-key="pk"{EJS_ATTR}></script>', id="ejs"),
        pytest.param("pug", f"script(src='{SRC}' data-user-token=bestchatbotToken)\n", id="pug"),
        pytest.param("handlebars", '<script src="/js/app.js"></script>', id="not-the-widget"),
    ],
)
def test_add_token_noop(engine: str, text: str) -> None:
    assert all(t.has_user_token for t in v.find_tags(engine, text))


@pytest.mark.parametrize(
    ("engine", "before", "after"),
    [
        pytest.param(
            "ejs",
            dedent(
                """\
                <html>
                  <body>
                    <main><%- body %></main>
                  </body>
                </html>
                """
            ),
            dedent(
                f"""\
                <html>
                  <body>
                    <main><%- body %></main>
                    <script src="{SRC}" data-api-key="pk"{EJS_ATTR}></script>
                  </body>
                </html>
                """
            ),
            id="ejs-full-page",
        ),
        pytest.param(
            "ejs",
            "</main>\n<footer>(c)</footer>\n</body>\n</html>\n",
            f'</main>\n<footer>(c)</footer>\n<script src="{SRC}" data-api-key="pk"{EJS_ATTR}>'
            "</script>\n</body>\n</html>\n",
            id="ejs-footer-partial-flush-left",
        ),
        pytest.param(
            "handlebars",
            "<body>\r\n  {{{body}}}\r\n</body>\r\n",
            f'<body>\r\n  {{{{{{body}}}}}}\r\n  <script src="{SRC}" data-api-key="pk"{HBS_ATTR}>'
            "</script>\r\n</body>\r\n",
            id="handlebars-layout-crlf",
        ),
        pytest.param(
            "nunjucks",
            "<body>{% block content %}{% endblock %}</body>",
            f'<body>{{% block content %}}{{% endblock %}}\n  <script src="{SRC}" '
            f'data-api-key="pk"{NJK_ATTR}></script>\n</body>',
            id="nunjucks-body-on-one-line",
        ),
        pytest.param(
            "pug",
            dedent(
                """\
                doctype html
                html
                  head
                    title= title
                  body
                    block content
                    include partials/footer
                """
            ),
            dedent(
                f"""\
                doctype html
                html
                  head
                    title= title
                  body
                    block content
                    include partials/footer
                    script(src='{SRC}', data-api-key='pk', data-user-token=bestchatbotToken)
                """
            ),
            id="pug-layout-body-last",
        ),
        pytest.param(
            "pug",
            "html\n\tbody(class=theme)\n\t\ta(href='/' title='home') x\n"
            "\n\t//- analytics\nfooter.x\n",
            "html\n\tbody(class=theme)\n\t\ta(href='/' title='home') x\n"
            f"\t\tscript(src='{SRC}' data-api-key='pk' data-user-token=bestchatbotToken)\n"
            "\n\t//- analytics\nfooter.x\n",
            id="pug-tabs-body-not-last",
        ),
        pytest.param(
            "pug",
            'html(lang="en")\n  body',
            f'html(lang="en")\n  body\n    script(src="{SRC}", data-api-key="pk", '
            "data-user-token=bestchatbotToken)",
            id="pug-empty-body-no-newline",
        ),
    ],
)
def test_insert_tag(engine: str, before: str, after: str) -> None:
    assert v.insert_lines(engine, before, [v.tag_line(engine, before, "pk")]) == after


@pytest.mark.parametrize(
    ("engine", "text"),
    [
        pytest.param("ejs", "<%- include('footer') %>\n", id="ejs-partial-without-body"),
        pytest.param("pug", "extends layout\nblock content\n  p hi\n", id="pug-child-view"),
    ],
)
def test_insert_tag_noop_without_body(engine: str, text: str) -> None:
    assert v.insert_lines(engine, text, [v.tag_line(engine, text, "pk")]) is None
