"""Which JWT library signs the widget token in a Next.js app: the one the project already has,
never a second one.

- `jose` (4 on: `SignJWT`) runs on Node and on the edge runtime: a project that has it signs
  with it;
- `jsonwebtoken` runs on Node only: the route, a Node route unless a layout above it sets
  `export const runtime = "edge"` (root layouts' segment config applies to the routes under
  them), signs with it when the project depends on it (with `@types/jsonwebtoken` for checked
  code that lacks them);
- otherwise `jose` is added: jose 6, or jose 5 where the project's TypeScript is older than 5
  (jose 6's declarations need TypeScript 5).

Pure: reads the project, returns the choice.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import Literal

from scaffolder.answer_rules import prefix_segments
from scaffolder.js import lockfiles, packages
from scaffolder.js.imports import find_imports
from scaffolder.js.packages import join
from scaffolder.js.syntax import Source
from scaffolder.project import Project
from scaffolder.stacks.nextjs.detect import JS_SUFFIXES, NextApp

JOSE = ("jose", "^6.1.0")
JOSE_FOR_TS4 = ("jose", "^5.10.0")
JSONWEBTOKEN = "^9.0.2"
JSONWEBTOKEN_TYPES = {8: "^8.5.9", 9: "^9.0.7"}
_EDGE = re.compile(r"""export\s+const\s+runtime\s*=\s*['"](?:experimental-)?edge['"]""")


@dataclass(frozen=True)
class Signer:
    """The library that signs, the import line the route starts with, and the packages it
    needs declared in `package.json` (`(name, range, section)`: the plan adds those missing)."""

    library: Literal["jose", "jsonwebtoken"]
    import_line: str
    needs: tuple[tuple[str, str, str], ...]
    edge: str | None = None
    """The layout whose `runtime = "edge"` the route inherits."""

    @property
    def why(self) -> str:
        if self.edge and self.library == "jose":
            return (
                f"signs the widget token on the edge runtime {self.edge} sets, where "
                "jsonwebtoken cannot run"
            )
        return "signs the widget token"


def signer(project: Project, app: NextApp, prefix: str) -> Signer:
    """The project's own JWT library where it can sign on the route's runtime, else jose."""
    manifest = app.manifest
    jose_major = lockfiles.major(lockfiles.installed_version(project, manifest, "jose"))
    jose = ('import { SignJWT } from "jose";', (_jose(project, app),))
    if manifest.has("jose") and (jose_major is None or jose_major >= 4):
        return Signer("jose", *jose)
    edge = edge_layout(project, app, prefix)
    if manifest.has("jsonwebtoken") and edge is None:
        major = lockfiles.major(lockfiles.installed_version(project, manifest, "jsonwebtoken"))
        needs = [("jsonwebtoken", JSONWEBTOKEN, "dependencies")]
        if app.typescript or app.config.checks_js:
            types = JSONWEBTOKEN_TYPES.get(major or 9, JSONWEBTOKEN_TYPES[9])
            needs.append(("@types/jsonwebtoken", types, "devDependencies"))
        return Signer("jsonwebtoken", _jsonwebtoken_import(project, app), tuple(needs))
    return Signer("jose", *jose, edge)


def edge_layout(project: Project, app: NextApp, prefix: str) -> str | None:
    """The layout above the App Router route that sets `runtime = "edge"`, if one does."""
    if app.router != "app" or app.app_dir is None:
        return None
    directory = app.app_dir
    for segment in ["", *prefix_segments(prefix), "widget-token"]:
        directory = posixpath.join(directory, segment) if segment else directory
        for suffix in JS_SUFFIXES:
            path = join(directory, "layout" + suffix)
            text = project.text(path) if project.exists(path) else None
            if text and _EDGE.search(text):
                return path
    return None


def _jsonwebtoken_import(project: Project, app: NextApp) -> str:
    """`import jwt from "jsonwebtoken";`, or the namespace import where the project's own code
    imports it that way."""
    for path in project.under(app.source_root, project.with_suffix(*JS_SUFFIXES)):
        text = project.text(path) if "/node_modules/" not in path else None
        if not text or "jsonwebtoken" not in text:
            continue
        for imp in find_imports(Source.of(path, text)):
            if imp.source == "jsonwebtoken" and imp.kind == "import" and imp.namespace:
                return 'import * as jwt from "jsonwebtoken";'
    return 'import jwt from "jsonwebtoken";'


def _jose(project: Project, app: NextApp) -> tuple[str, str, str]:
    """jose 6, or jose 5 where the TypeScript the project installs is older than 5."""
    manager = packages.package_manager(project, app.root)
    root = packages.load(project, join(manager.root, "package.json"))
    manifests = [app.manifest] + ([root] if root and root.path != app.manifest.path else [])
    for manifest in manifests:
        ts = lockfiles.major(lockfiles.installed_version(project, manifest, "typescript"))
        if ts is not None:
            name, version = JOSE_FOR_TS4 if ts < 5 else JOSE
            return name, version, "dependencies"
    return (*JOSE, "dependencies")
