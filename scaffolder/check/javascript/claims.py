"""The rules on a mint itself: the algorithm, the key, the `exp` claim, the email claim
(lowercased on every path, never from client input)."""

from __future__ import annotations

from tree_sitter import Node

from scaffolder.check.javascript import reads, timespans
from scaffolder.check.javascript.context import Context
from scaffolder.check.javascript.mints import Mint, key_leaves
from scaffolder.check.javascript.program import Module
from scaffolder.check.javascript.values import Leaf
from scaffolder.js.syntax import call_arguments

LOWERING = ("toLowerCase", "toLocaleLowerCase")
KEEPS_CASE = ("trim", "trimStart", "trimEnd", "normalize", "toString", "String", "valueOf")


def check(ctx: Context, mint: Mint) -> None:
    algorithm(ctx, mint)
    key(ctx, mint)
    expiry(ctx, mint)
    email(ctx, mint)


# -- alg --------------------------------------------------------------------------------------


def algorithm(ctx: Context, mint: Mint) -> None:
    m = mint.module
    if mint.library == "jsonwebtoken":
        if mint.options is None:
            ctx.flag(
                "alg-not-hs256",
                m,
                mint.call,
                "jwt.sign(...) without options: the algorithm is left to jsonwebtoken's default",
            )
            return
        _alg_value(ctx, mint, mint.module, mint.options, "algorithm", "jwt.sign's options")
    elif mint.library == "jose":
        if mint.header is None:
            ctx.flag(
                "alg-not-hs256",
                m,
                mint.call,
                "new SignJWT(...) without setProtectedHeader({ alg: 'HS256' })",
            )
            return
        _alg_value(ctx, mint, m, mint.header, "alg", "setProtectedHeader")
    else:
        digests = ctx.flow.values(m, mint.digest) if mint.digest is not None else []
        for leaf in digests:
            digest = reads.literal(leaf)
            if digest is not None and digest.lower() != "sha256":
                ctx.flag_leaf(
                    "alg-not-hs256", leaf, f"createHmac('{digest}'): HS256 is HMAC with SHA-256"
                )
                return
        if mint.header is not None and mint.header_module is not None:
            _alg_value(ctx, mint, mint.header_module, mint.header, "alg", "the JWT header")


def _alg_value(ctx: Context, mint: Mint, m: Module, holder: Node, prop: str, what: str) -> None:
    leaves = ctx.flow.values(m, holder, (prop,))
    for leaf in leaves:
        value = reads.literal(leaf)
        if value is not None and value != "HS256":
            ctx.flag_leaf("alg-not-hs256", leaf, f"{what} sets {prop} '{value}', not HS256")
            return
    if leaves and all(_missing(leaf) for leaf in leaves):
        ctx.flag(
            "alg-not-hs256",
            mint.module,
            mint.call,
            f"{what} set no `{prop}`: the algorithm is left to the library's default",
        )


def _missing(leaf: Leaf) -> bool:
    """The property is not there (an object without it, no options at all, a callback)."""
    if leaf.kind == "absent":
        return True
    return leaf.kind == "value" and leaf.node.type in ("arrow_function", "function_expression")


# -- key --------------------------------------------------------------------------------------


def key(ctx: Context, mint: Mint) -> None:
    leaves = key_leaves(ctx.flow, mint)
    envs = [(leaf, name) for leaf in leaves if (name := reads.env_name(leaf)) is not None]
    for leaf, name in envs:
        if reads.public_env(name):
            ctx.flag_leaf(
                "key-public-env",
                leaf,
                f"the signing key is read from {name}: the bundler ships that variable to the "
                "browser",
            )
    literals = [leaf for leaf in leaves if reads.literal(leaf) is not None]
    if not literals:
        return
    first = min(literals, key=lambda leaf: (leaf.module.path, leaf.line))
    if envs:
        ctx.flag_leaf(
            "key-default",
            first,
            f"the signing key falls back to a literal when {envs[0][1]} is unset",
        )
    else:
        ctx.flag_leaf("key-literal", first, f"{mint.describe()} signs with a literal key")


# -- exp --------------------------------------------------------------------------------------


