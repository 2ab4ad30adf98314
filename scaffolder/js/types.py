"""TypeScript -> JavaScript for generated code: type syntax removed on the syntax tree.

bcb-scaffold writes each generated file once, as TypeScript; JavaScript projects get the same
code with its annotations, type-only imports, interfaces, type aliases, `declare` blocks,
generic arguments, `as` / `satisfies` casts and non-null assertions taken out. Only the
constructs such generated code uses are handled; the result must parse as JavaScript (JSX).
"""

from __future__ import annotations

from tree_sitter import Node

from scaffolder.treesitter import parse, splice, syntax_error

_DECLARATIONS = frozenset(
    {"interface_declaration", "type_alias_declaration", "ambient_declaration"}
)
_REMOVED = frozenset({"type_annotation", "type_arguments", "type_parameters"})


class StripError(ValueError):
    pass


def strip_types(code: str, language: str = "tsx") -> str:
    """JavaScript for a TypeScript text (language "typescript" or "tsx")."""
    data = code.encode("utf-8")
    tree = parse(code, language)
    if tree.root_node.has_error:
        raise StripError("the TypeScript source does not parse")
    edits: list[tuple[int, int, str]] = []
    _visit(tree.root_node, data, edits)
    out = splice(code, _merge(edits))
    problem = syntax_error(out, "javascript")
    if problem is not None:
        raise StripError(f"stripping types left invalid JavaScript ({problem})")
    return out


def _merge(edits: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Drop edits nested inside a larger removal."""
    out: list[tuple[int, int, str]] = []
    for start, end, new in sorted(edits, key=lambda e: (e[0], -e[1])):
        if out and start < out[-1][1]:
            continue
        out.append((start, end, new))
    return out


def _visit(node: Node, data: bytes, edits: list[tuple[int, int, str]]) -> None:
    kind = node.type
    if kind in _DECLARATIONS or (kind == "import_statement" and _has_token(node, "type")):
        edits.append(_whole_lines(node, data))
        return
    if kind == "export_statement":
        decl = node.child_by_field_name("declaration")
        if decl is not None and decl.type in _DECLARATIONS:
            edits.append(_whole_lines(node, data))
            return
    if kind in _REMOVED:
        edits.append((node.start_byte, node.end_byte, ""))
        return
    if kind == "import_specifier" and _has_token(node, "type"):
        edits.append(_list_item(node))
        return
    if kind == "named_imports":
        specs = [c for c in node.named_children if c.type == "import_specifier"]
        if specs and all(_has_token(s, "type") for s in specs):
            statement = node.parent.parent if node.parent is not None else None
            if statement is not None and statement.type == "import_statement":
                edits.append(_whole_lines(statement, data))
                return
    if kind == "optional_parameter":
        for child in node.children:
            if child.type == "?":
                edits.append((child.start_byte, child.end_byte, ""))
    if kind in ("as_expression", "satisfies_expression"):
        inner = node.named_children[0]
        edits.append((inner.end_byte, node.end_byte, ""))
        _visit(inner, data, edits)
        return
    if kind == "non_null_expression":
        inner = node.named_children[0]
        edits.append((inner.end_byte, node.end_byte, ""))
    for child in node.children:
        _visit(child, data, edits)


def _has_token(node: Node, token: str) -> bool:
    return any(c.type == token and not c.is_named for c in node.children)


def _list_item(node: Node) -> tuple[int, int, str]:
    """The item plus the comma that separates it from its neighbour."""
    nxt = node.next_sibling
    if nxt is not None and nxt.type == ",":
        after = nxt.next_sibling
        return node.start_byte, after.start_byte if after is not None else nxt.end_byte, ""
    prev = node.prev_sibling
    if prev is not None and prev.type == ",":
        return prev.start_byte, node.end_byte, ""
    return node.start_byte, node.end_byte, ""


def _whole_lines(node: Node, data: bytes) -> tuple[int, int, str]:
    """The node's full lines, plus one blank line after it when a blank line also precedes it
    (so removing a block between two blank lines leaves one)."""
    start = data.rfind(b"\n", 0, node.start_byte) + 1
    if data[start : node.start_byte].strip():
        return node.start_byte, node.end_byte, ""
    end = data.find(b"\n", node.end_byte)
    end = len(data) if end < 0 else end + 1
    before_blank = start == 0 or data[: start - 1].endswith(b"\n") or start < 2
    after = data.find(b"\n", end)
    if before_blank and after >= 0 and not data[end:after].strip():
        end = after + 1
    return start, end, ""
