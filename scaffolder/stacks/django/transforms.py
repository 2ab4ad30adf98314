"""LibCST edits of Django settings and URL confs.

Each edit returns the new source, every byte outside the edit unchanged (elements added to a
list keep its layout: one per line or inline, trailing comma or not, comments in place), or
raises `CannotEdit` when the code is not in a shape it can change safely.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar, cast

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from scaffolder.python import cst as python_cst
from scaffolder.python.cst import CannotEdit

Seq = TypeVar("Seq", bound=cst.List | cst.Tuple | cst.Dict)
Element = cst.Element | cst.DictElement


# -- sequences: keep the layout ------------------------------------------------------------------


def _opening(node: cst.List | cst.Tuple | cst.Dict) -> cst.BaseParenthesizableWhitespace | None:
    if isinstance(node, cst.List):
        return node.lbracket.whitespace_after
    if isinstance(node, cst.Dict):
        return node.lbrace.whitespace_after
    return node.lpar[0].whitespace_after if node.lpar else None


def _closing(node: cst.List | cst.Tuple | cst.Dict) -> cst.BaseParenthesizableWhitespace | None:
    if isinstance(node, cst.List):
        return node.rbracket.whitespace_before
    if isinstance(node, cst.Dict):
        return node.rbrace.whitespace_before
    return node.rpar[-1].whitespace_before if node.rpar else None


def _with_closing(node: Seq, ws: cst.BaseParenthesizableWhitespace) -> Seq:
    if isinstance(node, cst.List):
        return node.with_changes(rbracket=node.rbracket.with_changes(whitespace_before=ws))
    if isinstance(node, cst.Dict):
        return node.with_changes(rbrace=node.rbrace.with_changes(whitespace_before=ws))
    rpar = list(node.rpar)
    rpar[-1] = rpar[-1].with_changes(whitespace_before=ws)
    return node.with_changes(rpar=rpar)


def _line_breaks(ws: object) -> bool:
    return isinstance(ws, cst.ParenthesizedWhitespace)


def is_multiline(node: cst.List | cst.Tuple | cst.Dict) -> bool:
    return _line_breaks(_opening(node)) or any(
        isinstance(e.comma, cst.Comma) and _line_breaks(e.comma.whitespace_after)
        for e in node.elements
    )


def element_indent(node: cst.List | cst.Tuple | cst.Dict) -> str:
    """The indentation of the elements of a one-per-line sequence."""
    for e in node.elements:
        if isinstance(e.comma, cst.Comma) and isinstance(
            e.comma.whitespace_after, cst.ParenthesizedWhitespace
        ):
            return e.comma.whitespace_after.last_line.value
    opening = _opening(node)
    if isinstance(opening, cst.ParenthesizedWhitespace):
        return opening.last_line.value
    closing = _closing(node)
    base = closing.last_line.value if isinstance(closing, cst.ParenthesizedWhitespace) else ""
    return base + "    "


def _newline_comma(indent: str) -> cst.Comma:
    return cst.Comma(
        whitespace_after=cst.ParenthesizedWhitespace(
            first_line=cst.TrailingWhitespace(),
            empty_lines=[],
            indent=True,
            last_line=cst.SimpleWhitespace(indent),
        )
    )


def _plain(comma: cst.Comma) -> cst.Comma:
    """The separator without the comments and blank lines that follow it."""
    ws = comma.whitespace_after
    if isinstance(ws, cst.ParenthesizedWhitespace):
        ws = ws.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=[])
    return comma.with_changes(whitespace_after=ws)


def append(node: Seq, element: Element) -> Seq:
    """Add `element` at the end of a list, tuple or dict literal, in its layout."""
    elements: list[Element] = list(node.elements)  # type: ignore[arg-type]
    if not elements:
        if isinstance(node, cst.Tuple):
            element = element.with_changes(comma=cst.Comma())
        return cast(Seq, node.with_changes(elements=[element]))
    last = elements[-1]
    trailing = isinstance(last.comma, cst.Comma)
    closing = _closing(node)
    if isinstance(closing, cst.ParenthesizedWhitespace):
        # `]` on a line of its own: the new element gets a line of its own, the last
        # element's trailing comment stays on the last element's line.
        before = last.comma.whitespace_before if isinstance(last.comma, cst.Comma) else None
        last = last.with_changes(
            comma=cst.Comma(
                whitespace_before=before or cst.SimpleWhitespace(""),
                whitespace_after=cst.ParenthesizedWhitespace(
                    first_line=closing.first_line,
                    empty_lines=closing.empty_lines,
                    indent=True,
                    last_line=cst.SimpleWhitespace(element_indent(node)),
                ),
            )
        )
        new = element.with_changes(comma=cst.Comma() if trailing else cst.MaybeSentinel.DEFAULT)
        node = _with_closing(
            node, closing.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=[])
        )
        return cast(Seq, node.with_changes(elements=[*elements[:-1], last, new]))
    separators = [e.comma for e in elements[:-1] if isinstance(e.comma, cst.Comma)]
    if separators:
        separator = _plain(separators[-1])
    elif is_multiline(node):
        separator = _newline_comma(element_indent(node))
    else:
        separator = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    # A one-element tuple's comma is syntax, not style: `("a",)` becomes `("a", "b")`.
    keep = trailing and not (isinstance(node, cst.Tuple) and len(elements) == 1)
    new = element.with_changes(comma=last.comma if keep else cst.MaybeSentinel.DEFAULT)
    last = last.with_changes(comma=separator)
    return cast(Seq, node.with_changes(elements=[*elements[:-1], last, new]))


def insert(node: Seq, index: int, element: Element) -> Seq:
    """Insert `element` before the element at `index`, in the sequence's layout."""
    elements: list[Element] = list(node.elements)  # type: ignore[arg-type]
    if index >= len(elements):
        return append(node, element)
    if is_multiline(node):
        separator = _newline_comma(element_indent(node))
    else:
        separator = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    new = element.with_changes(comma=separator)
    return cast(Seq, node.with_changes(elements=[*elements[:index], new, *elements[index:]]))


