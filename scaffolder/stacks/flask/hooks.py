"""Flask's hooks into the shared inspection sequence (`scaffolder.inspection`).

Imported only when triage says a Flask app may be here (see `__init__`): the finders are in
`detect`, the plan's steps in `plan`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from scaffolder import reporting
from scaffolder.exclusions import Pages
from scaffolder.exclusions import templates as exclusions
from scaffolder.inspection import Choices, HookedStack
from scaffolder.markup import Layout, Template
from scaffolder.model import (
    Delivery,
    Evidence,
    Finding,
    Inspection,
    Rendering,
    StackReport,
    UserFields,
    WidgetReport,
)
from scaffolder.project import Project
from scaffolder.python.manifests import manifest_root
from scaffolder.python.source import PythonIndex
from scaffolder.registry import register
from scaffolder.stacks.flask import MANIFEST
from scaffolder.stacks.flask import detect as d

if TYPE_CHECKING:
    from scaffolder.cors import Permissive
    from scaffolder.steps import Step


@register
class FlaskStack(HookedStack[d.FlaskApp, d.FlaskFacts, d.AuthFacts]):
    manifest = MANIFEST
    candidate_type = d.FlaskApp
    facts_type = d.FlaskFacts
    auth_type = d.AuthFacts
    app_question = "Several Flask apps are created here: which one gets the widget?"
    auth_question = "Where do users sign in? No Flask-Login or session-based sign-in was found"
    auth_ambiguous = "Both Flask-Login and session sign-in are used: which one?"

    # -- candidates and facts ----------------------------------------------------------------

    def candidates(self, project: Project) -> list[d.FlaskApp]:
        return d.find_apps(PythonIndex.of(project))

    def candidate_evidence(self, candidate: d.FlaskApp) -> Evidence:
        where = (
            f"Flask app created in {candidate.factory}()"
            if candidate.factory
            else "Flask app created at module level"
        )
        return Evidence(candidate.path, candidate.line, where)

    def candidate_path(self, candidate: d.FlaskApp) -> str:
        return candidate.path

    def candidate_label(self, candidate: d.FlaskApp) -> str:
        return f"{candidate.path}:{candidate.var}"

    def candidate_aliases(self, candidate: d.FlaskApp) -> tuple[str, ...]:
        path = candidate.path
        return path, path.removesuffix(".py"), path.removesuffix("/__init__.py")

    def facts(self, project: Project, candidate: d.FlaskApp) -> d.FlaskFacts:
        index = PythonIndex.of(project)
        blueprints = d.find_blueprints(index)
        dirs = d.template_dirs(candidate, blueprints)
        templates, layouts = d.layouts_for(project, dirs, candidate.themes)
        pages = d.spa_pages(project, candidate)
        renders = d.renders_templates(index)
        frontend = None
        if not pages and not (renders and templates):  # an API: its SPA may be beside it
            from scaffolder.spa import find_bundled  # an API only: most apps never load it

            bundled = find_bundled(project)
            frontend = min(bundled, key=lambda f: (f.root.count("/"), f.root), default=None)
        shells = [*pages, frontend.page] if frontend else pages
        return d.FlaskFacts(
            app=candidate,
            blueprints=blueprints,
            api_prefixes=d.api_prefixes(index, blueprints),
            templates=templates,
            layouts=layouts,
            widget=d.find_widget(project, templates, shells),
            spa_pages=pages,
            renders_templates=renders,
            page_cache=d.page_cache(index),
            csp=d.csp(index),
            frontend=frontend,
            cors=_cors(index),
        )

    def stack_report(self, project: Project, facts: d.FlaskFacts) -> StackReport:
        app, layouts, pages = facts.app, facts.layouts, facts.spa_pages
        rendering: Rendering = (
            "server-rendered"
            if facts.renders_templates and facts.templates
            else "spa"
            if pages or facts.frontend
            else "api"
        )
        where = f" created in {app.factory}()" if app.factory else " at module level"
        evidence = [Evidence(app.path, app.line, f"Flask app `{app.var}`" + where)]
        if rendering == "server-rendered" and layouts:
            evidence.append(
                Evidence(layouts[0].template.path, 1, "Jinja layout rendered by render_template")
            )
        elif pages:
            evidence.append(Evidence(pages[0], 1, "static page of a single-page app"))
        elif facts.frontend:
            evidence += facts.frontend.evidence
        root = manifest_root(project, app.path)
        return StackReport("python", "flask", rendering, root, "high", tuple(evidence))

    # -- auth --------------------------------------------------------------------------------

    def auth_candidates(self, project: Project, facts: d.FlaskFacts) -> list[d.AuthFacts]:
        index = PythonIndex.of(project)
        found = (d.flask_login(index), d.flask_session(index, project))
        return [a for a in found if a is not None]

    def declared_auth(self, library: str) -> d.AuthFacts:
        empty = UserFields(None, None, None, "low")
        if library == "flask-login":
            return d.AuthFacts(
                library,
                empty,
                [],
                [("flask_login", "current_user")],
                "not current_user.is_authenticated",
                frozenset({"current_user"}),
            )
        return d.AuthFacts(
            library, empty, [], [("flask", "g")], 'g.get("user") is None', frozenset({"g"})
        )

    def auth_library(self, auth: d.AuthFacts) -> str:
        return auth.library

    def user_fields(self, auth: d.AuthFacts) -> UserFields:
        return auth.fields

    def user_names(self, auth: d.AuthFacts) -> frozenset[str]:
        return auth.names

    def auth_evidence(self, auth: d.AuthFacts) -> tuple[Evidence, ...]:
        return tuple(auth.evidence)

    def email_question(self, auth: d.AuthFacts) -> str:
        accessor = "current_user" if auth.library == "flask-login" else "g.user"
        return (
            "The user model has no email field: which server-side expression gives the "
            f"signed-in user's email? (for example `{accessor}.contact_email`)"
        )

    # -- delivery and the widget -------------------------------------------------------------

    def api_prefixes(self, facts: d.FlaskFacts) -> list[str]:
        return [prefix for prefix, _ in facts.api_prefixes]

    def page_cache(self, facts: d.FlaskFacts) -> Sequence[Evidence]:
        return facts.page_cache

    def widget_found(self, project: Project, facts: d.FlaskFacts) -> WidgetReport | None:
        if facts.widget is None:
            return None
        path, tag = facts.widget
        text = next((t.text for t in facts.templates.values() if t.path == path), None)
        line = text.count("\n", 0, tag.start) + 1 if text else 1
        return reporting.widget_found(path, line, tag.has_user_token)

    def templates(self, facts: d.FlaskFacts) -> dict[str, Template]:
        return facts.templates

    def layout_candidates(self, facts: d.FlaskFacts) -> list[Layout]:
        return facts.layouts

    def widget_target(
        self, facts: d.FlaskFacts, delivery: Delivery, layout: Layout | None
    ) -> tuple[str, int, str] | None:
        if layout is None:
            if facts.spa_pages:
                page = facts.spa_pages[0]
                return page, 1, "single-page app shell: the widget tag belongs before </body>"
            if facts.frontend:
                front = facts.frontend
                return front.page, front.body_line, "single-page app shell: before </body>"
            return None
        tpl = layout.template
        if layout.mode == "body":
            return tpl.path, tpl.body_close_line or 1, "base layout: before </body>"
        if layout.mode == "block":
            return tpl.path, 1, f"layout extends {tpl.extends}: in its scripts block"
        return tpl.path, tpl.text.count("\n") + 1, "root layout without </body>: at its end"

    def needs_tag(self, facts: d.FlaskFacts, delivery: Delivery) -> bool:
        return delivery == "script-attribute" or bool(facts.spa_pages or facts.frontend)

    def widget_pages(
        self, project: Project, facts: d.FlaskFacts, layouts: Sequence[Layout], delivery: Delivery
    ) -> Pages:
        widget = facts.widget[0] if facts.widget else None
        return exclusions.report(facts.templates, layouts, widget, delivery == "script-attribute")

    def findings(self, facts: d.FlaskFacts, layouts: Sequence[Layout]) -> list[Finding]:
        out = [
            Finding("blueprint", bp.name, (Evidence(bp.path, bp.line, f"Blueprint {bp.name!r}"),))
            for bp in facts.blueprints
        ]
        out += [Finding("api-prefix", p, (e,)) for p, e in facts.api_prefixes]
        if facts.frontend:
            front = facts.frontend
            what = f"{front.framework} in {front.root}"
            out.append(Finding("frontend", what, tuple(front.evidence)))
        out += [
            Finding(
                "layout",
                lay.template.path,
                (Evidence(lay.template.path, 1, f"extended by {lay.extenders} template(s)"),),
                "high" if i == 0 else "medium",
            )
            for i, lay in enumerate(layouts)
        ]
        out += [Finding("page-cache", e.why, (e,)) for e in facts.page_cache]
        out += [Finding("content-security-policy", e.why, (e,)) for e in facts.csp]
        if facts.cors:
            from scaffolder.cors import findings as cors_findings

            out += cors_findings(facts.cors)
        return out

    # -- the plan ----------------------------------------------------------------------------

    def steps(
        self,
        project: Project,
        inspection: Inspection[object],
        facts: d.FlaskFacts,
        choices: Choices[d.AuthFacts],
    ) -> list[Step]:
        from scaffolder.stacks.flask.plan import steps

        return steps(project, inspection, facts, choices)


def _cors(index: PythonIndex) -> tuple[Permissive, ...]:
    """Flask-CORS configurations answering any origin with credentials; its finders are loaded
    only for the apps that mention Flask-CORS."""
    modules = list(index.modules(containing=("flask_cors", "CORS_")))
    if not modules:
        return ()
    from scaffolder.cors.python import flask_cors

    return tuple(flask_cors(modules))
