"""The app's own page exclusions (issue 15): which conditions are on the page, the guard a
layout or a Next.js shell keeps a chat / analytics script off some pages with, where the
widget's lines go under it, and the pages the report lists."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from scaffolder.exclusions import excludes, page_reason, split_top, viewer_segment
from scaffolder.exclusions.templates import guard_in, pages, place
from scaffolder.js.syntax import Source
from scaffolder.js.tsconfig import TsConfig
from scaffolder.markup import insert_before_body_close, parse_template
from scaffolder.project import Project
from scaffolder.stacks.nextjs.exclusions import shell_guard
from tests.helpers import copy_fixture, run, run_json

TAG = '<script src="https://widget.bestchatbot.io/widget/v1/chat.js"></script>'
CRISP = '<script src="https://client.crisp.chat/l.js" async></script>'
GTAG = '<script async src="https://www.googletagmanager.com/gtag/js?id=G-1"></script>'


# -- conditions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "reason"),
    [
        pytest.param(
            "request.path not in EXCLUDED_PATHS",
            "checks the page against EXCLUDED_PATHS",
            id="list",
        ),
        pytest.param("not request.path.startswith('/embed/')", "checks the page's path", id="path"),
        pytest.param("request.resolver_match.url_name != 'viewer'", "checks the page's", id="url"),
        pytest.param("!hiddenRoutes.includes(pathname)", "against hiddenRoutes", id="jsx-list"),
        pytest.param("not hide_chat", "a per-page flag, hide_chat", id="flag"),
        pytest.param("CRISP_CHATBOX_ENABLED", "a per-page flag, CRISP_CHATBOX_ENABLED", id="cp"),
        pytest.param("showChatWidget", "a per-page flag, showChatWidget", id="camel"),
    ],
)
def test_page_conditions(condition: str, reason: str) -> None:
    found = page_reason(condition)
    assert found is not None and reason in found


@pytest.mark.parametrize(
    "condition",
    [
        pytest.param("config.CRISP_WEBSITE_ID", id="vendor-configured"),
        pytest.param("settings.INTERCOM_ENABLED", id="setting-named-like-a-flag"),
        pytest.param("user.is_authenticated", id="signed-in"),
        pytest.param("parsifal_environment == 'production'", id="environment"),
        pytest.param("total_pages > 1", id="a-number-named-pages"),
        pytest.param("debug", id="debug"),
    ],
)
def test_conditions_not_on_the_page(condition: str) -> None:
    assert page_reason(condition) is None


def test_exclusion_or_inclusion() -> None:
    assert excludes("request.path not in EXCLUDED_PATHS")
    assert excludes("hide_chat is false") and excludes("!(LIST.includes(p))")
    assert not excludes("request.path == '/'")


def test_split_top_keeps_brackets_and_strings() -> None:
    assert split_top("a and (b and c) and 'x and y'", ("and",)) == ["a", "(b and c)", "'x and y'"]
    assert split_top("band and android", ("and",)) == ["band", "android"]


@pytest.mark.parametrize(
    ("path", "segment"),
    [
        ("templates/share/document.html", "share"),
        ("app/(viewer)/layout.tsx", "(viewer)"),
        ("app/d/[id]/page.tsx", "d/[id]"),
        ("pages/view/domains/[domain]/[slug].tsx", "view"),
        ("templates/document-viewer.html", "document-viewer"),
        ("templates/dashboard.html", None),
        ("app/d/settings/page.tsx", None),
        ("templates/overview.html", None),
    ],
)
def test_viewer_segment(path: str, segment: str | None) -> None:
    assert viewer_segment(path) == segment


def test_public_is_a_viewer_only_loosely() -> None:
    assert viewer_segment("app/(public)/layout.tsx") == "(public)"
    assert viewer_segment("app/(public)/layout.tsx", strict=True) is None


# -- Jinja / Django layouts ----------------------------------------------------------------------


def _layout(body: str, head: str = "") -> str:
    return (
        "<!doctype html>\n<html>\n  <head>\n"
        + textwrap.indent(textwrap.dedent(head), "    ")
        + "  </head>\n  <body>\n    {% block content %}{% endblock %}\n"
        + textwrap.indent(textwrap.dedent(body), "    ")
        + "  </body>\n</html>\n"
    )


def _placed(text: str, **others: str) -> str:
    templates = {"base.html": parse_template("t/base.html", "base.html", text)}
    for name, body in others.items():
        name = name.replace("__", "/") + ".html"
        templates[name] = parse_template(f"t/{name}", name, body)
    guard = guard_in("t/base.html", text, "base.html", templates)

    def default(lines: list[str]) -> str:
        new = insert_before_body_close(text, lines)
        assert new is not None
        return new

    return place(text, guard, [TAG], default)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(f"{CRISP}\n", id="no-guard"),
        pytest.param(f"{{% if config.CRISP_ID %}}\n  {CRISP}\n{{% endif %}}\n", id="config-only"),
        pytest.param(
            f"{{% if user.is_authenticated %}}\n  {CRISP}\n{{% endif %}}\n", id="signed-in-only"
        ),
        pytest.param(f"{{% if hide_chat %}}{{% else %}}{CRISP}{{% endif %}}\n", id="else-branch"),
        pytest.param(f"{{% block chat %}}{CRISP}{{% endblock %}}\n", id="block-never-overridden"),
        pytest.param(
            f"{{% if request.path == '/' %}}\n  {GTAG}\n{{% endif %}}\n",
            id="analytics-on-one-page-only",
        ),
        pytest.param(
            f"{CRISP}\n{{% if request.path not in NO_TRACKING %}}\n  {GTAG}\n{{% endif %}}\n",
            id="chat-everywhere-analytics-excluded",
        ),
    ],
)
def test_guard_noop(body: str) -> None:
    text = _layout(body)
    assert _placed(text) == insert_before_body_close(text, [TAG])


@pytest.mark.parametrize(
    ("body", "head", "expected"),
    [
        pytest.param(
            f"""\
            {{% if not hide_chat %}}
              {CRISP}
            {{% endif %}}
            """,
            "",
            f"""\
            {{% if not hide_chat %}}
              {CRISP}
              {TAG}
            {{% endif %}}
            """,
            id="flag-inside",
        ),
        pytest.param(
            f"{{% if request.path not in EXCLUDED_PATHS %}}{CRISP}{{% endif %}}\n",
            "",
            f"{{% if request.path not in EXCLUDED_PATHS %}}{CRISP}\n  {TAG}\n{{% endif %}}\n",
            id="one-line-branch",
        ),
        pytest.param(
            f"""\
            {{% if not hide_chat %}}
              {{% if config.CRISP_ID %}}
                {CRISP}
              {{% endif %}}
            {{% endif %}}
            """,
            "",
            f"""\
            {{% if not hide_chat %}}
              {{% if config.CRISP_ID %}}
                {CRISP}
              {{% endif %}}
              {TAG}
            {{% endif %}}
            """,
            id="configuration-inside-the-page-rule",
        ),
        pytest.param(
            f"""\
            {{% if config.CRISP_ID and not hide_chat %}}
              {CRISP}
            {{% endif %}}
            """,
            "",
            f"""\
            {{% if config.CRISP_ID and not hide_chat %}}
              {CRISP}
            {{% endif %}}
            {{% if not hide_chat %}}
              {TAG}
            {{% endif %}}
            """,
            id="configuration-and-the-page-rule-copied",
        ),
        pytest.param(
            "",
            f"""\
            {{% if request.endpoint not in ANALYTICS_EXCLUDED_ENDPOINTS %}}
              {GTAG}
            {{% endif %}}
            """,
            f"""\
            {{% if request.endpoint not in ANALYTICS_EXCLUDED_ENDPOINTS %}}
              {TAG}
            {{% endif %}}
            """,
            id="analytics-rule-in-head-copied-before-body-close",
        ),
    ],
)
def test_guard_fixes(body: str, head: str, expected: str) -> None:
    text = _layout(body, head)
    new = _placed(text)
    if head:
        added = textwrap.indent(textwrap.dedent(expected), "    ")
        assert new == text.replace("  </body>", added + "  </body>")
    else:
        assert new == _layout(expected, head)


def test_block_the_pages_override() -> None:
    text = _layout(f"{{% block support_chat %}}\n  {CRISP}\n{{% endblock %}}\n")
    child = '{% extends "base.html" %}{% block support_chat %}{% endblock %}'
    new = _placed(text, share__doc=child)
    assert f"  {CRISP}\n      {TAG}\n    {{% endblock %}}" in new
    report = pages(
        {
            "base.html": parse_template("t/base.html", "base.html", text),
            "share/doc.html": parse_template("t/share/doc.html", "share/doc.html", child),
        },
        parse_template("t/base.html", "base.html", text),
    )
    assert report.guard is not None and report.guard.block
    assert [(p.path, p.carries) for p in report.pages] == [("t/share/doc.html", False)]


def test_partial_guarded_inside() -> None:
    """envergo's shape: the layout includes a partial whose whole content is a page flag."""
    text = _layout('{% include "_chatbox.html" %}\n')
    partial = "{% if CRISP_CHATBOX_ENABLED %}\n<script>window.$crisp = [];</script>\n{% endif %}\n"
    new = _placed(text, _chatbox=partial)
    assert new == insert_before_body_close(
        text, ["{% if CRISP_CHATBOX_ENABLED %}", f"  {TAG}", "{% endif %}"]
    )


