"""WordPress detection: themes, plugins, whole sites, Composer, page caches, the widget tag.

Pure and read-only: every finder returns frozen facts; the homes (`homes`) are the candidates
the integration may live in. Themes are known by their `style.css` header (`Theme Name:`),
plugins by the header comment of their main file (`Plugin Name:`) where WordPress looks for one
(never inside a theme: a theme's files are the theme's), sites by `wp-config.php`, a
`wp-content/` directory or a Composer manifest that installs WordPress core (Bedrock). Files
that a site git-ignores (its `wp-config.php`, Composer-installed plugins) still count for
detection: they are what runs in production.
"""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass
from typing import Any, Literal

from scaffolder.errors import BadInput
from scaffolder.markup import Tag, widget_tags
from scaffolder.model import Delivery, Evidence
from scaffolder.project import Project
from scaffolder.stacks.wordpress import php
from scaffolder.steps import SCRIPT

HomeKind = Literal["theme", "plugin", "site"]
TagContext = Literal["template", "static", "code"]

MU_PLUGIN = "bestchatbot.php"
TOKEN_FUNCTION = "bestchatbot_widget_token"
ATTRIBUTE_FUNCTION = "bestchatbot_user_token_attribute"
ROUTE_FUNCTION = "bestchatbot_widget_token_response"

CORE_PACKAGES = (
    "roots/wordpress",
    "roots/wordpress-no-content",
    "roots/wordpress-full",
    "johnpbloch/wordpress",
    "johnpbloch/wordpress-core",
    "wordpress/wordpress",
)
PLUGIN_VENDORS = ("wpackagist-plugin/", "wp-plugin/")
# Page-cache plugins by their wordpress.org slug (or the directory premium ones install to).
CACHE_PLUGINS = {
    "wp-super-cache": "WP Super Cache",
    "w3-total-cache": "W3 Total Cache",
    "wp-rocket": "WP Rocket",
    "litespeed-cache": "LiteSpeed Cache",
    "wp-fastest-cache": "WP Fastest Cache",
    "cache-enabler": "Cache Enabler",
    "comet-cache": "Comet Cache",
    "hummingbird-performance": "Hummingbird",
    "breeze": "Breeze",
    "sg-cachepress": "SiteGround Speed Optimizer",
    "wp-optimize": "WP-Optimize",
    "swift-performance-lite": "Swift Performance",
    "powered-cache": "Powered Cache",
    "nitropack": "NitroPack",
    "wp-cloudflare-page-cache": "Super Page Cache for Cloudflare",
    "cachify": "Cachify",
    "simple-cache": "Simple Cache",
    "varnish-http-purge": "Proxy Cache Purge (Varnish)",
    "nginx-helper": "Nginx Helper (FastCGI cache)",
}


@dataclass(frozen=True)
class Unit:
    """A theme or a plugin of the project."""

    kind: Literal["theme", "plugin"]
    root: str
    main: str
    """The plugin's main file; the theme's `style.css`."""
    name: str
    line: int
    block: bool = False
    parent: str | None = None
    sage: bool = False

    @property
    def label(self) -> str:
        return self.root if self.root not in ("", ".") else self.main


@dataclass(frozen=True)
class Site:
    root: str
    content_dir: str
    config: str | None
    evidence: tuple[Evidence, ...]
    bedrock: bool = False


@dataclass(frozen=True)
class Composer:
    manifest: str
    data: dict[str, Any]
    autoload: Evidence | None

    @property
    def requires(self) -> dict[str, Any]:
        req = self.data.get("require")
        return req if isinstance(req, dict) else {}

    @property
    def has_jwt(self) -> bool:
        return "firebase/php-jwt" in self.requires


@dataclass(frozen=True)
class WidgetTag:
    path: str
    line: int
    context: TagContext
    tag: Tag

    @property
    def has_user_token(self) -> bool:
        return self.tag.has_user_token or ATTRIBUTE_FUNCTION in self.tag.text


