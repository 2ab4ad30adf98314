"""Renewal of inline tokens: a page carrying the widget token (`data-user-token`) keeps it
fresh while it stays open. The token module also serves `GET <api prefix>/widget-token` (`mount`
puts it right after the session middleware) and the shared identity script, in its inline mode,
is written to a folder the app serves with `express.static`, loaded right after the widget tag
in each view (or page built in code) carrying it. It starts from the tag's token, fetches a
fresh one five minutes before `exp` and fetches nothing on guests' pages.

Without `express.static`, the script is written to `public/` and serving it is a next step.
"""

from __future__ import annotations

import posixpath
import re
from functools import partial

from scaffolder.escape import js_str
from scaffolder.inspection import Choices
from scaffolder.js import style
from scaffolder.plan import PlanBuilder
from scaffolder.project import Project
from scaffolder.stacks.express import inline
from scaffolder.stacks.express import views as v
from scaffolder.stacks.express.auth import AuthFacts
from scaffolder.stacks.express.detect import ExpressFacts
from scaffolder.stacks.express.mount import HANDLER, MIDDLEWARE
from scaffolder.steps import SCRIPT, Step, StepResult, applied, identity_script, skipped
from scaffolder.templating import render

_SRC = re.compile(r"""<script\b[^>]*\bsrc\s*=\s*(['"])(?P<src>[^'"]+)\1""", re.IGNORECASE)
_PUG_SRC = re.compile(r"""^\s*script\([^)]*\bsrc\s*=\s*(['"])(?P<src>[^'"]+)\1""", re.MULTILINE)
_REASON = "load the identity script after the widget tag: renews its token before it expires"


def applies(
    project: Project, facts: ExpressFacts, choices: Choices[AuthFacts], module: str
) -> bool:
    """Whether the pages carrying the token renew it (see `_blocked`)."""
    return _blocked(project, facts, choices, module) is None


def steps(
    project: Project, facts: ExpressFacts, choices: Choices[AuthFacts], module: str
) -> list[Step]:
    """The identity script and its `<script>` after the widget tag in each view carrying it;
    a next step where the app serves no static files (or its token module predates renewal)."""
    blocked = _blocked(project, facts, choices, module)
    if blocked is not None:
        return [partial(_next_step, blocked)] if blocked else []
    views, in_code = _tagged(facts, choices)
    texts = [(path, project.text(path) or "") for path in views + in_code]
    text = render(
        "browser/bestchatbot-identity.js.j2", endpoint=choices.endpoint_url, renews_inline=True
    )
    if not facts.statics:
        path = posixpath.normpath(posixpath.join(facts.root, "public", SCRIPT))
        return [
            partial(identity_script, path=path, text=text),
            partial(_next_step, _serve(project, facts, path, views, in_code)),
        ]
    path, url = script_location(facts.statics, texts, relative=False)
    return [
        partial(identity_script, path=path, text=text),
        *(partial(_in_view, facts.engine, view, url) for view in views),
        *(partial(_in_code, facts, page, url) for page in in_code),
    ]


def _blocked(
    project: Project, facts: ExpressFacts, choices: Choices[AuthFacts], module: str
) -> str | None:
    """None when the pages renew their token; else why not: "" where no page can carry one
    that a cookie renews (the app authenticates per request with a bearer token, or no view
    gets the tag), the next step where the token module bcb-scaffold wrote before has no
    endpoint."""
    auth = choices.auth
    if auth.strategy is not None or (
        auth.firebase is not None and auth.firebase.source == "bearer"
    ):
        return ""
    views, in_code = _tagged(facts, choices)
    if not views and not in_code:
        return ""
    existing = project.text(module)
    if existing is None or HANDLER in existing:
        return None
    if MIDDLEWARE not in existing:
        return ""  # someone else's module: the token module's step refuses it
    return (
        f"{module} predates the renewal of inline tokens: to renew the widget token on pages "
        f"left open, move it aside and run apply again (it then also serves GET "
        f"{choices.endpoint_url} and loads {SCRIPT} after the widget tag)"
    )


def _tagged(facts: ExpressFacts, choices: Choices[AuthFacts]) -> tuple[list[str], list[str]]:
    """The views the widget tag (with the token) is in or goes into, and the modules building
    pages in code that it goes into."""
    in_code = [lay.template.path for lay in choices.layouts if lay.mode == inline.MODE]
    if facts.tags:
        return list(dict.fromkeys(path for path, _ in facts.tags)), in_code
    views = [lay.template.path for lay in choices.layouts if lay.mode != inline.MODE]
    return views, in_code


