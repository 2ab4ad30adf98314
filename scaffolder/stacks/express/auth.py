"""Where an Express app's users sign in: passport (`req.user`, shaped by the strategy's verify
callback and `deserializeUser`), express-session (`req.session.user = {...}` at sign-in), and
firebase-admin (`verifySessionCookie` / `verifyIdToken`: the decoded token's claims).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

from tree_sitter import Node

from scaffolder.js.syntax import (
    FUNCTION_TYPES,
    call_arguments,
    callee_name,
    enclosing,
    string_value,
)
from scaffolder.model import Evidence, UserExpr, UserFields
from scaffolder.stacks.express import users
from scaffolder.stacks.express.index import JsIndex, Module, local_function, parameters
from scaffolder.stacks.express.projection import Projection, dropped_email
from scaffolder.stacks.express.users import Shape
from scaffolder.treesitter import walk

_SESSION_KEY = re.compile(r"user|account|member|profile|identity|auth", re.IGNORECASE)
_SESSION_ID = re.compile(r"(user|account|member|profile)_?id|uid", re.IGNORECASE)


@dataclass
class Firebase:
    verify: str  # verifySessionCookie / verifyIdToken
    source: str  # cookie / bearer
    cookie: str | None
    check_revoked: bool

    @property
    def credential(self) -> str:
        return "sessionCookie" if self.verify == "verifySessionCookie" else "idToken"


@dataclass
class AuthFacts:
    library: str
    accessor: str  # the expression the generated code reads the user from
    fields: UserFields
    evidence: list[Evidence] = field(default_factory=list)
    firebase: Firebase | None = None
    # A declaration types the user's fields (`Express.User`, `SessionData` augmentations):
    # type-checked code (TypeScript, checked JavaScript) can read them as they are.
    typed: bool = True
    # passport without sessions: the strategy that sets req.user per request
    # (`passport.authenticate("jwt", { session: false })`); None where a session does.
    strategy: str | None = None
    # passport: a projection on the deserialize path that leaves the email out of req.user.
    projection: Projection | None = None


def sign_ins(index: JsIndex) -> list[AuthFacts]:
    """Every sign-in mechanism the package uses."""
    return [x for x in (passport(index), express_session(index), firebase(index)) if x]


def top_layers(found: list[AuthFacts]) -> list[AuthFacts]:
    """The real candidates among them: passport keeps its users in express-session, so the
    session counts as a rival only where the app stores a user with an email in it itself
    (`req.session.user = {...}`), not for the ids and flags it keeps there."""
    if not any(x.library == "passport" for x in found):
        return found
    return [x for x in found if x.library != "express-session" or x.fields.email is not None]


# -- passport ---------------------------------------------------------------------------------


def passport(index: JsIndex) -> AuthFacts | None:
    evidence: list[Evidence] = []
    deserializers: list[tuple[Module, Node]] = []
    serializers: list[tuple[Module, Node]] = []
    sessions = False
    stateless: list[str] = []
    for mod in _passport_modules(index):
        names = index.names_for(mod, "passport")
        for node in walk(mod.source.root):
            if node.type != "call_expression":
                continue
            callee = callee_name(mod.source, node)
            head, _, method = callee.partition(".")
            if head not in names:
                continue
            if method == "use":
                evidence.append(Evidence(mod.path, mod.line(node), "passport strategy registered"))
            elif method == "deserializeUser":
                evidence.append(Evidence(mod.path, mod.line(node), "deserializeUser sets req.user"))
                deserializers.append((mod, node))
            elif method == "serializeUser":
                serializers.append((mod, node))
            elif method == "session":
                sessions = True
            elif method == "authenticate":
                args = call_arguments(node)
                name = string_value(mod.source, args[0]) if args else None
                if (
                    name
                    and len(args) > 1
                    and re.search(r"\bsession\s*:\s*false\b", mod.text_of(args[1]))
                ):
                    stateless.append(name)
    if not evidence:
        return None
    declared = users.ts_global_user(index)
    shape = declared
    if shape is not None:
        evidence.append(
            Evidence(shape.module.path, shape.line, f"req.user is typed by {shape.what}")
        )
    for mod, call in deserializers:
        if shape is not None and shape.has_email():
            break
        found = _deserialized(index, mod, call, serializers)
        if found is not None:
            shape = found
            evidence.append(Evidence(found.module.path, found.line, f"user object: {found.what}"))
    if shape is None or not shape.has_email():
        shape = _fallback_model(index) or shape
        if shape is not None:
            evidence.append(Evidence(shape.module.path, shape.line, f"user model: {shape.what}"))
    strategy = stateless[0] if stateless and not sessions and not deserializers else None
    key = shape.email_key() if shape is not None else None
    projection = _projection(index, deserializers, key) if key else None
    if projection is not None:
        evidence.append(
            Evidence(projection.path, projection.line, f"projection leaves `{key}` out")
        )
    # A Mongoose `.lean()` query hands deserializeUser a plain object: `_id`, no `id` getter.
    lean = (
        shape is not None
        and shape.what.startswith("Mongoose")
        and any(".lean(" in mod.text_of(call) for mod, call in deserializers)
    )
    return AuthFacts(
        "passport",
        "req.user",
        users.pick(shape, lean=lean),
        evidence,
        typed=declared is not None and shape is declared,
        strategy=strategy,
        projection=projection,
    )


def _projection(
    index: JsIndex, deserializers: list[tuple[Module, Node]], key: str
) -> Projection | None:
    """A projection leaving the email out on one of the deserialize paths."""
    for path in dict.fromkeys(mod.path for mod, _ in deserializers):
        mod = index.module(path)
        found = dropped_email(index, mod, index.names_for(mod, "passport"), key) if mod else None
        if found is not None:
            return found
    return None


def _passport_modules(index: JsIndex) -> list[Module]:
    """The modules that use passport: importing it, or handed it by a module that does."""
    out = [m for m in index.modules(containing="passport") if m.local_for("passport")]
    received = [index.module(p) for p in index.received("passport")]
    out += [m for m in received if m is not None and m not in out]
    return out


def _callback(call: Node) -> Node | None:
    args = call_arguments(call)
    return args[0] if args and args[0].type in FUNCTION_TYPES else None


def _done_values(mod: Module, fn: Node, done: str) -> list[Node]:
    """X of every `done(null, X)` in the callback (`done` is its last parameter)."""
    out = []
    for node in walk(fn):
        if node.type == "call_expression" and callee_name(mod.source, node) == done:
            args = call_arguments(node)
            if len(args) >= 2:
                out.append(args[1])
    return out


def _deserialized(
    index: JsIndex, mod: Module, call: Node, serializers: list[tuple[Module, Node]]
) -> Shape | None:
    fn = _callback(call)
    if fn is None:
        # passport.deserializeUser(User.deserializeUser()) (passport-local-mongoose) or a
        # function defined elsewhere: the model module decides.
        args = call_arguments(call)
        return _shape_of_call_target(index, mod, args[0]) if args else None
    params = parameters(mod, fn)
    if len(params) < 2:
        return None
    for value in _done_values(mod, fn, params[-1]):
        if value.type == "identifier" and mod.text_of(value) == params[0]:
            # The session holds the whole user: its shape is what serializeUser stores.
            for smod, scall in serializers:
                sfn = _callback(scall)
                if sfn is None or not parameters(smod, sfn):
                    continue
                for stored in _done_values(smod, sfn, parameters(smod, sfn)[-1]):
                    shape = _shape_of(index, smod, stored, sfn)
                    if shape is not None:
                        return shape
            continue
        shape = _shape_of(index, mod, value, fn)
        if shape is not None and shape.has_email():
            return shape
    # done passed along: `User.findById(id, done)` / `.then(done)`
    for node in walk(fn):
        if node.type == "call_expression" and node.id != call.id:
            target = _shape_of_call_target(index, mod, node)
            if target is not None and target.has_email():
                return target
    return None


def _shape_of(
    index: JsIndex, mod: Module, value: Node, scope: Node, depth: int = 0
) -> Shape | None:
    """The shape of the object an expression evaluates to."""
    if depth > 5:
        return None
    if value.type == "object":
        return users.object_shape(mod, value, "object stored as the user")
    if value.type in (
        "await_expression",
        "parenthesized_expression",
        "as_expression",
        "non_null_expression",
        "satisfies_expression",
    ):
        inner = value.named_children[0] if value.named_children else None
        return _shape_of(index, mod, inner, scope, depth + 1) if inner is not None else None
    if value.type == "ternary_expression":
        branch = value.child_by_field_name("consequence")
        return _shape_of(index, mod, branch, scope, depth + 1) if branch is not None else None
    if value.type == "binary_expression":
        left = value.child_by_field_name("left")
        return _shape_of(index, mod, left, scope, depth + 1) if left is not None else None
    if value.type == "identifier":
        name = mod.text_of(value)
        for node in walk(scope):
            if (
                node.type == "variable_declarator"
                and mod.text_of(node.child_by_field_name("name")) == name
            ):
                init = node.child_by_field_name("value")
                if init is not None:
                    return _shape_of(index, mod, init, scope, depth + 1)
        # a parameter of `.then((user) => ...)`: the promise's source call
        owner = enclosing(value, *FUNCTION_TYPES)
        while owner is not None and owner.id != scope.id:
            if name in parameters(mod, owner):
                call = owner.parent.parent if owner.parent is not None else None
                if call is not None and call.type == "call_expression":
                    return _shape_of_call_target(index, mod, call)
            owner = enclosing(owner, *FUNCTION_TYPES)
        return None
    if value.type == "call_expression":
        return _shape_of_call_target(index, mod, value)
    return None


def _shape_of_call_target(index: JsIndex, mod: Module, node: Node) -> Shape | None:
    """`users.findById(id)`, `toUser(account)`, `User.findById(id).then(...)`: the shapes of the
    module (or function) the call reaches."""
    if node.type != "call_expression":
        return None
    callee = callee_name(mod.source, node)
    while callee.endswith((".then", ".exec", ".lean", ".catch")):
        fn = node.child_by_field_name("function")
        obj = fn.child_by_field_name("object") if fn is not None else None
        if obj is None or obj.type != "call_expression":
            break
        node = obj
        callee = callee_name(mod.source, node)
    head = callee.split(".")[0]
    local = local_function(mod, head)
    if local is not None:
        ret = _returned_shape(index, mod, local)
        if ret is not None:
            return ret
    spec = mod.bindings.get(head)
    if spec is None:
        return users.best(users.module_shapes(mod)) if local is not None else None
    target = index.resolve(mod, spec.split("#")[0])
    if target is None:
        return None
    if "#" in spec:
        fn = local_function(target, spec.split("#")[1])
        if fn is not None:
            ret = _returned_shape(index, target, fn)
            if ret is not None:
                return ret
    return users.best(users.module_shapes(target))


def _returned_shape(index: JsIndex, mod: Module, fn: Node) -> Shape | None:
    ret_type = fn.child_by_field_name("return_type")
    if ret_type is not None:
        name = mod.text_of(ret_type).lstrip(":").strip()
        if name == "Express.User":
            found = users.ts_global_user(index)
            if found is not None:
                return found
        named = users.named_type(index, name.split("<")[0].split("|")[0].strip())
        if named is not None and named.has_email():
            return named
    body = fn.child_by_field_name("body")
    if body is not None and body.type == "object":
        return users.object_shape(mod, body, "object returned as the user")
    for node in walk(body) if body is not None else []:
        if node.type == "return_statement" and node.named_children:
            shape = _shape_of(index, mod, node.named_children[0], fn, 1)
            if shape is not None and shape.has_email():
                return shape
    return None


_MODEL_NAME = re.compile(r"^(User|Users|Account|Accounts|Member|Person|Customer|Profile)$")


def _fallback_model(index: JsIndex) -> Shape | None:
    shapes = []
    for mod in index.modules():
        for shape in users.module_shapes(mod):
            name = shape.what.rsplit(" ", 1)[-1]
            if _MODEL_NAME.match(name) or re.search(
                r"(^|/)(users?|accounts?)([._-]model)?\.[cm]?[jt]s$", mod.path, re.I
            ):
                shapes.append(shape)
    return users.best(shapes) or users.best(_stored_users(index))


_USER_STORE = re.compile(r"^(users|accounts|members)$", re.IGNORECASE)


def _stored_users(index: JsIndex) -> list[Shape]:
    """The records an in-memory user store keeps: `users.push({ id, name, email, ... })`."""
    out = []
    for mod in index.modules(containing=".push("):
        for node in walk(mod.source.root):
            if node.type != "call_expression":
                continue
            head, _, method = callee_name(mod.source, node).rpartition(".")
            args = call_arguments(node)
            if method == "push" and _USER_STORE.match(head) and args and args[0].type == "object":
                out.append(users.object_shape(mod, args[0], f"record stored in `{head}`"))
    return out


# -- express-session --------------------------------------------------------------------------


def express_session(index: JsIndex) -> AuthFacts | None:
    found: list[tuple[Module, Node, str, Node]] = []
    for mod in index.modules(containing=".session."):
        for node in walk(mod.source.root):
            if node.type != "assignment_expression":
                continue
            left = node.child_by_field_name("left")
            right = node.child_by_field_name("right")
            if left is None or right is None or left.type != "member_expression":
                continue
            obj = left.child_by_field_name("object")
            key = mod.text_of(left.child_by_field_name("property"))
            if obj is None or not mod.text_of(obj).endswith(".session"):
                continue
            if (
                key == "passport"
                or not _SESSION_KEY.search(key)
                or right.type in ("null", "undefined")
            ):
                continue
            found.append((mod, node, key, right))
    if not found:
        return None
    # The key holding an object wins over one holding an id.
    found.sort(key=lambda f: (f[3].type != "object", f[0].path))
    mod, node, key, right = found[0]
    evidence = [Evidence(mod.path, mod.line(node), f"req.session.{key} set at sign-in")]
    scope = enclosing(node, *FUNCTION_TYPES) or mod.source.root
    declared = users.ts_session_data(index, key)
    shape = declared or _shape_of(index, mod, right, scope)
    if shape is not None:
        evidence.append(Evidence(shape.module.path, shape.line, f"session user: {shape.what}"))
    fields = users.pick(shape)
    if fields.user_id is None:  # the id kept beside the user: `req.session.userId = user.id`
        kept = next(((m, n, k) for m, n, k, _ in found if _SESSION_ID.fullmatch(k)), None)
        if kept is not None:
            where, assigned, name = kept
            why = f"req.session.{name} set at sign-in"
            at = UserExpr(f"req.session.{name}", where.path, where.line(assigned), why)
            fields = dataclasses.replace(fields, user_id=at)
    return AuthFacts(
        "express-session",
        f"req.session.{key}",
        fields,
        evidence,
        typed=declared is not None,
    )


# -- firebase-admin ---------------------------------------------------------------------------


def firebase(index: JsIndex) -> AuthFacts | None:
    calls: list[tuple[Module, Node, str]] = []
    for mod in index.modules(containing="verify"):
        for node in walk(mod.source.root):
            if node.type != "call_expression":
                continue
            method = callee_name(mod.source, node).rsplit(".", 1)[-1]
            if method in ("verifySessionCookie", "verifyIdToken"):
                calls.append((mod, node, method))
    if not calls:
        return None
    calls.sort(key=lambda c: c[2] != "verifySessionCookie")
    mod, call, method = calls[0]
    args = call_arguments(call)
    check = len(args) > 1 and mod.text_of(args[1]) == "true"
    cookie = _cookie_name(mod, args[0]) if args else None
    source = "cookie" if cookie else "bearer"
    if cookie is None and method == "verifySessionCookie":
        cookie = _set_cookie_name(index) or "session"
        source = "cookie"
    line = mod.line(call)
    evidence = [Evidence(mod.path, line, f"firebase-admin {method}()")]
    fields = UserFields(
        UserExpr(
            "user.email", mod.path, line, "the verified token's email claim (no anonymous users)"
        ),
        UserExpr("user.name", mod.path, line, "the verified token's name claim"),
        UserExpr("user.uid", mod.path, line, "the verified token's uid"),
        "high",
    )
    return AuthFacts("firebase", "user", fields, evidence, Firebase(method, source, cookie, check))


def _cookie_name(mod: Module, node: Node, depth: int = 0) -> str | None:
    """The cookie an expression reads: `req.cookies.session`, `req.cookies[NAME]`, or a
    variable initialised from one."""
    if depth > 4:
        return None
    for sub in walk(node):
        if sub.type == "member_expression":
            obj = sub.child_by_field_name("object")
            if obj is not None and mod.text_of(obj).endswith(".cookies"):
                return mod.text_of(sub.child_by_field_name("property"))
        elif sub.type == "subscript_expression":
            obj = sub.child_by_field_name("object")
            if obj is not None and mod.text_of(obj).endswith(".cookies"):
                return _string(mod, sub.child_by_field_name("index"))
        elif sub.type == "identifier":
            name = mod.text_of(sub)
            for decl in walk(mod.source.root):
                if (
                    decl.type == "variable_declarator"
                    and mod.text_of(decl.child_by_field_name("name")) == name
                    and decl.start_byte < sub.start_byte
                ):
                    value = decl.child_by_field_name("value")
                    if value is not None:
                        found = _cookie_name(mod, value, depth + 1)
                        if found:
                            return found
    return None


def _string(mod: Module, node: Node | None) -> str | None:
    """A string literal, or an identifier bound to one (in this module or the one it is
    imported from)."""
    if node is None:
        return None
    literal = string_value(mod.source, node)
    if literal is not None or node.type != "identifier":
        return literal
    name = mod.text_of(node)
    for decl in walk(mod.source.root):
        if (
            decl.type == "variable_declarator"
            and mod.text_of(decl.child_by_field_name("name")) == name
        ):
            return string_value(mod.source, decl.child_by_field_name("value"))
    return None


def _set_cookie_name(index: JsIndex) -> str | None:
    """The name of the cookie the app sets with the created session cookie."""
    for mod in index.modules(containing="createSessionCookie"):
        for node in walk(mod.source.root):
            if node.type == "call_expression" and callee_name(mod.source, node).endswith(".cookie"):
                args = call_arguments(node)
                name = _string(mod, args[0]) if args else None
                if name is None and args and args[0].type == "identifier":
                    spec = mod.bindings.get(mod.text_of(args[0]), "")
                    target = (
                        index.resolve(mod, spec.split("#")[0]) if spec.startswith(".") else None
                    )
                    if target is not None and "#" in spec:
                        for decl in walk(target.source.root):
                            if (
                                decl.type == "variable_declarator"
                                and target.text_of(decl.child_by_field_name("name"))
                                == spec.split("#")[1]
                            ):
                                name = string_value(
                                    target.source, decl.child_by_field_name("value")
                                )
                if name:
                    return name
    return None
