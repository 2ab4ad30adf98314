"""Whether Python source is valid, and its `ast` tree, whatever interpreter runs the tool.

LibCST's native parser decides validity (it reads every grammar up to 3.14); the running
interpreter's `ast` only gives the tree, of lowered text (`lower.py`) when the source uses syntax
newer than it reads.
"""

from __future__ import annotations

import ast
import re
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import libcst as cst

_LIBCST_MESSAGE = re.compile(r"(?:parser|tokenizer) error: (?:error at (?P<line>\d+):\d+: )?")


class Unparseable(Exception):
    """No `ast` tree: `valid` tells whether LibCST reads the source (then it is not an error in
    the user's code, only syntax the running interpreter cannot analyse)."""

    def __init__(self, message: str, line: int | None, *, valid: bool) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.valid = valid


def parse(text: str, filename: str = "<unknown>") -> ast.Module:
    """The module's `ast` tree, with line numbers (and columns, see `lower.py`) of `text`."""
    try:
        return ast.parse(text, filename=filename)
    except (SyntaxError, ValueError) as exc:
        refused = exc
    # LibCST (and so its ~150 ms import) only for the rare module `ast` refuses.
    import libcst as cst

    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError:
        # CPython words syntax errors better than LibCST; both refuse, so either is right
        raise Unparseable(
            f"Python syntax error: {getattr(refused, 'msg', refused)}",
            getattr(refused, "lineno", None),
            valid=False,
        ) from None
    try:
        return ast.parse(lower(module), filename=filename)
    except (SyntaxError, ValueError) as exc:
        version = f"{sys.version_info.major}.{sys.version_info.minor}"
        raise Unparseable(
            f"Python syntax that Python {version} cannot analyse "
            f"({getattr(exc, 'msg', exc)}); skipped",
            getattr(exc, "lineno", None),
            valid=True,
        ) from None


def lower(module: cst.Module) -> str:
    """`lower.lower`, imported on first use (it needs LibCST)."""
    from scaffolder.python import lower as lowering

    return lowering.lower(module)


def expression(text: str) -> ast.expr | None:
    """The tree of an expression held in a string (a string annotation); None if it is not one."""
    try:
        tree = parse(f"(\n{text}\n)")
    except Unparseable:
        return None
    if len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr):
        return tree.body[0].value
    return None


def problem(text: str) -> str | None:
    """None when LibCST's native parser reads `text`, else where and why it does not."""
    import libcst as cst

    try:
        cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        found = _LIBCST_MESSAGE.match(exc.message)
        line = int(found["line"]) if found and found["line"] else exc.raw_line
        return f"line {line}: {exc.message[found.end() if found else 0 :]}"
    return None
