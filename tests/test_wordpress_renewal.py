"""WordPress pages renew their inline token: the tag delivery also registers the REST route and
enqueues the identity script in its inline-renewal mode (REST nonce included). The script runs
under node with a fake page, fetch and timers; then the patched classic theme is served over
real HTTP by `php -S` (tests/php/server.php): the signed-in page loads the script from a URL the
server serves, and the script, under node with the real fetch, renews the token from the running
site and clears it once the user is signed out; with the key missing the route answers 503."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import apply_twice, assert_contract, copy_fixture, run, token_in, verify
from tests.test_wordpress_http_e2e import php_server, sign_in

pytestmark = pytest.mark.e2e
WIDGET = "https://widget.bestchatbot.io/widget/v1/chat.js"
SCRIPT = "assets/js/bestchatbot-identity.js"
LOADED = re.compile(
    r'<script src="([^"]+/bestchatbot-identity\.js\?ver=1\.0\.0)" id="bestchatbot-identity-js">'
)
SETTINGS = re.compile(r"var bestchatbotIdentity = (\{.*?\});")


def node(harness: str, *args: str) -> list[str]:
    out = subprocess.run(
        ["node", "-e", harness, "--", *args], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    lines: list[str] = json.loads(out.stdout)
    return lines


def jwt_expiring_in(seconds: int) -> str:
    payload = json.dumps({"exp": int(time.time()) + seconds}).encode()
    return f"header.{base64.urlsafe_b64encode(payload).decode().rstrip('=')}.sig"


FAKE = r"""
const fs = require("fs");
const vm = require("vm");
const [script, pageToken, readyState] = process.argv.slice(1);
const log = [];
let signedIn = true;
let timer = null;
const listeners = {};
const exp = Math.floor(Date.now() / 1000) + 3600;
const fresh = "header." + Buffer.from(JSON.stringify({ exp })).toString("base64url") + ".sig";
const response = (status, body) => ({
  ok: status >= 200 && status < 300, status, json: async () => body, text: async () => String(body),
});
const context = {
  window: {
    bestchatbotIdentity: {
      endpoint: "/wp-json/bestchatbot/v1/widget-token",
      nonce: "day-old-nonce",
      nonceUrl: "/wp-admin/admin-ajax.php?action=rest-nonce",
    },
  },
  document: {
    readyState,
    visibilityState: "visible",
    querySelector: () => ({ dataset: pageToken ? { userToken: pageToken } : {} }),
    addEventListener: (name, fn) => { listeners[name] = fn; },
  },
  fetch: async (url, init) => {
    if (init.credentials !== "same-origin" || init.cache !== "no-store") throw new Error(url);
    const nonce = (init.headers || {})["X-WP-Nonce"];
    log.push("GET:" + url + (nonce ? ":" + nonce : ""));
    if (url.includes("admin-ajax")) {
      return signedIn ? response(200, "fresh-nonce") : response(400, "0");
    }
    if (!signedIn) return response(401, { code: "rest_forbidden" });
    if (nonce !== "fresh-nonce") return response(403, { code: "rest_cookie_invalid_nonce" });
    return response(200, { token: fresh });
  },
  atob: (s) => Buffer.from(s, "base64").toString("binary"),
  setTimeout: (fn, ms) => {
    timer = fn;
    log.push("timer:" + Math.round(ms / 60000) + "min");
    return 1;
  },
  clearTimeout: () => {}, Date, JSON, Math,
};
context.window.BestChatBot = {
  setUserToken: (t) => log.push(t === fresh ? "set:fresh" : "set:" + t),
  clearUserToken: () => log.push("clear"),
};
vm.runInNewContext(fs.readFileSync(script, "utf8"), context);
(async () => {
  if (listeners.DOMContentLoaded) { log.push("parsed"); listeners.DOMContentLoaded(); }
  listeners.visibilitychange();  // back in the tab long before the token lapses: nothing to do
  for (const signedInNow of [true, false]) {
    const fire = timer;
    if (!fire) break;
    timer = null;
    signedIn = signedInNow;  // the second renewal: logged out in another tab meanwhile
    await fire();
  }
  console.log(JSON.stringify(log));
})();
"""


def _applied_theme(tmp_path: Path) -> Path:
    root = copy_fixture("wp-classic-theme", tmp_path)
    apply_twice(root)
    return root


@pytest.mark.parametrize("ready", ["complete", "loading"])
def test_the_script_renews_the_tags_token_before_it_expires(tmp_path: Path, ready: str) -> None:
    """From the tag's token (an hour left): a renewal 55 minutes on; the day-old nonce is
    refused, a fresh one fetched, the new token handed to the widget and the next renewal
    scheduled from its exp; signed out meanwhile: cleared, nothing more scheduled. Where the
    theme prints the tag after wp_footer() the script reads it once the page is parsed."""
    root = _applied_theme(tmp_path)
    lines = node(FAKE, str(root / SCRIPT), jwt_expiring_in(3600), ready)
    assert lines == [
        *(["parsed"] if ready == "loading" else []),
        "timer:55min",
        "GET:/wp-json/bestchatbot/v1/widget-token:day-old-nonce",
        "GET:/wp-admin/admin-ajax.php?action=rest-nonce",
        "GET:/wp-json/bestchatbot/v1/widget-token:fresh-nonce",
        "set:fresh",
        "timer:55min",  # from the new token's exp
        "GET:/wp-json/bestchatbot/v1/widget-token:fresh-nonce",
        "clear",
    ]


def test_a_visitors_page_fetches_nothing(tmp_path: Path) -> None:
    root = _applied_theme(tmp_path)
    assert node(FAKE, str(root / SCRIPT), "", "complete") == []


REAL = r"""
const fs = require("fs");
const vm = require("vm");
const [script, settings, pageToken, cookie] = process.argv.slice(1);
const log = [];
let sendCookie = cookie;
let timer = null;
const context = {
  window: { bestchatbotIdentity: JSON.parse(settings) },
  document: {
    readyState: "complete",
    visibilityState: "visible",
    querySelector: () => ({ dataset: { userToken: pageToken } }),
    addEventListener: () => {},
  },
  // The browser sends the site's cookie with a same-origin request: so does this fetch.
  fetch: (url, init) => {
    log.push("GET:" + url);
    const cookies = sendCookie ? { Cookie: sendCookie } : {};
    return fetch(url, { ...init, headers: { ...init.headers, ...cookies } });
  },
  atob, setTimeout: (fn) => { timer = fn; return 1; }, clearTimeout: () => {}, Date, JSON, Math,
};
context.window.BestChatBot = {
  setUserToken: (t) => log.push("set:" + t),
  clearUserToken: () => log.push("clear"),
};
vm.runInNewContext(fs.readFileSync(script, "utf8"), context);
(async () => {
  await timer();          // the renewal before the page's token expires
  sendCookie = "";        // signed out: the login cookie is gone
  await timer();
  console.log(JSON.stringify(log));
})();
"""


def _get(url: str, cookie: str | None = None, **headers: str) -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(
        url, headers={**headers, **({"Cookie": cookie} if cookie else {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read().decode()


def _page(base: str, cookie: str | None) -> tuple[str, dict[str, Any]]:
    status, _, html = _get(f"{base}/", cookie)
    assert status == 200
    found = SETTINGS.search(html)
    assert found is not None, html
    return html, json.loads(found.group(1))


def test_over_http_the_open_page_renews_its_token(tmp_path: Path, signing_key: str) -> None:
    root = _applied_theme(tmp_path)
    with php_server(root, None) as base:
        _, cookie = sign_in(base, "analytical-engine")
        assert cookie is not None
        html, settings = _page(base, cookie)
        page_token = token_in(html)
        assert page_token is not None
        loaded = LOADED.search(html)
        assert loaded is not None and html.index(WIDGET) < loaded.start()
        assert loaded.group(1).startswith(f"{base}/wp-content/themes/active/")
        status, headers, served = _get(loaded.group(1))
        assert status == 200 and headers["Content-Type"].startswith("text/javascript")
        assert served == (root / SCRIPT).read_text()
        assert settings["endpoint"] == f"{base}/wp-json/bestchatbot/v1/widget-token"

        status, headers, body = _get(
            settings["endpoint"], cookie, **{"X-WP-Nonce": settings["nonce"]}
        )
        assert status == 200 and "no-store" in headers["Cache-Control"]
        assert_contract(
            verify(json.loads(body)["token"]),
            email="ada.lovelace@example.com",
            name="Ada Lovelace",
            user_id="7",
        )
        assert _get(settings["endpoint"])[0] == 401  # a visitor

        (tmp_path / "identity.js").write_text(served)
        log = node(REAL, str(tmp_path / "identity.js"), json.dumps(settings), page_token, cookie)
        endpoint = f"GET:{settings['endpoint']}"
        assert [line.split(":")[0] if line.startswith("set:") else line for line in log] == [
            endpoint,
            "set",
            endpoint,
            "clear",
        ]
        assert_contract(
            verify(log[1].removeprefix("set:")),
            email="ada.lovelace@example.com",
            name="Ada Lovelace",
            user_id="7",
        )
        # A visitor's page loads the script too, with nothing to renew.
        visitor_html, _ = _page(base, None)
        assert token_in(visitor_html) is None and LOADED.search(visitor_html)


def test_over_http_without_the_key(tmp_path: Path, no_signing_key: None) -> None:
    root = _applied_theme(tmp_path)
    with php_server(root, None) as base:
        _, cookie = sign_in(base, "analytical-engine")
        html, settings = _page(base, cookie)
        assert WIDGET in html and "data-user-token" not in html
        status, headers, body = _get(
            settings["endpoint"], cookie, **{"X-WP-Nonce": settings["nonce"]}
        )
        assert (status, json.loads(body)) == (503, {"token": None})
        assert "no-store" in headers["Cache-Control"]
        assert _get(settings["endpoint"])[0] == 401


def test_an_integration_from_before_the_renewal_is_kept(tmp_path: Path) -> None:
    """Wired in by an earlier apply (no route, no script): apply changes nothing and says how to
    get the renewal."""
    root = copy_fixture("wp-classic-theme", tmp_path)
    assert run("apply", root, "--yes").exit_code == 0
    functions = (root / "functions.php").read_text()
    start = functions.index("\n\t/**\n\t * GET /wp-json/bestchatbot/v1/widget-token")
    end = functions.index("add_action( 'wp_enqueue_scripts'", start)
    end = functions.index("\n", end)
    (root / "functions.php").write_text(functions[:start] + functions[end:])
    (root / SCRIPT).unlink()
    result = run("apply", root, "--dry-run", "--json")
    document = json.loads(result.stdout)
    assert document["edits"] == []
    (why,) = [s["why"] for s in document["skipped"] if s["path"] == "functions.php"]
    assert "from before pages renewed their token" in why and "run apply again" in why
