"""Page exclusions in an Express app: where its code sets the flag or path its views' rule reads
(`res.locals.hideChat = true` in a route, `res.render("print", { hideChat: true })`,
middleware computing it from a list of paths), and the report's pages: those the rule keeps
the widget off, and the views whose path looks like a public viewer (the widget is there
unless the rule says otherwise: the user decides).

The rule itself is found in the views (`exclusion_views`); this module reads the app's
JavaScript / TypeScript modules, parsed with tree-sitter.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from tree_sitter import Node

from scaffolder.exclusions import PATH_LIST, Guard, Page, Pages, viewer_segment
from scaffolder.js.syntax import Source, call_arguments, callee_name, string_value
from scaffolder.markup import Layout
from scaffolder.stacks.express.exclusion_views import SUFFIXES, ViewGuard, loads_third_party
from scaffolder.treesitter import walk

_REQUEST_PATH = re.compile(r"^\w+\s*\.\s*(?:path|originalUrl|url|baseUrl)$")
_MOUNTS = (".use", ".get", ".all", ".post")


@dataclass(frozen=True)
class Setter:
    """Where the app's code gives a view local its value: `value` as written, for requests
    under `mount` (the route or middleware path it sits in), rendering `view` (a name)."""

    path: str
    line: int
    value: str
    mount: str | None = None
    view: str | None = None


def path_locals(modules: Sequence[Source]) -> list[str]:
    """The locals middleware sets to the request's path (`res.locals.currentPath = req.path`):
    a view's test on one is a test on the page."""
    out: list[str] = []
    for source in modules:
        for name, _node, value in _assignments(source):
            if _REQUEST_PATH.match(source.text_of(value).replace(" ", "")):
                out.append(name)
    return list(dict.fromkeys(out))


def setters(modules: Sequence[Source], name: str) -> list[Setter]:
    """Where the code sets the local `name`: `x.locals.name = ...` (with the path of the route
    or middleware it sits in) and `res.render(view, { name: ... })`."""
    out: list[Setter] = []
    for source in modules:
        if name not in source.text:
            continue
        for found, node, value in _assignments(source):
            if found == name:
                text = source.text_of(value)
                view = _rendered_beside(source, node)
                out.append(Setter(source.path, source.line(node), text, _mount(source, node), view))
        for call in walk(source.root):
            if call.type != "call_expression" or not callee_name(source, call).endswith(".render"):
                continue
            args = call_arguments(call)
            view = string_value(source, args[0]) if args else None
            given = _property(source, args[1], name) if len(args) > 1 else None
            if view is not None and given is not None:
                mount = _mount(source, call)
                out.append(Setter(source.path, source.line(call), given, mount, view))
    return out


def _assignments(source: Source) -> Iterator[tuple[str, Node, Node]]:
    """(local name, assignment, value) of `x.locals.name = value` / `x.locals["name"] = v`."""
    for node in walk(source.root):
        if node.type != "assignment_expression":
            continue
        left, value = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is None or value is None:
            continue
        obj = left.child_by_field_name("object")
        if obj is None or not re.search(r"(?:^|\.)locals$", source.text_of(obj)):
            continue
        if left.type == "member_expression":
            prop = left.child_by_field_name("property")
            name = source.text_of(prop)
        elif left.type == "subscript_expression":
            name = string_value(source, left.child_by_field_name("index")) or ""
        else:
            continue
        if name:
            yield name, node, value


def _property(source: Source, obj: Node, name: str) -> str | None:
    if obj.type != "object":
        return None
    for prop in obj.named_children:
        if prop.type == "shorthand_property_identifier" and source.text_of(prop) == name:
            return name
        if prop.type == "pair":
            key = prop.child_by_field_name("key")
            value = prop.child_by_field_name("value")
            key_text = string_value(source, key) if key and key.type == "string" else None
            if (key_text or source.text_of(key)) == name and value is not None:
                return source.text_of(value)
    return None


def _mount(source: Source, node: Node) -> str | None:
    """The path of the route or middleware (`app.use("/embed", ...)`) the code runs in."""
    current = node.parent
    while current is not None:
        if current.type == "call_expression" and callee_name(source, current).endswith(_MOUNTS):
            args = call_arguments(current)
            found = string_value(source, args[0]) if args else None
            if found is not None:
                return found
        current = current.parent
    return None


