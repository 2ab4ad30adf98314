"""The FastAPI phase-1 report: the API prefix and the router that gets the endpoint, the
current-user dependency and the user's fields, the delivery, the SPA's bearer token, the widget
tag; with a question for whatever detection cannot settle."""

from __future__ import annotations

from scaffolder import choice, exprs, reporting
from scaffolder.errors import UsageError
from scaffolder.escape import py_str, url_path
from scaffolder.markup import answered_layout, widget_tags
from scaffolder.model import (
    Answers,
    AuthReport,
    Evidence,
    Finding,
    Inspection,
    Note,
    Question,
)
from scaffolder.paths import is_test_path
from scaffolder.project import Project
from scaffolder.python.models import UserFields, pick_fields
from scaffolder.python.source import PythonIndex
from scaffolder.stacks.fastapi import auth as a
from scaffolder.stacks.fastapi import detect as d
from scaffolder.stacks.fastapi import frontend as fe
from scaffolder.stacks.fastapi import usermodel as um
from scaffolder.stacks.fastapi.facts import FastAPIFacts, Target

USER = "user"  # how the generated code names the signed-in user


# -- the API prefix and the router that gets the endpoint ------------------------------------


def api(facts: FastAPIFacts, answers: Answers, insp: Inspection) -> None:
    found = d.api_prefix(facts.struct, facts.app, facts.mounts)
    if answers.api_prefix:
        facts.api_prefix = "/" + url_path(answers.api_prefix.strip().strip("/"))
        facts.api_prefix_why = "given with --api-prefix"
    elif found is not None:
        facts.api_prefix, facts.api_prefix_evidence = found
        facts.api_prefix_why = facts.api_prefix_evidence.why
    else:
        unknown = [m for m in facts.mounts if m.prefix is None]
        if unknown:
            insp.notes.append(
                Note(
                    "some routers are mounted at a prefix that cannot be read statically; "
                    "the endpoint goes under /api (pass --api-prefix to choose)",
                    unknown[0].evidence.file,
                    unknown[0].evidence.line,
                )
            )
        facts.api_prefix = "/api"
        facts.api_prefix_why = "no API prefix in the app: the default"
    facts.api_prefix = facts.api_prefix.rstrip("/") or ""
    facts.target = _target(facts)


def _target(facts: FastAPIFacts) -> Target:
    """The router mounted exactly at the API prefix (an aggregating router first), else the
    app itself with `prefix=`."""
    routers = facts.struct.routers
    at_prefix = [
        m
        for m in facts.mounts
        if m.prefix == facts.api_prefix
        and m.router in routers
        and not is_test_path(routers[m.router].path)
    ]
    counts: dict[str, int] = {}
    for m in facts.mounts:
        counts[m.router] = counts.get(m.router, 0) + 1

    def rank(m: d.Mount) -> tuple[int, int, str]:
        children = sum(1 for inc in facts.struct.includes if inc.parent == m.router)
        return (-children, counts[m.router], routers[m.router].path)

    if at_prefix:
        best = routers[min(at_prefix, key=rank).router]
        return Target(best.id, best.path, best.var, None, None, best.line, best.module)
    app = facts.app
    prefix_src = next(
        (
            inc.prefix_src
            for inc in facts.struct.includes
            if inc.parent == app.id
            and inc.prefix is not None
            and inc.prefix_src
            and inc.prefix.text.rstrip("/") == facts.api_prefix
            and not inc.prefix_src.startswith(("'", '"'))
        ),
        None,
    )
    if prefix_src is None and facts.api_prefix:
        prefix_src = py_str(facts.api_prefix, facts.quote)
    return Target(app.id, app.path, app.var, app.factory, prefix_src, app.line, app.module)


# -- authentication ---------------------------------------------------------------------------


