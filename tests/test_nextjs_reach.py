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
from tests.npm_cache import npm_env
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


INTL_IN_CLERK = (
    'import { clerkMiddleware } from "@clerk/nextjs/server";\n'
    + INTL_IMPORT
    + "const handleI18nRouting = createMiddleware(routing);\n\n"
)
GUARD = "// The widget-token route answers signed-out visitors itself (401) and has no locale.\n"


def test_intl_inside_clerk_returns_first_on_the_route() -> None:
    """next-intl composed inside Clerk's handler: leaving the matcher would skip Clerk too, so
    the handler returns on the route before it (Clerk's auth is on the request by then)."""
    before = INTL_IN_CLERK + (
        "export default clerkMiddleware(async (auth, req) => handleI18nRouting(req));\n\n"
        'export const config = { matcher: ["/((?!_next|.*\\\\..*).*)", "/(api|trpc)(.*)"] };\n'
    )
    after = before.replace(
        "async (auth, req) => handleI18nRouting(req));",
        "async (auth, req) => {\n  "
        + GUARD
        + '  if (req.nextUrl.pathname === "/api/widget-token") return;\n'
        "  return handleI18nRouting(req);\n});",
    )
    fixes(before, after, "currentUser()")


def test_intl_inside_clerk_follows_the_route_matchers_and_skips_protect() -> None:
    """With the module's own `createRouteMatcher` style; the return comes before protect(), so
    the anonymous visitor gets the route's 401, not Clerk's redirect."""
    before = (
        "import { clerkMiddleware, createRouteMatcher } from '@clerk/nextjs/server'\n"
        "import createMiddleware from 'next-intl/middleware'\n\n"
        "const intlMiddleware = createMiddleware(routing)\n\n"
        "const isProtectedRoute = createRouteMatcher(['/:locale/dashboard(.*)', '/api(.*)'])\n\n"
        "export default clerkMiddleware(async (auth, request) => {\n"
        "  if (isProtectedRoute(request)) await auth.protect()\n\n"
        "  return intlMiddleware(request)\n})\n\n"
        "export const config = {\n  matcher: ['/((?!_next|_vercel|.*\\\\..*).*)'],\n}\n"
    )
    after = before.replace(
        "'/api(.*)'])\n",
        "'/api(.*)'])\n\nconst isWidgetTokenRoute = createRouteMatcher(['/api/widget-token'])\n",
    ).replace(
        "  if (isProtectedRoute(request))",
        "  "
        + GUARD
        + "  if (isWidgetTokenRoute(request)) return\n\n  if (isProtectedRoute(request))",
    )
    fixes(before, after, "currentUser()")


def test_intl_inside_clerk_with_api_routes_skipped_gets_both_edits() -> None:
    """The matcher skipped /api: the route joins it (Clerk must run), which brings it under
    next-intl, so the handler returns first on it too."""
    before = INTL_IN_CLERK + (
        "export default clerkMiddleware(async (_auth, request) => {\n"
        "  return handleI18nRouting(request);\n});\n\n"
        "export const config = {\n  matcher: ['/((?!api|trpc|_next|_vercel|.*\\\\..*).*)'],\n};\n"
    )
    after = before.replace(
        "  return handleI18nRouting(request);",
        "  " + GUARD + '  if (request.nextUrl.pathname === "/api/widget-token") return;\n\n'
        "  return handleI18nRouting(request);",
    ).replace(".*).*)'],\n", ".*).*)', '/api/widget-token'],\n")
    verdict = check("middleware.ts", before, ENDPOINT, "currentUser()")
    assert verdict.outcome == "edit" and verdict.text == after, verdict
    assert verdict.reason.startswith("add /api/widget-token to its config.matcher")
    assert "; return from clerkMiddleware()'s handler on /api/widget-token before next-intl" in (
        verdict.reason
    )


def test_intl_in_auth_middleware_before_auth() -> None:
    """Clerk 4 / 5's documented way to run next-intl: authMiddleware()'s `beforeAuth`, which
    redirected the route to a locale path before Clerk ran; it returns first on the route, and
    the route joins the public routes."""
    before = (
        'import { authMiddleware } from "@clerk/nextjs";\n'
        + INTL_IMPORT
        + 'const intlMiddleware = createMiddleware({ locales: ["en", "de"], defaultLocale: "en" });'
        "\n\nexport default authMiddleware({\n"
        "  beforeAuth: (req) => {\n"
        "    // Execute next-intl middleware before Clerk's auth middleware\n"
        "    return intlMiddleware(req);\n  },\n"
        '  publicRoutes: ["/", "/:locale/sign-in"],\n});\n' + MATCHER
    )
    after = before.replace(
        "    // Execute next-intl",
        "    " + GUARD + '    if (req.nextUrl.pathname === "/api/widget-token") return;\n\n'
        "    // Execute next-intl",
    ).replace('"/:locale/sign-in"]', '"/:locale/sign-in", "/api/widget-token"]')
    verdict = check("middleware.ts", before, ENDPOINT, "currentUser()")
    assert verdict.outcome == "edit" and verdict.text == after, verdict
    assert verdict.reason.startswith(
        "return from authMiddleware()'s beforeAuth on /api/widget-token before next-intl runs "
        "(authMiddleware() runs on as usual)"
    )
    assert check("middleware.ts", after, ENDPOINT, "currentUser()").outcome == "through"


