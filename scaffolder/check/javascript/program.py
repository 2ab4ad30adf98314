"""The project's JavaScript / TypeScript files as one program: each file parsed once (a file
with a syntax error is left out), import specifiers resolved to project files, exports looked
up by name, and which files end up in the browser.

Only the listed files are read (`Sources`): aliases (`@/`, `~/`) are resolved by trying the
folders a Next.js / Vite project maps them to, not by reading tsconfig.json, so nothing outside
the checker's sources is opened.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

from tree_sitter import Node

from scaffolder.check.rules import Sources
from scaffolder.js.syntax import Source, call_arguments, string_value, top_level
from scaffolder.treesitter import walk

SUFFIXES = (".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts")
_RESOLVE = (".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts")
_TESTS = re.compile(
    r"(^|/)(__tests__|__mocks__|tests?|e2e|cypress|playwright|spec)/|\.(test|spec)\.[cm]?[jt]sx?$"
)
_HTML_SCRIPT = re.compile(r"""<script\b[^>]*\bsrc\s*=\s*["']([^"']+\.[cm]?[jt]sx?)["']""", re.I)

NodeKey = tuple[str, int, int, str]


@dataclass(frozen=True)
class Imported:
    """What a local name is bound to by an import or a require."""

    spec: str
    name: str
    """The imported name: "default", "*" (namespace / the whole CommonJS module) or a name."""


class Module:
    """One parsed file."""

    def __init__(self, path: str, source: Source) -> None:
        self.path = path
        self.source = source
        self.lookups: dict[tuple[int, int], object] = {}
        """scope.lookup's answers, by the identifier's byte range."""

    @property
    def root(self) -> Node:
        return self.source.root

    def text(self, node: Node | None) -> str:
        return self.source.text_of(node)

    def line(self, node: Node) -> int:
        return self.source.line(node)

    def key(self, node: Node) -> NodeKey:
        return (self.path, node.start_byte, node.end_byte, node.type)

    @cached_property
    def directive(self) -> str | None:
        """'use client' / 'use server' when the file starts with one."""
        for stmt in top_level(self.source):
            expr = stmt.named_children[0] if stmt.named_children else None
            if stmt.type != "expression_statement" or expr is None or expr.type != "string":
                return None
            value = string_value(self.source, expr)
            if value in ("use client", "use server"):
                return value
        return None

    @cached_property
    def imports(self) -> dict[str, Imported]:
        """Local name -> what it is bound to, for top-level imports and requires."""
        out: dict[str, Imported] = {}
        for stmt in top_level(self.source):
            if stmt.type == "import_statement":
                self._esm(stmt, out)
        return out

    def _esm(self, stmt: Node, out: dict[str, Imported]) -> None:
        spec = string_value(self.source, stmt.child_by_field_name("source"))
        if spec is None:
            return
        clause = next((c for c in stmt.named_children if c.type == "import_clause"), None)
        for part in clause.named_children if clause is not None else []:
            if part.type == "identifier":
                out[self.text(part)] = Imported(spec, "default")
            elif part.type == "namespace_import":
                ident = next((c for c in part.named_children if c.type == "identifier"), None)
                out[self.text(ident)] = Imported(spec, "*")
            elif part.type == "named_imports":
                for sp in part.named_children:
                    if sp.type != "import_specifier":
                        continue
                    name = self.text(sp.child_by_field_name("name"))
                    alias = sp.child_by_field_name("alias")
                    out[self.text(alias) if alias else name] = Imported(spec, name)

    @cached_property
    def specifiers(self) -> list[str]:
        """Every module this file loads at run time: imports (not type-only), requires,
        dynamic imports and re-exports."""
        out = []
        for node in self.nodes("import_statement", "export_statement", "call_expression"):
            if node.type in ("import_statement", "export_statement"):
                spec = string_value(self.source, node.child_by_field_name("source"))
                if spec is not None and not any(c.type == "type" for c in node.children):
                    out.append(spec)
            elif node.type == "call_expression":
                fn = node.child_by_field_name("function")
                if fn is not None and fn.type in ("import", "identifier"):
                    if fn.type == "identifier" and self.text(fn) != "require":
                        continue
                    args = call_arguments(node)
                    spec = string_value(self.source, args[0]) if len(args) == 1 else None
                    if spec is not None:
                        out.append(spec)
        return out

    @cached_property
    def _by_type(self) -> dict[str, list[Node]]:
        out: dict[str, list[Node]] = {}
        for node in walk(self.root):
            out.setdefault(node.type, []).append(node)
        return out

    def nodes(self, *types: str) -> list[Node]:
        """The file's nodes of these types, in source order (the tree is walked once)."""
        if len(types) == 1:
            return self._by_type.get(types[0], [])
        found = [node for kind in types for node in self._by_type.get(kind, [])]
        return sorted(found, key=lambda node: node.start_byte)

    @cached_property
    def assignments(self) -> dict[str, list[Node]]:
        """The assignment expressions of the file, by the name their target starts with
        (`x = v`, `x.a.b = v` under "x")."""
        out: dict[str, list[Node]] = {}
        for node in self.nodes("assignment_expression"):
            target = node.child_by_field_name("left")
            while target is not None and target.type in (
                "member_expression",
                "subscript_expression",
            ):
                target = target.child_by_field_name("object")
            if target is not None and target.type == "identifier":
                out.setdefault(self.text(target), []).append(node)
        return out

    @cached_property
    def is_test(self) -> bool:
        return bool(_TESTS.search(self.path))


