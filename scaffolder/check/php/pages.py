"""What WordPress pages and endpoints hand the browser: the widget tag and its data-user-token
(`printf`, `echo`, `<?= ?>`, inline HTML), what `wp_localize_script` / `wp_add_inline_script`
pass to scripts, the REST routes that serve the token (no-store, a token they signed), and the
page cache in front of it all (WP_CACHE, advanced-cache.php, a cache plugin)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from tree_sitter import Node

from scaffolder import treesitter as ts
from scaffolder.check.php.guards import Guards
from scaffolder.check.php.index import (
    At,
    Ctx,
    PhpFile,
    PhpIndex,
    arguments,
    call_name,
    callback_name,
    element_pairs,
    enclosing,
    function_name,
    string_value,
    text,
    walk_own,
)
from scaffolder.check.php.values import TEXT_THROUGH, Values
from scaffolder.check.rules import Found, Site, Sources, Violation
from scaffolder.markup import WIDGET_SRC
from scaffolder.stacks.wordpress.detect import CACHE_PLUGINS, PLUGIN_VENDORS

WIDGET_WORDS = re.compile(r"(?i)widget|bestchatbot|chatbot")
PRINTERS = frozenset({"printf", "sprintf", "vprintf", "print", "echo"})


@dataclass
class Pages:
    sources: Sources
    index: PhpIndex
    values: Values
    guards: Guards
    found: Found
    key_envs: set[str]

    def run(self, entries: list[Ctx]) -> None:
        self._endpoints(entries)
        self._pages()

    def flag(self, rule: str, file: PhpFile, node: Node, message: str) -> None:
        self.found.violations.append(Violation(rule, file.path, file.line(node), message))

    # -- REST endpoints -----------------------------------------------------------------------

    def _endpoints(self, entries: list[Ctx]) -> None:
        """`register_rest_route(...)` routes whose callback mints the token or that are named
        for the widget."""
        on_path = {f for ctx in entries for f in self.guards.entry_path(ctx)}
        for file, node in self.index.nodes("function_call_expression"):
            args = arguments(node) if call_name(node) == "register_rest_route" else []
            options = args[2] if len(args) > 2 else None
            if options is None or options.type != "array_creation_expression":
                continue
            pairs = {string_value(k): v for k, v in element_pairs(options) if k is not None}
            target = self._callback(file, pairs.get("callback"))
            route = " ".join(string_value(a) or "" for a in args[:2]).strip()
            if target is None or not (target[1] in on_path or WIDGET_WORDS.search(route)):
                continue
            where, func = target
            what = f"{route} ({function_name(func) or 'closure'})"
            self.found.sites.append(Site("endpoint", where.path, where.line(func), what))
            if not self._no_store(func):
                message = f"the token endpoint {route} sends no Cache-Control: no-store"
                self.flag("endpoint-no-store", where, func, message)
            for value in self._handed_out(func, Ctx(where, func)):
                if self.values.provider_tokens(value):
                    message = f"the endpoint hands the widget {text(value.node)}, not its own token"
                    self.flag("provider-token-forwarded", value.ctx.file, value.node, message)

    def _callback(self, file: PhpFile, callback: Node | None) -> tuple[PhpFile, Node] | None:
        """The function a callback names: a closure, 'function_name', array( $this, 'method' )."""
        if callback is None:
            return None
        if callback.type in ("anonymous_function", "arrow_function"):
            return file, callback
        name = callback_name(callback)
        if callback.type == "array_creation_expression":  # array( $this, 'method' )
            names = [callback_name(v) for _, v in element_pairs(callback)]
            name = names[-1] if names else None
        targets = self.index.functions.get(name or "", [])
        return targets[0] if len(targets) == 1 else None

    def _no_store(self, func: Node) -> bool:
        """nocache_headers(), or a `no-store` header, in the endpoint or a function it calls."""
        todo, seen = [func], set[Node]()
        while todo:
            current = todo.pop()
            if current in seen or len(seen) > 20:
                continue
            seen.add(current)
            for node in ts.walk(current):
                if node.type == "function_call_expression" and call_name(node) == "nocache_headers":
                    return True
                if node.type == "string_content" and "no-store" in text(node):
                    return True
                if node.type == "function_call_expression":
                    todo += [f for _, f in self.index.functions.get(call_name(node), [])]
        return False

    def _handed_out(self, func: Node, ctx: Ctx) -> list[At]:
        """The `token` of what an endpoint returns or sends."""
        found = []
        for node in walk_own(func):
            if node.type == "array_creation_expression":
                for key, value in element_pairs(node):
                    if string_value(key) == "token":
                        found.append(At(value, ctx))
        return found

    # -- pages --------------------------------------------------------------------------------

    def _pages(self) -> None:
        for file in self.index.files:
            for node in ts.walk(file.root):
                if node.type in ("string_content", "text") and WIDGET_SRC in text(node):
                    self.found.sites.append(Site("widget-tag", file.path, file.line(node), "tag"))
                printed = self._printed(node)
                if printed is not None:
                    self._printing(file, node, [At(v, Ctx(file, enclosing(node))) for v in printed])

    def _printing(self, file: PhpFile, node: Node, values: list[At]) -> None:
        """A statement that prints `values` into the page (or hands them to a script)."""
        if "data-user-token" in text(node) or self._after_user_token(node):
            for value in values:
                if self.values.provider_tokens(value):
                    message = f"data-user-token prints {text(value.node)}, not a widget token"
                    self.flag("provider-token-forwarded", file, value.node, message)
            if self._cache is not None:
                message = f"an inline data-user-token on pages a page cache serves ({self._cache})"
                self.flag("inline-token-page-cache", file, node, message)
        for value in values:
            leaves = self.values.leaves(value, TEXT_THROUGH)
            if any(self.values.env_name(leaf) in self.key_envs for leaf in leaves):
                self.flag("key-in-client", file, node, "the signing key is printed into the page")
                return

    def _printed(self, node: Node) -> list[Node] | None:
        """What a statement prints or hands to the browser: echo / print / printf arguments,
        `wp_localize_script` data, `wp_add_inline_script` code, `<?= ... ?>`."""
        if node.type == "echo_statement":
            return [
                n
                for c in node.named_children
                for n in (c.named_children if c.type == "sequence_expression" else [c])
            ]
        if node.type == "print_intrinsic":
            return node.named_children
        if node.type == "expression_statement":
            previous = node.prev_sibling
            if (
                previous is not None
                and previous.type == "text_interpolation"
                and text(previous).endswith("<?=")
            ):
                return node.named_children
            return None
        if node.type != "function_call_expression":
            return None
        name = call_name(node)
        args = arguments(node)
        if name in PRINTERS:
            return args
        if name == "wp_localize_script" and len(args) > 2:
            data = args[2]
            return (
                [v for _, v in element_pairs(data)]
                if data.type == "array_creation_expression"
                else [data]
            )
        if name == "wp_add_inline_script" and len(args) > 1:
            return [args[1]]
        return None

    @staticmethod
    def _after_user_token(node: Node) -> bool:
        """`data-user-token="<?php echo ... ?>"`: the statement follows that attribute's text."""
        previous = node.parent.prev_sibling if node.parent is not None else None
        previous = node.prev_sibling if node.type == "echo_statement" else previous
        return (
            previous is not None
            and re.search(r'data-user-token="?\s*<\?(php|=)?\s*$', text(previous)) is not None
        )

    @cached_property
    def _cache(self) -> str | None:
        """A page cache in front of the site: WP_CACHE defined, advanced-cache.php, a cache
        plugin installed or required; unless the project sets DONOTCACHEPAGE."""
        if "DONOTCACHEPAGE" in self.index.constants:
            return None
        paths = self.sources.with_suffix(".php")
        for path in paths:
            if path.endswith("advanced-cache.php"):
                return path
            for slug, name in CACHE_PLUGINS.items():
                if f"plugins/{slug}/" in path:
                    return name
        for at in self.index.constants.get("WP_CACHE", []):
            if text(at.node).lower() not in ("false", "0", "''", '""', "null"):
                return "WP_CACHE"
        composer = self.sources.text("composer.json") or ""
        for slug, name in CACHE_PLUGINS.items():
            if any(f'"{vendor}{slug}"' in composer for vendor in PLUGIN_VENDORS):
                return name
        return None
