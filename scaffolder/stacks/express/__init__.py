"""Express (and plain Node servers built on it): https://expressjs.com/

Detects the package that depends on `express`, its app (`const app = express()` at module level
or in a factory, exported to a separate server module or listening itself), CommonJS vs ES
modules vs TypeScript, the view engine and views directory (`app.set("view engine", ...)`: EJS,
Pug, Handlebars via express-handlebars / hbs, Nunjucks), the templates that close the page body
(a Pug / Handlebars / Nunjucks layout, an EJS footer partial, or each full page), static files
and single-page apps (`express.static`), API prefixes (`app.use("/api", router)`), and where
users sign in: passport (`req.user`, its fields from `deserializeUser` / the verify callback /
`Express.User`), express-session (`req.session.user = {...}`), firebase-admin
(`verifySessionCookie` / `verifyIdToken`).

Adds a `bestchatbot` module in the app's module style that mints the widget token with
`jsonwebtoken`, and either mounts its middleware after the session / passport middleware (the
views' widget tag gets `data-user-token` from `res.locals.bestchatbotToken`) or serves
`GET <api prefix>/widget-token` for single-page apps and APIs, plus the browser script;
`jsonwebtoken` is added to package.json (and `@types/jsonwebtoken` for TypeScript).
"""

from __future__ import annotations

import dataclasses
import posixpath
import re

from scaffolder import choice, exprs, reporting
from scaffolder.answer_rules import layout_target
from scaffolder.errors import UsageError
from scaffolder.escape import url_path
from scaffolder.js.packages import PackageJson
from scaffolder.markup import widget_tags
from scaffolder.model import (
    Answers,
    AuthReport,
    Evidence,
    Finding,
    Inspection,
    Question,
    Rendering,
    StackReport,
    UserExpr,
    WidgetReport,
)
from scaffolder.paths import common_prefix
from scaffolder.plan import PlanBuilder
from scaffolder.project import Project
from scaffolder.registry import Detection, Stack, register
from scaffolder.stacks.express import auth as a
from scaffolder.stacks.express import detect as d
from scaffolder.stacks.express import views as v
from scaffolder.stacks.express.index import JsIndex
from scaffolder.stacks.express.users import UserFields

AUTH_IDS = a.AUTH_IDS


@register
class ExpressStack(Stack):
    id = "express"
    name = "Express"
    language = "javascript"
    auth_ids = AUTH_IDS

    def detect(self, project: Project) -> Detection | None:
        packages = d.express_packages(project)
        if not packages:
            return None
        evidence = tuple(p.evidence("express", "depends on express") for p in packages)
        apps = [app for p in packages for app in d.find_apps(JsIndex(project, p.directory, p.type))]
        if not apps:
            return Detection(self.id, "medium", evidence)
        return Detection(
            self.id,
            "high",
            evidence + tuple(Evidence(x.path, x.line, f"Express app `{x.var}`") for x in apps),
        )

    def inspect(self, project: Project, detection: Detection, answers: Answers) -> Inspection:
        insp = Inspection(root=project.root)
        chosen = _choose_app(project, answers, insp)
        if chosen is None:
            if not insp.questions:
                insp.supported = False
                insp.stack = StackReport(language="javascript", confidence="low")
            return insp
        package, index, app = chosen
        uses = d.find_uses(index)
        config = d.view_config(index, uses)
        statics = d.statics(uses)
        ts = app.module.source.language != "javascript"
        facts = d.ExpressFacts(
            package=package,
            index=index,
            app=app,
            uses=uses,
            views=config,
            statics=statics,
            api_prefixes=d.api_prefixes(uses, index),
            page_cache=d.page_cache(package, index),
            csp=d.csp(index),
            ts=ts,
        )
        if config.engine:
            files = v.view_files(project, config.engine, config.dirs, config.ext)
            facts.template_paths = files
        facts.spa_pages = d.spa_pages(project, statics)
        insp.facts = facts
        loaded = (
            v.load(
                project, config.engine, facts.template_paths, config.ejs_layouts, config.rendered
            )
            if config.engine
            else []
        )
        rendering: Rendering = (
            "server-rendered"
            if config.engine and v.targets(loaded)
            else "spa"
            if facts.spa_pages
            else "api"
        )
        language = "typescript" if ts else "javascript"
        system = (
            "TypeScript" if ts else ("ES modules" if app.module.system == "esm" else "CommonJS")
        )
        where = f" in {app.factory}()" if app.factory else " at module level"
        stack_evidence = [
            Evidence(app.path, app.line, f"Express app `{app.var}`{where} ({system})")
        ]
        stack_evidence += config.evidence[:1]
        if rendering == "spa":
            stack_evidence.append(
                Evidence(facts.spa_pages[0], 1, "static page of a single-page app")
            )
        insp.stack = StackReport(
            language, "express", rendering, package.directory, "high", tuple(stack_evidence)
        )
        _auth(index, facts, answers, insp)
        _delivery(facts, answers, insp)
        _widget(project, facts, loaded, answers, insp)
        insp.findings = _findings(facts, system)
        insp.notes.extend(reporting.page_cache_note(e.file, e.line) for e in facts.page_cache)
        return insp

    def plan(self, project: Project, inspection: Inspection, builder: PlanBuilder) -> None:
        from scaffolder.stacks.express.plan import plan

        plan(project, inspection, builder)


