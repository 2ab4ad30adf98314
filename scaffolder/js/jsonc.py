"""JSON and JSON with comments (tsconfig.json, jsconfig.json): values with their text offsets.

`parse` keeps where every value and key sits in the text (character offsets), so edits can be
spliced into the original text without re-serializing it: key order, indentation, comments and
trailing commas all stay as they were.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class JsonError(ValueError):
    """The text is not JSON (or JSONC); `offset` is where parsing stopped."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(f"{message} at offset {offset}")
        self.offset = offset


@dataclass
class Member:
    key: str
    key_start: int
    value: Value


@dataclass
class Value:
    """A JSON value at text[start:end]. Objects keep their members in source order."""

    kind: str  # object, array, string, number, true, false, null
    start: int
    end: int
    members: list[Member] = field(default_factory=list)
    items: list[Value] = field(default_factory=list)
    scalar: Any = None

    def get(self, key: str) -> Value | None:
        for m in self.members:
            if m.key == key:
                return m.value
        return None

    def member(self, key: str) -> Member | None:
        return next((m for m in self.members if m.key == key), None)

    def to_python(self) -> Any:
        if self.kind == "object":
            return {m.key: m.value.to_python() for m in self.members}
        if self.kind == "array":
            return [v.to_python() for v in self.items]
        return self.scalar


def parse(text: str, *, comments: bool = True) -> Value:
    """Parse JSON (with `//` and `/* */` comments and trailing commas when `comments`)."""
    parser = _Parser(text, comments)
    value = parser.value()
    parser.skip()
    if parser.pos != len(text):
        raise JsonError("unexpected text after the JSON value", parser.pos)
    return value


def loads(text: str) -> Any:
    """The Python value of a JSON / JSONC text."""
    return parse(text).to_python()


class _Parser:
    def __init__(self, text: str, comments: bool) -> None:
        self.text = text
        self.pos = 0
        self.comments = comments

    def skip(self) -> None:
        text = self.text
        while self.pos < len(text):
            c = text[self.pos]
            if c in " \t\r\n\ufeff":
                self.pos += 1
            elif self.comments and text.startswith("//", self.pos):
                end = text.find("\n", self.pos)
                self.pos = len(text) if end < 0 else end
            elif self.comments and text.startswith("/*", self.pos):
                end = text.find("*/", self.pos + 2)
                if end < 0:
                    raise JsonError("unterminated comment", self.pos)
                self.pos = end + 2
            else:
                return

    def value(self) -> Value:
        self.skip()
        if self.pos >= len(self.text):
            raise JsonError("unexpected end of text", self.pos)
        c = self.text[self.pos]
        if c == "{":
            return self.obj()
        if c == "[":
            return self.array()
        if c == '"':
            start = self.pos
            s = self.string()
            return Value("string", start, self.pos, scalar=s)
        for word, scalar in (("true", True), ("false", False), ("null", None)):
            if self.text.startswith(word, self.pos):
                start = self.pos
                self.pos += len(word)
                return Value(word, start, self.pos, scalar=scalar)
        return self.number()

    def number(self) -> Value:
        import re

        m = re.compile(r"-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?").match(self.text, self.pos)
        if not m or not m.group(0):
            raise JsonError("unexpected character", self.pos)
        self.pos = m.end()
        raw = m.group(0)
        scalar = float(raw) if any(ch in raw for ch in ".eE") else int(raw)
        return Value("number", m.start(), m.end(), scalar=scalar)

    def string(self) -> str:
        import json

        start = self.pos
        i = start + 1
        text = self.text
        while i < len(text):
            c = text[i]
            if c == "\\":
                i += 2
                continue
            if c == '"':
                self.pos = i + 1
                try:
                    result: str = json.loads(text[start : i + 1])
                except ValueError:
                    raise JsonError("bad string", start) from None
                return result
            if c == "\n":
                break
            i += 1
        raise JsonError("unterminated string", start)

    def obj(self) -> Value:
        start = self.pos
        self.pos += 1
        members: list[Member] = []
        self.skip()
        if self.text[self.pos : self.pos + 1] == "}":
            self.pos += 1
            return Value("object", start, self.pos, members=members)
        while True:
            self.skip()
            if self.text[self.pos : self.pos + 1] != '"':
                raise JsonError("expected a key", self.pos)
            key_start = self.pos
            key = self.string()
            self.skip()
            if self.text[self.pos : self.pos + 1] != ":":
                raise JsonError("expected ':'", self.pos)
            self.pos += 1
            members.append(Member(key, key_start, self.value()))
            self.skip()
            c = self.text[self.pos : self.pos + 1]
            if c == ",":
                self.pos += 1
                self.skip()
                if self.comments and self.text[self.pos : self.pos + 1] == "}":
                    self.pos += 1
                    return Value("object", start, self.pos, members=members)
                continue
            if c == "}":
                self.pos += 1
                return Value("object", start, self.pos, members=members)
            raise JsonError("expected ',' or '}'", self.pos)

    def array(self) -> Value:
        start = self.pos
        self.pos += 1
        items: list[Value] = []
        self.skip()
        if self.text[self.pos : self.pos + 1] == "]":
            self.pos += 1
            return Value("array", start, self.pos, items=items)
        while True:
            items.append(self.value())
            self.skip()
            c = self.text[self.pos : self.pos + 1]
            if c == ",":
                self.pos += 1
                self.skip()
                if self.comments and self.text[self.pos : self.pos + 1] == "]":
                    self.pos += 1
                    return Value("array", start, self.pos, items=items)
                continue
            if c == "]":
                self.pos += 1
                return Value("array", start, self.pos, items=items)
            raise JsonError("expected ',' or ']'", self.pos)


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def indent_unit(text: str) -> str:
    """The indentation step of a JSON text (two spaces when it is on one line)."""
    for line in text.splitlines():
        stripped = line.lstrip(" \t")
        if stripped and len(stripped) < len(line):
            return line[: len(line) - len(stripped)]
    return "  "


