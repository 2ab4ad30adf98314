"""The Python checker of `bcb-scaffold check`: Flask, Django, FastAPI / Starlette and plain
Python, read with `ast` and never imported.

It finds the calls that mint the widget token (PyJWT's and python-jose's `jwt.encode`,
authlib's `jwt.encode(header, payload, key)`, a hand-rolled `hmac.new(key, ..., sha256)` beside
a JSON header with an `alg`) that belong to the widget: the key is BESTCHATBOT_SIGNING_KEY (or
named for the widget), a function on the way to the call is named for it, or the module serves
the widget. For each it follows the key, the algorithm and the claims through the project's own
code (`index`, `values`) and the guards on the ways in (`guards`); `endpoints` checks the
endpoints that serve the token, `pages` what reaches pages (templates, contexts, page caches).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from scaffolder.check import cors
from scaffolder.check.python import endpoints, pages
from scaffolder.check.python.guards import Guards, userish
from scaffolder.check.python.index import (
    At,
    Ctx,
    Func,
    Index,
    Module,
    const_str,
    name_of,
    own_nodes,
)
from scaffolder.check.python.subjects import IDENTITY_CLAIMS, subjects
from scaffolder.check.python.values import KEY_THROUGH, Claims, Values
from scaffolder.check.rules import Found, Site, Sources, Violation
from scaffolder.markup import WIDGET_SRC

Arg = tuple[int, str]
"""An argument of a sign call: its position and its keyword."""
# qualified sign call -> (what to call it, payload, key, algorithm)
SIGNERS: dict[str, tuple[str, Arg, Arg, Arg | None]] = {
    "jwt.encode": ("jwt.encode", (0, "payload"), (1, "key"), (2, "algorithm")),
    "jwt.api_jwt.encode": ("jwt.encode", (0, "payload"), (1, "key"), (2, "algorithm")),
    "jose.jwt.encode": ("jose.jwt.encode", (0, "claims"), (1, "key"), (2, "algorithm")),
    "authlib.jose.jwt.encode": ("authlib jwt.encode", (1, "payload"), (2, "key"), None),
}
HMAC = {"hmac.new": "digestmod", "hmac.HMAC": "digestmod", "hmac.digest": "digest"}
WIDGET_WORDS = re.compile(r"(?i)widget|bestchatbot|chatbot")
WIDGET_MARKS = (WIDGET_SRC, "data-user-token", "widget-token", "widget_token", "setUserToken")
MAX_LIFETIME = 24 * 3600
GUEST_FIELDS = frozenset({"is_guest", "guest", "is_anonymous", "anonymous"})
FIREBASE_VERIFY = re.compile(r"verify_(id_token|session_cookie)")
FIREBASE_GUESTS = frozenset({"sign_in_provider", "email_verified"})


@dataclass(eq=False)
class Mint:
    at: At
    library: str
    payload: ast.expr | None
    key: ast.expr | None
    algorithm: ast.expr | None
    """The algorithm argument; for authlib and hand-rolled tokens, the header's `alg`."""
    header: ast.expr | None = None
    digest: ast.expr | None = None

    @property
    def call(self) -> ast.Call:
        assert isinstance(self.at.node, ast.Call)
        return self.at.node

    @property
    def where(self) -> str:
        func = self.at.ctx.func
        return f"{self.library}(...)" + (f" in {func.name}()" if func is not None else "")


