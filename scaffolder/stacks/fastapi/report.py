"""The FastAPI phase-1 report: the API prefix, the current-user dependency and the user's
fields, the delivery, the layout, the SPA's bearer token, the widget tag; with a question for
whatever detection cannot settle. Nothing here changes the facts: each function returns what
it settled."""

from __future__ import annotations

from scaffolder import choice, exprs, reporting
from scaffolder.errors import UsageError
from scaffolder.escape import url_path
from scaffolder.markup import Layout, answered_layout
from scaffolder.model import (
    Answers,
    AuthReport,
    Delivery,
    Evidence,
    Finding,
    Inspection,
    Note,
    Question,
    UserExpr,
)
from scaffolder.project import Project
from scaffolder.python.models import UserFields, pick_fields
from scaffolder.python.source import PythonIndex
from scaffolder.stacks.fastapi import AUTH_IDS
from scaffolder.stacks.fastapi import auth as a
from scaffolder.stacks.fastapi import facts as fx
from scaffolder.stacks.fastapi import usermodel as um
from scaffolder.stacks.fastapi.facts import FastAPIFacts
from scaffolder.stacks.fastapi.frontend import Frontend, TokenStorage

USER = "user"  # how the generated code names the signed-in user

Picked = tuple[a.UserDep, UserExpr | None, UserExpr | None, UserExpr | None]


# -- the API prefix ---------------------------------------------------------------------------


def api(facts: FastAPIFacts, answers: Answers, insp: Inspection) -> str:
    """The endpoint's prefix: answered, found, else `/api` (a note when some routers' prefixes
    cannot be read)."""
    if answers.api_prefix:
        prefix = "/" + url_path(answers.api_prefix.strip().strip("/"))
    elif facts.api_prefix is not None:
        prefix = facts.api_prefix[0]
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
        prefix = "/api"
    return prefix.rstrip("/") or ""


# -- authentication ---------------------------------------------------------------------------


def auth(
    index: PythonIndex, facts: FastAPIFacts, answers: Answers, insp: Inspection
) -> Picked | None:
    """The current-user dependency (answered with --user-dependency / --auth, or the only one)
    and the user's email / name / id; None while a question is open about the dependency."""
    found = facts.auth
    if answers.auth is not None and answers.auth not in AUTH_IDS:
        raise UsageError(f"--auth must be one of: {', '.join(AUTH_IDS)}")
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
        return None
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
            reporting.email_question(
                f"The {model} model has no email field: which expression gives the signed-in "
                f"user's email? (for example `{USER}.contact_email`)"
            )
        )
    if name is None:
        insp.notes.append(reporting.no_name_note())
    return chosen, email, name, user_id


def _find_dep(deps: list[a.UserDep], wanted: str) -> a.UserDep | None:
    wanted = wanted.strip()
    for dep in deps:
        labels = {dep.name, dep.label, dep.id, f"{dep.path}:{dep.name}"}
        if wanted in labels:
            return dep
    return None


# -- delivery, layout, SPA token, widget -------------------------------------------------------


def delivery(facts: FastAPIFacts, answers: Answers, insp: Inspection) -> Delivery:
    cached = [r for r in facts.struct.page_routes if r.cached]
    for route in cached:
        insp.notes.append(
            reporting.page_cache_note(
                route.path, route.line, what=f"{route.function}() is page-cached"
            )
        )
    chosen = choice.pick_delivery(answers.delivery, insp.stack.rendering, bool(cached))
    if chosen == "script-attribute" and not facts.struct.templates:
        raise UsageError("--delivery script-attribute: this app renders no Jinja2Templates pages")
    insp.delivery = chosen
    return chosen


def choose_layout(facts: FastAPIFacts, answers: Answers, insp: Inspection) -> list[Layout]:
    """The layout that gets the tag (or loads the identity script): answered, or the base
    layout holding </body> that the most pages extend; [] with a question otherwise."""
    layouts = facts.layouts
    if answers.layout:
        return [answered_layout(facts.templates, layouts, answers.layout, insp.root)]
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
        return []
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
        return []
    return [best]