def test_pages_listed() -> None:
    base = _layout(f"{{% if not request.path.startswith(PUBLIC) %}}{CRISP}{{% endif %}}\n")
    templates = {
        name: parse_template(f"t/{name}", name, text)
        for name, text in {
            "base.html": base,
            "index.html": '{% extends "base.html" %}',
            "share/doc.html": '{% extends "base.html" %}',
            "embed.html": "<html><body>doc</body></html>\n",
            "print_base.html": "<html><body>{% block content %}{% endblock %}</body></html>\n",
            "print/card.html": '{% extends "print_base.html" %}',
            "emails/welcome.html": "<html><body>Welcome</body></html>\n",
            "partials/nav.html": "<nav></nav>",
        }.items()
    }
    report = pages(templates, templates["base.html"])
    listed = {p.path: p.carries for p in report.pages}
    assert listed == {"t/embed.html": False, "t/print_base.html": False, "t/share/doc.html": None}
    notes = [n.message for n in report.notes()]
    assert notes[0].startswith("the widget follows the app's own page exclusion")
    assert any(n.startswith("the widget will not appear on: t/embed.html:1") for n in notes)


# -- Next.js shells ------------------------------------------------------------------------------


def _shell_guard(tmp_path: Path, files: dict[str, str]) -> tuple[str, str] | None:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(textwrap.dedent(text))
    project = Project(tmp_path)
    shell = next(iter(files))
    source = Source.of(shell, project.text(shell) or "")
    found = shell_guard(project, TsConfig(None, ""), source)
    if found is None:
        return None
    text = project.text(found.path) or ""
    return found.guard.condition, text.encode()[found.start : found.end].decode()