@dataclass(frozen=True)
class Home:
    """Where the integration lives: a theme's functions.php, a plugin's main file, a mu-plugin.
    `site` is the project's site, also for a theme or plugin inside it."""

    kind: HomeKind
    root: str
    file: str
    name: str
    evidence: tuple[Evidence, ...]
    unit: Unit | None = None
    site: Site | None = None

    @property
    def label(self) -> str:
        """How the `app` question lists it, and the answer naming it: the theme's or plugin's
        directory, the site's content directory."""
        if self.unit is not None:
            return self.unit.label
        return self.site.content_dir if self.site is not None else self.root

    @property
    def script_path(self) -> str:
        if self.kind == "site":
            return join(posixpath.dirname(self.file), SCRIPT)
        return join(self.root, "assets/js/" + SCRIPT)


@dataclass(frozen=True)
class WordPressFacts:
    home: Home
    composer: Composer | None
    """The Composer manifest whose autoloader is loaded before the home's code runs."""
    unloaded_composer: str | None
    """A Composer manifest that nothing loads the autoloader of (so php-jwt cannot be used)."""
    page_cache: tuple[Evidence, ...]
    widgets: tuple[WidgetTag, ...]
    style: php.Style
    integrated: Delivery | None = None
    """The delivery of an integration already in the home file (None: not integrated)."""
    env_file: bool = False
    """Whether the site loads a `.env` (Bedrock, phpdotenv): it gets a `.env.example` entry."""

    @property
    def litespeed(self) -> bool:
        return any("LiteSpeed" in e.why for e in self.page_cache)

    @property
    def unsplicable(self) -> tuple[WidgetTag, ...]:
        """Widget tags outside PHP templates: they cannot carry a per-request token."""
        return tuple(w for w in self.widgets if w.context != "template")


@dataclass(frozen=True)
class WordPressAuth:
    """WordPress core users (`wp_get_current_user()`); the evidence is where the code runs."""

    evidence: tuple[Evidence, ...]


def join(*parts: str) -> str:
    kept = [p for p in parts if p not in ("", ".")]
    return posixpath.normpath(posixpath.join(*kept)) if kept else "."


def _dir(path: str) -> str:
    return posixpath.dirname(path) or "."


# -- themes and plugins -----------------------------------------------------------------------


def themes(project: Project) -> list[Unit]:
    found = []
    for style in project.named("style.css"):
        text = project.text(style)
        if text is None:
            continue
        name = php.header(text, "Theme Name")
        if name is None:
            continue
        root = _dir(style)
        block = any(
            project.exists(join(root, d, "index.html")) for d in ("templates", "block-templates")
        )
        parent = php.header(text, "Template")
        sage = any(f.endswith(".blade.php") for f in project.under(join(root, "resources/views")))
        found.append(
            Unit("theme", root, style, name[0], name[1], block, parent[0] if parent else None, sage)
        )
    return found


def plugins(project: Project, theme_roots: list[str]) -> list[Unit]:
    """The PHP files with a `Plugin Name:` header that WordPress would load as a plugin."""
    found: dict[str, Unit] = {}
    for path in project.with_suffix(".php"):
        if path.endswith(".blade.php") or "/mu-plugins/" in f"/{path}":
            continue
        if not _plugin_main_place(path) or any(_inside(path, t) for t in theme_roots):
            continue
        try:
            head = project.read(path).text[: php.HEADER_BYTES]
        except BadInput:  # unreadable: Project.text reports it where the file matters
            continue
        if "plugin name" not in head.lower():
            continue
        name = php.header(head, "Plugin Name")
        if name is None:
            continue
        root = _dir(path)
        current = found.get(root)
        # Several headers in one directory: the file named after the directory is the main one.
        if current is None or posixpath.basename(path) == posixpath.basename(root) + ".php":
            found[root] = Unit("plugin", root, path, name[0], name[1])
    return [unit for unit in found.values() if not _nested(unit, found)]


def _plugin_main_place(path: str) -> bool:
    """Whether WordPress would read `path` as a plugin's main file: under a `plugins/`
    directory it reads `plugins/*.php` and `plugins/*/*.php` only (`get_plugins()`)."""
    parts = path.split("/")
    if "plugins" not in parts[:-1]:
        return True
    return len(parts) - parts.index("plugins") - 1 <= 2


