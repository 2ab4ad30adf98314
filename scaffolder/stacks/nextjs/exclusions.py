"""Page exclusions in a Next.js app: the guard its shell (root layout or `_app`) or a component
it renders puts around a third-party chat or analytics script, and the pages the report lists.

The guards real apps use: a condition on the route in the shell's JSX
(`EXCLUDED_PATHS.includes(router.pathname) ? <Component /> : <Providers>...<Chat /></Providers>`),
and a client component that returns nothing on some paths (`const pathname = usePathname(); if
(HIDDEN.includes(pathname)) return null; return <Script src="https://client.crisp.chat/..." />`).
Pages the shell never reaches are viewer route groups with a root layout of their own, and
hosts (customer domains) that middleware rewrites to a viewer route.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from tree_sitter import Node

from scaffolder.exclusions import (
    VENDORS,
    Guard,
    Page,
    Pages,
    Vendor,
    excludes,
    page_reason,
    split_top,
    third_party,
    viewer_segment,
)
from scaffolder.js.imports import find_imports, imported
from scaffolder.js.syntax import (
    JSX_ELEMENTS,
    Function,
    Source,
    declarations,
    default_export,
    element_of,
    function_named,
    jsx_elements,
)
from scaffolder.js.tsconfig import TsConfig, resolve
from scaffolder.project import Project
from scaffolder.treesitter import walk

JS = (".tsx", ".jsx", ".ts", ".js", ".mjs")
_PAGE_FILE = re.compile(r"(?:^|/)page\.(?:tsx|jsx|ts|js|mdx)$")
_SPECIAL = re.compile(r"(?:^|/)(?:_app|_document|_error|404|500)\.(?:tsx|jsx|ts|js)$")


@dataclass(frozen=True)
class JsxGuard:
    """Where the widget's `<Script>` goes under the app's own rule: the element (byte range in
    `path`) the rule renders only on some pages; `component`: `path` is a component the shell
    renders, not the shell itself (the identity component stays in the shell)."""

    guard: Guard
    path: str
    start: int
    end: int
    component: bool = False
    via: str = ""
    """`component`: the JSX name the shell renders it by (`<ChatScripts />`)."""


def shell_guard(project: Project, config: TsConfig, source: Source) -> JsxGuard | None:
    """The rule the shell (or a component of the app it renders) keeps a chat or analytics
    script off some pages with; None when it has none."""
    fn = default_export(source)
    if fn is None:
        return None
    found = _in_function(project, config, source, fn)
    if found is not None:
        return found
    for target, name, local in _local_components(project, config, source, fn.node):
        text = project.text(target)
        if text is None or third_party(text) is None:
            continue
        component = Source.of(target, text)
        inner = _component(component, name)
        if inner is None:
            continue
        found = _in_function(project, config, component, inner)
        if found is not None:
            return JsxGuard(found.guard, target, found.start, found.end, True, local)
    return None


def _local_components(
    project: Project, config: TsConfig, source: Source, within: Node
) -> Iterator[tuple[str, str, str]]:
    """(file, exported name, local name) of the app's own components the shell renders."""
    rendered = {e.name for e in jsx_elements(source, within)}
    for imp in find_imports(source):
        for exported, local in [("default", imp.default), *imp.names]:
            if local and local in rendered:
                target = resolve(project, config, source.path, imp.source)
                if target is not None and target.endswith(JS):
                    yield target, exported, local


def _component(source: Source, name: str) -> Function | None:
    return default_export(source) if name == "default" else function_named(source, name)


def _in_function(
    project: Project, config: TsConfig, source: Source, fn: Function
) -> JsxGuard | None:
    vendor_of = _Vendors(project, config, source)
    for node in walk(fn.node):
        found = None
        if node.type == "ternary_expression":
            found = _ternary(source, node, vendor_of)
        elif node.type == "binary_expression" and _operator(source, node) == "&&":
            found = _and(source, node, vendor_of)
        elif node.type == "if_statement":
            found = _early_return(source, fn, node, vendor_of)
        if found is not None:
            return found
    return None


def _operator(source: Source, node: Node) -> str:
    op = node.child_by_field_name("operator")
    return source.text_of(op) if op is not None else ""


def _jsx(node: Node | None) -> Node | None:
    while node is not None and node.type == "parenthesized_expression" and node.named_children:
        node = node.named_children[0]
    return node if node is not None and node.type in JSX_ELEMENTS else None


