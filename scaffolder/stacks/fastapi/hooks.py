"""FastAPI's stack plugin: detection, the phase-1 report and the plan.

Imported only when triage says a FastAPI app may be here (see `__init__`).
"""

from __future__ import annotations

import posixpath

from scaffolder import choice
from scaffolder.inspection import Choices, Settled
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
from scaffolder.stacks.fastapi import AUTH_IDS, MANIFEST, report
from scaffolder.stacks.fastapi import auth as a
from scaffolder.stacks.fastapi import detect as d
from scaffolder.stacks.fastapi import facts as fx
from scaffolder.stacks.fastapi import frontend as fe
from scaffolder.stacks.fastapi.facts import FastAPIFacts
from scaffolder.steps import run


@register
class FastAPIStack(Stack):
    id = MANIFEST.id
    name = MANIFEST.name
    language = MANIFEST.language
    auth_ids = AUTH_IDS

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
        facts = _facts(project, index, apps, app)
        insp.stack = _stack_report(project, facts)
        prefix = report.api(facts, answers, insp)
        picked = report.auth(index, facts, answers, insp)
        delivery = report.delivery(facts, answers, insp)
        layouts, layout = facts.layouts, None
        if fx.layout_static(facts, delivery) is not None:
            layouts = report.choose_layout(facts, answers, insp)
            layout = layouts[0] if layouts else None
        page = fx.frontend(facts, delivery, layout)
        token = None
        if picked is not None:
            token = report.spa_token(picked[0], delivery, page, answers, insp)
        if delivery == "script-attribute" and fx.widget(project, facts, delivery, page) is None:
            layouts = report.choose_layout(facts, answers, insp)
            layout = layouts[0] if layouts else None
        report.widget(project, facts, delivery, page, layouts, answers, insp)
        dep = picked[0] if picked is not None else None
        insp.findings = report.findings(facts, answers, delivery, prefix, dep, layouts, page, token)
        frontends = facts.frontends
        if len(frontends) > 1:
            insp.notes.append(
                Note(
                    f"several frontends: the identity script goes into {frontends[0].root}/; "
                    "also load it in " + ", ".join(f"{f.root}/" for f in frontends[1:])
                )
            )
        choices = None
        if picked is not None and not insp.questions:
            user, email, name, user_id = picked
            assert email is not None  # no email is a question
            choices = Choices(user, email, name, user_id, delivery, prefix, layout)
        insp.facts = Settled(facts, choices)
        return insp

    def plan(self, project: Project, inspection: Inspection, builder: PlanBuilder) -> None:
        settled = inspection.facts
        if not isinstance(settled, Settled) or settled.choices is None:
            raise TypeError(f"{self.id}: planning an inspection that did not settle")
        facts, auth = settled.found, settled.choices.auth
        if not isinstance(facts, FastAPIFacts) or not isinstance(auth, a.UserDep):
            raise TypeError(f"{self.id}: planning another stack's inspection")
        from scaffolder.stacks.fastapi.plan import steps

        run(builder, steps(project, inspection, facts, settled.choices))


def _facts(
    project: Project, index: PythonIndex, apps: list[d.AppInfo], app: d.AppInfo
) -> FastAPIFacts:
    struct = d.structure(index, project, apps)
    mounts = d.mounts(struct, app)
    templates = load_templates(project, [dd for t in struct.templates for dd in t.dirs])
    package_dir, package = _package(index, app)
    return FastAPIFacts(
        app=app,
        struct=struct,
        mounts=mounts,
        auth=a.find(index),
        api_prefix=d.api_prefix(struct, app, mounts),
        templates=templates,
        layouts=find_layouts(templates),
        frontends=fe.find(project, struct.statics),
        quote=preferred_quote(*(m.text for m in d.modules(index, "FastAPI"))),
        package_dir=package_dir,
        package=package,
    )


def _stack_report(project: Project, facts: FastAPIFacts) -> StackReport:
    app, struct = facts.app, facts.struct
    frontend = facts.frontends[0] if facts.frontends else None
    pages = bool(struct.page_routes and facts.templates)
    rendering: Rendering = "server-rendered" if pages else "spa" if frontend is not None else "api"
    why = f"FastAPI app `{app.var}`" + (f" created in {app.factory}()" if app.factory else "")
    evidence = [Evidence(app.path, app.line, why)]
    if pages:
        route = struct.page_routes[0]
        evidence.append(Evidence(route.path, route.line, "renders pages with Jinja2Templates"))
    elif frontend is not None:
        evidence += frontend.evidence[:1]
    root = manifest_root(project, app.path)
    return StackReport("python", "fastapi", rendering, root, "high", tuple(evidence))


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
