"""Django: https://docs.djangoproject.com/

Detects `manage.py` and the settings module it runs with (`DJANGO_SETTINGS_MODULE` in
`manage.py` / `wsgi.py` / `asgi.py`, split settings packages such as `settings/base.py` +
`dev.py`), INSTALLED_APPS, ROOT_URLCONF and its API include, the TEMPLATES backends with their
DIRS and app template directories, the base template the pages `{% extends %}`, the user model
(django.contrib.auth's User or AUTH_USER_MODEL: email via EMAIL_FIELD / the email field, name
via get_full_name() or first/last name or the username, id via pk), django-allauth, Django REST
framework or django-ninja, page caches (`cache_page`, the cache middleware) and a single-page
frontend in the same repository.

Adds a `bestchatbot.py` module to the project package (beside the settings) that mints the
widget token with PyJWT, and either:
- registers its context processor in TEMPLATES[...]["OPTIONS"]["context_processors"] (list or
  tuple, in whichever settings module defines TEMPLATES) and gives the widget tag of the base
  template `data-user-token` for signed-in users
  (https://docs.djangoproject.com/en/stable/ref/templates/api/#writing-your-own-context-processors);
- or serves `GET <api prefix>/widget-token` (a DRF APIView using the project's authentication
  classes, or a plain JsonResponse view), wired into the URL conf, plus the browser script that
  calls setUserToken / clearUserToken in the frontend.
"""

from __future__ import annotations

import dataclasses

from scaffolder import choice, exprs, reporting
from scaffolder.errors import UsageError
from scaffolder.escape import url_path
from scaffolder.markup import Layout, resolved_template
from scaffolder.model import (
    Answers,
    AuthReport,
    Evidence,
    Inspection,
    Note,
    Question,
    Rendering,
    StackReport,
)
from scaffolder.plan import PlanBuilder
from scaffolder.project import Project
from scaffolder.python.deps import manifest_root
from scaffolder.python.source import PythonIndex
from scaffolder.python.style import preferred_quote
from scaffolder.registry import Detection, Stack, register
from scaffolder.stacks.django import detect as d
from scaffolder.stacks.django.discover import (
    DjangoProject,
    find_projects,
    project_apps,
    settings_candidates,
)
from scaffolder.stacks.django.settings import Settings, load
from scaffolder.stacks.django.templates import backends, is_admin, pages
from scaffolder.stacks.django.users import UserFields, find_user_model, pick_fields

AUTH_IDS = ("django-auth", "django-allauth")


@register
class DjangoStack(Stack):
    id = "django"
    name = "Django"
    language = "python"
    auth_ids = AUTH_IDS

    def detect(self, project: Project) -> Detection | None:
        index = PythonIndex.of(project)
        evidence: list[Evidence] = []
        for proj in find_projects(index):
            if proj.manage:
                evidence.append(Evidence(proj.manage, 1, "Django's manage.py"))
            evidence += [
                Evidence(e.path, e.line, f"DJANGO_SETTINGS_MODULE = {e.dotted}")
                for e in proj.entries
            ]
        if evidence:
            return Detection(self.id, "high", tuple(evidence))
        candidates = settings_candidates(index, ".")
        if candidates:
            return Detection(
                self.id,
                "medium",
                tuple(
                    Evidence(c.replace(".", "/") + ".py", 1, "Django settings") for c in candidates
                ),
            )
        return None

    def inspect(self, project: Project, detection: Detection, answers: Answers) -> Inspection:
        index = PythonIndex.of(project)
        insp = Inspection(root=project.root)
        proj = _choose_project(find_projects(index) or [DjangoProject(".", None)], answers, insp)
        if proj is None:
            return insp
        all_settings = _choose_settings(index, proj, answers, insp)
        if not all_settings:
            insp.stack = StackReport("python", "django", None, proj.root, "low", detection.evidence)
            return insp
        facts = _facts(project, index, proj, all_settings)
        insp.facts = facts
        rendering: Rendering = (
            "spa"
            if facts.frontend is not None
            else "server-rendered"
            # --layout says the pages use that template: they are server-rendered.
            if (facts.renders_templates or answers.layout) and facts.layout_backend is not None
            else "api"
        )
        insp.stack = StackReport(
            "python",
            "django",
            rendering,
            manifest_root(project, proj.manage or all_settings[0].path),
            "high",
            _stack_evidence(facts, rendering),
        )
        _auth(index, facts, answers, insp)
        _delivery(index, facts, answers, insp)
        _widget(facts, answers, insp)
        insp.findings = d.findings(facts)
        _notes(facts, insp)
        return insp

    def plan(self, project: Project, inspection: Inspection, builder: PlanBuilder) -> None:
        from scaffolder.stacks.django.plan import plan

        plan(project, inspection, builder)


