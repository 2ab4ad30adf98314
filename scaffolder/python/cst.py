"""LibCST edits shared by the Python stacks. Each returns new source text, leaving every
byte outside the edit as it was, or raises CannotEdit when the code's shape is not one it can
change safely (the caller then prints the snippet for the user to paste)."""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst
import libcst.helpers
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor
from libcst.metadata import MetadataWrapper, PositionProvider

_BLANK = cst.EmptyLine(indent=False)


class CannotEdit(Exception):
    """The code is not in a shape this edit handles."""


def add_import(code: str, module: str, obj: str, *, relative: int = 0, top: bool = False) -> str:
    """`from module import obj`, in sorted position among the module's imports of the same
    kind (relative, or from the same package) when there are some, else after all imports.

    `top`: the imported module imports nothing of the project's, so no import cycle keeps it
    below the module's code: it joins the imports at the top, never a bottom-of-module import
    (`from app import routes` after `app = Flask(__name__)`)."""
    tree = cst.parse_module(code)
    key = "." * relative + module
    package = module.split(".")[0]
    body = list(tree.body)
    end = _top_imports_end(body) if top else len(body)
    group: list[tuple[int, str]] = []
    for i, stmt in enumerate(body[:end]):
        if not isinstance(stmt, cst.SimpleStatementLine) or not isinstance(
            stmt.body[0], cst.ImportFrom
        ):
            continue
        imp = stmt.body[0]
        level = len(imp.relative)
        name = (cst.helpers.get_full_name_for_node(imp.module) or "") if imp.module else ""
        if (
            "." * level + name == key
            and not isinstance(imp.names, cst.ImportStar)
            and any(alias.evaluated_name == obj for alias in imp.names)
        ):
            return code  # already imported
        if (relative and level) or (not relative and not level and name.split(".")[0] == package):
            group.append((i, "." * level + (name or "")))
    imports = [
        i
        for i, stmt in enumerate(body[:end])
        if isinstance(stmt, cst.SimpleStatementLine)
        and isinstance(stmt.body[0], (cst.Import, cst.ImportFrom))
    ]
    if not group and imports:
        # A first-party import in a section of its own, after the last import.
        at = imports[-1] + 1
        new = cst.parse_statement(f"from {key} import {obj}").with_changes(leading_lines=[_BLANK])
        body.insert(at, new)
        return tree.with_changes(body=body).code
    if not group:
        context = CodemodContext()
        AddImportsVisitor.add_needed_import(context, module, obj, relative=relative)
        return AddImportsVisitor(context).transform_module(tree).code
    new = cst.parse_statement(f"from {key} import {obj}")
    keys = [k for _, k in group]
    at = group[-1][0] + 1
    if keys == sorted(keys):
        later = [i for i, k in group if k > key]
        if later:
            at = later[0]
    if at == group[0][0]:
        first = body[at]
        new = new.with_changes(leading_lines=first.leading_lines)
        body[at] = first.with_changes(leading_lines=())
    body.insert(at, new)
    return tree.with_changes(body=body).code


def _top_imports_end(body: Sequence[cst.BaseStatement]) -> int:
    """Where the module's code starts: its first class, function or object built by a call
    (`app = Flask(__name__)`); imports below it are late ones. The whole module when no import
    comes before it."""
    for i, stmt in enumerate(body):
        built = (
            isinstance(stmt, cst.SimpleStatementLine)
            and isinstance(stmt.body[0], (cst.Assign, cst.AnnAssign))
            and isinstance(stmt.body[0].value, cst.Call)
        )
        if built or isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            early = any(
                isinstance(s, cst.SimpleStatementLine)
                and isinstance(s.body[0], (cst.Import, cst.ImportFrom))
                for s in body[:i]
            )
            return i if early else len(body)
    return len(body)


def _names_in(node: cst.CSTNode) -> set[str]:
    found: set[str] = set()

    class Collect(cst.CSTVisitor):
        def visit_Name(self, n: cst.Name) -> None:
            found.add(n.value)

    node.visit(Collect())
    return found


