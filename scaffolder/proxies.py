"""What sits in front of the app's routes: the URL prefixes a proxy configured in the repository
forwards to a backend (read-only, pure: findings with `path:line` evidence).

A browser reaches a backend behind a reverse proxy, a dev-server proxy or a framework rewrite
only through the prefixes that proxy forwards, so the token endpoint must live under one of
them. Read here: nginx `location` blocks that `proxy_pass` / `uwsgi_pass` (directly or through a
named location), traefik `PathPrefix` rules (docker-compose labels, dynamic config), Vite
`server.proxy` and webpack `devServer.proxy`, Create React App's `"proxy"` (everything the dev
server does not serve itself), Angular's `proxy.conf.json`, Next.js `rewrites()` to another
origin, `vercel.json` rewrites and Netlify redirects with status 200.

`reach` then decides the endpoint's prefix against them (see its docstring).
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scaffolder.model import Evidence
from scaffolder.paths import common_prefix
from scaffolder.project import Project
from scaffolder.proxy_files import Kind, proxy_files

# tree-sitter and tomlkit load where a JS config or netlify.toml is read: an app without one
# (most) is inspected without them.
if TYPE_CHECKING:
    from tree_sitter import Node

EVERYTHING = "/"
"""The prefix of a forward that sends every path on (a catch-all)."""


@dataclass(frozen=True)
class Forward:
    """One prefix a proxy forwards to `target` (an upstream, service or origin)."""

    prefix: str
    target: str
    evidence: Evidence
    rewrites: bool = False
    """The proxy changes the path on the way (strips or replaces the prefix): the app's route
    is then not at the browser's URL, so the prefix is never chosen for it."""

    def covers(self, path: str) -> bool:
        return self.prefix == EVERYTHING or (path + "/").startswith(self.prefix + "/")


@dataclass(frozen=True)
class Reach:
    """The endpoint prefix as the proxies leave it: `prefix` (None: the `api_prefix` question,
    offering `offered`), and the forward that decided it (None: no proxy changed anything)."""

    prefix: str | None
    forward: Forward | None = None
    offered: tuple[str, ...] = ()


# -- the decision ------------------------------------------------------------------------------


def reach(
    forwards: Sequence[Forward], default: str, routes: Sequence[str], app_root: str = "."
) -> Reach:
    """The endpoint prefix that the browser reaches through every proxy in front of the app.

    `default` is the prefix chosen without proxies (the routes' common prefix, else /api);
    `routes` are the app's API prefixes. A proxy file that forwards everything to the app
    constrains nothing. When `default` is not under a prefix every other file forwards, the
    forwarded prefix the routes live under is chosen (their common prefix below it), else the
    only one forwarded; else the question, offering the forwarded prefixes."""
    sources = _constraints(_to_app(forwards, app_root))
    if not sources or all(_accepts(src, default) for src in sources):
        return Reach(default)
    prefixes = sorted({f.prefix for src in sources for f in src if not f.rewrites})
    usable = [p for p in prefixes if all(_accepts(src, p) for src in sources)]
    lived = {
        p: common_prefix(under) or p
        for p in usable
        if (under := [r for r in routes if (r + "/").startswith(p + "/")])
    }
    if len(lived) == 1:
        ((chosen, prefix),) = lived.items()
    elif not lived and len(usable) == 1:
        chosen = prefix = usable[0]
    else:
        return Reach(None, sources[0][0], tuple(usable or prefixes))
    cited = next(f for src in sources for f in src if f.prefix == chosen)
    return Reach(prefix, cited)


def _accepts(source: Sequence[Forward], path: str) -> bool:
    return any(f.covers(path) and not f.rewrites for f in source)


def _constraints(forwards: Sequence[Forward]) -> list[list[Forward]]:
    """The forwards grouped by file, leaving out the files that forward everything."""
    by_file: dict[str, list[Forward]] = {}
    for f in forwards:
        by_file.setdefault(f.evidence.file, []).append(f)
    return [fs for fs in by_file.values() if not any(f.prefix == EVERYTHING for f in fs)]


# The patterns below are compiled on first use (re's cache): most projects configure no proxy.
_FRONTEND = r"front|react|vue|vite|svelte|angular|nuxt|next|client|\bui\b|spa|static"
_BACKEND = (
    r"back|api|server|app|django|flask|fastapi|uvicorn|gunicorn|express|node|localhost|127\.0"
)


