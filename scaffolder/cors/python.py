"""The CORS finders of the Python stacks: Flask-CORS, django-cors-headers and Starlette's
CORSMiddleware (FastAPI's), read from parsed modules (`PyModule`: the stacks' `PythonIndex`
and the checker's index alike), never imported.

Each returns the configurations that answer any origin with credentials, as each library
does at run time: Flask-CORS reflects the request's origin for `origins="*"` (its default) and
origin patterns that match anything once `supports_credentials=True`; django-cors-headers
reflects it for `CORS_ALLOW_ALL_ORIGINS` (or the older `CORS_ORIGIN_ALLOW_ALL`) and catch-all
`CORS_ALLOWED_ORIGIN_REGEXES` with `CORS_ALLOW_CREDENTIALS`; Starlette sends the request's
origin back for `allow_origins=["*"]` and a catch-all `allow_origin_regex` with
`allow_credentials=True` (it does not refuse `*` with credentials). Only literal values count
(through a module-level constant): a value read from settings or the environment, or set under
an `if`, is not guessed.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from scaffolder.cors import DEV_CLASS, DEV_MODULE, Permissive, matches_any_origin
from scaffolder.paths import is_test_path
from scaffolder.python.source import PyModule

FLASK_CORS = frozenset({"flask_cors.CORS", "flask_cors.extension.CORS"})
FLASK_CONFIG = {
    "CORS_ORIGINS": "origins",
    "CORS_SUPPORTS_CREDENTIALS": "supports_credentials",
    "CORS_SEND_WILDCARD": "send_wildcard",
    "CORS_RESOURCES": "resources",
}
FLASK_FIX = (
    "list the app's own frontends in Flask-CORS's `origins=[...]` (never `*` or a catch-all "
    "pattern while supports_credentials is on)"
)
REGEX_HINTS = frozenset("*\\]?$^[]()")
"""The characters that make Flask-CORS read a string as a regular expression."""

DJANGO_MIDDLEWARE = "corsheaders.middleware.CorsMiddleware"
DJANGO_SETTINGS = frozenset(
    {
        "CORS_ALLOW_ALL_ORIGINS",
        "CORS_ORIGIN_ALLOW_ALL",
        "CORS_ALLOW_CREDENTIALS",
        "CORS_ALLOWED_ORIGIN_REGEXES",
        "CORS_ORIGIN_REGEX_WHITELIST",
        "CORS_URLS_REGEX",
    }
)
DJANGO_FIX = (
    "list the app's own frontends in CORS_ALLOWED_ORIGINS instead (no CORS_ALLOW_ALL_ORIGINS "
    "and no catch-all CORS_ALLOWED_ORIGIN_REGEXES while CORS_ALLOW_CREDENTIALS is True)"
)

STARLETTE = frozenset(
    {"starlette.middleware.cors.CORSMiddleware", "fastapi.middleware.cors.CORSMiddleware"}
)
MIDDLEWARE = frozenset({"starlette.middleware.Middleware", "fastapi.middleware.Middleware"})
STARLETTE_FIX = (
    "list the app's own frontends in CORSMiddleware's allow_origins (no `*` and no catch-all "
    "allow_origin_regex while allow_credentials=True)"
)
BEARER_SCHEMES = frozenset(
    {
        "OAuth2PasswordBearer",
        "OAuth2AuthorizationCodeBearer",
        "HTTPBearer",
        "APIKeyHeader",
        "BearerTransport",
    }
)
COOKIE_NAMES = frozenset(
    {
        "Cookie",
        "APIKeyCookie",
        "CookieTransport",
        "SessionMiddleware",
        "cookies",
        "set_cookie",
        "request.session",
    }
)
"""What reads (or sets) a cookie or a session in FastAPI code: `Cookie()` parameters,
cookie schemes and transports, `request.cookies`, Starlette's sessions."""


class _Unknown:
    """A value the finders cannot read statically."""

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN = _Unknown()


def literal(mod: PyModule, node: ast.expr | None, depth: int = 0) -> object:
    """The value of a literal (constants, and lists, tuples, sets and dicts of them), through
    module-level constants of `mod`; UNKNOWN for anything else (an unknown item stays UNKNOWN
    inside a known container)."""
    if node is None or depth > 6:
        return UNKNOWN
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return [literal(mod, e, depth + 1) for e in node.elts]
    if isinstance(node, ast.Dict):
        out: dict[object, object] = {}
        for k, v in zip(node.keys, node.values, strict=True):
            key = literal(mod, k, depth + 1)
            if key is UNKNOWN or isinstance(key, (list, dict)):
                return UNKNOWN  # `**spread`, or a key that cannot be read
            out[key] = literal(mod, v, depth + 1)
        return out
    if isinstance(node, ast.Name):
        return literal(mod, _constant(mod, node.id), depth + 1)
    return UNKNOWN


