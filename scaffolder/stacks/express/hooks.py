"""Express's hooks into the shared inspection sequence (`scaffolder.inspection`).

Imported only when triage says an Express app may be here (see `__init__`): the finders are in
`detect`, `auth`, `users` and `views`, the plan's steps in `plan`.
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
from collections.abc import Sequence

from scaffolder import reporting
from scaffolder.cors import findings as cors_findings
from scaffolder.errors import UsageError
from scaffolder.exclusions import Pages
from scaffolder.inspection import Choices, Found, HookedStack
from scaffolder.markup import Layout, Template, resolved_template, widget_tags
from scaffolder.model import (
    Answers,
    Confidence,
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
from scaffolder.registry import Detection, register
from scaffolder.stacks.express import MANIFEST, cors, exclusions, inline
from scaffolder.stacks.express import auth as a
from scaffolder.stacks.express import detect as d
from scaffolder.stacks.express import views as v
from scaffolder.stacks.express.index import JsIndex
from scaffolder.steps import Step

_TAG = "BestChatBot widget tag"


@register
class ExpressStack(HookedStack[d.ExpressCandidate, d.ExpressFacts, a.AuthFacts]):
    manifest = MANIFEST
    candidate_type = d.ExpressCandidate
    facts_type = d.ExpressFacts
    auth_type = a.AuthFacts
    app_question = "Several Express apps are created here: which one gets the widget?"
    auth_question = (
        "Where do users sign in? No passport, express-session or firebase-admin sign-in was found"
    )

    # -- candidates and facts ----------------------------------------------------------------

    def detect(self, project: Project) -> Detection | None:
        """A package depending on express is the stack (medium confidence without an app)."""
        packages = d.express_packages(project)
        if not packages:
            return None
        found = self.candidates(project)
        evidence = tuple(p.evidence("express", "depends on express") for p in packages)
        confidence: Confidence = "high" if found else "medium"
        return Found(self.id, confidence, evidence + self.detection_evidence(found), tuple(found))

    def candidates(self, project: Project) -> list[d.ExpressCandidate]:
        found = []
        for package in d.express_packages(project):
            index = JsIndex(project, package.directory, package.type)
            found += [d.ExpressCandidate(package, index, app) for app in d.find_apps(index)]
        return found

    def candidate_evidence(self, candidate: d.ExpressCandidate) -> Evidence:
        app = candidate.app
        return Evidence(app.path, app.line, f"Express app `{app.var}`")

    def candidate_path(self, candidate: d.ExpressCandidate) -> str:
        return candidate.app.path

    def candidate_label(self, candidate: d.ExpressCandidate) -> str:
        return candidate.app.label

    def candidate_aliases(self, candidate: d.ExpressCandidate) -> tuple[str, ...]:
        path = candidate.app.path
        return path, posixpath.splitext(path)[0], candidate.package.directory

    def preferred_candidates(
        self, candidates: list[d.ExpressCandidate]
    ) -> list[d.ExpressCandidate]:
        """The one app exported to a separate server module, else all."""
        exported = [c for c in candidates if d.is_exported(c.app)]
        return exported if len(exported) == 1 else candidates

    def facts(self, project: Project, candidate: d.ExpressCandidate) -> d.ExpressFacts:
        index, app = candidate.index, candidate.app
        uses = d.find_uses(index)
        config = d.view_config(index, uses)
        statics = d.statics(uses)
        engine = config.engine
        loaded = (
            v.load(
                project,
                engine,
                v.view_files(project, engine, config.dirs, config.ext),
                config.ejs_layouts,
                config.rendered,
            )
            if engine
            else []
        )
        pages = d.spa_pages(project, statics)
        page_texts = [(page, project.text(page) or "") for page in pages]
        kind = engine or "html"
        code_pages = inline.find(index)
        in_code = inline.as_layouts(code_pages, index)
        all_views = [v.as_layout(kind, x) for x in loaded] + in_code
        return d.ExpressFacts(
            package=candidate.package,
            index=index,
            app=app,
            uses=uses,
            views=config,
            statics=statics,
            api_prefixes=d.api_prefixes(uses, index),
            page_cache=d.page_cache(candidate.package, index),
            csp=d.csp(index),
            ts=app.module.source.language != "javascript",
            templates={lay.template.path: lay.template for lay in all_views},
            all_views=all_views,
            layouts=[v.as_layout(kind, x) for x in v.targets(loaded)] + in_code,
            tags=[(x.path, t) for x in loaded for t in v.find_tags(engine, x.text)]
            if engine
            else [],
            spa_pages=pages,
            page_tags=[
                (page, v.Found(t.start, t.end, t.text))
                for page, text in page_texts
                for t in widget_tags(text)
            ],
            shell_line=v.body_line(kind, page_texts[0][1]) if page_texts else 0,
            code_pages=code_pages,
            cors=cors.find(index),
        )

    def stack_report(self, project: Project, facts: d.ExpressFacts) -> StackReport:
        app = facts.app
        rendering: Rendering = (
            "server-rendered" if facts.layouts else "spa" if facts.spa_pages else "api"
        )
        where = f" in {app.factory}()" if app.factory else " at module level"
        evidence = [
            Evidence(app.path, app.line, f"Express app `{app.var}`{where} ({facts.system})")
        ]
        evidence += facts.views.evidence[:1]
        if facts.code_pages and not facts.views.engine:
            page = facts.code_pages[0]
            evidence.append(Evidence(page.path, page.line, "HTML built in code, sent per request"))
        if rendering == "spa":
            evidence.append(Evidence(facts.spa_pages[0], 1, "static page of a single-page app"))
        language = "typescript" if facts.ts else "javascript"
        return StackReport(language, "express", rendering, facts.root, "high", tuple(evidence))

    # -- auth --------------------------------------------------------------------------------

    def auth_candidates(self, project: Project, facts: d.ExpressFacts) -> list[a.AuthFacts]:
        return a.sign_ins(facts.index)

    def preferred_auth(self, found: list[a.AuthFacts]) -> list[a.AuthFacts]:
        return a.top_layers(found)

    def auth_ambiguous_text(self, found: Sequence[a.AuthFacts]) -> str:
        return (
            "Several sign-in mechanisms are used ("
            + ", ".join(x.library for x in found)
            + "): which one identifies the widget's user?"
        )

    def declared_auth(self, library: str) -> a.AuthFacts:
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

    def auth_library(self, auth: a.AuthFacts) -> str:
        return auth.library

    def user_fields(self, auth: a.AuthFacts) -> UserFields:
        return auth.fields

    def user_names(self, auth: a.AuthFacts) -> frozenset[str]:
        return frozenset({"user", "req.user", "req.session"})

    def auth_evidence(self, auth: a.AuthFacts) -> tuple[Evidence, ...]:
        return tuple(auth.evidence)

    def shown_expr(self, auth: a.AuthFacts, expr: UserExpr | None) -> UserExpr | None:
        """Through the real accessor (`req.user.email`): the module names it `user`."""
        if expr is None or auth.accessor == "user":
            return expr
        shown = re.sub(r"(?<![\w$.])user\b", auth.accessor, expr.expr)
        return UserExpr(shown, expr.file, expr.line, expr.why)

    def auth_notes(self, auth: a.AuthFacts, name: UserExpr | None) -> list[Note]:
        """The shared notes, and a projection on passport's deserialize path that leaves the
        email out (what apply changes, or that it cannot)."""
        notes = super().auth_notes(auth, name)
        found = auth.projection
        if found is not None:
            fix = (
                f"apply loads it there: {found.edit.what}"
                if found.edit is not None
                else f"add `{found.key}` to it yourself ({found.why})"
            )
            notes.append(Note(f"{found.describe()}; {fix}", found.path, found.line))
        return notes

    def email_question(self, auth: a.AuthFacts) -> str:
        return (
            f"The signed-in user ({auth.accessor}) has no email field: which JavaScript "
            "expression gives it? `user` is that object (also `req.user`, `req.session`; for "
            "example `user.contactEmail`)"
        )

    # -- delivery and the widget -------------------------------------------------------------

    def api_prefixes(self, facts: d.ExpressFacts) -> list[str]:
        return [prefix for prefix, _ in facts.api_prefixes]

    def page_cache(self, facts: d.ExpressFacts) -> Sequence[Evidence]:
        return facts.page_cache

    def widget_found(self, project: Project, facts: d.ExpressFacts) -> WidgetReport | None:
        """The first widget tag in the views (else in the single-page app's pages)."""
        in_code = [(p.path, p.tag) for p in facts.code_pages if p.tag is not None]
        found = [*facts.tags, *in_code] or facts.page_tags
        if not found:
            return None

        def line(path: str, tag: v.Found) -> int:
            return (project.text(path) or "").count("\n", 0, tag.start) + 1

        path, tag = found[0]
        also = tuple(Evidence(p, line(p, t), _TAG) for p, t in found[1:5])
        return reporting.widget_found(path, line(path, tag), tag.has_user_token, _TAG, also)

    def uses_layout(self, facts: d.ExpressFacts, delivery: Delivery) -> bool:
        return _tags_views(facts, delivery, facts.layouts)

    def templates(self, facts: d.ExpressFacts) -> dict[str, Template]:
        return facts.templates

    def layout_candidates(self, facts: d.ExpressFacts) -> list[Layout]:
        return facts.layouts

    def widget_target(
        self, facts: d.ExpressFacts, delivery: Delivery, layout: Layout | None
    ) -> tuple[str, int, str] | None:
        if layout is None:
            if not facts.spa_pages:
                return None
            return facts.spa_pages[0], facts.shell_line, "single-page app shell: before </body>"
        tpl = layout.template
        if layout.mode == inline.MODE:
            return tpl.path, tpl.body_close_line or 1, "HTML built in code: before </body>"
        why = (
            "layout / footer view: before </body>"
            if layout.extenders
            else "full page: before </body>"
            if layout.mode == "body"
            else "page written without <body>: at its end"
        )
        return tpl.path, v.body_line(facts.engine, tpl.text), why

    def needs_tag(self, facts: d.ExpressFacts, delivery: Delivery) -> bool:
        """Every delivery adds the tag where it has a place (a view or the app's page)."""
        return True

    def widget_pages(
        self, project: Project, facts: d.ExpressFacts, layouts: Sequence[Layout], delivery: Delivery
    ) -> Pages:
        """The rule the tag follows in the views that get it (none where the app's own tag is
        there already), and the pages listed (issue 15)."""
        if not _tags_views(facts, delivery, layouts):
            return Pages()
        targets = [] if facts.tags else [lay for lay in layouts if lay.mode != inline.MODE]
        return exclusions.pages(facts, targets)

    def settle_widget(
        self,
        project: Project,
        facts: d.ExpressFacts,
        delivery: Delivery,
        answers: Answers,
        insp: Draft,
    ) -> list[Layout]:
        """The tag goes in every view that closes the page body (or the views `--layout`
        names), so there is no tie to ask about; a question only when no view closes it."""
        layouts = self.layout_candidates(facts)
        if answers.layout:
            layouts = _answered(project, facts, answers.layout)
        present = self.widget_report(project, facts, delivery)
        if present is not None:
            insp.widget = present
            return layouts
        in_views = _tags_views(facts, delivery, layouts)
        if in_views and not layouts:
            if facts.views.engine:
                insp.questions.append(
                    Question(
                        "layout",
                        "No view closes the page body (no layout, footer partial or full page "
                        "with </body>): which view should carry the widget tag?",
                        tuple(sorted(self.templates(facts)))[:20],
                    )
                )
            return layouts
        target = self.widget_target(facts, delivery, layouts[0] if in_views else None)
        if target is None:
            return layouts
        path, line, why = target
        more = f" (and {len(layouts) - 1} more view(s))" if in_views and len(layouts) > 1 else ""
        insp.widget = reporting.widget_target(path, line, why + more)
        if self.needs_tag(facts, delivery) and not answers.api_key:
            insp.questions.append(reporting.api_key_question())
        return layouts

    def findings(self, facts: d.ExpressFacts, layouts: Sequence[Layout]) -> list[Finding]:
        app, system = facts.app, facts.system
        out = [Finding("module-system", system, (Evidence(app.path, 1, system),))]
        if facts.views.engine:
            out.append(
                Finding(
                    "view-engine",
                    facts.views.engine,
                    tuple(facts.views.evidence[:1])
                    or (Evidence(app.path, app.line, "view engine"),),
                )
            )
            for directory in facts.views.dirs:
                out.append(
                    Finding("views-directory", directory, (Evidence(app.path, app.line, "views"),))
                )
        for lay in layouts[:10]:
            why = f"used by {lay.extenders} view(s)" if lay.extenders else "full page"
            if lay.mode == inline.MODE:
                why = "HTML built in code"
            path = lay.template.path
            line = lay.template.body_close_line if lay.mode == inline.MODE else 1
            out.append(Finding("layout", path, (Evidence(path, line or 1, why),)))
        for use in facts.uses:
            if use.kind == "static" and use.static_dir:
                where = Evidence(use.module.path, use.line, "express.static")
                out.append(Finding("static", f"{use.static_dir} -> {use.path or '/'}", (where,)))
        out += [Finding("api-prefix", p, (e,)) for p, e in facts.api_prefixes]
        out += [Finding("page-cache", e.why, (e,)) for e in facts.page_cache]
        out += [Finding("content-security-policy", e.why, (e,)) for e in facts.csp]
        out += cors_findings(facts.cors)
        return out

    # -- the plan ----------------------------------------------------------------------------

    def steps(
        self,
        project: Project,
        inspection: Inspection[object],
        facts: d.ExpressFacts,
        choices: Choices[a.AuthFacts],
    ) -> list[Step]:
        from scaffolder.stacks.express.plan import steps

        return steps(project, inspection, facts, choices)


def _tags_views(facts: d.ExpressFacts, delivery: Delivery, layouts: Sequence[Layout]) -> bool:
    """Whether the tag goes in views (or the pages built in code): for the tag delivery, and
    for the endpoint when the server renders pages, which signed-in users see (a static page
    beside them, such as a sign-in form, is not where they are)."""
    return delivery == "script-attribute" or (delivery == "token-endpoint" and bool(layouts))


def _answered(project: Project, facts: d.ExpressFacts, answer: str) -> list[Layout]:
    """The views `--layout` names (a path, or its end); a symlinked view stands for its
    target, which the plan edits."""
    wanted = answer.strip()
    chosen = [
        lay
        for lay in facts.all_views
        if lay.template.path == wanted or lay.template.path.endswith("/" + wanted)
    ]
    if not chosen:
        raise UsageError(f"--layout {answer}: no such view")
    return [
        dataclasses.replace(lay, template=resolved_template(lay.template, project.root))
        for lay in chosen
    ]
