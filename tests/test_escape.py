"""Escaping as the second wall (`scaffolder.escape`): every function against hostile values,
then a real render of each output context proving the value stays data: Jinja2, Django,
EJS / Pug / Handlebars / Nunjucks (node), PHP, JSX (tree-sitter), Python and JS literals."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import jinja2
import pytest

from scaffolder import treesitter
from scaffolder.escape import (
    html_attr,
    js_comment,
    js_str,
    js_token_read,
    jsx_attr,
    php_str,
    pug_attr,
    py_doc,
    py_raw_str,
    py_str,
    url_path,
)
from scaffolder.js.syntax import Source
from scaffolder.markup import WIDGET_SRC
from scaffolder.stacks.django.plan import _tag as django_tag
from scaffolder.stacks.express import views
from scaffolder.stacks.fastapi.plan import _tag as fastapi_tag
from scaffolder.stacks.flask.plan import _tag as flask_tag
from scaffolder.stacks.nextjs.mount import Mount, mount
from scaffolder.templating import render
from tests.npm_cache import npm_env

HOSTILE = [
    pytest.param('pk" onload="alert(1)', id="double-quote"),
    pytest.param("pk' onload='alert(1)", id="single-quote"),
    pytest.param('pk"><script>alert(1)</script>', id="close-tag"),
    pytest.param("{{7*7}}", id="mustache"),
    pytest.param("{{ cycler.__init__.__globals__.os.popen('id').read() }}", id="jinja-ssti"),
    pytest.param("{% debug %}{# c #}", id="template-tags"),
    pytest.param("<%= 1 %><%- 2 %>", id="ejs"),
    pytest.param("#{1}!{2}", id="pug-interpolation"),
    pytest.param("@php echo 1; @endphp {!! 1 !!}", id="blade"),
    pytest.param("<?php echo 1; ?><?= 2 ?>", id="php-tags"),
    pytest.param("{{#if x}}y{{/if}}{{{z}}}", id="handlebars"),
    pytest.param("a\nonload=x\r\n", id="newlines"),
    pytest.param("a\u2028b\u2029c", id="line-separators"),
    pytest.param("back\\slash\\", id="backslash"),
    pytest.param("${1}`x`", id="template-literal"),
    pytest.param("&amp;&#123;", id="entities"),
    pytest.param("</script><!--", id="script-close"),
    pytest.param("*/ x // y", id="comment-close"),
    pytest.param("é ü 中 🙂", id="unicode"),
]
VALUES = [p.values[0] for p in HOSTILE]
REFERENCE = re.compile(r"&(?:#[0-9]+|amp|lt|gt|quot);")
VALID = ["pk_live_123", "A-b_9", "/api/v1.0/~me/widget-token"]


class Tags(HTMLParser):
    """Every start tag with its (decoded) attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def widget_attributes(html: str, skip: tuple[str, ...] = ()) -> dict[str, str | None]:
    """The one widget tag's attributes; fails if the value added or broke any tag."""
    parser = Tags()
    parser.feed(html)
    parser.close()
    tags = [t for t in parser.tags if t[0] not in skip]
    assert [name for name, _ in tags] == ["script"], html
    return tags[0][1]


def expected(value: str, token: str | None) -> dict[str, str | None]:
    attrs: dict[str, str | None] = {"src": WIDGET_SRC, "data-api-key": value}
    if token:
        attrs["data-user-token"] = token
    return attrs


# -- the functions ------------------------------------------------------------------------------


@pytest.mark.parametrize("value", VALID)
def test_valid_values_come_out_unchanged(value: str) -> None:
    assert html_attr(value) == jsx_attr(value) == js_comment(value) == py_doc(value) == value
    assert js_str(value) == py_str(value) == f'"{value}"'
    assert js_str(value, "'") == pug_attr(value) == py_str(value, "'") == php_str(value)
    assert py_raw_str(value) == f'r"{value}"'
    assert url_path(value) == value


@pytest.mark.parametrize("value", VALUES)
def test_html_attr_leaves_no_syntax(value: str) -> None:
    out = html_attr(value)
    bare = REFERENCE.sub("", out)  # what is left besides character references
    for c in "&\"'<>{}@%#!$`\\\n\r\u2028\u2029":
        assert c not in bare
    assert unescape(out) == value


@pytest.mark.parametrize("value", VALUES)
def test_jsx_attr_leaves_no_syntax(value: str) -> None:
    out = jsx_attr(value)
    bare = REFERENCE.sub("", out)
    for c in "&\"'<>{}\n\r\u2028\u2029":
        assert c not in bare
    assert unescape(out) == value


