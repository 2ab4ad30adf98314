"""Express views per template language (EJS, Pug, Handlebars, Nunjucks): the templates that close
the document body (a layout, an EJS footer partial, or each full page), the widget tag in them,
and the splices that add `data-user-token` (rendered only when there is a token) or the tag.
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from dataclasses import dataclass

from scaffolder.escape import html_attr, pug_attr
from scaffolder.markup import (
    WIDGET_HOST,
    WIDGET_SRC,
    Layout,
    Template,
    indent_at,
    insert_before_body_close,
    newline_of,
    widget_tags,
)
from scaffolder.project import Project
from scaffolder.stacks.express.exclusion_views import SUFFIXES

TOKEN = "bestchatbotToken"
# The attribute, rendered only when the view has a token (leading space inside the condition).
ATTRIBUTES = {
    "ejs": f'<% if (locals.{TOKEN}) {{ %> data-user-token="<%= locals.{TOKEN} %>"<% }} %>',
    "handlebars": f'{{{{#if {TOKEN}}}}} data-user-token="{{{{{TOKEN}}}}}"{{{{/if}}}}',
    "nunjucks": f'{{% if {TOKEN} %}} data-user-token="{{{{ {TOKEN} }}}}"{{% endif %}}',
}
_MAIL_DIR = re.compile(r"(^|/)(emails?|mails?|mailers?|newsletters?)/", re.IGNORECASE)
_BODY_CLOSE = re.compile(r"</body\s*>", re.IGNORECASE)
_SCRIPT_CLOSE = re.compile(r"</script\s*>", re.IGNORECASE)
_PUG_BODY = re.compile(r"^(?P<indent>[ \t]*)body(?=$|[\s.#(&])", re.MULTILINE)
_EJS_INCLUDE = re.compile(r"""include\s*\(?\s*(['"]?)(?P<name>[\w./-]+)\1""")
_PUG_REF = re.compile(r"^\s*(?:extends|include)\s+(?P<name>\S+)", re.MULTILINE)
_HBS_PARTIAL = re.compile(r"\{\{>\s*(?P<name>[\w./-]+)")
_NJK_REF = re.compile(r"""\{%-?\s*(?:extends|include|import)\s+(['"])(?P<name>[^'"]+)\1""")


@dataclass
class View:
    path: str
    text: str
    closes_body: bool
    users: int = 0  # how many views extend / include it
    rendered: bool = False  # a route renders it (`res.render("index")`)


def view_files(project: Project, engine: str, dirs: list[str], ext: str | None) -> list[str]:
    suffixes = SUFFIXES[engine]
    if ext and "." + ext not in suffixes:
        suffixes = (*suffixes, "." + ext)
    out: list[str] = []
    for directory in dirs:
        out += project.under(directory, project.with_suffix(*suffixes))
    return [p for p in dict.fromkeys(out) if not _MAIL_DIR.search(p)]


def load(
    project: Project,
    engine: str,
    files: list[str],
    layout: str | None = None,
    rendered: tuple[str, ...] = (),
) -> list[View]:
    """The views, with how many others use each (`layout`: express-ejs-layouts' layout view,
    which wraps every view without being referenced) and whether a route renders it
    (`rendered`: the names passed to `res.render`)."""
    views = []
    for path in files:
        text = project.text(path)
        if text is None:
            continue
        closes = bool(_PUG_BODY.search(text)) if engine == "pug" else bool(_BODY_CLOSE.search(text))
        views.append(View(path, text, closes))
    by_path = {v.path: v for v in views}
    for name in rendered:
        stem = (
            posixpath.splitext(name)[0] if posixpath.splitext(name)[1] in SUFFIXES[engine] else name
        )
        for view in views:
            if posixpath.splitext(view.path)[0].endswith("/" + stem.lstrip("/")):
                view.rendered = True
    for view in views:
        for target in _references(engine, view, by_path):
            by_path[target].users += 1
        if layout and posixpath.splitext(view.path)[0].endswith("/" + layout):
            view.users = max(view.users, len(views) - 1)
    return views


def _references(engine: str, view: View, by_path: dict[str, View]) -> set[str]:
    here = posixpath.dirname(view.path)
    if engine == "ejs":
        names = [m.group("name") for m in _EJS_INCLUDE.finditer(view.text)]
    elif engine == "pug":
        names = [m.group("name") for m in _PUG_REF.finditer(view.text)]
    elif engine == "handlebars":
        names = [m.group("name") for m in _HBS_PARTIAL.finditer(view.text)]
    else:
        names = [m.group("name") for m in _NJK_REF.finditer(view.text)]
    found = set()
    for name in names:
        for candidate in _candidates(engine, here, name, by_path):
            if candidate in by_path and candidate != view.path:
                found.add(candidate)
                break
    return found


def _candidates(engine: str, here: str, name: str, by_path: dict[str, View]) -> list[str]:
    stems = [posixpath.normpath(posixpath.join(here, name))]
    # Names relative to a views root (Nunjucks, Handlebars partials, EJS `views` option).
    stems += [
        p[: len(p) - len(name) - len(posixpath.splitext(p)[1])].rstrip("/") + "/" + name
        for p in by_path
        if posixpath.splitext(p)[0].endswith("/" + name)
    ]
    out = []
    for stem in stems:
        out.append(stem)
        out += [stem + s for s in SUFFIXES[engine]]
    return out


def body_line(engine: str, text: str) -> int:
    """The line where the tag goes: the last `</body>` (Pug: the `body` tag); the end of a
    page without one."""
    if engine == "pug":
        m = _PUG_BODY.search(text)
        return text.count("\n", 0, m.start()) + 1 if m else len(text.splitlines()) or 1
    found = list(_BODY_CLOSE.finditer(text))
    if not found:
        return len(text.splitlines()) or 1
    return text.count("\n", 0, found[-1].start()) + 1


def targets(views: list[View]) -> list[View]:
    """The views that close the document body, most used first: a layout or footer partial
    covers every view that uses it; a full page covers itself. Where none does, the pages
    the routes render, written without `<body>` markup (the tag goes at their end)."""
    closing = [v for v in views if v.closes_body]
    if not closing:
        closing = [v for v in views if v.rendered and not v.users]
    return sorted(closing, key=lambda v: (-v.users, v.path))


def as_layout(engine: str, view: View) -> Layout:
    """The view as the shared `Layout`: the tag goes before its body's end (`body`), else at
    its end (`append`); `extenders` are the views that use it."""
    line = body_line(engine, view.text) if view.closes_body else None
    template = Template(view.path, view.path, view.text, body_close_line=line)
    return Layout(template, "body" if view.closes_body else "append", view.users)


# -- the widget tag ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    """A widget tag in a view: its text range and whether it already carries the token."""

    start: int
    end: int
    text: str

    @property
    def has_user_token(self) -> bool:
        # In HTML built in code, the token module's helper writes the attribute.
        return "data-user-token" in self.text or "widgetTokenAttribute(" in self.text


def find_tags(engine: str, text: str) -> list[Found]:
    if engine == "pug":
        return _pug_tags(text)
    return [Found(t.start, t.end, t.text) for t in widget_tags(text)]


def add_token(engine: str, text: str, tag: Found) -> str:
    """The view with the conditional `data-user-token` added to an existing widget tag."""
    if engine == "pug":
        close = _pug_attrs_close(text, tag.start)
        attribute = f"data-user-token={TOKEN}"
        line_start = text.rfind("\n", 0, close) + 1
        if not text[line_start:close].strip():  # `)` on its own line: one attribute a line
            previous = text.rfind("\n", 0, line_start - 1) + 1
            indent = re.match(r"[ \t]*", text[previous:]).group(0)  # type: ignore[union-attr]
            at = line_start - 1 - (text[line_start - 2 : line_start - 1] == "\r")
            return text[:at] + newline_of(text) + indent + attribute + text[at:]
        inner = text[text.index("(", tag.start) + 1 : close]
        sep = ", " if "," in inner else " "
        return text[:close] + sep + attribute + text[close:]
    close = tag.end - 1
    if text[close - 1] == "/":
        close -= 1
    while close > tag.start and text[close - 1] in " \t":
        close -= 1
    return text[:close] + ATTRIBUTES[engine] + text[close:]


def script_tag(engine: str, text: str, url: str) -> str:
    """`<script src="url">` in the view's language (`engine`: "pug", or an HTML one)."""
    if engine == "pug":
        return f"script(src={pug_attr(url, _pug_style(text)[0])})"
    return f'<script src="{html_attr(url)}"></script>'


def after_tag(engine: str, text: str, tag: Found, line: str) -> tuple[int, str]:
    """Where `line` goes to follow the widget tag `tag`, and what is inserted there: a line of
    its own indented like the tag's (Pug: past the tag's own nested lines), or right after
    `</script>` where markup follows it on its line."""
    nl, indent = newline_of(text), indent_at(text, tag.start)
    if engine == "pug":
        end = _line_end(text, tag.end)
        while (start := text.find("\n", end) + 1) and start < len(text):
            following = text[start : _line_end(text, start)]
            if not following.strip() or len(following) - len(following.lstrip()) <= len(indent):
                break
            end = _line_end(text, start)  # a line nested in the tag's
        return end, nl + indent + line
    close = _SCRIPT_CLOSE.search(text, tag.end)
    at = close.end() if close is not None else tag.end
    end = _line_end(text, at)
    if text[at:end].strip():
        return at, line
    return end, nl + indent + line


def _line_end(text: str, offset: int) -> int:
    """The offset of the line break ending the line at `offset` (before a `\\r`), or the end."""
    end = text.find("\n", offset)
    end = len(text) if end < 0 else end
    return end - 1 if end > offset and text[end - 1] == "\r" else end


def html_tag(engine: str, api_key: str) -> str:
    key = html_attr(api_key)
    return f'<script src="{WIDGET_SRC}" data-api-key="{key}"{ATTRIBUTES[engine]}></script>'


def tag_line(engine: str, text: str, api_key: str, *, token: bool = True) -> str:
    """The widget tag in the view's language (`token`: with the conditional data-user-token)."""
    if engine == "pug":
        return _pug_tag(text, api_key, token)
    return html_tag(engine, api_key) if token else plain_tag(api_key)


def insert_lines(engine: str, text: str, lines: list[str]) -> str | None:
    """Lines added at the end of the body (each line's own leading spaces kept, under the
    body's children's indentation); None when the view has no body."""
    return _pug_insert(text, *lines) if engine == "pug" else insert_html(text, lines)


def plain_tag(api_key: str) -> str:
    return f'<script src="{WIDGET_SRC}" data-api-key="{html_attr(api_key)}"></script>'


def insert_html(text: str, lines: list[str]) -> str | None:
    """Lines inserted just before the last `</body>`, indented like the body's last child
    (the line before it); where that tells nothing, one level deeper than `</body>`."""
    matches = list(_BODY_CLOSE.finditer(text))
    if not matches:
        return None
    pos = matches[-1].start()
    line_start = text.rfind("\n", 0, pos) + 1
    own = text[line_start:pos]
    if own.strip():
        return insert_before_body_close(text, lines)
    previous = text[:line_start].rstrip("\r\n").rsplit("\n", 1)[-1]
    indent = previous[: len(previous) - len(previous.lstrip(" \t"))]
    if not previous.strip() or "<body" in previous.lower() or len(indent) < len(own):
        return insert_before_body_close(text, lines)
    nl = newline_of(text)
    return text[:line_start] + "".join(indent + s + nl for s in lines) + text[line_start:]


# -- Pug --------------------------------------------------------------------------------------


def _pug_tags(text: str) -> list[Found]:
    out = []
    for m in re.finditer(r"^[ \t]*script\(", text, re.MULTILINE):
        close = _pug_attrs_close(text, m.start())
        segment = text[m.start() : close + 1]
        if WIDGET_HOST in segment and "chat.js" in segment:
            out.append(Found(m.start(), close + 1, segment))
    return out


def _pug_attrs_close(text: str, start: int) -> int:
    """Offset of the `)` closing the attribute list of the tag at `start`."""
    i = text.index("(", start) + 1
    depth, quote = 1, None
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = None
        elif c in "'\"`":
            quote = c
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return len(text) - 1


def _pug_style(text: str) -> tuple[str, str]:
    """(quote, attribute separator) the file's attribute lists use."""
    quotes = Counter(m.group(1) for m in re.finditer(r"""=\s*(['"])""", text))
    quote = quotes.most_common(1)[0][0] if quotes else "'"
    commas = len(re.findall(r"""=\s*(['"])[^'"\n]*\1\s*,""", text))
    spaces = len(re.findall(r"""=\s*(['"])[^'"\n]*\1[ \t]+[\w-]+\s*=""", text))
    return quote, (", " if commas >= spaces else " ")


def _pug_tag(text: str, api_key: str, token: bool) -> str:
    q, sep = _pug_style(text)
    attrs = [f"src={q}{WIDGET_SRC}{q}", f"data-api-key={pug_attr(api_key, q)}"]
    if token:
        attrs.append(f"data-user-token={TOKEN}")
    return "script(" + sep.join(attrs) + ")"


def _pug_insert(text: str, *added: str) -> str | None:
    m = _PUG_BODY.search(text)
    if m is None:
        return None
    nl = newline_of(text)
    body_indent = m.group("indent")
    lines = text.split("\n")
    body_row = text.count("\n", 0, m.start())
    last = body_row
    child_indent = None
    for row in range(body_row + 1, len(lines)):
        raw = lines[row].rstrip("\r")
        if not raw.strip():
            continue
        indent = raw[: len(raw) - len(raw.lstrip(" \t"))]
        if len(indent) <= len(body_indent):
            break
        if child_indent is None:
            child_indent = indent
        last = row
    if child_indent is None:
        unit = _pug_unit(text)
        child_indent = body_indent + unit
    new_lines = [child_indent + line for line in added]
    if last == len(lines) - 1 or (last == len(lines) - 2 and lines[-1] == ""):
        # the body block ends the file
        if text.endswith("\n"):
            return text + "".join(line + nl for line in new_lines)
        return text + "".join(nl + line for line in new_lines)
    cr = "\r" if nl == "\r\n" else ""
    lines[last + 1 : last + 1] = [line + cr for line in new_lines]
    return "\n".join(lines)


def _pug_unit(text: str) -> str:
    widths = sorted(
        {len(ln) - len(ln.lstrip(" ")) for ln in text.splitlines() if ln.startswith(" ")}
    )
    if "\n\t" in text and not widths:
        return "\t"
    return " " * (widths[0] if widths else 2)
