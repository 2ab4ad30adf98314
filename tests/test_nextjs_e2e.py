"""End to end on the Next.js fixtures: apply (twice: the second plans nothing), type-check the
patched project with `tsc --noEmit` against the real packages (installed once into the npm
cache: the fixture's own dependencies after apply, `jose` included), then run the generated
route handler under node with the auth provider's user function replaced by a test double
(real `jose`, real `next/server`) and verify its token with PyJWT; and run the identity
component's effects under node with a minimal hooks runtime to check when it sets and clears
the widget's user."""

from __future__ import annotations

import base64
import json
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import (
    apply_twice,
    assert_contract,
    assert_missing_key_logged_once,
    copy_fixture,
    run,
    tree_digest,
    verify,
)
from tests.npm_cache import link_node_modules, npm_env

# next-auth/react's useSession, as the identity component sees it: loading, then the session the
# test's steps sign in and out (`state.as(email)`).
USE_SESSION = (
    "state.hook = { status: 'loading', data: null };"
    "state.as = (email) => { state.hook = email"
    " ? { status: 'authenticated', data: { user: { email } } }"
    " : { status: 'unauthenticated', data: null }; state.rerender(); };"
    "return { useSession: () => state.hook };"
)

pytestmark = pytest.mark.e2e
WIDGET = "https://widget.bestchatbot.io/widget/v1/chat.js"

# The type packages every check needs besides what the fixture declares (a JS app has none).
TOOLING = {
    "typescript": "^5.9.0",
    "@types/node": "^22",
    "@types/react": "^19",
    "@types/react-dom": "^19",
}

# Loads a TS / JS module from the project copy, transpiled to CommonJS in memory, with some
# imports answered by doubles (`config.doubles`: specifier -> JS body returning the module).
LOADER = r"""
const Module = require("module");
const path = require("path");
const fs = require("fs");
const config = JSON.parse(process.argv[2]);
const ts = require(path.join(config.root, "node_modules", "typescript"));
const state = {};
const doubles = {};
for (const [spec, body] of Object.entries(config.doubles)) {
  doubles[spec] = new Function("state", body)(state);
}
const load = Module._load;
Module._load = function (request, parent, isMain) {
  if (Object.prototype.hasOwnProperty.call(doubles, request)) return doubles[request];
  return load.call(this, request, parent, isMain);
};
function loadModule(file) {
  const filename = path.join(config.root, file);
  const { outputText } = ts.transpileModule(fs.readFileSync(filename, "utf8"), {
    fileName: filename,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      jsx: ts.JsxEmit.ReactJSX,
      esModuleInterop: true,
    },
  });
  const m = new Module(filename, module);
  m.filename = filename;
  m.paths = Module._nodeModulePaths(path.dirname(filename));
  m._compile(outputText, filename);
  return m.exports;
}
"""

ROUTE = (
    LOADER
    + r"""
async function callApp(route, headers) {
  const response = await route.GET(new Request("http://localhost/api/widget-token", { headers }));
  return {
    status: response.status,
    cacheControl: response.headers.get("cache-control"),
    body: await response.json(),
  };
}

async function callPages(route, headers) {
  const res = {
    statusCode: 200, headers: {}, body: undefined,
    setHeader(name, value) { this.headers[name.toLowerCase()] = value; return this; },
    status(code) { this.statusCode = code; return this; },
    json(body) { this.body = body; return this; },
  };
  const req = { method: "GET", headers, cookies: {}, query: {}, url: "/api/widget-token" };
  await route.default(req, res);
  return { status: res.statusCode, cacheControl: res.headers["cache-control"], body: res.body };
}

(async () => {
  const route = loadModule(config.file);
  const results = [];
  for (const c of config.cases) {
    Object.assign(state, c.state);
    const call = config.router === "pages" ? callPages : callApp;
    results.push(await call(route, c.headers || {}));
  }
  console.log(JSON.stringify(results));
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
"""
)