def test_shell_ternary(tmp_path: Path) -> None:
    found = _shell_guard(
        tmp_path,
        {
            "pages/_app.tsx": """\
            import Script from "next/script";
            export default function App({ Component, pageProps, router }) {
              return HIDDEN_PATHS.includes(router.pathname) ? (
                <Component {...pageProps} />
              ) : (
                <main><Component {...pageProps} /><Script src="https://embed.tawk.to/1/2" /></main>
              );
            }
            """
        },
    )
    assert found is not None
    assert found[0] == "!(HIDDEN_PATHS.includes(router.pathname))"
    assert found[1].startswith("<main>")


def test_shell_and_condition(tmp_path: Path) -> None:
    found = _shell_guard(
        tmp_path,
        {
            "app/layout.tsx": """\
            import { GoogleAnalytics } from "@next/third-parties/google";
            export default function Root({ children }) {
              const pathname = headers().get("x-pathname") ?? "";
              return (
                <html>
                  <body>
                    {children}
                    {!pathname.startsWith("/embed") && <GoogleAnalytics gaId="G-1" />}
                  </body>
                </html>
              );
            }
            """
        },
    )
    assert found == ('!pathname.startsWith("/embed")', '<GoogleAnalytics gaId="G-1" />')


def test_shell_layout_branch(tmp_path: Path) -> None:
    """papermark's shape: the listed paths render outside the app's layout, so does the widget."""
    found = _shell_guard(
        tmp_path,
        {
            "pages/_app.tsx": """\
            export default function App({ Component, pageProps, router }) {
              return EXCLUDED_PATHS.includes(router.pathname) ? (
                <Component {...pageProps} />
              ) : (
                <TeamProvider>
                  <Component {...pageProps} />
                </TeamProvider>
              );
            }
            """
        },
    )
    assert found is not None and found[1].startswith("<TeamProvider>")
    assert found[0] == "!(EXCLUDED_PATHS.includes(router.pathname))"


