"""The identity script's renewal mode (`renews_inline`) run under node: a server-rendered page
whose widget tag carries `data-user-token`, with a fake `document`, `fetch`, clock and timers.

Shared by every stack's server-rendered delivery: `run_script` drives a script (the template
rendered here, or the file a stack's plan wrote) through a scenario; `script_after_tag` reads
the script a page loads right after its widget tag, for the end-to-end tests to GET it.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import pytest

from scaffolder.templating import render

ENDPOINT = "/api/widget-token"
NOW = 1_900_000_000  # seconds: the fake clock's start
RENEW_BEFORE = 5 * 60  # seconds before exp
KEY = "a key these tests alone sign with, 32+ bytes"
_AFTER_TAG = re.compile(
    r"""<script\b[^>]*widget\.bestchatbot\.io/widget/v1/chat\.js[^>]*>\s*</script>\s*"""
    r"""<script\b[^>]*\bsrc=(["'])(?P<src>[^"']+)\1""",
    re.IGNORECASE,
)


def script_after_tag(html: str) -> str | None:
    """The `src` of the script a page loads right after its widget tag (None: none there)."""
    m = _AFTER_TAG.search(html)
    return m.group("src") if m else None


def renewal_script(endpoint: str = ENDPOINT) -> str:
    return render("browser/bestchatbot-identity.js.j2", endpoint=endpoint, renews_inline=True)


def token(exp: int, email: str = "ada@example.com") -> str:
    """A widget token expiring at `exp` (the script reads only its exp)."""
    return jwt.encode({"email": email, "exp": exp}, KEY, algorithm="HS256")


def answer(status: int, value: str | None = None) -> dict[str, Any]:
    """What the endpoint answers: 200 {"token": ...}, 401 / 503 {"token": null}."""
    return {"status": status, "body": {"token": value}}


OFFLINE = "offline"  # fetch rejects, as with no network


@dataclass
class Run:
    events: list[dict[str, Any]]
    pending: list[int]
    """The delays (ms) of the timers still pending at the end."""

    def of(self, kind: str) -> list[Any]:
        return [e[kind] for e in self.events if kind in e]


def run_script(
    script: str,
    tmp_path: Path,
    *,
    page_token: str | None,
    answers: Sequence[Any] = (),
    actions: Sequence[dict[str, Any]] = (),
    widget: bool = True,
) -> Run:
    """Load `script` on a page whose widget tag carries `page_token`, then play `actions`:
    `{"fire": True}` runs the one pending timer (the clock jumps to it), `{"advance": s}` moves
    the clock, `{"visible": bool}` switches the tab. `fetch` answers from `answers` in order
    (`answer(...)` or OFFLINE). Events: fetch (its url and options), timer (its delay in ms),
    set (the token given to setUserToken), clear."""
    source = tmp_path / "identity.js"
    source.write_text(script)
    harness = tmp_path / "renewal-harness.js"
    harness.write_text(HARNESS)
    config = {
        "now": NOW * 1000,
        "token": page_token,
        "answers": list(answers),
        "actions": list(actions),
        "widget": widget,
    }
    done = subprocess.run(
        ["node", str(harness), str(source), json.dumps(config)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    return Run(out["events"], out["pending"])


HARNESS = r"""
const fs = require("fs");
const vm = require("vm");
const [source, raw] = process.argv.slice(2);
const config = JSON.parse(raw);
let now = config.now;
const events = [];
const timers = new Map();
let nextTimer = 1;
const answers = [...config.answers];
const listeners = {};
const tag = { dataset: config.token === null ? {} : { userToken: config.token } };
const document = {
  visibilityState: "visible",
  querySelector: (selector) =>
    selector.includes("widget.bestchatbot.io/widget/v1/chat.js") ? tag : null,
  addEventListener: (name, fn) => { (listeners[name] ??= []).push(fn); },
};
const context = {
  window: {},
  document,
  fetch: async (url, init = {}) => {
    events.push({ fetch: { url, credentials: init.credentials, cache: init.cache } });
    const next = answers.shift();
    if (next === undefined) throw new Error(`unexpected fetch of ${url}`);
    if (next === "offline") throw new TypeError("Failed to fetch");
    return { ok: next.status === 200, status: next.status, json: async () => next.body };
  },
  atob: (s) => Buffer.from(s, "base64").toString("binary"),
  setTimeout: (fn, ms) => {
    const id = nextTimer++;
    timers.set(id, { fn, at: now + ms, ms });
    events.push({ timer: ms });
    return id;
  },
  clearTimeout: (id) => { timers.delete(id); },
  Date: { now: () => now },
  JSON,
  Math,
};
if (config.widget) {
  context.window.BestChatBot = {
    setUserToken: (t) => events.push({ set: t }),
    clearUserToken: () => events.push({ clear: true }),
  };
}
const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};
(async () => {
  vm.runInNewContext(fs.readFileSync(source, "utf8"), context);
  await settle();
  for (const action of config.actions) {
    if (action.fire) {
      if (timers.size !== 1) throw new Error(`${timers.size} timers pending, not 1`);
      const [[id, timer]] = [...timers];
      timers.delete(id);
      now = timer.at;
      timer.fn();
    } else if ("advance" in action) {
      now += action.advance * 1000;
    } else if ("visible" in action) {
      document.visibilityState = action.visible ? "visible" : "hidden";
      for (const fn of listeners.visibilitychange ?? []) fn();
    }
    await settle();
  }
  console.log(JSON.stringify({ events, pending: [...timers.values()].map((t) => t.ms) }));
})().catch((error) => { console.error(error); process.exit(1); });
"""


def test_renews_before_expiry_and_hands_the_widget_the_new_token(tmp_path: Path) -> None:
    first, second = token(NOW + 3600), token(NOW + 3300 + 3600, "Ada@Example.com")
    run = run_script(
        renewal_script(),
        tmp_path,
        page_token=first,
        answers=[answer(200, second), answer(401)],
        actions=[{"fire": True}, {"fire": True}],
    )
    renew_in = (3600 - RENEW_BEFORE) * 1000
    assert run.events == [
        {"timer": renew_in},  # scheduled from the tag's token, 5 minutes before its exp
        {"fetch": {"url": ENDPOINT, "credentials": "same-origin", "cache": "no-store"}},
        {"set": second},
        {"timer": renew_in},  # the new token's renewal
        {"fetch": {"url": ENDPOINT, "credentials": "same-origin", "cache": "no-store"}},
        {"clear": True},  # signed out meanwhile: 401 {"token": null}
    ]
    assert run.pending == []  # no token, nothing more to renew


def test_a_guests_page_fetches_nothing(tmp_path: Path) -> None:
    run = run_script(
        renewal_script(),
        tmp_path,
        page_token=None,
        actions=[{"visible": False}, {"advance": 7200}, {"visible": True}],
    )
    assert run.events == [] and run.pending == []


@pytest.mark.parametrize(
    ("answers", "after", "retry"),
    [
        pytest.param([answer(503)], [{"clear": True}], [], id="the server lost its key: 503"),
        pytest.param([answer(401)], [{"clear": True}], [], id="signed out: 401"),
        pytest.param([OFFLINE], [], [60_000], id="offline: the identity stays, retried"),
    ],
)
def test_what_a_failed_renewal_does(
    tmp_path: Path, answers: list[Any], after: list[dict[str, Any]], retry: list[int]
) -> None:
    run = run_script(
        renewal_script(),
        tmp_path,
        page_token=token(NOW + 3600),
        answers=answers,
        actions=[{"fire": True}],
    )
    assert run.of("fetch") == [{"url": ENDPOINT, "credentials": "same-origin", "cache": "no-store"}]
    assert [e for e in run.events if "set" in e or "clear" in e] == after
    assert run.pending == retry


def test_a_background_tab_renews_when_it_is_shown_again(tmp_path: Path) -> None:
    """Timers sleep in background tabs: shown again with its token about to lapse (or gone),
    the page renews at once; shown well before that, it leaves the timer to it."""
    fresh = token(NOW + 2 * 3600)
    run = run_script(
        renewal_script(),
        tmp_path,
        page_token=token(NOW + 3600),
        answers=[answer(200, fresh)],
        actions=[
            {"visible": False},
            {"advance": 600},
            {"visible": True},  # 50 minutes left: nothing to do
            {"visible": False},
            {"advance": 3300},  # the timer slept through its time
            {"visible": True},
        ],
    )
    assert run.of("fetch") == [{"url": ENDPOINT, "credentials": "same-origin", "cache": "no-store"}]
    assert run.of("set") == [fresh]
    assert run.pending == [(2 * 3600 - 3900 - RENEW_BEFORE) * 1000]


def test_a_token_close_to_expiry_renews_after_half_a_minute(tmp_path: Path) -> None:
    run = run_script(renewal_script(), tmp_path, page_token=token(NOW + 60))
    assert run.events == [{"timer": 30_000}]


def test_a_widget_not_loaded_yet_reads_the_tag_itself(tmp_path: Path) -> None:
    """No window.BestChatBot when the renewal answers: nothing is called, nothing breaks, and
    the next renewal is scheduled from the new token."""
    fresh = token(NOW + 3300 + 3600)
    run = run_script(
        renewal_script(),
        tmp_path,
        page_token=token(NOW + 3600),
        answers=[answer(200, fresh)],
        actions=[{"fire": True}],
        widget=False,
    )
    assert run.of("set") == [] and run.of("clear") == []
    assert run.pending == [(3600 - RENEW_BEFORE) * 1000]


def test_the_script_a_page_loads_after_the_widget_tag() -> None:
    page = (
        '<script src="https://widget.bestchatbot.io/widget/v1/chat.js" data-api-key="pk" '
        'data-user-token="t"></script>\n    <script src="/static/bestchatbot-identity.js">'
        "</script>"
    )
    assert script_after_tag(page) == "/static/bestchatbot-identity.js"
    assert script_after_tag(page.replace("bestchatbot-identity", "other")) == "/static/other.js"
    assert script_after_tag(page.split("\n")[0]) is None
