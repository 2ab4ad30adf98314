"""Flask: https://flask.palletsprojects.com/

Detects apps built by an app factory (`create_app`) or at module level, their blueprints and
URL prefixes, Jinja templates and the base layout, Flask-Login (`current_user` and the user
model's email / name / id) and hand-rolled session auth (`session["user_id"]` with `g.user`
loaded in a `before_request` / `before_app_request` hook).

Adds a `bestchatbot.py` module to the app's package that mints the widget token with PyJWT,
and either registers it as a context processor (the layout's widget tag gets
`data-user-token`) or as a blueprint serving `GET <api prefix>/widget-token` plus a browser
script for SPA pages.
"""

from __future__ import annotations

from scaffolder import choice, exprs
from scaffolder.escape import url_path
from scaffolder.markup import Layout, answered_layout
from scaffolder.model import (
    Answers,
    AuthReport,
    Evidence,
    Inspection,
    Note,
    Question,
    Rendering,
    StackReport,
    WidgetReport,
)
from scaffolder.plan import PlanBuilder
from scaffolder.project import Project
from scaffolder.python.deps import manifest_root
from scaffolder.python.models import UserFields
from scaffolder.python.source import PythonIndex
from scaffolder.registry import Detection, Stack, register
from scaffolder.stacks.flask import detect as d

AUTH_IDS = ("flask-login", "flask-session")


@register
class FlaskStack(Stack):
    id = "flask"
    name = "Flask"
    language = "python"
    auth_ids = AUTH_IDS

    def detect(self, project: Project) -> Detection | None:
        index = PythonIndex.of(project)
        apps = d.find_apps(index)
        if not apps:
            return None
        evidence = tuple(
            Evidence(
                a.path,
                a.line,
                f"Flask app created in {a.factory}()"
                if a.factory
                else "Flask app created at module level",
            )
            for a in apps
        )
        return Detection(self.id, "high", evidence)

    def inspect(self, project: Project, detection: Detection, answers: Answers) -> Inspection:
        index = PythonIndex.of(project)
        insp = Inspection(root=project.root)
        apps = d.find_apps(index)
        app = _choose_app(apps, answers, insp)
        if app is None:
            if not apps:
                insp.supported = False
                insp.stack = StackReport(language="python", framework=None, confidence="low")
            return insp
        blueprints = d.find_blueprints(index)
        templates, layouts = d.layouts_for(project, d.template_dirs(app, blueprints))
        pages = d.spa_pages(project, app)
        facts = d.FlaskFacts(
            app=app,
            blueprints=blueprints,
            api_prefixes=d.api_prefixes(index, blueprints),
            templates=templates,
            layouts=layouts,
            widget=d.find_widget(project, templates, pages),
            auth=None,
            spa_pages=pages,
            renders_templates=d.renders_templates(index),
            page_cache=d.page_cache(index),
            csp=d.csp(index),
        )
        from scaffolder.python.style import preferred_quote

        app_mod = index.module(app.path)
        facts.quote = preferred_quote(app_mod.text) if app_mod else '"'
        insp.facts = facts

        rendering: Rendering = (
            "server-rendered"
            if facts.renders_templates and templates
            else "spa"
            if pages
            else "api"
        )
        stack_evidence = [
            Evidence(
                app.path,
                app.line,
                f"Flask app `{app.var}`"
                + (f" created in {app.factory}()" if app.factory else " at module level"),
            )
        ]
        if rendering == "server-rendered" and layouts:
            stack_evidence.append(
                Evidence(layouts[0].template.path, 1, "Jinja layout rendered by render_template")
            )
        elif pages:
            stack_evidence.append(Evidence(pages[0], 1, "static page of a single-page app"))
        app_root = manifest_root(project, app.path)
        insp.stack = StackReport(
            "python", "flask", rendering, app_root, "high", tuple(stack_evidence)
        )

        _auth(index, project, facts, answers, insp)
        _delivery(facts, answers, insp)
        _widget(facts, answers, insp)
        insp.findings = d.findings(facts)
        for e in facts.page_cache:
            insp.notes.append(_note_cache(e))
        return insp

    def plan(self, project: Project, inspection: Inspection, builder: PlanBuilder) -> None:
        from scaffolder.stacks.flask.plan import plan

        plan(project, inspection, builder)


def _note_cache(e: Evidence) -> Note:
    return Note(
        "page cache in play: an inline token could be served to the wrong visitor, "
        "so the token endpoint is the default delivery",
        e.file,
        e.line,
    )


def _choose_app(apps: list[d.FlaskApp], answers: Answers, insp: Inspection) -> d.FlaskApp | None:
    real = [a for a in apps if not d.is_test_path(a.path)] or apps
    return choice.pick(
        apps if answers.app else real,
        answers.app,
        insp,
        question="app",
        text="Several Flask apps are created here: which one gets the widget?",
        what="Flask app",
        label=lambda a: f"{a.path}:{a.var}",
        aliases=lambda a: (a.path, a.path.removesuffix(".py"), a.path.removesuffix("/__init__.py")),
    )


