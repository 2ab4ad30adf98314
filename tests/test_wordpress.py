"""WordPress stack: the PHP / composer.json edits as before/after pairs, and detection and
planning on small project trees (themes, plugins, sites, Composer, page caches)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from scaffolder.markup import widget_tags
from scaffolder.project import Project
from scaffolder.stacks.wordpress import MANIFEST, composer, detect, php
from scaffolder.stacks.wordpress.hooks import WordPressStack
from scaffolder.stacks.wordpress.plan import insert_attribute_call
from tests.helpers import FIXTURES, copy_fixture, run, run_json, tree_digest


def write(root: Path, files: dict[str, str]) -> Path:
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip("\n"), newline="")
    return root


# -- headers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "field", "expected"),
    [
        pytest.param("/*\nTheme Name: Harbor\n*/", "Theme Name", ("Harbor", 2), id="css-comment"),
        pytest.param(
            "<?php\n/**\n * Plugin Name:  Acme Tools\n */", "Plugin Name", ("Acme Tools", 3),
            id="docblock",
        ),
        pytest.param("<?php // Plugin Name: Tiny ?>", "Plugin Name", ("Tiny", 1), id="one-line"),
        pytest.param(" Template:     twentytwentyone\n", "Template", ("twentytwentyone", 1),
                     id="child-theme-template"),
        pytest.param("<?php\n$x = 'Plugin Name';\n", "Plugin Name", None, id="not-a-header"),
        pytest.param("/*\nTheme Name:\n*/", "Theme Name", None, id="empty-value"),
    ],
)  # fmt: skip
def test_header(text: str, field: str, expected: tuple[str, int] | None) -> None:
    assert php.header(text, field) == expected


# -- appending PHP ----------------------------------------------------------------------------

CODE = "add_action( 'wp_footer', 'x' );\n"


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param(
            "<?php\nrequire 'a.php';\n",
            "<?php\nrequire 'a.php';\n\nadd_action( 'wp_footer', 'x' );\n",
            id="plain",
        ),
        pytest.param(
            "<?php\nrequire 'a.php';",
            "<?php\nrequire 'a.php';\n\nadd_action( 'wp_footer', 'x' );\n",
            id="no-final-newline",
        ),
        pytest.param(
            "<?php\nrequire 'a.php';\n?>\n",
            "<?php\nrequire 'a.php';\n\nadd_action( 'wp_footer', 'x' );\n?>\n",
            id="closing-tag",
        ),
        pytest.param(
            "<?php\nrequire 'a.php';\n\n\n?>",
            "<?php\nrequire 'a.php';\n\nadd_action( 'wp_footer', 'x' );\n?>",
            id="closing-tag-after-blank-lines",
        ),
        pytest.param(
            "<?php\nrequire 'a.php';\n?>\n<p>legacy</p>\n",
            "<?php\nrequire 'a.php';\n?>\n<p>legacy</p>\n"
            "<?php\n\nadd_action( 'wp_footer', 'x' );\n",
            id="html-after-closing-tag",
        ),
        pytest.param(
            "<?php\nnamespace Acme {\n\tfunction a() {}\n}\n",
            "<?php\nnamespace Acme {\n\tfunction a() {}\n}\n\nnamespace {\n"
            "\tadd_action( 'wp_footer', 'x' );\n}\n",
            id="braced-namespace",
        ),
        pytest.param(
            "<?php\r\nrequire 'a.php';\r\n",
            "<?php\r\nrequire 'a.php';\r\n\r\nadd_action( 'wp_footer', 'x' );\n",
            id="crlf",
        ),
    ],
)
def test_append_code(before: str, after: str) -> None:
    assert php.append_code(before, CODE, php.Style().newline if "\r" not in before else "\r\n") == (
        after
    )


def test_integrated_noop_detection() -> None:
    assert detect.integrated("<?php\nrequire 'a.php';\n") is None
    assert detect.integrated("<?php\n// bestchatbot_widget_token is mentioned\n") is None
    attr = "<?php\nif ( 1 ) {\n\tfunction bestchatbot_widget_token() {}\n}\n"
    assert detect.integrated(attr) == "script-attribute"
    endpoint = attr + "function bestchatbot_widget_token_response() {}\n"
    assert detect.integrated(endpoint) == "token-endpoint"


# -- style ------------------------------------------------------------------------------------


def test_restyle_to_psr12() -> None:
    wpcs = (
        "if ( ! function_exists( 'f' ) ) {\n"
        "\tfunction f( $a ) {\n"
        "\t\treturn array( 'x' => strtolower( $a ), 'y' => '( kept )' );\n"
        "\t}\n"
        "}\n"
    )
    psr = (
        "if (!function_exists('f')) {\n"
        "    function f($a)\n"
        "    {\n"
        "        return ['x' => strtolower($a), 'y' => '( kept )'];\n"
        "    }\n"
        "}\n"
    )
    assert php.restyle("<?php\n" + wpcs, php.Style(False, "    ")) == "<?php\n" + psr


def test_restyle_noop_for_wpcs() -> None:
    code = "<?php\nif ( ! function_exists( 'f' ) ) {\n\tf( array( 1 ) );\n}\n"
    assert php.restyle(code, php.Style()) == code


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        pytest.param(["<?php\nfunction a() {\n\tb( 1 );\n}\n"], php.Style(True, "\t"), id="wpcs"),
        pytest.param(["<?php\nfunction a()\n{\n    b(1);\n}\n"], php.Style(False, "    "),
                     id="psr"),
        pytest.param(["<?php\r\nfunction a() {\r\n  b(1);\r\n}\r\n"],
                     php.Style(False, "  ", "\r\n"), id="two-spaces-crlf"),
        pytest.param([], php.Style(), id="nothing-to-go-by"),
    ],
)  # fmt: skip
def test_style_of(texts: list[str], expected: php.Style) -> None:
    assert php.style_of(texts) == expected


# -- the widget tag ---------------------------------------------------------------------------

TAG = '<script src="https://widget.bestchatbot.io/widget/v1/chat.js" data-api-key="pk"'


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param(
            TAG + "></script>",
            TAG + "<?php bestchatbot_user_token_attribute(); ?>></script>",
            id="plain",
        ),
        pytest.param(
            TAG + " async ></script>",
            TAG + " async<?php bestchatbot_user_token_attribute(); ?> ></script>",
            id="space-before-close",
        ),
        pytest.param(
            TAG.replace('"pk"', '"<?php echo esc_attr( KEY ); ?>"') + "></script>",
            TAG.replace('"pk"', '"<?php echo esc_attr( KEY ); ?>"')
            + "<?php bestchatbot_user_token_attribute(); ?>></script>",
            id="php-inside-an-attribute",
        ),
    ],
)
def test_insert_attribute_call(before: str, after: str) -> None:
    tag = widget_tags(before)[0]
    assert insert_attribute_call(before, tag.start, tag.end, detect.ATTRIBUTE_FUNCTION) == after


# -- composer.json ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param(
            '{\n  "require": {\n    "php": ">=8.1",\n    "roots/wordpress": "^6.6"\n  },\n'
            '  "config": {"sort-packages": true}\n}\n',
            '{\n  "require": {\n    "php": ">=8.1",\n    "firebase/php-jwt": "^7.0",\n'
            '    "roots/wordpress": "^6.6"\n  },\n  "config": {"sort-packages": true}\n}\n',
            id="sorted",
        ),
        pytest.param(
            '{\n    "require": {\n        "roots/wordpress": "^6.6",\n'
            '        "a/b": "1"\n    }\n}\n',
            '{\n    "require": {\n        "roots/wordpress": "^6.6",\n        "a/b": "1",\n'
            '        "firebase/php-jwt": "^7.0"\n    }\n}\n',
            id="unsorted-appends",
        ),
        pytest.param(
            '{\n  "name": "a/b",\n  "require": {}\n}\n',
            '{\n  "name": "a/b",\n  "require": {\n    "firebase/php-jwt": "^7.0"\n  }\n}\n',
            id="empty-require",
        ),
        pytest.param(
            '{\n  "name": "a/b",\n  "require-dev": {"x/y": "1"}\n}\n',
            '{\n  "require": {\n    "firebase/php-jwt": "^7.0"\n  },\n  "name": "a/b",\n'
            '  "require-dev": {"x/y": "1"}\n}\n',
            id="no-require",
        ),
        pytest.param(
            '{\r\n\t"require": {\r\n\t\t"php": "^8.2"\r\n\t}\r\n}\r\n',
            '{\r\n\t"require": {\r\n\t\t"php": "^8.2",\r\n\t\t"firebase/php-jwt": "^7.0"\r\n'
            "\t}\r\n}\r\n",
            id="tabs-crlf",
        ),
        pytest.param(
            '{"extra": {"require": {"x": "1"}}, "require": {"php": "^8.2"}}',
            '{"extra": {"require": {"x": "1"}}, "require": {"php": "^8.2",\n'
            '"firebase/php-jwt": "^7.0"}}',
            id="nested-require-key-is-not-it",
        ),
    ],
)
def test_add_require(before: str, after: str) -> None:
    new = composer.add_require(before, "firebase/php-jwt", "^7.0")
    assert new == after
    assert json.loads(new)["require"]["firebase/php-jwt"] == "^7.0"


@pytest.mark.parametrize(
    ("php_constraint", "expected"),
    [
        pytest.param(">=8.1", "^7.0", id="php8"),
        pytest.param("^7.4 || ^8.0", "^6.11", id="php7-allowed"),
        pytest.param(None, "^7.0", id="unspecified"),
    ],
)
def test_jwt_constraint(php_constraint: str | None, expected: str) -> None:
    data = {"require": {"php": php_constraint}} if php_constraint else {}
    assert composer.jwt_constraint(data) == expected


# -- projects ---------------------------------------------------------------------------------

STYLE = """
    /*
    Theme Name: Dune
    Version: 1.0
    */
