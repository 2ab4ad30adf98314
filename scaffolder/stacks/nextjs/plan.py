"""Next.js plan: the token route handler, the identity client component, the `window.BestChatBot`
declaration, the mount in the root layout (or `_app`) with the widget `<Script>`, and `jose`."""

from __future__ import annotations

import dataclasses
import posixpath
import re
from functools import partial
from typing import Any

from scaffolder.answer_rules import prefix_segments
from scaffolder.cors import reaching, warn
from scaffolder.errors import UsageError
from scaffolder.inspection import Choices
from scaffolder.js import packages
from scaffolder.js.jsdoc import to_jsdoc
from scaffolder.js.packages import join
from scaffolder.js.style import Style, project_style, restyle
from scaffolder.js.syntax import Source, checked_splice, contains, default_export, jsx_elements
from scaffolder.js.tsconfig import specifier_for
from scaffolder.js.types import strip_types
from scaffolder.model import Inspection
from scaffolder.plan import PlanBuilder
from scaffolder.project import Project
from scaffolder.stacks.nextjs.detect import JS_SUFFIXES, NextApp
from scaffolder.stacks.nextjs.exclusions import JsxGuard, shell_guard
from scaffolder.stacks.nextjs.firebase import credentials_step
from scaffolder.stacks.nextjs.hooks import NextFacts
from scaffolder.stacks.nextjs.mount import Mount, mount, renders, target_element
from scaffolder.stacks.nextjs.providers import (
    Provider,
    clerk_client,
    clerk_middleware,
    clerk_server_module,
    server_session,
)
from scaffolder.stacks.nextjs.reach import check
from scaffolder.stacks.nextjs.shells import provider_layouts, provider_names
from scaffolder.stacks.nextjs.signing import Signer, signer
from scaffolder.steps import (
    Step,
    StepResult,
    applied,
    conflict,
    csp_warnings,
    manual,
    skipped,
)
from scaffolder.templating import render

FIREBASE_ADMIN = ("firebase-admin", "^13.0.0")
# What createServerClient's `setAll` receives: TypeScript infers it, checkJs does not.
SET_ALL_COOKIES = 'Parameters<import("@supabase/ssr").SetAllCookies>[0]'
COMPONENT = "BestChatBotIdentity"
COMPONENT_STEMS = ("bestchatbot-identity", "BestChatBotIdentity")
DECLARATION = "bestchatbot.d.ts"
KEY = "BESTCHATBOT_SIGNING_KEY"
# The element each provider's client hook must sit under, when not every app has it.
OPTIONAL_ELEMENTS = {"auth0": "Auth0Provider"}


Chosen = Choices[Provider]


def steps(
    project: Project, insp: Inspection[object], facts: NextFacts, choices: Chosen
) -> list[Step]:
    """The route handler, the identity component (and its TypeScript declaration), its mount in
    each shell, Auth.js's exported options, `jose` (and `firebase-admin`), then the warnings."""
    app, provider = facts.app, choices.auth
    style = _style(project, app)
    component = component_path(project, app)
    shells = _Shells(project, app, provider, choices.mounts)
    sign = signer(project, app, choices.endpoint_prefix.rstrip("/"))
    out: list[Step] = [
        partial(_blocked, provider),
        partial(_route, facts, choices, style, sign),
        partial(_cors, facts, choices),
        partial(_middleware, facts, choices),
        partial(_component, facts, choices, component, shells, style),
    ]
    if app.typescript or app.config.checks_js:
        out.append(partial(_declaration, project, app, style))
    count = len(choices.mounts) or (1 if app.router == "pages" else 0)
    out += [
        partial(_mount, app, insp.answers.api_key, shells, index, component)
        for index in range(count)
    ]
    out += [partial(_mount_group, app, shells, path, component) for path in shells.groups()]
    if provider.id == "next-auth" and provider.server and not provider.server.exported:
        out.append(partial(_export_options, provider))
    out.append(partial(_dependencies, project, facts, provider, sign))
    out.append(partial(_warnings, project, facts, choices))
    return out


