"""What inspection found in a FastAPI app (frozen), and what follows from it once the choices
are settled: the router that gets the endpoint, the frontend that loads the identity script,
the widget tag already there, the SPA's bearer token. Pure functions, so that inspection and
planning derive the same answers from the same facts and `Choices`."""

from __future__ import annotations

from dataclasses import dataclass, field

from scaffolder.cors import Permissive
from scaffolder.escape import py_str
from scaffolder.inspection import Choices
from scaffolder.markup import Layout, Tag, Template, widget_tags
from scaffolder.model import Delivery, Evidence
from scaffolder.paths import is_test_path
from scaffolder.project import Project
from scaffolder.spa import Frontend, TokenStorage, body_line
from scaffolder.stacks.fastapi.auth import AuthFacts, UserDep
from scaffolder.stacks.fastapi.detect import AppInfo, Mount, StaticMount, Structure
from scaffolder.stacks.fastapi.middleware import CacheOverride


@dataclass(frozen=True)
class FastAPIFacts:
    app: AppInfo
    struct: Structure
    mounts: list[Mount]
    auth: AuthFacts
    api_prefix: tuple[str, Evidence] | None  # the app's own API prefix, as found
    templates: dict[str, Template]
    layouts: list[Layout]  # the candidates, best first
    frontends: list[Frontend]  # single-page frontends in the repository
    quote: str
    package_dir: str
    package: str
    cache_overrides: list[CacheOverride] = field(default_factory=list)  # Cache-Control set late
    cors: tuple[Permissive, ...] = ()  # CORSMiddleware answering any origin with credentials


Chosen = Choices[UserDep]


@dataclass(frozen=True)
class Target:
    """Where `bestchatbot_router` is included: a router mounted at the API prefix, or the app
    (then with `prefix=`)."""

    owner: str
    path: str
    var: str
    function: str | None  # the app factory, when the app is built in one
    prefix_src: str | None  # `prefix=` source for an app-level include
    line: int
    module: str


def target(facts: FastAPIFacts, prefix: str) -> Target:
    """The router mounted exactly at the API prefix (an aggregating router first), else the
    app itself with `prefix=`."""
    prefix = prefix.rstrip("/")  # the app's root is ""
    routers = facts.struct.routers
    at_prefix = [
        m
        for m in facts.mounts
        if m.prefix == prefix and m.router in routers and not is_test_path(routers[m.router].path)
    ]
    counts: dict[str, int] = {}
    for m in facts.mounts:
        counts[m.router] = counts.get(m.router, 0) + 1

    def rank(m: Mount) -> tuple[int, int, str]:
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
            and inc.prefix.text.rstrip("/") == prefix
            and not inc.prefix_src.startswith(("'", '"'))
        ),
        None,
    )
    if prefix_src is None and prefix:
        prefix_src = py_str(prefix, facts.quote)
    return Target(app.id, app.path, app.var, app.factory, prefix_src, app.line, app.module)


def static_mount(facts: FastAPIFacts) -> StaticMount | None:
    """The app's `StaticFiles` mount of a directory of its own (not a site served with
    `html=True`): where the identity script of server-rendered pages goes."""
    return next((m for m in facts.struct.statics if m.directory and not m.html), None)


def layout_static(facts: FastAPIFacts, delivery: Delivery) -> StaticMount | None:
    """Endpoint delivery for server-rendered pages without a frontend of their own: the static
    mount that serves the identity script the base layout loads."""
    if delivery != "token-endpoint" or facts.frontends or not facts.templates:
        return None
    return static_mount(facts)


def frontend(facts: FastAPIFacts, delivery: Delivery, layout: Layout | None) -> Frontend | None:
    """The page that loads the identity script: the SPA's shell, or the chosen base layout."""
    if facts.frontends:
        return facts.frontends[0]
    static = layout_static(facts, delivery)
    if static is None or static.directory is None or layout is None:
        return None
    return Frontend(
        static.directory,
        "layout",
        "jinja",
        layout.template.path,
        None,
        static_url=static.url,
        evidence=[Evidence(static.path, static.line, f"static files served at {static.url}")],
        body_line=body_line(layout.template.text),
    )


def widget(
    project: Project, facts: FastAPIFacts, delivery: Delivery, page: Frontend | None
) -> tuple[str, Tag] | None:
    """The widget tag already there: in a template (tag delivery), or in the frontend's page."""
    if delivery == "script-attribute":
        for tpl in facts.templates.values():
            tags = widget_tags(tpl.text)
            if tags:
                return tpl.path, tags[0]
        return None
    if page is not None:
        tags = widget_tags(project.text(page.page) or "")
        if tags:
            return page.page, tags[0]
    return None


def bearer_token(
    dep: UserDep, delivery: Delivery, page: Frontend | None, answer: str | None
) -> tuple[TokenStorage | None, str | None] | list[TokenStorage]:
    """Bearer-token SPAs: (where the SPA keeps its token, the JS expression reading it) as
    answered with --spa-token or found; the candidates when that takes a question."""
    if delivery != "token-endpoint" or not dep.bearer:
        return None, None
    if answer:
        return None, answer.strip()
    if page is None:
        return None, None
    candidates = page.token_candidates
    if len(candidates) > 1:
        preferred = [c for c in candidates if "access" in c.key.lower()]
        candidates = preferred if len(preferred) == 1 else candidates
    if len(candidates) == 1:
        return candidates[0], candidates[0].expr
    return candidates


@dataclass(frozen=True)
class Wiring:
    """What the plan wires, as it follows from the facts and the choices."""

    target: Target
    frontend: Frontend | None
    widget: tuple[str, Tag] | None
    token: TokenStorage | None
    bearer_expr: str | None  # JS expression reading the SPA's bearer token


def wiring(project: Project, facts: FastAPIFacts, choices: Chosen, spa_token: str | None) -> Wiring:
    page = frontend(facts, choices.delivery, choices.layout)
    found = bearer_token(choices.auth, choices.delivery, page, spa_token)
    token, bearer = found if isinstance(found, tuple) else (None, None)
    return Wiring(
        target(facts, choices.endpoint_prefix),
        page,
        widget(project, facts, choices.delivery, page),
        token,
        bearer,
    )
