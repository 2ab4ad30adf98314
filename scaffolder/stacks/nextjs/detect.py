"""Next.js detection: apps (one, or several in a monorepo), App Router / Pages Router, the root
layout(s) or `_app`, TypeScript, `src/`, path aliases, middleware / proxy, `basePath`, an existing
widget `<Script>`, a Content-Security-Policy.

Pure and read-only: reads the project through `Project` and returns facts with evidence.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from scaffolder.js import packages, tsconfig
from scaffolder.js.packages import PackageJson, join
from scaffolder.js.syntax import Element, Source, default_export, jsx_elements, returned_jsx
from scaffolder.js.tsconfig import TsConfig
from scaffolder.markup import WIDGET_HOST
from scaffolder.model import Evidence
from scaffolder.project import Project

JS_SUFFIXES = (".tsx", ".ts", ".jsx", ".js", ".mjs")
NEXT_CONFIGS = ("next.config.ts", "next.config.mjs", "next.config.js", "next.config.cjs")
_BASE_PATH = re.compile(r"""\bbasePath\s*:\s*(['"`])(?P<path>/[^'"`]*)\1""")
_CACHE_COMPONENTS = re.compile(r"\b(cacheComponents|dynamicIO)\s*:\s*true\b")


@dataclass(frozen=True)
class Shell:
    """Where app-wide client code mounts: a root layout (App Router) or `_app` (Pages)."""

    path: str
    kind: str  # "layout" or "app"
    line: int


@dataclass(frozen=True)
class NextApp:
    """One Next.js app: its package directory and how it is laid out."""

    root: str
    manifest: PackageJson
    source_root: str
    """`src` (or `apps/web/src`) when the app keeps its code under src/, else the app root."""
    app_dir: str | None
    pages_dir: str | None
    typescript: bool
    config: TsConfig
    layouts: tuple[Shell, ...] = ()
    """Root layouts (those that render `<html>`)."""
    app_shell: Shell | None = None
    """`pages/_app` when the Pages Router is used."""
    middleware: str | None = None
    base_path: str = ""
    cache_components: bool = False
    """`cacheComponents` (Next.js 16; `experimental.dynamicIO` before): route segment configs
    such as `export const dynamic` are not allowed, and request-time routes are dynamic anyway."""
    widget: Evidence | None = None
    csp: tuple[Evidence, ...] = ()

    @property
    def router(self) -> str:
        return "app" if self.layouts or (self.app_dir and not self.pages_dir) else "pages"

    def evidence(self) -> Evidence:
        return self.manifest.evidence("next", "`next` is a dependency")


def find_apps(project: Project) -> list[PackageJson]:
    """Manifests that depend on `next` and hold routes (`app/` or `pages/`, under `src/` or
    not), shallowest first: a UI package with `next` as a peer dependency is not an app."""
    found = []
    for manifest in packages.manifests(project):
        if not manifest.has("next"):
            continue
        root = manifest.directory
        dirs = [join(root, d) for d in ("app", "pages", "src/app", "src/pages")]
        if _first_dir(project, dirs) is not None:
            found.append(manifest)
    return sorted(found, key=lambda m: (m.path.count("/"), m.path))


def load_app(project: Project, manifest: PackageJson) -> NextApp:
    root = manifest.directory
    src = join(root, "src")
    app_dir = _first_dir(project, [join(root, "app"), join(src, "app")])
    pages_dir = _first_dir(project, [join(root, "pages"), join(src, "pages")])
    under_src = any(d is not None and d.startswith(src + "/") for d in (app_dir, pages_dir))
    config = tsconfig.load(project, root)
    # a jsconfig.json is a JavaScript project, even one with `typescript` to run tsc (checkJs)
    has_ts = manifest.has("typescript")
    typescript = config.path.endswith("tsconfig.json") if config.path else has_ts
    layouts = root_layouts(project, app_dir) if app_dir else ()
    app_shell = _special_page(project, pages_dir, "_app") if pages_dir else None
    shell = layouts[0] if layouts else app_shell
    if shell is not None:
        typescript = shell.path.endswith((".ts", ".tsx"))
    source_root = src if under_src else root
    base_path, cache_components, csp = _next_config(project, root)
    return NextApp(
        root=root,
        manifest=manifest,
        source_root=source_root,
        app_dir=app_dir,
        pages_dir=pages_dir,
        typescript=typescript,
        config=config,
        layouts=layouts,
        app_shell=app_shell,
        middleware=_middleware(project, root, source_root),
        base_path=base_path,
        cache_components=cache_components,
        widget=find_widget(project, source_root),
        csp=csp,
    )


def _first_dir(project: Project, candidates: list[str]) -> str | None:
    for candidate in candidates:
        if project.under(candidate, project.with_suffix(*JS_SUFFIXES, ".md", ".mdx")):
            return candidate
    return None


def _special_page(project: Project, pages_dir: str, name: str) -> Shell | None:
    for suffix in JS_SUFFIXES:
        path = f"{pages_dir}/{name}{suffix}"
        if project.exists(path):
            return Shell(path, "app", 1)
    return None


def root_layouts(project: Project, app_dir: str) -> tuple[Shell, ...]:
    """Layouts that render `<html>`: `app/layout.tsx`, or under route groups / `[locale]`."""
    out = []
    for path in project.under(app_dir, project.with_suffix(*JS_SUFFIXES)):
        name = posixpath.basename(path)
        if posixpath.splitext(name)[0] != "layout":
            continue
        text = project.text(path)
        if text is None:
            continue
        source = Source.of(path, text)
        fn = default_export(source)
        if fn is None:
            continue
        html = [e for e in returned_jsx(source, fn) if e.name == "html"]
        html += [e for e in jsx_elements(source, fn.node, "html") if e not in html]
        if html:
            out.append(Shell(path, "layout", source.line(html[0].node)))
    return tuple(sorted(out, key=lambda s: (s.path.count("/"), s.path)))


def body_of(source: Source) -> Element | None:
    fn = default_export(source)
    if fn is None:
        return None
    bodies = jsx_elements(source, fn.node, "body")
    return bodies[0] if bodies else None


def _middleware(project: Project, root: str, source_root: str) -> str | None:
    for base in dict.fromkeys([source_root, root]):
        for name in ("proxy", "middleware"):
            for suffix in (".ts", ".js", ".mjs", ".tsx", ".jsx"):
                path = join(base, name + suffix)
                if project.exists(path):
                    return path
    return None


def _next_config(project: Project, root: str) -> tuple[str, bool, tuple[Evidence, ...]]:
    """basePath, Cache Components, and a Content-Security-Policy set in next.config."""
    for name in NEXT_CONFIGS:
        path = join(root, name)
        if not project.exists(path):
            continue
        text = project.text(path) or ""
        m = _BASE_PATH.search(text)
        csp = []
        if "Content-Security-Policy" in text:
            line = text.count("\n", 0, text.index("Content-Security-Policy")) + 1
            csp.append(Evidence(path, line, "next.config sets a Content-Security-Policy header"))
        base_path = m.group("path").rstrip("/") if m else ""
        return base_path, bool(_CACHE_COMPONENTS.search(text)), tuple(csp)
    return "", False, ()


def find_widget(project: Project, source_root: str) -> Evidence | None:
    """An existing widget `<Script>` / `<script>` in the app's code (under `source_root`)."""
    for path in project.under(source_root, project.with_suffix(*JS_SUFFIXES)):
        text = project.text(path)
        if not text or WIDGET_HOST not in text:
            continue
        source = Source.of(path, text)
        for element in jsx_elements(source, None, "Script", "script"):
            src = element.attributes.get("src")
            if src is not None and WIDGET_HOST in (src.value or src.expression or ""):
                return Evidence(path, source.line(element.node), "BestChatBot widget <Script>")
    return None