# -- settings: TEMPLATES[...]["OPTIONS"]["context_processors"] -------------------------------------


def _string(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _top_assignment(module: cst.Module, name: str) -> int | None:
    """Index of the last top-level `name = ...` statement."""
    found = None
    for i, stmt in enumerate(module.body):
        if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1:
            small = stmt.body[0]
            if (
                isinstance(small, cst.Assign)
                and any(
                    isinstance(t.target, cst.Name) and t.target.value == name for t in small.targets
                )
            ) or (
                isinstance(small, cst.AnnAssign)
                and isinstance(small.target, cst.Name)
                and small.target.value == name
                and small.value is not None
            ):
                found = i
    return found


def _assigned_value(module: cst.Module, index: int) -> cst.BaseExpression:
    stmt = module.body[index]
    assert isinstance(stmt, cst.SimpleStatementLine)
    small = stmt.body[0]
    assert isinstance(small, (cst.Assign, cst.AnnAssign)) and small.value is not None
    return small.value


def _replace_value(module: cst.Module, index: int, value: cst.BaseExpression) -> cst.Module:
    stmt = module.body[index]
    assert isinstance(stmt, cst.SimpleStatementLine)
    small = stmt.body[0].with_changes(value=value)
    body = list(module.body)
    body[index] = stmt.with_changes(body=[small])
    return module.with_changes(body=body)


def _quote_in(node: cst.CSTNode, default: str) -> str:
    found: list[str] = []

    class Quotes(cst.CSTVisitor):
        def visit_SimpleString(self, n: cst.SimpleString) -> None:
            found.append(n.quote)

    node.visit(Quotes())
    single = [q for q in found if q in ("'", '"')]
    return single[0] if single else default


def _key(element: cst.BaseDictElement, name: str) -> bool:
    return isinstance(element, cst.DictElement) and _string(element.key) == name


def _nested(outer: cst.Dict, key: str, value: str, quote: str) -> cst.DictElement:
    """`"OPTIONS": {"context_processors": ["x"]}` in the layout of `outer`."""
    q = quote
    if is_multiline(outer):
        indent = element_indent(outer)
        closing = _closing(outer)
        base = closing.last_line.value if isinstance(closing, cst.ParenthesizedWhitespace) else ""
        unit = indent[len(base) :] or "    "
        if key == "OPTIONS":
            text = (
                f"{{\n{indent}{unit}{q}context_processors{q}: [\n{indent}{unit * 2}{q}{value}{q},"
                f"\n{indent}{unit}],\n{indent}}}"
            )
        else:
            text = f"[\n{indent}{unit}{q}{value}{q},\n{indent}]"
    elif key == "OPTIONS":
        text = f"{{{q}context_processors{q}: [{q}{value}{q}]}}"
    else:
        text = f"[{q}{value}{q}]"
    return cst.DictElement(
        cst.SimpleString(f"{q}{key}{q}"),
        cst.parse_expression(text),
        whitespace_after_colon=cst.SimpleWhitespace(" "),
    )


def add_context_processor(code: str, dotted: str, backends: Sequence[int], quote: str) -> str:
    """Append `dotted` to TEMPLATES[i]["OPTIONS"]["context_processors"] for each backend index
    (adding OPTIONS or context_processors when a backend has none). A no-op when present."""
    module = cst.parse_module(code)
    at = _top_assignment(module, "TEMPLATES")
    if at is None:
        raise CannotEdit("no top-level `TEMPLATES = [...]`")
    templates = _assigned_value(module, at)
    if not isinstance(templates, (cst.List, cst.Tuple)):
        raise CannotEdit("TEMPLATES is not a list literal")
    elements = list(templates.elements)
    named: list[str] = []  # context_processors given as a module-level name
    for i in backends:
        if i >= len(elements) or not isinstance(elements[i].value, cst.Dict):
            raise CannotEdit(f"TEMPLATES[{i}] is not a dict literal")
        backend = elements[i].value
        assert isinstance(backend, cst.Dict)
        new_backend = _add_to_backend(backend, dotted, quote, named)
        elements[i] = elements[i].with_changes(value=new_backend)
    module = _replace_value(module, at, templates.with_changes(elements=elements))
    for name in named:
        index = _top_assignment(module, name)
        value = _assigned_value(module, index) if index is not None else None
        if index is None or not isinstance(value, (cst.List, cst.Tuple)):
            raise CannotEdit(f"context_processors is `{name}`, not a list literal")
        if dotted not in [_string(e.value) for e in value.elements]:
            q = _quote_in(value, quote)
            string = cst.SimpleString(f"{q}{dotted}{q}")
            module = _replace_value(module, index, append(value, cst.Element(string)))
    return module.code


# The middleware that has to stay outside ours: the page cache must see the `private` we add.
_OUTER_MIDDLEWARE = (
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.cache.UpdateCacheMiddleware",
)


def add_middleware(code: str, dotted: str, quote: str) -> str:
    """`dotted` in the top-level MIDDLEWARE list, after its leading SecurityMiddleware /
    UpdateCacheMiddleware: it then handles the response after every middleware below it (its
    headers are not overwritten) and before the page cache. A no-op when present."""
    module = cst.parse_module(code)
    at = _top_assignment(module, "MIDDLEWARE")
    if at is None:
        raise CannotEdit("no top-level `MIDDLEWARE = [...]`")
    value = _assigned_value(module, at)
    if not isinstance(value, (cst.List, cst.Tuple)):
        raise CannotEdit("MIDDLEWARE is not a list literal")
    names = [_string(e.value) for e in value.elements]
    if dotted in names:
        return code
    index = 0
    while index < len(names) and names[index] in _OUTER_MIDDLEWARE:
        index += 1
    q = _quote_in(value, quote)
    element = cst.Element(cst.SimpleString(f"{q}{dotted}{q}"))
    return _replace_value(module, at, insert(value, index, element)).code


def _add_to_backend(backend: cst.Dict, dotted: str, quote: str, named: list[str]) -> cst.Dict:
    options = next((e for e in backend.elements if _key(e, "OPTIONS")), None)
    if options is None:
        return append(backend, _nested(backend, "OPTIONS", dotted, _quote_in(backend, quote)))
    assert isinstance(options, cst.DictElement)
    if not isinstance(options.value, cst.Dict):
        raise CannotEdit("TEMPLATES OPTIONS is not a dict literal")
    opts = options.value
    processors = next((e for e in opts.elements if _key(e, "context_processors")), None)
    if processors is None:
        new_opts = append(
            opts, _nested(opts, "context_processors", dotted, _quote_in(backend, quote))
        )
    else:
        assert isinstance(processors, cst.DictElement)
        value = processors.value
        if isinstance(value, cst.Name):
            named.append(value.value)
            return backend
        if not isinstance(value, (cst.List, cst.Tuple)):
            raise CannotEdit("context_processors is not a list or tuple literal")
        if dotted in [_string(e.value) for e in value.elements]:
            return backend
        q = _quote_in(value, quote)
        new_value = append(value, cst.Element(cst.SimpleString(f"{q}{dotted}{q}")))
        new_opts = opts.with_changes(
            elements=[
                e.with_changes(value=new_value) if e is processors else e for e in opts.elements
            ]
        )
    return backend.with_changes(
        elements=[e.with_changes(value=new_opts) if e is options else e for e in backend.elements]
    )


# -- URL confs: urlpatterns ----------------------------------------------------------------------

_CATCH_ALL = ("^.*", ".*", "^(?P<path>.*)$", "^(?:.*)$")


def _shadows(element: cst.BaseElement) -> bool:
    """A pattern that may answer any URL: a catch-all (an SPA fallback), or a URL conf included
    at the root, which can hold one."""
    value = element.value
    if not (isinstance(value, cst.Call) and value.args):
        return False
    route = _string(value.args[0].value)
    if route is None:
        return False
    if route.startswith(_CATCH_ALL) or (route.startswith("<path:") and route.endswith(">")):
        return True
    included = value.args[1].value if len(value.args) > 1 else None
    return (
        route in ("", "^")
        and isinstance(included, cst.Call)
        and isinstance(included.func, cst.Name)
        and included.func.value == "include"
    )


def add_urlpattern(code: str, entry: str, before_line: int | None = None) -> str:
    """Add `entry` (`path("widget-token", view)`) to the module's `urlpatterns` list: before the
    pattern starting on `before_line` (the API include), else before the first pattern that
    could shadow it (a catch-all, a URL conf included at the root), else at the end."""
    wrapper = MetadataWrapper(cst.parse_module(code))
    positions = wrapper.resolve(PositionProvider)
    module = wrapper.module
    lists: list[cst.List] = []

    def collect(value: cst.BaseExpression) -> None:
        if isinstance(value, cst.List):
            lists.append(value)
        elif isinstance(value, cst.BinaryOperation):
            collect(value.left)
            collect(value.right)

    for stmt in module.body:
        if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1):
            continue
        small = stmt.body[0]
        target: cst.BaseExpression | None = None
        value: cst.BaseExpression | None = None
        if isinstance(small, cst.Assign) and len(small.targets) == 1:
            target, value = small.targets[0].target, small.value
        elif isinstance(small, (cst.AnnAssign, cst.AugAssign)):
            target, value = small.target, small.value
        if isinstance(target, cst.Name) and target.value == "urlpatterns" and value is not None:
            collect(value)
    if not lists:
        raise CannotEdit("no `urlpatterns = [...]` list")
    new = cst.Element(cst.parse_expression(entry))
    chosen, index = lists[0], len(lists[0].elements)
    found = False
    if before_line is not None:
        for candidate in lists:
            for i, element in enumerate(candidate.elements):
                if positions[element].start.line == before_line:
                    chosen, index, found = candidate, i, True
    if not found:
        index = next(
            (i for i, e in enumerate(chosen.elements) if _shadows(e)), len(chosen.elements)
        )
    updated = insert(chosen, index, new)

    class Replace(cst.CSTTransformer):
        def leave_List(self, original: cst.List, node: cst.List) -> cst.List:
            return updated if original is chosen else node

    return module.visit(Replace()).code


