"""The questions, notes and warnings every stack asks or gives, written once.

A stack's reporting hooks call these instead of spelling the text out, so a rule that must hold
everywhere (when the API key is asked, what a missing name claim means, why a page cache moves
the token to the endpoint, what a Content-Security-Policy needs) has one copy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scaffolder.model import Evidence, Note, Question, WidgetReport

if TYPE_CHECKING:
    from scaffolder.proxies import Forward

WIDGET_HOST = "https://widget.bestchatbot.io"


def api_key_question(tag: str = "tag") -> Question:
    """The widget is missing, so its tag needs the public key (`tag`: how the stack calls it,
    e.g. Next.js's `<Script>`)."""
    return Question(
        "api_key",
        f"The widget {tag} is missing: what is your BestChatBot API key (data-api-key, "
        "from the dashboard's widget settings; it is public)?",
    )


def email_question(text: str) -> Question:
    """No email field on the user: the stack says where it looked and gives an example chain."""
    return Question("email_expr", text)


def no_name_note(searched: bool = True) -> Note:
    """No name for the token (`searched`: the stack looked for a display-name field; Next.js's
    providers read a fixed profile, so its note only says what the token lacks)."""
    if not searched:
        return Note("the token carries no `name` claim (pass --name-expr to add one)")
    return Note(
        "no display-name field found: the token carries no `name` claim "
        "(recommended; pass --name-expr to add one)"
    )


def widget_found(
    path: str,
    line: int,
    has_user_token: bool,
    why: str = "BestChatBot widget <script> tag",
    also: tuple[Evidence, ...] = (),
) -> WidgetReport:
    """The widget tag is already there (the report points at it; `also`: the other tags)."""
    return WidgetReport(True, path, line, has_user_token, (Evidence(path, line, why), *also))


def widget_target(path: str, line: int, why: str) -> WidgetReport:
    """The widget tag is missing; this is where it goes."""
    return WidgetReport(False, path, line, False, (Evidence(path, line, why),))


def page_cache_note(
    file: str | None,
    line: int | None,
    *,
    because: str = "",
    token: str = "an inline token could be served to the wrong visitor",
    what: str = "page cache in play",
) -> Note:
    """A page cache makes the endpoint the default delivery (`because`: what cache, when known;
    `what`: the stack's words for it, e.g. "home() is page-cached")."""
    cause = f" ({because})" if because else ""
    return Note(
        f"{what}{cause}: {token}, so the token endpoint is the default delivery",
        file,
        line,
    )


def csp_warning(evidence: Evidence, directives: str = "script-src and connect-src") -> str:
    """A Content-Security-Policy that would block the widget unless its host is allowed."""
    return (
        f"{evidence.location()}: {evidence.why}; allow {WIDGET_HOST} in its {directives}, "
        "or the browser will block the widget."
    )


def proxy_note(forward: Forward, prefix: str, default: str) -> Note:
    """A proxy in front of the app forwards only some prefixes: the endpoint moved under one."""
    return Note(
        f"{forward.evidence.why}, and the browser reaches the app only through what it "
        f"forwards: the endpoint is {prefix.rstrip('/')}/widget-token, not under {default} "
        "(pass --api-prefix to choose another)",
        forward.evidence.file,
        forward.evidence.line,
    )


def proxy_question(forward: Forward, offered: tuple[str, ...]) -> Question:
    """The proxy forwards prefixes none of the app's routes live under (or several do)."""
    return Question(
        "api_prefix",
        f"{forward.evidence.location()}: {forward.evidence.why}; the browser reaches the app "
        "only through the prefixes the proxies in front of it forward: under which one should "
        "GET <prefix>/widget-token be served?",
        offered,
    )
