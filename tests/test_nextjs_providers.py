"""Next.js: the auth provider's element and the project's helpers, as the plan uses them.

- the identity component mounts inside the app's own provider, found however deep the app's
  components render it, or in the route groups' layouts that have it; never inside a second
  provider of its own; a provider it does bring repeats the app's `basePath`;
- a project helper is reused only when its type fits (a Supabase helper returning a row is
  not a client; `getCurrentUser()` returning the session's user is preferred, and called
  behind a guard when it throws for anonymous visitors);
- Firebase: the client Auth behind a function, the app's admin App, session cookies verified
  as the app verifies them (`checkRevoked`), and what firebase-admin needs to run.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scaffolder import engine
from scaffolder.model import Answers
from tests.helpers import apply_twice, copy_fixture
from tests.test_nextjs_e2e import (
    assert_anonymous,
    assert_signed,
    call_route,
    install,
    run_component,
    type_check,
)

TSCONFIG = json.dumps({"compilerOptions": {"paths": {"@/*": ["./*"]}}})
PAGE = "export default function Page() {\n  return <h1>Hi</h1>;\n}\n"
ROOT_LAYOUT = """\
export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body>
        <main>{children}</main>
      </body>
    </html>
  );
}
"""
AUTHJS = {
    "package.json": json.dumps(
        {"name": "app", "dependencies": {"next": "^15.5.0", "next-auth": "5.0.0-beta.30"}}
    ),
    "tsconfig.json": TSCONFIG,
    "auth.ts": 'import NextAuth from "next-auth";\n\n'
    "export const { handlers, auth, signIn, signOut } = NextAuth({ providers: [] });\n",
    "app/layout.tsx": ROOT_LAYOUT,
    "app/page.tsx": PAGE,
}
ROUTE = "app/api/widget-token/route.ts"
COMPONENT = "components/bestchatbot-identity.tsx"


def make(tmp_path: Path, files: dict[str, str]) -> Path:
    for path, text in files.items():
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return tmp_path


def planned(root: Path) -> dict[str, str]:
    result = engine.plan(root, Answers(api_key="pk"))
    return {e.path: e.after for e in result.plan.edits}


# -- the provider's element -------------------------------------------------------------------


def test_provider_of_some_route_groups_gets_the_component(tmp_path: Path) -> None:
    """ClerkProvider only in app/(app)/layout.tsx (through the app's <AppProviders>): the
    component mounts there, inside it; the root layout gets only the widget <Script>; the
    marketing group, without the provider, gets nothing."""
    root = copy_fixture("nextjs-clerk-groups", tmp_path)
    edits = planned(root)
    group = edits["app/(app)/layout.tsx"]
    assert group.index("<AppProviders>") < group.index("<BestChatBotIdentity />")
    assert group.index("<BestChatBotIdentity />") < group.index("</AppProviders>")
    assert "<BestChatBotIdentity" not in edits["app/layout.tsx"]
    assert "widget.bestchatbot.io" in edits["app/layout.tsx"]
    assert "app/(marketing)/layout.tsx" not in edits
    component = edits[COMPONENT]
    assert "ClerkProvider" not in component and "function IdentitySync" not in component


def test_provider_rendered_two_components_deep_is_found(tmp_path: Path) -> None:
    """layout -> <Providers> -> <AuthShell> -> <SessionProvider>: no second provider."""
    files = {
        **AUTHJS,
        "app/layout.tsx": 'import { Providers } from "./providers";\n\n'
        + ROOT_LAYOUT.replace("<main>{children}</main>", "<Providers>{children}</Providers>"),
        "app/providers.tsx": 'import { AuthShell } from "@/components/auth-shell";\n\n'
        "export function Providers({ children }: { children: React.ReactNode }) {\n"
        "  return <AuthShell>{children}</AuthShell>;\n}\n",
        "components/auth-shell.tsx": '"use client";\n\n'
        'import { SessionProvider } from "next-auth/react";\n\n'
        "export function AuthShell({ children }: { children: React.ReactNode }) {\n"
        "  return <SessionProvider>{children}</SessionProvider>;\n}\n",
    }
    edits = planned(make(tmp_path, files))
    assert "SessionProvider" not in edits[COMPONENT]
    layout = edits["app/layout.tsx"]
    assert layout.index("<Providers>") < layout.index("<BestChatBotIdentity />")
    assert layout.index("<BestChatBotIdentity />") < layout.index("</Providers>")


@pytest.mark.parametrize(
    ("config", "opening"),
    [
        pytest.param('basePath: "/auth", ', '<SessionProvider basePath="/auth">', id="basePath"),
        pytest.param("", "<SessionProvider>", id="default"),
    ],
)
def test_own_session_provider_repeats_the_base_path(
    tmp_path: Path, config: str, opening: str
) -> None:
    files = {
        **AUTHJS,
        "auth.ts": AUTHJS["auth.ts"].replace("NextAuth({ ", "NextAuth({ " + config),
    }
    component = planned(make(tmp_path, files))[COMPONENT]
    assert f"    {opening}\n      <IdentitySync />" in component


# -- the project's helpers --------------------------------------------------------------------

SESSION = {
    "returns the user": (
        'import { auth } from "@/auth";\n\n'
        "export async function getCurrentUser() {\n"
        "  const session = await auth();\n  return session?.user;\n}\n"
    ),
    "cached, undefined for anonymous": (
        'import { cache } from "react";\n\nimport { auth } from "@/auth";\n\n'
        "export const getCurrentUser = cache(async () => {\n"
        "  const session = await auth();\n"
        "  if (!session?.user) {\n    return undefined;\n  }\n  return session.user;\n});\n"
    ),
    "redirects anonymous visitors": (
        'import { redirect } from "next/navigation";\n\nimport { auth } from "@/auth";\n\n'
        "export async function getCurrentUser() {\n"
        "  const session = await auth();\n"
        '  if (!session?.user) redirect("/login");\n  return session.user;\n}\n'
    ),
    "returns a database row": (
        'import { auth } from "@/auth";\nimport { db } from "@/lib/db";\n\n'
        "export async function getCurrentUser() {\n"
        "  const session = await auth();\n"
        "  return db.user.findUnique({ where: { email: session?.user?.email ?? '' } });\n}\n"
    ),
}


@pytest.mark.parametrize(
    ("shape", "call"),
    [
        pytest.param("returns the user", "await getCurrentUser();", id="returns the user"),
        pytest.param("cached, undefined for anonymous", "await getCurrentUser();", id="cached"),
        pytest.param(
            "redirects anonymous visitors",
            "await getCurrentUser().catch(() => null);",
            id="throws: guarded",
        ),
    ],
)
def test_project_current_user_helper(tmp_path: Path, shape: str, call: str) -> None:
    root = make(tmp_path, {**AUTHJS, "lib/session.ts": SESSION[shape]})
    result = engine.plan(root, Answers(api_key="pk"))
    route = next(e.after for e in result.plan.edits if e.path == ROUTE)
    assert 'import { getCurrentUser } from "@/lib/session";' in route
    assert f"  const user = {call}\n  const email = user?.email;" in route
    assert "await auth()" not in route
    assert result.inspection.auth is not None and result.inspection.auth.email is not None
    assert result.inspection.auth.email.file == "lib/session.ts"


def test_current_user_helper_returning_a_row_is_not_used(tmp_path: Path) -> None:
    root = make(tmp_path, {**AUTHJS, "lib/session.ts": SESSION["returns a database row"]})
    route = planned(root)[ROUTE]
    assert "getCurrentUser" not in route and "const session = await auth();" in route


SUPABASE = {
    "package.json": json.dumps(
        {"name": "app", "dependencies": {"next": "^15.5.0", "@supabase/ssr": "^0.6.0"}}
    ),
    "tsconfig.json": TSCONFIG,
    "app/layout.tsx": ROOT_LAYOUT,
    "app/page.tsx": PAGE,
}
PROFILE = """\
import { createServerClient } from "@supabase/ssr";
import { cookies } from "next/headers";

export async function getProfile() {
  const cookieStore = await cookies();
  const supabase = createServerClient(
    process.env.NEXT_PUBLIC_SUPABASE_URL!,
    process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY!,
    { cookies: { getAll: () => cookieStore.getAll(), setAll() {} } },
  );
  const { data } = await supabase.from("profiles").select("*").single();
  return data;
}
"""


def test_supabase_helper_returning_a_row_is_not_a_client(tmp_path: Path) -> None:
    root = make(tmp_path, {**SUPABASE, "lib/supabase/server.ts": PROFILE})
    route = planned(root)[ROUTE]
    assert "getProfile" not in route
    assert "const supabase = createServerClient(" in route


def test_supabase_helper_returning_its_client_is_reused(tmp_path: Path) -> None:
    client = PROFILE.replace("getProfile", "createClient").replace(
        '  const { data } = await supabase.from("profiles").select("*").single();\n'
        "  return data;\n",
        "  return supabase;\n",
    )
    root = make(tmp_path, {**SUPABASE, "lib/supabase/server.ts": client})
    route = planned(root)[ROUTE]
    assert 'import { createClient } from "@/lib/supabase/server";' in route
    assert "  const supabase = await createClient();\n" in route


# -- Firebase ---------------------------------------------------------------------------------

FIREBASE = {
    "package.json": json.dumps(
        {"name": "app", "dependencies": {"next": "^15.5.0", "firebase": "^12.0.0"}}
    ),
    "tsconfig.json": TSCONFIG,
    "app/layout.tsx": ROOT_LAYOUT,
    "app/page.tsx": PAGE,
    "lib/firebase.ts": 'import { initializeApp } from "firebase/app";\n'
    'import { getAuth } from "firebase/auth";\n\n'
    "export const auth = getAuth(initializeApp({}));\n",
}


def test_firebase_admin_added_explains_its_credentials(tmp_path: Path) -> None:
    root = make(tmp_path, {**FIREBASE, "apphosting.yaml": "runConfig:\n  minInstances: 0\n"})
    result = engine.plan(root, Answers(api_key="pk"))
    manifest = next(e.after for e in result.plan.edits if e.path == "package.json")
    assert '"firebase-admin"' in manifest
    [step] = [s for s in result.plan.next_steps if "firebase-admin" in s]
    assert "GOOGLE_APPLICATION_CREDENTIALS" in step and "as apphosting.yaml suggests" in step


def test_firebase_id_tokens_checked_for_revocation_as_the_app_does(tmp_path: Path) -> None:
    files = {
        **FIREBASE,
        "lib/admin.ts": 'import { getAuth } from "firebase-admin/auth";\n\n'
        "export const adminAuth = getAuth();\n",
        "app/api/me/route.ts": 'import { adminAuth } from "@/lib/admin";\n\n'
        "export async function GET(request: Request) {\n"
        '  const token = request.headers.get("authorization")?.slice(7) ?? "";\n'
        "  const { uid } = await adminAuth.verifyIdToken(token, true);\n"
        "  return Response.json({ uid });\n}\n",
    }
    route = planned(make(tmp_path, files))[ROUTE]
    assert "await adminAuth.verifyIdToken(idToken, true).catch(() => null)" in route


def test_firebase_client_auth_behind_a_function(tmp_path: Path) -> None:
    """The app's client Auth comes from `getFirebaseAuth()` (the next-firebase-auth-edge
    starter's shape): the component calls it; in-memory persistence is warned about."""
    files = {
        **FIREBASE,
        "lib/firebase.ts": 'import { getApp, getApps, initializeApp } from "firebase/app";\n'
        'import { getAuth, inMemoryPersistence, setPersistence } from "firebase/auth";\n\n'
        "export function getFirebaseAuth() {\n"
        "  const auth = getAuth(getApps().length ? getApp() : initializeApp({}));\n"
        "  setPersistence(auth, inMemoryPersistence);\n  return auth;\n}\n",
    }
    result = engine.plan(make(tmp_path, files), Answers(api_key="pk"))
    component = next(e.after for e in result.plan.edits if e.path == COMPONENT)
    assert "onIdTokenChanged(getFirebaseAuth(), (user) =>" in component
    assert "await getFirebaseAuth().currentUser?.getIdToken()" in component
    assert any(
        "lib/firebase.ts:6: the Firebase client Auth keeps" in w for w in result.plan.warnings
    )


# -- end to end -------------------------------------------------------------------------------


@pytest.mark.e2e
def test_firebase_session_cookie(tmp_path: Path, signing_key: str) -> None:
    """Session cookies (`createSessionCookie` at sign-in, `verifySessionCookie(cookie, true)` in
    the app): the route reads the app's cookie by the app's constant, verifies it with the
    app's admin App checking revocation, and the component sends no ID token."""
    root = copy_fixture("nextjs-firebase-session", tmp_path)
    apply_twice(root, "--api-key", "pk_glaze")
    install(root)
    type_check(root)
    route = (root / ROUTE).read_text()
    assert "(await cookies()).get(SESSION_COOKIE)?.value" in route
    assert "verifySessionCookie(sessionCookie, true)" in route

    cookies = (
        "return { cookies: async () => ({ get: (name) =>"
        " name === 'glaze_session' && state.cookie ? { value: state.cookie } : undefined }) };"
    )
    admin = (
        "return { getAuth: (app) => { if (!app || app.name !== 'glaze') throw new Error('app');"
        " return { verifySessionCookie: async (cookie, checkRevoked) => {"
        " if (checkRevoked !== true) throw new Error('checkRevoked expected');"
        " const decoded = state.sessions[cookie]; if (!decoded) throw new Error('revoked');"
        " return decoded; } }; } };"
    )
    mira = {
        "uid": "fb-mira",
        "email": "Mira@Glaze.Example",
        "email_verified": True,
        "name": "Mira Tan",
        "firebase": {"sign_in_provider": "google.com"},
    }
    sessions = {"live": mira}
    doubles = {
        "next/headers": cookies,
        "firebase-admin/auth": admin,
        "@/lib/firebase/admin": "return { getAdminApp: () => ({ name: 'glaze' }) };",
        "@/lib/session": "return { SESSION_COOKIE: 'glaze_session' };",
    }
    signed, revoked, none = call_route(
        root,
        tmp_path,
        ROUTE,
        "app",
        doubles,
        [
            {"state": {"cookie": "live", "sessions": sessions}},
            {"state": {"cookie": "revoked-one", "sessions": sessions}},
            {"state": {"cookie": None, "sessions": sessions}},
        ],
    )
    assert_signed(signed, email="mira@glaze.example", name="Mira Tan", user_id="fb-mira")
    assert_anonymous(revoked)
    assert_anonymous(none)

    client = {
        "firebase/auth": (
            "return { onIdTokenChanged: (auth, cb) => { if (!auth.isClientAuth) throw new"
            " Error('auth'); state.emit = cb; return () => {}; } };"
        ),
        "@/lib/firebase/client": (
            "state.as = (uid) => state.emit(uid ? { uid, isAnonymous: false } : null);"
            "return { getClientAuth: () => ({ isClientAuth: true }) };"
        ),
    }
    steps = [
        {"widget": True, "render": True},
        {"token": "h.eyJleHAiOjQxMDI0NDQ4MDB9.s", "do": "as", "args": ["mira"]},
        {"token": None, "do": "as", "args": [None]},
    ]
    log = run_component(root, tmp_path, COMPONENT, client, steps)
    # the cookie travels with the request: no Authorization header
    assert log[:3] == ["--", "fetch /api/widget-token", "set h.eyJleHAiOjQxMDI0NDQ4MDB9.s"]
    assert log[-3:] == ["clear", "clear", "--"]


@pytest.mark.e2e
def test_current_user_helper_that_redirects(tmp_path: Path, signing_key: str) -> None:
    """The app's getCurrentUser() redirects anonymous visitors (it throws NEXT_REDIRECT): the
    route calls it behind a guard and answers 401; type-checked with next-auth's own types."""
    root = copy_fixture("nextjs-authjs", tmp_path)
    (root / "lib").mkdir()
    (root / "lib/session.ts").write_text(SESSION["redirects anonymous visitors"])
    apply_twice(root, "--api-key", "pk_trail")
    route = (root / ROUTE).read_text()
    assert "await getCurrentUser().catch(() => null)" in route
    install(root)
    type_check(root)
    session = (
        "return { getCurrentUser: async () => {"
        " if (!state.user) throw Object.assign(new Error('NEXT_REDIRECT'), { digest: 'x' });"
        " return state.user; } };"
    )
    hal = {"id": "gh-7781", "email": "Hal@Trailhead.Example", "name": "Hal Hiker"}
    signed, anonymous = call_route(
        root,
        tmp_path,
        ROUTE,
        "app",
        {"@/lib/session": session},
        [{"state": {"user": hal}}, {"state": {"user": None}}],
    )
    assert_signed(signed, email="hal@trailhead.example", name="Hal Hiker", user_id="gh-7781")
    assert_anonymous(anonymous)
