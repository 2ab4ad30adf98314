"""Guest sessions of Auth.js / NextAuth apps: visitors the app signs in as a guest (a
Credentials provider minting a throwaway user) are no one to identify, so the token route
treats them as anonymous. Only the app's own marker is used, found statically:

- a session field compared with "guest" / "anonymous" (`session.user.type === "guest"`), or
  one the session callback copies (`session.user.type = token.type`) that the config sets to
  such a value (`type: "guest"`)
- a flag on the session user (`session.user.isGuest`, `isAnonymous`)
- a pattern of guest emails the app defines: a regex (`/^guest-\\d+$/`) or the template its
  guest emails are made from (`` email: `guest-${id}@guest.local` ``)

No marker: nothing changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from tree_sitter import Node

from scaffolder.js.imports import find_imports
from scaffolder.js.syntax import Source, string_value
from scaffolder.model import Evidence
from scaffolder.treesitter import walk

GUEST_VALUES = frozenset({"guest", "anonymous"})
_FLAG = re.compile(r"^is_?(guest|anonymous)$", re.IGNORECASE)
_IDENTIFIER = re.compile(r"^[A-Za-z_$][\w$]*$")
_GUEST = re.compile(r"guest", re.IGNORECASE)


@dataclass(frozen=True)
class GuestMarker:
    """How the app tells a guest session apart, as a condition the route can test."""

    kind: Literal["field", "flag", "email"]
    subject: str
    """The session user's field (`type`, `isGuest`), or the guest emails' regex literal."""
    value: str
    """The guest value of a `field` ("guest"); empty for the other kinds."""
    evidence: Evidence

    def condition(self, session: str) -> str:
        """A JS boolean expression: whether the session `session` (maybe null) is a guest's."""
        if self.kind == "field":
            return f'{session}?.user?.{self.subject} === "{self.value}"'
        if self.kind == "flag":
            return f"{session}?.user?.{self.subject} === true"
        return f'{self.subject}.test({session}?.user?.email ?? "")'


def find(sources: list[Source]) -> GuestMarker | None:
    """The app's guest marker, the most direct one first (a session field, then an email
    pattern); None when the app has no guest sessions."""
    ordered = sorted(sources, key=lambda s: s.path)
    config = [s for s in ordered if _imports_next_auth(s)]
    for finder in (_compared, _copied, _flag, _email_regex, _email_template):
        for source in config if finder in (_copied, _email_template) else ordered:
            found = finder(source, config)
            if found is not None:
                return found
    return None


def _imports_next_auth(source: Source) -> bool:
    return "next-auth" in source.text and any(
        i.source == "next-auth" or i.source.startswith("next-auth/") for i in find_imports(source)
    )


def _marker(
    source: Source, node: Node, kind: Literal["field", "flag", "email"], subject: str, value: str
) -> GuestMarker:
    text = " ".join(source.text_of(node).split())
    what = text if len(text) <= 60 else text[:57] + "..."
    why = f"guest marker `{what}`: guest sessions get no token (401)"
    return GuestMarker(kind, subject, value, Evidence(source.path, source.line(node), why))


def _session_user_field(source: Source, node: Node | None) -> str | None:
    """`type` for `session.user.type` / `session?.user?.type` (any object naming a session)."""
    if node is None or node.type != "member_expression":
        return None
    obj = node.child_by_field_name("object")
    prop = source.text_of(node.child_by_field_name("property"))
    chain = source.text_of(obj).replace("?.", ".")
    if not chain.endswith(".user") or "session" not in chain.lower():
        return None
    return prop if _IDENTIFIER.match(prop) else None


def _guest_string(source: Source, node: Node | None) -> str | None:
    value = string_value(source, node)
    return value if value is not None and value.lower() in GUEST_VALUES else None


