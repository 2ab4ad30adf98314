"""Next.js: detection (apps, routers, root layouts, providers, helpers), the shell splices
(before / after, and noop), and plans for project shapes the fixtures do not cover."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scaffolder import engine, steps
from scaffolder.errors import BadInput, Refused, UsageError
from scaffolder.inspection import Settled
from scaffolder.js.syntax import Source
from scaffolder.model import Answers
from scaffolder.plan import PlanBuilder
from scaffolder.stacks.nextjs import plan as nextjs_plan
from scaffolder.stacks.nextjs.hooks import NextFacts
from scaffolder.stacks.nextjs.mount import Mount, mount
from tests.helpers import FIXTURES, copy_fixture, run_json

TSCONFIG = json.dumps({"compilerOptions": {"paths": {"@/*": ["./*"]}}})
LAYOUT = """\
export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
"""


def manifest(*deps: str, **extra: object) -> str:
    versions = {
        "next": "^15.5.0",
        "react": "^19.1.0",
        "@clerk/nextjs": "^7.0.0",
        "@supabase/ssr": "^0.12.0",
        "@auth0/nextjs-auth0": "^4.13.0",
        "next-auth": "^4.24.11",
        "firebase": "^12.0.0",
    }
    data = {"name": "app", "dependencies": {d: versions.get(d, "^1.0.0") for d in deps}}
    data.update(extra)
    return json.dumps(data, indent=2) + "\n"


def make(tmp_path: Path, files: dict[str, str]) -> Path:
    for path, text in files.items():
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return tmp_path


def clerk_app(prefix: str = "") -> dict[str, str]:
    return {
        f"{prefix}package.json": manifest("next", "react", "@clerk/nextjs"),
        f"{prefix}tsconfig.json": TSCONFIG,
        f"{prefix}middleware.ts": 'import { clerkMiddleware } from "@clerk/nextjs/server";\n'
        "export default clerkMiddleware();\n",
        f"{prefix}app/layout.tsx": 'import { ClerkProvider } from "@clerk/nextjs";\n\n'
        + LAYOUT.replace("<html", "<ClerkProvider>\n    <html").replace(
            "</html>", "</html>\n    </ClerkProvider>"
        ),
        f"{prefix}app/page.tsx": "export default function Page() {\n  return <h1>Hi</h1>;\n}\n",
    }


def plan(root: Path, **answers: str) -> engine.Result:
    return engine.plan(root, Answers(**answers))


def edit(result: engine.Result, path: str) -> str:
    return next(e.after for e in result.plan.edits if e.path == path)


# -- detection --------------------------------------------------------------------------------


def test_fixture_report() -> None:
    code, doc = run_json("inspect", str(FIXTURES / "nextjs-supabase"))
    assert code == 0
    assert doc["stack"]["framework"] == "nextjs" and doc["stack"]["language"] == "typescript"
    assert doc["auth"]["library"] == "supabase"
    assert doc["auth"]["email"]["file"] == "src/lib/supabase/server.ts"
    assert doc["widget"]["present"] and doc["widget"]["file"] == "src/app/[locale]/layout.tsx"
    assert doc["delivery"] == "token-endpoint"
    kinds = {(f["kind"], f["value"]) for f in doc["findings"]}
    assert ("root-layout", "src/app/[locale]/layout.tsx") in kinds
    assert ("middleware", "src/middleware.ts") in kinds
    assert ("path-alias", "@/* -> src") in kinds
    assert doc["questions"] == []


def test_monorepo_asks_which_app(tmp_path: Path) -> None:
    root = make(
        tmp_path,
        {
            "package.json": json.dumps({"private": True, "workspaces": ["apps/*", "packages/*"]}),
            "pnpm-lock.yaml": "",
            **clerk_app("apps/web/"),
            **clerk_app("apps/admin/"),
            # a UI package with next as a peer dependency is not an app
            "packages/ui/package.json": json.dumps(
                {"name": "ui", "peerDependencies": {"next": "*"}}
            ),
            "packages/ui/button.tsx": "export const Button = () => null;\n",
        },
    )
    result = plan(root, api_key="pk")
    [question] = result.inspection.questions
    assert (question.id, question.choices) == ("app", ("apps/admin", "apps/web"))
    assert result.plan.empty

    chosen = plan(root, app="apps/web", api_key="pk")
    paths = {e.path for e in chosen.plan.edits}
    assert "apps/web/app/api/widget-token/route.ts" in paths
    assert "apps/web/package.json" in paths and not any(p.startswith("apps/admin") for p in paths)
    [lock] = chosen.plan.locks  # the workspace's lockfile, updated at its root
    assert (lock.path, lock.argv, lock.cwd) == (
        "pnpm-lock.yaml",
        ("pnpm", "install", "--lockfile-only"),
        ".",
    )
    with pytest.raises(UsageError, match=r"no Next\.js app there; found apps/admin, apps/web"):
        plan(root, app="apps/docs")
    for spelled in ("apps/web/package.json", "apps/web/"):
        assert plan(root, app=spelled, api_key="pk").inspection.questions == (), spelled


def test_framework_answer_without_an_app_is_unsupported(tmp_path: Path) -> None:
    root = make(tmp_path, {"package.json": manifest("react"), "index.js": "export {};\n"})
    code, doc = run_json("inspect", str(root), "--framework", "nextjs")
    assert (code, doc["supported"], doc["stack"]["framework"]) == (4, False, None)


def test_several_root_layouts_are_a_question(tmp_path: Path) -> None:
    files = clerk_app()
    layout = files.pop("app/layout.tsx")
    files["app/(marketing)/layout.tsx"] = layout
    files["app/(shop)/layout.tsx"] = layout
    root = make(tmp_path, files)
    [question] = plan(root, api_key="pk").inspection.questions
    assert question.id == "layout"
    assert question.choices == ("app/(marketing)/layout.tsx", "app/(shop)/layout.tsx", "all")
    both = plan(root, api_key="pk", layout="all")
    assert {"app/(marketing)/layout.tsx", "app/(shop)/layout.tsx"} <= {
        e.path for e in both.plan.edits
    }
    with pytest.raises(UsageError, match="not a root layout"):
        plan(root, api_key="pk", layout="app/layout.tsx")


def test_locale_layout_under_an_html_less_root_layout(tmp_path: Path) -> None:
    files = clerk_app()
    files["app/[locale]/layout.tsx"] = files.pop("app/layout.tsx")
    files["app/layout.tsx"] = (
        "export default function Root({ children }: { children: React.ReactNode }) {\n"
        "  return children;\n}\n"
    )
    root = make(tmp_path, files)
    result = plan(root, api_key="pk")
    assert result.inspection.questions == ()
    assert "<BestChatBotIdentity />" in edit(result, "app/[locale]/layout.tsx")


@pytest.mark.parametrize(
    ("deps", "question"),
    [
        pytest.param(("next",), ("clerk", "supabase", "auth0", "next-auth", "firebase"), id="none"),
        pytest.param(("next", "@clerk/nextjs", "next-auth"), ("clerk", "next-auth"), id="two"),
    ],
)
def test_auth_provider_question(
    tmp_path: Path, deps: tuple[str, ...], question: tuple[str, ...]
) -> None:
    files = clerk_app()
    files["package.json"] = manifest(*deps)
    root = make(tmp_path, files)
    asked = [q for q in plan(root, api_key="pk").inspection.questions if q.id == "auth"]
    assert asked and asked[0].choices == question


def test_open_auth_question_holds_the_widget_back(tmp_path: Path) -> None:
    files = clerk_app()
    files["package.json"] = manifest("next", "@clerk/nextjs", "next-auth")
    root = make(tmp_path, files)
    insp = plan(root).inspection
    assert [q.id for q in insp.questions] == ["auth"]
    assert insp.widget.file is None and insp.facts is not None
    assert {e.why for e in insp.auth.evidence} >= {"`@clerk/nextjs` is a dependency"}, insp.auth
    answered = plan(root, auth="clerk").inspection
    [question] = answered.questions
    assert question.id == "api_key" and "The widget <Script> is missing" in question.text
    assert (answered.widget.file, answered.widget.present) == ("app/layout.tsx", False)


def test_auth_answer_must_be_installed(tmp_path: Path) -> None:
    root = make(tmp_path, clerk_app())
    with pytest.raises(UsageError, match="does not depend on @supabase/ssr"):
        plan(root, api_key="pk", auth="supabase")


def test_delivery_is_always_the_endpoint(tmp_path: Path) -> None:
    root = make(tmp_path, clerk_app())
    with pytest.raises(UsageError, match="token-endpoint"):
        plan(root, api_key="pk", delivery="script-attribute")


def test_expression_overrides(tmp_path: Path) -> None:
    root = make(tmp_path, clerk_app())
    result = plan(
        root,
        api_key="pk",
        email_expr="user?.emailAddresses[0]?.emailAddress",
        name_expr="user?.username",
    )
    route = edit(result, "app/api/widget-token/route.ts")
    assert "const email = user?.emailAddresses[0]?.emailAddress;" in route
    assert "name: user?.username," in route
    with pytest.raises(UsageError, match="uses request; it may only use user"):
        plan(root, api_key="pk", email_expr="request.headers.get('x-email')")
    with pytest.raises(UsageError, match="not a JavaScript expression"):
        plan(root, api_key="pk", email_expr="user?.")


def test_base_path_and_api_prefix(tmp_path: Path) -> None:
    files = clerk_app()
    files["next.config.mjs"] = 'export default { basePath: "/shop" };\n'
    root = make(tmp_path, files)
    result = plan(root, api_key="pk", api_prefix="/api/v1")
    assert "app/api/v1/widget-token/route.ts" in {e.path for e in result.plan.edits}
    component = edit(result, "components/bestchatbot-identity.tsx")
    assert 'const ENDPOINT = "/shop/api/v1/widget-token";' in component


def test_api_prefix_root(tmp_path: Path) -> None:
    root = make(tmp_path, clerk_app())
    result = plan(root, api_key="pk", api_prefix="/")
    assert "app/widget-token/route.ts" in {e.path for e in result.plan.edits}
    component = edit(result, "components/bestchatbot-identity.tsx")
    assert 'const ENDPOINT = "/widget-token";' in component


def test_cache_components_route_has_no_segment_config(tmp_path: Path) -> None:
    files = clerk_app()
    files["next.config.ts"] = "export default { cacheComponents: true };\n"
    root = make(tmp_path, files)
    route = edit(plan(root, api_key="pk"), "app/api/widget-token/route.ts")
    assert "export const dynamic" not in route
    assert "export const dynamic" in edit(
        plan(make(tmp_path / "plain", clerk_app()), api_key="pk"), "app/api/widget-token/route.ts"
    )


def test_foreign_route_is_never_overwritten(tmp_path: Path) -> None:
    files = clerk_app()
    files["app/api/widget-token/route.ts"] = "export function GET() {}\n"
    root = make(tmp_path, files)
    with pytest.raises(Refused, match="not bcb-scaffold's widget-token route"):
        plan(root, api_key="pk")


# -- providers and helpers --------------------------------------------------------------------


def test_auth0_v3(tmp_path: Path) -> None:
    root = make(
        tmp_path,
        {
            "package.json": manifest("next", "react", **{}).replace(
                '"react": "^19.1.0"', '"react": "^19.1.0",\n    "@auth0/nextjs-auth0": "^3.5.0"'
            ),
            "app/api/auth/[auth0]/route.js": 'import { handleAuth } from "@auth0/nextjs-auth0";\n'
            "export const GET = handleAuth();\n",
            "app/layout.jsx": LAYOUT.replace(": { children: React.ReactNode }", ""),
        },
    )
    result = plan(root, api_key="pk")
    assert result.inspection.auth.library == "auth0"
    route = edit(result, "app/api/widget-token/route.js")
    assert 'import { getSession } from "@auth0/nextjs-auth0";' in route
    assert "const session = await getSession();" in route
    component = edit(result, "components/bestchatbot-identity.jsx")
    # v3's useUser needs <UserProvider>; the layout has none, so the component brings its own
    assert 'import { UserProvider, useUser } from "@auth0/nextjs-auth0/client";' in component
    assert "<UserProvider>\n      <IdentitySync />\n    </UserProvider>" in component
    assert ": string" not in component and "as { token" not in component


NEXTAUTH_V4 = """\
import NextAuth from "next-auth";
import GitHub from "next-auth/providers/github";