def _blocked(provider: Provider, builder: PlanBuilder) -> StepResult | None:
    """A provider set up in a way the route cannot use: nothing is written."""
    if not provider.blocking:
        return None
    return manual("provider", provider.label, f"{provider.blocking}; nothing written", "")


def _dependencies(
    project: Project, facts: NextFacts, provider: Provider, sign: Signer, builder: PlanBuilder
) -> None:
    app = facts.app
    for name, version, section in sign.needs:
        why = sign.why if name == sign.library else f"types for {sign.library}"
        packages.plan_dependency(
            project, builder, app.root, name, version, section=section, why=why
        )
    if provider.id == "firebase" and not app.manifest.has("firebase-admin"):
        packages.plan_dependency(
            project, builder, app.root, *FIREBASE_ADMIN, why="verifies Firebase ID tokens"
        )


def _endpoint_url(app: NextApp, choices: Chosen) -> str:
    return app.base_path + choices.endpoint_url


# -- style and paths --------------------------------------------------------------------------


def _style(project: Project, app: NextApp) -> Style:
    shells = [s.path for s in app.layouts] + ([app.app_shell.path] if app.app_shell else [])
    others = [
        f
        for f in project.under(app.source_root, project.with_suffix(*JS_SUFFIXES))
        if not f.endswith(".d.ts") and "/node_modules/" not in f
    ]
    return project_style(project, app.root, (shells + others)[:12])


def _js_component_suffix(project: Project, app: NextApp) -> str:
    jsx = project.under(app.source_root, project.with_suffix(".jsx"))
    return ".jsx" if jsx else ".js"


def route_path(app: NextApp, prefix: str) -> str:
    suffix = ".ts" if app.typescript else ".js"
    segments = "/".join(prefix_segments(prefix))
    if app.router == "app":
        assert app.app_dir is not None
        return posixpath.join(app.app_dir, segments, "widget-token", "route" + suffix)
    pages = app.pages_dir or join(app.source_root, "pages")
    if not segments.startswith("api"):
        raise UsageError(f"--api-prefix {prefix}: Pages Router API routes live under /api")
    return posixpath.join(pages, segments, "widget-token" + suffix)


def _other_route(app: NextApp, prefix: str) -> list[str]:
    segments = "/".join(prefix_segments(prefix))
    out = []
    if app.app_dir and app.router != "app":
        out += [f"{app.app_dir}/{segments}/widget-token/route{s}" for s in (".ts", ".js")]
    if app.pages_dir and app.router != "pages":
        out += [f"{app.pages_dir}/{segments}/widget-token{s}" for s in (".ts", ".js")]
    return out


def component_path(project: Project, app: NextApp) -> str:
    """Where the identity component lives: an existing copy, else the app's components folder
    (named like its other components), else `components/` beside the app's code."""
    for path in project.under(app.source_root, project.with_suffix(*JS_SUFFIXES)):
        stem = posixpath.splitext(posixpath.basename(path))[0]
        if stem in COMPONENT_STEMS:
            return path
    candidates = [
        join(app.source_root, "components"),
        join(app.root, "components"),
    ]
    if app.app_dir:
        candidates += [f"{app.app_dir}/components", f"{app.app_dir}/_components"]
    directory = next(
        (c for c in dict.fromkeys(candidates) if project.under(c, project.files)),
        join(app.source_root, "components"),
    )
    files = [
        posixpath.basename(f) for f in project.under(directory, project.with_suffix(*JS_SUFFIXES))
    ]
    pascal = sum(1 for f in files if f[:1].isupper())
    stem = COMPONENT if files and pascal > len(files) / 2 else COMPONENT_STEMS[0]
    suffix = ".tsx" if app.typescript else _js_component_suffix(project, app)
    return f"{directory}/{stem}{suffix}"


def _language(path: str) -> str:
    if path.endswith(".tsx"):
        return "tsx"
    return "typescript" if path.endswith(".ts") else "javascript"


def _generated(template: str, app: NextApp, style: Style, language: str, **context: Any) -> str:
    return restyle(_javascript(app, render(template, **context)), style, language)


