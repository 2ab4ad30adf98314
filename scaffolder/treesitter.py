"""tree-sitter for JavaScript, TypeScript (TSX) and PHP (their grammars registered in
`languages`): parse, find nodes, splice bytes.

Stacks locate their anchors (imports, calls, JSX elements, hooks) on the syntax tree, then
splice text at exact byte ranges so every other byte of the file stays as it was; the result is
parsed again and must have no ERROR or MISSING node (see `validate`).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from functools import cache

from tree_sitter import Language, Node, Parser, Tree

from scaffolder import languages


def language_for(path: str) -> str | None:
    """The tree-sitter language of a file, by its suffix (JSX parses as JavaScript)."""
    found = languages.for_path(path)
    return found.name if found is not None and found.grammar is not None else None


@cache
def _language(name: str) -> Language:
    found = languages.get(name)
    if found is None or found.grammar is None:
        raise ValueError(f"no tree-sitter grammar for {name!r}")
    module = importlib.import_module(found.grammar.module)
    return Language(getattr(module, found.grammar.function)())


def parse(text: str, language: str) -> Tree:
    return Parser(_language(language)).parse(text.encode("utf-8"))


def walk(node: Node) -> Iterator[Node]:
    """Every node under `node`, depth first, in source order."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))


def syntax_error(text: str, language: str) -> str | None:
    """None when `text` parses cleanly; else where the first ERROR / MISSING node is."""
    tree = parse(text, language)
    if not tree.root_node.has_error:
        return None
    for node in walk(tree.root_node):
        if node.type == "ERROR" or node.is_missing:
            row, col = node.start_point
            what = f"missing {node.type}" if node.is_missing else "syntax error"
            return f"line {row + 1}, column {col + 1}: {what}"
    return "syntax error"


def text_of(node: Node) -> str:
    return (node.text or b"").decode("utf-8")


def splice(text: str, edits: list[tuple[int, int, str]]) -> str:
    """Replace byte ranges [start, end) of `text` (UTF-8) with new text; ranges must not overlap."""
    data = text.encode("utf-8")
    out = []
    pos = 0
    for start, end, new in sorted(edits, key=lambda e: (e[0], e[1])):
        if start < pos:
            raise ValueError("overlapping splices")
        out.append(data[pos:start])
        out.append(new.encode("utf-8"))
        pos = end
    out.append(data[pos:])
    return b"".join(out).decode("utf-8")