def _next_step(text: str, builder: PlanBuilder) -> None:
    builder.next_step(text)


def _serve(
    project: Project, facts: ExpressFacts, path: str, views: list[str], in_code: list[str]
) -> str:
    """The next step for an app without static files: serve the script's folder, load it."""
    app = facts.app
    folder = posixpath.relpath(posixpath.dirname(path), app.module.directory)
    here = (
        "__dirname" if app.module.system == "commonjs" and not facts.ts else "import.meta.dirname"
    )
    quote = style.detect(app.module.text, app.module.source.language).quote
    parts = ", ".join(js_str(part, quote) for part in folder.split("/"))
    url = "/" + SCRIPT
    loads: dict[str, list[str]] = {}
    for page in views:
        loads.setdefault(v.script_tag(facts.engine, project.text(page) or "", url), []).append(page)
    if in_code:
        loads.setdefault(v.script_tag("html", "", url), []).extend(in_code)
    where = "; ".join(f"{tag} in {', '.join(pages)}" for tag, pages in loads.items())
    return (
        f"{app.path} serves no static files: to renew the widget token on pages left open, "
        f"serve {posixpath.dirname(path)}/ (app.use(express.static(path.join({here}, {parts}))))"
        f" and load the identity script right after the widget tag: {where}"
    )


def _in_view(engine: str, path: str, url: str, builder: PlanBuilder) -> StepResult | None:
    """The identity script right after each widget tag of the view."""
    text = builder.current(path) or ""
    if SCRIPT in text:
        return skipped("identity-script", path, "identity script already loaded")
    tags = [tag for tag in v.find_tags(engine, text) if tag.has_user_token]
    if not tags:
        return None  # the tag could not go there: its step said so
    line = v.script_tag(engine, text, url)
    new = text
    for tag in reversed(tags):
        at, added = v.after_tag(engine, new, tag, line)
        new = new[:at] + added + new[at:]
    builder.write(path, new, _REASON, engine)
    return applied("identity-script", path, _REASON)


def _in_code(facts: ExpressFacts, path: str, url: str, builder: PlanBuilder) -> StepResult | None:
    """The identity script right after the widget tag of each page the module builds."""
    found, text = facts.index.module(path), builder.current(path)
    if found is None or text is None:
        return None
    mod = found.with_text(text)
    pages = [page for page in facts.code_pages if page.path == path]
    new = inline.after_tags(mod, pages, v.script_tag("html", text, url))
    if new == text:
        return skipped("identity-script", path, "identity script already loaded")
    builder.write(path, new, _REASON, mod.source.language)
    return applied("identity-script", path, _REASON)


def script_location(
    statics: list[tuple[str, str]], pages: list[tuple[str, str]], *, relative: bool
) -> tuple[str, str]:
    """Where the identity script goes (a path in a static folder) and its URL: beside the
    scripts the pages (`(path, text)`) load from a static folder, referenced as they are
    (`relative`: also a page's relative `src`, for static HTML pages); else the first static
    folder's root."""
    for page, text in pages:
        for m in list(_SRC.finditer(text)) + list(_PUG_SRC.finditer(text)):
            src = m.group("src").split("?")[0]
            if "//" in src or src.startswith("data:"):
                continue
            if src.startswith("/"):
                for directory, url in statics:
                    base = "/" + url.strip("/")
                    base = "" if base == "/" else base
                    if src.startswith(base + "/"):
                        rel_dir = posixpath.dirname(src[len(base) + 1 :])
                        folder = posixpath.join(directory, rel_dir) if rel_dir else directory
                        return f"{folder}/{SCRIPT}", posixpath.join(posixpath.dirname(src), SCRIPT)
            elif relative and page.endswith(".html"):
                rel_dir = posixpath.dirname(src)
                folder = posixpath.normpath(posixpath.join(posixpath.dirname(page), rel_dir))
                return f"{folder}/{SCRIPT}", f"{rel_dir}/{SCRIPT}" if rel_dir else SCRIPT
    directory, url = statics[0]
    base = "/" + url.strip("/")
    return f"{directory}/{SCRIPT}", (base.rstrip("/") + "/" + SCRIPT)
