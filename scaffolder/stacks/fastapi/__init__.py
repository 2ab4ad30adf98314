"""FastAPI: https://fastapi.tiangolo.com/

Detects `FastAPI()` apps (module level or built by a factory) and `APIRouter()`s across
modules, follows `include_router(..., prefix=...)` (nested routers, prefixes read from
settings such as `settings.API_V1_STR`) to the app's real API prefix, and finds the app's
current-user dependency: a function injected with `Depends(...)` / `Annotated[...,
Depends(...)]` that turns an `OAuth2PasswordBearer` token or the session cookie into the user,
or fastapi-users' `current_user(...)`; then the user model (SQLModel, SQLAlchemy, Pydantic,
fastapi-users tables) and its email / name / id fields, `Jinja2Templates` and the routes that
render pages, and a single-page frontend in the same repository (React, Vue, plain pages).

Adds a `bestchatbot.py` module beside the app that mints the widget token with PyJWT from a
variant of the app's own dependency that yields no user for anonymous visitors (the app's
scheme with `auto_error=False` around its own decoding function, or fastapi-users'
`current_user(optional=True)`), and either
- `GET {api prefix}/widget-token` on the router mounted at the API prefix (libcst), plus the
  browser script in the SPA (sending the app's own `Authorization` header when the SPA uses
  bearer tokens); or
- for server-rendered pages, a dependency on the page routers that computes the token per
  request and a `Jinja2Templates` context processor, with `data-user-token` on the layout's
  widget tag.
"""

from __future__ import annotations

import posixpath

from scaffolder import choice
from scaffolder.markup import find_layouts, load_templates
from scaffolder.model import (
    Answers,
    Evidence,
    Inspection,
    Note,
    Rendering,
    StackReport,
)
from scaffolder.paths import is_test_path
from scaffolder.plan import PlanBuilder
from scaffolder.project import Project
from scaffolder.python.deps import manifest_root
from scaffolder.python.source import PythonIndex
from scaffolder.python.style import preferred_quote
from scaffolder.registry import Detection, Stack, register
from scaffolder.stacks.fastapi import auth as a
from scaffolder.stacks.fastapi import detect as d
from scaffolder.stacks.fastapi import frontend as fe
from scaffolder.stacks.fastapi import report
from scaffolder.stacks.fastapi.facts import FastAPIFacts


@register
class FastAPIStack(Stack):
    id = "fastapi"
    name = "FastAPI"
    language = "python"
    auth_ids = a.AUTH_IDS

    def detect(self, project: Project) -> Detection | None:
        apps = d.find_apps(PythonIndex.of(project))
        if not apps:
            return None
        evidence = tuple(
            Evidence(
                app.path,
                app.line,
                f"FastAPI app created in {app.factory}()" if app.factory else "FastAPI app",
            )
            for app in apps
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
        struct = d.structure(index, project, apps)
        mounts = d.mounts(struct, app)
        facts = FastAPIFacts(app=app, struct=struct, mounts=mounts)
        facts.quote = preferred_quote(*(m.text for m in d.modules(index, "FastAPI")))
        facts.package_dir, facts.package = _package(index, app)
        insp.facts = facts

        dirs = [dd for t in struct.templates for dd in t.dirs]
        facts.templates = load_templates(project, dirs)
        facts.layouts = find_layouts(facts.templates)
        frontends = fe.find(project, struct.statics)
        facts.frontend = frontends[0] if frontends else None
        pages = bool(struct.page_routes and facts.templates)
        rendering: Rendering = (
            "server-rendered" if pages else "spa" if facts.frontend is not None else "api"
        )
        why = f"FastAPI app `{app.var}`" + (f" created in {app.factory}()" if app.factory else "")
        evidence = [Evidence(app.path, app.line, why)]
        if pages:
            route = struct.page_routes[0]
            evidence.append(Evidence(route.path, route.line, "renders pages with Jinja2Templates"))
        elif facts.frontend is not None:
            evidence += facts.frontend.evidence[:1]
        insp.stack = StackReport(
            "python",
            "fastapi",
            rendering,
            manifest_root(project, app.path),
            "high",
            tuple(evidence),
        )
        report.api(facts, answers, insp)
        report.auth(index, facts, answers, insp)
        report.delivery(facts, answers, insp)
        report.spa_token(facts, answers, insp)
        report.widget(project, facts, answers, insp)
        insp.findings = report.findings(facts, insp.delivery)
        if len(frontends) > 1:
            insp.notes.append(
                Note(
                    f"several frontends: the identity script goes into {frontends[0].root}/; "
                    "also load it in " + ", ".join(f"{f.root}/" for f in frontends[1:])
                )
            )
        return insp

    def plan(self, project: Project, inspection: Inspection, builder: PlanBuilder) -> None:
        from scaffolder.stacks.fastapi.plan import plan

        plan(project, inspection, builder)


def _choose_app(apps: list[d.AppInfo], answers: Answers, insp: Inspection) -> d.AppInfo | None:
    real = [app for app in apps if not is_test_path(app.path)] or apps
    return choice.pick(
        apps if answers.app else real,
        answers.app,
        insp,
        question="app",
        text="Several FastAPI apps are created here: which one gets the widget?",
        what="FastAPI app",
        label=lambda app: app.label,
        aliases=lambda app: (
            app.path,
            app.module,
            f"{app.module}:{app.var}",
            app.path.removesuffix(".py"),
            app.path.removesuffix("/__init__.py"),
            posixpath.dirname(app.path),
            *(
                alias
                for path, module, var in app.built_by
                for alias in (path, module, f"{module}:{var}", posixpath.dirname(path))
            ),
        ),
    )


def _package(index: PythonIndex, app: d.AppInfo) -> tuple[str, str]:
    """(directory, dotted package) of the app's module, where the token module goes: for an
    app built by a factory in a core module, the module that builds it (`main.py`)."""
    path = app.built_by[0][0] if app.built_by else app.path
    mod = index.module(path)
    directory = posixpath.dirname(path)
    if mod is None:
        return directory, ""
    package = mod.name if mod.is_package else mod.name.rpartition(".")[0]
    return directory, package