def uses_name(code: str, name: str) -> bool:
    """Whether the module uses `name` outside its imports (the route is already wired)."""
    found = False

    class Find(cst.CSTVisitor):
        def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
            return False

        def visit_Import(self, node: cst.Import) -> bool:
            return False

        def visit_Name(self, node: cst.Name) -> None:
            nonlocal found
            found = found or node.value == name

    cst.parse_module(code).visit(Find())
    return found


def imported_names(code: str, module: str) -> list[str]:
    """Names imported with `from <module> import ...` (empty when it is not imported)."""
    names: list[str] = []
    for stmt in cst.parse_module(code).body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if (
                isinstance(small, cst.ImportFrom)
                and small.module is not None
                and not small.relative
                and cst.helpers.get_full_name_for_node(small.module) == module
                and not isinstance(small.names, cst.ImportStar)
            ):
                names += [
                    a.asname.name.value
                    if a.asname and isinstance(a.asname.name, cst.Name)
                    else cst.helpers.get_full_name_for_node(a.name) or ""
                    for a in small.names
                ]
    return names


def add_import(code: str, module: str, name: str, *, relative: int = 0) -> str:
    """`from module import name`, placed as isort would among the imports the module starts
    with (never among later ones, below code that would use the name first: a URL conf that
    imports more between its `urlpatterns +=`): an absolute first-party import of a module
    whose imports end with relative ones goes in a section of its own before them."""
    if not relative and name in imported_names(code, module):
        return code
    tree = cst.parse_module(code)
    end = _header_end(tree.body)
    if end < len(tree.body):
        head = tree.with_changes(body=tree.body[:end])
        added = cst.parse_module(add_import(head.code, module, name, relative=relative))
        return tree.with_changes(body=[*added.body, *tree.body[end:]]).code
    body = list(tree.body)

    def from_import(stmt: cst.BaseStatement) -> cst.ImportFrom | None:
        if isinstance(stmt, cst.SimpleStatementLine) and isinstance(stmt.body[0], cst.ImportFrom):
            return stmt.body[0]
        return None

    package = module.split(".")[0]
    same_package = any(
        (imp := from_import(stmt)) is not None
        and not imp.relative
        and imp.module is not None
        and (cst.helpers.get_full_name_for_node(imp.module) or "").split(".")[0] == package
        for stmt in body
    )
    first_relative = next(
        (i for i, stmt in enumerate(body) if (imp := from_import(stmt)) and imp.relative), None
    )
    if relative or same_package or first_relative is None:
        return python_cst.add_import(code, module, name, relative=relative)
    anchor = body[first_relative]
    assert isinstance(anchor, cst.SimpleStatementLine)
    new = cst.parse_statement(f"from {module} import {name}").with_changes(
        leading_lines=anchor.leading_lines
    )
    body[first_relative] = anchor.with_changes(leading_lines=[cst.EmptyLine()])
    body.insert(first_relative, new)
    return tree.with_changes(body=body).code


