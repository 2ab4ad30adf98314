"""Source style of JS / TS code: quotes, semicolons, indentation, trailing commas, newlines.

`detect` reads one file's habits from its syntax tree; `project_style` prefers the project's
Prettier / EditorConfig settings and falls back to what its files do. `restyle` rewrites code
written in the canonical style of bcb-scaffold's templates (Prettier's defaults: double quotes,
semicolons, two-space indentation, trailing commas, `\\n`) into a given style, on the syntax
tree, so generated files read like the rest of the project.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace

from tree_sitter import Node

from scaffolder.js import jsonc
from scaffolder.project import Project
from scaffolder.treesitter import parse, splice, walk

# Statements that end with `;` when the code uses semicolons.
_TERMINATED = frozenset(
    {
        "expression_statement",
        "lexical_declaration",
        "variable_declaration",
        "import_statement",
        "export_statement",
        "return_statement",
        "throw_statement",
        "break_statement",
        "continue_statement",
        "do_statement",
        "type_alias_declaration",
        "public_field_definition",
    }
)
# Type member lists whose `;` separators may be dropped only where a line break separates.
_MEMBER_LISTS = frozenset({"object_type", "interface_body"})
# Characters that make a statement continue the previous one without a semicolon (ASI hazards).
_ASI_HAZARD = tuple("([`+-/*,.")


@dataclass(frozen=True)
class Style:
    """How a project writes JS / TS. The defaults are Prettier's."""

    quote: str = '"'
    semicolons: bool = True
    indent: str = "  "
    trailing_commas: bool = True
    newline: str = "\n"

    @property
    def semi(self) -> str:
        return ";" if self.semicolons else ""

    def string(self, value: str) -> str:
        """A string literal of `value` in this style's quotes."""
        q = self.quote
        if q in value and ('"' if q == "'" else "'") not in value:
            q = '"' if q == "'" else "'"
        escaped = value.replace("\\", "\\\\").replace(q, "\\" + q).replace("\n", "\\n")
        return q + escaped + q


DEFAULT = Style()


def detect(text: str, language: str, fallback: Style = DEFAULT) -> Style:
    """The style of one file; what it does not show comes from `fallback`."""
    tree = parse(text, language)
    quotes: Counter[str] = Counter()
    semis: Counter[bool] = Counter()
    commas: Counter[bool] = Counter()
    for node in walk(tree.root_node):
        if node.type == "string" and node.parent is not None:
            if node.parent.type == "jsx_attribute":
                continue
            raw = text_at(text, node)
            if len(raw) >= 2 and raw[0] in "'\"" and ("'" in raw[1:-1]) == ('"' in raw[1:-1]):
                quotes[raw[0]] += 1
        elif node.type in _TERMINATED and not _is_block_export(node):
            last = node.children[-1] if node.children else None
            semis[last is not None and last.type == ";"] += 1
        elif node.type in ("object", "array", "arguments", "named_imports", "object_pattern"):
            trailing = _trailing_comma(node)
            if trailing is not None:
                commas[trailing] += 1
    return Style(
        quote=quotes.most_common(1)[0][0] if quotes else fallback.quote,
        semicolons=semis.most_common(1)[0][0] if semis else fallback.semicolons,
        indent=_indent(text) or fallback.indent,
        trailing_commas=commas.most_common(1)[0][0] if commas else fallback.trailing_commas,
        newline="\r\n" if "\r\n" in text else ("\n" if "\n" in text else fallback.newline),
    )


def text_at(text: str, node: Node) -> str:
    return text.encode("utf-8")[node.start_byte : node.end_byte].decode("utf-8")


def _is_block_export(node: Node) -> bool:
    """Exports that take no semicolon of their own: `export const` (its declaration carries it),
    `export function f() {}`, `export class`, `export default function`."""
    if node.type != "export_statement":
        return False
    if node.child_by_field_name("declaration") is not None:
        return True  # the declaration itself is counted
    return any(
        c.type
        in (
            "function_declaration",
            "generator_function_declaration",
            "class_declaration",
            "abstract_class_declaration",
            "interface_declaration",
            "enum_declaration",
            "function_expression",
            "class",
            "module",
            "internal_module",
        )
        for c in node.children
    )


