"""Next.js: generated code for the versions the project installs (Clerk v4 / v5.0 / v5.2 / v6+,
next-auth 4.10 / 4.19 / Auth.js v5, supabase-js before `User.is_anonymous`) and for JavaScript
projects that type-check with `checkJs`. The plans here are fast; the `e2e` tests type-check
each case with its own `tsc` against the real packages from npm and run the route under node."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from scaffolder.errors import BadInput
from tests.helpers import apply_twice, copy_fixture
from tests.npm_cache import npm_env
from tests.test_nextjs import LAYOUT, edit, make, manifest, plan
from tests.test_nextjs_e2e import (
    LOADER,
    USE_SESSION,
    assert_anonymous,
    assert_client_never_sees_the_key,
    assert_signed,
    call_route,
    hook_steps,
    install,
    run_component,
    type_check,
)
from tests.test_nextjs_reach import run_middleware, unpatched

APP_ROUTE = "app/api/widget-token/route.ts"
PAGES_ROUTE = "pages/api/widget-token.ts"

NEW_USER = {
    "id": "user_5",
    "fullName": "Noor Pantry",
    "primaryEmailAddress": {"emailAddress": "Noor@Pantry.example"},
}
TSCONFIG: dict[str, Any] = {
    "compilerOptions": {
        "lib": ["dom", "dom.iterable", "esnext"],
        "strict": True,
        "noEmit": True,
        "skipLibCheck": True,
        "module": "esnext",
        "moduleResolution": "bundler",
        "jsx": "preserve",
        "isolatedModules": True,
        "esModuleInterop": True,
    },
    "include": ["**/*.ts", "**/*.tsx"],
    "exclude": ["node_modules"],
}


def npm_lock(**versions: str) -> str:
    packages = {f"node_modules/{name}": {"version": v} for name, v in versions.items()}
    return json.dumps({"lockfileVersion": 3, "packages": packages})


# -- Clerk ------------------------------------------------------------------------------------


def clerk_app(router: str, locked: str | None, middleware: str | None = None) -> dict[str, str]:
    files = {
        "package.json": manifest("next", "react", "@clerk/nextjs"),
        "middleware.ts": middleware
        or 'import { clerkMiddleware } from "@clerk/nextjs/server";\n\n'
        "export default clerkMiddleware();\n",
    }
    if locked:
        files["package-lock.json"] = npm_lock(**{"@clerk/nextjs": locked})
    if router == "app":
        files["app/layout.tsx"] = 'import { ClerkProvider } from "@clerk/nextjs";\n\n' + (
            LAYOUT.replace("<html", "<ClerkProvider>\n    <html").replace(
                "</html>", "</html>\n    </ClerkProvider>"
            )
        )
        files["app/page.tsx"] = "export default function Page() {\n  return null;\n}\n"
    else:
        files["pages/_app.tsx"] = (
            'import { ClerkProvider } from "@clerk/nextjs";\n'
            'import type { AppProps } from "next/app";\n\n'
            "export default function App({ Component, pageProps }: AppProps) {\n"
            "  return (\n    <ClerkProvider {...pageProps}>\n"
            "      <Component {...pageProps} />\n    </ClerkProvider>\n  );\n}\n"
        )
        files["pages/index.tsx"] = "export default function Home() {\n  return null;\n}\n"
    return files


@pytest.mark.parametrize(
    ("locked", "router", "expected", "absent"),
    [
        pytest.param(
            "4.29.9", "app",
            ['import { currentUser } from "@clerk/nextjs";',
             "const primaryEmail = user?.emailAddresses.find((e) => e.id === "
             "user.primaryEmailAddressId);",
             'const fullName = [user?.firstName, user?.lastName].filter(Boolean).join(" ");',
             "const email = primaryEmail?.emailAddress;", "name: fullName || user?.username,"],
            ["@clerk/nextjs/server", "primaryEmailAddress?", "user?.fullName"],
            id="v4 App Router: the package root, no primaryEmailAddress getter",
        ),
        pytest.param(
            "4.29.9", "pages",
            ['import { clerkClient, getAuth } from "@clerk/nextjs/server";',
             "await clerkClient.users.getUser(userId)", "emailAddresses.find"],
            ["clerkClient()"],
            id="v4 Pages Router: clerkClient is an object",
        ),
        pytest.param(
            "5.1.7", "pages",
            ["await clerkClient.users.getUser(userId)", "user?.primaryEmailAddress?.emailAddress"],
            ["clerkClient()"],
            id="v5.1: still an object",
        ),
        pytest.param(
            "5.7.6", "pages", ["await clerkClient().users.getUser(userId)"], ["await (await"],
            id="v5.2 on: a function",
        ),
        pytest.param(
            "6.39.8", "pages", ["await (await clerkClient()).users.getUser(userId)"], [],
            id="v6: an async function",
        ),
        pytest.param(
            "7.9.17", "app",
            ['import { currentUser } from "@clerk/nextjs/server";',
             "const email = user?.primaryEmailAddress?.emailAddress;",
             "name: user?.fullName ?? user?.username,"],
            ["emailAddresses.find"],
            id="v7 App Router",
        ),
        pytest.param(
            None, "pages", ["await (await clerkClient()).users.getUser(userId)"], [],
            id="no lockfile: the declared ^7.0.0",
        ),
    ],
)  # fmt: skip
def test_clerk_route_follows_the_installed_major(
    tmp_path: Path, locked: str | None, router: str, expected: list[str], absent: list[str]
) -> None:
    result = plan(make(tmp_path, clerk_app(router, locked)), api_key="pk")
    route = edit(result, APP_ROUTE if router == "app" else PAGES_ROUTE)
    for text in expected:
        assert text in route, route
    for text in absent:
        assert text not in route, route


def test_clerk_v4_answered_expressions_leave_no_unused_variable(tmp_path: Path) -> None:
    root = make(tmp_path, clerk_app("app", "4.29.9"))
    route = edit(plan(root, api_key="pk", name_expr="user?.username"), APP_ROUTE)
    assert "name: user?.username," in route and "const fullName" not in route
    assert "const primaryEmail = " in route


def test_clerk_version_from_node_modules(tmp_path: Path) -> None:
    """No lockfile, but the installed package: its version wins over the declared range."""
    files = clerk_app("pages", None)
    files["node_modules/@clerk/nextjs/package.json"] = (
        '{"name": "@clerk/nextjs", "version": "5.1.7"}'
    )
    route = edit(plan(make(tmp_path, files), api_key="pk"), PAGES_ROUTE)
    assert "await clerkClient.users.getUser(userId)" in route


def test_clerk_before_v4_is_refused(tmp_path: Path) -> None:
    root = make(tmp_path, clerk_app("pages", "3.16.0"))
    with pytest.raises(BadInput, match=r"@clerk/nextjs 3 predates currentUser\(\) and getAuth"):
        plan(root, api_key="pk")


V4_MIDDLEWARE = (
    'import { authMiddleware } from "@clerk/nextjs";\n\n'
    "export default authMiddleware({ publicRoutes: [ROUTES] });\n\n"
    "export const config = {\n"
    '  matcher: ["/((?!.+\\\\.[\\\\w]+$|_next).*)", "/", "/(api|trpc)(.*)"],\n'
    "};\n"
)


@pytest.mark.parametrize(
    ("locked", "module"),
    [
        pytest.param("4.29.9", "@clerk/nextjs", id="v4"),
        pytest.param("5.7.6", "@clerk/nextjs/server", id="v5, where it is deprecated"),
    ],
)
@pytest.mark.parametrize(
    ("routes", "edited"),
    [
        pytest.param('"/"', True, id="the route is not public: authMiddleware's own 401"),
        pytest.param('"/", "/api/widget-token"', False, id="the route is public"),
    ],
)
def test_clerk_auth_middleware_public_routes(
    tmp_path: Path, locked: str, module: str, routes: str, edited: bool
) -> None:
    """authMiddleware() (v4; still there, deprecated, in v5) gets the route as one more public
    route, in whichever major the app is on."""
    middleware = V4_MIDDLEWARE.replace("ROUTES", routes).replace('"@clerk/nextjs"', f'"{module}"')
    result = plan(make(tmp_path, clerk_app("app", locked, middleware)), api_key="pk")
    changed = {e.path: e.after for e in result.plan.edits}
    if edited:
        public = '"/", "/api/widget-token"'
        assert changed["middleware.ts"] == V4_MIDDLEWARE.replace("ROUTES", public).replace(
            '"@clerk/nextjs"', f'"{module}"'
        )
    else:
        assert "middleware.ts" not in changed
    warnings = " ".join(result.plan.warnings)
    assert "authMiddleware" not in warnings and "clerkMiddleware" not in warnings, warnings


def test_clerk_v4_without_middleware_names_auth_middleware(tmp_path: Path) -> None:
    files = clerk_app("app", "4.29.9")
    del files["middleware.ts"]
    warnings = plan(make(tmp_path, files), api_key="pk").plan.warnings
    assert any("Clerk's currentUser() needs authMiddleware()" in w for w in warnings), warnings


# -- next-auth --------------------------------------------------------------------------------


def nextauth_pages_app(locked: str) -> dict[str, str]:
    return {
        "package.json": manifest("next", "react", "next-auth"),
        "package-lock.json": npm_lock(**{"next-auth": locked}),
        "tsconfig.json": json.dumps(TSCONFIG),
        "pages/api/auth/[...nextauth].ts": (
            'import NextAuth, { type NextAuthOptions } from "next-auth";\n'
            'import GitHub from "next-auth/providers/github";\n\n'
            "export const authOptions: NextAuthOptions = {\n"
            '  providers: [GitHub({ clientId: "id", clientSecret: "secret" })],\n};\n\n'
            "export default NextAuth(authOptions);\n"
        ),
        "pages/index.tsx": "export default function Home() {\n  return null;\n}\n",
    }


@pytest.mark.parametrize(
    ("locked", "call"),
    [
        pytest.param("4.18.8", "unstable_getServerSession", id="4.10 to 4.18: unstable_"),
        pytest.param("4.19.0", "getServerSession", id="4.19 on: getServerSession"),
    ],
)
def test_nextauth_v4_server_session_by_minor(tmp_path: Path, locked: str, call: str) -> None:
    route = edit(plan(make(tmp_path, nextauth_pages_app(locked)), api_key="pk"), PAGES_ROUTE)
    assert f'import {{ {call} }} from "next-auth";' in route
    assert f"await {call}(req, res, authOptions);" in route


def test_nextauth_before_server_sessions_is_refused(tmp_path: Path) -> None:
    root = make(tmp_path, nextauth_pages_app("4.9.0"))
    with pytest.raises(BadInput, match=r"next-auth 4\.9\.0 predates getServerSession"):
        plan(root, api_key="pk")


def test_nextauth_v4_user_id_when_the_project_declares_it(tmp_path: Path) -> None:
    root = copy_fixture("nextjs-nextauth-app", tmp_path)
    result = plan(root, api_key="pk")
    assert "userId: session?.user?.id," in edit(result, APP_ROUTE)
    assert result.inspection.auth is not None
    assert "`Session.user.id` declared for next-auth" in {
        e.why for e in result.inspection.auth.evidence
    }
    # without the module augmentation, v4's Session.user has no id: no user_id claim
    (root / "types/next-auth.d.ts").unlink()
    (root / "lib/auth.ts").write_text(
        (root / "lib/auth.ts").read_text().split("  callbacks:")[0] + "};\n"
    )
    assert "userId" not in edit(plan(root, api_key="pk"), APP_ROUTE)


# -- checkJs ----------------------------------------------------------------------------------


def test_checkjs_projects_get_jsdoc_types_and_the_declaration(tmp_path: Path) -> None:
    root = copy_fixture("nextjs-supabase-checkjs", tmp_path)
    result = plan(root, api_key="pk")
    route = edit(result, "src/app/api/widget-token/route.js")
    assert " * @param {WidgetUser} widgetUser\n * @returns {Promise<string | null>}\n" in route
    component = edit(result, "src/components/bestchatbot-identity.jsx")
    assert "useState(/** @type {string | null | undefined} */ (undefined))" in component
    assert "/** @type {ReturnType<typeof setTimeout> | undefined} */\n    let timer;" in component
    assert "BestChatBot?: {" in edit(result, "src/types/bestchatbot.d.ts")

    # the same app without checkJs: plain JavaScript, no declaration
    config = json.loads((root / "jsconfig.json").read_text())
    del config["compilerOptions"]["checkJs"]
    (root / "jsconfig.json").write_text(json.dumps(config))
    result = plan(root, api_key="pk")
    assert "@param" not in edit(result, "src/app/api/widget-token/route.js")
    assert "@type" not in edit(result, "src/components/bestchatbot-identity.jsx")
    assert not any(e.path.endswith(".d.ts") for e in result.plan.edits)


# -- end to end -------------------------------------------------------------------------------


def write(root: Path, files: dict[str, str]) -> Path:
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return root


def tsc(root: Path, config: str) -> None:
    """The project's own type check: `tsc -p <its config>`."""
    out = subprocess.run(
        ["node", str(root / "node_modules/typescript/bin/tsc"), "--noEmit", "-p", config],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stdout[-6000:] + out.stderr[-2000:]


# Clerk v4's User (currentUser(), clerkClient.users.getUser()): the primary address by its id.
V4_USER = {
    "id": "user_4Old",
    "firstName": "Edith",
    "lastName": "Larder",
    "primaryEmailAddressId": "idn_2",
    "emailAddresses": [
        {"id": "idn_1", "emailAddress": "old@larder.example"},
        {"id": "idn_2", "emailAddress": "Edith@Larder.Example"},
    ],
}
V4_NO_PRIMARY = {**V4_USER, "id": "user_4None", "primaryEmailAddressId": None}


@pytest.mark.e2e
def test_clerk_v4_app_router(tmp_path: Path, signing_key: str) -> None:
    """@clerk/nextjs 4 with authMiddleware(): currentUser() from the package root, the primary
    address found by its id (v4's User has no primaryEmailAddress getter); the route joins
    authMiddleware()'s publicRoutes, so the signed-out visitor reaches it (run under node: v4's
    own middleware answered it with an empty 401 before)."""
    root = copy_fixture("nextjs-clerk-v4", tmp_path)
    apply_twice(root, "--api-key", "pk_larder")
    assert 'publicRoutes: ["/", "/api/widget-token"],' in (root / "middleware.ts").read_text()
    install(root)
    type_check(root)
    urls = ["/api/widget-token", "/orders", "/"]
    next15 = npm_env({"next": "^15.5.0", "react": "^19.1.0", "react-dom": "^19.1.0"})
    original = unpatched(root, tmp_path, "nextjs-clerk-v4")
    before = run_middleware(original, tmp_path, "middleware.ts", urls, matching=next15)
    after = run_middleware(root, tmp_path, "middleware.ts", urls, matching=next15)
    assert before["/api/widget-token"]["status"] == 401, before
    route = after["/api/widget-token"]
    assert route["matched"] and route["status"] == 200 and route["location"] is None, route
    assert after["/orders"] == before["/orders"] and after["/"] == before["/"]

    clerk = "return { currentUser: async () => state.user };"
    signed, no_primary, anonymous = call_route(
        root,
        tmp_path,
        APP_ROUTE,
        "app",
        {"@clerk/nextjs": clerk},
        [{"state": {"user": u}} for u in (V4_USER, V4_NO_PRIMARY, None)],
    )
    assert_signed(signed, email="edith@larder.example", name="Edith Larder", user_id="user_4Old")
    assert_anonymous(no_primary)
    assert_anonymous(anonymous)

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


V4_INTL_MIDDLEWARE = """\
import { authMiddleware } from "@clerk/nextjs";
import createMiddleware from "next-intl/middleware";

const intlMiddleware = createMiddleware({ locales: ["en", "de"], defaultLocale: "en" });

export default authMiddleware({
  beforeAuth: (req) => {
    // next-intl first, then Clerk
    return intlMiddleware(req);
  },
  publicRoutes: ["/", "/:locale"],
});

export const config = {
  matcher: ["/((?!.+\\\\.[\\\\w]+$|_next).*)", "/", "/(api|trpc)(.*)"],
};
"""


@pytest.mark.e2e
def test_clerk_v4_next_intl_in_before_auth(tmp_path: Path, signing_key: str) -> None:
    """Clerk v4's documented pairing with next-intl (3): `beforeAuth` runs next-intl, which
    sent /api/widget-token to /en/api/widget-token before Clerk ran. After the patch,
    beforeAuth returns first on the route, which is public: Clerk runs there, next-intl does
    not, and the pages keep their locales and protection (run under node)."""
    root = copy_fixture("nextjs-clerk-v4", tmp_path)
    (root / "middleware.ts").write_text(V4_INTL_MIDDLEWARE)
    data = json.loads((root / "package.json").read_text())
    data["dependencies"]["next-intl"] = "^3.26.0"
    (root / "package.json").write_text(json.dumps(data, indent=2) + "\n")
    original = copy_fixture("nextjs-clerk-v4", tmp_path / "original")
    for path in ("middleware.ts", "package.json"):
        (original / path).write_text((root / path).read_text())
    apply_twice(root, "--api-key", "pk_larder")
    install(root)
    type_check(root)
    (original / "node_modules").symlink_to((root / "node_modules").resolve())
    urls = ["/api/widget-token", "/", "/de", "/orders"]
    next15 = npm_env({"next": "^15.5.0", "react": "^19.1.0", "react-dom": "^19.1.0"})
    before = run_middleware(original, tmp_path, "middleware.ts", urls, matching=next15)
    after = run_middleware(root, tmp_path, "middleware.ts", urls, matching=next15)
    assert before["/api/widget-token"]["location"] == "http://localhost:3000/en/api/widget-token"
    route = after["/api/widget-token"]
    assert route["matched"] and route["status"] == 200 and route["location"] is None, route
    for url in urls[1:]:
        assert after[url] == before[url], url


# The Backend API client as each major exports it: an object (v4, 5.0 / 5.1), a function
# (5.2 on), an async function (v6 on). Each double is only that, so a wrong call fails.
CLIENTS = {
    "object": "{ users: { getUser: async (id) => state.users[id] } }",
    "function": "() => ({ users: { getUser: async (id) => state.users[id] } })",
    "async": "async () => ({ users: { getUser: async (id) => state.users[id] } })",
}


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("clerk", "next_", "react", "client"),
    [
        pytest.param("4.29.9", "14.2.35", "18", "object", id="v4"),
        pytest.param("5.1.7", "14.2.35", "18", "object", id="v5.1"),
        pytest.param("5.7.6", "14.2.35", "18", "function", id="v5.7"),
        pytest.param("6.39.8", "15.5.9", "19", "async", id="v6"),
    ],
)
def test_clerk_pages_router_by_major(
    tmp_path: Path, signing_key: str, clerk: str, next_: str, react: str, client: str
) -> None:
    files = clerk_app("pages", None)
    middleware = (
        'import { authMiddleware } from "@clerk/nextjs";\n\n'
        'export default authMiddleware({ publicRoutes: ["/", "/api/widget-token"] });\n'
        if clerk.startswith("4.")
        else files["middleware.ts"]
    )
    files.update(
        {
            "middleware.ts": middleware,
            "package.json": json.dumps(
                {
                    "name": "clerk-pages",
                    "private": True,
                    "dependencies": {
                        "@clerk/nextjs": clerk,
                        "next": next_,
                        "react": f"^{react}",
                        "react-dom": f"^{react}",
                    },
                    "devDependencies": {
                        "@types/node": "^20",
                        "@types/react": f"^{react}",
                        "@types/react-dom": f"^{react}",
                        "typescript": "^5.9.0",
                    },
                }
            ),
            "tsconfig.json": json.dumps(TSCONFIG),
        }
    )
    root = write(tmp_path / "app", files)
    apply_twice(root, "--api-key", "pk")
    install(root)
    type_check(root)
    users = {"user_4Old": V4_USER} if clerk.startswith("4.") else {"user_5": NEW_USER}
    doubles = {
        "@clerk/nextjs/server": (
            f"return {{ getAuth: (req) => ({{ userId: state.userId }}),"
            f" clerkClient: {CLIENTS[client]} }};"
        )
    }
    user_id = next(iter(users))
    signed, anonymous = call_route(
        root,
        tmp_path,
        PAGES_ROUTE,
        "pages",
        doubles,
        [{"state": {"userId": user_id, "users": users}}, {"state": {"userId": None}}],
    )
    name = "Edith Larder" if clerk.startswith("4.") else "Noor Pantry"
    email = "edith@larder.example" if clerk.startswith("4.") else "noor@pantry.example"
    assert_signed(signed, email=email, name=name, user_id=user_id)
    assert_anonymous(anonymous)


