"""Express plan: the token module, its mount after the session middleware (`mount`),
jsonwebtoken in package.json, and the widget tag in the views and in the pages built in code
(or the endpoint's browser script)."""

from __future__ import annotations

import json
import posixpath
import re
from functools import partial

from scaffolder.cors import warn
from scaffolder.escape import js_str
from scaffolder.inspection import Choices
from scaffolder.js import lockfiles, packages, style
from scaffolder.js.imports import ensure_import
from scaffolder.js.syntax import Source
from scaffolder.markup import Layout, append_lines, widget_tags
from scaffolder.model import Inspection
from scaffolder.plan import PlanBuilder
from scaffolder.project import Project
from scaffolder.spa import refresh_next_step
from scaffolder.stacks.express import (
    cors,
    exclusions,
    inline,
    mount,
    projection,
    renewal,
    users,
)
from scaffolder.stacks.express import exclusion_views as rule
from scaffolder.stacks.express import views as v
from scaffolder.stacks.express.auth import AuthFacts
from scaffolder.stacks.express.detect import ExpressFacts, shared_caching
from scaffolder.stacks.express.index import Module
from scaffolder.stacks.express.mount import HANDLER, MIDDLEWARE, import_specifier, node_esm
from scaffolder.stacks.express.signing import signer
from scaffolder.steps import (
    SCRIPT,
    Step,
    StepResult,
    applied,
    csp_warnings,
    generated_file,
    identity_script,
    skipped,
)
from scaffolder.templating import render

MODULE = "bestchatbot"
JWT_VERSION = "^9.0.2"
TYPES_VERSION = "^9.0.7"
_MIDDLEWARE_DIRS = ("middleware", "middlewares")


Chosen = Choices[AuthFacts]


def steps(
    project: Project, insp: Inspection[object], facts: ExpressFacts, choices: Chosen
) -> list[Step]:
    """The token module, its mount, the dependencies, then the tag in the views (or the
    endpoint's browser script in the pages), and the CSP warnings."""
    path = module_path(project, facts)
    api_key = insp.answers.api_key or ""
    inline_delivery = choices.delivery != "token-endpoint"
    renews = inline_delivery and renewal.applies(project, facts, choices, path)
    delivered = (
        _views(project, facts, choices, api_key, path)
        if inline_delivery
        else _browser(project, facts, choices, api_key)
    )
    return [
        partial(_token_module, project, facts, choices, path, renews),
        partial(_cors, facts, choices, path, renews),
        partial(mount.step, facts, choices, path, renews=renews),
        partial(_dependencies, project, facts),
        *delivered,
        *(renewal.steps(project, facts, choices, path) if inline_delivery else []),
        *_load_email(facts, choices),
        partial(_csp, facts),
        *([] if choices.delivery == "token-endpoint" else [partial(_shared_caching, facts)]),
    ]


def _load_email(facts: ExpressFacts, choices: Chosen) -> list[Step]:
    """The email loaded on passport's deserialize path, where a projection leaves it out and
    the token reads it there (last: the edit is located again in the file as planned)."""
    found, detected = choices.auth.projection, choices.auth.fields.email
    if found is None or detected is None or choices.email.expr != detected.expr:
        return []
    return [partial(projection.step, facts.index, found)]


def module_path(project: Project, facts: ExpressFacts) -> str:
    """`bestchatbot.<ext>` in the app's `middleware/` directory when it has one, else beside
    the app module; the extension follows the app module's."""
    app = facts.app
    directory = app.module.directory
    for name in _MIDDLEWARE_DIRS:
        candidate = name if directory == "." else f"{directory}/{name}"
        if project.under(candidate):
            directory = candidate
            break
    ext = posixpath.splitext(app.path)[1]
    ext = {".mts": ".mts", ".cts": ".cts", ".ts": ".ts", ".mjs": ".mjs", ".cjs": ".cjs"}.get(
        ext, ".js"
    )
    return f"{MODULE}{ext}" if directory == "." else f"{directory}/{MODULE}{ext}"


def _language(path: str) -> str:
    return "typescript" if path.endswith((".ts", ".mts", ".cts")) else "javascript"


def _style(project: Project, facts: ExpressFacts) -> style.Style:
    found = style.project_style(project, facts.root, [facts.app.path])
    return style.with_file_newline(found, facts.app.module.text)


