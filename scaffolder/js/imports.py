"""Imports and requires: which module system a file uses, what it imports, and adding an
`import` / `require` in the file's own style at the place a person would put it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Literal

from tree_sitter import Node

from scaffolder.js.style import Style, detect
from scaffolder.js.syntax import Source, call_arguments, checked_splice, string_value, top_level

ModuleSystem = Literal["esm", "commonjs"]
DIRECTIVES = ("use client", "use server", "use strict")


@dataclass(frozen=True)
class Import:
    """One top-level `import ... from "x"` or `const ... = require("x")`."""

    kind: Literal["import", "require"]
    source: str
    default: str | None
    namespace: str | None
    names: tuple[tuple[str, str], ...]
    """(imported name, local name) pairs of `{ a, b as c }` / `const { a, b: c } = require()`."""
    type_only: bool
    start: int
    end: int
    line: int
    braces: tuple[int, int] | None = None
    """Byte range of the `{ ... }` list, where more names can be added."""

    def local(self, imported: str) -> str | None:
        """The local name bound to `imported` ("default" for the default export)."""
        if imported == "default":
            return self.default
        return next((loc for name, loc in self.names if name == imported), None)


def find_imports(source: Source) -> list[Import]:
    """The file's top-level imports and requires, in source order."""
    out: list[Import] = []
    for stmt in top_level(source):
        if stmt.type == "import_statement":
            found = _import(source, stmt)
            if found is not None:
                out.append(found)
        elif stmt.type in ("lexical_declaration", "variable_declaration"):
            out.extend(_requires(source, stmt))
        elif stmt.type == "expression_statement":
            expr = stmt.named_children[0] if stmt.named_children else None
            spec = _required(source, expr)
            if spec is not None:
                out.append(
                    Import(
                        "require",
                        spec,
                        None,
                        None,
                        (),
                        False,
                        stmt.start_byte,
                        stmt.end_byte,
                        source.line(stmt),
                    )
                )
    return out


def _import(source: Source, stmt: Node) -> Import | None:
    spec = string_value(source, stmt.child_by_field_name("source"))
    if spec is None:
        return None
    type_only = any(c.type == "type" for c in stmt.children)
    default = namespace = None
    names: list[tuple[str, str]] = []
    braces = None
    clause = next((c for c in stmt.named_children if c.type == "import_clause"), None)
    for part in clause.named_children if clause is not None else []:
        if part.type == "identifier":
            default = source.text_of(part)
        elif part.type == "namespace_import":
            ident = next((c for c in part.named_children if c.type == "identifier"), None)
            namespace = source.text_of(ident)
        elif part.type == "named_imports":
            braces = (part.start_byte, part.end_byte)
            for sp in part.named_children:
                if sp.type != "import_specifier":
                    continue
                name = source.text_of(sp.child_by_field_name("name"))
                alias = sp.child_by_field_name("alias")
                names.append((name, source.text_of(alias) if alias is not None else name))
    return Import(
        "import",
        spec,
        default,
        namespace,
        tuple(names),
        type_only,
        stmt.start_byte,
        stmt.end_byte,
        source.line(stmt),
        braces,
    )


def _required(source: Source, node: Node | None) -> str | None:
    """The module of `require("x")` (also `require("x").y` / `require("x").default`)."""
    while node is not None and node.type == "member_expression":
        node = node.child_by_field_name("object")
    if node is None or node.type != "call_expression":
        return None
    fn = node.child_by_field_name("function")
    if fn is None or source.text_of(fn) != "require":
        return None
    args = call_arguments(node)
    return string_value(source, args[0]) if len(args) == 1 else None


def _requires(source: Source, stmt: Node) -> list[Import]:
    out = []
    for decl in stmt.named_children:
        if decl.type != "variable_declarator":
            continue
        value = decl.child_by_field_name("value")
        spec = _required(source, value)
        if spec is None:
            continue
        name = decl.child_by_field_name("name")
        default = None
        names: list[tuple[str, str]] = []
        braces = None
        if name is not None and name.type == "identifier":
            member = value.child_by_field_name("property") if value is not None else None
            if member is not None and source.text_of(member) != "default":
                names.append((source.text_of(member), source.text_of(name)))
            else:
                default = source.text_of(name)
        elif name is not None and name.type == "object_pattern":
            braces = (name.start_byte, name.end_byte)
            for prop in name.named_children:
                if prop.type == "shorthand_property_identifier_pattern":
                    names.append((source.text_of(prop), source.text_of(prop)))
                elif prop.type == "pair_pattern":
                    key = source.text_of(prop.child_by_field_name("key"))
                    names.append((key, source.text_of(prop.child_by_field_name("value"))))
        out.append(
            Import(
                "require",
                spec,
                default,
                None,
                tuple(names),
                False,
                stmt.start_byte,
                stmt.end_byte,
                source.line(stmt),
                braces,
            )
        )
    return out


