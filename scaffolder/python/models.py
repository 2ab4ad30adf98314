"""User models: resolve a class across modules and pick its email / name / id attributes.

Shared by the Python stacks (Flask-Login's user class, a FastAPI dependency's return type,
SQLAlchemy / SQLModel / Pydantic models, dataclasses).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from scaffolder.model import Confidence, UserExpr, UserFields
from scaffolder.python.source import PyModule, PythonIndex

EMAIL_ATTRS = ("email", "email_address", "primary_email", "user_email", "contact_email", "mail")
NAME_ATTRS = ("name", "full_name", "fullname", "display_name", "username", "nickname", "login")
ID_ATTRS = ("id", "pk", "id_", "user_id", "uid", "uuid")  # `id_`: Pydantic's Field(alias="id")
NAME_PAIRS = (
    ("first_name", "last_name"),
    ("firstname", "lastname"),
    ("given_name", "family_name"),
    ("forename", "surname"),
)
_PROPERTY_DECORATORS = ("property", "cached_property", "hybrid_property")


@dataclass(frozen=True)
class Attribute:
    name: str
    path: str
    line: int
    is_method: bool = False
    primary_key: bool = False  # `Column(..., primary_key=True)`, `mapped_column`, `Field`


def _primary_key(value: ast.expr | None) -> bool:
    return isinstance(value, ast.Call) and any(
        kw.arg == "primary_key" and isinstance(kw.value, ast.Constant) and kw.value.value is True
        for kw in value.keywords
    )


@dataclass(frozen=True)
class ModelClass:
    module: PyModule
    node: ast.ClassDef

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def path(self) -> str:
        return self.module.path


def find_class(index: PythonIndex, mod: PyModule, name: str, depth: int = 0) -> ModelClass | None:
    """The class `name` as seen from `mod` (defined there, or imported, following re-exports)."""
    if depth > 4:
        return None
    for node in mod.tree.body:
        if isinstance(node, ast.ClassDef) and node.name == name:
            return ModelClass(mod, node)
    qualified = mod.imports.get(name.split(".")[0])
    if qualified is None:
        return None
    if "." in name:
        qualified = qualified + "." + name.split(".", 1)[1]
    module_name, _, cls_name = qualified.rpartition(".")
    target = index.by_name(module_name)
    if target is None or target is mod:
        return None
    return find_class(index, target, cls_name, depth + 1)


def class_from_expr(index: PythonIndex, mod: PyModule, expr: ast.AST) -> ModelClass | None:
    """The project class that an expression like `User.query.get(id)` or
    `db.session.get(User, id)` or `select(User)` loads."""
    for node in ast.walk(expr):
        if isinstance(node, ast.Name):
            name = node.id
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            name = f"{node.value.id}.{node.attr}"
        else:
            continue
        found = find_class(index, mod, name)
        if found is not None:
            return found
    return None


def attributes(index: PythonIndex, cls: ModelClass, depth: int = 0) -> dict[str, Attribute]:
    """Fields, properties and methods of a class and of its bases defined in the project."""
    found: dict[str, Attribute] = {}
    if depth < 5:
        for base in cls.node.bases:
            base_name = ast.unparse(base)
            parent = find_class(index, cls.module, base_name)
            if parent is not None and parent.node is not cls.node:
                found.update(attributes(index, parent, depth + 1))
    for stmt in cls.node.body:
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    key = _primary_key(stmt.value)
                    found[target.id] = Attribute(target.id, cls.path, stmt.lineno, False, key)
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            key = _primary_key(stmt.value)
            found[stmt.target.id] = Attribute(stmt.target.id, cls.path, stmt.lineno, False, key)
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if stmt.name == "__init__":
                for node in ast.walk(stmt):
                    targets: list[ast.expr] = []
                    if isinstance(node, ast.Assign):
                        targets = node.targets
                    elif isinstance(node, ast.AnnAssign):
                        targets = [node.target]
                    for target in targets:
                        if (
                            isinstance(target, ast.Attribute)
                            and isinstance(target.value, ast.Name)
                            and target.value.id == "self"
                        ):
                            found.setdefault(
                                target.attr, Attribute(target.attr, cls.path, target.lineno)
                            )
                continue
            is_prop = any(
                ast.unparse(d).split(".")[-1] in _PROPERTY_DECORATORS for d in stmt.decorator_list
            )
            found[stmt.name] = Attribute(stmt.name, cls.path, stmt.lineno, is_method=not is_prop)
    return found


def pick_fields(
    attrs: dict[str, Attribute], accessor: str, *, subscript: bool = False
) -> UserFields:
    """Expressions for email / name / id, reading the user through `accessor`
    (`current_user` -> `current_user.email`; with `subscript`, `g.user` -> `g.user["email"]`)."""

    def expr(attr: Attribute, why: str) -> UserExpr:
        text = f'{accessor}["{attr.name}"]' if subscript else f"{accessor}.{attr.name}"
        if attr.is_method:
            text += "()"
        return UserExpr(text, attr.path, attr.line, why)

    email = name = user_id = None
    confidence: Confidence = "high"
    for candidate in EMAIL_ATTRS:
        if candidate in attrs:
            email = expr(attrs[candidate], f"the user's `{candidate}` field")
            confidence = "high" if candidate == "email" else "medium"
            break
    for method in ("get_full_name", "full_name", "display_name"):
        attr = attrs.get(method)
        if attr is not None and (attr.is_method or method != "get_full_name"):
            name = expr(attr, f"the user's `{method}`")
            break
    for first_attr, last_attr in NAME_PAIRS if name is None else ():
        if first_attr in attrs and last_attr in attrs:
            first, last = expr(attrs[first_attr], ""), expr(attrs[last_attr], "")
            name = UserExpr(
                f'" ".join(filter(None, [{first.expr}, {last.expr}]))',
                attrs[first_attr].path,
                attrs[first_attr].line,
                "the user's first and last name",
            )
            break
    if name is None:
        for candidate in NAME_ATTRS:
            if candidate in attrs:
                name = expr(attrs[candidate], f"the user's `{candidate}` field")
                break
    primary = [a for a in attrs.values() if a.primary_key]
    if len(primary) == 1 and primary[0].name not in ID_ATTRS:  # `patient_no`: the table's key
        user_id = expr(primary[0], f"the user's primary key `{primary[0].name}`")
    for candidate in ID_ATTRS if user_id is None else ():
        if candidate in attrs:
            user_id = expr(attrs[candidate], f"the user's `{candidate}` field")
            break
    return UserFields(email, name, user_id, confidence)
