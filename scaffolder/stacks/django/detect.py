"""Django detection: the facts planning needs, each with evidence. Pure and read-only: the
finders return frozen facts, what to ask and what to plan is decided in `hooks` and `plan`."""

from __future__ import annotations

import ast
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from scaffolder.cors import Permissive
from scaffolder.markup import Layout, Tag, Template, widget_tags
from scaffolder.model import Evidence, Finding, Rendering, UserFields
from scaffolder.project import Project
from scaffolder.python.source import PythonIndex
from scaffolder.stacks.django.discover import (
    AppInfo,
    DjangoProject,
    dirname,
    is_test_path,
    join,
    own_code,
)
from scaffolder.stacks.django.drf import DrfApi, drf_evidence
from scaffolder.stacks.django.ninja import NinjaApi
from scaffolder.stacks.django.routes import Route, UrlConf, analyse, api_includes
from scaffolder.stacks.django.settings import ProjPath, Settings, resolve_module
from scaffolder.stacks.django.templates import Backend, layouts, pages
from scaffolder.stacks.django.users import UserModel, pick_fields
from scaffolder.steps import SCRIPT

CACHE_MIDDLEWARE = (
    "django.middleware.cache.UpdateCacheMiddleware",
    "django.middleware.cache.FetchFromCacheMiddleware",
    "django.middleware.cache.CacheMiddleware",
)
CSP_MIDDLEWARE = (
    "csp.middleware.CSPMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
)
AUTH_MIDDLEWARE = "django.contrib.auth.middleware.AuthenticationMiddleware"
_RENDERERS = (
    "django.shortcuts.render",
    "django.shortcuts.render_to_response",
    "django.template.loader.render_to_string",
    "django.template.loader.get_template",
    "django.template.response.TemplateResponse",
)


@dataclass(frozen=True)
class Frontend:
    """A single-page app in the repository: its own package.json and HTML shell."""

    root: str
    page: str
    script_path: str
    script_url: str
    sources: list[str]
    body_line: int = 1
    """The line of `</body>` in the shell (where the tags go)."""


@dataclass(frozen=True)
class DjangoApp:
    """A Django project as the answers configure it (the inspection's candidate): the settings
    modules it runs with once settled (the one manage.py names first) and the template
    `--layout` names."""

    project: DjangoProject
    found_settings: tuple[str, ...] = ()
    """Modules defining INSTALLED_APPS when nothing sets DJANGO_SETTINGS_MODULE (the project at
    the root, found by its settings alone)."""
    settings: tuple[Settings, ...] = ()
    layout: str | None = None


@dataclass(frozen=True)
class DjangoFacts:
    """What the finders found for the chosen project; the choices made from it are `Choices`."""

    project: DjangoProject
    settings: Settings
    all_settings: list[Settings]
    package: str  # the project package holding the settings ("config"); "" at top level
    package_dir: str
    apps: list[AppInfo]
    backends: list[Backend]
    layout_backend: Backend | None
    layouts: list[Layout]
    widget: tuple[str, Tag] | None
    urlconf: UrlConf | None
    drf: bool
    drf_api: DrfApi | None
    ninja: list[Evidence]
    ninja_api: NinjaApi | None
    """The NinjaAPI the root URL conf mounts, with its authenticators."""
    frontend: Frontend | None
    page_cache: list[Evidence]
    csp: list[Evidence]
    renders_templates: bool
    auth_middleware: bool
    rendering: Rendering
    quote: str
    literals: dict[str, tuple[str, int]]
    """Where each string literal of the settings first appears: evidence for INSTALLED_APPS."""
    answered: tuple[Backend, Template] | None = None
    """The template `--layout` names, with its backend (None: not answered, or no such one)."""
    api_route: Route | None = None
    """Where the token endpoint goes unless a prefix is answered (None: no ROOT_URLCONF)."""
    cors: tuple[Permissive, ...] = ()
    """django-cors-headers settings answering any origin with credentials (scaffolder.cors)."""

    def at(self, literal: str, setting: str, why: str) -> Evidence:
        """Evidence at the line of `literal` in the settings, else at the setting."""
        found = self.literals.get(literal)
        if found is not None:
            return Evidence(found[0], found[1], why)
        where = self.settings.where(setting)
        return Evidence(
            where.path if where else self.settings.path, where.line if where else 1, why
        )

    def owns(self, path: str) -> bool:
        """A module of this project's own code (see `own_code`)."""
        return owner(self.project, self.package_dir, self.apps)(path)

    @property
    def template_backend(self) -> Backend | None:
        """The backend of the layout the widget goes in: the answered template's, else the
        one holding the detected layouts."""
        return self.answered[0] if self.answered else self.layout_backend

    @property
    def module_path(self) -> str:
        return join(self.package_dir, "bestchatbot.py")

    @property
    def module_dotted(self) -> str:
        return f"{self.package}.bestchatbot" if self.package else "bestchatbot"


