"""composer.json: add a package to `require`, keeping the file's own formatting.

The manifest is scanned token by token (strings, braces) so the new line lands inside the
top-level `require` object with the indentation of its siblings; `sort-packages` is honoured
the way Composer sorts (platform packages first, then by name).
"""

from __future__ import annotations

import json
import re

JWT_PACKAGE = "firebase/php-jwt"


def jwt_constraint(data: dict[str, object]) -> str:
    """php-jwt 7 needs PHP 8; a project that still allows PHP 7 gets the 6.x line."""
    require = data.get("require")
    php = require.get("php") if isinstance(require, dict) else None
    if isinstance(php, str) and re.search(r"(^|[^\d.])[57]\.", php):
        return "^6.11"
    return "^7.0"


def _strings(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of every JSON string literal, quotes included."""
    spans = []
    i = 0
    while i < len(text):
        if text[i] == '"':
            j = i + 1
            while j < len(text) and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            spans.append((i, j + 1))
            i = j + 1
        else:
            i += 1
    return spans


def _platform(name: str) -> bool:
    return name in ("php", "hhvm") or name.startswith(("ext-", "lib-", "composer-"))


def _sort_key(name: str) -> tuple[int, str]:
    return (0 if _platform(name) else 1, name.lower())


def add_require(text: str, package: str, constraint: str) -> str:
    """`text` with `"package": "constraint"` in its top-level `require` (added if missing)."""
    data = json.loads(text)
    newline = "\r\n" if "\r\n" in text else "\n"
    strings = _strings(text)
    depth = 0
    key_at = None
    pos = 0
    spans = iter(strings)
    span = next(spans, None)
    while pos < len(text):
        if span is not None and pos == span[0]:
            if depth == 1 and text[span[0] : span[1]] == '"require"':
                key_at = span
                break
            pos = span[1]
            span = next(spans, None)
            continue
        if text[pos] in "{[":
            depth += 1
        elif text[pos] in "}]":
            depth -= 1
        pos += 1
    entry = f'"{package}": "{constraint}"'
    if key_at is None:
        return _new_require(text, entry, newline)
    open_brace = text.index("{", key_at[1])
    close_brace = _matching(text, open_brace, strings)
    members = _members(text, open_brace, close_brace, strings)
    sort = bool((data.get("config") or {}).get("sort-packages"))
    if not members:
        indent = _indent_of(text, key_at[0])
        unit = _unit(text)
        return (
            text[: open_brace + 1]
            + newline
            + indent
            + unit
            + entry
            + newline
            + indent
            + text[close_brace:]
        )
    indent = _indent_of(text, members[0][0])
    after = None
    if sort:
        for start, _end, name in members:
            if _sort_key(name) > _sort_key(package):
                after = start
                break
    if after is not None:
        line_start = text.rfind("\n", 0, after) + 1
        if text[line_start:after].strip() == "":
            return text[:line_start] + indent + entry + "," + newline + text[line_start:]
        return text[:after] + entry + ", " + text[after:]
    last_end = members[-1][1]
    return text[:last_end] + "," + newline + indent + entry + text[last_end:]


def _matching(text: str, open_at: int, strings: list[tuple[int, int]]) -> int:
    depth = 0
    pos = open_at
    inside = dict(strings)
    while pos < len(text):
        if pos in inside:
            pos = inside[pos]
            continue
        if text[pos] in "{[":
            depth += 1
        elif text[pos] in "}]":
            depth -= 1
            if depth == 0:
                return pos
        pos += 1
    raise ValueError("unbalanced braces")


def _members(
    text: str, open_at: int, close_at: int, strings: list[tuple[int, int]]
) -> list[tuple[int, int, str]]:
    """(start of key, end of value, name) of each member of a flat string-valued object."""
    inside = [s for s in strings if open_at < s[0] < close_at]
    members = []
    for key, value in zip(inside[::2], inside[1::2], strict=False):
        members.append((key[0], value[1], json.loads(text[key[0] : key[1]])))
    return members


def _indent_of(text: str, offset: int) -> str:
    line_start = text.rfind("\n", 0, offset) + 1
    m = re.match(r"[ \t]*", text[line_start:])
    return m.group(0) if m else ""


def _unit(text: str) -> str:
    m = re.search(r"\n([ \t]+)\"", text)
    return m.group(1) if m else "    "


def _new_require(text: str, entry: str, newline: str) -> str:
    open_brace = text.index("{")
    unit = _unit(text)
    block = f'{newline}{unit}"require": {{{newline}{unit}{unit}{entry}{newline}{unit}}}'
    rest = text[open_brace + 1 :]
    separator = "," if rest.strip() != "}" else ""
    return text[: open_brace + 1] + block + separator + rest