def _token_module(
    project: Project,
    facts: ExpressFacts,
    choices: Chosen,
    path: str,
    renews: bool,
    builder: PlanBuilder,
) -> StepResult:
    """The token module: the middleware for the views (with the endpoint where their pages
    renew the token, `renews`), or the endpoint alone."""
    endpoint = choices.delivery == "token-endpoint"
    auth = choices.auth
    ts = _language(path) == "typescript"
    options = facts.index.config.options
    module_option = str(options.get("module", "")).lower()
    jwt_default = (
        not ts
        or options.get("esModuleInterop") is True
        or options.get("allowSyntheticDefaultImports") is True
        or module_option in ("node16", "node18", "nodenext", "preserve")
    )
    checked = ts or facts.checks_js
    esm = ts or facts.app.module.system == "esm"
    sign = signer(project, facts, esm)
    st = _style(project, facts)
    code = render(
        "js/express/bestchatbot.js.j2",
        ts=ts,
        esm=esm,
        jsdoc=facts.checks_js,
        express_types=facts.package.has("@types/express"),
        ts_check=facts.ts_check,
        quote=st.quote,
        jose=sign.library == "jose",
        jose_load=sign.load,
        jwt_default=jwt_default,
        express5=express_major(project, facts) >= 5,
        bracket_access=checked and options.get("noPropertyAccessFromIndexSignature") is True,
        firebase=auth.firebase,
        cookie=_cookie_expr(auth),
        accessor=_accessor(auth, ts, facts.checks_js),
        email=choices.email.expr,
        name=choices.name.expr if choices.name else None,
        user_id=_session_read(facts, choices.user_id.expr, ts) if choices.user_id else None,
        middleware=not endpoint,
        endpoint=_served(choices, renews),
        attribute=not endpoint and any(lay.mode == inline.MODE for lay in choices.layouts),
        refuse_cross_site=bool(cors.covering(facts.cors, _served(choices, renews))),
    )
    code = style.restyle(code, st, _language(path))
    return generated_file(
        builder,
        path,
        code,
        reason="new: mints the widget token for the signed-in user",
        language=_language(path),
        ours=(
            "function signWidgetToken(",
            *([] if endpoint else [MIDDLEWARE]),
            *([HANDLER] if endpoint or renews else []),
        ),
        already="token module already present",
        refusal=f"{path} already exists and is not bcb-scaffold's token module (or was made "
        "for the other delivery); move it aside and run apply again",
    )


def _served(choices: Chosen, renews: bool) -> str | None:
    """The endpoint's URL when the token module serves it."""
    return choices.endpoint_url if choices.delivery == "token-endpoint" or renews else None


def _cors(
    facts: ExpressFacts, choices: Chosen, path: str, renews: bool, builder: PlanBuilder
) -> None:
    """A CORS policy answering any origin with credentials covers the endpoint: a warning."""
    served = _served(choices, renews)
    if served:
        warn(cors.covering(facts.cors, served), served, path, builder)


def express_major(project: Project, facts: ExpressFacts) -> int:
    """The major version of Express the package installs (its lockfile, else the start of
    its range); 4 when neither tells, whose code also runs on 5."""
    return lockfiles.major(lockfiles.installed_version(project, facts.package, "express")) or 4


def _accessor(auth: AuthFacts, ts: bool, jsdoc: bool) -> str:
    """How the module reads the user; where the code is type-checked (TypeScript, checked
    JavaScript) and no declaration types the user (`Express.User` / `SessionData`
    augmentation), loosely typed."""
    if not (ts or jsdoc) or auth.typed:
        return auth.accessor
    loose = "Record<string, any>"
    if auth.accessor == "req.user":
        if jsdoc:
            return f"/** @type {{{loose} | undefined}} */ (req.user)"
        return f"req.user as {loose} | undefined"
    return _loose_session(auth.accessor.rsplit(".", 1)[-1], jsdoc)


def _loose_session(key: str, jsdoc: bool) -> str:
    loose = "Record<string, any>"
    if jsdoc:
        return f"/** @type {{{loose}}} */ (/** @type {{unknown}} */ (req.session)).{key}"
    return f"(req.session as unknown as {loose}).{key}"


def _session_read(facts: ExpressFacts, expr: str, ts: bool) -> str:
    """An expression reading the session itself (`req.session.userId`): as it is where the
    code is not type-checked or `SessionData` declares the key, else loosely typed."""
    found = re.fullmatch(r"req\.session\.([A-Za-z_$][\w$]*)", expr)
    if found is None or not (ts or facts.checks_js):
        return expr
    key = found.group(1)
    return expr if users.session_declares(facts.index, key) else _loose_session(key, not ts)


