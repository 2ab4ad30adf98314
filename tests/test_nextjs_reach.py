"""Next.js: whether the token route gets through the app's middleware (`reach`): next-intl's
middleware sending `/api/widget-token` to a locale path, Clerk's middleware skipping it or
protecting it; the edits that let it through (before / after, exact), the no-ops, and the
cases refused with a reason. The end-to-end tests run the project's real middleware under node
(`next/server`'s NextRequest, `unstable_doesMiddlewareMatch` for the matcher) before and after
the patch."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from scaffolder import engine
from scaffolder.errors import BadInput
from scaffolder.model import Answers
from scaffolder.stacks.nextjs.middleware import pattern_matches
from scaffolder.stacks.nextjs.reach import check
from tests.helpers import apply_twice, copy_fixture
from tests.test_nextjs_e2e import (
    assert_anonymous,
    assert_signed,
    call_route,
    install,
    type_check,
)

ENDPOINT = "/api/widget-token"
CLERK_IMPORT = 'import { clerkMiddleware, createRouteMatcher } from "@clerk/nextjs/server";\n\n'
INTL_IMPORT = 'import createMiddleware from "next-intl/middleware";\n\n'


def fixes(before: str, after: str, clerk: str | None = None) -> None:
    verdict = check("middleware.ts", before, ENDPOINT, clerk)
    assert verdict.outcome == "edit", verdict
    assert verdict.text == after
    # the edit is the whole story: the result gets through untouched
    assert check("middleware.ts", after, ENDPOINT, clerk).outcome == "through"


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        pytest.param(
            r"/((?!_next|[^?]*\.(?:html?|css|js(?!on)|jpe?g|png)).*)", True, id="clerk default"
        ),
        pytest.param("/((?!api|_next/static|favicon.ico).*)", False, id="api excluded"),
        pytest.param("/((?!api/widget-token$|_next).*)", False, id="route excluded"),
        pytest.param("/api/:path*", True, id="param"),
        pytest.param("/(api|trpc)(.*)", True, id="group"),
        pytest.param("/dashboard(.*)", False, id="elsewhere"),
    ],
)
def test_pattern_matches(pattern: str, expected: bool) -> None:
    assert pattern_matches(pattern, ENDPOINT) is expected


# -- nothing to change ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "clerk"),
    [
        pytest.param(
            CLERK_IMPORT + "export default clerkMiddleware();\n\nexport const config = {\n"
            '  matcher: ["/((?!_next|.*\\\\..*).*)", "/(api|trpc)(.*)"],\n};\n',
            "currentUser()",
            id="clerk runs on api routes",
        ),
        pytest.param(
            CLERK_IMPORT + 'const isProtectedRoute = createRouteMatcher(["/dashboard(.*)"]);\n\n'
            "export default clerkMiddleware((auth, req) => {\n"
            "  if (isProtectedRoute(req)) auth().protect();\n});\n",
            "currentUser()",
            id="clerk protects only the dashboard",
        ),
        pytest.param(
            INTL_IMPORT + "export default createMiddleware(routing);\n\nexport const config = {\n"
            '  matcher: ["/((?!api|trpc|_next|_vercel|.*\\\\..*).*)"],\n};\n',
            None,
            id="next-intl leaves api routes alone",
        ),
        pytest.param(
            INTL_IMPORT + 'import { NextResponse, type NextRequest } from "next/server";\n\n'
            "const intl = createMiddleware(routing);\n\n"
            "export function middleware(request: NextRequest) {\n"
            "  const { pathname } = request.nextUrl;\n"
            '  if (pathname.startsWith("/api")) {\n    return NextResponse.next();\n  }\n'
            "  return intl(request);\n}\n",
            None,
            id="next-intl behind an early return for api routes",
        ),
        pytest.param(
            'import { clerkMiddleware } from "@clerk/nextjs/server";\n'
            + INTL_IMPORT
            + 'import { type NextFetchEvent, type NextRequest } from "next/server";\n\n'
            "const intl = createMiddleware(routing);\n\n"
            "export default function middleware(req: NextRequest, ev: NextFetchEvent) {\n"
            '  if (req.nextUrl.pathname.startsWith("/api")) {\n'
            "    return clerkMiddleware()(req, ev);\n  }\n"
            "  const localized = intl(req);\n"
            "  return clerkMiddleware(() => localized)(req, ev);\n}\n",
            "currentUser()",
            id="api routes get Clerk alone, pages next-intl then Clerk",
        ),
        pytest.param(
            'export { auth as middleware } from "@/auth";\n\n'
            'export const config = { matcher: ["/((?!api|_next/static).*)"] };\n',
            None,
            id="Auth.js middleware",
        ),
    ],
)
def test_reach_noop(text: str, clerk: str | None) -> None:
    verdict = check("middleware.ts", text, ENDPOINT, clerk)
    assert (verdict.outcome, verdict.text, verdict.warning) == ("through", None, None)


# -- edits ------------------------------------------------------------------------------------


def test_intl_matcher_excludes_the_route() -> None:
    before = (
        INTL_IMPORT + "export default createMiddleware(routing);\n\nexport const config = {\n"
        '  matcher: ["/((?!api/auth|_next|_vercel|.*\\\\..*).*)"],\n};\n'
    )
    after = before.replace("(?!api/auth|", "(?!api/widget-token$|api/auth|")
    fixes(before, after)


def test_intl_without_a_matcher_gets_one() -> None:
    before = (
        "import createMiddleware from 'next-intl/middleware'\n\n"
        "export default createMiddleware(routing)\n"
    )
    after = before + (
        "\nexport const config = {\n"
        "  // every path but the widget-token route, which next-intl would send to a locale path\n"
        "  matcher: ['/((?!api/widget-token$).*)'],\n}\n"
    )
    fixes(before, after)


def test_intl_in_a_function_without_an_early_return() -> None:
    before = (
        INTL_IMPORT + 'import { type NextRequest } from "next/server";\n\n'
        "const handleI18nRouting = createMiddleware(routing);\n\n"
        "export async function middleware(request: NextRequest) {\n"
        "  const response = handleI18nRouting(request);\n  return response;\n}\n\n"
        "export const config = { matcher: ['/((?!_next|.*\\\\..*).*)'] };\n"
    )
    after = before.replace("(?!_next|", "(?!api/widget-token$|_next|")
    fixes(before, after)


def test_clerk_matcher_and_public_routes() -> None:
    before = CLERK_IMPORT + (
        'const isPublicRoute = createRouteMatcher(["/", "/sign-in(.*)"]);\n\n'
        "export default clerkMiddleware(async (auth, request) => {\n"
        "  if (!isPublicRoute(request)) {\n    await auth.protect();\n  }\n});\n\n"
        "export const config = {\n  matcher: [\n"
        '    "/((?!api|_next|.*\\\\..*).*)",\n  ],\n};\n'
    )
    # the public routes outgrow Prettier's 80 columns: one per line, as Prettier prints them
    after = before.replace(
        '["/", "/sign-in(.*)"]', '[\n  "/",\n  "/sign-in(.*)",\n  "/api/widget-token",\n]'
    ).replace('.*).*)",\n', '.*).*)",\n    "/api/widget-token",\n')
    fixes(before, after, "currentUser()")


def test_clerk_public_routes_grow_one_per_line_past_the_print_width() -> None:
    before = CLERK_IMPORT + (
        "const isPublicRoute = createRouteMatcher(['/', '/pricing', '/about', '/sign-in(.*)'])\n\n"
        "export default clerkMiddleware(async (auth, req) => {\n"
        "  if (!isPublicRoute(req)) await auth.protect()\n})\n"
    )
    after = before.replace(
        "['/', '/pricing', '/about', '/sign-in(.*)']",
        "[\n  '/',\n  '/pricing',\n  '/about',\n  '/sign-in(.*)',\n  '/api/widget-token',\n]",
    )
    fixes(before, after, "currentUser()")


def test_clerk_matcher_string_becomes_a_list() -> None:
    before = (
        CLERK_IMPORT + "export default clerkMiddleware();\n\n"
        "export const config = { matcher: '/dashboard/:path*' };\n"
    )
    after = before.replace("'/dashboard/:path*'", "['/dashboard/:path*', '/api/widget-token']")
    fixes(before, after, "currentUser()")


# -- refused, and warned ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        pytest.param(
            'import { clerkMiddleware } from "@clerk/nextjs/server";\n'
            'import { NextResponse, type NextFetchEvent, type NextRequest } from "next/server";\n\n'
            "const clerk = clerkMiddleware();\n\n"
            "export default function middleware(req: NextRequest, event: NextFetchEvent) {\n"
            '  if (req.nextUrl.pathname.startsWith("/api")) return NextResponse.next();\n'
            "  return clerk(req, event);\n}\n",
            "it returns before clerkMiddleware() runs on /api/widget-token",
            id="a wrapper returns before Clerk",
        ),
        pytest.param(
            'import { clerkMiddleware } from "@clerk/nextjs/server";\n'
            + INTL_IMPORT
            + "const handleI18nRouting = createMiddleware(routing);\n\n"
            "export default clerkMiddleware(async (auth, req) => handleI18nRouting(req));\n\n"
            'export const config = { matcher: ["/((?!_next|.*\\\\..*).*)", "/(api|trpc)(.*)"] };\n',
            "while clerkMiddleware() must still run there: make its handler return before "
            'next-intl for that path (`if (req.nextUrl.pathname === "/api/widget-token") return;`)',
            id="next-intl inside clerkMiddleware",
        ),
        pytest.param(
            'import { clerkMiddleware } from "@clerk/nextjs/server";\n'
            + INTL_IMPORT
            + "const intlMiddleware = createMiddleware(routing);\n\n"
            "export default clerkMiddleware(async (_auth, request) => {\n"
            "  return intlMiddleware(request);\n});\n\n"
            "export const config = { matcher: ['/((?!api|trpc|_next|_vercel|.*\\\\..*).*)'] };\n",
            "add /api/widget-token to its config.matcher (Clerk's currentUser() throws unless "
            "clerkMiddleware() ran on the request); then next-intl's middleware runs on "
            "/api/widget-token",
            id="next-intl inside clerkMiddleware, api routes skipped",
        ),
    ],
)
def test_reach_refused(text: str, reason: str) -> None:
    verdict = check("middleware.ts", text, ENDPOINT, "currentUser()")
    assert verdict.outcome == "manual" and reason in verdict.reason, verdict


def test_intl_matcher_without_a_lookahead_is_refused() -> None:
    text = INTL_IMPORT + "export default createMiddleware(routing);\n\n"
    text += "export const config = { matcher: ['/:path*'] };\n"
    verdict = check("middleware.ts", text, ENDPOINT)
    assert verdict.outcome == "manual"
    assert "exclude it from config.matcher, e.g. '/((?!api/widget-token$|" in verdict.reason


@pytest.mark.parametrize(
    ("text", "warning"),
    [
        pytest.param(
            'export { auth as middleware } from "@/auth";\n',
            "does not call Clerk's middleware",
            id="no Clerk middleware",
        ),
        pytest.param(
            'import { clerkMiddleware } from "@clerk/nextjs/server";\n\n'
            "export default clerkMiddleware(async (auth) => {\n  await auth.protect();\n});\n",
            "auth.protect() may run on /api/widget-token",
            id="everything protected",
        ),
        pytest.param(
            'import { clerkMiddleware } from "@clerk/nextjs/server";\n\n'
            "export default clerkMiddleware();\n\nexport const config = { matcher: MATCHER };\n",
            "could not tell whether clerkMiddleware() runs on /api/widget-token",
            id="a matcher built in code",
        ),
    ],
)
def test_reach_warns(text: str, warning: str) -> None:
    verdict = check("middleware.ts", text, ENDPOINT, "currentUser()")
    assert verdict.outcome == "through" and warning in (verdict.warning or ""), verdict


def test_a_refusal_writes_nothing(tmp_path: Path) -> None:
    root = copy_fixture("nextjs-clerk-groups", tmp_path)
    (root / "middleware.ts").write_text(
        'import { clerkMiddleware } from "@clerk/nextjs/server";\n'
        'import { NextResponse, type NextFetchEvent, type NextRequest } from "next/server";\n\n'
        "const clerk = clerkMiddleware();\n\n"
        "export default function middleware(req: NextRequest, event: NextFetchEvent) {\n"
        '  if (req.nextUrl.pathname.startsWith("/api")) return NextResponse.next();\n'
        "  return clerk(req, event);\n}\n"
    )
    with pytest.raises(BadInput, match=r"middleware\.ts: it returns before clerkMiddleware\(\)"):
        engine.plan(root, Answers(api_key="pk"))


def test_api_prefix_is_the_path_checked(tmp_path: Path) -> None:
    root = copy_fixture("nextjs-intl", tmp_path)
    result = engine.plan(root, Answers(api_key="pk", api_prefix="/api/v1"))
    middleware = next(e.after for e in result.plan.edits if e.path == "src/middleware.ts")
    assert "(?!api/v1/widget-token$|api/auth|" in middleware


# -- end to end: the project's middleware, run under node -------------------------------------

# Loads the project's middleware (TypeScript, transpiled to CommonJS as it is required; ESM-only
# packages such as next-intl imported up front), asks Next.js's own matcher whether it runs for
# each URL, and when it does, calls it with a NextRequest: what it answers, per URL.
MIDDLEWARE = r"""
globalThis.AsyncLocalStorage = require("node:async_hooks").AsyncLocalStorage;
const Module = require("module");
const path = require("path");
const fs = require("fs");
const { pathToFileURL } = require("url");
const config = JSON.parse(process.argv[2]);
const root = config.root;
const projectRequire = Module.createRequire(path.join(root, "package.json"));
const ts = projectRequire("typescript");
for (const ext of [".ts", ".tsx"]) {
  Module._extensions[ext] = (m, filename) => {
    const { outputText } = ts.transpileModule(fs.readFileSync(filename, "utf8"), {
      fileName: filename,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
      },
    });
    m._compile(outputText, filename);
  };
}
// next-intl imports `next/server` without an extension, which only bundlers resolve.
Module.register("data:text/javascript," + encodeURIComponent(`
export async function resolve(specifier, context, next) {
  try { return await next(specifier, context); }
  catch (error) {
    if (error.code === "ERR_MODULE_NOT_FOUND" && /^next\\/[\\w/-]+$/.test(specifier)) {
      return next(specifier + ".js", context);
    }
    throw error;
  }
}`));
const preloaded = {};
const load = Module._load;
Module._load = function (request, parent, isMain) {
  if (Object.prototype.hasOwnProperty.call(preloaded, request)) return preloaded[request];
  return load.call(this, request, parent, isMain);
};
const { NextRequest } = projectRequire("next/server");
const { unstable_doesMiddlewareMatch } = projectRequire("next/experimental/testing/server");

