"""The patched classic theme served over HTTP by `php -S` with the WordPress stand-ins
(tests/php/server.php): the user signs in through the stand-in wp-login.php, the signed-in page's
real response headers are private, a visitor's are not, and `bcb-scaffold verify` agrees."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import apply_twice, copy_fixture, run

pytestmark = pytest.mark.e2e
SERVER = Path(__file__).resolve().parent / "php" / "server.php"
ADA = {
    "ID": 7,
    "user_login": "ada",
    "user_email": "Ada.Lovelace@Example.COM",
    "display_name": "Ada Lovelace",
}


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@contextmanager
def php_server(
    root: Path, headers: dict[str, str] | None, pages: dict[str, Any] | None = None
) -> Iterator[str]:
    """The patched theme on a free loopback port; `headers`: what core or a plugin sets;
    `pages`: the query each request path is for (the front page otherwise)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    site = {
        "require": [str(root / "functions.php")],
        "template": str(root / "footer.php"),
        "users": {"ada": ["analytical-engine", ADA]},
        "headers": headers,
        "pages": pages or {},
    }
    environ = {**os.environ, "WP_STUB_SITE": json.dumps(site), "WP_STUB_THEME_DIR": str(root)}
    server = subprocess.Popen(
        ["php", "-S", f"127.0.0.1:{port}", str(SERVER)],
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def sign_in(base: str, password: str) -> tuple[int, str | None]:
    """POST the login form: its status and the `name=value` of the cookie it sets."""
    form = urllib.parse.urlencode({"log": "ada", "pwd": password}).encode()
    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as answer:  # 302 (not followed) or 401
        opener.open(f"{base}/wp-login.php", data=form, timeout=10)
    answer.value.close()
    cookie = answer.value.headers["Set-Cookie"]
    return answer.value.code, None if cookie is None else str(cookie).split(";", 1)[0]


def cache_control(base: str, cookie: str | None = None) -> str | None:
    request = urllib.request.Request(f"{base}/", headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert "widget.bestchatbot.io" in response.read().decode()
        value = response.headers["Cache-Control"]
        return None if value is None else str(value)


CORE = "no-cache, must-revalidate, max-age=0, no-store, private"  # WordPress 6.3+
OLDER = "no-cache, must-revalidate, max-age=0"  # WordPress before 6.3


@pytest.mark.parametrize(
    ("headers", "signed_in", "visitor"),
    [
        (None, CORE, None),  # core's own headers: kept as they are
        ({"Cache-Control": OLDER}, f"{OLDER}, private", OLDER),
        ({"Cache-Control": "public, max-age=600"}, "max-age=600, private", "public, max-age=600"),
        ({"Cache-Control": "no-store"}, "no-store", "no-store"),  # never weakened
    ],
)
def test_signed_in_page_is_private_and_verify_agrees(
    tmp_path: Path,
    signing_key: str,
    headers: dict[str, str] | None,
    signed_in: str,
    visitor: str | None,
) -> None:
    root = copy_fixture("wp-classic-theme", tmp_path)
    apply_twice(root)
    with php_server(root, headers) as base:
        assert sign_in(base, "difference-engine") == (401, None)
        status, cookie = sign_in(base, "analytical-engine")
        assert status == 302 and cookie is not None
        assert cache_control(base, cookie) == signed_in
        assert cache_control(base) == visitor  # a visitor's page: as core or the plugin set it
        result = run("verify", f"{base}/", "--cookie", cookie, "--json")
        assert result.exit_code == 0, result.output
        report = json.loads(result.output)
        assert report["delivery"] == "script-attribute"
        assert report["claims"]["email"] == "ada.lovelace@example.com"
        assert {c["rule"]: c["ok"] for c in report["checks"]}["private"] is True
