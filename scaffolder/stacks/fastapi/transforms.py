"""LibCST edits of FastAPI modules. Each returns the new source, every byte outside the edit
unchanged, and returns the source as it was when the edit is already there (noop); code in a
shape it cannot change safely raises `CannotEdit`.

- `include_router`: `parent.include_router(child[, prefix=...])`, grouped with the parent's
  other `include_router` calls (module level or in the app factory);
- `add_middleware_after`: `app.add_middleware(Cls)` right after a statement (a middleware the
  new one must wrap: Starlette runs the last one added first);
- `add_to_list_argument`: an item in a list keyword argument of the call that builds a
  variable (`Jinja2Templates(..., context_processors=[...])`, `APIRouter(dependencies=[...])`);
- `import_name`: `from module import name`, merged into an existing import from that module;
  `import_module`: `import module` among the straight imports of its section.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import libcst as cst
import libcst.helpers
from libcst.metadata import MetadataWrapper, PositionProvider

from scaffolder.python.cst import CannotEdit, add_import


def _is_call_on(stmt: cst.BaseStatement, variable: str, method: str) -> bool:
    if not (isinstance(stmt, cst.SimpleStatementLine) and isinstance(stmt.body[0], cst.Expr)):
        return False
    call = stmt.body[0].value
    return (
        isinstance(call, cst.Call)
        and isinstance(call.func, cst.Attribute)
        and isinstance(call.func.value, cst.Name)
        and call.func.value.value == variable
        and call.func.attr.value == method
    )


def _assigns(stmt: cst.BaseStatement, variable: str) -> cst.Call | None:
    """The call in `variable = Call(...)` / `variable: T = Call(...)`."""
    if not isinstance(stmt, cst.SimpleStatementLine):
        return None
    small = stmt.body[0]
    if isinstance(small, cst.Assign):
        if any(
            isinstance(t.target, cst.Name) and t.target.value == variable for t in small.targets
        ) and isinstance(small.value, cst.Call):
            return small.value
    elif (
        isinstance(small, cst.AnnAssign)
        and isinstance(small.target, cst.Name)
        and small.target.value == variable
        and isinstance(small.value, cst.Call)
    ):
        return small.value
    return None


def _mentions(node: cst.CSTNode, name: str) -> bool:
    found = False

    class Find(cst.CSTVisitor):
        def visit_Name(self, n: cst.Name) -> None:
            nonlocal found
            found = found or n.value == name

    node.visit(Find())
    return found


def _has_include(body: Sequence[cst.BaseStatement], variable: str, child: str) -> bool:
    return any(
        _is_call_on(s, variable, "include_router")
        and isinstance(s, cst.SimpleStatementLine)
        and isinstance(s.body[0], cst.Expr)
        and isinstance(s.body[0].value, cst.Call)
        and s.body[0].value.args
        and _mentions(s.body[0].value.args[0].value, child)
        for s in body
    )


def _insert_include(
    body: Sequence[cst.BaseStatement], variable: str, statement: cst.BaseStatement
) -> list[cst.BaseStatement]:
    includes = [i for i, s in enumerate(body) if _is_call_on(s, variable, "include_router")]
    if includes:
        at = includes[-1] + 1
    else:
        created = [i for i, s in enumerate(body) if _assigns(s, variable) is not None]
        if not created:
            raise CannotEdit(f"`{variable}` is not created here")
        # Right after it is created: before any `mount("/", ...)` that would shadow the route.
        at = created[-1] + 1
    return [*body[:at], statement, *body[at:]]


def include_router(
    code: str, variable: str, child: str, prefix: str | None = None, function: str | None = None
) -> str:
    """`variable.include_router(child[, prefix=...])` after `variable`'s other includes (or
    right after it is created), at module level or inside `function` (an app factory)."""
    module = cst.parse_module(code)
    args = child if prefix is None else f"{child}, prefix={prefix}"
    statement = cst.parse_statement(f"{variable}.include_router({args})")
    if function is None:
        if _has_include(module.body, variable, child):
            return code
        return module.with_changes(body=_insert_include(module.body, variable, statement)).code
    done = False
    present = False

    class Insert(cst.CSTTransformer):
        def leave_FunctionDef(
            self, original: cst.FunctionDef, updated: cst.FunctionDef
        ) -> cst.FunctionDef:
            nonlocal done, present
            if done or original.name.value != function:
                return updated
            if not isinstance(updated.body, cst.IndentedBlock):
                raise CannotEdit(f"{function}() is a one-liner")
            done = True
            if _has_include(updated.body.body, variable, child):
                present = True
                return updated
            body = _insert_include(updated.body.body, variable, statement)
            return updated.with_changes(body=updated.body.with_changes(body=body))

    result = module.visit(Insert())
    if not done:
        raise CannotEdit(f"no function {function}()")
    return code if present else result.code


def add_middleware_after(
    code: str, variable: str, middleware: str, line: int, function: str | None = None
) -> str:
    """`variable.add_middleware(middleware)` after the statement spanning `line`, at module
    level or in the top-level `function`; noop when that body already adds it."""
    wrapper = MetadataWrapper(cst.parse_module(code))
    positions = wrapper.resolve(PositionProvider)
    module = wrapper.module
    statement = cst.parse_statement(f"{variable}.add_middleware({middleware})")

    def insert(body: Sequence[cst.BaseStatement], blank: int = 1) -> list[cst.BaseStatement] | None:
        if any(
            isinstance(s, cst.SimpleStatementLine)
            and s.with_changes(leading_lines=()).deep_equals(statement)
            for s in body
        ):
            return None
        at = next(
            (
                i
                for i, s in enumerate(body)
                if positions[s].start.line <= line <= positions[s].end.line
            ),
            None,
        )
        if at is None:
            raise CannotEdit(f"no statement on line {line}")
        new = statement
        rest = list(body[at + 1 :])
        if not isinstance(body[at], cst.SimpleStatementLine):
            new = statement.with_changes(leading_lines=[cst.EmptyLine(indent=False)] * blank)
            first = rest[0] if rest else None
            if isinstance(first, cst.SimpleStatementLine) and _is_call_on(
                first, variable, "add_middleware"
            ):
                # one added after the function already: the blank lines open the group
                new = new.with_changes(leading_lines=first.leading_lines)
                rest[0] = first.with_changes(leading_lines=())
        return [*body[: at + 1], new, *rest]

    if function is None:
        body = insert(module.body, blank=2)  # PEP 8: two blank lines after a def
        return code if body is None else module.with_changes(body=body).code
    func = next(
        (s for s in module.body if isinstance(s, cst.FunctionDef) and s.name.value == function),
        None,
    )
    if func is None or not isinstance(func.body, cst.IndentedBlock):
        raise CannotEdit(f"no function {function}()")
    body = insert(func.body.body)
    if body is None:
        return code
    new_func = func.with_changes(body=func.body.with_changes(body=body))
    return module.with_changes(body=[new_func if s is func else s for s in module.body]).code


def _call_of(module: cst.Module, variable: str, function: str | None) -> cst.Call:
    body: Sequence[cst.BaseStatement] = module.body
    if function is not None:
        func = next(
            (s for s in module.body if isinstance(s, cst.FunctionDef) and s.name.value == function),
            None,
        )
        if func is None or not isinstance(func.body, cst.IndentedBlock):
            raise CannotEdit(f"no function {function}()")
        body = func.body.body
    calls = [c for s in body if (c := _assigns(s, variable)) is not None]
    if not calls:
        raise CannotEdit(f"`{variable} = ...(...)` not found")
    return calls[-1]


def _is_multiline(ws: cst.BaseParenthesizableWhitespace | cst.MaybeSentinel) -> bool:
    return isinstance(ws, cst.ParenthesizedWhitespace)


def _append_element(lst: cst.List, item: cst.BaseExpression) -> cst.List:
    elements = list(lst.elements)
    if not elements:
        return lst.with_changes(elements=[cst.Element(item)])
    last = elements[-1]
    comma = last.comma
    multiline = _is_multiline(lst.lbracket.whitespace_after)
    if multiline:
        sep = (
            elements[-2].comma
            if len(elements) > 1 and isinstance(elements[-2].comma, cst.Comma)
            else cst.Comma(whitespace_after=lst.lbracket.whitespace_after)
        )
    else:
        sep = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    elements[-1] = last.with_changes(comma=sep)
    elements.append(cst.Element(item, comma=comma))
    return lst.with_changes(elements=elements)


def add_to_list_argument(
    code: str,
    variable: str,
    keyword: str,
    item: str,
    function: str | None = None,
    max_line: int = 88,
) -> str:
    """Add `item` to the list given as `keyword=` to the call that creates `variable`
    (`keyword=[item]` when the argument is missing). A one-line call that grows past
    `max_line` is split the way black / ruff format would split it."""
    module = cst.parse_module(code)
    target = _call_of(module, variable, function)
    new_item = cst.parse_expression(item)
    existing = next(
        (a for a in target.args if a.keyword is not None and a.keyword.value == keyword), None
    )
    if existing is not None:
        if not isinstance(existing.value, cst.List):
            raise CannotEdit(f"`{keyword}=` of `{variable}` is not a list literal")
        if any(new_item.deep_equals(e.value) for e in existing.value.elements):
            return code
        new_arg = existing.with_changes(value=_append_element(existing.value, new_item))
        args = [new_arg if a is existing else a for a in target.args]
    else:
        args = _append_arg(target, keyword, cst.List([cst.Element(new_item)]))
    updated = target.with_changes(args=args)

    class Replace(cst.CSTTransformer):
        def leave_Call(self, original: cst.Call, new: cst.Call) -> cst.Call:
            return updated if original is target else new

    result = module.visit(Replace()).code
    call_text = module.code_for_node(updated)
    if "\n" in call_text:
        return result
    return _split_long_call(result, call_text, updated, module, max_line)


def _split_long_call(
    code: str, call_text: str, call: cst.Call, module: cst.Module, max_line: int
) -> str:
    lines = code.splitlines(keepends=True)
    for i, line in enumerate(lines):
        at = line.find(call_text)
        if at < 0 or len(line.rstrip("\r\n")) <= max_line:
            continue
        indent = line[: len(line) - len(line.lstrip())]
        nl = line[len(line.rstrip("\r\n")) :] or "\n"
        head = module.code_for_node(call.func) + "("
        args = [
            module.code_for_node(
                a.with_changes(
                    comma=cst.MaybeSentinel.DEFAULT, whitespace_after_arg=cst.SimpleWhitespace("")
                )
            )
            for a in call.args
        ]
        body = ", ".join(args)
        if len(indent) + 4 + len(body) <= max_line:
            exploded = f"{head}{nl}{indent}    {body}{nl}{indent})"
        else:
            exploded = head + nl + "".join(f"{indent}    {a},{nl}" for a in args) + f"{indent})"
        lines[i] = line[:at] + exploded + line[at + len(call_text) :]
        return "".join(lines)
    return code


def _append_arg(call: cst.Call, keyword: str, value: cst.BaseExpression) -> list[cst.Arg]:
    args = list(call.args)
    new = cst.Arg(
        value,
        keyword=cst.Name(keyword),
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
        ),
    )
    if not args:
        return [new]
    if any(a.star for a in args):
        raise CannotEdit("the call passes *args / **kwargs")
    last = args[-1]
    if _is_multiline(call.whitespace_before_args):
        sep = (
            args[-2].comma
            if len(args) > 1 and isinstance(args[-2].comma, cst.Comma)
            else cst.Comma(whitespace_after=call.whitespace_before_args)
        )
    else:
        sep = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    args[-1] = last.with_changes(comma=sep, whitespace_after_arg=cst.SimpleWhitespace(""))
    args.append(new.with_changes(comma=last.comma, whitespace_after_arg=last.whitespace_after_arg))
    return args


def _member_key(name: str) -> tuple[int, str]:
    """isort's default member order: CONSTANTS, Classes, functions."""
    kind = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    return kind, name.lower()


