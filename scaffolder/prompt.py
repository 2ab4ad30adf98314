"""`bcb-scaffold prompt`: the vendor's two-phase assistant prompt with phase 1 already answered.

The prompt is what a user (or an editor agent) hands to an AI assistant where bcb-scaffold does
not write the integration itself: stacks it cannot rewrite (Rails, Laravel, Go, Spring, ...)
and cases it declined. Phase 1 comes from the inspection; for unsupported stacks, the
project's manifests (Gemfile, composer.json, go.mod, pom.xml, ...) add what they say about the
framework and the auth library, and its templates where the widget loads or belongs. Rendered
from `templates/prompt/assistant.txt.j2`.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scaffolder import __version__, languages, markup
from scaffolder.documents import PROMPT_SCHEMA, TOOL, inspect_document
from scaffolder.model import Answers, Evidence, Finding, Inspection, UserExpr
from scaffolder.project import Project

DEFAULT_ENDPOINT = "/api/widget-token"

# Rendered pages can carry the widget tag: their templates are scanned for it and for layouts.
_PAGE_SUFFIXES = (
    *markup.TEMPLATE_SUFFIXES,
    ".erb", ".haml", ".slim", ".php", ".twig", ".gohtml", ".tmpl", ".jsp", ".ftl", ".heex",
    ".eex", ".leex", ".cshtml", ".razor", ".hbs", ".handlebars", ".ejs", ".njk", ".mustache",
    ".liquid",
)  # fmt: skip
_BODY_CLOSE = re.compile(r"</body\s*>", re.IGNORECASE)
# E-mail layouts close </body> too, but never carry the widget.
_MAIL = re.compile(r"(^|/)(mail|mails|mailer|mailers|email|emails)([/._-]|$)", re.IGNORECASE)
_RENDERING = {
    "server-rendered": "server-rendered pages",
    "spa": "a single-page app over a JSON API",
    "api": "a JSON API (its pages live in another project)",
}
_DELIVERY = {
    "script-attribute": "data-user-token on the widget <script> tag, rendered per request",
    "token-endpoint": "a token endpoint, read by browser code that calls setUserToken",
}


@dataclass(frozen=True)
class _Rule:
    """What a manifest line says: `kind` framework or auth, and where auth finds the email."""

    manifests: tuple[str, ...]
    pattern: str
    kind: str
    value: str
    language: str
    email: str = ""


def _gem(name: str) -> str:
    return rf"""^\s*gem\s+["']{re.escape(name)}["']"""


def _json_dep(name: str) -> str:
    return rf""""{re.escape(name)}"\s*:"""


def _maven(artifact: str) -> str:
    return rf"\b{re.escape(artifact)}\b"


_GEMFILE = ("Gemfile",)
_COMPOSER = ("composer.json",)
_GO = ("go.mod",)
_JVM = ("pom.xml", "build.gradle", "build.gradle.kts")
_MIX = ("mix.exs",)
_CARGO = ("Cargo.toml",)
_CSPROJ = (".csproj",)
_NPM = ("package.json",)
_PY = ("pyproject.toml", "requirements.txt", "requirements.in", "Pipfile", "setup.cfg")
_RAILS_USER = "`current_user.email` in controllers and views"
_TURBO = (
    "Turbo Drive swaps pages without a full reload: keep the widget tag out of the swapped "
    "<body> (or mark it data-turbo-permanent) and update the token on sign-in and sign-out"
)
_PAGE_CACHE = "a page cache is installed: deliver the token through the endpoint"

RULES: tuple[_Rule, ...] = (
    _Rule(_GEMFILE, _gem("rails"), "framework", "Ruby on Rails", "ruby"),
    _Rule(_GEMFILE, _gem("sinatra"), "framework", "Sinatra", "ruby"),
    _Rule(_GEMFILE, _gem("hanami"), "framework", "Hanami", "ruby"),
    _Rule(_GEMFILE, _gem("turbo-rails"), "note", _TURBO, "ruby"),
    _Rule(_GEMFILE, _gem("actionpack-page_caching"), "note", _PAGE_CACHE, "ruby"),
    _Rule(_GEMFILE, _gem("devise"), "auth", "Devise", "ruby", _RAILS_USER),
    _Rule(_GEMFILE, _gem("sorcery"), "auth", "Sorcery", "ruby", _RAILS_USER),
    _Rule(_GEMFILE, _gem("clearance"), "auth", "Clearance", "ruby", _RAILS_USER),
    _Rule(_GEMFILE, _gem("rodauth-rails"), "auth", "Rodauth", "ruby", "`current_account.email`"),
    _Rule(_GEMFILE, _gem("authlogic"), "auth", "Authlogic", "ruby", _RAILS_USER),
    _Rule(_GEMFILE, _gem("omniauth"), "auth", "OmniAuth", "ruby", "the user the callback signs in"),
    _Rule(_COMPOSER, _json_dep("laravel/framework"), "framework", "Laravel", "php"),
    _Rule(
        _COMPOSER,
        _json_dep("laravel/framework"),
        "auth",
        "Laravel authentication",
        "php",
        "`$request->user()->email` (or `Auth::user()->email`)",
    ),
    *(
        _Rule(_COMPOSER, _json_dep(f"laravel/{kit}"), "auth", f"Laravel {kit.title()}", "php")
        for kit in ("breeze", "jetstream", "fortify", "sanctum", "ui")
    ),
    _Rule(_COMPOSER, _json_dep("spatie/laravel-responsecache"), "note", _PAGE_CACHE, "php"),
    _Rule(_COMPOSER, _json_dep("symfony/framework-bundle"), "framework", "Symfony", "php"),
    _Rule(
        _COMPOSER,
        _json_dep("symfony/security-bundle"),
        "auth",
        "Symfony Security",
        "php",
        "`$this->getUser()` in controllers (your User entity's email getter)",
    ),
    _Rule(_COMPOSER, _json_dep("slim/slim"), "framework", "Slim", "php"),
    _Rule(_COMPOSER, _json_dep("cakephp/cakephp"), "framework", "CakePHP", "php"),
    _Rule(_GO, r"github\.com/gin-gonic/gin\b", "framework", "Gin", "go"),
    _Rule(_GO, r"github\.com/labstack/echo\b", "framework", "Echo", "go"),
    _Rule(_GO, r"github\.com/go-chi/chi\b", "framework", "chi", "go"),
    _Rule(_GO, r"github\.com/gofiber/fiber\b", "framework", "Fiber", "go"),
    _Rule(_GO, r"github\.com/gorilla/mux\b", "framework", "gorilla/mux", "go"),
    _Rule(_GO, r"github\.com/gorilla/sessions\b", "auth", "gorilla/sessions", "go"),
    _Rule(_GO, r"github\.com/alexedwards/scs\b", "auth", "SCS sessions", "go"),
    _Rule(_GO, r"github\.com/markbates/goth\b", "auth", "Goth (OAuth sign-in)", "go"),
    _Rule(_GO, r"github\.com/coreos/go-oidc\b", "auth", "go-oidc", "go", "the verified ID token"),
    _Rule(_JVM, _maven("spring-boot-starter-web"), "framework", "Spring Boot (Spring MVC)", "java"),
    _Rule(_JVM, _maven("spring-boot-starter-webflux"), "framework", "Spring WebFlux", "java"),
    _Rule(_JVM, _maven("spring-boot-starter-thymeleaf"), "framework", "Thymeleaf views", "java"),
    _Rule(_JVM, r"\bio\.ktor\b", "framework", "Ktor", "kotlin"),
    _Rule(
        _JVM,
        _maven("spring-boot-starter-security"),
        "auth",
        "Spring Security",
        "java",
        "the `Authentication` principal (`@AuthenticationPrincipal`)",
    ),
    _Rule(
        _JVM,
        _maven("spring-boot-starter-oauth2-client"),
        "auth",
        "Spring Security OAuth2 login",
        "java",
        "`OidcUser#getEmail()` from `@AuthenticationPrincipal OidcUser`",
    ),
    _Rule(_MIX, r"\{:phoenix,", "framework", "Phoenix", "elixir"),
    _Rule(_MIX, r"\{:pow,", "auth", "Pow", "elixir", "`Pow.Plug.current_user(conn).email`"),
    _Rule(_MIX, r"\{:guardian,", "auth", "Guardian", "elixir"),
    _Rule(_MIX, r"\{:ueberauth,", "auth", "Ueberauth", "elixir"),
    _Rule(_CARGO, r"(?m)^\s*actix-web\s*=", "framework", "Actix Web", "rust"),
    _Rule(_CARGO, r"(?m)^\s*axum\s*=", "framework", "axum", "rust"),
    _Rule(_CARGO, r"(?m)^\s*rocket\s*=", "framework", "Rocket", "rust"),
    _Rule(_CARGO, r"(?m)^\s*axum-login\s*=", "auth", "axum-login", "rust"),
    _Rule(_CARGO, r"(?m)^\s*actix-identity\s*=", "auth", "actix-identity", "rust"),
    _Rule(_CSPROJ, r"Microsoft\.NET\.Sdk\.Web", "framework", "ASP.NET Core", "csharp"),
    _Rule(
        _CSPROJ,
        r"Microsoft\.AspNetCore\.Identity",
        "auth",
        "ASP.NET Core Identity",
        "csharp",
        "`User.FindFirstValue(ClaimTypes.Email)`",
    ),
    _Rule(_NPM, _json_dep("@nestjs/core"), "framework", "NestJS", "javascript"),
    _Rule(_NPM, _json_dep("koa"), "framework", "Koa", "javascript"),
    _Rule(_NPM, _json_dep("fastify"), "framework", "Fastify", "javascript"),
    _Rule(_NPM, _json_dep("hono"), "framework", "Hono", "javascript"),
    _Rule(_NPM, _json_dep("@sveltejs/kit"), "framework", "SvelteKit", "javascript"),
    _Rule(_NPM, _json_dep("nuxt"), "framework", "Nuxt", "javascript"),
    _Rule(_NPM, _json_dep("@remix-run/node"), "framework", "Remix", "javascript"),
    _Rule(_NPM, _json_dep("@hotwired/turbo"), "note", _TURBO, "javascript"),
    _Rule(_NPM, _json_dep("passport"), "auth", "Passport", "javascript", "`req.user`"),
    _Rule(_NPM, _json_dep("lucia"), "auth", "Lucia", "javascript"),
    _Rule(_NPM, _json_dep("better-auth"), "auth", "Better Auth", "javascript"),
    _Rule(
        _NPM,
        _json_dep("firebase-admin"),
        "auth",
        "Firebase (verify the ID token with firebase-admin first)",
        "javascript",
        "`decoded.email` after `admin.auth().verifyIdToken(idToken)`",
    ),
    *(
        _Rule(_PY, rf"""(?im)^\s*["']?{name}\b""", "framework", label, "python")
        for name, label in (
            ("pyramid", "Pyramid"),
            ("tornado", "Tornado"),
            ("aiohttp", "aiohttp"),
            ("litestar", "Litestar"),
            ("sanic", "Sanic"),
            ("quart", "Quart"),
            ("bottle", "Bottle"),
            ("falcon", "Falcon"),
        )
    ),
)


@dataclass
class PromptResult:
    inspection: Inspection[object]
    hints: list[Finding]
    jwt_library: str | None
    text: str

    @property
    def supported(self) -> bool:
        """Whether `bcb-scaffold apply` can write this integration itself."""
        return self.inspection.supported and self.inspection.stack.framework is not None

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": PROMPT_SCHEMA,
            "tool": TOOL,
            "root": str(self.inspection.root),
            "supported": self.supported,
            "inspection": inspect_document(self.inspection),
            "hints": [h.to_json() for h in self.hints],
            "jwt_library": self.jwt_library,
            "prompt": self.text,
        }


