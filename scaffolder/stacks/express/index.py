"""The server-side JS / TS modules of one Node package, parsed on demand, and the small static
evaluation Express detection needs: which local name a package is imported under, which project
file a relative import names, and what directory a `path.join(__dirname, "views")` expression
denotes."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from functools import cached_property

from tree_sitter import Node

from scaffolder.js import tsconfig
from scaffolder.js.imports import ModuleSystem, find_imports, module_system
from scaffolder.js.syntax import FUNCTION_TYPES, Source, call_arguments, callee_name, string_value
from scaffolder.project import Project
from scaffolder.treesitter import language_for, walk

SOURCE_SUFFIXES = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts")
# Client code, build output and tests: never where the server app is defined.
_NOT_SERVER = re.compile(
    r"(^|/)(public|static|assets|client|frontend|www|views|dist|build|out|coverage|"
    r"tests?|__tests__|__mocks__|spec|e2e|cypress|playwright|fixtures?|examples?|docs|"
    r"migrations|seeders?)/"
    r"|\.(test|spec)\.[cm]?[jt]s$|\.min\.js$|\.config\.[cm]?[jt]s$"
)
_MAX_BYTES = 400_000
_ROOT_NAME = re.compile(r"(^|\.)(root|rootDir|rootPath|ROOT|ROOT_DIR|appRoot)$")


@dataclass
class Module:
    path: str
    source: Source
    system: ModuleSystem

    @property
    def text(self) -> str:
        return self.source.text

    @property
    def directory(self) -> str:
        return posixpath.dirname(self.path) or "."

    def with_text(self, text: str) -> Module:
        """The same module with `text` (as a plan has it so far)."""
        return Module(self.path, Source(text, self.source.language, self.path), self.system)

    def line(self, node: Node | int) -> int:
        return self.source.line(node)

    def text_of(self, node: Node | None) -> str:
        return self.source.text_of(node)

    @cached_property
    def bindings(self) -> dict[str, str]:
        """Local name -> `package` / `package#name` for its top-level imports and requires
        (`express`, `express#Router`, `passport-local#Strategy`, `./models/users`)."""
        out: dict[str, str] = {}
        for imp in find_imports(self.source):
            if imp.default:
                out[imp.default] = imp.source
            if imp.namespace:
                out[imp.namespace] = imp.source
            for name, local in imp.names:
                out[local] = f"{imp.source}#{name}"
        for node in walk(self.source.root):  # requires inside functions, `require("x").y`
            if node.type != "variable_declarator":
                continue
            value = node.child_by_field_name("value")
            ident = node.child_by_field_name("name")
            if value is None or ident is None or ident.type != "identifier":
                continue
            spec, member = _required(self, value)
            if spec is not None:
                out.setdefault(self.text_of(ident), f"{spec}#{member}" if member else spec)
        return out

    def local_for(self, *packages: str) -> list[str]:
        """Local names bound to any of `packages` (default / namespace imports)."""
        return [name for name, spec in self.bindings.items() if spec in packages]


def _required(module: Module, node: Node) -> tuple[str | None, str | None]:
    member = None
    if node.type == "member_expression":
        prop = node.child_by_field_name("property")
        member = module.text_of(prop)
        node = node.child_by_field_name("object") or node
    if node.type != "call_expression" or callee_name(module.source, node) != "require":
        return None, None
    args = call_arguments(node)
    spec = string_value(module.source, args[0]) if len(args) == 1 else None
    return spec, (None if member == "default" else member)


class JsIndex:
    """The package's server-side modules (client code, tests and build output left out)."""

    def __init__(self, project: Project, root: str, package_type: str | None) -> None:
        self.project = project
        self.root = root
        self.package_type = package_type
        self._modules: dict[str, Module | None] = {}
        self._received: dict[str, dict[str, set[str]]] = {}
        self.config = tsconfig.load(project, root)

    @cached_property
    def paths(self) -> list[str]:
        prefix = "" if self.root in ("", ".") else self.root.rstrip("/") + "/"
        out = []
        for path in self.project.with_suffix(*SOURCE_SUFFIXES):
            if not path.startswith(prefix) or path.endswith(".d.ts"):
                continue
            rel = path[len(prefix) :]
            if _NOT_SERVER.search(rel) or "/node_modules/" in path:
                continue
            out.append(path)
        return out

    @cached_property
    def declaration_files(self) -> list[str]:
        prefix = "" if self.root in ("", ".") else self.root.rstrip("/") + "/"
        return [p for p in self.project.with_suffix(".d.ts") if p.startswith(prefix) and "/" in p]

    def module(self, path: str) -> Module | None:
        if path not in self._modules:
            self._modules[path] = self._load(path)
        return self._modules[path]

    def _load(self, path: str) -> Module | None:
        language = language_for(path)
        if language is None or language == "php":
            return None
        text = self.project.text(path)
        if text is None or len(text) > _MAX_BYTES:
            return None
        source = Source(text, language, path)
        return Module(path, source, module_system(source, self.package_type, "commonjs"))

    def modules(self, containing: str | None = None) -> list[Module]:
        out = []
        for path in self.paths:
            if containing is not None:
                text = self.project.text(path)
                if text is None or containing not in text:
                    continue
            mod = self.module(path)
            if mod is not None:
                out.append(mod)
        return out

    def names_for(self, mod: Module, package: str) -> set[str]:
        """The names `package` goes by in `mod`: its imports, and the parameters of the
        module's exported function that its importers call with the package
        (`require("./config/passport")(passport)`, `module.exports = function (passport)`)."""
        return set(mod.local_for(package)) | self.received(package).get(mod.path, set())

    def received(self, package: str) -> dict[str, set[str]]:
        """Module path -> the parameter names that receive `package` from a caller module."""
        if package in self._received:
            return self._received[package]
        out: dict[str, set[str]] = {}
        todo = [m for m in self.modules(containing=package) if m.local_for(package)]
        done: set[str] = set()
        while todo:
            mod = todo.pop()
            if mod.path in done:
                continue
            done.add(mod.path)
            names = set(mod.local_for(package)) | out.get(mod.path, set())
            for node in walk(mod.source.root):
                if node.type != "call_expression":
                    continue
                args = call_arguments(node)
                at = [
                    i
                    for i, a in enumerate(args)
                    if a.type == "identifier" and mod.text_of(a) in names
                ]
                called = self._called_function(mod, node) if at else None
                if called is None:
                    continue
                target, fn = called
                params = parameters(target, fn)
                for i in at:
                    if i < len(params) and params[i]:
                        out.setdefault(target.path, set()).add(params[i])
                        todo.append(target)
        self._received[package] = out
        return out

    def _called_function(self, mod: Module, call: Node) -> tuple[Module, Node] | None:
        """The exported function of a project module a call reaches: `require("./x")(...)`,
        or `init(...)` where `init` is imported from `./x`."""
        fn = call.child_by_field_name("function")
        if fn is None:
            return None
        spec, member = _required(mod, fn) if fn.type == "call_expression" else (None, None)
        if spec is None and fn.type == "identifier":
            bound = mod.bindings.get(mod.text_of(fn), "")
            spec, _, name = bound.partition("#")
            member = name or None
        if not spec or not spec.startswith("."):
            return None
        target = self.resolve(mod, spec)
        found = exported_function(target, member) if target is not None else None
        return (target, found) if target is not None and found is not None else None

    def resolve(self, importer: Module, specifier: str) -> Module | None:
        """The project module a relative (or aliased) import of `importer` names."""
        found = tsconfig.resolve(self.project, self.config, importer.path, specifier)
        return self.module(found) if found else None

    # -- paths ----------------------------------------------------------------------------------

    def directory(self, module: Module, node: Node | None, depth: int = 0) -> str | None:
        """The project-relative path an expression evaluates to, when it is built from string
        literals, `__dirname`, `import.meta.url`, `process.cwd()` and `path.join` / `resolve` /
        `dirname` (directly or through `const` bindings); None otherwise."""
        if node is None or depth > 6:
            return None
        src = module.source
        text = module.text_of(node)
        literal = string_value(src, node)
        if literal is not None:
            return _norm(literal if literal.startswith("/") else _join(self.root, literal))
        if text == "__dirname":
            return module.directory
        if text in ("__filename", "import.meta.url", "import.meta.filename"):
            return module.path
        if text == "import.meta.dirname":
            return module.directory
        if node.type == "parenthesized_expression":
            return self.directory(module, node.named_children[0], depth + 1)
        if node.type == "binary_expression":  # __dirname + "/views", config.root + "/app/views"
            return self._concatenated(module, node, depth)
        if node.type == "identifier":
            value = _const_value(module, text, node)
            return self.directory(module, value, depth + 1) if value is not None else None
        if node.type == "new_expression":  # new URL("../views", import.meta.url)
            ctor = node.child_by_field_name("constructor")
            args = call_arguments(node)
            if module.text_of(ctor) == "URL" and len(args) == 2:
                base = self.directory(module, args[1], depth + 1)
                rel = string_value(src, args[0])
                if base is not None and rel is not None:
                    return _norm(posixpath.join(posixpath.dirname(base), rel))
            return None
        if node.type == "member_expression" and text.endswith(".pathname"):
            return self.directory(module, node.child_by_field_name("object"), depth + 1)
        if node.type != "call_expression":
            return None
        callee = callee_name(src, node)
        origin = module.bindings.get(callee.split(".")[0], "")
        func = callee.rsplit(".", 1)[-1]
        args = call_arguments(node)
        if callee == "process.cwd":
            return self.root
        if func == "fileURLToPath" and len(args) == 1:
            return self.directory(module, args[0], depth + 1)
        if origin.split("#")[0] not in ("path", "node:path"):
            return None
        if "#" in origin:
            func = origin.split("#")[1]
        parts = [
            self.directory(module, a, depth + 1) if i == 0 else None for i, a in enumerate(args)
        ]
        if func == "dirname" and len(args) == 1 and parts[0] is not None:
            return posixpath.dirname(parts[0]) or "."
        if func in ("join", "resolve") and args:
            base = parts[0]
            if base is None:
                return None
            for arg in args[1:]:
                piece = string_value(src, arg)
                if piece is None:
                    return None
                base = (
                    _norm(piece)
                    if func == "resolve" and piece.startswith("/")
                    else _norm(posixpath.join(base, piece))
                )
            return base
        return None

    def _concatenated(self, module: Module, node: Node, depth: int) -> str | None:
        left = node.child_by_field_name("left")
        piece = string_value(module.source, node.child_by_field_name("right"))
        if (
            left is None
            or piece is None
            or module.text_of(node.child_by_field_name("operator")) != "+"
        ):
            return None
        base = self.directory(module, left, depth + 1)
        if base is None and _ROOT_NAME.search(module.text_of(left)):
            # `config.root`: a setting naming the project root, when the path exists under it
            found = _norm(_join(self.root, piece.lstrip("/")))
            base = self.root if self.project.under(found) else None
        return _norm(posixpath.join(base, piece.lstrip("/"))) if base is not None else None


