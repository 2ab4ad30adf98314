"""Next.js's stack as the hooks the shared inspection calls (`scaffolder.inspection`): the app,
its root layouts (the shells client code mounts in), the auth provider, the widget; planning is
delegated to `plan`.

Imported only when triage says a Next.js app may be here (see `__init__`): the finders are in
`detect` and `providers`, the plan in `plan`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from scaffolder import reporting
from scaffolder.answer_rules import layout_target
from scaffolder.cors import Permissive
from scaffolder.cors import findings as cors_findings
from scaffolder.cors.javascript import reflected
from scaffolder.errors import UsageError
from scaffolder.exclusions import Pages, viewer_segment
from scaffolder.inspection import Choices, HookedStack
from scaffolder.js import packages
from scaffolder.js.syntax import Source
from scaffolder.markup import Layout, Template
from scaffolder.model import (
    Answers,
    AuthReport,
    Delivery,
    Draft,
    Evidence,
    Finding,
    Inspection,
    Note,
    Question,
    Rendering,
    StackReport,
    UserExpr,
    UserFields,
    WidgetReport,
)
from scaffolder.project import Project
from scaffolder.registry import register
from scaffolder.stacks.nextjs import MANIFEST, exclusions
from scaffolder.stacks.nextjs import detect as d
from scaffolder.stacks.nextjs import providers as p
from scaffolder.steps import Step


@dataclass(frozen=True)
class NextFacts:
    """What was found about the chosen app, and the shells `--layout` (or the only root
    layout, or `_app`) settles before the stack report lists them; the other decisions are in
    `Choices` (the provider is its `auth`, the shells' paths its `mounts`)."""

    app: d.NextApp
    manager: packages.PackageManager
    shells: tuple[d.Shell, ...] = ()
    cors: tuple[Permissive, ...] = ()
    """The middleware's CORS headers answering any origin with credentials (scaffolder.cors)."""


Chosen = Choices[p.Provider]


@register
class NextjsStack(HookedStack[packages.PackageJson, NextFacts, p.Provider]):
    manifest = MANIFEST
    candidate_type = packages.PackageJson
    facts_type = NextFacts
    auth_type = p.Provider
    app_question = "Several Next.js apps are in this repository: which one gets the widget?"
    auth_question = (
        "No supported auth provider (Clerk, Supabase, Auth0, Auth.js / NextAuth, "
        "Firebase) was found in package.json: which one signs users in?"
    )
    auth_ambiguous = "Several auth providers are installed: which one signs users in?"
    widget_needs_auth = True
    widget_tag = "<Script>"
    behind_proxy = False  # its rewrites lead away from the app, which serves its own routes

    # -- candidates and facts ------------------------------------------------------------------

    def candidates(self, project: Project) -> list[packages.PackageJson]:
        return d.find_apps(project)

    def candidate_evidence(self, candidate: packages.PackageJson) -> Evidence:
        return candidate.evidence("next", "Next.js app")

    def candidate_path(self, candidate: packages.PackageJson) -> str:
        return candidate.path

    def candidate_label(self, candidate: packages.PackageJson) -> str:
        return candidate.directory

    def candidate_aliases(self, candidate: packages.PackageJson) -> tuple[str, ...]:
        return (candidate.name,) if candidate.name else ()

    def app_answer(self, answer: str) -> str:
        return answer.strip().strip("/").removesuffix("/package.json") or "."

    def preferred_candidates(
        self, candidates: list[packages.PackageJson]
    ) -> list[packages.PackageJson]:
        # Every app found is one to ask about: `find_apps` already keeps only packages with routes.
        return candidates

    def undecided_report(self) -> StackReport:
        return StackReport("javascript", "nextjs", "server-rendered", confidence="low")

    def facts(self, project: Project, candidate: packages.PackageJson) -> NextFacts:
        app = d.load_app(project, candidate)
        return NextFacts(app, packages.package_manager(project, app.root), cors=_cors(project, app))

    def settle_facts(
        self, project: Project, facts: NextFacts, answers: Answers, insp: Draft
    ) -> NextFacts:
        return dataclasses.replace(facts, shells=tuple(_shells(facts.app, answers, insp)))

    def mounts(self, facts: NextFacts) -> tuple[str, ...]:
        return tuple(s.path for s in facts.shells)

    def stack_report(self, project: Project, facts: NextFacts) -> StackReport:
        app = facts.app
        language = "typescript" if app.typescript else "javascript"
        router = "App Router" if app.router == "app" else "Pages Router"
        evidence = [app.evidence()]
        evidence += [
            Evidence(
                s.path,
                s.line,
                f"{router} root layout" if s.kind == "layout" else "Pages Router custom App",
            )
            for s in facts.shells[:3]
        ]
        return StackReport(language, "nextjs", "server-rendered", app.root, "high", tuple(evidence))

    # -- auth ----------------------------------------------------------------------------------

    def auth_candidates(self, project: Project, facts: NextFacts) -> list[p.Provider]:
        return p.detect(project, facts.app)

    def answered_auth(self, project: Project, facts: NextFacts, library: str) -> p.Provider:
        # The provider's helpers come from its package: one the app lacks cannot be wired.
        package = p.PACKAGES[library][0]
        raise UsageError(
            f"--auth {library}: {facts.app.manifest.path} does not depend on {package}"
        )

    def auth_library(self, auth: p.Provider) -> str:
        return auth.id

    def user_fields(self, auth: p.Provider) -> UserFields:
        email, name, user_id = p.user_fields(auth)
        return UserFields(email, name, user_id, "high")

    def user_names(self, auth: p.Provider) -> frozenset[str]:
        return p.user_names(auth)

    def auth_evidence(self, auth: p.Provider) -> tuple[Evidence, ...]:
        return auth.evidence

    def auth_options(self, found: Sequence[p.Provider]) -> tuple[str, ...]:
        return tuple(f.id for f in found) or self.auth_ids

    def undecided_auth(self, found: Sequence[p.Provider]) -> AuthReport:
        return AuthReport(confidence="low", evidence=tuple(e for f in found for e in f.evidence))

    def auth_notes(self, auth: p.Provider, name: UserExpr | None) -> list[Note]:
        notes = [Note(f"{auth.label}: {auth.blocking}", auth.package)] if auth.blocking else []
        return notes + ([] if name else [reporting.no_name_note(searched=False)])

    def email_question(self, auth: p.Provider) -> str:
        names = p.user_names(auth)
        user = "user" if "user" in names else sorted(names)[0]
        return f"Which expression gives the {auth.label} user's email (e.g. {user}.email)?"

    # -- delivery and the widget -----------------------------------------------------------------

    def api_prefixes(self, facts: NextFacts) -> list[str]:
        return []

    def page_cache(self, facts: NextFacts) -> Sequence[Evidence]:
        return ()

    def delivery(
        self, facts: NextFacts, answer: str | None, rendering: Rendering | None, page_cache: bool
    ) -> Delivery:
        if answer == "script-attribute":
            raise UsageError(
                "--delivery script-attribute: Next.js pages can be cached or static, so the "
                "token comes from the token-endpoint (a route handler) instead"
            )
        return "token-endpoint"

    def widget_found(self, project: Project, facts: NextFacts) -> WidgetReport | None:
        widget = facts.app.widget
        return WidgetReport(True, widget.file, widget.line, False, (widget,)) if widget else None

    def templates(self, facts: NextFacts) -> dict[str, Template]:
        return {}

    def layout_candidates(self, facts: NextFacts) -> list[Layout]:
        return []

    def widget_target(
        self, facts: NextFacts, delivery: Delivery, layout: Layout | None
    ) -> tuple[str, int, str] | None:
        if not facts.shells:
            return None
        shell = facts.shells[0]
        return (
            shell.path,
            shell.line,
            "root layout: in <body>" if shell.kind == "layout" else "custom App",
        )

    def needs_tag(self, facts: NextFacts, delivery: Delivery) -> bool:
        return True

    def findings(self, facts: NextFacts, layouts: Sequence[Layout]) -> list[Finding]:
        return _findings(facts)

    def widget_pages(
        self, project: Project, facts: NextFacts, layouts: Sequence[Layout], delivery: Delivery
    ) -> Pages:
        app = facts.app
        if not facts.shells:
            return Pages()  # which shells is a question: nothing to list yet
        return exclusions.report(
            project,
            app.config,
            app.app_dir,
            app.pages_dir,
            [s.path for s in app.layouts],
            [s.path for s in facts.shells],
            app.middleware,
        )

    # -- the plan ------------------------------------------------------------------------------

    def steps(
        self, project: Project, inspection: Inspection[object], facts: NextFacts, choices: Chosen
    ) -> list[Step]:
        from scaffolder.stacks.nextjs.plan import steps

        return steps(project, inspection, facts, choices)


def _shells(app: d.NextApp, answers: Answers, insp: Draft) -> list[d.Shell]:
    if app.router == "pages":
        return [app.app_shell] if app.app_shell else []
    # An app moving to the App Router keeps serving pages/ through its custom App: both mount.
    pages = [app.app_shell] if app.app_shell else []
    return _root_layouts(app, answers, insp) + pages


def _root_layouts(app: d.NextApp, answers: Answers, insp: Draft) -> list[d.Shell]:
    layouts = list(app.layouts)
    if answers.layout:
        wanted = [w.strip() for w in answers.layout.split(",") if w.strip()]
        chosen = [s for s in layouts if s.path in wanted or "all" in wanted]
        unknown = [w for w in wanted if w != "all" and w not in {s.path for s in layouts}]
        if unknown or not chosen:
            raise UsageError(
                f"--layout {answers.layout}: not a root layout; found "
                + (", ".join(s.path for s in layouts) or "none")
            )
        # A symlinked layout stands for its target: the plan edits that file.
        return [dataclasses.replace(s, path=layout_target(insp.root, s.path)) for s in chosen]
    # A viewer's root layout (app/(viewer)/layout.tsx) is not a real candidate: the report
    # lists its pages as the ones without the widget.
    real = [s for s in layouts if not viewer_segment(s.path, strict=True)]
    if len(real) == 1 < len(layouts):
        return real
    if len(layouts) > 1:
        insp.questions.append(
            Question(
                "layout",
                "Several root layouts render <html>: which should mount the widget's identity "
                "component? (comma-separated paths, or `all`)",
                (*[s.path for s in layouts], "all"),
            )
        )
        return []
    if not layouts:
        insp.questions.append(
            Question(
                "layout",
                f"No root layout rendering <html> was found under {app.app_dir}/: which layout "
                "file should mount the identity component?",
            )
        )
    return layouts


def _cors(project: Project, app: d.NextApp) -> tuple[Permissive, ...]:
    """The app's middleware (or proxy) setting CORS headers from the request's origin."""
    text = project.text(app.middleware) if app.middleware else None
    if app.middleware is None or text is None:
        return ()
    return tuple(reflected([Source.of(app.middleware, text)], middleware_only=False))


def _findings(facts: NextFacts) -> list[Finding]:
    app, manager = facts.app, facts.manager
    out = [
        Finding(
            "router",
            "app" if app.router == "app" else "pages",
            (Evidence(app.app_dir or app.pages_dir or app.root, 1, "route directory"),),
        )
    ]
    out += [
        Finding("root-layout", s.path, (Evidence(s.path, s.line, "renders <html>"),))
        for s in app.layouts
    ]
    if app.source_root.endswith("src"):
        out.append(Finding("src-dir", app.source_root, (Evidence(app.source_root, 1, "src/"),)))
    for prefix, directory in app.config.aliases:
        where = app.config.path or app.root
        out.append(
            Finding("path-alias", f"{prefix}* -> {directory}", (Evidence(where, 1, "paths"),))
        )
    if app.middleware:
        kind = "proxy" if "/proxy." in "/" + app.middleware else "middleware"
        out.append(Finding(kind, app.middleware, (Evidence(app.middleware, 1, kind),)))
    if app.base_path:
        out.append(Finding("base-path", app.base_path, (Evidence(app.root, 1, "basePath"),)))
    if manager.evidence is not None:
        out.append(Finding("package-manager", manager.name, (manager.evidence,)))
    out += [Finding("content-security-policy", e.why, (e,)) for e in app.csp]
    return out + cors_findings(facts.cors)