def build(root: Path, answers: Answers) -> PromptResult:
    from scaffolder import engine

    project, insp = engine.inspect(root, answers)
    hints = [] if insp.supported else manifest_hints(project) + page_hints(project)
    frameworks = [h for h in hints if h.kind == "framework"]
    language = insp.stack.language or (_RULE_LANGUAGE[frameworks[0].value] if frameworks else None)
    known = languages.get(language) if language else None
    jwt_library = known.jwt_library if known is not None else None
    text = render(insp, hints, language, jwt_library)
    return PromptResult(insp, hints, jwt_library, text)


_RULE_LANGUAGE = {r.value: r.language for r in RULES if r.kind == "framework"}
_RULE_EMAIL = {r.value: r.email for r in RULES if r.email}


def manifest_hints(project: Project) -> list[Finding]:
    """Framework and auth libraries named in the project's manifests, with `path:line`."""
    hints: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    for path in project.files:
        name = path.rsplit("/", 1)[-1]
        rules = [r for r in RULES if _is_manifest(name, r.manifests)]
        if not rules:
            continue
        text = project.text(path)
        if text is None:
            continue
        for rule in rules:
            match = re.search(rule.pattern, text, re.MULTILINE)
            if match is None or (rule.kind, rule.value) in seen:
                continue
            seen.add((rule.kind, rule.value))
            declared = match.group(0)
            start = match.start() + len(declared) - len(declared.lstrip())
            line = markup.line_of(text, start)
            why = f"{name} declares {declared.strip()}"
            hints.append(Finding(rule.kind, rule.value, (Evidence(path, line, why),), "medium"))
    return hints


