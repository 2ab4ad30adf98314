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
environment, and either a `wp_footer` hook printing the widget tag with `data-user-token` for
logged-in users, or, where a page cache is present, the REST route
`GET /wp-json/bestchatbot/v1/widget-token` plus an enqueued script that calls
`setUserToken` / `clearUserToken`.
"""

from __future__ import annotations

import posixpath

from scaffolder import exprs, reporting
from scaffolder.errors import UsageError
from scaffolder.model import (
    Answers,
    AuthReport,
    Evidence,
    Finding,
    Inspection,
    Note,
    Question,
    StackReport,
    UserExpr,
    WidgetReport,
)
from scaffolder.plan import PlanBuilder
from scaffolder.project import Project
from scaffolder.registry import Detection, Stack, register
from scaffolder.stacks.wordpress import detect as d
from scaffolder.stacks.wordpress import php

AUTH_IDS = ("wordpress",)
USER_VAR = "$user"


@register
class WordPressStack(Stack):
    id = "wordpress"
    name = "WordPress"
    language = "php"
    auth_ids = AUTH_IDS
    # Themes, plugins and classic sites take the key from the server's environment or
    # wp-config.php; sites that load a .env (Bedrock) get their .env.example entry from plan().
    uses_env_file = False

    def detect(self, project: Project) -> Detection | None:
        if not project.with_suffix(".php", ".css", ".json"):
            return None
        units = d.themes(project) + d.plugins(project)
        site = d.find_site(project, units)
        if site is None and not units:
            return None
        evidence = list(site.evidence) if site else []
        evidence += [_unit_evidence(u) for u in units[:4]]
        return Detection(self.id, "high", tuple(evidence))

    def inspect(self, project: Project, detection: Detection, answers: Answers) -> Inspection:
        insp = Inspection(root=project.root)
        units = d.themes(project) + d.plugins(project)
        site = d.find_site(project, units)
        home = _choose_home(project, site, units, answers, insp)
        if home is None:
            insp.stack = StackReport("php", "wordpress", "server-rendered", ".", "low")
            return insp
        facts = _facts(project, home, site)
        insp.facts = facts
        insp.stack = StackReport(
            "php", "wordpress", "server-rendered", home.root, "high", tuple(home.evidence)
        )
        _auth(project, home, answers, insp)
        _delivery(facts, answers, insp)
        _widget(facts, answers, insp)
        insp.findings = _findings(facts)
        for message, file, line in facts.notes:
            insp.notes.append(Note(message, file, line))
        return insp

    def plan(self, project: Project, inspection: Inspection, builder: PlanBuilder) -> None:
        from scaffolder.stacks.wordpress.plan import plan

        plan(project, inspection, builder)


def _unit_evidence(unit: d.Unit) -> Evidence:
    if unit.kind == "plugin":
        return Evidence(unit.main, unit.line, f"plugin header: Plugin Name: {unit.name}")
    kind = "block theme" if unit.block else "classic theme"
    return Evidence(unit.main, unit.line, f"{kind} header: Theme Name: {unit.name}")


# -- where the code goes ----------------------------------------------------------------------


def _home_for_unit(project: Project, unit: d.Unit) -> d.Home:
    evidence = [_unit_evidence(unit)]
    if unit.kind == "plugin":
        return d.Home("plugin", unit.root, unit.main, unit.name, evidence, unit)
    functions = d.join(unit.root, "functions.php")
    if unit.block:
        evidence.append(Evidence(d.join(unit.root, "templates/index.html"), 1, "block templates"))
    else:
        footer = d.join(unit.root, "footer.php")
        if project.exists(footer):
            evidence.append(Evidence(footer, 1, "classic theme footer template"))
    if unit.sage:
        evidence.append(
            Evidence(d.join(unit.root, "resources/views"), 1, "Sage theme: Blade views")
        )
    return d.Home("theme", unit.root, functions, unit.name, evidence, unit)


def _home_for_site(site: d.Site) -> d.Home:
    file = d.join(site.content_dir, "mu-plugins", d.MU_PLUGIN)
    return d.Home("site", site.root, file, "site", list(site.evidence), site=site)


def _choose_home(
    project: Project,
    site: d.Site | None,
    units: list[d.Unit],
    answers: Answers,
    insp: Inspection,
) -> d.Home | None:
    if answers.app:
        wanted = answers.app.strip().rstrip("/") or "."
        for unit in units:
            if wanted in (unit.root, unit.main, unit.label, unit.name):
                home = _home_for_unit(project, unit)
                home.site = site
                return home
        if site is not None and wanted in ("site", "mu-plugin", site.content_dir):
            return _home_for_site(site)
        choices = ([site.content_dir] if site else []) + [u.label for u in units]
        raise UsageError(
            f"--app {answers.app}: no theme or plugin there; found "
            + (", ".join(choices) or "none")
        )
    if site is not None:
        return _home_for_site(site)
    if len(units) == 1:
        return _home_for_unit(project, units[0])
    children = [u for u in units if u.kind == "theme" and u.parent]
    if len(children) == 1 and all(u.kind == "theme" for u in units):
        return _home_for_unit(project, children[0])  # a child theme and its parent: the child
    insp.questions.append(
        Question(
            "app",
            "Several WordPress themes and plugins are here: which one should carry the widget?",
            tuple(u.label for u in units),
        )
    )
    return None


def _facts(project: Project, home: d.Home, site: d.Site | None) -> d.WordPressFacts:
    home_text = d.read_if_file(project, home.file)
    notes: list[tuple[str, str | None, int | None]] = []
    if home.kind == "site" and site is not None:
        composer = d.site_composer(project, site)
    elif home.unit is not None:
        composer = d.unit_composer(project, home.unit, home.file)
    else:
        composer = None
    if composer is not None and composer.autoload is None:
        notes.append(
            (
                "composer.json is here but nothing loads vendor/autoload.php before this code "
                "runs, so the token is signed by a small built-in HS256 encoder instead of "
                "firebase/php-jwt",
                composer.manifest,
                None,
            )
        )
        composer = None
    caches = d.page_caches(project, site, composer) if site is not None else []
    integrated = d.integrated(home_text)
    if home.kind == "site" and site is not None:
        scope = [d.join(site.content_dir, sub) for sub in ("themes", "plugins", "mu-plugins")]
    else:
        scope = [home.root]
    skip = {home.file} if integrated else set()
    widgets = d.find_widgets(project, scope, skip)
    style = php.style_of(_style_sources(project, home, site, home_text))
    env_file = False
    if site is not None and home.kind == "site":
        requires = composer.requires if composer else {}
        env_file = any(project.abspath(n).is_file() for n in (".env.example", ".env")) or any(
            n in requires for n in ("vlucas/phpdotenv", "oscarotero/env")
        )
    litespeed = any("LiteSpeed" in e.why for e in caches)
    return d.WordPressFacts(
        home, composer, caches, widgets, style, integrated, env_file, litespeed, notes
    )


def _style_sources(
    project: Project, home: d.Home, site: d.Site | None, home_text: str | None
) -> list[str]:
    if home_text:
        return [home_text]
    if home.kind == "site" and site is not None:
        mu = d.join(site.content_dir, "mu-plugins")
        files = [
            f for f in project.under(mu) if f.endswith(".php") and f.count("/") == mu.count("/") + 1
        ]
        files += [c for c in (site.config, "config/application.php") if c]
    else:
        files = [f for f in project.under(home.root) if f.endswith(".php")][:5]
    texts = [d.read_if_file(project, f) for f in files]
    return [t for t in texts if t]


# -- the report -------------------------------------------------------------------------------


def _auth(project: Project, home: d.Home, answers: Answers, insp: Inspection) -> None:
    if answers.auth is not None and answers.auth not in AUTH_IDS:
        raise UsageError(f"--auth must be one of: {', '.join(AUTH_IDS)}")
    why = "wp_get_current_user() (WordPress core users, cookie session)"

    def expr(given: str | None, flag: str, default: str) -> UserExpr:
        found = UserExpr(default, None, None, "WP_User field")
        return exprs.override(found, given, flag, "php", (USER_VAR,)) or found

    if home.unit is not None:
        where = home.file if project.abspath(home.file).is_file() else home.unit.main
    else:
        where = home.evidence[0].file if home.evidence else home.file
    insp.auth = AuthReport(
        "wordpress",
        expr(answers.email_expr, "--email-expr", "$user->user_email"),
        expr(answers.name_expr, "--name-expr", "$user->display_name"),
        expr(answers.id_expr, "--id-expr", "$user->ID"),
        "high",
        (Evidence(where, 1, why),),
    )


def _delivery(facts: d.WordPressFacts, answers: Answers, insp: Inspection) -> None:
    unsplicable = [w for w in facts.widgets if w.context != "template"]
    if answers.delivery:
        insp.delivery = answers.delivery  # type: ignore[assignment]
        if insp.delivery == "script-attribute" and unsplicable and not facts.integrated:
            w = unsplicable[0]
            raise UsageError(
                f"--delivery script-attribute: the widget tag at {w.path}:{w.line} is not in a "
                "PHP template, so it cannot carry a per-request data-user-token; use "
                "--delivery token-endpoint"
            )
    elif facts.integrated:
        insp.delivery = facts.integrated  # type: ignore[assignment]
    elif facts.page_cache or unsplicable:
        insp.delivery = "token-endpoint"
    else:
        insp.delivery = "script-attribute"
    if facts.page_cache:
        e = facts.page_cache[0]
        because = "; ".join(x.why for x in facts.page_cache)
        insp.notes.append(reporting.page_cache_note(e.file, e.line, because=because))
    if facts.integrated == "script-attribute" and facts.page_cache and not answers.delivery:
        insp.notes.append(
            Note(
                f"{facts.home.file} puts the token on the page, but a page cache is in play now: "
                "remove the BestChatBot block there and run apply with "
                "--delivery token-endpoint",
                facts.home.file,
            )
        )
    if unsplicable and not facts.page_cache:
        w = unsplicable[0]
        insp.notes.append(
            Note(
                "the widget tag is not in a PHP template (block markup, Blade/Twig or PHP "
                "code), so the token comes from the REST endpoint",
                w.path,
                w.line,
            )
        )
    if facts.home.kind != "site" and not answers.delivery and not facts.integrated:
        insp.notes.append(
            Note(
                f"a {facts.home.kind} cannot see whether the site runs a page cache: if it does "
                "(WP Super Cache, WP Rocket, LiteSpeed, a CDN caching HTML), pass "
                "--delivery token-endpoint"
            )
        )


def _widget(facts: d.WordPressFacts, answers: Answers, insp: Inspection) -> None:
    if facts.widgets:
        w = facts.widgets[0]
        insp.widget = WidgetReport(
            True,
            w.path,
            w.line,
            all(x.has_user_token for x in facts.widgets if x.context == "template")
            and insp.delivery == "script-attribute",
            tuple(
                Evidence(x.path, x.line, f"BestChatBot widget <script> tag ({x.context})")
                for x in facts.widgets
            ),
        )
        return
    home = facts.home
    insp.widget = WidgetReport(
        False,
        home.file,
        1,
        False,
        (Evidence(home.file, 1, "printed before </body> by a wp_footer hook"),),
    )
    if facts.integrated:
        return
    if not answers.api_key:
        insp.questions.append(reporting.api_key_question())


def _findings(facts: d.WordPressFacts) -> list[Finding]:
    home = facts.home
    out = []
    if home.kind == "site":
        what = "site (Bedrock)" if home.site and home.site.bedrock else "site"
        out.append(Finding("wordpress-home", f"{what}: a must-use plugin", tuple(home.evidence)))
    else:
        unit = home.unit
        assert unit is not None
        kind = (
            "block theme" if unit.block else "classic theme" if home.kind == "theme" else "plugin"
        )
        out.append(
            Finding(
                "wordpress-home",
                f"{kind} {unit.name!r}: {posixpath.basename(home.file)}",
                tuple(home.evidence),
            )
        )
    if facts.composer is not None and facts.composer.autoload is not None:
        out.append(
            Finding(
                "composer",
                "firebase/php-jwt" + (" (already required)" if facts.composer.has_jwt else ""),
                (facts.composer.autoload,),
            )
        )
    out += [Finding("page-cache", e.why, (e,)) for e in facts.page_cache]
    return out
