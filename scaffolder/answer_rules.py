"""The one validation layer for answers: every CLI flag and MCP argument, checked once at the
start of `engine.inspect` (so `inspect`, `apply`, `prompt` and every MCP tool get it).

Answers are data that ends up in the project's code and paths, often taken by an editor agent
from text it read in a repository. Each free-text answer has a grammar; what does not match is a
`UsageError` (exit 2) naming the rule, with the value shown `repr`-style (no control character
is ever echoed raw). Paths must stay inside the project, symlinks followed. The grammars are
also the MCP tools' input schemas (`json_schema`), so the two cannot drift; the schema is
advice to the client, this module is the wall. `scaffolder.escape` is the second wall, where
values are written.

The `--email-expr` / `--name-expr` / `--id-expr` grammar lives in `scaffolder.exprs`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scaffolder.errors import UsageError
from scaffolder.grammar import IDENTIFIER, Grammar
from scaffolder.model import DELIVERIES, Answers
from scaffolder.registry import manifests, stack_answers

_ID = IDENTIFIER
_SEGMENT = r"(?!\.\.?(?:/|$))[A-Za-z0-9._~-]+"
# A path segment: anything but separators, characters no file name needs, and invisible ones
# (control, bidirectional and line-separator characters).
_INVISIBLE = r"\x00-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff"
_PATH_SEGMENT = rf'[^/\\:*?"<>|{_INVISIBLE}]+'
_PATH = rf"/?{_PATH_SEGMENT}(?:/{_PATH_SEGMENT})*/?"

API_KEY = Grammar(
    r"[A-Za-z0-9_-]+",
    128,
    "1 to 128 characters of letters, digits, `_` and `-` (the dashboard's public key)",
)
API_PREFIX = Grammar(
    rf"/|/?{_SEGMENT}(?:/{_SEGMENT})*/?",
    256,
    "a URL path whose segments are letters, digits, `.`, `_`, `~` and `-`, with no empty, "
    "`.` or `..` segment (`/` alone: no prefix, the endpoint at /widget-token)",
)
AUTH = Grammar(r"[a-z0-9-]+", 64, "an auth library id: lowercase letters, digits and `-`")
APP = Grammar(
    rf"(?:{_PATH})(?::{_ID})?",
    1024,
    "a path inside the project (a module, a folder or a name the report shows), optionally "
    "`:variable`",
)
LAYOUT = Grammar(
    rf"{_PATH}",
    4096,
    "a template path or loader name inside the project (Next.js: root layout paths, "
    "comma-separated, or `all`)",
)

GRAMMARS: dict[str, Grammar] = {
    "app": APP,
    "auth": AUTH,
    "layout": LAYOUT,
    "api_key": API_KEY,
    "api_prefix": API_PREFIX,
    **{name: answer.grammar for name, answer in stack_answers().items()},
}
"""Every free-text answer's grammar by question id: the shared answers' here, then those the
stacks declare in their manifests (`Manifest.answers`)."""


def flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def shown(value: str, limit: int = 80) -> str:
    """`value` quoted `repr`-style (control characters escaped), shortened past `limit`."""
    return repr(value) if len(value) <= limit else repr(value[: limit - 3]) + "..."


def _refuse(name: str, value: str, rule: str) -> UsageError:
    return UsageError(f"{flag(name)} must be {rule}; got {shown(value)}")


def _grammar(name: str, value: str) -> str:
    grammar = GRAMMARS[name]
    value = value.strip()
    if not grammar.matches(value):
        raise _refuse(name, value, grammar.says)
    return value


def _choices(name: str, value: str, choices: tuple[str, ...]) -> str:
    value = value.strip()
    if value not in choices:
        raise UsageError(f"{flag(name)} must be one of: {', '.join(choices)}; got {shown(value)}")
    return value


# -- paths ------------------------------------------------------------------------------------


def inside(root: Path, value: str, name: str) -> str:
    """`value` (relative to `root`, or absolute) as a normalised POSIX path relative to the
    project root; a UsageError when it leaves the project, also through a symlink."""
    base = root.resolve()
    given = Path(value)
    full = given if given.is_absolute() else base / given
    try:
        resolved = full.resolve()
    except (OSError, RuntimeError):  # a symlink loop
        raise UsageError(f"{flag(name)} {shown(value, 4096)}: cannot be resolved") from None
    lexical = Path(os.path.normpath(full))
    anchors = (base, Path(os.path.abspath(root)))
    relative = next((lexical.relative_to(a) for a in anchors if lexical.is_relative_to(a)), None)
    if relative is None or not resolved.is_relative_to(base):
        raise UsageError(
            f"{flag(name)} {shown(value, 4096)}: outside the project ({base}); "
            "name a file inside it"
        )
    return relative.as_posix()


def layout_target(root: Path, path: str) -> str:
    """The file a layout path really is (symlinks followed), relative to the project root: the
    plan edits that file. A UsageError when it lies outside the project."""
    base = root.resolve()
    resolved = (base / path).resolve()
    if not resolved.is_relative_to(base):
        raise UsageError(
            f"--layout {shown(path, 4096)}: a symlink to {resolved}, outside the project ({base})"
        )
    return resolved.relative_to(base).as_posix()


def _layout(value: str, root: Path) -> str:
    out = []
    for part in (p.strip() for p in value.split(",")):
        if part == "all":
            out.append(part)
            continue
        if not LAYOUT.matches(part):
            raise _refuse("layout", part, LAYOUT.says)
        out.append(inside(root, part, "layout"))
    return ",".join(out)


def _app(value: str, root: Path) -> str:
    path, colon, variable = _grammar("app", value).partition(":")  # at most one `:`
    return inside(root, path, "app") + colon + variable


def _api_prefix(value: str, _root: Path) -> str:
    value = _grammar("api_prefix", value)
    return "/" + value.strip("/") if value != "/" else value


def prefix_segments(prefix: str) -> list[str]:
    """The URL segments of an API prefix, each checked against the grammar: file paths built
    from them (Next.js route directories) stay inside the project, whatever the caller."""
    segments = [s for s in prefix.strip("/").split("/") if s]
    for segment in segments:
        if not re.fullmatch(_SEGMENT, segment):
            raise _refuse("api_prefix", prefix, API_PREFIX.says)
    return segments


def _framework(value: str, _root: Path) -> str:
    return _choices("framework", value, tuple(sorted(manifests())))


def _stack_check(name: str) -> Callable[[str, Path], str]:
    """A stack's own answer: checked against the grammar its manifest declares."""
    return lambda value, _root: _grammar(name, value)