@dataclass(frozen=True)
class DjangoAuth:
    """The sign-in library and the user model the token describes."""

    library: str
    user: UserModel
    fields: UserFields
    evidence: tuple[Evidence, ...]


def owner(project: DjangoProject, package_dir: str, apps: list[AppInfo]) -> Callable[[str], bool]:
    """Whether a module is this project's own code (see `own_code`)."""
    packages = [package_dir, *(a.directory for a in apps)]
    return lambda path: own_code(path, project.root, packages)


def settings_literals(index: PythonIndex, settings: Settings) -> dict[str, tuple[str, int]]:
    found: dict[str, tuple[str, int]] = {}
    for path in settings.modules:
        mod = index.module(path)
        for node in mod.nodes(ast.Constant) if mod else ():
            if isinstance(node.value, str):
                found.setdefault(node.value, (path, node.lineno))
    return found


def project_package(settings: Settings, root: str) -> tuple[str, str]:
    """("config", "config") for config.settings.dev: the package the settings live in."""
    top = settings.dotted.split(".")[0]
    if "." not in settings.dotted:
        return "", root
    return top, join(root, top)


def template_targets(facts: DjangoFacts) -> dict[str, list[int]]:
    """Settings files that define TEMPLATES -> indexes of the backends to extend there."""
    layout = facts.template_backend
    if layout is None:
        return {}
    out: dict[str, list[int]] = {}
    primary = facts.settings.where("TEMPLATES")
    if primary is not None:
        out[primary.path] = [layout.index]
    for settings in facts.all_settings[1:]:
        where = settings.where("TEMPLATES")
        if where is None or where.path in out:
            continue
        value = settings.get("TEMPLATES")
        if isinstance(value, (list, tuple)):
            same = [
                i
                for i, b in enumerate(value)
                if isinstance(b, dict) and b.get("BACKEND") == _backend_path(facts, layout)
            ]
            if same:
                out[where.path] = same[:1]
    return out


def _backend_path(facts: DjangoFacts, backend: Backend) -> object:
    value = facts.settings.get("TEMPLATES")
    return value[backend.index].get("BACKEND") if isinstance(value, (list, tuple)) else None


# -- templates and the widget ------------------------------------------------------------------


def choose_layouts(backends: list[Backend]) -> tuple[Backend | None, list[Layout]]:
    """The backend whose templates have the best layout, and that backend's candidates."""
    best: tuple[Backend, list[Layout]] | None = None
    rank = {"body": 0, "block": 1, "append": 2}
    for backend in backends:
        found = layouts(backend)
        if not found:
            continue
        key = (rank[found[0].mode], -found[0].extenders)
        if best is None or key < (rank[best[1][0].mode], -best[1][0].extenders):
            best = (backend, found)
    if best is None:
        django = next((b for b in backends if pages(b) and b.engine == "django"), None)
        return django or next((b for b in backends if pages(b)), None), []
    return best


def find_widget(
    project: Project, backends: list[Backend], frontend: Frontend | None
) -> tuple[str, Tag] | None:
    for backend in backends:
        for tpl in backend.templates.values():
            tags = widget_tags(tpl.text)
            if tags:
                return tpl.path, tags[0]
    if frontend is not None:
        text = project.text(frontend.page) or ""
        tags = widget_tags(text)
        if tags:
            return frontend.page, tags[0]
    return None


