"""Where a Flask app's templates and static files live when the code computes the folder.

`template_folder=os.path.join(BASE_DIR, "themes", theme)`, `Path(__file__).parent / "web"`, or
a custom Jinja loader (`app.jinja_loader = ChoiceLoader([FileSystemLoader(...), ...])`). The
expressions are evaluated statically, relative to the app module's folder (Flask's `root_path`):
`__file__`, `os.path` / `pathlib` calls, module and function constants, and the default of an
`os.environ.get(...)` / `config.get(...)`; anything else read at run time is a wildcard, matched
against the project's folders (every theme then offers its layouts).
"""

from __future__ import annotations

import ast
import fnmatch
import posixpath

from scaffolder.markup import TEMPLATE_SUFFIXES
from scaffolder.python.source import PyModule, PythonIndex, keyword, string_value

ANY = "*"
Env = dict[str, ast.expr]

_SAME = {"os.path.abspath", "os.path.realpath", "os.path.normpath", "pathlib.Path", "str"}
_SAME_METHODS = {"resolve", "absolute"}
_GET = {"os.environ.get", "os.getenv"}


def env_of(tree: ast.Module, func: ast.FunctionDef | None) -> Env:
    """Names bound by simple assignments at module level, then in `func` (which wins)."""
    env: Env = {}
    scopes: list[list[ast.stmt]] = [tree.body] + ([func.body] if func is not None else [])
    for body in scopes:
        for stmt in body:
            if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[-1], ast.Name):
                env[stmt.targets[-1].id] = stmt.value
            elif (
                isinstance(stmt, ast.AnnAssign) and stmt.value and isinstance(stmt.target, ast.Name)
            ):
                env[stmt.target.id] = stmt.value
    return env


def folder(mod: PyModule, expr: ast.expr, env: Env, depth: int = 0) -> str | None:
    """The folder `expr` names, relative to the module's folder, `*` for a part only known at
    run time; None when it is not a path this can follow (an absolute path, a call of the
    app's own)."""
    if depth > 8:
        return None

    def again(e: ast.expr) -> str | None:
        return folder(mod, e, env, depth + 1)

    literal = string_value(expr)
    if literal is not None:
        return None if literal.startswith("/") else posixpath.normpath(literal)
    if isinstance(expr, ast.Name):
        if expr.id == "__file__":
            return posixpath.basename(mod.path)
        bound = env.get(expr.id)
        return again(bound) if bound is not None else ANY
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Div):
        left, right = again(expr.left), again(expr.right)
        return _join(left, right) if left is not None and right is not None else None
    if isinstance(expr, ast.Attribute) and expr.attr == "parent":
        inner = again(expr.value)
        return _parent(inner) if inner is not None else None
    if isinstance(expr, ast.Subscript):
        return ANY  # os.environ["THEME"], app.config["THEME"]
    if not isinstance(expr, ast.Call):
        return None
    name = mod.qualified(expr.func) or ""
    if name == "os.path.join" and expr.args:
        parts = [again(a) for a in expr.args]
        if any(p is None for p in parts):
            return None
        return _join(*[p for p in parts if p is not None])
    if name == "os.path.dirname" and expr.args:
        inner = again(expr.args[0])
        return _parent(inner) if inner is not None else None
    if name in _SAME and expr.args:
        return again(expr.args[0])
    if isinstance(expr.func, ast.Attribute):
        if expr.func.attr in _SAME_METHODS:
            return again(expr.func.value)
        if name in _GET or expr.func.attr == "get":
            default = expr.args[1] if len(expr.args) > 1 else keyword(expr, "default")
            value = string_value(default) if default is not None else None
            return value if value and "/" not in value else ANY
    return None


def _join(*parts: str) -> str:
    return posixpath.normpath(posixpath.join(*parts))


def _parent(path: str) -> str:
    return posixpath.normpath(posixpath.join(path, ".."))


def loader_folders(
    mod: PyModule, app_var: str, scope: list[ast.stmt], env: Env
) -> list[str | None] | None:
    """The folders of `app.jinja_loader = ...` (or `app.jinja_env.loader`) in `scope`, in the
    order Jinja searches them; None stands for the app's own `app.jinja_loader` kept in a
    `ChoiceLoader`. None when the app keeps Flask's loader."""
    for stmt in reversed(scope):
        for node in ast.walk(stmt):
            if isinstance(node, ast.Assign) and any(
                _is_loader_target(t, app_var) for t in node.targets
            ):
                return _searchpath(mod, node.value, app_var, env)
    return None


def _is_loader_target(target: ast.expr, app_var: str) -> bool:
    if not isinstance(target, ast.Attribute):
        return False
    owner = target.value
    if target.attr == "jinja_loader":
        return isinstance(owner, ast.Name) and owner.id == app_var
    return (
        target.attr == "loader"
        and isinstance(owner, ast.Attribute)
        and owner.attr == "jinja_env"
        and isinstance(owner.value, ast.Name)
        and owner.value.id == app_var
    )


def _searchpath(mod: PyModule, value: ast.expr, app_var: str, env: Env) -> list[str | None]:
    found: list[tuple[int, int, str | None]] = []
    for node in ast.walk(value):
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "jinja_loader"
            and isinstance(node.value, ast.Name)
            and node.value.id == app_var
        ):
            found.append((node.lineno, node.col_offset, None))
        if not (
            isinstance(node, ast.Call)
            and (mod.qualified(node.func) or "").endswith("FileSystemLoader")
        ):
            continue
        arg = node.args[0] if node.args else keyword(node, "searchpath")
        if isinstance(arg, ast.Name) and isinstance(env.get(arg.id), (ast.List, ast.Tuple)):
            arg = env[arg.id]
        items = arg.elts if isinstance(arg, (ast.List, ast.Tuple)) else [arg] if arg else []
        at = (node.lineno, node.col_offset)
        found += [(*at, p) for e in items if (p := folder(mod, e, env)) is not None]
    return [p for *_, p in sorted(found, key=lambda f: (f[0], f[1]))]


def matching_dirs(index: PythonIndex, pattern: str) -> list[str]:
    """Project folders matching a folder with `*` parts that hold templates, sorted."""
    if ANY not in pattern:
        return [pattern]
    depth = pattern.count("/") + 1
    dirs: set[str] = set()
    for path in index.project.with_suffix(*TEMPLATE_SUFFIXES, ".css", ".js"):
        parts = path.split("/")
        candidate = "/".join(parts[:depth])
        if len(parts) > depth and fnmatch.fnmatchcase(candidate, pattern):
            dirs.add(candidate)
    return sorted(dirs)