def _ternary(source: Source, node: Node, vendor_of: _Vendors) -> JsxGuard | None:
    condition = source.text_of(node.child_by_field_name("condition")).strip()
    reason = page_reason(condition)
    if reason is None:
        return None
    for field, shown in (("consequence", condition), ("alternative", f"!({condition})")):
        branch = _jsx(node.child_by_field_name(field))
        vendor = vendor_of(branch) if branch is not None else None
        if branch is None or vendor is None:
            continue
        # the alternative renders where the condition holds not: off the pages it names
        if vendor.kind == "analytics" and field == "consequence" and not excludes(condition):
            return None
        return _found(source, node, branch, vendor, shown, reason)
    return _layout_branch(source, node, condition, reason)


def _layout_branch(source: Source, node: Node, condition: str, reason: str) -> JsxGuard | None:
    """papermark's shape: `EXCLUDED_PATHS.includes(router.pathname) ? <Component /> :
    <Workspace>...<Component />...</Workspace>`: the listed pages render outside the app's
    layout, and so outside the widget."""
    if not reason.startswith("checks the page against"):
        return None
    branches = [node.child_by_field_name(f) for f in ("consequence", "alternative")]
    bare = [_is_page(source, b) for b in branches]
    if bare.count(True) != 1:
        return None
    index = bare.index(False)
    wrapper = _jsx(branches[index])
    if wrapper is None or wrapper.type != "jsx_element":
        return None
    element = element_of(source, wrapper)
    if not any(_is_page(source, e.node) for e in jsx_elements(source, wrapper)):
        return None
    shown = condition if index == 0 else f"!({condition})"
    vendor = Vendor(f"<{element.name or 'fragment'}>", "layout", ())
    return _found(source, node, wrapper, vendor, shown, reason)


def _is_page(source: Source, node: Node | None) -> bool:
    """The page itself: `<Component {...pageProps} />` (Pages Router) or `{children}`."""
    node = _jsx(node) or node
    if node is None:
        return False
    if node.type == "identifier":
        return source.text_of(node) == "children"
    if node.type == "jsx_expression" and node.named_children:
        return _is_page(source, node.named_children[0])
    return node.type == "jsx_self_closing_element" and element_of(source, node).name == "Component"


def _and(source: Source, node: Node, vendor_of: _Vendors) -> JsxGuard | None:
    branch = _jsx(node.child_by_field_name("right"))
    if branch is None:
        return None
    condition = source.text_of(node.child_by_field_name("left")).strip()
    parts = split_top(condition, ("&&",))
    reasons = [page_reason(p) for p in parts]
    vendor = vendor_of(branch)
    if vendor is None or not all(reasons):
        return None
    if vendor.kind == "analytics" and not excludes(condition):
        return None
    return _found(source, node, branch, vendor, condition, reasons[0] or "")


def _early_return(source: Source, fn: Function, node: Node, vendor_of: _Vendors) -> JsxGuard | None:
    """`if (HIDDEN.includes(pathname)) return null;` then `return <... script ... />`."""
    body = fn.body
    if body is None or node.parent is None or node.parent.id != body.id:
        return None
    cond = node.child_by_field_name("condition")
    condition = source.text_of(cond).strip()
    if condition.startswith("(") and condition.endswith(")"):
        condition = condition[1:-1].strip()
    reason = page_reason(condition)
    consequence = node.child_by_field_name("consequence")
    if reason is None or consequence is None or not _returns(consequence):
        return None
    for later in body.named_children:
        if later.start_byte <= node.start_byte or later.type != "return_statement":
            continue
        root = _jsx(later.named_children[0] if later.named_children else None)
        vendor = vendor_of(root) if root is not None else None
        if root is not None and vendor is not None:
            return _found(source, node, root, vendor, f"!({condition})", reason)
    return None


def _returns(node: Node) -> bool:
    return node.type == "return_statement" or any(
        c.type == "return_statement" for c in node.named_children
    )


def _found(
    source: Source, at: Node, branch: Node, vendor: Vendor, condition: str, reason: str
) -> JsxGuard:
    end = source.line(branch.end_byte)
    guard = Guard(source.path, source.line(at), vendor, condition, reason, "inside", end_line=end)
    return JsxGuard(guard, source.path, branch.start_byte, branch.end_byte)


