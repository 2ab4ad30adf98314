"""The shape of the signed-in user object in JS / TS code, and its email / name / id fields.

A shape is the set of property paths (`email`, `profile.name`) of an object literal, a class
(constructor assignments, fields, getters), a TypeScript interface / type literal, or a
Mongoose / Sequelize schema. Names are picked like the Python stacks pick model attributes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from tree_sitter import Node

from scaffolder.js.syntax import call_arguments, callee_name, string_value
from scaffolder.model import Confidence, UserExpr, UserFields
from scaffolder.stacks.express.index import JsIndex, Module
from scaffolder.treesitter import walk

EMAIL_KEYS = ("email", "emailAddress", "email_address", "primaryEmail", "userEmail", "mail")
NAME_KEYS = (
    "displayName",
    "display_name",
    "fullName",
    "full_name",
    "fullname",
    "name",
)
# Nested groups that describe the person, in that order (passport-local's `local.email`,
# `profile.name`, `contact.fullName`); `company.name` is not the user's name.
PERSON_GROUPS = ("local", "profile", "contact", "personal", "personalInfo", "info", "details")
# One group per sign-in provider (passport's strategies: `google.email`, `twitter.displayName`):
# each holds the fields of the users who signed in with it.
PROVIDER_GROUPS = (
    "google",
    "facebook",
    "github",
    "twitter",
    "linkedin",
    "microsoft",
    "apple",
    "gitlab",
    "discord",
)
HANDLE_KEYS = ("username", "nickname", "login", "handle")
ID_KEYS = ("id", "_id", "uid", "userId", "user_id", "uuid")
FIRST_KEYS = ("firstName", "first_name", "givenName", "given_name")
LAST_KEYS = ("lastName", "last_name", "familyName", "family_name")
# Inside a `name` group (`name: { first, last }`), the parts go by shorter names too.
NAME_PARTS = (("first", *FIRST_KEYS, "given"), ("last", *LAST_KEYS, "family"))


@dataclass
class Shape:
    """Property paths of one user object, each with the line that defines it."""

    module: Module
    line: int
    what: str
    keys: dict[str, int] = field(default_factory=dict)
    # Nested paths always hold an object (Mongoose nested paths): read with `.`, not `?.`.
    nested_always: bool = False

    def has_email(self) -> bool:
        return self.email_key() is not None

    def email_key(self) -> str | None:
        """The first of `email_keys`."""
        keys = self.email_keys()
        return keys[0] if keys else None

    def email_keys(self) -> list[str]:
        """A top-level email field; else the email of each person / provider group that has
        one (`local.email`, `google.email`: the users of each sign-in), passport-local's
        `local` first; else the first nested one."""
        top = next((k for k in EMAIL_KEYS if self.leaf(k)), None)
        if top is not None:
            return [top]
        nested = self.nested(EMAIL_KEYS, person_only=False)
        groups = _one_per_group(k for k in nested if _group(k) in PERSON_GROUPS + PROVIDER_GROUPS)
        return groups or nested[:1]

    def leaf(self, key: str) -> bool:
        """Whether `key` is a field, not a group of them (`name` of `name: { first, last }`)."""
        return key in self.keys and not any(k.startswith(key + ".") for k in self.keys)

    def nested(self, leaves: tuple[str, ...], *, person_only: bool = True) -> list[str]:
        """`group.leaf` paths: the person's groups first, then (unless `person_only`) any
        other, each by line."""
        order = PERSON_GROUPS
        found = [k for k in self.keys if k.count(".") == 1 and k.split(".")[1] in leaves]
        if person_only:
            found = [k for k in found if _group(k) in order]
        return sorted(
            found,
            key=lambda k: (
                order.index(_group(k)) if _group(k) in order else len(order),
                self.keys[k],
            ),
        )

    def provided(self, leaves: tuple[str, ...]) -> list[str]:
        """`leaves` of the provider groups, one per group, in the order they are defined."""
        found = [k for k in self.keys if k.count(".") == 1 and k.split(".")[1] in leaves]
        found = [k for k in found if _group(k) in PROVIDER_GROUPS]
        return _one_per_group(sorted(found, key=lambda k: self.keys[k]))

    def parts(
        self, prefix: str, firsts: tuple[str, ...], lasts: tuple[str, ...]
    ) -> tuple[str, str] | None:
        """The first and last name fields under `prefix` (`""`, `name.`, `profile.`)."""
        first = next((prefix + k for k in firsts if self.leaf(prefix + k)), None)
        last = next((prefix + k for k in lasts if self.leaf(prefix + k)), None)
        return (first, last) if first and last else None


def _group(key: str) -> str:
    return key.split(".")[0]


def _one_per_group(keys: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for key in keys:
        seen.setdefault(_group(key), key)
    return list(seen.values())


def pick(shape: Shape | None, var: str = "user", *, lean: bool = False) -> UserFields:
    """email / name / id expressions reading the user through `var`; `lean`: a plain object
    from a Mongoose `.lean()` query, which has `_id` and not the `id` getter."""
    if shape is None:
        return UserFields(None, None, None, "low")

    def read(key: str) -> str:
        head, _, rest = key.partition(".")
        dot = "." if shape.nested_always else "?."
        return f"{var}.{head}" + (f"{dot}{rest}" if rest else "")

    def expr(keys: list[str], why: str) -> UserExpr:
        return UserExpr(
            " || ".join(read(k) for k in keys), shape.module.path, shape.keys[keys[0]], why
        )

    def joined(parts: tuple[str, str], why: str) -> UserExpr:
        first, last = parts
        text = f'[{read(first)}, {read(last)}].filter(Boolean).join(" ")'
        return UserExpr(text, shape.module.path, shape.keys[first], why)

    email = name = user_id = None
    confidence: Confidence = "high"
    email_keys = shape.email_keys()
    if email_keys:
        email = expr(email_keys, f"{shape.what}: " + ", ".join(f"`{k}`" for k in email_keys))
        confidence = "high" if email_keys == ["email"] else "medium"
    name = _name(shape, expr, joined)
    ids = ("_id", *ID_KEYS) if lean else ID_KEYS
    found = next((k for k in ids if shape.leaf(k)), None)
    if found is not None:
        user_id = expr([found], f"{shape.what}: `{found}`")
    return UserFields(email, name, user_id, confidence)


def _name(
    shape: Shape,
    expr: Callable[[list[str], str], UserExpr],
    joined: Callable[[tuple[str, str], str], UserExpr],
) -> UserExpr | None:
    """The display name: a name field, the parts of a `name` group, a person group's name,
    first + last name, each provider group's name, else the handle."""
    what = shape.what
    top = next((k for k in NAME_KEYS if shape.leaf(k)), None)
    if top is not None:
        return expr([top], f"{what}: `{top}`")
    parts = shape.parts("name.", *NAME_PARTS)
    if parts is not None:
        return joined(parts, f"{what}: `name.{parts[0][5:]}` and `name.{parts[1][5:]}`")
    nested = [k for k in shape.nested(NAME_KEYS) if shape.leaf(k)]
    if nested:
        return expr(nested[:1], f"{what}: `{nested[0]}`")
    for prefix in ("", *(f"{g}." for g in PERSON_GROUPS)):
        parts = shape.parts(prefix, FIRST_KEYS, LAST_KEYS)
        if parts is not None:
            return joined(parts, f"{what}: first and last name")
    provided = shape.provided(NAME_KEYS)
    if provided:
        return expr(provided, f"{what}: " + ", ".join(f"`{k}`" for k in provided))
    handle = next((k for k in HANDLE_KEYS if shape.leaf(k)), None)
    return expr([handle], f"{what}: `{handle}`") if handle is not None else None