def _trailing_comma(node: Node) -> bool | None:
    """Whether a multi-line list ends with a comma; None when it is on one line or empty."""
    if node.start_point[0] == node.end_point[0] or node.named_child_count == 0:
        return None
    children = [c for c in node.children if c.type != "comment"]
    if len(children) < 3:
        return None
    before_close = children[-2]
    if before_close.end_point[0] == children[-1].start_point[0]:
        return None  # `})` style closing on the last item's line: not a vertical list
    return before_close.type == ","


def _indent(text: str) -> str | None:
    steps: Counter[str] = Counter()
    previous = 0
    for line in text.splitlines():
        stripped = line.lstrip(" \t")
        if not stripped or stripped.startswith(("*", "//")):
            continue
        lead = line[: len(line) - len(stripped)]
        if lead.startswith("\t"):
            steps["\t"] += 1
            previous = 0
            continue
        width = len(lead)
        if width > previous:
            steps[" " * (width - previous)] += 1
        previous = width
    if not steps:
        return None
    best = steps.most_common(1)[0][0]
    return best if best == "\t" or len(best) in (2, 4, 8) else None


# -- project-wide style -----------------------------------------------------------------------

_PRETTIER_FILES = (
    ".prettierrc",
    ".prettierrc.json",
    ".prettierrc.json5",
    ".prettierrc.yaml",
    ".prettierrc.yml",
    ".prettierrc.js",
    ".prettierrc.cjs",
    ".prettierrc.mjs",
    "prettier.config.js",
    "prettier.config.cjs",
    "prettier.config.mjs",
    "prettier.config.ts",
)
_PRETTIER_OPTION = re.compile(
    r"""["']?(?P<key>singleQuote|semi|tabWidth|useTabs|trailingComma)["']?\s*[:=]\s*"""
    r"""(?P<value>true|false|\d+|["'][a-z0-9]+["'])"""
)


def prettier_options(project: Project, directory: str) -> dict[str, object] | None:
    """The Prettier options set for `directory` (nearest config up to the project root), or
    None when the project has no Prettier configuration."""
    for base in _ancestors(directory):
        for name in _PRETTIER_FILES:
            path = _join(base, name)
            if not project.abspath(path).is_file():
                continue
            text = project.text(path) or ""
            try:
                data = jsonc.loads(text)
                if isinstance(data, dict):
                    return data
            except ValueError:
                pass
            return {
                m.group("key"): _option_value(m.group("value"))
                for m in _PRETTIER_OPTION.finditer(text)
            }
        manifest = _join(base, "package.json")
        if project.abspath(manifest).is_file():
            try:
                data = jsonc.loads(project.text(manifest) or "")
            except ValueError:
                data = None
            if isinstance(data, dict) and isinstance(data.get("prettier"), dict):
                return dict(data["prettier"])
    return None


def _option_value(raw: str) -> object:
    if raw in ("true", "false"):
        return raw == "true"
    if raw.isdigit():
        return int(raw)
    return raw.strip("'\"")


def _ancestors(directory: str) -> list[str]:
    parts = [p for p in directory.split("/") if p not in ("", ".")]
    return ["/".join(parts[:i]) or "." for i in range(len(parts), -1, -1)]


def _join(directory: str, name: str) -> str:
    return name if directory in ("", ".") else f"{directory}/{name}"


