"""Next.js: the patched root layout read off its tsx syntax tree, every JSX element with its
attributes as React would pass them (string attributes entity-decoded, `{"..."}` containers
as the string's value)."""

from __future__ import annotations

import html

import pytest
from tree_sitter import Node

from scaffolder import treesitter
from tests.hostile.code import js_string_value
from tests.hostile.markup import Page
from tests.hostile.sandbox import Sandbox

_ELEMENTS = ("jsx_opening_element", "jsx_self_closing_element")


def _value(node: Node | None) -> str | None:
    if node is None:
        return None
    if node.type == "string":
        return html.unescape(treesitter.text_of(node)[1:-1])
    if node.type == "jsx_expression":
        inner = [c for c in node.named_children if c.type != "comment"]
        if len(inner) == 1 and inner[0].type in ("string", "template_string"):
            return js_string_value(inner[0])
    return f"<not a string: {treesitter.text_of(node)}>"


def jsx_elements(text: str) -> list[dict[str, str | None]]:
    tree = treesitter.parse(text, "tsx")
    assert not tree.root_node.has_error, treesitter.syntax_error(text, "tsx")
    out = []
    for node in treesitter.walk(tree.root_node):
        if node.type not in _ELEMENTS:
            continue
        name = node.child_by_field_name("name")
        element: dict[str, str | None] = {"<tag>": treesitter.text_of(name) if name else ""}
        for attr in node.named_children:
            if attr.type != "jsx_attribute":
                continue
            key = treesitter.text_of(attr.named_children[0])
            assert key not in element, f"<{element['<tag>']}> has {key} twice"
            element[key] = _value(attr.named_children[1] if len(attr.named_children) > 1 else None)
        out.append(element)
    return out


def clerk_layout(sb: Sandbox, mp: pytest.MonkeyPatch) -> list[Page]:
    text = (sb.root / "app/layout.tsx").read_text()
    return [Page("app/layout.tsx", jsx_elements(text), extra=frozenset({"strategy"}))]
