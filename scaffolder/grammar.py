"""What a free-text answer must look like. Light (only `re`): the stacks' manifests declare
their answers' grammars with it, and `scaffolder.answer_rules` enforces them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_]*"
"""A Python / JavaScript identifier (ASCII), the building block of dotted names."""


@dataclass(frozen=True)
class Grammar:
    """What an answer must look like: the whole (stripped) value matches `pattern`."""

    pattern: str
    """A regular expression that Python and ECMA-262 (JSON Schema's `pattern`) read alike."""
    max_length: int
    says: str
    """The rule in words, for error messages and the MCP schema."""

    def matches(self, value: str) -> bool:
        return len(value) <= self.max_length and re.fullmatch(self.pattern, value) is not None

    def json_schema(self) -> dict[str, Any]:
        return {"pattern": f"^(?:{self.pattern})$", "minLength": 1, "maxLength": self.max_length}
