"""CORS configurations that let any web site read a signed-in visitor's responses.

A CORS policy that answers every origin with `Access-Control-Allow-Credentials: true` (the
request's Origin reflected as it is, or `*` and a catch-all regex that the library turns into
the request's origin) lets a page on any site call `GET <prefix>/widget-token` with the
visitor's cookies and read the token: that site can then impersonate the visitor in the chat.
The finders (`python`, `javascript`: one per library, pure, never running the project) return
each such configuration with its `path:line`; an allow-list of origins, a fixed origin, and a
`*` the browser refuses with credentials yield nothing, and so does a value they cannot read
statically. `inspect` reports them as `cors-credentials` findings, `apply` warns where one
covers the endpoint it serves (and that endpoint then refuses cross-site cookie requests:
`Sec-Fetch-Site`), and `bcb-scaffold check` flags an integration whose endpoint it covers.

Fetch Metadata: https://www.w3.org/TR/fetch-metadata/ (`Sec-Fetch-Site` is sent by every
current browser; a request another site's page makes is `cross-site`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from scaffolder.model import Evidence, Finding

if TYPE_CHECKING:  # planning's modules load when a plan is made, not for `inspect`
    from scaffolder.plan import PlanBuilder

KIND = "cors-credentials"
"""The inspect finding's kind."""
REFUSAL = re.compile(r"(?i)sec[-_]fetch[-_]site")
"""What marks an endpoint that refuses cross-site cookie requests: the header it tests (or
its WSGI name, `HTTP_SEC_FETCH_SITE`)."""
PROBE = "https://attacker.invalid"
"""An origin no allow-list names: a pattern that matches it matches any origin."""
DEV_MODULE = re.compile(r"(?i)^(dev|develop|development|local|test|tests|testing|ci)$")
DEV_CLASS = re.compile(r"^(Dev|Test|Local)")
"""Settings modules (their last dotted name) and config classes that production does not run
(`settings/dev.py`, `DevelopmentConfig`): a permissive policy there is a convenience of
development, not a finding."""


@dataclass(frozen=True)
class Permissive:
    """A CORS configuration that lets any origin read credentialed responses."""

    file: str
    line: int
    why: str
    """What it configures, in the project's own terms ("cors() with origin: true and
    credentials: true reflects any origin with credentials")."""
    fix: str
    """How to fix it with that library (an allow-list of the app's own frontends)."""
    scope: str | None = None
    """The request paths it covers, as a regular expression matched at the path's start
    (`re.match`); None: every path."""

    def evidence(self) -> Evidence:
        return Evidence(self.file, self.line, self.why)

    def reaches(self, path: str) -> bool:
        """Whether it covers requests to `path` (an unreadable scope is taken to)."""
        if self.scope is None:
            return True
        try:
            return re.match(self.scope, path) is not None
        except re.error:
            return True


def matches_any_origin(pattern: str, how: Literal["fullmatch", "match", "search"]) -> bool:
    """Whether an origin pattern (in Python's `re` syntax, which the catch-alls share with
    JavaScript's) accepts an origin no allow-list names, matched as the library does:
    `fullmatch` (Starlette), `match` (django-cors-headers, Flask-CORS), `search` (a
    JavaScript RegExp's `test`)."""
    try:
        compiled = re.compile(pattern)
    except re.error:
        return False
    return getattr(compiled, how)(PROBE) is not None


def prefix_scope(path: str) -> str:
    """The scope of a middleware mounted at `path` (Express's `app.use("/api", ...)`)."""
    return re.escape(path.rstrip("/")) + r"(/|$)" if path.strip("/") else ".*"


def findings(found: Iterable[Permissive]) -> list[Finding]:
    """The `cors-credentials` findings of `inspect`."""
    return [Finding(KIND, p.why, (p.evidence(),)) for p in found]


def reaching(found: Iterable[Permissive], endpoint: str) -> list[Permissive]:
    """The configurations that cover the endpoint's URL."""
    return [p for p in found if p.reaches(endpoint)]


def warning(p: Permissive, endpoint: str, *, refused: bool) -> str:
    """`apply`'s warning: what any site can do, the fix, and what the endpoint does meanwhile
    (`refused`: it answers cross-site cookie requests 403)."""
    meanwhile = (
        "; meanwhile the endpoint answers 403 to cross-site requests that carry cookies and no "
        "Authorization header (Sec-Fetch-Site)"
        if refused
        else ""
    )
    return (
        f"{p.file}:{p.line}: {p.why}: any web site can read a signed-in visitor's widget token "
        f"from {endpoint} and impersonate them in the chat; {p.fix}{meanwhile}."
    )


def warn(found: Iterable[Permissive], endpoint: str, module: str, builder: PlanBuilder) -> None:
    """The plan's warnings for the configurations covering `endpoint`, served from `module`
    (as planned: whether it refuses cross-site cookie requests)."""
    refused = REFUSAL.search(builder.current(module) or "") is not None
    for p in found:
        builder.warn(warning(p, endpoint, refused=refused))
