"""What a Python value is, for the checker's rules: an environment read (and its default), a
literal, a claims dict, an email that is (not) lowercased, a token lifetime, client input, an
auth provider's own token. Each follows the value through the project with `Index.values`;
what cannot be told is left out (never a guess)."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from scaffolder.check.python.index import (
    At,
    Ctx,
    Func,
    Index,
    Module,
    const_str,
    default_of,
    name_of,
    own_nodes,
    params,
)

# Methods that hand the value on unchanged for the question asked (a key, an email).
KEY_THROUGH = frozenset({"encode", "decode", "strip", "rstrip", "lstrip", "get_secret_value"})
TEXT_THROUGH = frozenset({"strip", "rstrip", "lstrip", "removeprefix", "removesuffix", "replace"})
LOWER = frozenset({"lower", "casefold"})
ENV_GETTERS = frozenset({"os.environ.get", "os.getenv", "os.environ.setdefault", "decouple.config"})
ENV_OBJECTS = frozenset(
    {
        "environ.Env",
        "environs.Env",
        "starlette.config.Config",
        "decouple.AutoConfig",
        "decouple.Config",
    }
)
NOW = re.compile(
    r"(^|\.)(datetime\.(now|utcnow|today)|time\.time|timezone\.now|arrow\.utcnow|pendulum\.now)$"
)
TIMESTAMP_WRAPPERS = frozenset({"int", "float", "round", "floor", "ceil", "timegm", "mktime"})
TIMEDELTA_UNITS = {
    "weeks": 604800.0,
    "days": 86400.0,
    "hours": 3600.0,
    "minutes": 60.0,
    "seconds": 1.0,
    "milliseconds": 0.001,
    "microseconds": 0.000001,
}
TIMEDELTA_POSITIONAL = (
    "days",
    "seconds",
    "microseconds",
    "milliseconds",
    "minutes",
    "hours",
    "weeks",
)
# Request data the client controls: Flask / Django / DRF / Starlette.
CLIENT_ATTRS = frozenset(
    {"args", "form", "values", "json", "data", "headers", "cookies", "files", "GET", "POST"}
    | {"COOKIES", "META", "body", "query_params", "path_params", "REQUEST"}
)
CLIENT_CALLS = frozenset({"get_json", "json", "form", "body"})
CLIENT_PARAMS = frozenset({"Query", "Body", "Form", "Header", "Cookie", "Path"})
ROUTE_ATTRS = frozenset({"route", "get", "post", "put", "patch", "delete", "api_route"})
PROVIDER = re.compile(
    r"(?i)^(access|id|auth|refresh|bearer|session|provider|firebase|supabase|clerk|auth0)"
    r"_?token$|^sb_.*token$|^authorization$|^credentials$"
)
BEARER_SCHEMES = frozenset({"OAuth2PasswordBearer", "OAuth2AuthorizationCodeBearer", "HTTPBearer"})


@dataclass(frozen=True)
class EnvRead:
    name: str | None
    default: ast.expr | None
    at: At

    @property
    def has_default(self) -> bool:
        value = self.default
        if value is None:
            return False
        return not (isinstance(value, ast.Constant) and value.value in (None, "", b"", ...))


@dataclass
class Claims:
    """The claims a token is signed with: from the dict that starts them, plus the keys set on
    it afterwards; `complete` unless a part could not be followed (`**other`)."""

    origin: At
    entries: dict[str, list[At]] = field(default_factory=dict)
    complete: bool = True


@dataclass
class Values:
    index: Index

    # -- chains of transparent calls ----------------------------------------------------------

    def leaves(self, at: At, through: frozenset[str], depth: int = 0) -> list[At]:
        """`Index.values`, also through `x.strip()` (methods in `through`) and `str(x)`."""
        found: list[At] = []
        for leaf in self.index.values(at):
            inner = _through(leaf.node, through)
            if inner is not None and depth < 8:
                found += self.leaves(At(inner, leaf.ctx, leaf.fallback), through, depth + 1)
            else:
                found.append(leaf)
        return found

    # -- keys ---------------------------------------------------------------------------------

    def env_read(self, leaf: At) -> EnvRead | None:
        node, mod = leaf.node, leaf.ctx.mod
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            return EnvRead(node.target.id, _field_default(node.value), leaf)  # pydantic-settings
        if isinstance(node, ast.Subscript) and mod.qualified(node.value) == "os.environ":
            return EnvRead(const_str(node.slice), None, leaf)
        if not isinstance(node, ast.Call):
            return None
        name = const_str(node.args[0]) if node.args else None
        default = _keyword(node, "default")
        qualified = mod.qualified(node.func)
        if qualified in ENV_GETTERS:
            if default is None and len(node.args) > 1 and qualified != "decouple.config":
                default = node.args[1]
            return EnvRead(name, default, leaf)
        receiver = node.func.value if isinstance(node.func, ast.Attribute) else node.func
        for source in self.index.values(At(receiver, leaf.ctx)):
            if isinstance(source.node, ast.Call):
                made = source.ctx.mod.qualified(source.node.func)
                if made in ENV_OBJECTS:
                    return EnvRead(name, default, leaf)
        return None

    @staticmethod
    def literal(leaf: At) -> bool:
        value = leaf.node.value if isinstance(leaf.node, ast.Constant) else None
        return isinstance(value, (str, bytes)) and len(value) > 0

    # -- claims -------------------------------------------------------------------------------

    def claims(self, at: At) -> list[Claims]:
        return self._claims(at, [], 0)

    def _claims(self, at: At, later: list[tuple[str | None, At]], depth: int) -> list[Claims]:
        node = at.node
        if depth > 16:
            return []
        if isinstance(node, ast.Dict) or _is_dict_call(node):
            found = self._literal(at, depth)
            for key, value in later:
                if key is None:
                    found.complete = False
                else:
                    found.entries.setdefault(key, []).append(value)
            return [found]
        copied = isinstance(node, ast.Call) and name_of(node) == "copy" and not node.args
        if copied and isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            return self._claims(At(node.func.value, at.ctx), later, depth + 1)
        if isinstance(node, ast.Name):
            later = later + self._mutations(node.id, at.ctx)
        return [c for hop in self.index.step(at) or [] for c in self._claims(hop, later, depth + 1)]

    def _literal(self, at: At, depth: int) -> Claims:
        node = at.node
        found = Claims(at)
        pairs: list[tuple[ast.expr | None, ast.expr]] = []
        if isinstance(node, ast.Dict):
            pairs = list(zip(node.keys, node.values, strict=True))
        elif isinstance(node, ast.Call):
            pairs = [(None, a) for a in node.args]
            pairs += [(ast.Constant(kw.arg) if kw.arg else None, kw.value) for kw in node.keywords]
        for key, value in pairs:
            if key is None:  # `**other` / `dict(other)`
                inner = self._claims(At(value, at.ctx), [], depth + 1)
                if not inner:
                    found.complete = False
                for part in inner:
                    found.complete &= part.complete
                    for k, v in part.entries.items():
                        found.entries.setdefault(k, []).extend(v)
            else:
                name = const_str(key)
                if name is None:
                    found.complete = False
                else:
                    found.entries.setdefault(name, []).append(At(value, at.ctx))
        return found

    def _mutations(self, name: str, ctx: Ctx) -> list[tuple[str | None, At]]:
        """`claims["exp"] = ...`, `claims.update(...)`, `claims.setdefault(...)` in the scope."""
        nodes = own_nodes(ctx.func) if ctx.func is not None else ast.walk(ctx.mod.tree)
        found: list[tuple[str | None, At]] = []
        for node in nodes:
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Subscript) and _is_name(target.value, name):
                        found.append((const_str(target.slice), At(node.value, ctx)))
            elif isinstance(node, ast.AugAssign) and _is_name(node.target, name):
                found += self._update([node.value], [], ctx)
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and _is_name(node.func.value, name)
            ):
                if node.func.attr == "update":
                    found += self._update(node.args, node.keywords, ctx)
                elif node.func.attr == "setdefault" and len(node.args) == 2:
                    found.append((const_str(node.args[0]), At(node.args[1], ctx)))
        return found

    def _update(
        self, args: list[ast.expr], keywords: list[ast.keyword], ctx: Ctx
    ) -> list[tuple[str | None, At]]:
        found: list[tuple[str | None, At]] = [(kw.arg, At(kw.value, ctx)) for kw in keywords]
        for arg in args:
            parts = self._claims(At(arg, ctx), [], 0)
            if not parts or not all(p.complete for p in parts):
                found.append((None, At(arg, ctx)))
            for part in parts:
                found += [(k, v) for k, vs in part.entries.items() for v in vs]
        return found

    # -- emails -------------------------------------------------------------------------------

    def not_lowered(self, at: At, depth: int = 0) -> list[At]:
        """The ways the value reaches the claim without passing through lower()."""
        found: list[At] = []
        for leaf in self.leaves(at, TEXT_THROUGH):
            node = leaf.node
            if isinstance(node, ast.Call) and name_of(node.func) in LOWER:
                continue
            if isinstance(node, ast.Constant):
                if isinstance(node.value, str) and node.value != node.value.lower():
                    found.append(leaf)
            elif isinstance(node, (ast.BinOp, ast.JoinedStr)) and depth < 6:
                parts = [node.left, node.right] if isinstance(node, ast.BinOp) else node.values
                for part in parts:
                    inner = part.value if isinstance(part, ast.FormattedValue) else part
                    found += self.not_lowered(At(inner, leaf.ctx), depth + 1)
            elif isinstance(node, (ast.Attribute, ast.Subscript)) or _is_get(node):
                found.append(leaf)  # read as it is stored
        return found

    def client_inputs(self, at: At, depth: int = 0) -> list[At]:
        """Where the value is read from the request the client sent."""
        found: list[At] = []
        for leaf in self.leaves(at, TEXT_THROUGH | LOWER):
            node, ctx = leaf.node, leaf.ctx
            if self._is_request_data(node, ctx):
                found.append(leaf)
            elif depth >= 8:
                continue
            elif isinstance(node, ast.Subscript) or _is_get(node):
                base = _container(node)
                found += [leaf] if self.client_inputs(At(base, ctx), depth + 1) else []
            elif isinstance(node, ast.Attribute):
                found += [leaf] if self.client_inputs(At(node.value, ctx), depth + 1) else []
            elif (
                isinstance(node, ast.Call) and name_of(node.func) in ("loads", "str") and node.args
            ):
                found += [leaf] if self.client_inputs(At(node.args[0], ctx), depth + 1) else []
            elif isinstance(node, ast.Name) and self.client_param(node.id, ctx):
                found.append(leaf)
        return found

    def _is_request_data(self, node: ast.AST, ctx: Ctx) -> bool:
        if isinstance(node, ast.Attribute) and node.attr in CLIENT_ATTRS:
            return self._is_request(node.value, ctx)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            return node.func.attr in CLIENT_CALLS and self._is_request(node.func.value, ctx)
        return False

    @staticmethod
    def _is_request(node: ast.AST, ctx: Ctx) -> bool:
        if isinstance(node, ast.Attribute):  # self.request in class-based views
            return node.attr == "request" and name_of(node.value) == "self"
        if not isinstance(node, ast.Name):
            return False
        qualified = ctx.mod.qualified(node)
        if qualified in ("flask.request", "quart.request"):
            return True
        return (
            node.id in ("request", "req") and ctx.func is not None and node.id in params(ctx.func)
        )

    def client_param(self, name: str, ctx: Ctx) -> bool:
        """A parameter the framework fills from the request: FastAPI query / body / header
        parameters, Flask's URL variables."""
        func = ctx.func
        if func is None or name not in params(func) or name in ("self", "request"):
            return False
        route = route_decorator(func)
        if route is None:
            return False
        path = const_str(route.args[0]) if route.args else None
        if path is not None and re.search(r"<(?:\w+:)?" + re.escape(name) + ">", path):
            return True  # Flask's URL variable
        if name_of(route.func) == "route":
            return False
        default = default_of(func, name)
        annotation = params(func)[name].annotation
        calls = [n for n in (default, annotation) if n is not None]
        names = {
            name_of(c.func) for part in calls for c in ast.walk(part) if isinstance(c, ast.Call)
        }
        if names & CLIENT_PARAMS:
            return True
        if names & {"Depends", "Security"}:
            return False
        text = ast.unparse(annotation) if annotation is not None else "str"
        return bool(re.fullmatch(r"(Optional\[)?(str|EmailStr)\]?( \| None)?", text)) or (
            self._body_model(ctx.mod, annotation)
        )

    def _body_model(self, mod: Module, annotation: ast.expr | None) -> bool:
        if not isinstance(annotation, ast.Name):
            return False
        for cls_mod in [mod, *self.index.modules]:
            cls = cls_mod.classes.get(annotation.id)
            if cls is not None:
                return any(name_of(b) in ("BaseModel", "Schema") for b in cls.bases)
        return False

    # -- token lifetimes ----------------------------------------------------------------------

    def lifetimes(self, at: At, depth: int = 0) -> list[tuple[float, At]]:
        """An `exp` value's lifetime from now, in seconds, with where it is written."""
        found: list[tuple[float, At]] = []
        for leaf in self.index.values(at):
            node = leaf.node
            inner = _timestamp_of(node)
            if inner is not None and depth < 6:
                found += self.lifetimes(At(inner, leaf.ctx), depth + 1)
            elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
                for now, length in ((node.left, node.right), (node.right, node.left)):
                    if self.is_now(At(now, leaf.ctx)):
                        found += self.seconds(At(length, leaf.ctx))
        return found

    def is_now(self, at: At, depth: int = 0) -> bool:
        for leaf in self.index.values(at):
            node = leaf.node
            if isinstance(node, ast.Call):
                inner = _timestamp_of(node)
                if inner is not None and depth < 6:
                    if self.is_now(At(inner, leaf.ctx), depth + 1):
                        return True
                elif NOW.search(leaf.ctx.mod.qualified(node.func) or ""):
                    return True
        return False

    def seconds(self, at: At, depth: int = 0) -> list[tuple[float, At]]:
        """A duration's length in seconds (a timedelta or a number), for each value it takes."""
        found: list[tuple[float, At]] = []
        for leaf in self.index.values(at):
            value = self._number(leaf, depth)
            if value is not None:
                found.append((value, leaf))
        return found

    def _number(self, leaf: At, depth: int) -> float | None:
        node = leaf.node
        if depth > 8:
            return None
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return None if isinstance(node.value, bool) else float(node.value)
        if isinstance(node, ast.Call) and name_of(node.func) == "timedelta":
            total = 0.0
            named = [(kw.arg, kw.value) for kw in node.keywords]
            for unit, value in [*zip(TIMEDELTA_POSITIONAL, node.args, strict=False), *named]:
                amount = self._one(At(value, leaf.ctx), depth)
                if unit not in TIMEDELTA_UNITS or amount is None:
                    return None
                total += amount * TIMEDELTA_UNITS[unit]
            return total
        if isinstance(node, ast.BinOp):
            left = self._one(At(node.left, leaf.ctx), depth)
            right = self._one(At(node.right, leaf.ctx), depth)
            if left is None or right is None:
                return None
            return _arithmetic(node.op, left, right)
        return None

    def _one(self, at: At, depth: int) -> float | None:
        values = [v for v, _ in self.seconds(at, depth + 1)]
        return max(values) if values and len(values) == len(self.index.values(at)) else None

    # -- provider tokens ----------------------------------------------------------------------

    def provider_tokens(self, at: At) -> list[At]:
        """Where the value is the auth provider's own token, or the app's session token."""
        found: list[At] = []
        for leaf in self.leaves(at, TEXT_THROUGH | {"split", "partition"}):
            node = leaf.node
            slice_ = node.slice if isinstance(node, ast.Subscript) else None
            if isinstance(slice_, ast.Constant) and isinstance(slice_.value, int):
                # `header.split(" ")[1]`
                assert isinstance(node, ast.Subscript)
                found += [leaf] if self.provider_tokens(At(node.value, leaf.ctx)) else []
                continue
            key = _key_of(node)
            if key is not None and PROVIDER.search(key.replace("-", "_")):
                found.append(leaf)
            elif isinstance(node, ast.Attribute) and node.attr == "auth":
                found += [leaf] if name_of(node.value) == "request" else []
            elif isinstance(node, ast.Name) and leaf.ctx.func is not None:
                named = node.id in params(leaf.ctx.func) and PROVIDER.search(node.id)
                if named or self._bearer_param(node.id, leaf.ctx):
                    found.append(leaf)
        return found

    def _bearer_param(self, name: str, ctx: Ctx) -> bool:
        """`token: str = Depends(oauth2_scheme)`: the bearer token the client sent."""
        func = ctx.func
        if func is None or name not in params(func):
            return False
        default = default_of(func, name)
        annotation = params(func)[name].annotation
        for part in (default, annotation):
            for call in ast.walk(part) if part is not None else []:
                if isinstance(call, ast.Call) and name_of(call.func) in ("Depends", "Security"):
                    for scheme in call.args[:1]:
                        for leaf in self.index.values(At(scheme, ctx)):
                            if name_of(leaf.node) in BEARER_SCHEMES:
                                return True
        return False