def expiry(ctx: Context, mint: Mint) -> None:
    flow = ctx.flow
    m = mint.module
    lifetimes: list[tuple[Leaf, float]] = []
    sources: list[list[Leaf]] = []
    if mint.library == "jsonwebtoken":
        option = flow.values(m, mint.options, ("expiresIn",)) if mint.options else []
        sources.append(option or [Leaf(m, mint.call, (), "absent")])
        for leaf in option:
            if leaf.kind == "value":
                life = timespans.lifetime_of_expires_in(flow, leaf)
                if life is not None:
                    lifetimes.append((leaf, life))
    elif mint.library == "jose":
        if mint.expiration is None:
            sources.append([Leaf(m, mint.call, (), "absent")])
        else:
            setting = flow.values(m, mint.expiration)
            sources.append(setting)
            for leaf in setting:
                life = timespans.lifetime_of_jose(flow, leaf)
                if life is not None:
                    lifetimes.append((leaf, life))
    claim = flow.values(m, mint.payload, ("exp",)) if mint.payload is not None else []
    sources.append(claim)
    for leaf in claim:
        if leaf.kind == "value":
            life = timespans.lifetime_of_exp(flow, leaf)
            if life is not None:
                lifetimes.append((leaf, life))
    if all(source and all(_missing(leaf) for leaf in source) for source in sources):
        ctx.flag("exp-missing", m, mint.call, f"{mint.describe()} sets no exp")
        return
    too_long = [(leaf, life) for leaf, life in lifetimes if life > timespans.MAX_LIFETIME]
    if too_long:
        leaf, life = too_long[0]
        ctx.flag_leaf(
            "exp-too-long",
            leaf,
            f"the token lives {_hours(life)}: more than the 24 hours the contract allows",
        )


def _hours(seconds: float) -> str:
    hours = seconds / 3600
    if hours >= 48 and hours % 24 == 0:
        return f"{int(hours // 24)} days"
    return f"{hours:g} hours"


# -- email ------------------------------------------------------------------------------------


def email_leaves(ctx: Context, mint: Mint, *, through_lowering: bool) -> list[Leaf]:
    """The email claim's values (looking through calls that keep its case, and with
    `through_lowering` through toLowerCase() too: where the address comes from)."""
    if mint.payload is None:
        return []
    keeps = KEEPS_CASE + LOWERING if through_lowering else KEEPS_CASE

    def through(module: Module, call: Node) -> Node | None:
        fn = call.child_by_field_name("function")
        if fn is None:
            return None
        if fn.type == "member_expression":
            name = module.text(fn.child_by_field_name("property"))
            return fn.child_by_field_name("object") if name in keeps else None
        args = call_arguments(call)
        return args[0] if module.text(fn) == "String" and args else None

    return ctx.flow.values(mint.module, mint.payload, ("email",), through=through)


def email(ctx: Context, mint: Mint) -> None:
    raw = [leaf for leaf in email_leaves(ctx, mint, through_lowering=False) if _raw(leaf)]
    if raw:
        first = min(raw, key=lambda leaf: (leaf.module.path, leaf.line))
        module, node = first.where
        shown = module.text(node).replace("\n", " ")[:60]
        ctx.flag_leaf(
            "email-not-lowercased",
            first,
            f"the email claim takes `{shown}` without toLowerCase() on this path",
        )
    for leaf in email_leaves(ctx, mint, through_lowering=True):
        source = reads.client_input(leaf)
        if source is not None:
            ctx.flag_leaf(
                "email-from-client",
                leaf,
                f"the email claim comes from {source}: input the visitor controls",
            )
            break


def _raw(leaf: Leaf) -> bool:
    """A read of an email that is not lowercased (a property of the user, the session, ...);
    literals, lowered values and what cannot be followed are not."""
    node = leaf.node
    if leaf.kind in ("absent", "unknown"):
        return False
    if node.type == "call_expression":
        fn = node.child_by_field_name("function")
        name = leaf.module.text(fn).rsplit(".", 1)[-1] if fn is not None else ""
        return name not in LOWERING and bool(leaf.path)
    if node.type == "string":
        value = leaf.module.text(node)[1:-1]
        return not leaf.path and value != value.lower()
    if leaf.kind in ("param", "global", "import"):
        # `user.email` read in code; not `claims.email` of a whole payload no call reaches
        return bool(leaf.path) and leaf.at is not None
    return node.type in ("member_expression", "subscript_expression") or bool(leaf.path)