# -- shapes -----------------------------------------------------------------------------------


def object_shape(mod: Module, node: Node, what: str, prefix: str = "") -> Shape:
    shape = Shape(mod, mod.line(node), what)
    _object_keys(mod, node, shape, prefix, 0)
    return shape


def _object_keys(mod: Module, node: Node, shape: Shape, prefix: str, depth: int) -> None:
    for prop in node.named_children:
        if prop.type in ("shorthand_property_identifier", "shorthand_property_identifier_pattern"):
            shape.keys.setdefault(prefix + mod.text_of(prop), mod.line(prop))
        elif prop.type == "pair":
            key_node = prop.child_by_field_name("key")
            key = mod.text_of(key_node).strip("'\"")
            shape.keys.setdefault(prefix + key, mod.line(prop))
            value = prop.child_by_field_name("value")
            if value is not None and value.type == "object" and depth < 1:
                _object_keys(mod, value, shape, f"{prefix}{key}.", depth + 1)


def class_shape(mod: Module, cls: Node) -> Shape:
    name = mod.text_of(cls.child_by_field_name("name"))
    shape = Shape(mod, mod.line(cls), f"class {name}")
    body = cls.child_by_field_name("body")
    if body is None:
        return shape
    for member in body.named_children:
        if member.type in ("field_definition", "public_field_definition"):
            prop = member.child_by_field_name("property") or member.child_by_field_name("name")
            if prop is not None:
                shape.keys.setdefault(mod.text_of(prop), mod.line(member))
        elif member.type == "method_definition":
            mname = mod.text_of(member.child_by_field_name("name"))
            is_getter = any(c.type == "get" for c in member.children)
            if is_getter:
                shape.keys.setdefault(mname, mod.line(member))
            if mname == "constructor":
                for node in walk(member):
                    if node.type != "assignment_expression":
                        continue
                    left = node.child_by_field_name("left")
                    text = mod.text_of(left)
                    if not text.startswith("this.") or text.count(".") != 1:
                        continue
                    key = text[5:]
                    shape.keys.setdefault(key, mod.line(node))
                    right = node.child_by_field_name("right")
                    if right is not None and right.type == "object":
                        _object_keys(mod, right, shape, key + ".", 1)
    return shape