(async () => {
  for (const spec of config.esm) {
    const ns = await import(pathToFileURL(projectRequire.resolve(spec)).href);
    preloaded[spec] = { __esModule: true, ...ns };
  }
  const mod = require(path.join(root, config.file));
  const middleware = mod.default || mod.middleware || mod.proxy;
  const out = {};
  for (const url of config.urls) {
    if (!unstable_doesMiddlewareMatch({ config: mod.config || {}, url })) {
      out[url] = { matched: false };
      continue;
    }
    const request = new NextRequest(new URL(url, "http://localhost:3000"), {
      headers: { accept: "*/*" },
    });
    const response = await middleware(request, { waitUntil() {} });
    const header = (name) => (response ? response.headers.get(name) : null);
    const rewrite = header("x-middleware-rewrite");
    out[url] = {
      matched: true,
      status: response ? response.status : 200,
      location: header("location"),
      // Clerk rewrites a request to itself to pass its auth state on; anything else moved it
      rewritten: rewrite !== null && new URL(rewrite).pathname !== new URL(url, "http://x").pathname,
      clerk: header("x-middleware-request-x-clerk-auth-status"),
    };
  }
  console.log(JSON.stringify(out));
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
"""


def run_middleware(
    root: Path, tmp: Path, file: str, urls: list[str], esm: tuple[str, ...] = ()
) -> dict[str, dict[str, Any]]:
    script = tmp / "middleware-harness.cjs"
    script.write_text(MIDDLEWARE)
    # Clerk's middleware with development keys of no real instance: a signed-out visitor needs
    # no network (the publishable key is `pk_test_` + base64 of the frontend API host and `$`).
    env = {
        **os.environ,
        "CLERK_SECRET_KEY": "sk_test_bcbscaffold",
        "NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY": "pk_test_ZXhhbXBsZS5jbGVyay5hY2NvdW50cy5kZXYk",
        "CLERK_TELEMETRY_DISABLED": "1",
    }
    config = {"root": str(root), "file": file, "urls": urls, "esm": list(esm)}
    out = subprocess.run(
        ["node", str(script), json.dumps(config)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert out.returncode == 0, out.stderr[-4000:]
    answer: dict[str, dict[str, Any]] = json.loads(out.stdout.strip().splitlines()[-1])
    return answer


def unpatched(root: Path, tmp: Path, fixture: str) -> Path:
    """The fixture as it was, on the patched copy's packages."""
    original = copy_fixture(fixture, tmp / "original")
    (original / "node_modules").symlink_to((root / "node_modules").resolve())
    return original


@pytest.mark.e2e
def test_next_intl_middleware_lets_the_route_through(tmp_path: Path, signing_key: str) -> None:
    """next-intl's middleware, whose matcher leaves out only Auth.js's routes, redirected
    /api/widget-token to /en/api/widget-token (nothing there); after the patch it does not run
    on the route, and still gives every page its locale."""
    root = copy_fixture("nextjs-intl", tmp_path)
    apply_twice(root, "--api-key", "pk_fieldnotes")
    install(root)
    type_check(root)
    urls = ["/api/widget-token", "/journal", "/de/journal", "/api/auth/session"]
    esm = ("next-intl/middleware",)
    before = run_middleware(
        unpatched(root, tmp_path, "nextjs-intl"), tmp_path, "src/middleware.ts", urls, esm
    )
    after = run_middleware(root, tmp_path, "src/middleware.ts", urls, esm)
    assert before["/api/widget-token"]["location"] == "http://localhost:3000/en/api/widget-token"
    assert after["/api/widget-token"] == {"matched": False}
    assert after["/journal"]["location"] == "http://localhost:3000/en/journal"
    assert after["/de/journal"] == before["/de/journal"] and after["/de/journal"]["status"] == 200
    assert after["/api/auth/session"] == {"matched": False}

    session = {
        "user": {"id": "gh-52", "email": "Ines@Fieldnotes.Example", "name": "Ines Vogel"},
        "expires": "2099-01-01T00:00:00.000Z",
    }
    signed, anonymous = call_route(
        root,
        tmp_path,
        "src/app/api/widget-token/route.ts",
        "app",
        {"@/auth": "return { auth: async () => state.session };"},
        [{"state": {"session": session}}, {"state": {"session": None}}],
    )
    assert_signed(signed, email="ines@fieldnotes.example", name="Ines Vogel", user_id="gh-52")
    assert_anonymous(anonymous)


@pytest.mark.e2e
def test_clerk_middleware_runs_on_the_route(tmp_path: Path, signing_key: str) -> None:
    """Clerk's middleware skipped /api/* (so currentUser() would throw there) and protects every
    route but its public ones: after the patch it runs on the route (its auth state is on the
    request) and lets the anonymous visitor through to the route's own 401."""
    root = copy_fixture("nextjs-clerk-groups", tmp_path)
    apply_twice(root, "--api-key", "pk_harbour")
    install(root)
    type_check(root)
    urls = ["/api/widget-token", "/dashboard", "/pricing"]
    original = unpatched(root, tmp_path, "nextjs-clerk-groups")
    before = run_middleware(original, tmp_path, "middleware.ts", urls)
    after = run_middleware(root, tmp_path, "middleware.ts", urls)
    assert before["/api/widget-token"] == {"matched": False}
    route = after["/api/widget-token"]
    assert route["matched"] and route["clerk"] == "signed-out", route
    assert route["status"] == 200 and not route["rewritten"] and route["location"] is None
    # the rest of the app is as it was: the dashboard still protected, pricing still public
    assert after["/dashboard"] == before["/dashboard"] and after["/dashboard"]["rewritten"]
    assert after["/pricing"] == before["/pricing"] and not after["/pricing"]["rewritten"]

    skipper = {
        "id": "user_2Skip",
        "fullName": "Sam Skipper",
        "primaryEmailAddress": {"emailAddress": "Sam@Harbour.Example"},
    }
    signed, anonymous = call_route(
        root,
        tmp_path,
        "app/api/widget-token/route.ts",
        "app",
        {"@clerk/nextjs/server": "return { currentUser: async () => state.user };"},
        [{"state": {"user": skipper}}, {"state": {"user": None}}],
    )
    assert_signed(signed, email="sam@harbour.example", name="Sam Skipper", user_id="user_2Skip")
    assert_anonymous(anonymous)
