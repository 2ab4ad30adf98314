"""Unit tests of the JavaScript / TypeScript checker on in-memory projects: how values are
followed (across modules, through reassignments, through callers), which sign calls are the
widget's, the guard's polarity, lifetimes, and files that do not parse.

Each finding is expected at the line marked `// <-` in the source."""

from __future__ import annotations

import pytest

from scaffolder.check import javascript
from scaffolder.check.javascript import timespans
from scaffolder.check.rules import Found, Sources

MARK = "// <-"


def check(files: dict[str, str], overlay: dict[str, str] | None = None) -> Found:
    return javascript.check(Sources(tuple(files), files.get, overlay or {}))


def findings(found: Found) -> set[tuple[str, int, str]]:
    return {(v.file, v.line, v.rule) for v in found.violations}


def marked(files: dict[str, str], rule: str) -> set[tuple[str, int, str]]:
    return {
        (path, number, rule)
        for path, text in files.items()
        for number, line in enumerate(text.splitlines(), 1)
        if MARK in line
    }


def route(sign: str, *, guard: str = "if (!user) return null;") -> dict[str, str]:
    """An Express-style widget module: `sign` is the signing statement."""
    return {
        "bestchatbot.js": f"""const jwt = require("jsonwebtoken");

function widgetToken(user) {{
  {guard}
  const key = process.env.BESTCHATBOT_SIGNING_KEY;
  {sign}
}}

module.exports = (req, res, next) => {{
  res.locals.widgetToken = widgetToken(req.user);
  next();
}};
""",
        "app.js": 'const app = require("express")();\napp.use(require("./bestchatbot"));\n',
    }


CLEAN_SIGN = (
    "return jwt.sign({ email: user.email.toLowerCase() }, key, "
    '{ algorithm: "HS256", expiresIn: "1h" });'
)


def test_a_clean_module_is_found_and_passes() -> None:
    found = check(route(CLEAN_SIGN))
    assert [(s.kind, s.line) for s in found.sites] == [("mint", 6)]
    assert found.violations == []


@pytest.mark.parametrize(
    ("sign", "rule"),
    [
        pytest.param(
            "return jwt.sign({ email: user.email }, key, "
            '{ algorithm: "HS256", expiresIn: "1h" }); // <-',
            "email-not-lowercased",
            id="raw-email",
        ),
        pytest.param(
            'return jwt.sign({ email: user.email.toLowerCase() }, key, { expiresIn: "1h" }); // <-',
            "alg-not-hs256",
            id="default-alg",
        ),
        pytest.param(
            "return jwt.sign({ email: user.email.toLowerCase() }, key, "
            '{ algorithm: "HS256" }); // <-',
            "exp-missing",
            id="no-exp",
        ),
        pytest.param(
            "return jwt.sign({ email: user.email.toLowerCase() }, key, "
            '{ algorithm: "HS256", expiresIn: 60 * 60 * 24 * 2 }); // <-',
            "exp-too-long",
            id="seconds-expression",
        ),
        pytest.param(
            "return jwt.sign({ email: user.email.toLowerCase(), "
            "exp: Math.floor(Date.now() / 1000) + 86400 * 30 }, key, "  # <- the claim's line
            '{ algorithm: "HS256" }); // <-',
            "exp-too-long",
            id="exp-claim",
        ),
    ],
)
def test_claim_rules(sign: str, rule: str) -> None:
    files = route(sign)
    assert findings(check(files)) == marked(files, rule)


@pytest.mark.parametrize(
    "sign",
    [
        "return jwt.sign({ email: user.email.toLowerCase(), "
        'exp: Math.floor(Date.now() / 1000) + 60 * 60 }, key, { algorithm: "HS256" });',
        'return jwt.sign({ email: user.email.toLowerCase() }, key, { algorithm: "HS256", '
        "expiresIn: 24 * 3600 });",
        'const opts = { algorithm: "HS256", expiresIn: "1h" };\n  '
        "return jwt.sign({ email: String(user.email).trim().toLowerCase() }, key, opts);",
    ],
    ids=["exp-claim-hour", "exactly-a-day", "options-constant"],
)
def test_near_misses_on_claims(sign: str) -> None:
    assert check(route(sign)).violations == []