def _nested(unit: Unit, found: dict[str, Unit]) -> bool:
    """A header deeper inside another plugin's directory (a bundled library) is that plugin's
    file: the main file sits directly in the plugin's directory. Under `plugins/` the depth
    rule already decides, and a single-file plugin there owns no directory."""
    if "plugins" in unit.root.split("/"):
        return False
    return any(root != unit.root and _inside(unit.root, root) for root in found)


def unit_evidence(unit: Unit) -> Evidence:
    if unit.kind == "plugin":
        return Evidence(unit.main, unit.line, f"plugin header: Plugin Name: {unit.name}")
    kind = "block theme" if unit.block else "classic theme"
    return Evidence(unit.main, unit.line, f"{kind} header: Theme Name: {unit.name}")


def _inside(path: str, root: str) -> bool:
    return root in ("", ".") or path == root or path.startswith(root.rstrip("/") + "/")


# -- homes ------------------------------------------------------------------------------------


def homes(project: Project) -> list[Home]:
    """Where the integration may live: the whole site (a must-use plugin) when this is one,
    then each theme and plugin."""
    theme_units = themes(project)
    units = theme_units + plugins(project, [t.root for t in theme_units])
    site = find_site(project, units)
    found = [_home_for_unit(project, unit, site) for unit in units]
    if site is None:
        return found
    file = join(site.content_dir, "mu-plugins", MU_PLUGIN)
    return [Home("site", site.root, file, "site", site.evidence, site=site), *found]


def _home_for_unit(project: Project, unit: Unit, site: Site | None) -> Home:
    evidence = [unit_evidence(unit)]
    if unit.kind == "plugin":
        return Home("plugin", unit.root, unit.main, unit.name, tuple(evidence), unit, site)
    functions = join(unit.root, "functions.php")
    if unit.block:
        evidence.append(Evidence(join(unit.root, "templates/index.html"), 1, "block templates"))
    else:
        footer = join(unit.root, "footer.php")
        if project.exists(footer):
            evidence.append(Evidence(footer, 1, "classic theme footer template"))
    if unit.sage:
        evidence.append(Evidence(join(unit.root, "resources/views"), 1, "Sage theme: Blade views"))
    return Home("theme", unit.root, functions, unit.name, tuple(evidence), unit, site)


# -- sites ------------------------------------------------------------------------------------


def composer_data(project: Project, path: str) -> dict[str, Any] | None:
    if not project.abspath(path).is_file():
        return None
    text = project.text(path)
    if text is None:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        project.note("composer.json is not valid JSON; skipped", path)
        return None
    return data if isinstance(data, dict) else None


def _installs_wordpress(data: dict[str, Any]) -> bool:
    require = data.get("require")
    if not isinstance(require, dict):
        return False
    return any(
        name in CORE_PACKAGES or name.startswith(("wpackagist-", "wp-plugin/", "wp-theme/"))
        for name in require
    )


def find_site(project: Project, units: list[Unit]) -> Site | None:
    root_composer = composer_data(project, "composer.json")
    configs = [
        p
        for p in ("wp-config.php", "web/wp-config.php", "public/wp-config.php", "wp/wp-config.php")
        if project.abspath(p).is_file()
    ] + [p for p in project.named("wp-config.php") if "wp-content/" not in p]
    configs = list(dict.fromkeys(configs))
    evidence: list[Evidence] = []
    bedrock = False
    if configs:
        evidence.append(Evidence(configs[0], 1, "WordPress site configuration (wp-config.php)"))
    if root_composer is not None and _installs_wordpress(root_composer):
        core = next((n for n in root_composer.get("require", {}) if n in CORE_PACKAGES), None)
        why = f"Composer installs WordPress ({core})" if core else "Composer installs WP plugins"
        evidence.append(Evidence("composer.json", _line_of_key(project, "composer.json"), why))
        bedrock = project.abspath("config/application.php").is_file()
        if bedrock:
            evidence.append(Evidence("config/application.php", 1, "Bedrock-style configuration"))
    content = _content_dir(project, configs, root_composer, units)
    if content is None and not evidence:
        return None
    if content is None:
        base = _dir(configs[0]) if configs else "."
        content = join(base, "app") if bedrock else join(base, "wp-content")
    elif not evidence:
        evidence.append(Evidence(content, 1, "WordPress content directory (themes, plugins)"))
    root = "."
    return Site(root, content, configs[0] if configs else None, tuple(evidence), bedrock)


