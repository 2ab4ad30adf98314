"""Pages whose HTML is built in code: a template literal holding `</body>` that a route sends
(`res.send(`<html>...`)`, directly or through a variable), or that a layout function returns
(`layout(title, body, user)`) whose result the routes calling it send.

The widget tag goes before that `</body>`, inside the literal, its `data-user-token` written by
the token module's `widgetTokenAttribute` (escaped for the attribute) from the token the
middleware left in `res.locals`: read there where the route sends the literal, handed to a
layout function as a new last parameter by each route that calls it. Literals nobody sends
(e-mail bodies, `sendMail({ html })`) are left alone.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass

from tree_sitter import Node

from scaffolder.js.style import Style
from scaffolder.js.syntax import FUNCTION_TYPES, Source, callee_name, checked_splice, exports
from scaffolder.markup import Layout, Template, widget_tags
from scaffolder.stacks.express.index import JsIndex, Module, exported_function, parameters
from scaffolder.stacks.express.views import Found, after_tag, insert_html
from scaffolder.steps import SCRIPT, widget_tag
from scaffolder.treesitter import walk

MODE = "code"  # the `Layout.mode` of a page built in code
HELPER = "widgetTokenAttribute"
PARAM = "widgetToken"  # the layout function's new parameter
LOCAL = "bestchatbotToken"  # what the middleware sets in res.locals
_BODY_CLOSE = re.compile(r"</body\s*>", re.IGNORECASE)
_SENDS = frozenset({"send", "end"})
# Expressions a literal's value flows through on its way to `res.send(...)` / `return`.
_WRAPPERS = frozenset({"parenthesized_expression", "ternary_expression", "binary_expression"})
_ARGUMENT_WRAPPERS = _WRAPPERS | {"await_expression", "arguments", "call_expression"}


@dataclass(frozen=True)
class Caller:
    """A call of a layout function: which call of that name in its module (walk order), and
    the response object its result is sent with (None: not sent there, e.g. returned)."""

    path: str
    callee: str
    ordinal: int
    line: int
    res: str | None
    spread: bool = False


@dataclass(frozen=True)
class CodePage:
    """A template literal holding `</body>` (which one of its module's, in walk order), the
    response object that sends it (`res`), or else the layout function returning it with the
    calls that send its result."""

    path: str
    ordinal: int
    line: int
    res: str | None
    function: str | None = None
    params: int = 0
    callers: tuple[Caller, ...] = ()
    tag: Found | None = None  # the widget tag already in it (offsets into the file's text)
    problem: str | None = None  # why the layout function cannot take the token

    @property
    def sent_by(self) -> tuple[Caller, ...]:
        return tuple(c for c in self.callers if c.res is not None and not c.spread)

    @property
    def unsent(self) -> tuple[Caller, ...]:
        return tuple(c for c in self.callers if c.res is None or c.spread)


# -- finding them -----------------------------------------------------------------------------


def find(index: JsIndex) -> list[CodePage]:
    """The pages the package's server modules build in template literals."""
    pages = []
    for mod in index.modules(containing="</"):
        for ordinal, literal in enumerate(literals(mod.source)):
            page = _page(index, mod, ordinal, literal)
            if page is not None:
                pages.append(page)
    return pages


def as_layouts(pages: list[CodePage], index: JsIndex) -> list[Layout]:
    """One `Layout` per module holding pages (the plan edits each page of it)."""
    out = []
    for path in dict.fromkeys(p.path for p in pages):
        mine = [p for p in pages if p.path == path]
        mod = index.module(path)
        text = mod.text if mod is not None else ""
        template = Template(path, path, text, body_close_line=mine[0].line)
        out.append(Layout(template, MODE, sum(len(p.sent_by) for p in mine)))
    return out


def literals(source: Source) -> list[Node]:
    """The module's template literals whose own text (not a `${}`) closes the body."""
    return [
        node
        for node in walk(source.root)
        if node.type == "template_string"
        and any(
            c.type == "string_fragment" and _BODY_CLOSE.search(source.text_of(c))
            for c in node.named_children
        )
    ]


def _page(index: JsIndex, mod: Module, ordinal: int, literal: Node) -> CodePage | None:
    line = mod.line(_body_close(mod.source, literal)[0])
    tag = _tag(mod.source, literal)
    res = sent_with(mod, literal)
    if res is not None:
        return CodePage(mod.path, ordinal, line, res, tag=tag)
    fn = returned_by(mod, literal)
    if fn is None:
        return None
    callers = tuple(_callers(index, mod, fn))
    if not any(c.res for c in callers):
        return None
    params = _formal(fn)
    rest = params is not None and any(p.type == "rest_pattern" for p in params.named_children)
    names = parameters(mod, fn)
    name = _local_name(mod, fn) or callers[0].callee
    return CodePage(
        mod.path,
        ordinal,
        line,
        None,
        function=name,
        params=len(names) - (PARAM in names),
        callers=callers,
        tag=tag,
        problem=f"{name}() takes a rest parameter" if rest else None,
    )


def sent_with(mod: Module, node: Node) -> str | None:
    """The response object `node`'s value is sent with: `res.send(<node>)` (also through a
    wrapping expression or call), or a variable it initialises that the same function sends."""
    current = node
    while (parent := current.parent) is not None:
        if parent.type == "arguments" and parent.parent is not None:
            res = _sender(mod, parent.parent)
            if res is not None:
                return res
        elif parent.type == "variable_declarator":
            name = parent.child_by_field_name("name")
            if name is None or name.type != "identifier":
                return None
            scope = _function_of(parent) or mod.source.root
            return _sends_variable(mod, scope, mod.text_of(name))
        elif parent.type not in _ARGUMENT_WRAPPERS:
            return None
        current = parent
    return None


def returned_by(mod: Module, node: Node) -> Node | None:
    """The function returning `node`'s value (`return `...``, an arrow's body, or a variable
    it initialises that the function returns)."""
    current = node
    while (parent := current.parent) is not None:
        if parent.type == "return_statement":
            return _function_of(parent)
        if parent.type == "arrow_function":
            body = parent.child_by_field_name("body")
            return parent if body is not None and body.id == current.id else None
        if parent.type == "variable_declarator":
            name = parent.child_by_field_name("name")
            fn = _function_of(parent)
            if fn is None or name is None:
                return None
            wanted = mod.text_of(name)
            for stmt in walk(fn):
                if (
                    stmt.type == "return_statement"
                    and stmt.named_children
                    and mod.text_of(stmt.named_children[0]) == wanted
                    and _function_of(stmt) is not None
                    and _function_of(stmt).id == fn.id  # type: ignore[union-attr]
                ):
                    return fn
            return None
        if parent.type not in _WRAPPERS:
            return None
        current = parent
    return None


def _sender(mod: Module, call: Node) -> str | None:
    """`res` for `res.send(...)` / `res.status(200).send(...)` / `res.end(...)`, where `res`
    is a parameter of an enclosing function (a route handler's response)."""
    fn = call.child_by_field_name("function")
    if fn is None or fn.type != "member_expression":
        return None
    if mod.text_of(fn.child_by_field_name("property")) not in _SENDS:
        return None
    root = fn.child_by_field_name("object")
    while root is not None and root.type in ("member_expression", "call_expression"):
        field = "object" if root.type == "member_expression" else "function"
        root = root.child_by_field_name(field)
    if root is None or root.type != "identifier":
        return None
    name = mod.text_of(root)
    scope = _function_of(call)
    while scope is not None:
        if name in parameters(mod, scope):
            return name
        scope = _function_of(scope)
    return None


def _sends_variable(mod: Module, scope: Node, name: str) -> str | None:
    for node in walk(scope):
        if node.type != "call_expression":
            continue
        args = node.child_by_field_name("arguments")
        if args is None or not any(
            a.type == "identifier" and mod.text_of(a) == name for a in args.named_children
        ):
            continue
        res = _sender(mod, node)
        if res is not None:
            return res
    return None


def _function_of(node: Node) -> Node | None:
    parent = node.parent
    while parent is not None and parent.type not in FUNCTION_TYPES:
        parent = parent.parent
    return parent


def _local_name(mod: Module, fn: Node) -> str | None:
    if fn.type == "function_declaration":
        return mod.text_of(fn.child_by_field_name("name")) or None
    parent = fn.parent
    if parent is not None and parent.type == "variable_declarator":
        name = parent.child_by_field_name("name")
        return mod.text_of(name) if name is not None and name.type == "identifier" else None
    return None


def _callers(index: JsIndex, mod: Module, fn: Node) -> list[Caller]:
    """The calls of `fn`: by its name in its own module, and where other modules import it
    (by name, as the default export, or as a member of the module they require)."""
    local = _local_name(mod, fn)
    named = {name for name, node in exports(mod.source).items() if node.id == fn.id}
    default = exported_function(mod, None)
    is_default = default is not None and default.id == fn.id
    found = _calls(mod, {local} if local else set())
    stem = posixpath.basename(posixpath.splitext(mod.path)[0])
    if stem == "index":
        stem = posixpath.basename(posixpath.dirname(mod.path)) or stem
    for other in index.modules(containing=stem):
        if other.path == mod.path:
            continue
        callees: set[str] = set()
        for name, spec in other.bindings.items():
            base, _, member = spec.partition("#")
            if not base.startswith(".") or (target := index.resolve(other, base)) is None:
                continue
            if target.path != mod.path:
                continue
            if member:
                callees |= {name} if member in named else set()
            else:
                callees |= {name} if is_default else set()
                callees |= {f"{name}.{n}" for n in named}
        found += _calls(other, callees)
    return found


def _calls(mod: Module, callees: set[str]) -> list[Caller]:
    out = []
    seen: dict[str, int] = {}
    for node in walk(mod.source.root):
        if node.type != "call_expression":
            continue
        callee = callee_name(mod.source, node)
        if callee not in callees:
            continue
        ordinal = seen.get(callee, 0)
        seen[callee] = ordinal + 1
        args = node.child_by_field_name("arguments")
        spread = args is not None and any(a.type == "spread_element" for a in args.named_children)
        out.append(Caller(mod.path, callee, ordinal, mod.line(node), sent_with(mod, node), spread))
    return out


def _formal(fn: Node) -> Node | None:
    return fn.child_by_field_name("parameters")


def _body_close(source: Source, literal: Node) -> tuple[int, int]:
    """Byte range of the last `</body>` in the literal's own text."""
    found = (0, 0)
    for child in literal.named_children:
        if child.type != "string_fragment":
            continue
        text = source.text_of(child)
        for m in _BODY_CLOSE.finditer(text):
            start = child.start_byte + len(text[: m.start()].encode("utf-8"))
            found = (start, start + len(m.group(0).encode("utf-8")))
    return found


def _tag(source: Source, literal: Node) -> Found | None:
    """The widget tag already in the literal, by character offsets into the file."""
    start = len(source.data[: literal.start_byte].decode("utf-8"))
    end = len(source.data[: literal.end_byte].decode("utf-8"))
    for tag in widget_tags(source.text):
        if start <= tag.start < end:
            return Found(tag.start, tag.end, tag.text)
    return None


# -- the edits ----------------------------------------------------------------------------------


def tag_html(api_key: str, token: str) -> str:
    """The widget tag as a line of the literal: the API key escaped for the attribute (which
    also keeps `${`, backticks and backslashes out of the literal), the token attribute
    written by the helper."""
    return widget_tag(api_key, f"${{{HELPER}({token})}}")


def edit_pages(
    mod: Module,
    pages: list[CodePage],
    tag: Callable[[str], str],
    locals_read: Callable[[str], str],
    ts: bool,
) -> str:
    """The module with each page's widget tag (or its token attribute) and each layout
    function's token parameter. `tag(token expression)` is the tag's line; `locals_read(res)`
    reads the token from a response's locals."""
    text = mod.text
    for page in pages:
        source = Source(text, mod.source.language, mod.path)
        literal = literals(source)[page.ordinal]
        token = PARAM if page.function else locals_read(page.res or "res")
        text = _tagged(source, literal, tag(token), token)
        if page.function:
            source = Source(text, mod.source.language, mod.path)
            fn = returned_by(Module(mod.path, source, mod.system), literals(source)[page.ordinal])
            if fn is not None:
                text = _with_parameter(source, fn, ts)
    return text


def insert_lines(mod: Module, pages: list[tuple[CodePage, list[str]]]) -> str:
    """The module with each page's lines (the widget tag, the identity script: plain HTML)
    before its `</body>`; a page already loading the identity script is left alone."""
    text = mod.text
    for page, lines in pages:
        source = Source(text, mod.source.language, mod.path)
        literal = literals(source)[page.ordinal]
        if SCRIPT in source.text_of(literal):
            continue
        text = _before_body_close(source, literal, lines)
    return text


def after_tags(mod: Module, pages: list[CodePage], line: str) -> str:
    """The module with `line` (plain HTML: the identity script) right after the widget tag of
    each page; a page without the tag, or already loading the identity script, is left
    alone."""
    text = mod.text
    for page in pages:
        source = Source(text, mod.source.language, mod.path)
        literal = literals(source)[page.ordinal]
        found = _tag(source, literal)
        if found is None or SCRIPT in source.text_of(literal):
            continue
        at, added = after_tag("html", text, found, line)
        at = len(text[:at].encode("utf-8"))
        text = checked_splice(text, [(at, at, added)], source.language, mod.path)
    return text


def edit_callers(
    mod: Module,
    callers: list[tuple[Caller, int]],
    locals_read: Callable[[str], str],
    st: Style,
    width: int,
) -> str:
    """The module with the token passed as the last argument of each call that a route sends
    (`(caller, the function's parameters)`), padded with `undefined` for the ones it omits;
    a call that no longer fits in `width` columns gets one argument a line, as Prettier
    breaks it."""
    text = mod.text
    for caller, params in callers:
        source = Source(text, mod.source.language, mod.path)
        calls = [
            n
            for n in walk(source.root)
            if n.type == "call_expression" and callee_name(source, n) == caller.callee
        ]
        args = calls[caller.ordinal].child_by_field_name("arguments")
        if args is None or caller.res is None:
            continue
        given = [a for a in args.named_children if a.type != "comment"]
        if any(LOCAL in source.text_of(a) for a in given):
            continue
        pieces = ["undefined"] * max(0, params - len(given)) + [locals_read(caller.res)]
        edit = _appended(source, args, given, pieces, st, width)
        text = checked_splice(text, [edit], source.language, mod.path)
    return text


def _appended(
    source: Source, args: Node, given: list[Node], pieces: list[str], st: Style, width: int
) -> tuple[int, int, str]:
    """The splice adding `pieces` after the call's arguments, in the layout they have."""
    nl = "\r\n" if "\r\n" in source.text else "\n"
    if given and source.line(given[-1]) != source.line(args):  # one argument a line already
        indent = source.indent_at(given[-1].start_byte)
        after = given[-1].end_byte
        comma = source.data[after : args.end_byte - 1].strip().startswith(b",")
        if comma:
            after = source.data.index(b",", after) + 1
        lines = "".join(f"{nl}{indent}{p}," for p in pieces)
        return after, after, ("" if comma else ",") + (lines if comma else lines[:-1])
    if given:
        at, added = given[-1].end_byte, ", " + ", ".join(pieces)
    else:
        at, added = args.start_byte + 1, ", ".join(pieces)
    start = source.line_start(args.start_byte)
    end = source.data.find(b"\n", args.end_byte)
    line = source.data[start : len(source.data) if end < 0 else end].decode("utf-8").rstrip()
    if len(line) > width or len(line) + len(added) <= width or "\n" in source.text_of(args):
        return at, at, added
    indent = source.indent_at(args.start_byte)
    values = [source.text_of(a) for a in given] + pieces
    inner = "".join(f"{nl}{indent}{st.indent}{value}," for value in values)
    if not st.trailing_commas:
        inner = inner[:-1]
    return args.start_byte, args.end_byte, f"({inner}{nl}{indent})"


def _tagged(source: Source, literal: Node, line: str, token: str) -> str:
    """The literal with the widget tag before its `</body>`, or with the token attribute on
    the tag already there; unchanged when it carries one."""
    text = source.text
    found = _tag(source, literal)
    if found is not None:
        if found.has_user_token or HELPER in found.text:
            return text
        close = found.end - 1
        if text[close - 1] == "/":
            close -= 1
        at = len(text[:close].encode("utf-8"))
        added = f"${{{HELPER}({token})}}"
        return checked_splice(text, [(at, at, added)], source.language, source.path)
    return _before_body_close(source, literal, [line])


def _before_body_close(source: Source, literal: Node, lines: list[str]) -> str:
    """`lines` inserted before the literal's `</body>`, indented like the body's last line;
    right before it where it closes a line of markup (`<body>...</body>` on one line)."""
    start, end = _body_close(source, literal)
    if source.data[source.line_start(start) : start].strip():
        added = "".join(lines)
        return checked_splice(source.text, [(start, start, added)], source.language, source.path)
    prefix = source.data[:end].decode("utf-8")
    inserted = insert_html(prefix, lines)
    if inserted is None:
        return source.text
    return checked_splice(source.text, [(0, end, inserted)], source.language, source.path)


def _with_parameter(source: Source, fn: Node, ts: bool) -> str:
    """The layout function with the token as its last, optional parameter."""
    param = f"{PARAM}?: string | null" if ts else PARAM
    formal = _formal(fn)
    if formal is None:  # `body => ...`
        single = fn.child_by_field_name("parameter")
        if single is None:
            return source.text
        edit = (single.start_byte, single.end_byte, f"({source.text_of(single)}, {param})")
    else:
        names = [p for p in formal.named_children if p.type != "comment"]
        if any(source.text_of(p).split(":")[0].strip(" ?") == PARAM for p in names):
            return source.text
        if names:
            edit = (names[-1].end_byte, names[-1].end_byte, ", " + param)
        else:
            edit = (formal.start_byte + 1, formal.start_byte + 1, param)
    edits = [edit]
    doc = _doc_param(source, fn)
    if doc is not None:
        edits.append(doc)
    return checked_splice(source.text, edits, source.language, source.path)


def _doc_param(source: Source, fn: Node) -> tuple[int, int, str] | None:
    """A JSDoc `@param` line for the token after the function's own `@param` lines (checked
    JavaScript reads its parameter types there; TypeScript files have them inline)."""
    if source.language != "javascript":
        return None
    stmt = fn
    while stmt.parent is not None and stmt.parent.type in (
        "variable_declarator",
        "lexical_declaration",
        "variable_declaration",
        "export_statement",
    ):
        stmt = stmt.parent
    comment = stmt.prev_named_sibling
    if comment is None or comment.type != "comment":
        return None
    text = source.text_of(comment)
    if not text.startswith("/**") or "@param" not in text:
        return None
    if source.data[comment.end_byte : stmt.start_byte].strip():
        return None
    lines = text.split("\n")
    if len(lines) < 3:  # a one-line `/** @param ... */`
        return None
    last = max(i for i, ln in enumerate(lines) if "@param" in ln)
    while last + 1 < len(lines) - 1 and not re.match(r"\s*\*\s*@", lines[last + 1]):
        if lines[last + 1].strip() in ("*", "*/"):
            break
        last += 1
    prefix = lines[last][: lines[last].index("*") + 2] if "*" in lines[last] else " * "
    at = comment.start_byte + len("\n".join(lines[: last + 1]).encode("utf-8"))
    nl = "\r\n" if lines[last].endswith("\r") else "\n"
    if nl == "\r\n":
        at -= 1
    doc = f"{prefix}@param {{string | null}} [{PARAM}] the widget token (res.locals.{LOCAL})"
    return at, at, nl + doc