def _cookie_expr(auth: AuthFacts) -> str | None:
    if auth.firebase is None or auth.firebase.cookie is None:
        return None
    name = auth.firebase.cookie
    if re.fullmatch(r"[A-Za-z_$][\w$]*", name):
        return f"req.cookies?.{name}"
    return f"req.cookies?.[{json.dumps(name)}]"


# -- dependencies -----------------------------------------------------------------------------


def _dependencies(project: Project, facts: ExpressFacts, builder: PlanBuilder) -> None:
    """jsonwebtoken (and its types for checked code), unless the project's own JWT library
    signs: never a second one."""
    root = facts.root
    sign = signer(project, facts, facts.ts or facts.app.module.system == "esm")
    if sign.library != "jsonwebtoken":
        return
    packages.plan_dependency(
        project, builder, root, "jsonwebtoken", JWT_VERSION, why="signs the widget token"
    )
    if (facts.ts or facts.checks_js) and not facts.package.has("@types/jsonwebtoken"):
        packages.plan_dependency(
            project,
            builder,
            root,
            "@types/jsonwebtoken",
            TYPES_VERSION,
            section="devDependencies",
            why="types for jsonwebtoken",
        )


# -- views ------------------------------------------------------------------------------------


def _views(
    project: Project, facts: ExpressFacts, choices: Chosen, api_key: str, module: str
) -> list[Step]:
    """The token attribute on the widget tags already in the views, else the tag in each
    view that closes the page body; and the tag in each page built in code."""
    engine = facts.engine
    in_code = [lay for lay in choices.layouts if lay.mode == inline.MODE]
    steps: list[Step] = []
    if facts.tags:
        paths = dict.fromkeys(p for p, _ in facts.tags)
        steps += [partial(_token_attribute, engine, path) for path in paths]
    else:
        views = [lay for lay in choices.layouts if lay.mode != inline.MODE]
        steps += [partial(_view_tag, facts, layout, api_key) for layout in views]
    steps += [
        partial(_code_pages, project, facts, lay.template.path, api_key, module) for lay in in_code
    ]
    if in_code:
        steps.append(partial(_code_callers, project, facts, in_code))
    return steps


def _token_attribute(engine: str, path: str, builder: PlanBuilder) -> StepResult:
    text = builder.current(path) or ""
    new = text
    for tag in reversed(v.find_tags(engine, text)):
        if not tag.has_user_token:
            new = v.add_token(engine, new, tag)
    if new == text:
        return skipped("token-attribute", path, "widget tag already carries data-user-token")
    reason = "widget tag: data-user-token for signed-in users"
    builder.write(path, new, reason, engine)
    return applied("token-attribute", path, reason)


def _view_tag(
    facts: ExpressFacts, layout: Layout, api_key: str, builder: PlanBuilder
) -> StepResult | None:
    engine = facts.engine
    path = layout.template.path
    text = builder.current(path) or ""
    # Issue 15: where the view keeps a chat / analytics script off some pages, so the tag.
    found = exclusions.guard(facts, path, text)
    tag = v.tag_line(engine, text, api_key)
    added = rule.place(engine, text, found, [tag], partial(_add_lines, engine, layout.mode, text))
    if added is None:
        return None
    reason = "add the widget tag, with data-user-token for signed-in users"
    if found is not None:
        reason += f", {found.guard.summary}"
    builder.write(path, added, reason, engine)
    return applied("layout-tag", path, reason)


def _add_lines(engine: str, mode: str, text: str, lines: list[str]) -> str | None:
    """Lines at the end of the view's body, or at its end for a page written without one."""
    return v.insert_lines(engine, text, lines) if mode == "body" else append_lines(text, lines)


# -- pages built in code ----------------------------------------------------------------------


def _locals_read(project: Project, facts: ExpressFacts, path: str) -> partial[str]:
    """How code in `path` reads the middleware's token from a response's locals."""
    ts = _language(path) == "typescript"
    strict = facts.index.config.options.get("noPropertyAccessFromIndexSignature") is True
    return partial(_read_token, bracket=(ts or facts.checks_js) and strict)


def _read_token(res: str, *, bracket: bool) -> str:
    return f'{res}.locals["{MIDDLEWARE}"]' if bracket else f"{res}.locals.{MIDDLEWARE}"


def _current(facts: ExpressFacts, path: str, builder: PlanBuilder) -> Module | None:
    """The module at `path` as the plan has it so far."""
    found = facts.index.module(path)
    text = builder.current(path)
    return None if found is None or text is None else found.with_text(text)


