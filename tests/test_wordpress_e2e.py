"""End to end on the WordPress fixtures: apply, `php -l` every PHP file written, then run the
patched theme / plugin / must-use plugin under the php CLI with stand-ins for the WordPress
functions it calls (tests/php/wordpress.php), as a visitor and as a logged-in user, and verify
the token with PyJWT and the key from the environment.

The Composer site signs with firebase/php-jwt. Packagist cannot be reached here and Debian
bookworm does not package the library, so its autoloader maps `Firebase\\JWT\\` to a stand-in
with the real v7 `JWT::encode()` signature (tests/php/firebase-php-jwt).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import (
    apply_twice,
    assert_contract,
    assert_missing_key_logged_once,
    copy_fixture,
    run,
    token_in,
    verify,
)

pytestmark = pytest.mark.e2e
PHP_DIR = Path(__file__).resolve().parent / "php"
WIDGET = "https://widget.bestchatbot.io/widget/v1/chat.js"
ADA = {
    "ID": 7,
    "user_login": "ada",
    "user_email": "Ada.Lovelace@Example.COM",
    "display_name": "Ada Lovelace",
}
ROUTE = "/bestchatbot/v1/widget-token"


def apply_and_lint(root: Path, *flags: str) -> list[str]:
    """`apply_twice`, then `php -l` on every PHP file the apply created or changed."""
    changed = apply_twice(root, *flags).changed
    for path in changed:
        if path.endswith(".php"):
            lint = subprocess.run(
                ["php", "-l", str(root / path)], capture_output=True, text=True, timeout=60
            )
            assert lint.returncode == 0, lint.stdout + lint.stderr
    return changed


def php(scenario: dict[str, Any], *, theme_dir: Path | None = None) -> dict[str, Any]:
    environ = dict(os.environ)
    if theme_dir is not None:
        environ["WP_STUB_THEME_DIR"] = str(theme_dir)
    done = subprocess.run(
        ["php", str(PHP_DIR / "run.php")],
        input=json.dumps(scenario),
        capture_output=True,
        text=True,
        timeout=60,
        env=environ,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out: dict[str, Any] = json.loads(done.stdout)
    assert out["errors"] == [], out["errors"]
    out["log"] = done.stderr  # error_log() of the php CLI
    return out


def widget_tags(html: str) -> list[str]:
    return [line for line in html.splitlines() if WIDGET in line]


THEME_SCRIPT = "https://example.test/wp-content/themes/active/assets/js/bestchatbot-identity.js"


def assert_the_open_page_renews_its_token(
    page: dict[str, Any], signed_in: dict[str, Any], src: str, **kw: Any
) -> None:
    """The signed-in page loads the renewal script after its widget tag, with the REST settings
    it needs; with the page's nonce the route gives the user a fresh token, never cached, and a
    visitor gets WordPress's 401."""
    html = signed_in["html"]
    loaded = f'<script src="{src}?ver=1.0.0" id="bestchatbot-identity-js"></script>'
    assert html.index(WIDGET) < html.index(loaded), html
    settings = signed_in["localized"]["bestchatbot-identity"]["bestchatbotIdentity"]
    assert settings["endpoint"] == "https://example.test/wp-json/bestchatbot/v1/widget-token"
    assert settings["nonceUrl"].endswith("admin-ajax.php?action=rest-nonce")
    requires = page["require"]
    answer = php(
        {"require": requires, "user": ADA, "rest": ["GET", ROUTE, settings["nonce"]]}, **kw
    )
    assert answer["rest"]["status"] == 200
    assert "no-store" in answer["rest"]["headers"]["Cache-Control"]
    token = answer["rest"]["body"]["token"]
    assert_contract(
        verify(token), email="ada.lovelace@example.com", name="Ada Lovelace", user_id="7"
    )
    visitor = php({"require": requires, "user": None, "rest": ["GET", ROUTE, None]}, **kw)
    assert (visitor["rest"]["status"], visitor["rest"]["body"]) == (401, {"code": "rest_forbidden"})