def _is_manifest(name: str, manifests: tuple[str, ...]) -> bool:
    return name in manifests or any(m[0] == "." and name.endswith(m) for m in manifests)


def page_hints(project: Project) -> list[Finding]:
    """Where the widget tag loads, or the page layouts (templates that close `</body>`)."""
    layouts: list[Evidence] = []
    for path in project.with_suffix(*_PAGE_SUFFIXES):
        text = project.text(path)
        if text is None:
            continue
        tags = markup.widget_tags(text)
        if tags:
            line = markup.line_of(text, tags[0].start)
            state = "with" if tags[0].has_user_token else "without"
            why = f"the widget <script> tag loads here ({state} data-user-token)"
            return [Finding("widget", path, (Evidence(path, line, why),), "high")]
        body = _BODY_CLOSE.search(text)
        if body is not None and not _MAIL.search(path):
            line = markup.line_of(text, body.start())
            layouts.append(Evidence(path, line, "page template closing </body>"))
    # Layouts (shared by every page) first: the ones whose path says so.
    layouts.sort(key=lambda e: ("layout" not in e.file.lower(), e.file.count("/"), e.file))
    return [Finding("layout", e.file, (e,), "medium") for e in layouts[:3]]


# -- rendering -------------------------------------------------------------------------------


def render(
    insp: Inspection[object], hints: list[Finding], language: str | None, jwt_library: str | None
) -> str:
    from scaffolder.registry import stacks
    from scaffolder.templating import render as render_template

    s = insp.stack
    registry = stacks()
    framework = registry[s.framework].name if s.framework in registry else None
    hinted = [h for h in hints if h.kind == "framework"]
    auth_hints = [h for h in hints if h.kind == "auth"]
    language_name = languages.title(language)
    if framework:
        stack = " / ".join(p for p in (language_name, framework) if p)
        if s.rendering:
            stack += f", {_RENDERING[s.rendering]}"
        if s.app_root not in ("", "."):
            stack += f" (in {s.app_root}/)"
    elif hinted:
        stack = f"{language_name} / " + ", ".join(h.value for h in hinted)
        stack += " (framework to confirm)"
    elif language_name:
        stack = f"{language_name}, framework not determined"
    else:
        stack = "not determined"
    if insp.auth.library:
        auth = insp.auth.library
        attributes = [
            ("email", _expr(insp.auth.email)),
            ("name", _expr(insp.auth.name)),
            ("user id", _expr(insp.auth.user_id)),
        ]
    else:
        auth = ", ".join(h.value for h in auth_hints) or "not determined"
        email = next((_RULE_EMAIL[h.value] for h in auth_hints if h.value in _RULE_EMAIL), "")
        attributes = [("email (to confirm)", email) if email else ("email", "not determined")]
    widget = _widget_line(insp, hints)
    delivery = _DELIVERY[insp.delivery] if insp.delivery else None
    prefixes = [f.value for f in insp.findings if f.kind == "api-prefix"]
    prefix = (insp.answers.api_prefix or next(iter(prefixes), "")).rstrip("/")
    endpoint = f"{prefix}/widget-token" if prefix else DEFAULT_ENDPOINT
    page_cache = [_ev(e) for f in insp.findings if f.kind == "page-cache" for e in f.evidence]
    csp = [_ev(e) for f in insp.findings if f.kind == "content-security-policy" for e in f.evidence]
    return render_template(
        "prompt/assistant.txt.j2",
        version=__version__,
        stack=stack,
        stack_evidence=[_ev(e) for h in hinted for e in h.evidence] or [_ev(e) for e in s.evidence],
        auth=auth,
        attributes=attributes,
        auth_evidence=[_ev(e) for e in insp.auth.evidence]
        + [_ev(e) for h in auth_hints for e in h.evidence],
        widget=widget,
        widget_evidence=[_ev(e) for e in insp.widget.evidence],
        delivery=delivery,
        questions=[_question(q.text, q.choices) for q in insp.questions]
        + (_unsupported_questions(insp, hints) if not insp.supported else []),
        notes=[_note(n.message, n.file, n.line) for n in insp.notes if not n.blocking]
        + [f"{h.evidence[0].location()}: {h.value}" for h in hints if h.kind == "note"],
        blocking=[_note(n.message, n.file, n.line) for n in insp.notes if n.blocking],
        supported=insp.supported and framework is not None,
        unsupported=not insp.supported,
        rewritable=", ".join(r.name for r in registry.values()),
        root=shlex.quote(str(insp.root)),
        endpoint=endpoint,
        page_cache=page_cache,
        csp=csp,
        widget_origin=f"https://{markup.WIDGET_HOST}",
        api_key=insp.answers.api_key,
        widget_src=markup.WIDGET_SRC,
        jwt_library=jwt_library or "the idiomatic, maintained JWT library of this stack",
    )