def renders_templates(index: PythonIndex, owns: Callable[[str], bool]) -> bool:
    for mod in index.modules(containing=("template", "render", "generic")):
        if not owns(mod.path):
            continue
        for node in mod.nodes(ast.Name, ast.Attribute, ast.Assign, ast.Constant):
            if isinstance(node, (ast.Name, ast.Attribute)):
                name = mod.qualified(node) or ""
                if name in _RENDERERS or name.startswith("django.views.generic."):
                    return True
            elif (
                isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "template_name" for t in node.targets)
            ) or (isinstance(node, ast.Constant) and node.value == "django.contrib.auth.urls"):
                return True
    return False


# -- sign-in -----------------------------------------------------------------------------------

_SIGN_IN_CALLS = {
    "django.contrib.auth.login": "login(): a user becomes signed in",
    "django.contrib.auth.views.LoginView": "LoginView: the sign-in page",
}
_SIGN_IN_URLS = {
    "django.contrib.auth.urls": "django.contrib.auth's LoginView / LogoutView",
    "allauth.urls": "allauth's login / signup / logout views",
}


def auth_facts(index: PythonIndex, facts: DjangoFacts, user: UserModel, library: str) -> DjangoAuth:
    """The library's evidence and the user's fields as `library` reads them."""
    evidence: list[Evidence] = []
    if library == "django-allauth":
        evidence.append(facts.at("allauth.account", "INSTALLED_APPS", "allauth in INSTALLED_APPS"))
    if user.label is None:
        why = "django.contrib.auth's User model (no AUTH_USER_MODEL)"
        evidence.append(facts.at("django.contrib.auth", "INSTALLED_APPS", why))
    elif library == "django-auth":
        why = "django.contrib.auth in INSTALLED_APPS"
        evidence.append(facts.at("django.contrib.auth", "INSTALLED_APPS", why))
    evidence += sign_in_evidence(index, facts)
    evidence += user.evidence
    fields = pick_fields(user, facts.settings, library == "django-allauth")
    return DjangoAuth(library, user, fields, tuple(evidence))


def sign_in_evidence(index: PythonIndex, facts: DjangoFacts) -> list[Evidence]:
    """Where users sign in: login() calls, LoginView, the auth URL includes."""
    found: list[Evidence] = []
    # login(), LoginView (called or subclassed), the `django.contrib.auth.urls` / `allauth.urls`
    for mod in index.modules(containing=("login", "LoginView", "auth.urls")):
        if not facts.owns(mod.path):
            continue
        for node in mod.nodes(ast.Call, ast.Constant, ast.ClassDef):
            why = None
            if isinstance(node, ast.Call):
                why = _SIGN_IN_CALLS.get(mod.qualified(node.func) or "")
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                why = _SIGN_IN_URLS.get(node.value)
            elif isinstance(node, ast.ClassDef) and any(
                (mod.qualified(b) or "") == "django.contrib.auth.views.LoginView"
                for b in node.bases
            ):
                why = f"{node.name}: the sign-in view"
            if why is not None:
                found.append(Evidence(mod.path, getattr(node, "lineno", 1), why))
    return sorted(set(found), key=lambda e: (e.file, e.line))[:4]


# -- URLs and the API --------------------------------------------------------------------------


def urlconf(index: PythonIndex, root: str, settings: Settings) -> UrlConf | None:
    dotted = settings.get("ROOT_URLCONF")
    if not isinstance(dotted, str):
        return None
    mod = resolve_module(index, root, dotted)
    return analyse(index, root, mod) if mod is not None else None


# -- DRF, django-ninja, caches, CSP ------------------------------------------------------------


STATICFILES = "django.contrib.staticfiles"
_FINDERS = "django.contrib.staticfiles.finders."


