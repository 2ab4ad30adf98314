"""The objects a token's claims are read from: what a signed-in guard checks.

`{"email": g.neighbour.email.lower()}` is read from `g.neighbour`; `user.email`, where `user =
User.query.get(session["user_id"])`, from `user` and from `session["user_id"]` it was loaded
from. A check on any of them (`if g.get("neighbour") is None: return None`, `if "user_id" not
in session: abort(401)`) guards the mint, whatever the object is called.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from scaffolder.check.python.index import At, Index, const_str

Subjects = frozenset[str]
IDENTITY_CLAIMS = ("email", "user_id", "sub", "name")
MAX_NODES = 200


def path(expr: ast.AST) -> str | None:
    """One spelling for one object: `g.neighbour` for `g.neighbour`, `g.get("neighbour")`,
    `g["neighbour"]` and `getattr(g, "neighbour", None)`; None for anything else."""
    if isinstance(expr, ast.Name):
        return expr.id
    read = _field_read(expr)
    if read is None:
        return None
    owner, key = read
    base = path(owner)
    return f"{base}.{key}" if base is not None and key is not None else None


def _field_read(expr: ast.AST) -> tuple[ast.expr, str | None] | None:
    """(the object, the field's name when it is a constant) of `o.f`, `o["f"]`, `o.get("f")`,
    `getattr(o, "f")`."""
    if isinstance(expr, ast.Attribute):
        return expr.value, expr.attr
    if isinstance(expr, ast.Subscript):
        return expr.value, const_str(expr.slice)
    if not isinstance(expr, ast.Call) or not expr.args:
        return None
    func = expr.func
    if isinstance(func, ast.Attribute) and func.attr == "get":
        key = const_str(expr.args[0])
        return (func.value, key) if key is not None else None
    if isinstance(func, ast.Name) and func.id == "getattr" and len(expr.args) >= 2:
        return expr.args[0], const_str(expr.args[1])
    return None


def subjects(index: Index, values: list[At], from_client: Callable[[At], bool]) -> Subjects:
    """The paths of the objects the claim values are read from, and of every value those were
    loaded from (assignments, parameters' arguments, the arguments of the loading call); never
    what the client sent (`request.json` is no signed-in user)."""
    found: set[str] = set()
    seen: set[tuple[int, object, bool]] = set()
    todo = [(value, False) for value in values]
    while todo and len(seen) < MAX_NODES:
        at, subject = todo.pop()
        key = (id(at.node), at.ctx, subject)
        if key in seen:
            continue
        seen.add(key)
        node = at.node
        read = _field_read(node)
        if subject and from_client(at):
            continue
        if subject:
            spelled = path(node)
            found |= {spelled} if spelled is not None else set()
            if isinstance(node, ast.Call) and read is None:  # loaded: load_user(session["uid"])
                parts = [*node.args, *(kw.value for kw in node.keywords)]
                if isinstance(node.func, ast.Attribute):
                    parts.append(node.func.value)  # User.query.filter_by(id=uid).first()
                todo += [(At(p, at.ctx), True) for p in parts]
        elif read is not None:
            todo.append((At(read[0], at.ctx), True))
        elif isinstance(node, ast.Call):  # email.lower(), str(user.id)
            method = node.func.value if isinstance(node.func, ast.Attribute) else None
            todo += [(At(p, at.ctx), False) for p in [*node.args, *([method] if method else [])]]
        todo += [(hop, subject) for hop in index.step(at) or []]
    return frozenset(found)
