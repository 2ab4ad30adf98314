"""Django plan: renewing the token of server-rendered pages while they stay open.

The base template's widget tag carries the token the context processor mints; the identity
script (its `renews_inline` mode), served by staticfiles and loaded with `{% static %}` right
after the tag, fetches a fresh one from a plain `JsonResponse` view before it expires. The view
reads `request.user` like the context processor: the session that signed the page in, whatever
authentication the project's API uses.
"""

from __future__ import annotations

import re

from scaffolder.escape import url_path
from scaffolder.inspection import Choices
from scaffolder.markup import insert_after_widget_tag, newline_of
from scaffolder.plan import PlanBuilder
from scaffolder.project import Project
from scaffolder.python.source import PythonIndex
from scaffolder.stacks.django.detect import DjangoAuth, DjangoFacts, no_static_files, static_dir
from scaffolder.stacks.django.endpoint import VIEWS, place, wire_route
from scaffolder.stacks.django.routes import Route
from scaffolder.steps import RENEWAL_REASON, SCRIPT, StepResult, applied, identity_script, skipped
from scaffolder.templating import render

Chosen = Choices[DjangoAuth]

VIEW = "django"
"""The endpoint's view: `request.user` from the session, as on the page."""
STATIC_TAG = f"<script src=\"{{% static '{SCRIPT}' %}}\"></script>"
_LOAD_STATIC = re.compile(r"\{%-?\s*load\s+[^%]*\bstatic\b[^%]*%\}")
_EXTENDS_LINE = re.compile(r"^.*\{%-?\s*extends\s[^%]*%\}.*$", re.MULTILINE)


def route(project: Project, facts: DjangoFacts, prefix: str | None) -> Route | None:
    """Where the endpoint goes (`prefix`: the answered one); None without a resolved URL conf
    (the pages then keep their token for its hour: nothing to route the view in)."""
    return place(PythonIndex.of(project), facts, VIEW, url_path(prefix) if prefix else None)


def renews(facts: DjangoFacts, builder: PlanBuilder) -> bool:
    """Whether the token module (as planned) has the endpoint's view."""
    return VIEWS[VIEW][2] in (builder.current(facts.module_path) or "")


def before_renewal(facts: DjangoFacts, builder: PlanBuilder) -> StepResult:
    """Our module for pages as written before it renewed their token: kept, with the way on."""
    path = facts.module_path
    builder.next_step(
        f"{path} was written before the widget token was renewed on open pages (it has no "
        f"{VIEWS[VIEW][0]}): move it aside and run apply again so that a page left open longer "
        "than an hour renews its token"
    )
    return skipped("generated-file", path, "token module already present (without renewal)")


def wire(
    project: Project,
    facts: DjangoFacts,
    choices: Chosen,
    prefix: str | None,
    url_regex: bool,
    builder: PlanBuilder,
) -> StepResult | None:
    """The view's route, unless the module has no view (written before renewal). A URL conf
    it cannot edit safely is a next step, not a refusal: the pages work without renewal."""
    if not renews(facts, builder):
        return None
    result = wire_route(project, facts, choices, VIEW, prefix, url_regex, builder)
    if result.outcome != "manual":
        return result
    builder.next_step(
        f"{result.path}: {result.reason}; then run apply again to load {SCRIPT}, which renews "
        "the widget token while a page stays open"
    )
    return None


def routed(wired: Route, builder: PlanBuilder) -> bool:
    """Whether the URL conf (as planned) routes the view."""
    from scaffolder.stacks.django import transforms  # LibCST loads for the plan only

    return transforms.uses_name(builder.current(wired.into) or "", VIEWS[VIEW][0])


def script(
    facts: DjangoFacts, template: str, syntax: str, wired: Route, builder: PlanBuilder
) -> StepResult | None:
    """The identity script among the files staticfiles serves, loaded with `{% static %}`
    right after the widget tag in `template` (the tag's template, in the language `syntax`),
    once the view is routed (`wired`)."""
    text = builder.current(template)
    if text is None or not renews(facts, builder) or not routed(wired, builder):
        return None
    if SCRIPT in text:
        return skipped("identity-script", template, "identity script already loaded")
    directory = static_dir(facts, template)
    if directory is None:
        builder.next_step(serve_static_files(facts, RENEWS))
        return None
    body = render_script(wired.url).replace("\n", newline_of(text))
    script_path = f"{directory}/{SCRIPT}"
    identity_script(builder, script_path, body, reason=RENEWAL_REASON)
    if syntax != "django":
        builder.next_step(jinja2_tag(script_path, template))
        return None
    new = insert_after_widget_tag(text, [STATIC_TAG])
    if new is None:
        return None
    reason = "load the identity script, which renews the page's token before it expires"
    builder.write(template, with_load_static(new), reason, syntax)
    return applied("identity-script", template, reason)


RENEWS = "renews the widget token while a page stays open"


def jinja2_tag(script_path: str, template: str, widget: str = "") -> str:
    """The next step that loads the script from a Jinja2 template (written by hand: the
    environment's `static` is the project's own), after `widget` (the widget tag to add with
    it, if the template has none)."""
    where = f"after the widget tag {widget}" if widget else "right after the widget tag"
    return (
        f"Load {script_path} in {template} {where}, with the static() of your Jinja2 "
        f"environment: <script src=\"{{{{ static('{SCRIPT}') }}}}\"></script>"
    )


def serve_static_files(facts: DjangoFacts, does: str) -> str:
    """The next step for a project whose static files the script (which `does` so) cannot
    join."""
    why, fix = no_static_files(facts) or (
        "staticfiles finds no folder of the project",
        "add a folder of its own to STATICFILES_DIRS",
    )
    return (
        f"{why} ({facts.settings.path}), so the pages cannot load {SCRIPT}, which {does}: "
        f"{fix} and run apply again"
    )


def render_script(endpoint: str) -> str:
    return render("browser/bestchatbot-identity.js.j2", endpoint=endpoint, renews_inline=True)


def with_load_static(text: str) -> str:
    """`{% load static %}` (a template's libraries are its own, never inherited) after
    `{% extends %}` (which must come first), else on top; the text as is when it has one."""
    if _LOAD_STATIC.search(text):
        return text
    nl = newline_of(text)
    m = _EXTENDS_LINE.search(text)
    if m is None:
        return "{% load static %}" + nl + text
    return text[: m.end()] + nl + "{% load static %}" + text[m.end() :]