@pytest.mark.e2e
def test_nextauth_v4_app_router_options_in_lib(tmp_path: Path, signing_key: str) -> None:
    """NextAuth v4 on the App Router, the options in lib/auth.ts and `Session.user.id` declared
    by the project: getServerSession(authOptions), inside the app's own <Providers>."""
    root = copy_fixture("nextjs-nextauth-app", tmp_path)
    apply_twice(root, "--api-key", "pk_logbook")
    layout = (root / "app/layout.tsx").read_text()
    assert (
        layout.index("<Providers>")
        < layout.index("<BestChatBotIdentity />")
        < layout.index("</Providers>")
    )
    route = (root / APP_ROUTE).read_text()
    assert 'import { authOptions } from "@/lib/auth";' in route
    install(root)
    type_check(root)

    doubles = {
        "next-auth": (
            "return { getServerSession: async (...args) => {"
            " if (args.length !== 1 || args[0].marker !== 'authOptions')"
            "   throw new Error('expected getServerSession(authOptions)');"
            " return state.session; } };"
        ),
        "@/lib/auth": "return { authOptions: { marker: 'authOptions' } };",
    }
    mo = {"user": {"id": "crew-12", "email": "Mo@Crew.Example", "name": "Mo Watch"}}
    signed, anonymous = call_route(
        root,
        tmp_path,
        APP_ROUTE,
        "app",
        doubles,
        [{"state": {"session": mo}}, {"state": {"session": None}}],
    )
    assert_signed(signed, email="mo@crew.example", name="Mo Watch", user_id="crew-12")
    assert_anonymous(anonymous)

    steps, expected = hook_steps("mo@crew.example", "ann@crew.example")
    component = "components/bestchatbot-identity.tsx"
    assert (
        run_component(root, tmp_path, component, {"next-auth/react": USE_SESSION}, steps)
        == expected
    )
    assert_client_never_sees_the_key(root, component)