def _ev(e: Evidence) -> str:
    return f"{e.location()}  {e.why}"


def _expr(value: UserExpr | None) -> str:
    if value is None:
        return "not determined"
    return f"`{value.expr}`" + (f" ({value.file}:{value.line})" if value.file else "")


def _widget_line(insp: Inspection[object], hints: list[Finding]) -> str:
    w = insp.widget
    if w.present:
        state = "already has" if w.has_user_token else "has no"
        return f"loads at {w.file}:{w.line}; the tag {state} data-user-token"
    if w.file:
        placed = next((f for f in insp.findings if f.kind == "widget-placement"), None)
        if placed is not None and placed.value == "inside":
            e = placed.evidence[0]
            return f"not present yet; it belongs {e.why} (at {e.location()})"
        rule = f", {placed.evidence[0].why}" if placed is not None else ""
        return f"not present yet; it belongs in {w.file}:{w.line}{rule}"
    if insp.supported and insp.stack.framework:
        return "not present, and no page of this project renders it (the front end lives elsewhere)"
    found = [h for h in hints if h.kind == "widget"]
    if found:
        e = found[0].evidence[0]
        return f"loads at {e.location()}; {e.why.split('(', 1)[-1].rstrip(')')}"
    layouts = [h.evidence[0] for h in hints if h.kind == "layout"]
    if layouts:
        where = ", ".join(e.location() for e in layouts)
        return f"not found; it likely belongs before </body> in the shared layout ({where})"
    return "not found in this project's templates: find where pages are rendered"