def no_static_files(facts: DjangoFacts) -> tuple[str, str] | None:
    """Why `{% static %}` cannot serve a file of ours (staticfiles not installed, no
    STATIC_URL: the tag would fail) and what to add; None when it can."""
    installed = facts.settings.strings("INSTALLED_APPS")
    if not any(a == STATICFILES or a.startswith(STATICFILES + ".") for a in installed):
        why = f"{STATICFILES} is not in INSTALLED_APPS"
        return why, 'add it (and STATIC_URL = "static/")'
    if facts.settings.where("STATIC_URL") is None:
        return "STATIC_URL is not set", 'set it (STATIC_URL = "static/")'
    return None


def static_dir(facts: DjangoFacts, template: str) -> str | None:
    """Where a static file of ours goes for staticfiles' finders: the first STATICFILES_DIRS
    entry, else the `static/` of the app whose templates hold `template` (the base template),
    else of the project's first app; None when no finder would find it there."""
    if no_static_files(facts) is not None:
        return None
    finders = (
        facts.settings.strings("STATICFILES_FINDERS")
        if facts.settings.where("STATICFILES_FINDERS") is not None
        else [_FINDERS + "FileSystemFinder", _FINDERS + "AppDirectoriesFinder"]
    )
    dirs = facts.settings.get("STATICFILES_DIRS")
    listed = dirs if isinstance(dirs, (list, tuple)) else []
    for item in listed if _FINDERS + "FileSystemFinder" in finders else []:
        if isinstance(item, ProjPath) and item.rel is not None:
            return item.rel
        if isinstance(item, str) and not item.startswith("/"):
            return ProjPath.of(join(facts.project.root, item)).rel
    if _FINDERS + "AppDirectoriesFinder" not in finders:
        return None
    for app in facts.apps:
        if template.startswith(app.directory.rstrip("/") + "/"):
            return join(app.directory, "static")
    return join(facts.apps[0].directory, "static") if facts.apps else None


def page_cache(index: PythonIndex, settings: Settings) -> list[Evidence]:
    found = []
    middleware = settings.strings("MIDDLEWARE")
    where = settings.where("MIDDLEWARE")
    for name in CACHE_MIDDLEWARE:
        if name in middleware and where is not None:
            found.append(Evidence(where.path, where.line, f"{name.rsplit('.', 1)[-1]}: site cache"))
            break
    for mod in index.modules(containing="cache_page"):
        if is_test_path(mod.path):
            continue
        for node in mod.nodes(ast.Call):
            if (mod.qualified(node.func) or "") == "django.views.decorators.cache.cache_page":
                found.append(Evidence(mod.path, node.lineno, "cache_page(): a cached page"))
    return found


def csp(settings: Settings) -> list[Evidence]:
    where = settings.where("MIDDLEWARE")
    return [
        Evidence(where.path, where.line, f"{name.rsplit('.', 1)[-1]} sets a CSP")
        for name in CSP_MIDDLEWARE
        if where is not None and name in settings.strings("MIDDLEWARE")
    ]


# -- a single-page frontend ------------------------------------------------------------------ -

_VITE_BASE = re.compile(r"""\bbase\s*:\s*(['"`])([^'"`]+)\1""")
_SHELLS = ("index.html", "public/index.html", "src/index.html")


def find_frontend(project: Project) -> Frontend | None:
    """A directory with its own package.json and an HTML shell (Vite, Create React App...)."""
    candidates = []
    for manifest in project.named("package.json"):
        directory = dirname(manifest)
        for shell in _SHELLS:
            page = join(directory, shell)
            if project.exists(page):
                candidates.append((directory.count("/"), directory, page))
                break
    if not candidates:
        return None
    _, directory, page = min(candidates)
    frontend = _frontend(project, directory, page)
    text = project.text(page) or ""
    close = text.lower().rfind("</body")
    return replace(frontend, body_line=text.count("\n", 0, close) + 1) if close >= 0 else frontend


