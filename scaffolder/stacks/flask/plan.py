"""Flask plan: the token module, its registration, the widget tag and the script renewing its
token (or the SPA's script), the JWT library."""

from __future__ import annotations

import posixpath
import re
from functools import partial
from typing import NamedTuple

from scaffolder.cors import reaching, warn
from scaffolder.escape import js_str, py_str
from scaffolder.exclusions import templates as exclusions
from scaffolder.inspection import Choices
from scaffolder.markup import (
    Layout,
    Template,
    add_attribute,
    append_lines,
    indent_at,
    insert_after_widget_tag,
    insert_before_body_close,
    newline_of,
    widget_tags,
)
from scaffolder.model import Inspection
from scaffolder.plan import PlanBuilder
from scaffolder.project import Project
from scaffolder.python import cst
from scaffolder.python.deps import plan_requirement
from scaffolder.python.jwtlib import signer
from scaffolder.python.source import PythonIndex
from scaffolder.python.style import preferred_quote, requote
from scaffolder.python.versions import python_version, unsupported_python
from scaffolder.spa import (
    Frontend,
    auth_events,
    frontend_sources,
    public_script,
    refresh_next_step,
)
from scaffolder.stacks.flask.detect import AuthFacts, FlaskApp, FlaskFacts
from scaffolder.steps import (
    RENEWAL_REASON,
    SCRIPT,
    Step,
    StepResult,
    applied,
    conflict,
    csp_warnings,
    generated_file,
    identity_script,
    manual,
    skipped,
    widget_tag,
)
from scaffolder.templating import render

MODULE = "bestchatbot.py"
TOKEN_VAR = "bestchatbot_token"
ATTRIBUTE = f'{{% if {TOKEN_VAR} %}} data-user-token="{{{{ {TOKEN_VAR} }}}}"{{% endif %}}'
BLUEPRINT = "bestchatbot_bp"
CONTEXT_PROCESSOR = "inject_widget_token"
SIGNER = "def sign_widget_token("
PAGE_MARKERS = (SIGNER, f"def {CONTEXT_PROCESSOR}(")
"""What marks our module for pages (with BLUEPRINT since it renews their token)."""
RENEWAL_TAG = f"<script src=\"{{{{ url_for('static', filename='{SCRIPT}') }}}}\"></script>"

Chosen = Choices[AuthFacts]


def steps(
    project: Project, insp: Inspection[object], facts: FlaskFacts, choices: Chosen
) -> list[Step]:
    """The token module and its registration; then the tag in the layout and the script that
    renews its token from the endpoint while the page stays open (or the SPA's browser
    script); the JWT library and the CSP warnings."""
    api_key = insp.answers.api_key or ""
    app_root = insp.stack.app_root
    browser: list[Step] = (
        [partial(_spa, project, facts, choices, api_key)]
        if choices.delivery == "token-endpoint"
        else [partial(_layout_tag, facts, choices, api_key), partial(_renewal, facts, choices)]
    )
    return [
        partial(_token_module, project, app_root, facts, choices),
        partial(_register, project, facts, choices),
        *browser,
        partial(_requirement, project, app_root),
        partial(_csp, facts),
        partial(_cors, facts, choices),
    ]


def _cors(facts: FlaskFacts, choices: Chosen, builder: PlanBuilder) -> None:
    """Flask-CORS answering any origin with credentials covers the endpoint (where the
    module, as planned, serves it): a warning."""
    url = choices.endpoint_url
    if _renews(facts, builder):
        warn(reaching(facts.cors, url), url, module_path(facts.app), builder)


def module_path(app: FlaskApp) -> str:
    root = app.root_dir
    return MODULE if root in ("", ".") else f"{root}/{MODULE}"


