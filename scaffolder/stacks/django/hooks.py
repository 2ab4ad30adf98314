"""Django's hooks into the shared inspection sequence (`scaffolder.inspection`).

Imported only when triage says a Django project may be here (see `__init__`): the finders are
in `discover`, `settings`, `users`, `templates`, `routes` and `detect`, the plan's steps in
`plan`. Beyond the shared sequence, a project is configured by its settings module(s)
(`configure`, the `settings` question), and its base template is settled even when a widget
tag is already there (`settle_widget`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from scaffolder import reporting
from scaffolder.cors import findings as cors_findings
from scaffolder.cors.python import django_cors
from scaffolder.errors import UsageError
from scaffolder.exclusions import Pages
from scaffolder.exclusions import templates as exclusions
from scaffolder.inspection import Choices, HookedStack
from scaffolder.markup import Layout, Template, resolved_template
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
    UserFields,
    WidgetReport,
)
from scaffolder.project import Project
from scaffolder.python.manifests import manifest_root
from scaffolder.python.source import PythonIndex
from scaffolder.python.style import preferred_quote
from scaffolder.registry import Detection, register
from scaffolder.stacks.django import MANIFEST, SETTINGS
from scaffolder.stacks.django import detect as d
from scaffolder.stacks.django.blocks import (
    block_for,
    body_close_renders,
    extends_at_run_time,
    parent_layout,
)
from scaffolder.stacks.django.discover import (
    DjangoProject,
    find_projects,
    project_apps,
    settings_candidates,
)
from scaffolder.stacks.django.drf import drf_api, drf_evidence, drf_findings
from scaffolder.stacks.django.endpoint import endpoint_view, place
from scaffolder.stacks.django.ninja import mounted_api, ninja_apis, ninja_findings
from scaffolder.stacks.django.settings import Settings, load
from scaffolder.stacks.django.templates import Backend, backends, is_admin, pages
from scaffolder.stacks.django.users import find_user_model
from scaffolder.steps import Step

_DEFINING = ("INSTALLED_APPS", "TEMPLATES", "ROOT_URLCONF", "MIDDLEWARE", "AUTH_USER_MODEL")


@register
class DjangoStack(HookedStack[d.DjangoApp, d.DjangoFacts, d.DjangoAuth]):
    manifest = MANIFEST
    candidate_type = d.DjangoApp
    facts_type = d.DjangoFacts
    auth_type = d.DjangoAuth
    app_question = "Several Django projects are here: which one gets the widget?"
    auth_question = "django.contrib.auth is not in INSTALLED_APPS: where do users sign in?"
    # allauth builds on django.contrib.auth, so detection finds one library at most.
    auth_ambiguous = auth_question

    # -- candidates and facts ----------------------------------------------------------------

    def candidates(self, project: Project) -> list[d.DjangoApp]:
        """One per project; without manage.py or DJANGO_SETTINGS_MODULE, the project at the
        root with the modules defining INSTALLED_APPS (none: only `--framework` gets here)."""
        index = PythonIndex.of(project)
        projects = find_projects(index)
        if projects:
            return [d.DjangoApp(p) for p in projects]
        root = DjangoProject(".", None)
        return [d.DjangoApp(root, tuple(settings_candidates(index, root.root)))]

    def candidate_evidence(self, candidate: d.DjangoApp) -> Evidence:
        found = _evidence(candidate)
        return found[0] if found else Evidence(candidate.project.label, 1, "Django project")

    def detection_evidence(self, candidates: Sequence[d.DjangoApp]) -> tuple[Evidence, ...]:
        return tuple(e for c in candidates for e in _evidence(c))

    def detection_confidence(self, candidates: Sequence[d.DjangoApp]) -> Confidence | None:
        if any(c.project.manage or c.project.entries for c in candidates):
            return "high"
        return "medium" if any(c.found_settings for c in candidates) else None

    def candidate_path(self, candidate: d.DjangoApp) -> str:
        return candidate.project.label

    def candidate_label(self, candidate: d.DjangoApp) -> str:
        return candidate.project.root

    def candidate_aliases(self, candidate: d.DjangoApp) -> tuple[str, ...]:
        return (candidate.project.manage,) if candidate.project.manage else ()

    @property
    def candidate_kind(self) -> str:
        return "Django project"

    def configure(
        self,
        project: Project,
        detection: Detection,
        candidate: d.DjangoApp,
        answers: Answers,
        insp: Draft,
    ) -> d.DjangoApp | None:
        """The settings modules the project runs with (the `settings` question when several
        rival ones, or none, are found), and the template `--layout` names."""
        proj = candidate.project
        found = _choose_settings(PythonIndex.of(project), proj, answers, insp)
        if not found:
            insp.stack = StackReport("python", "django", None, proj.root, "low", detection.evidence)
            return None
        return replace(candidate, settings=tuple(found), layout=answers.layout)

    def facts(self, project: Project, candidate: d.DjangoApp) -> d.DjangoFacts:
        index = PythonIndex.of(project)
        proj = candidate.project
        all_settings = list(candidate.settings)
        settings = all_settings[0]
        package, package_dir = d.project_package(settings, proj.root)
        apps = project_apps(index, proj.root, settings)
        owns = d.owner(proj, package_dir, apps)
        found = backends(project, settings, proj.root, apps)
        layout_backend, layouts = d.choose_layouts(found)
        frontend = d.find_frontend(project)
        drf_views = drf_api(index, settings, owns)
        # DRF's views run without the app installed (it only serves its templates then).
        drf = "rest_framework" in settings.strings("INSTALLED_APPS") or drf_views.views > 0
        urlconf = d.urlconf(index, proj.root, settings)
        renders = d.renders_templates(index, owns)
        chain = [m for path in settings.modules if (m := index.module(path)) is not None]
        texts = [m.text for m in chain]
        rendering: Rendering = (
            "spa"
            if frontend is not None
            else "server-rendered"
            # --layout says the pages use that template: they are server-rendered.
            if (renders or candidate.layout) and layout_backend is not None
            else "api"
        )
        facts = d.DjangoFacts(
            project=proj,
            settings=settings,
            all_settings=all_settings,
            package=package,
            package_dir=package_dir,
            apps=apps,
            backends=found,
            layout_backend=layout_backend,
            layouts=layouts,
            widget=d.find_widget(project, found, frontend),
            urlconf=urlconf,
            drf=drf,
            drf_api=drf_views if drf else None,
            ninja=ninja_apis(index),
            ninja_api=mounted_api(index, proj.root, urlconf, owns),
            frontend=frontend,
            page_cache=d.page_cache(index, settings),
            csp=d.csp(settings),
            renders_templates=renders,
            auth_middleware=settings.where("MIDDLEWARE") is None
            or d.AUTH_MIDDLEWARE in settings.strings("MIDDLEWARE"),
            rendering=rendering,
            quote=preferred_quote(*texts),
            literals=d.settings_literals(index, settings),
            answered=_answered(found, candidate.layout),
            cors=tuple(django_cors(chain)),
        )
        return replace(facts, api_route=place(index, facts, endpoint_view(facts, None), None))

    def stack_report(self, project: Project, facts: d.DjangoFacts) -> StackReport:
        root = manifest_root(project, facts.project.manage or facts.settings.path)
        return StackReport(
            "python", "django", facts.rendering, root, "high", _stack_evidence(facts)
        )

    # -- auth --------------------------------------------------------------------------------

    def auth_candidates(self, project: Project, facts: d.DjangoFacts) -> list[d.DjangoAuth]:
        installed = facts.settings.strings("INSTALLED_APPS")
        if "allauth.account" in installed or "allauth" in installed:
            return [self.answered_auth(project, facts, "django-allauth")]
        if "django.contrib.auth" in installed:
            return [self.answered_auth(project, facts, "django-auth")]
        return []

    def answered_auth(self, project: Project, facts: d.DjangoFacts, library: str) -> d.DjangoAuth:
        index = PythonIndex.of(project)
        user = find_user_model(index, facts.project.root, facts.settings, facts.apps)
        return d.auth_facts(index, facts, user, library)

    def auth_library(self, auth: d.DjangoAuth) -> str:
        return auth.library

    def user_fields(self, auth: d.DjangoAuth) -> UserFields:
        return auth.fields

    def user_names(self, auth: d.DjangoAuth) -> frozenset[str]:
        return frozenset({"user"})

    def auth_evidence(self, auth: d.DjangoAuth) -> tuple[Evidence, ...]:
        return auth.evidence

    def email_question(self, auth: d.DjangoAuth) -> str:
        user = auth.user
        model = user.cls.name if user.cls else (user.label or "User")
        return (
            f"The user model {model} has no email field: which expression gives the signed-in "
            "user's email? (`user` is request.user, e.g. `user.profile.contact_email`)"
        )

    # -- delivery and the widget -------------------------------------------------------------

    def api_prefixes(self, facts: d.DjangoFacts) -> list[str]:
        """The prefix the endpoint goes under: its API's (see `endpoint.place`)."""
        return [facts.api_route.prefix] if facts.api_route is not None else []

    def page_cache(self, facts: d.DjangoFacts) -> Sequence[Evidence]:
        return facts.page_cache

    def notes(self, facts: d.DjangoFacts, delivery: Delivery, answers: Answers) -> list[Note]:
        out = [
            reporting.page_cache_note(
                e.file,
                e.line,
                token="a token inlined in a cached page could be served to the wrong visitor",
            )
            for e in facts.page_cache
        ]
        if not facts.auth_middleware and delivery == "script-attribute":
            where = facts.settings.where("MIDDLEWARE")
            out.append(
                Note(
                    "AuthenticationMiddleware is not in MIDDLEWARE: request.user is unset, so no "
                    "page would get a token",
                    where.path if where else None,
                    where.line if where else None,
                )
            )
        for backend in facts.backends:
            for item in backend.unresolved:
                where = facts.settings.where("TEMPLATES")
                out.append(
                    Note(
                        f"TEMPLATES[{backend.index}] DIRS entry {item} could not be resolved "
                        "statically; its templates were not searched",
                        where.path if where else None,
                        where.line if where else None,
                    )
                )
        return out

    def widget_found(self, project: Project, facts: d.DjangoFacts) -> WidgetReport | None:
        if facts.widget is None:
            return None
        path, tag = facts.widget
        tpl = self.templates(facts).get(path)
        line = tpl.text.count("\n", 0, tag.start) + 1 if tpl else 1
        return reporting.widget_found(path, line, tag.has_user_token)

    def uses_layout(self, facts: d.DjangoFacts, delivery: Delivery) -> bool:
        """The tag delivery, or the endpoint for server-rendered pages (a page cache): the
        widget goes into the base template."""
        if delivery == "script-attribute":
            return True
        return facts.frontend is None and facts.rendering == "server-rendered"

    def templates(self, facts: d.DjangoFacts) -> dict[str, Template]:
        """Every backend's templates by path (the first backend's where two share one)."""
        out: dict[str, Template] = {}
        for backend in facts.backends:
            for tpl in backend.templates.values():
                out.setdefault(tpl.path, tpl)
        return out

    def layout_candidates(self, facts: d.DjangoFacts) -> list[Layout]:
        return facts.layouts

    def widget_target(
        self, facts: d.DjangoFacts, delivery: Delivery, layout: Layout | None
    ) -> tuple[str, int, str] | None:
        if layout is None:
            if facts.frontend is None:
                return None
            page = facts.frontend.page
            return page, facts.frontend.body_line, "single-page app shell: before </body>"
        tpl = layout.template
        if layout.mode == "body":
            return tpl.path, tpl.body_close_line or 1, "base template: before </body>"
        if layout.mode == "block":
            backend = facts.template_backend
            name = block_for(layout, backend.templates if backend else {})
            return tpl.path, 1, f"extends {tpl.extends}: in its {name} block, last in <body>"
        return tpl.path, tpl.text.count("\n") + 1, "base template without </body>: at its end"

    def needs_tag(self, facts: d.DjangoFacts, delivery: Delivery) -> bool:
        return self.uses_layout(facts, delivery) or facts.frontend is not None

    def settle_widget(
        self,
        project: Project,
        facts: d.DjangoFacts,
        delivery: Delivery,
        answers: Answers,
        insp: Draft,
    ) -> list[Layout]:
        """The base template is settled first (`--layout` is checked, and its questions asked,
        even when a tag is already there); the API key is asked whenever a tag is added."""
        in_layout = self.uses_layout(facts, delivery)
        layouts = self.layout_candidates(facts)
        if in_layout:
            layouts = _settle_layout(facts, layouts, delivery, answers, insp)
        elif answers.layout:
            why = (
                f"the widget goes into the single-page app's shell {facts.frontend.page}"
                if facts.frontend is not None
                else "the project renders no pages (admin templates aside), so its JSON API "
                "gets the token endpoint"
            )
            raise UsageError(f"--layout {answers.layout}: {why}")
        present = self.widget_found(project, facts)
        if present is not None:
            insp.widget = present
            return layouts
        asked = any(q.id == "layout" for q in insp.questions)
        layout = layouts[0] if in_layout and layouts and not asked else None
        target = self.widget_target(facts, delivery, layout)
        if target is not None:
            insp.widget = reporting.widget_target(*target)
        if self.needs_tag(facts, delivery) and not answers.api_key:
            insp.questions.append(reporting.api_key_question())
        return layouts

    def widget_pages(
        self, project: Project, facts: d.DjangoFacts, layouts: Sequence[Layout], delivery: Delivery
    ) -> Pages:
        backend = facts.template_backend
        widget = facts.widget[0] if facts.widget else None
        placed = facts.frontend is None  # the tag goes in the layout, for either delivery
        return exclusions.report(backend.templates if backend else {}, layouts, widget, placed)

    def findings(self, facts: d.DjangoFacts, layouts: Sequence[Layout]) -> list[Finding]:
        out = d.findings(facts, list(layouts)) + cors_findings(facts.cors)
        if facts.ninja_api is not None:
            out += ninja_findings(facts.ninja_api)
        if facts.drf_api is not None:
            out += drf_findings(facts.drf_api, facts.at)
        return out

    # -- the plan ----------------------------------------------------------------------------

    def steps(
        self,
        project: Project,
        inspection: Inspection[object],
        facts: d.DjangoFacts,
        choices: Choices[d.DjangoAuth],
    ) -> list[Step]:
        from scaffolder.stacks.django.plan import steps

        return steps(project, inspection, facts, choices)