def test_no_options_leave_both_alg_and_exp_out() -> None:
    found = check(route("return jwt.sign({ email: user.email.toLowerCase() }, key);"))
    assert findings(found) == {
        ("bestchatbot.js", 6, "alg-not-hs256"),
        ("bestchatbot.js", 6, "exp-missing"),
    }


def test_the_guard_must_turn_guests_away() -> None:
    files = route(CLEAN_SIGN, guard="if (user) console.log(user.id);")
    found = check(files)
    assert {v.rule for v in found.violations} == {"no-auth-guard"}
    # reported where the route reaches the mint: the middleware's call
    assert [v.line for v in found.violations] == [10]


def test_an_early_return_for_signed_in_users_is_no_guard() -> None:
    found = check(route(CLEAN_SIGN, guard="if (user) return null;"))
    assert {v.rule for v in found.violations} == {"no-auth-guard"}


def test_a_guard_on_client_input_is_no_guard() -> None:
    files = {
        "bestchatbot.js": """const jwt = require("jsonwebtoken");

module.exports = function widgetToken(req, res) {
  res.set("Cache-Control", "no-store");
  const { email } = req.body; // <-
  if (!email) return res.status(400).end();
  const key = process.env.BESTCHATBOT_SIGNING_KEY;
  const claims = { email: email.toLowerCase() };
  const token = jwt.sign(claims, key, { algorithm: "HS256", expiresIn: "1h" }); // <-
  res.json({ token });
};
""",
        "app.js": """const express = require("express");
const widgetToken = require("./bestchatbot");

express().post("/api/widget-token", widgetToken);
""",
    }
    found = check(files)
    assert {(v.line, v.rule) for v in found.violations} == {
        (5, "email-from-client"),
        (9, "no-auth-guard"),
    }


def test_the_key_is_followed_into_another_module() -> None:
    files = {
        "lib/config.ts": "export const SIGNING_KEY =\n"
        '  process.env.BESTCHATBOT_SIGNING_KEY ?? "dev"; // <-\n',
        "app/api/widget-token/route.ts": """import { SignJWT } from "jose";

import { SIGNING_KEY } from "@/lib/config";

export async function GET() {
  const session = await auth();
  if (!session?.user?.email) return Response.json({ token: null }, { status: 401 });
  const token = await new SignJWT({ email: session.user.email.toLowerCase() })
    .setProtectedHeader({ alg: "HS256" })
    .setExpirationTime("1h")
    .sign(new TextEncoder().encode(SIGNING_KEY));
  return Response.json({ token }, { headers: { "Cache-Control": "no-store" } });
}
""",
    }
    assert findings(check(files)) == marked(files, "key-default")


def test_a_required_key_literal_is_followed() -> None:
    files = {
        "config.js": 'module.exports = { widget: { secret: "hunter2" } }; // <-\n',
        "bestchatbot.js": route(CLEAN_SIGN)["bestchatbot.js"].replace(
            "const key = process.env.BESTCHATBOT_SIGNING_KEY;",
            'const { widget } = require("./config");\n  const key = widget.secret;',
        ),
    }
    assert findings(check(files)) == marked(files, "key-literal")


@pytest.mark.parametrize(
    ("body", "flagged"),
    [
        ("let email = user.email;\n  if (user.verified) email = email.toLowerCase();", True),
        ("let email = user.email;\n  email = email.toLowerCase();", False),
        ("const email = user.verified ? user.email.toLowerCase() : user.altEmail;", True),
        ("const email = (user.email ?? '').toLowerCase();", False),
    ],
    ids=["lowered-on-one-branch", "lowered-unconditionally", "ternary", "nullish-then-lowered"],
)
def test_the_email_is_lowered_on_every_path(body: str, flagged: bool) -> None:
    sign = (
        f'{body}\n  return jwt.sign({{ email }}, key, {{ algorithm: "HS256", expiresIn: "1h" }});'
    )
    rules = {v.rule for v in check(route(sign)).violations}
    assert rules == ({"email-not-lowercased"} if flagged else set())


