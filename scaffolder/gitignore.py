"""git's ignore patterns (gitignore(5)): the rules of one ignore file, and its verdict on a path.

A verdict is about the path itself: git never looks inside an ignored directory, so the caller
walks down from the file's folder and stops at the first ignored directory (`Project` does), and
a pattern re-including a file below an ignored directory has no effect, as in git. Patterns
match case-sensitively (git's default outside macOS and Windows).
"""

from __future__ import annotations

import re
from collections.abc import Callable

Matcher = Callable[[str], object]
"""Whether a pattern matches a path (truthy: it does)."""
_WILDCARDS = "*?[\\"
# POSIX classes git's wildmatch knows inside brackets (`[[:digit:]]`), ASCII as git reads them.
_CLASSES = {
    "alnum": "a-zA-Z0-9",
    "alpha": "a-zA-Z",
    "blank": " \\t",
    "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9",
    "graph": "!-~",
    "lower": "a-z",
    "print": " -~",
    "punct": "!-/:-@\\[-`{-~",
    "space": " \\t\\n\\r\\f\\v",
    "upper": "A-Z",
    "xdigit": "0-9A-Fa-f",
}


class Invalid(ValueError):
    """A pattern git's wildmatch refuses (an unclosed `[`, a trailing `\\`): it matches nothing."""


class IgnoreRules:
    """The patterns of one ignore file, for paths relative to the file's folder."""

    def __init__(self, text: str) -> None:
        lines = text.removeprefix("\ufeff").splitlines()
        parsed = [pattern for pattern in map(_parse, lines) if pattern is not None]
        parsed.reverse()  # the last pattern that matches decides: the last is tried first
        self._for_dirs = [(matches, negated) for matches, negated, _ in parsed]
        self._for_files = [(m, negated) for m, negated, dir_only in parsed if not dir_only]

    def verdict(self, path: str, *, is_dir: bool) -> bool | None:
        """True when the path is ignored, False when a `!pattern` re-includes it, None when no
        pattern matches. `path` is relative to the file's folder, POSIX, without a trailing /."""
        for matches, negated in self._for_dirs if is_dir else self._for_files:
            if matches(path):
                return not negated
        return None


def _parse(line: str) -> tuple[Matcher, bool, bool] | None:
    """(matcher, negated, directories only) of a pattern line; None for blanks and comments."""
    if not line or line.startswith("#"):
        return None
    line = _trim_trailing_spaces(line)
    negated = line.startswith("!")
    pattern = line[1:] if negated else line
    dir_only = pattern.endswith("/")
    pattern = pattern[:-1] if dir_only else pattern
    if not pattern:
        return None
    # a slash at the start or in the middle anchors the pattern to the file's folder
    anchored = "/" in pattern
    try:
        return _matcher(pattern.removeprefix("/"), anchored), negated, dir_only
    except Invalid:
        return None


def _matcher(pattern: str, anchored: bool) -> Matcher:
    """Names and `*.suffix` patterns (most lines of real ignore files) compare strings; the
    others become a regular expression."""
    if _plain(pattern):
        if anchored:
            return pattern.__eq__
        tail = "/" + pattern
        return lambda path: path == pattern or path.endswith(tail)
    suffix = pattern.lstrip("*")
    if not anchored and suffix != pattern and _plain(suffix):
        return lambda path: path.endswith(suffix)  # `*` never spans a `/`: the basename's end
    body = _translate(pattern)
    return re.compile(body if anchored else "(?:.*/)?" + body).fullmatch


def _plain(text: str) -> bool:
    return not any(char in _WILDCARDS for char in text)


def _trim_trailing_spaces(line: str) -> str:
    """The line without its trailing spaces, except those escaped with a backslash."""
    i = 0
    last_space: int | None = None
    while i < len(line):
        if line[i] == " ":
            last_space = i if last_space is None else last_space
        elif line[i] == "\\":
            i += 1
            last_space = None
        else:
            last_space = None
        i += 1
    return line if last_space is None else line[:last_space]


def _translate(pattern: str) -> str:
    """A regular expression for a whole path: asterisks span directories only as a whole
    segment (`**/x`, `x/**`, `a/**/b`); elsewhere `*`, `?` and brackets never match `/`."""
    parts = pattern.split("/")
    out: list[str] = []
    after_segment = False  # a "/" separates the next segment from the one before
    for i, part in enumerate(parts):
        if len(part) > 1 and not part.strip("*"):
            if i == len(parts) - 1:
                out.append("/.*" if after_segment else ".*")
            else:
                out.append("/(?:.*/)?" if after_segment else "(?:.*/)?")
                after_segment = False
            continue
        if after_segment:
            out.append("/")
        out.append(_segment(part))
        after_segment = True
    return "".join(out)


def _segment(part: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(part):
        char = part[i]
        if char == "\\":
            if i + 1 == len(part):
                raise Invalid(part)
            out.append(re.escape(part[i + 1]))
            i += 2
        elif char == "*":
            while i < len(part) and part[i] == "*":
                i += 1
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
            i += 1
        elif char == "[":
            regex, i = _bracket(part, i + 1)
            out.append(regex)
        else:
            out.append(re.escape(char))
            i += 1
    return "".join(out)


def _bracket(part: str, i: int) -> tuple[str, int]:
    """The class of a bracket expression whose body starts at `i`, and the index after it."""
    negated = i < len(part) and part[i] in "!^"
    i += negated
    items: list[str] = []
    first = True
    while i < len(part) and (part[i] != "]" or first):
        first = False
        end = part.find(":]", i + 2) if part.startswith("[:", i) else -1
        if end != -1:  # without its `:]`, a `[:` is two plain characters
            name = part[i + 2 : end]
            if name not in _CLASSES:
                raise Invalid(part)
            items.append(_CLASSES[name])
            i = end + 2
            continue
        low, i = _bracket_char(part, i)
        if i + 1 < len(part) and part[i] == "-" and part[i + 1] != "]":
            high, i = _bracket_char(part, i + 1)
            if low <= high:  # git matches nothing for a reversed range
                items.append(f"{re.escape(low)}-{re.escape(high)}")
        else:
            items.append(re.escape(low))
    if i >= len(part):
        raise Invalid(part)  # no closing bracket
    body = "".join(items)
    if negated:
        return f"[^/{body}]", i + 1
    return (f"(?!/)[{body}]" if body else "(?!)"), i + 1


def _bracket_char(part: str, i: int) -> tuple[str, int]:
    if part[i] == "\\":
        if i + 1 == len(part):
            raise Invalid(part)
        return part[i + 1], i + 2
    return part[i], i + 1