def _token_module(
    project: Project, app_root: str, facts: FlaskFacts, choices: Chosen, builder: PlanBuilder
) -> StepResult:
    path = module_path(facts.app)
    unsupported = unsupported_python(project, app_root)
    if unsupported is not None:
        return conflict("generated-file", path, unsupported)
    endpoint = choices.delivery == "token-endpoint"
    auth = choices.auth
    flask_names = {"has_request_context", "Blueprint", "Response", "jsonify"}
    flask_names |= {n for m, n in auth.imports if m == "flask"}
    if not endpoint:
        flask_names |= {"after_this_request", "g"}
    refuse = bool(reaching(facts.cors, choices.endpoint_url))
    if refuse:
        flask_names.add("request")
    names = ", ".join(sorted(flask_names, key=lambda n: (n[0].islower(), n)))
    sign = signer(project, builder, app_root)
    froms = [("flask", names), *((m, n) for m, n in auth.imports if m != "flask")]
    froms += [(m, n) for m, n in sign.imports if n]
    imports = [f"import {m}" for m, n in sign.imports if not n]
    imports += [f"from {m} import {n}" for m, n in sorted(froms, key=lambda i: i[0].lower())]
    python = python_version(project, app_root)
    text = render(
        "python/flask/bestchatbot.py.j2",
        future=python is None or python >= (3, 7),
        imports=imports,
        sign=sign.sign,
        anonymous=auth.anonymous,
        email=choices.email.expr,
        name=choices.name.expr if choices.name else None,
        user_id=choices.user_id.expr if choices.user_id else None,
        context_processor=not endpoint,
        endpoint=choices.endpoint_url,
        refuse_cross_site=refuse,
    )
    text = requote(text, _quote(project, facts))
    anchor = builder.current(facts.app.path) or ""
    if newline_of(anchor) != "\n":
        text = text.replace("\n", newline_of(anchor))
    existing = builder.current(path) or ""
    if not endpoint and _before_renewal(existing):
        builder.next_step(
            f"{path} was written before the widget token was renewed on open pages (it has no "
            f"{BLUEPRINT}): move it aside and run apply again so that a page left open longer "
            "than an hour renews its token"
        )
        return skipped("generated-file", path, "token module already present (without renewal)")
    return generated_file(
        builder,
        path,
        text,
        reason="new: mints the widget token for the signed-in user",
        language="python",
        ours=(SIGNER, BLUEPRINT) if endpoint else (*PAGE_MARKERS, BLUEPRINT),
        already="token module already present",
        refusal=f"{path} already exists and is not bcb-scaffold's token module (or was made for "
        "the other delivery); move it aside and run apply again",
    )


def _before_renewal(existing: str) -> bool:
    """Our module for pages, as written before it renewed their token (no blueprint)."""
    return all(marker in existing for marker in PAGE_MARKERS) and BLUEPRINT not in existing


def _renews(facts: FlaskFacts, builder: PlanBuilder) -> bool:
    """Whether the token module (as planned) serves the endpoint."""
    return BLUEPRINT in (builder.current(module_path(facts.app)) or "")


class Registration(NamedTuple):
    """`<app>.<method>(<symbol>...)`: a name of the token module registered on the app."""

    symbol: str
    method: str
    statement: str


def _registrations(facts: FlaskFacts, choices: Chosen, builder: PlanBuilder) -> list[Registration]:
    """The context processor for pages, the endpoint's blueprint for SPAs and for renewing the
    pages' token."""
    var = facts.app.var
    out = []
    if choices.delivery != "token-endpoint":
        statement = f"{var}.context_processor({CONTEXT_PROCESSOR})"
        out.append(Registration(CONTEXT_PROCESSOR, "context_processor", statement))
    if choices.delivery == "token-endpoint" or _renews(facts, builder):
        prefix = py_str(choices.endpoint_prefix)
        statement = f"{var}.register_blueprint({BLUEPRINT}, url_prefix={prefix})"
        out.append(Registration(BLUEPRINT, "register_blueprint", statement))
    return out


def _register(
    project: Project, facts: FlaskFacts, choices: Chosen, builder: PlanBuilder
) -> StepResult:
    app = facts.app
    code = builder.current(app.path)
    assert code is not None
    wanted = _registrations(facts, choices, builder)
    missing = [r for r in wanted if not cst.has_call(code, r.method, r.symbol)]
    if not missing:
        names = " and ".join(r.symbol for r in wanted)
        return skipped("register", app.path, f"{names} already registered")
    quote = _quote(project, facts)
    statements = [requote(r.statement, quote) for r in missing]
    target = _import_target(project, app)
    if target is None:
        return manual("register", app.path, "cannot parse the app module", "\n".join(statements))
    module, relative = target
    try:
        # Line numbers are the planner's: place the statements before adding the import.
        for statement in statements:
            if app.factory:
                code = cst.insert_in_factory(
                    code,
                    app.factory,
                    app.var,
                    statement,
                    ("register_blueprint", "context_processor"),
                )
            else:
                code = cst.insert_after_line(code, app.line, statement)
        # One import line for the names (the module has imports: it creates the app).
        names = ", ".join(sorted(r.symbol for r in missing))
        code = cst.add_import(code, module, names, relative=relative, top=True)
    except cst.CannotEdit as exc:
        snippet = "\n".join(statements)
        return manual(
            "register", app.path, f"{exc}; add `{snippet}` where the app is set up", snippet
        )
    where = f"in {app.factory}()" if app.factory else "on the module-level app"
    reason = f"register {' and '.join(r.symbol for r in missing)} {where}"
    builder.write(app.path, code, reason, "python")
    return applied("register", app.path, reason)


def _requirement(project: Project, app_root: str, builder: PlanBuilder) -> None:
    library = signer(project, builder, app_root).requirement
    plan_requirement(project, builder, app_root, library, "flask")