def imported(source: Source, module: str, name: str = "default") -> str | None:
    """The local name under which the file imports `name` from `module`, or None."""
    for imp in find_imports(source):
        if imp.source == module:
            local = imp.local(name)
            if local is not None:
                return local
    return None


# -- module system ----------------------------------------------------------------------------


def module_system(
    source: Source, package_type: str | None = None, default: ModuleSystem = "esm"
) -> ModuleSystem:
    """ESM or CommonJS: by extension (.mjs / .cjs / .mts / .cts), then by the file's own
    statements, then by the package's `"type"`, then `default`."""
    path = source.path
    if path.endswith((".mjs", ".mts")):
        return "esm"
    if path.endswith((".cjs", ".cts")):
        return "commonjs"
    for stmt in top_level(source):
        if stmt.type in ("import_statement", "export_statement"):
            return "esm"
    for imp in find_imports(source):
        if imp.kind == "require":
            return "commonjs"
    if "module.exports" in source.text or "exports." in source.text:
        return "commonjs"
    if source.language != "javascript":
        return "esm"
    if package_type == "module":
        return "esm"
    if package_type == "commonjs":
        return "commonjs"
    return default


# -- adding imports ---------------------------------------------------------------------------


def _group(spec: str) -> int:
    """Import groups in the usual order: packages, then aliased project paths, then relative."""
    if spec.startswith("."):
        return 2
    if spec.startswith(("@/", "~/", "#", "/", "$")):
        return 1
    return 0


def add_import(
    source: Source,
    module: str,
    *,
    default: str | None = None,
    names: tuple[str, ...] = (),
    type_only: bool = False,
    style: Style | None = None,
) -> str:
    """The file's text with `default` and / or `names` imported from `module` (ESM syntax).

    Names already imported are left alone; names from a module the file already imports join
    its `{ ... }` list; otherwise a new statement goes after the last import of the same or an
    earlier group (packages, aliases, relative paths), or after the directives at the top.
    """
    style = style or detect(source.text, source.language)
    imports = [i for i in find_imports(source) if i.kind == "import"]
    same = [i for i in imports if i.source == module and i.type_only == type_only]
    if default is not None and any(i.default == default for i in same):
        default = None
    missing = tuple(n for n in names if not any(i.local(n) == n for i in same))
    if default is None and not missing:
        return source.text
    edits: list[tuple[int, int, str]] = []
    target = next((i for i in same if i.braces is not None and i.namespace is None), None)
    if default is None and target is not None and target.braces is not None:
        edits.append(_extend_braces(source, target.braces, missing, style))
    else:
        edits.append(_new_statement(source, imports, module, default, missing, type_only, style))
    return checked_splice(source.text, edits, source.language, source.path)


def _extend_braces(
    source: Source, braces: tuple[int, int], names: tuple[str, ...], style: Style
) -> tuple[int, int, str]:
    start, end = braces
    inner = source.data[start + 1 : end - 1].decode("utf-8")
    if "\n" in inner:
        nl = "\r\n" if "\r\n" in inner else "\n"
        body = inner.rstrip()
        tail = inner[len(body) :]
        lines = body.split("\n")
        indent = lines[-1][: len(lines[-1]) - len(lines[-1].lstrip())]
        had_trailing = body.endswith(",")
        core = body[:-1] if had_trailing else body
        trailing = had_trailing or ("\n" in tail and style.trailing_commas)
        added = "".join(f",{nl}{indent}{n}" for n in names)
        return start + 1, end - 1, core + added + ("," if trailing else "") + tail
    body = inner.strip()
    sep = ", " if body and not body.endswith(",") else (" " if body else "")
    pad = " " if inner.startswith(" ") or not body else ""
    return start + 1, end - 1, f"{pad}{body}{sep}{', '.join(names)}{pad}"


