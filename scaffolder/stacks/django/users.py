"""The user model: django.contrib.auth's User or the AUTH_USER_MODEL, and its email / name / id.

Reads the class the way Django builds it: fields inherited from `AbstractUser` (username,
first_name, last_name, email, `EMAIL_FIELD = "email"`) or `AbstractBaseUser` (none of those),
project-defined bases, then the class's own fields, `EMAIL_FIELD` / `USERNAME_FIELD` and methods
(`get_full_name()`). A field set to `None` (`first_name = None`) is removed, as Django does.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from scaffolder.model import Confidence, Evidence, UserExpr, UserFields
from scaffolder.python.models import EMAIL_ATTRS, ModelClass, find_class
from scaffolder.python.source import PythonIndex, string_value
from scaffolder.stacks.django.discover import AppInfo
from scaffolder.stacks.django.settings import UNKNOWN, Settings, resolve_module

_ABSTRACT_USER = frozenset(
    {"django.contrib.auth.models.AbstractUser", "django.contrib.auth.models.User"}
)
_ABSTRACT_BASE_USER = frozenset(
    {
        "django.contrib.auth.base_user.AbstractBaseUser",
        "django.contrib.auth.models.AbstractBaseUser",
    }
)
_NAME_FIELDS = ("full_name", "display_name", "name")


@dataclass
class Member:
    kind: str  # "field" (with its type), "method", "property", "constant"
    path: str | None
    line: int
    type: str = ""
    value: str = ""


@dataclass
class UserModel:
    label: str | None  # AUTH_USER_MODEL, None for django.contrib.auth's User
    cls: ModelClass | None
    members: dict[str, Member] = field(default_factory=dict)
    django_base: str | None = None  # "AbstractUser" or "AbstractBaseUser"
    evidence: list[Evidence] = field(default_factory=list)

    def constant(self, name: str) -> str | None:
        member = self.members.get(name)
        return member.value if member and member.kind == "constant" else None

    def has(self, name: str) -> bool:
        member = self.members.get(name)
        return member is not None and member.kind != "constant"


def _abstract_user() -> dict[str, Member]:
    members = {
        n: Member("field", None, 0, t)
        for n, t in (
            ("username", "CharField"),
            ("first_name", "CharField"),
            ("last_name", "CharField"),
            ("email", "EmailField"),
        )
    }
    members["get_full_name"] = Member("method", None, 0)
    members["EMAIL_FIELD"] = Member("constant", None, 0, value="email")
    members["USERNAME_FIELD"] = Member("constant", None, 0, value="username")
    return members


def find_user_model(
    index: PythonIndex, root: str, settings: Settings, apps: list[AppInfo]
) -> UserModel:
    label = settings.get("AUTH_USER_MODEL")
    if not isinstance(label, str) or label == "auth.User":
        return UserModel(None, None, _abstract_user(), "AbstractUser")
    setting = settings.where("AUTH_USER_MODEL")
    model = UserModel(label, None)
    if setting is not None:
        model.evidence.append(Evidence(setting.path, setting.line, f"AUTH_USER_MODEL = {label}"))
    app_label, _, class_name = label.partition(".")
    app = next((a for a in apps if a.label == app_label), None)
    models_mod = resolve_module(index, root, f"{app.module}.models") if app else None
    cls = find_class(index, models_mod, class_name) if models_mod else None
    if cls is None:
        return model
    model.cls = cls
    model.evidence.append(Evidence(cls.path, cls.node.lineno, f"custom user model {cls.name}"))
    _collect(index, cls, model, 0)
    return model


def _collect(index: PythonIndex, cls: ModelClass, model: UserModel, depth: int) -> None:
    for base in cls.node.bases:
        qualified = cls.module.qualified(base) or ""
        if qualified in _ABSTRACT_USER:
            model.django_base = "AbstractUser"
            model.members.update(_abstract_user())
        elif qualified in _ABSTRACT_BASE_USER:
            model.django_base = model.django_base or "AbstractBaseUser"
        elif depth < 5:
            parent = find_class(index, cls.module, ast.unparse(base))
            if parent is not None and parent.node is not cls.node:
                _collect(index, parent, model, depth + 1)
    for stmt in cls.node.body:
        target: ast.expr | None = None
        value: ast.expr | None = None
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target, value = stmt.targets[0], stmt.value
        elif isinstance(stmt, ast.AnnAssign):
            target, value = stmt.target, stmt.value
        if isinstance(target, ast.Name):
            name = target.id
            if isinstance(value, ast.Constant) and value.value is None:
                model.members.pop(name, None)
            elif name in ("EMAIL_FIELD", "USERNAME_FIELD") and string_value(value) is not None:
                model.members[name] = Member(
                    "constant", cls.path, stmt.lineno, value=string_value(value) or ""
                )
            else:
                kind = ""
                if isinstance(value, ast.Call):
                    kind = ast.unparse(value.func).rsplit(".", 1)[-1]
                model.members[name] = Member("field", cls.path, stmt.lineno, kind)
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            is_property = any(
                ast.unparse(d).rsplit(".", 1)[-1] in ("property", "cached_property")
                for d in stmt.decorator_list
            )
            model.members[stmt.name] = Member(
                "property" if is_property else "method", cls.path, stmt.lineno
            )


def _expr(model: UserModel, name: str, why: str, call: bool = False) -> UserExpr:
    member = model.members.get(name)
    text = f"user.{name}()" if call else f"user.{name}"
    where = member.path if member else None
    line = member.line if member and member.path else None
    return UserExpr(text, where, line, why)


def _is_email_field(model: UserModel, name: str | None) -> bool:
    member = model.members.get(name or "")
    return member is not None and member.type == "EmailField"


def pick_fields(model: UserModel, settings: Settings, allauth: bool) -> UserFields:
    email, confidence, imports = _email(model, settings, allauth)
    return UserFields(
        email,
        _name(model),
        UserExpr("user.pk", None, None, "the user's primary key"),
        confidence,
        tuple(imports),
    )


def _email(
    model: UserModel, settings: Settings, allauth: bool
) -> tuple[UserExpr | None, Confidence, list[tuple[str, str]]]:
    if allauth and "ACCOUNT_USER_MODEL_EMAIL_FIELD" in settings.values:
        value = settings.get("ACCOUNT_USER_MODEL_EMAIL_FIELD")
        where = settings.where("ACCOUNT_USER_MODEL_EMAIL_FIELD")
        assert where is not None
        if value is None:
            return (
                UserExpr(
                    "EmailAddress.objects.get_primary_email(user)",
                    where.path,
                    where.line,
                    "ACCOUNT_USER_MODEL_EMAIL_FIELD = None: allauth keeps emails apart",
                ),
                "high",
                [("allauth.account.models", "EmailAddress")],
            )
        if isinstance(value, str) and value is not UNKNOWN:
            why = "allauth's ACCOUNT_USER_MODEL_EMAIL_FIELD"
            return UserExpr(f"user.{value}", where.path, where.line, why), "high", []
    declared = model.constant("EMAIL_FIELD")
    if declared and model.has(declared):
        member = model.members["EMAIL_FIELD"]
        why = "EMAIL_FIELD" if member.path else f"AbstractUser's EMAIL_FIELD ({declared})"
        file = member.path or model.members[declared].path
        line = member.line if member.path else model.members[declared].line
        return UserExpr(f"user.{declared}", file, line or None, why), "high", []
    if model.has("email"):
        return _expr(model, "email", "the user's `email` field"), "high", []
    username = model.constant("USERNAME_FIELD")
    if _is_email_field(model, username):
        assert username is not None
        return _expr(model, username, "USERNAME_FIELD is an EmailField"), "high", []
    for name, member in model.members.items():
        if member.type == "EmailField":
            return _expr(model, name, f"the user's `{name}` EmailField"), "medium", []
    for name in EMAIL_ATTRS:
        if model.has(name):
            return _expr(model, name, f"the user's `{name}` field"), "medium", []
    return None, "low", []


def _name(model: UserModel) -> UserExpr | None:
    own_full_name = model.members.get("get_full_name")
    if own_full_name is not None and own_full_name.path is not None:
        return _expr(model, "get_full_name", "the user's get_full_name()", call=True)
    for name in _NAME_FIELDS:
        if model.has(name):
            # A method (`def full_name(self)`) is called: its bound method would be no name.
            method = model.members[name].kind == "method"
            return _expr(
                model, name, f"the user's `{name}` {'method' if method else 'field'}", method
            )
    username = model.constant("USERNAME_FIELD")
    by_email = _is_email_field(model, username) or username == "email"
    if model.has("first_name") and model.has("last_name"):
        if model.has("get_full_name"):
            text = (
                "user.get_full_name()"
                if by_email
                else "user.get_full_name() or user.get_username()"
            )
            why = "get_full_name() (first and last name)" + (
                "" if by_email else ", else the username"
            )
            member = model.members["first_name"]
            return UserExpr(text, member.path, member.line or None, why)
        return UserExpr(
            '" ".join(filter(None, [user.first_name, user.last_name]))',
            model.members["first_name"].path,
            model.members["first_name"].line or None,
            "the user's first and last name",
        )
    if model.has("first_name"):
        return _expr(model, "first_name", "the user's first name (it has no last name)")
    if username and not by_email and model.has(username):
        return _expr(model, username, "USERNAME_FIELD: the name they sign in with")
    return None