def auth(index: PythonIndex, facts: FastAPIFacts, answers: Answers, insp: Inspection) -> None:
    found = a.find(index)
    if answers.auth is not None and answers.auth not in a.AUTH_IDS:
        raise UsageError(f"--auth must be one of: {', '.join(a.AUTH_IDS)}")
    candidates = found.candidates
    if answers.auth:
        candidates = [c for c in candidates if c.library == answers.auth]
        if not candidates and not answers.user_dependency:
            raise UsageError(
                f"--auth {answers.auth}: no such current-user dependency here; found "
                + (", ".join(f"{c.label} ({c.library})" for c in found.candidates) or "none")
            )
    chosen = None
    wanted = answers.user_dependency
    if wanted:
        chosen = _find_dep(found.deps, wanted)
        if chosen is None or chosen.kind == "derived":
            names = ", ".join(c.label for c in found.candidates) or "none"
            base = f"; it builds on {chosen.base}" if chosen is not None and chosen.base else ""
            raise UsageError(
                f"--user-dependency {wanted}: not a current-user dependency this tool can make "
                f"optional{base}; candidates: {names}"
            )
    elif len(candidates) == 1:
        chosen = candidates[0]
    if chosen is None:
        if candidates:
            insp.questions.append(
                Question(
                    "user_dependency",
                    "Several dependencies return the signed-in user: which one identifies "
                    "visitors?",
                    tuple(c.label for c in candidates),
                )
            )
        else:
            insp.questions.append(
                Question(
                    "user_dependency",
                    "Where do users sign in? No current-user dependency was found (a function "
                    "injected with Depends() that turns an OAuth2 bearer token or the session "
                    "into the user, or fastapi-users' current_user()): which one is it "
                    "(module:function)?",
                )
            )
        insp.auth = AuthReport(confidence="low")
        return
    facts.dep = chosen
    fields = UserFields(None, None, None, "low")
    if chosen.model is not None:
        attrs = um.model_attributes(index, chosen.model)
        if chosen.mapping:  # a dict of the model's columns: no methods
            attrs = {k: v for k, v in attrs.items() if not v.is_method}
        fields = pick_fields(attrs, USER, subscript=chosen.mapping)
    allowed = frozenset({USER})
    email, name, user_id = exprs.user_exprs(
        fields.email, fields.name, fields.user_id, answers, "python", allowed
    )
    facts.fields = UserFields(email, name, user_id, fields.confidence)
    insp.auth = AuthReport(
        chosen.library,
        email,
        name,
        user_id,
        fields.confidence if email else "low",
        tuple(chosen.evidence),
    )
    if email is None:
        model = chosen.model.name if chosen.model else "user"
        insp.questions.append(
            Question(
                "email_expr",
                f"The {model} model has no email field: which expression gives the signed-in "
                f"user's email? (for example `{USER}.contact_email`)",
            )
        )
    if name is None:
        insp.notes.append(reporting.no_name_note())


def _find_dep(deps: list[a.UserDep], wanted: str) -> a.UserDep | None:
    wanted = wanted.strip()
    for dep in deps:
        labels = {dep.name, dep.label, dep.id, f"{dep.path}:{dep.name}"}
        if wanted in labels:
            return dep
    return None


def delivery(facts: FastAPIFacts, answers: Answers, insp: Inspection) -> None:
    cached = [r for r in facts.struct.page_routes if r.cached]
    for route in cached:
        insp.notes.append(
            Note(
                f"{route.function}() is page-cached: an inline token could be served to the "
                "wrong visitor, so the token endpoint is the default delivery",
                route.path,
                route.line,
            )
        )
    insp.delivery = choice.pick_delivery(answers.delivery, insp.stack.rendering, bool(cached))
    if insp.delivery == "script-attribute" and not facts.struct.templates:
        raise UsageError("--delivery script-attribute: this app renders no Jinja2Templates pages")
    if insp.delivery == "token-endpoint" and facts.frontend is None and facts.templates:
        _layout_frontend(facts, answers, insp)


def _layout_frontend(facts: FastAPIFacts, answers: Answers, insp: Inspection) -> None:
    """Endpoint delivery for server-rendered pages: the identity script is served by the app's
    static mount and loaded by the base layout."""
    static = next((m for m in facts.struct.statics if m.directory and not m.html), None)
    if static is None or static.directory is None:
        return
    _choose_layout(facts, answers, insp)
    if not facts.layouts:
        return
    layout = facts.layouts[0].template
    facts.frontend = fe.Frontend(
        static.directory,
        "layout",
        "jinja",
        layout.path,
        None,
        static_url=static.url,
        evidence=[Evidence(static.path, static.line, f"static files served at {static.url}")],
    )


def spa_token(facts: FastAPIFacts, answers: Answers, insp: Inspection) -> None:
    """Bearer-token SPAs: the browser script must send the app's own Authorization header."""
    frontend = facts.frontend
    if insp.delivery != "token-endpoint" or facts.dep is None or not facts.dep.bearer:
        return
    given = answers.spa_token
    if given:
        facts.bearer_expr = given.strip()
        return
    if frontend is None:
        return
    candidates = frontend.token_candidates
    if len(candidates) > 1:
        preferred = [c for c in candidates if "access" in c.key.lower()]
        candidates = preferred if len(preferred) == 1 else candidates
    if len(candidates) == 1:
        facts.token = candidates[0]
        facts.bearer_expr = candidates[0].expr
        return
    insp.questions.append(
        Question(
            "spa_token",
            f"The SPA in {frontend.root}/ signs API requests with a bearer token: which "
            "JavaScript expression reads it in the browser (null when signed out)?",
            tuple(c.expr for c in candidates),
        )
    )


