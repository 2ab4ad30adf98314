"""The shape of the signed-in user object in JS / TS code, and its email / name / id fields.

A shape is the set of property paths (`email`, `profile.name`) of an object literal, a class
(constructor assignments, fields, getters), a TypeScript interface / type literal, or a
Mongoose / Sequelize schema. Names are picked like the Python stacks pick model attributes.
"""

from __future__ import annotations

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
HANDLE_KEYS = ("username", "nickname", "login", "handle")
ID_KEYS = ("id", "_id", "uid", "userId", "user_id", "uuid")


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
        """A top-level email field; else one in a nested path, passport-local's `local`
        group first (`local.email`), then the first defined."""
        top = next((k for k in EMAIL_KEYS if k in self.keys), None)
        if top is not None:
            return top
        nested = self.nested(EMAIL_KEYS, person_only=False)
        return nested[0] if nested else None

    def nested(self, leaves: tuple[str, ...], *, person_only: bool = True) -> list[str]:
        """`group.leaf` paths: the person's groups first, then (unless `person_only`) any
        other, each by line."""
        order = PERSON_GROUPS
        found = [k for k in self.keys if k.count(".") == 1 and k.split(".")[1] in leaves]
        if person_only:
            found = [k for k in found if k.split(".")[0] in order]
        return sorted(
            found,
            key=lambda k: (
                order.index(k.split(".")[0]) if k.split(".")[0] in order else len(order),
                self.keys[k],
            ),
        )


def pick(shape: Shape | None, var: str = "user") -> UserFields:
    """email / name / id expressions reading the user through `var`."""
    if shape is None:
        return UserFields(None, None, None, "low")

    def expr(key: str, why: str) -> UserExpr:
        head, _, rest = key.partition(".")
        dot = "." if shape.nested_always else "?."
        text = f"{var}.{head}" + (f"{dot}{rest}" if rest else "")
        return UserExpr(text, shape.module.path, shape.keys[key], why)

    email = name = user_id = None
    confidence: Confidence = "high"
    email_key = shape.email_key()
    if email_key is not None:
        email = expr(email_key, f"{shape.what}: `{email_key}`")
        confidence = "high" if email_key == "email" else "medium"
    for key in (*NAME_KEYS, *shape.nested(NAME_KEYS)):
        if key in shape.keys:
            name = expr(key, f"{shape.what}: `{key}`")
            break
    if name is None:
        first = next((k for k in ("firstName", "first_name", "givenName") if k in shape.keys), None)
        last = next((k for k in ("lastName", "last_name", "familyName") if k in shape.keys), None)
        if first and last:
            name = UserExpr(
                f'[{var}.{first}, {var}.{last}].filter(Boolean).join(" ")',
                shape.module.path,
                shape.keys[first],
                f"{shape.what}: first and last name",
            )
    if name is None:
        for key in HANDLE_KEYS:
            if key in shape.keys:
                name = expr(key, f"{shape.what}: `{key}`")
                break
    for key in ID_KEYS:
        if key in shape.keys:
            user_id = expr(key, f"{shape.what}: `{key}`")
            break
    return UserFields(email, name, user_id, confidence)


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


def ts_session_data(index: JsIndex, key: str) -> Shape | None:
    """`declare module "express-session" { interface SessionData { user: {...} } }`."""
    data = _augmented(
        index, ("express-session", "'express-session'", '"express-session"'), "SessionData"
    )
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