def _csp(facts: FlaskFacts, builder: PlanBuilder) -> None:
    csp_warnings(builder, facts.csp)


def _quote(project: Project, facts: FlaskFacts) -> str:
    """The quote the app module mostly uses, for the code written in its style."""
    return preferred_quote(project.text(facts.app.path) or "")


def _import_target(project: Project, app: FlaskApp) -> tuple[str, int] | None:
    """(module, relative level) to import the token module from the app's module."""
    mod = PythonIndex.of(project).module(app.path)
    if mod is None:
        return None
    package = mod.name if mod.is_package else mod.name.rpartition(".")[0]
    if not package:
        return "bestchatbot", 0
    absolute_self = any(name.startswith(package + ".") for name in mod.imports.values())
    if mod.uses_relative_imports or not absolute_self:
        return "bestchatbot", 1
    return f"{package}.bestchatbot", 0


def _tag(api_key: str) -> str:
    return widget_tag(api_key, ATTRIBUTE)


def _tag_template(facts: FlaskFacts, choices: Chosen) -> str | None:
    """The template the widget tag is (or goes) in; None when it is not one rendered per
    request (a static page: `_layout_tag` warned)."""
    if facts.widget is not None:
        path = facts.widget[0]
        return path if path in {t.path for t in facts.templates.values()} else None
    return choices.layout.template.path if choices.layout is not None else None


def _static_dir_for(app: FlaskApp, template: str) -> str:
    """The static folder served with `template`: of its theme when the app picks one at run
    time (`themes/<theme>/static` beside `themes/<theme>/templates`)."""
    dirs = app.static_dirs or (app.static_dir,)
    return max(dirs, key=lambda d: len(posixpath.commonpath([d, template])))


def _renewal(facts: FlaskFacts, choices: Chosen, builder: PlanBuilder) -> StepResult | None:
    """The identity script in the app's static folder, loaded right after the widget tag: it
    renews the page's token from the endpoint before it expires, while the page stays open."""
    path = _tag_template(facts, choices)
    text = builder.current(path) if path is not None else None
    if path is None or text is None or not _renews(facts, builder):
        return None
    if SCRIPT in text:
        return skipped("identity-script", path, "identity script already loaded")
    app = facts.app
    script_path = f"{_static_dir_for(app, path)}/{SCRIPT}"
    script = render(
        "browser/bestchatbot-identity.js.j2", endpoint=choices.endpoint_url, renews_inline=True
    )
    identity_script(
        builder, script_path, script.replace("\n", newline_of(text)), reason=RENEWAL_REASON
    )
    if not app.serves_static:
        url = f"{app.static_url.rstrip('/')}/{SCRIPT}"
        builder.next_step(
            f"{app.path}:{app.line} serves no static files (static_folder=None): serve "
            f"{script_path} where your static files are served and load it right after the "
            f'widget tag in {path}: <script src="{url}"></script> (it renews the widget token '
            "while a page stays open)"
        )
        return None
    new = insert_after_widget_tag(text, [RENEWAL_TAG])
    if new is None:
        return None
    reason = "load the identity script, which renews the page's token before it expires"
    builder.write(path, new, reason, "jinja")
    return applied("identity-script", path, reason)


def _layout_tag(
    facts: FlaskFacts, choices: Chosen, api_key: str, builder: PlanBuilder
) -> StepResult | None:
    if facts.widget is not None:
        path, _ = facts.widget
        text = builder.current(path) or ""
        tag = widget_tags(text)[0]
        if tag.has_user_token:
            return skipped("layout-tag", path, "widget tag already carries data-user-token")
        if path not in {t.path for t in facts.templates.values()}:
            builder.warn(
                f"{path} loads the widget but is not a template rendered per request: move the "
                f"tag into the layout so it can carry data-user-token"
            )
            return None
        reason = "widget tag: data-user-token for signed-in users"
        builder.write(path, add_attribute(text, tag, ATTRIBUTE, separator=""), reason, "jinja")
        return applied("layout-tag", path, reason)
    layout = choices.layout
    assert layout is not None  # no layout is a question
    path = layout.template.path
    text = builder.current(path) or ""
    reason = "add the widget tag, with data-user-token for signed-in users"
    # Issue 15: where the layout keeps a chat / analytics script off some pages, so the tag.
    guard = exclusions.guard_in(path, text, layout.template.name, facts.templates)
    if guard is not None:
        reason += f", {guard.summary}"
    new = exclusions.place(text, guard, [_tag(api_key)], partial(_with_tag, layout, text))
    builder.write(path, new, reason, "jinja")
    return applied("layout-tag", path, reason)


def _with_tag(layout: Layout, text: str, lines: list[str]) -> str:
    if layout.mode == "body":
        new = insert_before_body_close(text, lines)
        assert new is not None
        return new
    if layout.mode == "append":
        return append_lines(text, lines)
    return _in_scripts_block(layout.template, text, lines)