_CHECKS: dict[str, Callable[[str, Path], str]] = {
    "framework": _framework,
    "app": _app,
    "auth": lambda value, _root: _grammar("auth", value),
    "delivery": lambda value, _root: _choices("delivery", value, DELIVERIES),
    "layout": _layout,
    "api_key": lambda value, _root: _grammar("api_key", value),
    "api_prefix": _api_prefix,
    **{name: _stack_check(name) for name in stack_answers()},
}


def validate(answers: Answers, root: Path) -> Answers:
    """The answers, normalised (stripped; `api/v1/` -> `/api/v1`; paths relative to the
    project root); a UsageError (exit 2) naming the first rule an answer breaks."""
    changes = {
        name: check(value, root)
        for name, check in _CHECKS.items()
        if (value := answers.value(name)) is not None
    }
    return answers.replace(**changes)


def json_schema(name: str) -> dict[str, Any]:
    """The JSON Schema keywords (`pattern`, `maxLength`, `enum`) of an answer's grammar, for
    the MCP tools' input schemas; empty for answers whose grammar lives elsewhere."""
    if name == "delivery":
        return {"enum": [*DELIVERIES, None]}
    if name == "framework":
        return {"enum": [*sorted(manifests()), None]}
    grammar = GRAMMARS.get(name)
    return grammar.json_schema() if grammar is not None else {}


def describe(name: str) -> str | None:
    """The grammar of an answer in words (None for answers whose grammar lives elsewhere)."""
    grammar = GRAMMARS.get(name)
    return grammar.says if grammar is not None else None


# -- --patch FILE -----------------------------------------------------------------------------


def check_patch_file(patch: Path, root: Path) -> None:
    """`apply --patch FILE` writes a new file or one outside the project, in a folder that
    exists; never over a file of the project (the patch would replace the code it changes)."""
    where = shown(str(patch), limit=4096)
    if patch.is_dir():
        raise UsageError(f"--patch {where}: a directory; name the patch file to write")
    parent = Path(os.path.abspath(patch)).parent
    if not parent.is_dir():
        what = "not a directory" if parent.exists() else "no such directory"
        raise UsageError(f"--patch {where}: {what}: {parent}")
    if patch.exists() and patch.resolve().is_relative_to(root.resolve()):
        raise UsageError(
            f"--patch {where}: an existing file of the project; write the patch to a new file "
            "or outside the project"
        )
