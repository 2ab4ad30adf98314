"""How a Firebase app checks its visitors server-side, read so the route checks them the same
way, and what firebase-admin needs to run:

- session cookies (`verifySessionCookie(cookie, true)`, the cookie read by name) or ID tokens
  (`verifyIdToken(token, true)`), with the app's `checkRevoked`
  (https://firebase.google.com/docs/auth/admin/manage-cookies);
- the client `Auth` reached through a function (`getFirebaseAuth()`), and its persistence: an
  in-memory one keeps no user across a reload;
- the app's own firebase-admin App accessor (`getFirebaseAdminApp()`), which knows its
  credentials; without one, firebase-admin reads Application Default Credentials.

Pure: syntax trees in, facts out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tree_sitter import Node

from scaffolder.js.imports import find_imports
from scaffolder.js.packages import join
from scaffolder.js.syntax import (
    FUNCTION_TYPES,
    Source,
    call_arguments,
    callee_name,
    declarations,
    exports,
    find_calls,
    string_value,
)
from scaffolder.model import Evidence
from scaffolder.project import Project
from scaffolder.stacks.nextjs.detect import NextApp
from scaffolder.stacks.nextjs.helpers import returns_call
from scaffolder.treesitter import walk

ADMIN = ("firebase-admin", "firebase-admin/app", "firebase-admin/auth")
_COOKIE_NAME = re.compile(r"^[\w.-]+$")
HOSTING = ("apphosting.yaml", "apphosting.yml", "firebase.json")


@dataclass(frozen=True)
class Accessor:
    """A project export the generated code uses: a value (`auth`) or a function to call
    (`getFirebaseAuth()`)."""

    path: str
    name: str
    line: int
    call: bool = False

    @property
    def expression(self) -> str:
        return f"{self.name}()" if self.call else self.name


@dataclass(frozen=True)
class FirebaseFacts:
    cookie: str | None = None
    """The session cookie the app verifies with `verifySessionCookie` (None: ID tokens)."""
    cookie_constant: Accessor | None = None
    """The exported constant the app names that cookie by (`SESSION_COOKIE`)."""
    check_revoked: bool = False
    """The app passes `checkRevoked`: revoked sessions and tokens are turned away."""
    admin_app: Accessor | None = None
    """The app's own firebase-admin App (a function returning it)."""
    in_memory: Evidence | None = None
    """The client Auth keeps no user across a reload (`inMemoryPersistence`)."""
    evidence: tuple[Evidence, ...] = ()


def client_auth(sources: list[Source]) -> Accessor | None:
    """The Firebase client `Auth`: an exported `getAuth(app)` value, or an exported function
    returning one (`export function getFirebaseAuth() { const auth = getAuth(...); return
    auth; }`)."""
    functions: list[Accessor] = []
    for source in _importing(sources, ("firebase/auth",)):
        for name, node in exports(source).items():
            line = source.line(node)
            if node.type == "call_expression" and callee_name(source, node) == "getAuth":
                return Accessor(source.path, name, line)
            if node.type in FUNCTION_TYPES and returns_call(source, name, "getAuth"):
                functions.append(Accessor(source.path, name, line, call=True))
    return functions[0] if functions else None


def admin_app(sources: list[Source]) -> Accessor | None:
    """An exported zero-argument function of a firebase-admin module that initializes the
    admin App and returns it (`getFirebaseAdminApp()`)."""
    for source in _importing(sources, ADMIN):
        local = declarations(source)
        for name, node in exports(source).items():
            if node.type not in FUNCTION_TYPES or not name.endswith("App"):
                continue
            params = node.child_by_field_name("parameters")
            if params is not None and params.named_children:
                continue
            if _initializes(source, node, local, depth=2):
                return Accessor(source.path, name, source.line(node), call=True)
    return None


def _initializes(source: Source, fn: Node, local: dict[str, Node], depth: int) -> bool:
    """Whether `fn` calls firebase-admin's `initializeApp`, itself or through local functions."""
    for node in walk(fn):
        if node.type != "call_expression":
            continue
        callee = callee_name(source, node)
        target = local.get(callee)
        if target is None:
            if callee in ("initializeApp", "admin.initializeApp"):
                return True
            continue
        inner = depth and target.type in FUNCTION_TYPES and target.id != fn.id
        if inner and _initializes(source, target, local, depth - 1):
            return True
    return False