def interface_shape(mod: Module, node: Node, what: str) -> Shape:
    shape = Shape(mod, mod.line(node), what)
    body = node.child_by_field_name("body") or node
    _type_keys(mod, body, shape, "", 0)
    return shape


def _type_keys(mod: Module, body: Node, shape: Shape, prefix: str, depth: int) -> None:
    for member in body.named_children:
        if member.type != "property_signature":
            continue
        name = mod.text_of(member.child_by_field_name("name")).strip("'\"")
        shape.keys.setdefault(prefix + name, mod.line(member))
        annotation = member.child_by_field_name("type")
        inner = (
            next((c for c in walk(annotation) if c.type == "object_type"), None)
            if annotation is not None and depth < 1
            else None
        )
        if inner is not None:
            _type_keys(mod, inner, shape, f"{prefix}{name}.", depth + 1)


def module_shapes(mod: Module) -> list[Shape]:
    """Every candidate user shape a module defines."""
    out: list[Shape] = []
    for node in walk(mod.source.root):
        if node.type in ("class_declaration", "class"):
            if node.child_by_field_name("name") is not None:
                out.append(class_shape(mod, node))
        elif node.type == "interface_declaration":
            name = mod.text_of(node.child_by_field_name("name"))
            out.append(interface_shape(mod, node, f"interface {name}"))
        elif node.type == "type_alias_declaration":
            value = node.child_by_field_name("value")
            if value is not None and value.type == "object_type":
                name = mod.text_of(node.child_by_field_name("name"))
                out.append(interface_shape(mod, value, f"type {name}"))
        elif node.type == "new_expression":
            ctor = mod.text_of(node.child_by_field_name("constructor"))
            args = call_arguments(node)
            if ctor.split(".")[-1] == "Schema" and args and args[0].type == "object":
                out.append(mongoose_shape(mod, node, args[0]))
        elif node.type == "call_expression":
            callee = callee_name(mod.source, node)
            args = call_arguments(node)
            if callee.split(".")[-1] == "Schema" and args and args[0].type == "object":
                out.append(mongoose_shape(mod, node, args[0]))  # `mongoose.Schema({...})`
            elif callee.endswith(".define") and len(args) > 1 and args[1].type == "object":
                out.append(object_shape(mod, args[1], f"model {string_value(mod.source, args[0])}"))
            elif callee.endswith(".init") and args and args[0].type == "object":
                out.append(object_shape(mod, args[0], "Sequelize model"))
        elif node.type == "object" and node.named_child_count >= 2 and not _in_schema(mod, node):
            out.append(object_shape(mod, node, "user record"))
    return out


def mongoose_shape(mod: Module, schema: Node, definition: Node) -> Shape:
    """A Mongoose schema's paths: fields (`email: String`, `email: { type: String }`), nested
    paths (`profile: { name: String }`), and the `id` / `_id` every document has; named after
    the model compiled from it (`mongoose.model("User", userSchema)`) when there is one."""
    model = _model_name(mod, schema)
    shape = Shape(
        mod,
        mod.line(schema),
        f"Mongoose model {model}" if model else "Mongoose schema",
        nested_always=True,
    )
    _schema_paths(mod, definition, shape, "", 0)
    for key in ("id", "_id"):
        shape.keys.setdefault(key, mod.line(schema))
    return shape


def _schema_paths(mod: Module, node: Node, shape: Shape, prefix: str, depth: int) -> None:
    for prop in node.named_children:
        if prop.type != "pair":
            continue
        key = mod.text_of(prop.child_by_field_name("key")).strip("'\"")
        shape.keys.setdefault(prefix + key, mod.line(prop))
        value = prop.child_by_field_name("value")
        if value is None or value.type != "object" or depth >= 1:
            continue
        fields = {
            mod.text_of(p.child_by_field_name("key"))
            for p in value.named_children
            if p.type == "pair"
        }
        if "type" not in fields:  # `{ type: String, ... }` defines a field; else a nested path
            _schema_paths(mod, value, shape, f"{prefix}{key}.", depth + 1)