const authOptions = {
  providers: [GitHub({ clientId: "x", clientSecret: "y" })],
};

const handler = NextAuth(authOptions);
export { handler as GET, handler as POST };
"""


def test_nextauth_v4_options_get_exported(tmp_path: Path) -> None:
    root = make(
        tmp_path,
        {
            "package.json": manifest("next", "react", "next-auth"),
            "tsconfig.json": TSCONFIG,
            "app/api/auth/[...nextauth]/route.ts": NEXTAUTH_V4,
            "app/layout.tsx": LAYOUT,
        },
    )
    result = plan(root, api_key="pk")
    options = edit(result, "app/api/auth/[...nextauth]/route.ts")
    assert options == NEXTAUTH_V4.replace("const authOptions", "export const authOptions")
    route = edit(result, "app/api/widget-token/route.ts")
    assert 'import { authOptions } from "@/app/api/auth/[...nextauth]/route";' in route
    assert "await getServerSession(authOptions);" in route
    component = edit(result, "components/bestchatbot-identity.tsx")
    assert "<SessionProvider>" in component  # no SessionProvider in the layout


def test_nextauth_inline_options_are_refused(tmp_path: Path) -> None:
    root = make(
        tmp_path,
        {
            "package.json": manifest("next", "react", "next-auth"),
            "app/api/auth/[...nextauth]/route.ts": 'import NextAuth from "next-auth";\n'
            "const handler = NextAuth({ providers: [] });\nexport { handler as GET };\n",
            "app/layout.tsx": LAYOUT,
        },
    )
    with pytest.raises(BadInput, match="export const authOptions"):
        plan(root, api_key="pk")


def test_supabase_without_helpers(tmp_path: Path) -> None:
    root = make(
        tmp_path,
        {
            "package.json": manifest("next", "react", "@supabase/ssr"),
            "app/layout.tsx": LAYOUT,
            "app/page.tsx": "export default function Page() {\n  return null;\n}\n",
        },
    )
    result = plan(root, api_key="pk")
    route = edit(result, "app/api/widget-token/route.ts")
    assert 'import { cookies } from "next/headers";' in route
    assert "process.env.NEXT_PUBLIC_SUPABASE_URL!" in route and "auth.getUser()" in route
    component = edit(result, "components/bestchatbot-identity.tsx")
    assert "createBrowserClient(" in component and "SIGNING" not in component


def test_firebase_without_admin_module(tmp_path: Path) -> None:
    root = make(
        tmp_path,
        {
            "package.json": manifest("next", "react", "firebase"),
            "tsconfig.json": TSCONFIG,
            "lib/firebase.ts": 'import { initializeApp } from "firebase/app";\n'
            'import { getAuth } from "firebase/auth";\n\n'
            "export const auth = getAuth(initializeApp({}));\n",
            "app/layout.tsx": LAYOUT,
        },
    )
    result = plan(root, api_key="pk")
    route = edit(result, "app/api/widget-token/route.ts")
    assert "const adminAuth = getAuth(getApps()[0] ?? initializeApp());" in route
    assert '"firebase-admin": "^13.0.0"' in edit(result, "package.json")
    assert any("GOOGLE_APPLICATION_CREDENTIALS" in s for s in result.plan.next_steps)


def test_firebase_without_client_auth_is_refused(tmp_path: Path) -> None:
    root = make(
        tmp_path,
        {"package.json": manifest("next", "react", "firebase"), "app/layout.tsx": LAYOUT},
    )
    with pytest.raises(BadInput, match="Firebase client Auth"):
        plan(root, api_key="pk")


def test_pages_router_without_custom_app(tmp_path: Path) -> None:
    root = make(
        tmp_path,
        {
            "package.json": manifest("next", "react", "@clerk/nextjs"),
            "tsconfig.json": TSCONFIG,
            "pages/index.tsx": "export default function Home() {\n  return null;\n}\n",
        },
    )
    result = plan(root, api_key="pk")
    app = edit(result, "pages/_app.tsx")
    assert app == (
        'import type { AppProps } from "next/app";\n'
        'import Script from "next/script";\n'
        'import BestChatBotIdentity from "@/components/bestchatbot-identity";\n\n'
        "export default function App({ Component, pageProps }: AppProps) {\n"
        "  return (\n"
        "    <>\n"
        "      <Component {...pageProps} />\n"
        "      <BestChatBotIdentity />\n"
        '      <Script src="https://widget.bestchatbot.io/widget/v1/chat.js" data-api-key="pk"'
        ' strategy="afterInteractive" />\n'
        "    </>\n"
        "  );\n"
        "}\n"
    )
    route = edit(result, "pages/api/widget-token.ts")
    assert "getAuth(req)" in route and "clerkClient()" in route
    assert "<ClerkProvider>" in edit(result, "components/bestchatbot-identity.tsx")


def test_second_plan_is_empty(tmp_path: Path) -> None:
    root = copy_fixture("nextjs-authjs", tmp_path)
    first = plan(root, api_key="pk")
    for e in first.plan.edits:
        (root / e.path).parent.mkdir(parents=True, exist_ok=True)
        (root / e.path).write_text(e.after)
    again = plan(root, api_key="pk")
    assert again.plan.empty
    assert {s.path for s in again.plan.skipped} >= {
        "app/api/widget-token/route.ts",
        "components/bestchatbot-identity.tsx",
        "app/(site)/layout.tsx",
        "package.json",
    }


# -- the plan's steps -------------------------------------------------------------------------


def step_results(root: Path, *, run: bool = True) -> list[tuple[str, str, str]]:
    """(step, outcome, path) of every plan step that applies, on the project as it is; without
    `run`, each step is called on its own, so a conflict is a result rather than `Refused`."""
    project, insp = engine.inspect(root, Answers(api_key="pk"))
    assert isinstance(insp.facts, Settled) and insp.facts.choices is not None, insp.questions
    assert isinstance(insp.facts.found, NextFacts)
    builder = PlanBuilder(
        lambda path: (project.text(path) or "", False) if project.exists(path) else None
    )
    planned = nextjs_plan.steps(project, insp, insp.facts.found, insp.facts.choices)
    if run:
        results = steps.run(builder, planned)
    else:
        results = [r for r in (step(builder) for step in planned) if r is not None]
    return [(r.step, r.outcome, r.path) for r in results]


ROUTE = "app/api/widget-token/route.ts"
COMPONENT = "components/bestchatbot-identity.tsx"
SHELL = "app/(site)/layout.tsx"


def test_steps_apply_then_skip(tmp_path: Path) -> None:
    root = copy_fixture("nextjs-authjs", tmp_path)
    first = step_results(root)
    assert [(step, path) for step, _, path in first] == [
        ("route", ROUTE),
        ("component", COMPONENT),
        ("declaration", "types/bestchatbot.d.ts"),
        ("mount", SHELL),
    ]
    assert {outcome for _, outcome, _ in first} == {"applied"}
    for e in plan(root, api_key="pk").plan.edits:
        (root / e.path).parent.mkdir(parents=True, exist_ok=True)
        (root / e.path).write_text(e.after)
    again = step_results(root)
    assert [s for s in again if s[1] != "skipped"] == []
    assert {path for _, _, path in again} >= {ROUTE, COMPONENT, SHELL}


def test_foreign_files_are_conflict_steps(tmp_path: Path) -> None:
    root = copy_fixture("nextjs-authjs", tmp_path)
    (root / ROUTE).parent.mkdir(parents=True)
    (root / ROUTE).write_text("export function GET() {}\n")
    (root / COMPONENT).write_text("export default function Mine() {}\n")
    results = step_results(root, run=False)
    assert ("route", "conflict", ROUTE) in results
    assert ("component", "conflict", COMPONENT) in results


# -- the shell splices ------------------------------------------------------------------------

SPEC = Mount("BestChatBotIdentity", "@/components/bestchatbot-identity", frozenset(), None)
SCRIPT = (
    '<Script src="https://widget.bestchatbot.io/widget/v1/chat.js" data-api-key="pk"'
    ' strategy="afterInteractive" />'
)


@pytest.mark.parametrize(
    ("path", "before", "spec", "after"),
    [
        pytest.param(
            "app/layout.tsx",
            "import './globals.css'\n\n"
            "export default function Layout({ children }) {\n"
            "  return (\n    <html>\n      <body>\n        {children}\n      </body>\n"
            "    </html>\n  )\n}\n",
            SPEC,
            "import BestChatBotIdentity from '@/components/bestchatbot-identity'\n"
            "import './globals.css'\n\n"
            "export default function Layout({ children }) {\n"
            "  return (\n    <html>\n      <body>\n        {children}\n"
            "        <BestChatBotIdentity />\n      </body>\n    </html>\n  )\n}\n",
            id="body, the file's quotes and no semicolons, before relative imports",
        ),
        pytest.param(
            "app/layout.tsx",
            LAYOUT,
            SPEC,
            'import BestChatBotIdentity from "@/components/bestchatbot-identity";\n\n'
            + LAYOUT.replace("{children}</body>", "{children}<BestChatBotIdentity /></body>"),
            id="inline body",
        ),
        pytest.param(
            "app/layout.tsx",
            'import { ClerkProvider } from "@clerk/nextjs";\n\n'
            "export default function L({ children }: { children: React.ReactNode }) {\n"
            "  return (\n    <ClerkProvider>\n      <html>\n        <body>\n"
            "          {children}\n        </body>\n      </html>\n    </ClerkProvider>\n  );\n}\n",
            Mount(SPEC.component, SPEC.specifier, frozenset({"ClerkProvider"}), "pk"),
            'import { ClerkProvider } from "@clerk/nextjs";\nimport Script from "next/script";\n'
            'import BestChatBotIdentity from "@/components/bestchatbot-identity";\n\n'
            "export default function L({ children }: { children: React.ReactNode }) {\n"
            "  return (\n    <ClerkProvider>\n      <html>\n        <body>\n"
            "          {children}\n          <BestChatBotIdentity />\n          <Script\n"
            '            src="https://widget.bestchatbot.io/widget/v1/chat.js"\n'
            '            data-api-key="pk"\n            strategy="afterInteractive"\n'
            "          />\n        </body>\n      </html>\n    </ClerkProvider>\n  );\n}\n",
            id="provider around <html>: in <body>; long Script split",
        ),
        pytest.param(
            "pages/_app.jsx",
            'import NextScript from "next/script";\nimport { Providers } from "../providers";\n\n'
            "export default function App({ Component, pageProps }) {\n\treturn (\n"
            "\t\t<Providers>\n\t\t\t<Component {...pageProps} />\n\t\t</Providers>\n\t);\n}\n",
            Mount(SPEC.component, "../components/x", frozenset({"Providers"}), "pk"),
            'import NextScript from "next/script";\nimport { Providers } from "../providers";\n'
            'import BestChatBotIdentity from "../components/x";\n\n'
            "export default function App({ Component, pageProps }) {\n\treturn (\n"
            "\t\t<Providers>\n\t\t\t<Component {...pageProps} />\n"
            "\t\t\t<BestChatBotIdentity />\n"
            "\t\t\t<NextScript\n"
            '\t\t\t\tsrc="https://widget.bestchatbot.io/widget/v1/chat.js"\n'
            '\t\t\t\tdata-api-key="pk"\n\t\t\t\tstrategy="afterInteractive"\n\t\t\t/>\n'
            "\t\t</Providers>\n\t);\n}\n",
            id="_app wrapper component, tabs, next/script under its own name",
        ),
        pytest.param(
            "pages/_app.tsx",
            "export default function App({ Component, pageProps }: AppProps) {\r\n"
            "  return <Component {...pageProps} />;\r\n}\r\n",
            SPEC,
            'import BestChatBotIdentity from "@/components/bestchatbot-identity";\r\n\r\n'
            "export default function App({ Component, pageProps }: AppProps) {\r\n"
            "  return (\r\n    <>\r\n      <Component {...pageProps} />\r\n"
            "      <BestChatBotIdentity />\r\n    </>\r\n  );\r\n}\r\n",
            id="_app returning one element: a fragment, CRLF",
        ),
    ],
)
def test_mount(path: str, before: str, spec: Mount, after: str) -> None:
    result = mount(Source.of(path, before), spec)
    assert result == after
    assert mount(Source.of(path, result), spec) == result


@pytest.mark.parametrize(
    "before",
    [
        pytest.param(
            'import BestChatBotIdentity from "@/components/bestchatbot-identity";\n'
            'import Script from "next/script";\n\n'
            + LAYOUT.replace(
                "{children}</body>", "{children}<BestChatBotIdentity />" + SCRIPT + "</body>"
            ),
            id="already mounted, with the widget",
        ),
        pytest.param(
            'import BestChatBotIdentity from "@/components/bestchatbot-identity";\n\n'
            + LAYOUT.replace(
                "{children}</body>",
                "{children}<BestChatBotIdentity />"
                '<script src="https://widget.bestchatbot.io/widget/v1/chat.js" data-api-key="k" />'
                "</body>",
            ),
            id="plain <script> widget tag counts",
        ),
    ],
)
def test_mount_noop(before: str) -> None:
    spec = Mount(SPEC.component, SPEC.specifier, frozenset(), "pk")
    assert mount(Source.of("app/layout.tsx", before), spec) == before


def test_mount_needs_a_component(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="no default-exported component"):
        mount(Source.of("app/layout.tsx", "export const a = 1;\n"), SPEC)