def _code_pages(
    project: Project,
    facts: ExpressFacts,
    path: str,
    api_key: str,
    module: str,
    builder: PlanBuilder,
) -> StepResult | None:
    """The widget tag in each page the module builds in code (or its token attribute on the
    tag there), the token parameter of its layout functions, and the helper's import."""
    mod = _current(facts, path, builder)
    if mod is None:
        return None
    pages = [p for p in facts.code_pages if p.path == path]
    for page in pages:
        if page.problem is not None:
            builder.warn(f"{path}:{page.line}: {page.problem}: the widget tag is not added there")
            builder.next_step(
                f"In {path}:{page.line}, add before </body>: "
                + inline.tag_html(api_key, f"res.locals.{MIDDLEWARE}")
                + f" (import {inline.HELPER} from {module})"
            )
    ready = [p for p in pages if p.problem is None]
    ts = mod.source.language != "javascript"
    tag = partial(inline.tag_html, api_key)
    new = inline.edit_pages(mod, ready, tag, _locals_read(project, facts, path), ts)
    if new == mod.text:
        done = "pages built in code already carry the widget tag"
        return skipped("code-tag", path, done) if ready else None
    system = "esm" if ts else mod.system
    spec = import_specifier(path, module, new, mod.system, node_esm(facts, path))
    st = style.detect(new, mod.source.language)
    new = ensure_import(
        Source(new, mod.source.language, path), spec, system, names=(inline.HELPER,), style=st
    )
    reason = "add the widget tag to the HTML built here, with data-user-token for signed-in users"
    builder.write(path, new, reason, mod.source.language)
    return applied("code-tag", path, reason)


def _code_callers(
    project: Project, facts: ExpressFacts, in_code: list[Layout], builder: PlanBuilder
) -> None:
    """Each route sending a layout function's page passes it the token; the calls that do not
    send it themselves are next steps."""
    paths = {lay.template.path for lay in in_code}
    pages = [p for p in facts.code_pages if p.path in paths and p.function and not p.problem]
    by_path: dict[str, list[tuple[inline.Caller, int]]] = {}
    for page in pages:
        for caller in page.sent_by:
            by_path.setdefault(caller.path, []).append((caller, page.params))
        for caller in page.unsent:
            builder.next_step(
                f"{caller.path}:{caller.line}: pass the widget token as the last argument of "
                f"{page.function}() where this page is sent (res.locals.{MIDDLEWARE})"
            )
    for path, callers in by_path.items():
        mod = _current(facts, path, builder)
        if mod is None:
            continue
        st = style.detect(mod.text, mod.source.language)
        prettier = style.prettier_options(project, facts.root) or {}
        width = prettier.get("printWidth")
        new = inline.edit_callers(
            mod,
            callers,
            _locals_read(project, facts, path),
            st,
            width if isinstance(width, int) else 80,
        )
        if new != mod.text:
            names = sorted({p.function or "" for p in pages})
            reason = f"pass the widget token to {', '.join(n + '()' for n in names)}"
            builder.write(path, new, reason, mod.source.language)


def _csp(facts: ExpressFacts, builder: PlanBuilder) -> None:
    csp_warnings(builder, facts.csp, "script-src and connect-src directives")


def _shared_caching(facts: ExpressFacts, builder: PlanBuilder) -> None:
    """The pages carrying a token are private: a route that makes its response cacheable by
    shared caches, after the middleware ran, undoes that."""
    for where in shared_caching(facts.index):
        builder.warn(
            f"{where.file}:{where.line}: sets {where.why}: on a page carrying the widget token "
            "this replaces the `private` the token middleware sets, and a shared cache may "
            "serve that page, token included, to other visitors; keep it off such pages or "
            "make it private"
        )


# -- endpoint delivery ------------------------------------------------------------------------