def _model_name(mod: Module, schema: Node) -> str | None:
    declarator = schema.parent
    if declarator is None or declarator.type != "variable_declarator":
        return None
    var = mod.text_of(declarator.child_by_field_name("name"))
    for node in walk(mod.source.root):
        if (
            node.type == "call_expression"
            and callee_name(mod.source, node).split(".")[-1] == "model"
        ):
            args = call_arguments(node)
            if len(args) > 1 and mod.text_of(args[1]) == var:
                return string_value(mod.source, args[0])
    return None


def _in_schema(mod: Module, node: Node) -> bool:
    """Whether an object literal is (part of) a Mongoose schema definition."""
    parent = node.parent
    while parent is not None:
        if parent.type in ("new_expression", "call_expression"):
            head = (
                mod.text_of(parent.child_by_field_name("constructor"))
                if parent.type == "new_expression"
                else callee_name(mod.source, parent)
            )
            if head.split(".")[-1] == "Schema":
                return True
        parent = parent.parent
    return False


def best(shapes: list[Shape]) -> Shape | None:
    with_email = [s for s in shapes if s.has_email()]
    if not with_email:
        return None
    return max(with_email, key=lambda s: (len(s.keys), -s.line))


def ts_global_user(index: JsIndex) -> Shape | None:
    """`declare global { namespace Express { interface User { ... } } }` (passport's req.user)."""
    return _augmented(index, ("Express",), "User")


_SESSION_MODULE = ("express-session", "'express-session'", '"express-session"')


def session_declares(index: JsIndex, key: str) -> bool:
    """Whether the project's `SessionData` augmentation declares `key` (`userId`)."""
    data = _augmented(index, _SESSION_MODULE, "SessionData")
    return data is not None and key in data.keys


def ts_session_data(index: JsIndex, key: str) -> Shape | None:
    """`declare module "express-session" { interface SessionData { user: {...} } }`."""
    data = _augmented(index, _SESSION_MODULE, "SessionData")
    if data is None:
        return None
    for mod in _ts_modules(index):
        for node in walk(mod.source.root):
            if node.type != "interface_declaration":
                continue
            if mod.text_of(node.child_by_field_name("name")) != "SessionData":
                continue
            for member in walk(node):
                if member.type != "property_signature":
                    continue
                if mod.text_of(member.child_by_field_name("name")) != key:
                    continue
                annotation = member.child_by_field_name("type")
                inner = (
                    next((c for c in walk(annotation) if c.type == "object_type"), None)
                    if (annotation is not None)
                    else None
                )
                if inner is not None:
                    return interface_shape(mod, inner, f"SessionData.{key}")
                named = (
                    next((c for c in walk(annotation) if c.type == "type_identifier"), None)
                    if annotation is not None
                    else None
                )
                if named is not None:
                    return named_type(index, mod.text_of(named))
    return None


def _ts_modules(index: JsIndex) -> list[Module]:
    out = [m for m in index.modules() if m.source.language != "javascript"]
    for path in index.declaration_files:
        mod = index.module(path)
        if mod is not None:
            out.append(mod)
    return out


def _augmented(index: JsIndex, namespaces: tuple[str, ...], interface: str) -> Shape | None:
    for mod in _ts_modules(index):
        if interface not in mod.text:
            continue
        for node in walk(mod.source.root):
            if node.type not in ("internal_module", "module", "ambient_declaration"):
                continue
            name = node.child_by_field_name("name")
            if name is None or mod.text_of(name) not in namespaces:
                continue
            for inner in walk(node):
                if inner.type != "interface_declaration":
                    continue
                if mod.text_of(inner.child_by_field_name("name")) != interface:
                    continue
                shape = interface_shape(
                    mod, inner, f"{mod.text_of(name).strip(chr(34) + chr(39))}.{interface}"
                )
                for heritage in walk(inner):
                    if heritage.type == "extends_type_clause":
                        for t in walk(heritage):
                            if t.type == "type_identifier":
                                parent = named_type(index, mod.text_of(t))
                                if parent is not None:
                                    for k, line in parent.keys.items():
                                        shape.keys.setdefault(k, line)
                                break
                return shape
    return None


def named_type(index: JsIndex, name: str) -> Shape | None:
    """An interface / type alias / class of that name anywhere in the package."""
    for mod in _ts_modules(index) + [m for m in index.modules() if name in m.text]:
        if name not in mod.text:
            continue
        for shape in module_shapes(mod):
            if shape.what.split(" ", 1)[-1] == name:
                return shape
    return None