def _javascript(app: NextApp, code: str) -> str:
    """TypeScript as the project writes code: as it is, or JavaScript (with JSDoc types where
    the project type-checks its JavaScript: `checkJs`)."""
    if app.typescript:
        return code
    return to_jsdoc(code) if app.config.checks_js else strip_types(code, "tsx")


def _local_import(app: NextApp, importer: str, target: str, names: str) -> str:
    return f'import {names} from "{specifier_for(app.config, importer, target)}";'


def _import_lines(packages_: list[str], local: list[str]) -> list[str]:
    def module(line: str) -> str:
        return line.rsplit(" from ", 1)[-1]

    lines = sorted(packages_, key=module)
    if local:
        lines += ["", *sorted(local, key=module)]
    return lines


# -- the route handler ------------------------------------------------------------------------


def _route_imports(app: NextApp, provider: Provider, path: str, sign: Signer) -> list[str]:
    pages = app.router == "pages"
    pkg: list[str] = [sign.import_line]
    pkg.append(
        'import type { NextApiRequest, NextApiResponse } from "next";'
        if pages
        else 'import { NextResponse } from "next/server";'
    )
    local: list[str] = []
    helper = provider.server

    def use_helper() -> None:
        assert helper is not None
        local.append(_local_import(app, path, helper.path, f"{{ {helper.name} }}"))

    if provider.id == "clerk":
        if pages:
            pkg.append('import { clerkClient, getAuth } from "@clerk/nextjs/server";')
        else:
            pkg.append(f'import {{ currentUser }} from "{clerk_server_module(provider)}";')
    elif provider.id == "supabase":
        if helper is not None and (helper.params == 0) != pages:
            use_helper()
        elif provider.cookie_methods == "single":  # @supabase/ssr before 0.4
            names = "createServerClient, serialize" if pages else "createServerClient"
            pkg.append(f'import {{ {names}, type CookieOptions }} from "@supabase/ssr";')
            if not pages:
                pkg.append('import { cookies } from "next/headers";')
        elif pages:
            pkg.append('import { createServerClient, serializeCookieHeader } from "@supabase/ssr";')
        else:
            pkg.append('import { createServerClient } from "@supabase/ssr";')
            pkg.append('import { cookies } from "next/headers";')
    elif provider.id == "auth0":
        if provider.version == 3:
            pkg.append('import { getSession } from "@auth0/nextjs-auth0";')
        else:
            use_helper()
    elif provider.id == "next-auth" and provider.current_user is not None:
        user = provider.current_user
        local.append(_local_import(app, path, user.path, f"{{ {user.name} }}"))
    elif provider.id == "next-auth":
        use_helper()
        if provider.version != 5:
            pkg.append(f'import {{ {server_session(provider)} }} from "next-auth";')
    elif provider.id == "firebase":
        facts = provider.firebase
        admin_app = facts.admin_app if facts else None
        if helper is not None:
            use_helper()
        elif admin_app is not None:
            pkg.append('import { getAuth } from "firebase-admin/auth";')
            local.append(_local_import(app, path, admin_app.path, f"{{ {admin_app.name} }}"))
        else:
            pkg.append('import { getApps, initializeApp } from "firebase-admin/app";')
            pkg.append('import { getAuth } from "firebase-admin/auth";')
        if facts and facts.cookie and not pages:
            pkg.append('import { cookies } from "next/headers";')
        if facts and facts.cookie_constant:
            named = facts.cookie_constant
            local.append(_local_import(app, path, named.path, f"{{ {named.name} }}"))
    return _import_lines(pkg, local)