def _choose_project(
    projects: list[DjangoProject], answers: Answers, insp: Inspection
) -> DjangoProject | None:
    if answers.app:
        wanted = answers.app.strip().rstrip("/") or "."
        for proj in projects:
            if wanted in (proj.root, proj.manage):
                return proj
        raise UsageError(
            f"--app {answers.app}: no Django project there; found "
            + ", ".join(p.label for p in projects)
        )
    if len(projects) == 1:
        return projects[0]
    insp.questions.append(
        Question(
            "app",
            "Several Django projects are here: which one gets the widget?",
            tuple(p.root for p in projects),
        )
    )
    return None


def _choose_settings(
    index: PythonIndex, proj: DjangoProject, answers: Answers, insp: Inspection
) -> list[Settings]:
    """Every settings module the project runs with, the one manage.py names first."""
    if answers.settings:
        loaded = load(index, proj.root, answers.settings)
        if loaded is None:
            known = sorted({e.dotted for e in proj.entries} | set(_candidates(index, proj)))
            raise UsageError(
                f"--settings {answers.settings}: no such module in {proj.root}"
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


_DEFINING = ("INSTALLED_APPS", "TEMPLATES", "ROOT_URLCONF", "MIDDLEWARE", "AUTH_USER_MODEL")


def _defined_by(settings: Settings) -> tuple[str | None, ...]:
    """The files that assign the settings the integration reads (`+=` keeps the base's)."""
    return tuple((w.path if (w := settings.where(n)) else None) for n in _DEFINING)


def _candidates(index: PythonIndex, proj: DjangoProject) -> list[str]:
    return settings_candidates(index, proj.root)


def _facts(
    project: Project, index: PythonIndex, proj: DjangoProject, all_settings: list[Settings]
) -> d.DjangoFacts:
    settings = all_settings[0]
    package, package_dir = d.project_package(settings, proj.root)
    apps = project_apps(index, proj.root, settings)
    found = backends(project, settings, proj.root, apps)
    facts = d.DjangoFacts(proj, settings, all_settings, package, package_dir, apps, found)
    facts.literals = d.settings_literals(index, settings)
    facts.layout_backend, facts.layouts = d.choose_layouts(found)
    facts.frontend = d.find_frontend(project)
    facts.widget = d.find_widget(project, found, facts.frontend)
    facts.urlconf = d.urlconf(index, proj.root, settings)
    installed = settings.strings("INSTALLED_APPS")
    facts.drf = "rest_framework" in installed
    facts.drf_auth = d.drf_authentication(settings)
    if facts.drf and not facts.drf_auth:
        facts.view_authentication = d.views_authentication(index, facts)
    facts.ninja = d.ninja_apis(index)
    facts.page_cache = d.page_cache(index, settings)
    facts.csp = d.csp(settings)
    facts.renders_templates = d.renders_templates(index, facts)
    middleware = settings.where("MIDDLEWARE")
    facts.auth_middleware = middleware is None or d.AUTH_MIDDLEWARE in settings.strings(
        "MIDDLEWARE"
    )
    texts = [m.text for path in settings.modules if (m := index.module(path)) is not None]
    facts.quote = preferred_quote(*texts)
    return facts


def _stack_evidence(facts: d.DjangoFacts, rendering: Rendering) -> tuple[Evidence, ...]:
    out = [
        Evidence(e.path, e.line, f"DJANGO_SETTINGS_MODULE = {e.dotted}")
        for e in facts.project.entries[:3]
    ] or [Evidence(facts.settings.path, 1, f"settings module {facts.settings.dotted}")]
    if rendering == "server-rendered" and facts.layouts:
        out.append(Evidence(facts.layouts[0].template.path, 1, "base template of the pages"))
    elif rendering == "spa" and facts.frontend is not None:
        out.append(Evidence(facts.frontend.page, 1, "single-page app shell"))
    if facts.drf:
        out.append(facts.at("rest_framework", "INSTALLED_APPS", "Django REST framework API"))
    out += facts.ninja[:1]
    return tuple(out)


# -- auth --------------------------------------------------------------------------------------


def _auth(index: PythonIndex, facts: d.DjangoFacts, answers: Answers, insp: Inspection) -> None:
    settings = facts.settings
    installed = settings.strings("INSTALLED_APPS")
    if answers.auth is not None and answers.auth not in AUTH_IDS:
        raise UsageError(f"--auth must be one of: {', '.join(AUTH_IDS)}")
    allauth = "allauth.account" in installed or "allauth" in installed
    library = answers.auth or (
        "django-allauth"
        if allauth
        else "django-auth"
        if "django.contrib.auth" in installed
        else None
    )
    if library is None:
        insp.questions.append(
            Question(
                "auth",
                "django.contrib.auth is not in INSTALLED_APPS: where do users sign in?",
                AUTH_IDS,
            )
        )
        insp.auth = AuthReport(confidence="low")
        return
    facts.library = library
    user = find_user_model(index, facts.project.root, settings, facts.apps)
    evidence: list[Evidence] = []
    if library == "django-allauth":
        evidence.append(facts.at("allauth.account", "INSTALLED_APPS", "allauth in INSTALLED_APPS"))
    if user.label is None:
        why = "django.contrib.auth's User model (no AUTH_USER_MODEL)"
        evidence.append(facts.at("django.contrib.auth", "INSTALLED_APPS", why))
    elif library == "django-auth":
        why = "django.contrib.auth in INSTALLED_APPS"
        evidence.append(facts.at("django.contrib.auth", "INSTALLED_APPS", why))
    evidence += d.sign_in_evidence(index, facts)
    facts.user = user
    evidence += user.evidence
    fields = pick_fields(user, settings, library == "django-allauth")
    email, name, user_id = exprs.user_exprs(
        fields.email, fields.name, fields.user_id, answers, "python", ("user",)
    )
    user_id = user_id or fields.user_id
    imports = fields.imports if answers.email_expr is None else []
    facts.fields = UserFields(email, name, user_id, fields.confidence, imports)
    insp.auth = AuthReport(
        library, email, name, user_id, fields.confidence if email else "low", tuple(evidence)
    )
    if email is None:
        model = user.cls.name if user.cls else (user.label or "User")
        insp.questions.append(
            Question(
                "email_expr",
                f"The user model {model} has no email field: which expression gives the signed-in "
                "user's email? (`user` is request.user, e.g. `user.profile.contact_email`)",
            )
        )
    if name is None:
        insp.notes.append(reporting.no_name_note())


# -- delivery and the widget -------------------------------------------------------------------


def _delivery(index: PythonIndex, facts: d.DjangoFacts, answers: Answers, insp: Inspection) -> None:
    insp.delivery = choice.pick_delivery(
        answers.delivery, insp.stack.rendering, bool(facts.page_cache)
    )
    if insp.delivery == "token-endpoint":
        d.plan_route(index, facts, url_path(answers.api_prefix) if answers.api_prefix else None)


def needs_layout(facts: d.DjangoFacts, insp: Inspection) -> bool:
    """Whether the widget goes into a server-rendered base template."""
    if insp.delivery == "script-attribute":
        return True
    return facts.frontend is None and insp.stack.rendering == "server-rendered"


def _widget(facts: d.DjangoFacts, answers: Answers, insp: Inspection) -> None:
    in_layout = needs_layout(facts, insp)
    if in_layout:
        _choose_layout(facts, answers, insp)
    elif answers.layout:
        why = (
            f"the widget goes into the single-page app's shell {facts.frontend.page}"
            if facts.frontend is not None
            else "the project renders no pages (admin templates aside), so its JSON API gets "
            "the token endpoint"
        )
        raise UsageError(f"--layout {answers.layout}: {why}")
    if facts.widget is not None:
        path, tag = facts.widget
        text = next(
            (t.text for b in facts.backends for t in b.templates.values() if t.path == path),
            None,
        )
        line = text.count("\n", 0, tag.start) + 1 if text else 1
        insp.widget = reporting.widget_found(path, line, tag.has_user_token)
        return
    target: tuple[str, int, str] | None = None
    if in_layout and facts.layouts and not any(q.id == "layout" for q in insp.questions):
        lay = facts.layouts[0]
        tpl = lay.template
        if lay.mode == "body":
            target = (tpl.path, tpl.body_close_line or 1, "base template: before </body>")
        elif lay.mode == "block":
            target = (tpl.path, 1, f"extends {tpl.extends}: in a block of its own")
        else:
            target = (
                tpl.path,
                tpl.text.count("\n") + 1,
                "base template without </body>: at its end",
            )
    elif facts.frontend is not None:
        page = facts.frontend.page
        target = (page, facts.frontend.body_line, "single-page app shell: before </body>")
    if target is not None:
        insp.widget = reporting.widget_target(*target)
    if (in_layout or facts.frontend is not None) and not answers.api_key:
        insp.questions.append(reporting.api_key_question())


def _choose_layout(facts: d.DjangoFacts, answers: Answers, insp: Inspection) -> None:
    if answers.layout:
        for backend in facts.backends:
            for tpl in backend.templates.values():
                if answers.layout in (tpl.path, tpl.name):
                    if is_admin(tpl):
                        raise UsageError(
                            f"--layout {answers.layout}: an admin site template; the widget "
                            "goes into the pages visitors see"
                        )
                    known = next((lay for lay in facts.layouts if lay.template is tpl), None)
                    mode = "body" if tpl.has_body_close else "append"
                    chosen = known or Layout(tpl, mode, 0)
                    target = resolved_template(tpl, insp.root)
                    facts.layouts = [dataclasses.replace(chosen, template=target)]
                    facts.layout_backend = backend
                    return
        raise UsageError(f"--layout {answers.layout}: no such template")
    all_templates = sorted(t.path for b in facts.backends for t in pages(b))
    if not all_templates:  # only --delivery script-attribute leads here without pages
        raise UsageError(
            f"--delivery {insp.delivery}: the project renders no pages (admin templates aside) "
            "to carry the widget tag; its JSON API gets the token endpoint"
        )
    if not facts.layouts:
        insp.questions.append(
            Question(
                "layout",
                "No base template holding </body> was found: which template should carry the "
                "widget tag?",
                tuple(all_templates[:20]),
            )
        )
        return
    best = facts.layouts[0]
    if best.mode == "block" and d.block_for(best) is None:
        insp.questions.append(
            Question(
                "layout",
                f"{best.template.path} extends {best.template.extends}, a template of an "
                "installed package: which template should carry the widget tag?",
                tuple(all_templates[:20]),
            )
        )
        return
    ties = [
        lay for lay in facts.layouts if (lay.mode, lay.extenders) == (best.mode, best.extenders)
    ]
    if len(ties) > 1:
        insp.questions.append(
            Question(
                "layout",
                "Several base templates could carry the widget tag: which one do signed-in "
                "pages use?",
                tuple(lay.template.path for lay in ties),
            )
        )


def _notes(facts: d.DjangoFacts, insp: Inspection) -> None:
    for e in facts.page_cache:
        insp.notes.append(
            reporting.page_cache_note(
                e.file,
                e.line,
                token="a token inlined in a cached page could be served to the wrong visitor",
            )
        )
    if not facts.auth_middleware and insp.delivery == "script-attribute":
        where = facts.settings.where("MIDDLEWARE")
        insp.notes.append(
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
            insp.notes.append(
                Note(
                    f"TEMPLATES[{backend.index}] DIRS entry {item} could not be resolved "
                    "statically; its templates were not searched",
                    where.path if where else None,
                    where.line if where else None,
                )
            )
