"""Anchors in JS / TS / JSX source, located on the tree-sitter syntax tree: calls, exported and
default-exported functions, JSX elements and their attributes; and checked byte-range splices.

Offsets are UTF-8 byte offsets (tree-sitter's); `Source.line` turns one into a 1-based line.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property

from tree_sitter import Node, Tree

from scaffolder.errors import BadInput
from scaffolder.treesitter import language_for, parse, splice, syntax_error, walk

FUNCTION_TYPES = frozenset(
    {"function_declaration", "function_expression", "arrow_function", "function"}
)
JSX_ELEMENTS = frozenset({"jsx_element", "jsx_self_closing_element"})


def language_of(path: str) -> str:
    """The tree-sitter language for a JS / TS file (JSX parses as JavaScript)."""
    language = language_for(path)
    if language is None or language == "php":
        raise ValueError(f"{path}: not a JavaScript / TypeScript file")
    return language


@dataclass
class Source:
    """One file's text and syntax tree."""

    text: str
    language: str
    path: str = ""

    @classmethod
    def of(cls, path: str, text: str) -> Source:
        return cls(text, language_of(path), path)

    @cached_property
    def data(self) -> bytes:
        return self.text.encode("utf-8")

    @cached_property
    def tree(self) -> Tree:
        return parse(self.text, self.language)

    @property
    def root(self) -> Node:
        return self.tree.root_node

    @property
    def has_error(self) -> bool:
        return self.root.has_error

    def text_of(self, node: Node | None) -> str:
        if node is None:
            return ""
        return self.data[node.start_byte : node.end_byte].decode("utf-8")

    def line(self, offset_or_node: int | Node) -> int:
        offset = offset_or_node if isinstance(offset_or_node, int) else offset_or_node.start_byte
        return self.data.count(b"\n", 0, offset) + 1

    def line_start(self, offset: int) -> int:
        return self.data.rfind(b"\n", 0, offset) + 1

    def indent_at(self, offset: int) -> str:
        """The leading whitespace of the line holding byte `offset`."""
        start = self.line_start(offset)
        end = start
        while end < len(self.data) and self.data[end : end + 1] in (b" ", b"\t"):
            end += 1
        return self.data[start:end].decode("utf-8")

    def only_whitespace_before(self, offset: int) -> bool:
        """Whether `offset` is the first non-blank character of its line."""
        return not self.data[self.line_start(offset) : offset].strip()


# -- calls ------------------------------------------------------------------------------------


def callee_name(source: Source, call: Node) -> str:
    """`foo`, `auth0.getSession`, `supabase.auth.getUser` for a call_expression (generic type
    arguments and optional chaining dropped)."""
    fn = call.child_by_field_name("function")
    return source.text_of(fn).replace("?.", ".").replace(" ", "") if fn is not None else ""


def find_calls(source: Source, *names: str, within: Node | None = None) -> list[Node]:
    """call_expressions whose callee is one of `names` (`getUser` also matches `x.getUser`
    when a name starts with a dot: `.getUser`)."""
    found = []
    for node in walk(within or source.root):
        if node.type != "call_expression":
            continue
        callee = callee_name(source, node)
        for name in names:
            if callee == name or (name.startswith(".") and callee.endswith(name)):
                found.append(node)
                break
    return found


def call_arguments(call: Node) -> list[Node]:
    args = call.child_by_field_name("arguments")
    return [c for c in args.named_children if c.type != "comment"] if args is not None else []


def string_value(source: Source, node: Node | None) -> str | None:
    """The value of a plain string literal (or a template string without substitutions)."""
    if node is None:
        return None
    if node.type == "string":
        return source.text_of(node)[1:-1]
    if node.type == "template_string" and not any(
        c.type == "template_substitution" for c in node.children
    ):
        return source.text_of(node)[1:-1]
    return None


# -- functions and exports --------------------------------------------------------------------


@dataclass
class Function:
    """A function found by name or export: its node (declaration, arrow, expression)."""

    name: str | None
    node: Node
    is_async: bool

    @property
    def body(self) -> Node | None:
        return self.node.child_by_field_name("body")


def _function(node: Node, name: str | None) -> Function:
    is_async = any(c.type == "async" for c in node.children)
    return Function(name, node, is_async)


def top_level(source: Source) -> list[Node]:
    return [c for c in source.root.named_children if c.type != "comment"]


def declarations(source: Source) -> dict[str, Node]:
    """Top-level bindings: name -> the node that gives it its value (a function, the
    initializer of a `const`, a class), including exported ones."""
    out: dict[str, Node] = {}
    for stmt in top_level(source):
        target = stmt
        if stmt.type == "export_statement":
            inner = stmt.child_by_field_name("declaration")
            if inner is None:
                continue
            target = inner
        for name, node in _bindings(source, target):
            out.setdefault(name, node)
    return out