@dataclass
class PythonChecker:
    sources: Sources
    index: Index = field(init=False)
    values: Values = field(init=False)
    guards: Guards = field(init=False)
    found: Found = field(default_factory=Found)
    key_envs: set[str] = field(default_factory=lambda: {"BESTCHATBOT_SIGNING_KEY"})
    """The variables the widget's key is read from (a page that renders one leaks it)."""

    def __post_init__(self) -> None:
        self.index = Index.of(self.sources)
        self.values = Values(self.index)
        self.guards = Guards(self.index)

    def run(self) -> Found:
        calls = self._sign_calls()
        named = [m for m in calls if self._named_for_the_widget(m)]
        # a sign call in a module that serves the widget is the widget's, unless another one
        # there is named for it: the app's own access tokens live beside it then
        beside = {m.at.ctx.mod for m in named}
        mints = [
            m
            for m in calls
            if m in named or (m.at.ctx.mod not in beside and self._serves_the_widget(m))
        ]
        for mint in mints:
            self._check(mint)
        entries = [mint.at.ctx for mint in mints]
        endpoints.Endpoints(self.index, self.values, self.guards, self.found).run(entries)
        pages.Pages(self.sources, self.index, self.values, self.found, self.key_envs).run()
        configs = cors.python_configs(list(self.index.modules))
        self.found.violations += cors.violations(self.sources, self.found.sites, configs)
        return self.found

    def flag(self, rule: str, at: At | tuple[Module, ast.AST], message: str) -> None:
        mod, node = (at.ctx.mod, at.node) if isinstance(at, At) else at
        line = getattr(node, "lineno", 1)
        self.found.violations.append(Violation(rule, mod.path, line, message))

    # -- finding the mints --------------------------------------------------------------------

    def _sign_calls(self) -> list[Mint]:
        found: list[Mint] = []
        for mod in self.index.modules:
            for node in mod.nodes(ast.Call):
                qualified = mod.qualified(node.func) or ""
                if qualified not in SIGNERS and qualified not in HMAC:
                    continue
                at = At(node, Ctx(mod, mod.enclosing(node)))
                if qualified in SIGNERS:
                    found.append(self._library_mint(at, node, *SIGNERS[qualified]))
                else:
                    mint = self._hand_rolled(at, node, HMAC[qualified])
                    found += [mint] if mint is not None else []
        return found

    def _library_mint(
        self, at: At, call: ast.Call, library: str, payload: Arg, key: Arg, alg: Arg | None
    ) -> Mint:
        mint = Mint(at, library, _arg(call, *payload), _arg(call, *key), None)
        if alg is not None:
            mint.algorithm = _arg(call, *alg)
        else:  # authlib: jwt.encode({"alg": "HS256"}, payload, key)
            mint.header = _arg(call, 0, "header")
            mint.algorithm = self._header_alg(At(mint.header, at.ctx)) if mint.header else None
        return mint

    def _hand_rolled(self, at: At, call: ast.Call, digest: str) -> Mint | None:
        """`hmac.new(key, signing_input, hashlib.sha256)` in a function that JSON-encodes a
        header with an `alg` and a payload: a JWT signed by hand."""
        if at.ctx.func is None:
            return None
        header = payload = None
        for node in own_nodes(at.ctx.func):
            if isinstance(node, ast.Call) and name_of(node.func) == "dumps" and node.args:
                part = At(node.args[0], at.ctx)
                if any("alg" in c.entries for c in self.values.claims(part)):
                    header = part
                else:
                    payload = part
        if header is None:
            return None
        signed = payload.node if payload is not None else None
        assert signed is None or isinstance(signed, ast.expr)
        mint = Mint(at, "hmac (hand-rolled JWT)", signed, _arg(call, 0, "key"), None)
        mint.header = header.node if isinstance(header.node, ast.expr) else None
        mint.algorithm = self._header_alg(header)
        mint.digest = _arg(call, 2, digest)
        return mint

    def _header_alg(self, header: At) -> ast.expr | None:
        for claims in self.values.claims(header):
            for value in claims.entries.get("alg", []):
                return value.node if isinstance(value.node, ast.expr) else None
        return None

    def _named_for_the_widget(self, mint: Mint) -> bool:
        """The widget's token, not the app's own JWTs: its key, a function on the way to the
        call or its module is named for the widget."""
        ctx = mint.at.ctx
        hints = [ctx.mod.path, *(f.name for _, f in self.guards.entry_path(ctx))]
        if mint.key is not None:
            hints.append(ast.unparse(mint.key))
            for leaf in self.values.leaves(At(mint.key, ctx), KEY_THROUGH):
                read = self.values.env_read(leaf)
                hints += [_bound_name(leaf), read.name or "" if read else ""]
        return any(WIDGET_WORDS.search(h) for h in hints)

    def _serves_the_widget(self, mint: Mint) -> bool:
        text = self.sources.text(mint.at.ctx.mod.path) or ""
        return any(mark in text for mark in WIDGET_MARKS)

    # -- the rules of one mint ----------------------------------------------------------------

    def _check(self, mint: Mint) -> None:
        mod = mint.at.ctx.mod
        self.found.sites.append(Site("mint", mod.path, mint.call.lineno, mint.where))
        self._algorithm(mint)
        self._key(mint)
        claims = self.values.claims(At(mint.payload, mint.at.ctx)) if mint.payload else []
        for each in claims:
            self._claims(mint, each)
        self._guard(mint, claims)

    def _algorithm(self, mint: Mint) -> None:
        ctx = mint.at.ctx
        if mint.algorithm is None:
            header = self.values.claims(At(mint.header, ctx)) if mint.header else []
            if all(c.complete for c in header):  # an `alg` from `**other` cannot be told
                what = "no `alg` in its header" if mint.header else "no algorithm"
                message = f"{mint.where} signs with {what}: the library default decides"
                self.flag("alg-not-hs256", mint.at, message)
            return
        for leaf in self.index.values(At(mint.algorithm, ctx)):
            node = leaf.node
            alg = const_str(node) or (node.attr if isinstance(node, ast.Attribute) else None)
            if alg is not None and alg.upper() != "HS256":
                self.flag("alg-not-hs256", leaf, f"{mint.where} signs with {alg}, not HS256")
        for leaf in self.index.values(At(mint.digest, ctx)) if mint.digest else []:
            digest = const_str(leaf.node) or name_of(leaf.node)
            if digest and digest.lower().replace("-", "") != "sha256":
                message = f"{mint.where} signs with HMAC-{digest}, not SHA-256"
                self.flag("alg-not-hs256", leaf, message)

    def _key(self, mint: Mint) -> None:
        if mint.key is None:
            return
        leaves = self.values.leaves(At(mint.key, mint.at.ctx), KEY_THROUGH)
        reads = [self.values.env_read(leaf) for leaf in leaves]
        self.key_envs |= {r.name for r in reads if r is not None and r.name}
        from_env = any(reads)
        what = f"the signing key of {mint.where}"
        for leaf, read in zip(leaves, reads, strict=True):
            if read is not None and read.has_default:
                where = At(read.default, leaf.ctx) if read.default is not None else leaf
                unset = read.name or "the variable"
                self.flag(
                    "key-default", where, f"{what} falls back to a default when {unset} is unset"
                )
            elif read is None and self.values.literal(leaf):
                if leaf.fallback or from_env:
                    self.flag("key-default", leaf, f"{what} falls back to a literal when unset")
                else:
                    self.flag("key-literal", leaf, f"{what} is a literal in the code")

    def _claims(self, mint: Mint, claims: Claims) -> None:
        exp = claims.entries.get("exp")
        if not exp and claims.complete:
            message = f"the claims signed by {mint.where} have no exp"
            self.flag("exp-missing", claims.origin, message)
        for value in exp or []:
            for seconds, where in self.values.lifetimes(value):
                if seconds > MAX_LIFETIME:
                    message = f"the token of {mint.where} lives {hours(seconds)}, over 24 hours"
                    self.flag("exp-too-long", where, message)
        for value in claims.entries.get("email", []):
            said = f"the email claim of {mint.where} ({ast.unparse(value.node)})"
            if self.values.not_lowered(value):
                self.flag("email-not-lowercased", value, f"{said} is not lowercased on every path")
            if self.values.client_inputs(value):
                self.flag("email-from-client", value, f"{said} comes from the client's request")

    def _guard(self, mint: Mint, claims: list[Claims]) -> None:
        ctx = mint.at.ctx
        origins = [c.origin for c in claims]
        read = [v for c in claims for name in IDENTITY_CLAIMS for v in c.entries.get(name, [])]
        whose = subjects(self.index, read, lambda at: bool(self.values.client_inputs(at)))
        unguarded = not self.guards.guarded(mint.call, ctx, whose)
        if (
            claims
            and unguarded
            and not all(self.guards.guarded(o.node, o.ctx, whose) for o in origins)
        ):
            message = f"{mint.where} is reached without checking that the visitor is signed in"
            self.flag("no-auth-guard", mint.at, message)
            return
        ways = self._path([ctx, *(o.ctx for o in origins)])
        words = self._guest_words(ways)
        if words and not _tested(words, ways):
            tests = " / ".join(sorted(words))
            message = f"{mint.where} mints tokens for guest identities: nothing tests {tests}"
            self.flag("guest-token", mint.at, message)

    def _guest_words(self, ways: list[Func]) -> set[str]:
        """What tells a guest from a user, where the project has guests: a guest field of its
        user model; Firebase's anonymous sign-in where it verifies Firebase ID tokens."""
        words = {
            name
            for mod in self.index.modules
            for cls in mod.classes.values()
            if userish(ast.Name(cls.name)) or _assigns(cls, "email")
            for name in GUEST_FIELDS
            if _assigns(cls, name)
        }
        if any(FIREBASE_VERIFY.search(ast.unparse(func)) for func in ways):
            words |= FIREBASE_GUESTS
        return words

    def _path(self, ctxs: list[Ctx]) -> list[Func]:
        found: dict[Func, None] = {}
        for ctx in ctxs:
            found |= dict.fromkeys(func for _, func in self.guards.entry_path(ctx))
        return list(found)