def route_decorator(func: Func) -> ast.Call | None:
    """`@app.route(...)`, `@router.get(...)`: the decorator that makes `func` a route."""
    for decorator in func.decorator_list:
        if (
            isinstance(decorator, ast.Call)
            and isinstance(decorator.func, ast.Attribute)
            and decorator.func.attr in ROUTE_ATTRS
        ):
            return decorator
    return None


def _through(node: ast.AST, methods: frozenset[str]) -> ast.expr | None:
    if not isinstance(node, ast.Call):
        return None
    if isinstance(node.func, ast.Attribute) and node.func.attr in methods:
        return node.func.value
    if isinstance(node.func, ast.Name) and node.func.id in ("str", "bytes") and node.args:
        return node.args[0]
    return None


def _timestamp_of(node: ast.AST) -> ast.expr | None:
    """`x` of `int(x)`, `x.timestamp()`, `calendar.timegm(x.utctimetuple())`."""
    if not isinstance(node, ast.Call):
        return None
    if isinstance(node.func, ast.Attribute) and node.func.attr in (
        "timestamp",
        "utctimetuple",
        "timetuple",
    ):
        return node.func.value
    if name_of(node.func) in TIMESTAMP_WRAPPERS and len(node.args) == 1:
        return node.args[0]
    return None