def _rendered_beside(source: Source, node: Node) -> str | None:
    """The view the function around `node` renders, where it renders one."""
    current = node.parent
    while current is not None and current.type not in (
        "arrow_function",
        "function_expression",
        "function_declaration",
        "method_definition",
    ):
        current = current.parent
    if current is None:
        return None
    for call in walk(current):
        if call.type == "call_expression" and callee_name(source, call).endswith(".render"):
            args = call_arguments(call)
            found = string_value(source, args[0]) if args else None
            if found is not None:
                return found
    return None


def string_list(modules: Sequence[Source], name: str) -> tuple[tuple[str, ...], str, int] | None:
    """The strings of a literal list `name` (`const PUBLIC_PATHS = ["/share/"]`, at any depth,
    or `app.locals.PUBLIC_PATHS = [...]`), with where it is."""
    for source in modules:
        if name not in source.text:
            continue
        for node in walk(source.root):
            value = None
            if node.type == "variable_declarator":
                ident = node.child_by_field_name("name")
                if ident is not None and source.text_of(ident) == name:
                    value = node.child_by_field_name("value")
            if value is None or value.type != "array":
                continue
            items = [string_value(source, item) for item in value.named_children]
            if all(item is not None for item in items):
                return tuple(i for i in items if i is not None), source.path, source.line(value)
        for local, node, value in _assignments(source):
            if local == name and value.type == "array":
                items = [string_value(source, item) for item in value.named_children]
                if all(item is not None for item in items):
                    values = tuple(i for i in items if i is not None)
                    return values, source.path, source.line(node)
    return None


# -- the report ---------------------------------------------------------------------------------

_PARTS = re.compile(r"(?:^|/)(?:partials?|layouts?|includes?|components?|mixins?)/")
_EXCLUSION = "the app's own exclusion"


@dataclass(frozen=True)
class Listed:
    """A literal list of paths the rule reads: a route must start with one of its `values`
    (`prefix`: `.some(p => path.startsWith(p))`) or equal one (`.includes(path)`)."""

    name: str
    values: tuple[str, ...]
    prefix: bool
    path: str
    line: int

    def names(self, route: str) -> bool:
        if self.prefix:
            return any(route.startswith(v) for v in self.values)
        return route in self.values or route.rstrip("/") in self.values


def report(
    engine: str,
    views: Sequence[Layout],
    targets: Sequence[str],
    modules: Sequence[Source],
    found: ViewGuard | None,
) -> Pages:
    """The guard the widget follows (`found`, in one of the `targets`, the views that get the
    tag), and the pages the report lists: where the app's code sets what the rule reads, and
    the views whose path says public viewer (`views`: every view, with how many use it)."""
    texts = {lay.template.path: lay.template.text for lay in views}
    listed: list[Page] = []
    hidden: set[str] = set()  # views rendered with the value that hides the widget
    lists: list[Listed] = []
    guard = found.guard if found is not None else None
    if guard is not None:
        listed += [Page(e.file, e.line, False, f"{_EXCLUSION}: {e.why}") for e in guard.evidence]
        flag = re.search(r"per-page flag, ([\w$]+)", guard.reason)
        if flag is not None:
            pages, hidden, lists = _flag_pages(engine, texts, modules, flag.group(1), guard)
            listed += pages
        for name in dict.fromkeys(re.findall(PATH_LIST, guard.condition)):
            rule = listed_in(modules, name, guard.condition)
            if rule is not None:
                lists.append(rule)
                why = f"{_EXCLUSION}: {name} lists {', '.join(rule.values)}"
                listed.append(Page(rule.path, rule.line, False, why))
    chat = [p for p in targets if p in texts and loads_third_party(engine, p, texts[p], texts)]
    routes = _routes(engine, texts, modules) if lists else {}  # what the lists decide on
    for lay in sorted(views, key=lambda lay: lay.template.path):
        path = lay.template.path
        viewer = viewer_segment(path)
        if viewer is None or path in hidden or lay.extenders or _PARTS.search(path):
            continue
        why = f"`{viewer}` in its path looks like a public viewer"
        carries: bool | None = True
        served = routes.get(path, [])
        if path in targets and chat and path not in chat:
            why += f"; a full page of its own, without the app's chat script ({chat[0]} has it)"
        elif guard is not None:
            carries, why = _decided(guard.condition, lists, served, why)
        listed.append(Page(path, 1, carries, why))
    return Pages(guard, listed)