def _auth(
    index: PythonIndex, project: Project, facts: d.FlaskFacts, answers: Answers, insp: Inspection
) -> None:
    found = [a for a in (d.flask_login(index), d.flask_session(index, project)) if a is not None]
    chosen = choice.pick_library(found, answers.auth, AUTH_IDS, lambda a: a.library, _declared_auth)
    if chosen is None:
        insp.questions.append(
            Question(
                "auth",
                "Where do users sign in? No Flask-Login or session-based sign-in was found"
                if not found
                else "Both Flask-Login and session sign-in are used: which one?",
                AUTH_IDS,
            )
        )
        insp.auth = AuthReport(confidence="low")
        return
    fields = chosen.fields
    email, name, user_id = exprs.user_exprs(
        fields.email, fields.name, fields.user_id, answers, "python", chosen.names
    )
    chosen.fields = UserFields(email, name, user_id, fields.confidence)
    facts.auth = chosen
    insp.auth = AuthReport(
        chosen.library,
        email,
        name,
        user_id,
        fields.confidence if email else "low",
        tuple(chosen.evidence),
    )
    if email is None:
        accessor = "current_user" if chosen.library == "flask-login" else "g.user"
        insp.questions.append(
            Question(
                "email_expr",
                f"The user model has no email field: which server-side expression gives the "
                f"signed-in user's email? (for example `{accessor}.contact_email`)",
            )
        )
    if name is None:
        insp.notes.append(
            Note(
                "no display-name field found: the token carries no `name` claim "
                "(recommended; pass --name-expr to add one)"
            )
        )


def _declared_auth(library: str) -> d.AuthFacts:
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


def _delivery(facts: d.FlaskFacts, answers: Answers, insp: Inspection) -> None:
    given = url_path(answers.api_prefix) if answers.api_prefix else None
    prefix = given or d.common_prefix([p for p, _ in facts.api_prefixes]) or "/api"
    facts.endpoint_prefix = "/" + prefix.strip("/")
    insp.delivery = choice.pick_delivery(
        answers.delivery, insp.stack.rendering, bool(facts.page_cache)
    )


def _widget(facts: d.FlaskFacts, answers: Answers, insp: Inspection) -> None:
    if facts.widget is not None:
        path, tag = facts.widget
        text = next((t.text for t in facts.templates.values() if t.path == path), None)
        line = (text or "").count("\n", 0, tag.start) + 1 if text else 1
        insp.widget = WidgetReport(
            True,
            path,
            line,
            tag.has_user_token,
            (Evidence(path, line, "BestChatBot widget <script> tag"),),
        )
        return
    need_tag = insp.delivery == "script-attribute" or bool(facts.spa_pages)
    target = _widget_target(facts, answers, insp)
    if target is not None:
        insp.widget = WidgetReport(
            False, target[0], target[1], False, (Evidence(target[0], target[1], target[2]),)
        )
    if (
        need_tag
        and not answers.api_key
        and (target is not None or insp.delivery == "token-endpoint")
    ):
        insp.questions.append(
            Question(
                "api_key",
                "The widget tag is missing: what is your BestChatBot API key (data-api-key, "
                "from the dashboard's widget settings; it is public)?",
            )
        )


def _widget_target(
    facts: d.FlaskFacts, answers: Answers, insp: Inspection
) -> tuple[str, int, str] | None:
    if insp.delivery != "script-attribute":
        if facts.spa_pages:
            page = facts.spa_pages[0]
            return page, 1, "single-page app shell: the widget tag belongs before </body>"
        return None
    layouts = facts.layouts
    if answers.layout:
        chosen = answered_layout(facts.templates, layouts, answers.layout, insp.root)
        facts.layouts = layouts = [chosen]
    if not layouts:
        # No template inherits from another: a lone full page (holding </body>) is the layout.
        pages = [t for t in facts.templates.values() if t.has_body_close and not t.extends]
        if len(pages) == 1:
            facts.layouts = layouts = [Layout(pages[0], "body", 0)]
    if not layouts:
        insp.questions.append(
            Question(
                "layout",
                "No base layout holding </body> was found: which template should carry the "
                "widget tag?",
                tuple(sorted(t.path for t in facts.templates.values()))[:20],
            )
        )
        return None
    best = layouts[0]
    ties = [lay for lay in layouts if (lay.mode, lay.extenders) == (best.mode, best.extenders)]
    if len(ties) > 1:
        insp.questions.append(
            Question(
                "layout",
                "Several layouts could carry the widget tag: which one do signed-in pages use?",
                tuple(lay.template.path for lay in ties),
            )
        )
        return None
    tpl = best.template
    if best.mode == "body":
        return tpl.path, tpl.body_close_line or 1, "base layout: before </body>"
    if best.mode == "block":
        return tpl.path, 1, f"layout extends {tpl.extends}: in its scripts block"
    return tpl.path, tpl.text.count("\n") + 1, "root layout without </body>: at its end"
