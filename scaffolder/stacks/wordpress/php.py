"""PHP source helpers for WordPress code: headers, namespaces, calls, style, byte-range edits.

Everything is located on the tree-sitter-php syntax tree; edits are splices at byte offsets so
every other byte of the file stays as it was.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from tree_sitter import Node

from scaffolder import treesitter as ts

HEADER_BYTES = 8192
"""WordPress reads file headers (Plugin Name, Theme Name) from the first 8 KiB only."""


def header(text: str, field: str) -> tuple[str, int] | None:
    """A WordPress file-header field (`Plugin Name`, `Theme Name`, `Template`): value and line.

    The same pattern as core's `get_file_data()`: start of a line, comment decoration, the field.
    """
    head = text[:HEADER_BYTES]
    pattern = re.compile(
        r"^(?:[ \t]*<\?php)?[ \t/*#@]*" + re.escape(field) + r":(.*)$", re.MULTILINE | re.I
    )
    m = pattern.search(head)
    if not m:
        return None
    value = re.sub(r"\s*(?:\*/|\?>).*", "", m.group(1)).strip()
    return (value, head.count("\n", 0, m.start()) + 1) if value else None


def line_at(text: str, byte_offset: int) -> int:
    return text.encode("utf-8")[:byte_offset].count(b"\n") + 1


@dataclass(frozen=True)
class Call:
    """A call of a plain function (`define(...)`, `add_action(...)`) and its arguments' text."""

    name: str
    args: tuple[str, ...]
    line: int
    node: Node


def calls(text: str, *names: str) -> Iterator[Call]:
    tree = ts.parse(text, "php")
    wanted = {n.lower() for n in names}
    for node in ts.walk(tree.root_node):
        if node.type not in ("function_call_expression", "scoped_call_expression"):
            continue
        name_node = node.child_by_field_name("function") or node.child_by_field_name("name")
        if name_node is None:
            continue
        name = ts.text_of(name_node).lstrip("\\")
        if node.type == "scoped_call_expression":
            scope = node.child_by_field_name("scope")
            name = f"{ts.text_of(scope) if scope else ''}::{name}"
        if name.lower() not in wanted:
            continue
        args_node = node.child_by_field_name("arguments")
        args = tuple(
            ts.text_of(a) for a in (args_node.named_children if args_node else []) if a.is_named
        )
        yield Call(name, args, node.start_point[0] + 1, node)


def string_value(arg: str) -> str | None:
    """The value of a simple PHP string literal ('x' or "x" without interpolation)."""
    m = re.fullmatch(r"""\s*(['"])([^'"\\$]*)\1\s*""", arg)
    return m.group(2) if m else None


def defined_functions(text: str) -> dict[str, int]:
    """Names of the functions a file declares (at any depth), with their lines."""
    tree = ts.parse(text, "php")
    found: dict[str, int] = {}
    for node in ts.walk(tree.root_node):
        if node.type == "function_definition":
            name = node.child_by_field_name("name")
            if name is not None:
                found.setdefault(ts.text_of(name).lower(), node.start_point[0] + 1)
    return found


@dataclass(frozen=True)
class Namespace:
    name: str
    braced: bool


def namespace_of(text: str) -> Namespace | None:
    """The file's namespace: the first `namespace X;` or `namespace X { }` at top level."""
    tree = ts.parse(text, "php")
    for node in tree.root_node.children:
        if node.type == "namespace_definition":
            name = node.child_by_field_name("name")
            body = node.child_by_field_name("body")
            return Namespace(ts.text_of(name) if name else "", body is not None)
    return None


def requires_autoloader(text: str) -> int | None:
    """The line where the file loads Composer's `vendor/autoload.php`, or None."""
    if "vendor/autoload.php" not in text:
        return None
    tree = ts.parse(text, "php")
    for node in ts.walk(tree.root_node):
        if node.type in ("string", "encapsed_string") and "vendor/autoload.php" in ts.text_of(node):
            return node.start_point[0] + 1
    return None


def in_html(text: str, char_offset: int) -> bool:
    """Whether a character offset of a PHP file lies in its inline HTML (outside `<?php ?>`)."""
    tree = ts.parse(text, "php")
    target = len(text[:char_offset].encode("utf-8"))
    return any(
        node.type == "text" and node.start_byte <= target < node.end_byte
        for node in ts.walk(tree.root_node)
    )


# -- style -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Style:
    """How the project writes PHP: WordPress Coding Standards or PSR-12, indent, newline."""

    wpcs: bool = True
    indent: str = "\t"
    newline: str = "\n"


