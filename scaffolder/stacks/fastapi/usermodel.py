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
            found = class_from_expr(index, mod, value) or _called_model(index, mod, value)
            if found is not None:
                return found
    # `user = session.get(User, ...)`, `select(User)` in the body
    for node in ast.walk(func):
        if isinstance(node, ast.Call):
            for arg in node.args[:1]:
                if isinstance(arg, ast.Name):
                    found = find_class(index, mod, arg.id)
                    if found is not None:
                        return found
    return None


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