def check(sources: Sources) -> Found:
    return PythonChecker(sources).run()


def hours(seconds: float) -> str:
    return f"{seconds / 86400:g} days" if seconds >= 48 * 3600 else f"{seconds / 3600:g} hours"


def _tested(words: set[str], ways: list[Func]) -> bool:
    """Whether a test (`if`, a condition, a comparison) on the way names one of the words."""
    for func in ways:
        for node in own_nodes(func):
            test = getattr(node, "test", None) if isinstance(node, (ast.If, ast.IfExp)) else None
            test = node if isinstance(node, (ast.BoolOp, ast.Compare, ast.Assert)) else test
            if test is not None and any(w in ast.unparse(test) for w in words):
                return True
    return False


def _arg(call: ast.Call, index: int, keyword: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == keyword:
            return kw.value
    starred = any(isinstance(a, ast.Starred) for a in call.args[: index + 1])
    return call.args[index] if index < len(call.args) and not starred else None


def _bound_name(leaf: At) -> str:
    """The name a value is assigned to (`WIDGET_KEY = ...`), or passed as (`key=...`)."""
    parent = leaf.ctx.mod.parents.get(leaf.node)
    node = parent[0] if parent is not None else None
    if isinstance(node, ast.Assign):
        return " ".join(ast.unparse(t) for t in node.targets)
    if isinstance(node, (ast.AnnAssign, ast.AugAssign)):
        return ast.unparse(node.target)
    if isinstance(node, ast.keyword):
        return node.arg or ""
    return ""


def _assigns(cls: ast.ClassDef, name: str) -> bool:
    for stmt in cls.body:
        targets: list[ast.expr] = [stmt.target] if isinstance(stmt, ast.AnnAssign) else []
        targets = stmt.targets if isinstance(stmt, ast.Assign) else targets
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            return True
    return False
