"""`--user-dependency module:function`: any function FastAPI injects that returns the signed-in
user (or raises for anonymous visitors) identifies visitors, found or not by detection; the
answer is refused with the exact reason when it cannot: no such module or name, not a
function, a parameter FastAPI cannot inject or would read from the client, a generator.

https://fastapi.tiangolo.com/tutorial/dependencies/
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from scaffolder.errors import UsageError
from scaffolder.model import Evidence
from scaffolder.python.models import find_class
from scaffolder.python.source import PyModule, PythonIndex
from scaffolder.stacks.fastapi import auth as a
from scaffolder.stacks.fastapi import usermodel as um
from scaffolder.stacks.fastapi.detect import generated
from scaffolder.stacks.fastapi.header import BEARER
from scaffolder.stacks.fastapi.registrars import ref

Function = ast.FunctionDef | ast.AsyncFunctionDef

# What FastAPI injects by type (https://fastapi.tiangolo.com/advanced/using-request-directly/).
_INJECTED_TYPES = frozenset(
    {"Request", "HTTPConnection", "WebSocket", "Response", "BackgroundTasks", "SecurityScopes"}
)
# Request data the app's own dependency may verify (a session cookie, an API key header)...
_REQUEST_METADATA = frozenset({"Header", "Cookie"})
# ... and what a visitor sends as data: never where the signed-in user comes from.
_CLIENT_INPUT = {
    "Query": "the query string",
    "Path": "the URL path",
    "Body": "the request body",
    "Form": "the form data",
    "File": "an uploaded file",
}
_SCALARS = frozenset({"str", "int", "float", "bool", "bytes", "UUID", "uuid.UUID"})


def resolve(index: PythonIndex, found: a.AuthFacts, wanted: str) -> a.UserDep:
    """The dependency `wanted` names (`module.path:function`, or the function's name), as
    detection found it or as read now; a UsageError saying why it cannot identify visitors."""
    wanted = wanted.strip()
    known = find(found.deps, wanted)
    if known is not None:
        return known
    mod, func = _function(index, wanted)
    fid = f"{mod.name}.{func.name}"
    known = next((d for d in found.deps if d.id == fid), None)
    if known is not None:
        return known
    problems = _problems(index, mod, func)
    if problems:
        raise _refused(wanted, f"{func.name}() {'; '.join(problems)}")
    params = a.signature(index, mod, func)
    problems = [p for param in params for p in _param_problem(mod, param)]
    if problems:
        raise _refused(
            wanted,
            f"{func.name}() is not a dependency FastAPI can inject: " + "; ".join(problems),
        )
    return _dependency(index, found, mod, func, params)


def find(deps: list[a.UserDep], wanted: str) -> a.UserDep | None:
    for dep in deps:
        labels = {dep.name, dep.label, dep.id, f"{dep.path}:{dep.name}"}
        if wanted in labels:
            return dep
    return None


def _refused(wanted: str, why: str) -> UsageError:
    return UsageError(f"--user-dependency {wanted}: {why}")


# -- where the answer points ------------------------------------------------------------------


def _function(index: PythonIndex, wanted: str) -> tuple[PyModule, Function]:
    module, _, name = wanted.rpartition(":")
    if "." in name:
        raise _refused(
            wanted,
            f"`{name}` is an attribute, not a module-level function: FastAPI injects the "
            "function you pass to Depends(); answer with that function (module:function)",
        )
    if not module:
        return _by_name(index, wanted, name)
    mod = index.by_name(module.replace("/", ".").removesuffix(".py")) or index.module(module)
    if mod is None or generated(mod):
        raise _refused(wanted, f"no module `{module}` in this project")
    return _in_module(index, wanted, mod, name, 0)


def _by_name(index: PythonIndex, wanted: str, name: str) -> tuple[PyModule, Function]:
    found = [
        (mod, stmt)
        for mod in index.modules(containing=name)
        if not generated(mod)
        for stmt in mod.tree.body
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name == name
    ]
    if not found:
        raise _refused(wanted, f"no module-level function `{name}` in this project")
    if len(found) > 1:
        where = ", ".join(f"{m.name}:{name}" for m, _ in found)
        raise _refused(wanted, f"`{name}` is defined in several modules; answer one of {where}")
    return found[0]


def _in_module(
    index: PythonIndex, wanted: str, mod: PyModule, name: str, depth: int
) -> tuple[PyModule, Function]:
    for stmt in mod.tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name == name:
            return mod, stmt
        if isinstance(stmt, ast.ClassDef) and stmt.name == name:
            raise _refused(
                wanted,
                f"`{name}` is a class, not a function: Depends({name}) would inject a new "
                f"{name} built from the request, not the signed-in user; answer with the "
                "function that returns the user",
            )
        value = _assigned(stmt, name)
        if value is not None:
            return _through_assignment(index, wanted, mod, name, value, depth)
    qualified = mod.imports.get(name)
    owner, _, attr = (qualified or "").rpartition(".")
    source = index.by_name(owner) if owner else None
    if source is not None and source is not mod and depth < 4:
        return _in_module(index, wanted, source, attr, depth + 1)
    functions = [
        s.name for s in mod.tree.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))
    ]
    has = f" (its functions: {', '.join(functions[:8])})" if functions else " (it has no functions)"
    raise _refused(wanted, f"`{mod.name}` has no `{name}`{has}")


def _assigned(stmt: ast.stmt, name: str) -> ast.expr | None:
    if isinstance(stmt, ast.Assign) and any(
        isinstance(t, ast.Name) and t.id == name for t in stmt.targets
    ):
        return stmt.value
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
        return stmt.value if stmt.target.id == name else None
    return None


def _through_assignment(
    index: PythonIndex, wanted: str, mod: PyModule, name: str, value: ast.expr, depth: int
) -> tuple[PyModule, Function]:
    """`CurrentUser = Annotated[User, Depends(get_current_user)]` and `auth = Depends(f)`
    name the function they inject; anything else is refused with what it is."""
    target = _injected(mod, value)
    if isinstance(target, (ast.Name, ast.Attribute)):
        dotted = ref(mod, target) or ""
        owner, _, attr = dotted.rpartition(".")
        source = index.by_name(owner) if owner else None
        if source is not None and depth < 4:
            return _in_module(index, wanted, source, attr, depth + 1)
    if target is not None:
        raise _refused(
            wanted,
            f"`{name}` injects `{ast.unparse(target)}`, not a function of this project",
        )
    if isinstance(value, ast.Call):
        cls = find_class(index, mod, ast.unparse(value.func))
        what = (
            f"an instance of {cls.name} (a class-based dependency)"
            if cls is not None
            else f"the result of {ast.unparse(value.func)}()"
        )
        raise _refused(
            wanted,
            f"`{name}` is {what}, not a function; answer with a function returning the user",
        )
    raise _refused(wanted, f"`{name}` is a variable, not a function")


def _injected(mod: PyModule, value: ast.expr) -> ast.expr | None:
    """x of `Depends(x)` / `Security(x)`, also as the metadata of `Annotated[T, Depends(x)]`."""
    calls = [value]
    if isinstance(value, ast.Subscript) and (mod.qualified(value.value) or "").endswith(
        "Annotated"
    ):
        calls = list(value.slice.elts) if isinstance(value.slice, ast.Tuple) else []
    for call in calls:
        if (
            isinstance(call, ast.Call)
            and (mod.qualified(call.func) or "").rsplit(".", 1)[-1] in ("Depends", "Security")
            and call.args
        ):
            return call.args[0]
    return None


# -- whether FastAPI can inject it ------------------------------------------------------------


def _problems(index: PythonIndex, mod: PyModule, func: Function) -> list[str]:
    out = []
    if any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in _own_nodes(func)):
        kind = "an async generator" if isinstance(func, ast.AsyncFunctionDef) else "a generator"
        out.append(
            f"is {kind} dependency (it yields the user): the token module cannot call it and "
            "catch what it raises for anonymous visitors; answer with a function that returns "
            "the user"
        )
    if func.args.vararg or func.args.kwarg:
        out.append("takes *args / **kwargs, which FastAPI cannot inject")
    return out


def _own_nodes(func: Function) -> Iterator[ast.AST]:
    """The nodes of `func`'s body, without those of functions defined inside it."""
    stack: list[ast.AST] = list(func.body)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            stack.extend(ast.iter_child_nodes(node))


def _param_problem(mod: PyModule, p: a.Param) -> list[str]:
    name = p.node.arg
    written = ast.unparse(p.node.annotation) if p.node.annotation is not None else None
    shown = f"`{name}: {written}`" if written else f"`{name}`"
    if p.dependency is not None:
        return []
    annotation = p.inner_type if p.style == "annotated" else p.node.annotation
    head = (mod.qualified(annotation) or ast.unparse(annotation)) if annotation else ""
    if head.rsplit(".", 1)[-1] in _INJECTED_TYPES:
        return []
    param_call = _param_function(mod, p)
    if param_call in _REQUEST_METADATA:
        return []
    if param_call in _CLIENT_INPUT:
        return [f"{shown} is read from {_CLIENT_INPUT[param_call]}, i.e. from the client"]
    if p.default is not None and not isinstance(p.default, ast.Call):
        return []  # a constant default: FastAPI passes it (a query parameter may override it)
    if annotation is None or head.rsplit(".", 1)[-1] in _SCALARS or head in _SCALARS:
        return [f"{shown} would be a query parameter, i.e. read from the client"]
    return [f"{shown} has no Depends(), and FastAPI cannot build a {written or name} itself"]


def _param_function(mod: PyModule, p: a.Param) -> str | None:
    """`Header` for `x: str = Header()` or `Annotated[str, Header()]`."""
    calls: list[ast.expr] = [p.default] if p.default is not None else []
    annotation = p.node.annotation
    if isinstance(annotation, ast.Subscript) and isinstance(annotation.slice, ast.Tuple):
        calls += annotation.slice.elts[1:]
    for call in calls:
        if isinstance(call, ast.Call):
            last = (mod.qualified(call.func) or "").rsplit(".", 1)[-1]
            if last in _REQUEST_METADATA or last in _CLIENT_INPUT:
                return last
    return None


# -- the dependency, as the plan needs it -----------------------------------------------------


def _dependency(
    index: PythonIndex, found: a.AuthFacts, mod: PyModule, func: Function, params: list[a.Param]
) -> a.UserDep:
    deps = {d.id: d for d in found.deps}
    base = next((deps[p.dependency] for p in params if p.dependency in deps), None)
    if base is not None:
        next(p for p in params if p.dependency == base.id).kind = "user"
    model = um.return_model(index, mod, func, {}) or (base.model if base else None)
    optional = um.returns_optional(func)
    bearer = base.bearer if base is not None else _reads_authorization(mod, func, params)
    why = (
        f"{func.name}() builds on {base.name}(), as answered"
        if base is not None
        else f"{func.name}(), as answered"
        + ("; it returns None for anonymous visitors" if optional else "")
    )
    evidence = [Evidence(mod.path, func.lineno, why)]
    if model is not None:
        evidence.append(Evidence(model.path, model.node.lineno, f"user model {model.name}"))
    return a.UserDep(
        f"{mod.name}.{func.name}",
        func.name,
        mod,
        func.lineno,
        "derived" if base is not None else "answered",
        model,
        optional,
        isinstance(func, ast.AsyncFunctionDef),
        func,
        params,
        a.raises(func),
        base=base.id if base is not None else None,
        base_dep=base,
        bearer=bearer,
        header=base.header if base is not None else BEARER,
        mapping=um.returns_mapping(mod, func, {}),
        evidence=evidence,
        uses=1,
    )


def _reads_authorization(mod: PyModule, func: Function, params: list[a.Param]) -> bool:
    """The dependency reads the Authorization header: the browser must send it."""
    if any(p.node.arg.lower() == "authorization" for p in params if _param_function(mod, p)):
        return True
    return any(
        isinstance(n, ast.Constant)
        and isinstance(n.value, str)
        and n.value.lower() == ("authorization")
        for n in ast.walk(func)
    )