@pytest.mark.parametrize("value", VALUES)
@pytest.mark.parametrize("quote", ['"', "'"])
def test_python_literals_round_trip(value: str, quote: str) -> None:
    for literal in (py_str(value, quote), py_raw_str(value, quote)):
        assert "\n" not in literal and "\r" not in literal
        assert ast.literal_eval(literal) == value
    docstring = ast.parse(f'def f():\n    """GET {py_doc(value)}: x"""\n').body[0]
    assert isinstance(docstring, ast.FunctionDef)
    assert ast.get_docstring(docstring, clean=False) == f"GET {value}: x"


def test_raw_literal_only_where_it_holds_the_value() -> None:
    assert py_raw_str(r"^api/(?P<v>\d+)/x$") == r'r"^api/(?P<v>\d+)/x$"'
    assert py_raw_str('^a"b$') == '"^a\\"b$"'
    assert py_raw_str("x\\") == '"x\\\\"'


def test_php_literal() -> None:
    assert php_str("it's a \\ test") == "'it\\'s a \\\\ test'"


def test_url_path_leaves_no_route_syntax() -> None:
    assert url_path('/a"b/<id>/:x/[y]') == "/a%22b/%3Cid%3E/%3Ax/%5By%5D"


@pytest.mark.parametrize(
    ("expr", "emitted"),
    [
        pytest.param('localStorage.getItem("access_token")', None, id="local"),
        pytest.param("sessionStorage.getItem('id')", None, id="session-single-quotes"),
        pytest.param(
            'window.localStorage.getItem( "t" )', 'window.localStorage.getItem("t")', id="ws"
        ),
        pytest.param("window.app.token", None, id="window-chain"),
        pytest.param(
            'localStorage.getItem("a\\"b</script>")',
            'localStorage.getItem("a\\"b\\u003C/script\\u003E")',
            id="key-re-escaped",
        ),
    ],
)
def test_token_read_is_rebuilt_from_its_grammar(expr: str, emitted: str | None) -> None:
    assert js_token_read(expr) == (expr if emitted is None else emitted)


@pytest.mark.parametrize(
    "expr",
    [
        'fetch("/x")',
        "document.cookie",
        'localStorage.getItem("t") || alert(1)',
        "localStorage.getItem(key)",
        "window['x']",
        "window.a()",
        'localStorage.getItem("a")\n;alert(1)',
    ],
)
def test_token_read_refuses_other_code(expr: str) -> None:
    with pytest.raises(ValueError):
        js_token_read(expr)


def test_identity_script_renders_escaped_values() -> None:
    script = render(
        "browser/bestchatbot-identity.js.j2",
        endpoint='/a"\n</script>/widget-token',
        bearer_token=None,
    )
    assert 'const ENDPOINT = "/a\\"\\n\\u003C/script\\u003E/widget-token";' in script
    assert '// The token comes from /a\\"\\n\\u003C/script\\u003E/widget-token (signed' in script


# -- real renders: Jinja2 and Django --------------------------------------------------------------


@pytest.mark.parametrize("value", VALUES)
@pytest.mark.parametrize("token", [None, "eyJ.tok.en"])
@pytest.mark.parametrize("tag", [flask_tag, fastapi_tag], ids=["flask", "fastapi"])
def test_jinja_renders_the_key_as_data(value: str, token: str | None, tag: object) -> None:
    assert callable(tag)
    source = tag(value)
    html = jinja2.Environment().from_string(source).render(bestchatbot_token=token)
    assert widget_attributes(html) == expected(value, token)


@pytest.mark.parametrize("value", VALUES)
@pytest.mark.parametrize("token", [None, "eyJ.tok.en"])
def test_django_renders_the_key_as_data(value: str, token: str | None) -> None:
    from django.template import Context, Engine

    html = (
        Engine().from_string(django_tag(value, True)).render(Context({"bestchatbot_token": token}))
    )
    assert widget_attributes(html) == expected(value, token)


# -- real renders: PHP ----------------------------------------------------------------------------

needs_php = pytest.mark.skipif(shutil.which("php") is None, reason="php is not installed")


def run_php(tmp_path: Path, code: str) -> str:
    script = tmp_path / "t.php"
    script.write_text(code, encoding="utf-8")
    done = subprocess.run(["php", str(script)], capture_output=True, check=True, timeout=60)
    return done.stdout.decode("utf-8")  # bytes: no newline translation


@needs_php
def test_php_literals_round_trip(tmp_path: Path) -> None:
    literals = ", ".join(php_str(v) for v in VALUES)
    out = run_php(tmp_path, f"<?php echo json_encode([{literals}]);\n")
    assert json.loads(out) == VALUES