def _route(
    facts: NextFacts, choices: Chosen, style: Style, sign: Signer, builder: PlanBuilder
) -> StepResult:
    app, provider = facts.app, choices.auth
    prefix = choices.endpoint_prefix.rstrip("/")  # `--api-prefix /`: the route at /widget-token
    path = route_path(app, prefix)
    for other in [path, *_other_route(app, prefix)]:
        existing = builder.current(other)
        if existing is None:
            continue
        if KEY in existing:
            return skipped("route", other, "the widget-token route is already there")
        return conflict(
            "route",
            other,
            f"{other} already exists and is not bcb-scaffold's widget-token route; move it "
            "aside (or pass --api-prefix) and run apply again",
        )
    pages = app.router == "pages"
    helper = provider.server
    usable = helper is not None and not (
        provider.id == "supabase" and (helper.params == 0) == pages
    )
    code = _generated(
        "js/nextjs/pages-route.ts.j2" if pages else "js/nextjs/app-route.ts.j2",
        app,
        style,
        _language(path),
        imports=_route_imports(app, provider, path, sign),
        jwt_library=sign.library,
        provider=provider.id,
        version=provider.version,
        pages=pages,
        cache_components=app.cache_components,
        helper=helper.name if usable and helper else None,
        helper_async=bool(helper and helper.is_async),
        helper_params=helper.params if helper else 0,
        env_url=provider.env.get("url", "NEXT_PUBLIC_SUPABASE_URL"),
        env_key=provider.env.get("key", "NEXT_PUBLIC_SUPABASE_ANON_KEY"),
        email=choices.email.expr,
        name=choices.name.expr if choices.name else None,
        user_id=choices.user_id.expr if choices.user_id else None,
        guest=provider.guest,
        typed_anonymous=provider.typed_anonymous,
        cookie_methods=provider.cookie_methods,
        clerk_client=clerk_client(provider),
        server_session=server_session(provider),
        current_user=provider.current_user,
        firebase=provider.firebase,
        set_all_type=f": {SET_ALL_COOKIES}" if app.config.checks_js and not app.typescript else "",
        refuse_cross_site=bool(reaching(facts.cors, choices.endpoint_url)),
    )
    reason = f"new: GET {_endpoint_url(app, choices)} signs the widget token for the signed-in user"
    builder.write(path, code, reason, _language(path))
    return applied("route", path, reason)


def _cors(facts: NextFacts, choices: Chosen, builder: PlanBuilder) -> None:
    """The app's middleware answers any origin with credentials on the route: a warning."""
    url = choices.endpoint_url
    path = route_path(facts.app, choices.endpoint_prefix.rstrip("/"))
    warn(reaching(facts.cors, url), _endpoint_url(facts.app, choices), path, builder)


def _middleware(facts: NextFacts, choices: Chosen, builder: PlanBuilder) -> StepResult | None:
    """The route through the app's middleware / proxy: the edit that lets it through, or the
    reason it cannot be made safely (see `reach`)."""
    path = facts.app.middleware
    text = builder.current(path) if path else None
    if path is None or text is None:
        return None
    # Clerk's helpers throw unless its middleware (any major's) ran on the request
    clerk = None
    if choices.auth.id == "clerk":
        clerk = "getAuth()" if facts.app.router == "pages" else "currentUser()"
    verdict = check(path, text, choices.endpoint_url, clerk)
    if verdict.warning:
        builder.warn(verdict.warning)
    if verdict.outcome == "manual":
        return manual("middleware", path, verdict.reason, "")
    if verdict.outcome == "edit" and verdict.text is not None:
        builder.write(path, verdict.text, verdict.reason, _language(path))
        return applied("middleware", path, verdict.reason)
    return None


# -- the client component ---------------------------------------------------------------------


def _component_imports(
    app: NextApp, provider: Provider, path: str, wrapper: str | None
) -> list[str]:
    hooks = ["useEffect"] + (["useState"] if provider.id in ("supabase", "firebase") else [])
    pkg = [f'import {{ {", ".join(hooks)} }} from "react";']
    local: list[str] = []
    client = provider.client

    def with_wrapper(names: list[str]) -> str:
        return ", ".join(sorted([*names, *([wrapper] if wrapper else [])]))

    if provider.id == "clerk":
        pkg.append(f'import {{ {with_wrapper(["useUser"])} }} from "@clerk/nextjs";')
    elif provider.id == "supabase":
        if client is not None:
            local.append(_local_import(app, path, client.path, f"{{ {client.name} }}"))
        else:
            pkg.append('import { createBrowserClient } from "@supabase/ssr";')
    elif provider.id == "auth0":
        module = "@auth0/nextjs-auth0/client" if provider.version == 3 else "@auth0/nextjs-auth0"
        pkg.append(f'import {{ {with_wrapper(["useUser"])} }} from "{module}";')
    elif provider.id == "next-auth":
        pkg.append(f'import {{ {with_wrapper(["useSession"])} }} from "next-auth/react";')
    elif provider.id == "firebase":
        assert client is not None
        pkg.append('import { onIdTokenChanged } from "firebase/auth";')
        local.append(_local_import(app, path, client.path, f"{{ {client.name} }}"))
    return _import_lines(pkg, local)