def test_classic_theme_token_on_the_existing_footer_tag(tmp_path: Path, signing_key: str) -> None:
    root = copy_fixture("wp-classic-theme", tmp_path)
    changed = apply_and_lint(root)
    assert changed == ["assets/js/bestchatbot-identity.js", "footer.php", "functions.php"]
    assert "dataset.userToken" in (root / "assets/js/bestchatbot-identity.js").read_text()
    page = {"require": [str(root / "functions.php")], "page": True}
    page["template"] = str(root / "footer.php")

    anonymous = php({**page, "user": None}, theme_dir=root)["html"]
    assert len(widget_tags(anonymous)) == 1
    assert 'data-api-key="pk_live_lighthouse"' in anonymous
    assert token_in(anonymous) is None
    assert f'<script src="{THEME_SCRIPT}?ver=1.0.0"' in anonymous  # it fetches nothing there

    signed_in = php({**page, "user": ADA}, theme_dir=root)
    assert len(widget_tags(signed_in["html"])) == 1, "the theme's own tag only: no second widget"
    assert_private_when_signed_in(page, theme_dir=root)
    token = token_in(signed_in["html"])
    assert token is not None
    assert_contract(
        verify(token), email="ada.lovelace@example.com", name="Ada Lovelace", user_id="7"
    )
    assert_the_open_page_renews_its_token(page, signed_in, THEME_SCRIPT, theme_dir=root)


CORE = "no-cache, must-revalidate, max-age=0, no-store, private"  # WordPress 6.3+
PUBLIC = {"Cache-Control": "public, max-age=600"}  # a page-cache plugin's


def cache_control(page: dict[str, Any], user: dict[str, Any] | None, **kw: Any) -> str | None:
    """The Cache-Control header WordPress sends for the page (core's, or the scenario's)."""
    headers: dict[str, str] = php({**page, "user": user}, **kw)["headers"]
    return headers.get("Cache-Control")


def assert_private_when_signed_in(page: dict[str, Any], **kw: Any) -> None:
    """The signed-in page, which carries the token, is private whatever core or a plugin set,
    its other directives kept and a no-store kept; a visitor's page is left as it was."""
    assert cache_control(page, ADA, **kw) == CORE
    assert cache_control({**page, "headers": PUBLIC}, ADA, **kw) == "max-age=600, private"
    older = {"Cache-Control": "no-cache, must-revalidate, max-age=0"}  # WordPress before 6.3
    assert cache_control({**page, "headers": older}, ADA, **kw) == (
        "no-cache, must-revalidate, max-age=0, private"
    )
    assert cache_control({**page, "headers": {"Cache-Control": "no-store"}}, ADA, **kw) == (
        "no-store"
    )
    assert cache_control({**page, "headers": {}}, ADA, **kw) == "private"
    assert cache_control(page, None, **kw) is None
    assert cache_control({**page, "headers": PUBLIC}, None, **kw) == PUBLIC["Cache-Control"]


def test_block_theme_wp_footer_prints_the_widget(tmp_path: Path, signing_key: str) -> None:
    root = copy_fixture("wp-block-theme", tmp_path)
    assert run("apply", root, "--dry-run").exit_code == 3  # the API key is asked for
    changed = apply_and_lint(root, "--api-key", "pk_meadow")
    assert changed == ["assets/js/bestchatbot-identity.js", "functions.php"]
    page = {"require": [str(root / "functions.php")], "page": True}

    anonymous = php({**page, "user": None})["html"]
    assert widget_tags(anonymous) == [f'<script src="{WIDGET}" data-api-key="pk_meadow"></script>']
    signed_in = php({**page, "user": {**ADA, "display_name": ""}})["html"]
    # The widget is printed at wp_footer's default priority, the footer scripts after it.
    assert signed_in.index(WIDGET) < signed_in.index(f'<script src="{THEME_SCRIPT}?ver=1.0.0"')
    assert_private_when_signed_in(page)
    token = token_in(signed_in)
    assert token is not None
    # No display name: the claim is left out rather than sent empty.
    assert_contract(verify(token), email="ada.lovelace@example.com", name=None, user_id="7")


def test_starter_theme_with_a_bundled_plugin_header(tmp_path: Path, signing_key: str) -> None:
    """The theme's inc/ walker carries a `Plugin Name:` header: the theme is still the home, and
    its functions.php, loading every inc/ file, prints the widget with the user's token."""
    root = copy_fixture("wp-starter-theme", tmp_path)
    walker = root / "inc/class-tidewater-menu-walker.php"
    walker_before = walker.read_bytes()
    changed = apply_and_lint(root, "--api-key", "pk_tidewater")
    assert changed == ["assets/js/bestchatbot-identity.js", "functions.php"]
    assert walker.read_bytes() == walker_before
    core = tmp_path / "walker-nav-menu.php"  # the core class the theme's walker extends
    core.write_text("<?php\nclass Walker_Nav_Menu {}\n")
    page = {"require": [str(core), str(root / "functions.php")], "page": True}
    page["template"] = str(root / "footer.php")

    anonymous = php({**page, "user": None}, theme_dir=root)
    assert widget_tags(anonymous["html"]) == [
        f'<script src="{WIDGET}" data-api-key="pk_tidewater"></script>'
    ]
    signed_in = php({**page, "user": ADA}, theme_dir=root)["html"]
    assert len(widget_tags(signed_in)) == 1
    token = token_in(signed_in)
    assert token is not None
    assert_contract(
        verify(token), email="ada.lovelace@example.com", name="Ada Lovelace", user_id="7"
    )


