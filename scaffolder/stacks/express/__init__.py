"""Express (and plain Node servers built on it): https://expressjs.com/

Detects the package that depends on `express`, its app (`const app = express()` at module level
or in a factory, exported to a separate server module or listening itself), CommonJS vs ES
modules vs TypeScript, the view engine and views directory (`app.set("view engine", ...)`: EJS,
Pug, Handlebars via express-handlebars / hbs, Nunjucks), the templates that close the page body
(a Pug / Handlebars / Nunjucks layout, an EJS footer partial, or each full page), static files
and single-page apps (`express.static`), API prefixes (`app.use("/api", router)`), and where
users sign in: passport (`req.user`, its fields from `deserializeUser` / the verify callback /
`Express.User`), express-session (`req.session.user = {...}`), firebase-admin
(`verifySessionCookie` / `verifyIdToken`).

Adds a `bestchatbot` module in the app's module style that mints the widget token with the
project's own JWT library (`jsonwebtoken` or `jose`; `signing`), and either mounts its middleware
after the session / passport middleware (the views' widget tag gets `data-user-token` from
`res.locals.bestchatbotToken`, the page is sent `Cache-Control: private`, and renews it before
it expires: the endpoint below and the identity script's inline mode after the tag; `renewal`)
or serves `GET <api prefix>/widget-token` for single-page apps and APIs, plus the browser script;
`jsonwebtoken` is added to package.json where the project has no JWT library (and
`@types/jsonwebtoken` for TypeScript). A projection on passport's deserialize path that leaves
the email out of `req.user` gets it added on that path (`projection`).

The rooms: `detect`, `auth`, `users`, `views`, `index`, `projection` (pure finders; `projection`
and `mount` also hold their plan step), `hooks` (the stack's hooks, imported only when triage
lets Express in: a `package.json` is in the project), `plan`, `renewal` and `signing` (the
plan). This module only declares the manifest, so that triage costs no import.
"""

from __future__ import annotations

from scaffolder.registry import Manifest, Signals, declare

AUTH_IDS = ("passport", "express-session", "firebase")

MANIFEST = declare(
    Manifest(
        id="express",
        name="Express",
        language="javascript",
        module="scaffolder.stacks.express.hooks",
        auth_ids=AUTH_IDS,
        signals=Signals(names=("package.json",)),
    )
)
