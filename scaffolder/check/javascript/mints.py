"""Where the widget token is minted: `jsonwebtoken`'s `sign(payload, key, options)`, jose's
`new SignJWT(payload).setProtectedHeader(...)...sign(key)`, and hand-rolled JWTs (a JSON header
with `alg`, `crypto.createHmac(...)`).

An app signs other tokens too (its own API's JWTs), so a sign call is the widget's only when
something ties it to the widget: its key names BestChatBot or the widget, it sits in a function
or file named for them, its result lands in something named for them, or its file also loads
the widget, serves the widget-token route or calls `setUserToken`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from tree_sitter import Node

from scaffolder.check.javascript import scope
from scaffolder.check.javascript.program import Module, NodeKey
from scaffolder.check.javascript.scope import property_name
from scaffolder.check.javascript.values import Flow, Leaf
from scaffolder.js.syntax import call_arguments
from scaffolder.markup import WIDGET_HOST
from scaffolder.treesitter import walk

Library = Literal["jsonwebtoken", "jose", "hmac"]
WIDGETISH = re.compile(r"bestchatbot|widget|chatbot|chat_?bot", re.I)
_MARKERS = (WIDGET_HOST, "widget-token", "data-user-token", "setUserToken")


@dataclass
class Mint:
    module: Module
    call: Node
    """The sign call: `jwt.sign(...)`, the whole `new SignJWT(...)....sign(key)` chain,
    `createHmac(...)`."""
    library: Library
    payload: Node | None
    key: Node | None
    options: Node | None = None
    """jsonwebtoken: the options argument."""
    header: Node | None = None
    """jose: setProtectedHeader's argument; hmac: the header object."""
    header_module: Module | None = None
    expiration: Node | None = None
    """jose: setExpirationTime's argument."""
    digest: Node | None = None
    """hmac: createHmac's algorithm argument."""
    results: set[NodeKey] = field(default_factory=set)
    """The nodes whose value is the signed token (for following it to the response)."""

    @property
    def line(self) -> int:
        return self.module.line(self.call)

    @property
    def function(self) -> Node | None:
        return scope.enclosing_function(self.call)

    def describe(self) -> str:
        what = {
            "jsonwebtoken": "jwt.sign(...)",
            "jose": "new SignJWT(...).sign(...)",
            "hmac": "an HMAC-signed JWT",
        }[self.library]
        fn = self.function
        name = scope.function_name(self.module, fn) if fn is not None else None
        return f"{what} in {name}()" if name else what


def find(flow: Flow, module: Module) -> list[Mint]:
    """The widget-token mints of one module."""
    found = []
    for node in module.nodes("call_expression", "new_expression"):
        mint = None
        if node.type == "call_expression":
            mint = _jsonwebtoken(flow, module, node) or _hmac(flow, module, node)
        elif node.type == "new_expression":
            mint = _jose(flow, module, node)
        if mint is not None and is_widget(flow, mint):
            found.append(mint)
    return found


def _origin(flow: Flow, module: Module, node: Node) -> list[Leaf]:
    return [leaf for leaf in flow.values(module, node) if leaf.kind == "import"]


def _from(leaves: list[Leaf], packages: tuple[str, ...], name: str) -> bool:
    """Whether a callee is `name` of one of the packages (`jwt.sign` with jwt the package's
    default or namespace import, or `sign` imported by name)."""
    for leaf in leaves:
        if leaf.spec not in packages:
            continue
        if leaf.imported in ("default", "*") and leaf.path == (name,):
            return True
        if leaf.imported == name and not leaf.path:
            return True
    return False


def _jsonwebtoken(flow: Flow, module: Module, call: Node) -> Mint | None:
    fn = call.child_by_field_name("function")
    if fn is None or not module.text(fn).endswith("sign"):
        return None
    if not _from(_origin(flow, module, fn), ("jsonwebtoken",), "sign"):
        return None
    args = call_arguments(call)
    return Mint(
        module,
        call,
        "jsonwebtoken",
        args[0] if args else None,
        args[1] if len(args) > 1 else None,
        options=args[2] if len(args) > 2 else None,
        results={module.key(call)},
    )


def _jose(flow: Flow, module: Module, new: Node) -> Mint | None:
    ctor = new.child_by_field_name("constructor")
    if ctor is None or not module.text(ctor).endswith("SignJWT"):
        return None
    if not _from(_origin(flow, module, ctor), ("jose",), "SignJWT"):
        return None
    args = call_arguments(new)
    mint = Mint(module, new, "jose", args[0] if args else None, None)
    cur = new
    while True:
        member = cur.parent
        if member is None or member.type != "member_expression":
            break
        call = member.parent
        if call is None or call.type != "call_expression":
            break
        method = module.text(member.child_by_field_name("property"))
        margs = call_arguments(call)
        first = margs[0] if margs else None
        if method == "setProtectedHeader":
            mint.header, mint.header_module = first, module
        elif method == "setExpirationTime":
            mint.expiration = first
        elif method == "sign":
            mint.key = first
            mint.call = call
            mint.results = {module.key(call)}
            return mint
        cur = call
    return None  # the token is built but signed elsewhere: not followed


