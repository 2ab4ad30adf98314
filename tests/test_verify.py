"""`bcb-scaffold verify` against a real HTTP server on loopback serving clean integrations and
ones with one planted violation each; tokens signed by PyJWT, as the apps sign them."""

from __future__ import annotations

import contextlib
import http.server
import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import jwt
import pytest

from scaffolder import verify as v
from scaffolder.errors import UsageError
from tests.helpers import run
from tests.test_schemas import problems

KEY = "test-signing-key-" + "0123456789abcdef" * 4
OTHER_KEY = "another-key-" + "0123456789abcdef" * 4
WIDGET = "https://widget.bestchatbot.io/widget/v1/chat.js"
SESSION = "session=signed-in-ada"
SOON = {"email": "a@x.io", "exp": int(time.time()) + 600}

# What the fake app serves: (status, headers, body) for a signed-in and an anonymous request.
Responder = Callable[[bool], tuple[int, dict[str, str], str]]


def token(**overrides: Any) -> str:
    claims: dict[str, Any] = {
        "email": "ada@example.com",
        "name": "Ada",
        "user_id": "1",
        "exp": int(time.time()) + 3600,
    }
    claims.update(overrides)
    claims = {k: val for k, val in claims.items() if val is not None}
    return jwt.encode(claims, KEY, algorithm="HS256")


def page(tok: str | None) -> str:
    attr = f' data-user-token="{tok}"' if tok else ""
    tag = f'<script src="{WIDGET}" data-api-key="pk"{attr}></script>'
    return f"<html><body><p>hi</p>{tag}</body></html>"


@contextlib.contextmanager
def serve(respond: Responder) -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            signed_in = "signed-in-ada" in (self.headers.get("Cookie") or "") or (
                self.headers.get("Authorization") == "Bearer ada"
            )
            status, headers, body = respond(signed_in)
            data = body.encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def pages(signed: str | None, anonymous: str | None = None, cache: str = "private") -> Responder:
    def respond(signed_in: bool) -> tuple[int, dict[str, str], str]:
        headers = {"Content-Type": "text/html", "Cache-Control": cache}
        return 200, headers, page(signed if signed_in else anonymous)

    return respond


def endpoint(
    signed: str | None, anonymous: str | None = None, cache: str = "no-store"
) -> Responder:
    def respond(signed_in: bool) -> tuple[int, dict[str, str], str]:
        tok = signed if signed_in else anonymous
        status = 200 if tok else 401
        return (
            status,
            {"Content-Type": "application/json", "Cache-Control": cache},
            json.dumps({"token": tok}),
        )

    return respond


def failed(report: v.Report) -> list[str]:
    return [c.rule for c in report.checks if not c.ok]


def test_a_clean_page_passes_every_rule() -> None:
    with serve(pages(token(email="ada@example.com"))) as base:
        report = v.verify(base + "/", key=KEY, cookies=(SESSION,))
    assert report.ok and failed(report) == []
    assert report.claims is not None and report.claims["email"] == "ada@example.com"
    assert {c.rule for c in report.checks} >= {
        "token-present", "algorithm", "signature", "email", "email-lowercase", "exp",
        "exp-window", "anonymous", "private",
    }  # fmt: skip


def test_a_clean_endpoint_passes_with_a_bearer_header() -> None:
    with serve(endpoint(token())) as base:
        report = v.verify(
            base, key=KEY, headers=("Authorization: Bearer ada",), endpoint="/api/widget-token"
        )
    assert report.ok, report.checks
    assert report.delivery == "token-endpoint" and "no-store" in {c.rule for c in report.checks}