def test_the_apps_own_tokens_are_not_the_widgets() -> None:
    files = {
        "routes/auth.js": """const jwt = require("jsonwebtoken");

exports.login = (req, res) => {
  res.json({ accessToken: jwt.sign({ sub: req.user.id }, "api-secret", { expiresIn: "30d" }) });
};
""",
        "webhooks.js": """const crypto = require("crypto");

exports.verify = (body, sig) =>
  crypto.createHmac("sha1", process.env.HOOK_SECRET).update(body).digest("hex") === sig;
""",
    }
    found = check(files)
    assert found.sites == [] and found.violations == []


def test_a_file_that_does_not_parse_is_skipped() -> None:
    files = route(CLEAN_SIGN)
    files["broken.js"] = (
        'const jwt = require("jsonwebtoken");\nfunction widget( {\n  jwt.sign({}, "x")\n'
    )
    found = check(files)
    assert found.violations == [] and [s.file for s in found.sites] == ["bestchatbot.js"]


def test_public_variables_are_flagged_anywhere_but_the_api_key_is_public() -> None:
    files = {
        "src/env.ts": "export const key = import.meta.env.VITE_BESTCHATBOT_SIGNING_KEY; // <-\n"
        "export const apiKey = import.meta.env.VITE_BESTCHATBOT_API_KEY;\n",
    }
    assert findings(check(files)) == marked(files, "key-public-env")


def test_set_without_clear_unless_a_template_clears() -> None:
    script = "window.BestChatBot.setUserToken(token); // <-\n"
    files = {"public/chat.js": script}
    assert findings(check(files)) == marked(files, "spa-no-clear")
    files["templates/base.html"] = "<script>onLogout(() => BestChatBot.clearUserToken())</script>"
    assert check(files).violations == []


def test_the_overlay_is_what_is_checked() -> None:
    files = route(CLEAN_SIGN.replace('algorithm: "HS256", ', ""))
    assert {v.rule for v in check(files).violations} == {"alg-not-hs256"}
    assert check(files, overlay=route(CLEAN_SIGN)).violations == []


@pytest.mark.parametrize(
    ("text", "bare", "seconds"),
    [
        ("1h", 1e-3, 3600),
        ("2 days", 1e-3, 172800),
        ("90m", None, 5400),
        ("+1 hour from now", None, 3600),
        ("60", 1e-3, 0.06),
        ("60", None, None),
        ("1 fortnight", 1e-3, None),
    ],
)
def test_spans(text: str, bare: float | None, seconds: float | None) -> None:
    assert timespans.span(text, bare) == seconds


def test_a_key_rendered_into_html_reaches_the_browser() -> None:
    files = {
        "server.js": """const express = require("express");

express().get("/", (req, res) => {
  const key = process.env.BESTCHATBOT_SIGNING_KEY;
  res.send(`<script>window.CHAT = { key: "${key}" };</script>`); // <-
});
""",
    }
    assert findings(check(files)) == marked(files, "key-in-client")


def test_a_payload_no_call_reaches_is_not_guessed() -> None:
    files = {
        "lib/bestchatbot.ts": """import jwt from "jsonwebtoken";

export function signClaims(claims: { email: string }) {
  const key = process.env.BESTCHATBOT_SIGNING_KEY!;
  return jwt.sign({ ...claims }, key, { algorithm: "HS256", expiresIn: "1h" });
}
""",
    }
    found = check(files)
    assert [s.kind for s in found.sites] == ["mint"] and found.violations == []


