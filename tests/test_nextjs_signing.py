"""Next.js: the JWT library the project already has signs the widget token (jsonwebtoken on the
Node runtime, jose where the route inherits the edge runtime or the project has jose; never a
second library), and every claim the project can supply (`user_id` from next-auth v4's
session where the app puts the id there, Clerk's username when there is no name). The plans
here are fast; the `e2e` tests type-check with the project's own `tsc` against the real
packages and run the route under node with the real jsonwebtoken."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import apply_twice, copy_fixture
from tests.test_nextjs import LAYOUT, edit, make, manifest, plan
from tests.test_nextjs_e2e import assert_anonymous, assert_signed, call_route, install, type_check

APP_ROUTE = "app/api/widget-token/route.ts"
OPTIONS = """\
import NextAuth, { type NextAuthOptions } from "next-auth";
import GitHubProvider from "next-auth/providers/github";

export const authOptions: NextAuthOptions = {
  providers: [GitHubProvider({ clientId: "id", clientSecret: "secret" })],
};

export default NextAuth(authOptions);
"""


VERSIONS = {"jsonwebtoken": "^9.0.2", "@types/jsonwebtoken": "^9.0.7", "jose": "^5.9.6"}
SEGMENT = "export default function Layout({ children }: { children: React.ReactNode }) {\n"
SEGMENT += "  return children;\n}\n"


def nextauth_app(*deps: str, **files: str) -> dict[str, str]:
    """A NextAuth v4 App Router app in TypeScript depending on `deps` too."""
    data = json.loads(manifest("next", "react", "next-auth"))
    data["dependencies"].update({d: VERSIONS[d] for d in deps})
    return {
        "package.json": json.dumps(data, indent=2) + "\n",
        "tsconfig.json": json.dumps({"compilerOptions": {"strict": True}}),
        "app/layout.tsx": LAYOUT,
        "app/page.tsx": "export default function Page() {\n  return null;\n}\n",
        "app/api/auth/[...nextauth]/route.ts": OPTIONS,
        **files,
    }


def added(result: Any) -> dict[str, dict[str, str]]:
    """What the plan adds to package.json, by section."""
    edit = next((e for e in result.plan.edits if e.path == "package.json"), None)
    if edit is None:
        return {}
    before, after = json.loads(edit.before), json.loads(edit.after)
    out = {}
    for section in ("dependencies", "devDependencies"):
        new = {k: v for k, v in after.get(section, {}).items() if k not in before.get(section, {})}
        if new:
            out[section] = new
    return out


# -- the library ------------------------------------------------------------------------------


def test_jsonwebtoken_signs_on_node_and_its_types_are_added(tmp_path: Path) -> None:
    result = plan(make(tmp_path, nextauth_app("jsonwebtoken")), api_key="pk")
    route = edit(result, APP_ROUTE)
    assert route.startswith('import jwt from "jsonwebtoken";\n')
    assert "jose" not in route and "SignJWT" not in route
    assert "function signWidgetToken({ email, name }: WidgetUser): string | null {" in route
    assert "  const token = signWidgetToken({" in route
    assert '    { algorithm: "HS256", expiresIn: "1h" },\n' in route
    assert added(result) == {"devDependencies": {"@types/jsonwebtoken": "^9.0.7"}}
    assert "package.json: jsonwebtoken is already a dependency" in {
        f"{s.path}: {s.why}" for s in result.plan.skipped
    }


@pytest.mark.parametrize(
    ("extra", "files", "library", "new"),
    [
        pytest.param(
            ("jsonwebtoken", "jose"), {}, "jose", {}, id="both: jose, nothing added"
        ),
        pytest.param(
            ("jsonwebtoken",),
            {"app/layout.tsx": 'export const runtime = "edge";\n\n' + LAYOUT},
            "jose",
            {"jose": "^6.1.0"},
            id="the root layout puts its routes on the edge: jose",
        ),
        pytest.param(
            ("jsonwebtoken",),
            {"app/api/layout.tsx": "export const runtime = 'edge';\n\n" + SEGMENT},
            "jose",
            {"jose": "^6.1.0"},
            id="a layout above the route sets edge",
        ),
        pytest.param(
            ("jsonwebtoken", "@types/jsonwebtoken"),
            {"app/(shop)/layout.tsx": 'export const runtime = "edge";\n\n' + SEGMENT},
            "jsonwebtoken",
            {},
            id="edge elsewhere: the route stays on Node",
        ),
        pytest.param((), {}, "jose", {"jose": "^6.1.0"}, id="no JWT library: jose added"),
    ],
)  # fmt: skip
def test_the_library_that_runs_where_the_route_runs(
    tmp_path: Path,
    extra: tuple[str, ...],
    files: dict[str, str],
    library: str,
    new: dict[str, str],
) -> None:
    result = plan(make(tmp_path, nextauth_app(*extra, **files)), api_key="pk")
    route = edit(result, APP_ROUTE)
    imports = 'import { SignJWT } from "jose";' if library == "jose" else 'from "jsonwebtoken"'
    assert imports in route and ("await signWidgetToken(" in route) == (library == "jose")
    assert added(result) == ({"dependencies": new} if new else {})
    reasons = [e.reason for e in result.plan.edits if e.path == "package.json"]
    edge = "app/layout.tsx" in files or "app/api/layout.tsx" in files
    assert edge == any("edge runtime" in r and "jsonwebtoken cannot run" in r for r in reasons)


NAMESPACE_IMPORT = 'import * as jwt from "jsonwebtoken";\n\nexport const { verify } = jwt;\n'


def test_the_projects_namespace_import_is_followed(tmp_path: Path) -> None:
    files = nextauth_app(
        "jsonwebtoken",
        "@types/jsonwebtoken",
        **{"lib/invite.ts": NAMESPACE_IMPORT},
    )
    result = plan(make(tmp_path, files), api_key="pk")
    assert edit(result, APP_ROUTE).startswith('import * as jwt from "jsonwebtoken";\n')
    assert "package.json" not in {e.path for e in result.plan.edits}


def test_pages_router_javascript_uses_jsonwebtoken_without_types(tmp_path: Path) -> None:
    files = {
        "package.json": manifest("next", "react", "next-auth", "jsonwebtoken"),
        "pages/api/auth/[...nextauth].js": OPTIONS.replace(
            ", { type NextAuthOptions }", ""
        ).replace(": NextAuthOptions", ""),
        "pages/index.jsx": "export default function Home() {\n  return null;\n}\n",
    }
    result = plan(make(tmp_path, files), api_key="pk")
    route = edit(result, "pages/api/widget-token.js")
    assert route.startswith('import jwt from "jsonwebtoken";\n')
    assert "const token = signWidgetToken({" in route
    assert "package.json" not in {e.path for e in result.plan.edits}


# -- claims -----------------------------------------------------------------------------------

SESSION_CALLBACK = """\
import NextAuth from "next-auth";
import GitHubProvider from "next-auth/providers/github";