def test_namespaced_plugin(tmp_path: Path, signing_key: str) -> None:
    root = copy_fixture("wp-plugin", tmp_path)
    changed = apply_and_lint(root, "--api-key", "pk_rowing")
    assert changed == ["assets/js/bestchatbot-identity.js", "member-directory.php"]
    page = {"require": [str(root / "member-directory.php")], "page": True}
    assert token_in(php({**page, "user": None})["html"]) is None
    signed_in = php({**page, "user": ADA})
    assert len(widget_tags(signed_in["html"])) == 1
    assert_private_when_signed_in(page)  # the filter's callback resolves in the namespace
    token = token_in(signed_in["html"])
    assert token is not None
    assert_contract(
        verify(token), email="ada.lovelace@example.com", name="Ada Lovelace", user_id="7"
    )
    # The route's and the script's callbacks resolve in the namespace too.
    script = (
        f"https://example.test/wp-content/plugins/{root.name}/assets/js/bestchatbot-identity.js"
    )
    assert_the_open_page_renews_its_token(page, signed_in, script)


def test_missing_signing_key_renders_the_page_without_a_token(
    tmp_path: Path, no_signing_key: None
) -> None:
    root = copy_fixture("wp-plugin", tmp_path)
    assert run("apply", root, "--yes", "--api-key", "pk_rowing").exit_code == 0
    page = {"require": [str(root / "member-directory.php")], "page": True, "headers": PUBLIC}
    out = php({**page, "user": ADA})
    assert len(widget_tags(out["html"])) == 1
    assert "data-user-token" not in out["html"]
    # No token on the page: its headers stay as the plugin set them; the key is looked up once.
    assert out["headers"] == PUBLIC
    assert_missing_key_logged_once(out["log"])
    # The open page's renewal gets 503 {"token": null}, never cached; visitors still get 401.
    nonce = out["localized"]["bestchatbot-identity"]["bestchatbotIdentity"]["nonce"]
    renewal = php({"require": page["require"], "user": ADA, "rest": ["GET", ROUTE, nonce]})
    assert (renewal["rest"]["status"], renewal["rest"]["body"]) == (503, {"token": None})
    assert "no-store" in renewal["rest"]["headers"]["Cache-Control"]
    visitor = php({"require": page["require"], "user": None, "rest": ["GET", ROUTE, None]})
    assert visitor["rest"]["status"] == 401


def test_missing_signing_key_endpoint_answers_503(tmp_path: Path, no_signing_key: None) -> None:
    """The REST route answers a logged-in user 503 {"token": null}, never cached, while the key
    is unset; visitors still get WordPress's 401."""
    root = copy_fixture("wp-cached-site", tmp_path)
    apply_and_lint(root, "--api-key", "pk_harbor")
    requires = sorted(str(p) for p in (root / "wp-content/mu-plugins").glob("*.php"))
    page = php({"require": requires, "page": True, "user": ADA})
    assert WIDGET in page["html"] and "data-user-token" not in page["html"]
    assert page["log"] == ""  # the cached page itself signs nothing

    answer = php({"require": requires, "user": ADA, "rest": ["GET", ROUTE, page["nonce"]]})
    assert (answer["rest"]["status"], answer["rest"]["body"]) == (503, {"token": None})
    assert "no-store" in answer["rest"]["headers"]["Cache-Control"]
    assert_missing_key_logged_once(answer["log"])
    visitor = php({"require": requires, "user": None, "rest": ["GET", ROUTE, None]})
    assert visitor["rest"]["status"] == 401


def _write_autoloader(root: Path) -> None:
    """vendor/autoload.php as `composer install` would leave it, for firebase/php-jwt only."""
    vendor = root / "vendor"
    vendor.mkdir()
    source = PHP_DIR / "firebase-php-jwt" / "src"
    (vendor / "autoload.php").write_text(
        "<?php\nspl_autoload_register(function ($class) {\n"
        "    $prefix = 'Firebase\\\\JWT\\\\';\n"
        "    if (strncmp($class, $prefix, strlen($prefix)) === 0) {\n"
        f"        require '{source}/' . substr($class, strlen($prefix)) . '.php';\n"
        "    }\n});\n"
    )