@pytest.mark.e2e
def test_nextauth_4_18_unstable_server_session(tmp_path: Path, signing_key: str) -> None:
    """next-auth 4.18 (Next 13): `unstable_getServerSession`, which 4.19 renamed."""
    files = nextauth_pages_app("4.18.8")
    del files["package-lock.json"]
    files["package.json"] = json.dumps(
        {
            "name": "old-nextauth",
            "private": True,
            "dependencies": {
                "next": "13.5.11",
                "next-auth": "4.18.8",
                "react": "^18.2.0",
                "react-dom": "^18.2.0",
            },
            "devDependencies": {
                "@types/node": "^18",
                "@types/react": "^18",
                "@types/react-dom": "^18",
                "typescript": "^5.9.0",
            },
        }
    )
    root = write(tmp_path / "app", files)
    apply_twice(root, "--api-key", "pk")
    assert "unstable_getServerSession(req, res, authOptions)" in (root / PAGES_ROUTE).read_text()
    install(root)
    type_check(root)
    doubles = {
        "next-auth": "return { unstable_getServerSession: async () => state.session };",
        "./auth/[...nextauth]": "return { authOptions: {} };",
    }
    rae = {"user": {"email": "Rae@Old.Example", "name": "Rae"}}
    signed, anonymous = call_route(
        root,
        tmp_path,
        PAGES_ROUTE,
        "pages",
        doubles,
        [{"state": {"session": rae}}, {"state": {"session": None}}],
    )
    assert_signed(signed, email="rae@old.example", name="Rae", user_id=None)
    assert_anonymous(anonymous)