@needs_php
def test_php_templates_print_the_key_as_data(tmp_path: Path) -> None:
    """A PHP template holding the tag (a theme's footer.php), and the WordPress print function
    writing the key through `esc_attr( php_str )`."""
    pages = "".join(f"<footer>{views.plain_tag(v)}</footer>\n" for v in VALUES)
    out = run_php(tmp_path, pages)
    for line, value in zip(out.splitlines(), VALUES, strict=True):
        assert widget_attributes(line, skip=("footer",)) == expected(value, None)
    prints = "".join(
        'printf(\'<script src="%s" data-api-key="%s"\', \'' + WIDGET_SRC + "', "
        f'esc_attr({php_str(v)}));\necho "></script>\\n";\n'
        for v in VALUES
    )
    escaper = "function esc_attr($s) { return htmlspecialchars($s, ENT_QUOTES, 'UTF-8'); }\n"
    out = run_php(tmp_path, f"<?php\n{escaper}{prints}")
    for line, value in zip(out.split("></script>\n")[:-1], VALUES, strict=True):
        assert widget_attributes(line + "></script>") == expected(value, None)


# -- real renders: EJS, Pug, Handlebars, Nunjucks (node) ------------------------------------------

NODE_ENGINES = {"ejs": "^3.1.10", "pug": "~3.0.3", "handlebars": "^4.7.8", "nunjucks": "^3.2.4"}
RENDER = """
const cases = JSON.parse(require("fs").readFileSync(0, "utf8"));
const render = {
  ejs: (t, c) => require("ejs").render(t, c),
  pug: (t, c) => require("pug").render(t, c),
  handlebars: (t, c) => require("handlebars").compile(t)(c),
  nunjucks: (t, c) => require("nunjucks").renderString(t, c),
};
process.stdout.write(JSON.stringify(cases.map(([engine, t, c]) => render[engine](t, c))));
"""


def node_render(cases: list[tuple[str, str, dict[str, str | None]]]) -> list[str]:
    modules = npm_env(NODE_ENGINES)
    out = subprocess.run(
        ["node", "-e", RENDER],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env={**os.environ, "NODE_PATH": str(modules)},
    )
    return list(json.loads(out.stdout))


def pug_page(value: str, token: bool) -> str:
    return f"html\n  body\n    {views._pug_tag('', value, token)}\n"


@pytest.mark.e2e
@pytest.mark.parametrize("token", [None, "eyJ.tok.en"])
def test_node_engines_render_the_key_as_data(token: str | None) -> None:
    cases: list[tuple[str, str, dict[str, str | None]]] = []
    for value in VALUES:
        context = {views.TOKEN: token}
        for engine in ("ejs", "handlebars", "nunjucks"):
            cases.append((engine, views.html_tag(engine, value), context))
        cases.append(("pug", pug_page(value, True), context))
        cases.append(("pug", pug_page(value, False), context))
    rendered = iter(node_render(cases))
    for value in VALUES:
        for engine in ("ejs", "handlebars", "nunjucks", "pug"):
            html = next(rendered)
            attrs = widget_attributes(html, skip=("html", "body"))
            assert attrs == expected(value, token), (engine, html)
        plain = widget_attributes(next(rendered), skip=("html", "body"))
        assert plain == expected(value, None)


# -- JSX (tree-sitter) and JS literals (node) -----------------------------------------------------

LAYOUT = """export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
"""


@pytest.mark.parametrize("value", VALUES)
def test_jsx_script_keeps_its_three_attributes(value: str) -> None:
    spec = Mount("BestChatBotIdentity", "@/components/bestchatbot-identity", frozenset(), value)
    text = mount(Source(LAYOUT, "tsx", "app/layout.tsx"), spec)
    tree = treesitter.parse(text, "tsx")
    assert not tree.root_node.has_error, text
    scripts = [
        n
        for n in treesitter.walk(tree.root_node)
        if n.type == "jsx_self_closing_element" and treesitter.text_of(n).startswith("<Script")
    ]
    assert len(scripts) == 1
    attributes = {}
    for attr in (c for c in scripts[0].named_children if c.type == "jsx_attribute"):
        name, raw = attr.named_children
        assert raw.type == "string"
        attributes[treesitter.text_of(name)] = unescape(treesitter.text_of(raw)[1:-1])
    assert attributes == {"src": WIDGET_SRC, "data-api-key": value, "strategy": "afterInteractive"}


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_js_literals_and_comments_round_trip() -> None:
    lines = []
    for value in VALUES:
        lines.append(f"// {js_comment(value)}")
        lines.append(f"/* {js_comment(value)} */")
        lines.append(f"out.push({js_str(value)}, {js_str(value, chr(39))}, {pug_attr(value)});")
    program = (
        "const out = [];\n" + "\n".join(lines) + "\nprocess.stdout.write(JSON.stringify(out));"
    )
    done = subprocess.run(
        ["node", "-e", program], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(done.stdout) == [v for v in VALUES for _ in range(3)]
