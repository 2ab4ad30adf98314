"""WordPress's hooks into the shared inspection sequence (`scaffolder.inspection`).

Imported only when triage says a WordPress theme, plugin or site may be here (see `__init__`):
the finders are in `detect`, the plan's steps in `plan`. The candidates are the homes the
integration may live in (each theme and plugin, and the site's must-use plugin); where the
shared rules do not fit WordPress, the hooks say so: a site wins over its themes and plugins,
a child theme over its parent, an integration already there or a tag outside PHP templates
settles the delivery, and the tag is printed by a `wp_footer` hook rather than put in a layout.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import replace

from scaffolder import reporting
from scaffolder.errors import UsageError
from scaffolder.exclusions import Pages
from scaffolder.inspection import Choices, HookedStack
from scaffolder.markup import Layout, Template
from scaffolder.model import (
    Answers,
    Delivery,
    Evidence,
    Finding,
    Inspection,
    Note,
    Rendering,
    StackReport,
    UserExpr,
    UserFields,
    WidgetReport,
)
from scaffolder.project import Project
from scaffolder.registry import register
from scaffolder.stacks.wordpress import MANIFEST, exclusions, php
from scaffolder.stacks.wordpress import detect as d
from scaffolder.steps import Step

USER_VAR = "$user"


def _field(expr: str) -> UserExpr:
    return UserExpr(expr, None, None, "WP_User field")


@register
class WordPressStack(HookedStack[d.Home, d.WordPressFacts, d.WordPressAuth]):
    manifest = MANIFEST
    # Themes, plugins and classic sites take the key from the server's environment or
    # wp-config.php; sites that load a .env (Bedrock) get their .env.example entry from plan.
    uses_env_file = False
    candidate_type = d.Home
    facts_type = d.WordPressFacts
    auth_type = d.WordPressAuth
    app_question = (
        "Several WordPress themes and plugins are here: which one should carry the widget?"
    )
    # WordPress core users are always there (auth id `wordpress`): these are never asked.
    auth_question = "Where do users sign in? Only WordPress core users are supported"
    auth_ambiguous = auth_question

    # -- candidates and facts ----------------------------------------------------------------

    def candidates(self, project: Project) -> list[d.Home]:
        return d.homes(project)

    def candidate_evidence(self, candidate: d.Home) -> Evidence:
        return candidate.evidence[0]

    def detection_evidence(self, candidates: Sequence[d.Home]) -> tuple[Evidence, ...]:
        """The site's evidence, then the first few themes' and plugins'."""
        site = [e for home in candidates if home.kind == "site" for e in home.evidence]
        units = [self.candidate_evidence(home) for home in candidates if home.kind != "site"]
        return (*site, *units[:4])

    def candidate_path(self, candidate: d.Home) -> str:
        return candidate.file

    def candidate_label(self, candidate: d.Home) -> str:
        return candidate.label

    def candidate_aliases(self, candidate: d.Home) -> tuple[str, ...]:
        unit = candidate.unit
        return ("site", "mu-plugin") if unit is None else (unit.root, unit.main, unit.name)

    @property
    def candidate_kind(self) -> str:
        return "theme or plugin"

    def preferred_candidates(self, candidates: list[d.Home]) -> list[d.Home]:
        """A site's must-use plugin; else a lone child theme among themes (not its parent)."""
        site = [home for home in candidates if home.kind == "site"]
        if site:
            return site
        children = [h for h in candidates if h.unit is not None and h.unit.parent]
        if len(children) == 1 and all(h.kind == "theme" for h in candidates):
            return children
        return candidates

    def undecided_report(self) -> StackReport:
        return StackReport("php", "wordpress", "server-rendered", ".", "low")

    def facts(self, project: Project, candidate: d.Home) -> d.WordPressFacts:
        home, site = candidate, candidate.site
        home_text = d.read_if_file(project, home.file)
        composer = d.home_composer(project, home)
        unloaded = None
        if composer is not None and composer.autoload is None:
            unloaded, composer = composer.manifest, None
        integrated = d.integrated(home_text)
        scope = d.scope(home)
        return d.WordPressFacts(
            home=home,
            composer=composer,
            unloaded_composer=unloaded,
            page_cache=tuple(d.page_caches(project, site, composer) if site is not None else ()),
            widgets=tuple(d.find_widgets(project, scope, {home.file} if integrated else set())),
            style=php.style_of(d.style_sources(project, home, home_text)),
            integrated=integrated,
            env_file=home.kind == "site" and d.loads_env_file(project, composer),
        )

    def stack_report(self, project: Project, facts: d.WordPressFacts) -> StackReport:
        home = facts.home
        return StackReport("php", "wordpress", "server-rendered", home.root, "high", home.evidence)

    # -- auth --------------------------------------------------------------------------------

    def auth_candidates(self, project: Project, facts: d.WordPressFacts) -> list[d.WordPressAuth]:
        return [d.sign_in(project, facts.home)]

    def declared_auth(self, library: str) -> d.WordPressAuth:
        return d.WordPressAuth(())

    def auth_library(self, auth: d.WordPressAuth) -> str:
        return "wordpress"

    def user_fields(self, auth: d.WordPressAuth) -> UserFields:
        return UserFields(
            _field("$user->user_email"),
            _field("$user->display_name"),
            _field("$user->ID"),
            "high",
        )

    def user_names(self, auth: d.WordPressAuth) -> frozenset[str]:
        return frozenset({USER_VAR})

    def auth_evidence(self, auth: d.WordPressAuth) -> tuple[Evidence, ...]:
        return auth.evidence

    def email_question(self, auth: d.WordPressAuth) -> str:
        return (
            "Which server-side expression gives the signed-in user's email? "
            "(for example `$user->user_email`)"
        )

    # -- delivery and the widget -------------------------------------------------------------

    def api_prefixes(self, facts: d.WordPressFacts) -> list[str]:
        return []  # the REST route has its own namespace: /wp-json/bestchatbot/v1

    def page_cache(self, facts: d.WordPressFacts) -> Sequence[Evidence]:
        return facts.page_cache

    def delivery(
        self,
        facts: d.WordPressFacts,
        answer: str | None,
        rendering: Rendering | None,
        page_cache: bool,
    ) -> Delivery:
        """An integration already there keeps its delivery; a tag outside PHP templates cannot
        carry a per-request token, so it takes the endpoint, like a page cache."""
        unsplicable = facts.unsplicable
        if answer == "script-attribute" and unsplicable and not facts.integrated:
            w = unsplicable[0]
            raise UsageError(
                f"--delivery script-attribute: the widget tag at {w.path}:{w.line} is not in a "
                "PHP template, so it cannot carry a per-request data-user-token; use "
                "--delivery token-endpoint"
            )
        if facts.integrated and not answer:
            return facts.integrated
        return super().delivery(facts, answer, rendering, page_cache or bool(unsplicable))

    def notes(self, facts: d.WordPressFacts, delivery: Delivery, answers: Answers) -> list[Note]:
        home, caches, unsplicable = facts.home, facts.page_cache, facts.unsplicable
        out = []
        if caches:
            because = "; ".join(e.why for e in caches)
            out.append(reporting.page_cache_note(caches[0].file, caches[0].line, because=because))
        if facts.integrated == "script-attribute" and caches and not answers.delivery:
            out.append(
                Note(
                    f"{home.file} puts the token on the page, but a page cache is in play now: "
                    "remove the BestChatBot block there and run apply with "
                    "--delivery token-endpoint",
                    home.file,
                )
            )
        if unsplicable and not caches:
            w = unsplicable[0]
            out.append(
                Note(
                    "the widget tag is not in a PHP template (block markup, Blade/Twig or PHP "
                    "code), so the token comes from the REST endpoint",
                    w.path,
                    w.line,
                )
            )
        if home.kind != "site" and not answers.delivery and not facts.integrated:
            out.append(
                Note(
                    f"a {home.kind} cannot see whether the site runs a page cache: if it does "
                    "(WP Super Cache, WP Rocket, LiteSpeed, a CDN caching HTML), pass "
                    "--delivery token-endpoint"
                )
            )
        if facts.unloaded_composer is not None:
            out.append(
                Note(
                    "composer.json is here but nothing loads vendor/autoload.php before this "
                    "code runs, so the token is signed by a small built-in HS256 encoder instead "
                    "of firebase/php-jwt",
                    facts.unloaded_composer,
                )
            )
        return out

    def widget_found(self, project: Project, facts: d.WordPressFacts) -> WidgetReport | None:
        if not facts.widgets:
            return None
        first = facts.widgets[0]
        return WidgetReport(
            True,
            first.path,
            first.line,
            all(w.has_user_token for w in facts.widgets if w.context == "template"),
            tuple(
                Evidence(w.path, w.line, f"BestChatBot widget <script> tag ({w.context})")
                for w in facts.widgets
            ),
        )

    def widget_report(
        self, project: Project, facts: d.WordPressFacts, delivery: Delivery
    ) -> WidgetReport | None:
        """The tags carry the token only for the tag delivery (the endpoint ignores them)."""
        found = self.widget_found(project, facts)
        if found is None:
            return None
        return replace(
            found, has_user_token=found.has_user_token and delivery == "script-attribute"
        )

    def templates(self, facts: d.WordPressFacts) -> dict[str, Template]:
        return {}

    def layout_candidates(self, facts: d.WordPressFacts) -> list[Layout]:
        return []

    def uses_layout(self, facts: d.WordPressFacts, delivery: Delivery) -> bool:
        return False  # a wp_footer hook prints the tag (or the tag's template gets the attribute)

    def widget_target(
        self, facts: d.WordPressFacts, delivery: Delivery, layout: Layout | None
    ) -> tuple[str, int, str] | None:
        return facts.home.file, 1, "printed before </body> by a wp_footer hook"

    def needs_tag(self, facts: d.WordPressFacts, delivery: Delivery) -> bool:
        return facts.integrated is None

    def widget_pages(
        self,
        project: Project,
        facts: d.WordPressFacts,
        layouts: Sequence[Layout],
        delivery: Delivery,
    ) -> Pages:
        """The conditional tags the wp_footer callback follows, where the theme or plugin keeps
        its chat script off some pages, and the pages listed (issue 15); none followed where
        the widget tag is the app's own."""
        roots = d.scope(facts.home)
        rule = None if facts.widgets or facts.integrated else exclusions.find(project, roots)
        return exclusions.report(project, roots, rule)

    def findings(self, facts: d.WordPressFacts, layouts: Sequence[Layout]) -> list[Finding]:
        home = facts.home
        out = []
        if home.unit is None:
            what = "site (Bedrock)" if home.site and home.site.bedrock else "site"
            out.append(Finding("wordpress-home", f"{what}: a must-use plugin", home.evidence))
        else:
            unit = home.unit
            kind = (
                "plugin"
                if unit.kind == "plugin"
                else "block theme"
                if unit.block
                else "classic theme"
            )
            where = f"{kind} {unit.name!r}: {posixpath.basename(home.file)}"
            out.append(Finding("wordpress-home", where, home.evidence))
        if facts.composer is not None and facts.composer.autoload is not None:
            jwt = "firebase/php-jwt" + (" (already required)" if facts.composer.has_jwt else "")
            out.append(Finding("composer", jwt, (facts.composer.autoload,)))
        out += [Finding("page-cache", e.why, (e,)) for e in facts.page_cache]
        return out

    # -- the plan ----------------------------------------------------------------------------

    def steps(
        self,
        project: Project,
        inspection: Inspection[object],
        facts: d.WordPressFacts,
        choices: Choices[d.WordPressAuth],
    ) -> list[Step]:
        from scaffolder.stacks.wordpress.plan import steps

        return steps(project, inspection, facts, choices)
