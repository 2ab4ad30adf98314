"""Syntax checks run on every planned file before anything is written.

Each language's check is registered with it in `languages` (a validator takes the new text and
returns None when it parses, or a one-line reason); a file whose language has none (plain text,
HTML) is not checked. `validator` registers the check of a language a stack brings.
"""

from __future__ import annotations

from collections.abc import Callable

from scaffolder import languages
from scaffolder.errors import BadInput
from scaffolder.languages import Language, Validator
from scaffolder.plan import FileEdit


def validator(language: str) -> Callable[[Validator], Validator]:
    """Register `language` (a stack's template language) with the decorated syntax check."""

    def register(fn: Validator) -> Validator:
        languages.register(Language(language, validator=fn))
        return fn

    return register


def check(edit: FileEdit) -> None:
    """Raise BadInput when the edit's new text does not parse while its old text did."""
    known = languages.get(edit.language)
    fn = known.validator if known is not None else None
    if fn is None:
        return
    problem = fn(edit.after)
    if problem is None:
        return
    if edit.before is not None and fn(edit.before) is not None:
        return  # it did not parse before either (e.g. a template using unknown extensions)
    raise BadInput(f"{edit.path}: the planned edit does not parse ({problem}); nothing written")
