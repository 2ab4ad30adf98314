"""Does every file apply wrote still parse? A file that parsed before must parse after; a new
file must parse. Templates of engines without a parser here (EJS, Pug, Handlebars) are counted
as unchecked, not as passed."""

from __future__ import annotations

import ast
import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import jinja2
import tomlkit
import tomlkit.exceptions
import tree_sitter_javascript
import tree_sitter_typescript
from tree_sitter import Language, Node, Parser

Check = Callable[[Path], str | None]
"""Returns None when the file parses, else the first error in one line."""

_LANGUAGES = {
    "javascript": Language(tree_sitter_javascript.language()),
    "typescript": Language(tree_sitter_typescript.language_typescript()),
    "tsx": Language(tree_sitter_typescript.language_tsx()),
}


def _python(path: Path) -> str | None:
    try:
        ast.parse(path.read_bytes(), filename=str(path))
    except SyntaxError as exc:
        return f"line {exc.lineno}: {exc.msg}"
    return None


def _tree_sitter(language: str) -> Check:
    def check(path: Path) -> str | None:
        tree = Parser(_LANGUAGES[language]).parse(path.read_bytes())
        bad = _first_error(tree.root_node)
        return None if bad is None else f"line {bad.start_point[0] + 1}: syntax error"

    return check


def _first_error(node: Node) -> Node | None:
    if node.is_error or node.is_missing:
        return node
    if not node.has_error:
        return None
    for child in node.children:
        found = _first_error(child)
        if found is not None:
            return found
    return node


def _php(path: Path) -> str | None:
    done = subprocess.run(
        ["php", "-l", str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    if done.returncode == 0:
        return None
    lines = (done.stdout + done.stderr).strip().splitlines()
    return (lines or ["php -l failed"])[0][:200]


def _jinja(path: Path) -> str | None:
    try:
        jinja2.Environment().parse(path.read_text(encoding="utf-8"))
    except jinja2.TemplateSyntaxError as exc:
        return f"line {exc.lineno}: {exc.message}"
    return None


def _json(path: Path) -> str | None:
    try:
        json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        return f"line {exc.lineno}: {exc.msg}"
    return None


def _toml(path: Path) -> str | None:
    try:
        tomlkit.parse(path.read_text(encoding="utf-8"))
    except tomlkit.exceptions.ParseError as exc:
        return str(exc).splitlines()[0]
    return None


_BY_SUFFIX: dict[str, Check] = {
    ".py": _python,
    ".js": _tree_sitter("javascript"),
    ".cjs": _tree_sitter("javascript"),
    ".mjs": _tree_sitter("javascript"),
    ".jsx": _tree_sitter("javascript"),
    ".ts": _tree_sitter("typescript"),
    ".mts": _tree_sitter("typescript"),
    ".tsx": _tree_sitter("tsx"),
    ".php": _php,
    ".json": _json,
    ".toml": _toml,
}
_JINJA_STACKS = {"flask", "fastapi"}
_UNPARSED = {".ejs", ".pug", ".jade", ".hbs", ".handlebars", ".njk"}
_PLAIN = {".txt", ".example", ".env", ".cfg", ".in", ".lock", ".md", ".yaml", ".yml"}


def checker(path: str, stack: str) -> Check | None:
    suffix = Path(path).suffix
    if path.endswith(".blade.php"):
        return None
    if suffix in {".html", ".jinja", ".jinja2", ".j2"} and stack in _JINJA_STACKS:
        return _jinja
    return _BY_SUFFIX.get(suffix)


def check_files(
    before: Path, after: Path, changed: list[str], stack: str
) -> tuple[list[str], list[str]]:
    """(errors, unchecked) over the changed files: `before` is the untouched checkout."""
    errors: list[str] = []
    unchecked: list[str] = []
    for rel in changed:
        check = checker(rel, stack)
        if check is None:
            if Path(rel).suffix not in _PLAIN and not Path(rel).name.startswith(".env"):
                unchecked.append(rel)
            continue
        if not (after / rel).is_file():
            errors.append(f"{rel}: reported as written but missing")
            continue
        old = before / rel
        if old.is_file() and check(old) is not None:
            unchecked.append(rel)  # did not parse before either: nothing to compare
            continue
        problem = check(after / rel)
        if problem is not None:
            errors.append(f"{rel}: {problem}")
    return errors, unchecked