# -- detection -----------------------------------------------------------------------------------


def _evidence(candidate: d.DjangoApp) -> list[Evidence]:
    """manage.py, the DJANGO_SETTINGS_MODULE entries, else the settings modules found."""
    proj = candidate.project
    out = [Evidence(proj.manage, 1, "Django's manage.py")] if proj.manage else []
    out += [Evidence(e.path, e.line, f"DJANGO_SETTINGS_MODULE = {e.dotted}") for e in proj.entries]
    out += [
        Evidence(c.replace(".", "/") + ".py", 1, "Django settings")
        for c in candidate.found_settings
    ]
    return out


# -- which settings ------------------------------------------------------------------------------


def _choose_settings(
    index: PythonIndex, proj: DjangoProject, answers: Answers, insp: Draft
) -> list[Settings]:
    """Every settings module the project runs with, the one manage.py names first."""
    wanted = SETTINGS.of(answers)
    if wanted:
        loaded = load(index, proj.root, wanted)
        if loaded is None:
            known = sorted({e.dotted for e in proj.entries} | set(_candidates(index, proj)))
            raise UsageError(
                f"--settings {wanted}: no such module in {proj.root}"
                + (f"; found {', '.join(known)}" if known else "")
            )
        return [loaded]
    found: list[Settings] = []
    for dotted in dict.fromkeys(e.dotted for e in proj.entries):
        loaded = load(index, proj.root, dotted)
        if loaded is not None:
            found.append(loaded)
        else:
            entry = next(e for e in proj.entries if e.dotted == dotted)
            insp.notes.append(
                Note(
                    f"DJANGO_SETTINGS_MODULE names {dotted}, which is not part of this project",
                    entry.path,
                    entry.line,
                )
            )
    if found:
        return found
    candidates = _candidates(index, proj)
    loaded_all = [s for c in candidates if (s := load(index, proj.root, c)) is not None]
    if loaded_all and len({_defined_by(s) for s in loaded_all}) == 1:
        # Modules that only star-import the one defining everything are one project, not rivals.
        return loaded_all
    insp.questions.append(
        Question(
            "settings",
            "Which settings module does the app run with? "
            + (
                "Several modules define INSTALLED_APPS"
                if candidates
                else "None sets DJANGO_SETTINGS_MODULE or defines INSTALLED_APPS"
            ),
            tuple(candidates),
        )
    )
    return []