def import_name(code: str, module: str, name: str, *, relative: int = 0) -> str:
    """`from module import name`: nothing when the name is imported already, into an existing
    `from module import ...` (in order, when its names are), else a new import line."""
    tree = cst.parse_module(code)
    dotted = cst.parse_expression(module) if module else None
    for stmt in tree.body:
        if not (
            isinstance(stmt, cst.SimpleStatementLine) and isinstance(stmt.body[0], cst.ImportFrom)
        ):
            continue
        imp = stmt.body[0]
        same = len(imp.relative) == relative and (
            (imp.module is None and dotted is None)
            or (imp.module is not None and dotted is not None and imp.module.deep_equals(dotted))
        )
        if not same or isinstance(imp.names, cst.ImportStar):
            continue
        names = list(imp.names)
        if any(
            (a.asname.name.value if a.asname and isinstance(a.asname.name, cst.Name) else None)
            == name
            or (a.asname is None and isinstance(a.name, cst.Name) and a.name.value == name)
            for a in names
        ):
            return code
        return tree.with_changes(
            body=[
                s if s is not stmt else stmt.with_changes(body=[_with_alias(imp, name)])
                for s in tree.body
            ]
        ).code
    if relative:
        placed = _relative_import(tree, module, name, relative)
        if placed is not None:
            return placed
    return add_import(code, module, name, relative=relative)