SUPABASE_2024 = {
    "package.json": json.dumps(
        {
            "name": "pantry-2024",
            "private": True,
            "dependencies": {
                "@supabase/ssr": "0.3.0",
                "@supabase/supabase-js": "2.42.0",
                "next": "14.2.35",
                "react": "^18.3.1",
                "react-dom": "^18.3.1",
            },
            "devDependencies": {
                "@types/node": "^20",
                "@types/react": "^18",
                "@types/react-dom": "^18",
                "typescript": "^5.9.0",
            },
        }
    ),
    "tsconfig.json": json.dumps(
        {**TSCONFIG, "compilerOptions": {**TSCONFIG["compilerOptions"], "paths": {"@/*": ["./*"]}}}
    ),
    # @supabase/ssr 0.3's cookie methods (get / set / remove), as its docs had them then
    "utils/supabase/server.ts": """\
import { createServerClient, type CookieOptions } from "@supabase/ssr";
import { cookies } from "next/headers";

export function createClient() {
  const cookieStore = cookies();

  return createServerClient(
    process.env.NEXT_PUBLIC_SUPABASE_URL!,
    process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY!,
    {
      cookies: {
        get(name: string) {
          return cookieStore.get(name)?.value;
        },
        set(name: string, value: string, options: CookieOptions) {
          try {
            cookieStore.set({ name, value, ...options });
          } catch {
            // a Server Component: the middleware refreshes the session
          }
        },
        remove(name: string, options: CookieOptions) {
          try {
            cookieStore.set({ name, value: "", ...options });
          } catch {
            // as above
          }
        },
      },
    },
  );
}
""",
    "utils/supabase/client.ts": """\
import { createBrowserClient } from "@supabase/ssr";

export function createClient() {
  return createBrowserClient(
    process.env.NEXT_PUBLIC_SUPABASE_URL!,
    process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY!,
  );
}
""",
    "app/layout.tsx": LAYOUT,
    "app/page.tsx": """\
import { createClient } from "@/utils/supabase/server";

export default async function Home() {
  const {
    data: { user },
  } = await createClient().auth.getUser();
  return <h1>{user ? `Hello ${user.email}` : "Hello"}</h1>;
}
""",
}


