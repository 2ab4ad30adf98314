"""`bcb-scaffold verify`: check a running app's widget token against the contract, live.

It fetches the page (the token in the widget tag's `data-user-token`) or the token endpoint
(`{"token": ...}`) twice on loopback: signed in, with the cookie or header the user gives, and
anonymously. It decodes the signed-in token with `BESTCHATBOT_SIGNING_KEY` from the environment
and reports each rule. It prints the claims, never the key, the token or the credentials.

Standard library only (urllib, hmac): the check must not depend on the JWT library it audits.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, Literal

from scaffolder.documents import VERIFY_SCHEMA
from scaffolder.errors import UsageError
from scaffolder.markup import WIDGET_SRC

KEY_ENV = "BESTCHATBOT_SIGNING_KEY"
MAX_LIFETIME = 24 * 3600
SKEW = 60
"""Seconds of clock difference tolerated between the app and this check."""

Severity = Literal["error", "warning"]

# Grammars of what the user passes: a cookie `name=value`, a header `Name: value`, an endpoint
# path. Credentials are sent, never printed.
_TOKEN_CHARS = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_COOKIE = re.compile(rf"({_TOKEN_CHARS})=([\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*)")
_HEADER = re.compile(rf"({_TOKEN_CHARS}):[ \t]*([\x20-\x7e\t]*)")
_PATH = re.compile(r"/(?:[A-Za-z0-9._~!$&'()*+,;=:@%-]+/?)*")
_FORBIDDEN_HEADERS = {"host", "content-length", "transfer-encoding", "connection"}


@dataclass(frozen=True)
class Check:
    rule: str
    ok: bool
    message: str
    severity: Severity = "error"

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "ok": self.ok,
            "severity": self.severity,
            "message": self.message,
        }


@dataclass
class Report:
    url: str
    delivery: Literal["script-attribute", "token-endpoint"]
    checks: list[Check] = field(default_factory=list)
    claims: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks if c.severity == "error")

    def add(
        self, rule: str, ok: bool, passed: str, failed: str, severity: Severity = "error"
    ) -> bool:
        self.checks.append(Check(rule, ok, passed if ok else failed, severity))
        return ok

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": VERIFY_SCHEMA,
            "url": self.url,
            "delivery": self.delivery,
            "ok": self.ok,
            "claims": self.claims,
            "checks": [c.to_json() for c in self.checks],
        }


@dataclass(frozen=True)
class Fetched:
    status: int
    headers: dict[str, str]
    body: str


# -- inputs -----------------------------------------------------------------------------------


def loopback_url(url: str) -> urllib.parse.SplitResult:
    """The URL, refused unless it is http(s) to a loopback host with no credentials in it."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"verify: {url!r} is not an http:// or https:// URL")
    if parts.username or parts.password:
        raise UsageError("verify: credentials go in --cookie or --header, not in the URL")
    host = parts.hostname
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise UsageError(
            f"verify: {host!r} is not a loopback address: verify runs against an app on this "
            "machine (localhost, 127.0.0.1, ::1), so the credentials never leave it"
        )
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise UsageError(f"verify: {url!r} has an invalid port") from None
    return parts


def credentials(cookies: tuple[str, ...], headers: tuple[str, ...]) -> dict[str, str]:
    """The request headers the signed-in fetch sends, from `--cookie` and `--header` answers."""
    out: dict[str, str] = {}
    pairs = []
    for given in cookies:
        match = _COOKIE.fullmatch(given)
        if match is None:
            raise UsageError(
                f"--cookie: expected NAME=VALUE (cookie characters only), got {len(given)} "
                "characters that are not one (the value is not shown)"
            )
        pairs.append(given)
    if pairs:
        out["Cookie"] = "; ".join(pairs)
    for given in headers:
        match = _HEADER.fullmatch(given)
        if match is None:
            raise UsageError(
                "--header: expected 'Name: value' on one line (the value is not shown)"
            )
        name = match.group(1)
        if name.lower() in _FORBIDDEN_HEADERS:
            raise UsageError(f"--header: {name} is set by verify itself")
        if name.lower() == "cookie" and "Cookie" in out:
            out["Cookie"] += "; " + match.group(2)
        else:
            out[name] = match.group(2)
    if not out:
        raise UsageError(
            "verify: pass the signed-in user's session as --cookie NAME=VALUE or --header "
            "'Name: value' (copy it from the browser's developer tools after signing in)"
        )
    return out