def test_composer_site_signs_with_php_jwt(tmp_path: Path, signing_key: str) -> None:
    root = copy_fixture("wp-composer-site", tmp_path)
    changed = apply_and_lint(root, "--api-key", "pk_ridge")
    assert changed == [
        ".env.example",
        "composer.json",
        "web/app/mu-plugins/bestchatbot-identity.js",
        "web/app/mu-plugins/bestchatbot.php",
    ]
    manifest = json.loads((root / "composer.json").read_text())
    assert manifest["require"]["firebase/php-jwt"] == "^7.0"
    assert list(manifest["require"]) == sorted(manifest["require"], key=lambda n: (n != "php", n))
    assert "BESTCHATBOT_SIGNING_KEY=\n" in (root / ".env.example").read_text()
    plugin = (root / "web/app/mu-plugins/bestchatbot.php").read_text()
    assert "\\Firebase\\JWT\\JWT::encode($claims, $key, 'HS256')" in plugin

    _write_autoloader(root)
    mu = root / "web/app/mu-plugins"
    # As web/wp-config.php does: Composer's autoloader first, then WordPress loads mu-plugins.
    requires = [str(root / "vendor/autoload.php"), *sorted(str(p) for p in mu.glob("*.php"))]
    page = {"require": requires, "page": True}
    assert token_in(php({**page, "user": None})["html"]) is None
    signed_in = php({**page, "user": ADA})
    assert len(widget_tags(signed_in["html"])) == 1
    assert cache_control({**page, "headers": PUBLIC}, ADA) == "max-age=600, private"
    token = token_in(signed_in["html"])
    assert token is not None
    claims = verify(token)
    assert claims.header == {"typ": "JWT", "alg": "HS256"}
    assert_contract(claims, email="ada.lovelace@example.com", name="Ada Lovelace", user_id="7")
    script = "https://example.test/wp-content/mu-plugins/bestchatbot-identity.js"
    assert_the_open_page_renews_its_token(page, signed_in, script)  # php-jwt signs it too


def test_cached_site_serves_the_token_from_the_rest_api(tmp_path: Path, signing_key: str) -> None:
    root = copy_fixture("wp-cached-site", tmp_path)
    changed = apply_and_lint(root, "--api-key", "pk_harbor")
    assert changed == [
        "wp-content/mu-plugins/bestchatbot-identity.js",
        "wp-content/mu-plugins/bestchatbot.php",
    ]
    mu = root / "wp-content/mu-plugins"
    requires = sorted(str(p) for p in mu.glob("*.php"))
    page = {"require": requires, "page": True}

    # The cached page is the same for everyone: the widget tag without a token, the script,
    # and the REST settings it needs.
    anonymous = php({**page, "user": None})
    assert widget_tags(anonymous["html"]) == [
        f'<script src="{WIDGET}" data-api-key="pk_harbor"></script>'
    ]
    assert token_in(anonymous["html"]) is None
    script = anonymous["scripts"]["bestchatbot-identity"]
    assert script == {
        "src": "https://example.test/wp-content/mu-plugins/bestchatbot-identity.js",
        "ver": "1.0.0",
        "footer": True,
    }
    settings = anonymous["localized"]["bestchatbot-identity"]["bestchatbotIdentity"]
    assert settings["endpoint"] == "https://example.test/wp-json/bestchatbot/v1/widget-token"
    assert settings["nonceUrl"].endswith("admin-ajax.php?action=rest-nonce")
    signed_in_page = php({**page, "user": ADA})
    assert token_in(signed_in_page["html"]) is None  # nothing personal in the page itself
    assert cache_control({**page, "headers": PUBLIC}, ADA) == PUBLIC["Cache-Control"]

    visitor = php({"require": requires, "user": None, "rest": ["GET", ROUTE, None]})["rest"]
    # The permission_callback turns visitors away before the callback runs: WordPress's 401.
    assert visitor["status"] == 401
    assert visitor["body"] == {"code": "rest_forbidden"}

    nonce = signed_in_page["nonce"]
    answer = php({"require": requires, "user": ADA, "rest": ["GET", ROUTE, nonce]})["rest"]
    assert answer["status"] == 200
    assert "no-store" in answer["headers"]["Cache-Control"]
    assert_contract(
        verify(answer["body"]["token"]),
        email="ada.lovelace@example.com",
        name="Ada Lovelace",
        user_id="7",
    )

    # The nonce of the cached anonymous page is not the user's: WordPress refuses it (the
    # script then fetches a fresh one); without any nonce the request runs as a visitor.
    stale = php({"require": requires, "user": ADA, "rest": ["GET", ROUTE, settings["nonce"]]})
    assert stale["rest"]["status"] == 403
    unsent = php({"require": requires, "user": ADA, "rest": ["GET", ROUTE, None]})
    assert unsent["rest"]["status"] == 401