class Program:
    """Every JS / TS file of the sources that parses."""

    def __init__(self, sources: Sources) -> None:
        self.sources = sources
        self.paths = tuple(sources.with_suffix(*SUFFIXES))
        self._path_set = frozenset(self.paths)
        self._modules: dict[str, Module | None] = {}
        self._resolved: dict[tuple[str, str], str | None] = {}

    def module(self, path: str) -> Module | None:
        if path not in self._modules:
            self._modules[path] = self._parse(path)
        return self._modules[path]

    def _parse(self, path: str) -> Module | None:
        if path not in self._path_set or path.endswith(".d.ts"):
            return None
        text = self.sources.text(path)
        if text is None:
            return None
        source = Source.of(path, text)
        if source.has_error:
            return None  # a file that does not parse is skipped
        return Module(path, source)

    def modules(self) -> Iterator[Module]:
        for path in self.paths:
            found = self.module(path)
            if found is not None:
                yield found

    # -- imports ------------------------------------------------------------------------------

    def resolve(self, importer: str, spec: str) -> Module | None:
        """The project module an import specifier names (None: a package, or not found)."""
        key = (posixpath.dirname(importer), spec)
        if key not in self._resolved:
            self._resolved[key] = self._resolve_path(importer, spec)
        path = self._resolved[key]
        return self.module(path) if path is not None else None

    def _resolve_path(self, importer: str, spec: str) -> str | None:
        if spec.startswith("."):
            base = posixpath.normpath(posixpath.join(posixpath.dirname(importer), spec))
            return self._existing(base)
        for prefix in ("@/", "~/", "#/", "$lib/"):
            if spec.startswith(prefix):
                return self._aliased(importer, spec[len(prefix) :])
        return None

    def _aliased(self, importer: str, rest: str) -> str | None:
        """`@/x` from a file of a (possibly nested) package: `<dir>/src/x` or `<dir>/x`."""
        parts = importer.split("/")[:-1]
        for depth in range(len(parts), -1, -1):
            base = "/".join(parts[:depth])
            for folder in ("src", "app", ""):
                joined = "/".join(p for p in (base, folder, rest) if p)
                found = self._existing(joined)
                if found is not None:
                    return found
        return None

    def _existing(self, base: str) -> str | None:
        base = base.removeprefix("./")
        stem = base
        for ext in (".js", ".jsx", ".mjs", ".cjs"):
            if base.endswith(ext):  # TypeScript's ESM style: "./x.js" names ./x.ts
                stem = base[: -len(ext)]
        candidates = [base] if posixpath.splitext(base)[1] else []
        candidates += [stem + s for s in _RESOLVE] + [f"{stem}/index{s}" for s in _RESOLVE]
        return next((c for c in candidates if c in self._path_set), None)

    # -- exports ------------------------------------------------------------------------------

    def export(
        self, module: Module, name: str, depth: int = 0
    ) -> tuple[Module, Node, tuple[str, ...]] | None:
        """The node giving the value module exports as `name` ("default" for the default
        export), with a property path still to apply (CommonJS `module.exports = obj`)."""
        if depth > 8:
            return None
        src = module.source
        fallback: tuple[Module, Node, tuple[str, ...]] | None = None
        for stmt in top_level(src):
            if stmt.type == "export_statement":
                found = self._esm_export(module, stmt, name, depth)
                if found is not None:
                    return found
            elif stmt.type == "expression_statement":
                expr = stmt.named_children[0] if stmt.named_children else None
                if expr is None or expr.type != "assignment_expression":
                    continue
                left = module.text(expr.child_by_field_name("left")).replace(" ", "")
                right = expr.child_by_field_name("right")
                if right is None:
                    continue
                if left in (f"exports.{name}", f"module.exports.{name}"):
                    return module, right, ()
                if left == "module.exports":
                    if name == "default":
                        return module, right, ()
                    fallback = module, right, (name,)
        return fallback

    def _esm_export(
        self, module: Module, stmt: Node, name: str, depth: int
    ) -> tuple[Module, Node, tuple[str, ...]] | None:
        src = module.source
        is_default = any(c.type == "default" for c in stmt.children)
        decl = stmt.child_by_field_name("declaration")
        if is_default:
            value = decl if decl is not None else stmt.child_by_field_name("value")
            return (module, value, ()) if name == "default" and value is not None else None
        if decl is not None:
            for bound, node in _declared(module, decl):
                if bound == name:
                    return module, node, ()
            return None
        source = string_value(src, stmt.child_by_field_name("source"))
        clause = next((c for c in stmt.named_children if c.type == "export_clause"), None)
        if clause is None:  # export * from "./x"
            target = self.resolve(module.path, source) if source else None
            return self.export(target, name, depth + 1) if target is not None else None
        for spec in clause.named_children:
            if spec.type != "export_specifier":
                continue
            local = spec.child_by_field_name("name")
            alias = spec.child_by_field_name("alias")
            if module.text(alias if alias is not None else local) != name or local is None:
                continue
            if source is None:
                return module, local, ()
            target = self.resolve(module.path, source)
            return self.export(target, module.text(local), depth + 1) if target else None
        return None