def _defined_by(settings: Settings) -> tuple[str | None, ...]:
    """The files that assign the settings the integration reads (`+=` keeps the base's)."""
    return tuple((w.path if (w := settings.where(n)) else None) for n in _DEFINING)


def _candidates(index: PythonIndex, proj: DjangoProject) -> list[str]:
    return settings_candidates(index, proj.root)


# -- facts ---------------------------------------------------------------------------------------


def _answered(found: list[Backend], layout: str | None) -> tuple[Backend, Template] | None:
    """The template `--layout` names (by path or loader name), with its backend."""
    if not layout:
        return None
    return next(
        ((b, t) for b in found for t in b.templates.values() if layout in (t.path, t.name)),
        None,
    )


def _stack_evidence(facts: d.DjangoFacts) -> tuple[Evidence, ...]:
    out = [
        Evidence(e.path, e.line, f"DJANGO_SETTINGS_MODULE = {e.dotted}")
        for e in facts.project.entries[:3]
    ] or [Evidence(facts.settings.path, 1, f"settings module {facts.settings.dotted}")]
    if facts.rendering == "server-rendered" and facts.layouts:
        out.append(Evidence(facts.layouts[0].template.path, 1, "base template of the pages"))
    elif facts.rendering == "spa" and facts.frontend is not None:
        out.append(Evidence(facts.frontend.page, 1, "single-page app shell"))
    if facts.drf:
        at = facts.at("rest_framework", "INSTALLED_APPS", "Django REST framework API")
        out.append(drf_evidence(facts.settings, facts.drf_api, at))
    out += facts.ninja[:1]
    return tuple(out)


