"""The rules `bcb-scaffold check` audits an integration against, and what a checker reports.

Each language's checker (python.py, javascript.py, php.py) reads the project's files and
returns `Found`: the integration's sites (where a widget token is minted, where the widget tag
loads, where setUserToken / clearUserToken are called) and the violations, each naming a rule
of `RULES` by id. The rule table is the single source of the README's table, the JSON's
severities and SARIF's rule metadata.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]
SiteKind = Literal["mint", "widget-tag", "set-token", "clear-token", "endpoint"]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    title: str
    """What is wrong, in a few words (the README table's and SARIF's short description)."""
    fix: str
    """How to fix it (SARIF's help, the text report's hint)."""


RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        Rule(
            "alg-not-hs256",
            "error",
            "the token is not signed with HS256, or the algorithm is left to the library's default",
            "pass HS256 explicitly (`algorithm=\"HS256\"`, `{ algorithm: 'HS256' }`, "
            "`setProtectedHeader({ alg: 'HS256' })`, `JWT::encode(..., 'HS256')`)",
        ),
        Rule(
            "key-literal",
            "error",
            "the signing key is a literal in the code",
            "read it from the environment: BESTCHATBOT_SIGNING_KEY, set on the server only",
        ),
        Rule(
            "key-default",
            "error",
            "the signing key falls back to a default when the variable is unset",
            "no default: when BESTCHATBOT_SIGNING_KEY is unset, mint no token and log one line",
        ),
        Rule(
            "key-public-env",
            "error",
            "the signing key is read from a variable the bundler ships to the browser",
            "use BESTCHATBOT_SIGNING_KEY, never a NEXT_PUBLIC_ / VITE_ / REACT_APP_ / PUBLIC_ name",
        ),
        Rule(
            "key-in-client",
            "error",
            "the signing key is referenced from client code or rendered into a page",
            "sign on the server only (a route handler, a view, a server component); send the "
            "browser the token, never the key",
        ),
        Rule(
            "email-not-lowercased",
            "error",
            "the email claim is not lowercased on every path",
            "sign `email.lower()` / `email.toLowerCase()` / `strtolower($email)`",
        ),
        Rule(
            "exp-missing",
            "error",
            "the token has no `exp` claim",
            "add exp: now + 1 hour (at most 24 hours)",
        ),
        Rule(
            "exp-too-long",
            "error",
            "the token lives longer than 24 hours",
            "exp at most 24 hours from now; 1 hour is the recommended lifetime",
        ),
        Rule(
            "no-auth-guard",
            "error",
            "a token is minted without checking that the visitor is signed in",
            "mint only for an authenticated user (`is_authenticated`, `current_user`, "
            "`auth()` / `getUser()` returning a user, `is_user_logged_in()`); guests get none",
        ),
        Rule(
            "guest-token",
            "error",
            "a token is minted for guest or anonymous identities",
            "skip anonymous users (Supabase `is_anonymous`, Firebase anonymous sign-in, "
            "guest sessions): they get no token",
        ),
        Rule(
            "email-from-client",
            "error",
            "the email comes from client input (body, query, headers, cookies)",
            "read the email from the server-side session or the verified user, never the request",
        ),
        Rule(
            "provider-token-forwarded",
            "error",
            "the auth provider's own token is handed to the widget",
            "sign a fresh BestChatBot token with BESTCHATBOT_SIGNING_KEY; never forward Clerk / "
            "Supabase / Firebase / Auth0 tokens",
        ),
        Rule(
            "supabase-get-session",
            "error",
            "the Supabase user is read with getSession() on the server",
            "use `supabase.auth.getUser()` (it verifies the session with Supabase); "
            "getSession() trusts the cookie as it is",
        ),
        Rule(
            "inline-token-page-cache",
            "error",
            "an inline token is rendered on a page a page cache serves",
            "deliver the token through the endpoint (`GET /api/widget-token` + setUserToken), "
            "or exclude the page from the cache",
        ),
        Rule(
            "endpoint-no-store",
            "error",
            "the token endpoint does not send Cache-Control: no-store",
            "set `Cache-Control: no-store` on the endpoint's responses",
        ),
        Rule(
            "endpoint-cors-credentials",
            "error",
            "the token endpoint is readable by any web site with the visitor's cookies (CORS)",
            "allow only the app's own frontends as CORS origins with credentials (no reflected "
            "origin, no `*` or catch-all pattern), or refuse cross-site cookie requests in the "
            "endpoint (`Sec-Fetch-Site: cross-site` without an Authorization header: 403)",
        ),
        Rule(
            "spa-no-clear",
            "warning",
            "clearUserToken() is never called on sign-out",
            "call `window.BestChatBot.clearUserToken()` when the user signs out",
        ),
    )
}


@dataclass(frozen=True)
class Violation:
    rule: str
    """An id of RULES."""
    file: str
    """Relative to the project root, `/`-separated."""
    line: int
    message: str
    """What is wrong at this place, in the project's own terms (names the variable, the call)."""

    @property
    def severity(self) -> Severity:
        return RULES[self.rule].severity


@dataclass(frozen=True)
class Site:
    kind: SiteKind
    file: str
    line: int
    what: str
    """e.g. "jwt.encode(...) in widget_token()", "the widget <script> tag"."""


@dataclass
class Found:
    sites: list[Site] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)

    def extend(self, other: Found) -> None:
        self.sites.extend(other.sites)
        self.violations.extend(other.violations)


@dataclass(frozen=True)
class Sources:
    """The files a checker reads: the project's (as listed by `Project`, git-ignored ones left
    out), with `overlay` texts taking precedence (the files `apply` is about to write, so the
    plan is checked before anything is written)."""

    paths: tuple[str, ...]
    read: Callable[[str], str | None]
    overlay: Mapping[str, str] = field(default_factory=dict)

    def text(self, path: str) -> str | None:
        if path in self.overlay:
            return self.overlay[path]
        return self.read(path)

    def with_suffix(self, *suffixes: str) -> Iterable[str]:
        seen = dict.fromkeys([*self.paths, *self.overlay])
        return [p for p in seen if p.endswith(suffixes)]


Checker = Callable[[Sources], Found]
"""A language's checker: every site and violation in the files of its suffixes. It never
executes or imports the project; a file it cannot parse is skipped (never stops the run)."""