def _relative_import(tree: cst.Module, module: str, name: str, relative: int) -> str | None:
    """A relative import among the module's others, furthest first (`from .. import` before
    `from . import`, as isort and ruff order them)."""
    body = list(tree.body)
    group: list[tuple[int, tuple[int, str]]] = []
    for i, stmt in enumerate(body):
        if isinstance(stmt, cst.SimpleStatementLine) and isinstance(stmt.body[0], cst.ImportFrom):
            imp = stmt.body[0]
            if imp.relative:
                dotted = cst.helpers.get_full_name_for_node(imp.module) if imp.module else ""
                group.append((i, (-len(imp.relative), dotted or "")))
    if not group:
        return None
    key = (-relative, module)
    new = cst.parse_statement(f"from {'.' * relative}{module} import {name}")
    later = [i for i, k in group if k > key]
    at = later[0] if later else group[-1][0] + 1
    if at == group[0][0]:
        first = body[at]
        assert isinstance(first, cst.SimpleStatementLine)
        new = new.with_changes(leading_lines=first.leading_lines)
        body[at] = first.with_changes(leading_lines=())
    body.insert(at, new)
    return tree.with_changes(body=body).code


def _with_alias(imp: cst.ImportFrom, name: str) -> cst.ImportFrom:
    assert not isinstance(imp.names, cst.ImportStar)
    names = list(imp.names)
    plain = [a.name.value if isinstance(a.name, cst.Name) else "" for a in names]
    at = len(names)
    if plain == sorted(plain, key=_member_key):
        at = next((i for i, n in enumerate(plain) if _member_key(n) > _member_key(name)), at)
    elif plain == sorted(plain):
        at = next((i for i, n in enumerate(plain) if n > name), at)
    multiline = imp.lpar is not None and _is_multiline(imp.lpar.whitespace_after)
    if not multiline:
        sep = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    elif len(names) > 1 and isinstance(names[0].comma, cst.Comma):
        sep = names[0].comma
    else:
        assert imp.lpar is not None
        sep = cst.Comma(whitespace_after=imp.lpar.whitespace_after)
    alias = cst.ImportAlias(cst.Name(name))
    if at == len(names):
        names[-1], last_comma = names[-1].with_changes(comma=sep), names[-1].comma
        names.append(alias.with_changes(comma=last_comma))
    else:
        names.insert(at, alias.with_changes(comma=sep))
    return imp.with_changes(names=names)


