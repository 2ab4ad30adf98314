"""The user model behind a FastAPI dependency: from its return annotation, from how the app
types what it injects (`Annotated[User, Depends(get_current_user)]`), from what it returns; and
the model's fields, with those fastapi-users' base classes define."""

from __future__ import annotations

import ast

from scaffolder.python import syntax
from scaffolder.python.models import (
    Attribute,
    ModelClass,
    attributes,
    class_from_expr,
    find_class,
)
from scaffolder.python.source import PyModule, PythonIndex

# Fields that fastapi-users' SQLAlchemy / Beanie base user classes define.
_LIBRARY_USER_FIELDS = ("id", "email", "is_active", "is_superuser", "is_verified")

Typed = dict[str, list[tuple[PyModule, ast.expr]]]
"""dependency id -> the types the app gives what it injects, with the module they are in"""


def unwrap_optional(mod: PyModule, expr: ast.expr | None) -> tuple[ast.expr | None, bool]:
    """(T, True) for `T | None`, `Optional[T]`; strings are parsed."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        expr = syntax.expression(expr.value)
        if expr is None:
            return None, False
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.BitOr):
        sides = [expr.left, expr.right]
        rest = [s for s in sides if not (isinstance(s, ast.Constant) and s.value is None)]
        return (rest[0] if len(rest) == 1 else None), len(rest) < len(sides)
    if isinstance(expr, ast.Subscript):
        name = mod.qualified(expr.value) or ""
        if name.endswith("Optional"):
            return expr.slice, True
        if name.endswith("Union") and isinstance(expr.slice, ast.Tuple):
            rest = [
                e for e in expr.slice.elts if not (isinstance(e, ast.Constant) and e.value is None)
            ]
            return (rest[0] if len(rest) == 1 else None), len(rest) < len(expr.slice.elts)
    return expr, False


def returns_optional(func: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    if func.returns is not None:
        # A module is only needed to qualify Optional/Union; the names are enough here.
        probe = func.returns
        if isinstance(probe, ast.Constant) and isinstance(probe.value, str):
            parsed = syntax.expression(probe.value)
            if parsed is None:
                return False
            probe = parsed
        if isinstance(probe, ast.BinOp):
            return "None" in ast.unparse(probe).replace(" ", "").split("|")
        if isinstance(probe, ast.Subscript):
            head = ast.unparse(probe.value).rsplit(".", 1)[-1]
            return head == "Optional" or (head == "Union" and "None" in ast.unparse(probe.slice))
        return False
    return any(
        isinstance(n, ast.Return)
        and (n.value is None or (isinstance(n.value, ast.Constant) and n.value.value is None))
        for n in ast.walk(func)
    )


_MAPPINGS = frozenset(
    {"dict", "typing.Dict", "typing.Mapping", "collections.abc.Mapping", "typing.MutableMapping"}
)


def returns_mapping(
    mod: PyModule, func: ast.FunctionDef | ast.AsyncFunctionDef, typed: Typed
) -> bool:
    """Whether the dependency gives the user as a dict (`-> dict[str, Any] | None`, or
    `Annotated[dict, Depends(get_current_user)]` where it is used): `user["email"]`."""
    types = [(mod, func.returns)] if func.returns is not None else []
    types = types or typed.get(f"{mod.name}.{func.name}", [])
    for use_mod, expr in types:
        inner, _ = unwrap_optional(use_mod, expr)
        head = inner.value if isinstance(inner, ast.Subscript) else inner
        if head is not None and (use_mod.qualified(head) or ast.unparse(head)) in _MAPPINGS:
            return True
    return False


def return_model(
    index: PythonIndex,
    mod: PyModule,
    func: ast.FunctionDef | ast.AsyncFunctionDef,
    typed: Typed,
) -> ModelClass | None:
    inner, _ = unwrap_optional(mod, func.returns)
    if inner is not None:
        found = find_class(index, mod, ast.unparse(inner))
        if found is not None:
            return found
    for use_mod, type_expr in typed.get(f"{mod.name}.{func.name}", []):
        inner, _ = unwrap_optional(use_mod, type_expr)
        found = find_class(index, use_mod, ast.unparse(inner)) if inner else None
        if found is not None:
            return found
    # `return User(...)`, `return session.get(User, ...)`, `user = get_user(...); return user`
    local = {
        t.id: n.value
        for n in ast.walk(func)
        if isinstance(n, ast.Assign)
        for t in n.targets
        if isinstance(t, ast.Name)
    }
    for node in ast.walk(func):
        if isinstance(node, ast.Return) and node.value is not None:
            value = node.value
            if isinstance(value, ast.Name) and value.id in local:
                value = local[value.id]
            found = (
                _repository_model(index, mod, func, value, local)
                or class_from_expr(index, mod, value)
                or _called_model(index, mod, value)
            )
            if found is not None:
                return found
    # `user = session.get(User, ...)`, `select(User)` in the body (not in the parameters: a
    # `Depends(get_repository(UserRepository))` names the repository, not the user)
    for node in (n for stmt in func.body for n in ast.walk(stmt)):
        if isinstance(node, ast.Call):
            for arg in node.args[:1]:
                if isinstance(arg, ast.Name):
                    found = find_class(index, mod, arg.id)
                    if found is not None:
                        return found
    return None


def _repository_model(
    index: PythonIndex,
    mod: PyModule,
    func: ast.FunctionDef | ast.AsyncFunctionDef,
    value: ast.expr,
    local: dict[str, ast.expr],
) -> ModelClass | None:
    """The model a repository method returns: `await UserRepository(session).get_by_email(e)`,
    `users_repo.get_user_by_username(...)` with `users_repo: UsersRepository = Depends(...)`,
    read from the method's return annotation or what it returns."""
    if isinstance(value, ast.Await):
        value = value.value
    if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)):
        return None
    owner = _instance_class(index, mod, func, value.func.value, local, 0)
    method = _method(index, owner, value.func.attr, 0) if owner is not None else None
    if method is None:
        return None
    cls, node = method
    inner, _ = unwrap_optional(cls.module, node.returns)
    if inner is not None:
        return find_class(index, cls.module, ast.unparse(inner))
    for ret in ast.walk(node):
        if isinstance(ret, ast.Return) and ret.value is not None:
            found = _called_class(index, cls.module, ret.value)
            if found is not None:
                return found
    return None