def _bindings(source: Source, node: Node) -> Iterator[tuple[str, Node]]:
    if node.type in (
        "function_declaration",
        "generator_function_declaration",
        "class_declaration",
        "abstract_class_declaration",
    ):
        name = node.child_by_field_name("name")
        if name is not None:
            yield source.text_of(name), node
    elif node.type in ("lexical_declaration", "variable_declaration"):
        for decl in node.named_children:
            if decl.type != "variable_declarator":
                continue
            name = decl.child_by_field_name("name")
            value = decl.child_by_field_name("value")
            if name is None or value is None:
                continue
            if name.type == "identifier":
                yield source.text_of(name), value
            elif name.type == "object_pattern":
                # export const { handlers, auth } = NextAuth(...): each name comes from the call
                for prop in name.named_children:
                    if prop.type == "shorthand_property_identifier_pattern":
                        yield source.text_of(prop), value
                    elif prop.type == "pair_pattern":
                        local = prop.child_by_field_name("value")
                        if local is not None and local.type == "identifier":
                            yield source.text_of(local), value


def exports(source: Source) -> dict[str, Node]:
    """Exported names (ESM `export ...` and CommonJS `module.exports` / `exports.x`) -> the node
    giving the value (resolved through local declarations)."""
    local = declarations(source)
    out: dict[str, Node] = {}
    for stmt in top_level(source):
        if stmt.type == "export_statement":
            decl = stmt.child_by_field_name("declaration")
            if decl is not None:
                for name, node in _bindings(source, decl):
                    out[name] = node
                continue
            clause = next((c for c in stmt.named_children if c.type == "export_clause"), None)
            if clause is None or stmt.child_by_field_name("source") is not None:
                continue
            for spec in clause.named_children:
                if spec.type != "export_specifier":
                    continue
                name_node = spec.child_by_field_name("name")
                alias = spec.child_by_field_name("alias")
                name = source.text_of(name_node)
                exported = source.text_of(alias) if alias is not None else name
                if name in local:
                    out[exported] = local[name]
        elif stmt.type == "expression_statement":
            expr = stmt.named_children[0] if stmt.named_children else None
            if expr is None or expr.type != "assignment_expression":
                continue
            left = source.text_of(expr.child_by_field_name("left"))
            right = expr.child_by_field_name("right")
            if right is None:
                continue
            if left.startswith(("exports.", "module.exports.")):
                out[left.rsplit(".", 1)[1]] = _resolve(source, right, local)
            elif left == "module.exports" and right.type == "object":
                for prop in right.named_children:
                    if prop.type == "shorthand_property_identifier":
                        name = source.text_of(prop)
                        if name in local:
                            out[name] = local[name]
                    elif prop.type == "pair":
                        key = source.text_of(prop.child_by_field_name("key"))
                        value = prop.child_by_field_name("value")
                        if value is not None:
                            out[key] = _resolve(source, value, local)
    return out


def _resolve(source: Source, node: Node, local: dict[str, Node]) -> Node:
    if node.type == "identifier":
        return local.get(source.text_of(node), node)
    return node


def default_export(source: Source) -> Function | None:
    """The default-exported function (`export default function X`, `export default X` naming a
    function or arrow, `export default async (...) => ...`), or None."""
    local = declarations(source)
    for stmt in top_level(source):
        if stmt.type != "export_statement" or not any(c.type == "default" for c in stmt.children):
            continue
        decl = stmt.child_by_field_name("declaration")
        value = decl if decl is not None else stmt.child_by_field_name("value")
        if value is None:
            continue
        name_node = value.child_by_field_name("name") if value.type in FUNCTION_TYPES else None
        name = source.text_of(name_node) if name_node is not None else None
        if value.type == "identifier":
            name = source.text_of(value)
            value = local.get(name, value)
        if value.type in FUNCTION_TYPES:
            return _function(value, name)
        if value.type == "call_expression":  # export default memo(Layout)
            for arg in call_arguments(value):
                target = local.get(source.text_of(arg), arg)
                if target.type in FUNCTION_TYPES:
                    return _function(target, source.text_of(arg))
    return None


def function_named(source: Source, name: str) -> Function | None:
    node = declarations(source).get(name)
    if node is not None and node.type in FUNCTION_TYPES:
        return _function(node, name)
    return None


# -- JSX --------------------------------------------------------------------------------------


@dataclass
class Attribute:
    name: str
    node: Node
    value: str | None
    """The literal value (`"en"` -> en); None for expressions and bare attributes."""
    expression: str | None = None
    """The source of `{...}` values."""