def _constant(mod: PyModule, name: str) -> ast.expr | None:
    """The value last assigned to `name` at the module's top level."""
    found = None
    for stmt in mod.tree.body:
        for target, value in _assigned(stmt):
            if target == name:
                found = value
    return found


def _assigned(stmt: ast.stmt) -> Iterator[tuple[str, ast.expr]]:
    """`NAME = value` / `NAME: T = value` (each plain name of the targets)."""
    if isinstance(stmt, ast.Assign):
        for target in stmt.targets:
            if isinstance(target, ast.Name):
                yield target.id, stmt.value
    elif (
        isinstance(stmt, ast.AnnAssign)
        and stmt.value is not None
        and isinstance(stmt.target, ast.Name)
    ):
        yield stmt.target.id, stmt.value


def _kwargs(mod: PyModule, call: ast.Call) -> dict[str, object] | None:
    """The call's keyword arguments, read; None when it spreads `**options`."""
    if any(kw.arg is None for kw in call.keywords):
        return None
    return {kw.arg: literal(mod, kw.value) for kw in call.keywords if kw.arg is not None}


def _items(value: object) -> list[object]:
    return value if isinstance(value, list) else [value]


# -- Flask-CORS ----------------------------------------------------------------------------------


def flask_cors(modules: Iterable[PyModule]) -> list[Permissive]:
    """`CORS(app, ...)` and `cors.init_app(app, ...)` of Flask-CORS (with the app's
    `CORS_*` config) that reflect any origin with credentials, per resource."""
    mods = [m for m in modules if not is_test_path(m.path)]
    config = _flask_config(mods)
    found: list[Permissive] = []
    for mod, call, options in _flask_extensions(mods):
        found += _flask_resources(mod, call, options, config)
    return found


Extension = tuple[PyModule, ast.Call, dict[str, object]]


def _flask_extensions(mods: list[PyModule]) -> Iterator[Extension]:
    """Each initialised extension: where (the `CORS(app)` or `init_app` call) and its options
    (the constructor's, then init_app's, which win)."""
    inits = [
        (m, node)
        for m in mods
        for node in m.nodes(ast.Call)
        if isinstance(node.func, ast.Attribute) and node.func.attr == "init_app"
    ]
    for mod in mods:
        if "flask_cors" not in mod.text:
            continue
        for call in mod.nodes(ast.Call):
            if mod.qualified(call.func) not in FLASK_CORS:
                continue
            options = _kwargs(mod, call)
            if options is None:
                continue
            var = _bound_to(mod, call)
            initialised = False
            for other, init in inits if var else []:
                assert isinstance(init.func, ast.Attribute)
                name = init.func.value
                same = other is mod and isinstance(name, ast.Name) and name.id == var
                if not same and other.qualified(name) != f"{mod.name}.{var}":
                    continue
                initialised = True
                more = _kwargs(other, init)
                if more is not None:
                    yield other, init, {**options, **more}
            if not initialised and (call.args or "app" in options):
                yield mod, call, options


def _bound_to(mod: PyModule, call: ast.Call) -> str | None:
    """The module-level name a `CORS()` is assigned to (`cors = CORS()`)."""
    for stmt in mod.tree.body:
        for target, value in _assigned(stmt):
            if value is call:
                return target
    return None


def _flask_config(mods: list[PyModule]) -> dict[str, object]:
    """Flask-CORS's options from the app's config: `CORS_*` assigned at a config module's top
    level, in a config class (not a development one) or to `app.config[...]`; a key set to
    different values in different places is UNKNOWN."""
    seen: dict[str, list[object]] = {}

    def add(key: str, value: object) -> None:
        if key in FLASK_CONFIG:
            seen.setdefault(FLASK_CONFIG[key], []).append(value)

    for mod in mods:
        if "CORS_" not in mod.text or DEV_MODULE.match(mod.name.rsplit(".", 1)[-1]):
            continue
        for stmt in mod.tree.body:
            for key, value in _assigned(stmt):
                add(key, literal(mod, value))
            if isinstance(stmt, ast.ClassDef) and not DEV_CLASS.match(stmt.name):
                for item in stmt.body:
                    for key, value in _assigned(item):
                        add(key, literal(mod, value))
        for node in mod.nodes(ast.Assign):
            for target in node.targets:
                if (
                    isinstance(target, ast.Subscript)
                    and isinstance(target.value, ast.Attribute)
                    and target.value.attr == "config"
                    and isinstance(target.slice, ast.Constant)
                    and isinstance(target.slice.value, str)
                ):
                    add(target.slice.value, literal(mod, node.value))
    return {k: v[0] if all(x == v[0] for x in v) else UNKNOWN for k, v in seen.items()}


