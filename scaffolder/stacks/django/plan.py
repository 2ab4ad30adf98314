"""Django plan: the token module, its context processor and route, the widget tag, the browser
script (renewing the pages' token, or fetching it for SPAs and cached pages), the JWT library."""

from __future__ import annotations

import re
import sys
from functools import partial

from scaffolder.cors import reaching, warn
from scaffolder.escape import js_str
from scaffolder.exclusions import templates as exclusions
from scaffolder.inspection import Choices
from scaffolder.markup import (
    Layout,
    Tag,
    Template,
    append_lines,
    indent_at,
    insert_before_body_close,
    newline_of,
    widget_tags,
)
from scaffolder.model import Inspection
from scaffolder.plan import PlanBuilder
from scaffolder.project import Project
from scaffolder.python import cst
from scaffolder.python.deps import plan_requirement
from scaffolder.python.manifests import manifest_root
from scaffolder.python.source import PythonIndex
from scaffolder.python.style import requote
from scaffolder.spa import auth_events, refresh_next_step
from scaffolder.stacks.django import renewal, transforms
from scaffolder.stacks.django.blocks import block_for
from scaffolder.stacks.django.detect import (
    DjangoAuth,
    DjangoFacts,
    Frontend,
    static_dir,
    template_targets,
)
from scaffolder.stacks.django.endpoint import (
    VIEWS,
    endpoint_view,
    view_code,
    wire_ninja,
    wire_route,
)
from scaffolder.stacks.django.signing import token_signer
from scaffolder.stacks.django.versions import versions
from scaffolder.steps import (
    SCRIPT,
    Step,
    StepResult,
    applied,
    csp_warnings,
    generated_file,
    identity_script,
    manual,
    skipped,
    widget_tag,
)
from scaffolder.templating import render

TOKEN_VAR = "bestchatbot_token"
CONTEXT_PROCESSOR = "widget_token_context"
PRIVATE_MIDDLEWARE = "PrivateTokenPagesMiddleware"
ATTRIBUTE = f'{{% if {TOKEN_VAR} %}} data-user-token="{{{{ {TOKEN_VAR} }}}}"{{% endif %}}'


Chosen = Choices[DjangoAuth]


def steps(
    project: Project, insp: Inspection[object], facts: DjangoFacts, choices: Chosen
) -> list[Step]:
    """The token module; then the route and the browser side (the single-page app's shell,
    the base template behind a page cache, or a next step for a frontend elsewhere), or the
    context processor, the tag in the base template and the route and script that renew its
    token while the page stays open; the JWT library and the CSP warnings."""
    prefix = insp.answers.api_prefix
    old = versions(project, _manifests(project, facts)).url_regex
    api_key = insp.answers.api_key or ""
    detected_imports = insp.answers.email_expr is None
    if choices.delivery != "token-endpoint":
        return [
            *_page_steps(project, facts, choices, prefix, old, detected_imports, api_key),
            partial(_requirement, project, _manifests(project, facts)),
            partial(_csp, facts),
        ]
    view = endpoint_view(facts, prefix)
    out: list[Step] = [
        partial(_token_module, project, facts, choices, view, False, detected_imports, "")
    ]
    if view == "ninja":
        out.append(partial(wire_ninja, project, facts, choices))
    else:
        out.append(partial(wire_route, project, facts, choices, view, prefix, old))
    if facts.frontend is not None:
        out.append(partial(_frontend, project, facts.frontend, choices, api_key))
        out.append(partial(_session_warning, facts, facts.frontend, view))
    elif choices.layout is not None:
        out.append(partial(_layout_script, facts, choices.layout, choices, api_key))
    else:
        out.append(partial(_elsewhere, choices))
    out.append(partial(_requirement, project, _manifests(project, facts)))
    out.append(partial(_csp, facts))
    return out


