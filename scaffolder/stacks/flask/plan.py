"""Flask plan: the token module, its registration, the widget tag, the SPA script, the JWT
library."""

from __future__ import annotations

import posixpath
import re
from functools import partial

from scaffolder.escape import js_str, py_str
from scaffolder.inspection import Choices
from scaffolder.markup import (
    Layout,
    Template,
    add_attribute,
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

Chosen = Choices[AuthFacts]


def steps(
    project: Project, insp: Inspection[object], facts: FlaskFacts, choices: Chosen
) -> list[Step]:
    """The token module, its registration, then the tag in the layout (or the endpoint's
    browser script), the JWT library and the CSP warnings."""
    endpoint = choices.delivery == "token-endpoint"
    delivery = partial(_spa, project) if endpoint else _layout_tag
    app_root = insp.stack.app_root
    return [
        partial(_token_module, project, app_root, facts, choices),
        partial(_register, project, facts, choices),
        partial(delivery, facts, choices, insp.answers.api_key or ""),
        partial(_requirement, project, app_root),
        partial(_csp, facts),
    ]


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
    flask_names = {"has_request_context"} | {n for m, n in auth.imports if m == "flask"}
    if endpoint:
        flask_names |= {"Blueprint", "Response", "jsonify"}
    else:
        flask_names |= {"Response", "after_this_request", "g"}
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
        endpoint=choices.endpoint_url if endpoint else None,
    )
    text = requote(text, _quote(project, facts))
    anchor = builder.current(facts.app.path) or ""
    if newline_of(anchor) != "\n":
        text = text.replace("\n", newline_of(anchor))
    return generated_file(
        builder,
        path,
        text,
        reason="new: mints the widget token for the signed-in user",
        language="python",
        ours=(
            "def sign_widget_token(",
            "bestchatbot_bp" if endpoint else "def inject_widget_token(",
        ),
        already="token module already present",
        refusal=f"{path} already exists and is not bcb-scaffold's token module (or was made for "
        "the other delivery); move it aside and run apply again",
    )


def _register(
    project: Project, facts: FlaskFacts, choices: Chosen, builder: PlanBuilder
) -> StepResult:
    endpoint = choices.delivery == "token-endpoint"
    app = facts.app
    code = builder.current(app.path)
    assert code is not None
    if endpoint:
        symbol, method = "bestchatbot_bp", "register_blueprint"
        prefix = py_str(choices.endpoint_prefix)
        statement = f"{app.var}.register_blueprint(bestchatbot_bp, url_prefix={prefix})"
    else:
        symbol, method = "inject_widget_token", "context_processor"
        statement = f"{app.var}.context_processor(inject_widget_token)"
    if cst.has_call(code, method, symbol):
        return skipped("register", app.path, f"{symbol} is already registered")
    statement = requote(statement, _quote(project, facts))
    target = _import_target(project, app)
    if target is None:
        return manual("register", app.path, "cannot parse the app module", statement)
    module, relative = target
    try:
        # Line numbers are the planner's: place the statement before adding the import.
        if app.factory:
            code = cst.insert_in_factory(
                code, app.factory, app.var, statement, ("register_blueprint", "context_processor")
            )
        else:
            code = cst.insert_after_line(code, app.line, statement)
        code = cst.add_import(code, module, symbol, relative=relative, top=True)
    except cst.CannotEdit as exc:
        return manual(
            "register", app.path, f"{exc}; add `{statement}` where the app is set up", statement
        )
    where = f"in {app.factory}()" if app.factory else "on the module-level app"
    reason = f"register {symbol} {where}"
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
    reason = "add the widget tag, with data-user-token for signed-in users"
    builder.write(
        path, _with_tag(layout, builder.current(path) or "", _tag(api_key)), reason, "jinja"
    )
    return applied("layout-tag", path, reason)


def _with_tag(layout: Layout, text: str, tag: str) -> str:
    if layout.mode == "body":
        new = insert_before_body_close(text, [tag])
        assert new is not None
        return new
    if layout.mode == "append":
        return append_lines(text, [tag])
    return _in_scripts_block(layout.template, text, tag)


def _in_scripts_block(tpl: Template, text: str, tag: str) -> str:
    nl = newline_of(text)
    block = tpl.blocks.get("scripts")
    if block is None:
        return append_lines(text, ["{% block scripts %}", "{{ super() }}", tag, "{% endblock %}"])
    _start, end = block
    line_start = text.rfind("\n", 0, end) + 1
    if text[line_start:end].strip():
        return text[:end] + tag + nl + text[end:]
    indent = indent_at(text, text.rfind("\n", 0, line_start - 1) + 1) if line_start else ""
    return text[:line_start] + indent + tag + nl + text[line_start:]


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
