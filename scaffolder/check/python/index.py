"""The Python checker's view of a project: parsed modules, who uses which function, and where a
value comes from (`Index.step`: one hop back through a name, a module constant, a settings
attribute, a project function's returns or a parameter's arguments).

Read-only and never executed: `ast` trees of the project's files (`python.syntax.parse`, so
syntax newer than the running interpreter is read too); a module that does not parse is left
out. Following values is bounded (hops and cycles): what cannot be followed is a leaf, and the
rules take an unknown leaf as "cannot say", never as a violation.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TypeVar

from scaffolder.check.rules import Sources
from scaffolder.python import syntax
from scaffolder.python.source import PyModule

Func = ast.FunctionDef | ast.AsyncFunctionDef
Pos = tuple[int, int]
Parent = tuple[ast.AST, str]
NodeT = TypeVar("NodeT", bound=ast.AST)

MAX_HOPS = 300
MAX_CALLERS = 12
# Django settings modules and Flask config modules / classes, by name.
SETTINGS_MODULE = re.compile(r"(^|[._])(settings|config|conf)([._]|$)")
SETTINGS_CLASS = re.compile(r"(Config|Settings)$")
NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


@dataclass(eq=False)
class Module(PyModule):
    """A parsed module as detection reads it (`imports`, `resolve_from`), plus the parents of
    its nodes the rules climb. Compared and hashed by identity: modules key the rules' maps."""

    __eq__ = object.__eq__
    __hash__ = object.__hash__

    @cached_property
    def parents(self) -> dict[ast.AST, Parent]:
        """Every node's parent, with the field of the parent that holds it."""
        found: dict[ast.AST, Parent] = {}
        for node in ast.walk(self.tree):
            for name, value in ast.iter_fields(node):
                for child in value if isinstance(value, list) else [value]:
                    if isinstance(child, ast.AST):
                        found[child] = (node, name)
        return found

    @cached_property
    def functions(self) -> dict[str, Func]:
        """Top-level functions by name, methods as `Class.method`."""
        found: dict[str, Func] = {}
        for stmt in self.tree.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found[stmt.name] = stmt
            elif isinstance(stmt, ast.ClassDef):
                for item in stmt.body:
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        found[f"{stmt.name}.{item.name}"] = item
        return found

    @cached_property
    def classes(self) -> dict[str, ast.ClassDef]:
        return {s.name: s for s in self.tree.body if isinstance(s, ast.ClassDef)}

    def qualified(self, expr: ast.AST) -> str | None:
        """`flask.request` for `request` imported from flask; None for anything but names."""
        if isinstance(expr, ast.Name):
            return self.imports.get(expr.id, expr.id)
        if isinstance(expr, ast.Attribute):
            base = self.qualified(expr.value)
            return f"{base}.{expr.attr}" if base else None
        return None

    def enclosing(self, node: ast.AST) -> Func | None:
        return self._up(node, (ast.FunctionDef, ast.AsyncFunctionDef))  # type: ignore[return-value]

    def enclosing_class(self, node: ast.AST) -> ast.ClassDef | None:
        return self._up(node, (ast.ClassDef,))  # type: ignore[return-value]

    def _up(self, node: ast.AST, kinds: tuple[type[ast.AST], ...]) -> ast.AST | None:
        current = self.parents.get(node)
        while current is not None:
            if isinstance(current[0], kinds):
                return current[0]
            current = self.parents.get(current[0])
        return None


@dataclass(frozen=True)
class Ctx:
    """Where an expression is evaluated: its module, its function, and the call that entered
    the function when it was reached through one (that call binds the parameters)."""

    mod: Module
    func: Func | None
    call: Frame | None = None


@dataclass(frozen=True)
class Frame:
    node: ast.Call
    ctx: Ctx


