"""Escaping, one function per output context: the second wall behind `answer_rules`.

Every answer (and every value read from the project) that bcb-scaffold writes into code or
markup goes through the function of the place it lands in, so that even a value that slipped
past validation stays data: no template engine evaluates it and it cannot add an attribute, a
statement or a line. A value that passed validation comes out unchanged (the grammars leave
nothing to escape), so valid answers render byte-identically.

| context | function |
|---|---|
| an HTML attribute value (Jinja, Django, EJS, Handlebars, Nunjucks, Blade, PHP) | `html_attr` |
| an attribute value of a Pug tag (a JavaScript expression there) | `pug_attr` |
| a JSX string attribute | `jsx_attr` |
| a Python / JavaScript / PHP string literal | `py_str` / `js_str` / `php_str` |
| a Python regular expression literal | `py_raw_str` |
| prose inside a Python docstring / a JavaScript comment | `py_doc` / `js_comment` |
| a URL path from an answer (before it becomes a route or a literal) | `url_path` |
| the JavaScript expression reading an SPA's bearer token | `js_token_read` (re-emitted) |
"""

from __future__ import annotations

import re
from urllib.parse import quote

# HTML character references, which the browser decodes back into the value. Beyond HTML's own
# `& < > " '`, every character that opens a template engine's syntax (`{{ {% {# {!!` in Jinja,
# Django, Nunjucks, Handlebars and Blade; `<% <?` in EJS and PHP; `@directive` in Blade; `#{ !{`
# in Pug text and `${` in JS template literals) is referenced too, and so are line breaks, so the
# value can neither add an attribute nor leave its line.
_HTML = {c: f"&#{ord(c)};" for c in "{}@%#!$`\\\t\n\r\u2028\u2029"} | {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "'": "&#39;",
}
# JSX string attributes decode character references too (and know no backslash escapes).
_JSX = {c: f"&#{ord(c)};" for c in "{}\t\n\r\u2028\u2029"} | {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "'": "&#39;",
}
_C_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def _controls(c: str) -> bool:
    """Characters written as escapes in string literals: C0 / C1 controls, line and paragraph
    separators, lone surrogates."""
    o = ord(c)
    return o < 0x20 or 0x7F <= o <= 0x9F or o in (0x2028, 0x2029) or 0xD800 <= o <= 0xDFFF


def html_attr(value: str) -> str:
    """`value` for a quoted (`"` or `'`) HTML attribute, in any HTML template engine."""
    return "".join(_HTML.get(c) or (f"&#{ord(c)};" if _controls(c) else c) for c in value)


def jsx_attr(value: str) -> str:
    """`value` for a quoted JSX string attribute (`data-api-key="..."`)."""
    return "".join(_JSX.get(c) or (f"&#{ord(c)};" if _controls(c) else c) for c in value)


def js_str(value: str, quote: str = '"') -> str:
    """A JavaScript (and TypeScript) string literal of `value` in `quote` (`"` or `'`): JSON's
    escapes, plus `<` and `>` (no `</script>` or `<!--` when the code is inlined in HTML) and
    U+2028 / U+2029 (line terminators before ES2019)."""
    out = []
    for c in value:
        if c in _C_ESCAPES:
            out.append(_C_ESCAPES[c])
        elif c == quote:
            out.append("\\" + c)
        elif c in "<>" or _controls(c):
            out.append(f"\\u{ord(c):04X}")
        else:
            out.append(c)
    return quote + "".join(out) + quote


def js_comment(value: str) -> str:
    """`value` inside a JavaScript `//` or `/* */` comment: on one line, never closing it."""
    return js_str(value)[1:-1].replace("*/", "*\\/")


def pug_attr(value: str, quote: str = "'") -> str:
    """A Pug attribute value: a JavaScript string literal (Pug HTML-escapes it when it renders
    with `=`, and does not interpolate `#{}` in attribute values)."""
    return js_str(value, quote)


def py_str(value: str, quote: str = '"') -> str:
    """A Python string literal of `value` in `quote` (`"` or `'`), readable by `ast`."""
    out = []
    for c in value:
        if c in _C_ESCAPES:
            out.append(_C_ESCAPES[c])
        elif c == quote:
            out.append("\\" + c)
        elif not c.isprintable() or _controls(c):
            out.append(_py_escape(ord(c)))
        else:
            out.append(c)
    return quote + "".join(out) + quote


def _py_escape(o: int) -> str:
    return f"\\x{o:02x}" if o < 0x100 else f"\\u{o:04x}" if o < 0x10000 else f"\\U{o:08x}"


def py_raw_str(value: str, quote: str = '"') -> str:
    """A raw Python string literal (`r"..."`, as regular expressions are written) where one can
    hold `value` as it is; else the escaped literal of the same value."""
    if quote in value or value.endswith("\\") or not all(c.isprintable() for c in value):
        return py_str(value, quote)
    return "r" + quote + value + quote


def py_doc(value: str) -> str:
    """`value` inside a `\"\"\"` docstring: escaped as in a string literal, so it cannot end
    the docstring or start a line of code."""
    return py_str(value)[1:-1]


def php_str(value: str) -> str:
    """A single-quoted PHP string literal of `value` (only `\\\\` and `\\'` are escapes there;
    `?>` inside a string does not leave PHP)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def url_path(value: str) -> str:
    """A URL path with every character beyond letters, digits, `/` and `._~-` percent-encoded:
    no route syntax (`<name>` in Flask and Django, `:name` in Express, `[name]` in Next.js) and
    nothing a string literal or a comment would have to escape."""
    return quote(value, safe="/~")


_STORAGE_READ = re.compile(
    r"(?P<store>(?:window\.)?(?:localStorage|sessionStorage))\.getItem\(\s*"
    r"(?P<key>\"(?:[^\"\\\n]|\\.)*\"|'[^'\\\n]*')\s*\)"
)
_WINDOW_CHAIN = re.compile(r"window(?:\.[A-Za-z_$][A-Za-z0-9_$]*)+")


def js_token_read(expr: str) -> str:
    """The JavaScript expression that reads an SPA's bearer token, rebuilt from its parts: a
    `localStorage` / `sessionStorage` `.getItem(key)` (the key re-escaped with `js_str`, in its
    own quotes) or a `window.name` chain. An expression cannot be escaped, only re-emitted from
    a grammar: anything else is a ValueError."""
    expr = expr.strip()
    if _WINDOW_CHAIN.fullmatch(expr):
        return expr
    m = _STORAGE_READ.fullmatch(expr)
    if m is None:
        raise ValueError(f"not a storage read or a window property: {expr!r}")
    raw = m["key"]
    if raw[0] == "'":
        key = raw[1:-1]
    else:
        import json  # the one double-quoted key: `inspect` and most plans never load json

        key = json.loads(raw)
    return f"{m['store']}.getItem({js_str(key, raw[0])})"
