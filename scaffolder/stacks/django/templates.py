"""Django's template engines: TEMPLATES backends, their directories, and a syntax check.

Templates are looked up in each backend's `DIRS`, then (with `APP_DIRS` or the app-directories
loader) in every installed app's `templates/` (`jinja2/` for the Jinja2 backend), in
INSTALLED_APPS order: the first match wins, as Django's loaders do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from scaffolder.markup import Layout, Template, find_layouts, load_templates
from scaffolder.project import Project
from scaffolder.stacks.django.blocks import extends_at_run_time
from scaffolder.stacks.django.discover import AppInfo, join
from scaffolder.stacks.django.settings import ProjPath, Settings
from scaffolder.validate import validator

DJANGO_BACKEND = "django.template.backends.django.DjangoTemplates"
JINJA2_BACKEND = "django.template.backends.jinja2.Jinja2"
_APP_LOADER = "django.template.loaders.app_directories.Loader"


@dataclass
class Backend:
    """One entry of TEMPLATES."""

    index: int
    engine: str  # "django", "jinja2" or the backend's dotted path
    dirs: list[str]
    app_dirs: bool
    context_processors: list[str]
    unresolved: list[str] = field(default_factory=list)
    app_template_dirs: list[str] = field(default_factory=list)
    """`templates/` (`jinja2/`) of the project's apps that hold templates, with APP_DIRS."""
    templates: dict[str, Template] = field(default_factory=dict)

    @property
    def syntax(self) -> str:
        """The validator language of this backend's templates."""
        return "jinja" if self.engine == "jinja2" else "django"


def backends(project: Project, settings: Settings, root: str, apps: list[AppInfo]) -> list[Backend]:
    value = settings.get("TEMPLATES")
    if not isinstance(value, (list, tuple)):
        return []
    found = []
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            continue
        backend_path = item.get("BACKEND")
        engine = {DJANGO_BACKEND: "django", JINJA2_BACKEND: "jinja2"}.get(
            backend_path if isinstance(backend_path, str) else "", str(backend_path)
        )
        options = item.get("OPTIONS")
        options = options if isinstance(options, dict) else {}
        processors = options.get("context_processors")
        dirs, unresolved = _dirs(item.get("DIRS"), root)
        app_dirs = item.get("APP_DIRS") is True or _APP_LOADER in _strings(options.get("loaders"))
        backend = Backend(
            i,
            engine,
            dirs,
            app_dirs,
            _strings(processors),
            unresolved,
        )
        sub = "jinja2" if engine == "jinja2" else "templates"
        in_apps = [join(a.directory, sub) for a in apps] if app_dirs else []
        backend.templates = load_templates(project, list(dict.fromkeys([*dirs, *in_apps])))
        backend.app_template_dirs = [
            d
            for d in in_apps
            if any(t.path.startswith(d + "/") for t in backend.templates.values())
        ]
        found.append(backend)
    return found


def _dirs(value: Any, root: str) -> tuple[list[str], list[str]]:
    dirs: list[str] = []
    unresolved: list[str] = []
    for item in value if isinstance(value, (list, tuple)) else []:
        if isinstance(item, ProjPath) and item.rel is not None:
            dirs.append(item.rel)
        elif isinstance(item, str) and not item.startswith("/"):
            dirs.append(ProjPath.of(join(root, item)).rel or item)  # relative to manage.py's dir
        else:
            unresolved.append(repr(item))
    return dirs, unresolved


def _strings(value: Any) -> list[str]:
    """Strings in a (possibly nested) list: loaders may be wrapped in the cached loader."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [s for item in value for s in _strings(item)]
    return []


# Overrides of the admin site's templates: staff pages, never where the visitors' widget goes.
_ADMIN = ("admin/", "registration/admin/")
# A package's base template that the package's own pages extend: a project override of it is
# the layout of those pages even when no template of the project extends it.
PACKAGE_LAYOUTS = ("allauth/layouts/base.html", "account/base.html")


def is_admin(tpl: Template) -> bool:
    return tpl.name.startswith(_ADMIN)


def pages(backend: Backend) -> list[Template]:
    """The backend's templates that pages of the site render (admin overrides left out)."""
    return [t for t in backend.templates.values() if not is_admin(t)]


def layouts(backend: Backend) -> list[Layout]:
    site = {name: t for name, t in backend.templates.items() if not is_admin(t)}
    # A template extending one named at run time renders only its blocks: nothing appended.
    found = [
        lay
        for lay in find_layouts(site)
        if not (lay.mode == "append" and extends_at_run_time(lay.template))
    ]
    named = {lay.template.name for lay in found}
    for name in PACKAGE_LAYOUTS:
        tpl = site.get(name)
        if tpl is not None and name not in named and tpl.has_body_close:
            found.append(Layout(tpl, "body", 0))
    return found


# -- a syntax check for Django templates ------------------------------------------------------

_TAG = re.compile(r"\{%-?\s*(\w+)([^%]*?)-?%\}|\{\{.*?\}\}|\{#.*?#\}")
_INNER = {"else", "elif", "empty", "plural"}
_BLOCK_TAGS = {
    "block", "if", "for", "with", "spaceless", "autoescape", "filter", "ifchanged",
    "blocktrans", "blocktranslate", "localize", "localtime", "timezone", "cache",
}  # fmt: skip
_RAW = {"comment", "verbatim"}


@validator("django")
def check_django_template(text: str) -> str | None:
    """Block tags (Django's own, and any `{% x %}` with an `{% endx %}` in the file) must nest."""
    ends = {m.group(1)[3:] for m in _TAG.finditer(text) if (m.group(1) or "").startswith("end")}
    ends |= _BLOCK_TAGS
    stack: list[tuple[str, int]] = []
    raw: str | None = None
    for m in _TAG.finditer(text):
        name = m.group(1)
        if name is None:
            continue
        line = text.count("\n", 0, m.start()) + 1
        if raw is not None:
            if name == f"end{raw}":
                raw = None
            continue
        if name.startswith("end"):
            opened = name[3:]
            if not stack or stack[-1][0] != opened:
                return f"line {line}: {{% {name} %}} closes nothing open"
            stack.pop()
        elif name in _RAW and name in ends:
            raw = name
        elif name in ends and name not in _INNER:
            stack.append((name, line))
    if raw is not None:
        return f"{{% {raw} %}} is never closed"
    if stack:
        name, line = stack[-1]
        return f"line {line}: {{% {name} %}} is never closed"
    return None