def spa_token(
    dep: a.UserDep, chosen: Delivery, page: Frontend | None, answers: Answers, insp: Inspection
) -> TokenStorage | None:
    """Bearer-token SPAs: the browser script must send the app's own Authorization header."""
    found = fx.bearer_token(dep, chosen, page, answers.spa_token)
    if isinstance(found, tuple):
        return found[0]
    assert page is not None  # candidates come from a page
    insp.questions.append(
        Question(
            "spa_token",
            f"The SPA in {page.root}/ signs API requests with a bearer token: which "
            "JavaScript expression reads it in the browser (null when signed out)?",
            tuple(c.expr for c in found),
        )
    )
    return None


def widget(
    project: Project,
    facts: FastAPIFacts,
    chosen: Delivery,
    page: Frontend | None,
    layouts: list[Layout],
    answers: Answers,
    insp: Inspection,
) -> None:
    """Report the widget tag found, or where it goes (then the `api_key` question)."""
    present = fx.widget(project, facts, chosen, page)
    if present is not None:
        path, tag = present
        text = project.text(path) or ""
        line = text.count("\n", 0, tag.start) + 1
        insp.widget = reporting.widget_found(path, line, tag.has_user_token)
        return
    target: tuple[str, int, str] | None = None
    if chosen == "script-attribute" and layouts:
        tpl = layouts[0].template
        target = (tpl.path, tpl.body_close_line or 1, "base layout: before </body>")
    elif chosen == "token-endpoint" and page is not None:
        text = project.text(page.page) or ""
        line = text.lower().rfind("</body")
        target = (
            page.page,
            text.count("\n", 0, line) + 1 if line >= 0 else 1,
            "SPA shell: before </body>",
        )
    if target is not None:
        insp.widget = reporting.widget_target(*target)
        if not answers.api_key:
            insp.questions.append(reporting.api_key_question())


def findings(
    facts: FastAPIFacts,
    answers: Answers,
    chosen: Delivery,
    prefix: str,
    dep: a.UserDep | None,
    layouts: list[Layout],
    page: Frontend | None,
    token: TokenStorage | None,
) -> list[Finding]:
    """The routers and where they are mounted, the API prefix, the router that serves the
    endpoint, the dependency, the templates and layouts, the frontend and the SPA's token."""
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
    if facts.api_prefix is not None and not answers.api_prefix:
        found, evidence = facts.api_prefix
        out.append(Finding("api-prefix", found.rstrip("/") or "", (evidence,)))
    if chosen == "token-endpoint":
        t = fx.target(facts, prefix)
        where = (
            f"{t.var}.include_router(...)"
            if t.prefix_src is None
            else f"{t.var}.include_router(..., prefix={t.prefix_src})"
        )
        out.append(
            Finding(
                "endpoint-router",
                f"{t.path}: {where}",
                (Evidence(t.path, t.line, f"serves {prefix}/widget-token"),),
            )
        )
    if dep is not None:
        out.append(Finding("user-dependency", dep.label, tuple(dep.evidence[:1])))
    for tpl in facts.struct.templates:
        out.append(
            Finding(
                "templates",
                f"{tpl.path}:{tpl.var} ({', '.join(tpl.dirs) or 'directory unknown'})",
                (Evidence(tpl.path, tpl.line, "Jinja2Templates"),),
            )
        )
    for lay in layouts:
        out.append(
            Finding(
                "layout",
                lay.template.path,
                (Evidence(lay.template.path, 1, f"extended by {lay.extenders} template(s)"),),
            )
        )
    if page is not None:
        out.append(Finding("frontend", f"{page.framework} in {page.root}", tuple(page.evidence)))
    if token is not None:
        out.append(Finding("spa-token", token.expr, tuple(token.evidence[:2])))
    return out
