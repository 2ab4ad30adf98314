"""The endpoints that serve the widget token in Python apps: the request handlers on the way to
a mint that answer JSON rather than render a page, and the routes named for the widget (Flask
/ FastAPI decorators, Django URL patterns). Each must send `Cache-Control: no-store` and hand
out a token it signed, never the auth provider's own."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import cached_property

from scaffolder.check.python import pages
from scaffolder.check.python.guards import Guards
from scaffolder.check.python.index import (
    Ctx,
    Func,
    Index,
    Module,
    const_str,
    name_of,
    own_nodes,
    params,
)
from scaffolder.check.python.values import Values, route_decorator
from scaffolder.check.rules import Found, Site, Violation

WIDGET_WORDS = re.compile(r"(?i)widget|bestchatbot|chatbot")
NO_STORE = re.compile(r"no-store|never_cache|add_never_cache_headers|no_store\s*=\s*True")
HTTP_METHODS = frozenset({"get", "post", "put", "patch", "delete"})
URL_REGISTRATIONS = frozenset({"add_url_rule", "path", "re_path", "url", "add_api_route"})
RESPONSES = re.compile(r"Response$|^jsonify$")


@dataclass
class Endpoints:
    index: Index
    values: Values
    guards: Guards
    found: Found

    def run(self, mints: list[Ctx]) -> None:
        for func, mod in self._handlers(mints).items():
            self.found.sites.append(Site("endpoint", mod.path, func.lineno, f"{func.name}()"))
            if not self._no_store(mod, func):
                message = f"the token endpoint {func.name}() does not send Cache-Control: no-store"
                self._flag("endpoint-no-store", mod, func, message)
            for key, value in pages.returned(self.index, mod, func):
                if (
                    key is not None
                    and "token" in key.lower()
                    and self.values.provider_tokens(value)
                ):
                    handed = ast.unparse(value.node)
                    message = f"{func.name}() hands the widget {handed}, not a token it signed"
                    self._flag("provider-token-forwarded", value.ctx.mod, value.node, message)

    def _flag(self, rule: str, mod: Module, node: ast.AST, message: str) -> None:
        line = getattr(node, "lineno", 1)
        self.found.violations.append(Violation(rule, mod.path, line, message))

    def _handlers(self, mints: list[Ctx]) -> dict[Func, Module]:
        """Handlers on the way to a mint, and routes named for the widget, that are no pages."""
        found: dict[Func, Module] = {}
        for ctx in mints:
            for mod, func in self.guards.entry_path(ctx):
                if self._is_handler(mod, func):
                    found[func] = mod
        for mod in self.index.modules:
            for node in mod.nodes(ast.FunctionDef, ast.AsyncFunctionDef, ast.Call):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    route = route_decorator(node)
                    path = const_str(route.args[0]) if route is not None and route.args else ""
                    if route is not None and WIDGET_WORDS.search(f"{path} {node.name}"):
                        found.setdefault(node, mod)
                elif isinstance(node, ast.Call) and name_of(node.func) in URL_REGISTRATIONS:
                    # path("api/widget-token/", views.widget_token)
                    pattern = const_str(node.args[0]) if node.args else None
                    view = self._view(mod, node.args[1]) if len(node.args) > 1 else None
                    if pattern and WIDGET_WORDS.search(pattern) and view is not None:
                        found.setdefault(view[1], view[0])
        return {f: m for f, m in found.items() if not pages.renders(m, f)}

    def _view(self, mod: Module, view: ast.expr) -> tuple[Module, Func] | None:
        """The function a URL pattern serves: `views.f`, `never_cache(f)`, `View.as_view()`."""
        if isinstance(view, ast.Call) and isinstance(view.func, ast.Attribute):
            for candidate in self.index.modules if view.func.attr == "as_view" else []:
                cls = candidate.classes.get(name_of(view.func.value))
                method = candidate.functions.get(f"{cls.name}.get") if cls else None
                if method is not None:
                    return candidate, method
        if isinstance(view, ast.Call) and view.args:
            return self._view(mod, view.args[0])
        return self.index.function(mod, view)

    def _is_handler(self, mod: Module, func: Func) -> bool:
        decorators = [name_of(d) for d in func.decorator_list]
        if route_decorator(func) is not None or "api_view" in decorators:
            return True
        owner = mod.enclosing_class(func)
        if owner is not None and func.name in HTTP_METHODS:
            return any(re.search(r"View|Resource", name_of(b)) for b in owner.bases)
        for use in self.index.uses(func):  # add_url_rule("/t", view_func=f), path("t/", f)
            parent = use.mod.parents.get(use.node)
            holder = parent[0] if parent is not None else None
            if use.call is None and isinstance(holder, ast.keyword):
                holder = use.mod.parents[holder][0]
            if isinstance(holder, ast.Call) and name_of(holder.func) in URL_REGISTRATIONS:
                return True
        returns = [n.value for n in own_nodes(func) if isinstance(n, ast.Return)]
        responds = any(isinstance(r, ast.Call) and RESPONSES.search(name_of(r)) for r in returns)
        return list(params(func))[:1] == ["request"] and responds

    def _no_store(self, mod: Module, func: Func) -> bool:
        """`Cache-Control: no-store` in the handler, its decorators (`never_cache`), what wraps
        it in the URL patterns, a helper it calls, or a hook that covers every response."""
        texts = [ast.unparse(func)]
        owner = mod.enclosing_class(func)
        texts += [ast.unparse(d) for d in owner.decorator_list] if owner is not None else []
        for use in self.index.uses(func):
            parent = use.mod.parents.get(use.node)
            if use.call is None and parent is not None and isinstance(parent[0], ast.Call):
                texts.append(ast.unparse(parent[0].func))
        for node in own_nodes(func):
            target = self.index.function(mod, node.func) if isinstance(node, ast.Call) else None
            texts += [ast.unparse(target[1])] if target is not None else []
        return any(NO_STORE.search(t) for t in texts) or self._no_store_everywhere

    @cached_property
    def _no_store_everywhere(self) -> bool:
        """An `after_request` hook or a middleware that sends no-store."""
        for mod in self.index.modules:
            for node in mod.nodes(ast.FunctionDef, ast.AsyncFunctionDef):
                assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                decorators = " ".join(ast.unparse(d) for d in node.decorator_list)
                hooked = re.search(r"after_(app_)?request", decorators) is not None
                middle = node.name in ("__call__", "dispatch") and mod.enclosing_class(node)
                if (hooked or middle) and NO_STORE.search(ast.unparse(node)):
                    return True
        return False