def _frontend(project: Project, directory: str, page: str) -> Frontend:
    sources = [
        f
        for f in project.under(directory)
        if f.endswith((".js", ".jsx", ".ts", ".tsx", ".vue", ".svelte", ".mjs"))
        and "/public/" not in f
    ]
    if page.endswith("public/index.html"):
        public = posixpath.dirname(page)
        return Frontend(directory, page, f"{public}/{SCRIPT}", f"%PUBLIC_URL%/{SCRIPT}", sources)
    if page == join(directory, "index.html"):
        base = "/"
        for config in ("vite.config.js", "vite.config.ts", "vite.config.mjs", "vite.config.mts"):
            text = (
                project.text(join(directory, config))
                if project.exists(join(directory, config))
                else None
            )
            m = _VITE_BASE.search(text or "")
            if m and m.group(2).startswith("/"):
                base = m.group(2) if m.group(2).endswith("/") else m.group(2) + "/"
        return Frontend(directory, page, join(directory, "public", SCRIPT), base + SCRIPT, sources)
    return Frontend(directory, page, join(posixpath.dirname(page), SCRIPT), SCRIPT, sources)


# -- the report --------------------------------------------------------------------------------


def findings(facts: DjangoFacts, layouts: list[Layout]) -> list[Finding]:
    """The report's findings (`layouts`: the layout candidates as settled)."""
    out = [
        Finding(
            "settings",
            s.dotted,
            tuple(
                Evidence(e.path, e.line, f"DJANGO_SETTINGS_MODULE = {e.dotted}")
                for e in facts.project.entries
                if e.dotted == s.dotted
            )
            or (Evidence(s.path, 1, "settings module"),),
        )
        for s in facts.all_settings
    ]
    templates = facts.settings.where("TEMPLATES")
    if templates is not None and templates.path != facts.settings.path:
        out.append(
            Finding(
                "settings-base",
                templates.path,
                (Evidence(templates.path, templates.line, "TEMPLATES is defined here"),),
            )
        )
    out += [
        Finding(
            "app",
            app.module,
            (facts.at(app.entry, "INSTALLED_APPS", "INSTALLED_APPS: an app of this project"),),
        )
        for app in facts.apps
    ]
    root_conf = facts.settings.where("ROOT_URLCONF")
    if facts.urlconf is not None and root_conf is not None:
        out.append(
            Finding(
                "root-urlconf",
                facts.urlconf.module.path,
                (Evidence(root_conf.path, root_conf.line, "ROOT_URLCONF"),),
            )
        )
        out += [
            Finding(
                "api-prefix",
                inc.prefix.rstrip("/") + "/",
                (Evidence(inc.path, inc.line, f"API URLs included under {inc.route}"),),
            )
            for inc in api_includes(facts.urlconf)
        ]
    for backend in facts.backends:
        where = f"TEMPLATES[{backend.index}]"
        out += [
            Finding("template-dir", d, (facts.at(d, "TEMPLATES", f"{where} DIRS"),))
            for d in backend.dirs
        ]
        out += [
            Finding(
                "template-dir",
                d,
                (facts.at("APP_DIRS", "TEMPLATES", f"{where} APP_DIRS: an app's templates"),),
            )
            for d in backend.app_template_dirs
        ]
    out += [
        Finding(
            "layout",
            lay.template.path,
            (Evidence(lay.template.path, 1, f"extended by {lay.extenders} template(s)"),),
            "high" if i == 0 else "medium",
        )
        for i, lay in enumerate(layouts)
    ]
    if facts.drf:
        why = "rest_framework in INSTALLED_APPS"
        at = facts.at("rest_framework", "INSTALLED_APPS", why)
        evidence = drf_evidence(facts.settings, facts.drf_api, at)
        out.append(Finding("api-framework", "django-rest-framework", (evidence,)))
    out += [Finding("api-framework", "django-ninja", (e,)) for e in facts.ninja[:1]]
    if facts.frontend is not None:
        out.append(
            Finding(
                "frontend",
                facts.frontend.root,
                (
                    Evidence(
                        facts.frontend.page, 1, "single-page app shell with its own package.json"
                    ),
                ),
            )
        )
    out += [Finding("page-cache", e.why, (e,)) for e in facts.page_cache]
    out += [Finding("content-security-policy", e.why, (e,)) for e in facts.csp]
    return out