def endpoint_url(base: urllib.parse.SplitResult, endpoint: str) -> str:
    if not _PATH.fullmatch(endpoint) or "/../" in f"{endpoint}/" or "/./" in f"{endpoint}/":
        raise UsageError(f"--endpoint {endpoint!r}: expected a path such as /api/widget-token")
    return urllib.parse.urlunsplit((base.scheme, base.netloc, endpoint, "", ""))


# -- fetching ---------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is reported (the login page), never followed


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


def fetch(url: str, headers: dict[str, str], timeout: float) -> Fetched:
    request = urllib.request.Request(url, headers={"Accept": "*/*", **headers})
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return _fetched(response.status, response.headers, response.read())
    except urllib.error.HTTPError as exc:  # 3xx / 4xx / 5xx: an answer to report
        with exc:
            return _fetched(exc.code, exc.headers, exc.read())
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise UsageError(f"verify: cannot reach {url}: {reason}") from None


def _fetched(status: int, headers: Any, body: bytes) -> Fetched:
    return Fetched(
        status,
        {k.lower(): v for k, v in headers.items()},
        body[:2_000_000].decode("utf-8", "replace"),
    )


# -- reading the token ------------------------------------------------------------------------


class _WidgetTag(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found = False
        self.token: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and (values.get("src") or "").startswith(WIDGET_SRC):
            self.found = True
            self.token = self.token or values.get("data-user-token") or None


def token_in_page(html: str) -> tuple[bool, str | None]:
    """(the widget tag is on the page, its data-user-token or None)."""
    parser = _WidgetTag()
    parser.feed(html)
    parser.close()
    return parser.found, parser.token


def token_in_body(body: str) -> str | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    token = data.get("token") if isinstance(data, dict) else None
    return token if isinstance(token, str) and token else None


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def decode(token: str, key: str) -> tuple[dict[str, Any], dict[str, Any], bool]:
    """(header, payload, signature valid for HS256 with `key`); ValueError when malformed."""
    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError("not a JWT (three dot-separated parts)")
    try:
        header = json.loads(_b64(parts[0]))
        payload = json.loads(_b64(parts[1]))
        signature = _b64(parts[2])
    except (ValueError, binascii.Error):
        raise ValueError("not a JWT (its parts are not base64url JSON)") from None
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise ValueError("not a JWT (header or payload is not a JSON object)")
    expected = hmac.new(key.encode(), f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
    return header, payload, hmac.compare_digest(expected, signature)


# -- the checks -------------------------------------------------------------------------------


def verify(
    url: str,
    *,
    key: str,
    cookies: tuple[str, ...] = (),
    headers: tuple[str, ...] = (),
    endpoint: str | None = None,
    timeout: float = 10.0,
    now: float | None = None,
) -> Report:
    base = loopback_url(url)
    signed_in = credentials(cookies, headers)
    if not key:
        raise UsageError(f"verify: set {KEY_ENV} in the environment (the key the app signs with)")
    target = endpoint_url(base, endpoint) if endpoint else url
    report = Report(target, "token-endpoint" if endpoint else "script-attribute")

    user = fetch(target, signed_in, timeout)
    anonymous = fetch(target, {}, timeout)
    token = _signed_in_token(report, user)
    if token is not None:
        _token_rules(report, token, key, time.time() if now is None else now)
    _anonymous_rules(report, anonymous)
    _cache_rules(report, user)
    return report


def _signed_in_token(report: Report, user: Fetched) -> str | None:
    if 300 <= user.status < 400:
        report.add(
            "signed-in",
            False,
            "",
            f"the signed-in request was redirected ({user.status} to "
            f"{user.headers.get('location', '?')}): the cookie or header is not a valid session",
        )
        return None
    if report.delivery == "token-endpoint":
        token = token_in_body(user.body)
        report.add(
            "token-present",
            token is not None,
            f"the endpoint returned a token to the signed-in user ({user.status})",
            f"the endpoint returned no token to the signed-in user (status {user.status}"
            + (", is BESTCHATBOT_SIGNING_KEY set in the app?" if user.status == 503 else "")
            + ")",
        )
        return token
    found, token = token_in_page(user.body)
    if not found:
        report.add("widget-tag", False, "", f"no widget tag ({WIDGET_SRC}) on the page")
        return None
    report.add(
        "token-present",
        token is not None,
        "the widget tag carries data-user-token for the signed-in user",
        "the widget tag has no data-user-token for the signed-in user (is the session valid, "
        "and BESTCHATBOT_SIGNING_KEY set in the app?)",
    )
    return token


def _token_rules(report: Report, token: str, key: str, now: float) -> None:
    try:
        header, payload, signed = decode(token, key)
    except ValueError as exc:
        report.add("jwt", False, "", f"the token is {exc}")
        return
    alg = header.get("alg")
    if not report.add(
        "algorithm", alg == "HS256", "signed with HS256", f"signed with {alg!r}, not HS256"
    ):
        return  # the widget rejects it whatever it holds
    if not report.add(
        "signature",
        signed,
        f"the signature verifies with {KEY_ENV}",
        f"the signature does not verify with {KEY_ENV} (another key, or a token the app did "
        "not sign itself: never forward the auth provider's token)",
    ):
        return  # claims of a token that is not ours are not worth reporting
    report.claims = {
        k: payload[k] for k in ("email", "name", "user_id", "exp", "iat") if k in payload
    }
    email = payload.get("email")
    if report.add(
        "email",
        isinstance(email, str) and "@" in email,
        "the email claim is present",
        "the email claim is missing or not an email",
    ):
        assert isinstance(email, str)
        report.add(
            "email-lowercase",
            email == email.lower(),
            "the email is lowercased",
            "the email is not lowercased (sign `email.lower()`)",
        )
    exp = payload.get("exp")
    if report.add(
        "exp",
        isinstance(exp, int | float) and not isinstance(exp, bool),
        "the exp claim is present",
        "the exp claim is missing or not a number (the widget rejects tokens without one)",
    ):
        assert isinstance(exp, int | float)
        left = exp - now
        report.add(
            "exp-window",
            -SKEW < left <= MAX_LIFETIME + SKEW,
            f"expires in {_duration(left)} (at most 24 h)",
            f"expired {_duration(-left)} ago"
            if left <= -SKEW
            else f"expires in {_duration(left)}: more than the 24 h the widget accepts",
        )


def _anonymous_rules(report: Report, anonymous: Fetched) -> None:
    if report.delivery == "token-endpoint":
        token = token_in_body(anonymous.body)
        report.add(
            "anonymous",
            token is None,
            f"an anonymous visitor gets no token ({anonymous.status})",
            "an anonymous visitor gets a token: mint tokens for signed-in users only",
        )
        return
    _, token = token_in_page(anonymous.body)
    report.add(
        "anonymous",
        token is None,
        "an anonymous visitor's page carries no data-user-token",
        "an anonymous visitor's page carries a data-user-token: mint tokens for signed-in users "
        "only",
    )


def _cache_rules(report: Report, user: Fetched) -> None:
    directives = {
        d.strip().split("=", 1)[0].lower()
        for d in user.headers.get("cache-control", "").split(",")
        if d.strip()
    }
    if report.delivery == "token-endpoint":
        report.add(
            "no-store",
            "no-store" in directives,
            "the endpoint's response is Cache-Control: no-store",
            "the endpoint's response lacks Cache-Control: no-store (a cache may serve one "
            "user's token to another)",
        )
        return
    report.add(
        "private",
        bool(directives & {"private", "no-store"}),
        "the page carrying the token is not cacheable by shared caches",
        "the page carrying the token has no Cache-Control: private or no-store (a shared "
        "cache may serve it, token included, to another visitor)",
        "warning",
    )


def _duration(seconds: float) -> str:
    seconds = abs(seconds)
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def text(report: Report) -> str:
    """The report for a terminal: one line per rule, then the claims (never the token)."""
    lines = [f"verify {report.url} ({report.delivery})"]
    for check in report.checks:
        mark = "ok  " if check.ok else ("FAIL" if check.severity == "error" else "warn")
        lines.append(f"  {mark} {check.rule}: {check.message}")
    if report.claims is not None:
        claims = ", ".join(f"{k}={v!r}" for k, v in report.claims.items())
        lines.append(f"claims: {claims}")
    failed = sum(not c.ok and c.severity == "error" for c in report.checks)
    lines.append(
        "verified: the token meets the contract" if report.ok else f"{failed} rule(s) failed"
    )
    return "\n".join(lines)