def _decided(
    condition: str, lists: Sequence[Listed], served: Sequence[str], why: str
) -> tuple[bool | None, str]:
    """Whether the rule keeps the widget off a view: off where a list it reads names every
    route rendering the view; else the rule decides (None)."""
    for rule in lists:
        if served and all(rule.names(route) for route in served):
            verb = "covers" if rule.prefix else "lists"
            return False, f"{why}; {_EXCLUSION}: {rule.name} {verb} its route {', '.join(served)}"
    return None, f"{why}; the app's rule `{condition}` decides"


def listed_in(modules: Sequence[Source], name: str, condition: str) -> Listed | None:
    """The literal list `name` a condition reads, and how it compares the route."""
    found = string_list(modules, name)
    if found is None:
        return None
    prefix = bool(re.search(r"startsWith|\.some\s*\(|\.find\s*\(", condition))
    return Listed(name, found[0], prefix, found[1], found[2])


def _routes(
    engine: str, views: Mapping[str, str], modules: Sequence[Source]
) -> dict[str, list[str]]:
    """The route paths rendering each view (`router.get("/share/:token", ...)`)."""
    out: dict[str, list[str]] = {}
    for source in modules:
        if ".render" not in source.text:
            continue
        for call in walk(source.root):
            if call.type != "call_expression" or not callee_name(source, call).endswith(".render"):
                continue
            args = call_arguments(call)
            name = string_value(source, args[0]) if args else None
            view = _view_path(engine, views, name) if name else None
            route = _mount(source, call)
            if view is not None and route is not None:
                out.setdefault(view, []).append(route)
    return out


def _flag_pages(
    engine: str, views: Mapping[str, str], modules: Sequence[Source], name: str, guard: Guard
) -> tuple[list[Page], set[str], list[Listed]]:
    """Where the code sets the flag: pages off the widget where its value hides it (a
    literal), the list of paths it is computed from (when literal), else the rule decides;
    with the views rendered with the hiding value, and the lists."""
    negated = rf"(?:!|unless |not )\(?\s*(?:locals\.)?{re.escape(name)}\b"
    hides_when_true = re.search(negated, guard.condition) is not None
    out, hidden, lists = [], set(), []
    for setter in setters(modules, name):
        value = setter.value.strip()
        where = f" for {setter.mount}" if setter.mount else ""
        view = _view_path(engine, views, setter.view) if setter.view else None
        rendering = f", rendering {view or setter.view}" if setter.view else ""
        if value in ("true", "false"):
            if (value == "true") != hides_when_true:
                continue  # the value that shows the widget: a default, not an exclusion
            why = f"{_EXCLUSION}: sets {name} = {value}{where}{rendering}"
            out.append(Page(setter.path, setter.line, False, why))
            hidden |= {view} if view else set()
            continue
        names = re.findall(PATH_LIST, value)
        rule = listed_in(modules, names[0], value) if names else None
        if rule is not None and hides_when_true:
            lists.append(rule)
            why = (
                f"{_EXCLUSION}: {rule.name} lists {', '.join(rule.values)}, which set {name} "
                f"at {setter.path}:{setter.line}"
            )
            out.append(Page(rule.path, rule.line, False, why))
        else:
            why = f"sets {name} per request ({value}){where}: the app's rule decides"
            out.append(Page(setter.path, setter.line, None, why))
    return out, hidden, lists


def _view_path(engine: str, views: Mapping[str, str], name: str) -> str | None:
    """The view file `res.render(name)` renders."""
    stem = posixpath.splitext(name.lstrip("/"))[0]
    for path in views:
        base, ext = posixpath.splitext(path)
        if ext in SUFFIXES.get(engine, ()) and (base == stem or base.endswith("/" + stem)):
            return path
    return None