def _declared(module: Module, decl: Node) -> Iterator[tuple[str, Node]]:
    if decl.type in ("function_declaration", "generator_function_declaration", "class_declaration"):
        name = decl.child_by_field_name("name")
        if name is not None:
            yield module.text(name), decl
    elif decl.type in ("lexical_declaration", "variable_declaration"):
        for d in decl.named_children:
            name = d.child_by_field_name("name")
            value = d.child_by_field_name("value")
            if d.type == "variable_declarator" and name is not None and value is not None:
                yield module.text(name), value


# -- client code ------------------------------------------------------------------------------


def client_modules(program: Program) -> set[str]:
    """Files that end up in the browser: Next.js `'use client'` files, files under a
    `public/` folder, browser entries (`createRoot(...)`, scripts an HTML page loads) and
    everything they import, short of server-only modules (`'use server'`, `server-only`)."""
    roots = []
    for module in program.modules():
        if module.directive == "use client" or _public(module.path) or _browser_entry(module):
            roots.append(module)
    for page in program.sources.with_suffix(".html", ".htm"):
        text = program.sources.text(page) or ""
        for src in _HTML_SCRIPT.findall(text):
            if "://" in src:
                continue
            base = posixpath.dirname(page) if not src.startswith("/") else ""
            path = posixpath.normpath(posixpath.join(base, src.lstrip("/")))
            found = program.module(path)
            if found is not None:
                roots.append(found)
    seen: set[str] = set()
    stack = roots
    while stack:
        module = stack.pop()
        if module.path in seen or _server_only(module):
            continue
        seen.add(module.path)
        for spec in module.specifiers:
            target = program.resolve(module.path, spec)
            if target is not None:
                stack.append(target)
    return seen


def _public(path: str) -> bool:
    return path.startswith("public/") or "/public/" in path


def _browser_entry(module: Module) -> bool:
    """A file that mounts a browser app: `createRoot(...)`, `ReactDOM.render(...)`, Vue's
    `createApp(...)`."""
    for node in module.nodes("call_expression"):
        callee = module.text(node.child_by_field_name("function"))
        last = callee.rsplit(".", 1)[-1]
        if last in ("createRoot", "hydrateRoot") or callee == "ReactDOM.render":
            return True
        bound = module.imports.get(callee)
        if callee == "createApp" and bound is not None and bound.spec == "vue":
            return True
    return False


def _server_only(module: Module) -> bool:
    return module.directive == "use server" or "server-only" in module.specifiers
