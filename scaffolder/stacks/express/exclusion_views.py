"""Page exclusions in Express views (EJS, Pug, Handlebars; Nunjucks through `templates`): the
guard a layout or footer partial puts around a third-party chat or analytics script, and the
widget's lines placed under it.

The guards real views use: `<% if (!locals.hideChat) { %>` in EJS, `unless hideChat` / `if
!hideChat` in Pug, `{{#unless hideChat}}` in Handlebars, `{% if not hideChat %}` in Nunjucks,
around the script itself or the include of a partial holding it (or inside the partial); the
flag set per route (`res.locals.hideChat = true`, `res.render("print", { hideChat: true })`) or
by middleware from the request's path. Pure functions over the views' texts.
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from scaffolder.exclusions import (
    Guard,
    Vendor,
    excludes,
    named_third_party,
    page_reason,
    third_party,
)
from scaffolder.exclusions import page_parts as _page_parts
from scaffolder.exclusions import templates as jinja
from scaffolder.markup import Template, indent_at, line_of, newline_of, parse_template

SUFFIXES = {  # the view files of each engine Express renders
    "ejs": (".ejs",),
    "pug": (".pug", ".jade"),
    "handlebars": (".hbs", ".handlebars"),
    "nunjucks": (".njk", ".nunjucks", ".html"),
}
_ANDS, _ORS = ("&&",), ("||",)


@dataclass(frozen=True)
class Span:
    """A conditional branch or another body of a view: `test` is its condition as a JavaScript
    test (an `unless` negated), `shown` as the view spells it (`unless hideChat`)."""

    kind: str  # "if" | "elif" | "else" | "scope"
    test: str
    shown: str
    tag_start: int
    start: int  # content start
    end: int  # content end: where the widget's lines go to stay inside it

    def holds(self, offset: int) -> bool:
        return self.start <= offset < self.end


@dataclass(frozen=True)
class ViewGuard:
    """The app's rule as the widget follows it in one view: `guard.mode` `inside` (its lines
    go at `guard.offset`), or `wrap`: under `conditions`, each as the view spells it, outermost
    first."""

    guard: Guard
    conditions: tuple[str, ...] = ()


# -- the views' bodies ---------------------------------------------------------------------------


def spans(engine: str, text: str) -> list[Span]:
    """The view's branches and other bodies, outermost first for nested ones."""
    found = {"ejs": _ejs, "handlebars": _handlebars, "pug": _pug}[engine](text)
    return sorted((s for s in found if s.start <= s.end), key=lambda s: (s.start, -s.end))


_EJS_TAG = re.compile(r"<%(?P<kind>[_=\-#%]?)(?P<code>.*?)[-_]?%>", re.DOTALL)
_IF = re.compile(r"^\s*if\s*\((?P<c>.*)\)\s*$", re.DOTALL)
_ELSE_IF = re.compile(r"^\s*else\s+if\s*\((?P<c>.*)\)\s*$", re.DOTALL)
_ELSE = re.compile(r"^\s*else\s*$")


def _ejs(text: str) -> list[Span]:
    out: list[Span] = []
    stack: list[tuple[str, str, int, int]] = []  # kind, condition, tag start, content start
    for m in _EJS_TAG.finditer(text):
        if m.group("kind") not in ("", "_"):
            continue  # output, comment, literal `<%%`
        pending = ""
        for piece in _braces(m.group("code")):
            if piece == "}":
                if stack:
                    kind, cond, tag_start, start = stack.pop()
                    out.append(Span(kind, cond, cond, tag_start, start, m.start()))
                pending = ""
            elif piece == "{":
                if (found := _ELSE_IF.match(pending)) is not None:
                    kind, cond = "elif", found.group("c").strip()
                elif _ELSE.match(pending):
                    kind, cond = "else", ""
                elif (found := _IF.match(pending)) is not None:
                    kind, cond = "if", found.group("c").strip()
                else:
                    kind, cond = "scope", ""
                stack.append((kind, cond, m.start(), m.end()))
                pending = ""
            elif piece == ";":
                pending = ""
            else:
                pending += piece
    return out