@pytest.mark.e2e
def test_supabase_before_typed_anonymous_users(tmp_path: Path, signing_key: str) -> None:
    """supabase-js 2.42 (@supabase/auth-js 2.63: its User has no `is_anonymous`, which 2.64.1
    added), with @supabase/ssr 0.3: the route reads the flag as Supabase Auth sends it (and
    app_metadata.provider), type-checks, and turns anonymous users away."""
    root = write(tmp_path / "app", SUPABASE_2024)
    apply_twice(root, "--api-key", "pk")
    route = (root / APP_ROUTE).read_text()
    assert '"is_anonymous" in signedIn' in route and "signedIn?.is_anonymous" not in route
    assert "const supabase = createClient();" in route
    install(root)
    type_check(root)

    server = (
        "const auth = { getUser: async () => ({ data: { user: state.user }, error: null }) };"
        "return { createClient: () => ({ auth }) };"
    )
    grace = {
        "id": "5f0c",
        "email": "Grace@Navy.MIL",
        "app_metadata": {"provider": "email"},
        "user_metadata": {"full_name": "Grace Hopper"},
    }
    flagged = {**grace, "id": "a1", "is_anonymous": True}
    by_provider = {**grace, "id": "a2", "app_metadata": {"provider": "anonymous"}}
    signed, anonymous_flag, anonymous_provider, nobody = call_route(
        root,
        tmp_path,
        APP_ROUTE,
        "app",
        {"@/utils/supabase/server": server},
        [{"state": {"user": u}} for u in (grace, flagged, by_provider, None)],
    )
    assert_signed(signed, email="grace@navy.mil", name="Grace Hopper", user_id="5f0c")
    for result in (anonymous_flag, anonymous_provider, nobody):
        assert_anonymous(result)


