"""The app's own page exclusions in Express views (issue 15): the branches of EJS, Pug and
Handlebars views, the guard a layout keeps its chat / analytics script off some pages with, the
widget's lines placed under it (before / after pairs, exact), the plan putting the tag and the
identity script there, the code that sets what the rule reads, and the pages the report lists.
The patched views render under the real engines (node) at the end; the patched app runs end to
end in test_exclusions_e2e.py."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from scaffolder import engine
from scaffolder.js.syntax import Source
from scaffolder.model import Answers
from scaffolder.stacks.express import exclusion_pages as code
from scaffolder.stacks.express.exclusion_views import guard_in, place, spans
from scaffolder.writer import write_plan
from tests.test_escape import node_render
from tests.test_express_detect import make

CRISP = '<script src="https://client.crisp.chat/l.js" async></script>'
GTAG = '<script async src="https://www.googletagmanager.com/gtag/js?id=G-1"></script>'
TAG = '<script src="https://widget.bestchatbot.io/widget/v1/chat.js"></script>'
PUG_TAG = "script(src='https://widget.bestchatbot.io/widget/v1/chat.js')"


def placed(
    engine_name: str, text: str, lines: list[str], views: dict[str, str] | None = None
) -> str:
    """`lines` placed in the layout `text` as the Express plan does: under its rule, else at
    the end of its body."""
    from scaffolder.stacks.express import views as v

    text = dedent(text)
    partials = {k: dedent(t) for k, t in (views or {}).items()}
    found = guard_in(engine_name, "views/layout", text, partials)

    def at_the_end(lines: list[str]) -> str | None:
        return v.insert_lines(engine_name, text, lines)

    out = place(engine_name, text, found, lines, at_the_end)
    assert out is not None
    return out


# -- the views' branches -------------------------------------------------------------------------


def test_ejs_branches_and_scopes() -> None:
    text = "<% if (a) { %>A<% } else if (b) { %>B<% } else { %>C<% } %>"
    text += "<% xs.forEach((x) => { %>X<% }) %>"
    found = [(s.kind, s.test, text[s.start : s.end]) for s in spans("ejs", text)]
    assert found == [("if", "a", "A"), ("elif", "b", "B"), ("else", "", "C"), ("scope", "", "X")]


def test_ejs_braces_in_strings_and_comments_are_not_branches() -> None:
    text = "<% if (s === '{') { /* } */ %>A<% } %><%= '{' %>"
    assert [(s.kind, text[s.start : s.end]) for s in spans("ejs", text)] == [("if", "A")]


def test_handlebars_unless_is_a_negated_test() -> None:
    text = "{{!-- {{#if x}} --}}{{#unless hideChat}}A{{else}}B{{/unless}}{{#each xs}}X{{/each}}"
    found = [(s.kind, s.test, s.shown, text[s.start : s.end]) for s in spans("handlebars", text)]
    assert found == [
        ("if", "!(hideChat)", "unless hideChat", "A"),
        ("else", "", "", "B"),
        ("scope", "", "", "X"),
    ]


def test_pug_branches_are_indented_lines_and_text_blocks_are_not_pug() -> None:
    text = dedent(
        """\
        body
          unless hideChat
            script(src='x')
          else
            p no chat
          script.
            if (a) {
              b()
            }
        """
    )
    found = [(s.kind, s.shown, text[s.start : s.end]) for s in spans("pug", text)]
    assert found == [
        ("scope", "", text[5:]),
        ("if", "unless hideChat", "    script(src='x')\n"),
        ("else", "", "    p no chat\n"),
        ("scope", "", "    if (a) {\n      b()\n    }\n"),
    ]


# -- the guard and where the widget goes ---------------------------------------------------------

EJS_LAYOUT = f"""\
    <html>
    <head><title>t</title></head>
    <body>
      <%- body %>
      <% if (!locals.hideChat) {{ %>
        {CRISP}
      <% }} %>
    </body>
    </html>
