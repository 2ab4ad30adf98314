"""Page exclusions in WordPress themes and plugins: the conditional tags that keep a third-party
chat or analytics script off some pages, copied into the rule the widget's `wp_footer` callback
(and the identity script's enqueue) follows, and the pages the report lists.

The guards real themes and plugins use, in a `wp_footer` / `wp_head` / `wp_enqueue_scripts`
callback or a template (`footer.php`): `if ( ! is_page( 'checkout' ) )` around the script or
its `wp_enqueue_script()`, an early `if ( is_page( array( 'embed', 'share' ) ) ) { return; }`,
`is_singular( 'viewer' )`, `is_front_page()`, `is_page_template( ... )`, and a filter the theme
asks (`apply_filters( 'theme_show_chat', true )`), whose callbacks then decide for the widget
too. Tests of configuration (`get_option()`, `get_theme_mod()`, constants), of the user or of the
admin screen are never copied.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from tree_sitter import Node

from scaffolder import treesitter as ts
from scaffolder.exclusions import (
    VENDORS,
    Guard,
    Page,
    Pages,
    Vendor,
    excludes,
    page_parts,
    page_reason,
    split_top,
    viewer_segment,
)
from scaffolder.project import Project

_ANDS, _ORS = ("&&", "and"), ("||", "or")
_NOT_PAGE = re.compile(
    r"\b(?:get_option|get_site_option|get_theme_mod|getenv|defined|constant|is_admin"
    r"|wp_get_environment_type|current_user_can|is_user_logged_in|wp_is_mobile|is_customize_preview)"
    r"\s*\("
)
_FUNCTIONS = ("function_definition", "anonymous_function", "arrow_function", "method_declaration")
_FILTER = re.compile(r"""\bapply_filters\s*\(\s*(['"])(?P<name>[\w/-]+)\1""")
_TAG = re.compile(r"\b(is_\w+)\s*\(")


@dataclass(frozen=True)
class Rule:
    """The app's rule as the widget follows it: `expression`, a PHP test that holds where the
    widget shows (its page parts, as the theme spells them), and the guard reported."""

    guard: Guard
    expression: str
    parts: tuple[str, ...] = ()
    """The expression's operands, each as `expression` joins it with `&&`."""


# What a test copied into the generated plugin may hold: calls of conditional tags and
# apply_filters with literal arguments (strings without interpolation, numbers, arrays of them),
# `!`, parentheses and the boolean operators. The copy runs in a function of its own: a variable
# or any other call of the theme's would be undefined there, or run code of the theme's again.
_TOKEN = re.compile(
    r"""\s+|(?P<call>\b(?:is_\w+|apply_filters)(?=\s*\())|(?P<literal>'[^'\\]*'|"[^"\\${]*"|\d+"""
    r"""|\b(?:true|false|null|array)\b)|(?P<punct>\|\||&&|\b(?:and|or)\b|[!()\[\],])""",
    re.IGNORECASE,
)


def copyable(part: str) -> bool:
    """Whether `part` is made only of what the generated plugin may repeat (`_TOKEN`)."""
    at = 0
    while at < len(part):
        m = _TOKEN.match(part, at)
        if m is None or m.end() == at:
            return False
        at = m.end()
    return True


def reason(part: str) -> str | None:
    """Why a PHP test is about the page (a conditional tag, a per-page flag or filter); None
    for configuration, the user, the admin screen, and for a test the generated plugin cannot
    repeat as is (`copyable`)."""
    if _NOT_PAGE.search(part) or not copyable(part):
        return None
    found = page_reason(part)
    if found is None:
        return None
    asked = _FILTER.search(part)
    if asked is not None:
        return f"asks the filter {asked.group('name')}, whose callbacks decide per page"
    tag = _TAG.search(part)
    return f"checks which page this is, with {tag.group(1)}()" if tag is not None else found


def find(project: Project, roots: Sequence[str]) -> Rule | None:
    """The rule the first chat script (else analytics script) in the PHP files under `roots`
    is kept off some pages with; None when it has none."""
    found: list[tuple[bool, str, int, Rule]] = []
    for path in _php_files(project, roots):
        text = project.text(path) or ""
        if not any(m in text for v in VENDORS for m in v.markers):
            continue
        root = ts.parse(text, "php").root_node
        for vendor, offset in _occurrences(text):
            rule = _rule(path, root, vendor, offset)
            if rule is not None:
                found.append((vendor.kind != "chat", path, offset, rule))
                break
    return min(found, key=lambda f: f[:3])[3] if found else None


def _php_files(project: Project, roots: Sequence[str]) -> list[str]:
    out: list[str] = []
    for root in roots:
        out += project.under(root, project.with_suffix(".php"))
    return list(dict.fromkeys(p for p in out if "/vendor/" not in p and "/node_modules/" not in p))


def _occurrences(text: str) -> Iterator[tuple[Vendor, int]]:
    """Each vendor marker's byte offsets, chat vendors first."""
    data = text.encode("utf-8")
    for vendor in sorted(VENDORS, key=lambda v: v.kind != "chat"):
        for marker in vendor.markers:
            needle = marker.encode("utf-8")
            at = data.find(needle)
            while at >= 0:
                yield vendor, at
                at = data.find(needle, at + 1)


def _rule(path: str, root: Node, vendor: Vendor, offset: int) -> Rule | None:
    node: Node | None = root.descendant_for_byte_range(offset, offset + 1)
    if node is None or node.type == "comment":
        return None
    shows: list[tuple[str, int]] = []  # (page part that holds where the script shows, line)
    lineage = [node]  # from the node up
    parent = node.parent
    while parent is not None:
        child = lineage[-1]
        if parent.type == "if_statement":
            branch = _branch(parent, child)
            if branch == "else":
                return None  # an else / elseif branch: its condition cannot be copied as is
            if branch == "then":
                line = parent.start_point[0] + 1
                shows += [(p, line) for p in _kept(_condition(parent), vendor)]
        if parent.type in _FUNCTIONS:
            if len(lineage) > 1:
                shows += _early_returns(parent, lineage[-2], vendor)
            break
        lineage.append(parent)
        parent = parent.parent
    if not shows:
        return None
    shows.sort(key=lambda s: s[1])  # as the code reads: early returns, then the ifs inside
    parts = list(dict.fromkeys(p for p, _ in shows))
    line = shows[0][1]
    operands = tuple(_operand(p) if len(parts) > 1 else p for p in parts)
    expression = " && ".join(operands)
    guard = Guard(path, line, vendor, expression, reason(parts[0]) or "", "wrap")
    return Rule(guard, expression, operands)


def _branch(if_node: Node, child: Node) -> str:
    """Which part of the if statement `child` is: its `condition`, an `else` (or elseif)
    branch, or the `then` branch (a braced body, or the statements after `:`)."""
    condition = if_node.child_by_field_name("condition")
    if condition is not None and condition.id == child.id:
        return "condition"
    if child.type in ("else_clause", "else_if_clause"):
        return "else"
    return "then"


def _condition(if_node: Node) -> str:
    condition = if_node.child_by_field_name("condition")
    text = ts.text_of(condition) if condition is not None else ""
    return text.strip()[1:-1].strip() if text.strip().startswith("(") else text.strip()


def _kept(condition: str, vendor: Vendor) -> list[str]:
    """The page parts of an `if` around the script that the widget shares (an analytics
    script's: those that exclude pages)."""
    parts, _pure = page_parts(condition, _ANDS, _ORS, reason)
    return [p for p in parts if vendor.kind == "chat" or excludes(p)]


def _early_returns(fn: Node, statement: Node, vendor: Vendor) -> list[tuple[str, int]]:
    """`if ( is_page( 'checkout' ) ) { return; }` before `statement` (the one holding the
    script) in the function's body: each page part that makes it return, negated."""
    body = fn.child_by_field_name("body")
    if body is None or statement.parent is None or statement.parent.id != body.id:
        return []
    out = []
    for stmt in body.named_children:
        if stmt.start_byte >= statement.start_byte:
            break
        if stmt.type != "if_statement" or not _only_returns(stmt):
            continue
        # the function returns where any of these holds: the page ones, negated, must all fail
        exits, _pure = page_parts(_condition(stmt), _ORS, _ANDS, reason)
        out += [(_negated(e), stmt.start_point[0] + 1) for e in exits]
    return [(p, line) for p, line in out if vendor.kind == "chat" or excludes(p)]


def _only_returns(if_node: Node) -> bool:
    if if_node.child_by_field_name("alternative") is not None:
        return False
    body = if_node.child_by_field_name("body")
    if body is None:
        return False
    if body.type == "return_statement":
        return True
    statements = [c for c in body.named_children if c.type != "comment"]
    return body.type == "compound_statement" and [s.type for s in statements] == [
        "return_statement"
    ]


def _atomic(expr: str) -> bool:
    """A call, a variable or a constant: nothing to bracket."""
    expr = expr.strip()
    if re.fullmatch(r"\$?[\w\\]+", expr):
        return True
    m = re.match(r"[\w\\]+\s*\(", expr)
    if m is None:
        return False
    depth = 0
    for i in range(m.end() - 1, len(expr)):
        depth += {"(": 1, ")": -1}.get(expr[i], 0)
        if depth == 0:
            return i == len(expr) - 1
    return False


def _negated(expr: str) -> str:
    expr = expr.strip()
    if expr.startswith("!") and not expr.startswith("!=") and _atomic(expr[1:]):
        return expr[1:].strip()
    return f"! {expr}" if _atomic(expr) else f"! ( {expr} )"


def _operand(expr: str) -> str:
    """A part joined with `&&`: bracketed where it has an `||` of its own."""
    return f"( {expr} )" if len(split_top(expr, _ORS)) > 1 else expr


# -- the report ---------------------------------------------------------------------------------

_NAMED = re.compile(r"\bis_(?:page|singular|single|page_template|post_type_archive)\s*\(")
_TEMPLATE_NAME = re.compile(r"^[ \t/*#@]*Template Name:\s*(?P<name>.+)$", re.MULTILINE)
_FOOTER = re.compile(r"\b(?:wp_footer|get_footer)\s*\(")


def report(project: Project, roots: Sequence[str], rule: Rule | None) -> Pages:
    """The rule the widget follows and the pages the report lists: the pages, post types and
    templates its conditional tags name, the callbacks of the filters it asks, and the
    templates whose name says public viewer (the widget is printed there unless the template
    leaves out wp_footer(), or the rule says otherwise)."""
    listed: list[Page] = []
    guard = rule.guard if rule is not None else None
    files = _php_files(project, roots)
    if guard is not None:
        named = [_call_at(guard.condition, m.start()) for m in _NAMED.finditer(guard.condition)]
        if named:
            why = f"the app's own exclusion: the pages {' and '.join(named)} name"
            listed.append(Page(guard.path, guard.line, False, why))
        for m in _FILTER.finditer(guard.condition):
            listed += _filter_callbacks(project, files, m.group("name"))
    for path in files:
        relative = posixpath.relpath(path, _root_of(path, roots))
        viewer = viewer_segment(relative, strict=True)
        if viewer is None:
            continue
        text = project.text(path) or ""
        template = _TEMPLATE_NAME.search(text[:8192])
        if template is None and not _template_file(path):
            continue
        why = f"`{viewer}` in its name looks like a public viewer"
        carries: bool | None = True
        if not _FOOTER.search(text):
            carries, why = False, f"{why}; it calls neither wp_footer() nor get_footer()"
        elif guard is not None and (
            f"'{relative}'" in guard.condition or f'"{relative}"' in guard.condition
        ):
            carries, why = False, f"{why}; the app's own exclusion: the rule names it"
        elif guard is not None:
            carries, why = None, f"{why}; the app's rule `{guard.condition}` decides"
        listed.append(Page(path, 1, carries, why))
    return Pages(guard, listed)


def _call_at(expr: str, start: int) -> str:
    """The call starting at `start` in `expr`, to its closing parenthesis."""
    depth = 0
    for i in range(expr.index("(", start), len(expr)):
        depth += {"(": 1, ")": -1}.get(expr[i], 0)
        if depth == 0:
            return expr[start : i + 1]
    return expr[start:]


def _filter_callbacks(project: Project, files: Sequence[str], name: str) -> list[Page]:
    pattern = re.compile(rf"""\badd_filter\s*\(\s*(['"]){re.escape(name)}\1""")
    out = []
    for path in files:
        text = project.text(path) or ""
        for m in pattern.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            why = f"a callback of {name}: decides per page for the widget too"
            out.append(Page(path, line, None, why))
    return out


def _root_of(path: str, roots: Sequence[str]) -> str:
    return max((r for r in roots if path.startswith(r.rstrip("/") + "/")), key=len, default=".")


# WordPress's template hierarchy: files it picks by the query (`single-viewer.php`).
_HIERARCHY = re.compile(
    r"(?:^|/)(?:page|single|singular|archive|taxonomy|category|tag|embed)(?:-[\w-]+)?\.php$"
)


def _template_file(path: str) -> bool:
    return bool(_HIERARCHY.search(path)) or "/templates/" in path or "/page-templates/" in path