@dataclass(frozen=True)
class At:
    """An expression (for a pydantic-settings field: its declaration) in its context;
    `fallback` when it was reached as a default (`x or "dev"`, `getattr(s, "K", "dev")`)."""

    node: ast.AST
    ctx: Ctx
    fallback: bool = False


@dataclass(frozen=True)
class Use:
    """A use of a project function: a call (`call`), or a reference to it (`call` None)."""

    mod: Module
    node: ast.expr
    call: ast.Call | None
    func: Func | None


def const_str(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def name_of(expr: ast.AST) -> str:
    """The last identifier of a name, attribute or call (`user` for `g.user`, `get_user()`)."""
    if isinstance(expr, ast.Call):
        return name_of(expr.func)
    if isinstance(expr, ast.Attribute):
        return expr.attr
    if isinstance(expr, ast.Name):
        return expr.id
    return ""


def is_optional(annotation: ast.AST | None) -> bool:
    """`X | None`, `Optional[X]`, `Union[X, None]`, also inside `Annotated[...]`."""
    return annotation is not None and bool(
        re.search(r"\bNone\b|\bOptional\[", ast.unparse(annotation))
    )


def position(node: ast.AST) -> Pos:
    return (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))


def end_position(node: ast.AST) -> Pos:
    return (getattr(node, "end_lineno", 0) or 0, getattr(node, "end_col_offset", 0) or 0)


def own_nodes(func: Func) -> Iterator[ast.AST]:
    """The nodes of a function's body, not those of functions or classes nested in it."""
    stack: list[ast.AST] = [*func.body]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(c for c in ast.iter_child_nodes(node) if not isinstance(c, NESTED))


def params(func: Func) -> dict[str, ast.arg]:
    args = func.args
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    every += [a for a in (args.vararg, args.kwarg) if a is not None]
    return {a.arg: a for a in every}


def default_of(func: Func, name: str) -> ast.expr | None:
    args = func.args
    positional = [*args.posonlyargs, *args.args]
    for arg, default in zip(
        positional[len(positional) - len(args.defaults) :], args.defaults, strict=True
    ):
        if arg.arg == name:
            return default
    for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        if arg.arg == name:
            return kw_default
    return None


def bind(func: Func, call: ast.Call, name: str) -> ast.expr | None:
    """The argument a call passes for parameter `name`, or its default when the call omits it;
    None when it cannot be told (`*args`, `**kwargs`)."""
    positional = [a.arg for a in [*func.args.posonlyargs, *func.args.args]]
    if positional and positional[0] in ("self", "cls") and isinstance(call.func, ast.Attribute):
        positional = positional[1:]
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    if name in positional:
        index = positional.index(name)
        if any(isinstance(a, ast.Starred) for a in call.args[: index + 1]):
            return None
        if index < len(call.args):
            return call.args[index]
    if any(kw.arg is None for kw in call.keywords):
        return None
    return default_of(func, name)


def is_settings_class(cls: ast.ClassDef) -> bool:
    """A pydantic-settings class: its fields are read from environment variables."""
    return any(name_of(b) == "BaseSettings" for b in cls.bases)


