"""Syntax checks run on every planned file before anything is written.

A validator takes the new text and returns None when it parses, or a one-line reason. Stacks
register validators for their languages (tree-sitter ones for JS/TS/PHP live with that engine).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from scaffolder.errors import BadInput
from scaffolder.plan import FileEdit

Validator = Callable[[str], str | None]
_VALIDATORS: dict[str, Validator] = {}


def validator(language: str) -> Callable[[Validator], Validator]:
    def register(fn: Validator) -> Validator:
        _VALIDATORS[language] = fn
        return fn

    return register


def check(edit: FileEdit) -> None:
    """Raise BadInput when the edit's new text does not parse while its old text did."""
    fn = _VALIDATORS.get(edit.language)
    if fn is None:
        return
    problem = fn(edit.after)
    if problem is None:
        return
    if edit.before is not None and fn(edit.before) is not None:
        return  # it did not parse before either (e.g. a template using unknown extensions)
    raise BadInput(f"{edit.path}: the planned edit does not parse ({problem}); nothing written")


@validator("python")
def _python(text: str) -> str | None:
    # LibCST's native parser: valid 3.14 code passes whatever interpreter runs the tool
    from scaffolder.python import syntax

    return syntax.problem(text)


@validator("jinja")
def _jinja(text: str) -> str | None:
    import jinja2

    try:
        jinja2.Environment(extensions=["jinja2.ext.i18n", "jinja2.ext.do"]).parse(text)
    except jinja2.TemplateSyntaxError as exc:
        return f"line {exc.lineno}: {exc.message}"
    return None


@validator("json")
def _json(text: str) -> str | None:
    try:
        json.loads(text)
    except ValueError as exc:
        return str(exc)
    return None


@validator("toml")
def _toml(text: str) -> str | None:
    import tomlkit
    from tomlkit.exceptions import ParseError

    try:
        tomlkit.parse(text)
    except ParseError as exc:
        return str(exc)
    return None


def _tree_sitter(language: str) -> Validator:
    def check_syntax(text: str) -> str | None:
        from scaffolder import treesitter

        return treesitter.syntax_error(text, language)

    return check_syntax


for _language in ("javascript", "typescript", "tsx", "php"):
    validator(_language)(_tree_sitter(_language))