# A minimal hooks runtime stands in for React so the component's effects run under node:
# `useState` re-renders, `useEffect` runs (after cleaning up) when its dependencies change.
COMPONENT = (
    LOADER
    + r"""
const log = [];
const timers = [];
let widget = null;
globalThis.window = {};
Object.defineProperty(globalThis.window, "BestChatBot", { get: () => widget });
globalThis.fetch = async (url, init) => {
  const auth = init && init.headers && init.headers.Authorization;
  const cached = init.cache === "no-store" ? "" : " cached";
  log.push("fetch " + url + (auth ? " " + auth : "") + cached);
  const token = state.token || null;
  return { ok: Boolean(token), json: async () => ({ token }) };
};
globalThis.setTimeout = (fn, ms) => { timers.push({ fn, ms, live: true }); return timers.length; };
globalThis.clearTimeout = (id) => { if (id && timers[id - 1]) timers[id - 1].live = false; };
let intervals = [];
globalThis.setInterval = (fn) => { intervals.push(fn); return intervals.length; };
globalThis.clearInterval = (id) => { intervals[id - 1] = null; };

const slots = [];
let cursor = 0;
let Component = null;
let pending = false;
function schedule() {
  if (pending) return;
  pending = true;
  queueMicrotask(() => { pending = false; render(); });
}
let effects = [];
doubles["react"] = {
  useState(initial) {
    const i = cursor++;
    if (!(i in slots)) slots[i] = { value: initial };
    const slot = slots[i];
    return [slot.value, (v) => { if (!Object.is(v, slot.value)) { slot.value = v; schedule(); } }];
  },
  useEffect(fn, deps) {
    const i = cursor++;
    const slot = slots[i];
    if (slot && deps && deps.every((d, k) => Object.is(d, slot.deps[k]))) return;
    effects.push(() => {
      if (slot && slot.cleanup) slot.cleanup();
      const cleanup = fn();
      slots[i] = { deps, cleanup };
    });
  },
};
function render() {
  cursor = 0;
  effects = [];
  Component();
  for (const effect of effects) effect();
}
const tick = () => new Promise((resolve) => setImmediate(resolve));
state.rerender = schedule;

(async () => {
  Component = loadModule(config.file).default;
  for (const step of config.steps) {
    if (step.widget) {
      widget = {
        setUserToken: (t) => log.push("set " + t),
        clearUserToken: () => log.push("clear"),
      };
      for (const poll of intervals) if (poll) poll();
    }
    if (step.token !== undefined) state.token = step.token;
    if (step.do) state[step.do](...(step.args || []));
    if (step.render) render();
    for (let i = 0; i < 5; i++) await tick();
    if (step.renew) {
      const live = timers.filter((t) => t.live);
      const next = live[live.length - 1];
      next.live = false;
      log.push("renew after " + Math.round(next.ms / 60000) + " min");
      next.fn();
      for (let i = 0; i < 5; i++) await tick();
    }
    log.push("--");
  }
  console.log(JSON.stringify(log));
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
"""
)