def _flask_resources(
    mod: PyModule, call: ast.Call, options: dict[str, object], config: dict[str, object]
) -> list[Permissive]:
    resources = options.get("resources", config.get("resources"))
    pairs: list[tuple[object, object]]
    if resources is None:
        pairs = [(None, {})]
    elif isinstance(resources, dict):
        pairs = list(resources.items())
    elif isinstance(resources, (str, list)):
        pairs = [(r, {}) for r in _items(resources)]
    else:
        return []
    found = []
    for pattern, own in pairs:
        if not isinstance(own, dict) or (pattern is not None and not isinstance(pattern, str)):
            continue
        layers = (own, options, config)
        credentials = _pick("supports_credentials", layers, False)
        wildcard = _pick("send_wildcard", layers, False)
        origins = _pick("origins", layers, "*")
        # send_wildcard with credentials is refused by Flask-CORS itself (a ValueError)
        if credentials is not True or wildcard is not False or not _flask_any(origins):
            continue
        given = any("origins" in layer for layer in layers)
        shown = f"origins {origins!r}" if given else "origins '*' (the default)"
        on = f" on {pattern}" if pattern is not None else ""
        why = (
            f"Flask-CORS with supports_credentials=True and {shown}{on} reflects any origin "
            "with credentials"
        )
        found.append(Permissive(mod.path, call.lineno, why, FLASK_FIX, _flask_scope(pattern)))
    return found


def _pick(name: str, layers: Sequence[Mapping[Any, object]], default: object) -> object:
    for layer in layers:
        if name in layer:
            return layer[name]
    return default


def _flask_any(origins: object) -> bool:
    for item in _items(origins):
        if not isinstance(item, str):
            continue
        if item in ("*", ".*") or (
            not REGEX_HINTS.isdisjoint(item) and matches_any_origin(item, "match")
        ):
            return True
    return False


def _flask_scope(pattern: str | None) -> str | None:
    """A resource's paths as Flask-CORS matches them: a regex-like pattern from the path's
    start (`*` alone is `.*`), a literal path exactly."""
    if pattern is None:
        return None
    if pattern == "*":
        return ".*"
    return pattern if not REGEX_HINTS.isdisjoint(pattern) else re.escape(pattern) + r"\Z"


# -- django-cors-headers -------------------------------------------------------------------------


def django_cors(chain: Sequence[PyModule]) -> list[Permissive]:
    """django-cors-headers' settings, as the settings modules of `chain` (in execution order:
    star-imported bases first) leave them at their top level, when its middleware is
    installed there."""
    if not any(DJANGO_MIDDLEWARE in m.text for m in chain):
        return []
    values: dict[str, tuple[object, PyModule, ast.stmt]] = {}
    for mod in chain:
        for stmt in mod.tree.body:
            for name, value in _assigned(stmt):
                if name in DJANGO_SETTINGS:
                    values[name] = (literal(mod, value), mod, stmt)
    credentials = values.get("CORS_ALLOW_CREDENTIALS")
    if credentials is None or credentials[0] is not True:
        return []
    scope: str | None = None
    if "CORS_URLS_REGEX" in values:
        urls = values["CORS_URLS_REGEX"][0]
        if not isinstance(urls, str):
            return []
        scope = urls
    allow_all = values.get("CORS_ALLOW_ALL_ORIGINS") or values.get("CORS_ORIGIN_ALLOW_ALL")
    regexes = values.get("CORS_ALLOWED_ORIGIN_REGEXES") or values.get("CORS_ORIGIN_REGEX_WHITELIST")
    if allow_all is not None and allow_all[0] is True:
        setting, where = _django_setting(allow_all), allow_all
        why = (
            f"{setting} = True with CORS_ALLOW_CREDENTIALS = True (django-cors-headers) reflects "
            "any origin with credentials"
        )
    elif regexes is not None and any(
        isinstance(r, str) and matches_any_origin(r, "match") for r in _items(regexes[0])
    ):
        setting, where = _django_setting(regexes), regexes
        why = (
            f"{setting} {regexes[0]!r} with CORS_ALLOW_CREDENTIALS = True "
            "(django-cors-headers) accepts any origin with credentials"
        )
    else:
        return []
    _, mod, stmt = where
    if DEV_MODULE.match(mod.name.rsplit(".", 1)[-1]):
        return []
    return [Permissive(mod.path, stmt.lineno, why, DJANGO_FIX, scope)]


