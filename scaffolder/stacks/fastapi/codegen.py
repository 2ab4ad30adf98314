"""The token module's code: the optional variant of the app's user dependency, and the imports
of everything it copies from the app (each name imported the way the app's own module does).
"""

from __future__ import annotations

import ast
import builtins
import sys
from dataclasses import dataclass, field

from scaffolder.errors import BadInput
from scaffolder.python.source import PyModule, PythonIndex
from scaffolder.stacks.fastapi.auth import Param, UserDep
from scaffolder.templating import render

_BUILTINS = frozenset(dir(builtins))


def _member_key(name: str) -> tuple[int, str]:
    head = name.split(" ")[0]
    kind = 0 if head.isupper() and len(head) > 1 else 1 if head[:1].isupper() else 2
    return kind, head.lower()


@dataclass
class Imports:
    """An isort-style import block (stdlib, third party, first party; straight imports before
    `from` imports; names as CONSTANTS, Classes, functions)."""

    first_party: frozenset[str]
    plain: set[str] = field(default_factory=set)
    froms: dict[str, set[str]] = field(default_factory=dict)
    bound: dict[str, str] = field(default_factory=dict)  # local name -> what it is

    def _bind(self, local: str, what: str) -> None:
        if self.bound.setdefault(local, what) != what:
            raise BadInput(
                f"cannot generate the token module: `{local}` would mean both {self.bound[local]} "
                f"and {what}; add the endpoint by hand"
            )

    def add(self, module: str, name: str, asname: str | None = None) -> None:
        self._bind(asname or name, f"{module}.{name}")
        self.froms.setdefault(module, set()).add(f"{name} as {asname}" if asname else name)

    def add_module(self, module: str, asname: str | None = None) -> None:
        self._bind(asname or module.split(".")[0], module)
        self.plain.add(f"{module} as {asname}" if asname else module)

    def _section(self, module: str) -> int:
        top = module.split(".")[0]
        if top in sys.stdlib_module_names:
            return 0
        return 2 if top in self.first_party else 1

    def render(self) -> str:
        sections: list[list[str]] = [[], [], []]
        for module in sorted(self.plain, key=str.lower):
            sections[self._section(module)].append(f"import {module}")
        for module in sorted(self.froms, key=str.lower):
            names = ", ".join(sorted(self.froms[module], key=_member_key))
            line = f"from {module} import {names}"
            if len(line) > 88:
                inner = "".join(f"    {n},\n" for n in sorted(self.froms[module], key=_member_key))
                line = f"from {module} import (\n{inner})"
            sections[self._section(module)].append(line)
        return "\n\n".join("\n".join(s) for s in sections if s)


def free_names(node: ast.AST) -> list[str]:
    names: dict[str, None] = {}
    for n in ast.walk(node):
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load):
            names[n.id] = None
    return list(names)


def import_from_module(imports: Imports, mod: PyModule, name: str) -> None:
    """Import `name` the way `mod` sees it: through the import that binds it there, or from
    `mod` itself when `mod` defines it."""
    if name in _BUILTINS:
        return
    for node in ast.walk(mod.tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if (alias.asname or alias.name) == name:
                    imports.add(mod.resolve_from(node), alias.name, alias.asname)
                    return
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname == name:
                    imports.add_module(alias.name, alias.asname)
                    return
                if alias.asname is None and alias.name.split(".")[0] == name:
                    imports.add_module(alias.name)
                    return
    for stmt in mod.tree.body:
        if (
            isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and stmt.name == name
        ) or (
            isinstance(stmt, (ast.Assign, ast.AnnAssign))
            and any(
                isinstance(t, ast.Name) and t.id == name
                for t in (stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target])
            )
        ):
            imports.add(mod.name, name)
            return
    raise BadInput(
        f"{mod.path}: cannot tell where `{name}` comes from, so the token module cannot reuse "
        "the code that mentions it; add the endpoint by hand"
    )


def copy_expr(imports: Imports, mod: PyModule, node: ast.AST) -> str:
    """The source of an expression of `mod`, with its names imported."""
    for name in free_names(node):
        import_from_module(imports, mod, name)
    source = ast.get_source_segment(mod.text, node)
    return source if source is not None else ast.unparse(node)