@dataclass
class Index:
    sources: Sources
    modules: list[Module] = field(default_factory=list)

    @classmethod
    def of(cls, sources: Sources) -> Index:
        index = cls(sources)
        paths = set(sources.with_suffix(".py"))
        for path in sorted(paths):
            text = sources.text(path)
            if text is None:
                continue
            try:
                tree = syntax.parse(text, filename=path)
            except syntax.Unparseable:
                continue  # a file that does not parse is skipped, never a crash
            name, is_package = _module_name(paths, path)
            index.modules.append(Module(path, name, tree, text, is_package))
        return index

    @cached_property
    def by_name(self) -> dict[str, Module]:
        found: dict[str, Module] = {}
        for mod in self.modules:
            found[mod.name] = mod
        for mod in self.modules:  # `app.x` for src/app/x.py named from a deeper root
            parts = mod.name.split(".")
            for cut in range(1, len(parts)):
                found.setdefault(".".join(parts[cut:]), mod)
        return found

    # -- functions and their uses -------------------------------------------------------------

    def function(self, mod: Module, expr: ast.AST) -> tuple[Module, Func] | None:
        """The project function (or method) an expression names."""
        if isinstance(expr, ast.Name):
            if expr.id in mod.functions:
                return mod, mod.functions[expr.id]
            dotted = mod.imports.get(expr.id)
            return self._dotted_function(dotted) if dotted else None
        if not isinstance(expr, ast.Attribute):
            return None
        if isinstance(expr.value, ast.Name):
            owner = (
                mod.enclosing_class(expr)
                if expr.value.id in ("self", "cls")
                else mod.classes.get(expr.value.id)
            )
            if owner is not None:
                method = mod.functions.get(f"{owner.name}.{expr.attr}")
                return (mod, method) if method else None
        base = self.module_named(mod, expr.value)
        if base is not None and expr.attr in base.functions:
            return base, base.functions[expr.attr]
        return None

    def _dotted_function(self, dotted: str) -> tuple[Module, Func] | None:
        module, _, name = dotted.rpartition(".")
        target = self.by_name.get(module)
        if target is not None and name in target.functions:
            return target, target.functions[name]
        return None

    def module_named(self, mod: Module, expr: ast.AST) -> Module | None:
        """The project module an imported name (or dotted attribute of one) stands for."""
        root = expr
        while isinstance(root, ast.Attribute):
            root = root.value
        if not isinstance(root, ast.Name) or root.id not in mod.imports:
            return None
        dotted = mod.qualified(expr)
        return self.by_name.get(dotted) if dotted else None

    @cached_property
    def _uses(self) -> dict[Func, list[Use]]:
        found: dict[Func, list[Use]] = {}
        for mod in self.modules:
            for node in mod.nodes(ast.Name, ast.Attribute):
                if not isinstance(node, (ast.Name, ast.Attribute)) or not isinstance(
                    node.ctx, ast.Load
                ):
                    continue
                parent = mod.parents.get(node)
                if parent is not None and isinstance(parent[0], ast.Attribute):
                    continue  # the `a.b` of `a.b.c`: the whole attribute is the use
                target = self.function(mod, node)
                if target is None:
                    continue
                call = parent[0] if parent is not None and parent[1] == "func" else None
                found.setdefault(target[1], []).append(
                    Use(
                        mod, node, call if isinstance(call, ast.Call) else None, mod.enclosing(node)
                    )
                )
        return found

    def uses(self, func: Func) -> list[Use]:
        return self._uses.get(func, [])

    # -- following values ---------------------------------------------------------------------

    def values(self, at: At) -> list[At]:
        """The leaves `at` may evaluate to (see `step`), each once; past MAX_HOPS hops what is
        left stays a leaf."""
        leaves: list[At] = []
        seen: set[tuple[int, Ctx]] = set()
        todo = [at]
        hops = 0
        while todo:
            current = todo.pop()
            key = (id(current.node), current.ctx)
            if key in seen:
                continue
            seen.add(key)
            hops += 1
            following = self.step(current) if hops < MAX_HOPS else None
            if following is None:
                leaves.append(current)
            else:
                todo.extend(reversed(following))
        return leaves

    def step(self, at: At) -> list[At] | None:
        """One hop back from an expression to what it evaluates to; None for a leaf."""
        node, ctx = at.node, at.ctx
        hops: list[At] | None = None
        if isinstance(node, ast.Name):
            hops = self._name(node, ctx)
        elif isinstance(node, ast.IfExp):
            hops = [At(node.body, ctx), At(node.orelse, ctx)]
        elif isinstance(node, ast.BoolOp):
            is_or = isinstance(node.op, ast.Or)
            hops = [At(v, ctx, is_or and i > 0) for i, v in enumerate(node.values)]
        elif isinstance(node, (ast.Await, ast.NamedExpr)):
            hops = [At(node.value, ctx)]
        elif isinstance(node, ast.Attribute):
            hops = self._attribute(node, ctx)
        elif isinstance(node, ast.Subscript):
            hops = self._config_item(node)
        elif isinstance(node, ast.Call):
            hops = self._call(node, ctx)
        if hops is None:
            return None
        return [replace(h, fallback=True) for h in hops] if at.fallback else hops

    def _name(self, node: ast.Name, ctx: Ctx) -> list[At] | None:
        if ctx.func is not None:
            defs = self.reaching(node, ctx)
            if defs is not None:
                return defs
            if node.id in params(ctx.func):
                return self.param(node.id, ctx)
            outer = ctx.mod.enclosing(ctx.func)
            if outer is not None and _bindings(outer, node.id):
                return self._name(node, Ctx(ctx.mod, outer))  # a closure's free variable
        return self.global_value(ctx.mod, node.id)

    def global_value(self, mod: Module, name: str) -> list[At] | None:
        """A module-level name: its assignments there, or what it was imported from."""
        values = [At(v, Ctx(mod, None)) for v in _assigned(mod.tree.body, name)]
        if values:
            return values
        dotted = mod.imports.get(name)
        if dotted:
            module, _, attr = dotted.rpartition(".")
            target = self.by_name.get(module)
            if target is not None and target is not mod:
                return self.global_value(target, attr)
        return None

    def reaching(self, node: ast.Name, ctx: Ctx) -> list[At] | None:
        """The bindings of a name in the function that may reach this use of it (enough for
        `x = a; x = x.lower()` and for branches); None when none does."""
        assert ctx.func is not None
        use = position(node)
        defs = [d for d in _bindings(ctx.func, node.id) if d[1] <= use]
        live = [
            d
            for d in defs
            if not any(d[1] < b[1] and _dominates(ctx.mod, b[0], node) for b in defs)
        ]
        if not live:
            return None
        return [At(value if value is not None else stmt, ctx) for stmt, _, value in live]

    def param(self, name: str, ctx: Ctx) -> list[At] | None:
        """A parameter's values: the argument of the call that entered the function, else of
        every call of it; None (a leaf) when a caller is unknown (a reference to the function:
        a framework calls it) or does not bind it."""
        assert ctx.func is not None
        if ctx.call is not None:
            frames = [ctx.call]
        else:
            uses = self.uses(ctx.func)
            if not uses or len(uses) > MAX_CALLERS or any(u.call is None for u in uses):
                return None
            frames = [Frame(u.call, Ctx(u.mod, u.func)) for u in uses if u.call is not None]
        found: list[At] = []
        for frame in frames:
            arg = bind(ctx.func, frame.node, name)
            if arg is None:
                return None
            omitted = arg is default_of(ctx.func, name)
            found.append(At(arg, Ctx(ctx.mod, ctx.func) if omitted else frame.ctx))
        return found

    def _attribute(self, node: ast.Attribute, ctx: Ctx) -> list[At] | None:
        if ctx.mod.qualified(node.value) == "django.conf.settings":
            return self.setting(node.attr)
        target = self.module_named(ctx.mod, node.value)
        if target is not None:
            return self.global_value(target, node.attr)
        if isinstance(node.value, (ast.Name, ast.Call)):
            # an attribute of a settings object (`settings = Settings()`, `get_settings()`)
            for leaf in self.values(At(node.value, ctx)):
                cls = self._instance_class(leaf)
                if cls is not None:
                    return self._class_attribute(*cls, node.attr)
        return None

    def _instance_class(self, leaf: At) -> tuple[Module, ast.ClassDef] | None:
        call = leaf.node
        if not isinstance(call, ast.Call):
            return None
        mod = leaf.ctx.mod
        if isinstance(call.func, ast.Name) and call.func.id in mod.classes:
            return mod, mod.classes[call.func.id]
        dotted = mod.qualified(call.func)
        if dotted:
            module, _, name = dotted.rpartition(".")
            target = self.by_name.get(module)
            if target is not None and name in target.classes:
                return target, target.classes[name]
        return None

    def _class_attribute(self, mod: Module, cls: ast.ClassDef, name: str) -> list[At] | None:
        top = Ctx(mod, None)
        for stmt in cls.body:
            named = isinstance(stmt, ast.AnnAssign) and name_of(stmt.target) == name
            if named and is_settings_class(cls):
                return [At(stmt, top)]
        return [At(v, top) for v in _assigned(cls.body, name)] or None

    def setting(self, name: str) -> list[At] | None:
        """Django setting / Flask config `name`: its assignments in settings modules and config
        classes, `app.config["NAME"] = ...` and `config.update(NAME=...)`."""
        return self._settings.get(name)

    @cached_property
    def _settings(self) -> dict[str, list[At]]:
        found: dict[str, list[At]] = {}
        for mod in self.modules:
            top = Ctx(mod, None)
            if SETTINGS_MODULE.search(mod.name):
                for stmt in mod.tree.body:
                    for target, value in _simple_assignments(stmt):
                        found.setdefault(target, []).append(At(value, top))
            for cls in mod.classes.values():
                fields = is_settings_class(cls)
                if not fields and not SETTINGS_CLASS.search(cls.name):
                    continue
                for stmt in cls.body:
                    if fields and isinstance(stmt, ast.AnnAssign):
                        if isinstance(stmt.target, ast.Name):
                            found.setdefault(stmt.target.id, []).append(At(stmt, top))
                        continue
                    for target, value in _simple_assignments(stmt):
                        found.setdefault(target, []).append(At(value, top))
            for node in mod.nodes(ast.Assign, ast.Call):
                for key, value in _config_writes(node):
                    found.setdefault(key, []).append(At(value, Ctx(mod, mod.enclosing(node))))
        return found

    def _config_item(self, node: ast.Subscript) -> list[At] | None:
        key = const_str(node.slice)
        if key is not None and name_of(node.value) == "config":
            return self.setting(key)
        return None

    def _call(self, node: ast.Call, ctx: Ctx) -> list[At] | None:
        func = node.func
        key = const_str(node.args[0]) if node.args else None
        fallback: ast.expr | None = None
        if (
            isinstance(func, ast.Attribute)
            and func.attr == "get"
            and name_of(func.value) == "config"
        ):
            fallback = node.args[1] if len(node.args) > 1 else None
        elif (
            isinstance(func, ast.Name)
            and func.id == "getattr"
            and len(node.args) >= 2
            and ctx.mod.qualified(node.args[0]) == "django.conf.settings"
        ):
            key = const_str(node.args[1])
            fallback = node.args[2] if len(node.args) > 2 else None
        else:
            return self._returns(node, ctx)
        if key is None:
            return None
        found = list(self.setting(key) or [])
        if fallback is not None:
            found.append(At(fallback, ctx, fallback=True))
        return found or None

    def _returns(self, node: ast.Call, ctx: Ctx) -> list[At] | None:
        target = self.function(ctx.mod, node.func)
        if target is None:
            return None
        mod, callee = target
        inner = Ctx(mod, callee, Frame(node, ctx))
        found = [
            At(r.value, inner)
            for r in own_nodes(callee)
            if isinstance(r, ast.Return) and r.value is not None
        ]
        return found or None