def _choose_app(
    project: Project, answers: Answers, insp: Inspection
) -> tuple[PackageJson, JsIndex, d.ExpressApp] | None:
    found = []
    for package in d.express_packages(project):
        index = JsIndex(project, package.directory, package.type)
        for app in d.find_apps(index):
            found.append((package, index, app))
    if answers.app:
        wanted = answers.app.strip().rstrip("/")
        for item in found:
            package, _, app = item
            labels = {app.path, app.label, posixpath.splitext(app.path)[0], package.directory}
            if wanted in labels:
                return item
        raise UsageError(
            f"--app {answers.app}: no Express app there; found "
            + (", ".join(x[2].label for x in found) or "none")
        )
    exported = [x for x in found if d.is_exported(x[2])]
    pool = exported if len(exported) == 1 else found
    if len(pool) == 1:
        return pool[0]
    if pool:
        insp.questions.append(
            Question(
                "app",
                "Several Express apps are created here: which one gets the widget?",
                tuple(x[2].label for x in pool),
            )
        )
    return None


def _auth(index: JsIndex, facts: d.ExpressFacts, answers: Answers, insp: Inspection) -> None:
    found = a.sign_ins(index)
    if not answers.auth:
        found = a.top_layers(found)
    chosen = choice.pick_library(found, answers.auth, AUTH_IDS, lambda x: x.library, _declared)
    if chosen is None:
        insp.questions.append(
            Question(
                "auth",
                "Where do users sign in? No passport, express-session or firebase-admin sign-in "
                "was found"
                if not found
                else "Several sign-in mechanisms are used ("
                + ", ".join(x.library for x in found)
                + "): which one identifies the widget's user?",
                AUTH_IDS,
            )
        )
        insp.auth = AuthReport(confidence="low")
        return
    f = chosen.fields
    email, name, user_id = exprs.user_exprs(
        f.email, f.name, f.user_id, answers, "javascript", ("user", "req.user", "req.session")
    )
    chosen.fields = UserFields(email, name, user_id, f.confidence)
    facts.auth = chosen
    insp.auth = AuthReport(
        chosen.library,
        _shown(email, chosen.accessor),
        _shown(name, chosen.accessor),
        _shown(user_id, chosen.accessor),
        f.confidence if email else "low",
        tuple(chosen.evidence),
    )
    if email is None:
        insp.questions.append(
            Question(
                "email_expr",
                f"The signed-in user ({chosen.accessor}) has no email field: which JavaScript "
                "expression gives it? `user` is that object (also `req.user`, `req.session`; for "
                "example `user.contactEmail`)",
            )
        )
    if name is None:
        insp.notes.append(reporting.no_name_note())


def _shown(expr: UserExpr | None, accessor: str) -> UserExpr | None:
    """The expression as the report shows it: through the real accessor (`req.user.email`)."""
    if expr is None or accessor == "user":
        return expr
    shown = re.sub(r"(?<![\w$.])user\b", accessor, expr.expr)
    return UserExpr(shown, expr.file, expr.line, expr.why)


def _declared(library: str) -> a.AuthFacts:
    empty = UserFields(None, None, None, "low")
    if library == "firebase":
        return a.AuthFacts(
            library,
            "user",
            UserFields(
                UserExpr("user.email"), UserExpr("user.name"), UserExpr("user.uid"), "medium"
            ),
            [],
            a.Firebase("verifySessionCookie", "cookie", "session", True),
        )
    accessor = "req.user" if library == "passport" else "req.session.user"
    return a.AuthFacts(library, accessor, empty, [])