def _page_steps(
    project: Project,
    facts: DjangoFacts,
    choices: Chosen,
    prefix: str | None,
    url_regex: bool,
    detected_imports: bool,
    api_key: str,
) -> list[Step]:
    """Server-rendered pages: the module, its context processor and middleware, the tag in the
    base template; the endpoint's route and the script renewing the token after the tag (none
    without a resolved URL conf: the pages keep their token for its hour)."""
    wired = renewal.route(project, facts, prefix)
    view = renewal.VIEW if wired is not None else None
    url = wired.url if wired is not None else ""
    out: list[Step] = [
        partial(_token_module, project, facts, choices, view, True, detected_imports, url)
    ]
    targets = template_targets(facts)
    out += [partial(_context_processor, facts, path, idx) for path, idx in targets.items()]
    if not targets:
        out.append(partial(_no_templates, facts))
    middleware: list[str | None] = [*_middleware_paths(facts)] or [None]
    out += [partial(_private_pages, facts, path) for path in middleware]
    if wired is not None:
        out.append(partial(renewal.wire, project, facts, choices, prefix, url_regex))
    out.append(partial(_layout_tag, facts, choices.layout, api_key))
    template = facts.widget[0] if facts.widget else _layout_path(choices.layout)
    if wired is not None and template is not None:
        syntax = _syntax_of(facts, template, _syntax(facts))
        out.append(partial(renewal.script, facts, template, syntax, wired))
    out.append(partial(_page_cache_warnings, facts))
    return out


def _layout_path(layout: Layout | None) -> str | None:
    return layout.template.path if layout is not None else None


def _requirement(project: Project, root: str, builder: PlanBuilder) -> None:
    library = token_signer(project, builder, root).requirement
    plan_requirement(project, builder, root, library, "django")


def _csp(facts: DjangoFacts, builder: PlanBuilder) -> None:
    csp_warnings(builder, facts.csp)


def _page_cache_warnings(facts: DjangoFacts, builder: PlanBuilder) -> None:
    for e in facts.page_cache:
        builder.warn(
            f"{e.location()}: {e.why}; a cached page would serve one visitor's token to "
            "others: exclude signed-in pages from the cache or use --delivery token-endpoint"
        )


def _session_warning(
    facts: DjangoFacts, frontend: Frontend, view: str, builder: PlanBuilder
) -> None:
    classes = facts.drf_api.authentication if facts.drf_api else ()
    if view.startswith("drf") and classes and not any("Session" in c for c in classes):
        builder.warn(
            "the API authenticates without the session cookie "
            f"({', '.join(c.rsplit('.', 1)[-1] for c in classes)}): make "
            f"{frontend.script_path} send the same Authorization header as your "
            "other API calls, or the endpoint will see every visitor as anonymous"
        )


def _elsewhere(choices: Chosen, builder: PlanBuilder) -> None:
    builder.next_step(
        "Your frontend lives outside this project: load the widget there and, after "
        "sign-in, sign-out and on page load, run: "
        f'fetch({js_str(choices.endpoint_url)}, {{ credentials: "include" }})'
        ".then(r => r.ok ? r.json() : { token: null }).then(({ token }) => token ? "
        "window.BestChatBot.setUserToken(token) : window.BestChatBot.clearUserToken())"
    )


# -- the token module --------------------------------------------------------------------------