@pytest.mark.parametrize(
    "shell",
    [
        pytest.param(
            """\
            export default function App({ Component, pageProps, router }) {
              const page = <Component {...pageProps} />;
              return router.pathname === "/" ? page : <Marketing>{page}</Marketing>;
            }
            """,
            id="layout-by-a-path-test-not-a-list",
        ),
        pytest.param(
            """\
            export default function App({ Component, pageProps, session }) {
              const page = <Component {...pageProps} />;
              return session ? <>{page}<Intercom /></> : page;
            }
            """,
            id="signed-in-only",
        ),
        pytest.param(
            """\
            export default function App({ Component, pageProps, router }) {
              return router.pathname === "/" ? <Chat /> : <Component {...pageProps} />;
            }
            """,
            id="the-apps-own-chat-component",
        ),
    ],
)
def test_shell_noop(tmp_path: Path, shell: str) -> None:
    assert _shell_guard(tmp_path, {"pages/_app.tsx": shell}) is None


def test_component_early_return(tmp_path: Path) -> None:
    found = _shell_guard(
        tmp_path,
        {
            "app/layout.tsx": """\
            import ThirdParty from "./third-party";
            export default function Root({ children }) {
              return <html><body>{children}<ThirdParty /></body></html>;
            }
            """,
            "app/third-party.tsx": """\
            "use client";
            import Script from "next/script";
            import { usePathname } from "next/navigation";
            export default function ThirdParty() {
              const pathname = usePathname();
              if (pathname.startsWith("/viewer")) return null;
              return <Script src="https://client.crisp.chat/l.js" />;
            }
            """,
        },
    )
    assert found == (
        '!(pathname.startsWith("/viewer"))',
        '<Script src="https://client.crisp.chat/l.js" />',
    )


# -- the fixtures, through the CLI ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "guard", "without"),
    [
        pytest.param(
            "flask-doc-share",
            "not request.path.startswith(PUBLIC_PREFIXES)",
            {"docshare/templates/embed.html"},
            id="flask",
        ),
        pytest.param(
            "django-chat-block",
            "support_chat",
            {"kitchen/templates/kitchen/recipe_print.html"},
            id="django",
        ),
        pytest.param(
            "nextjs-excluded-paths",
            "!(EXCLUDED_PATHS.includes(router.pathname))",
            {
                "src/pages/view/[docId].tsx",
                "src/pages/view/domains/[domain]/[slug].tsx",
                "src/middleware.ts",
            },
            id="nextjs-pages",
        ),
        pytest.param(
            "nextjs-viewer-group",
            "!(HIDDEN_ON.some((prefix) => pathname.startsWith(prefix)))",
            {"app/(viewer)/layout.tsx"},
            id="nextjs-app-viewer-group",
        ),
        pytest.param(
            "express-share-links",
            "unless hideChat",
            {
                "app.js",
                "routes/documents.js",
                "views/embed/document.hbs",
                "views/share/document.hbs",
            },
            id="express-handlebars",
        ),
        pytest.param(
            "wp-chat-rules",
            "! is_page( 'checkout' ) && ! is_page_template( 'page-templates/document-viewer.php' )"
            " && apply_filters( 'ledger_show_chat', true )",
            {"functions.php", "page-templates/document-viewer.php"},
            id="wordpress-theme",
        ),
    ],
)
def test_inspect_reports_the_rule_and_the_pages(
    fixture: str, guard: str, without: set[str]
) -> None:
    code, doc = run_json("inspect", str(Path("fixtures") / fixture), "--api-key", "pk_x")
    assert code == 0, doc
    assert not doc["questions"]  # a viewer's own root layout is no rival candidate
    guards = [f["value"] for f in doc["findings"] if f["kind"] == "widget-guard"]
    assert guards == [guard]
    missing = {f["value"] for f in doc["findings"] if f["kind"] == "page-without-widget"}
    assert missing == without
    assert any(n["message"].startswith("the widget will not appear on") for n in doc["notes"])


@pytest.mark.parametrize(
    ("fixture", "path", "guarded"),
    [
        pytest.param(
            "nextjs-excluded-paths",
            "src/pages/_app.tsx",
            "        <Workspace>\n"
            "          <Component {...pageProps} />\n"
            "          <SupportChat />\n"
            "          <BestChatBotIdentity />\n"
            "          <Script\n",
            id="nextjs-pages-branch",
        ),
        pytest.param(
            "nextjs-viewer-group",
            "components/chat-scripts.tsx",
            "    <>\n"
            '      <Script src="https://widget.intercom.io/widget/deckroom"'
            ' strategy="lazyOnload" />\n'
            "      <BestChatBotIdentity />\n"
            "      <Script\n"
            '        src="https://widget.bestchatbot.io/widget/v1/chat.js"\n',
            id="nextjs-client-component",
        ),
    ],
)
def test_apply_follows_the_rule(tmp_path: Path, fixture: str, path: str, guarded: str) -> None:
    root = copy_fixture(fixture, tmp_path)
    first = run("apply", root, "--yes", "--api-key", "pk_x")
    assert first.exit_code == 0, first.output
    assert guarded in (root / path).read_text()
    again = run("apply", root, "--yes", "--api-key", "pk_x")
    assert again.exit_code == 0 and "Nothing to do" in again.output, again.output


