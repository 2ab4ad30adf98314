"""Next.js: https://nextjs.org/docs

Detects Next.js apps (`next` in a package.json; one app, or several in a monorepo's `apps/*` /
workspaces: `--app`), the App Router (`app/` or `src/app/`, the root layout possibly under a
route group or a `[locale]` segment; several root layouts: `--layout`) or the Pages Router
(`pages/_app`), TypeScript or JavaScript, tsconfig / jsconfig path aliases, middleware.ts /
proxy.ts, `basePath`, an existing widget `<Script>`, and the auth provider: Clerk, Supabase
(`@supabase/ssr`), Auth0 (`@auth0/nextjs-auth0` v3 / v4), Auth.js v5 / NextAuth v4, Firebase
(see `providers`), reusing the project's own helpers (a `lib/supabase/server` `createClient`,
an `Auth0Client`, the module exporting `auth`, the exported `authOptions`, the Firebase `Auth`).

Adds `app/api/widget-token/route.(ts|js)` (or `pages/api/widget-token`): dynamic, `no-store`,
401 for anonymous visitors, a `jose` HS256 token for the signed-in user; a `'use client'`
component that follows the provider's sign-in state and calls `window.BestChatBot.setUserToken`
/ `clearUserToken`, mounted in the root layout inside the provider's element; the widget
`<Script>` (next/script) when missing; a `window.BestChatBot` declaration in TypeScript
projects; `jose` in package.json (installed by `apply --install`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from scaffolder import choice, exprs, reporting
from scaffolder.answer_rules import layout_target
from scaffolder.errors import UsageError
from scaffolder.escape import url_path
from scaffolder.js import packages
from scaffolder.js.syntax import Source
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
from scaffolder.stacks.nextjs import detect as d
from scaffolder.stacks.nextjs import providers as p

ENDPOINT_NAME = "widget-token"


@dataclass
class NextFacts:
    app: d.NextApp
    provider: p.Provider
    shells: list[d.Shell]
    """Where the component mounts (chosen root layouts, or `_app`; empty: create `_app`)."""
    email: UserExpr
    name: UserExpr | None
    user_id: UserExpr | None
    endpoint_prefix: str = "/api"
    manager: packages.PackageManager | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def endpoint_url(self) -> str:
        return f"{self.app.base_path}{self.endpoint_prefix}/{ENDPOINT_NAME}"


@register
class NextjsStack(Stack):
    id = "nextjs"
    name = "Next.js"
    language = "javascript"
    auth_ids = p.AUTH_IDS

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
        insp.findings = _findings(project, app)
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
        facts = NextFacts(app, provider, shells, email, name, user_id, prefix)
        facts.manager = packages.package_manager(project, app.root)
        insp.facts = facts
        _widget(app, shells, answers, insp)
        return insp

    def plan(self, project: Project, inspection: Inspection, builder: PlanBuilder) -> None:
        from scaffolder.stacks.nextjs.plan import plan

        plan(project, inspection, builder)


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
    layouts = app.layouts
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
        if answers.auth not in p.AUTH_IDS:
            raise UsageError(f"--auth must be one of: {', '.join(p.AUTH_IDS)}")
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
            tuple(f.id for f in found) or p.AUTH_IDS,
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


def _findings(project: Project, app: d.NextApp) -> list[Finding]:
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
    manager = packages.package_manager(project, app.root)
    if manager.evidence is not None:
        out.append(Finding("package-manager", manager.name, (manager.evidence,)))
    out += [Finding("content-security-policy", e.why, (e,)) for e in app.csp]
    return out


def shell_source(project: Project, shell: d.Shell) -> Source:
    return Source.of(shell.path, project.text(shell.path) or "")
