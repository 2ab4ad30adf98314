"""The app's current-user dependency: what FastAPI injects as "the signed-in user".

Recognised shapes, followed across modules and `Annotated[..., Depends(...)]` aliases:
- a function taking a token from a `fastapi.security` scheme (`OAuth2PasswordBearer`,
  `HTTPBearer`, ...) and returning the user (`fastapi-oauth2`);
- a function reading `request.session` / cookies and returning the user (`fastapi-session`);
- `fastapi_users.current_user(...)` dependencies (`fastapi-users`);
- Starlette's `AuthenticationMiddleware` with the app's own backend: `request.user`.
Dependencies built on another user dependency (`get_current_active_superuser(current_user:
CurrentUser)`) only restrict it: the base dependency is the identity source.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from scaffolder.model import Evidence
from scaffolder.paths import is_test_path
from scaffolder.python.models import (
    ModelClass,
    find_class,
)
from scaffolder.python.source import PyModule, PythonIndex, keyword
from scaffolder.stacks.fastapi import AUTH_IDS, injected
from scaffolder.stacks.fastapi import middleware as mw
from scaffolder.stacks.fastapi import usermodel as um
from scaffolder.stacks.fastapi.detect import modules
from scaffolder.stacks.fastapi.header import BEARER, TokenHeader, token_header
from scaffolder.stacks.fastapi.registrars import ref

OAUTH2, USERS, SESSION = AUTH_IDS
GENERATED_DOC = "or None for visitors who are not signed in"

_HEADER_SCHEMES = frozenset(
    {
        "OAuth2PasswordBearer",
        "OAuth2AuthorizationCodeBearer",
        "OAuth2",
        "HTTPBearer",
        "APIKeyHeader",
        "OpenIdConnect",
    }
)
_DEPENDS = frozenset(
    {"fastapi.Depends", "fastapi.params.Depends", "fastapi.Security", "fastapi.params.Security"}
)
_ANNOTATED = frozenset({"typing.Annotated", "typing_extensions.Annotated"})
_FASTAPI_USERS = frozenset(
    {"fastapi_users.FastAPIUsers", "fastapi_users.fastapi_users.FastAPIUsers"}
)


@dataclass
class Scheme:
    """A `fastapi.security` scheme instance (`reusable_oauth2 = OAuth2PasswordBearer(...)`)."""

    id: str
    module: PyModule
    var: str
    line: int
    cls: str  # the fastapi.security class (or the one the app's own subclass derives from)
    call: ast.Call
    inline: bool = False  # built in the dependency's signature: `Security(APIKeyHeader(...))`

    @property
    def in_header(self) -> bool:
        return self.cls in _HEADER_SCHEMES


@dataclass
class Param:
    """A parameter of a dependency function, and what it is injected from."""

    node: ast.arg
    default: ast.expr | None
    dependency: str | None  # id of the injected callable (scheme, function, fastapi-users dep)
    inner_type: ast.expr | None  # T of `Annotated[T, Depends(x)]` / of `x: T = Depends(...)`
    style: str  # "annotated" | "alias" | "default" | "plain"
    kind: str = "other"  # "token" | "user" | "other"
    module: PyModule | None = None  # where `inner_type` is written, when not the function's


@dataclass
class UserDep:
    id: str
    name: str
    module: PyModule
    line: int
    kind: str  # "oauth2" | "session" | "fastapi-users" | "middleware" | "derived" | "answered"
    model: ModelClass | None
    optional: bool
    is_async: bool = False
    node: ast.FunctionDef | ast.AsyncFunctionDef | None = None
    params: list[Param] = field(default_factory=list)
    raises: list[ast.expr] = field(default_factory=list)
    scheme: Scheme | None = None
    base: str | None = None  # derived: the user dependency it builds on
    base_dep: UserDep | None = None  # ... and that dependency itself
    backend: mw.AuthBackend | None = None  # middleware: the authentication backend
    token_source: UserDep | None = None  # the app's function turning the scheme into the token
    call: ast.Call | None = None  # fastapi-users: `fastapi_users.current_user(...)`
    flags: frozenset[str] = frozenset()  # fastapi-users: active / verified / superuser
    bearer: bool = False  # the browser must send an Authorization header
    header: TokenHeader = BEARER  # ... this one, with this prefix
    mapping: bool = False  # the user is a dict of the model's fields (`user["email"]`)
    evidence: list[Evidence] = field(default_factory=list)
    uses: int = 0

    @property
    def library(self) -> str:
        if self.kind == "fastapi-users":
            return USERS
        return OAUTH2 if self.bearer else SESSION

    @property
    def path(self) -> str:
        return self.module.path

    @property
    def label(self) -> str:
        return f"{self.module.name}:{self.name}"


@dataclass
class AuthFacts:
    deps: list[UserDep]
    candidates: list[UserDep]
    schemes: list[Scheme]


@dataclass
class _Context:
    """The index, and the scheme instances found so far (module-level and built in place)."""

    index: PythonIndex
    schemes: dict[str, Scheme]


def find(index: PythonIndex) -> AuthFacts:
    schemes = _schemes(index)
    ctx = _Context(index, {s.id: s for s in schemes})
    aliases = _aliases(ctx)
    users_instances = _fastapi_users(index)
    deps: dict[str, UserDep] = {}
    for dep in _fastapi_users_deps(index, users_instances):
        deps[dep.id] = dep
    functions: list[tuple[PyModule, ast.FunctionDef | ast.AsyncFunctionDef, list[Param]]] = []
    for mod in modules(index, "Depends", "Security", "session", "cookies"):
        if is_test_path(mod.path):
            continue
        for func in mod.tree.body:
            if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)) and not _generated(func):
                functions.append(
                    (mod, func, [_param(ctx, mod, a, d, aliases) for a, d in um.arguments(func)])
                )
    typed = _typed_uses(aliases, functions)
    # Functions turning a scheme's credentials into the token (`_get_authorization_header`),
    # then base dependencies, then those built on them (in rounds, for chains).
    tokens: dict[str, UserDep] = {}
    for mod, func, params in functions:
        found_dep = _base_dep(index, mod, func, params, ctx.schemes, {}, typed)
        if found_dep is not None and found_dep.model is None and found_dep.kind == "oauth2":
            tokens[found_dep.id] = found_dep
    for mod, func, params in functions:
        found_dep = _base_dep(index, mod, func, params, ctx.schemes, tokens, typed)
        if found_dep is not None and found_dep.model is not None:
            deps[found_dep.id] = found_dep
    for _ in range(4):
        for mod, func, params in functions:
            fid = f"{mod.name}.{func.name}"
            if fid in deps:
                continue
            base = next((p for p in params if p.dependency in deps), None)
            if base is None:
                continue
            base.kind = "user"
            parent = deps[base.dependency or ""]
            model = um.return_model(index, mod, func, typed) or parent.model
            deps[fid] = UserDep(
                fid,
                func.name,
                mod,
                func.lineno,
                "derived",
                model,
                um.returns_optional(func),
                isinstance(func, ast.AsyncFunctionDef),
                func,
                params,
                raises(func),
                base=parent.id,
                base_dep=parent,
                bearer=parent.bearer,
                header=parent.header,
                mapping=um.returns_mapping(mod, func, typed)
                if func.returns is not None
                else parent.mapping,
            )
    for dep in _middleware_deps(index):
        deps.setdefault(dep.id, dep)
    _count_uses(ctx, deps, aliases)
    found = [d for d in deps.values() if d.uses or d.kind in ("fastapi-users", "middleware")]
    for dep in found:
        dep.evidence.insert(0, Evidence(dep.path, dep.line, _why(dep, deps)))
    candidates = _candidates(found)
    ids = {c.id for c in candidates}
    variants = _optional_variants(index, functions)
    candidates = [c for c in candidates if not (c.optional and variants.get(c.id) in ids)]
    return AuthFacts(found, candidates, schemes)


def _middleware_deps(index: PythonIndex) -> list[UserDep]:
    return [
        UserDep(
            f"{b.cls.module.name}.{b.cls.name}",
            b.cls.name,
            b.cls.module,
            b.cls.node.lineno,
            "middleware",
            b.model,
            False,
            bearer=b.bearer,
            backend=b,
            evidence=list(b.evidence[1:]),
        )
        for b in mw.auth_backends(index)
    ]


def _optional_variants(
    index: PythonIndex,
    functions: list[tuple[PyModule, ast.FunctionDef | ast.AsyncFunctionDef, list[Param]]],
) -> dict[str, str]:
    """Dependencies that a factory offers as the optional variant of another
    (`return _get_current_user if required else _get_current_user_optional`), each with the
    one it is the variant of: one identity source, not two."""
    found: dict[str, str] = {}
    for mod, func, _params in functions:
        branches = injected.branches(index, mod, func)
        if len(branches) == 2:
            found[branches[1]] = branches[0]
    return found


def signature(
    index: PythonIndex, mod: PyModule, func: ast.FunctionDef | ast.AsyncFunctionDef
) -> list[Param]:
    """What FastAPI injects into each parameter of `func` (an answered dependency)."""
    ctx = _Context(index, {s.id: s for s in _schemes(index)})
    aliases = _aliases(ctx)
    return [_param(ctx, mod, a, d, aliases) for a, d in um.arguments(func)]


def _generated(func: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """bcb-scaffold's own optional variant, when it lives in the app's module."""
    return GENERATED_DOC in (ast.get_docstring(func) or "")


def _why(dep: UserDep, deps: dict[str, UserDep]) -> str:
    model = f" -> {dep.model.name}" if dep.model else ""
    if dep.kind == "fastapi-users":
        flags = ", ".join(sorted(dep.flags)) or "any user"
        return f"fastapi-users current_user({flags}){model}"
    if dep.kind == "derived":
        base = deps.get(dep.base or "")
        return f"{dep.name}(){model} builds on {base.name if base else dep.base}()"
    if dep.kind == "oauth2" and dep.token_source:
        return f"{dep.name}(){model} reads the token {dep.token_source.name}() gives"
    if dep.kind == "oauth2" and dep.scheme:
        return f"{dep.name}(){model} reads the {dep.scheme.cls} token ({dep.scheme.var})"
    if dep.kind == "middleware":
        return f"AuthenticationMiddleware's {dep.name} sets request.user{model}"
    return f"{dep.name}(){model} reads the session cookie"


def _candidates(deps: list[UserDep]) -> list[UserDep]:
    """Identity sources: base dependencies, minus fastapi-users ones that only add
    restrictions (superuser=True on top of active=True) to another one."""
    bases = [d for d in deps if d.kind != "derived" and not is_test_path(d.path)]
    keep = []
    for dep in bases:
        stricter = any(
            other is not dep
            and other.kind == dep.kind == "fastapi-users"
            and other.call is not None
            and dep.call is not None
            and ast.unparse(other.call.func) == ast.unparse(dep.call.func)
            and (
                other.flags < dep.flags
                or (other.flags == dep.flags and other.optional and not dep.optional)
            )
            for other in bases
        )
        if not stricter:
            keep.append(dep)
    return keep


# -- building blocks --------------------------------------------------------------------------


def _schemes(index: PythonIndex) -> list[Scheme]:
    found = []
    for mod in modules(index, "fastapi.security", "Depends", "Security"):
        for stmt in mod.tree.body:
            target, value = _assignment(stmt)
            if target is None or not isinstance(value, ast.Call):
                continue
            cls = injected.scheme_class(index, mod, value.func)
            if cls is not None:
                found.append(Scheme(f"{mod.name}.{target}", mod, target, stmt.lineno, cls, value))
    return found


def _assignment(stmt: ast.stmt) -> tuple[str | None, ast.expr | None]:
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target = stmt.targets[0]
        return (target.id if isinstance(target, ast.Name) else None), stmt.value
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
        return stmt.target.id, stmt.value
    return None, None


@dataclass
class Alias:
    """`CurrentUser = Annotated[User, Depends(get_current_user)]`."""

    module: PyModule
    type_expr: ast.expr
    dependency: str | None


def _annotated(
    ctx: _Context, mod: PyModule, expr: ast.expr | None
) -> tuple[ast.expr, str | None] | None:
    """(T, id of x) for `Annotated[T, Depends(x)]`."""
    if not (isinstance(expr, ast.Subscript) and mod.qualified(expr.value) in _ANNOTATED):
        return None
    elts = expr.slice.elts if isinstance(expr.slice, ast.Tuple) else [expr.slice]
    if not elts:
        return None
    dependency = None
    for meta in elts[1:]:
        target = _depends_target(ctx, mod, meta)
        if target is not None:
            dependency = target
    return elts[0], dependency


def _depends_target(ctx: _Context, mod: PyModule, expr: ast.expr | None) -> str | None:
    """Id of what `Depends(x)` injects: a name, a scheme built in place (registered), or the
    function a dependency factory returns."""
    if not (isinstance(expr, ast.Call) and mod.qualified(expr.func) in _DEPENDS and expr.args):
        return None
    arg = expr.args[0]
    if not isinstance(arg, ast.Call):
        return ref(mod, arg)
    cls = injected.scheme_class(ctx.index, mod, arg.func)
    if cls is not None:
        sid = f"{mod.name}:{arg.lineno}:{arg.col_offset}"
        var = ast.unparse(arg.func).rsplit(".", 1)[-1]
        ctx.schemes.setdefault(sid, Scheme(sid, mod, var, arg.lineno, cls, arg, inline=True))
        return sid
    return injected.factory_result(ctx.index, mod, arg)


def _aliases(ctx: _Context) -> dict[str, Alias]:
    found = {}
    for mod in modules(ctx.index, "Annotated"):
        for stmt in mod.tree.body:
            target, value = _assignment(stmt)
            found_alias = _annotated(ctx, mod, value) if target else None
            if found_alias is not None:
                found[f"{mod.name}.{target}"] = Alias(mod, found_alias[0], found_alias[1])
    return found


def _param(
    ctx: _Context,
    mod: PyModule,
    arg: ast.arg,
    default: ast.expr | None,
    aliases: dict[str, Alias],
) -> Param:
    found = _annotated(ctx, mod, arg.annotation)
    if found is not None:
        return Param(arg, default, found[1], found[0], "annotated")
    alias = aliases.get(ref(mod, arg.annotation) or "") if arg.annotation is not None else None
    if alias is not None:
        return Param(arg, default, alias.dependency, alias.type_expr, "alias", module=alias.module)
    target = _depends_target(ctx, mod, default)
    if target is not None:
        return Param(arg, default, target, arg.annotation, "default")
    return Param(arg, default, None, arg.annotation, "plain")


def _base_dep(
    index: PythonIndex,
    mod: PyModule,
    func: ast.FunctionDef | ast.AsyncFunctionDef,
    params: list[Param],
    schemes: dict[str, Scheme],
    tokens: dict[str, UserDep],
    typed: um.Typed,
) -> UserDep | None:
    fid = f"{mod.name}.{func.name}"
    scheme = None
    source = None
    for p in params:
        found = schemes.get(p.dependency or "")
        source = tokens.get(p.dependency or "")
        if source is not None:
            found = source.scheme
        if found is not None:
            scheme, p.kind = found, "token"
            break
    evidence = []
    if source is not None:
        evidence.append(Evidence(source.path, source.line, f"{source.name}() gives the token"))
    if scheme is not None and scheme.in_header:
        kind = "oauth2"
        evidence.append(
            Evidence(scheme.module.path, scheme.line, f"{scheme.cls} scheme {scheme.var}")
        )
    elif scheme is not None or _reads_session(mod, func, params):
        kind = "session"
        if scheme is not None:
            evidence.append(
                Evidence(scheme.module.path, scheme.line, f"{scheme.cls} scheme {scheme.var}")
            )
    else:
        return None
    model = um.return_model(index, mod, func, typed)
    if model is not None:
        evidence.append(Evidence(model.path, model.node.lineno, f"user model {model.name}"))
    return UserDep(
        fid,
        func.name,
        mod,
        func.lineno,
        kind,
        model,
        um.returns_optional(func),
        isinstance(func, ast.AsyncFunctionDef),
        func,
        params,
        raises(func),
        scheme,
        bearer=kind == "oauth2",
        header=_header(index, scheme, source, mod, func) if kind == "oauth2" else BEARER,
        mapping=um.returns_mapping(mod, func, typed),
        evidence=evidence,
        token_source=source,
    )


def _header(
    index: PythonIndex,
    scheme: Scheme | None,
    source: UserDep | None,
    mod: PyModule,
    func: ast.FunctionDef | ast.AsyncFunctionDef,
) -> TokenHeader:
    """The header the scheme reads, with the prefix the token's source (or the dependency
    itself) compares."""
    if scheme is None:
        return BEARER
    readers = [(source.module, source.node)] if source is not None and source.node else []
    return token_header(index, scheme.cls, scheme.module, scheme.call, [*readers, (mod, func)])


def _reads_session(
    mod: PyModule, func: ast.FunctionDef | ast.AsyncFunctionDef, params: list[Param]
) -> bool:
    for p in params:
        if isinstance(p.default, ast.Call) and (mod.qualified(p.default.func) or "").endswith(
            ("fastapi.Cookie", "fastapi.params.Cookie")
        ):
            return True
    for node in ast.walk(func):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in ("session", "cookies")
            and isinstance(node.value, ast.Name)
            and any(
                p.node.arg == node.value.id
                and p.node.annotation is not None
                and (mod.qualified(p.node.annotation) or "").endswith(("Request", "HTTPConnection"))
                for p in params
            )
        ):
            return True
    return False


def _typed_uses(
    aliases: dict[str, Alias],
    functions: list[tuple[PyModule, ast.FunctionDef | ast.AsyncFunctionDef, list[Param]]],
) -> um.Typed:
    """How the app types what each dependency injects: `Annotated[User, Depends(f)]` (aliases
    and parameters) and `user: User = Depends(f)`."""
    typed: um.Typed = {}
    for alias in aliases.values():
        if alias.dependency:
            typed.setdefault(alias.dependency, []).append((alias.module, alias.type_expr))
    for mod, _func, params in functions:
        for p in params:
            if p.dependency and p.inner_type is not None and p.style in ("annotated", "default"):
                typed.setdefault(p.dependency, []).append((mod, p.inner_type))
    return typed


def raises(func: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.expr]:
    """The exception classes the function raises itself (`raise X(...)`, `raise exc` where
    `exc = X(...)`), as written in its module."""
    local: dict[str, ast.expr] = {}
    for node in ast.walk(func):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    local[target.id] = node.value.func
    found: dict[str, ast.expr] = {}
    for node in ast.walk(func):
        if not isinstance(node, ast.Raise) or node.exc is None:
            continue
        exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        if isinstance(exc, ast.Name) and exc.id in local:
            exc = local[exc.id]
        if isinstance(exc, (ast.Name, ast.Attribute)):
            found.setdefault(ast.unparse(exc), exc)
    return list(found.values())


# -- fastapi-users ----------------------------------------------------------------------------


@dataclass
class UsersInstance:
    id: str
    module: PyModule
    line: int
    model: ModelClass | None


def _fastapi_users(index: PythonIndex) -> dict[str, UsersInstance]:
    found = {}
    for mod in modules(index, "FastAPIUsers"):
        for stmt in mod.tree.body:
            target, value = _assignment(stmt)
            if target is None or not isinstance(value, ast.Call):
                continue
            func = value.func
            model_expr = None
            if isinstance(func, ast.Subscript):
                elts = func.slice.elts if isinstance(func.slice, ast.Tuple) else [func.slice]
                model_expr = elts[0] if elts else None
                func = func.value
            if mod.qualified(func) not in _FASTAPI_USERS:
                continue
            model = find_class(index, mod, ast.unparse(model_expr)) if model_expr else None
            iid = f"{mod.name}.{target}"
            found[iid] = UsersInstance(iid, mod, stmt.lineno, model)
    return found


def _fastapi_users_deps(index: PythonIndex, instances: dict[str, UsersInstance]) -> list[UserDep]:
    if not instances:
        return []
    bearer = any(
        "BearerTransport" in m.text and "fastapi_users" in m.text
        for m in modules(index, "BearerTransport")
    )
    found = []
    for mod in modules(index, "current_user"):
        for stmt in mod.tree.body:
            target, value = _assignment(stmt)
            if not (
                target
                and isinstance(value, ast.Call)
                and isinstance(value.func, ast.Attribute)
                and value.func.attr == "current_user"
            ):
                continue
            instance = instances.get(ref(mod, value.func.value) or "")
            if instance is None:
                continue
            flags = frozenset(
                kw.arg
                for kw in value.keywords
                if kw.arg in ("active", "verified", "superuser")
                and isinstance(kw.value, ast.Constant)
                and kw.value.value is True
            )
            optional_kw = keyword(value, "optional")
            optional = isinstance(optional_kw, ast.Constant) and optional_kw.value is True
            evidence = [Evidence(instance.module.path, instance.line, "FastAPIUsers instance")]
            if instance.model is not None:
                evidence.append(
                    Evidence(
                        instance.model.path,
                        instance.model.node.lineno,
                        f"user model {instance.model.name}",
                    )
                )
            found.append(
                UserDep(
                    f"{mod.name}.{target}",
                    target,
                    mod,
                    stmt.lineno,
                    "fastapi-users",
                    instance.model,
                    optional,
                    True,
                    call=value,
                    flags=flags,
                    bearer=bearer,
                    evidence=evidence,
                )
            )
    return found


def _count_uses(ctx: _Context, deps: dict[str, UserDep], aliases: dict[str, Alias]) -> None:
    alias_of = {aid: a.dependency for aid, a in aliases.items()}
    for mod in modules(ctx.index, "Depends", "Security"):
        for node in ast.walk(mod.tree):
            if isinstance(node, ast.Call) and mod.qualified(node.func) in _DEPENDS and node.args:
                target = _depends_target(ctx, mod, node)
                if target in deps:
                    deps[target].uses += 1
            elif isinstance(node, ast.arg) and node.annotation is not None:
                target = alias_of.get(ref(mod, node.annotation) or "")
                if target in deps:
                    deps[target or ""].uses += 1
