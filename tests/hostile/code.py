"""Checks on generated and patched code: it parses, it names nothing the benign run did not
(an answer that broke out of its string or comment adds identifiers), and the places that
hold an answer hold one string literal."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Iterable

from tree_sitter import Node

from scaffolder import treesitter

CODE_SUFFIXES = (".py", ".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx", ".php")
_JS_IDENTIFIERS = frozenset(
    {
        "identifier",
        "property_identifier",
        "shorthand_property_identifier",
        "shorthand_property_identifier_pattern",
        "type_identifier",
        "private_property_identifier",
        "statement_identifier",
    }
)


def is_code(path: str) -> bool:
    return path.endswith(CODE_SUFFIXES)


def language(path: str) -> str:
    return "python" if path.endswith(".py") else treesitter.language_for(path) or "text"


def syntax_problem(path: str, text: str) -> str | None:
    """None when the file parses (Python with ast, the rest with tree-sitter: no error node)."""
    if path.endswith(".py"):
        try:
            ast.parse(text)
        except SyntaxError as exc:
            return f"line {exc.lineno}: {exc.msg}"
        return None
    return treesitter.syntax_error(text, language(path))


def identifiers(path: str, text: str, skip: Iterable[tuple[int, int]] = ()) -> set[str]:
    """The names the code uses (Python names, JS identifiers and properties, PHP names); for
    JS/TS/PHP, outside the byte ranges `skip`."""
    if path.endswith(".py"):
        tokens = tokenize.generate_tokens(io.StringIO(text).readline)
        return {tok.string for tok in tokens if tok.type == tokenize.NAME}
    ranges = list(skip)
    lang = language(path)
    kinds = frozenset({"name"}) if lang == "php" else _JS_IDENTIFIERS
    tree = treesitter.parse(text, lang)
    return {
        treesitter.text_of(n)
        for n in treesitter.walk(tree.root_node)
        if n.type in kinds and not any(s <= n.start_byte < e for s, e in ranges)
    }


# -- JavaScript ---------------------------------------------------------------------------------

_JS_ESCAPE = re.compile(
    r"\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|\r\n|[0-7]{1,3}|[\s\S])"
)
_SIMPLE = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", "v": "\v"}


def js_string_value(node: Node) -> str:
    """The value of a JS string literal (or a template literal without substitutions)."""
    assert node.type in ("string", "template_string"), f"not a string literal: {node.type}"
    if node.type == "template_string":
        assert not any(c.type == "template_substitution" for c in node.children), node.text
    raw = treesitter.text_of(node)[1:-1]

    def unescape(m: re.Match[str]) -> str:
        seq = m.group(1)
        if seq[0] == "u":
            return chr(int(seq[2:-1] if seq[1] == "{" else seq[1:], 16))
        if seq[0] == "x":
            return chr(int(seq[1:], 16))
        if seq[0] in "01234567":
            return chr(int(seq, 8))
        if seq in ("\n", "\r\n", "\u2028", "\u2029"):
            return ""  # a line continuation
        return _SIMPLE.get(seq, seq)

    return _JS_ESCAPE.sub(unescape, raw)


def declarator(text: str, lang: str, name: str) -> Node:
    """The value of the one `const <name> = ...` in a JS/TS file."""
    tree = treesitter.parse(text, lang)
    found = [
        n
        for n in treesitter.walk(tree.root_node)
        if n.type == "variable_declarator"
        and treesitter.text_of(n.child_by_field_name("name") or n) == name
    ]
    assert len(found) == 1, f"{len(found)} declarations of {name}"
    value = found[0].child_by_field_name("value")
    assert value is not None, f"{name} has no value"
    return value


def endpoint_url(text: str, lang: str, baseline: str) -> str:
    """`const ENDPOINT = "<url>"` (or `(<API origin>) + "<url>"`, as in the benign run): the
    URL, checked to be one string literal."""
    value = declarator(text, lang, "ENDPOINT")
    expected = declarator(baseline, lang, "ENDPOINT")
    if value.type == "binary_expression":
        left, right = value.child_by_field_name("left"), value.child_by_field_name("right")
        benign_left = expected.child_by_field_name("left")
        assert left is not None and right is not None and benign_left is not None
        assert expected.type == "binary_expression", treesitter.text_of(value)
        assert treesitter.text_of(left) == treesitter.text_of(benign_left), treesitter.text_of(left)
        value = right
    else:
        assert expected.type in ("string", "template_string"), treesitter.text_of(value)
    return js_string_value(value)


def js_shape(node: Node) -> list[tuple[str, str]]:
    """What a JS expression means, spelling aside: its named nodes in order, with the names it
    reads and the values of its strings (however they are quoted or escaped)."""
    out: list[tuple[str, str]] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type in ("string", "template_string"):
            out.append(("string", js_string_value(current)))
            continue
        leaf = "" if current.named_children else treesitter.text_of(current)
        out.append((current.type, leaf))
        stack.extend(reversed(current.named_children))
    return out


def js_expression(text: str) -> Node:
    """The program `(text);`: one expression statement when `text` is one expression."""
    return treesitter.parse(f"({text});", "javascript").root_node
