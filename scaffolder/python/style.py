"""The project's Python style, so generated code reads like the code around it."""

from __future__ import annotations

import io
import tokenize


def preferred_quote(*texts: str) -> str:
    """`'` when the given modules mostly use single-quoted strings, else `"`."""
    single = double = 0
    for text in texts:
        try:
            tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
        except (tokenize.TokenError, SyntaxError, IndentationError):
            continue
        for tok in tokens:
            if tok.type != tokenize.STRING:
                continue
            body = tok.string.lstrip("rbuRBU")
            if body.startswith(('"""', "'''")):
                continue
            if body.startswith("'"):
                single += 1
            elif body.startswith('"'):
                double += 1
    return "'" if single > double else '"'


def requote(code: str, quote: str) -> str:
    """Rewrite simple string literals of generated code to use `quote` (docstrings untouched)."""
    if quote == '"':
        return code
    out = []
    tokens = tokenize.generate_tokens(io.StringIO(code).readline)
    lines = code.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    replacements: list[tuple[int, int, str]] = []
    for tok in tokens:
        if tok.type != tokenize.STRING:
            continue
        s = tok.string
        prefix = s[: len(s) - len(s.lstrip("rbufRBUF"))]
        body = s[len(prefix) :]
        if "f" in prefix.lower() or body.startswith('"""') or not body.startswith('"'):
            continue  # f-strings tokenize differently from Python 3.12 on: leave them be
        if "'" in body or "\\" in body:
            continue
        start = offsets[tok.start[0] - 1] + tok.start[1]
        end = offsets[tok.end[0] - 1] + tok.end[1]
        replacements.append((start, end, prefix + "'" + body[1:-1] + "'"))
    pos = 0
    for start, end, new in replacements:
        out.append(code[pos:start])
        out.append(new)
        pos = end
    out.append(code[pos:])
    return "".join(out)
