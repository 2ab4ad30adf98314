"""The FastAPI phase-1 report, as the hooks of `FastAPIStack` call it: the API prefix's note, the
current-user dependency and the user's fields, the layout, the SPA's bearer token, the widget
tag and the findings; with a question for whatever detection cannot settle. Nothing here
changes the facts: each function returns what it settled."""

from __future__ import annotations

from collections.abc import Sequence

from scaffolder import reporting
from scaffolder.errors import UsageError
from scaffolder.markup import Layout, Tag, answered_layout
from scaffolder.model import (
    Answers,
    AuthReport,
    Delivery,
    Draft,
    Evidence,
    Finding,
    Note,
    Question,
    UserFields,
    WidgetReport,
)
from scaffolder.project import Project
from scaffolder.python.models import pick_fields
from scaffolder.python.source import PythonIndex
from scaffolder.spa import Frontend, TokenStorage
from scaffolder.stacks.fastapi import AUTH_IDS, SPA_TOKEN, USER_DEPENDENCY, answered
from scaffolder.stacks.fastapi import auth as a
from scaffolder.stacks.fastapi import facts as fx
from scaffolder.stacks.fastapi import usermodel as um
from scaffolder.stacks.fastapi.facts import FastAPIFacts

USER = "user"  # how the generated code names the signed-in user

SEVERAL = "Several dependencies return the signed-in user: which one identifies visitors?"
NONE_FOUND = (
    "Where do users sign in? No current-user dependency was found (a function injected with "
    "Depends() that turns an OAuth2 bearer token or the session into the user, or "
    "fastapi-users' current_user()): which one is it (module:function)?"
)


# -- the API prefix ---------------------------------------------------------------------------


def prefix_notes(facts: FastAPIFacts, answers: Answers) -> list[Note]:
    """A note when the endpoint falls back to /api because some routers' prefixes cannot be
    read (and none was answered)."""
    unknown = [m for m in facts.mounts if m.prefix is None]
    if answers.api_prefix or facts.api_prefix is not None or not unknown:
        return []
    return [
        Note(
            "some routers are mounted at a prefix that cannot be read statically; "
            "the endpoint goes under /api (pass --api-prefix to choose)",
            unknown[0].evidence.file,
            unknown[0].evidence.line,
        )
    ]


# -- authentication ---------------------------------------------------------------------------


def dependency(
    index: PythonIndex, facts: FastAPIFacts, answers: Answers, insp: Draft
) -> a.UserDep | None:
    """The current-user dependency (answered with --user-dependency / --auth, or the only one);
    None while the `user_dependency` question is open."""
    found = facts.auth
    if answers.auth is not None and answers.auth not in AUTH_IDS:
        raise UsageError(f"--auth must be one of: {', '.join(AUTH_IDS)}")
    candidates = found.candidates
    wanted = USER_DEPENDENCY.of(answers)
    if answers.auth:
        candidates = [c for c in candidates if c.library == answers.auth]
        if not candidates and not wanted:
            raise UsageError(
                f"--auth {answers.auth}: no such current-user dependency here; found "
                + (", ".join(f"{c.label} ({c.library})" for c in found.candidates) or "none")
            )
    chosen = None
    if wanted:
        chosen = answered.resolve(index, found, wanted)
    elif len(candidates) == 1:
        chosen = candidates[0]
    if chosen is None:
        if candidates:
            insp.questions.append(
                Question("user_dependency", SEVERAL, tuple(c.label for c in candidates))
            )
        else:
            insp.questions.append(Question("user_dependency", NONE_FOUND))
        insp.auth = AuthReport(confidence="low")
    return chosen


def fields(index: PythonIndex, dep: a.UserDep) -> UserFields:
    """The email / name / id of the dependency's user, read from its model."""
    if dep.model is None:
        return UserFields(None, None, None, "low")
    attrs = um.model_attributes(index, dep.model)
    if dep.mapping:  # a dict of the model's columns: no methods
        attrs = {k: v for k, v in attrs.items() if not v.is_method}
    return pick_fields(attrs, USER, subscript=dep.mapping)


def email_question(dep: a.UserDep) -> str:
    model = dep.model.name if dep.model else "user"
    return (
        f"The {model} model has no email field: which expression gives the signed-in "
        f"user's email? (for example `{USER}.contact_email`)"
    )


# -- delivery, layout, SPA token, widget -------------------------------------------------------


def choose_layout(facts: FastAPIFacts, answers: Answers, insp: Draft) -> list[Layout]:
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
    dep: a.UserDep, chosen: Delivery, page: Frontend | None, answers: Answers, insp: Draft
) -> TokenStorage | None:
    """Bearer-token SPAs: the browser script must send the app's own Authorization header."""
    found = fx.bearer_token(dep, chosen, page, SPA_TOKEN.of(answers))
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


def widget_found(project: Project, found: tuple[str, Tag]) -> WidgetReport:
    path, tag = found
    text = project.text(path) or ""
    return reporting.widget_found(path, text.count("\n", 0, tag.start) + 1, tag.has_user_token)


def findings(
    facts: FastAPIFacts,
    answers: Answers,
    chosen: Delivery,
    prefix: str,
    dep: a.UserDep | None,
    pages: list[Finding],
    page: Frontend | None,
    token: TokenStorage | None,
) -> list[Finding]:
    """The routers and where they are mounted, the API prefix, the router that serves the
    endpoint, the dependency, then the `pages` findings, the frontend and the SPA's token."""
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
    # Both deliveries serve the endpoint: server-rendered pages renew their token from it.
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
            (Evidence(t.path, t.line, f"serves {prefix.rstrip('/')}/widget-token"),),
        )
    )
    static = fx.static_mount(facts) if chosen == "script-attribute" else None
    if static is not None:
        mounted = Evidence(static.path, static.line, f"StaticFiles mounted at {static.url}")
        out.append(Finding("static-files", f"{static.directory}: the identity script", (mounted,)))
    if dep is not None:
        out.append(Finding("user-dependency", dep.label, tuple(dep.evidence[:1])))
    out += pages
    if page is not None:
        out.append(Finding("frontend", f"{page.framework} in {page.root}", tuple(page.evidence)))
    if token is not None:
        out.append(Finding("spa-token", token.expr, tuple(token.evidence[:2])))
    return out


def pages(facts: FastAPIFacts, layouts: Sequence[Layout]) -> list[Finding]:
    """The `Jinja2Templates` and the layouts as settled."""
    out = []
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
    return out