def _new_statement(
    source: Source,
    imports: list[Import],
    module: str,
    default: str | None,
    names: tuple[str, ...],
    type_only: bool,
    style: Style,
) -> tuple[int, int, str]:
    parts = []
    if default:
        parts.append(default)
    if names:
        parts.append("{ " + ", ".join(names) + " }")
    keyword = "import type" if type_only else "import"
    statement = f"{keyword} {', '.join(parts)} from {style.string(module)}{style.semi}"
    if not parts:
        statement = f"import {style.string(module)}{style.semi}"
    group = _group(module)
    after = [i.end for i in imports if _group(i.source) <= group]
    new_group = all(_group(i.source) != group for i in imports)
    if new_group and _separates_groups(source, imports):
        nl = "\r\n" if "\r\n" in source.text else "\n"
        if after:
            at = _line_end(source, max(after))
            return at, at, nl + nl + statement
        at = source.line_start(min(i.start for i in imports))
        return at, at, statement + nl + nl
    return _insert_line(source, after, [i.start for i in imports], statement)


def _separates_groups(source: Source, imports: list[Import]) -> bool:
    """Whether the file puts a blank line between its import groups."""
    for prev, nxt in itertools.pairwise(imports):
        if _group(prev.source) != _group(nxt.source):
            gap = source.data[prev.end : nxt.start]
            if gap.count(b"\n") >= 2:
                return True
    return False


def _insert_line(
    source: Source, after_ends: list[int], before_starts: list[int], statement: str
) -> tuple[int, int, str]:
    nl = "\r\n" if "\r\n" in source.text else "\n"
    if after_ends:
        at = _line_end(source, max(after_ends))
        return at, at, nl + statement
    if before_starts:
        at = source.line_start(min(before_starts))
        return at, at, statement + nl
    at = _after_prologue(source)
    if at == 0:
        rest = source.data.lstrip()
        blank = nl if rest and not source.data.startswith((b"\n", b"\r\n")) else ""
        return 0, 0, statement + nl + blank
    if _blank_follows(source, at):
        return at, at, nl + nl + statement
    return at, at, nl + nl + statement + nl


def _line_end(source: Source, offset: int) -> int:
    """End of the line holding `offset` (before its newline), skipping a trailing comment."""
    end = source.data.find(b"\n", offset)
    if end < 0:
        return len(source.data)
    return end - 1 if source.data[end - 1 : end] == b"\r" else end


def _after_prologue(source: Source) -> int:
    """Byte offset just past the directives ('use client') and a shebang; 0 when none."""
    at = 0
    if source.data.startswith(b"#!"):
        at = _line_end(source, 0)
    for stmt in top_level(source):
        expr = stmt.named_children[0] if stmt.named_children else None
        if (
            stmt.type == "expression_statement"
            and expr is not None
            and expr.type == "string"
            and string_value(source, expr) in DIRECTIVES
        ):
            at = _line_end(source, stmt.end_byte - 1)
            continue
        break
    return at


def _blank_follows(source: Source, at: int) -> bool:
    rest = source.data[at:]
    return rest.startswith((b"\n\n", b"\r\n\r\n"))


def add_require(
    source: Source,
    module: str,
    *,
    default: str | None = None,
    names: tuple[str, ...] = (),
    style: Style | None = None,
) -> str:
    """The file's text with `const default = require("module")` and / or
    `const { names } = require("module")`, after its last top-level require."""
    style = style or detect(source.text, source.language)
    requires = [i for i in find_imports(source) if i.kind == "require"]
    same = [i for i in requires if i.source == module]
    if default is not None and any(i.default == default for i in same):
        default = None
    missing = tuple(n for n in names if not any(i.local(n) == n for i in same))
    if default is None and not missing:
        return source.text
    target = next((i for i in same if i.braces is not None), None)
    edits: list[tuple[int, int, str]] = []
    if default is None and target is not None and target.braces is not None:
        edits.append(_extend_braces(source, target.braces, missing, style))
    else:
        statements = []
        if default:
            statements.append(f"const {default} = require({style.string(module)}){style.semi}")
        if missing:
            statements.append(
                f"const {{ {', '.join(missing)} }} = require({style.string(module)}){style.semi}"
            )
        nl = "\r\n" if "\r\n" in source.text else "\n"
        edits.append(_insert_line(source, [i.end for i in requires], [], nl.join(statements)))
    return checked_splice(source.text, edits, source.language, source.path)


def ensure_import(
    source: Source,
    module: str,
    system: ModuleSystem,
    *,
    default: str | None = None,
    names: tuple[str, ...] = (),
    style: Style | None = None,
) -> str:
    """`add_import` for ES modules, `add_require` for CommonJS."""
    if system == "commonjs":
        return add_require(source, module, default=default, names=names, style=style)
    return add_import(source, module, default=default, names=names, style=style)