def _braces(code: str) -> list[str]:
    """JavaScript code as runs of text and the `{`, `}` and `;` outside strings and comments."""
    out: list[str] = []
    run, i, quote = "", 0, ""
    while i < len(code):
        c = code[i]
        if quote:
            run += c
            if c == "\\":
                run += code[i + 1 : i + 2]
                i += 1
            elif c == quote:
                quote = ""
        elif code.startswith("//", i):
            end = code.find("\n", i)
            i = len(code) if end < 0 else end
            continue
        elif code.startswith("/*", i):
            end = code.find("*/", i + 2)
            i = len(code) if end < 0 else end + 2
            continue
        elif c in "'\"`":
            quote, run = c, run + c
        elif c in "{};":
            out += [run, c] if run else [c]
            run = ""
        else:
            run += c
        i += 1
    if run:
        out.append(run)
    return out


_HBS_COMMENT = re.compile(r"\{\{!--.*?--\}\}|\{\{![^}]*\}\}", re.DOTALL)
_HBS_TAG = re.compile(r"\{\{~?\s*(?P<sigil>[#/^]?)\s*(?P<body>[^{}]*?)\s*~?\}\}")


def _handlebars(text: str) -> list[Span]:
    out: list[Span] = []
    stack: list[tuple[str, str, str, int, int]] = []  # kind, test, shown, tag start, start
    masked = _HBS_COMMENT.sub(lambda m: " " * len(m.group(0)), text)
    for m in _HBS_TAG.finditer(masked):
        sigil, body = m.group("sigil"), m.group("body")
        word, _, rest = body.partition(" ")
        rest = rest.strip()
        if sigil in ("#", "^"):
            if sigil == "#" and word == "if":
                stack.append(("if", rest, rest, m.start(), m.end()))
            elif (sigil == "#" and word == "unless") or sigil == "^":
                shown = f"unless {rest if sigil == '#' else body}"
                test = f"!({rest if sigil == '#' else body})"
                stack.append(("if", test, shown, m.start(), m.end()))
            else:
                stack.append(("scope", "", "", m.start(), m.end()))
        elif sigil == "/" and stack:
            kind, test, shown, tag_start, start = stack.pop()
            out.append(Span(kind, test, shown, tag_start, start, m.start()))
        elif not sigil and word == "else" and stack:
            kind, test, shown, tag_start, start = stack.pop()
            out.append(Span(kind, test, shown, tag_start, start, m.start()))
            chained = rest.startswith("if ")
            cond = rest[3:].strip() if chained else ""
            stack.append(("elif" if chained else "else", cond, cond, m.start(), m.end()))
    return out


_PUG_LINE = re.compile(r"^(?P<indent>[ \t]*)(?P<content>\S.*?)\s*$")
_PUG_COND = re.compile(r"^(?P<word>if|unless|else\s+if)\s+(?P<cond>.+)$")
_PUG_RAW = re.compile(r"^(?:[\w.#:-]+(?:\(.*\))?\.$|-\s*$|script\b.*\.$|style\b.*\.$|//)")


def _pug(text: str) -> list[Span]:
    """Pug's bodies are the lines indented under a line; a line's own `if` / `unless` /
    `else` opens a branch. Text blocks (`script.`) and buffered comments are not Pug."""
    lines = []  # (indent width, content, line start, line end incl. newline)
    pos = 0
    for raw in text.splitlines(keepends=True):
        m = _PUG_LINE.match(raw.rstrip("\r\n"))
        if m is not None:
            width = len(m.group("indent").expandtabs(2))
            lines.append((width, m.group("content"), pos, pos + len(raw)))
        pos += len(raw)
    out: list[Span] = []
    raw_below: int | None = None  # the indent of a text block's opener while inside it
    for i, (indent, content, start, end) in enumerate(lines):
        if raw_below is not None:
            if indent > raw_below:
                continue
            raw_below = None
        if _PUG_RAW.match(content):
            raw_below = indent
        nested_end = end
        for later in lines[i + 1 :]:
            if later[0] <= indent:
                break
            nested_end = later[3]
        if nested_end == end:
            continue  # nothing nested
        found = _PUG_COND.match(content)
        if found is not None:
            word, cond = found.group("word"), found.group("cond").strip()
            if word == "unless":
                out.append(Span("if", f"!({cond})", f"unless {cond}", start, end, nested_end))
            else:
                kind = "if" if word == "if" else "elif"
                out.append(Span(kind, cond, cond, start, end, nested_end))
        elif content == "else":
            out.append(Span("else", "", "", start, end, nested_end))
        else:
            out.append(Span("scope", "", "", start, end, nested_end))
    return out