def test_object_assign_is_read_like_spreads() -> None:
    sign = (
        "const claims = Object.assign({}, { name: user.name }, "
        "{ email: user.email.toLowerCase() });\n  "
        'return jwt.sign(claims, key, { algorithm: "HS256", expiresIn: "1h" });'
    )
    assert check(route(sign)).violations == []


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"middleware.ts": "export { auth as middleware } from './auth';\n"},
    ],
    ids=["no-middleware", "auth-middleware"],
)
def test_an_unguarded_route_handler_unless_middleware_may_cover_it(
    extra: dict[str, str],
) -> None:
    files = {
        "app/api/widget-token/route.ts": """import { SignJWT } from "jose";

export async function GET() {
  const session = await auth();
  const token = await new SignJWT({ email: session?.user?.email?.toLowerCase() }) // <-
    .setProtectedHeader({ alg: "HS256" })
    .setExpirationTime("1h")
    .sign(new TextEncoder().encode(process.env.BESTCHATBOT_SIGNING_KEY));
  return Response.json({ token }, { headers: { "Cache-Control": "no-store" } });
}
""",
        **extra,
    }
    expected = set() if extra else marked(files, "no-auth-guard")
    assert findings(check(files)) == expected


def test_a_handler_wrapped_by_an_auth_helper_is_guarded() -> None:
    files = {
        "pages/api/widget-token.js": """import { getSession } from "@auth0/nextjs-auth0";
import { withApiAuthRequired } from "@auth0/nextjs-auth0";
import jwt from "jsonwebtoken";

async function handler(req, res) {
  res.setHeader("Cache-Control", "no-store");
  const { user } = await getSession(req, res);
  const token = jwt.sign({ email: user.email.toLowerCase() }, process.env.BESTCHATBOT_SIGNING_KEY, {
    algorithm: "HS256",
    expiresIn: "1h",
  });
  res.json({ token });
}

export default withApiAuthRequired(handler);
""",
    }
    assert check(files).violations == []


NEXT_ROUTE = """import {{ SignJWT }} from "jose";

export async function POST(request: Request) {{
  const session = await auth();
  if (!session) return Response.json({{ token: null }}, {{ status: 401 }});
  {read}
  const token = await new SignJWT({{ email: email.toLowerCase() }})
    .setProtectedHeader({{ alg: "HS256" }})
    .setExpirationTime("1h")
    .sign(new TextEncoder().encode(process.env.BESTCHATBOT_SIGNING_KEY));
  return Response.json({{ token }}, {{ headers: {{ "Cache-Control": "no-store" }} }});
}}
"""


@pytest.mark.parametrize(
    ("read", "flagged"),
    [
        ("const { email } = await request.json(); // <-", True),
        ('const email = new URL(request.url).searchParams.get("email") ?? ""; // <-', True),
        ('const email = request.headers.get("x-user-email") ?? ""; // <-', True),
        ('const email = session.user?.email ?? "";', False),
    ],
    ids=["json-body", "search-params", "header", "session"],
)
def test_the_email_from_a_next_request(read: str, flagged: bool) -> None:
    files = {"app/api/widget-token/route.ts": NEXT_ROUTE.format(read=read)}
    expected = marked(files, "email-from-client") if flagged else set()
    assert findings(check(files)) == expected


@pytest.mark.parametrize(
    "token",
    ["session.accessToken", "await auth0.getAccessToken()", "await user.getIdToken()"],
)
def test_provider_tokens_handed_to_the_widget(token: str) -> None:
    files = {
        "components/chat.tsx": f"""'use client';

export async function sync(session: any, user: any, auth0: any) {{
  if (!session) return window.BestChatBot?.clearUserToken();
  window.BestChatBot?.setUserToken({token}); // <-
}}
""",
    }
    assert findings(check(files)) == marked(files, "provider-token-forwarded")


def test_a_declared_clear_is_not_a_call() -> None:
    files = {
        "src/chat.ts": """declare global {
  interface Window {
    BestChatBot: { setUserToken(token: string): void; clearUserToken(): void };
  }
}

export const signIn = (token: string) => window.BestChatBot.setUserToken(token); // <-
""",
    }
    assert findings(check(files)) == marked(files, "spa-no-clear")
