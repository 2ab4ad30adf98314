"""What every stack knows of a single-page app: the bundled frontend in the repository
(`find_bundled`: a `package.json` with React / Vue / Svelte / Preact / Solid / Angular / Lit or
plain Vite, and a Vite `index.html` or a Create React App `public/index.html`), where a script
it serves as is goes (`public_script`), and what it is told: call the identity script's
refresh() after sign-in and sign-out, pointing at the app's own sign-in / sign-out calls where
it can find them; or, where the app's auth code announces them with DOM events (django-allauth
headless's `allauth.auth.change`), the events the identity script follows instead.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from scaffolder.model import Evidence
from scaffolder.project import Project

if TYPE_CHECKING:
    from scaffolder.plan import PlanBuilder

REFRESH = "Call window.BestChatBotIdentity.refresh() right after your app signs a user in or out"

# A request to a sign-in / sign-out / session URL: fetch("/api/login"), axios.post(`/logout`)...
_SIGN_CALL = re.compile(
    r"""(fetch|axios\.\w+|\$\.\w+|request|api\.\w+)\s*\(\s*[`'"][^`'"]*"""
    r"""(login|logout|signin|signout|sign-in|sign-out|session)""",
    re.IGNORECASE,
)


def sign_in_calls(project: Project, sources: Iterable[str]) -> list[str]:
    """`path:line` of each call in the app's JS that looks like a sign-in or sign-out request."""
    calls = []
    for source in sources:
        body = project.text(source) or ""
        calls += [
            f"{source}:{body.count(chr(10), 0, m.start()) + 1}" for m in _SIGN_CALL.finditer(body)
        ]
    return calls


def refresh_next_step(builder: PlanBuilder, project: Project, sources: Iterable[str]) -> None:
    calls = sign_in_calls(project, sources)
    where = f" (sign-in / sign-out calls: {', '.join(calls[:6])})" if calls else ""
    builder.next_step(REFRESH + where)


@dataclass(frozen=True)
class AuthEvents:
    """A DOM event the app dispatches when a user signs in or out, and how to tell which."""

    library: str
    event: str
    target: str
    """`document` or `window`: where the app dispatches it."""
    signed_in: str
    """A JS condition on the event (`event`) that holds when a user is signed in after it."""
    where: str
    """`path:line` of the dispatch."""


# (library, event, the condition for "signed in"): django-allauth's headless examples dispatch
# `allauth.auth.change` with the API's response (200 + meta.is_authenticated, or 401 / 410).
_EVENTS = (
    (
        "django-allauth headless",
        "allauth.auth.change",
        "event.detail?.status === 200 && event.detail.meta?.is_authenticated",
    ),
)
_DISPATCH = re.compile(r"\b(document|window)\s*\.\s*dispatchEvent\s*\(")


def auth_events(project: Project, sources: Iterable[str]) -> AuthEvents | None:
    """The sign-in / sign-out events the app's own code dispatches, if it does."""
    for source in sources:
        body = project.text(source) or ""
        dispatch = _DISPATCH.search(body)
        if dispatch is None:
            continue
        for library, event, signed_in in _EVENTS:
            m = re.search(rf"""[`'"]{re.escape(event)}[`'"]""", body)
            if m is not None:
                line = body.count("\n", 0, dispatch.start()) + 1
                target = dispatch.group(1)
                return AuthEvents(library, event, target, signed_in, f"{source}:{line}")
    return None


# -- a bundled frontend in the repository --------------------------------------------------- -

_FRAMEWORKS = ("react", "vue", "svelte", "preact", "solid-js", "@angular/core", "lit", "vite")
_MODULE_SCRIPT = re.compile(
    r"""<script\b[^>]*\btype\s*=\s*["']module["'][^>]*\bsrc\s*=\s*["'](?P<src>[^"']+)["']"""
    r"""|<script\b[^>]*\bsrc\s*=\s*["'](?P<src2>[^"']+)["'][^>]*\btype\s*=\s*["']module["']""",
    re.IGNORECASE,
)
_SOURCES = (".js", ".jsx", ".mjs", ".ts", ".tsx", ".vue", ".svelte")
_ENTRIES = ("main.tsx", "main.ts", "main.jsx", "main.js", "index.tsx", "index.jsx", "index.js")
_VITE_CONFIGS = ("vite.config.js", "vite.config.ts", "vite.config.mjs", "vite.config.mts")
_VITE_BASE = re.compile(r"""\bbase\s*:\s*(['"`])(/[^'"`]*)\1""")


@dataclass
class TokenStorage:
    """Where the SPA keeps the bearer token it sends to the API."""

    expr: str  # JS expression reading it, e.g. localStorage.getItem("access_token")
    key: str
    evidence: list[Evidence]
    writes: list[str]  # path:line of setItem / removeItem (sign-in, sign-out)


@dataclass
class Frontend:
    root: str
    kind: str  # "bundled" | "static" | "layout"
    framework: str
    page: str  # the HTML shell (holds </body>)
    entry: str | None  # bundled: the module the page loads
    static_url: str = "/"  # static: the URL the page's directory is served at
    api_base: str | None = None  # JS expression of the API origin
    token_candidates: list[TokenStorage] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    body_line: int = 1  # the page's </body> line, where a missing widget tag goes


def find_bundled(project: Project) -> list[Frontend]:
    """Every bundled single-page app in the repository, in the order of their manifests."""
    found = []
    for manifest in project.named("package.json"):
        frontend = _bundled(project, manifest, posixpath.dirname(manifest) or ".")
        if frontend is not None:
            frontend.body_line = body_line(project.text(frontend.page) or "")
            found.append(frontend)
    return found


def frontend_sources(project: Project, frontend: Frontend) -> list[str]:
    """The frontend's own JS / TS modules (not the files its `public/` folder serves as is)."""
    public = ("" if frontend.root == "." else frontend.root + "/") + "public/"
    modules = project.under(frontend.root, project.with_suffix(*_SOURCES))
    return [f for f in modules if not f.startswith(public)]


def body_line(page: str) -> int:
    """The line of a page's last `</body`, else 1."""
    at = page.lower().rfind("</body")
    return page.count("\n", 0, at) + 1 if at >= 0 else 1


def _bundled(project: Project, manifest: str, root: str) -> Frontend | None:
    import json  # only where a package.json is read

    text = project.text(manifest)
    if not text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    deps: dict[str, str] = {}
    for key in ("dependencies", "devDependencies"):
        section = data.get(key) if isinstance(data, dict) else None
        if isinstance(section, dict):
            deps.update(section)
    framework = next((f for f in _FRAMEWORKS if f in deps), None)
    if framework is None:
        return None
    prefix = "" if root == "." else root + "/"
    for page in (f"{prefix}index.html", f"{prefix}public/index.html"):
        if not project.exists(page):
            continue
        entry = _entry(project, prefix, project.text(page) or "")
        if entry is None:
            continue
        name = framework.removeprefix("@angular/").removesuffix("-js")
        why = f"{name} single-page app ({manifest}), loaded by {page}"
        return Frontend(root, "bundled", name, page, entry, evidence=[Evidence(page, 1, why)])
    return None


def _entry(project: Project, prefix: str, html: str) -> str | None:
    """The module the page loads (`<script type="module" src>`), else a conventional one."""
    m = _MODULE_SCRIPT.search(html)
    if m:
        src = (m.group("src") or m.group("src2") or "").lstrip("/")
        candidate = posixpath.normpath(prefix + src)
        if project.exists(candidate):
            return candidate
    return next(
        (f"{prefix}src/{name}" for name in _ENTRIES if project.exists(f"{prefix}src/{name}")),
        None,
    )


def public_script(project: Project, frontend: Frontend, script: str) -> tuple[str, str]:
    """(path, URL) of the file `script` where the bundler of a `find_bundled` frontend serves it
    as is: its `public/` folder, at %PUBLIC_URL% (Create React App's `public/index.html`) or at
    the root of Vite's `base`."""
    if frontend.page.endswith("public/index.html"):
        return f"{posixpath.dirname(frontend.page)}/{script}", f"%PUBLIC_URL%/{script}"
    root = "" if frontend.root == "." else frontend.root
    base = "/"
    for name in _VITE_CONFIGS:
        config = posixpath.join(root, name)
        m = _VITE_BASE.search(project.text(config) or "") if project.exists(config) else None
        if m:
            base = m.group(2).rstrip("/") + "/"
    return posixpath.join(root, "public", script), base + script