# -- the third-party scripts ---------------------------------------------------------------------

_SCRIPT = re.compile(r"<script\b.*?(?:</script\s*>|$)", re.DOTALL | re.IGNORECASE)
_PUG_SCRIPT = re.compile(r"^(?P<indent>[ \t]*)script\b.*$", re.MULTILINE)
_INCLUDES = {
    "ejs": re.compile(r"""<%[-=_]?\s*include\s*\(?\s*['"]?(?P<name>[\w./-]+)"""),
    "pug": re.compile(r"^[ \t]*include\s+(?P<name>\S+)", re.MULTILINE),
    "handlebars": re.compile(r"\{\{~?>\s*(?P<name>[\w./-]+)"),
}
_BODY = {
    "pug": re.compile(r"^[ \t]*body(?=$|[\s.#(&])", re.MULTILINE),
    "html": re.compile(r"<body\b", re.IGNORECASE),
}


@dataclass(frozen=True)
class _Use:
    offset: int
    vendor: Vendor
    inner: tuple[Span, ...] = ()
    """The page conditions around the script inside the included partial."""
    partial: str = ""


def _uses(
    engine: str, path: str, text: str, views: Mapping[str, str], depth: int = 0
) -> list[_Use]:
    out = []
    if engine == "pug":
        scripts = [
            (m.start(), _pug_block(text, m.start(), len(m.group("indent"))))
            for m in _PUG_SCRIPT.finditer(text)
        ]
    else:
        scripts = [(m.start(), m.group(0)) for m in _SCRIPT.finditer(text)]
    for offset, script in scripts:
        loaded = third_party(script)
        if loaded is not None:
            out.append(_Use(offset, loaded))
    for m in _INCLUDES[engine].finditer(text):
        if depth > 1:
            break
        name = m.group("name")
        partial = resolve(engine, path, name, views)
        vendor: Vendor | None = None
        inner: tuple[Span, ...] = ()
        if partial is not None:
            nested = _uses(engine, partial, views[partial], views, depth + 1)
            if nested:
                vendor = nested[0].vendor
                around = [s for s in spans(engine, views[partial]) if s.holds(nested[0].offset)]
                inner = tuple(s for s in around if s.kind != "scope") + nested[0].inner
        vendor = vendor or named_third_party(posixpath.basename(name))
        if vendor is not None:
            out.append(_Use(m.start(), vendor, inner, partial or name))
    out.sort(key=lambda u: (u.vendor.kind != "chat", u.offset))
    return out


def loads_third_party(
    engine: str, path: str, text: str, views: Mapping[str, str], roots: Collection[str] = ()
) -> bool:
    """Whether the view loads a chat or analytics script (itself or in a partial it includes)."""
    if engine == "nunjucks":
        return jinja.loads_third_party(text, _named(views, roots))
    return bool(_uses(engine, path, text, views))


def _pug_block(text: str, start: int, indent: int) -> str:
    """A Pug line and the lines nested under it."""
    lines = text[start:].splitlines(keepends=True)
    out = lines[:1]
    for line in lines[1:]:
        if line.strip() and len(line) - len(line.lstrip()) <= indent:
            break
        out.append(line)
    return "".join(out)


def resolve(engine: str, path: str, name: str, views: Mapping[str, str]) -> str | None:
    """The view an include names: relative to the including view, else the one whose path
    ends with the name (views named from the views folder)."""
    here = posixpath.dirname(path)
    stem = posixpath.normpath(posixpath.join(here, name))
    for candidate in (stem, *(stem + s for s in SUFFIXES[engine])):
        if candidate in views and candidate != path:
            return candidate
    tail = "/" + name.lstrip("/")
    for candidate in views:
        if candidate != path and posixpath.splitext(candidate)[0].endswith(tail):
            return candidate
    return None


# -- the guard ---------------------------------------------------------------------------------