def widget(project: Project, facts: FastAPIFacts, answers: Answers, insp: Inspection) -> None:
    if insp.delivery == "script-attribute":
        for tpl in facts.templates.values():
            tags = widget_tags(tpl.text)
            if tags:
                facts.widget = (tpl.path, tags[0])
                break
        if facts.widget is None:
            _choose_layout(facts, answers, insp)
    elif facts.frontend is not None:
        text = project.text(facts.frontend.page) or ""
        tags = widget_tags(text)
        if tags:
            facts.widget = (facts.frontend.page, tags[0])
    if facts.widget is not None:
        path, tag = facts.widget
        text = project.text(path) or ""
        line = text.count("\n", 0, tag.start) + 1
        insp.widget = reporting.widget_found(path, line, tag.has_user_token)
        return
    target: tuple[str, int, str] | None = None
    if insp.delivery == "script-attribute" and facts.layouts:
        tpl = facts.layouts[0].template
        target = (tpl.path, tpl.body_close_line or 1, "base layout: before </body>")
    elif insp.delivery == "token-endpoint" and facts.frontend is not None:
        page = facts.frontend.page
        text = project.text(page) or ""
        line = text.lower().rfind("</body")
        target = (
            page,
            text.count("\n", 0, line) + 1 if line >= 0 else 1,
            "SPA shell: before </body>",
        )
    if target is not None:
        insp.widget = reporting.widget_target(*target)
        if not answers.api_key:
            insp.questions.append(reporting.api_key_question())


def _choose_layout(facts: FastAPIFacts, answers: Answers, insp: Inspection) -> None:
    layouts = facts.layouts
    if answers.layout:
        facts.layouts = [answered_layout(facts.templates, layouts, answers.layout, insp.root)]
        return
    body = [lay for lay in layouts if lay.mode == "body"]
    if not body:
        insp.questions.append(
            Question(
                "layout",
                "No base layout holding </body> was found: which template should carry the "
                "widget tag?",
                tuple(sorted(t.path for t in facts.templates.values()))[:20],
            )
        )
        facts.layouts = []
        return
    best = body[0]
    ties = [lay for lay in body if lay.extenders == best.extenders]
    if len(ties) > 1:
        insp.questions.append(
            Question(
                "layout",
                "Several layouts could carry the widget tag: which one do signed-in pages use?",
                tuple(lay.template.path for lay in ties),
            )
        )
        facts.layouts = []
        return
    facts.layouts = [best]


def findings(facts: FastAPIFacts, insp_delivery: str | None) -> list[Finding]:
    out = []
    for m in facts.mounts:
        router = facts.struct.routers.get(m.router)
        name = f"{router.path}:{router.var}" if router else m.router
        where = m.prefix if m.prefix is not None else "unknown prefix"
        out.append(
            Finding(
                "router",
                f"{name} at {where or '/'}",
                (m.evidence,),
                "high" if m.prefix is not None else "low",
            )
        )
    if facts.api_prefix_evidence is not None:
        out.append(Finding("api-prefix", facts.api_prefix, (facts.api_prefix_evidence,)))
    t = facts.target
    if t is not None and insp_delivery == "token-endpoint":
        where = (
            f"{t.var}.include_router(...)"
            if t.prefix_src is None
            else f"{t.var}.include_router(..., prefix={t.prefix_src})"
        )
        out.append(
            Finding(
                "endpoint-router",
                f"{t.path}: {where}",
                (Evidence(t.path, t.line, f"serves {facts.endpoint_url}"),),
            )
        )
    if facts.dep is not None:
        out.append(Finding("user-dependency", facts.dep.label, tuple(facts.dep.evidence[:1])))
    for tpl in facts.struct.templates:
        out.append(
            Finding(
                "templates",
                f"{tpl.path}:{tpl.var} ({', '.join(tpl.dirs) or 'directory unknown'})",
                (Evidence(tpl.path, tpl.line, "Jinja2Templates"),),
            )
        )
    for lay in facts.layouts:
        out.append(
            Finding(
                "layout",
                lay.template.path,
                (Evidence(lay.template.path, 1, f"extended by {lay.extenders} template(s)"),),
            )
        )
    if facts.frontend is not None:
        out.append(
            Finding(
                "frontend",
                f"{facts.frontend.framework} in {facts.frontend.root}",
                tuple(facts.frontend.evidence),
            )
        )
    if facts.token is not None:
        out.append(Finding("spa-token", facts.token.expr, tuple(facts.token.evidence[:2])))
    return out
