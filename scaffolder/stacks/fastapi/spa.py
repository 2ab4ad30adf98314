"""The SPA side of the endpoint delivery: the widget tag in the app's HTML shell and the
browser identity script (bundled apps: a module imported by the entry; plain pages: a script
beside the page), calling the endpoint the way the SPA calls its API."""

from __future__ import annotations

import posixpath

from scaffolder import treesitter
from scaffolder.answer_rules import SPA_TOKEN, shown
from scaffolder.errors import UsageError
from scaffolder.escape import html_attr, js_token_read
from scaffolder.markup import (
    WIDGET_SRC,
    append_lines,
    insert_before_body_close,
    newline_of,
    widget_tags,
)
from scaffolder.model import Inspection
from scaffolder.plan import PlanBuilder
from scaffolder.project import Project
from scaffolder.spa import REFRESH
from scaffolder.stacks.fastapi.facts import FastAPIFacts
from scaffolder.stacks.fastapi.frontend import Frontend
from scaffolder.steps import SCRIPT
from scaffolder.templating import render


def plan_spa(project: Project, facts: FastAPIFacts, insp: Inspection, builder: PlanBuilder) -> None:
    url = facts.endpoint_url
    bearer = facts.dep is not None and facts.dep.bearer
    frontend = facts.frontend
    if frontend is None:
        how = (
            'with the app\'s own header, { headers: { Authorization: "Bearer " + accessToken } }'
            if bearer
            else '{ credentials: "include" }'
        )
        builder.next_step(
            "Your frontend lives outside this project: load the widget there and, after sign-in, "
            f"sign-out and on page load, fetch {url} {how}, then call "
            "window.BestChatBot.setUserToken(token) when it answers 200 with a token, or "
            "window.BestChatBot.clearUserToken() when it answers 401"
        )
        return
    # The widget tag first: the identity script listens for its `load` event.
    page = frontend.page
    text = builder.current(page) or ""
    language = "jinja" if frontend.kind == "layout" else "html"
    if not widget_tags(text):
        key = html_attr(insp.answers.api_key or "")
        tag = f'<script src="{WIDGET_SRC}" data-api-key="{key}"></script>'
        new = insert_before_body_close(text, [tag]) or append_lines(text, [tag])
        builder.write(page, new, "load the BestChatBot widget", language)
    if frontend.kind == "bundled":
        _bundled(project, facts, frontend, builder)
    else:
        _static(facts, frontend, builder)
    if bearer and facts.token is not None:
        writes = ", ".join(facts.token.writes[:4])
        builder.next_step(
            f"The identity script follows {facts.token.expr} (set at sign-in, cleared at "
            f"sign-out{': ' + writes if writes else ''}): nothing else to call"
        )
    elif not bearer and frontend.kind != "layout":  # pages reload on sign-in and sign-out
        builder.next_step(REFRESH)


def _script(facts: FastAPIFacts, frontend: Frontend) -> str:
    bearer = facts.bearer_expr if facts.dep is not None and facts.dep.bearer else None
    return render(
        "browser/bestchatbot-identity.js.j2",
        endpoint=facts.endpoint_url,
        endpoint_base=frontend.api_base if frontend.kind == "bundled" else None,
        bearer_token=_token_read(bearer) if bearer else None,
    )


def _token_read(expr: str) -> str:
    """The bearer-token expression as the browser script's code, rebuilt from its grammar."""
    try:
        return js_token_read(expr)
    except ValueError:
        raise UsageError(f"--spa-token must be {SPA_TOKEN.says}; got {shown(expr)}") from None


def _bundled(
    project: Project, facts: FastAPIFacts, frontend: Frontend, builder: PlanBuilder
) -> None:
    entry = frontend.entry
    assert entry is not None
    script_path = posixpath.join(posixpath.dirname(entry), SCRIPT)
    if builder.current(script_path) is None:
        builder.write(
            script_path,
            _script(facts, frontend),
            "new: keeps the widget's user in step with sign-in (setUserToken / clearUserToken)",
            "javascript",
        )
    else:
        builder.skip(script_path, "identity script already present")
    code = builder.current(entry) or ""
    if SCRIPT in code:
        builder.skip(entry, "identity script already imported")
        return
    language = treesitter.language_for(entry) or "javascript"
    builder.write(
        entry,
        add_side_effect_import(code, f"./{SCRIPT}", language),
        "import the identity script",
        language,
    )


def add_side_effect_import(code: str, specifier: str, language: str) -> str:
    """`import "./x.js"` after the module's last import, in the file's quote and semicolon
    style."""
    tree = treesitter.parse(code, language)
    imports = [n for n in tree.root_node.named_children if n.type == "import_statement"]
    nl = newline_of(code)
    quote, semi = '"', ";"
    if imports:
        sample = treesitter.text_of(imports[-1])
        source = imports[-1].child_by_field_name("source")
        if source is not None:
            quote = treesitter.text_of(source)[0]
        semi = ";" if sample.rstrip().endswith(";") else ""
    line = f"import {quote}{specifier}{quote}{semi}"
    if not imports:
        return line + nl + nl + code
    end = imports[-1].end_byte
    return treesitter.splice(code, [(end, end, nl + line)])


def _static(facts: FastAPIFacts, frontend: Frontend, builder: PlanBuilder) -> None:
    page = frontend.page
    text = builder.current(page) or ""
    if SCRIPT in text:
        builder.skip(page, "identity script already loaded")
        return
    # Beside a static page; in the static directory for a server-rendered layout.
    directory = frontend.root if frontend.kind == "layout" else posixpath.dirname(page)
    script_path = posixpath.join(directory, SCRIPT)
    rel = posixpath.relpath(directory, frontend.root) if frontend.root != directory else ""
    url = "/".join(p for p in (frontend.static_url.rstrip("/"), rel, SCRIPT) if p)
    if not url.startswith("/"):
        url = "/" + url
    if builder.current(script_path) is None:
        builder.write(
            script_path,
            _script(facts, frontend),
            "new: keeps the widget's user in step with sign-in (setUserToken / clearUserToken)",
            "javascript",
        )
    new = insert_before_body_close(text, [f'<script src="{url}"></script>'])
    builder.write(
        page,
        new or append_lines(text, [f'<script src="{url}"></script>']),
        "load the identity script",
        "jinja" if frontend.kind == "layout" else "html",
    )
