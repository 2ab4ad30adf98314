"""Wall 2's checks on a patched project: its code, the SPA token's slot, the endpoint."""

from __future__ import annotations

import ast
import re
import urllib.parse
from pathlib import Path

import pytest

from scaffolder import treesitter
from tests.hostile import code
from tests.hostile.sandbox import Sandbox
from tests.hostile.targets import Route, Target

Baseline = dict[str, str]
"""The files a benign answer of the same kind created or changed: path -> text."""


def changed_code(
    sb: Sandbox, changed: list[str], baseline: Baseline, skip: dict[str, list[tuple[int, int]]]
) -> None:
    """Every changed code file parses, and names nothing the benign run's file (or, for a file
    the benign run did not write, its files of that language) does not."""
    for path in filter(code.is_code, changed):
        text = (sb.root / path).read_text()
        assert code.syntax_problem(path, text) is None, f"{path}: {code.syntax_problem(path, text)}"
        if path in baseline:
            known = code.identifiers(path, baseline[path])
        else:
            lang = code.language(path)
            same = [p for p in baseline if code.is_code(p) and code.language(p) == lang]
            known = set().union(*(code.identifiers(p, baseline[p]) for p in same))
        new = code.identifiers(path, text, skip.get(path, ())) - known
        assert not new, f"{path}: the answer became code: {sorted(new)}"


_STORAGE = ("localStorage", "sessionStorage", "window.localStorage", "window.sessionStorage")


def spa_slot(script: Path, text: str) -> tuple[int, int]:
    """`const bearerToken = () => <answer>;`: the arrow's body is a read (a storage getItem
    of one literal key, or a property chain), and it means what the answer says (the same names
    and string values, however re-quoted)."""
    value = code.declarator(script.read_text(), "javascript", "bearerToken")
    assert value.type == "arrow_function", treesitter.text_of(value)
    body = value.child_by_field_name("body")
    assert body is not None
    read = body.named_children[0] if body.type == "parenthesized_expression" else body
    if read.type == "call_expression":
        callee, args = read.child_by_field_name("function"), read.child_by_field_name("arguments")
        assert callee is not None and args is not None
        assert treesitter.text_of(callee) in (f"{s}.getItem" for s in _STORAGE), read.text
        assert [a.type for a in args.named_children] == ["string"], read.text
    else:
        kinds = {n.type for n in treesitter.walk(read) if n.is_named}
        assert kinds <= {"member_expression", "identifier", "property_identifier"}, read.text
    written = code.js_shape(code.js_expression(treesitter.text_of(body)))
    assert written == code.js_shape(code.js_expression(text)), treesitter.text_of(body)
    return body.start_byte, body.end_byte


def endpoint(
    sb: Sandbox, t: Target, prefix: str, baseline: Baseline, mp: pytest.MonkeyPatch
) -> None:
    ep = t.endpoint
    assert ep is not None
    script = (sb.root / ep.script).read_text()
    url = code.endpoint_url(script, code.language(ep.script), baseline[ep.script])
    wanted = f"{prefix.strip('/')}/widget-token".strip("/")
    assert urllib.parse.unquote(url).strip("/") == wanted, url
    for route in ep.routes:
        _route(sb, route, wanted)
    if ep.run is not None:
        ep.run(sb, mp)


_OURS = re.compile(r"bestchatbot|widget.?token", re.IGNORECASE)


def _route(sb: Sandbox, route: Route, wanted: str) -> None:
    """The call mounting the endpoint takes the prefix (or the whole path) as one string
    literal, and it is the prefix given."""
    text = (sb.root / route.file).read_text()
    found = (_python_routes if route.file.endswith(".py") else _js_routes)(text, route)
    assert found, f"{route.file}: no {route.call}() call mounting the endpoint"
    for value in found:
        assert wanted.startswith(urllib.parse.unquote(value).strip("/")), value


def _python_routes(text: str, route: Route) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(text)):
        if not (isinstance(node, ast.Call) and _called(node) == route.call):
            continue
        if not _OURS.search(ast.unparse(node)):
            continue  # one of the app's own routes
        if route.arg is None:
            arg = node.args[0] if node.args else None
        else:  # no keyword: no prefix
            arg = next((k.value for k in node.keywords if k.arg == route.arg), ast.Constant(""))
        assert isinstance(arg, ast.Constant) and isinstance(arg.value, str), ast.unparse(node)
        found.append(arg.value)
    return found


def _js_routes(text: str, route: Route) -> list[str]:
    found = []
    for node in treesitter.walk(treesitter.parse(text, code.language(route.file)).root_node):
        fn = node.child_by_field_name("function") if node.type == "call_expression" else None
        prop = fn.child_by_field_name("property") if fn and fn.type == "member_expression" else None
        if prop is None or treesitter.text_of(prop) != route.call:
            continue
        if not _OURS.search(treesitter.text_of(node)):
            continue
        args = node.child_by_field_name("arguments")
        first = args.named_children[0] if args and args.named_children else None
        assert first is not None and first.type == "string", treesitter.text_of(node)
        found.append(code.js_string_value(first))
    return found


def _called(node: ast.Call) -> str | None:
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else None
