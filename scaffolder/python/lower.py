"""Python syntax newer than the running interpreter, lowered to what its `ast` reads.

Detection walks `ast` trees, and `ast` reads only the grammar of the interpreter running the tool.
LibCST's native parser reads every grammar up to 3.14, so a module `ast` refuses is lowered with
it: `except A, B:` -> `except(A, B):`, `type X[T] = Y` -> `X = Y`, PEP 695 type-parameter lists
blanked, and f-strings / t-strings the running `ast` cannot read replaced by a string literal of
spaces. Every line stays where it was (line numbers are evidence), and so does every column
(in UTF-8 bytes, as `ast` counts them), except the alias name of `type X = Y` and what follows
`except A, B` on its line (one column further). The lowered text is only ever parsed, never
written or spliced: edits work on the real text.
"""

from __future__ import annotations

import ast
import re

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # the tokenizer's line breaks, as LibCST counts lines
Splice = tuple[int, int, str]
"""(start, end, replacement), character offsets into the real text"""


def lower(module: cst.Module) -> str:
    """The module's code with the syntax the running `ast` cannot read lowered."""
    code = module.code
    finder = _Finder(code)
    MetadataWrapper(module, unsafe_skip_copy=True).visit(finder)
    for start, end, replacement in sorted(finder.splices, reverse=True):
        code = code[:start] + replacement + code[end:]
    return code


def blank(text: str) -> str:
    """Spaces as wide as `text` (UTF-8 bytes, line by line), its line breaks as continuations."""
    return "\\\n".join(" " * _width(line) for line in _LINE_BREAK.split(text))


def string_of_spaces(text: str) -> str:
    """A plain string literal as wide as the string literal `text`, on as many lines."""
    lines = _LINE_BREAK.split(text)
    if len(lines) == 1:
        return '"' + " " * (_width(text) - 2) + '"'
    first = '"' + " " * (_width(lines[0]) - 2) + "\\"
    middle = [" " * max(_width(line) - 1, 0) + "\\" for line in lines[1:-1]]
    last = " " * (_width(lines[-1]) - 1) + '"'
    return "\n".join([first, *middle, last])


def _width(text: str) -> int:
    return len(text.encode())


def _reads(literal: str) -> bool:
    """Whether the running `ast` reads this string literal."""
    try:
        ast.parse(f"(\n{literal}\n)", mode="eval")
    except (SyntaxError, ValueError):
        return False
    return True


class _Finder(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code
        self.line_starts = [0, *(m.end() for m in _LINE_BREAK.finditer(code))]
        self.splices: list[Splice] = []

    def _span(self, node: cst.CSTNode) -> tuple[int, int]:
        where = self.get_metadata(PositionProvider, node)
        assert isinstance(where, CodeRange)
        start = self.line_starts[where.start.line - 1] + where.start.column
        end = self.line_starts[where.end.line - 1] + where.end.column
        return start, end

    def _blank(self, node: cst.CSTNode) -> None:
        start, end = self._span(node)
        self.splices.append((start, end, blank(self.code[start:end])))

    def _parenthesize(self, handler: cst.ExceptHandler | cst.ExceptStarHandler) -> None:
        types = handler.type
        if not isinstance(types, cst.Tuple) or types.lpar:
            return
        start, end = self._span(types)
        gap = (
            handler.whitespace_after_star
            if isinstance(handler, cst.ExceptStarHandler)
            else handler.whitespace_after_except
        )
        # `except A, B:` -> `except(A, B):`: the paren takes the space, the names stay put
        eat = 1 if isinstance(gap, cst.SimpleWhitespace) and gap.value[-1:] == " " else 0
        self.splices.append((start - eat, end, f"({self.code[start:end]})"))

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self._parenthesize(node)

    def visit_ExceptStarHandler(self, node: cst.ExceptStarHandler) -> None:
        self._parenthesize(node)

    def visit_TypeAlias(self, node: cst.TypeAlias) -> None:
        # `type X = Y` -> `X      = Y`: the name where the statement starts, the rest in place
        start, _ = self._span(node)
        _, end = self._span(node.name)
        name = node.name.value
        first, newline, rest = blank(self.code[start:end]).partition("\\\n")
        self.splices.append((start, end, name + first[_width(name) :] + newline + rest))

    def visit_TypeParameters(self, node: cst.TypeParameters) -> bool:
        self._blank(node)
        return False

    def visit_FormattedString(self, node: cst.FormattedString) -> bool:
        self._replace_literal(node)
        return False

    def visit_TemplatedString(self, node: cst.TemplatedString) -> bool:
        self._replace_literal(node, always=True)
        return False

    def _replace_literal(self, node: cst.CSTNode, *, always: bool = False) -> None:
        start, end = self._span(node)
        literal = self.code[start:end]
        if always or not _reads(literal):
            self.splices.append((start, end, string_of_spaces(literal)))