# @supabase/ssr before 0.4 (get / set / remove cookie methods), no server helper of the
# project's: the route builds its client with the methods that version reads.
def supabase_without_helpers(ssr: str, supabase_js: str, router: str) -> dict[str, str]:
    files = {
        "package.json": json.dumps(
            {
                "name": f"allotments-{router}",
                "private": True,
                "dependencies": {
                    "@supabase/ssr": ssr,
                    "@supabase/supabase-js": supabase_js,
                    "next": "14.2.35",
                    "react": "^18.3.1",
                    "react-dom": "^18.3.1",
                },
                "devDependencies": {
                    "@types/node": "^20",
                    "@types/react": "^18",
                    "@types/react-dom": "^18",
                    "typescript": "^5.9.0",
                },
            }
        ),
        "tsconfig.json": json.dumps(TSCONFIG),
        # sign-in happens in the browser, with the browser client
        "lib/browser.ts": 'import { createBrowserClient } from "@supabase/ssr";\n\n'
        "export const supabase = createBrowserClient(\n"
        "  process.env.NEXT_PUBLIC_SUPABASE_URL!,\n"
        "  process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY!,\n);\n",
    }
    if router == "app":
        files["app/layout.tsx"] = LAYOUT
        files["app/page.tsx"] = "export default function Home() {\n  return <h1>Plots</h1>;\n}\n"
    else:
        files["pages/index.tsx"] = "export default function Home() {\n  return <h1>Plots</h1>;\n}\n"
    return files


@pytest.mark.parametrize(
    ("ssr", "router", "expected", "absent"),
    [
        pytest.param(
            "0.3.0", "app",
            ['import { createServerClient, type CookieOptions } from "@supabase/ssr";',
             "        get(name: string) {\n          return cookieStore.get(name)?.value;",
             "        set(name: string, value: string, options: CookieOptions) {\n"
             "          cookieStore.set({ name, value, ...options });",
             '          cookieStore.set({ name, value: "", ...options });'],
            ["getAll", "setAll"],
            id="0.3, App Router: get / set / remove on next/headers' cookies",
        ),
        pytest.param(
            "0.1.0", "pages",
            ['import { createServerClient, serialize, type CookieOptions } from "@supabase/ssr";',
             "          return req.cookies[name];",
             '          res.appendHeader("Set-Cookie", serialize(name, value, options));',
             '          res.appendHeader("Set-Cookie", serialize(name, "", options));'],
            ["getAll", "serializeCookieHeader"],
            id="0.1, Pages Router: the request's cookies, Set-Cookie headers",
        ),
        pytest.param(
            "0.4.0", "app", ["        getAll() {", "        setAll(cookiesToSet) {"], ["get(name"],
            id="0.4 on: getAll / setAll",
        ),
    ],
)  # fmt: skip
def test_supabase_ssr_cookie_methods_by_version(
    tmp_path: Path, ssr: str, router: str, expected: list[str], absent: list[str]
) -> None:
    root = make(tmp_path, supabase_without_helpers(ssr, "2.45.0", router))
    route = edit(plan(root, api_key="pk"), APP_ROUTE if router == "app" else PAGES_ROUTE)
    for text in expected:
        assert text in route, route
    for text in absent:
        assert text not in route, route