def _token_module(
    project: Project,
    facts: DjangoFacts,
    choices: Chosen,
    view: str | None,
    context: bool,
    detected_imports: bool,
    url: str,
    builder: PlanBuilder,
) -> StepResult:
    """The module: the context processor for pages (`context`) and the endpoint's `view` (at
    `url`, else the choices' endpoint) where there is one."""
    auth = choices.auth
    user_id = choices.user_id or auth.fields.user_id
    imports: dict[str, set[str]] = {}
    type_imports: dict[str, set[str]] = {"django.contrib.auth.models": {"AnonymousUser"}}
    user_module, user_class = _user_class(auth)
    own_user = auth.user.cls is not None
    if not own_user:
        type_imports.setdefault(user_module, set()).add(user_class)
    # The detected email's imports (allauth's EmailAddress); an answered one needs none.
    for module, name in auth.fields.imports if detected_imports else []:
        imports.setdefault(module, set()).add(name)
    codes = [view_code(facts, v) for v in (["context"] if context else []) + [view] if v]
    code = codes[-1]
    for part in codes:
        for module, names in part.imports.items():
            imports.setdefault(module, set()).update(names)
    ninja_user = view == "ninja" and own_user
    if view == "ninja":  # the operation checks what the authenticator returned at run time
        type_imports["django.contrib.auth.models"].discard("AnonymousUser")
        if own_user:
            imports.setdefault(user_module, set()).add(user_class)
        else:
            type_imports[user_module].discard(user_class)
            imports.setdefault(user_module, set()).add(user_class)
    for part in codes:
        for module, names in part.type_imports.items():
            # A name the view imports at run time (HttpRequest) is no type-only import.
            type_imports.setdefault(module, set()).update(names - imports.get(module, set()))
    root = _manifests(project, facts)
    sign = token_signer(project, builder, root)
    for module, name in sign.imports:
        if name:
            imports.setdefault(module, set()).add(name)
    index = PythonIndex.of(project)
    local = {m: n for m, n in imports.items() if index.by_name(m) is not None}
    served = url or choices.endpoint_url
    covering = reaching(facts.cors, served) if view else []
    if covering:  # the view refuses cross-site cookie requests: its helper's annotation
        type_imports.setdefault("collections.abc", set()).add("Mapping")
    typing_names = [n for part in codes for n in part.typing] + (["Any"] if covering else [])
    text = render(
        "python/django/bestchatbot.py.j2",
        future=versions(project, root).future_annotations,
        module_imports=[m for m, n in sign.imports if not n],
        sign=sign.sign,
        typing_names=", ".join(dict.fromkeys(typing_names)),
        imports=_sorted_imports({m: n for m, n in imports.items() if m not in local}),
        local_imports=_sorted_imports(local),
        type_sections=_sections(
            {m: n for m, n in type_imports.items() if n},
            {user_module: {user_class}} if own_user and not ninja_user else {},
        ),
        email=choices.email.expr,
        name=choices.name.expr if choices.name else None,
        user_id=user_id.expr if user_id else None,
        user_class=user_class,
        context_processor=context,
        view=view,
        endpoint=served,
        authentication=code.authentication,
        bases=code.bases,
        authentication_doc=code.authentication_doc,
        refuse_cross_site=bool(covering),
    )
    text = requote(text, facts.quote)
    anchor = builder.current(facts.settings.path) or ""
    if newline_of(anchor) != "\n":
        text = text.replace("\n", newline_of(anchor))
    path = facts.module_path
    ours = ("def sign_widget_token(",) + (("def widget_token_context(",) if context else ())
    existing = builder.current(path) or ""
    if context and view and all(m in existing for m in ours) and VIEWS[view][2] not in existing:
        return renewal.before_renewal(facts, builder)
    result = generated_file(
        builder,
        path,
        text,
        reason="new: mints the widget token for the signed-in user",
        language="python",
        ours=ours + ((VIEWS[view][2],) if view else ()),
        already="token module already present",
        refusal=f"{path} already exists and is not bcb-scaffold's token module (or was made for "
        "the other delivery); move it aside and run apply again",
    )
    warn(covering, served, path, builder)  # django-cors-headers lets any site read the view
    return result


def _manifests(project: Project, facts: DjangoFacts) -> str:
    """The directory of the manifests the project's versions are read from."""
    return manifest_root(project, facts.project.manage or facts.settings.path)


def _user_class(auth: DjangoAuth) -> tuple[str, str]:
    """(module, class) of the user model, for the type of `user` (request.user)."""
    user = auth.user
    if user.label is None:
        return "django.contrib.auth.models", "User"
    if user.cls is not None:
        return user.cls.module.name, user.cls.name
    return "django.contrib.auth.base_user", "AbstractBaseUser"


def _sections(
    imports: dict[str, set[str]], local: dict[str, set[str]]
) -> list[list[tuple[str, str]]]:
    """Imports in isort's sections: the standard library's, third-party, the project's."""
    std = {m: n for m, n in imports.items() if m.partition(".")[0] in sys.stdlib_module_names}
    third = {m: n for m, n in imports.items() if m not in std}
    return [_sorted_imports(s) for s in (std, third, local) if s]


def _sorted_imports(imports: dict[str, set[str]]) -> list[tuple[str, str]]:
    def order(name: str) -> tuple[bool, str]:
        return name[0].islower(), name

    return [(m, ", ".join(sorted(names, key=order))) for m, names in sorted(imports.items())]


# -- server-rendered: the context processor and the tag ------------------------------------------


def _no_templates(facts: DjangoFacts, builder: PlanBuilder) -> StepResult:
    dotted = f"{facts.module_dotted}.{CONTEXT_PROCESSOR}"
    return manual(
        "context-processor",
        facts.settings.path,
        "no TEMPLATES setting to register the context processor in; "
        f"add {dotted!r} to TEMPLATES[...]['OPTIONS']['context_processors']",
        dotted,
    )