def _bindings(func: Func, name: str) -> list[tuple[ast.AST, Pos, ast.expr | None]]:
    """What binds `name` in a function: (the statement, where the binding takes effect, the
    value bound or None when it cannot be told: unpacking, loops, `with ... as`)."""
    found: list[tuple[ast.AST, Pos, ast.expr | None]] = []
    for node in own_nodes(func):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id == name:
                    found.append((node, end_position(node), node.value))
                elif _binds(target, name):
                    found.append((node, end_position(node), None))
        elif isinstance(node, ast.AnnAssign) and node.value and _binds(node.target, name):
            found.append((node, end_position(node), node.value))
        elif isinstance(node, ast.AugAssign) and _binds(node.target, name):
            found.append((node, end_position(node), None))
        elif isinstance(node, ast.NamedExpr) and node.target.id == name:
            found.append((node, end_position(node), node.value))
        elif isinstance(node, (ast.For, ast.AsyncFor)) and _binds(node.target, name):
            found.append((node, end_position(node.target), None))
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if item.optional_vars is not None and _binds(item.optional_vars, name):
                    found.append((node, end_position(item.optional_vars), None))
        elif isinstance(node, ast.ExceptHandler) and node.name == name:
            found.append((node, position(node), None))
        elif isinstance(node, (ast.Import, ast.ImportFrom)) and any(
            (a.asname or a.name.split(".")[0]) == name for a in node.names
        ):
            found.append((node, end_position(node), None))
    return found