@dataclass
class Style:
    pep604: bool  # `X | None` rather than `Optional[X]`
    quote: str
    annotated: bool = True  # `Annotated[T, Depends(f)]` (FastAPI 0.95+), else `x: T = Depends(f)`
    # `dict[...]` and `typing.Annotated` (Python 3.9+), else `typing.Dict` and
    # `typing_extensions.Annotated`: FastAPI evaluates the annotations when the module loads.
    generics: bool = True

    def dict(self, imports: Imports) -> str:
        if self.generics:
            return "dict"
        imports.add("typing", "Dict")
        return "Dict"


def optional(style: Style, imports: Imports, type_src: str) -> str:
    if style.pep604:
        return f"{type_src} | None"
    imports.add("typing", "Optional")
    return f"Optional[{type_src}]"


def injected_param(
    style: Style, imports: Imports, name: str, type_src: str, dependency: str, *, default: bool
) -> str:
    """`name: Annotated[type, Depends(dependency)]`, or the `= Depends(...)` default where the
    app writes its parameters so or its FastAPI predates Annotated."""
    imports.add("fastapi", "Depends")
    if default or not style.annotated:
        return f"{name}: {type_src} = Depends({dependency})"
    imports.add("typing" if style.generics else "typing_extensions", "Annotated")
    return f"{name}: Annotated[{type_src}, Depends({dependency})]"


def _call(head: str, args: list[str], indent: str = "", tail: str = "") -> str:
    """`head(args)` on one line when it fits (with `tail`, what follows it on that line), else
    one argument a line."""
    one = f"{head}({', '.join(args)})"
    if len(indent) + len(one) + len(tail) <= 88:
        return one
    inner = "".join(f"{indent}    {a},\n" for a in args)
    return f"{head}(\n{inner}{indent})"


@dataclass
class Dependency:
    """The optional variant of the app's user dependency, as generated code."""

    name: str  # used in Depends(...)
    declarations: list[str]  # module-level assignments (the optional scheme / fastapi-users)
    wrapper: str | None  # functions wrapping the app's own dependencies


def optional_dependency(
    index: PythonIndex, dep: UserDep, imports: Imports, style: Style, user_type: str
) -> Dependency:
    variants = _Variants(imports, style)
    name = variants.of(dep, optional(style, imports, user_type))
    return Dependency(name, variants.declarations, "\n\n\n".join(variants.wrappers) or None)