export const authOptions = {
  providers: [GitHubProvider({ clientId: "id", clientSecret: "secret" })],
  callbacks: {
    CALLBACK
  },
};

export default NextAuth(authOptions);
"""


@pytest.mark.parametrize(
    "callback",
    [
        pytest.param(
            "async session({ session, token }) {\n"
            "      session.user.id = token.sub;\n      return session;\n    },",
            id="session.user.id assigned",
        ),
        pytest.param(
            "session: ({ session, token }) => ({\n"
            "      ...session,\n      user: { ...session.user, id: token.sub },\n    }),",
            id="a session returned with the id",
        ),
    ],
)
def test_nextauth_v4_javascript_user_id_from_the_session_callback(
    tmp_path: Path, callback: str
) -> None:
    """v4's JWT sessions carry no id unless the app's session callback puts one there: in
    JavaScript nothing type-checks, the callback is the evidence."""
    files = {
        "package.json": manifest("next", "react", "next-auth"),
        "app/layout.jsx": LAYOUT.replace(": { children: React.ReactNode }", ""),
        "app/page.jsx": "export default function Page() {\n  return null;\n}\n",
        "lib/auth.js": SESSION_CALLBACK.replace("CALLBACK", callback),
    }
    root = make(tmp_path, files)
    result = plan(root, api_key="pk")
    assert "userId: session?.user?.id," in edit(result, "app/api/widget-token/route.js")
    assert result.inspection.auth is not None
    assert "the session callback sets `session.user.id`" in {
        e.why for e in result.inspection.auth.evidence
    }
    # a callback that leaves the id out: no user_id claim, since the session has none
    (root / "lib/auth.js").write_text(
        SESSION_CALLBACK.replace("CALLBACK", "session: ({ session }) => session,")
    )
    assert "userId" not in edit(plan(root, api_key="pk"), "app/api/widget-token/route.js")


def test_nextauth_v4_current_user_helper_carries_the_declared_id(tmp_path: Path) -> None:
    """The app's getCurrentUser() returns v4's session user, which the project declares with
    an id (shadcn's taxonomy shape): the route signs it as user_id."""
    files = nextauth_app(
        **{
            "lib/session.ts": 'import { getServerSession } from "next-auth/next";\n\n'
            'import { authOptions } from "@/app/api/auth/[...nextauth]/route";\n\n'
            "export async function getCurrentUser() {\n"
            "  const session = await getServerSession(authOptions);\n\n"
            "  return session?.user;\n}\n",
            "types/next-auth.d.ts": 'import type { User } from "next-auth";\n\n'
            'declare module "next-auth" {\n  interface Session {\n'
            "    user: User & { id: string };\n  }\n}\n",
            "tsconfig.json": json.dumps(
                {"compilerOptions": {"strict": True, "paths": {"@/*": ["./*"]}}}
            ),
        }
    )
    root = make(tmp_path, files)
    route = edit(plan(root, api_key="pk"), APP_ROUTE)
    assert "const user = await getCurrentUser();" in route and "userId: user?.id," in route
    (root / "types/next-auth.d.ts").unlink()
    assert "userId" not in edit(plan(root, api_key="pk"), APP_ROUTE)


# -- end to end -------------------------------------------------------------------------------


@pytest.mark.e2e
def test_jsonwebtoken_project_end_to_end(tmp_path: Path, signing_key: str) -> None:
    """A NextAuth v4 app that signs its calendar-feed links with jsonwebtoken: the route signs
    with it too (nothing added to package.json), through the app's own getCurrentUser(), whose
    declared `user.id` becomes user_id; tsc passes against the real @types/jsonwebtoken and the
    token from the real jsonwebtoken verifies."""
    root = copy_fixture("nextjs-nextauth-jwt", tmp_path)
    before = (root / "package.json").read_text()
    apply_twice(root, "--api-key", "pk_rota")
    assert (root / "package.json").read_text() == before
    route = "src/app/api/widget-token/route.ts"
    assert (root / route).read_text().startswith('import jwt from "jsonwebtoken";\n')
    install(root)
    type_check(root)
    maren = {"id": "st_41", "email": "Maren.Holt@Rota.Example", "name": "Maren Holt"}
    signed, anonymous = call_route(
        root,
        tmp_path,
        route,
        "app",
        {"@/lib/session": "return { getCurrentUser: async () => state.user };"},
        [{"state": {"user": maren}}, {"state": {"user": None}}],
    )
    assert_signed(signed, email="maren.holt@rota.example", name="Maren Holt", user_id="st_41")
    assert_anonymous(anonymous)


@pytest.mark.e2e
def test_javascript_pages_router_on_jsonwebtoken_with_the_callbacks_id(
    tmp_path: Path, signing_key: str
) -> None:
    """A JavaScript Pages Router app on NextAuth v4 whose session callback adds the user's id,
    already depending on jsonwebtoken: the route signs with it and includes user_id."""
    files = {
        "package.json": json.dumps(
            {
                "name": "js-club",
                "private": True,
                "dependencies": {
                    "jsonwebtoken": "^9.0.2",
                    "next": "^15.5.0",
                    "next-auth": "^4.24.11",
                    "react": "^19.1.0",
                    "react-dom": "^19.1.0",
                },
            }
        ),
        "pages/api/auth/[...nextauth].js": SESSION_CALLBACK.replace(
            "CALLBACK",
            "async session({ session, token }) {\n"
            "      if (session.user) session.user.id = token.sub;\n      return session;\n    },",
        ),
        "pages/index.jsx": "export default function Home() {\n  return <h1>Club</h1>;\n}\n",
    }
    root = make(tmp_path / "app", files)
    apply_twice(root, "--api-key", "pk")
    route = "pages/api/widget-token.js"
    text = (root / route).read_text()
    assert (
        text.startswith('import jwt from "jsonwebtoken";\n') and "userId: session?.user?.id" in text
    )
    install(root)
    doubles = {
        "next-auth": "return { getServerSession: async () => state.session };",
        "./auth/[...nextauth]": "return { authOptions: {} };",
    }
    lee = {"user": {"id": "gh-7", "email": "Lee@Club.Example", "name": "Lee"}}
    signed, anonymous = call_route(
        root, tmp_path, route, "pages", doubles,
        [{"state": {"session": lee}}, {"state": {"session": None}}],
    )  # fmt: skip
    assert_signed(signed, email="lee@club.example", name="Lee", user_id="gh-7")
    assert_anonymous(anonymous)
