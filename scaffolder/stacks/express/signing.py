"""Which JWT library signs the widget token, and how the token module loads it.

The project's own library when it has one (never a second): `jsonwebtoken`, else `jose` (4 and
later: `SignJWT`), else `jsonwebtoken` is added. jose is an ES module from version 6 on
(https://github.com/panva/jose/issues/797): CommonJS code `require()`s it only on Node versions
that load ES modules that way (^20.19, ^22.12, >= 23), which the project's declared Node version
(`engines.node`, `.nvmrc`, `.node-version`) must guarantee; elsewhere it is loaded with
`await import("jose")`, as the project's own code may already do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from scaffolder.js import lockfiles
from scaffolder.js.packages import join
from scaffolder.project import Project
from scaffolder.stacks.express.detect import ExpressFacts
from scaffolder.treesitter import walk

Load = Literal["import", "require", "dynamic"]
_VERSION = re.compile(r"(\d+)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?")


@dataclass(frozen=True)
class Signer:
    library: Literal["jsonwebtoken", "jose"]
    load: Load  # how the module loads it: static `import`, `require()`, or `await import()`
    added: bool  # not a dependency yet: the plan adds it to package.json

    @property
    def asynchronous(self) -> bool:
        """jose signs with a promise: the middleware awaits it."""
        return self.library == "jose"


def signer(project: Project, facts: ExpressFacts, esm: bool) -> Signer:
    """The library the project already depends on (jsonwebtoken first: it signs synchronously),
    else jsonwebtoken, added; loaded as `esm` modules do, or as CommonJS can."""
    package = facts.package
    if package.has("jsonwebtoken") or not package.has("jose"):
        return Signer(
            "jsonwebtoken", "import" if esm else "require", not package.has("jsonwebtoken")
        )
    major = lockfiles.major(lockfiles.installed_version(project, package, "jose"))
    if major is not None and major < 4:  # before SignJWT: its API is not the one written here
        return Signer("jsonwebtoken", "import" if esm else "require", True)
    if esm:
        return Signer("jose", "import", False)
    return Signer("jose", _commonjs_load(project, facts, major), False)


def _commonjs_load(project: Project, facts: ExpressFacts, major: int | None) -> Load:
    """How CommonJS code loads jose: as the project's own code does, else `require()` for
    jose 4 / 5 and for jose 6 where the declared Node version loads ES modules with it."""
    for mod in facts.index.modules(containing="jose"):
        for node in walk(mod.source.root):
            if node.type != "call_expression":
                continue
            fn = node.child_by_field_name("function")
            args = node.child_by_field_name("arguments")
            if fn is None or args is None or mod.text_of(args).strip("()'\"` ") != "jose":
                continue
            if fn.type == "import":
                return "dynamic"
            if mod.text_of(fn) == "require":
                return "require"
    if major is not None and major < 6:
        return "require"
    return "require" if _requires_esm(node_version(project, facts)) else "dynamic"


def node_version(project: Project, facts: ExpressFacts) -> tuple[int, int] | None:
    """The lowest Node version the project declares (`engines.node`, else `.nvmrc` /
    `.node-version` beside package.json): its major and minor; None when it names none."""
    engines = facts.package.data.get("engines")
    declared = engines.get("node") if isinstance(engines, dict) else None
    if not isinstance(declared, str):
        for name in (".nvmrc", ".node-version"):
            declared = (
                project.text(join(facts.root, name))
                if project.exists(join(facts.root, name))
                else None
            )
            if declared:
                break
    match = _VERSION.search(declared.strip().lstrip("v")) if isinstance(declared, str) else None
    if match is None:
        return None
    minor = match.group(2)
    return int(match.group(1)), int(minor) if minor and minor.isdigit() else 0


def _requires_esm(version: tuple[int, int] | None) -> bool:
    """Whether `require()` loads ES modules by default on that Node and every later one."""
    if version is None:
        return False
    major, minor = version
    return major >= 23 or (major == 22 and minor >= 12) or (major == 20 and minor >= 19)