def test_identity_script_renews_a_stale_nonce_and_clears_on_logout(
    tmp_path: Path, signing_key: str
) -> None:
    """The generated browser script, under node, against a fake page and REST API."""
    root = copy_fixture("wp-cached-site", tmp_path)
    assert run("apply", root, "--yes", "--api-key", "pk_harbor").exit_code == 0
    script = root / "wp-content/mu-plugins/bestchatbot-identity.js"
    harness = tmp_path / "harness.js"
    harness.write_text(HARNESS.replace("SCRIPT", str(script)))
    out = subprocess.run(["node", str(harness)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [
        "GET:/wp-json/bestchatbot/v1/widget-token:stale-nonce",
        "GET:/wp-admin/admin-ajax.php?action=rest-nonce",
        "GET:/wp-json/bestchatbot/v1/widget-token:fresh-nonce",
        "set:header.eyJleHAiOjk5OTk5OTk5OTl9.sig",
        "GET:/wp-json/bestchatbot/v1/widget-token:fresh-nonce",
        "clear",
    ]


HARNESS = r"""
const fs = require("fs");
const vm = require("vm");
const log = [];
let signedIn = true;
const response = (status, body) => ({
  ok: status >= 200 && status < 300,
  status,
  json: async () => body,
  text: async () => String(body),
});
const context = {
  window: {
    bestchatbotIdentity: {
      endpoint: "/wp-json/bestchatbot/v1/widget-token",
      nonce: "stale-nonce",
      nonceUrl: "/wp-admin/admin-ajax.php?action=rest-nonce",
    },
  },
  document: {
    visibilityState: "visible",
    querySelector: () => ({ addEventListener: () => {} }),
    addEventListener: () => {},
  },
  fetch: async (url, init) => {
    if (init.credentials !== "same-origin" || init.cache !== "no-store") throw new Error(url);
    const nonce = (init.headers || {})["X-WP-Nonce"];
    log.push("GET:" + url + (nonce ? ":" + nonce : ""));
    if (url.includes("admin-ajax")) {
      return signedIn ? response(200, "fresh-nonce") : response(400, "0");
    }
    if (!signedIn) return response(401, { code: "rest_forbidden" });
    if (nonce !== "fresh-nonce") return response(403, { code: "rest_cookie_invalid_nonce" });
    return response(200, { token: "header.eyJleHAiOjk5OTk5OTk5OTl9.sig" });
  },
  atob: (s) => Buffer.from(s, "base64").toString("binary"),
  setTimeout: () => 0, clearTimeout: () => {}, Date, JSON, Math,
};
context.window.BestChatBot = {
  setUserToken: (t) => log.push("set:" + t),
  clearUserToken: () => log.push("clear"),
};
vm.runInNewContext(fs.readFileSync("SCRIPT", "utf8"), context);
(async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
  signedIn = false;
  await context.window.BestChatBotIdentity.refresh();
  console.log(log.join("\n"));
})();
"""


def test_namespaced_plugin_endpoint(tmp_path: Path, signing_key: str) -> None:
    """--delivery token-endpoint in a namespaced file: callbacks and core classes resolve."""
    root = copy_fixture("wp-plugin", tmp_path)
    flags = ("--api-key", "pk_rowing", "--delivery", "token-endpoint")
    changed = apply_and_lint(root, *flags)
    assert changed == ["assets/js/bestchatbot-identity.js", "member-directory.php"]
    requires = [str(root / "member-directory.php")]
    page = php({"require": requires, "page": True, "user": ADA})
    assert page["scripts"]["bestchatbot-identity"]["src"] == (
        f"https://example.test/wp-content/plugins/{root.name}/assets/js/bestchatbot-identity.js"
    )
    answer = php({"require": requires, "user": ADA, "rest": ["GET", ROUTE, page["nonce"]]})
    assert answer["rest"]["status"] == 200
    assert_contract(
        verify(answer["rest"]["body"]["token"]),
        email="ada.lovelace@example.com",
        name="Ada Lovelace",
        user_id="7",
    )
    visitor = php({"require": requires, "user": None, "rest": ["GET", ROUTE, None]})
    assert visitor["rest"]["status"] == 401