def _delivery(facts: d.ExpressFacts, answers: Answers, insp: Inspection) -> None:
    given = url_path(answers.api_prefix) if answers.api_prefix else None
    prefix = given or common_prefix([p for p, _ in facts.api_prefixes]) or "/api"
    facts.endpoint_prefix = "/" + prefix.strip("/")
    insp.delivery = choice.pick_delivery(
        answers.delivery, insp.stack.rendering, bool(facts.page_cache)
    )


def _widget(
    project: Project,
    facts: d.ExpressFacts,
    loaded: list[v.View],
    answers: Answers,
    insp: Inspection,
) -> None:
    engine = facts.views.engine
    tags = [(x.path, t) for x in loaded for t in v.find_tags(engine, x.text)] if engine else []
    page_tags = []
    for page in facts.spa_pages:
        text = project.text(page) or ""
        page_tags += [(page, v.Found(t.start, t.end, t.text)) for t in widget_tags(text)]
    views = v.targets(loaded)
    if answers.layout:
        wanted = answers.layout.strip()
        chosen = [x for x in loaded if x.path == wanted or x.path.endswith("/" + wanted)]
        if not chosen:
            raise UsageError(f"--layout {answers.layout}: no such view")
        # A symlinked view stands for its target: the plan edits that file.
        views = [dataclasses.replace(x, path=layout_target(project.root, x.path)) for x in chosen]
    facts.targets = v.Targets(engine or "html", views, tags)
    if tags or page_tags:
        path, tag = (tags or page_tags)[0]
        text = project.text(path) or ""
        line = text.count("\n", 0, tag.start) + 1
        insp.widget = WidgetReport(
            True,
            path,
            line,
            tag.has_user_token,
            tuple(
                Evidence(
                    p, (project.text(p) or "").count("\n", 0, t.start) + 1, "BestChatBot widget tag"
                )
                for p, t in (tags or page_tags)[:5]
            ),
        )
        return
    server_side = insp.delivery == "script-attribute" or (
        insp.delivery == "token-endpoint" and not facts.spa_pages and bool(views)
    )
    if server_side and not views:
        if engine:
            insp.questions.append(
                Question(
                    "layout",
                    "No view closes the page body (no layout, footer partial or full page "
                    "with </body>): which view should carry the widget tag?",
                    tuple(sorted(x.path for x in loaded))[:20],
                )
            )
        return
    target = views[0].path if server_side else (facts.spa_pages[0] if facts.spa_pages else None)
    if target is None:
        return
    what = (
        "layout / footer view: before </body>"
        if server_side and views[0].users
        else "full page: before </body>"
        if server_side and views[0].closes_body
        else "page written without <body>: at its end"
        if server_side
        else "single-page app shell: before </body>"
    )
    more = f" (and {len(views) - 1} more view(s))" if server_side and len(views) > 1 else ""
    line = v.body_line(facts.targets.engine, project.text(target) or "")
    insp.widget = WidgetReport(False, target, line, False, (Evidence(target, line, what + more),))
    if not answers.api_key:
        insp.questions.append(reporting.api_key_question())


def _findings(facts: d.ExpressFacts, system: str) -> list[Finding]:
    app = facts.app
    out = [Finding("module-system", system, (Evidence(app.path, 1, system),))]
    if facts.views.engine:
        out.append(
            Finding(
                "view-engine",
                facts.views.engine,
                tuple(facts.views.evidence[:1]) or (Evidence(app.path, app.line, "view engine"),),
            )
        )
        for directory in facts.views.dirs:
            out.append(
                Finding("views-directory", directory, (Evidence(app.path, app.line, "views"),))
            )
    targets = facts.targets
    assert targets is not None
    for view in targets.views[:10]:
        why = f"used by {view.users} view(s)" if view.users else "full page"
        out.append(Finding("layout", view.path, (Evidence(view.path, 1, why),)))
    for use in facts.uses:
        if use.kind == "static" and use.static_dir:
            where = Evidence(use.module.path, use.line, "express.static")
            out.append(Finding("static", f"{use.static_dir} -> {use.path or '/'}", (where,)))
    out += [Finding("api-prefix", p, (e,)) for p, e in facts.api_prefixes]
    out += [Finding("page-cache", e.why, (e,)) for e in facts.page_cache]
    out += [Finding("content-security-policy", e.why, (e,)) for e in facts.csp]
    return out