"""
EJS_HEAD = f"""\
    <html><head><% if (!EXCLUDED_PATHS.includes(currentPath)) {{ %>{GTAG}<% }} %></head>
    <body>
      <main></main>
    </body></html>
"""
EJS_JOINED = f"""\
    <body>
      <main></main>
      <% if (locals.crispId && !locals.hideChat) {{ %>{CRISP}<% }} %>
    </body>
"""
HBS_ONE_LINE = f"""\
    <body>
      {{{{{{body}}}}}}
      {{{{#unless hideChat}}}}{CRISP}{{{{/unless}}}}
    </body>
"""
PUG_LAYOUT = """\
    html
      body
        block content
        unless hideChat
          script(src='https://client.crisp.chat/l.js')
        footer hi
"""
PUG_HEAD = """\
    html
      head
        if !hideChat
          script(src='https://client.crisp.chat/l.js')
      body
        main"""
NJK_LAYOUT = f"""\
    <body>
      {{% if not hideChat %}}
        {CRISP}
      {{% endif %}}
    </body>
"""


def _after(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new)


@pytest.mark.parametrize(
    ("engine_name", "before", "after"),
    [
        pytest.param(
            "ejs",
            EJS_LAYOUT,
            _after(EJS_LAYOUT, f"    {CRISP}\n", f"    {CRISP}\n        {TAG}\n"),
            id="ejs-inside",
        ),
        pytest.param(
            "ejs",
            EJS_HEAD,
            _after(
                EJS_HEAD,
                "<main></main>\n",
                "<main></main>\n"
                "      <% if (!EXCLUDED_PATHS.includes(currentPath)) { %>\n"
                f"        {TAG}\n"
                "      <% } %>\n",
            ),
            id="ejs-in-head-wrapped",
        ),
        pytest.param(
            "ejs",
            EJS_JOINED,
            _after(
                EJS_JOINED,
                "<% } %>\n",
                f"<% }} %>\n      <% if (!locals.hideChat) {{ %>\n        {TAG}\n      <% }} %>\n",
            ),
            id="ejs-joined-with-configuration",
        ),
        pytest.param(
            "handlebars",
            HBS_ONE_LINE,
            _after(HBS_ONE_LINE, "{{/unless}}", f"\n        {TAG}\n      {{{{/unless}}}}"),
            id="handlebars-closer-on-the-script-line",
        ),
        pytest.param(
            "pug",
            PUG_LAYOUT,
            _after(PUG_LAYOUT, "l.js')\n", f"l.js')\n          {PUG_TAG}\n"),
            id="pug-inside",
        ),
        pytest.param(
            "pug",
            PUG_LAYOUT.replace("        footer hi\n", ""),
            PUG_LAYOUT.replace("        footer hi\n", f"          {PUG_TAG}\n"),
            id="pug-branch-ends-the-file",
        ),
        pytest.param(
            "pug",
            PUG_HEAD,
            PUG_HEAD + f"\n        if !hideChat\n          {PUG_TAG}",
            id="pug-in-head-wrapped",
        ),
        pytest.param(
            "nunjucks",
            NJK_LAYOUT,
            _after(NJK_LAYOUT, f"    {CRISP}\n", f"    {CRISP}\n        {TAG}\n"),
            id="nunjucks-inside",
        ),
    ],
)
def test_the_widget_goes_under_the_rule(engine_name: str, before: str, after: str) -> None:
    tag = PUG_TAG if engine_name == "pug" else TAG
    assert placed(engine_name, before, [tag]) == dedent(after)


@pytest.mark.parametrize(
    ("engine_name", "text"),
    [
        pytest.param("ejs", f"<% if (locals.crispId) {{ %>{CRISP}<% }} %>", id="configuration"),
        pytest.param("ejs", f"<% if (user) {{ %>{CRISP}<% }} %>", id="signed-in-user"),
        pytest.param(
            "ejs", f"<% if (currentPath === '/') {{ %>x<% }} else {{ %>{CRISP}<% }} %>", id="else"
        ),
        pytest.param("ejs", f"<% if (isHome) {{ %>{GTAG}<% }} %>", id="analytics-on-a-few"),
        pytest.param("handlebars", f"{{{{#if crispId}}}}{CRISP}{{{{/if}}}}", id="hbs-config"),
        pytest.param(
            "pug",
            "if process.env.CRISP_ID\n  script(src='https://client.crisp.chat/l.js')\n",
            id="env",
        ),
        pytest.param("ejs", CRISP, id="no-rule"),
    ],
)
def test_conditions_not_followed(engine_name: str, text: str) -> None:
    assert guard_in(engine_name, "views/layout", text, {}) is None


def test_a_partial_included_under_the_rule() -> None:
    layout = (
        "<body>\n  <main></main>\n  <% if (!locals.hideChat) { %>\n"
        "    <%- include('partials/chat') %>\n  <% } %>\n</body>\n"
    )
    after = placed("ejs", layout, [TAG], {"views/partials/chat.ejs": CRISP + "\n"})
    assert after == layout.replace("chat') %>\n", f"chat') %>\n    {TAG}\n")


def test_the_rule_inside_the_partial_is_copied() -> None:
    layout = "<body>\n  <main></main>\n  {{> crisp}}\n</body>\n"
    partial = f"{{{{#unless hideChat}}}}{CRISP}{{{{/unless}}}}\n"
    found = guard_in(
        "handlebars", "views/layouts/main.hbs", layout, {"views/partials/crisp.hbs": partial}
    )
    assert found is not None and found.guard.mode == "wrap"
    assert found.guard.reason == "a per-page flag, hideChat, in views/partials/crisp.hbs"
    after = placed("handlebars", layout, [TAG], {"views/partials/crisp.hbs": partial})
    assert after.endswith(f"  {{{{#unless hideChat}}}}\n    {TAG}\n  {{{{/unless}}}}\n</body>\n")


def test_a_path_set_by_middleware_is_the_page() -> None:
    text = f"<body>\n<% if (!requestPath.startsWith('/embed/')) {{ %>{CRISP}<% }} %>\n</body>\n"
    assert guard_in("ejs", "v.ejs", text, {}) is None  # an unknown local, nothing says it is a path
    found = guard_in("ejs", "v.ejs", text, {}, path_names=["requestPath"])
    assert found is not None
    assert found.guard.reason == "checks the page's path (requestPath, set from the request's path)"


# -- the plan ------------------------------------------------------------------------------------

APP = """\
    const express = require("express");
    const path = require("path");
    const session = require("express-session");

    const HIDDEN_PREFIXES = ["/share/", "/embed/"];
    const app = express();
    app.set("view engine", "VIEW_ENGINE");
    app.use(session({ secret: "s", resave: false, saveUninitialized: false }));
    app.use(express.static(path.join(__dirname, "public")));
    app.use((req, res, next) => {
      res.locals.hideChat = HIDDEN_PREFIXES.some((p) => req.path.startsWith(p));
      next();
    });
    app.post("/login", (req, res) => {
      req.session.user = { id: 1, email: req.body.email };
      res.redirect("/");
    });
    app.get("/", (req, res) => res.render("home"));
    app.get("/share/:id", (req, res) => res.render("share"));
    app.get("/print", (req, res) => {
      res.locals.hideChat = true;
      res.render("print");
    });
    module.exports = app;
"""
VIEWS = {
    "ejs": (
        "views/home.ejs",
        "<html>\n<body>\n  <main></main>\n  <% if (!hideChat) { %>\n"
        f"    {CRISP}\n  <% }} %>\n</body>\n</html>\n",
    ),
    "pug": (
        "views/layout.pug",
        "html\n  body\n    block content\n    unless hideChat\n      script(src='https://client.crisp.chat/l.js')\n",
    ),
}


def _app(tmp_path: Path, engine_name: str) -> Path:
    layout, text = VIEWS[engine_name]
    extra = (
        {"views/share.pug": "extends layout\nblock content\n  p shared\n"}
        if engine_name == "pug"
        else {}
    )
    files = {
        "app.js": APP.replace("VIEW_ENGINE", engine_name),
        layout: text,
        "public/app.js": "",
        **extra,
    }
    return make(tmp_path, files)


@pytest.mark.parametrize("engine_name", ["ejs", "pug"])
def test_the_plan_puts_the_tag_and_its_identity_script_under_the_rule(
    tmp_path: Path, engine_name: str
) -> None:
    root = _app(tmp_path, engine_name)
    layout = VIEWS[engine_name][0]
    result = engine.plan(root, Answers(api_key="pk"))
    edit = next(e for e in result.plan.edits if e.path == layout)
    assert "under `" in edit.reason and "like the app's Crisp chat script" in edit.reason
    after = edit.after
    if engine_name == "ejs":
        inside = after[after.index("<% if (!hideChat) { %>") : after.index("<% } %>\n</body>")]
    else:
        inside = after[after.index("unless hideChat") :]
    assert "widget.bestchatbot.io" in inside and "bestchatbot-identity.js" in inside
    assert inside.index("widget.bestchatbot.io") < inside.index("bestchatbot-identity.js")
    write_plan(root, result.plan)
    assert engine.plan(root, Answers(api_key="pk")).plan.edits == []


def test_the_endpoint_delivery_loads_both_under_the_rule(tmp_path: Path) -> None:
    root = _app(tmp_path, "ejs")
    result = engine.plan(root, Answers(api_key="pk", delivery="token-endpoint"))
    after = next(e.after for e in result.plan.edits if e.path == "views/home.ejs")
    inside = after[after.index("<% if (!hideChat) { %>") : after.index("<% } %>\n</body>")]
    assert "widget.bestchatbot.io" in inside and "bestchatbot-identity.js" in inside


def test_the_report_lists_where_the_code_sets_the_flag(tmp_path: Path) -> None:
    root = _app(tmp_path, "pug")
    insp = engine.inspect(root, Answers(api_key="pk"))[1]
    found = {
        (f.kind, f.evidence[0].location(), f.evidence[0].why)
        for f in insp.findings
        if f.kind.startswith(("page-", "widget-"))
    }
    assert found == {
        (
            "widget-guard",
            "views/layout.pug:4",
            "keeps the app's Crisp chat script off some pages: a per-page flag, hideChat",
        ),
        (
            "widget-placement",
            "views/layout.pug:6",
            "inside the app's own rule at views/layout.pug:4 (`unless hideChat`), "
            "beside the app's Crisp chat script",
        ),
        (
            "page-without-widget",
            "app.js:5",
            "the app's own exclusion: HIDDEN_PREFIXES lists /share/, /embed/, "
            "which set hideChat at app.js:11",
        ),
        (
            "page-without-widget",
            "app.js:21",
            "the app's own exclusion: sets hideChat = true for /print, rendering print",
        ),
        (
            "page-without-widget",
            "views/share.pug:1",
            "`share` in its path looks like a public viewer; "
            "the app's own exclusion: HIDDEN_PREFIXES covers its route /share/:id",
        ),
    }


# -- the app's code ------------------------------------------------------------------------------


def test_where_the_code_sets_a_local() -> None:
    source = Source.of(
        "routes.js",
        dedent(
            """\
            router.use("/embed", (req, res, next) => { res.locals.hideChat = true; next(); });
            router.get("/print/:id", (req, res) => res.render("print", { hideChat: true }));
            router.get("/", (req, res) => res.render("home", { hideChat }));
            app.use((req, res, next) => { res.locals["currentPath"] = req.path; next(); });
            """
        ),
    )
    assert code.setters([source], "hideChat") == [
        code.Setter("routes.js", 1, "true", "/embed"),
        code.Setter("routes.js", 2, "true", "/print/:id", "print"),
        code.Setter("routes.js", 3, "hideChat", "/", "home"),
    ]
    assert code.path_locals([source]) == ["currentPath"]


def test_a_literal_list_anywhere_in_a_module() -> None:
    source = Source.of(
        "app.js",
        "function createApp() {\n  const PUBLIC_PATHS = ['/share/', `/embed/`];\n}\n"
        "app.locals.HIDDEN_ROUTES = ['/a'];\n",
    )
    assert code.string_list([source], "PUBLIC_PATHS") == (("/share/", "/embed/"), "app.js", 2)
    assert code.string_list([source], "HIDDEN_ROUTES") == (("/a",), "app.js", 4)
    assert code.string_list([source], "OTHER_PATHS") is None


# -- the real engines ----------------------------------------------------------------------------


@pytest.mark.e2e
def test_the_patched_views_render_the_widget_only_where_the_rule_lets_it() -> None:
    """Each engine renders the placed lines with the flag unset (the widget is there) and set
    (neither the app's chat nor the widget)."""
    cases = [
        ("ejs", EJS_LAYOUT.replace("<%- body %>", "")),
        ("handlebars", f"<body>\n  {{{{#unless hideChat}}}}{CRISP}{{{{/unless}}}}\n</body>\n"),
        (
            "pug",
            "html\n  body\n    unless hideChat\n      script(src='https://client.crisp.chat/l.js')\n",
        ),
        ("nunjucks", f"<body>\n  {{% if not hideChat %}}\n    {CRISP}\n  {{% endif %}}\n</body>\n"),
    ]
    renders = []
    for engine_name, text in cases:
        after = placed(engine_name, text, [PUG_TAG if engine_name == "pug" else TAG])
        renders += [
            (engine_name, after, {"hideChat": None}),
            (engine_name, after, {"hideChat": "yes"}),
        ]
    out = node_render(renders)  # type: ignore[arg-type]
    for shown, hidden in zip(out[::2], out[1::2], strict=True):
        assert "widget.bestchatbot.io" in shown and "client.crisp.chat" in shown
        assert "widget.bestchatbot.io" not in hidden and "client.crisp.chat" not in hidden


def test_the_rule_of_the_header_partial_goes_around_the_tag_in_the_footer(tmp_path: Path) -> None:
    """Pages include a header partial loading the chat under the rule in `<head>`, and the
    footer partial closing the body: the tag and its identity script go in the footer, under a
    copy of the header's rule."""
    header = f"<html><head>\n  <% if (!locals.hideChat) {{ %>{CRISP}<% }} %>\n</head><body>\n"
    files = {
        "app.js": APP.replace("VIEW_ENGINE", "ejs"),
        "public/app.js": "",
        "views/partials/header.ejs": header,
        "views/partials/footer.ejs": "  <footer>f</footer>\n</body></html>\n",
        "views/home.ejs": "<%- include('partials/header') %>\n<main></main>\n"
        "<%- include('partials/footer') %>\n",
    }
    root = make(tmp_path, files)
    result = engine.plan(root, Answers(api_key="pk"))
    footer = next(e.after for e in result.plan.edits if e.path == "views/partials/footer.ejs")
    start, end = footer.index("<% if (!locals.hideChat) { %>"), footer.rindex("<% } %>")
    assert start < footer.index("widget.bestchatbot.io") < footer.index("identity.js") < end
    insp = engine.inspect(root, Answers(api_key="pk"))[1]
    (placement,) = [f for f in insp.findings if f.kind == "widget-placement"]
    assert placement.value == "wrap"
    assert placement.evidence[0].location() == "views/partials/header.ejs:2"