def _instance_class(
    index: PythonIndex,
    mod: PyModule,
    func: ast.FunctionDef | ast.AsyncFunctionDef,
    expr: ast.expr,
    local: dict[str, ast.expr],
    depth: int,
) -> ModelClass | None:
    """The project class of the object `expr` names in `func`: built there (`Repo(session)`),
    bound to a local variable, or a parameter typed with it (`repo: Repo = Depends(...)`,
    `Annotated[Repo, Depends(...)]`) or injected by a factory given it
    (`Depends(get_repository(Repo))`)."""
    if depth > 3:
        return None
    found = _called_class(index, mod, expr)
    if found is not None or not isinstance(expr, ast.Name):
        return found
    if expr.id in local:
        return _instance_class(index, mod, func, local[expr.id], local, depth + 1)
    for arg, default in arguments(func):
        if arg.arg != expr.id:
            continue
        annotation, _ = unwrap_optional(mod, arg.annotation)
        if isinstance(annotation, ast.Subscript) and ast.unparse(annotation.value).endswith(
            "Annotated"
        ):
            elts = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else []
            annotation = elts[0] if elts else None
        if annotation is not None:
            typed = find_class(index, mod, ast.unparse(annotation))
            if typed is not None:
                return typed
        if isinstance(default, ast.Call) and default.args and isinstance(default.args[0], ast.Call):
            factory = default.args[0]  # Depends(get_repository(Repo))
            for given in factory.args[:1]:
                if isinstance(given, (ast.Name, ast.Attribute)):
                    return find_class(index, mod, ast.unparse(given))
    return None


def _called_class(index: PythonIndex, mod: PyModule, expr: ast.expr) -> ModelClass | None:
    """The class `expr` instantiates: `Repo(session)`, `UserInDB(**row)`."""
    if isinstance(expr, ast.Call) and isinstance(expr.func, (ast.Name, ast.Attribute)):
        return find_class(index, mod, ast.unparse(expr.func))
    return None


def _method(
    index: PythonIndex, cls: ModelClass, name: str, depth: int
) -> tuple[ModelClass, ast.FunctionDef | ast.AsyncFunctionDef] | None:
    """The method `name` of the class or of its project base classes."""
    for stmt in cls.node.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name == name:
            return cls, stmt
    if depth < 5:
        for base in cls.node.bases:
            parent = find_class(index, cls.module, ast.unparse(base))
            found = _method(index, parent, name, depth + 1) if parent is not None else None
            if found is not None:
                return found
    return None


def arguments(
    func: ast.FunctionDef | ast.AsyncFunctionDef,
) -> list[tuple[ast.arg, ast.expr | None]]:
    """The function's parameters with their defaults (None where there is none)."""
    a = func.args
    positional = [*a.posonlyargs, *a.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(a.defaults))
    pairs = list(zip(positional, [*defaults, *a.defaults], strict=True))
    return pairs + list(zip(a.kwonlyargs, a.kw_defaults, strict=True))


def _called_model(index: PythonIndex, mod: PyModule, value: ast.expr) -> ModelClass | None:
    """The model a project helper returns (`get_user(db, username)` -> `UserInDB(...)`)."""
    if isinstance(value, ast.Await):
        value = value.value
    if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Name)):
        return None
    helper = next(
        (
            s
            for s in mod.tree.body
            if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == value.func.id
        ),
        None,
    )
    if helper is None:
        return None
    inner, _ = unwrap_optional(mod, helper.returns)
    if inner is not None:
        found = find_class(index, mod, ast.unparse(inner))
        if found is not None:
            return found
    for node in ast.walk(helper):
        if isinstance(node, ast.Return) and node.value is not None:
            found = class_from_expr(index, mod, node.value)
            if found is not None:
                return found
    return None


def model_attributes(index: PythonIndex, model: ModelClass) -> dict[str, Attribute]:
    """The model's attributes, with those a library base class defines (fastapi-users)."""
    found: dict[str, Attribute] = {}
    for cls in _project_mro(index, model):
        for base in cls.node.bases:
            qualified = cls.module.qualified(
                base.value if isinstance(base, ast.Subscript) else base
            )
            if qualified and qualified.startswith("fastapi_users") and "User" in qualified:
                for name in _LIBRARY_USER_FIELDS:
                    found.setdefault(name, Attribute(name, cls.path, cls.node.lineno))
    found.update(attributes(index, model))
    return found


def _project_mro(index: PythonIndex, model: ModelClass, depth: int = 0) -> list[ModelClass]:
    out = [model]
    if depth < 5:
        for base in model.node.bases:
            parent = find_class(index, model.module, ast.unparse(base))
            if parent is not None and parent.node is not model.node:
                out += _project_mro(index, parent, depth + 1)
    return out
