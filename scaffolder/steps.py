"""Named plan steps every stack shares: each returns a `StepResult` instead of raising.

A stack's plan is a short list of these steps with its own content (the module text, the tag,
the manifest). A step reports `applied` (it planned an edit), `skipped` (nothing to do, and why),
`manual` (the edit is not safe: the reason says what to paste where, and `snippet` holds the
code, Sentry-wizard style) or `conflict`
(the path belongs to someone else). `run` turns the last two into the documented errors in one
place, so nothing deep inside a step raises.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from scaffolder.errors import BadInput, Refused
from scaffolder.escape import html_attr
from scaffolder.markup import WIDGET_SRC
from scaffolder.model import Evidence
from scaffolder.plan import PlanBuilder
from scaffolder.reporting import csp_warning

SCRIPT = "bestchatbot-identity.js"
"""The browser script syncing the widget's user with sign-in (setUserToken / clearUserToken)."""
RENEWAL_REASON = "new: renews the page's widget token from the endpoint before it expires"
"""Why the script is written for server-rendered pages (its `renews_inline` mode)."""

Outcome = Literal["applied", "skipped", "manual", "conflict"]


@dataclass(frozen=True)
class StepResult:
    """What a step did to `path`: its outcome, why, and for `manual` the snippet to paste."""

    step: str
    outcome: Outcome
    path: str
    reason: str
    snippet: str = ""


def applied(step: str, path: str, reason: str) -> StepResult:
    return StepResult(step, "applied", path, reason)


def skipped(step: str, path: str, reason: str) -> StepResult:
    return StepResult(step, "skipped", path, reason)


def manual(step: str, path: str, reason: str, snippet: str) -> StepResult:
    return StepResult(step, "manual", path, reason, snippet)


def conflict(step: str, path: str, reason: str) -> StepResult:
    return StepResult(step, "conflict", path, reason)


Step = Callable[[PlanBuilder], StepResult | None]
"""A planned step, bound to its content; None when it does not apply to this app."""


def run(builder: PlanBuilder, steps: Iterable[Step]) -> list[StepResult]:
    """Run the steps in order. A conflict refuses the whole plan (exit 5) and a manual snippet
    is a bad-input error naming what to paste (exit 6): nothing is written in either case."""
    results = []
    for step in steps:
        result = step(builder)
        if result is None:
            continue
        if result.outcome == "conflict":
            raise Refused(result.reason)
        if result.outcome == "manual":
            raise BadInput(f"{result.path}: {result.reason}")
        if result.outcome == "skipped":
            builder.skip(result.path, result.reason)
        results.append(result)
    return results


# -- generated file ------------------------------------------------------------------------------


def generated_file(
    builder: PlanBuilder,
    path: str,
    text: str,
    *,
    reason: str,
    language: str,
    ours: Sequence[str],
    already: str,
    refusal: str,
) -> StepResult:
    """A file bcb-scaffold generates: new (written), already ours (every `ours` marker is in
    it: skipped with `already`), or someone else's (a conflict, with `refusal` as the message)."""
    existing = builder.current(path)
    if existing is None:
        builder.write(path, text, reason, language)
        return applied("generated-file", path, reason)
    if all(marker in existing for marker in ours):
        return skipped("generated-file", path, already)
    return conflict("generated-file", path, refusal)


# -- the widget tag and the identity script ------------------------------------------------------


def widget_tag(api_key: str, attributes: str = "") -> str:
    """The widget `<script>` with the escaped public key; `attributes` (the stack's templated
    `data-user-token`, with its leading space or template tag) follow the key."""
    return f'<script src="{WIDGET_SRC}" data-api-key="{html_attr(api_key)}"{attributes}></script>'


def identity_script(
    builder: PlanBuilder,
    path: str,
    text: str | None = None,
    *,
    endpoint: str = "",
    reason: str = "new: syncs the widget's user with sign-in (setUserToken / clearUserToken)",
) -> StepResult | None:
    """Write the browser identity script at `path` unless it is already planned or there
    (`text`: the stack's own rendering; default: the shared template for `endpoint`); None
    when there is nothing to do (the page that loads it reports that)."""
    if builder.current(path) is not None:
        return None
    from scaffolder.templating import render  # Jinja2 only when planning

    body = (
        text
        if text is not None
        else render("browser/bestchatbot-identity.js.j2", endpoint=endpoint)
    )
    builder.write(path, body, reason, "javascript")
    return applied("identity-script", path, reason)


# -- warnings ------------------------------------------------------------------------------------


def csp_warnings(
    builder: PlanBuilder,
    csp: Iterable[Evidence],
    directives: str = "script-src and connect-src",
) -> None:
    """One warning per Content-Security-Policy that would block the widget."""
    for e in csp:
        builder.warn(csp_warning(e, directives))