def _line_indent(text: str, offset: int) -> str:
    start = text.rfind("\n", 0, offset) + 1
    end = start
    while end < len(text) and text[end] in " \t":
        end += 1
    return text[start:end]


def set_member(
    text: str,
    obj: Value,
    key: str,
    value_json: str,
    *,
    after: str | None = None,
    before: str | None = None,
    sort: bool = False,
) -> str:
    """`text` with `"key": value_json` added to the object `obj` (which lacks `key`).

    The member goes in alphabetical position when `sort` and the existing keys are sorted,
    else after the member `after` / before the member `before` when present, else last. Its
    indentation and the newline follow the object's existing members.
    """
    import json

    assert obj.kind == "object" and obj.get(key) is None
    nl = "\r\n" if "\r\n" in text else "\n"
    keys = [m.key for m in obj.members]
    entry = f"{json.dumps(key)}: {value_json}"
    if not obj.members:
        inner = text[obj.start + 1 : obj.end - 1]
        if "\n" not in inner and not inner.strip():
            indent = _line_indent(text, obj.start)
            unit = indent_unit(text)
            block = "{" + nl + indent + unit + entry + nl + indent + "}"
            return text[: obj.start] + block + text[obj.end :]
    index = len(keys)
    if sort and keys == sorted(keys):
        index = next((i for i, k in enumerate(keys) if k > key), len(keys))
    elif after is not None and after in keys:
        index = keys.index(after) + 1
    elif before is not None and before in keys:
        index = keys.index(before)
    first = obj.members[0]
    multiline = "\n" in text[obj.start : first.key_start]
    if multiline:
        indent = _line_indent(text, first.key_start)
        sep = "," + nl + indent
    else:
        sep = ", "
    if index < len(obj.members):
        at = obj.members[index].key_start
        return text[:at] + entry + sep + text[at:]
    last = obj.members[-1].value
    return text[: last.end] + sep + entry + text[last.end :]