def _context_processor(
    facts: DjangoFacts, path: str, indexes: list[int], builder: PlanBuilder
) -> StepResult:
    """The context processor in the TEMPLATES backends (`indexes`) a settings file defines."""
    dotted = f"{facts.module_dotted}.{CONTEXT_PROCESSOR}"
    code = builder.current(path)
    assert code is not None
    try:
        new = transforms.add_context_processor(code, dotted, indexes, facts.quote)
    except cst.CannotEdit as exc:
        return manual(
            "context-processor",
            path,
            f"{exc}; add {dotted!r} to TEMPLATES[...]['OPTIONS']['context_processors'] yourself",
            dotted,
        )
    if new == code:
        return skipped("context-processor", path, "context processor already registered")
    which = ", ".join(f"TEMPLATES[{i}]" for i in indexes)
    reason = f"register the context processor in {which}"
    builder.write(path, new, reason, "python")
    return applied("context-processor", path, reason)


def _middleware_paths(facts: DjangoFacts) -> list[str]:
    """The settings modules that assign MIDDLEWARE."""
    paths = [w.path for s in facts.all_settings if (w := s.where("MIDDLEWARE")) is not None]
    return list(dict.fromkeys(paths))


def _private_pages(facts: DjangoFacts, path: str | None, builder: PlanBuilder) -> StepResult | None:
    """The middleware marking token pages `Cache-Control: private`, in the MIDDLEWARE that
    `path` assigns (None: no settings module does); a warning where it cannot be added, since
    the pages work without it."""
    dotted = f"{facts.module_dotted}.{PRIVATE_MIDDLEWARE}"
    why = "so that pages carrying a token are sent with Cache-Control: private"
    code = builder.current(path) if path is not None else None
    try:
        if code is None:
            raise cst.CannotEdit(f"{facts.settings.path}: no MIDDLEWARE setting")
        new = transforms.add_middleware(code, dotted, facts.quote)
    except cst.CannotEdit as exc:
        builder.warn(f"{exc}; add {dotted!r} near the top of MIDDLEWARE yourself, {why}")
        return None
    assert path is not None
    if new == code:
        return skipped("middleware", path, f"{PRIVATE_MIDDLEWARE} is already in MIDDLEWARE")
    reason = f"add {PRIVATE_MIDDLEWARE} to MIDDLEWARE ({why.removeprefix('so that ')})"
    builder.write(path, new, reason, "python")
    return applied("middleware", path, reason)


def _tag(api_key: str, with_token: bool) -> str:
    token = ATTRIBUTE if with_token else ""
    return widget_tag(api_key, token)


def _syntax(facts: DjangoFacts) -> str:
    """The template language of the layout's backend."""
    backend = facts.template_backend
    return backend.syntax if backend else "django"


def _layout_tag(
    facts: DjangoFacts, layout: Layout | None, api_key: str, builder: PlanBuilder
) -> StepResult:
    syntax = _syntax(facts)
    if facts.widget is not None:
        path, _ = facts.widget
        text = builder.current(path) or ""
        tag = widget_tags(text)[0]
        if tag.has_user_token:
            return skipped("layout-tag", path, "widget tag already carries data-user-token")
        reason = "widget tag: data-user-token for signed-in users"
        language = _syntax_of(facts, path, syntax)
        builder.write(path, _with_token_attribute(text, tag), reason, language)
        return applied("layout-tag", path, reason)
    assert layout is not None  # no layout is a question
    path = layout.template.path
    text = builder.current(path) or ""
    reason = "add the widget tag, with data-user-token for signed-in users"
    # Issue 15: where the layout keeps a chat / analytics script off some pages, so the tag.
    backend = facts.template_backend
    templates = backend.templates if backend else {}
    guard = exclusions.guard_in(path, text, layout.template.name, templates)
    if guard is not None:
        reason += f", {guard.summary}"
    place = partial(_with_lines, facts, layout, text, syntax=syntax)
    new = exclusions.place(text, guard, [_tag(api_key, True)], place)
    builder.write(path, new, reason, syntax)
    return applied("layout-tag", path, reason)


def _with_token_attribute(text: str, tag: Tag) -> str:
    """The attribute right after the tag's last one, so anonymous pages render as before."""
    close = tag.end - 1
    if text[close - 1] == "/":
        close -= 1
    while close > tag.start and text[close - 1] in " \t":
        close -= 1
    return text[:close] + ATTRIBUTE + text[close:]


def _syntax_of(facts: DjangoFacts, path: str, default: str) -> str:
    for backend in facts.backends:
        if any(t.path == path for t in backend.templates.values()):
            return backend.syntax
    return default


