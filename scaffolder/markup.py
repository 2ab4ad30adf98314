"""HTML and `{% extends %}`-style templates (Jinja2, Django): the widget tag, the layout, splices.

Shared by every stack that renders pages: it finds the BestChatBot `<script>` tag, the base
layout that holds `</body>`, and splices text at exact offsets so nothing else changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from scaffolder.project import Project

WIDGET_SRC = "https://widget.bestchatbot.io/widget/v1/chat.js"
WIDGET_HOST = "widget.bestchatbot.io"
TEMPLATE_SUFFIXES = (".html", ".htm", ".jinja", ".jinja2", ".j2", ".djhtml")

_SCRIPT_OPEN = re.compile(r"<script\b", re.IGNORECASE)
_BODY_CLOSE = re.compile(r"</body\s*>", re.IGNORECASE)
_EXTENDS = re.compile(r"""\{%-?\s*extends\s+(['"])(?P<name>[^'"]+)\1""")
_BLOCK = re.compile(r"\{%-?\s*block\s+(?P<name>\w+)[^%]*%\}")
_ENDBLOCK = re.compile(r"\{%-?\s*endblock\b[^%]*%\}")


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


@dataclass(frozen=True)
class Tag:
    """An opening `<script ...>` tag of the widget, by offsets into its file's text."""

    start: int
    end: int  # offset just past '>'
    text: str

    @property
    def has_user_token(self) -> bool:
        return "data-user-token" in self.text

    @property
    def api_key(self) -> str | None:
        m = re.search(r"""data-api-key\s*=\s*(['"])(.*?)\1""", self.text)
        return m.group(2) if m else None


def _tag_end(text: str, start: int) -> int:
    """Offset past the '>' closing the tag opened at `start`, skipping quoted values and
    template expressions."""
    i = start
    quote: str | None = None
    while i < len(text):
        c = text[i]
        if quote:
            if c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif text.startswith(("{{", "{%", "<%", "<?"), i):
            close = {"{{": "}}", "{%": "%}", "<%": "%>", "<?": "?>"}[text[i : i + 2]]
            j = text.find(close, i + 2)
            i = len(text) if j < 0 else j + 1
        elif c == ">":
            return i + 1
        i += 1
    return len(text)


def widget_tags(text: str) -> list[Tag]:
    tags = []
    for m in _SCRIPT_OPEN.finditer(text):
        end = _tag_end(text, m.start())
        tag = text[m.start() : end]
        if WIDGET_HOST in tag and "chat.js" in tag:
            tags.append(Tag(m.start(), end, tag))
    return tags


_SCRIPT_CLOSE = re.compile(r"</script\s*>", re.IGNORECASE)


def insert_after_widget_tag(text: str, snippet_lines: list[str]) -> str | None:
    """Insert lines right after the first widget tag's `</script>` (in the same block and
    conditional), each on a line of its own indented like the tag; None: no widget tag, or it
    is never closed."""
    tags = widget_tags(text)
    close = _SCRIPT_CLOSE.search(text, tags[0].end) if tags else None
    if close is None:
        return None
    nl = newline_of(text)
    indent = indent_at(text, tags[0].start)
    pos = close.end()
    block = "".join(nl + indent + line for line in snippet_lines)
    line_end = text.find("\n", pos)
    if text[pos : len(text) if line_end < 0 else line_end].strip():
        block += nl + indent  # the tag's line goes on after it: that rest keeps a line of its own
    return text[:pos] + block + text[pos:]


def add_attribute(text: str, tag: Tag, attribute: str, separator: str = " ") -> str:
    """Insert `separator + attribute` right after the tag's last attribute, before its closing
    '>' (or '/>'). A conditional attribute carries its own leading space and passes
    `separator=""`, so the tag renders exactly as before when the condition is false."""
    close = tag.end - 1
    if text[close - 1] == "/":
        close -= 1
    while close > tag.start and text[close - 1] in " \t":
        close -= 1
    return text[:close] + separator + attribute + text[close:]


def indent_at(text: str, offset: int) -> str:
    line_start = text.rfind("\n", 0, offset) + 1
    m = re.match(r"[ \t]*", text[line_start:])
    return m.group(0) if m else ""


def newline_of(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def insert_before_body_close(text: str, snippet_lines: list[str]) -> str | None:
    """Insert lines just before the last `</body>`, indented like the line the body's last
    markup starts on (one level deeper than `</body>` when that line is not). None: no
    </body>."""
    matches = list(_BODY_CLOSE.finditer(text))
    if not matches:
        return None
    pos = matches[-1].start()
    nl = newline_of(text)
    indent = indent_at(text, pos)
    line_start = text.rfind("\n", 0, pos) + 1
    inner = indent + _indent_unit(text)
    lines = text[:line_start].rstrip("\r\n").split("\n")
    # A line not opening markup continues the one above (a tag's attributes, an element's
    # text): the tag joins the block of the line the markup starts on.
    while len(lines) > 1 and lines[-1].strip() and not lines[-1].lstrip().startswith(("<", "{")):
        lines.pop()
    previous = lines[-1].rstrip("\r")
    if previous.strip() and not previous.strip().lower().startswith("<body"):
        above = previous[: len(previous) - len(previous.lstrip())]
        if len(above) >= len(indent) and above.startswith(indent):
            inner = above
    if text[line_start:pos].strip():
        # `</body>` shares its line with other markup: open a line of our own before it.
        block = nl.join(inner + s for s in snippet_lines) + nl + indent
        return text[:pos] + nl + block + text[pos:]
    block = "".join(inner + s + nl for s in snippet_lines)
    return text[:line_start] + block + text[line_start:]


def append_lines(text: str, snippet_lines: list[str]) -> str:
    nl = newline_of(text)
    if text and not text.endswith("\n"):
        text += nl
    return text + "".join(s + nl for s in snippet_lines)


def _indent_unit(text: str) -> str:
    widths = []
    for line in text.splitlines():
        stripped = line.lstrip(" ")
        if stripped and not line.startswith("\t") and len(line) != len(stripped):
            widths.append(len(line) - len(stripped))
    if "\n\t" in text and not widths:
        return "\t"
    return " " * (min(widths) if widths else 2)


@dataclass
class Template:
    """A template file of a `{% extends %}` engine, known by its loader name."""

    path: str
    name: str
    text: str
    extends: str | None = None
    extends_line: int = 0
    body_close_line: int | None = None
    blocks: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> (start, end)

    @property
    def has_body_close(self) -> bool:
        return self.body_close_line is not None


def parse_template(path: str, name: str, text: str) -> Template:
    tpl = Template(path, name, text)
    m = _EXTENDS.search(text)
    if m:
        tpl.extends = m.group("name")
        tpl.extends_line = line_of(text, m.start())
    bodies = list(_BODY_CLOSE.finditer(text))
    if bodies:
        tpl.body_close_line = line_of(text, bodies[-1].start())
    # Blocks: pair each `{% block %}` with its `{% endblock %}` (they nest).
    events = sorted(
        [(b.start(), b.end(), b.group("name")) for b in _BLOCK.finditer(text)]
        + [(e.start(), e.end(), None) for e in _ENDBLOCK.finditer(text)]
    )
    open_blocks: list[tuple[str, int]] = []
    for start, end, name_ in events:
        if name_ is not None:
            open_blocks.append((name_, end))
        elif open_blocks:
            block, body_start = open_blocks.pop()
            tpl.blocks.setdefault(block, (body_start, start))
    return tpl


def load_templates(project: Project, dirs: Iterable[str]) -> dict[str, Template]:
    """Templates under the given template directories, keyed by loader name (first dir wins)."""
    found: dict[str, Template] = {}
    for directory in dirs:
        for path in project.under(directory, project.with_suffix(*TEMPLATE_SUFFIXES)):
            name = path[len(directory.rstrip("/")) + 1 :] if directory not in ("", ".") else path
            if name in found:
                continue
            text = project.text(path)
            if text is not None:
                found[name] = parse_template(path, name, text)
    return found


@dataclass
class Layout:
    """Where the widget tag goes: the layout template and how (`body`, `block`, or `append`)."""

    template: Template
    mode: str
    extenders: int


def find_layouts(templates: dict[str, Template]) -> list[Layout]:
    """Candidate layouts, best first: the template holding `</body>` that the most pages extend.

    Where no template of the chain holds `</body>`: a layout that extends a template from an
    installed package uses its `scripts` block; a root layout without `<body>` markup (HTML5
    lets it be omitted) gets the tag appended.
    """
    children: dict[str, int] = {}
    for tpl in templates.values():
        seen: set[str] = set()
        parent = tpl.extends
        while parent and parent not in seen:
            seen.add(parent)
            children[parent] = children.get(parent, 0) + 1
            above = templates.get(parent)
            parent = above.extends if above else None

    layouts = []
    for name, count in children.items():
        found = templates.get(name)
        if found is None:
            continue
        tpl = found
        if tpl.has_body_close:
            layouts.append(Layout(tpl, "body", count))
        elif tpl.extends and tpl.extends not in templates:
            layouts.append(Layout(tpl, "block", count))
        elif not tpl.extends and "<body" not in tpl.text.lower():
            layouts.append(Layout(tpl, "append", count))
    # A layout extended by another layout candidate is the better home (it covers both).
    names = {lay.template.name for lay in layouts}
    rank = {"body": 0, "block": 1, "append": 2}
    layouts.sort(key=lambda lay: (rank[lay.mode], -lay.extenders, lay.template.path))
    return [lay for lay in layouts if not (lay.mode != "body" and lay.template.extends in names)]


def answered_layout(
    templates: dict[str, Template], layouts: list[Layout], answer: str, root: Path
) -> Layout:
    """The layout `--layout` names (a path or a loader name): a detected one, or any template
    (before its `</body>`, else at its end); a symlink stands for its target, which the plan
    edits. A UsageError when there is no such template, or it leads out of the project."""
    for lay in layouts:
        if answer in (lay.template.path, lay.template.name):
            return replace(lay, template=resolved_template(lay.template, root))
    tpl = next((t for t in templates.values() if answer in (t.path, t.name)), None)
    if tpl is None:
        from scaffolder.errors import UsageError

        raise UsageError(f"--layout {answer}: no such template")
    return Layout(resolved_template(tpl, root), "body" if tpl.has_body_close else "append", 0)


def resolved_template(tpl: Template, root: Path) -> Template:
    """The template as the file it really is: a symlink's target (inside the project)."""
    from scaffolder.answer_rules import layout_target

    target = layout_target(root, tpl.path)
    return tpl if target == tpl.path else replace(tpl, path=target)


def widget_in_templates(templates: dict[str, Template]) -> tuple[Template, Tag] | None:
    for tpl in templates.values():
        tags = widget_tags(tpl.text)
        if tags:
            return tpl, tags[0]
    return None