def guard_in(
    engine: str,
    path: str,
    text: str,
    views: Mapping[str, str],
    roots: Collection[str] = (),
    path_names: Collection[str] = (),
) -> ViewGuard | None:
    """The rule the view `path` (its current `text`) keeps a chat or analytics script off some
    pages with, as the widget follows it; None when it has none. `views`: every view's text by
    path (the partials), `roots`: the views folders (Nunjucks names its templates from them),
    `path_names`: the locals middleware sets from the request's path (`currentPath`)."""
    if engine == "nunjucks":
        return _nunjucks(path, text, views, roots)
    reason = _reasoner(path_names)
    body = _BODY["pug" if engine == "pug" else "html"].search(text)
    body_start = body.start() if body else None
    uses = _uses(engine, path, text, views)
    if any(u.vendor.kind == "chat" for u in uses):
        uses = [u for u in uses if u.vendor.kind == "chat"]
    all_spans = spans(engine, text)
    for use in uses:
        around = [s for s in all_spans if s.holds(use.offset)]
        found = _guard(path, text, use, around, body_start, reason)
        if found is not None:
            return found
    return None


def guard_beside(
    engine: str,
    path: str,
    views: Mapping[str, str],
    path_names: Collection[str] = (),
) -> ViewGuard | None:
    """The rule of a partial that the pages including the view at `path` also include (a
    header partial keeping the chat script off some pages, the tag going in the footer
    partial): copied around the widget in `path`. Not for Nunjucks, whose pages extend."""
    if engine == "nunjucks":
        return None
    for page, text in views.items():
        included = _included(engine, page, text, views)
        if path not in included:
            continue
        for partial in included:
            if partial == path:
                continue
            found = guard_in(engine, partial, views[partial], views, path_names=path_names)
            if found is not None:
                copied = dataclasses.replace(found.guard, mode="wrap", offset=-1, end_line=0)
                return ViewGuard(copied, found.conditions)
    return None


def _included(engine: str, path: str, text: str, views: Mapping[str, str]) -> list[str]:
    found = (
        resolve(engine, path, m.group("name"), views) for m in _INCLUDES[engine].finditer(text)
    )
    return list(dict.fromkeys(p for p in found if p is not None))


def _reasoner(path_names: Collection[str]) -> Callable[[str], str | None]:
    names = [n for n in path_names if n]
    pattern = re.compile(r"\b(?:locals\s*\.\s*)?(" + "|".join(map(re.escape, names)) + r")\b")

    def reason(condition: str) -> str | None:
        found = page_reason(condition)
        if found is None and names:
            m = pattern.search(condition)
            if m is not None:
                return f"checks the page's path ({m.group(1)}, set from the request's path)"
        return found

    return reason


def _guard(
    path: str,
    text: str,
    use: _Use,
    around: list[Span],
    body: int | None,
    reason: Callable[[str], str | None],
) -> ViewGuard | None:
    vendor = use.vendor

    def parts_of(s: Span) -> tuple[list[str], bool]:
        """The page parts of the branch's test the widget shares (an analytics script's:
        those that exclude pages), and whether they are all of it."""
        if s.kind == "else":
            return [], False
        parts, pure = _page_parts(s.test, _ANDS, _ORS, reason)
        kept = [p for p in parts if vendor.kind == "chat" or excludes(p)]
        return kept, pure and kept == parts

    if not use.inner:
        inside: Span | None = None
        for s in around:
            if s.kind == "scope":
                continue
            parts, pure = parts_of(s)
            if s.kind != "if" or not parts or not pure:
                break
            inside = s
        if inside is not None and (body is None or inside.end > body):
            why = reason(inside.test) or ""
            line = line_of(text, inside.tag_start)
            end = line_of(text, inside.end)
            guard = Guard(path, line, vendor, inside.shown, why, "inside", inside.end, end_line=end)
            return ViewGuard(guard, (inside.shown,))
    conditions: list[tuple[str, str]] = []  # (shown, test)
    for s in (*around, *use.inner):
        if s.kind in ("if", "elif", "else"):
            parts, pure = parts_of(s)
            if parts and s.kind != "if":
                return None  # an elif / else branch: its condition cannot be copied as is
            if parts and pure:
                conditions.append((s.shown, s.test))
            else:
                conditions += [(p, p) for p in parts]
    if not conditions:
        return None
    first = next((s for s in around if s.kind == "if" and parts_of(s)[0]), None)
    at = first.tag_start if first is not None else use.offset
    why = reason(conditions[0][1]) or ""
    if use.inner:
        why += f", in {use.partial}"
    shown = tuple(dict.fromkeys(c for c, _ in conditions))
    guard = Guard(path, line_of(text, at), vendor, " && ".join(shown), why, "wrap")
    return ViewGuard(guard, shown)