def _component(
    facts: NextFacts,
    choices: Chosen,
    path: str,
    shells: _Shells,
    style: Style,
    builder: PlanBuilder,
) -> StepResult:
    sources, names = shells.read(builder)
    app, provider = facts.app, choices.auth
    wrapper = None if shells.groups() else _wrapper(provider, sources, names)
    existing = builder.current(path)
    if existing is not None:
        if "setUserToken" in existing:
            return skipped("component", path, "the identity component is already there")
        return conflict(
            "component", path, f"{path} already exists and is not bcb-scaffold's identity component"
        )
    code = _generated(
        "js/nextjs/identity.tsx.j2",
        app,
        style,
        _language(path),
        imports=_component_imports(app, provider, path, wrapper),
        provider=provider.id,
        component=COMPONENT,
        wrapper=wrapper,
        # the app's provider settings the component's own provider must repeat (basePath)
        wrapper_props=provider.element_props,
        endpoint=_endpoint_url(app, choices),
        client_helper=provider.client.name if provider.client else None,
        client_auth=provider.client.expression if provider.client else None,
        firebase=provider.firebase,
        env_url=provider.env.get("url", "NEXT_PUBLIC_SUPABASE_URL"),
        env_key=provider.env.get("key", "NEXT_PUBLIC_SUPABASE_ANON_KEY"),
        typed_anonymous=provider.typed_anonymous,
    )
    reason = "new: client component syncing the widget's user (setUserToken / clearUserToken)"
    builder.write(path, code, reason, _language(path))
    return applied("component", path, reason)


def _declaration(project: Project, app: NextApp, style: Style, builder: PlanBuilder) -> StepResult:
    pattern = re.compile(r"interface\s+Window\s*\{[^}]*\bBestChatBot\??\s*:")
    for path in project.under(app.root, project.with_suffix(".ts", ".tsx")):
        text = builder.current(path) or ""
        if "BestChatBot" in text and pattern.search(text):
            return skipped("declaration", path, "window.BestChatBot is already declared")
    candidates = [join(app.source_root, "types"), join(app.root, "types")]
    directory = next(
        (c for c in dict.fromkeys(candidates) if project.under(c, project.files)), candidates[0]
    )
    path = f"{directory}/{DECLARATION}"
    if not app.config.includes(path):
        builder.warn(
            f"{app.config.path}: its `include` does not cover {path}; add it so TypeScript knows "
            "window.BestChatBot"
        )
    code = restyle(render("js/nextjs/bestchatbot.d.ts.j2"), style, "typescript")
    reason = "new: declares window.BestChatBot for TypeScript"
    builder.write(path, code, reason, "typescript")
    return applied("declaration", path, reason)


# -- the shell --------------------------------------------------------------------------------


class _Shells:
    """The shells as planned before any of them is edited, and the provider's element names
    they render: read once, by the first step that needs them (the component's wrapper); and
    the route groups' layouts that have the provider when no shell does."""

    def __init__(
        self, project: Project, app: NextApp, provider: Provider, mounts: tuple[str, ...]
    ) -> None:
        self.project, self._app, self._mounts = project, app, mounts
        self.elements = frozenset(
            e for e in (provider.element, OPTIONAL_ELEMENTS.get(provider.id)) if e
        )
        self._read: tuple[list[Source], frozenset[str]] | None = None
        self._groups: tuple[str, ...] | None = None

    def read(self, builder: PlanBuilder) -> tuple[list[Source], frozenset[str]]:
        if self._read is None:
            project, app = self.project, self._app
            sources = _shell_sources(project, app, self._mounts, builder)
            self._read = sources, provider_names(project, app, self.elements, sources)
        return self._read

    def groups(self) -> tuple[str, ...]:
        """Layouts under the root ones that render the provider when no root layout does
        (read before anything is edited): the component mounts there, not in a second
        provider of its own."""
        if self._groups is None:
            self._groups = provider_layouts(self.project, self._app, self.elements, self._mounts)
        return self._groups