def _to_app(forwards: Sequence[Forward], app_root: str) -> list[Forward]:
    """The forwards that reach this app: all of a file that forwards to one target; of a file
    with several, those whose target reads as a backend (or names the app's folder) and not as
    a frontend."""
    by_file: dict[str, list[Forward]] = {}
    for f in forwards:
        by_file.setdefault(f.evidence.file, []).append(f)
    folder = posixpath.basename(app_root.rstrip("/")) if app_root not in ("", ".") else ""
    out: list[Forward] = []
    for fs in by_file.values():
        if len({f.target for f in fs}) == 1:
            out += fs
            continue
        for f in fs:
            target = f.target.lower()
            if (folder and folder.lower() in target) or (
                re.search(_BACKEND, target) and not re.search(_FRONTEND, target)
            ):
                out.append(f)
    return out


# -- the finder --------------------------------------------------------------------------------


def forwards(project: Project) -> list[Forward]:
    """Every forward configured in the project, in file order."""
    return project.shared("proxies.forwards", lambda: list(_find(project)))


def _find(project: Project) -> Iterator[Forward]:
    for path, kind in proxy_files(project.files):
        text = project.text(path)
        if text is not None:
            yield from _READERS[kind](path, text)


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _static_prefix(pattern: str) -> str | None:
    """The literal path prefix of a route pattern (`/api/:path*`, `^/backend/.*`, `/api/*`,
    `/api/**`); None when it is not a plain path."""
    p = pattern.strip()
    if p.startswith("^"):
        p = re.sub(r"(\(/\.\*\)\?|/?\.\*|\$)+$", "", p[1:])
        if re.search(r"[\\()\[\]|?+*{}]", p):
            return None
    if not p.startswith("/"):
        return None
    segments: list[str] = []
    for segment in filter(None, p.split("/")):
        if segment.startswith((":", "(")) or "*" in segment:
            break
        segments.append(segment)
    return "/" + "/".join(segments)


# nginx -----------------------------------------------------------------------------------------

_LOCATION = r"\blocation\s+(=|\^~|~\*?)?\s*(@?[^\s{]+)\s*\{"
_PASS = r"\b(?:proxy_pass|uwsgi_pass|grpc_pass)\s+([^;\s]+)\s*;"
_TO_NAMED = r"\btry_files\b[^;]*\s(@[\w-]+)\s*;"


def _nginx(path: str, text: str) -> Iterator[Forward]:
    clean = re.sub(r"#[^\n]*", lambda m: " " * len(m.group()), text)
    blocks: list[tuple[str | None, str, int, str]] = []
    for m in re.finditer(_LOCATION, clean):
        depth, end = 1, m.end()
        while end < len(clean) and depth:
            depth += {"{": 1, "}": -1}.get(clean[end], 0)
            end += 1
        blocks.append((m.group(1), m.group(2), m.start(), clean[m.end() : end]))
    named = {
        loc: passed.group(1)
        for _, loc, _, body in blocks
        if loc.startswith("@") and (passed := re.search(_PASS, body))
    }
    for modifier, loc, start, body in blocks:
        if loc.startswith("@"):
            continue
        passed = re.search(_PASS, body)
        via = re.search(_TO_NAMED, body)
        target = passed.group(1) if passed else named.get(via.group(1)) if via else None
        if target is None:
            continue
        prefix = _static_prefix(loc) if modifier in ("~", "~*") else "/" + loc.strip("/")
        if prefix is None or modifier == "=":
            continue
        uri = re.match(r"[a-z]+://[^/]+(/.*)?$", target)
        rewrites = bool(
            passed and uri and uri.group(1) and uri.group(1).rstrip("/") != prefix.rstrip("/")
        )
        why = f"nginx forwards {loc} to {target}"
        yield Forward(prefix, target, Evidence(path, _line(text, start), why), rewrites)


# traefik ---------------------------------------------------------------------------------------

_RULE = r"rule\s*[=:]\s*[\"']?(.*)$"
_PATH_PREFIX = r"PathPrefix\(\s*`([^`]*)`"
_LABEL_ROUTER = r"traefik\.http\.routers\.([\w-]+)\.rule"
_YAML_KEY = r"^(\s*)([\w.-]+):\s*$"
_TOML_ROUTER = r"\s*\[http\.routers\.([\w-]+)\]"