def _section(module: str, first_party: frozenset[str]) -> int:
    top = module.lstrip(".").split(".")[0]
    if module.startswith(".") or top in first_party:
        return 2
    return 0 if top in sys.stdlib_module_names else 1


def import_module(code: str, module: str, first_party: frozenset[str] = frozenset()) -> str:
    """`import module`, unless imported already: placed as isort would, among the straight
    imports of its section (stdlib, third party, first party), before that section's `from`
    imports; a section of its own after the imports when there is none."""
    tree = cst.parse_module(code)
    body = list(tree.body)
    section = _section(module, first_party)
    same: list[tuple[int, cst.Import | cst.ImportFrom]] = []
    last_import = -1
    for i, stmt in enumerate(body):
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        small = stmt.body[0]
        if isinstance(small, cst.Import):
            names = [cst.helpers.get_full_name_for_node(a.name) or "" for a in small.names]
            if module in names and all(a.asname is None for a in small.names):
                return code
            first = names[0]
        elif isinstance(small, cst.ImportFrom):
            first = "." * len(small.relative) + (
                cst.helpers.get_full_name_for_node(small.module) or "" if small.module else ""
            )
        else:
            continue
        last_import = i
        if _section(first, first_party) == section:
            same.append((i, small))
    new = cst.parse_statement(f"import {module}")
    if not same:
        if last_import < 0:
            return tree.with_changes(body=[new, *body]).code
        new = new.with_changes(leading_lines=[cst.EmptyLine()])
        return tree.with_changes(
            body=[*body[: last_import + 1], new, *body[last_import + 1 :]]
        ).code
    at = same[-1][0] + 1
    for i, small in same:
        name = (
            cst.helpers.get_full_name_for_node(small.names[0].name) or ""
            if isinstance(small, cst.Import)
            else None
        )
        if name is None or name.lower() > module.lower():
            at = i
            break
    if at == same[0][0]:
        first_stmt = body[at]
        assert isinstance(first_stmt, cst.SimpleStatementLine)
        new = new.with_changes(leading_lines=first_stmt.leading_lines)
        body[at] = first_stmt.with_changes(leading_lines=())
    body.insert(at, new)
    return tree.with_changes(body=body).code