def _unsupported_questions(insp: Inspection[object], hints: list[Finding]) -> list[str]:
    """What an assistant must ask when bcb-scaffold only has leads, not answers."""
    kinds = {h.kind for h in hints}
    asks = []
    if "framework" not in kinds:
        asks.append(
            "Which web framework serves this app, and are its pages rendered on the server or "
            "by a single-page app calling an API?"
        )
    if "auth" not in kinds:
        asks.append(
            "Where does a user sign in (which auth library or provider), and where is the "
            "signed-in user's email available on the server?"
        )
    layouts = [h.value for h in hints if h.kind == "layout"]
    if "widget" not in kinds:
        if len(layouts) > 1:
            asks.append(f"Which layout wraps every page: {', '.join(layouts)}?")
        elif not layouts:
            asks.append("Which template or page renders the <body> of the site's pages?")
        if not insp.answers.api_key:
            asks.append(
                "What is the BestChatBot public API key (data-api-key, from the dashboard's "
                "widget settings)?"
            )
    return asks


def _question(text: str, choices: tuple[str, ...]) -> str:
    return text + (f" (one of: {', '.join(choices)})" if choices else "")


def _note(message: str, file: str | None, line: int | None) -> str:
    where = f"{file}:{line}: " if file and line else f"{file}: " if file else ""
    return where + message
