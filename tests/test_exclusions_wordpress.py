"""The app's own page exclusions in WordPress (issue 15): the conditional tags a theme or plugin
keeps its chat / analytics script off some pages with, as the widget's wp_footer callback and
the identity script's enqueue copy them, and the pages the report lists. The patched theme runs
over HTTP in test_exclusions_e2e.py."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from scaffolder import engine
from scaffolder.model import Answers
from scaffolder.project import Project
from scaffolder.stacks.wordpress.exclusions import find, reason, report
from scaffolder.writer import write_plan
from tests.helpers import copy_fixture

STYLE = "/*\nTheme Name: Harbour\n*/\n"
TAWK = '<script src="https://embed.tawk.to/abc/default" async></script>'


def theme(tmp_path: Path, functions: str, files: dict[str, str] | None = None) -> Path:
    root = tmp_path / "harbour"
    root.mkdir()
    (root / "style.css").write_text(STYLE)
    (root / "functions.php").write_text("<?php\n" + dedent(functions))
    for name, text in (files or {}).items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(dedent(text))
    return root


def rule_of(root: Path) -> str | None:
    found = find(Project(root), ["."])
    return found.expression if found is not None else None


@pytest.mark.parametrize(
    ("functions", "expression"),
    [
        pytest.param(
            f"""\
            add_action( 'wp_footer', function () {{
            \tif ( ! is_page( 'checkout' ) ) {{
            \t\techo '{TAWK}';
            \t}}
            }} );
            """,
            "! is_page( 'checkout' )",
            id="if-around-the-script",
        ),
        pytest.param(
            """\
            function harbour_chat() {
            \tif ( is_admin() || is_page( array( 'embed', 'share' ) ) ) {
            \t\treturn;
            \t}
            \twp_enqueue_script( 'crisp', 'https://client.crisp.chat/l.js', array(), null, true );
            }
            add_action( 'wp_enqueue_scripts', 'harbour_chat' );
            """,
            "! is_page( array( 'embed', 'share' ) )",
            id="early-return-the-admin-part-dropped",
        ),
        pytest.param(
            """\
            function harbour_chat() {
            \tif ( ! is_singular( 'viewer' ) && get_option( 'harbour_crisp' ) ) {
            \t\twp_enqueue_script( 'crisp', 'https://client.crisp.chat/l.js' );
            \t}
            }
            """,
            "! is_singular( 'viewer' )",
            id="joined-with-an-option",
        ),
        pytest.param(
            """\
            function harbour_chat() {
            \tif ( ! apply_filters( 'harbour_show_chat', ! is_front_page() ) ) {
            \t\treturn;
            \t}
            \t?><script>window.intercomSettings = { app_id: "x" };</script><?php
            }
            """,
            "apply_filters( 'harbour_show_chat', ! is_front_page() )",
            id="a-filter-negated-back",
        ),
        pytest.param(
            f"""\
            function harbour_chat() {{
            \tif ( is_page( 'a' ) || is_page( 'b' ) ) {{
            \t\treturn;
            \t}}
            \tif ( is_singular() || is_front_page() ) {{
            \t\techo '{TAWK}';
            \t}}
            }}
            """,
            "! is_page( 'a' ) && ! is_page( 'b' ) && ( is_singular() || is_front_page() )",
            id="several-joined",
        ),
    ],
)
def test_the_rule_copied(tmp_path: Path, functions: str, expression: str) -> None:
    assert rule_of(theme(tmp_path, functions)) == expression


def test_a_template_with_the_alternative_syntax(tmp_path: Path) -> None:
    footer = f"""\
        <?php if ( ! is_page_template( 'templates/viewer.php' ) ) : ?>
        {TAWK}
        <?php endif; ?>
        <?php wp_footer(); ?>
    """
    root = theme(tmp_path, "", {"footer.php": footer})
    found = find(Project(root), ["."])
    assert found is not None
    assert (found.guard.path, found.guard.line) == ("footer.php", 1)
    assert found.expression == "! is_page_template( 'templates/viewer.php' )"
    assert found.guard.reason == "checks which page this is, with is_page_template()"


@pytest.mark.parametrize(
    "functions",
    [
        pytest.param(
            f"if ( get_theme_mod( 'harbour_chat' ) ) {{ echo '{TAWK}'; }}", id="theme-mod"
        ),
        pytest.param(f"if ( is_user_logged_in() ) {{ echo '{TAWK}'; }}", id="signed-in"),
        pytest.param(
            f"if ( is_front_page() ) {{ echo 'x'; }} else {{ echo '{TAWK}'; }}", id="else-branch"
        ),
        pytest.param(
            "if ( is_front_page() ) { echo '<script src=\"https://plausible.io/js/s.js\">'; }",
            id="analytics-on-a-few-pages",
        ),
        pytest.param(
            f"// {TAWK} is loaded by the plugin\nif ( is_page( 'x' ) ) {{ }}", id="comment"
        ),
        pytest.param(f"echo '{TAWK}';", id="no-rule"),
        # the copy runs in the plugin's own function: only conditional tags with literals
        pytest.param(
            f"if ( ! is_page( $slug ) ) {{ echo '{TAWK}'; }}", id="a-variable-of-the-theme"
        ),
        pytest.param(
            f"if ( ! is_page( 'a' . shell_exec( 'id' ) ) ) {{ echo '{TAWK}'; }}",
            id="a-call-inside-the-tag",
        ),
        pytest.param('if ( ! is_page( "{$slug}" ) ) { echo \'' + TAWK + "'; }", id="interpolation"),
    ],
)
def test_conditions_not_copied(tmp_path: Path, functions: str) -> None:
    assert rule_of(theme(tmp_path, functions)) is None


@pytest.mark.parametrize(
    ("part", "why"),
    [
        ("is_page( 'checkout' )", "checks which page this is, with is_page()"),
        ("! is_front_page()", "checks which page this is, with is_front_page()"),
        ("apply_filters( 'x_show_chat', true )", "asks the filter x_show_chat, whose callbacks"),
        ("get_option( 'hide_chat' )", None),
        ("defined( 'HIDE_CHAT' )", None),
        ("is_admin()", None),
    ],
)
def test_what_is_a_test_on_the_page(part: str, why: str | None) -> None:
    found = reason(part)
    assert found == why if why is None else (found is not None and found.startswith(why))


def test_the_callback_and_the_enqueue_follow_the_rule(tmp_path: Path) -> None:
    root = copy_fixture("wp-chat-rules", tmp_path)
    result = engine.plan(root, Answers(api_key="pk_ledger"))
    edit = next(e for e in result.plan.edits if e.path == "functions.php")
    assert "the widget under `! is_page( 'checkout' )" in edit.reason
    added = edit.after[len(edit.before) :]
    rule = (
        "\tfunction bestchatbot_widget_shown() {\n"
        "\t\treturn ! is_page( 'checkout' )\n"
        "\t\t\t&& ! is_page_template( 'page-templates/document-viewer.php' )\n"
        "\t\t\t&& apply_filters( 'ledger_show_chat', true );\n\t}\n"
    )
    assert rule in added
    early = "\t\tif ( ! bestchatbot_widget_shown() ) {\n\t\t\treturn;\n\t\t}\n"
    for callback in ("bestchatbot_print_widget", "bestchatbot_enqueue_identity_script"):
        body = added[added.index(f"function {callback}() {{") :]
        assert body.split("\n", 1)[1].startswith(early), callback
    assert (
        "bestchatbot_widget_shown" not in added[: added.index("function bestchatbot_widget_shown")]
    )
    write_plan(root, result.plan)
    assert engine.plan(root, Answers(api_key="pk_ledger")).plan.edits == []


def test_no_rule_when_the_theme_prints_the_widget_itself(tmp_path: Path) -> None:
    """The theme's own widget tag gets the token where it is: no callback to guard."""
    root = copy_fixture("wp-chat-rules", tmp_path)
    footer = root / "footer.php"
    footer.write_text(
        footer.read_text().replace(
            "<?php wp_footer(); ?>",
            '<script src="https://widget.bestchatbot.io/widget/v1/chat.js" data-api-key="pk">'
            "</script>\n<?php wp_footer(); ?>",
        )
    )
    result = engine.plan(root, Answers())
    functions = next(e.after for e in result.plan.edits if e.path == "functions.php")
    assert "bestchatbot_widget_shown" not in functions


def test_the_pages_listed(tmp_path: Path) -> None:
    root = copy_fixture("wp-chat-rules", tmp_path)
    project = Project(root)
    listed = report(project, ["."], find(project, ["."])).pages
    assert [(p.path, p.line, p.carries) for p in listed] == [
        ("functions.php", 31, False),
        ("functions.php", 61, None),
        ("page-templates/document-viewer.php", 1, False),
    ]
    assert "a callback of ledger_show_chat" in listed[1].why
    assert "the rule names it" in listed[2].why


def test_a_viewer_template_without_the_footer_hook(tmp_path: Path) -> None:
    viewer = "<?php\n/* Template Name: Embedded document */\nthe_content();\n"
    root = theme(tmp_path, f"echo '{TAWK}';", {"templates/embed/document.php": viewer})
    project = Project(root)
    (page,) = report(project, ["."], find(project, ["."])).pages
    assert (page.path, page.carries) == ("templates/embed/document.php", False)
    assert "calls neither wp_footer() nor get_footer()" in page.why
