"""Django plan: the token module, its context processor or route, the widget tag, the browser
script, PyJWT."""

from __future__ import annotations

import re

from scaffolder.errors import BadInput, Refused
from scaffolder.escape import js_str, py_raw_str, py_str
from scaffolder.markup import (
    Layout,
    Tag,
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
from scaffolder.python.deps import PYJWT, plan_requirement
from scaffolder.python.source import PythonIndex
from scaffolder.python.style import requote
from scaffolder.spa import refresh_next_step
from scaffolder.stacks.django import needs_layout, transforms
from scaffolder.stacks.django.detect import (
    DjangoFacts,
    block_for,
    static_dir,
    template_targets,
)
from scaffolder.stacks.django.discover import dotted_name
from scaffolder.steps import SCRIPT, csp_warnings, identity_script, widget_tag
from scaffolder.templating import render

TOKEN_VAR = "bestchatbot_token"
CONTEXT_PROCESSOR = "widget_token_context"
ATTRIBUTE = f'{{% if {TOKEN_VAR} %}} data-user-token="{{{{ {TOKEN_VAR} }}}}"{{% endif %}}'
_LOAD_STATIC = re.compile(r"\{%-?\s*load\s+[^%]*\bstatic\b[^%]*%\}")
_EXTENDS_LINE = re.compile(r"^.*\{%-?\s*extends\s[^%]*%\}.*$", re.MULTILINE)


def plan(project: Project, insp: Inspection, builder: PlanBuilder) -> None:
    facts: DjangoFacts = insp.facts
    endpoint = insp.delivery == "token-endpoint"
    view = ("drf" if facts.drf else "django") if endpoint else "context"
    _token_module(facts, view, builder)
    if endpoint:
        _wire_route(project, facts, view, builder)
        if facts.frontend is not None:
            _frontend(project, facts, insp, builder)
            classes = facts.drf_auth or facts.view_authentication
            if view == "drf" and classes and not any("Session" in c for c in classes):
                builder.warn(
                    "the API authenticates without the session cookie "
                    f"({', '.join(c.rsplit('.', 1)[-1] for c in classes)}): make "
                    f"{facts.frontend.script_path} send the same Authorization header as your "
                    "other API calls, or the endpoint will see every visitor as anonymous"
                )
        elif needs_layout(facts, insp):
            _layout_script(facts, insp, builder)
        else:
            builder.next_step(
                "Your frontend lives outside this project: load the widget there and, after "
                "sign-in, sign-out and on page load, run: "
                f'fetch({js_str(facts.endpoint_url)}, {{ credentials: "include" }})'
                ".then(r => r.ok ? r.json() : { token: null }).then(({ token }) => token ? "
                "window.BestChatBot.setUserToken(token) : window.BestChatBot.clearUserToken())"
            )
    else:
        _context_processor(facts, builder)
        _layout_tag(facts, insp, builder)
        for e in facts.page_cache:
            builder.warn(
                f"{e.location()}: {e.why}; a cached page would serve one visitor's token to "
                "others: exclude signed-in pages from the cache or use --delivery token-endpoint"
            )
    plan_requirement(project, builder, insp.stack.app_root, PYJWT, "django")
    csp_warnings(builder, facts.csp)


# -- the token module --------------------------------------------------------------------------


def _token_module(facts: DjangoFacts, view: str, builder: PlanBuilder) -> None:
    fields = facts.fields
    assert fields is not None and fields.email is not None
    imports: dict[str, set[str]] = {}
    type_imports: dict[str, set[str]] = {"django.contrib.auth.models": {"AnonymousUser"}}
    user_module, user_class = _user_class(facts)
    own_user = facts.user is not None and facts.user.cls is not None
    if not own_user:
        type_imports.setdefault(user_module, set()).add(user_class)
    for module, name in fields.imports:
        imports.setdefault(module, set()).add(name)
    authentication = None
    if view == "context":
        type_imports["django.http"] = {"HttpRequest"}
    elif view == "drf":
        for module, name in (
            ("django.utils.decorators", "method_decorator"),
            ("django.views.decorators.cache", "never_cache"),
            ("rest_framework.permissions", "AllowAny"),
            ("rest_framework.response", "Response"),
            ("rest_framework.views", "APIView"),
        ):
            imports.setdefault(module, set()).add(name)
        type_imports["rest_framework.request"] = {"Request"}
        if not facts.drf_auth and facts.view_authentication:
            names = []
            for qualified in facts.view_authentication:
                module, _, name = qualified.rpartition(".")
                imports.setdefault(module, set()).add(name)
                names.append(name)
            authentication = "[" + ", ".join(names) + "]"
    else:
        for module, name in (
            ("django.http", "HttpRequest"),
            ("django.http", "JsonResponse"),
            ("django.views.decorators.cache", "never_cache"),
            ("django.views.decorators.http", "require_GET"),
        ):
            imports.setdefault(module, set()).add(name)
    text = render(
        "python/django/bestchatbot.py.j2",
        imports=_sorted_imports(imports),
        type_imports=_sorted_imports(type_imports),
        local_type_imports=[(user_module, user_class)] if own_user else [],
        email=fields.email.expr,
        name=fields.name.expr if fields.name else None,
        user_id=fields.user_id.expr,
        user_class=user_class,
        view=view,
        endpoint=facts.endpoint_url,
        authentication=authentication,
        authentication_doc=(
            "DEFAULT_AUTHENTICATION_CLASSES"
            if facts.drf_auth
            else "its views' authentication_classes"
            if authentication
            else "DRF's default authentication"
        ),
    )
    text = requote(text, facts.quote)
    anchor = builder.current(facts.settings.path) or ""
    if newline_of(anchor) != "\n":
        text = text.replace("\n", newline_of(anchor))
    path = facts.module_path
    existing = builder.current(path)
    if existing is None:
        builder.write(path, text, "new: mints the widget token for the signed-in user", "python")
        return
    needed = {
        "context": "def widget_token_context(",
        "drf": "class WidgetTokenView(",
        "django": "def widget_token_view(",
    }
    if "def sign_widget_token(" in existing and needed[view] in existing:
        builder.skip(path, "token module already present")
        return
    raise Refused(
        f"{path} already exists and is not bcb-scaffold's token module (or was made for the "
        "other delivery); move it aside and run apply again"
    )


def _user_class(facts: DjangoFacts) -> tuple[str, str]:
    """(module, class) of the user model, for the type of `user` (request.user)."""
    user = facts.user
    if user is None or user.label is None:
        return "django.contrib.auth.models", "User"
    if user.cls is not None:
        return user.cls.module.name, user.cls.name
    return "django.contrib.auth.base_user", "AbstractBaseUser"


def _sorted_imports(imports: dict[str, set[str]]) -> list[tuple[str, str]]:
    def order(name: str) -> tuple[bool, str]:
        return name[0].islower(), name

    return [(m, ", ".join(sorted(names, key=order))) for m, names in sorted(imports.items())]


# -- server-rendered: the context processor and the tag ------------------------------------------


def _context_processor(facts: DjangoFacts, builder: PlanBuilder) -> None:
    dotted = f"{facts.module_dotted}.{CONTEXT_PROCESSOR}"
    targets = template_targets(facts)
    if not targets:
        raise BadInput(
            f"{facts.settings.path}: no TEMPLATES setting to register the context processor in; "
            f"add {dotted!r} to TEMPLATES[...]['OPTIONS']['context_processors']"
        )
    for path, indexes in targets.items():
        code = builder.current(path)
        assert code is not None
        try:
            new = transforms.add_context_processor(code, dotted, indexes, facts.quote)
        except cst.CannotEdit as exc:
            raise BadInput(
                f"{path}: {exc}; add {dotted!r} to TEMPLATES[...]['OPTIONS']"
                "['context_processors'] yourself"
            ) from None
        if new == code:
            builder.skip(path, "context processor already registered")
        else:
            which = ", ".join(f"TEMPLATES[{i}]" for i in indexes)
            builder.write(path, new, f"register the context processor in {which}", "python")


def _tag(api_key: str, with_token: bool) -> str:
    token = ATTRIBUTE if with_token else ""
    return widget_tag(api_key, token)


def _layout_tag(facts: DjangoFacts, insp: Inspection, builder: PlanBuilder) -> None:
    syntax = facts.layout_backend.syntax if facts.layout_backend else "django"
    if facts.widget is not None:
        path, _ = facts.widget
        text = builder.current(path) or ""
        tag = widget_tags(text)[0]
        if tag.has_user_token:
            builder.skip(path, "widget tag already carries data-user-token")
            return
        builder.write(
            path,
            _with_token_attribute(text, tag),
            "widget tag: data-user-token for signed-in users",
            _syntax_of(facts, path, syntax),
        )
        return
    layout = facts.layouts[0]
    text = builder.current(layout.template.path) or ""
    new = _with_lines(layout, text, [_tag(insp.answers.api_key or "", True)], syntax)
    builder.write(
        layout.template.path,
        new,
        "add the widget tag, with data-user-token for signed-in users",
        syntax,
    )


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


def _with_lines(layout: Layout, text: str, lines: list[str], syntax: str) -> str:
    if layout.mode == "body":
        new = insert_before_body_close(text, lines)
        assert new is not None
        return new
    if layout.mode == "append":
        return append_lines(text, lines)
    return _in_block(layout, text, lines, syntax)


def _in_block(layout: Layout, text: str, lines: list[str], syntax: str) -> str:
    nl = newline_of(text)
    name = block_for(layout)
    assert name is not None
    block = layout.template.blocks.get(name)
    if block is None:
        inherit = "{{ super() }}" if syntax == "jinja" else "{{ block.super }}"
        return append_lines(text, [f"{{% block {name} %}}", inherit, *lines, "{% endblock %}"])
    _start, end = block
    line_start = text.rfind("\n", 0, end) + 1
    if text[line_start:end].strip():
        return text[:end] + nl.join(lines) + nl + text[end:]
    indent = indent_at(text, text.rfind("\n", 0, line_start - 1) + 1) if line_start else ""
    return text[:line_start] + "".join(indent + s + nl for s in lines) + text[line_start:]


# -- the endpoint ------------------------------------------------------------------------------


def _wire_route(project: Project, facts: DjangoFacts, view: str, builder: PlanBuilder) -> None:
    path = facts.wire_into
    name = "WidgetTokenView" if view == "drf" else "widget_token_view"
    target = "WidgetTokenView.as_view()" if view == "drf" else "widget_token_view"
    route = facts.wire_route
    snippet = f'path({py_str(route)}, {target}, name="widget-token")'
    if path is None:
        raise BadInput(
            f"{facts.settings.path}: ROOT_URLCONF could not be resolved; add "
            f"`{snippet}` to your urlpatterns (from {facts.module_dotted} import {name})"
        )
    code = builder.current(path)
    assert code is not None
    if transforms.uses_name(code, name):
        builder.skip(path, f"{name} is already routed")
        return
    from scaffolder.python.style import preferred_quote

    quote = preferred_quote(code)
    urls = transforms.imported_names(code, "django.urls")
    if "path" in urls or "re_path" not in urls:
        entry, func = snippet, "path"
    else:
        pattern = py_raw_str(f"^{route}$")
        entry, func = f're_path({pattern}, {target}, name="widget-token")', "re_path"
    entry = requote(entry, quote)
    root_conf = facts.urlconf.module.path if facts.urlconf else None
    try:
        new = transforms.add_urlpattern(
            code, entry, facts.wire_before if path == root_conf else None
        )
        module, relative = _import_target(project, facts, path)
        new = transforms.add_import(new, module, name, relative=relative)
        if func not in urls:
            new = (
                transforms.add_to_from_import(new, "django.urls", func)
                if urls
                else cst.add_import(new, "django.urls", func)
            )
    except cst.CannotEdit as exc:
        raise BadInput(
            f"{path}: {exc}; add `{entry}` to its urlpatterns "
            f"(from {facts.module_dotted} import {name})"
        ) from None
    builder.write(path, new, f"route GET {facts.endpoint_url} to {name}", "python")


def _import_target(project: Project, facts: DjangoFacts, path: str) -> tuple[str, int]:
    """Import the token module relatively from its own package, absolutely from elsewhere."""
    index = PythonIndex.of(project)
    mod = index.module(path)
    dotted = dotted_name(facts.project.root, path)
    package = dotted.rpartition(".")[0] if not path.endswith("__init__.py") else dotted
    if mod is not None and facts.package and package == facts.package:
        absolute_self = any(n.startswith(package + ".") for n in mod.imports.values())
        if mod.uses_relative_imports or not absolute_self:
            return "bestchatbot", 1
    return facts.module_dotted, 0


# -- the browser side of the endpoint ----------------------------------------------------------


def _frontend(project: Project, facts: DjangoFacts, insp: Inspection, builder: PlanBuilder) -> None:
    frontend = facts.frontend
    assert frontend is not None
    text = builder.current(frontend.page) or ""
    if SCRIPT in text:
        builder.skip(frontend.page, "identity script already loaded")
        return
    identity_script(builder, frontend.script_path, endpoint=facts.endpoint_url)
    lines = []
    if not widget_tags(text):
        lines.append(_tag(insp.answers.api_key or "", False))
    lines.append(f'<script src="{frontend.script_url}"></script>')
    new = insert_before_body_close(text, lines) or append_lines(text, lines)
    builder.write(frontend.page, new, "load the widget and the identity script", "html")
    refresh_next_step(builder, project, frontend.sources)


def _layout_script(facts: DjangoFacts, insp: Inspection, builder: PlanBuilder) -> None:
    """Server-rendered pages behind a page cache: the tag without a token, and the script that
    fetches the token, from the project's static files."""
    layout = facts.layouts[0]
    syntax = facts.layout_backend.syntax if facts.layout_backend else "django"
    directory = static_dir(facts)
    url = facts.endpoint_url
    if directory is None or syntax != "django":
        builder.next_step(
            f"Serve templates/browser/{SCRIPT} (it fetches {url}) from your static files and "
            f"load it in {layout.template.path} after the widget tag"
        )
        return
    text = builder.current(layout.template.path) or ""
    if SCRIPT in text:
        builder.skip(layout.template.path, "identity script already loaded")
        return
    identity_script(builder, f"{directory}/{SCRIPT}", endpoint=url)
    lines = []
    if facts.widget is None:
        lines.append(_tag(insp.answers.api_key or "", False))
    lines.append(f"<script src=\"{{% static '{SCRIPT}' %}}\"></script>")
    new = _with_lines(layout, text, lines, syntax)
    if not _LOAD_STATIC.search(new):
        new = _load_static(new)
    builder.write(
        layout.template.path,
        new,
        "load the widget and the identity script (the page cache never sees a token)",
        "django",
    )


def _load_static(text: str) -> str:
    """`{% load static %}` after `{% extends %}` (which must come first), else on top."""
    nl = newline_of(text)
    m = _EXTENDS_LINE.search(text)
    if m is None:
        return "{% load static %}" + nl + text
    return text[: m.end()] + nl + "{% load static %}" + text[m.end() :]