def _arithmetic(op: ast.operator, left: float, right: float) -> float | None:
    if isinstance(op, ast.Add):
        return left + right
    if isinstance(op, ast.Sub):
        return left - right
    if isinstance(op, ast.Mult):
        return left * right
    if isinstance(op, (ast.Div, ast.FloorDiv)) and right:
        return left / right
    return None


def _keyword(node: ast.Call, name: str) -> ast.expr | None:
    return next((kw.value for kw in node.keywords if kw.arg == name), None)


def _field_default(value: ast.expr | None) -> ast.expr | None:
    """A pydantic field's default: `= "x"`, `= Field("x")`, `= Field(default="x")`."""
    if isinstance(value, ast.Call) and name_of(value.func) == "Field":
        return _keyword(value, "default") or (value.args[0] if value.args else None)
    return value


def _is_dict_call(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict"


def _is_name(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _is_get(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("get", "getlist")
    )


def _container(node: ast.AST) -> ast.AST:
    """`data` of `data["email"]` and of `data.get("email")`."""
    if isinstance(node, ast.Subscript):
        return node.value
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.value
    return node


def _key_of(node: ast.AST) -> str | None:
    """The name a value is read under: `x.access_token`, `x["id_token"]`, `x.get("sb-token")`."""
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript):
        return const_str(node.slice)
    if _is_get(node) and isinstance(node, ast.Call) and node.args:
        return const_str(node.args[0])
    return None