def _hmac(flow: Flow, module: Module, call: Node) -> Mint | None:
    fn = call.child_by_field_name("function")
    if fn is None or not module.text(fn).endswith("createHmac"):
        return None
    if not _from(_origin(flow, module, fn), ("crypto", "node:crypto"), "createHmac"):
        return None
    owner = scope.enclosing_function(call)
    header, payload = _json_parts(flow, module, owner or module.root)
    if header is None:
        header, _ = _json_parts(flow, module, module.root)
    if header is None:
        return None  # an HMAC, but not a JWT's (webhook signatures, ...)
    args = call_arguments(call)
    mint = Mint(
        module,
        call,
        "hmac",
        payload,
        args[1] if len(args) > 1 else None,
        header=header[1],
        header_module=header[0],
        digest=args[0] if args else None,
    )
    if owner is not None:
        for result in scope.returns(owner):
            mint.results |= {leaf.module.key(leaf.node) for leaf in flow.values(module, result)}
    return mint


def _json_parts(
    flow: Flow, module: Module, within: Node
) -> tuple[tuple[Module, Node] | None, Node | None]:
    """The JWT header object (a JSON-encoded object with `alg`) and the payload expression
    (the other JSON-encoded value) under `within`: arguments of JSON.stringify, or of a
    project helper that JSON.stringify's its parameter (`encode(part)`)."""
    header: tuple[Module, Node] | None = None
    payload = None
    for arg in _encoded(flow, module, within):
        objects = [leaf for leaf in flow.values(module, arg) if leaf.node.type == "object"]
        with_alg = [o for o in objects if _has_key(o.module, o.node, "alg")]
        if with_alg:
            header = with_alg[0].module, with_alg[0].node
        elif payload is None:
            payload = arg
    return header, payload


def _encoded(flow: Flow, module: Module, within: Node) -> list[Node]:
    out = []
    for node in walk(within):
        if node.type != "call_expression":
            continue
        args = call_arguments(node)
        callee = node.child_by_field_name("function")
        if not args or callee is None:
            continue
        if module.text(callee) == "JSON.stringify":
            out.append(args[0])
            continue
        for leaf in flow.values(module, callee):
            if leaf.node.type in scope.FUNCTIONS and _stringifies_first_param(leaf):
                out.append(args[0])
                break
    return out


def _stringifies_first_param(leaf: Leaf) -> bool:
    m, fn = leaf.module, leaf.node
    params = fn.child_by_field_name("parameters")
    first = params.named_children[0] if params is not None and params.named_children else None
    if first is not None and first.type in ("required_parameter", "optional_parameter"):
        first = first.child_by_field_name("pattern")
    if first is None or first.type != "identifier":
        return False
    name = m.text(first)
    for node in walk(fn):
        if node.type == "call_expression" and m.text(node.child_by_field_name("function")) == (
            "JSON.stringify"
        ):
            args = call_arguments(node)
            if args and m.text(args[0]) == name:
                return True
    return False


def _has_key(module: Module, obj: Node, key: str) -> bool:
    return any(
        c.type == "pair" and property_name(module, c.child_by_field_name("key")) == key
        for c in obj.named_children
    )


# -- is it the widget's? ----------------------------------------------------------------------


def is_widget(flow: Flow, mint: Mint) -> bool:
    module = mint.module
    if module.is_test:
        return False
    if WIDGETISH.search(module.path):
        return True
    if mint.key is not None:
        if WIDGETISH.search(module.text(mint.key)):
            return True
        for leaf in key_leaves(flow, mint):
            read_in, read = leaf.where
            if WIDGETISH.search(read_in.text(read)) or any(WIDGETISH.search(p) for p in leaf.path):
                return True
    fn = mint.function
    while fn is not None:
        name = scope.function_name(module, fn)
        if name and WIDGETISH.search(name):
            return True
        fn = scope.enclosing_function(fn)
    if WIDGETISH.search(_receiver(module, mint.call)):
        return True
    return has_markers(module)


def key_leaves(flow: Flow, mint: Mint) -> list[Leaf]:
    """The key's values, looking through the encoders that turn a secret into key bytes
    (`new TextEncoder().encode(s)`, `Buffer.from(s)`, `createSecretKey(s)`)."""
    if mint.key is None:
        return []
    return flow.values(mint.module, mint.key, through=_key_encoders)


def _key_encoders(module: Module, call: Node) -> Node | None:
    fn = call.child_by_field_name("function")
    name = module.text(fn).rsplit(".", 1)[-1] if fn is not None else ""
    args = call_arguments(call)
    if name in ("encode", "from", "createSecretKey", "String") and args:
        return args[0]
    if name in ("trim", "toString") and fn is not None and fn.type == "member_expression":
        return fn.child_by_field_name("object")
    return None


def _receiver(module: Module, node: Node) -> str:
    """The name the mint's value is stored under (`res.locals.widgetToken = ...`,
    `const chatToken = ...`, `{ bestchatbotToken: ... }`)."""
    cur = node
    while cur.parent is not None and cur.parent.type in (
        "await_expression",
        "parenthesized_expression",
        "ternary_expression",
        "as_expression",
    ):
        cur = cur.parent
    parent = cur.parent
    if parent is None:
        return ""
    if parent.type == "variable_declarator":
        return module.text(parent.child_by_field_name("name"))
    if parent.type == "assignment_expression":
        return module.text(parent.child_by_field_name("left"))
    if parent.type == "pair":
        return module.text(parent.child_by_field_name("key"))
    return ""


def has_markers(module: Module) -> bool:
    """Whether a module loads the widget, serves the widget-token route or hands the widget a
    token (in its code, not its comments)."""
    for node in module.nodes("string_fragment", "property_identifier"):
        text = module.text(node)
        if any(marker in text for marker in _MARKERS):
            return True
    return False
