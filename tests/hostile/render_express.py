"""Express: the patched app booted with node on a loopback port (its packages linked from the
npm test cache), pages fetched for a visitor and for a user signed up through the app's own
routes; each view engine (EJS, Pug, Handlebars, Nunjucks) renders the tag itself."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest

from tests.hostile.markup import Page, html_page
from tests.hostile.sandbox import Sandbox
from tests.test_express_e2e import Client, free_port, install

START_TIMEOUT = 30.0


@contextlib.contextmanager
def booted(sb: Sandbox, script: str) -> Iterator[Client]:
    """`node <script>` in the project with PORT set, its log in the work directory; stops the
    process it started (by its id) on the way out."""
    install(sb.root)
    port = free_port()
    env = {**os.environ, "PORT": str(port), "NODE_ENV": "test"}
    log = sb.work / "node.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            ["node", script], cwd=sb.root, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"node exited ({proc.returncode}):\n{log.read_text()}")
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", port), timeout=0.5),
            ):
                break
            assert time.monotonic() < deadline, f"node did not listen:\n{log.read_text()}"
            time.sleep(0.05)
        yield Client(f"http://127.0.0.1:{port}")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _pages(sb: Sandbox, script: str, signup: str, form: dict[str, str]) -> list[Page]:
    with booted(sb, script) as browser:
        anonymous = browser.get("/")
        assert anonymous.status == 200, anonymous.text
        browser.post(signup, form=form)
        signed_in = browser.get("/")
        assert signed_in.status == 200, signed_in.text
    return [
        html_page("GET / (visitor)", anonymous.text, inline=True),
        html_page("GET / (signed in)", signed_in.text, signed_in=True, inline=True),
    ]


def ejs_pages(sb: Sandbox, mp: pytest.MonkeyPatch) -> list[Page]:
    form = {"email": "ada@example.com", "password": "analytical", "displayName": "Ada"}
    return _pages(sb, "server.js", "/signup", form)


def pug_pages(sb: Sandbox, mp: pytest.MonkeyPatch) -> list[Page]:
    form = {"email": "grace@navy.mil", "password": "cobol", "name": "Grace Hopper"}
    return _pages(sb, "bin/www", "/account/signup", form)


def handlebars_pages(sb: Sandbox, mp: pytest.MonkeyPatch) -> list[Page]:
    form = {"email": "lin@example.org", "password": "s3cret", "fullName": "Lin Chen"}
    return _pages(sb, "src/server.js", "/register", form)


def nunjucks_pages(sb: Sandbox, mp: pytest.MonkeyPatch) -> list[Page]:
    return _pages(sb, "server.js", "/login", {"email": "hedy@example.com", "name": "Hedy"})


def ejs_app(sb: Sandbox, mp: pytest.MonkeyPatch) -> None:
    """express-passport-ejs with the endpoint: the patched app (token module included) loads
    and serves its home page."""
    with booted(sb, "server.js") as browser:
        home = browser.get("/")
        assert home.status == 200, home.text