@pytest.mark.parametrize(
    ("respond", "rule"),
    [
        (pages(jwt.encode(SOON, KEY, "HS512")), "algorithm"),
        (pages(jwt.encode(SOON, OTHER_KEY, "HS256")), "signature"),
        (pages(token(email="Ada@Example.com")), "email-lowercase"),
        (pages(token(email=None)), "email"),
        (pages(token(exp=None)), "exp"),
        (pages(token(exp=int(time.time()) + 48 * 3600)), "exp-window"),
        (pages(token(exp=int(time.time()) - 3600)), "exp-window"),
        (pages(token(), anonymous=token()), "anonymous"),
        (pages(None), "token-present"),
        (pages("not.a.jwt"), "jwt"),
        (endpoint(token(), cache="private, max-age=60"), "no-store"),
        (endpoint(token(), anonymous=token()), "anonymous"),
        (endpoint(None), "token-present"),
    ],
)  # fmt: skip
def test_each_planted_violation_fails_its_rule(respond: Responder, rule: str) -> None:
    delivery = "/api/widget-token" if respond.__qualname__.startswith("endpoint") else None
    with serve(respond) as base:
        report = v.verify(base + "/", key=KEY, cookies=(SESSION,), endpoint=delivery)
    assert not report.ok
    assert rule in failed(report), report.checks
    assert failed(report) == [rule]  # exactly the planted one


def test_a_cacheable_page_is_a_warning_not_a_failure() -> None:
    with serve(pages(token(), cache="public, max-age=300")) as base:
        report = v.verify(base, key=KEY, cookies=(SESSION,))
    assert report.ok and failed(report) == ["private"]
    assert next(c for c in report.checks if c.rule == "private").severity == "warning"


def test_a_redirect_to_the_login_is_an_invalid_session() -> None:
    def respond(signed_in: bool) -> tuple[int, dict[str, str], str]:
        return 302, {"Location": "/login"}, ""

    with serve(respond) as base:
        report = v.verify(base, key=KEY, cookies=("session=expired",))
    assert failed(report)[0] == "signed-in"
    assert "/login" in report.checks[0].message


@pytest.mark.parametrize(
    "url",
    ["http://example.com/", "https://10.0.0.5/", "ftp://127.0.0.1/", "http://user:pw@127.0.0.1/"],
)
def test_only_loopback_urls_without_credentials(url: str) -> None:
    with pytest.raises(UsageError):
        v.verify(url, key=KEY, cookies=(SESSION,))


@pytest.mark.parametrize(
    ("cookies", "headers", "endpoint"),
    [
        ((), (), None),  # no credentials: nothing to verify as a signed-in user
        (("session",), (), None),
        (("a=b\r\nX-Evil: 1",), (), None),
        ((), ("Authorization: Bearer x\r\nHost: evil",), None),
        ((), ("Host: evil",), None),
        ((SESSION,), (), "api/widget-token"),
        ((SESSION,), (), "/api/../admin"),
    ],
)
def test_bad_answers_are_refused(
    cookies: tuple[str, ...], headers: tuple[str, ...], endpoint: str | None
) -> None:
    with pytest.raises(UsageError):
        v.verify(
            "http://127.0.0.1:9/", key=KEY, cookies=cookies, headers=headers, endpoint=endpoint
        )


def test_an_unreachable_app_is_a_usage_error() -> None:
    with serve(pages(token())) as base:
        pass  # the server is gone now: its port refuses
    with pytest.raises(UsageError, match="cannot reach"):
        v.verify(base, key=KEY, cookies=(SESSION,), timeout=2)


def test_the_cli_prints_claims_never_the_token_key_or_cookie(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BESTCHATBOT_SIGNING_KEY", KEY)
    tok = token()
    with serve(pages(tok)) as base:
        result = run("verify", base, "--cookie", SESSION)
        as_json = run("verify", base, "--cookie", SESSION, "--json")
    assert result.exit_code == 0, result.output
    assert "ada@example.com" in result.output
    for secret in (tok, KEY, "signed-in-ada"):
        assert secret not in result.output and secret not in as_json.output
    document = json.loads(as_json.output)
    assert document["schema"] == "bcb-scaffold/verify@1" and document["ok"] is True
    assert problems(document) == []


def test_the_cli_exits_8_on_a_violation_and_2_without_the_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with serve(pages(token(email="Ada@Example.com"))) as base:
        monkeypatch.delenv("BESTCHATBOT_SIGNING_KEY", raising=False)
        assert run("verify", base, "--cookie", SESSION).exit_code == 2
        monkeypatch.setenv("BESTCHATBOT_SIGNING_KEY", KEY)
        result = run("verify", base, "--cookie", SESSION)
    assert result.exit_code == 8
    assert "FAIL email-lowercase" in result.output