def style_of(texts: list[str]) -> Style:
    """The dominant style of some PHP files (WPCS when nothing tells otherwise)."""
    joined = "\n".join(texts)
    if not joined.strip():
        return Style()
    newline = "\r\n" if "\r\n" in joined else "\n"
    tabs = spaces = 0
    widths: list[int] = []
    for line in joined.splitlines():
        stripped = line.lstrip(" \t")
        if not stripped or stripped.startswith("*") or len(stripped) == len(line):
            continue
        if line.startswith("\t"):
            tabs += 1
        else:
            spaces += 1
            widths.append(len(line) - len(stripped))
    indent = "\t" if tabs >= spaces else " " * (min(widths) if widths else 4)
    spaced = len(re.findall(r"\w\( [^)\s]", joined))
    tight = len(re.findall(r"\w\([^)\s]", joined))
    wpcs = spaced >= tight if (spaced or tight) else indent == "\t"
    return Style(wpcs, indent, newline)


def restyle(code: str, style: Style) -> str:
    """Re-indent generated WPCS code (tabs, `array()`, spaces inside parentheses) to `style`."""
    if not style.wpcs:
        code = _psr(code)
    if style.indent != "\t":
        code = re.sub(r"^\t+", lambda m: style.indent * len(m.group(0)), code, flags=re.M)
    if style.newline != "\n":
        code = code.replace("\n", style.newline)
    return code


def _psr(code: str) -> str:
    """WPCS -> PSR-12 for the code we generate: short arrays, no spaces inside parentheses or
    after `!`, a function's opening brace on its own line. Only whitespace between tokens and
    `array(` / `)` tokens change."""
    prefix = "" if code.lstrip().startswith("<?php") else "<?php\n"
    code = prefix + code
    tree = ts.parse(code, "php")
    data = code.encode("utf-8")
    edits: list[tuple[int, int, str]] = []
    for node in ts.walk(tree.root_node):
        if node.type == "function_definition":
            params = node.child_by_field_name("parameters")
            body = node.child_by_field_name("body")
            if params is not None and body is not None:
                line_start = data.rfind(b"\n", 0, node.start_byte) + 1
                indent = data[line_start : node.start_byte].decode("utf-8")
                edits.append((params.end_byte, body.start_byte, "\n" + indent))
        if node.type == "array_creation_expression" and node.children[0].type == "array":
            first, last = node.children[0], node.children[-1]
            opening = node.children[1]
            edits.append((first.start_byte, opening.end_byte, "["))
            edits.append((last.start_byte, last.end_byte, "]"))
    leaves = [n for n in ts.walk(tree.root_node) if n.child_count == 0 or n.type == "string"]
    leaves = [n for n in leaves if not _inside_string(n)]
    for prev, nxt in itertools.pairwise(leaves):
        gap = data[prev.end_byte : nxt.start_byte]
        if not gap or gap.strip(b" ") or prev.end_point[0] != nxt.start_point[0]:
            continue
        if prev.type in ("(", "!") or nxt.type == ")":
            edits.append((prev.end_byte, nxt.start_byte, ""))
    return ts.splice(code, _merge(edits))[len(prefix) :]


def _inside_string(node: Node) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.type in ("string", "encapsed_string", "heredoc", "nowdoc"):
            return True
        parent = parent.parent
    return False


def _merge(edits: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    for edit in sorted(set(edits)):
        if out and edit[0] < out[-1][1]:
            continue
        out.append(edit)
    return out


# -- appending code ---------------------------------------------------------------------------


def append_code(text: str, code: str, newline: str = "\n") -> str:
    """Add top-level PHP `code` at the end of a PHP file.

    A file that ends in a closing `?>` (followed by whitespace only) gets the code before it;
    one that ends in HTML gets its own `<?php` section. A braced-namespace file gets the code
    in a global `namespace { }` block.
    """
    tree = ts.parse(text, "php")
    children = tree.root_node.children
    ns = namespace_of(text)
    if ns is not None and ns.braced:
        body = "".join(
            ("\t" + line if line.strip() else line) for line in code.splitlines(keepends=True)
        )
        code = f"namespace {{{newline}{body}}}{newline}"
    last = children[-1] if children else None
    if last is not None and last.type == "text_interpolation":
        end_tag = next((c for c in last.children if c.type == "php_end_tag"), None)
        trailing = ts.text_of(last)[len("?>") :] if end_tag is not None else ""
        if end_tag is not None and not trailing.strip():
            before = text.encode("utf-8")[: end_tag.start_byte].decode("utf-8")
            head = before.rstrip(" \t\r\n")
            return head + newline + newline + code + text[len(before) :]
        return _with_gap(text, newline) + f"<?php{newline}{newline}" + code
    if not children or (len(children) == 1 and children[0].type == "text"):
        return _with_gap(text, newline) + f"<?php{newline}{newline}" + code
    return _with_gap(text, newline) + newline + code


def _with_gap(text: str, newline: str) -> str:
    if text and not text.endswith("\n"):
        return text + newline
    return text