def _browser(project: Project, facts: ExpressFacts, choices: Chosen, api_key: str) -> list[Step]:
    """The identity script, loaded by the app's page (or each view closing the body); a next
    step where the frontend is not here or does not send cookies."""
    url = choices.endpoint_url
    auth = choices.auth
    if auth.firebase is not None and auth.firebase.source == "bearer":
        return [
            partial(
                _next_step,
                f"Your pages send Firebase ID tokens, not cookies: after sign-in, sign-out and on "
                "page load, run: const idToken = await auth.currentUser?.getIdToken(); "
                f"fetch({js_str(url)}, "
                "{ headers: idToken ? { Authorization: `Bearer ${idToken}` } "
                "} : {} }).then((r) => (r.ok ? r.json() : { token: null })).then(({ token }) => "
                "token ? window.BestChatBot.setUserToken(token) : "
                "window.BestChatBot.clearUserToken())",
            )
        ]
    if auth.strategy is not None:
        return [
            partial(
                _next_step,
                f"Your API authenticates each request with passport's {auth.strategy!r} "
                "strategy, not a cookie: in your frontend, after sign-in, sign-out and on page "
                f"load, call GET {url} with the same Authorization header your API calls send, "
                "then window.BestChatBot.setUserToken(token) when it answers 200, else "
                "window.BestChatBot.clearUserToken()",
            )
        ]
    pages: list[tuple[str, str]] = []  # (path, engine, "code" or "html")
    if choices.layouts:  # the pages the server renders: where signed-in users are
        pages = [
            (lay.template.path, inline.MODE if lay.mode == inline.MODE else facts.engine)
            for lay in choices.layouts
        ]
    elif facts.spa_pages:
        pages = [(facts.spa_pages[0], "html")]
    if not pages or not facts.statics:
        return [
            partial(
                _next_step,
                "Load the widget in your frontend and, after sign-in, sign-out and on page load, "
                f'run: fetch({js_str(url)}, {{ credentials: "include" }})'
                ".then((r) => (r.ok ? r.json() : { token: null })).then(({ token }) => token ? "
                "window.BestChatBot.setUserToken(token) : window.BestChatBot.clearUserToken())",
            )
        ]
    first = pages[0][0]
    script_path, script_url = renewal.script_location(
        facts.statics, [(first, project.text(first) or "")], relative=True
    )
    return [
        partial(identity_script, path=script_path, endpoint=url),
        *(
            partial(_scripts_in_code, facts, page, script_url, api_key)
            if kind == inline.MODE
            else partial(_load_scripts, facts, page, kind, script_url, api_key)
            for page, kind in pages
        ),
        partial(_refresh, project, facts, script_path),
    ]


def _next_step(text: str, builder: PlanBuilder) -> None:
    builder.next_step(text)


def _load_scripts(
    facts: ExpressFacts,
    page: str,
    kind: str,
    script_url: str,
    api_key: str,
    builder: PlanBuilder,
) -> StepResult:
    """The widget tag (unless there) and the identity script, at the end of the page's body
    (under the view's own rule keeping its chat script off some pages, as the tag would be)."""
    text = builder.current(page) or ""
    if SCRIPT in text:
        return skipped("identity-script", page, "identity script already loaded")
    tagged = bool(v.find_tags(kind, text)) if kind == "pug" else bool(widget_tags(text))
    lines = [] if tagged else [v.tag_line(kind, text, api_key, token=False)]
    if kind == "pug":
        q = "'" if "'" in text + "".join(lines) else '"'
        lines.append(f"script(src={q}{script_url}{q})")
    else:
        lines.append(f'<script src="{script_url}"></script>')
    found = None if tagged or kind != facts.views.engine else exclusions.guard(facts, page, text)

    def at_the_end(lines: list[str]) -> str:
        added = v.insert_lines(kind, text, lines)
        return added or (text if kind == "pug" else append_lines(text, lines))

    new = rule.place(kind, text, found, lines, at_the_end) or text
    reason = "load the widget and the identity script"
    if found is not None:
        reason += f", {found.guard.summary}"
    builder.write(page, new, reason, kind)
    return applied("identity-script", page, reason)


def _scripts_in_code(
    facts: ExpressFacts, path: str, script_url: str, api_key: str, builder: PlanBuilder
) -> StepResult | None:
    """The widget tag (unless there) and the identity script in each page the module builds."""
    mod = _current(facts, path, builder)
    if mod is None:
        return None
    script = f'<script src="{script_url}"></script>'
    pages = [
        (p, [script] if p.tag else [v.plain_tag(api_key), script])
        for p in facts.code_pages
        if p.path == path
    ]
    new = inline.insert_lines(mod, pages)
    if new == mod.text:
        return skipped("identity-script", path, "identity script already loaded")
    reason = "load the widget and the identity script in the HTML built here"
    builder.write(path, new, reason, mod.source.language)
    return applied("identity-script", path, reason)


def _refresh(project: Project, facts: ExpressFacts, script_path: str, builder: PlanBuilder) -> None:
    """Ask the app's own scripts to refresh the token after sign-in and sign-out."""
    scripts = [
        js
        for directory, _ in facts.statics
        for js in project.under(directory, project.with_suffix(".js", ".mjs", ".ts"))
        if js != script_path
    ]
    refresh_next_step(builder, project, scripts)
