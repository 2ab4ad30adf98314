"""Page exclusions in `{% %}` templates (Jinja2 and Django): the guard a layout puts around a
third-party chat or analytics script, the widget's lines placed under it, and the pages the
report lists.

The guards real layouts use: `{% if request.path not in EXCLUDED_PATHS %}`, `{% if not
hide_chat %}` (the flag set by the pages' views or `{% with %}`), `{% if CHAT_ENABLED %}`
computed per page by a context processor, around the script itself or an `{% include %}` of
a partial holding it (or inside the partial); and `{% block chat %}` holding the script, which
the pages that must not have it override empty. Pure functions over the template texts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

from scaffolder.exclusions import (
    Guard,
    Page,
    Pages,
    Vendor,
    excludes,
    named_third_party,
    page_parts,
    page_reason,
    setters,
    third_party,
    viewer_segment,
)
from scaffolder.markup import Layout, Template, indent_at, line_of, newline_of
from scaffolder.model import Evidence

_TAG = re.compile(r"\{%-?\s*(?P<name>\w+)(?P<args>.*?)-?%\}", re.DOTALL)
_COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)
_SCRIPT = re.compile(r"<script\b.*?(?:</script\s*>|$)", re.DOTALL | re.IGNORECASE)
_INCLUDE = re.compile(r"""^\s*(['"])(?P<name>[^'"]+)\1""")
_BODY = re.compile(r"<body\b", re.IGNORECASE)
_SUPER = re.compile(r"\{\{-?\s*(?:block\.super|super\(\))\s*-?\}\}")
# Tags that open a body ended by `end<name>` (`set` only in its block form, without `=`).
_OPENERS = frozenset(
    {
        "if", "for", "block", "with", "macro", "call", "filter", "autoescape", "spaceless",
        "trans", "blocktrans", "blocktranslate", "ifchanged", "localize", "language", "cache",
        "timezone", "set",
    }
)  # fmt: skip
_VERBATIM = frozenset({"raw", "verbatim", "comment"})
_ANDS, _ORS = ("and",), ("or",)
_MAIL = re.compile(r"(?i)(?:^|/)(?:e-?mails?|mails?|newsletters?)(?:/|$)|(?:^|[/_.-])e?mail[_.-]")


class Region(NamedTuple):
    """A conditional branch or a block of a template: its tag, its content and what ends it."""

    kind: str  # "if" | "elif" | "else" | "block" | "scope"
    text: str  # the branch's condition, the block's name
    tag_start: int
    start: int  # content start (just past the tag)
    end: int  # content end: the start of the tag that closes it (elif / else / endif ...)

    def holds(self, offset: int) -> bool:
        return self.start <= offset < self.end


def regions(text: str) -> list[Region]:
    """The template's branches, blocks and other bodies, outermost first for nested ones."""
    out: list[Region] = []
    # open: (name, tag_start, content_start, text) of each open body; for `if`, the branch
    stack: list[tuple[str, int, int, str]] = []
    masked = _COMMENT.sub(lambda m: " " * len(m.group(0)), text)
    pos = 0
    while True:
        m = _TAG.search(masked, pos)
        if m is None:
            break
        name, args = m.group("name"), m.group("args").strip()
        pos = m.end()
        if name in _VERBATIM:
            closer = re.compile(r"\{%-?\s*end" + name + r"\b.*?%\}", re.DOTALL)
            found = closer.search(masked, pos)
            pos = found.end() if found else len(masked)
            continue
        if name in _OPENERS and not (name == "set" and "=" in args):
            kind = name if name in ("if", "block") else "scope"
            stack.append((kind, m.start(), m.end(), args.split()[0] if name == "block" else args))
        elif name in ("elif", "else", "empty") and stack:
            kind, tag_start, start, cond = stack.pop()
            out.append(Region(kind, cond, tag_start, start, m.start()))
            following = "else" if name in ("else", "empty") else "elif"
            stack.append((following if kind != "scope" else "scope", m.start(), m.end(), args))
        elif name.startswith("end") and stack:
            kind, tag_start, start, cond = stack.pop()
            out.append(Region(kind, cond, tag_start, start, m.start()))
    out.sort(key=lambda r: (r.start, -r.end))
    return out


class _Use(NamedTuple):
    """A third-party script in a template, directly or through an `{% include %}`."""

    offset: int
    vendor: Vendor
    inner: tuple[str, ...] = ()
    """Page conditions inside the included partial around its script."""
    partial: str = ""


def _uses(tpl_text: str, templates: Mapping[str, Template], depth: int = 0) -> list[_Use]:
    out = []
    for m in _SCRIPT.finditer(tpl_text):
        vendor = third_party(m.group(0))
        if vendor is not None:
            out.append(_Use(m.start(), vendor))
    for m in _TAG.finditer(tpl_text):
        if m.group("name") != "include" or depth > 1:
            continue
        target = _INCLUDE.match(m.group("args"))
        if target is None:
            continue
        name = target.group("name")
        partial = templates.get(name)
        inner: tuple[str, ...] = ()
        vendor = None
        if partial is not None:
            nested = _uses(partial.text, templates, depth + 1)
            if nested:
                vendor = nested[0].vendor
                # None: an else / elif branch in the partial, whose rule is not copied
                conds = _page_conditions(partial.text, nested[0].offset, vendor)
                inner = (*conds, *nested[0].inner) if conds is not None else ()
        vendor = vendor or named_third_party(name.rsplit("/", 1)[-1])
        if vendor is not None:
            out.append(_Use(m.start(), vendor, inner, name))
    out.sort(key=lambda u: (u.vendor.kind != "chat", u.offset))
    return out


def loads_third_party(text: str, templates: Mapping[str, Template]) -> bool:
    """Whether the template loads a chat or analytics script (itself or through an include)."""
    return bool(_uses(text, _named(templates)))


def _named(templates: Mapping[str, Template]) -> dict[str, Template]:
    """The templates by loader name (a stack may key them by path)."""
    out: dict[str, Template] = {}
    for tpl in templates.values():
        out.setdefault(tpl.name, tpl)
    return out


def _page_conditions(text: str, offset: int, vendor: Vendor) -> tuple[str, ...] | None:
    """The page parts of the if-branches around `offset` (a partial's own guard); None when
    one of them is an `else` / `elif` (its condition cannot be copied as is)."""
    out: list[str] = []
    for r in regions(text):
        if r.holds(offset) and r.kind in ("if", "elif", "else"):
            if r.kind != "if":
                return None
            parts, _pure = page_parts(r.text, _ANDS, _ORS)
            out += [p for p in parts if vendor.kind == "chat" or excludes(p)]
    return tuple(out)


def guard_in(path: str, text: str, name: str, templates: Mapping[str, Template]) -> Guard | None:
    """The rule the layout `path` (its current `text`, loader `name`) keeps a chat or analytics
    script off some pages with, as the widget follows it; None when it has none."""
    templates = _named(templates)
    children = _descendants(templates, name)
    spans = regions(text)
    body = _BODY.search(text)
    uses = _uses(text, templates)
    if any(u.vendor.kind == "chat" for u in uses):
        uses = [u for u in uses if u.vendor.kind == "chat"]  # the chat's rule, not tracking's
    for use in uses:
        around = [r for r in spans if r.holds(use.offset)]
        guard = _guard(path, text, use, around, children, body.start() if body else None)
        if guard is not None:
            return guard
    return None


def _guard(
    path: str,
    text: str,
    use: _Use,
    around: list[Region],
    children: list[Template],
    body: int | None,
) -> Guard | None:
    vendor = use.vendor

    def parts_of(r: Region) -> tuple[list[str], bool]:
        if r.kind == "else":
            return [], False
        parts, pure = page_parts(r.text, _ANDS, _ORS)
        return [p for p in parts if vendor.kind == "chat" or excludes(p)], pure

    if not use.inner:
        # Inside: the innermost branch or block that it and every branch around it keep on
        # the page alone (a branch on configuration stops the search: the widget would share
        # that condition).
        inside: Region | None = None
        for r in around:
            if r.kind == "scope":
                continue
            if r.kind == "block":
                if _overriders(children, r.text):
                    inside = r
                continue
            parts, pure = parts_of(r)
            if r.kind != "if" or not parts or not pure:
                break
            inside = r
        if inside is not None and (inside.kind == "block" or body is None or inside.end > body):
            return _inside(path, text, vendor, inside, children)
    # Wrap: a copy of the page conditions, where the widget's lines go anyway.
    conditions: list[str] = []
    for r in around:
        if r.kind in ("if", "elif", "else"):
            parts, _pure = parts_of(r)
            if parts and r.kind != "if":
                return None  # an elif / else branch: its condition cannot be copied as is
            conditions += parts
    conditions += use.inner
    if not conditions:
        return None
    at = next((r.tag_start for r in around if r.kind == "if" and parts_of(r)[0]), use.offset)
    reason = page_reason(conditions[0]) or ""
    if use.inner:
        reason += f", in {use.partial}"
    condition = " and ".join(dict.fromkeys(conditions))
    return Guard(path, line_of(text, at), vendor, condition, reason, "wrap")


def _inside(
    path: str, text: str, vendor: Vendor, region: Region, children: list[Template]
) -> Guard:
    line = line_of(text, region.tag_start)
    if region.kind == "block":
        overriders = _overriders(children, region.text)
        evidence = tuple(
            Evidence(c.path, line, f"overrides {{% block {region.text} %}} without its parent's")
            for c, line in overriders
        )
        reason = "a block the pages that must not have it override"
        return Guard(
            path,
            line,
            vendor,
            region.text,
            reason,
            "inside",
            region.end,
            evidence,
            block=True,
            end_line=line_of(text, region.end),
        )
    reason = page_reason(region.text) or ""
    evidence = tuple(_flag_setters(children, region.text))
    return Guard(
        path,
        line,
        vendor,
        region.text.strip(),
        reason,
        "inside",
        region.end,
        evidence,
        end_line=line_of(text, region.end),
    )


def _flag_setters(children: list[Template], condition: str) -> list[Evidence]:
    reason = page_reason(condition) or ""
    m = re.search(r"per-page flag \((\w+)\)", reason)
    if m is None:
        return []
    return setters(((c.path, c.text) for c in children), m.group(1))


def _descendants(templates: Mapping[str, Template], name: str) -> list[Template]:
    out = []
    for tpl in templates.values():
        if name in _chain(templates, tpl):
            out.append(tpl)
    return out


def _chain(templates: Mapping[str, Template], tpl: Template) -> list[str]:
    """The names `tpl` extends, nearest first."""
    out: list[str] = []
    parent = tpl.extends
    while parent and parent not in out:
        out.append(parent)
        above = templates.get(parent)
        parent = above.extends if above else None
    return out


def _overriders(children: list[Template], block: str) -> list[tuple[Template, int]]:
    """The templates below the layout that override `block` without its parent's content."""
    out = []
    for child in children:
        span = child.blocks.get(block)
        if span is None or _SUPER.search(child.text[span[0] : span[1]]):
            continue
        start = child.text.rfind("{%", 0, span[0])
        out.append((child, line_of(child.text, max(start, 0))))
    return out


# -- placing the widget's lines ------------------------------------------------------------------


def place(
    text: str, guard: Guard | None, lines: list[str], default: Callable[[list[str]], str]
) -> str:
    """The layout's text with `lines` under the guard: at the end of the guarded branch or
    block (`inside`), or where `default` puts lines, wrapped in a copy of the condition."""
    if guard is None:
        return default(lines)
    if guard.mode == "wrap":
        unit = _unit(text)
        return default([f"{{% if {guard.condition} %}}", *(unit + s for s in lines), "{% endif %}"])
    return inside(text, guard, lines)


def inside(text: str, guard: Guard, lines: list[str]) -> str:
    """The layout's text with `lines` at the end of the branch or block a guard of mode
    `inside` keeps on some pages."""
    nl = newline_of(text)
    pos = guard.offset
    line_start = text.rfind("\n", 0, pos) + 1
    indent = _content_indent(text, guard, line_start)
    if text[line_start:pos].strip():
        # the closing tag shares its line with the guarded markup: lines of their own before it
        block = "".join(nl + indent + s for s in lines) + nl + indent_at(text, pos)
        return text[:pos] + block + text[pos:]
    return text[:line_start] + "".join(indent + s + nl for s in lines) + text[line_start:]


def _content_indent(text: str, guard: Guard, closer_line: int) -> str:
    """The indentation of the guarded branch's own lines (the first one starting a line), else
    one step deeper than its closing tag."""
    start = _branch_start(text, guard)
    found = [
        m.group(1)
        for m in re.finditer(r"(?m)^([ \t]*)\S", text[:closer_line])
        if m.start() >= start
    ]
    if found:
        return found[0]
    return indent_at(text, guard.offset) + _unit(text)


def _branch_start(text: str, guard: Guard) -> int:
    for r in regions(text):
        if r.end == guard.offset:
            return r.start
    return guard.offset


def _unit(text: str) -> str:
    widths = [
        len(m.group(1)) for m in re.finditer(r"(?m)^( +)\S", text) if len(m.group(1)) % 2 == 0
    ]
    if "\n\t" in text and not widths:
        return "\t"
    return " " * (min(widths) if widths else 2)


# -- the report ---------------------------------------------------------------------------------


def report(
    templates: Mapping[str, Template], layouts: Sequence[Layout], widget: str | None, placed: bool
) -> Pages:
    """The report's pages for the template holding the widget tag (`widget`), else for the
    layout it goes in (the first of `layouts`, unless the next one ties with it: that is the
    `layout` question); the guard is followed when the plan places the tag (`placed`)."""
    if widget is not None:
        held = next((t for t in templates.values() if t.path == widget), None)
        return pages(templates, held, follow=False) if held else Pages()
    if not layouts or (len(layouts) > 1 and _rank(layouts[0]) == _rank(layouts[1])):
        return Pages()
    return pages(templates, layouts[0].template, follow=placed)


def _rank(layout: Layout) -> tuple[str, int]:
    return layout.mode, layout.extenders


def pages(templates: Mapping[str, Template], layout: Template, *, follow: bool = True) -> Pages:
    """The guard the widget follows in `layout` (with `follow`), and the pages the report
    lists: full pages that do not extend it (other layouts, standalone pages: no widget),
    pages the guard keeps it off, and the pages under it whose path says they are public
    viewers (the widget is there: the user decides)."""
    templates = _named(templates)
    guard = guard_in(layout.path, layout.text, layout.name, templates) if follow else None
    listed: list[Page] = []
    excluded = {e.file for e in guard.evidence} if guard else set()
    if guard is not None:
        listed += [
            Page(e.file, e.line, False, f"the app's own exclusion: {e.why}") for e in guard.evidence
        ]
    ancestors = set(_chain(templates, layout))
    extenders: dict[str, int] = {}
    for tpl in templates.values():
        for parent in _chain(templates, tpl):
            extenders[parent] = extenders.get(parent, 0) + 1
    for tpl in sorted(templates.values(), key=lambda t: t.path):
        if tpl.path == layout.path or tpl.name in ancestors or tpl.path in excluded:
            continue
        chain = _chain(templates, tpl)
        viewer = viewer_segment(tpl.path)
        looks = f"; `{viewer}` in its path looks like a public viewer" if viewer else ""
        if layout.name in chain:
            if viewer:
                via = f" (through {chain[0]})" if chain[0] != layout.name else ""
                why = f"extends {layout.name}{via}{looks}"
                carries: bool | None = True
                if guard is not None and guard.reason.startswith("checks the page"):
                    carries = None  # a path the rule checks: the route decides, not the template
                    why += f"; `{guard.condition}` decides"
                listed.append(Page(tpl.path, tpl.extends_line or 1, carries, why))
            continue
        if tpl.extends or not _full_page(tpl) or _MAIL.search(tpl.path):
            continue
        count = extenders.get(tpl.name, 0)
        what = f"a layout of its own ({count} template(s) extend it)" if count else "a full page"
        why = f"{what} that does not extend {layout.name}{looks}"
        listed.append(Page(tpl.path, tpl.body_close_line or 1, False, why))
    return Pages(guard, listed)


def _full_page(tpl: Template) -> bool:
    return tpl.has_body_close or "<html" in tpl.text.lower()