def facts(sources: list[Source]) -> FirebaseFacts:
    cookie, constant, check_revoked, evidence = _server_check(sources)
    in_memory = next(
        (
            Evidence(source.path, source.line(node), "the client Auth persists in memory only")
            for source in _importing(sources, ("firebase/auth",))
            for node in walk(source.root)
            if node.type == "identifier"
            and source.text_of(node) == "inMemoryPersistence"
            and node.parent is not None
            and node.parent.type == "arguments"
        ),
        None,
    )
    found = admin_app(sources)
    if found is not None:
        why = f"{found.name}(): the app's firebase-admin App, with its credentials"
        evidence.append(Evidence(found.path, found.line, why))
    return FirebaseFacts(cookie, constant, check_revoked, found, in_memory, tuple(evidence))


def _server_check(
    sources: list[Source],
) -> tuple[str | None, Accessor | None, bool, list[Evidence]]:
    """(session cookie name, the constant naming it, checkRevoked, evidence) from the app's
    own verify calls."""
    cookie: str | None = None
    constant: Accessor | None = None
    revoked = False
    evidence: list[Evidence] = []
    constants = _string_constants(sources)
    for source in sources:
        if "verifySessionCookie" not in source.text and "verifyIdToken" not in source.text:
            continue
        for call in find_calls(source, ".verifySessionCookie", ".verifyIdToken"):
            args = call_arguments(call)
            checks = len(args) > 1 and source.text_of(args[1]) == "true"
            session = callee_name(source, call).endswith("verifySessionCookie")
            found = _cookie_name(source, call, constants) if session else None
            if found is not None and cookie is None:
                name, constant = found
                cookie = name
                what = f"the session cookie `{name}`" + (", checkRevoked" if checks else "")
                evidence.append(Evidence(source.path, source.line(call), f"verifies {what}"))
            if checks and not revoked:
                revoked = True
                if not session:
                    why = "verifyIdToken(token, true): revoked tokens are turned away"
                    evidence.append(Evidence(source.path, source.line(call), why))
    return cookie, constant, revoked, evidence


Constants = dict[str, tuple[str, Accessor | None]]
"""Top-level string constants: name -> (value, the export when another module may import it)."""


def _cookie_name(
    source: Source, call: Node, constants: Constants
) -> tuple[str, Accessor | None] | None:
    """The name of the cookie read where `call` is (its function, else the module): the
    literal of `cookies().get("session")`, `req.cookies.get(NAME)`, `req.cookies.session`."""
    scope: Node | None = call
    while scope is not None and scope.type not in FUNCTION_TYPES:
        scope = scope.parent
    for node in walk(scope or source.root):
        if node.type == "call_expression":
            fn = node.child_by_field_name("function")
            obj = fn.child_by_field_name("object") if fn is not None else None
            prop = fn.child_by_field_name("property") if fn is not None else None
            if (
                obj is None
                or source.text_of(prop) != "get"
                or "cookie" not in (source.text_of(obj).lower())
            ):
                continue
            args = call_arguments(node)
            found = _literal(source, args[0], constants) if args else None
            if found is not None:
                return found
        elif node.type == "member_expression":
            obj = node.child_by_field_name("object")
            if source.text_of(obj).endswith(".cookies"):
                name = source.text_of(node.child_by_field_name("property"))
                if _COOKIE_NAME.match(name) and name not in ("get", "getAll", "has"):
                    return name, None
    return None


def _literal(
    source: Source, node: Node, constants: Constants
) -> tuple[str, Accessor | None] | None:
    value, constant = string_value(source, node), None
    if value is None and node.type == "identifier":
        value, constant = constants.get(source.text_of(node), (None, None))
    return (value, constant) if value is not None and _COOKIE_NAME.match(value) else None


def _string_constants(sources: list[Source]) -> Constants:
    """Top-level `const NAME = "literal"` of every module (cookie names are often shared)."""
    out: Constants = {}
    for source in sources:
        if "cookie" not in source.text.lower():
            continue
        exported = exports(source)
        for name, node in declarations(source).items():
            value = string_value(source, node)
            if value is not None and name not in out:
                shared = name in exported and exported[name].id == node.id
                out[name] = (
                    value,
                    Accessor(source.path, name, source.line(node)) if shared else None,
                )
    return out


def _importing(sources: list[Source], modules: tuple[str, ...]) -> list[Source]:
    return [
        s
        for s in sources
        if any(m in s.text for m in modules) and any(i.source in modules for i in find_imports(s))
    ]


def credentials_step(project: Project, app: NextApp) -> str:
    """What firebase-admin needs where the route initializes it itself."""
    hosted = next((p for p in (join(app.root, h) for h in HOSTING) if project.exists(p)), None)
    where = (
        f" (on Firebase App Hosting, Cloud Run and Cloud Functions, as {hosted} suggests, they "
        "are already there)"
        if hosted
        else ""
    )
    return (
        "firebase-admin verifies the visitor with Application Default Credentials: set "
        "GOOGLE_APPLICATION_CREDENTIALS to a service account's key file wherever the app runs"
        f"{where}."
    )