def _in_scripts_block(tpl: Template, text: str, lines: list[str]) -> str:
    nl = newline_of(text)
    block = tpl.blocks.get("scripts")
    if block is None:
        block_lines = ["{% block scripts %}", "{{ super() }}", *lines, "{% endblock %}"]
        return append_lines(text, block_lines)
    _start, end = block
    line_start = text.rfind("\n", 0, end) + 1
    if text[line_start:end].strip():
        return text[:end] + nl.join(lines) + nl + text[end:]
    indent = indent_at(text, text.rfind("\n", 0, line_start - 1) + 1) if line_start else ""
    return text[:line_start] + "".join(indent + s + nl for s in lines) + text[line_start:]


_SRC = re.compile(r"""<script\b[^>]*\bsrc\s*=\s*(['"])(?P<src>[^'"]+)\1""", re.IGNORECASE)


def _spa(
    project: Project, facts: FlaskFacts, choices: Chosen, api_key: str, builder: PlanBuilder
) -> StepResult | None:
    url = choices.endpoint_url
    if facts.frontend is not None:
        return _bundled_spa(project, facts.frontend, url, api_key, builder)
    if not facts.spa_pages:
        builder.next_step(
            "Your frontend lives outside this project: load the widget there and, after sign-in, "
            f'sign-out and on page load, run: fetch({js_str(url)}, {{ credentials: "include" }})'
            ".then(r => r.ok ? r.json() : { token: null }).then(({ token }) => token ? "
            "window.BestChatBot.setUserToken(token) : window.BestChatBot.clearUserToken())"
        )
        return None
    page = facts.spa_pages[0]
    text = builder.current(page) or ""
    if SCRIPT in text:
        return skipped("identity-script", page, "identity script already loaded")
    script_path, script_url = _script_location(facts.app, page, text)
    identity_script(builder, script_path, endpoint=url)
    lines = [] if widget_tags(text) else [widget_tag(api_key)]
    lines.append(f'<script src="{script_url}"></script>')
    new = insert_before_body_close(text, lines) or append_lines(text, lines)
    reason = "load the widget and the identity script"
    builder.write(page, new, reason, "html")
    scripts = project.under(facts.app.static_dir, project.with_suffix(".js", ".mjs", ".ts"))
    refresh_next_step(builder, project, [js for js in scripts if js != script_path])
    return applied("identity-script", page, reason)


def _bundled_spa(
    project: Project, frontend: Frontend, url: str, api_key: str, builder: PlanBuilder
) -> StepResult:
    """The SPA beside the API: the identity script in its public folder (served as is, calling
    the endpoint at the same origin, through the SPA's proxy), its tags in the SPA's page."""
    page = frontend.page
    text = builder.current(page) or ""
    if SCRIPT in text:
        return skipped("identity-script", page, "identity script already loaded")
    sources = frontend_sources(project, frontend)
    events = auth_events(project, sources)
    script_path, script_url = public_script(project, frontend, SCRIPT)
    script = render("browser/bestchatbot-identity.js.j2", endpoint=url, auth_events=events)
    identity_script(builder, script_path, script)
    lines = [] if widget_tags(text) else [widget_tag(api_key)]
    lines.append(f'<script src="{script_url}"></script>')
    new = insert_before_body_close(text, lines) or append_lines(text, lines)
    reason = "load the widget and the identity script"
    if events is not None:
        reason += f", which follows the app's {events.event} events ({events.where})"
    builder.write(page, new, reason, "html")
    if events is None:
        refresh_next_step(builder, project, sources)
    return applied("identity-script", page, reason)


def _script_location(app: FlaskApp, page: str, text: str) -> tuple[str, str]:
    """Put the script beside the page's own JS, and reference it the way the page does."""
    static_url = app.static_url.rstrip("/")
    for m in _SRC.finditer(text):
        src = m.group("src")
        if "//" in src or src.startswith("data:"):
            continue
        if src.startswith(static_url + "/"):
            rel_dir = posixpath.dirname(src[len(static_url) + 1 :])
            directory = posixpath.join(app.static_dir, rel_dir) if rel_dir else app.static_dir
            url_dir = posixpath.dirname(src)
            return f"{directory}/{SCRIPT}", f"{url_dir}/{SCRIPT}"
        if not src.startswith("/"):
            rel_dir = posixpath.dirname(src)
            directory = posixpath.normpath(posixpath.join(posixpath.dirname(page), rel_dir))
            return f"{directory}/{SCRIPT}", (f"{rel_dir}/{SCRIPT}" if rel_dir else SCRIPT)
    return f"{app.static_dir}/{SCRIPT}", f"{static_url}/{SCRIPT}"