def parameters(mod: Module, fn: Node) -> list[str]:
    """A function's parameter names (`""` for a destructured one)."""
    params = fn.child_by_field_name("parameters")
    if params is None:
        single = fn.child_by_field_name("parameter")
        return [mod.text_of(single)] if single is not None else []
    out = []
    for p in params.named_children:
        ident = p if p.type == "identifier" else p.child_by_field_name("pattern") or p
        name = mod.text_of(ident).split(":")[0].strip()
        out.append(name if re.fullmatch(r"[\w$]+", name) else "")
    return out


def local_function(mod: Module, name: str) -> Node | None:
    """The function declared (or assigned to a variable) under `name` in the module."""
    for node in walk(mod.source.root):
        if (
            node.type == "function_declaration"
            and mod.text_of(node.child_by_field_name("name")) == name
        ):
            return node
        if (
            node.type == "variable_declarator"
            and mod.text_of(node.child_by_field_name("name")) == name
        ):
            value = node.child_by_field_name("value")
            if value is not None and value.type in FUNCTION_TYPES:
                return value
    return None


def exported_function(mod: Module, name: str | None = None) -> Node | None:
    """The function a module exports: `module.exports = fn` / `export default fn` (name None),
    or `exports.<name> = fn` / `module.exports.<name> = fn` / `export function <name>`."""
    targets = (
        ("module.exports", "exports.default")
        if name is None
        else (
            f"exports.{name}",
            f"module.exports.{name}",
        )
    )
    for node in walk(mod.source.root):
        value: Node | None = None
        if (
            node.type == "assignment_expression"
            and mod.text_of(node.child_by_field_name("left")) in targets
        ):
            value = node.child_by_field_name("right")
        elif node.type == "export_statement":
            value = node.child_by_field_name("declaration") or node.child_by_field_name("value")
            if value is not None and value.type in ("lexical_declaration", "variable_declaration"):
                declarator = value.named_children[0] if value.named_children else None
                matches = (
                    declarator is not None
                    and mod.text_of(declarator.child_by_field_name("name")) == name
                )
                value = declarator.child_by_field_name("value") if matches else None  # type: ignore[union-attr]
            elif value is not None and value.type == "function_declaration":
                declared = mod.text_of(value.child_by_field_name("name"))
                is_default = any(c.type == "default" for c in node.children)
                if not (is_default if name is None else declared == name):
                    value = None
            elif name is not None or not any(c.type == "default" for c in node.children):
                value = None
        if value is None:
            continue
        if value.type in FUNCTION_TYPES:
            return value
        if value.type == "identifier":
            return local_function(mod, mod.text_of(value))
    return None


def _const_value(module: Module, name: str, at: Node) -> Node | None:
    """The initializer of the nearest `const` / `let` / `var` named `name` declared before
    `at` (same file)."""
    best = None
    for node in walk(module.source.root):
        if node.type != "variable_declarator" or node.start_byte > at.start_byte:
            continue
        ident = node.child_by_field_name("name")
        if ident is not None and module.text_of(ident) == name:
            best = node.child_by_field_name("value")
    return best


def _join(directory: str, name: str) -> str:
    return name if directory in ("", ".") else f"{directory}/{name}"


def _norm(path: str) -> str:
    out = posixpath.normpath(path)
    return "." if out in ("", ".") else out
