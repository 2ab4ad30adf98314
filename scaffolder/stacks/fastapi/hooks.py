"""FastAPI's stack plugin: the hooks the shared inspection sequence calls (`HookedStack`).

Imported only when triage says a FastAPI app may be here (see `__init__`).
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence

from scaffolder import choice, reporting
from scaffolder.cors import findings as cors_findings
from scaffolder.cors.python import starlette_cors
from scaffolder.errors import UsageError
from scaffolder.exclusions import Pages
from scaffolder.exclusions import templates as exclusions
from scaffolder.inspection import HookedStack
from scaffolder.markup import Layout, Template, find_layouts, load_templates
from scaffolder.model import (
    Answers,
    Delivery,
    Draft,
    Evidence,
    Finding,
    Inspection,
    Note,
    Rendering,
    StackReport,
    UserFields,
    WidgetReport,
)
from scaffolder.project import Project
from scaffolder.python.manifests import manifest_root
from scaffolder.python.source import PythonIndex
from scaffolder.python.style import preferred_quote
from scaffolder.registry import register
from scaffolder.stacks.fastapi import MANIFEST, SPA_TOKEN, report
from scaffolder.stacks.fastapi import auth as a
from scaffolder.stacks.fastapi import detect as d
from scaffolder.stacks.fastapi import facts as fx
from scaffolder.stacks.fastapi import frontend as fe
from scaffolder.stacks.fastapi import middleware as mw
from scaffolder.stacks.fastapi.facts import Chosen, FastAPIFacts
from scaffolder.steps import Step


@register
class FastAPIStack(HookedStack[d.AppInfo, FastAPIFacts, a.UserDep]):
    manifest = MANIFEST
    candidate_type = d.AppInfo
    facts_type = FastAPIFacts
    auth_type = a.UserDep
    app_question = "Several FastAPI apps are created here: which one gets the widget?"
    auth_question = report.NONE_FOUND
    auth_ambiguous = report.SEVERAL

    # -- candidates and facts ----------------------------------------------------------------

    def candidates(self, project: Project) -> list[d.AppInfo]:
        return d.find_apps(PythonIndex.of(project))

    def candidate_evidence(self, candidate: d.AppInfo) -> Evidence:
        why = (
            f"FastAPI app created in {candidate.factory}()" if candidate.factory else "FastAPI app"
        )
        return Evidence(candidate.path, candidate.line, why)

    def candidate_path(self, candidate: d.AppInfo) -> str:
        return candidate.path

    def candidate_label(self, candidate: d.AppInfo) -> str:
        return candidate.label

    def candidate_aliases(self, candidate: d.AppInfo) -> tuple[str, ...]:
        """Its module and package by path or dotted name (the import name, or the path's own
        for a folder without `__init__.py`: `core.setup`), `module:var`, `module:factory`, and
        the same for each module-level app the factory builds (`main.py`)."""
        sites = [(candidate.path, candidate.module, candidate.var), *candidate.built_by]
        aliases: list[str] = []
        for path, module, var in sites:
            for name in dict.fromkeys([module, path.removesuffix(".py").replace("/", ".")]):
                aliases += [name, f"{name}:{var}", name.rpartition(".")[0]]
                if candidate.factory and path == candidate.path:
                    aliases.append(f"{name}:{candidate.factory}")
            aliases += [path, path.removesuffix(".py"), posixpath.dirname(path)]
        aliases.append(candidate.path.removesuffix("/__init__.py"))
        return tuple(a for a in dict.fromkeys(aliases) if a)

    def facts(self, project: Project, candidate: d.AppInfo) -> FastAPIFacts:
        index = PythonIndex.of(project)
        return _facts(project, index, d.find_apps(index), candidate)

    def settle_facts(
        self, project: Project, facts: FastAPIFacts, answers: Answers, insp: Draft
    ) -> FastAPIFacts:
        insp.notes.extend(report.prefix_notes(facts, answers))
        return facts

    def stack_report(self, project: Project, facts: FastAPIFacts) -> StackReport:
        return _stack_report(project, facts)

    # -- auth: the app's current-user dependency ---------------------------------------------

    def auth_candidates(self, project: Project, facts: FastAPIFacts) -> list[a.UserDep]:
        return facts.auth.candidates

    def pick_auth(
        self, project: Project, facts: FastAPIFacts, answers: Answers, insp: Draft
    ) -> a.UserDep | None:
        return report.dependency(PythonIndex.of(project), facts, answers, insp)

    def auth_library(self, auth: a.UserDep) -> str:
        return auth.library

    def auth_fields(self, project: Project, facts: FastAPIFacts, auth: a.UserDep) -> UserFields:
        return report.fields(PythonIndex.of(project), auth)

    def user_names(self, auth: a.UserDep) -> frozenset[str]:
        return frozenset({report.USER})

    def auth_evidence(self, auth: a.UserDep) -> tuple[Evidence, ...]:
        return tuple(auth.evidence)

    def email_question(self, auth: a.UserDep) -> str:
        return report.email_question(auth)

    # -- delivery and the widget -------------------------------------------------------------

    def api_prefixes(self, facts: FastAPIFacts) -> list[str]:
        return [facts.api_prefix[0]] if facts.api_prefix is not None else []

    def page_cache(self, facts: FastAPIFacts) -> Sequence[Evidence]:
        return [
            Evidence(r.path, r.line, f"{r.function}() is page-cached")
            for r in facts.struct.page_routes
            if r.cached
        ]

    def delivery(
        self, facts: FastAPIFacts, answer: str | None, rendering: Rendering | None, page_cache: bool
    ) -> Delivery:
        chosen = choice.pick_delivery(answer, rendering, page_cache)
        if chosen == "script-attribute" and not facts.struct.templates:
            raise UsageError(
                "--delivery script-attribute: this app renders no Jinja2Templates pages"
            )
        return chosen

    def notes(self, facts: FastAPIFacts, delivery: Delivery, answers: Answers) -> list[Note]:
        out = [
            reporting.page_cache_note(e.file, e.line, what=e.why) for e in self.page_cache(facts)
        ]
        out += [
            Note(
                f"{o.evidence.why}: the endpoint keeps its Cache-Control: no-store through a "
                "middleware added after it",
                o.evidence.file,
                o.evidence.line,
            )
            for o in facts.cache_overrides
        ]
        frontends = facts.frontends
        if len(frontends) > 1:
            out.append(
                Note(
                    f"several frontends: the identity script goes into {frontends[0].root}/; "
                    "also load it in " + ", ".join(f"{f.root}/" for f in frontends[1:])
                )
            )
        return out

    def uses_layout(self, facts: FastAPIFacts, delivery: Delivery) -> bool:
        """The tag delivery, and the endpoint's identity script loaded by the base layout."""
        return delivery == "script-attribute" or fx.layout_static(facts, delivery) is not None

    def widget_found(self, project: Project, facts: FastAPIFacts) -> WidgetReport | None:
        found = fx.widget(project, facts, "script-attribute", None)
        return report.widget_found(project, found) if found is not None else None

    def templates(self, facts: FastAPIFacts) -> dict[str, Template]:
        return facts.templates

    def layout_candidates(self, facts: FastAPIFacts) -> list[Layout]:
        return facts.layouts

    def widget_target(
        self, facts: FastAPIFacts, delivery: Delivery, layout: Layout | None
    ) -> tuple[str, int, str] | None:
        if delivery == "script-attribute":
            if layout is None:
                return None
            tpl = layout.template
            return tpl.path, tpl.body_close_line or 1, "base layout: before </body>"
        page = fx.frontend(facts, delivery, layout)
        return (page.page, page.body_line, "SPA shell: before </body>") if page else None

    def needs_tag(self, facts: FastAPIFacts, delivery: Delivery) -> bool:
        """The tag delivery, or a page (the SPA's shell, the base layout) loading the script."""
        return (
            delivery == "script-attribute"
            or bool(facts.frontends)
            or fx.layout_static(facts, delivery) is not None
        )

    def settle_widget_for(
        self,
        project: Project,
        facts: FastAPIFacts,
        auth: a.UserDep | None,
        delivery: Delivery,
        answers: Answers,
        insp: Draft,
    ) -> list[Layout]:
        """FastAPI's order: the layout that loads the endpoint's script first (the widget is
        looked for in it), then the SPA's bearer token, then the tag (in any template for the
        tag delivery: the layout only when none has it), then the API key."""
        layouts = self.layout_candidates(facts)
        layout = None
        if fx.layout_static(facts, delivery) is not None:
            layouts = report.choose_layout(facts, answers, insp)
            layout = layouts[0] if layouts else None
        page = fx.frontend(facts, delivery, layout)
        if auth is not None:
            report.spa_token(auth, delivery, page, answers, insp)
        if delivery == "script-attribute":
            present = self.widget_found(project, facts)
        else:
            found = fx.widget(project, facts, delivery, page)
            present = report.widget_found(project, found) if found is not None else None
        if present is not None:
            insp.widget = present
            return layouts
        if delivery == "script-attribute":
            layouts = report.choose_layout(facts, answers, insp)
            layout = layouts[0] if layouts else None
        target = self.widget_target(facts, delivery, layout)
        if target is not None:
            insp.widget = reporting.widget_target(*target)
            if self.needs_tag(facts, delivery) and not answers.api_key:
                insp.questions.append(reporting.api_key_question())
        return layouts

    def widget_pages(
        self, project: Project, facts: FastAPIFacts, layouts: Sequence[Layout], delivery: Delivery
    ) -> Pages:
        found = fx.widget(project, facts, delivery, None)
        widget = found[0] if found else None
        placed = delivery == "script-attribute"
        return exclusions.report(facts.templates, layouts, widget, placed)

    def findings(self, facts: FastAPIFacts, layouts: Sequence[Layout]) -> list[Finding]:
        return report.pages(facts, layouts)

    def settled_findings(
        self,
        facts: FastAPIFacts,
        layouts: Sequence[Layout],
        auth: a.UserDep | None,
        delivery: Delivery,
        prefix: str,
        answers: Answers,
    ) -> list[Finding]:
        page = fx.frontend(facts, delivery, layouts[0] if layouts else None)
        token = None
        if auth is not None:
            found = fx.bearer_token(auth, delivery, page, SPA_TOKEN.of(answers))
            token = found[0] if isinstance(found, tuple) else None
        pages = self.findings(facts, layouts)
        out = report.findings(facts, answers, delivery, prefix, auth, pages, page, token)
        return out + cors_findings(facts.cors)

    # -- the plan ----------------------------------------------------------------------------

    def steps(
        self, project: Project, inspection: Inspection[object], facts: FastAPIFacts, choices: Chosen
    ) -> list[Step]:
        from scaffolder.stacks.fastapi.plan import steps

        return steps(project, inspection, facts, choices)


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
        cache_overrides=mw.cache_overrides(index, app),
        cors=tuple(starlette_cors(index.modules(containing="CORSMiddleware"))),
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
