"""TypeScript -> JavaScript with JSDoc types, for JavaScript projects that type-check their
code (`checkJs` in jsconfig.json): the types the generated TypeScript states move into the
JSDoc comments TypeScript reads in `.js` files
(https://www.typescriptlang.org/docs/handbook/jsdoc-supported-types.html), so `tsc -p
jsconfig.json` checks the generated code as strictly as the project's own.

- `type X = {...}` -> `@typedef {object} X` with one `@property` per member (other types:
  `@typedef {T} X`); `import type { A } from "m"` -> `@typedef {import("m").A} A`;
- a function's, a method's (or a `const f = (...) =>`'s) parameter and return types ->
  `@param` / `@returns` above it, and other arrow functions' parameters `(/** @type {T} */ x)`;
- `let x: T` -> `/** @type {T} */` above it; `e as T` -> `/** @type {T} */ (e)`; `e!` ->
  `/** @type {NonNullable<typeof e>} */ (e)` (`string` for `process.env.X`);
- `useState<T>()` -> `useState(/** @type {T | undefined} */ (undefined))`.

Only the constructs generated code uses are handled; anything else is a `StripError` rather
than a guess, and the result must parse as JavaScript.
"""

from __future__ import annotations

import re

from tree_sitter import Node

from scaffolder.js.types import StripError
from scaffolder.treesitter import parse, syntax_error

_FUNCTIONS = frozenset({"function_declaration", "arrow_function", "function_expression"})
_PARAMETERS = frozenset({"required_parameter", "optional_parameter"})
_UNSUPPORTED = frozenset(
    {"enum_declaration", "ambient_declaration", "abstract_class_declaration", "type_parameters"}
)
_STATE_HOOKS = frozenset({"useState"})
_DOCUMENTED = frozenset(
    {"function_declaration", "lexical_declaration", "variable_declaration", "method_definition"}
)


def to_jsdoc(code: str, language: str = "tsx") -> str:
    """JavaScript with JSDoc types for a TypeScript text (language "typescript" or "tsx")."""
    tree = parse(code, language)
    if tree.root_node.has_error:
        raise StripError("the TypeScript source does not parse")
    out = _Converter(code.encode("utf-8")).emit(tree.root_node)
    problem = syntax_error(out, "javascript")
    if problem is not None:
        raise StripError(f"JSDoc conversion left invalid JavaScript ({problem})")
    return out


