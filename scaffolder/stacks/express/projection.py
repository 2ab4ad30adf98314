"""Projections on passport's deserialize path that leave the user's email out of `req.user`.

`deserializeUser` loads the signed-in user on every request; a projection there decides which
fields `req.user` carries: Mongoose's `.select("name username")` / `findById(id, "name")` /
`.select({ name: 1 })`, the MongoDB driver's `{ projection: {...} }`, Sequelize's
`attributes: [...]`, Prisma's `select: {...}`. One that includes fields but not the email
makes `req.user.email` undefined on every request, so no token is ever minted.

The least change that loads the email, in the deserialize path only (other callers of a shared
helper keep what they load):
- a projection written in the deserialize callback gets the email added where it is written;
- a helper whose projection the caller can override (`options.select || "name username"`,
  a Mongoose static such as `User.load(options, cb)`) is passed its default plus the email at
  the deserialize call (`select: "name username email"`);
- otherwise (a projection fixed inside a shared helper, one that excludes the email on
  purpose) there is no safe edit: a warning with the place, and the snippet as a next step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tree_sitter import Node

from scaffolder.js.syntax import (
    FUNCTION_TYPES,
    Source,
    call_arguments,
    callee_name,
    checked_splice,
    string_value,
)
from scaffolder.plan import PlanBuilder
from scaffolder.stacks.express.index import (
    JsIndex,
    Module,
    exported_function,
    local_function,
    parameters,
)
from scaffolder.steps import StepResult, applied, skipped
from scaffolder.treesitter import walk

# Query methods whose arguments may carry a projection (Mongoose, the MongoDB driver, Sequelize,
# Prisma); any other method called in the deserialize callback may be a helper that queries.
_QUERIES = frozenset(
    {
        "find",
        "findById",
        "findOne",
        "findByPk",
        "findAll",
        "findUnique",
        "findUniqueOrThrow",
        "findFirst",
        "findFirstOrThrow",
    }
)
# Options of those queries that take booleans too, never fields (`findByPk(id, { raw: true })`).
_OPTION_KEYS = frozenset(
    {"raw", "lean", "plain", "nest", "paranoid", "benchmark", "logging", "useMaster", "strict"}
)


@dataclass(frozen=True)
class Edit:
    """The splice that loads the email: `text` replaces bytes `start:end` of `path`."""

    path: str
    start: int
    end: int
    text: str
    line: int
    what: str  # the projection as it reads after the edit, for the plan's reason


@dataclass(frozen=True)
class Projection:
    """A projection on the deserialize path that leaves the email (`key`) out."""

    key: str
    path: str
    line: int
    written: str  # as the project writes it: `'name username'`
    through: str | None  # the helper it sits in (`User.load()`), None in the callback itself
    edit: Edit | None  # None: no safe edit (`why` says why)
    why: str = ""

    def describe(self) -> str:
        where = f"through {self.through} " if self.through else ""
        return (
            f"passport's deserializeUser loads req.user {where}with the projection "
            f"{self.written}, which leaves `{self.key}` out: req.user.{self.key} is undefined "
            "on every request, so no token would be minted"
        )


def dropped_email(index: JsIndex, mod: Module, names: set[str], key: str) -> Projection | None:
    """The first projection leaving `key` (the user's email path, `email` / `local.email`) out
    on a deserialize path registered in `mod` through one of passport's `names`."""
    for call in _deserializers(mod, names):
        fn = _callback(mod, call)
        if fn is None:
            continue
        found = _in_callback(index, mod, fn, key)
        if found is not None:
            return found
    return None


def _deserializers(mod: Module, names: set[str]) -> list[Node]:
    out = []
    for node in walk(mod.source.root):
        if node.type == "call_expression":
            head, _, method = callee_name(mod.source, node).partition(".")
            if head in names and method == "deserializeUser":
                out.append(node)
    return out


def _callback(mod: Module, call: Node) -> Node | None:
    args = call_arguments(call)
    if not args:
        return None
    if args[0].type in FUNCTION_TYPES:
        return args[0]
    return local_function(mod, mod.text_of(args[0])) if args[0].type == "identifier" else None


def _in_callback(index: JsIndex, mod: Module, fn: Node, key: str) -> Projection | None:
    calls = [n for n in walk(fn) if n.type == "call_expression"]
    for call in calls:  # written in the callback: add the email there
        for node in _projections(mod, call):
            verdict = _verdict(mod, node, key)
            if verdict is None:
                continue
            edit = _added(mod, node, key) if verdict == "include" else None
            why = "it excludes the email on purpose" if verdict == "exclude" else ""
            return Projection(key, mod.path, mod.line(node), mod.text_of(node), None, edit, why)
    for call in calls:  # a helper the callback calls
        method = callee_name(mod.source, call).rsplit(".", 1)[-1]
        if method in _QUERIES or method in ("select", "then", "exec", "lean", "catch"):
            continue
        helper = _helper(index, mod, call)
        if helper is not None:
            found = _in_helper(mod, call, helper[0], helper[1], key)
            if found is not None:
                return found
    return None


# -- the projections a call carries -----------------------------------------------------------


def _projections(mod: Module, call: Node) -> list[Node]:
    """The projection arguments of a query call: `.select(p)`, `findById(id, p)`, and the
    `projection` / `attributes` / (Prisma) `select` options."""
    callee = callee_name(mod.source, call)
    method = callee.rsplit(".", 1)[-1]
    args = call_arguments(call)
    if method == "select" and "." in callee and args:
        return [args[0]] if _literal(args[0]) else []
    if method not in _QUERIES:
        return []
    out = []
    for i, arg in enumerate(args):
        if arg.type == "object":
            options = _option(mod, arg, "projection", "attributes") or _prisma_select(mod, arg)
            if options is not None:
                out.append(options)
            elif i > 0 and _mongoose_projection(mod, arg):
                out.append(arg)
        elif i > 0 and arg.type in ("string", "template_string", "array"):
            out.append(arg)  # findById(id, "name username")
    return [n for n in out if _literal(n)]


def _literal(node: Node) -> bool:
    return node.type in ("string", "template_string", "array", "object")


def _option(mod: Module, obj: Node, *keys: str) -> Node | None:
    for pair in obj.named_children:
        if pair.type == "pair" and _key(mod, pair) in keys:
            return pair.child_by_field_name("value")
    return None


def _prisma_select(mod: Module, obj: Node) -> Node | None:
    value = _option(mod, obj, "select")
    return value if value is not None and value.type == "object" else None


def _mongoose_projection(mod: Module, obj: Node) -> bool:
    """`{ name: 1, username: 1 }`: every value a 0 / 1 / boolean, no key a query option."""
    pairs = [p for p in obj.named_children if p.type == "pair"]
    return bool(pairs) and all(
        _key(mod, p) not in _OPTION_KEYS
        and mod.text_of(p.child_by_field_name("value")) in ("0", "1", "true", "false")
        for p in pairs
    )


def _key(mod: Module, pair: Node) -> str:
    return mod.text_of(pair.child_by_field_name("key")).strip("'\"`")


# -- whether it drops the email ---------------------------------------------------------------


def _verdict(mod: Module, node: Node, key: str) -> str | None:
    """ "include": it lists fields and not the email; "exclude": it excludes the email; None:
    the email is loaded (or it cannot tell)."""
    wanted = {key, key.split(".")[0]}
    if node.type in ("string", "template_string"):
        tokens = (string_value(mod.source, node) or "").split()
        return _tokens(tokens, wanted)
    if node.type == "array":
        items = []
        for item in node.named_children:
            if item.type == "array" and item.named_children:  # Sequelize's [column, alias]
                item = item.named_children[0]
            value = string_value(mod.source, item)
            if value is None:
                return None
            items.append(value)
        return _tokens(items, wanted)
    if node.type != "object":
        return None
    pairs = {_key(mod, p): p.child_by_field_name("value") for p in node.named_children}
    if set(pairs) & {"exclude", "include"}:  # Sequelize's { exclude: [...] }
        excluded = pairs.get("exclude")
        children = excluded.named_children if excluded is not None else []
        return "exclude" if wanted & {string_value(mod.source, c) for c in children} else None
    values = {k: mod.text_of(v) for k, v in pairs.items() if v is not None}
    included = {k for k, v in values.items() if v in ("1", "true") and k != "_id"}
    if included:
        return None if wanted & included else "include"
    return "exclude" if any(values.get(k) in ("0", "false") for k in wanted) else None


def _tokens(tokens: list[str], wanted: set[str]) -> str | None:
    """Mongoose's projection strings / arrays: `name username` includes, `-password` excludes,
    `+secret` adds a field the schema hides (and restricts nothing)."""
    plain = [t for t in tokens if not t.startswith(("-", "+")) and t != "_id"]
    if plain:
        return None if wanted & set(plain) else "include"
    return "exclude" if any(t.lstrip("-") in wanted for t in tokens if t.startswith("-")) else None


# -- the edit ---------------------------------------------------------------------------------


def _added(mod: Module, node: Node, key: str) -> Edit | None:
    """The projection with `key` added, where it is written."""
    line = mod.line(node)
    if node.type in ("string", "template_string"):
        at = node.end_byte - 1
        what = mod.text_of(node)[:-1] + f" {key}" + mod.text_of(node)[-1]
        return Edit(mod.path, at, at, f" {key}", line, what)
    items = [c for c in node.named_children if c.type != "comment"]
    if not items:
        return None
    if node.type == "array":
        quote = mod.text_of(items[0])[0] if items[0].type == "string" else '"'
        return _appended(mod, node, items, f"{quote}{key}{quote}")
    value = next(
        (
            mod.text_of(p.child_by_field_name("value"))
            for p in items
            if p.type == "pair" and mod.text_of(p.child_by_field_name("value")) in ("1", "true")
        ),
        "1",
    )
    quote = next((mod.text_of(p)[0] for p in walk(node) if p.type == "string"), "'")
    name = key if re.fullmatch(r"[A-Za-z_$][\w$]*", key) else f"{quote}{key}{quote}"
    return _appended(mod, node, items, f"{name}: {value}")


def _appended(mod: Module, container: Node, items: list[Node], item: str) -> Edit:
    """`item` after the last of `items`: on a line of its own where they are one a line."""
    last = items[-1]
    multiline = mod.line(last) != mod.line(container)
    text = f",\n{mod.source.indent_at(last.start_byte)}{item}" if multiline else f", {item}"
    whole = mod.text_of(container)
    offset = last.end_byte - container.start_byte
    what = whole[:offset] + text + whole[offset:]
    return Edit(mod.path, last.end_byte, last.end_byte, text, mod.line(container), what)


# -- helpers the deserialize callback calls ---------------------------------------------------


def _helper(index: JsIndex, mod: Module, call: Node) -> tuple[Module, Node] | None:
    """The function a call reaches: a local function, a function exported by a project
    module, or a Mongoose static (`schema.statics = { load }`, `schema.statics.load = fn`,
    `schema.static("load", fn)`) of the model the callee names."""
    callee = callee_name(mod.source, call)
    head, _, method = callee.rpartition(".")
    if not head:
        fn = local_function(mod, method)
        if fn is not None:
            return mod, fn
        spec = mod.bindings.get(method, "")
        target = index.resolve(mod, spec.split("#")[0]) if spec else None
        name = spec.split("#")[1] if "#" in spec else None
        found = exported_function(target, name) if target is not None else None
        return (target, found) if target is not None and found is not None else None
    if "." in head:
        return None
    spec = mod.bindings.get(head, "")
    target = index.resolve(mod, spec.split("#")[0]) if spec else None
    if target is not None:
        found = exported_function(target, method) or _static(target, method)
        return (target, found) if found is not None else None
    statics = [(m, fn) for m in index.modules(containing=method) if (fn := _static(m, method))]
    if len(statics) > 1:  # `User.load`: the model compiled as "User"
        compiled = re.compile(rf"""model\(\s*['"`]{re.escape(head)}['"`]""")
        statics = [(m, fn) for m, fn in statics if compiled.search(m.text)]
    return statics[0] if len(statics) == 1 else None


def _static(mod: Module, method: str) -> Node | None:
    for node in walk(mod.source.root):
        if node.type == "assignment_expression":
            left = mod.text_of(node.child_by_field_name("left"))
            right = node.child_by_field_name("right")
            if right is None:
                continue
            if left.endswith(".statics") and right.type == "object":
                for pair in right.named_children:
                    if pair.type == "pair" and _key(mod, pair) == method:
                        value = pair.child_by_field_name("value")
                        if value is not None and value.type in FUNCTION_TYPES:
                            return value
                    elif pair.type == "method_definition" and (
                        mod.text_of(pair.child_by_field_name("name")) == method
                    ):
                        return pair
            elif left.endswith(f".statics.{method}") and right.type in FUNCTION_TYPES:
                return right
        elif node.type == "call_expression" and callee_name(mod.source, node).endswith(".static"):
            args = call_arguments(node)
            if len(args) == 2 and string_value(mod.source, args[0]) == method:
                return args[1] if args[1].type in FUNCTION_TYPES else None
    return None


def _in_helper(mod: Module, site: Node, target: Module, fn: Node, key: str) -> Projection | None:
    """A projection inside the helper: the one the deserialize call (`site`) passes where the
    helper lets its caller choose (else its default, passed there with the email), or the
    helper's own, reported without an edit."""
    params = parameters(target, fn)
    label = callee_name(mod.source, site) + "()"
    for call in (n for n in walk(fn) if n.type == "call_expression"):
        callee = callee_name(target.source, call)
        args = call_arguments(call)
        option = None
        if callee.rsplit(".", 1)[-1] == "select" and "." in callee and args:
            default, option = _defaulted(target, fn, args[0], params)
            node = default if default is not None else args[0]
        else:
            nodes = _projections(target, call)
            if not nodes:
                continue
            node = nodes[0]
        given = _given(mod, site, option) if option is not None else None
        if given is not None:  # the caller chooses the projection: the one it passes
            verdict = _verdict(mod, given, key)
            if verdict is None:
                return None
            edit = _added(mod, given, key) if verdict == "include" else None
            why = "it excludes the email on purpose"
            return Projection(key, mod.path, mod.line(given), mod.text_of(given), None, edit, why)
        if not _literal(node):
            continue
        verdict = _verdict(target, node, key)
        if verdict is None:
            continue
        written, line = target.text_of(node), target.line(node)
        if verdict == "include" and option is not None:
            edit = _passed(mod, site, option[0], option[1], target, node, key)
            if edit is not None:
                return Projection(key, target.path, line, written, label, edit)
        why = (
            "it excludes the email on purpose"
            if verdict == "exclude"
            else f"{label} fixes it for every caller"
        )
        return Projection(key, target.path, line, written, label, None, why)
    return None


def _defaulted(
    mod: Module, fn: Node, arg: Node, params: list[str]
) -> tuple[Node | None, tuple[int, str] | None]:
    """`options.select || "name username"` (written there, assigned to `options.select`
    before, or to a variable: `const fields = options.fields ?? "name"`): the default, and
    which parameter's option overrides it."""
    target = arg
    if arg.type in ("member_expression", "identifier"):
        text = mod.text_of(arg)
        for node in walk(fn):
            if node.type == "assignment_expression":
                left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            elif node.type == "variable_declarator":
                left, right = node.child_by_field_name("name"), node.child_by_field_name("value")
            else:
                continue
            if (
                mod.text_of(left) == text
                and right is not None
                and right.type == "binary_expression"
            ):
                target = right
    if target.type != "binary_expression":
        return None, None
    operator = mod.text_of(target.child_by_field_name("operator"))
    left, right = target.child_by_field_name("left"), target.child_by_field_name("right")
    if operator not in ("||", "??") or left is None or right is None:
        return None, None
    if left.type != "member_expression" or not _literal(right):
        return None, None
    owner = mod.text_of(left.child_by_field_name("object"))
    option = mod.text_of(left.child_by_field_name("property"))
    if owner not in params:
        return None, None
    return right, (params.index(owner), option)


def _given(mod: Module, site: Node, option: tuple[int, str]) -> Node | None:
    """The projection the call passes in its options (`{ criteria, select: "..." }`)."""
    index, name = option
    args = call_arguments(site)
    if index >= len(args) or args[index].type != "object":
        return None
    value = _option(mod, args[index], name)
    return value if value is not None and _literal(value) else None


def _passed(
    mod: Module, site: Node, index: int, name: str, target: Module, default: Node, key: str
) -> Edit | None:
    """The helper's default plus the email, passed as option `name` in the call's options
    object (argument `index`), which must be written there."""
    args = call_arguments(site)
    if index >= len(args) or args[index].type != "object":
        return None
    added = _added(target, default, key)
    items = [c for c in args[index].named_children if c.type != "comment"]
    if added is None or not items:
        return None
    return _appended(mod, args[index], items, f"{name}: {added.what}")


# -- the plan's step --------------------------------------------------------------------------


def step(index: JsIndex, found: Projection, builder: PlanBuilder) -> StepResult | None:
    """Load the email on the deserialize path: the edit, located again in the file as the plan
    has it so far (the mount may have edited it); a warning and a next step without one."""
    edit = found.edit
    if edit is None:
        builder.warn(
            f"{found.path}:{found.line}: {found.describe()}; it is not changed here ({found.why})"
        )
        builder.next_step(
            f"Load `{found.key}` for req.user in passport's deserializeUser ({found.path}:"
            f"{found.line}: add it to {found.written}, on that path only): until then signed-in "
            "visitors get no widget token"
        )
        return None
    text = builder.current(edit.path)
    original = index.module(edit.path)
    if text is None or original is None:
        return None
    mod = Module(edit.path, Source(text, original.source.language, edit.path), original.system)
    again = dropped_email(index, mod, index.names_for(original, "passport"), found.key)
    if again is None or again.edit is None:
        return skipped("load-email", edit.path, f"deserializeUser already loads `{found.key}`")
    new = checked_splice(
        text, [(again.edit.start, again.edit.end, again.edit.text)], mod.source.language, mod.path
    )
    reason = (
        f"load `{found.key}` into req.user in passport's deserializeUser (its projection left "
        f"it out): {again.edit.what}"
    )
    builder.write(edit.path, new, reason, mod.source.language)
    return applied("load-email", edit.path, reason)
