"""Next.js's stack: detection, inspection (the app, its root layouts, the auth provider, the
widget) and planning (delegated to `plan`).

Imported only when triage says a Next.js app may be here (see `__init__`): the finders are in
`detect` and `providers`, the plan in `plan`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from scaffolder import choice, exprs, reporting
from scaffolder.answer_rules import layout_target
from scaffolder.errors import UsageError
from scaffolder.escape import url_path
from scaffolder.inspection import Choices, Settled
from scaffolder.js import packages
from scaffolder.model import (
    Answers,
    AuthReport,
    Evidence,
    Finding,
    Inspection,
    Note,
    Question,
    StackReport,
    UserExpr,
    WidgetReport,
)
from scaffolder.plan import PlanBuilder
from scaffolder.project import Project
from scaffolder.registry import Detection, Stack, register
from scaffolder.stacks.nextjs import AUTH_IDS, MANIFEST
from scaffolder.stacks.nextjs import detect as d
from scaffolder.stacks.nextjs import providers as p
from scaffolder.steps import run


@dataclass(frozen=True)
class NextFacts:
    """What was found about the chosen app; what inspection settled is in `Choices`
    (the provider is its `auth`, the shells to mount in its `mounts`)."""

    app: d.NextApp
    manager: packages.PackageManager


Chosen = Choices[p.Provider]


@register
class NextjsStack(Stack):
    id = MANIFEST.id
    name = MANIFEST.name
    language = MANIFEST.language
    auth_ids = AUTH_IDS

    def detect(self, project: Project) -> Detection | None:
        apps = d.find_apps(project)
        if not apps:
            return None
        return Detection(self.id, "high", tuple(m.evidence("next", "Next.js app") for m in apps))

    def inspect(self, project: Project, detection: Detection, answers: Answers) -> Inspection:
        insp = Inspection(root=project.root)
        manifest = _choose_app(d.find_apps(project), answers, insp)
        if manifest is None:
            insp.stack = StackReport("javascript", "nextjs", "server-rendered", confidence="low")
            return insp
        app = d.load_app(project, manifest)
        language = "typescript" if app.typescript else "javascript"
        router = "App Router" if app.router == "app" else "Pages Router"
        evidence = [app.evidence()]
        shells = _shells(app, answers, insp)
        evidence += [
            Evidence(
                s.path,
                s.line,
                f"{router} root layout" if s.kind == "layout" else "Pages Router custom App",
            )
            for s in shells[:3]
        ]
        insp.stack = StackReport(
            language, "nextjs", "server-rendered", app.root, "high", tuple(evidence)
        )
        if answers.delivery == "script-attribute":
            raise UsageError(
                "--delivery script-attribute: Next.js pages can be cached or static, so the "
                "token comes from the token-endpoint (a route handler) instead"
            )
        insp.delivery = "token-endpoint"
        provider = _choose_provider(project, app, answers, insp)
        facts = NextFacts(app, packages.package_manager(project, app.root))
        insp.findings = _findings(facts)
        insp.facts = Settled(facts, None)
        if provider is None:
            return insp
        email, name, user_id = _fields(provider, answers)
        insp.auth = AuthReport(provider.id, email, name, user_id, "high", tuple(provider.evidence))
        if provider.blocking:
            insp.notes.append(Note(f"{provider.label}: {provider.blocking}", provider.package))
        if name is None:
            insp.notes.append(
                Note("the token carries no `name` claim (pass --name-expr to add one)")
            )
        # `--api-prefix /`: the endpoint at /widget-token, so the prefix is empty.
        prefix = ("/" + url_path(answers.api_prefix or "/api").strip("/")).rstrip("/")
        _widget(app, shells, answers, insp)
        if not insp.questions:
            mounts = tuple(s.path for s in shells)
            chosen = Chosen(
                provider, email, name, user_id, "token-endpoint", prefix, None, mounts=mounts
            )
            insp.facts = Settled(facts, chosen)
        return insp

    def plan(self, project: Project, inspection: Inspection, builder: PlanBuilder) -> None:
        from scaffolder.stacks.nextjs.plan import steps

        settled = inspection.facts
        if not isinstance(settled, Settled) or settled.choices is None:
            raise TypeError(f"{self.id}: planning an inspection that did not settle")
        facts, provider = settled.found, settled.choices.auth
        if not isinstance(facts, NextFacts) or not isinstance(provider, p.Provider):
            raise TypeError(f"{self.id}: planning another stack's inspection")
        run(builder, steps(project, inspection, facts, settled.choices))


def _choose_app(
    apps: list[packages.PackageJson], answers: Answers, insp: Inspection
) -> packages.PackageJson | None:
    wanted = answers.app and (answers.app.strip().strip("/").removesuffix("/package.json") or ".")
    return choice.pick(
        apps,
        wanted,
        insp,
        question="app",
        text="Several Next.js apps are in this repository: which one gets the widget?",
        what="Next.js app",
        label=lambda manifest: manifest.directory,
        aliases=lambda manifest: [manifest.name] if manifest.name else [],
    )


def _shells(app: d.NextApp, answers: Answers, insp: Inspection) -> list[d.Shell]:
    if app.router == "pages":
        return [app.app_shell] if app.app_shell else []
    # An app moving to the App Router keeps serving pages/ through its custom App: both mount.
    pages = [app.app_shell] if app.app_shell else []
    return _root_layouts(app, answers, insp) + pages


def _root_layouts(app: d.NextApp, answers: Answers, insp: Inspection) -> list[d.Shell]:
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


def _choose_provider(
    project: Project, app: d.NextApp, answers: Answers, insp: Inspection
) -> p.Provider | None:
    found = p.detect(project, app)
    if answers.auth is not None:
        if answers.auth not in AUTH_IDS:
            raise UsageError(f"--auth must be one of: {', '.join(AUTH_IDS)}")
        chosen = next((f for f in found if f.id == answers.auth), None)
        if chosen is None:
            package = p.PACKAGES[answers.auth][0]
            raise UsageError(
                f"--auth {answers.auth}: {app.manifest.path} does not depend on {package}"
            )
        return chosen
    if len(found) == 1:
        return found[0]
    insp.auth = AuthReport(confidence="low", evidence=tuple(e for f in found for e in f.evidence))
    insp.questions.append(
        Question(
            "auth",
            "Several auth providers are installed: which one signs users in?"
            if found
            else "No supported auth provider (Clerk, Supabase, Auth0, Auth.js / NextAuth, "
            "Firebase) was found in package.json: which one signs users in?",
            tuple(f.id for f in found) or AUTH_IDS,
        )
    )
    return None


def _fields(
    provider: p.Provider, answers: Answers
) -> tuple[UserExpr, UserExpr | None, UserExpr | None]:
    email, name, user_id = p.user_fields(provider)
    names = p.user_names(provider)
    overrides = (
        (answers.email_expr, "--email-expr"),
        (answers.name_expr, "--name-expr"),
        (answers.id_expr, "--id-expr"),
    )
    out: list[UserExpr | None] = [email, name, user_id]
    for i, (given, flag) in enumerate(overrides):
        if given is not None:
            out[i] = exprs.override(out[i], given, flag, "javascript", names)
    assert out[0] is not None
    return out[0], out[1], out[2]


def _widget(app: d.NextApp, shells: list[d.Shell], answers: Answers, insp: Inspection) -> None:
    if app.widget is not None:
        insp.widget = WidgetReport(True, app.widget.file, app.widget.line, False, (app.widget,))
        return
    if shells:
        shell = shells[0]
        why = "root layout: in <body>" if shell.kind == "layout" else "custom App"
        insp.widget = WidgetReport(
            False, shell.path, shell.line, False, (Evidence(shell.path, shell.line, why),)
        )
    if not answers.api_key:
        insp.questions.append(reporting.api_key_question("<Script>"))


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
    return out