# Answers Supabase Auth's GET /auth/v1/user as the real service does: the user for the access
# token it issued, 401 for any other; the real @supabase/ssr and supabase-js read the session
# cookie through the route's cookie methods and ask it.
SUPABASE_AUTH = (
    LOADER
    + r"""
const requests = [];
globalThis.fetch = async (url, init) => {
  const { pathname } = new URL(String(url));
  const authorization = new Headers((init && init.headers) || {}).get("authorization");
  requests.push(pathname + " " + authorization);
  const json = (body, status) =>
    new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  if (pathname === "/auth/v1/user" && authorization === "Bearer " + config.accessToken) {
    return json(config.user, 200);
  }
  return json({ code: 401, msg: "invalid JWT" }, 401);
};

(async () => {
  const route = loadModule(config.file);
  const results = [];
  for (const cookies of config.cases) {
    state.cookies = cookies;
    if (config.router === "pages") {
      const res = {
        statusCode: 200, headers: {},
        setHeader(name, value) { this.headers[name.toLowerCase()] = value; return this; },
        appendHeader(name, value) { this.headers[name.toLowerCase()] = value; return this; },
        status(code) { this.statusCode = code; return this; },
        json(body) { this.body = body; return this; },
      };
      await route.default({ method: "GET", headers: {}, cookies, query: {} }, res);
      results.push({ status: res.statusCode, cacheControl: res.headers["cache-control"],
                     body: res.body });
    } else {
      const response = await route.GET();
      results.push({ status: response.status, cacheControl: response.headers.get("cache-control"),
                     body: await response.json() });
    }
  }
  console.log(JSON.stringify({ results, requests }));
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
"""
)
NEXT_HEADERS = (
    "return { cookies: async () => ({"
    " get: (name) => name in state.cookies ? { name, value: state.cookies[name] } : undefined,"
    " set() {} }) };"
)


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("ssr", "supabase_js", "router"),
    [
        pytest.param("0.3.0", "2.42.0", "app", id="@supabase/ssr 0.3, App Router"),
        pytest.param("0.1.0", "2.43.4", "pages", id="@supabase/ssr 0.1, Pages Router"),
    ],
)
def test_supabase_ssr_before_0_4_reads_the_session_cookie(
    tmp_path: Path, signing_key: str, ssr: str, supabase_js: str, router: str
) -> None:
    """The route's client reads the session cookie with the methods the installed
    @supabase/ssr calls (with 0.4's getAll / setAll it would find none: every visitor
    anonymous), type-checks against that version, and asks Supabase Auth for the user."""
    root = write(tmp_path / "app", supabase_without_helpers(ssr, supabase_js, router))
    apply_twice(root, "--api-key", "pk")
    install(root)
    type_check(root)
    access = "access-token-issued-by-supabase"
    session = {
        "access_token": access,
        "token_type": "bearer",
        "expires_in": 3600,
        "expires_at": 4102444800,
        "refresh_token": "refresh-token",
        "user": {"id": "b7e1", "aud": "authenticated", "email": "Noor@Allotments.Example"},
    }
    user = {
        "id": "b7e1",
        "aud": "authenticated",
        "role": "authenticated",
        "email": "Noor@Allotments.Example",
        "app_metadata": {"provider": "email"},
        "user_metadata": {"full_name": "Noor Haddad"},
        "created_at": "2024-05-01T00:00:00Z",
    }
    cookie = "sb-allotments-auth-token"
    forged = {**session, "access_token": "a-token-supabase-never-issued"}
    config = {
        "root": str(root),
        "file": APP_ROUTE if router == "app" else PAGES_ROUTE,
        "router": router,
        "doubles": {"next/headers": NEXT_HEADERS},
        "accessToken": access,
        "user": user,
        "cases": [{cookie: json.dumps(session)}, {}, {cookie: json.dumps(forged)}],
    }
    env = {
        "NEXT_PUBLIC_SUPABASE_URL": "https://allotments.supabase.co",
        "NEXT_PUBLIC_SUPABASE_ANON_KEY": "anon-key",
    }
    answer = run_node_with(SUPABASE_AUTH, tmp_path, config, env)
    signed, nobody, forged_result = answer["results"]
    assert_signed(signed, email="noor@allotments.example", name="Noor Haddad", user_id="b7e1")
    assert_anonymous(nobody)
    assert_anonymous(forged_result)
    # the access tokens Supabase Auth was asked about came out of the cookies, through the route
    asked = set(answer["requests"])
    assert {
        f"/auth/v1/user Bearer {access}",
        "/auth/v1/user Bearer a-token-supabase-never-issued",
    } <= asked