def _nunjucks(
    path: str, text: str, views: Mapping[str, str], roots: Collection[str]
) -> ViewGuard | None:
    templates = _named({**views, path: text}, roots)
    name = next(t.name for t in templates.values() if t.path == path)
    guard = jinja.guard_in(path, text, name, templates)
    return ViewGuard(guard, (guard.condition,)) if guard is not None else None


def _named(views: Mapping[str, str], roots: Collection[str]) -> dict[str, Template]:
    """Nunjucks templates by the names they are loaded by: from the views folder."""

    def name_of(view: str) -> str:
        for root in sorted(roots, key=len, reverse=True):
            if view.startswith(root.rstrip("/") + "/"):
                return view[len(root.rstrip("/")) + 1 :]
        return view

    return {name_of(p): parse_template(p, name_of(p), t) for p, t in views.items()}


# -- placing the widget's lines ------------------------------------------------------------------


def opener(engine: str, condition: str) -> tuple[str, str]:
    """The lines that open and close a branch under `condition` in the view's language (Pug:
    the opener alone, its body indented under it)."""
    unless = condition.startswith("unless ")
    if engine == "pug":
        return condition if unless else f"if {condition}", ""
    if engine == "handlebars":
        helper = "unless" if unless else "if"
        test = condition[len("unless ") :] if unless else condition
        return f"{{{{#{helper} {test}}}}}", f"{{{{/{helper}}}}}"
    if engine == "nunjucks":
        return f"{{% if {condition} %}}", "{% endif %}"
    return f"<% if ({condition}) {{ %>", "<% } %>"


def wrapped(engine: str, text: str, conditions: tuple[str, ...], lines: list[str]) -> list[str]:
    """`lines` under a copy of the conditions, nested in order; the inner lines indented one
    step per level (the file's step)."""
    unit = _unit(engine, text)
    out = list(lines)
    for condition in reversed(conditions):
        start, end = opener(engine, condition)
        out = [start, *(unit + line for line in out), *([end] if end else [])]
    return out


def place(
    engine: str,
    text: str,
    found: ViewGuard | None,
    lines: list[str],
    default: Callable[[list[str]], str | None],
) -> str | None:
    """The view's text with `lines` under its guard: at the end of the guarded branch
    (`inside`), or where `default` puts lines, under a copy of the conditions (`wrap`)."""
    if found is None:
        return default(lines)
    guard = found.guard
    if guard.mode == "wrap":
        return default(wrapped(engine, text, found.conditions, lines))
    if engine == "nunjucks":
        return jinja.inside(text, guard, lines)
    nl = newline_of(text)
    pos = guard.offset
    indent = _content_indent(engine, text, pos)
    if engine == "pug":
        if pos and text[pos - 1] != "\n":  # the branch ends the file, without a newline
            return text[:pos] + "".join(nl + indent + s for s in lines) + text[pos:]
        return text[:pos] + "".join(indent + s + nl for s in lines) + text[pos:]
    line_start = text.rfind("\n", 0, pos) + 1
    if text[line_start:pos].strip():
        # the closing tag shares its line with the guarded markup: lines of their own before it
        block = "".join(nl + indent + s for s in lines) + nl + indent_at(text, pos)
        return text[:pos] + block + text[pos:]
    return text[:line_start] + "".join(indent + s + nl for s in lines) + text[line_start:]


def _content_indent(engine: str, text: str, end: int) -> str:
    """The indentation of the guarded branch's own lines (its first line of content), else one
    step deeper than the line closing it."""
    ending = [s for s in spans(engine, text) if s.end == end]  # Pug: the bodies around it too
    branch = max(ending, key=lambda s: s.start) if ending else None
    start = branch.start if branch is not None else end
    for m in re.finditer(r"(?m)^([ \t]*)\S", text[:end]):
        if m.start() >= start:
            return m.group(1)
    above = branch.tag_start if branch is not None else end
    return indent_at(text, above) + _unit(engine, text)


def _unit(engine: str, text: str) -> str:
    widths = [len(m.group(1)) for m in re.finditer(r"(?m)^( +)\S", text)]
    if "\n\t" in text and not widths:
        return "\t"
    even = [w for w in widths if w % 2 == 0] or widths
    return " " * (min(even) if even else 2)