def _traefik(path: str, text: str) -> Iterator[Forward]:
    """Routers' rules, each to its service: the docker-compose service its labels sit on, else
    the router (a dynamic config's key or `[http.routers.<name>]` section)."""
    stripped = {
        s.strip()
        for found in re.findall(r"stripprefix\.prefixes\s*[=:]\s*[\"']?([^\"'\s]+)", text, re.I)
        for s in found.split(",")
    }
    keys: list[tuple[int, str]] = []  # the YAML mappings enclosing the line
    section = ""
    for number, line in enumerate(text.splitlines(), 1):
        key = re.match(_YAML_KEY, line)
        if key:
            indent = len(key.group(1))
            keys = [*(k for k in keys if k[0] < indent), (indent, key.group(2))]
            continue
        if header := re.match(_TOML_ROUTER, line):
            section = header.group(1)
        rule = re.search(_RULE, line)
        if rule is None or ("PathPrefix" not in line and "Host(" not in line):
            continue
        label = re.search(_LABEL_ROUTER, line)
        if label:
            service = [k for _, k in keys[1:2]] if keys[:1] and keys[0][1] == "services" else []
            target = service[0] if service else label.group(1)
        else:
            target = section or (keys[-1][1] if keys else "")
        for raw in re.findall(_PATH_PREFIX, rule.group(1)) or [EVERYTHING]:
            prefix = "/" + raw.strip("/")
            why = (
                f"traefik routes PathPrefix(`{raw}`) to {target}"
                if raw != EVERYTHING
                else f"traefik routes every path of its host to {target}"
            )
            yield Forward(prefix, target, Evidence(path, number, why), raw in stripped)


# JavaScript configs ----------------------------------------------------------------------------


def _js_config(path: str, text: str) -> Iterator[Forward]:
    from scaffolder import treesitter

    language = treesitter.language_for(path) or "javascript"
    root = treesitter.parse(text, language).root_node
    nextjs = posixpath.basename(path).startswith("next.")
    for node in treesitter.walk(root):
        if node.type == "pair" and _key(node) == "proxy":
            yield from _proxy_object(path, node.child_by_field_name("value"))
        elif nextjs and node.type == "object" and _in_rewrites(node):
            yield from _rewrite(path, node)


def _in_rewrites(node: Node) -> bool:
    """Whether the object sits in `rewrites()` (not `redirects()` or `headers()`)."""
    from scaffolder import treesitter

    parent = node.parent
    while parent is not None:
        name = parent.child_by_field_name("name") or parent.child_by_field_name("key")
        if name is not None and treesitter.text_of(name).strip("\"'") == "rewrites":
            return True
        parent = parent.parent
    return False


def _key(pair: Node) -> str | None:
    from scaffolder import treesitter

    key = pair.child_by_field_name("key")
    if key is None:
        return None
    if key.type == "string":
        return _string(key)
    return treesitter.text_of(key) if key.type == "property_identifier" else None


def _string(node: Node | None) -> str | None:
    from scaffolder import treesitter

    if node is None or node.type not in ("string", "template_string"):
        return None
    return treesitter.text_of(node)[1:-1]


def _members(obj: Node) -> dict[str, Node]:
    out: dict[str, Node] = {}
    for pair in obj.named_children:
        name = _key(pair) if pair.type == "pair" else None
        value = pair.child_by_field_name("value") if name else None
        if name and value is not None:
            out[name] = value
    return out


def _evidence(path: str, node: Node, why: str) -> Evidence:
    return Evidence(path, node.start_point[0] + 1, why)


def _proxy_object(path: str, value: Node | None) -> Iterator[Forward]:
    """`proxy: {"/api": target | {target, rewrite}}` (Vite, webpack) or `proxy: [{context,
    target}]` (webpack's array form)."""
    if value is None:
        return
    if value.type == "object":
        for pair in value.named_children:
            context = _key(pair) if pair.type == "pair" else None
            option = pair.child_by_field_name("value") if context else None
            if context is None or option is None:
                continue
            yield from _forward(path, pair, [context], option)
    elif value.type == "array":
        for item in value.named_children:
            if item.type == "object":
                found = _members(item).get("context")
                listed = (
                    found.named_children if found is not None and found.type == "array" else [found]
                )
                contexts = [c for c in map(_string, listed) if c]
                yield from _forward(path, item, contexts, item)