def project_style(project: Project, directory: str, samples: list[str]) -> Style:
    """The style new code under `directory` should follow: the Prettier configuration when
    there is one (Prettier's defaults for what it leaves unset), else the sample files' habits."""
    options = prettier_options(project, directory)
    if options is not None:
        tab = options.get("tabWidth", 2)
        width = tab if isinstance(tab, int) else 2
        return Style(
            quote="'" if options.get("singleQuote") is True else '"',
            semicolons=options.get("semi") is not False,
            indent="\t" if options.get("useTabs") is True else " " * width,
            trailing_commas=options.get("trailingComma", "all") != "none",
            newline=_sample_newline(project, samples),
        )
    votes: list[Style] = []
    for path in samples:
        text = project.text(path)
        from scaffolder.treesitter import language_for

        language = language_for(path)
        if text and language and language != "php":
            votes.append(detect(text, language))
    if not votes:
        return DEFAULT

    def most(values: list[object]) -> object:
        return Counter(values).most_common(1)[0][0]

    return Style(
        quote=str(most([v.quote for v in votes])),
        semicolons=bool(most([v.semicolons for v in votes])),
        indent=str(most([v.indent for v in votes])),
        trailing_commas=bool(most([v.trailing_commas for v in votes])),
        newline=str(most([v.newline for v in votes])),
    )


def _sample_newline(project: Project, samples: list[str]) -> str:
    for path in samples:
        text = project.text(path)
        if text and "\n" in text:
            return "\r\n" if "\r\n" in text else "\n"
    return "\n"


def with_file_newline(style: Style, text: str) -> Style:
    return replace(style, newline="\r\n" if "\r\n" in text else "\n")


# -- restyling generated code -----------------------------------------------------------------


def restyle(code: str, style: Style, language: str) -> str:
    """Code written in the canonical style (Prettier defaults), rewritten into `style`."""
    tree = parse(code, language)
    edits: list[tuple[int, int, str]] = []
    data = code.encode("utf-8")
    for node in walk(tree.root_node):
        if node.type == "string" and style.quote == "'":
            parent = node.parent
            raw = data[node.start_byte : node.end_byte].decode("utf-8")
            if parent is not None and parent.type == "jsx_attribute":
                continue
            if raw.startswith('"') and "'" not in raw:
                inner = raw[1:-1].replace('\\"', '"')
                edits.append((node.start_byte, node.end_byte, "'" + inner + "'"))
        elif node.type == ";" and not style.semicolons:
            parent = node.parent
            if parent is None:
                continue
            if parent.type in _MEMBER_LISTS:
                if _separates_on_one_line(node):
                    continue
            elif parent.type not in _TERMINATED:
                continue
            if _next_code(data, node.end_byte).startswith(_ASI_HAZARD):
                continue
            edits.append((node.start_byte, node.end_byte, ""))
        elif node.type == "," and not style.trailing_commas:
            nxt = node.next_sibling
            if (
                nxt is not None
                and nxt.type in ("}", "]", ")")
                and b"\n" in data[node.end_byte : nxt.start_byte]
            ):
                edits.append((node.start_byte, node.end_byte, ""))
    out = splice(code, edits) if edits else code
    if style.indent != "  ":
        out = _reindent(out, style.indent)
    if style.newline != "\n":
        out = out.replace("\n", style.newline)
    return out


def _separates_on_one_line(semicolon: Node) -> bool:
    """Whether a `;` in a type literal or interface body separates two members on one line
    (`{ a: string; b: number }`): only a line break may replace it, so it stays, as Prettier
    keeps it with `semi: false`; a trailing one (before `}`) or one ending a line can go."""
    following = semicolon.next_sibling
    while following is not None and following.type == "comment":
        following = following.next_sibling
    return (
        following is not None
        and following.type != "}"
        and following.start_point[0] == semicolon.end_point[0]
    )


def _next_code(data: bytes, pos: int) -> str:
    """The source text from `pos` on, past whitespace and comments."""
    rest = data[pos:].decode("utf-8", "replace")
    while True:
        rest = rest.lstrip()
        if rest.startswith("//"):
            rest = rest[rest.find("\n") + 1 :] if "\n" in rest else ""
        elif rest.startswith("/*") and "*/" in rest:
            rest = rest[rest.index("*/") + 2 :]
        else:
            return rest


def _reindent(code: str, unit: str) -> str:
    lines = []
    for line in code.split("\n"):
        stripped = line.lstrip(" ")
        depth, extra = divmod(len(line) - len(stripped), 2)
        lines.append(unit * depth + " " * extra + stripped if stripped else line)
    return "\n".join(lines)