def _line_of_key(project: Project, path: str, key: str = '"require"') -> int:
    text = project.text(path) or ""
    at = text.find(key)
    return text.count("\n", 0, at) + 1 if at >= 0 else 1


def _content_dir(
    project: Project, configs: list[str], composer: dict[str, Any] | None, units: list[Unit]
) -> str | None:
    paths = (composer or {}).get("extra", {}).get("installer-paths", {})
    if isinstance(paths, dict):
        for target in paths:
            if "/mu-plugins/" in f"/{target}":
                return join(target.split("mu-plugins/")[0].rstrip("/") or ".")
    bases = [_dir(c) for c in configs] + ["."]
    for base in dict.fromkeys(bases):
        for name in ("wp-content", "app"):
            candidate = join(base, name)
            if name == "app" and not project.abspath(join(base, "wp-config.php")).is_file():
                continue
            if project.abspath(candidate).is_dir() and any(
                project.abspath(join(candidate, d)).is_dir()
                for d in ("themes", "plugins", "mu-plugins")
            ):
                return candidate
    # A repository of wp-content itself: its themes and plugins sit in themes/ and plugins/.
    if any(u.root.count("/") == 1 and u.root.startswith(("themes/", "plugins/")) for u in units):
        return "."
    return None


def site_composer(project: Project, site: Site) -> Composer | None:
    data = composer_data(project, "composer.json")
    if data is None:
        return None
    candidates = [
        c
        for c in (site.config, "wp-config.php", "web/wp-config.php", "config/application.php")
        if c
    ]
    for path in dict.fromkeys(candidates):
        if project.abspath(path).is_file():
            text = project.text(path) or ""
            line = php.requires_autoloader(text)
            if line is not None:
                return Composer(
                    "composer.json", data, Evidence(path, line, "loads Composer's autoloader")
                )
    return Composer("composer.json", data, None)


def unit_composer(project: Project, unit: Unit, home_file: str) -> Composer | None:
    manifest = join(unit.root, "composer.json")
    data = composer_data(project, manifest)
    if data is None:
        return None
    for path in dict.fromkeys(
        [home_file, *[f for f in project.under(unit.root) if f.endswith(".php")]]
    ):
        if _dir(path) != _dir(home_file) or not project.abspath(path).is_file():
            continue
        line = php.requires_autoloader(project.text(path) or "")
        if line is not None:
            return Composer(manifest, data, Evidence(path, line, "loads Composer's autoloader"))
    return Composer(manifest, data, None)


def home_composer(project: Project, home: Home) -> Composer | None:
    """The Composer manifest that governs the home: the site's, or the theme's / plugin's."""
    if home.kind == "site" and home.site is not None:
        return site_composer(project, home.site)
    if home.unit is not None:
        return unit_composer(project, home.unit, home.file)
    return None


# -- page caches ------------------------------------------------------------------------------