class _Vendors:
    """The chat / analytics vendor a JSX subtree loads: a `<Script>` / `<script>` whose source
    or inline code gives one away, a vendor's own component (`<GoogleAnalytics>`), or one of
    the app's components whose module loads one."""

    def __init__(self, project: Project, config: TsConfig, source: Source) -> None:
        self.project, self.config, self.source = project, config, source
        self.script = imported(source, "next/script") or "Script"
        self._files: dict[str, Vendor | None] = {}

    def __call__(self, node: Node) -> Vendor | None:
        found: list[Vendor] = []
        elements = [element_of(self.source, node), *jsx_elements(self.source, node)]
        for element in elements:
            vendor = None
            if element.name in (self.script, "script"):
                vendor = third_party(self.source.text_of(element.node))
            vendor = vendor or _vendor_named(element.name) or self._module(element.name)
            if vendor is not None:
                found.append(vendor)
        found.sort(key=lambda v: v.kind != "chat")
        return found[0] if found else None

    def _module(self, name: str) -> Vendor | None:
        for imp in find_imports(self.source):
            if name not in (imp.default, *(loc for _, loc in imp.names)):
                continue
            target = resolve(self.project, self.config, self.source.path, imp.source)
            if target is None:
                return None
            if target not in self._files:
                text = self.project.text(target) or ""
                self._files[target] = third_party(text) if target.endswith(JS) else None
            return self._files[target]
        return None


def _vendor_named(name: str) -> Vendor | None:
    """A vendor's own component: `<Intercom>`, `<GoogleAnalytics>`, `<CrispChat>`."""
    flat = re.sub(r"[^a-z]", "", name.lower())
    for vendor in VENDORS:
        if re.sub(r"[^a-z]", "", vendor.name.lower()) in flat:
            return vendor
    if "googletagmanager" in flat or "gtag" in flat:
        return next(v for v in VENDORS if v.name == "Google Analytics")
    return None


# -- which routes the rule keeps the script off -------------------------------------------------


@dataclass(frozen=True)
class Listed:
    """A literal list of paths the rule checks the route against: its values, whether a
    route must equal one (`includes`) or start with one (`startsWith`), and where it is."""

    name: str
    values: tuple[str, ...]
    exact: bool
    path: str
    line: int

    def names(self, route: str) -> bool:
        if self.exact:
            return route in self.values or route.rstrip("/") in self.values
        return any(route.startswith(v) for v in self.values)


_LIST_CALL = re.compile(r"^!?\(?\s*(?P<name>[A-Za-z_$][\w$]*)\s*\.\s*(?P<how>includes|some)\s*\(")


def listed(project: Project, config: TsConfig, guard: Guard) -> Listed | None:
    """The list behind a rule such as `!(EXCLUDED_PATHS.includes(router.pathname))`, when it is
    a literal array of strings in the shell's module or one it imports; None otherwise (or
    when the rule shows the script on the listed pages rather than off them)."""
    condition = guard.condition.strip()
    negated = condition.startswith("!")
    m = _LIST_CALL.match(condition)
    if m is None or not negated:
        return None
    text = project.text(guard.path)
    if text is None:
        return None
    source = Source.of(guard.path, text)
    name = m.group("name")
    found = string_array(source, name)
    if found is None:
        for imp in find_imports(source):
            if name in (imp.default, *(loc for _, loc in imp.names)):
                target = resolve(project, config, source.path, imp.source)
                other = project.text(target) if target else None
                if target is not None and other is not None:
                    exported = next((n for n, loc in imp.names if loc == name), name)
                    found = string_array(Source.of(target, other), exported)
                break
    if found is None:
        return None
    values, where, line = found
    exact = m.group("how") == "includes" and "startsWith" not in condition
    return Listed(name, values, exact, where, line)


def string_array(source: Source, name: str) -> tuple[tuple[str, ...], str, int] | None:
    """The values of `const name = ["...", ...]` in the module, with its path and line."""
    node = declarations(source).get(name)
    while node is not None and node.type in ("as_expression", "satisfies_expression"):
        node = node.named_children[0] if node.named_children else None
    if node is None or node.type != "array":
        return None
    values = []
    for item in node.named_children:
        if item.type != "string":
            return None
        values.append(source.text_of(item)[1:-1])
    return tuple(values), source.path, source.line(node)


# -- the report ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rewrite:
    """A rewrite in middleware: requests (a customer's domain, say) served by another route."""

    path: str
    line: int
    target: str  # the route's static prefix, e.g. /view/domains/