def _compared(source: Source, _config: list[Source]) -> GuestMarker | None:
    """`session.user.type === "guest"` (either side, `==` / `!==` / `!=` too)."""
    for node in walk(source.root):
        if node.type != "binary_expression":
            continue
        operator = node.child_by_field_name("operator")
        if operator is None or operator.type not in ("===", "==", "!==", "!="):
            continue
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        for field_node, literal in ((left, right), (right, left)):
            name, value = _session_user_field(source, field_node), _guest_string(source, literal)
            if name and value:
                return _marker(source, node, "field", name, value)
    return None


def _copied(source: Source, config: list[Source]) -> GuestMarker | None:
    """`session.user.type = token.type` in the session callback, with `type: "guest"` (or
    `isGuest: true`) set where the config mints the guest user."""
    copied = set()
    for node in walk(source.root):
        if node.type == "assignment_expression":
            name = _session_user_field(source, node.child_by_field_name("left"))
            if name:
                copied.add(name)
    if not copied:
        return None
    for other in config:
        for node in walk(other.root):
            if node.type != "pair":
                continue
            key = other.text_of(node.child_by_field_name("key")).strip("\"'")
            value = node.child_by_field_name("value")
            if key not in copied or _option(node):
                continue
            guest = _guest_string(other, value)
            if guest:
                return _marker(other, node, "field", key, guest)
            if _FLAG.match(key) and value is not None and value.type == "true":
                return _marker(other, node, "flag", key, "")
    return None


def _option(pair: Node) -> bool:
    """A pair of an object passed to a call: a provider's options (`Credentials({ id: "guest"
    })` names the provider, not a field of its users)."""
    obj = pair.parent
    return obj is not None and obj.parent is not None and obj.parent.type == "arguments"


def _flag(source: Source, _config: list[Source]) -> GuestMarker | None:
    """A read of `session.user.isGuest` / `isAnonymous` anywhere in the app."""
    for node in walk(source.root):
        name = _session_user_field(source, node)
        if name and _FLAG.match(name):
            return _marker(source, node, "flag", name, "")
    return None


def _email_regex(source: Source, _config: list[Source]) -> GuestMarker | None:
    """A regex the app declares for guest emails: `const guestRegex = /^guest-\\d+$/`."""
    for node in walk(source.root):
        if node.type != "variable_declarator":
            continue
        value = node.child_by_field_name("value")
        if value is None or value.type != "regex":
            continue
        pattern = source.text_of(value.child_by_field_name("pattern"))
        flags = source.text_of(value.child_by_field_name("flags"))
        if _GUEST.search(pattern) and not set(flags) - set("iu"):
            return _marker(source, node, "email", source.text_of(value), "")
    return None


def _email_template(source: Source, _config: list[Source]) -> GuestMarker | None:
    """The template guest emails are made from: `` email: `guest-${id}@guest.local` ``."""
    for node in walk(source.root):
        if node.type == "pair":
            name = source.text_of(node.child_by_field_name("key")).strip("\"'")
        elif node.type == "variable_declarator":
            name = source.text_of(node.child_by_field_name("name"))
        else:
            continue
        value = node.child_by_field_name("value")
        if "email" not in name.lower() or value is None or value.type != "template_string":
            continue
        pattern = _template_pattern(source, value)
        if pattern is not None:
            return _marker(source, node, "email", f"/{pattern}/", "")
    return None


def _template_pattern(source: Source, template: Node) -> str | None:
    """`^guest-.+@guest\\.local$` for `` `guest-${id}@guest.local` ``: the literal parts must
    name a guest; each substitution stands for one character or more."""
    parts = []
    literal = ""
    for child in template.children:
        if child.type == "string_fragment":
            text = source.text_of(child)
            literal += text
            parts.append(re.escape(text).replace("/", "\\/"))
        elif child.type == "template_substitution":
            parts.append(".+")
        elif child.type == "escape_sequence":
            return None
    if not _GUEST.search(literal):
        return None
    return "^" + "".join(parts) + "$"