class _Converter:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.documented: set[tuple[int, int]] = set()
        """Functions whose parameter types went into a JSDoc block above their statement."""
        self.inner: set[tuple[int, int]] = set()
        """Declarations whose `export` statement carries their JSDoc block."""

    def text(self, node: Node) -> str:
        return self.data[node.start_byte : node.end_byte].decode("utf-8")

    def type_text(self, annotation: Node) -> str:
        """The type of a `type_annotation` (or a type node), on one line."""
        node = annotation.named_children[0] if annotation.type == "type_annotation" else annotation
        return " ".join(self.text(node).split())

    # -- the rewrite ---------------------------------------------------------------------------

    def emit(self, node: Node) -> str:
        kind = node.type
        if kind in _UNSUPPORTED:
            raise StripError(f"JSDoc cannot express this TypeScript ({kind})")
        if kind == "program":
            return self._program(node)
        if kind == "import_statement":
            kept, _none = self._import(node)  # a module without type imports (`_program`)
            return kept or ""
        if kind == "type_alias_declaration":
            return self._typedef(node)
        if kind == "interface_declaration":
            raise StripError("JSDoc conversion of interfaces is not supported")
        if kind == "export_statement":
            alias = next(
                (c for c in node.named_children if c.type == "type_alias_declaration"), None
            )
            if alias is not None:
                return self._typedef(alias)  # a module's typedefs are exported
        if (kind in _DOCUMENTED or kind == "export_statement") and _key(node) not in self.inner:
            return self._statement(node, [])
        if kind in ("type_annotation", "type_arguments"):
            return ""
        if kind in _PARAMETERS:
            return self._parameter(node)
        if kind == "as_expression" or kind == "satisfies_expression":
            inner, target = node.named_children[0], node.named_children[-1]
            tag = "type" if kind == "as_expression" else "satisfies"
            return self._cast(tag, self.type_text(target), inner)
        if kind == "non_null_expression":
            return self._non_null(node.named_children[0])
        if kind == "call_expression" and node.child_by_field_name("type_arguments"):
            return self._call(node)
        return self.emit_children(node)

    def emit_children(self, node: Node, drop: str = "") -> str:
        """The node's text with each child rewritten (and `drop` tokens left out); `//` lines
        right above a statement that gets a JSDoc block become its description."""
        children = node.children
        if not children:
            return self.text(node)
        out, pos, i = [], node.start_byte, 0
        while i < len(children):
            child = children[i]
            out.append(self.data[pos : child.start_byte].decode("utf-8"))
            run = self._comment_run(children, i)
            if run:
                statement = children[i + len(run)]
                lines = [self.text(c)[2:].strip() for c in run]
                out.append(self._statement(statement, lines))
                pos, i = statement.end_byte, i + len(run) + 1
                continue
            out.append("" if child.type == drop else self.emit(child))
            pos, i = child.end_byte, i + 1
        out.append(self.data[pos : node.end_byte].decode("utf-8"))
        return "".join(out)

    def _comment_run(self, children: list[Node], i: int) -> list[Node]:
        """The `//` comments from `children[i]` on, each on the line right above the next,
        when the statement after them gets a JSDoc block; else []."""
        run: list[Node] = []
        for j in range(i, len(children)):
            child = children[j]
            if run and child.start_point[0] != run[-1].end_point[0] + 1:
                return []
            if child.type == "comment" and self.text(child).startswith("//"):
                if not self._starts_line(child) or self._indent(child) != self._indent(children[i]):
                    return []
                run.append(child)
                continue
            if not run or self._indent(child) != self._indent(run[0]):
                return []
            documented = child.type in _DOCUMENTED or child.type == "export_statement"
            return run if documented and self._tags(child) else []
        return []

    def _starts_line(self, node: Node) -> bool:
        start = self.data.rfind(b"\n", 0, node.start_byte) + 1
        return not self.data[start : node.start_byte].strip()

    def _indent(self, node: Node) -> str:
        start = self.data.rfind(b"\n", 0, node.start_byte) + 1
        lead = self.data[start : node.start_byte].decode("utf-8")
        return lead if not lead.strip() else ""

    def _block(self, node: Node, tags: list[str]) -> str:
        """`tags` as a JSDoc comment (one line for one tag) and the indentation to go on."""
        indent = self._indent(node)
        if len(tags) == 1 and not tags[0].startswith("@typedef {object}"):
            return f"/** {tags[0]} */\n{indent}"
        lines = [f"{indent} *{' ' if tag else ''}{tag}" for tag in tags]
        return "/**\n" + "\n".join(lines) + f"\n{indent} */\n{indent}"

    # -- statements ----------------------------------------------------------------------------

    def _declaration(self, statement: Node) -> Node | None:
        if statement.type != "export_statement":
            return statement
        return next((c for c in statement.named_children if c.type in _DOCUMENTED), None)

    def _statement(self, statement: Node, description: list[str]) -> str:
        """The statement, under a JSDoc block when its declaration states types."""
        tags = self._tags(statement)
        declaration = self._declaration(statement)
        if declaration is not None and declaration is not statement:
            self.inner.add(_key(declaration))
        body = self.emit_children(statement)
        return self._block(statement, [*description, *tags]) + body if tags else body

    def _tags(self, statement: Node) -> list[str]:
        declaration = self._declaration(statement)
        if declaration is None:
            return []
        if declaration.type in ("function_declaration", "method_definition"):
            return self._function_tags(declaration)
        tags: list[str] = []
        declarators = [c for c in declaration.named_children if c.type == "variable_declarator"]
        for declarator in declarators:
            annotation = declarator.child_by_field_name("type")
            value = declarator.child_by_field_name("value")
            if annotation is not None:
                if len(declarators) > 1:
                    raise StripError("JSDoc types one declaration per statement")
                tags.append(f"@type {{{self.type_text(annotation)}}}")
            elif value is not None and value.type in _FUNCTIONS and len(declarators) == 1:
                tags = self._function_tags(value)
        return tags

    def _function_tags(self, function: Node) -> list[str]:
        parameters = function.child_by_field_name("parameters")
        tags = []
        for parameter in parameters.named_children if parameters is not None else []:
            annotation = parameter.child_by_field_name("type")
            if parameter.type not in _PARAMETERS or annotation is None:
                continue
            name = self._parameter_name(parameter, annotation)
            if parameter.type == "optional_parameter":
                name = f"[{name}]"
            tags.append(f"@param {{{self.type_text(annotation)}}} {name}")
        returns = function.child_by_field_name("return_type")
        if returns is not None:
            tags.append(f"@returns {{{self.type_text(returns)}}}")
        if tags:
            self.documented.add(_key(function))
        return tags

    def _parameter_name(self, parameter: Node, annotation: Node) -> str:
        pattern = parameter.child_by_field_name("pattern")
        if pattern is not None and pattern.type == "identifier":
            return self.text(pattern)
        # a destructured parameter: named after its type (`WidgetUser` -> `widgetUser`)
        word = re.match(r"[A-Za-z_$][\w$]*", self.type_text(annotation))
        name = word.group(0) if word else "options"
        return name[0].lower() + name[1:]

    def _parameter(self, parameter: Node) -> str:
        """A parameter without its type: in the JSDoc block above its function, or inline."""
        function = parameter.parent.parent if parameter.parent is not None else None
        annotation = parameter.child_by_field_name("type")
        bare = self.emit_children(parameter, drop="?").strip()
        documented = function is not None and _key(function) in self.documented
        if annotation is None or documented:
            return bare
        optional = " | undefined" if parameter.type == "optional_parameter" else ""
        return f"/** @type {{{self.type_text(annotation)}{optional}}} */ {bare}"

    def _program(self, node: Node) -> str:
        """The module, its type-only imports' `@typedef`s gathered after its last import (a
        value import that also named types stays where it was, without them)."""
        imports = [c for c in node.children if c.type == "import_statement"]
        converted = {_key(i): self._import(i) for i in imports}
        typedefs = [line for _kept, lines in converted.values() for line in lines]
        if not typedefs:
            return self.emit_children(node)
        kept = [i for i in imports if converted[_key(i)][0] is not None]
        anchor = kept[-1] if kept else imports[0]
        out: list[str] = []
        pos = node.start_byte
        for child in node.children:
            kept_text = converted[_key(child)][0] if _key(child) in converted else ""
            if kept_text is None and child is not anchor:
                pos = child.end_byte if out else _next_line(self.data, child.end_byte)
                continue  # the statement and the line break before (or, first, after) it
            out.append(self.data[pos : child.start_byte].decode("utf-8"))
            if child is anchor:
                block = "\n".join(typedefs)
                out.append(f"{kept_text}\n\n{block}" if kept_text is not None else block)
            else:
                out.append(self.emit(child))
            pos = child.end_byte
        out.append(self.data[pos : node.end_byte].decode("utf-8"))
        return "".join(out)

    def _import(self, node: Node) -> tuple[str | None, list[str]]:
        """An import as it stays (None: type-only, gone) and the `@typedef`s of its types."""
        type_only = any(c.type == "type" for c in node.children)
        source = node.child_by_field_name("source")
        clause = next((c for c in node.named_children if c.type == "import_clause"), None)
        if clause is None or source is None:
            return self.text(node), []
        module = self.text(source)
        typedefs: list[tuple[str, str]] = []
        default, kept, other = None, [], False
        for child in clause.named_children:
            if child.type == "identifier":
                if type_only:
                    typedefs.append((f"import({module}).default", self.text(child)))
                else:
                    default = self.text(child)
            elif child.type == "named_imports":
                for spec in (c for c in child.named_children if c.type == "import_specifier"):
                    names = [self.text(n) for n in spec.named_children if n.type == "identifier"]
                    if type_only or any(c.type == "type" for c in spec.children):
                        typedefs.append((f"import({module}).{names[0]}", names[-1]))
                    else:
                        kept.append(self.text(spec))
            else:
                other = True  # `* as ns`
        if not typedefs:
            return self.text(node), []
        if other:
            raise StripError(f"JSDoc cannot type the import {self.text(node)}")
        lines = [f"/** @typedef {{{target}}} {name} */" for target, name in typedefs]
        values = ([default] if default else []) + ([f"{{ {', '.join(kept)} }}"] if kept else [])
        return (f"import {', '.join(values)} from {module};" if values else None), lines

    def _typedef(self, node: Node) -> str:
        name = self.text(_field(node, "name"))
        value = _field(node, "value")
        members = value.named_children if value.type == "object_type" else []
        if members and all(m.type == "property_signature" for m in members):
            tags = [f"@typedef {{object}} {name}"]
            for member in members:
                key = self.text(_field(member, "name"))
                optional = any(c.type == "?" for c in member.children)
                annotation = member.child_by_field_name("type")
                kind = self.type_text(annotation) if annotation is not None else "*"
                tags.append(f"@property {{{kind}}} {f'[{key}]' if optional else key}")
            return self._block(node, tags).rstrip()
        return f"/** @typedef {{{self.type_text(value)}}} {name} */"

    # -- expressions ---------------------------------------------------------------------------

    def _cast(self, tag: str, type_text: str, inner: Node) -> str:
        body = self.emit(inner)
        wrapped = body if inner.type == "parenthesized_expression" else f"({body})"
        return f"/** @{tag} {{{type_text}}} */ {wrapped}"

    def _non_null(self, inner: Node) -> str:
        text = self.text(inner)
        if text.startswith("process.env.") and re.fullmatch(r"[\w$.]+", text):
            return self._cast("type", "string", inner)
        if inner.type in ("identifier", "member_expression") and re.fullmatch(r"[\w$.]+", text):
            return self._cast("type", f"NonNullable<typeof {text}>", inner)
        raise StripError(f"JSDoc cannot assert `{text}` non-null")

    def _call(self, node: Node) -> str:
        """A generic call: `useState<T>(x)` / `useState<T>()` casts its initial value."""
        function = node.child_by_field_name("function")
        type_arguments = node.child_by_field_name("type_arguments")
        arguments = node.child_by_field_name("arguments")
        assert function is not None and type_arguments is not None and arguments is not None
        types = type_arguments.named_children
        values = arguments.named_children
        if self.text(function) not in _STATE_HOOKS or len(types) != 1 or len(values) > 1:
            raise StripError(f"JSDoc cannot type the generic call {self.text(node)}")
        kind = self.type_text(types[0])
        if values:
            argument = self._cast("type", kind, values[0])
        else:
            argument = f"/** @type {{{kind} | undefined}} */ (undefined)"
        return f"{self.emit(function)}({argument})"


def _key(node: Node) -> tuple[int, int]:
    return node.start_byte, node.end_byte


def _field(node: Node, name: str) -> Node:
    found = node.child_by_field_name(name)
    if found is None:
        raise StripError(f"a {node.type} without its {name}")
    return found


def _next_line(data: bytes, offset: int) -> int:
    """Where the line after `offset` starts (the end of the text when it is the last)."""
    end = data.find(b"\n", offset)
    return len(data) if end < 0 else end + 1