def _leading(stmt: cst.BaseStatement) -> Sequence[cst.EmptyLine]:
    if isinstance(stmt, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
        return stmt.leading_lines
    return ()


def _calls_method(stmt: cst.BaseStatement, variable: str, methods: tuple[str, ...]) -> bool:
    if not (isinstance(stmt, cst.SimpleStatementLine) and isinstance(stmt.body[0], cst.Expr)):
        return False
    call = stmt.body[0].value
    return (
        isinstance(call, cst.Call)
        and isinstance(call.func, cst.Attribute)
        and isinstance(call.func.value, cst.Name)
        and call.func.value.value == variable
        and call.func.attr.value in methods
    )


def insert_in_factory(
    code: str, function: str, variable: str, statement: str, after: tuple[str, ...] = ()
) -> str:
    """Insert `statement` in the top-level function `function` that builds and returns
    `variable`: right after its last `variable.<after>(...)` call (grouped with the app's other
    registrations), else just before `return variable`."""
    tree = cst.parse_module(code)
    new_stmt = cst.parse_statement(statement)
    done = False

    class Insert(cst.CSTTransformer):
        def leave_FunctionDef(
            self, original: cst.FunctionDef, updated: cst.FunctionDef
        ) -> cst.FunctionDef:
            nonlocal done
            if done or original.name.value != function:
                return updated
            if not isinstance(updated.body, cst.IndentedBlock):
                return updated
            body: list[cst.BaseStatement] = list(updated.body.body)
            grouped = [i for i, s in enumerate(body) if _calls_method(s, variable, after)]
            returns = [
                i
                for i, s in enumerate(body)
                if isinstance(s, cst.SimpleStatementLine)
                and isinstance(s.body[0], cst.Return)
                and isinstance(s.body[0].value, cst.Name)
                and s.body[0].value.value == variable
            ]
            if not returns:
                return updated
            if grouped and grouped[-1] < returns[-1]:
                body.insert(grouped[-1] + 1, new_stmt)
            else:
                at = returns[-1]
                stmt = new_stmt
                if at and not isinstance(body[at - 1], cst.SimpleStatementLine):
                    # after a nested def / with / if block: keep a blank line between them
                    stmt = new_stmt.with_changes(leading_lines=[_BLANK])
                    if not _leading(body[at]):
                        body[at] = body[at].with_changes(leading_lines=[_BLANK])
                body.insert(at, stmt)
            done = True
            return updated.with_changes(body=updated.body.with_changes(body=body))

    result = tree.visit(Insert())
    if not done:
        raise CannotEdit(f"no `return {variable}` at the end of {function}()")
    return result.code


def insert_after_line(code: str, line: int, statement: str) -> str:
    """Insert a module-level `statement` after the top-level statement on `line` and the
    set-up statements right below it (up to the next blank line or block)."""
    wrapper = MetadataWrapper(cst.parse_module(code))
    positions = wrapper.resolve(PositionProvider)
    module = wrapper.module
    body: Sequence[cst.BaseStatement] = module.body
    index = next(
        (i for i, s in enumerate(body) if positions[s].start.line <= line <= positions[s].end.line),
        None,
    )
    if index is None:
        raise CannotEdit(f"no top-level statement on line {line}")
    while (
        index + 1 < len(body)
        and isinstance(body[index + 1], cst.SimpleStatementLine)
        and not _leading(body[index + 1])
    ):
        index += 1
    new_body = [*body[: index + 1], cst.parse_statement(statement), *body[index + 1 :]]
    return module.with_changes(body=new_body).code


def append_statements(code: str, statements: str) -> str:
    """Append top-level statements (a function, a route) at the end of a module, two blank
    lines after the last statement as PEP 8 wants."""
    module = cst.parse_module(code)
    added = cst.parse_module(statements).body
    first = added[0].with_changes(leading_lines=[_BLANK, _BLANK])
    return module.with_changes(body=[*module.body, first, *added[1:]]).code


def has_call(code: str, func_attr: str, arg_name: str) -> bool:
    """Whether the module calls `<x>.func_attr(... arg_name ...)`: an existing registration."""
    tree = cst.parse_module(code)
    found = False

    class Find(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            nonlocal found
            if (
                isinstance(node.func, cst.Attribute)
                and node.func.attr.value == func_attr
                and any(arg_name in _names_in(a.value) for a in node.args)
            ):
                found = True

    tree.visit(Find())
    return found
