"""The PHP checker of `bcb-scaffold check`: WordPress themes, plugins and sites, and plain PHP,
read with tree-sitter and never run.

It finds the widget token's mints (firebase/php-jwt's `JWT::encode($claims, $key, 'HS256')`, or
`hash_hmac('sha256', ...)` next to a JSON header with an `alg`: a JWT signed by hand) that
belong to the widget (its key is BESTCHATBOT_SIGNING_KEY or named for the widget, a function on
the way is, or the file prints the widget), follows key, algorithm and claims through the
project's functions and constants (`index`, `values`), and checks who reaches the mint
(`guards`: is_user_logged_in(), `wp_ajax_` hooks, REST permission callbacks); `pages` checks the
REST endpoints that serve the token, what pages print and the page cache in front of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tree_sitter import Node

from scaffolder.check.php.guards import Guards
from scaffolder.check.php.index import (
    At,
    Ctx,
    PhpIndex,
    arguments,
    call_name,
    enclosing,
    function_name,
    string_value,
    text,
    walk_own,
)
from scaffolder.check.php.pages import Pages
from scaffolder.check.php.values import Values
from scaffolder.check.python import hours
from scaffolder.check.python.subjects import IDENTITY_CLAIMS
from scaffolder.check.rules import Found, Site, Sources, Violation
from scaffolder.markup import WIDGET_SRC

WIDGET_WORDS = re.compile(r"(?i)widget|bestchatbot|chatbot")
WIDGET_MARKS = (WIDGET_SRC, "data-user-token", "widget-token", "setUserToken")
MAX_LIFETIME = 24 * 3600
JSON_ENCODERS = frozenset({"json_encode", "wp_json_encode"})


@dataclass(eq=False)
class Mint:
    at: At
    library: str
    payload: Node | None
    key: Node | None
    algorithm: Node | None
    header: bool = False
    digest: Node | None = None

    @property
    def where(self) -> str:
        func = self.at.ctx.func
        name = function_name(func) if func is not None else ""
        return f"{self.library}(...)" + (f" in {name}()" if name else "")


@dataclass
class PhpChecker:
    sources: Sources
    index: PhpIndex = field(init=False)
    values: Values = field(init=False)
    guards: Guards = field(init=False)
    found: Found = field(default_factory=Found)
    key_envs: set[str] = field(default_factory=lambda: {"BESTCHATBOT_SIGNING_KEY"})
    """The variables and constants the widget's key is read from."""

    def __post_init__(self) -> None:
        self.index = PhpIndex.of(self.sources)
        self.values = Values(self.index)
        self.guards = Guards(self.index)

    def run(self) -> Found:
        calls = self._sign_calls()
        named = [m for m in calls if self._named_for_the_widget(m)]
        beside = {m.at.ctx.file for m in named}
        mints = [
            m
            for m in calls
            if m in named or (m.at.ctx.file not in beside and self._serves_the_widget(m))
        ]
        for mint in mints:
            self._check(mint)
        entries = [mint.at.ctx for mint in mints]
        pages = Pages(self.sources, self.index, self.values, self.guards, self.found, self.key_envs)
        pages.run(entries)
        return self.found

    def flag(self, rule: str, at: At, message: str) -> None:
        file = at.ctx.file
        self.found.violations.append(Violation(rule, file.path, file.line(at.node), message))

    # -- finding the mints --------------------------------------------------------------------

    def _sign_calls(self) -> list[Mint]:
        found = []
        for file, node in self.index.nodes("scoped_call_expression", "function_call_expression"):
            at = At(node, Ctx(file, enclosing(node)))
            args = arguments(node)
            if node.type == "scoped_call_expression":
                scope = text(node.child_by_field_name("scope")).rsplit("\\", 1)[-1]
                if scope == "JWT" and call_name(node) == "encode" and len(args) >= 2:
                    algorithm = args[2] if len(args) > 2 else None
                    found.append(Mint(at, "JWT::encode", args[0], args[1], algorithm))
            elif call_name(node) == "hash_hmac" and len(args) >= 3 and at.ctx.func is not None:
                mint = self._hand_rolled(at, at.ctx.func, args)
                found += [mint] if mint is not None else []
        return found

    def _hand_rolled(self, at: At, func: Node, args: list[Node]) -> Mint | None:
        """`hash_hmac('sha256', $input, $key, true)` in a function that JSON-encodes a header
        with an `alg` and the claims."""
        header = payload = None
        for node in walk_own(func):
            if node.type == "function_call_expression" and call_name(node) in JSON_ENCODERS:
                for encoded in arguments(node)[:1]:
                    part = At(encoded, at.ctx)
                    if any("alg" in entries for entries, _ in self.values.claims(part)):
                        header = part
                    else:
                        payload = part
        if header is None:
            return None
        algs = [v.node for entries, _ in self.values.claims(header) for v in entries.get("alg", [])]
        signed = payload.node if payload is not None else None
        mint = Mint(at, "hash_hmac (hand-rolled JWT)", signed, args[2], algs[0] if algs else None)
        mint.header, mint.digest = True, args[0]
        return mint

    def _named_for_the_widget(self, mint: Mint) -> bool:
        hints = [mint.at.ctx.file.path]
        hints += [function_name(f) for f in self.guards.entry_path(mint.at.ctx)]
        if mint.key is not None:
            hints.append(text(mint.key))
            for leaf in self.index.values(At(mint.key, mint.at.ctx)):
                hints += [text(leaf.node), self.values.env_name(leaf) or ""]
        return any(WIDGET_WORDS.search(h) for h in hints)

    def _serves_the_widget(self, mint: Mint) -> bool:
        return any(mark in mint.at.ctx.file.text for mark in WIDGET_MARKS)

    # -- the rules of one mint ----------------------------------------------------------------

    def _check(self, mint: Mint) -> None:
        file, node = mint.at.ctx.file, mint.at.node
        self.found.sites.append(Site("mint", file.path, file.line(node), mint.where))
        self._algorithm(mint)
        self._key(mint)
        payload = At(mint.payload, mint.at.ctx) if mint.payload is not None else None
        claims = self.values.claims(payload) if payload is not None else []
        for entries, origin in claims:
            self._claims(mint, entries, origin)
        origins = [origin for _, origin in claims]
        read = [v for entries, _ in claims for k in IDENTITY_CLAIMS for v in entries.get(k, [])]
        whose = self.guards.subjects(read, lambda at: bool(self.values.client_inputs(at)))
        unguarded = not self.guards.guarded(node, mint.at.ctx, whose)
        if (
            claims
            and unguarded
            and not all(self.guards.guarded(o.node, o.ctx, whose) for o in origins)
        ):
            message = f"{mint.where} is reached without checking is_user_logged_in()"
            self.flag("no-auth-guard", mint.at, message)

    def _algorithm(self, mint: Mint) -> None:
        if mint.algorithm is None:
            what = "no `alg` in its header" if mint.header else "no algorithm"
            message = f"{mint.where} signs with {what}: the library default decides"
            self.flag("alg-not-hs256", mint.at, message)
        for leaf in self.index.values(At(mint.algorithm, mint.at.ctx)) if mint.algorithm else []:
            alg = string_value(leaf.node)
            if alg is not None and alg.upper() != "HS256":
                self.flag("alg-not-hs256", leaf, f"{mint.where} signs with {alg}, not HS256")
        for leaf in self.index.values(At(mint.digest, mint.at.ctx)) if mint.digest else []:
            digest = string_value(leaf.node)
            if digest is not None and digest.lower() != "sha256":
                message = f"{mint.where} signs with HMAC-{digest}, not SHA-256"
                self.flag("alg-not-hs256", leaf, message)

    def _key(self, mint: Mint) -> None:
        if mint.key is None:
            return
        leaves = self.index.values(At(mint.key, mint.at.ctx))
        envs = [self.values.env_name(leaf) for leaf in leaves]
        self.key_envs |= {e for e in envs if e}
        what = f"the signing key of {mint.where}"
        for leaf in leaves:
            if not string_value(leaf.node):
                continue
            if leaf.fallback or any(envs):
                self.flag("key-default", leaf, f"{what} falls back to a literal when unset")
            else:
                self.flag("key-literal", leaf, f"{what} is a literal in the code")

    def _claims(self, mint: Mint, entries: dict[str, list[At]], origin: At) -> None:
        if "exp" not in entries:
            self.flag("exp-missing", origin, f"the claims signed by {mint.where} have no exp")
        for value in entries.get("exp", []):
            for seconds, where in self.values.lifetimes(value):
                if seconds > MAX_LIFETIME:
                    message = f"the token of {mint.where} lives {hours(seconds)}, over 24 hours"
                    self.flag("exp-too-long", where, message)
        for value in entries.get("email", []):
            said = f"the email claim of {mint.where} ({text(value.node)})"
            if self.values.not_lowered(value):
                self.flag("email-not-lowercased", value, f"{said} is not lowercased on every path")
            if self.values.client_inputs(value):
                self.flag("email-from-client", value, f"{said} comes from the client's request")


def check(sources: Sources) -> Found:
    return PhpChecker(sources).run()