def _django_setting(found: tuple[object, PyModule, ast.stmt]) -> str:
    return next(name for name, _ in _assigned(found[2]) if name in DJANGO_SETTINGS)


def settings_chains(modules: Iterable[PyModule]) -> list[list[PyModule]]:
    """The settings chains a project may run (for `check`, which has no settings module to
    start from): each module that configures django-cors-headers or star-imports one that
    does, unless another star-imports it in turn, with its star-imported bases first."""
    mods = [m for m in modules if not is_test_path(m.path)]
    by_name = {m.name: m for m in mods}
    bases = {m.name: [b for b in _star_bases(m) if b in by_name] for m in mods}
    family = {
        m.name
        for m in mods
        if any(name in DJANGO_SETTINGS for s in m.tree.body for name, _ in _assigned(s))
    }
    grew = True
    while grew:
        more = {n for n, found in bases.items() if n not in family and family & set(found)}
        family |= more
        grew = bool(more)
    imported = {b for n in family for b in bases[n]}
    chains = []
    for name in sorted(family - imported):
        chain: list[PyModule] = []
        _chain(name, by_name, bases, chain, set())
        chains.append(chain)
    return chains


def _star_bases(mod: PyModule) -> list[str]:
    return [
        mod.resolve_from(stmt)
        for stmt in mod.tree.body
        if isinstance(stmt, ast.ImportFrom) and any(a.name == "*" for a in stmt.names)
    ]


def _chain(
    name: str,
    by_name: dict[str, PyModule],
    bases: dict[str, list[str]],
    out: list[PyModule],
    seen: set[str],
) -> None:
    if name in seen:
        return
    seen.add(name)
    for base in bases.get(name, []):
        _chain(base, by_name, bases, out, seen)
    out.append(by_name[name])


# -- Starlette / FastAPI -------------------------------------------------------------------------


def starlette_cors(modules: Iterable[PyModule]) -> list[Permissive]:
    """Starlette's CORSMiddleware (`app.add_middleware(CORSMiddleware, ...)`,
    `Middleware(CORSMiddleware, ...)`, `CORSMiddleware(app, ...)`) answering any origin with
    credentials."""
    found = []
    for mod in modules:
        if "CORSMiddleware" not in mod.text or is_test_path(mod.path):
            continue
        for call in mod.nodes(ast.Call):
            func = call.func
            added = isinstance(func, ast.Attribute) and func.attr == "add_middleware"
            declared = added or mod.qualified(func) in MIDDLEWARE
            first = call.args[0] if call.args else None
            if not (
                mod.qualified(func) in STARLETTE
                or (declared and first is not None and mod.qualified(first) in STARLETTE)
            ):
                continue
            options = _kwargs(mod, call)
            if options is None or options.get("allow_credentials") is not True:
                continue
            why = _starlette_any(options)
            if why is not None:
                found.append(Permissive(mod.path, call.lineno, why, STARLETTE_FIX))
    return found


def _starlette_any(options: dict[str, object]) -> str | None:
    origins = options.get("allow_origins", [])
    if "*" in _items(origins):
        return (
            f"CORSMiddleware(allow_origins={origins!r}, allow_credentials=True) sends any "
            "request's origin back with credentials"
        )
    regex = options.get("allow_origin_regex")
    if isinstance(regex, str) and matches_any_origin(regex, "fullmatch"):
        return (
            f"CORSMiddleware(allow_origin_regex={regex!r}, allow_credentials=True) accepts any "
            "origin with credentials"
        )
    return None


def bearer_only(modules: Iterable[PyModule]) -> bool:
    """Whether the app authenticates only by a header the browser's page must attach (an
    OAuth2 / HTTP bearer / API-key header scheme) and reads no cookie or session: then
    another site's page cannot sign a request in, whatever CORS allows."""
    names: set[str] = set()
    for mod in modules:
        if is_test_path(mod.path):
            continue
        names |= {n.id for n in mod.nodes(ast.Name)}
        for node in mod.nodes(ast.Attribute):
            names.add(node.attr)
            if node.attr == "session" and isinstance(node.value, ast.Name):
                names.add(f"{node.value.id}.session")
        names |= {a.asname or a.name.rsplit(".", 1)[-1] for a in mod.nodes(ast.alias)}
    return bool(names & BEARER_SCHEMES) and not names & COOKIE_NAMES