# -- the layout ----------------------------------------------------------------------------------


def _answered_layout(answer: str, tpl: Template, templates: dict[str, Template]) -> Layout:
    """Where the tag goes in the template `--layout` names: before its `</body>`, at its end,
    or, in a template extending another (which renders only its blocks), in the block of the
    layout above that renders last in `<body>`, else in that layout itself."""
    if body_close_renders(tpl):
        return Layout(tpl, "body", 0)
    if extends_at_run_time(tpl):
        raise UsageError(
            f"--layout {answer}: it extends a template chosen at run time; name the layout "
            "that holds </body>"
        )
    if tpl.extends is None:
        return Layout(tpl, "append", 0)
    layout = Layout(tpl, "block", 0)
    if block_for(layout, templates) is not None:
        return layout
    parent = parent_layout(tpl, templates)
    if parent is not None:
        return Layout(parent, "body", 0)
    raise UsageError(
        f"--layout {answer}: it extends {tpl.extends}, and no block of that chain is known to "
        "render inside <body>; name the layout that holds </body>"
    )


def _settle_layout(
    facts: d.DjangoFacts,
    layouts: list[Layout],
    delivery: Delivery,
    answers: Answers,
    insp: Draft,
) -> list[Layout]:
    """The layout `--layout` names, or the detected ones; a question when there is none, it
    extends an installed package's template without a block we know, or several tie."""
    if answers.layout:
        if facts.answered is None:
            raise UsageError(f"--layout {answers.layout}: no such template")
        tpl = facts.answered[1]
        if is_admin(tpl):
            raise UsageError(
                f"--layout {answers.layout}: an admin site template; the widget goes into the "
                "pages visitors see"
            )
        chosen = next((lay for lay in layouts if lay.template is tpl), None)
        if chosen is None or chosen.mode == "block":  # in a block: one that renders
            chosen = _answered_layout(answers.layout, tpl, facts.answered[0].templates)
        return [replace(chosen, template=resolved_template(chosen.template, insp.root))]
    all_templates = sorted(t.path for b in facts.backends for t in pages(b))
    if not all_templates:  # only --delivery script-attribute leads here without pages
        raise UsageError(
            f"--delivery {delivery}: the project renders no pages (admin templates aside) "
            "to carry the widget tag; its JSON API gets the token endpoint"
        )
    if not layouts:
        insp.questions.append(
            Question(
                "layout",
                "No base template holding </body> was found: which template should carry the "
                "widget tag?",
                tuple(all_templates[:20]),
            )
        )
        return layouts
    best = layouts[0]
    backend = facts.template_backend
    if best.mode == "block" and block_for(best, backend.templates if backend else {}) is None:
        insp.questions.append(
            Question(
                "layout",
                f"{best.template.path} extends {best.template.extends}, a template of an "
                "installed package: which template should carry the widget tag?",
                tuple(all_templates[:20]),
            )
        )
        return layouts
    ties = [lay for lay in layouts if (lay.mode, lay.extenders) == (best.mode, best.extenders)]
    if len(ties) > 1:
        insp.questions.append(
            Question(
                "layout",
                "Several base templates could carry the widget tag: which one do signed-in "
                "pages use?",
                tuple(lay.template.path for lay in ties),
            )
        )
    return layouts
