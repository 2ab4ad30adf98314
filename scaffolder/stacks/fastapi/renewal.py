"""Long-open pages: a server-rendered page's token lasts an hour, so the page loads the identity
script (`renews_inline`), which renews it from the endpoint before it expires. The script goes
in the app's `StaticFiles` directory and is loaded right after the widget tag, at the URL
`url_for` gives the mount (https://fastapi.tiangolo.com/advanced/templates/#templates-and-static-files);
an app that serves no static files is told how to, as a next step."""

from __future__ import annotations

import posixpath
import re

from scaffolder.escape import html_attr
from scaffolder.markup import insert_after_widget_tag
from scaffolder.plan import PlanBuilder
from scaffolder.stacks.fastapi.detect import StaticMount
from scaffolder.stacks.fastapi.facts import Chosen, FastAPIFacts, Wiring, static_mount
from scaffolder.steps import RENEWAL_REASON, SCRIPT, StepResult, applied, identity_script, skipped
from scaffolder.templating import render

ENDPOINT_FUNCTION = "def read_widget_token("
_MOUNT_NAME = re.compile(r"[A-Za-z0-9_.:-]+")


def serves_endpoint(builder: PlanBuilder, module: str) -> bool:
    """Whether the token module at `module` (as planned, or already there) serves the
    endpoint the script renews the token from."""
    return ENDPOINT_FUNCTION in (builder.current(module) or "")


def script(
    facts: FastAPIFacts, choices: Chosen, w: Wiring, module: str, builder: PlanBuilder
) -> StepResult | None:
    """The identity script in the static directory, loaded right after the widget tag (in the
    template that holds it, so in the same block and under the same conditions)."""
    if not serves_endpoint(builder, module):
        return None  # a token module of an earlier apply, kept: its step said so
    layout = choices.layout
    page = w.widget[0] if w.widget is not None else layout.template.path if layout else None
    text = builder.current(page) if page is not None else None
    if page is None or text is None:
        return None  # no layout: the layout-tag step said why
    if SCRIPT in text:
        return skipped("identity-script", page, "identity script already loaded")
    static = static_mount(facts)
    if static is None or static.directory is None:
        builder.next_step(
            "Pages keep their widget token for an hour: to renew it while a page stays open, "
            f'serve static files (`{facts.app.var}.mount("/static", StaticFiles(directory='
            f'"static"), name="static")`) and run apply again; it then adds {SCRIPT} there, '
            "loaded after the widget tag"
        )
        return None
    new = insert_after_widget_tag(text, [f'<script src="{_src(static)}"></script>'])
    if new is None:
        return None  # no closed widget tag there to follow
    body = render(
        "browser/bestchatbot-identity.js.j2", endpoint=choices.endpoint_url, renews_inline=True
    )
    identity_script(builder, posixpath.join(static.directory, SCRIPT), body, reason=RENEWAL_REASON)
    reason = f"load the identity script: renews the page's token from {choices.endpoint_url}"
    builder.write(page, new, reason, "jinja")
    return applied("identity-script", page, reason)


def _src(static: StaticMount) -> str:
    """The script's URL as the templates write it: `url_for` with the mount's name (right under
    a proxy's root_path too), else the mount's path."""
    if static.name and _MOUNT_NAME.fullmatch(static.name):
        return f"{{{{ url_for('{static.name}', path='{SCRIPT}') }}}}"
    return html_attr(f"{static.url.rstrip('/')}/{SCRIPT}")