def _forward(path: str, at: Node, contexts: list[str], option: Node) -> Iterator[Forward]:
    from scaffolder import treesitter

    if option.type == "object":
        members = _members(option)
        target = _string(members.get("target")) or treesitter.text_of(members.get("target", option))
        rewrites = "rewrite" in members or "pathRewrite" in members
    else:
        target, rewrites = _string(option) or treesitter.text_of(option), False
    for context in contexts:
        prefix = _static_prefix(context)
        if prefix is not None:
            why = f"the dev server proxies {context} to {target}"
            yield Forward(prefix, target, _evidence(path, at, why), rewrites)


def _rewrite(path: str, obj: Node) -> Iterator[Forward]:
    """A Next.js rewrite `{source, destination}` to another origin."""
    members = _members(obj)
    source = _string(members.get("source"))
    destination = _string(members.get("destination"))
    if source and destination:
        yield from _rewrite_rule(path, obj.start_point[0] + 1, source, destination, "rewrites")


def _rewrite_rule(
    path: str, line: int, source: str, destination: str, what: str
) -> Iterator[Forward]:
    origin = re.match(r"(?:https?:)?//[^/]+|\$\{[^}]+\}", destination)
    prefix = _static_prefix(source)
    if origin is None or prefix is None:
        return  # a rewrite inside the same app is not a proxy
    rest = destination[origin.end() :]
    kept = _static_prefix(rest or "/")
    why = f"{what} {source} to {destination}"
    yield Forward(prefix, origin.group(), Evidence(path, line, why), kept != prefix)


# JSON and TOML configs -------------------------------------------------------------------------


def _line_of(text: str, needle: str) -> int:
    at = text.find(needle)
    return _line(text, at) if at >= 0 else 1


def _package_json(path: str, text: str) -> Iterator[Forward]:
    try:
        data = json.loads(text)
    except ValueError:
        return
    proxy = data.get("proxy") if isinstance(data, dict) else None
    if isinstance(proxy, str):
        why = f'Create React App\'s "proxy" forwards what the dev server does not serve to {proxy}'
        yield Forward(EVERYTHING, proxy, Evidence(path, _line_of(text, '"proxy"'), why))


def _angular(path: str, text: str) -> Iterator[Forward]:
    try:
        data = json.loads(text)
    except ValueError:
        return
    for context, option in data.items() if isinstance(data, dict) else ():
        if not isinstance(option, dict) or not isinstance(option.get("target"), str):
            continue
        prefix = _static_prefix(context)
        if prefix is not None:
            why = f"the Angular dev server proxies {context} to {option['target']}"
            line = _line_of(text, json.dumps(context))
            rewrites = bool(option.get("pathRewrite"))
            yield Forward(prefix, option["target"], Evidence(path, line, why), rewrites)


def _vercel(path: str, text: str) -> Iterator[Forward]:
    try:
        data = json.loads(text)
    except ValueError:
        return
    rules = data.get("rewrites") if isinstance(data, dict) else None
    for rule in rules if isinstance(rules, list) else ():
        if isinstance(rule, dict):
            source, destination = rule.get("source"), rule.get("destination")
            if isinstance(source, str) and isinstance(destination, str):
                line = _line_of(text, json.dumps(source))
                yield from _rewrite_rule(path, line, source, destination, "vercel.json rewrites")


def _netlify(path: str, text: str) -> Iterator[Forward]:
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    try:
        data = tomlkit.parse(text).unwrap()
    except TOMLKitError:
        return
    rules = data.get("redirects")
    for rule in rules if isinstance(rules, list) else ():
        source, destination = rule.get("from"), rule.get("to")
        if rule.get("status") == 200 and isinstance(source, str) and isinstance(destination, str):
            line = _line_of(text, source)
            yield from _rewrite_rule(path, line, source, destination, "netlify.toml proxies")


_READERS: dict[Kind, Callable[[str, str], Iterator[Forward]]] = {
    "nginx": _nginx,
    "traefik": _traefik,
    "js-config": _js_config,
    "package-json": _package_json,
    "angular": _angular,
    "vercel": _vercel,
    "netlify": _netlify,
}
