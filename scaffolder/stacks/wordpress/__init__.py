"""WordPress: https://developer.wordpress.org/

Detects classic themes (`style.css` header, `functions.php`, `footer.php`), block themes
(`theme.json`, `templates/index.html`), plugins (the `Plugin Name:` header of their main file),
whole sites (`wp-config.php`, `wp-content/`, or Composer installing WordPress core: Bedrock),
Composer (`composer.json` whose `vendor/autoload.php` is loaded; Sage / Blade themes), page-cache
plugins (WP Super Cache, W3 Total Cache, WP Rocket, LiteSpeed Cache, ...) and `WP_CACHE`, and the
widget tag in PHP templates or block markup. Users are WordPress core users (auth id `wordpress`).

Adds, to the theme's `functions.php`, the plugin's main file, or a new must-use plugin for a
site, the code that signs the widget token (firebase/php-jwt where Composer is used, else a
small HS256 encoder on `hash_hmac`) with `BESTCHATBOT_SIGNING_KEY` from wp-config.php or the
environment, the REST route `GET /wp-json/bestchatbot/v1/widget-token` and an enqueued script
that calls `setUserToken` / `clearUserToken`, and either a `wp_footer` hook printing the widget
tag with `data-user-token` for logged-in users (the script renews that token before it expires),
or, where a page cache is present, nothing personal in the page (the script fetches the token).
Where the theme or plugin keeps its own chat script off some pages with conditional tags, the
hook and the script's enqueue follow a copy of them (`scaffolder.stacks.wordpress.exclusions`).

The rooms: `detect` (pure finders; `php` and `composer` hold the PHP and composer.json source
helpers), `hooks` (the stack's hooks into the shared inspection, imported only when triage lets
WordPress in), `plan` (the plan's steps). This module only declares the manifest, so that triage
costs no import.
"""

from __future__ import annotations

from scaffolder.registry import Manifest, Signals, declare

AUTH_IDS = ("wordpress",)

MANIFEST = declare(
    Manifest(
        id="wordpress",
        name="WordPress",
        language="php",
        module="scaffolder.stacks.wordpress.hooks",
        auth_ids=AUTH_IDS,
        # A theme has a style.css, a plugin a PHP main file, a site a wp-config.php or a
        # composer.json installing WordPress: nothing else is detected.
        signals=Signals(
            names=("wp-config.php",),
            suffixes=(".php", ".css", ".json"),
            words=("theme name", "plugin name", "wordpress", "wp_", "wpackagist", "add_action"),
        ),
    )
)