def test_intl_inside_clerk_called_from_a_wrapper() -> None:
    """A wrapper that runs Clerk (and next-intl inside it) for some paths and next-intl alone
    for the others: the route takes the Clerk branch, whose handler returns first."""
    before = (
        "import { clerkMiddleware, createRouteMatcher } from '@clerk/nextjs/server';\n"
        "import type { NextFetchEvent, NextRequest } from 'next/server';\n"
        "import createMiddleware from 'next-intl/middleware';\n\n"
        "const intlMiddleware = createMiddleware(routing);\n\n"
        "const isProtectedRoute = createRouteMatcher(['/dashboard(.*)', '/api(.*)']);\n\n"
        "export default function middleware(request: NextRequest, event: NextFetchEvent) {\n"
        "  if (request.nextUrl.pathname.includes('/sign-in') || isProtectedRoute(request)) {\n"
        "    return clerkMiddleware(async (auth, req) => {\n"
        "      if (isProtectedRoute(req)) {\n        await auth.protect();\n      }\n\n"
        "      return intlMiddleware(req);\n    })(request, event);\n  }\n\n"
        "  return intlMiddleware(request);\n}\n"
    )
    after = before.replace(
        "'/api(.*)']);\n",
        "'/api(.*)']);\n\nconst isWidgetTokenRoute = createRouteMatcher(['/api/widget-token']);\n",
    ).replace(
        "      if (isProtectedRoute(req)) {",
        "      " + GUARD + "      if (isWidgetTokenRoute(req)) return;\n\n"
        "      if (isProtectedRoute(req)) {",
    )
    fixes(before, after, "currentUser()")


def test_clerk_matcher_string_becomes_a_list() -> None:
    before = (
        CLERK_IMPORT + "export default clerkMiddleware();\n\n"
        "export const config = { matcher: '/dashboard/:path*' };\n"
    )
    after = before.replace("'/dashboard/:path*'", "['/dashboard/:path*', '/api/widget-token']")
    fixes(before, after, "currentUser()")


# -- v4 / v5's authMiddleware() --------------------------------------------------------------

AUTH_V4 = 'import { authMiddleware } from "@clerk/nextjs";\n\n'
AUTH_V5 = 'import { authMiddleware } from "@clerk/nextjs/server";\n\n'
MATCHER = (
    "\nexport const config = {\n"
    '  matcher: ["/((?!.+\\\\.[\\\\w]+$|_next).*)", "/", "/(api|trpc)(.*)"],\n};\n'
)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param(
            AUTH_V4 + 'export default authMiddleware({ publicRoutes: ["/"] });\n' + MATCHER,
            AUTH_V4
            + 'export default authMiddleware({ publicRoutes: ["/", "/api/widget-token"] });\n'
            + MATCHER,
            id="v4: one more public route",
        ),
        pytest.param(
            AUTH_V5 + "export default authMiddleware({\n  publicRoutes: ['/', '/blog(.*)'],\n"
            "  ignoredRoutes: ['/api/webhooks(.*)'],\n});\n",
            AUTH_V5 + "export default authMiddleware({\n"
            "  publicRoutes: ['/', '/blog(.*)', '/api/widget-token'],\n"
            "  ignoredRoutes: ['/api/webhooks(.*)'],\n});\n",
            id="v5 (deprecated there): ignoredRoutes elsewhere",
        ),
        pytest.param(
            AUTH_V4 + "export default authMiddleware({});\n" + MATCHER,
            AUTH_V4
            + 'export default authMiddleware({ publicRoutes: ["/api/widget-token"] });\n'
            + MATCHER,
            id="every route protected: the quickstart's authMiddleware({})",
        ),
        pytest.param(
            AUTH_V4 + "export default authMiddleware()\n",
            AUTH_V4 + 'export default authMiddleware({ publicRoutes: ["/api/widget-token"] })\n',
            id="no options at all",
        ),
        pytest.param(
            AUTH_V4 + 'export default authMiddleware({ publicRoutes: "/" });\n',
            AUTH_V4
            + 'export default authMiddleware({ publicRoutes: ["/", "/api/widget-token"] });\n',
            id="one public route as a string",
        ),
        pytest.param(
            AUTH_V4 + "const options = {\n  apiRoutes: ['/api(.*)'],\n};\n\n"
            "export default authMiddleware(options);\n",
            AUTH_V4 + "const options = {\n  apiRoutes: ['/api(.*)'],\n"
            "  publicRoutes: ['/api/widget-token'],\n};\n\n"
            "export default authMiddleware(options);\n",
            id="options in a variable, without publicRoutes",
        ),
    ],
)
def test_auth_middleware_makes_the_route_public(before: str, after: str) -> None:
    """authMiddleware() answers signed-out requests to routes outside its publicRoutes with its
    own empty 401: the route becomes public and answers them itself (401, no-store)."""
    fixes(before, after, "currentUser()")


