"""Guests and anonymous identities get no token: the Auth.js / NextAuth guest marker found in
the app's own code, Supabase's anonymous users on old and new supabase-js, Firebase's anonymous
sign-ins (Next.js and Express)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scaffolder.js.syntax import Source
from scaffolder.stacks.nextjs import guests
from tests.helpers import FIXTURES, copy_fixture, run_json
from tests.test_nextjs import LAYOUT, edit, make, manifest, plan

CONFIG_HEAD = (
    'import NextAuth from "next-auth";\n'
    'import Credentials from "next-auth/providers/credentials";\n'
)


def config(body: str) -> Source:
    return Source.of("auth.ts", CONFIG_HEAD + body)


def find(*sources: Source) -> guests.GuestMarker | None:
    return guests.find(list(sources))


@pytest.mark.parametrize(
    ("sources", "condition", "line"),
    [
        # a session field compared with the guest value, either side, negated too
        (
            [
                Source.of(
                    "lib/user.ts",
                    'export const g = (session) => session?.user?.type === "guest";\n',
                )
            ],
            'x?.user?.type === "guest"',
            ("lib/user.ts", 1),
        ),
        (
            [Source.of("app/p.tsx", "if ('anonymous' !== session.user.role) go();\n")],
            'x?.user?.role === "anonymous"',
            ("app/p.tsx", 1),
        ),
        # copied by the session callback, set to "guest" where the guest user is minted
        (
            [
                config(
                    "export const { auth } = NextAuth({ providers: [Credentials({ id: 'guest',\n"
                    "  authorize: async () => ({ id: '1', tier: 'guest' }) })],\n"
                    "  callbacks: { session({ session, token }) {\n"
                    "    session.user.tier = token.tier; return session; } } });\n"
                )
            ],
            'x?.user?.tier === "guest"',
            ("auth.ts", 4),
        ),
        # a flag the callback copies, set to true for guests
        (
            [
                config(
                    "export const { auth } = NextAuth({ providers: [Credentials({\n"
                    "  authorize: async () => ({ id: '1', isGuest: true }) })],\n"
                    "  callbacks: { session({ session, token }) {\n"
                    "    session.user.isGuest = Boolean(token.isGuest); return session; } } });\n"
                )
            ],
            "x?.user?.isGuest === true",
            ("auth.ts", 4),
        ),
        # a flag read anywhere in the app
        (
            [Source.of("app/page.tsx", "const banner = session?.user?.isAnonymous && <p/>;\n")],
            "x?.user?.isAnonymous === true",
            ("app/page.tsx", 1),
        ),
        # the app's regex of guest emails
        (
            [Source.of("lib/constants.ts", "export const guestRegex = /^guest-\\d+$/;\n")],
            '/^guest-\\d+$/.test(x?.user?.email ?? "")',
            ("lib/constants.ts", 1),
        ),
        # the template the guest Credentials provider makes its emails from
        (
            [
                config(
                    "export const { auth } = NextAuth({ providers: [Credentials({\n"
                    "  authorize: async () =>\n"
                    "    ({ id: 'g', email: `guest-${Date.now()}@demo.dev` }),\n"
                    "})] });\n"
                )
            ],
            '/^guest\\-.+@demo\\.dev$/.test(x?.user?.email ?? "")',
            ("auth.ts", 5),
        ),
    ],
)
def test_guest_marker(sources: list[Source], condition: str, line: tuple[str, int]) -> None:
    marker = find(*sources)
    assert marker is not None
    assert marker.condition("x") == condition
    assert (marker.evidence.file, marker.evidence.line) == line
    assert "guest sessions get no token" in marker.evidence.why


@pytest.mark.parametrize(
    "sources",
    [
        # a plain OAuth config
        [config("export const { auth } = NextAuth({ providers: [] });\n")],
        # the JWT's field only, never copied onto the session
        [Source.of("auth.ts", 'if (token.type === "guest") log();\n')],
        # a string "guest" that is not a session field's value
        [Source.of("app/page.tsx", 'const label = user.kind === "guest";\n')],
        # a stateful regex (`g`): `.test` would skip matches
        [Source.of("lib/c.ts", "export const guests = /guest/g;\n")],
        # a guest-looking email template outside the auth config
        [Source.of("seed.ts", "const email = `guest-${n}@x.dev`;\n")],
        # the guest provider's own id, though the callback copies an `id` onto the session
        [
            config(
                "NextAuth({ providers: [Credentials({ id: 'guest', authorize: async () => null })"
                "], callbacks: { session({ session, token }) { session.user.id = token.sub;"
                " return session; } } });\n"
            )
        ],
        # a copied field whose value is not a guest's
        [
            config(
                "NextAuth({ providers: [Credentials({ authorize: async () => ({ type: 'staff' }) })"
                "],"
                " callbacks: { session({ session, token }) { session.user.type = token.type;"
                " return session; } } });\n"
            )
        ],
    ],
)
def test_no_guest_marker(sources: list[Source]) -> None:
    assert find(*sources) is None


def test_session_field_comes_before_the_email_pattern() -> None:
    marker = find(
        Source.of("lib/constants.ts", "export const guestRegex = /^guest-\\d+$/;\n"),
        Source.of("app/chat.tsx", "const guest = session.user.type === 'guest';\n"),
    )
    assert marker is not None and marker.kind == "field" and marker.subject == "type"


# -- the plan and the report --------------------------------------------------------------------


def test_guest_fixture_route_and_report(tmp_path: Path) -> None:
    code, doc = run_json("inspect", str(FIXTURES / "nextjs-authjs-guest"))
    assert code == 0
    evidence = [e for e in doc["auth"]["evidence"] if "guest marker" in e["why"]]
    assert [(e["file"], e["line"]) for e in evidence] == [("lib/membership.ts", 4)]

    route = edit(plan(copy_fixture("nextjs-authjs-guest", tmp_path), api_key="pk"), ROUTE)
    assert "  const signedIn = await auth();\n" in route
    assert '  const session = signedIn?.user?.membership === "guest" ? null : signedIn;\n' in route
    assert "lib/membership.ts:4" in route


ROUTE = "app/api/widget-token/route.ts"


def test_no_marker_no_guard(tmp_path: Path) -> None:
    route = edit(plan(copy_fixture("nextjs-authjs", tmp_path / "a"), api_key="pk"), ROUTE)
    assert "  const session = await auth();\n" in route and "signedIn" not in route


def test_guest_marker_in_a_nextauth_v4_pages_route(tmp_path: Path) -> None:
    root = copy_fixture("nextjs-nextauth-pages", tmp_path)
    (root / "src/lib/guest.ts").write_text(
        'import type { Session } from "next-auth";\n\n'
        "export const isGuest = (session: Session) => session.user?.isGuest === true;\n"
    )
    route = edit(plan(root, api_key="pk"), "src/pages/api/widget-token.ts")
    assert "const signedIn = await getServerSession(req, res, authOptions);" in route
    assert "const session = signedIn?.user?.isGuest === true ? null : signedIn;" in route


def supabase_app(tmp_path: Path, locked: str | None) -> Path:
    deps = ("next", "react", "@supabase/ssr") + (("@supabase/supabase-js",) if locked else ())
    files = {
        "package.json": manifest(*deps),
        "app/layout.tsx": LAYOUT,
        "app/page.tsx": "export default function Page() {\n  return null;\n}\n",
    }
    if locked:
        files["package-lock.json"] = json.dumps(
            {
                "lockfileVersion": 3,
                "packages": {
                    "": {"dependencies": {"@supabase/supabase-js": "^2.0.0"}},
                    "node_modules/@supabase/supabase-js": {"version": locked},
                },
            }
        )
    return make(tmp_path, files)


@pytest.mark.parametrize(
    ("locked", "typed"),
    [("2.39.8", False), ("2.42.0", False), ("2.43.0", True), ("2.45.0", True), (None, True)],
)
def test_supabase_anonymous_by_installed_version(
    tmp_path: Path, locked: str | None, typed: bool
) -> None:
    result = plan(supabase_app(tmp_path, locked), api_key="pk")
    route = edit(result, ROUTE)
    component = edit(result, "components/bestchatbot-identity.tsx")
    assert ("signedIn?.is_anonymous ? null : signedIn" in route) == typed
    assert ('"is_anonymous" in signedIn' in route) == (not typed)
    assert ('signedIn.app_metadata.provider === "anonymous"' in route) == (not typed)
    assert ("!user.is_anonymous" in component) == typed
    why = " ".join(e.why for e in result.inspection.auth.evidence) if result.inspection.auth else ""
    assert ("predates `User.is_anonymous`" in why) == (not typed)


def test_firebase_anonymous_sign_ins(tmp_path: Path) -> None:
    result = plan(copy_fixture("nextjs-firebase", tmp_path), api_key="pk")
    route = edit(result, ROUTE)
    assert 'verified.firebase.sign_in_provider !== "anonymous"' in route
    assert "!user.isAnonymous" in edit(result, "components/bestchatbot-identity.tsx")
