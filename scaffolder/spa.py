"""What every stack tells a single-page app: call the identity script's refresh() after
sign-in and sign-out, pointing at the app's own sign-in / sign-out calls where it can find them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

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
