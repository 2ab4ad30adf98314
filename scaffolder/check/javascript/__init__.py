"""The JavaScript / TypeScript checker of `bcb-scaffold check`: Next.js (App and Pages
Router), Express and any Node server, and the browser code beside them, read with tree-sitter
(never run).

It finds the widget-token mints (jsonwebtoken, jose, hand-rolled HMAC JWTs), the widget tag
(JSX `<Script>` / `<script>`, HTML built in strings), the `setUserToken` / `clearUserToken`
calls and the token endpoint, and checks each mint against the contract, following values
through the project's own modules (a key constant in another file, a signing helper, a claims
builder, the caller's arguments): `claims` (algorithm, key, exp, email), `guards` (who gets a
token), `delivery` (how it reaches the widget, where the key must not go).
"""

from __future__ import annotations

from scaffolder.check import cors
from scaffolder.check.javascript import claims, delivery, guards
from scaffolder.check.javascript.context import Context
from scaffolder.check.javascript.program import Program
from scaffolder.check.javascript.values import Flow
from scaffolder.check.rules import Found, Sources, Violation


def check(sources: Sources) -> Found:
    program = Program(sources)
    ctx = Context(program, Flow(program))
    for mint in ctx.mints:
        ctx.site("mint", mint.module, mint.call, mint.describe())
        claims.check(ctx, mint)
        identity = claims.email_leaves(ctx, mint, through_lowering=True)
        guards.check(ctx, mint, identity)
    delivery.check(ctx)
    server = [m.source for m in program.modules() if m.path not in ctx.client]
    configs = cors.javascript_configs(server)
    ctx.found.violations += cors.violations(sources, ctx.found.sites, configs)
    return Found(ctx.found.sites, _unique(ctx.found.violations))


def _unique(violations: list[Violation]) -> list[Violation]:
    """One finding per rule and line (a key read both in client code and in the page)."""
    seen: set[tuple[str, str, int]] = set()
    out = []
    for v in violations:
        if (v.rule, v.file, v.line) not in seen:
            seen.add((v.rule, v.file, v.line))
            out.append(v)
    return out