"""
BLOCK_THEME = {
    "style.css": STYLE,
    "theme.json": '{"version": 3}\n',
    "templates/index.html": "<!-- wp:post-content /-->\n",
    "parts/footer.html": "<!-- wp:paragraph --><p>Dune</p><!-- /wp:paragraph -->\n",
}


def plan_of(root: Path, *flags: str) -> dict[str, dict[str, str]]:
    code, doc = run_json("apply", str(root), "--dry-run", *flags)
    assert code == 0, doc
    return {e["path"]: e for e in doc["edits"]}


def test_block_theme_without_functions_php_gets_one(tmp_path: Path) -> None:
    root = write(tmp_path, BLOCK_THEME)
    edits = plan_of(root, "--api-key", "pk_dune")
    assert list(edits) == ["functions.php", "assets/js/bestchatbot-identity.js"]
    assert edits["functions.php"]["action"] == "create"
    assert "+<?php\n+/**\n+ * Dune functions.\n" in edits["functions.php"]["diff"]
    assert (
        "add_action( 'wp_footer', 'bestchatbot_print_widget' );" in edits["functions.php"]["diff"]
    )


def test_widget_in_block_markup_switches_to_the_endpoint(tmp_path: Path) -> None:
    files = dict(BLOCK_THEME)
    files["parts/footer.html"] = f"<!-- wp:html -->\n{TAG}></script>\n<!-- /wp:html -->\n"
    root = write(tmp_path, files)
    code, doc = run_json("inspect", str(root))
    assert code == 0
    assert doc["delivery"] == "token-endpoint"
    assert doc["widget"]["present"] and doc["widget"]["file"] == "parts/footer.html"
    assert any("not in a PHP template" in n["message"] for n in doc["notes"])
    edits = plan_of(root)
    assert sorted(edits) == ["assets/js/bestchatbot-identity.js", "functions.php"]
    diff = edits["functions.php"]["diff"]
    assert "get_theme_file_uri( 'assets/js/bestchatbot-identity.js' )" in diff
    assert "bestchatbot_print_widget" not in diff  # the block markup already loads the widget
    refused = run("apply", str(root), "--dry-run", "--delivery", "script-attribute")
    assert refused.exit_code == 2
    assert "cannot carry a per-request data-user-token" in refused.output


SAGE = {
    "style.css": STYLE.replace("Dune", "Sage Shop"),
    "composer.json": '{\n  "require": {\n    "php": ">=8.2",\n    "roots/acorn": "^4.3"\n  }\n}\n',
    "functions.php": """
        <?php

        if (! file_exists($composer = __DIR__.'/vendor/autoload.php')) {
            wp_die(__('Error locating autoloader.', 'sage'));
        }

        require $composer;
    """,
    "index.php": "<?php echo view(app('sage.view'), app('sage.data'))->render();\n",
    "resources/views/layouts/app.blade.php": "@php(wp_footer())\n",
}


def test_sage_theme_uses_its_composer_autoloader(tmp_path: Path) -> None:
    root = write(tmp_path, SAGE)
    code, doc = run_json("inspect", str(root))
    assert code == 0
    assert any(f["kind"] == "composer" for f in doc["findings"])
    edits = plan_of(root, "--api-key", "pk")
    assert sorted(edits) == ["assets/js/bestchatbot-identity.js", "composer.json", "functions.php"]
    assert '+    "firebase/php-jwt": "^7.0"\n' in edits["composer.json"]["diff"]
    functions = edits["functions.php"]["diff"]
    assert "\\Firebase\\JWT\\JWT::encode($claims, $key, 'HS256')" in functions
    assert "hash_hmac" not in functions
    assert "function bestchatbot_widget_token()\n+    {\n" in functions  # PSR-12, like the file


def test_composer_json_without_autoloader_falls_back_to_hash_hmac(tmp_path: Path) -> None:
    files = dict(BLOCK_THEME)
    files["composer.json"] = '{\n  "require-dev": {"wp-coding-standards/wpcs": "^3.0"}\n}\n'
    root = write(tmp_path, files)
    _code, doc = run_json("inspect", str(root), "--api-key", "pk")
    assert any("vendor/autoload.php" in n["message"] for n in doc["notes"])
    edits = plan_of(root, "--api-key", "pk")
    assert list(edits) == ["functions.php", "assets/js/bestchatbot-identity.js"]
    assert "hash_hmac( 'sha256', $signing_input, $key, true )" in edits["functions.php"]["diff"]


def test_wp_content_repository_is_a_site(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "themes/dune/style.css": STYLE,
            "themes/dune/index.php": "<?php get_header();\n",
            "plugins/wp-rocket/wp-rocket.php": "<?php\n/*\nPlugin Name: WP Rocket\n*/\n",
        },
    )
    code, doc = run_json("inspect", str(root), "--api-key", "pk")
    assert code == 0
    assert doc["delivery"] == "token-endpoint"
    assert [f["value"] for f in doc["findings"] if f["kind"] == "page-cache"] == [
        "page-cache plugin installed: WP Rocket"
    ]
    edits = plan_of(root, "--api-key", "pk")
    assert sorted(edits) == ["mu-plugins/bestchatbot-identity.js", "mu-plugins/bestchatbot.php"]


def test_bedrock_litespeed_from_composer(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "composer.json": json.dumps(
                {
                    "require": {
                        "roots/wordpress": "^6.6",
                        "wpackagist-plugin/litespeed-cache": "^6.4",
                    },
                    "extra": {"installer-paths": {"web/app/mu-plugins/{$name}/": ["x"]}},
                },
                indent=4,
            ),
            "config/application.php": "<?php\nConfig::define('WP_CACHE', env('WP_CACHE'));\n",
            "web/wp-config.php": "<?php\nrequire_once dirname(__DIR__) . '/vendor/autoload.php';\n",
        },
    )
    _code, doc = run_json("inspect", str(root), "--api-key", "pk")
    assert doc["delivery"] == "token-endpoint"
    assert {f["value"] for f in doc["findings"] if f["kind"] == "page-cache"} == {
        "WP_CACHE is defined (env('WP_CACHE'))",
        "page-cache plugin required: LiteSpeed Cache",
    }
    edits = plan_of(root, "--api-key", "pk")
    plugin = edits["web/app/mu-plugins/bestchatbot.php"]["diff"]
    assert "do_action('litespeed_control_set_nocache', 'BestChatBot widget token');" in plugin
    assert "plugins_url('bestchatbot-identity.js', __FILE__)" in plugin
    assert "web/app/mu-plugins/bestchatbot-identity.js" in edits


def test_several_plugins_ask_which_one(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "alpha/alpha.php": "<?php\n/**\n * Plugin Name: Alpha\n */\n",
            "beta/beta.php": "<?php\n/**\n * Plugin Name: Beta\n */\n",
        },
    )
    code, doc = run_json("apply", str(root), "--dry-run", "--api-key", "pk")
    assert code == 3
    assert doc["questions"][0]["id"] == "app"
    assert doc["questions"][0]["choices"] == ["alpha", "beta"]
    edits = plan_of(root, "--api-key", "pk", "--app", "beta")
    assert list(edits) == ["beta/beta.php", "beta/assets/js/bestchatbot-identity.js"]
    assert run("apply", str(root), "--dry-run", "--app", "gamma").exit_code == 2


def test_child_theme_is_preferred_over_its_parent(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "parent/style.css": STYLE,
            "parent/index.php": "<?php\n",
            "parent/footer.php": "<?php wp_footer(); ?>\n</body>\n",
            "child/style.css": STYLE.replace("Dune", "Dune Child") + "/* Template: parent */\n",
            "child/functions.php": "<?php\n",
        },
    )
    edits = plan_of(root, "--api-key", "pk")
    assert list(edits) == ["child/functions.php", "child/assets/js/bestchatbot-identity.js"]


def test_classic_theme_without_wp_footer_warns(tmp_path: Path) -> None:
    root = write(tmp_path, {"style.css": STYLE, "index.php": "<?php\n?>\n<html></html>\n"})
    code, doc = run_json("apply", str(root), "--dry-run", "--api-key", "pk")
    assert code == 0
    assert any("calls wp_footer()" in w for w in doc["warnings"])


def test_expression_answers(tmp_path: Path) -> None:
    root = write(tmp_path, BLOCK_THEME)
    expr = "$user->user_login . '@Corp.Example'"
    edits = plan_of(root, "--api-key", "pk", "--email-expr", expr, "--name-expr", "$user->nickname")
    diff = edits["functions.php"]["diff"]
    assert "$email = (string) ( $user->user_login . '@Corp.Example' );" in diff
    assert "$name = (string) $user->nickname;" in diff
    bad = run("apply", str(root), "--dry-run", "--api-key", "pk", "--email-expr", "$_GET['e']")
    assert bad.exit_code == 2
    assert "may only use $user" in bad.output
    assert run("apply", str(root), "--dry-run", "--auth", "clerk").exit_code == 2


def test_switching_delivery_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    root = write(tmp_path, BLOCK_THEME)
    assert run("apply", str(root), "--yes", "--api-key", "pk").exit_code == 0
    before = tree_digest(root)
    again = run("apply", str(root), "--yes", "--delivery", "token-endpoint")
    assert again.exit_code == 5
    assert "already integrates BestChatBot with script-attribute" in again.output
    assert tree_digest(root) == before
    assert "Nothing to do" in run("apply", str(root), "--yes").output


def test_not_wordpress(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "composer.json": '{"require": {"laravel/framework": "^11.0"}}\n',
            "public/index.php": "<?php\n",
            "resources/css/app.css": "body {}\n",
        },
    )
    _code, doc = run_json("inspect", str(root))
    assert doc["stack"]["framework"] != "wordpress"


# -- the manifest, the homes and the hooks ------------------------------------------------------

PLUGIN = "<?php\n/**\n * Plugin Name: {}\n */\n"
TREES = {
    "block-theme": BLOCK_THEME,
    "sage": SAGE,
    "plugin": {"acme/acme.php": PLUGIN.format("Acme")},
    "wp-config-only": {"wp-config.php": "<?php\n"},
    "bedrock-composer-only": {"composer.json": '{"require": {"roots/wordpress": "^6.6"}}\n'},
}


@pytest.mark.parametrize("tree", [*TREES, *(f.name for f in FIXTURES.glob("wp-*"))])
def test_signals_never_miss_a_detected_home(tmp_path: Path, tree: str) -> None:
    root = write(tmp_path, TREES[tree]) if tree in TREES else copy_fixture(tree, tmp_path)
    project = Project(root)
    assert WordPressStack().detect(project) is not None
    assert MANIFEST.signals is not None and MANIFEST.signals.match(project)


def test_triage_leaves_wordpress_unimported_without_php_css_or_json(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": "from flask import Flask\napp = Flask(__name__)\n"})
    code = (
        "import sys; from pathlib import Path; from scaffolder import engine; "
        "from scaffolder.model import Answers; "
        f"engine.inspect(Path({str(tmp_path)!r}), Answers()); "
        "print('scaffolder.stacks.wordpress.hooks' in sys.modules, "
        "'scaffolder.stacks.wordpress.php' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param(
            {"wp-config.php": "<?php\n", "wp-content/themes/t/style.css": STYLE},
            ["wp-content"],
            id="a-site-wins-over-its-themes",
        ),
        pytest.param(
            {
                "parent/style.css": STYLE,
                "child/style.css": STYLE.replace("Dune", "Kid") + "/* Template: parent */\n",
            },
            ["child"],
            id="a-child-theme-wins-over-its-parent",
        ),
        pytest.param(
            {
                "parent/style.css": STYLE,
                "child/style.css": STYLE.replace("Dune", "Kid") + "/* Template: parent */\n",
                "p/p.php": PLUGIN.format("P"),
            },
            ["child", "parent", "p"],
            id="a-plugin-beside-them-is-a-question",
        ),
    ],
)
def test_preferred_homes(tmp_path: Path, files: dict[str, str], expected: list[str]) -> None:
    stack = WordPressStack()
    homes = stack.candidates(Project(write(tmp_path, files)))
    assert [h.label for h in stack.preferred_candidates(homes)] == expected


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param(
            {"style.css": STYLE, "inc/walker.php": PLUGIN.format("Walker")},
            ["functions.php"],
            id="a-header-inside-a-theme-is-the-themes-file",
        ),
        pytest.param(
            {
                "wp-config.php": "<?php\n",
                "wp-content/themes/t/style.css": STYLE,
                "wp-content/themes/t/inc/walker.php": PLUGIN.format("Walker"),
            },
            ["wp-content/mu-plugins/bestchatbot.php", "wp-content/themes/t/functions.php"],
            id="a-header-inside-a-sites-theme-is-the-themes-file",
        ),
        pytest.param(
            {
                "wp-config.php": "<?php\n",
                "wp-content/plugins/a/a.php": PLUGIN.format("A"),
                "wp-content/plugins/a/lib/cmb/init.php": PLUGIN.format("Bundled"),
                "wp-content/plugins/solo.php": PLUGIN.format("Solo"),
            },
            [
                "wp-content/mu-plugins/bestchatbot.php",
                "wp-content/plugins/solo.php",
                "wp-content/plugins/a/a.php",
            ],
            id="under-plugins-only-plugins-star-and-plugins-star-star",
        ),
        pytest.param(
            {"acme.php": PLUGIN.format("Acme"), "lib/cmb2/init.php": PLUGIN.format("CMB2")},
            ["acme.php"],
            id="a-header-inside-a-plugin-is-the-plugins-file",
        ),
        pytest.param(
            {
                "acme/acme.php": PLUGIN.format("Acme"),
                "acme/includes/lib/init.php": PLUGIN.format("Lib"),
                "beta/beta.php": PLUGIN.format("Beta"),
            },
            ["acme/acme.php", "beta/beta.php"],
            id="plugins-side-by-side-keep-only-their-main-files",
        ),
    ],
)
def test_plugin_main_files_are_where_wordpress_reads_them(
    tmp_path: Path, files: dict[str, str], expected: list[str]
) -> None:
    homes = detect.homes(Project(write(tmp_path, files)))
    assert [h.file for h in homes] == expected


def test_theme_with_a_plugin_header_in_inc_is_the_theme(tmp_path: Path) -> None:
    """fixtures/wp-starter-theme: its bundled menu walker keeps a `Plugin Name:` header."""
    root = copy_fixture("wp-starter-theme", tmp_path)
    walker = "inc/class-tidewater-menu-walker.php"
    assert php.header((root / walker).read_text(), "Plugin Name") is not None
    code, doc = run_json("inspect", str(root), "--api-key", "pk")
    assert code == 0, doc["questions"]
    assert (doc["stack"]["app_root"], doc["auth"]["library"]) == (".", "wordpress")
    assert [e["file"] for e in doc["stack"]["evidence"]] == ["style.css", "footer.php"]
    edits = plan_of(root, "--api-key", "pk")
    assert list(edits) == ["functions.php", "assets/js/bestchatbot-identity.js"]


def test_detection_evidence_is_the_sites_then_four_units(tmp_path: Path) -> None:
    files = {f"wp-content/plugins/p{i}/p{i}.php": PLUGIN.format(f"P{i}") for i in range(6)}
    project = Project(write(tmp_path, {"wp-config.php": "<?php\n", **files}))
    detection = WordPressStack().detect(project)
    assert detection is not None
    assert [e.why for e in detection.evidence] == [
        "WordPress site configuration (wp-config.php)",
        *(f"plugin header: Plugin Name: P{i}" for i in range(4)),
    ]


def test_forced_framework_without_a_theme_plugin_or_site_is_unsupported(tmp_path: Path) -> None:
    root = write(tmp_path, {"public/index.php": "<?php\n"})
    result = run("apply", str(root), "--dry-run", "--framework", "wordpress", "--api-key", "pk")
    assert result.exit_code == 4, result.output
    assert "unsupported stack" in result.output


def test_someone_elses_identity_script_is_refused(tmp_path: Path) -> None:
    root = write(tmp_path, {**BLOCK_THEME, "assets/js/bestchatbot-identity.js": "alert(1);\n"})
    before = tree_digest(root)
    result = run("apply", str(root), "--yes", "--api-key", "pk", "--delivery", "token-endpoint")
    assert result.exit_code == 5
    assert "is not bcb-scaffold's identity script" in result.output
    assert tree_digest(root) == before


def test_widget_attribute_per_template_noop_where_it_is_there(tmp_path: Path) -> None:
    token = "<?php bestchatbot_user_token_attribute(); ?>"
    root = write(
        tmp_path,
        {
            "style.css": STYLE,
            "functions.php": "<?php\n",
            "footer.php": f"<?php wp_footer(); ?>\n{TAG}></script>\n</body>\n",
            "sidebar.php": f"<aside>{TAG}{token}></script></aside>\n",
        },
    )
    code, doc = run_json("apply", str(root), "--dry-run", "--api-key", "pk")
    assert code == 0
    assert [e["path"] for e in doc["edits"]] == [
        "functions.php",
        "footer.php",
        "assets/js/bestchatbot-identity.js",
    ]
    assert f"+{TAG}{token}></script>" in doc["edits"][1]["diff"]
    assert doc["skipped"] == [
        {"path": "sidebar.php", "why": "widget tag already carries data-user-token"}
    ]