def _shell_sources(
    project: Project, app: NextApp, mounts: tuple[str, ...], builder: PlanBuilder
) -> list[Source]:
    if mounts:
        return [Source.of(path, builder.current(path) or "") for path in mounts]
    if app.router == "pages":
        pages = app.pages_dir or join(app.source_root, "pages")
        path = f"{pages}/_app{'.tsx' if app.typescript else _js_component_suffix(project, app)}"
        text = (
            'import type { AppProps } from "next/app";\n\n'
            "export default function App({ Component, pageProps }: AppProps) {\n"
            "  return <Component {...pageProps} />;\n}\n"
        )
        text = _javascript(app, text)
        return [Source.of(path, restyle(text, _style(project, app), _language(path)))]
    return []


def _wrapper(provider: Provider, shells: list[Source], names: frozenset[str]) -> str | None:
    """The provider element the component must bring itself, when no shell renders one."""
    if provider.element is None:
        return None
    for source in shells:
        if any(jsx_elements(source, None, *names)):
            return None
    return provider.element


def _mount(
    app: NextApp,
    api_key: str | None,
    shells: _Shells,
    index: int,
    component: str,
    builder: PlanBuilder,
) -> StepResult:
    sources, names = shells.read(builder)
    source = sources[index]
    groups = shells.groups()
    spec = Mount(
        None if groups else COMPONENT,
        specifier_for(app.config, source.path, component),
        names,
        api_key if app.widget is None else None,
    )
    # Issue 15: the <Script> goes under the app's own rule keeping its chat script off pages,
    # and the identity component too where that rule is in a component of the app's.
    found = (
        shell_guard(shells.project, app.config, source) if spec.api_key or spec.component else None
    )
    edited = found is not None and builder.current(found.path) != shells.project.text(found.path)
    if found is not None and found.component and edited:
        found = None  # the component was edited since: the rule's offsets no longer hold
    if found is not None and found.component:
        if spec.component is not None and _identity_follows(source, found, names):
            # beside the <Script>: no token fetched on the pages the rule keeps the widget off
            specifier = specifier_for(app.config, found.path, component)
            beside = dataclasses.replace(spec, specifier=specifier)
            return _guarded_component(found, beside, builder)
        if spec.api_key:
            _guarded_component(found, dataclasses.replace(spec, component=None), builder)
        spec = dataclasses.replace(spec, api_key=None)
    elif found is not None and spec.api_key:
        spec = dataclasses.replace(spec, guard=(found.start, found.end))
    new = mount(source, spec)
    if new == source.text:
        what = "the widget's <Script> is" if groups else "the identity component is"
        return skipped("mount", source.path, f"{what} already there")
    _element, why = target_element(source, names)
    reason = f"mount <{COMPONENT} /> {why}"
    if groups:
        reason = "load the widget with next/script; the identity component mounts under "
        reason += f"the provider, in {', '.join(groups)}"
    elif spec.api_key:
        reason += "; load the widget with next/script"
    if found is not None and not found.component:
        reason += f", {found.guard.summary}"
    if builder.current(source.path) is None:
        reason = "new: custom App; " + reason
    builder.write(source.path, new, reason, _language(source.path))
    return applied("mount", source.path, reason)


def _identity_follows(source: Source, found: JsxGuard, names: frozenset[str]) -> bool:
    """Whether the identity component can go beside the widget's `<Script>` in the app's
    component that renders its chat script only on some pages: the shell renders that
    component only where the identity component would go (inside the auth provider), and not
    the identity component itself (an earlier apply's)."""
    fn = default_export(source)
    rendered = jsx_elements(source, fn.node, found.via) if fn is not None else []
    if not rendered or renders(source, COMPONENT):
        return False
    target, _why = target_element(source, names)
    return all(contains(target.node, e.node) for e in rendered)


