"""What every stack tells a single-page app: call the identity script's refresh() after
sign-in and sign-out, pointing at the app's own sign-in / sign-out calls where it can find them;
or, where the app's auth code announces them with DOM events (django-allauth headless's
`allauth.auth.change`), the events the identity script follows instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from scaffolder.plan import PlanBuilder
from scaffolder.project import Project

REFRESH = "Call window.BestChatBotIdentity.refresh() right after your app signs a user in or out"

# A request to a sign-in / sign-out / session URL: fetch("/api/login"), axios.post(`/logout`)...
_SIGN_CALL = re.compile(
    r"""(fetch|axios\.\w+|\$\.\w+|request|api\.\w+)\s*\(\s*[`'"][^`'"]*"""
    r"""(login|logout|signin|signout|sign-in|sign-out|session)""",
    re.IGNORECASE,
)


def sign_in_calls(project: Project, sources: Iterable[str]) -> list[str]:
    """`path:line` of each call in the app's JS that looks like a sign-in or sign-out request."""
    calls = []
    for source in sources:
        body = project.text(source) or ""
        calls += [
            f"{source}:{body.count(chr(10), 0, m.start()) + 1}" for m in _SIGN_CALL.finditer(body)
        ]
    return calls


def refresh_next_step(builder: PlanBuilder, project: Project, sources: Iterable[str]) -> None:
    calls = sign_in_calls(project, sources)
    where = f" (sign-in / sign-out calls: {', '.join(calls[:6])})" if calls else ""
    builder.next_step(REFRESH + where)


@dataclass(frozen=True)
class AuthEvents:
    """A DOM event the app dispatches when a user signs in or out, and how to tell which."""

    library: str
    event: str
    target: str
    """`document` or `window`: where the app dispatches it."""
    signed_in: str
    """A JS condition on the event (`event`) that holds when a user is signed in after it."""
    where: str
    """`path:line` of the dispatch."""


# (library, event, the condition for "signed in"): django-allauth's headless examples dispatch
# `allauth.auth.change` with the API's response (200 + meta.is_authenticated, or 401 / 410).
_EVENTS = (
    (
        "django-allauth headless",
        "allauth.auth.change",
        "event.detail?.status === 200 && event.detail.meta?.is_authenticated",
    ),
)
_DISPATCH = re.compile(r"\b(document|window)\s*\.\s*dispatchEvent\s*\(")


def auth_events(project: Project, sources: Iterable[str]) -> AuthEvents | None:
    """The sign-in / sign-out events the app's own code dispatches, if it does."""
    for source in sources:
        body = project.text(source) or ""
        dispatch = _DISPATCH.search(body)
        if dispatch is None:
            continue
        for library, event, signed_in in _EVENTS:
            m = re.search(rf"""[`'"]{re.escape(event)}[`'"]""", body)
            if m is not None:
                line = body.count("\n", 0, dispatch.start()) + 1
                target = dispatch.group(1)
                return AuthEvents(library, event, target, signed_in, f"{source}:{line}")
    return None
