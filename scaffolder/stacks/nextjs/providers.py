"""Auth providers of Next.js apps, and the project's own helpers the generated code reuses.

Each provider is read server-side the way its vendor documents it:

- clerk: `currentUser()` (Pages Router: `getAuth(req)` + `clerkClient`), as the installed major
  exports them: v4 from `@clerk/nextjs` (`clerkClient` an object, its User without
  `primaryEmailAddress`), v5 from `@clerk/nextjs/server` (`clerkClient()` callable from 5.2),
  v6 on `await clerkClient()`
- supabase: the project's `@supabase/ssr` server client (`createClient()` in lib/supabase/server)
  and `auth.getUser()`, never `getSession()`; anonymous users get no token; without a helper the
  route builds its client with the cookie methods the installed @supabase/ssr reads (get / set /
  remove before 0.4, getAll / setAll from 0.4)
- auth0: `@auth0/nextjs-auth0` v4 `auth0.getSession()` on the project's `Auth0Client`, v3
  `getSession()`
- next-auth: Auth.js v5 `auth()` from the project's `NextAuth(...)` module, NextAuth v4
  `getServerSession(authOptions)` with the project's exported options (4.10 to 4.18:
  `unstable_getServerSession`)
- firebase: the browser sends its Firebase ID token as `Authorization: Bearer`; the route verifies
  it with firebase-admin `verifyIdToken` (the project's admin `Auth` or App when it exports one);
  an app on session cookies gets its cookie verified with `verifySessionCookie`, `checkRevoked`
  as the app passes it (see `firebase`)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from tree_sitter import Node

from scaffolder.js.imports import find_imports
from scaffolder.js.lockfiles import installed_version
from scaffolder.js.packages import PackageJson
from scaffolder.js.syntax import (
    FUNCTION_TYPES,
    Source,
    call_arguments,
    callee_name,
    exports,
    find_calls,
    string_value,
    top_level,
)
from scaffolder.model import Evidence, UserExpr
from scaffolder.project import Project
from scaffolder.stacks.nextjs import AUTH_IDS, firebase, guests, helpers
from scaffolder.stacks.nextjs.detect import JS_SUFFIXES, NextApp
from scaffolder.treesitter import walk

SUPABASE_JS = "@supabase/supabase-js"
# supabase-js 2.43.0 pins @supabase/auth-js 2.64.1, the first to type `User.is_anonymous`.
TYPED_ANONYMOUS = (2, 43)
# @supabase/ssr 0.4 replaced the cookie methods get / set / remove with getAll / setAll.
SSR_COOKIES_ALL = (0, 4)
# @clerk/nextjs 5.2 made `clerkClient` callable; v6 made it async.
CLERK_CALLABLE_CLIENT = (5, 2)
# next-auth 4.10 added `unstable_getServerSession`, 4.19 renamed it `getServerSession`.
NEXT_AUTH_SERVER_SESSION = (4, 10)
NEXT_AUTH_STABLE_SESSION = (4, 19)
PACKAGES = {
    "clerk": ("@clerk/nextjs",),
    "supabase": ("@supabase/ssr",),
    "auth0": ("@auth0/nextjs-auth0",),
    "next-auth": ("next-auth",),
    "firebase": ("firebase", "firebase-admin"),
}


@dataclass(frozen=True)
class Helper:
    """An export of a project module that the generated code imports."""

    path: str
    name: str
    line: int
    is_async: bool = False
    params: int = 0
    exported: bool = True
    """False: declared but not exported yet (the plan adds `export`)."""
    declaration_start: int = 0
    call: bool = False
    """A function the generated code calls for the value (`getFirebaseAuth()`)."""

    @property
    def expression(self) -> str:
        return f"{self.name}()" if self.call else self.name


@dataclass(frozen=True)
class Provider:
    """An auth provider the app depends on, with the project's helpers the generated code
    reuses (what the detectors found; `_Draft` is the provider while they look)."""

    id: str
    package: str
    version: int | None
    """The major version in use (the installed one, else the declared range's)."""
    evidence: tuple[Evidence, ...]
    server: Helper | None = None
    client: Helper | None = None
    element: str | None = None
    """The provider element the client hook needs as an ancestor (ClerkProvider...)."""
    element_module: str | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    blocking: str | None = None
    """Why the integration cannot be generated safely (a snippet-to-paste situation)."""
    guest: guests.GuestMarker | None = None
    """next-auth: how the app marks the guest sessions it signs visitors in with."""
    typed_anonymous: bool = True
    """supabase: the installed supabase-js types `User.is_anonymous` (False: it predates it)."""
    installed: tuple[int, ...] = ()
    """The installed version's numbers, `(5, 2, 0)`; () when unknown."""
    current_user: helpers.CurrentUser | None = None
    """next-auth: the project's own current-user helper, which the route calls instead."""
    element_props: tuple[tuple[str, str], ...] = ()
    """Attributes the provider element needs when the component brings it (Auth.js's
    `basePath`)."""
    session_user_id: bool = False
    """next-auth v4: the route may read `session.user.id`: the project declares it (`declare
    module "next-auth"`), or, in JavaScript nothing type-checks, its session callback sets it."""
    firebase: firebase.FirebaseFacts | None = None
    """firebase: how the app checks visitors server-side, and its firebase-admin App."""

    @property
    def label(self) -> str:
        names = {
            "clerk": "Clerk",
            "supabase": "Supabase (@supabase/ssr)",
            "auth0": "Auth0",
            "next-auth": "Auth.js" if self.version == 5 else "NextAuth",
            "firebase": "Firebase Authentication",
        }
        version = f" v{self.version}" if self.version and self.id in ("auth0", "next-auth") else ""
        return names[self.id] + version

    @property
    def cookie_methods(self) -> str:
        """supabase: the cookie methods the installed @supabase/ssr reads, `all` (getAll /
        setAll, 0.4 on) or `single` (get / set / remove, before 0.4)."""
        old = self.id == "supabase" and bool(self.installed) and self.installed < SSR_COOKIES_ALL
        return "single" if old else "all"


# -- detection --------------------------------------------------------------------------------


@dataclass
class _Draft:
    """A provider while the detectors fill it in; `freeze` gives the `Provider` found."""

    id: str
    package: str
    version: int | None
    evidence: list[Evidence]
    server: Helper | None = None
    client: Helper | None = None
    element: str | None = None
    element_module: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    blocking: str | None = None
    guest: guests.GuestMarker | None = None
    typed_anonymous: bool = True
    installed: tuple[int, ...] = ()
    current_user: helpers.CurrentUser | None = None
    element_props: tuple[tuple[str, str], ...] = ()
    session_user_id: bool = False
    firebase: firebase.FirebaseFacts | None = None

    def freeze(self) -> Provider:
        return Provider(
            self.id,
            self.package,
            self.version,
            tuple(self.evidence),
            self.server,
            self.client,
            self.element,
            self.element_module,
            self.env,
            self.blocking,
            self.guest,
            self.typed_anonymous,
            self.installed,
            self.current_user,
            self.element_props,
            self.session_user_id,
            self.firebase,
        )


def detect(project: Project, app: NextApp) -> list[Provider]:
    """The auth providers the app depends on, each with its helpers."""
    found = []
    manifest = app.manifest
    sources = _sources(project, app)
    for auth_id in AUTH_IDS:
        package = PACKAGES[auth_id][0]
        if not manifest.has(package):
            continue
        installed = _numbers(installed_version(project, manifest, package))
        provider = _Draft(
            auth_id,
            package,
            installed[0] if installed else None,
            [manifest.evidence(package, f"`{package}` is a dependency")],
            installed=installed,
        )
        _DETECTORS[auth_id](provider, sources)
        if auth_id == "next-auth":
            provider.guest = guests.find(sources)
            if provider.guest is not None:
                provider.evidence.append(provider.guest.evidence)
            elif provider.server is not None and not provider.blocking:
                _current_user(project, app, sources, provider)
        if auth_id == "supabase":
            _supabase_version(project, manifest, provider)
        if auth_id == "next-auth" and provider.version == 4:
            _session_user_id(project, app, provider, sources)
        found.append(provider.freeze())
    return found


def _numbers(version: str | None) -> tuple[int, ...]:
    """`5.2.0` -> (5, 2, 0); `5.0.0-beta.25` -> (5, 0, 0)."""
    m = re.match(r"\d+(?:\.\d+)*", version or "")
    return tuple(int(n) for n in m.group(0).split(".")) if m else ()


def _sources(project: Project, app: NextApp) -> list[Source]:
    out = []
    for path in project.under(app.root, project.with_suffix(*JS_SUFFIXES)):
        if "/node_modules/" in path or path.endswith(".d.ts"):
            continue
        text = project.text(path)
        if text is not None:
            out.append(Source.of(path, text))
    return out


def _importing(sources: list[Source], *modules: str) -> list[Source]:
    return [
        s
        for s in sources
        if any(m in s.text for m in modules) and any(i.source in modules for i in find_imports(s))
    ]


def _evidence(source: Source, node: Node, why: str) -> Evidence:
    return Evidence(source.path, source.line(node), why)


def _exported_function_calling(source: Source, callee: str) -> list[Helper]:
    out = []
    for name, node in exports(source).items():
        if node.type not in FUNCTION_TYPES:
            continue
        if not find_calls(source, callee, within=node):
            continue
        params = node.child_by_field_name("parameters")
        count = len([p for p in params.named_children if p.type != "comment"]) if params else 0
        is_async = any(c.type == "async" for c in node.children)
        out.append(Helper(source.path, name, source.line(node), is_async, count))
    return out


def _exported_value(source: Source, predicate: str) -> Helper | None:
    """An export whose value is a call / `new` of `predicate` (`getAuth`, `new Auth0Client`)."""
    for name, node in exports(source).items():
        if predicate.startswith("new "):
            if node.type == "new_expression":
                ctor = node.child_by_field_name("constructor")
                if source.text_of(ctor) == predicate[4:]:
                    return Helper(source.path, name, source.line(node))
        elif node.type == "call_expression" and callee_name(source, node) == predicate:
            return Helper(source.path, name, source.line(node))
    return None


def _env_names(source: Source, callee: str) -> dict[str, str]:
    for call in find_calls(source, callee):
        args = call_arguments(call)
        names = [re.search(r"process\.env\.(\w+)", source.text_of(a)) for a in args[:2]]
        if len(names) == 2 and names[0] and names[1]:
            return {"url": names[0].group(1), "key": names[1].group(1)}
    return {}


def _clerk(provider: _Draft, sources: list[Source]) -> None:
    provider.element, provider.element_module = "ClerkProvider", "@clerk/nextjs"
    if provider.version is not None and provider.version < 4:
        provider.blocking = (
            f"@clerk/nextjs {provider.version} predates currentUser() and getAuth() (v4): "
            "upgrade it to v4 or later"
        )
    # v4 exports its server helpers from the package root too (its documented imports)
    modules = ("@clerk/nextjs/server", "@clerk/nextjs")
    calls = ("clerkMiddleware", "authMiddleware", "withClerkMiddleware", "currentUser", "auth")
    for source in _importing(sources, *modules):
        imported = {
            local: (name, i.source)
            for i in find_imports(source)
            if i.source in modules
            for name, local in i.names
            if name in calls
        }
        for call in find_calls(source, *imported):
            name, module = imported[callee_name(source, call)]
            provider.evidence.append(_evidence(source, call, f"{name}() from {module}"))
            break


def clerk_middleware(provider: Provider) -> str:
    """The middleware Clerk's server helpers need, in the installed major."""
    return "authMiddleware()" if provider.version == 4 else "clerkMiddleware()"


def clerk_client(provider: Provider) -> str:
    """The Backend API client: v4 and 5.0 / 5.1 export an object, 5.2 a function, v6 on an
    async one."""
    old = provider.version == 5 and provider.installed < CLERK_CALLABLE_CLIENT
    if provider.version == 4 or old:
        return "clerkClient"
    return "clerkClient()" if provider.version == 5 else "(await clerkClient())"


def clerk_server_module(provider: Provider) -> str:
    """Where the App Router's `currentUser` comes from: v4 documents the package root."""
    return "@clerk/nextjs" if provider.version == 4 else "@clerk/nextjs/server"


def _supabase(provider: _Draft, sources: list[Source]) -> None:
    server: list[Helper] = []
    for source in _importing(sources, "@supabase/ssr"):
        # the env names the project's clients use (any of them: the middleware's will do)
        provider.env = provider.env or _env_names(source, "createServerClient")
        provider.env = provider.env or _env_names(source, "createBrowserClient")
        for helper in _exported_function_calling(source, "createServerClient"):
            # the request-scoped client (next/headers cookies), not the middleware's one, and
            # the client itself, not a helper that reads a profile row with one
            if (
                helper.params == 0
                and "next/headers" in source.text
                and helpers.returns_call(source, helper.name, "createServerClient")
            ):
                server.append(helper)
        for helper in _exported_function_calling(source, "createBrowserClient"):
            if helper.params == 0 and provider.client is None:
                provider.client = helper
    if server:
        provider.server = sorted(server, key=lambda h: ("server" not in h.path, h.path))[0]
        provider.evidence.append(
            Evidence(
                provider.server.path,
                provider.server.line,
                f"{provider.server.name}(): the project's @supabase/ssr server client",
            )
        )
    for source in sources:
        for call in find_calls(source, ".auth.getSession"):
            provider.evidence.append(
                _evidence(source, call, "getSession() is not verified: the token uses getUser()")
            )
            break


def _supabase_version(project: Project, manifest: PackageJson, provider: _Draft) -> None:
    """Whether the installed supabase-js types `User.is_anonymous` (2.43 on): with an older
    one the route reads the flag as Supabase Auth sends it."""
    version = installed_version(project, manifest, SUPABASE_JS)
    numbers = _numbers(version)
    if numbers and numbers < TYPED_ANONYMOUS:
        provider.typed_anonymous = False
        provider.evidence.append(
            manifest.evidence(
                SUPABASE_JS,
                f"{SUPABASE_JS} {version} predates `User.is_anonymous`: the route reads the "
                "flag as sent (and app_metadata.provider)",
            )
        )


def _auth0(provider: _Draft, sources: list[Source]) -> None:
    for source in _importing(sources, "@auth0/nextjs-auth0/server", "@auth0/nextjs-auth0"):
        helper = _exported_value(source, "new Auth0Client")
        if helper is not None:
            provider.server = helper
            provider.version = 4
            provider.evidence.append(
                Evidence(helper.path, helper.line, f"`{helper.name}`: the project's Auth0Client")
            )
            break
        if find_calls(source, "handleAuth"):
            provider.version = 3
    if provider.version == 3:
        provider.element, provider.element_module = "UserProvider", "@auth0/nextjs-auth0/client"
    elif provider.server is None:
        provider.blocking = (
            "@auth0/nextjs-auth0 v4 needs an Auth0Client instance (e.g. `export const auth0 = "
            "new Auth0Client()` in lib/auth0.ts) and none is exported"
        )


def _next_auth(provider: _Draft, sources: list[Source]) -> None:
    provider.element, provider.element_module = "SessionProvider", "next-auth/react"
    version = provider.version
    for source in _importing(sources, "next-auth"):
        found = exports(source)
        node = found.get("auth")
        if (
            node is not None
            and node.type == "call_expression"
            and callee_name(source, node) == "NextAuth"
        ):
            provider.version = 5
            provider.server = Helper(source.path, "auth", source.line(node))
            provider.evidence.append(
                Evidence(source.path, source.line(node), "`auth` exported from NextAuth()")
            )
            base_path = helpers.auth_base_path(source, node)
            if base_path is not None:
                provider.element_props = (("basePath", f"{base_path.rstrip('/')}"),)
            return
    if version is not None and version >= 5:
        provider.blocking = "no module exports `auth` from NextAuth(...) (Auth.js v5)"
        return
    provider.version = 4
    if provider.installed and provider.installed < NEXT_AUTH_SERVER_SESSION:
        installed = ".".join(map(str, provider.installed))
        provider.blocking = f"next-auth {installed} predates getServerSession (4.10): upgrade it"
        return
    helper = _auth_options(sources)
    if helper is None:
        provider.blocking = (
            "the NextAuth options are not in a named variable: move them into "
            "`export const authOptions: NextAuthOptions = {...}` and pass that to NextAuth()"
        )
        return
    provider.server = helper
    state = "exported" if helper.exported else "not exported yet"
    provider.evidence.append(Evidence(helper.path, helper.line, f"`{helper.name}` ({state})"))


def _current_user(project: Project, app: NextApp, sources: list[Source], draft: _Draft) -> None:
    server = draft.server
    auth = server.path if draft.version == 5 and server else None
    found = helpers.find_current_user(project, app, sources, auth, draft.version)
    if found is None:
        return
    draft.current_user = found
    guard = ", which throws for anonymous visitors (the route catches that)" if found.throws else ""
    why = f"{found.name}(): the project's current-user helper{guard}"
    draft.evidence.append(Evidence(found.path, found.line, why))


def _auth_options(sources: list[Source]) -> Helper | None:
    typed = re.compile(r"\b(NextAuthOptions|AuthOptions)\b")
    candidates: list[Helper] = []
    for source in _importing(sources, "next-auth", "next-auth/next"):
        exported = exports(source)
        for name, node in exported.items():
            if node.type in ("object", "satisfies_expression", "as_expression"):
                declaration = source.text_of(node.parent) if node.parent else ""
                if typed.search(declaration) or "options" in name.lower():
                    candidates.append(Helper(source.path, name, source.line(node)))
        for call in find_calls(source, "NextAuth"):
            args = call_arguments(call)
            if not args or args[0].type != "identifier":
                continue
            name = source.text_of(args[0])
            if name in exported:
                candidates.append(Helper(source.path, name, source.line(call)))
                continue
            for stmt in top_level(source):
                if stmt.type == "lexical_declaration" and re.match(
                    rf"(const|let)\s+{re.escape(name)}\b", source.text_of(stmt)
                ):
                    candidates.append(
                        Helper(
                            source.path,
                            name,
                            source.line(stmt),
                            exported=False,
                            declaration_start=stmt.start_byte,
                        )
                    )
    if not candidates:
        return None
    return sorted(candidates, key=lambda h: (not h.exported, h.name != "authOptions"))[0]


def _session_user_id(
    project: Project, app: NextApp, provider: _Draft, sources: list[Source]
) -> None:
    """Whether v4's session carries the user's id for the route: the project's module
    augmentation gives `Session.user` an `id` (v4 types only name, email and image:
    https://next-auth.js.org/getting-started/typescript), or, where nothing type-checks the
    JavaScript, the app's session callback sets it (v4's JWT sessions carry no id otherwise)."""
    if not app.typescript and not app.config.checks_js:
        for source in _importing(sources, "next-auth", "next-auth/next"):
            callback = helpers.session_callback_id(source)
            if callback is not None:
                provider.session_user_id = True
                why = "the session callback sets `session.user.id`"
                provider.evidence.append(_evidence(source, callback, why))
                return
    for path in project.under(app.root, project.with_suffix(".ts", ".tsx")):
        text = project.text(path) if "/node_modules/" not in path else None
        if not text or "next-auth" not in text or "interface Session" not in text:
            continue
        source = Source.of(path, text)
        for node in walk(source.root):
            name = node.named_children[0] if node.type == "module" and node.named_children else None
            if name is None or string_value(source, name) != "next-auth":
                continue
            for interface in walk(node):
                body = interface.child_by_field_name("body")
                if (
                    interface.type == "interface_declaration"
                    and source.text_of(interface.child_by_field_name("name")) == "Session"
                    and body is not None
                    and re.search(r"\bid\??\s*:", source.text_of(body))
                ):
                    provider.session_user_id = True
                    provider.evidence.append(
                        _evidence(source, interface, "`Session.user.id` declared for next-auth")
                    )
                    return


def _firebase(provider: _Draft, sources: list[Source]) -> None:
    client = firebase.client_auth(sources)
    if client is not None:
        provider.client = Helper(client.path, client.name, client.line, call=client.call)
        why = f"`{client.expression}`: the Firebase client Auth"
        provider.evidence.append(Evidence(client.path, client.line, why))
    for source in _importing(sources, "firebase-admin/auth", "firebase-admin"):
        helper = _exported_value(source, "getAuth") or _exported_value(source, "admin.auth")
        if helper is not None:
            provider.server = helper
            provider.evidence.append(
                Evidence(helper.path, helper.line, f"`{helper.name}`: the firebase-admin Auth")
            )
            break
    provider.firebase = firebase.facts(sources)
    provider.evidence.extend(provider.firebase.evidence)
    if provider.client is None:
        provider.blocking = (
            "no module exports the Firebase client Auth (e.g. `export const auth = "
            "getAuth(app)`), which the browser needs to send its ID token"
        )


_DETECTORS = {
    "clerk": _clerk,
    "supabase": _supabase,
    "auth0": _auth0,
    "next-auth": _next_auth,
    "firebase": _firebase,
}


# -- the user, server-side ----------------------------------------------------------------------


def user_fields(provider: Provider) -> tuple[UserExpr, UserExpr | None, UserExpr | None]:
    """(email, name, id) expressions of the generated route, by the vendor's documented API."""
    where = provider.server
    file, line = (where.path, where.line) if where else (None, None)

    def expr(text: str, why: str) -> UserExpr:
        return UserExpr(text, file, line, why)

    if provider.id == "clerk" and provider.version == 4:
        # v4's User has the primary address's id and the name's parts, no getters over them:
        # the route finds them (`primaryEmail`, `fullName`)
        return (
            expr(
                "primaryEmail?.emailAddress", "currentUser(): the primary address, by its id (v4)"
            ),
            expr(
                "fullName || user?.username",
                "currentUser(): first and last name, else the username (v4)",
            ),
            expr("user?.id", "currentUser(): Clerk user id"),
        )
    if provider.id == "clerk":
        return (
            expr("user?.primaryEmailAddress?.emailAddress", "currentUser(): primary email"),
            expr("user?.fullName ?? user?.username", "currentUser(): full name, else the username"),
            expr("user?.id", "currentUser(): Clerk user id"),
        )
    if provider.id == "supabase":
        return (
            expr("user?.email", "auth.getUser() (anonymous users excluded)"),
            expr(
                "user?.user_metadata?.full_name ?? user?.user_metadata?.name",
                "auth.getUser(): user_metadata.full_name",
            ),
            expr("user?.id", "auth.getUser(): user id"),
        )
    if provider.id == "auth0":
        call = "auth0.getSession()" if provider.version != 3 else "getSession()"
        return (
            expr("session?.user.email", f"{call}: user.email"),
            expr("session?.user.name", f"{call}: user.name"),
            expr("session?.user.sub", f"{call}: user.sub"),
        )
    if provider.id == "next-auth" and provider.current_user is not None:
        helper = provider.current_user

        def returned(text: str, field: str) -> UserExpr:
            return UserExpr(text, helper.path, helper.line, f"{helper.name}(): user.{field}")

        return (
            returned("user?.email", "email"),
            returned("user?.name", "name"),
            returned("user?.id", "id")
            if provider.version == 5 or provider.session_user_id
            else None,
        )
    if provider.id == "next-auth":
        call = "auth()" if provider.version == 5 else f"{server_session(provider)}(authOptions)"
        typed = provider.version == 5 or provider.session_user_id
        user_id = expr("session?.user?.id", f"{call}: user.id") if typed else None
        return (
            expr("session?.user?.email", f"{call}: user.email"),
            expr("session?.user?.name", f"{call}: user.name"),
            user_id,
        )
    session = provider.firebase is not None and provider.firebase.cookie is not None
    check = "verifySessionCookie()" if session else "verifyIdToken()"
    return (
        expr("decoded?.email", f"{check}: email (verified addresses only)"),
        expr("decoded?.name", f"{check}: name"),
        expr("decoded?.uid", f"{check}: uid"),
    )


def server_session(provider: Provider) -> str:
    """next-auth v4's server-side session function, by the installed minor."""
    stable = not provider.installed or provider.installed >= NEXT_AUTH_STABLE_SESSION
    return "getServerSession" if stable else "unstable_getServerSession"


def user_names(provider: Provider) -> frozenset[str]:
    """The variables a `--email-expr` / `--name-expr` / `--id-expr` may use."""
    if provider.current_user is not None:
        return frozenset({"user"})
    if provider.id == "clerk" and provider.version == 4:
        return frozenset({"user", "primaryEmail", "fullName"})
    return frozenset(
        {
            "clerk": {"user"},
            "supabase": {"user"},
            "auth0": {"session"},
            "next-auth": {"session"},
            "firebase": {"decoded"},
        }[provider.id]
    )
