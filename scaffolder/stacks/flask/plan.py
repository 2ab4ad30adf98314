"""Flask plan: the token module, its registration, the widget tag, the SPA script, PyJWT."""

from __future__ import annotations

import posixpath
import re

from scaffolder.errors import BadInput, Refused
from scaffolder.escape import html_attr, js_str, py_str
from scaffolder.markup import (
    WIDGET_SRC,
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
from scaffolder.python.deps import PYJWT, plan_requirement
from scaffolder.python.source import PythonIndex
from scaffolder.python.style import requote
from scaffolder.spa import refresh_next_step
from scaffolder.stacks.flask.detect import FlaskFacts
from scaffolder.templating import render

MODULE = "bestchatbot.py"
SCRIPT = "bestchatbot-identity.js"
TOKEN_VAR = "bestchatbot_token"


def plan(project: Project, insp: Inspection, builder: PlanBuilder) -> None:
    facts: FlaskFacts = insp.facts
    endpoint = insp.delivery == "token-endpoint"
    _token_module(project, facts, endpoint, builder)
    _register(project, facts, endpoint, builder)
    if endpoint:
        _spa(project, facts, insp, builder)
    else:
        _layout_tag(facts, insp, builder)
    plan_requirement(project, builder, insp.stack.app_root, PYJWT, "flask")
    for e in facts.csp:
        builder.warn(
            f"{e.location()}: {e.why}; allow https://widget.bestchatbot.io in its script-src "
            "and connect-src, or the browser will block the widget."
        )


def module_path(facts: FlaskFacts) -> str:
    root = facts.app.root_dir
    return MODULE if root in ("", ".") else f"{root}/{MODULE}"


def _token_module(
    project: Project, facts: FlaskFacts, endpoint: bool, builder: PlanBuilder
) -> None:
    auth = facts.auth
    assert auth is not None and auth.fields.email is not None
    flask_names = {name for module, name in auth.imports if module == "flask"}
    if endpoint:
        flask_names |= {"Blueprint", "Response", "jsonify"}
    imports = [("flask", ", ".join(sorted(flask_names, key=lambda n: (n[0].islower(), n))))]
    imports = [i for i in imports if i[1]] + [(m, n) for m, n in auth.imports if m != "flask"]
    text = render(
        "python/flask/bestchatbot.py.j2",
        imports=imports,
        anonymous=auth.anonymous,
        email=auth.fields.email.expr,
        name=auth.fields.name.expr if auth.fields.name else None,
        user_id=auth.fields.user_id.expr if auth.fields.user_id else None,
        context_processor=not endpoint,
        endpoint=facts.endpoint_url if endpoint else None,
    )
    text = requote(text, facts.quote)
    anchor = builder.current(facts.app.path) or ""
    if newline_of(anchor) != "\n":
        text = text.replace("\n", newline_of(anchor))
    path = module_path(facts)
    existing = builder.current(path)
    if existing is None:
        builder.write(path, text, "new: mints the widget token for the signed-in user", "python")
        return
    needed = [
        "def sign_widget_token(",
        "bestchatbot_bp" if endpoint else "def inject_widget_token(",
    ]
    if all(n in existing for n in needed):
        builder.skip(path, "token module already present")
        return
    raise Refused(
        f"{path} already exists and is not bcb-scaffold's token module (or was made for the "
        f"other delivery); move it aside and run apply again"
    )


def _register(project: Project, facts: FlaskFacts, endpoint: bool, builder: PlanBuilder) -> None:
    app = facts.app
    code = builder.current(app.path)
    assert code is not None
    if endpoint:
        symbol, method = "bestchatbot_bp", "register_blueprint"
        prefix = py_str(facts.endpoint_prefix)
        statement = f"{app.var}.register_blueprint(bestchatbot_bp, url_prefix={prefix})"
    else:
        symbol, method = "inject_widget_token", "context_processor"
        statement = f"{app.var}.context_processor(inject_widget_token)"
    if cst.has_call(code, method, symbol):
        builder.skip(app.path, f"{symbol} is already registered")
        return
    statement = requote(statement, facts.quote)
    module, relative = _import_target(project, facts)
    try:
        # Line numbers are the planner's: place the statement before adding the import.
        if app.factory:
            code = cst.insert_in_factory(
                code, app.factory, app.var, statement, ("register_blueprint", "context_processor")
            )
        else:
            code = cst.insert_after_line(code, app.line, statement)
        code = cst.add_import(code, module, symbol, relative=relative)
    except cst.CannotEdit as exc:
        raise BadInput(f"{app.path}: {exc}; add `{statement}` where the app is set up") from None
    where = f"in {app.factory}()" if app.factory else "on the module-level app"
    builder.write(app.path, code, f"register {symbol} {where}", "python")


def _import_target(project: Project, facts: FlaskFacts) -> tuple[str, int]:
    """(module, relative level) to import the token module from the app's module."""
    index = PythonIndex.of(project)
    mod = index.module(facts.app.path)
    if mod is None:
        raise BadInput(f"{facts.app.path}: cannot parse the app module")
    package = mod.name if mod.is_package else mod.name.rpartition(".")[0]
    if not package:
        return "bestchatbot", 0
    absolute_self = any(name.startswith(package + ".") for name in mod.imports.values())
    if mod.uses_relative_imports or not absolute_self:
        return "bestchatbot", 1
    return f"{package}.bestchatbot", 0


def _tag(api_key: str) -> str:
    return (
        f'<script src="{WIDGET_SRC}" data-api-key="{html_attr(api_key)}"'
        f'{{% if {TOKEN_VAR} %}} data-user-token="{{{{ {TOKEN_VAR} }}}}"{{% endif %}}></script>'
    )


def _layout_tag(facts: FlaskFacts, insp: Inspection, builder: PlanBuilder) -> None:
    attribute = f'{{% if {TOKEN_VAR} %}} data-user-token="{{{{ {TOKEN_VAR} }}}}"{{% endif %}}'
    template_paths = {t.path for t in facts.templates.values()}
    if facts.widget is not None:
        path, _ = facts.widget
        text = builder.current(path) or ""
        tag = widget_tags(text)[0]
        if tag.has_user_token:
            builder.skip(path, "widget tag already carries data-user-token")
        elif path in template_paths:
            builder.write(
                path,
                add_attribute(text, tag, attribute, separator=""),
                "widget tag: data-user-token for signed-in users",
                "jinja",
            )
        else:
            builder.warn(
                f"{path} loads the widget but is not a template rendered per request: move the "
                f"tag into the layout so it can carry data-user-token"
            )
        return
    layout = facts.layouts[0]
    text = builder.current(layout.template.path) or ""
    builder.write(
        layout.template.path,
        _with_tag(layout, text, _tag(insp.answers.api_key or "")),
        "add the widget tag, with data-user-token for signed-in users",
        "jinja",
    )


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


def _spa(project: Project, facts: FlaskFacts, insp: Inspection, builder: PlanBuilder) -> None:
    url = facts.endpoint_url
    if not facts.spa_pages:
        builder.next_step(
            "Your frontend lives outside this project: load the widget there and, after sign-in, "
            f'sign-out and on page load, run: fetch({js_str(url)}, {{ credentials: "include" }})'
            ".then(r => r.ok ? r.json() : { token: null }).then(({ token }) => token ? "
            "window.BestChatBot.setUserToken(token) : window.BestChatBot.clearUserToken())"
        )
        return
    page = facts.spa_pages[0]
    text = builder.current(page) or ""
    if SCRIPT in text:
        builder.skip(page, "identity script already loaded")
        return
    script_path, script_url = _script_location(facts, page, text)
    if builder.current(script_path) is None:
        builder.write(
            script_path,
            render("browser/bestchatbot-identity.js.j2", endpoint=url),
            "new: syncs the widget's user with sign-in (setUserToken / clearUserToken)",
            "javascript",
        )
    lines = []
    if not widget_tags(text):
        key = html_attr(insp.answers.api_key or "")
        lines.append(f'<script src="{WIDGET_SRC}" data-api-key="{key}"></script>')
    lines.append(f'<script src="{script_url}"></script>')
    new = insert_before_body_close(text, lines) or append_lines(text, lines)
    builder.write(page, new, "load the widget and the identity script", "html")
    scripts = project.under(facts.app.static_dir, project.with_suffix(".js", ".mjs", ".ts"))
    refresh_next_step(builder, project, [js for js in scripts if js != script_path])


def _script_location(facts: FlaskFacts, page: str, text: str) -> tuple[str, str]:
    """Put the script beside the page's own JS, and reference it the way the page does."""
    static_url = facts.app.static_url.rstrip("/")
    for m in _SRC.finditer(text):
        src = m.group("src")
        if "//" in src or src.startswith("data:"):
            continue
        if src.startswith(static_url + "/"):
            rel_dir = posixpath.dirname(src[len(static_url) + 1 :])
            directory = (
                posixpath.join(facts.app.static_dir, rel_dir) if rel_dir else facts.app.static_dir
            )
            url_dir = posixpath.dirname(src)
            return f"{directory}/{SCRIPT}", f"{url_dir}/{SCRIPT}"
        if not src.startswith("/"):
            rel_dir = posixpath.dirname(src)
            directory = posixpath.normpath(posixpath.join(posixpath.dirname(page), rel_dir))
            return f"{directory}/{SCRIPT}", (f"{rel_dir}/{SCRIPT}" if rel_dir else SCRIPT)
    return f"{facts.app.static_dir}/{SCRIPT}", f"{static_url}/{SCRIPT}"
