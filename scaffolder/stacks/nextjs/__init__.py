"""Next.js: https://nextjs.org/docs

Detects Next.js apps (`next` in a package.json; one app, or several in a monorepo's `apps/*` /
workspaces: `--app`), the App Router (`app/` or `src/app/`, the root layout possibly under a
route group or a `[locale]` segment; several root layouts: `--layout`) or the Pages Router
(`pages/_app`), TypeScript or JavaScript, tsconfig / jsconfig path aliases, middleware.ts /
proxy.ts, `basePath`, an existing widget `<Script>`, and the auth provider: Clerk, Supabase
(`@supabase/ssr`), Auth0 (`@auth0/nextjs-auth0` v3 / v4), Auth.js v5 / NextAuth v4, Firebase
(see `providers`: each in the version the lockfile or node_modules installs), reusing the
project's own helpers (a `lib/supabase/server` `createClient`, an `Auth0Client`, the module
exporting `auth`, the exported `authOptions`, the Firebase `Auth`).

Adds `app/api/widget-token/route.(ts|js)` (or `pages/api/widget-token`): dynamic, `no-store`,
401 for anonymous visitors, an HS256 token for the signed-in user signed with the project's own
JWT library (`jsonwebtoken` on the Node runtime, else `jose`: see `signing`); a `'use client'`
component that follows the provider's sign-in state and calls `window.BestChatBot.setUserToken`
/ `clearUserToken`, mounted in the root layout inside the provider's element; the widget
`<Script>` (next/script) when missing; a `window.BestChatBot` declaration in TypeScript projects
and `checkJs` JavaScript ones (whose generated code carries JSDoc types); `jose` in package.json
when the project has no JWT library the route can use (installed by `apply --install`).

The rooms: `detect` and `providers` (pure finders; `helpers` and `firebase` read whether the
project's helpers fit, `shells` where the provider's element is rendered, `middleware` what the
app's middleware runs on a path and `reach` whether the route gets through it, `signing` which
JWT library signs), `hooks` (the stack, imported only when triage lets Next.js in), `plan` (the
plan). This module only declares the manifest, so that triage costs no import.
"""

from __future__ import annotations

from scaffolder.registry import Manifest, Signals, declare

AUTH_IDS = ("clerk", "supabase", "auth0", "next-auth", "firebase")

MANIFEST = declare(
    Manifest(
        id="nextjs",
        name="Next.js",
        language="javascript",
        module="scaffolder.stacks.nextjs.hooks",
        auth_ids=AUTH_IDS,
        signals=Signals(names=("package.json",)),
    )
)