def report(
    project: Project,
    config: TsConfig,
    app_dir: str | None,
    pages_dir: str | None,
    layouts: Sequence[str],
    shells: Sequence[str],
    middleware: str | None,
) -> Pages:
    """The guard the widget follows in the shells it mounts in, and the pages the report
    lists: root layouts it does not mount in (their pages get no widget), pages whose route
    looks like a public viewer, and the routes middleware rewrites other hosts to."""
    guard = None
    for shell in shells:
        text = project.text(shell)
        if text is not None:
            found = shell_guard(project, config, Source.of(shell, text))
            if found is not None:
                guard = found.guard
                break
    listed: list[Page] = []
    for layout in layouts:
        if layout not in shells:
            where = posixpath.dirname(layout)
            why = f"a root layout of its own: no widget on the pages under {where}/"
            listed.append(Page(layout, 1, False, why))
    rule = listed_by(project, config, guard)
    routes = _viewer_pages(project, app_dir, pages_dir, layouts, shells)
    carried: dict[str, bool] = {}
    for path, segment in routes:
        route = _route_of(path, app_dir, pages_dir)
        why = f"`{segment}` in its route ({route}) looks like a public viewer"
        carries = True
        if rule is not None:
            carries = not rule.names(route)
            verb = "lists" if not carries else "does not list"
            why += f"; {rule.name} ({rule.path}:{rule.line}) {verb} it"
        elif guard is not None:
            why += f"; the shell's rule `{guard.condition}` decides"
        carried[route] = carries
        listed.append(Page(path, 1, carries, why))
    rewritten = []
    for rewrite in rewrites(project, config, middleware):
        served = [r for r in carried if r.startswith(rewrite.target)]
        why = f"rewrites requests (other hosts: customer domains?) to {rewrite.target}..."
        if served:
            why += f", served by {', '.join(served)}"
        rewritten.append(Page(rewrite.path, rewrite.line, any(carried[r] for r in served), why))
    return Pages(guard, rewritten + listed)


def listed_by(project: Project, config: TsConfig, guard: Guard | None) -> Listed | None:
    return listed(project, config, guard) if guard is not None else None


def _viewer_pages(
    project: Project,
    app_dir: str | None,
    pages_dir: str | None,
    layouts: Sequence[str],
    shells: Sequence[str],
) -> list[tuple[str, str]]:
    """Pages the shells reach whose route says public viewer: (file, segment)."""
    out = []
    roots = [posixpath.dirname(s) for s in shells if posixpath.basename(s).startswith("layout.")]
    others = [posixpath.dirname(s) for s in layouts if s not in shells]
    for directory, pattern in ((app_dir, _PAGE_FILE), (pages_dir, None)):
        if directory is None:
            continue
        for path in project.under(directory, project.with_suffix(*JS, ".mdx")):
            rel = path[len(directory) + 1 :]
            if pattern is not None and not pattern.search(path):
                continue
            if pattern is None and (_SPECIAL.search(path) or rel.startswith("api/")):
                continue
            if pattern is not None:
                owner = max((r for r in roots if path.startswith(r + "/")), key=len, default=None)
                other = max((r for r in others if path.startswith(r + "/")), key=len, default="")
                if owner is None or len(other) > len(owner):
                    continue  # under a root layout the widget is not mounted in
            segment = viewer_segment(rel)
            if segment is not None:
                out.append((path, segment))
    return out


def _route_of(path: str, app_dir: str | None, pages_dir: str | None) -> str:
    """The route a page file serves, as the router names it (`/view/[linkId]`)."""
    for directory in (app_dir, pages_dir):
        if directory and path.startswith(directory + "/"):
            rel = path[len(directory) :]
            rel = re.sub(r"/\([^)/]*\)", "", rel)  # route groups leave no trace in the URL
            rel = re.sub(r"/page\.\w+$|\.\w+$", "", rel)
            return re.sub(r"/index$", "", rel) or "/"
    return path


_REWRITE_TARGET = re.compile(r"""(?:\.pathname\s*=\s*|new\s+URL\s*\(\s*)[`'"](?P<path>/[^`'"$]*)""")


def rewrites(project: Project, config: TsConfig, middleware: str | None) -> list[Rewrite]:
    """Rewrites to pages in the middleware and the app's modules it imports (papermark's
    `lib/middleware/domain.ts`): where they send requests. API routes and error pages aside."""
    text = project.text(middleware) if middleware else None
    if middleware is None or text is None:
        return []
    files = [middleware]
    for imp in find_imports(Source.of(middleware, text)):
        target = resolve(project, config, middleware, imp.source)
        if target is not None and target.endswith(JS) and target not in files:
            files.append(target)
    out = []
    for path in files:
        body = project.text(path) or ""
        if "NextResponse.rewrite(" not in body:
            continue
        for m in _REWRITE_TARGET.finditer(body):
            target = m.group("path")
            if target != "/" and not target.startswith(("/404", "/500", "/api/", "/_next/")):
                out.append(Rewrite(path, body.count("\n", 0, m.start()) + 1, target))
    return out