def _binds(target: ast.AST, name: str) -> bool:
    """Whether an assignment target binds `name` (`x`, `x, y`, `*x`; not `x.a` or `x[k]`)."""
    if isinstance(target, ast.Name):
        return target.id == name
    if isinstance(target, (ast.Tuple, ast.List)):
        return any(_binds(t, name) for t in target.elts)
    return isinstance(target, ast.Starred) and _binds(target.value, name)


def _dominates(mod: Module, stmt: ast.AST, use: ast.AST) -> bool:
    """Whether `stmt` runs on every path to `use`: it sits in a statement list that also holds
    (an ancestor of) the use, before it."""
    holder = mod.parents.get(stmt)
    if holder is None:
        return False
    statements = getattr(holder[0], holder[1], None)
    if not isinstance(statements, list):
        return False
    child: ast.AST = use
    while (up := mod.parents.get(child)) is not None:
        if up == holder:
            return statements.index(stmt) < statements.index(child)
        child = up[0]
    return False


def _assigned(body: list[ast.stmt], name: str) -> list[ast.expr]:
    return [value for stmt in body for target, value in _simple_assignments(stmt) if target == name]


def _simple_assignments(stmt: ast.stmt) -> Iterator[tuple[str, ast.expr]]:
    if isinstance(stmt, ast.Assign):
        for target in stmt.targets:
            if isinstance(target, ast.Name):
                yield target.id, stmt.value
    elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value:
        yield stmt.target.id, stmt.value
    elif isinstance(stmt, (ast.If, ast.Try)):
        # settings assigned in `if DEBUG:` / `try:` blocks at module level
        for block in (stmt.body, stmt.orelse, getattr(stmt, "finalbody", [])):
            for inner in block:
                yield from _simple_assignments(inner)


def _config_writes(node: ast.AST) -> Iterator[tuple[str, ast.expr]]:
    """`app.config["K"] = v`, `app.config.update(K=v)`, `config.from_mapping(K=v)`."""
    if isinstance(node, ast.Assign):
        for target in node.targets:
            if isinstance(target, ast.Subscript) and name_of(target.value) == "config":
                key = const_str(target.slice)
                if key is not None:
                    yield key, node.value
    elif (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("update", "from_mapping")
        and name_of(node.func.value) == "config"
    ):
        for kw in node.keywords:
            if kw.arg:
                yield kw.arg, kw.value


def _module_name(paths: set[str], path: str) -> tuple[str, bool]:
    """The dotted name of a module, from the package directories (`__init__.py`) above it."""
    parts = path[:-3].split("/")
    is_package = parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    dirs = parts[:-1]
    top = len(dirs)
    for depth in range(len(dirs), 0, -1):
        if "/".join([*dirs[:depth], "__init__.py"]) in paths:
            top = depth - 1
    return ".".join(parts[top:]), is_package