def test_auth_middleware_with_after_auth_is_warned_about() -> None:
    before = AUTH_V4 + (
        "export default authMiddleware({\n"
        "  afterAuth(auth, req) {\n"
        "    if (!auth.userId && !auth.isPublicRoute) {\n"
        "      return redirectToSignIn({ returnBackUrl: req.url });\n"
        "    }\n"
        "  },\n});\n"
    )
    verdict = check("middleware.ts", before, ENDPOINT, "currentUser()")
    assert verdict.outcome == "edit" and verdict.text is not None
    assert verdict.text.endswith('  },\n  publicRoutes: ["/api/widget-token"],\n});\n')
    assert "its afterAuth runs on /api/widget-token" in (verdict.warning or "")


@pytest.mark.parametrize(
    ("text", "outcome", "why"),
    [
        pytest.param(
            AUTH_V4 + 'export default authMiddleware({ publicRoutes: ["/", "/api/(.*)"] });\n',
            "through",
            "",
            id="already public",
        ),
        pytest.param(
            AUTH_V4 + "export default authMiddleware({ publicRoutes: [/^\\/api\\/widget/] });\n",
            "through",
            "",
            id="public by a RegExp",
        ),
        pytest.param(
            AUTH_V5 + 'export default authMiddleware({ ignoredRoutes: ["/api/(.*)"] });\n',
            "manual",
            "authMiddleware()'s ignoredRoutes cover /api/widget-token, so it does not run there "
            "(Clerk's currentUser() throws unless authMiddleware() ran on the request): take the "
            "route out of ignoredRoutes",
            id="ignored: Clerk's helpers would throw",
        ),
        pytest.param(
            AUTH_V4
            + "export default authMiddleware({ publicRoutes: (r) => !r.url.includes('/a') });\n",
            "through",
            "could not read authMiddleware()'s options: /api/widget-token must be one of its "
            "publicRoutes",
            id="public routes decided by a function",
        ),
        pytest.param(
            AUTH_V4 + "export default authMiddleware({ ...shared, debug: true });\n",
            "through",
            "could not read authMiddleware()'s options",
            id="options spread from elsewhere",
        ),
    ],
)
def test_auth_middleware_leaves_or_refuses(text: str, outcome: str, why: str) -> None:
    verdict = check("middleware.ts", text, ENDPOINT, "currentUser()")
    assert verdict.outcome == outcome and verdict.text is None, verdict
    assert why in (verdict.reason if outcome == "manual" else verdict.warning or "")
    assert bool(why) == bool(verdict.reason or verdict.warning)


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
            + 'import { type NextFetchEvent, type NextRequest } from "next/server";\n\n'
            "const intl = createMiddleware(routing);\n\n"
            "export default function middleware(req: NextRequest, ev: NextFetchEvent) {\n"
            "  const localized = intl(req);\n"
            "  return clerkMiddleware(() => localized)(req, ev);\n}\n",
            "make the middleware return before next-intl for that path "
            '(`if (req.nextUrl.pathname === "/api/widget-token") return;`)',
            id="next-intl before clerkMiddleware, outside it",
        ),
        pytest.param(
            'import { clerkMiddleware } from "@clerk/nextjs/server";\n'
            + INTL_IMPORT
            + "const intl = createMiddleware(routing);\n\n"
            "export default clerkMiddleware(({ protect }, { nextUrl, ...req }) => intl(req));\n",
            "inside clerkMiddleware()'s handler and redirects it to a locale path (404): make the "
            "handler return first for that path",
            id="next-intl inside clerkMiddleware, the request destructured",
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
// Next.js's own matcher (14 has no testing helper for it: a newer next answers for it then,
// without the module resolution hook it installs, which is for its own version).
const hooked = [Module._resolveFilename, Module.prototype.require];
const matching = config.matching
  ? Module.createRequire(path.join(config.matching, "package.json"))
  : projectRequire;
const { unstable_doesMiddlewareMatch } = matching("next/experimental/testing/server");
if (config.matching) [Module._resolveFilename, Module.prototype.require] = hooked;

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
    root: Path,
    tmp: Path,
    file: str,
    urls: list[str],
    esm: tuple[str, ...] = (),
    matching: Path | None = None,
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
    config = {
        "root": str(root),
        "file": file,
        "urls": urls,
        "esm": list(esm),
        "matching": str(matching.parent) if matching else None,
    }
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


@pytest.mark.e2e
def test_clerk_with_next_intl_inside_lets_the_route_through(
    tmp_path: Path, signing_key: str
) -> None:
    """Clerk's middleware composing next-intl's (the common shape: `return
    handleI18nRouting(req)` at the end of Clerk's handler): next-intl sent /api/widget-token to
    /en/api/widget-token (nothing there). After the patch Clerk still runs on the route (its
    auth state is on the request, for currentUser()) and next-intl does not, while every page
    keeps its locale and /trips its protection."""
    root = copy_fixture("nextjs-clerk-intl", tmp_path)
    apply_twice(root, "--api-key", "pk_trailhead")
    install(root)
    type_check(root)
    urls = ["/api/widget-token", "/", "/de", "/trips", "/fr/trips"]
    esm = ("next-intl/middleware",)
    original = unpatched(root, tmp_path, "nextjs-clerk-intl")
    before = run_middleware(original, tmp_path, "src/middleware.ts", urls, esm)
    after = run_middleware(root, tmp_path, "src/middleware.ts", urls, esm)
    assert before["/api/widget-token"]["location"] == "http://localhost:3000/en/api/widget-token"
    route = after["/api/widget-token"]
    assert route["matched"] and route["clerk"] == "signed-out", route
    assert route["status"] == 200 and not route["rewritten"] and route["location"] is None
    for url in urls[1:]:
        assert after[url] == before[url], url
    assert after["/"]["location"] == "http://localhost:3000/en"
    assert after["/de"]["status"] == 200 and after["/de"]["clerk"] == "signed-out"
    assert after["/trips"]["rewritten"]  # still protected: Clerk's 404 for signed-out visitors

    hiker = {
        "id": "user_2Trail",
        "fullName": None,
        "username": "hoellental",
        "primaryEmailAddress": {"emailAddress": "Kai@Trailhead.Example"},
    }
    signed, anonymous = call_route(
        root,
        tmp_path,
        "src/app/api/widget-token/route.ts",
        "app",
        {"@clerk/nextjs/server": "return { currentUser: async () => state.user };"},
        [{"state": {"user": hiker}}, {"state": {"user": None}}],
    )
    # no first or last name: the username stands for the name
    assert_signed(signed, email="kai@trailhead.example", name="hoellental", user_id="user_2Trail")
    assert_anonymous(anonymous)


@pytest.mark.e2e
def test_clerk_v5_auth_middleware_makes_the_route_public(tmp_path: Path, signing_key: str) -> None:
    """A Clerk 5 app still on the deprecated authMiddleware(): it answered the signed-out
    visitor's /api/widget-token with its own empty 401 before the route ran. After the patch the
    route is one of its publicRoutes: Clerk runs there (currentUser() works) and the route
    answers for itself; orders stay protected, Stripe's webhook ignored."""
    root = copy_fixture("nextjs-clerk-authmiddleware", tmp_path)
    apply_twice(root, "--api-key", "pk_copperleaf")
    install(root)
    type_check(root)
    urls = ["/api/widget-token", "/orders", "/menu/flat-white", "/api/webhooks/stripe"]
    next15 = npm_env({"next": "^15.5.0", "react": "^19.1.0", "react-dom": "^19.1.0"})
    original = unpatched(root, tmp_path, "nextjs-clerk-authmiddleware")
    before = run_middleware(original, tmp_path, "middleware.ts", urls, matching=next15)
    after = run_middleware(root, tmp_path, "middleware.ts", urls, matching=next15)
    assert before["/api/widget-token"]["status"] == 401, before
    route = after["/api/widget-token"]
    assert route["matched"] and route["clerk"] == "signed-out", route
    assert route["status"] == 200 and not route["rewritten"] and route["location"] is None
    for url in urls[1:]:
        assert after[url] == before[url], url
    assert "/sign-in?redirect_url=" in (after["/orders"]["location"] or ""), after["/orders"]
    assert after["/api/webhooks/stripe"]["clerk"] is None  # ignored: Clerk does not run there

    barista = {
        "id": "user_5Cafe",
        "fullName": "Ines Roast",
        "primaryEmailAddress": {"emailAddress": "Ines@Copperleaf.Example"},
    }
    signed, anonymous = call_route(
        root,
        tmp_path,
        "app/api/widget-token/route.ts",
        "app",
        {"@clerk/nextjs/server": "return { currentUser: async () => state.user };"},
        [{"state": {"user": barista}}, {"state": {"user": None}}],
    )
    assert_signed(signed, email="ines@copperleaf.example", name="Ines Roast", user_id="user_5Cafe")
    assert_anonymous(anonymous)