@dataclass
class Element:
    """A JSX element: `<Name ...>...</Name>` or `<Name ... />`."""

    name: str
    node: Node
    opening: Node
    closing: Node | None
    attributes: dict[str, Attribute] = field(default_factory=dict)

    @property
    def self_closing(self) -> bool:
        return self.closing is None

    def children(self) -> list[Node]:
        if self.closing is None:
            return []
        return [
            c
            for c in self.node.named_children
            if c.type not in ("jsx_opening_element", "jsx_closing_element")
        ]


def jsx_elements(source: Source, within: Node | None = None, *names: str) -> list[Element]:
    """JSX elements under `within` (the whole file by default), in source order, optionally
    only those whose tag is one of `names` (`Script`, `html`, `Foo.Provider`)."""
    out = []
    for node in walk(within or source.root):
        if node.type not in JSX_ELEMENTS:
            continue
        element = element_of(source, node)
        if not names or element.name in names:
            out.append(element)
    return out


def element_of(source: Source, node: Node) -> Element:
    opening = node if node.type == "jsx_self_closing_element" else node.named_children[0]
    closing = None
    if node.type == "jsx_element":
        last = node.named_children[-1]
        closing = last if last.type == "jsx_closing_element" else None
    name_node = opening.child_by_field_name("name")
    attributes: dict[str, Attribute] = {}
    for attr in opening.named_children:
        if attr.type != "jsx_attribute":
            continue
        parts = attr.named_children
        if not parts:
            continue
        key = source.text_of(parts[0])
        value_node = parts[1] if len(parts) > 1 else None
        literal = string_value(source, value_node)
        expression = None
        if value_node is not None and value_node.type == "jsx_expression":
            inner = value_node.named_children
            expression = source.text_of(inner[0]) if inner else ""
            literal = string_value(source, inner[0]) if inner else None
        attributes[key] = Attribute(key, attr, literal, expression)
    return Element(source.text_of(name_node), node, opening, closing, attributes)


def enclosing(node: Node, *types: str) -> Node | None:
    current = node.parent
    while current is not None:
        if current.type in types:
            return current
        current = current.parent
    return None


def contains(outer: Node, inner: Node) -> bool:
    return outer.start_byte <= inner.start_byte and inner.end_byte <= outer.end_byte


def returned_jsx(source: Source, fn: Function) -> list[Element]:
    """The outermost JSX elements a component returns (every return, or an arrow's body)."""
    body = fn.body
    if body is None:
        return []
    roots = []
    for node in walk(body):
        if node.type in JSX_ELEMENTS and enclosing(node, *JSX_ELEMENTS) is None:
            owner = enclosing(node, *FUNCTION_TYPES)
            if owner is None or owner.id == fn.node.id:
                roots.append(element_of(source, node))
    return roots


# -- edits ------------------------------------------------------------------------------------


def child_indent(source: Source, element: Element, indent_unit: str) -> str:
    """The indentation of `element`'s children (one step deeper than the element when it has
    none on lines of their own)."""
    indent = source.indent_at(element.opening.start_byte) + indent_unit
    for child in element.children():
        if source.text_of(child).strip() and source.only_whitespace_before(child.start_byte):
            indent = source.indent_at(child.start_byte)
    return indent


def insert_child(
    source: Source, element: Element, snippet: str, indent_unit: str
) -> tuple[int, int, str]:
    """The splice that adds `snippet` (JSX; its lines after the first indented relative to the
    first) as the last child of `element`.

    When the closing tag sits on its own line the snippet gets lines of its own, indented like
    the element's children; otherwise it goes inline just before the closing tag.
    """
    if element.closing is None:
        raise ValueError(f"<{element.name} /> has no children to add to")
    close = element.closing.start_byte
    nl = "\r\n" if "\r\n" in source.text else "\n"
    if not source.only_whitespace_before(close):
        return close, close, " ".join(line.strip() for line in snippet.split("\n"))
    indent = child_indent(source, element, indent_unit)
    lines = [indent + line for line in snippet.split("\n")]
    at = source.line_start(close)
    return at, at, nl.join(lines) + nl


def checked_splice(text: str, edits: list[tuple[int, int, str]], language: str, path: str) -> str:
    """Splice byte ranges, then re-parse: BadInput (nothing is written) if the result has a
    syntax error the original did not have."""
    new = splice(text, edits)
    problem = syntax_error(new, language)
    if problem is not None and syntax_error(text, language) is None:
        raise BadInput(
            f"{path}: the planned edit does not parse ({problem}); nothing written", file=path
        )
    return new
