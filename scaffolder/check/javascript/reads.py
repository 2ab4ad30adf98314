"""What a leaf is, in the contract's terms: an environment variable read, a literal, a read
of client input, the auth provider's own token, a signed-in user's identity from Supabase or
Firebase."""

from __future__ import annotations

import re

from tree_sitter import Node

from scaffolder.check.javascript.program import Module
from scaffolder.check.javascript.values import Leaf
from scaffolder.js.syntax import call_arguments, string_value

PUBLIC_PREFIXES = ("NEXT_PUBLIC_", "VITE_", "REACT_APP_", "PUBLIC_", "EXPO_PUBLIC_", "GATSBY_")
REQUEST_NAMES = frozenset({"req", "request", "ctx", "context", "event", "c"})
CLIENT_PARTS = frozenset({"body", "query", "headers", "cookies", "params", "searchParams"})
CLIENT_CALLS = re.compile(
    r"(^|\.)(req|request)\.(json|formData|text|get|header)$|searchParams\.get$|"
    r"(^|\.)headers\.get$|cookies\(\)\)?\.get$|(^|\.)cookies\.get$"
)
PROVIDER_CALLS = frozenset(
    {
        "getToken",
        "getIdToken",
        "getAccessToken",
        "getAccessTokenSilently",
        "getAccessTokenWithPopup",
        "getIdTokenResult",
    }
)
PROVIDER_FIELDS = frozenset(
    {"access_token", "accessToken", "id_token", "idToken", "provider_token", "__session"}
)


def env_name(leaf: Leaf) -> str | None:
    """`process.env.X` / `process.env["X"]` / `import.meta.env.X` -> X."""
    root = leaf.node
    process = leaf.kind == "global" and leaf.text() == "process"
    if len(leaf.path) == 2 and leaf.path[0] == "env" and (process or root.type == "meta_property"):
        return leaf.path[1]
    if leaf.kind != "value" or root.type != "call_expression":
        return None
    callee = leaf.module.text(root.child_by_field_name("function"))
    args = call_arguments(root)
    if callee in ("Deno.env.get", "Bun.env.get") and args and not leaf.path:
        return string_value(leaf.module.source, args[0])
    # validated environments: `schema.parse(process.env).X`, t3-env's `createEnv({...}).X`
    environment = any(leaf.module.text(a) in ("process.env", "import.meta.env") for a in args)
    if len(leaf.path) == 1 and (environment or callee.endswith("createEnv")):
        return leaf.path[0]
    return None


def env_reads(module: Module, node: Node) -> str | None:
    """The variable a node reads directly (`process.env.X` as written), for scans."""
    if node.type not in ("member_expression", "subscript_expression"):
        return None
    obj = node.child_by_field_name("object")
    if obj is None or module.text(obj).replace(" ", "") not in ("process.env", "import.meta.env"):
        return None
    if node.type == "member_expression":
        return module.text(node.child_by_field_name("property"))
    return string_value(module.source, node.child_by_field_name("index"))


def public_env(name: str) -> bool:
    return name.upper().startswith(PUBLIC_PREFIXES)


def signing_name(name: str) -> bool:
    """A variable that holds the widget's signing key (not its public API key)."""
    upper = name.upper()
    for prefix in PUBLIC_PREFIXES:
        upper = upper.removeprefix(prefix)
    if "BESTCHATBOT" not in upper and "WIDGET" not in upper:
        return False
    return "SIGNING" in upper or "SECRET" in upper or "JWT" in upper or "HMAC" in upper


def literal(leaf: Leaf) -> str | None:
    """A non-empty string (or number) literal's text, as the key would be."""
    if leaf.kind != "value" or leaf.path:
        return None
    node = leaf.node
    if node.type == "string" or (
        node.type == "template_string"
        and not any(c.type == "template_substitution" for c in node.children)
    ):
        value = leaf.module.text(node)[1:-1]
        return value or None
    if node.type == "number":
        return leaf.module.text(node)
    return None


def client_input(leaf: Leaf) -> str | None:
    """How a leaf reads client input (`req.body`, `await request.json()`, `searchParams`), or
    None."""
    path = leaf.path
    if leaf.kind == "param" and path:
        if leaf.spec in REQUEST_NAMES and path[0] in CLIENT_PARTS:
            return f"{leaf.spec}.{path[0]}"
        if path[0] == "searchParams":
            return "searchParams"
    if leaf.kind == "global" and leaf.text() in ("location", "document") and path:
        return leaf.text()
    if leaf.node.type == "call_expression" and leaf.kind == "value":
        callee = leaf.module.text(leaf.node.child_by_field_name("function")).replace("?.", ".")
        callee = callee.replace(" ", "").replace("\n", "")
        if CLIENT_CALLS.search(callee):
            return callee + "()"
    return None


def provider_token(leaf: Leaf) -> str | None:
    """How a leaf is the auth provider's own token (Clerk's getToken(), Supabase's
    `session.access_token`, Firebase's ID token, next-auth's `session.accessToken`, the
    request's Authorization header), or None."""
    node = leaf.node
    module = leaf.module
    if node.type == "call_expression" and leaf.kind == "value":
        callee = module.text(node.child_by_field_name("function")).replace("?.", ".")
        last = callee.rsplit(".", 1)[-1]
        if last in PROVIDER_CALLS and leaf.path in ((), ("token",)):
            return callee + "()"
        if last in ("get", "header") and "cookies" not in callee:
            args = call_arguments(node)
            name = string_value(module.source, args[0]) if args else None
            if name is not None and name.lower() == "authorization":
                return f"the {name} header"
    if leaf.path and leaf.path[-1] in PROVIDER_FIELDS:
        return ".".join(leaf.path)
    if leaf.path[-2:] == ("headers", "authorization"):
        return "the Authorization header"
    return None


SUPABASE_USER = re.compile(r"\.auth\.(getUser|getSession|getClaims)$")
FIREBASE_USER = re.compile(r"(^|\.)(verifyIdToken|verifySessionCookie)$")


def identity_call(leaf: Leaf) -> tuple[str, str] | None:
    """(provider, call) when a leaf is the user Supabase or Firebase hands the server."""
    node = leaf.node
    if node.type != "call_expression":
        return None
    callee = leaf.module.text(node.child_by_field_name("function")).replace("?.", ".")
    callee = re.sub(r"\s+", "", callee)
    if SUPABASE_USER.search(callee):
        return "supabase", callee
    if FIREBASE_USER.search(callee):
        return "firebase", callee
    return None