def _run_node(script: str, tmp: Path, config: dict[str, Any]) -> tuple[Any, str]:
    """What the harness printed last on stdout (JSON), and its stderr."""
    harness = tmp / "harness.cjs"
    harness.write_text(script)
    out = subprocess.run(
        ["node", str(harness), json.dumps(config)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-4000:]
    return json.loads(out.stdout.strip().splitlines()[-1]), out.stderr


def route_and_log(
    root: Path, tmp: Path, file: str, router: str, doubles: dict[str, str], cases: list[Any]
) -> tuple[list[dict[str, Any]], str]:
    """The route handler's answers to `cases` (one server process), and what it logged."""
    config = {
        "root": str(root),
        "file": file,
        "router": router,
        "doubles": doubles,
        "cases": cases,
    }
    results, log = _run_node(ROUTE, tmp, config)
    return results, log


def call_route(
    root: Path, tmp: Path, file: str, router: str, doubles: dict[str, str], cases: list[Any]
) -> list[dict[str, Any]]:
    return route_and_log(root, tmp, file, router, doubles, cases)[0]


def run_component(
    root: Path, tmp: Path, file: str, doubles: dict[str, str], steps: list[dict[str, Any]]
) -> list[str]:
    config = {"root": str(root), "file": file, "doubles": doubles, "steps": steps}
    log: list[str] = _run_node(COMPONENT, tmp, config)[0]
    return log


def type_check(root: Path, javascript: bool = False) -> None:
    """`tsc --noEmit` over the patched project (JS projects: checkJs through their jsconfig)."""
    tsc = root / "node_modules" / "typescript" / "bin" / "tsc"
    project = root / "tsconfig.json"
    if javascript:
        # JavaScript apps declare no globals: the widget script's API is given here.
        (root / "bestchatbot-widget.d.ts").write_text(
            "interface Window { BestChatBot?: { setUserToken(t: string): void;"
            " clearUserToken(): void } }\n"
        )
        project = root / "tsconfig.bcb-check.json"
        project.write_text(
            json.dumps(
                {
                    "extends": "./jsconfig.json",
                    "compilerOptions": {
                        "allowJs": True,
                        "checkJs": True,
                        "noEmit": True,
                        "jsx": "preserve",
                        "module": "esnext",
                        "moduleResolution": "bundler",
                        "target": "es2020",
                        "lib": ["dom", "dom.iterable", "esnext"],
                        "skipLibCheck": True,
                    },
                    "include": ["**/*.js", "**/*.jsx", "**/*.mjs", "bestchatbot-widget.d.ts"],
                    "exclude": ["node_modules"],
                }
            )
        )
    out = subprocess.run(
        ["node", str(tsc), "--noEmit", "-p", str(project)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stdout[-6000:] + out.stderr[-2000:]


# -- set-up -----------------------------------------------------------------------------------


def install(root: Path) -> None:
    """The patched package.json's own dependencies (plus the type-checking tools), from the
    npm registry into the cache, linked into the copy."""
    manifest = json.loads((root / "package.json").read_text())
    deps = {**TOOLING, **manifest.get("devDependencies", {}), **manifest["dependencies"]}
    link_node_modules(root, npm_env(deps))


def patched(fixture: str, tmp_path: Path, *flags: str) -> Path:
    root = copy_fixture(fixture, tmp_path)
    apply_twice(root, *flags)
    install(root)
    return root


def jwt_like(exp_in: int = 3600, marker: str = "") -> str:
    """A token shaped like the endpoint's (the component only reads its `exp`)."""
    payload = json.dumps({"exp": int(time.time()) + exp_in, "m": marker}).encode()
    return "h." + base64.urlsafe_b64encode(payload).decode().rstrip("=") + ".s"


def assert_anonymous(result: dict[str, Any]) -> None:
    assert result == {"status": 401, "cacheControl": "no-store", "body": {"token": None}}


def assert_signed(result: dict[str, Any], **claims: str | None) -> None:
    assert result["status"] == 200 and result["cacheControl"] == "no-store", result
    assert_contract(verify(result["body"]["token"]), **claims)  # type: ignore[arg-type]


def assert_client_never_sees_the_key(root: Path, component: str) -> None:
    text = (root / component).read_text()
    assert text.startswith(("'use client'", '"use client"'))
    assert "BESTCHATBOT_SIGNING_KEY" not in text
    assert "NEXT_PUBLIC_BESTCHATBOT" not in "".join(
        p.read_text(errors="replace")
        for p in root.rglob("*")
        if p.is_file() and "node_modules" not in p.parts
    )


# Steps driving a hook-based component: still loading, sign in (the widget loads later),
# renewal before expiry, switch of user, sign-out.
def hook_steps(first: str, second: str) -> tuple[list[dict[str, Any]], list[str]]:
    t1, t1b, t2 = jwt_like(marker="1"), jwt_like(marker="1b"), jwt_like(marker="2")
    steps = [
        {"render": True},
        {"token": t1, "do": "as", "args": [first]},
        {"widget": True},
        {"token": t1b, "renew": True},
        {"token": t2, "do": "as", "args": [second]},
        {"token": None, "do": "as", "args": [None]},
    ]
    log = [
        "--",
        "fetch /api/widget-token",
        "--",
        f"set {t1}",
        "--",
        "renew after 55 min",
        "fetch /api/widget-token",
        f"set {t1b}",
        "--",
        "clear",
        "fetch /api/widget-token",
        f"set {t2}",
        "--",
        "clear",
        "clear",
        "--",
    ]
    return steps, log


# -- the fixtures -----------------------------------------------------------------------------


def test_clerk(tmp_path: Path, signing_key: str) -> None:
    root = patched("nextjs-clerk", tmp_path, "--api-key", "pk_test_tidewater")
    layout = (root / "app/layout.tsx").read_text()
    assert 'import Script from "next/script";' in layout and WIDGET in layout
    # inside <ClerkProvider> (which sits in <body>), after the page content
    assert layout.index("<ClerkProvider>") < layout.index("<BestChatBotIdentity />")
    assert layout.index("<BestChatBotIdentity />") < layout.index("</ClerkProvider>")
    type_check(root)

    clerk = "return { currentUser: async () => state.user };"
    ada = {
        "id": "user_2aDa",
        "fullName": "Ada Lovelace",
        "primaryEmailAddress": {"emailAddress": "Ada.Lovelace@Example.COM"},
    }
    phone_only = {"id": "user_2pHone", "fullName": None, "primaryEmailAddress": None}
    signed, anonymous, no_email = call_route(
        root,
        tmp_path,
        "app/api/widget-token/route.ts",
        "app",
        {"@clerk/nextjs/server": clerk},
        [{"state": {"user": ada}}, {"state": {"user": None}}, {"state": {"user": phone_only}}],
    )
    assert_signed(
        signed, email="ada.lovelace@example.com", name="Ada Lovelace", user_id="user_2aDa"
    )
    assert_anonymous(anonymous)
    assert_anonymous(no_email)

    hook = (
        "state.hook = { isLoaded: false, user: null };"
        "state.as = (id) => { state.hook = { isLoaded: true, user: id ? { id } : null };"
        " state.rerender(); };"
        "return { useUser: () => state.hook };"
    )
    steps, expected = hook_steps("user_a", "user_b")
    component = "components/bestchatbot-identity.tsx"
    assert run_component(root, tmp_path, component, {"@clerk/nextjs": hook}, steps) == expected
    assert_client_never_sees_the_key(root, component)


def test_supabase(tmp_path: Path, signing_key: str) -> None:
    # The widget <Script> is already in the [locale] root layout: no --api-key needed.
    root = patched("nextjs-supabase", tmp_path)
    layout = (root / "src/app/[locale]/layout.tsx").read_text()
    assert layout.count(WIDGET) == 1 and "<BestChatBotIdentity />" in layout
    route = (root / "src/app/api/widget-token/route.ts").read_text()
    assert 'from "@/lib/supabase/server"' in route and "getSession" not in route.replace(
        "getSession() would", ""
    )
    type_check(root)

    server = (
        "const auth = { getUser: async () => ({ data: { user: state.user }, error: null }),"
        " getSession: async () => { throw new Error('getSession() must not be used'); } };"
        "return { createClient: async () => ({ auth }) };"
    )
    grace = {
        "id": "5f0c2d6e-8a1b-4c1d-9e2f-2b7a1c9d0e11",
        "email": "Grace.Hopper@Navy.MIL",
        "is_anonymous": False,
        "user_metadata": {"full_name": "Grace Hopper"},
    }
    guest = {"id": "7a1b", "email": "", "is_anonymous": True, "user_metadata": {}}
    signed, anonymous_user, nobody = call_route(
        root,
        tmp_path,
        "src/app/api/widget-token/route.ts",
        "app",
        {"@/lib/supabase/server": server},
        [{"state": {"user": u}} for u in (grace, guest, None)],
    )
    assert_signed(signed, email="grace.hopper@navy.mil", name="Grace Hopper", user_id=grace["id"])
    assert_anonymous(anonymous_user)
    assert_anonymous(nobody)

    client = (
        "state.as = (id, anonymous) =>"
        " state.emit('SIGNED_IN', id ? { user: { id, is_anonymous: Boolean(anonymous) } } : null);"
        "const auth = { onAuthStateChange: (cb) => { state.emit = cb;"
        " return { data: { subscription: { unsubscribe() {} } } }; } };"
        "return { createClient: () => ({ auth }) };"
    )
    t1 = jwt_like(marker="grace")
    steps = [
        {"widget": True, "render": True},
        {"do": "as", "args": [None]},
        {"token": t1, "do": "as", "args": ["u1"]},
        {"token": None, "do": "as", "args": ["anon", True]},
    ]
    expected = [
        "--",
        "clear",
        "--",
        "fetch /api/widget-token",
        f"set {t1}",
        "--",
        "clear",
        "clear",
        "--",
    ]
    component = "src/components/bestchatbot-identity.tsx"
    assert (
        run_component(root, tmp_path, component, {"@/lib/supabase/client": client}, steps)
        == expected
    )
    assert_client_never_sees_the_key(root, component)


def test_supabase_first_typed_anonymous_users(tmp_path: Path, signing_key: str) -> None:
    """supabase-js 2.43.5 (@supabase/auth-js 2.64.2, whose User types `is_anonymous` since
    2.64.1) with @supabase/ssr 0.5: the route reads `is_anonymous` as typed and type-checks
    (the versions before it: tests/test_nextjs_versions.py)."""
    root = copy_fixture("nextjs-supabase", tmp_path)
    manifest = json.loads((root / "package.json").read_text())
    manifest["dependencies"].update({"@supabase/ssr": "0.5.2", "@supabase/supabase-js": "2.43.5"})
    (root / "package.json").write_text(json.dumps(manifest, indent=2) + "\n")
    apply_twice(root)
    install(root)
    route = (root / "src/app/api/widget-token/route.ts").read_text()
    assert "signedIn?.is_anonymous ? null : signedIn" in route
    type_check(root)

    server = (
        "const auth = { getUser: async () => ({ data: { user: state.user }, error: null }) };"
        "return { createClient: async () => ({ auth }) };"
    )
    grace = {
        "id": "5f0c",
        "email": "Grace@Navy.MIL",
        "is_anonymous": False,
        "user_metadata": {"full_name": "Grace Hopper"},
    }
    flagged = {**grace, "id": "a1", "is_anonymous": True}
    signed, anonymous = call_route(
        root,
        tmp_path,
        "src/app/api/widget-token/route.ts",
        "app",
        {"@/lib/supabase/server": server},
        [{"state": {"user": u}} for u in (grace, flagged)],
    )
    assert_signed(signed, email="grace@navy.mil", name="Grace Hopper", user_id="5f0c")
    assert_anonymous(anonymous)


def test_auth0_javascript(tmp_path: Path, signing_key: str) -> None:
    root = patched("nextjs-auth0", tmp_path, "--api-key", "pk_bakery")
    route = (root / "app/api/widget-token/route.js").read_text()
    assert 'import { auth0 } from "@/lib/auth0";' in route and ": string" not in route
    assert not (root / "types").exists()  # no TypeScript declaration in a JS project
    type_check(root, javascript=True)

    auth0 = "return { auth0: { getSession: async () => state.session } };"
    bea = {"user": {"sub": "auth0|6542", "email": "Bea@Corner.Example", "name": "Bea Baker"}}
    signed, anonymous = call_route(
        root,
        tmp_path,
        "app/api/widget-token/route.js",
        "app",
        {"@/lib/auth0": auth0},
        [{"state": {"session": bea}}, {"state": {"session": None}}],
    )
    assert_signed(signed, email="bea@corner.example", name="Bea Baker", user_id="auth0|6542")
    assert_anonymous(anonymous)

    hook = (
        "state.hook = { isLoading: true, user: undefined };"
        "state.as = (sub) => { state.hook = { isLoading: false, user: sub ? { sub } : undefined };"
        " state.rerender(); };"
        "return { useUser: () => state.hook };"
    )
    steps, expected = hook_steps("auth0|1", "auth0|2")
    component = "components/bestchatbot-identity.jsx"
    assert (
        run_component(root, tmp_path, component, {"@auth0/nextjs-auth0": hook}, steps) == expected
    )
    assert_client_never_sees_the_key(root, component)


def test_authjs_v5(tmp_path: Path, signing_key: str) -> None:
    root = patched("nextjs-authjs", tmp_path, "--api-key", "pk_trail")
    layout = (root / "app/(site)/layout.tsx").read_text()
    # inside the app's own <Providers> (which renders next-auth's SessionProvider)
    assert (
        layout.index("<Providers>")
        < layout.index("<BestChatBotIdentity />")
        < layout.index("</Providers>")
    )
    type_check(root)

    auth = "return { auth: async () => state.session };"
    hal = {
        "user": {"id": "gh-7781", "email": "Hal@Trailhead.Example", "name": "Hal Hiker"},
        "expires": "2099-01-01T00:00:00.000Z",
    }
    signed, anonymous = call_route(
        root,
        tmp_path,
        "app/api/widget-token/route.ts",
        "app",
        {"@/auth": auth},
        [{"state": {"session": hal}}, {"state": {"session": None}}],
    )
    assert_signed(signed, email="hal@trailhead.example", name="Hal Hiker", user_id="gh-7781")
    assert_anonymous(anonymous)

    steps, expected = hook_steps("hal@trailhead.example", "kim@trailhead.example")
    component = "components/bestchatbot-identity.tsx"
    assert (
        run_component(root, tmp_path, component, {"next-auth/react": USE_SESSION}, steps)
        == expected
    )
    assert_client_never_sees_the_key(root, component)


def test_authjs_guest_sessions(tmp_path: Path, signing_key: str) -> None:
    """A guest Credentials provider whose users carry `membership: "guest"` on the session (the
    app's own marker): the guest gets 401 even with an email, a GitHub user a token."""
    root = patched("nextjs-authjs-guest", tmp_path, "--api-key", "pk_notes")
    route = (root / "app/api/widget-token/route.ts").read_text()
    assert 'signedIn?.user?.membership === "guest" ? null : signedIn' in route
    type_check(root)

    auth = "return { auth: async () => state.session };"
    expires = "2099-01-01T00:00:00.000Z"
    guest = {
        "user": {
            "id": "5d1c",
            "name": "Guest",
            "email": "guest-5d1c@guests.field-notes.example",
            "membership": "guest",
        },
        "expires": expires,
    }
    member = {
        "user": {
            "id": "gh-310",
            "name": "Rosa Birder",
            "email": "Rosa@Field-Notes.Example",
            "membership": "member",
        },
        "expires": expires,
    }
    as_guest, signed, anonymous = call_route(
        root,
        tmp_path,
        "app/api/widget-token/route.ts",
        "app",
        {"@/auth": auth},
        [{"state": {"session": s}} for s in (guest, member, None)],
    )
    assert_anonymous(as_guest)
    assert_signed(signed, email="rosa@field-notes.example", name="Rosa Birder", user_id="gh-310")
    assert_anonymous(anonymous)


def test_authjs_strict_no_semicolons(tmp_path: Path, signing_key: str) -> None:
    """Prettier `semi: false` + single quotes, and a tsconfig with `strict`,
    `noUncheckedIndexedAccess`, `exactOptionalPropertyTypes` and `verbatimModuleSyntax`; no
    provider component of its own, so the identity component brings `<SessionProvider>`."""
    root = patched("nextjs-authjs-strict", tmp_path, "--api-key", "pk_ridge")
    route = (root / "app/api/widget-token/route.ts").read_text()
    assert "import { auth } from '~/auth'\n" in route and not route.rstrip().endswith(";")
    type_check(root)

    auth = "return { auth: async () => state.session };"
    ada = {
        "user": {"id": "g-1043", "email": "Ada@Ridgeline.Example", "name": "Ada Lind"},
        "expires": "2099-01-01T00:00:00.000Z",
    }
    nameless = {"user": {"email": "Bo@Ridgeline.Example"}, "expires": "2099-01-01T00:00:00.000Z"}
    signed, bare, anonymous = call_route(
        root,
        tmp_path,
        "app/api/widget-token/route.ts",
        "app",
        {"~/auth": auth},
        [{"state": {"session": s}} for s in (ada, nameless, None)],
    )
    assert_signed(signed, email="ada@ridgeline.example", name="Ada Lind", user_id="g-1043")
    assert_signed(bare, email="bo@ridgeline.example", name=None, user_id=None)
    assert_anonymous(anonymous)

    hook = (
        "state.hook = { status: 'loading', data: null };"
        "state.as = (email) => { state.hook = email"
        " ? { status: 'authenticated', data: { user: { email } } }"
        " : { status: 'unauthenticated', data: null }; state.rerender(); };"
        "return { useSession: () => state.hook, SessionProvider: ({ children }) => children };"
    )
    steps, expected = hook_steps("ada@ridgeline.example", "bo@ridgeline.example")
    # the component renders <SessionProvider><IdentitySync /></SessionProvider>: rendering an
    # element here calls its function, so IdentitySync's hooks run on every render
    jsx = "const jsx = (type, props) => type(props); return { jsx, jsxs: jsx };"
    doubles = {"next-auth/react": hook, "react/jsx-runtime": jsx}
    component = "components/bestchatbot-identity.tsx"
    assert run_component(root, tmp_path, component, doubles, steps) == expected
    assert_client_never_sees_the_key(root, component)


def test_nextauth_v4_pages_router(tmp_path: Path, signing_key: str) -> None:
    root = patched("nextjs-nextauth-pages", tmp_path, "--api-key", "pk_allotment")
    app = (root / "src/pages/_app.tsx").read_text()
    assert (
        app.index("<SessionProvider")
        < app.index("<BestChatBotIdentity />")
        < app.index("</SessionProvider>")
    )
    route = (root / "src/pages/api/widget-token.ts").read_text()
    assert 'import { authOptions } from "~/pages/api/auth/[...nextauth]";' in route
    type_check(root)

    doubles = {
        "next-auth": (
            "return { getServerSession: async (req, res, options) => {"
            " if (!req || !res || !options || options.marker !== 'authOptions')"
            "   throw new Error('expected getServerSession(req, res, authOptions)');"
            " return state.session; } };"
        ),
        "~/pages/api/auth/[...nextauth]": "return { authOptions: { marker: 'authOptions' } };",
    }
    rosa = {"user": {"email": "Rosa.Plot7@Example.org", "name": "Rosa Allen"}}
    signed, anonymous = call_route(
        root,
        tmp_path,
        "src/pages/api/widget-token.ts",
        "pages",
        doubles,
        [{"state": {"session": rosa}}, {"state": {"session": None}}],
    )
    assert_signed(signed, email="rosa.plot7@example.org", name="Rosa Allen", user_id=None)
    assert_anonymous(anonymous)

    steps, expected = hook_steps("rosa.plot7@example.org", "sam@example.org")
    component = "src/components/BestChatBotIdentity.tsx"
    assert (
        run_component(root, tmp_path, component, {"next-auth/react": USE_SESSION}, steps)
        == expected
    )
    assert_client_never_sees_the_key(root, component)


def test_firebase(tmp_path: Path, signing_key: str) -> None:
    root = patched("nextjs-firebase", tmp_path, "--api-key", "pk_kiln")
    route = (root / "app/api/widget-token/route.ts").read_text()
    assert 'import { adminAuth } from "@/lib/firebase/admin";' in route
    assert "verifyIdToken" in route
    type_check(root)

    admin = (
        "return { adminAuth: { verifyIdToken: async (token) => {"
        " const decoded = state.tokens[token]; if (!decoded) throw new Error('invalid');"
        " return decoded; } } };"
    )
    tokens = {
        "good": {
            "uid": "fb-Pat",
            "email": "Pat@Kiln.Example",
            "email_verified": True,
            "name": "Pat Potter",
            "firebase": {"sign_in_provider": "password"},
        },
        "unverified": {
            "uid": "fb-x",
            "email": "ceo@kiln.example",
            "email_verified": False,
            "firebase": {"sign_in_provider": "password"},
        },
        # signInAnonymously(), even with an email claim left over: nobody to identify
        "anonymous": {
            "uid": "fb-anon",
            "email": "left-over@kiln.example",
            "email_verified": True,
            "firebase": {"sign_in_provider": "anonymous"},
        },
    }
    state = {"tokens": tokens}
    signed, unverified, anonymous, forged, missing = call_route(
        root,
        tmp_path,
        "app/api/widget-token/route.ts",
        "app",
        {"@/lib/firebase/admin": admin},
        [
            {"state": state, "headers": {"authorization": "Bearer good"}},
            {"state": state, "headers": {"authorization": "Bearer unverified"}},
            {"state": state, "headers": {"authorization": "Bearer anonymous"}},
            {"state": state, "headers": {"authorization": "Bearer forged"}},
            {"state": state},
        ],
    )
    assert_signed(signed, email="pat@kiln.example", name="Pat Potter", user_id="fb-Pat")
    for result in (unverified, anonymous, forged, missing):
        assert_anonymous(result)

    doubles = {
        "firebase/auth": (
            "return { onIdTokenChanged: (auth, cb) => { state.emit = cb; return () => {}; } };"
        ),
        "@/lib/firebase/client": (
            "state.auth = { currentUser: null };"
            "state.as = (uid, isAnonymous) => { state.auth.currentUser = uid"
            " ? { uid, isAnonymous: Boolean(isAnonymous),"
            " getIdToken: async () => 'id-token-of-' + uid } : null;"
            " state.emit(state.auth.currentUser); };"
            "return { auth: state.auth };"
        ),
    }
    t1 = jwt_like(marker="pat")
    steps = [
        {"widget": True, "render": True},
        {"token": t1, "do": "as", "args": ["pat"]},
        {"token": None, "do": "as", "args": [None]},
        {"token": t1, "do": "as", "args": ["anon", True]},
    ]
    expected = [
        "--",
        "fetch /api/widget-token Bearer id-token-of-pat",
        f"set {t1}",
        "--",
        "clear",
        "clear",
        "--",
        "--",  # the anonymous user: no request for a token, nothing set
    ]
    component = "components/bestchatbot-identity.tsx"
    assert run_component(root, tmp_path, component, doubles, steps) == expected
    assert_client_never_sees_the_key(root, component)


def test_route_handlers_without_the_key(tmp_path: Path, no_signing_key: None) -> None:
    """BESTCHATBOT_SIGNING_KEY unset: the App Router and Pages Router handlers answer 503
    {"token": null} to signed-in users (anonymous ones still 401) and log one line; the identity
    component takes the 503 as no identity."""
    unavailable = {"status": 503, "cacheControl": "no-store", "body": {"token": None}}
    root = patched("nextjs-clerk", tmp_path, "--api-key", "pk_test_tidewater")
    ada = {
        "id": "user_2aDa",
        "fullName": "Ada Lovelace",
        "primaryEmailAddress": {"emailAddress": "ada@example.com"},
    }
    results, log = route_and_log(
        root,
        tmp_path,
        "app/api/widget-token/route.ts",
        "app",
        {"@clerk/nextjs/server": "return { currentUser: async () => state.user };"},
        [{"state": {"user": None}}, {"state": {"user": ada}}, {"state": {"user": ada}}],
    )
    assert_anonymous(results[0])
    assert results[1:] == [unavailable, unavailable]
    assert_missing_key_logged_once(log)

    hook = (
        "state.hook = { isLoaded: false, user: null };"
        "state.as = (id) => { state.hook = { isLoaded: true, user: id ? { id } : null };"
        " state.rerender(); };"
        "return { useUser: () => state.hook };"
    )
    # Signed in, but the endpoint answers 503 (the double answers not-ok without a token).
    steps = [{"widget": True, "render": True}, {"token": None, "do": "as", "args": ["user_a"]}]
    component = "components/bestchatbot-identity.tsx"
    assert run_component(root, tmp_path, component, {"@clerk/nextjs": hook}, steps) == [
        "--",
        "fetch /api/widget-token",
        "clear",
        "--",
    ]

    pages = patched("nextjs-nextauth-pages", tmp_path / "pages", "--api-key", "pk_allotment")
    doubles = {
        "next-auth": "return { getServerSession: async () => state.session };",
        "~/pages/api/auth/[...nextauth]": "return { authOptions: {} };",
    }
    rosa = {"user": {"email": "rosa@example.org", "name": "Rosa Allen"}}
    results, log = route_and_log(
        pages,
        tmp_path,
        "src/pages/api/widget-token.ts",
        "pages",
        doubles,
        [{"state": {"session": None}}, {"state": {"session": rosa}}, {"state": {"session": rosa}}],
    )
    assert_anonymous(results[0])
    assert results[1:] == [unavailable, unavailable]
    assert_missing_key_logged_once(log)


def test_dry_run_changes_nothing(tmp_path: Path) -> None:
    root = copy_fixture("nextjs-clerk", tmp_path)
    before = tree_digest(root)
    result = run("apply", root, "--dry-run", "--api-key", "pk_test")
    assert result.exit_code == 0, result.output
    assert "+++ b/app/api/widget-token/route.ts" in result.output
    assert tree_digest(root) == before


# -- shapes the fixtures do not have, on the same installed packages ----------------------------


def test_monorepo_app(tmp_path: Path, signing_key: str) -> None:
    root = tmp_path / "repo"
    copy_fixture("nextjs-clerk", root / "apps")
    (root / "apps/nextjs-clerk").rename(root / "apps/web")
    copy_fixture("nextjs-firebase", root / "apps")
    (root / "apps/nextjs-firebase").rename(root / "apps/studio")
    (root / "package.json").write_text(json.dumps({"private": True, "workspaces": ["apps/*"]}))
    asked = run("apply", root, "--yes", "--api-key", "pk")
    assert asked.exit_code == 3 and "--app" in asked.output
    apply_twice(root, "--app", "apps/web", "--api-key", "pk_web")
    assert not (root / "apps/studio/app/api/widget-token").exists()
    web = root / "apps/web"
    install(web)
    type_check(web)
    [signed] = call_route(
        web,
        tmp_path,
        "app/api/widget-token/route.ts",
        "app",
        {"@clerk/nextjs/server": "return { currentUser: async () => state.user };"},
        [
            {
                "state": {
                    "user": {
                        "id": "user_1",
                        "fullName": None,
                        "primaryEmailAddress": {"emailAddress": "Kim@Example.com"},
                    }
                }
            }
        ],
    )
    assert_signed(signed, email="kim@example.com", name=None, user_id="user_1")


def test_firebase_without_an_admin_module(tmp_path: Path, signing_key: str) -> None:
    root = copy_fixture("nextjs-firebase", tmp_path)
    (root / "lib/firebase/admin.ts").unlink()
    (root / "app/api/projects/route.ts").unlink()
    apply_twice(root, "--api-key", "pk")
    install(root)
    type_check(root)
    admin = {
        "firebase-admin/app": (
            "state.apps = []; return { getApps: () => state.apps,"
            " initializeApp: () => { const app = { name: '[DEFAULT]' }; state.apps.push(app);"
            " return app; } };"
        ),
        "firebase-admin/auth": (
            "return { getAuth: (app) => { if (!app) throw new Error('no app');"
            " return { verifyIdToken: async (t) => { if (t !== 'good') throw new Error('bad');"
            " return { uid: 'u9', email: 'Ray@Kiln.example', email_verified: true,"
            " firebase: { sign_in_provider: 'google.com' } }; } }; } };"
        ),
    }
    signed, forged = call_route(
        root,
        tmp_path,
        "app/api/widget-token/route.ts",
        "app",
        admin,
        [{"headers": {"authorization": "Bearer good"}}, {"headers": {"authorization": "Bearer x"}}],
    )
    assert_signed(signed, email="ray@kiln.example", name=None, user_id="u9")
    assert_anonymous(forged)


def test_nextauth_v4_options_not_exported_yet(tmp_path: Path, signing_key: str) -> None:
    root = copy_fixture("nextjs-nextauth-pages", tmp_path)
    options = root / "src/pages/api/auth/[...nextauth].ts"
    options.write_text(options.read_text().replace("export const authOptions", "const authOptions"))
    plots = root / "src/pages/plots.tsx"
    plots.unlink()  # it imported authOptions
    apply_twice(root, "--api-key", "pk")
    assert "export const authOptions" in options.read_text()
    install(root)
    type_check(root)


def test_supabase_without_helpers(tmp_path: Path, signing_key: str) -> None:
    root = copy_fixture("nextjs-supabase", tmp_path)
    for path in (
        "src/lib/supabase/server.ts",
        "src/lib/supabase/client.ts",
        "src/app/[locale]/page.tsx",
        "src/app/[locale]/account/page.tsx",
        "src/app/[locale]/login/page.tsx",
        "src/app/[locale]/login/actions.ts",
        "src/app/auth/confirm/route.ts",
    ):
        (root / path).unlink()
    apply_twice(root)
    route = (root / "src/app/api/widget-token/route.ts").read_text()
    # the env names the project uses for its other client (the middleware's)
    assert "process.env.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY!" in route
    install(root)
    type_check(root)
    doubles = {
        "@supabase/ssr": (
            "return { createServerClient: (url, key, options) => {"
            " if (!options.cookies.getAll) throw new Error('cookies');"
            " const getUser = async () => ({ data: { user: state.user }, error: null });"
            " return { auth: { getUser } };"
            " } };"
        ),
        "next/headers": "return { cookies: async () => ({ getAll: () => [], set() {} }) };",
    }
    user = {"id": "u-1", "email": "Lu@Example.com", "is_anonymous": False, "user_metadata": {}}
    signed, nobody = call_route(
        root,
        tmp_path,
        "src/app/api/widget-token/route.ts",
        "app",
        doubles,
        [{"state": {"user": user}}, {"state": {"user": None}}],
    )
    assert_signed(signed, email="lu@example.com", name=None, user_id="u-1")
    assert_anonymous(nobody)


AUTH0_V3 = {
    "package.json": json.dumps(
        {
            "name": "auth0-v3",
            "private": True,
            "dependencies": {
                "@auth0/nextjs-auth0": "^3.5.0",
                "next": "^14.2.0",
                "react": "^18.3.0",
                "react-dom": "^18.3.0",
            },
            "devDependencies": {
                "@types/node": "^22",
                "@types/react": "^18",
                "@types/react-dom": "^18",
                "typescript": "^5.9.0",
            },
        },
        indent=2,
    ),
    "tsconfig.json": json.dumps(
        {
            "compilerOptions": {
                "lib": ["dom", "esnext"],
                "strict": True,
                "noEmit": True,
                "skipLibCheck": True,
                "module": "esnext",
                "moduleResolution": "bundler",
                "jsx": "preserve",
                "isolatedModules": True,
                "paths": {"@/*": ["./*"]},
            },
            "include": ["**/*.ts", "**/*.tsx"],
        }
    ),
    "app/api/auth/[auth0]/route.ts": (
        'import { handleAuth } from "@auth0/nextjs-auth0";\n\nexport const GET = handleAuth();\n'
    ),
    "app/layout.tsx": (
        'import { UserProvider } from "@auth0/nextjs-auth0/client";\n\n'
        "export default function RootLayout({ children }: { children: React.ReactNode }) {\n"
        '  return (\n    <html lang="en">\n      <UserProvider>\n        <body>{children}</body>\n'
        "      </UserProvider>\n    </html>\n  );\n}\n"
    ),
    "app/page.tsx": "export default function Home() {\n  return <h1>Home</h1>;\n}\n",
}


def test_auth0_v3(tmp_path: Path, signing_key: str) -> None:
    root = tmp_path / "auth0-v3"
    for path, text in AUTH0_V3.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    apply_twice(root, "--api-key", "pk")
    layout = (root / "app/layout.tsx").read_text()
    # <UserProvider> wraps <body> here: the component goes in <body>, which is inside it
    assert layout.index("<UserProvider>") < layout.index("<BestChatBotIdentity />")
    assert "<UserProvider>" not in (root / "components/bestchatbot-identity.tsx").read_text()
    install(root)
    type_check(root)
    session = {"user": {"sub": "auth0|v3", "email": "Old@School.example", "name": "Olde"}}
    signed, anonymous = call_route(
        root,
        tmp_path,
        "app/api/widget-token/route.ts",
        "app",
        {"@auth0/nextjs-auth0": "return { getSession: async () => state.session };"},
        [{"state": {"session": session}}, {"state": {"session": None}}],
    )
    assert_signed(signed, email="old@school.example", name="Olde", user_id="auth0|v3")
    assert_anonymous(anonymous)