@dataclass
class _Variants:
    """Optional variants of a dependency and of the dependencies it is fed by that fail for
    anonymous visitors (the token scheme, the function reading the token, the base user
    dependency of a derived one), each generated once."""

    imports: Imports
    style: Style
    declarations: list[str] = field(default_factory=list)
    wrappers: list[str] = field(default_factory=list)
    done: dict[str, str] = field(default_factory=dict)

    def of(self, dep: UserDep, returns: str) -> str:
        """The name of `dep`'s optional variant (`dep` itself when it is optional)."""
        if dep.id not in self.done:
            self.done[dep.id] = self._variant(dep, returns)
        return self.done[dep.id]

    def _variant(self, dep: UserDep, returns: str) -> str:
        if dep.optional:
            import_from_module(self.imports, dep.module, dep.name)
            return dep.name
        if dep.kind == "fastapi-users":
            return self._fastapi_users(dep)
        if dep.kind == "middleware":
            return self._request_user(dep, returns)
        func = dep.node
        assert func is not None
        if func.args.vararg or func.args.kwarg:
            raise BadInput(
                f"{dep.path}:{dep.line}: {dep.name}() takes *args / **kwargs; "
                "add the endpoint by hand"
            )
        replaced: dict[str, str] = {}  # parameter -> the optional dependency feeding it
        for p in dep.params:
            feeder = self._feeder(dep, p)
            if feeder is not None:
                replaced[p.node.arg] = feeder
        params = [_param_source(dep, p, replaced.get(p.node.arg), self) for p in dep.params]
        import_from_module(self.imports, dep.module, dep.name)
        name = f"{dep.name}_or_none"
        positional_only = {a.arg for a in func.args.posonlyargs}
        call_args = [
            p.node.arg if p.node.arg in positional_only else f"{p.node.arg}={p.node.arg}"
            for p in dep.params
        ]
        caught = [copy_expr(self.imports, dep.module, exc) for exc in dep.raises]
        if not caught:
            self.imports.add("fastapi", "HTTPException")
            caught = ["HTTPException"]
        self.wrappers.append(
            render(
                "python/fastapi/optional_dependency.py.j2",
                name=name,
                is_async=dep.is_async,
                signature=_call(
                    f"{'async ' if dep.is_async else ''}def {name}", params, tail=f" -> {returns}:"
                ),
                returns=returns,
                dep_name=dep.name,
                call=_call(f"{'await ' if dep.is_async else ''}{dep.name}", call_args, "        "),
                guards=list(replaced),
                caught=caught[0] if len(caught) == 1 else f"({', '.join(caught)})",
            ).rstrip("\n")
        )
        return name

    def _fastapi_users(self, dep: UserDep) -> str:
        """`<name>_or_none = fastapi_users.current_user(<its arguments>, optional=True)`."""
        name = f"{dep.name}_or_none"
        assert dep.call is not None and isinstance(dep.call.func, ast.Attribute)
        head = copy_expr(self.imports, dep.module, dep.call.func)
        args = [copy_expr(self.imports, dep.module, arg) for arg in dep.call.args]
        args += [
            f"{kw.arg}={copy_expr(self.imports, dep.module, kw.value)}"
            for kw in dep.call.keywords
            if kw.arg not in ("optional", None)
        ]
        self.declarations.append(f"{name} = {_call(head, [*args, 'optional=True'])}")
        return name

    def _request_user(self, dep: UserDep, returns: str) -> str:
        """`request.user` as the app's authentication middleware set it; None for the
        `UnauthenticatedUser` it sets for everyone else."""
        name = "request_user_or_none"
        self.imports.add("fastapi", "Request")
        self.imports.add("starlette.authentication", "UnauthenticatedUser")
        self.wrappers.append(
            render(
                "python/fastapi/request_user.py.j2", name=name, returns=returns, backend=dep.name
            ).rstrip("\n")
        )
        return name

    def _feeder(self, dep: UserDep, p: Param) -> str | None:
        """The optional dependency that feeds parameter `p` instead of one failing for
        anonymous visitors; None when `p` is injected as the app injects it."""
        source = dep.token_source
        if source is not None and p.dependency == source.id:
            return self.of(source, optional(self.style, self.imports, "str"))
        base = dep.base_dep
        if base is not None and p.dependency == base.id:
            inner = _inner_type(dep, p, self.imports)
            return self.of(base, optional(self.style, self.imports, inner))
        if p.kind == "token" and dep.scheme is not None and dep.kind == "oauth2":
            return self._scheme(dep)
        return None

    def _scheme(self, dep: UserDep) -> str:
        """`optional_<scheme> = <the app's scheme class>(<its arguments>, auto_error=False)`."""
        scheme = dep.scheme
        assert scheme is not None
        if scheme.id in self.done:
            return self.done[scheme.id]
        token = next((p.node.arg for p in dep.params if p.kind == "token"), "token")
        name = f"optional_{token if scheme.inline else scheme.var}"
        cls = copy_expr(self.imports, scheme.module, scheme.call.func)
        args = [copy_expr(self.imports, scheme.module, arg) for arg in scheme.call.args]
        args += [
            f"{kw.arg}={copy_expr(self.imports, scheme.module, kw.value)}"
            for kw in scheme.call.keywords
            if kw.arg not in ("auto_error", None)
        ]
        self.declarations.append(f"{name} = {_call(cls, [*args, 'auto_error=False'])}")
        self.done[scheme.id] = name
        return name


def _inner_type(dep: UserDep, p: Param, imports: Imports) -> str:
    """The type of the user parameter `p` of a derived dependency: as written, else the
    model of the dependency feeding it."""
    if p.inner_type is not None:
        return copy_expr(imports, p.module or dep.module, p.inner_type)
    base = dep.base_dep
    if base is not None and base.model is not None and not base.mapping:
        import_from_module(imports, base.model.module, base.model.name)
        return base.model.name
    imports.add("typing", "Any")
    return "Any"


def _param_source(dep: UserDep, p: Param, feeder: str | None, variants: _Variants) -> str:
    mod = dep.module
    name = p.node.arg
    imports, style = variants.imports, variants.style
    if feeder is not None:
        if p.inner_type is not None:
            inner = copy_expr(imports, p.module or mod, p.inner_type)
        else:
            inner = "str" if p.kind == "token" else _inner_type(dep, p, imports)
        wanted = optional(style, imports, inner)
        return injected_param(style, imports, name, wanted, feeder, default=p.style == "default")
    text = name
    if p.node.annotation is not None:
        text += f": {copy_expr(imports, mod, p.node.annotation)}"
    if p.default is not None:
        text += f" = {copy_expr(imports, mod, p.default)}"
    return text