def page_caches(project: Project, site: Site, composer: Composer | None) -> list[Evidence]:
    found: list[Evidence] = []
    configs = [site.config, "config/application.php"]
    configs += [f for f in project.under("config") if f.endswith(".php")]
    for path in dict.fromkeys(c for c in configs if c):
        if not project.abspath(path).is_file():
            continue
        text = project.text(path) or ""
        if "WP_CACHE" not in text:
            continue
        for call in php.calls(text, "define", "Config::define"):
            if len(call.args) >= 2 and php.string_value(call.args[0]) == "WP_CACHE":
                value = call.args[1].strip().lower()
                if value not in ("false", "0", "''", '""', "null"):
                    found.append(Evidence(path, call.line, f"WP_CACHE is defined ({call.args[1]})"))
    drop_in = join(site.content_dir, "advanced-cache.php")
    if project.abspath(drop_in).is_file():
        found.append(Evidence(drop_in, 1, "page-cache drop-in (advanced-cache.php)"))
    for slug, name in CACHE_PLUGINS.items():
        directory = join(site.content_dir, "plugins", slug)
        if project.abspath(directory).is_dir():
            found.append(Evidence(directory, 1, f"page-cache plugin installed: {name}"))
            continue
        for vendor in PLUGIN_VENDORS:
            if composer is not None and vendor + slug in composer.requires:
                found.append(
                    Evidence(
                        composer.manifest,
                        _line_of_key(project, composer.manifest, f'"{vendor}{slug}"'),
                        f"page-cache plugin required: {name}",
                    )
                )
    return found


# -- the widget tag ---------------------------------------------------------------------------

_TEMPLATE_SUFFIXES = (".php", ".html", ".htm", ".twig")


def scope(home: Home) -> list[str]:
    """The folders whose code runs with the home's: a site's themes and plugins, else the
    theme's or plugin's own."""
    site = home.site
    if home.kind == "site" and site is not None:
        return [join(site.content_dir, sub) for sub in ("themes", "plugins", "mu-plugins")]
    return [home.root]


def find_widgets(project: Project, scope: list[str], skip: set[str]) -> list[WidgetTag]:
    found = []
    for path in project.with_suffix(*_TEMPLATE_SUFFIXES):
        if path in skip or not any(_inside(path, d) for d in scope):
            continue
        text = project.text(path)
        if text is None or "widget.bestchatbot.io" not in text:
            continue
        for tag in widget_tags(text):
            line = text.count("\n", 0, tag.start) + 1
            context: TagContext = "static"
            if path.endswith(".php") and not path.endswith(".blade.php"):
                context = "template" if php.in_html(text, tag.start) else "code"
            found.append(WidgetTag(path, line, context, tag))
    return found


def integrated(text: str | None) -> Delivery | None:
    """The delivery an existing integration in `text` uses, or None when there is none."""
    if not text or TOKEN_FUNCTION not in text:
        return None
    functions = php.defined_functions(text)
    if TOKEN_FUNCTION not in functions:
        return None
    # The tag delivery serves the route too (pages renew their token there).
    if ATTRIBUTE_FUNCTION in functions or ROUTE_FUNCTION not in functions:
        return "script-attribute"
    return "token-endpoint"


def sign_in(project: Project, home: Home) -> WordPressAuth:
    """WordPress core users, seen from the file the integration lives in (or its unit's)."""
    if home.unit is not None:
        where = home.file if project.abspath(home.file).is_file() else home.unit.main
    else:
        where = home.evidence[0].file if home.evidence else home.file
    why = "wp_get_current_user() (WordPress core users, cookie session)"
    return WordPressAuth((Evidence(where, 1, why),))


def loads_env_file(project: Project, composer: Composer | None) -> bool:
    """Whether a site loads a `.env` into the environment (Bedrock, phpdotenv)."""
    requires = composer.requires if composer else {}
    return any(project.abspath(n).is_file() for n in (".env.example", ".env")) or any(
        n in requires for n in ("vlucas/phpdotenv", "oscarotero/env")
    )


def style_sources(project: Project, home: Home, home_text: str | None) -> list[str]:
    """The PHP the generated code's style follows: the home file, else its neighbours."""
    if home_text:
        return [home_text]
    if home.kind == "site" and home.site is not None:
        mu = join(home.site.content_dir, "mu-plugins")
        files = [
            f for f in project.under(mu) if f.endswith(".php") and f.count("/") == mu.count("/") + 1
        ]
        files += [c for c in (home.site.config, "config/application.php") if c]
    else:
        files = [f for f in project.under(home.root) if f.endswith(".php")][:5]
    texts = [read_if_file(project, f) for f in files]
    return [t for t in texts if t]


def read_if_file(project: Project, path: str) -> str | None:
    return project.text(path) if project.abspath(path).is_file() else None
