"""The SPA side of the endpoint delivery: the widget tag in the app's HTML shell and the
browser identity script (bundled apps: a module imported by the entry; plain pages: a script
beside the page), calling the endpoint the way the SPA calls its API."""

from __future__ import annotations

import posixpath
from functools import partial

from scaffolder import treesitter
from scaffolder.answer_rules import shown
from scaffolder.errors import UsageError
from scaffolder.escape import js_token_read
from scaffolder.markup import (
    append_lines,
    insert_before_body_close,
    newline_of,
    widget_tags,
)
from scaffolder.plan import PlanBuilder
from scaffolder.spa import REFRESH, Frontend
from scaffolder.stacks.fastapi import SPA_TOKEN
from scaffolder.stacks.fastapi.facts import Chosen, Wiring
from scaffolder.steps import SCRIPT, Step, StepResult, applied, skipped, widget_tag
from scaffolder.templating import render


def steps(choices: Chosen, w: Wiring, api_key: str) -> list[Step]:
    """The widget tag in the SPA's page first (the identity script listens for its `load`
    event), then the identity script, then what is left for the user to do."""
    frontend = w.frontend
    if frontend is None:
        return [partial(_outside, choices)]
    if frontend.kind == "bundled":
        scripts = [
            partial(_bundled_script, choices, w, frontend),
            partial(_bundled_import, frontend),
        ]
    else:
        scripts = [partial(_static, choices, w, frontend)]
    return [
        partial(_page_tag, frontend, api_key),
        *scripts,
        partial(_follow_up, choices, w, frontend),
    ]


def _outside(choices: Chosen, builder: PlanBuilder) -> None:
    header = choices.auth.header
    how = (
        f"with the app's own header, {header.fetch_options('accessToken')}"
        if choices.auth.bearer
        else '{ credentials: "include" }'
    )
    builder.next_step(
        "Your frontend lives outside this project: load the widget there and, after sign-in, "
        f"sign-out and on page load, fetch {choices.endpoint_url} {how}, then call "
        "window.BestChatBot.setUserToken(token) when it answers 200 with a token, or "
        "window.BestChatBot.clearUserToken() when it answers 401"
    )


def _page_tag(frontend: Frontend, api_key: str, builder: PlanBuilder) -> StepResult | None:
    page = frontend.page
    text = builder.current(page) or ""
    if widget_tags(text):
        return None
    tag = widget_tag(api_key)
    new = insert_before_body_close(text, [tag]) or append_lines(text, [tag])
    reason = "load the BestChatBot widget"
    builder.write(page, new, reason, _page_language(frontend))
    return applied("widget-tag", page, reason)


def _page_language(frontend: Frontend) -> str:
    return "jinja" if frontend.kind == "layout" else "html"


def _follow_up(choices: Chosen, w: Wiring, frontend: Frontend, builder: PlanBuilder) -> None:
    bearer = choices.auth.bearer
    if bearer and w.token is not None:
        writes = ", ".join(w.token.writes[:4])
        builder.next_step(
            f"The identity script follows {w.token.expr} (set at sign-in, cleared at "
            f"sign-out{': ' + writes if writes else ''}): nothing else to call"
        )
    elif not bearer and frontend.kind != "layout":  # pages reload on sign-in and sign-out
        builder.next_step(REFRESH)


def _script(choices: Chosen, w: Wiring, frontend: Frontend) -> str:
    bearer = w.bearer_expr if choices.auth.bearer else None
    return render(
        "browser/bestchatbot-identity.js.j2",
        endpoint=choices.endpoint_url,
        endpoint_base=frontend.api_base if frontend.kind == "bundled" else None,
        bearer_token=_token_read(bearer) if bearer else None,
    )


def _token_read(expr: str) -> str:
    """The bearer-token expression as the browser script's code, rebuilt from its grammar."""
    try:
        return js_token_read(expr)
    except ValueError:
        raise UsageError(
            f"--spa-token must be {SPA_TOKEN.grammar.says}; got {shown(expr)}"
        ) from None


_NEW_SCRIPT = "new: keeps the widget's user in step with sign-in (setUserToken / clearUserToken)"


def _bundled_script(
    choices: Chosen, w: Wiring, frontend: Frontend, builder: PlanBuilder
) -> StepResult:
    """The identity script beside the bundle's entry module."""
    entry = frontend.entry
    assert entry is not None
    script_path = posixpath.join(posixpath.dirname(entry), SCRIPT)
    if builder.current(script_path) is not None:
        return skipped("identity-script", script_path, "identity script already present")
    builder.write(script_path, _script(choices, w, frontend), _NEW_SCRIPT, "javascript")
    return applied("identity-script", script_path, _NEW_SCRIPT)


def _bundled_import(frontend: Frontend, builder: PlanBuilder) -> StepResult:
    """The entry module imports it."""
    entry = frontend.entry
    assert entry is not None
    code = builder.current(entry) or ""
    if SCRIPT in code:
        return skipped("identity-import", entry, "identity script already imported")
    language = treesitter.language_for(entry) or "javascript"
    reason = "import the identity script"
    builder.write(entry, add_side_effect_import(code, f"./{SCRIPT}", language), reason, language)
    return applied("identity-import", entry, reason)


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


def _static(choices: Chosen, w: Wiring, frontend: Frontend, builder: PlanBuilder) -> StepResult:
    """The identity script beside a static page (in the static directory for a server-rendered
    layout), loaded by the page."""
    page = frontend.page
    text = builder.current(page) or ""
    if SCRIPT in text:
        return skipped("identity-script", page, "identity script already loaded")
    directory = frontend.root if frontend.kind == "layout" else posixpath.dirname(page)
    script_path = posixpath.join(directory, SCRIPT)
    rel = posixpath.relpath(directory, frontend.root) if frontend.root != directory else ""
    url = "/".join(p for p in (frontend.static_url.rstrip("/"), rel, SCRIPT) if p)
    if not url.startswith("/"):
        url = "/" + url
    if builder.current(script_path) is None:
        builder.write(script_path, _script(choices, w, frontend), _NEW_SCRIPT, "javascript")
    line = f'<script src="{url}"></script>'
    new = insert_before_body_close(text, [line]) or append_lines(text, [line])
    reason = "load the identity script"
    builder.write(page, new, reason, _page_language(frontend))
    return applied("identity-script", page, reason)