def test_inspect_json_of_a_guard_names_its_evidence() -> None:
    code, doc = run_json("inspect", "fixtures/django-chat-block", "--api-key", "pk_x")
    assert code == 0
    (guard,) = [f for f in doc["findings"] if f["kind"] == "widget-guard"]
    where = [(e["file"], e["line"]) for e in guard["evidence"]]
    assert where == [
        ("kitchen/templates/kitchen/base.html", 25),
        ("kitchen/templates/kitchen/recipe_print.html", 6),
    ]
    assert json.dumps(doc)  # serialisable as documented


def test_page_cached_django_follows_the_block(tmp_path: Path) -> None:
    """Behind `cache_page` the layout gets the tag without a token and the identity script:
    both inside the block the printable page overrides."""
    root = copy_fixture("django-chat-block", tmp_path)
    views = root / "kitchen" / "views.py"
    views.write_text(
        views.read_text()
        .replace(
            "from django.views.generic",
            "from django.utils.decorators import method_decorator\n"
            "from django.views.decorators.cache import cache_page\n"
            "from django.views.generic",
        )
        .replace(
            "class RecipeListView(",
            "@method_decorator(cache_page(60), name='dispatch')\nclass RecipeListView(",
        )
    )
    result = run("apply", root, "--yes", "--api-key", "pk_x")
    assert result.exit_code == 0, result.output
    base = (root / "kitchen/templates/kitchen/base.html").read_text()
    block = base[base.index("{% block support_chat %}") : base.index("{% endblock support_chat %}")]
    assert 'data-api-key="pk_x"></script>' in block and "bestchatbot-identity.js" in block
    assert "data-user-token" not in base


# -- the text report -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "widget"),
    [
        pytest.param(
            "flask-doc-share",
            "   not present; it belongs inside the app's own rule at"
            " docshare/templates/base.html:15"
            " (`not request.path.startswith(PUBLIC_PREFIXES)`), beside the app's Crisp chat"
            " script: at docshare/templates/base.html:26\n\n",
            id="inside-the-rule",
        ),
        pytest.param(
            "wp-chat-rules",
            "   not present; it belongs in functions.php:1, under a copy of the app's own rule at"
            " functions.php:31 (`! is_page( 'checkout' ) && ! is_page_template("
            " 'page-templates/document-viewer.php' ) && apply_filters( 'ledger_show_chat', true"
            " )`)\n     functions.php:1  printed before </body> by a wp_footer hook\n\n",
            id="under-a-copy",
        ),
        pytest.param(
            "flask-login",
            "   not present; it belongs in app/templates/base.html:24\n"
            "     app/templates/base.html:24  base layout: before </body>\n\n",
            id="no-rule",
        ),
    ],
)
def test_the_widget_section_says_where_the_tag_goes(fixture: str, widget: str) -> None:
    result = run("inspect", Path("fixtures") / fixture, "--api-key", "pk_x")
    assert result.exit_code == 0, result.output
    section = result.stdout[result.stdout.index("3. Widget\n") + len("3. Widget\n") :]
    assert section[: section.index("Delivery:")] == widget


def test_without_a_provider_element_the_component_follows_the_rule() -> None:
    """A provider with no element to stay inside (Supabase, Firebase): the identity component
    goes under the rule with the `<Script>`, and fetches no token on the excluded pages."""
    from scaffolder.stacks.nextjs.mount import Mount, mount

    text = (
        'import Script from "next/script";\n\n'
        "export default function App({ Component, pageProps, router }) {\n"
        "  return HIDDEN_PATHS.includes(router.pathname) ? (\n"
        "    <Component {...pageProps} />\n"
        "  ) : (\n"
        "    <main>\n"
        "      <Component {...pageProps} />\n"
        '      <Script src="https://embed.tawk.to/1/2" />\n'
        "    </main>\n"
        "  );\n"
        "}\n"
    )
    start = text.index("<main>")
    end = text.index("</main>") + len("</main>")
    spec = Mount("BestChatBotIdentity", "../components/Identity", frozenset(), "pk", (start, end))
    after = mount(Source(text, "tsx", "pages/_app.tsx"), spec)
    branch = after[after.index("<main>") : after.index("</main>")]
    assert "<BestChatBotIdentity />" in branch and "widget.bestchatbot.io" in branch