def _with_lines(
    facts: DjangoFacts, layout: Layout, text: str, lines: list[str], syntax: str
) -> str:
    if layout.mode == "body":
        new = insert_before_body_close(text, lines)
        assert new is not None
        return new
    if layout.mode == "append":
        return append_lines(text, lines)
    backend = facts.template_backend
    return _in_block(layout, backend.templates if backend else {}, text, lines, syntax)


def _in_block(
    layout: Layout, templates: dict[str, Template], text: str, lines: list[str], syntax: str
) -> str:
    """The lines at the end of the block `block_for` picks: the template's own, or a new
    one calling the parent's first."""
    nl = newline_of(text)
    name = block_for(layout, templates)
    assert name is not None
    block = layout.template.blocks.get(name)
    if block is None:
        inherit = "{{ super() }}" if syntax == "jinja" else "{{ block.super }}"
        spaced = [""] if re.search(r"\n[ \t]*\n\{%-?\s*block\b", text) else []
        block_lines = [f"{{% block {name} %}}", inherit, *lines, "{% endblock %}"]
        return append_lines(text, spaced + block_lines)
    _start, end = block
    line_start = text.rfind("\n", 0, end) + 1
    if text[line_start:end].strip():
        return text[:end] + nl.join(lines) + nl + text[end:]
    indent = indent_at(text, text.rfind("\n", 0, line_start - 1) + 1) if line_start else ""
    return text[:line_start] + "".join(indent + s + nl for s in lines) + text[line_start:]


# -- the browser side of the endpoint ----------------------------------------------------------


def _frontend(
    project: Project, frontend: Frontend, choices: Chosen, api_key: str, builder: PlanBuilder
) -> StepResult:
    """The single-page app's shell loads the widget and the identity script."""
    text = builder.current(frontend.page) or ""
    if SCRIPT in text:
        return skipped("identity-script", frontend.page, "identity script already loaded")
    events = auth_events(project, frontend.sources)
    script = render(
        "browser/bestchatbot-identity.js.j2", endpoint=choices.endpoint_url, auth_events=events
    )
    identity_script(builder, frontend.script_path, script)
    lines = []
    if not widget_tags(text):
        lines.append(_tag(api_key, False))
    lines.append(f'<script src="{frontend.script_url}"></script>')
    new = insert_before_body_close(text, lines) or append_lines(text, lines)
    reason = "load the widget and the identity script"
    if events is not None:
        reason += f", which follows the app's {events.event} events ({events.where})"
    builder.write(frontend.page, new, reason, "html")
    if events is None:
        refresh_next_step(builder, project, frontend.sources)
    return applied("identity-script", frontend.page, reason)


def _layout_script(
    facts: DjangoFacts, layout: Layout, choices: Chosen, api_key: str, builder: PlanBuilder
) -> StepResult | None:
    """Server-rendered pages behind a page cache: the tag without a token, and the script that
    fetches the token, from the project's static files."""
    syntax = _syntax(facts)
    directory = static_dir(facts, layout.template.path)
    url = choices.endpoint_url
    path = layout.template.path
    if directory is None:
        builder.next_step(
            renewal.serve_static_files(facts, "fetches the widget token past the page cache")
        )
        return None
    text = builder.current(path) or ""
    if SCRIPT in text:
        return skipped("identity-script", path, "identity script already loaded")
    identity_script(builder, f"{directory}/{SCRIPT}", endpoint=url)
    if syntax != "django":
        widget = _tag(api_key, False) if facts.widget is None else ""
        builder.next_step(renewal.jinja2_tag(f"{directory}/{SCRIPT}", path, widget))
        return None
    lines = []
    if facts.widget is None:
        lines.append(_tag(api_key, False))
    lines.append(f"<script src=\"{{% static '{SCRIPT}' %}}\"></script>")
    reason = "load the widget and the identity script (the page cache never sees a token)"
    # Issue 15: where the layout keeps a chat / analytics script off some pages, so the widget.
    backend = facts.template_backend
    templates = backend.templates if backend else {}
    guard = None
    if facts.widget is None:
        guard = exclusions.guard_in(path, text, layout.template.name, templates)
    if guard is not None:
        reason += f", {guard.summary}"
    place = partial(_with_lines, facts, layout, text, syntax=syntax)
    new = renewal.with_load_static(exclusions.place(text, guard, lines, place))
    builder.write(path, new, reason, "django")
    return applied("identity-script", path, reason)