def _header_end(body: Sequence[cst.BaseStatement]) -> int:
    """Where the module's imports (after its docstring) end: its first other statement."""
    for i, stmt in enumerate(body):
        small = stmt.body if isinstance(stmt, cst.SimpleStatementLine) else ()
        docstring = (
            i == 0
            and len(small) == 1
            and isinstance(small[0], cst.Expr)
            and isinstance(small[0].value, (cst.SimpleString, cst.ConcatenatedString))
        )
        imports = bool(small) and all(isinstance(s, (cst.Import, cst.ImportFrom)) for s in small)
        if not docstring and not imports:
            return i
    return len(body)


def add_to_from_import(code: str, module: str, name: str) -> str:
    """Add `name` to an existing `from <module> import a, b` in sorted position."""
    if name in imported_names(code, module):
        return code
    tree = cst.parse_module(code)
    done = False

    class Add(cst.CSTTransformer):
        def leave_ImportFrom(
            self, original: cst.ImportFrom, node: cst.ImportFrom
        ) -> cst.ImportFrom:
            nonlocal done
            if (
                done
                or node.module is None
                or node.relative
                or cst.helpers.get_full_name_for_node(node.module) != module
                or isinstance(node.names, cst.ImportStar)
            ):
                return node
            aliases = list(node.names)
            names = [cst.helpers.get_full_name_for_node(a.name) or "" for a in aliases]
            at = next((i for i, n in enumerate(names) if n > name), len(aliases))
            alias = cst.ImportAlias(cst.Name(name))
            if at < len(aliases):
                alias = alias.with_changes(
                    comma=aliases[at - 1].comma
                    if at
                    else cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
                )
                aliases.insert(at, alias)
            else:
                last = aliases[-1]
                alias = alias.with_changes(comma=last.comma)
                aliases[-1] = last.with_changes(
                    comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
                )
                aliases.append(alias)
            done = True
            return node.with_changes(names=aliases)

    result = tree.visit(Add())
    if not done:
        raise CannotEdit(f"no `from {module} import ...`")
    return result.code


def insert_after(code: str, line: int, statement: str) -> str:
    """Insert a module-level `statement` right after the top-level statement on `line`."""
    wrapper = MetadataWrapper(cst.parse_module(code))
    positions = wrapper.resolve(PositionProvider)
    module = wrapper.module
    body = list(module.body)
    index = next(
        (i for i, s in enumerate(body) if positions[s].start.line <= line <= positions[s].end.line),
        None,
    )
    if index is None:
        raise CannotEdit(f"no top-level statement on line {line}")
    new = cst.parse_statement(statement)
    if not isinstance(body[index], cst.SimpleStatementLine):  # after a class or a function
        new = new.with_changes(leading_lines=[cst.EmptyLine(), cst.EmptyLine()])
    body.insert(index + 1, new)
    return module.with_changes(body=body).code