def _guarded_component(found: JsxGuard, spec: Mount, builder: PlanBuilder) -> StepResult:
    """The widget's `<Script>` (and the identity component, where `spec` has it) in the app's
    component that renders its chat script only on some pages, beside that script."""
    text = builder.current(found.path) or ""
    spec = dataclasses.replace(spec, providers=frozenset(), guard=(found.start, found.end))
    new = mount(Source.of(found.path, text), spec)
    if new == text:
        what = (
            "the widget's <Script> and the identity component are"
            if spec.component
            else ("the widget's <Script> is")
        )
        return skipped("mount", found.path, f"{what} already there")
    what = f"mount <{spec.component} /> and " if spec.component else ""
    reason = f"{what}load the widget with next/script {found.guard.summary}"
    builder.write(found.path, new, reason, _language(found.path))
    return applied("mount", found.path, reason)


def _mount_group(
    app: NextApp, shells: _Shells, path: str, component: str, builder: PlanBuilder
) -> StepResult:
    """The component in a route group's layout, inside the provider it renders."""
    source = Source.of(path, builder.current(path) or "")
    names = provider_names(shells.project, app, shells.elements, [source])
    new = mount(source, Mount(COMPONENT, specifier_for(app.config, path, component), names))
    if new == source.text:
        return skipped("mount", path, "the identity component is already mounted")
    _element, why = target_element(source, names)
    reason = f"mount <{COMPONENT} /> {why}: the route group's pages have the provider"
    builder.write(path, new, reason, _language(path))
    return applied("mount", path, reason)


def _export_options(provider: Provider, builder: PlanBuilder) -> StepResult:
    helper = provider.server
    assert helper is not None
    text = builder.current(helper.path) or ""
    new = checked_splice(
        text, [(helper.declaration_start, helper.declaration_start, "export ")],
        _language(helper.path), helper.path,
    )  # fmt: skip
    reason = f"export {helper.name} for {server_session(provider)}()"
    builder.write(helper.path, new, reason, _language(helper.path))
    return applied("export-options", helper.path, reason)


# -- warnings ---------------------------------------------------------------------------------


def _warnings(project: Project, facts: NextFacts, choices: Chosen, builder: PlanBuilder) -> None:
    app, provider = facts.app, choices.auth
    csp_warnings(builder, app.csp)
    middleware = app.middleware
    text = project.text(middleware) if middleware else None
    if middleware and text and "Content-Security-Policy" in text:
        builder.warn(
            f"{middleware} sets a Content-Security-Policy: allow https://widget.bestchatbot.io "
            "in its script-src and connect-src."
        )
    if provider.id == "clerk":
        helper = "getAuth()" if app.router == "pages" else "currentUser()"
        needs = f"Clerk's {helper} needs {clerk_middleware(provider)}"
        if not middleware:
            builder.warn(
                f"{needs} in middleware.ts / proxy.ts; none was found, so the token route will "
                "fail until it is added."
            )
    for path in project.under(app.root, project.files):
        body = project.text(path) if path.endswith(JS_SUFFIXES) or ".env" in path else None
        if body and f"NEXT_PUBLIC_{KEY}" in body:
            builder.warn(
                f"{path} names NEXT_PUBLIC_{KEY}: NEXT_PUBLIC_ variables reach the browser; the "
                f"signing key must be {KEY}, read only by the route handler."
            )
            break
    fb = provider.firebase
    if provider.id == "firebase" and provider.server is None:
        if fb is not None and fb.admin_app is not None:
            builder.next_step(
                f"The route verifies visitors with the app's own {fb.admin_app.expression} "
                f"({fb.admin_app.path}): it runs with the credentials that App is given."
            )
        else:
            builder.next_step(credentials_step(project, app))
    if provider.id == "firebase" and fb is not None and fb.in_memory is not None:
        where = fb.in_memory.location()
        builder.warn(
            f"{where}: the Firebase client Auth keeps its user in memory only, so after a "
            "reload the browser has no Firebase user and the widget no identity until the "
            "next sign-in; a persistence that survives reloads (browserLocalPersistence) keeps "
            "it."
        )
