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


def optional(style: Style, imports: Imports, type_src: str) -> str:
    if style.pep604:
        return f"{type_src} | None"
    imports.add("typing", "Optional")
    return f"Optional[{type_src}]"


def _call(head: str, args: list[str], indent: str = "") -> str:
    one = f"{head}({', '.join(args)})"
    if len(indent) + len(one) <= 88:
        return one
    inner = "".join(f"{indent}    {a},\n" for a in args)
    return f"{head}(\n{inner}{indent})"


@dataclass
class Dependency:
    """The optional variant of the app's user dependency, as generated code."""

    name: str  # used in Depends(...)
    declarations: list[str]  # module-level assignments (the optional scheme / fastapi-users)
    wrapper: str | None  # a function wrapping the app's own dependency


def optional_dependency(
    index: PythonIndex, dep: UserDep, imports: Imports, style: Style, user_type: str
) -> Dependency:
    if dep.optional:
        import_from_module(imports, dep.module, dep.name)
        return Dependency(dep.name, [], None)
    name = f"{dep.name}_or_none"
    if dep.kind == "fastapi-users":
        assert dep.call is not None and isinstance(dep.call.func, ast.Attribute)
        head = copy_expr(imports, dep.module, dep.call.func)
        args = [copy_expr(imports, dep.module, arg) for arg in dep.call.args]
        args += [
            f"{kw.arg}={copy_expr(imports, dep.module, kw.value)}"
            for kw in dep.call.keywords
            if kw.arg not in ("optional", None)
        ]
        return Dependency(name, [f"{name} = {_call(head, [*args, 'optional=True'])}"], None)
    assert dep.node is not None
    declarations = []
    scheme_name = None
    source = dep.token_source
    if dep.scheme is not None and dep.kind == "oauth2":
        declarations.append(_optional_scheme(source or dep, imports))
        scheme_name = declarations[-1].split(" = ", 1)[0]
    wrappers = []
    if source is not None and scheme_name is not None:
        # `token: str = Depends(_get_authorization_header)`: that function gets an optional
        # variant too, fed by the optional scheme, and feeds the user's.
        token_type = optional(style, imports, "str")
        wrappers.append(
            _wrapper(source, f"{source.name}_or_none", scheme_name, imports, style, token_type)
        )
        scheme_name = f"{source.name}_or_none"
    wrappers.append(
        _wrapper(dep, name, scheme_name, imports, style, optional(style, imports, user_type))
    )
    return Dependency(name, declarations, "\n\n\n".join(wrappers))


def _optional_scheme(dep: UserDep, imports: Imports) -> str:
    """`optional_<scheme> = <the app's scheme class>(<its arguments>, auto_error=False)`."""
    scheme = dep.scheme
    assert scheme is not None
    token = next((p.node.arg for p in dep.params if p.kind == "token"), "token")
    name = f"optional_{token if scheme.inline else scheme.var}"
    cls = copy_expr(imports, scheme.module, scheme.call.func)
    args = [copy_expr(imports, scheme.module, arg) for arg in scheme.call.args]
    args += [
        f"{kw.arg}={copy_expr(imports, scheme.module, kw.value)}"
        for kw in scheme.call.keywords
        if kw.arg not in ("auto_error", None)
    ]
    return f"{name} = {_call(cls, [*args, 'auto_error=False'])}"


def _param_source(
    dep: UserDep, p: Param, scheme_name: str | None, imports: Imports, style: Style
) -> str:
    mod = dep.module
    name = p.node.arg
    if p.kind == "token" and scheme_name is not None:
        inner = copy_expr(imports, mod, p.inner_type) if p.inner_type is not None else "str"
        imports.add("fastapi", "Depends")
        wanted = optional(style, imports, inner)
        if p.style == "default":
            return f"{name}: {wanted} = Depends({scheme_name})"
        imports.add("typing", "Annotated")
        return f"{name}: Annotated[{wanted}, Depends({scheme_name})]"
    text = name
    if p.node.annotation is not None:
        text += f": {copy_expr(imports, mod, p.node.annotation)}"
    if p.default is not None:
        text += f" = {copy_expr(imports, mod, p.default)}"
    return text


def _wrapper(
    dep: UserDep,
    name: str,
    scheme_name: str | None,
    imports: Imports,
    style: Style,
    returns: str,
) -> str:
    func = dep.node
    assert func is not None
    if func.args.vararg or func.args.kwarg:
        raise BadInput(
            f"{dep.path}:{dep.line}: {dep.name}() takes *args / **kwargs; add the endpoint by hand"
        )
    import_from_module(imports, dep.module, dep.name)
    params = [_param_source(dep, p, scheme_name, imports, style) for p in dep.params]
    positional_only = {a.arg for a in func.args.posonlyargs}
    call_args = [
        p.node.arg if p.node.arg in positional_only else f"{p.node.arg}={p.node.arg}"
        for p in dep.params
    ]
    token = next((p.node.arg for p in dep.params if p.kind == "token"), None)
    caught = [copy_expr(imports, dep.module, exc) for exc in dep.raises]
    if not caught:
        imports.add("fastapi", "HTTPException")
        caught = ["HTTPException"]
    return render(
        "python/fastapi/optional_dependency.py.j2",
        name=name,
        is_async=dep.is_async,
        signature=_call(f"{'async ' if dep.is_async else ''}def {name}", params),
        returns=returns,
        dep_name=dep.name,
        call=_call(f"{'await ' if dep.is_async else ''}{dep.name}", call_args, "        "),
        token=token if scheme_name else None,
        caught=caught[0] if len(caught) == 1 else f"({', '.join(caught)})",
    ).rstrip("\n")