def run_node_with(script: str, tmp: Path, config: dict[str, Any], env: dict[str, str]) -> Any:
    harness = tmp / "harness.cjs"
    harness.write_text(script)
    out = subprocess.run(
        ["node", str(harness), json.dumps(config)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
    )
    assert out.returncode == 0, out.stderr[-4000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- checkJs end to end -------------------------------------------------------------------------


SUPABASE_SERVER_DOUBLE = (
    "const auth = { getUser: async () => ({ data: { user: state.user }, error: null }) };"
    "return { createClient: async () => ({ auth }) };"
)
ADA = {
    "id": "3c1d",
    "email": "Ada@Pantry.Example",
    "is_anonymous": False,
    "user_metadata": {"full_name": "Ada Cook"},
}


@pytest.mark.e2e
def test_checkjs_supabase(tmp_path: Path, signing_key: str) -> None:
    """A JavaScript app whose jsconfig.json has `checkJs` and `strict`: the generated .js and
    .jsx carry JSDoc types and pass the project's own `tsc -p jsconfig.json`."""
    root = copy_fixture("nextjs-supabase-checkjs", tmp_path)
    apply_twice(root, "--api-key", "pk_pantry")
    install(root)
    tsc(root, "jsconfig.json")

    route = "src/app/api/widget-token/route.js"
    signed, anonymous = call_route(
        root,
        tmp_path,
        route,
        "app",
        {"@/lib/supabase/server": SUPABASE_SERVER_DOUBLE},
        [{"state": {"user": ADA}}, {"state": {"user": None}}],
    )
    assert_signed(signed, email="ada@pantry.example", name="Ada Cook", user_id="3c1d")
    assert_anonymous(anonymous)

    client = (
        "state.as = (id) => state.emit('SIGNED_IN', id ? { user: { id, is_anonymous: false } }"
        " : null);"
        "const auth = { onAuthStateChange: (cb) => { state.emit = cb;"
        " return { data: { subscription: { unsubscribe() {} } } }; } };"
        "return { createClient: () => ({ auth }) };"
    )
    steps, expected = hook_steps("u1", "u2")
    steps[0] = {"render": True}
    log = run_component(
        root, tmp_path, "src/components/bestchatbot-identity.jsx",
        {"@/lib/supabase/client": client}, steps,
    )  # fmt: skip
    assert log == expected
    assert_client_never_sees_the_key(root, "src/components/bestchatbot-identity.jsx")


@pytest.mark.e2e
def test_checkjs_supabase_without_helpers(tmp_path: Path, signing_key: str) -> None:
    """No client helpers of the project's: the route builds its own server client (the env
    variables cast to string, `setAll`'s cookies typed) and still passes `tsc -p jsconfig.json`."""
    root = copy_fixture("nextjs-supabase-checkjs", tmp_path)
    for path in ("src/lib/supabase/server.js", "src/lib/supabase/client.js"):
        (root / path).unlink()
    for page in ("src/app/recipes", "src/app/login"):
        for file in (root / page).iterdir():
            file.unlink()
        (root / page).rmdir()
    apply_twice(root, "--api-key", "pk")
    route = "src/app/api/widget-token/route.js"
    assert (
        "/** @type {string} */ (process.env.NEXT_PUBLIC_SUPABASE_URL)" in (root / route).read_text()
    )
    install(root)
    tsc(root, "jsconfig.json")
    doubles = {
        "@supabase/ssr": (
            "return { createServerClient: () => ({ auth: { getUser: async () =>"
            " ({ data: { user: state.user }, error: null }) } }) };"
        ),
        "next/headers": "return { cookies: async () => ({ getAll: () => [], set() {} }) };",
    }
    signed, anonymous = call_route(
        root, tmp_path, route, "app", doubles,
        [{"state": {"user": ADA}}, {"state": {"user": None}}],
    )  # fmt: skip
    assert_signed(signed, email="ada@pantry.example", name="Ada Cook", user_id="3c1d")
    assert_anonymous(anonymous)


CHECKJS_PAGES = {
    "package.json": json.dumps(
        {
            "name": "club-pages",
            "private": True,
            "dependencies": {
                "next": "^15.5.0",
                "next-auth": "^4.24.11",
                "react": "^19.1.0",
                "react-dom": "^19.1.0",
            },
            "devDependencies": {
                "@types/node": "^22",
                "@types/react": "^19",
                "@types/react-dom": "^19",
                "typescript": "^5.9.0",
            },
        }
    ),
    "jsconfig.json": json.dumps(
        {
            "compilerOptions": {
                "checkJs": True,
                "strict": True,
                "noEmit": True,
                "skipLibCheck": True,
                "module": "esnext",
                "moduleResolution": "bundler",
                "jsx": "preserve",
                "lib": ["dom", "esnext"],
            },
            "exclude": ["node_modules"],
        }
    ),
    "pages/api/auth/[...nextauth].js": """\
import NextAuth from "next-auth";
import GitHubProvider from "next-auth/providers/github";

/** @type {import("next-auth").AuthOptions} */
export const authOptions = {
  providers: [
    GitHubProvider({
      clientId: process.env.GITHUB_ID ?? "",
      clientSecret: process.env.GITHUB_SECRET ?? "",
    }),
  ],
};

export default NextAuth(authOptions);
""",
    "pages/index.jsx": "export default function Home() {\n  return <h1>Club</h1>;\n}\n",
}


@pytest.mark.e2e
def test_checkjs_pages_router(tmp_path: Path, signing_key: str) -> None:
    """A checkJs Pages Router app with no custom App: the new `_app.jsx` and the API route
    type their parameters with JSDoc (`@typedef {import("next").NextApiRequest}`)."""
    root = write(tmp_path / "app", CHECKJS_PAGES)
    apply_twice(root, "--api-key", "pk")
    app = (root / "pages/_app.jsx").read_text()
    assert '/** @typedef {import("next/app").AppProps} AppProps */' in app
    install(root)
    tsc(root, "jsconfig.json")
    doubles = {
        "next-auth": "return { getServerSession: async () => state.session };",
        "./auth/[...nextauth]": "return { authOptions: {} };",
    }
    lee = {"user": {"email": "Lee@Club.Example", "name": "Lee"}}
    signed, anonymous = call_route(
        root, tmp_path, "pages/api/widget-token.js", "pages", doubles,
        [{"state": {"session": lee}}, {"state": {"session": None}}],
    )  # fmt: skip
    assert_signed(signed, email="lee@club.example", name="Lee", user_id=None)
    assert_anonymous(anonymous)
