"""What reaches the pages of a Python web app, for the checker: the Jinja / Django templates
that carry the widget tag (an inline token, what `data-user-token` renders), the values handed
to templates and responses (context processors, `render(...)`, `jsonify(...)`, `g` /
`request.state`), and the page caches in front of them (Django's cache middleware and
`cache_page`, Flask-Caching's `@cache.cached`, fastapi-cache's `@cache`)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from scaffolder.check.python.guards import implies_user
from scaffolder.check.python.index import (
    At,
    Ctx,
    Func,
    Index,
    Module,
    const_str,
    name_of,
    own_nodes,
)
from scaffolder.check.python.values import KEY_THROUGH, Values
from scaffolder.check.rules import Found, Site, Sources, Violation
from scaffolder.markup import WIDGET_SRC

TEMPLATE_SUFFIXES = (".html", ".htm", ".jinja", ".jinja2", ".j2")
RENDERERS = frozenset(
    {"render_template", "render", "TemplateResponse", "render_to_string", "render_to_response"}
)
RESPONDERS = frozenset({"jsonify", "JsonResponse", "JSONResponse", "Response", "HTMLResponse"})
USER_TOKEN = re.compile(r"""data-user-token\s*=\s*["']?\s*\{\{\s*(.*?)\s*\}\}""")
TEMPLATE_REFERENCE = re.compile(r"""\{%-?\s*(?:extends|include)\s+["']([^"']+)["']""")
TEMPLATE_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
TEMPLATE_PROVIDER = re.compile(
    r"(?i)\b(access|id|auth|refresh|session)_token\b|\bsession\b|\brequest\.|cookies|authorization"
)
CACHE_MIDDLEWARE = ("UpdateCacheMiddleware", "FetchFromCacheMiddleware")
TOKEN_KEYS = frozenset({"bestchatbot_token", "widget_token"})


def renders(mod: Module, func: Func) -> bool:
    """A page: the function renders a template (or its class names one)."""
    owner = mod.enclosing_class(func)
    if owner is not None and any(_target(s) == "template_name" for s in owner.body):
        return True
    return any(isinstance(n, ast.Call) and name_of(n.func) in RENDERERS for n in own_nodes(func))


def returned(index: Index, mod: Module, func: Func) -> list[tuple[str | None, At]]:
    """The named values of what a handler returns: `{"token": t}`, `jsonify(token=t)`,
    `JsonResponse({...})`, followed through names (`response = jsonify(...)`)."""
    found: list[tuple[str | None, At]] = []
    for node in own_nodes(func):
        if isinstance(node, ast.Return) and node.value is not None:
            for leaf in index.values(At(node.value, Ctx(mod, func))):
                found += _entries(leaf)
    return found


def _entries(at: At) -> list[tuple[str | None, At]]:
    node = at.node
    if isinstance(node, ast.Dict):
        return [(const_str(k), At(v, at.ctx)) for k, v in zip(node.keys, node.values, strict=True)]
    if isinstance(node, ast.Call) and name_of(node.func) in RESPONDERS | {"dict"}:
        found = [(kw.arg, At(kw.value, at.ctx)) for kw in node.keywords]
        for arg in node.args:
            found += _entries(At(arg, at.ctx))
        return found
    return []


def _target(stmt: ast.stmt) -> str:
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        return name_of(stmt.targets[0])
    return ""


@dataclass
class Pages:
    sources: Sources
    index: Index
    values: Values
    found: Found
    key_envs: set[str]
    token_vars: set[str] = field(default_factory=lambda: set(TOKEN_KEYS))
    inline: set[str] = field(default_factory=set)

    def run(self) -> None:
        for path in self.sources.with_suffix(*TEMPLATE_SUFFIXES):
            self._template(path, self.sources.text(path) or "")
        self._outputs()
        if self.inline:
            self._cache_middleware()
            self._cached_views()
        self._tags_in_strings()

    def flag(self, rule: str, path: str, line: int, message: str) -> None:
        self.found.violations.append(Violation(rule, path, line, message))

    # -- templates ----------------------------------------------------------------------------

    def _template(self, path: str, text: str) -> None:
        if WIDGET_SRC in text and "data-user-token" in text:
            self.inline.add(path)
        for match in USER_TOKEN.finditer(text):
            expression = match.group(1)
            head = re.match(r"[A-Za-z_]\w*", expression)
            if head:
                self.token_vars.add(head.group(0))
            if TEMPLATE_PROVIDER.search(expression):
                line = text.count("\n", 0, match.start()) + 1
                self.flag(
                    "provider-token-forwarded",
                    path,
                    line,
                    f"the widget tag's data-user-token renders {expression}, not a token "
                    "signed for the widget",
                )
        for match in TEMPLATE_TAG.finditer(text):
            named = [k for k in self.key_envs if k in match.group(0)]
            if named:
                line = text.count("\n", 0, match.start()) + 1
                self.flag(
                    "key-in-client", path, line, f"the page renders the signing key {named[0]}"
                )

    def _chain(self, name: str) -> set[str]:
        """The template files a template name renders: itself, what it extends or includes."""
        found: set[str] = set()
        todo = [name]
        while todo and len(found) < 50:
            path = self._template_path(todo.pop())
            if path is None or path in found:
                continue
            found.add(path)
            todo += TEMPLATE_REFERENCE.findall(self.sources.text(path) or "")
        return found

    def _template_path(self, name: str) -> str | None:
        for path in self.sources.with_suffix(*TEMPLATE_SUFFIXES):
            if path == name or path.endswith("/" + name):
                return path
        return None

    # -- values handed to pages and responses -------------------------------------------------

    def _outputs(self) -> None:
        processors = self._context_processors()
        for mod in self.index.modules:
            for node in mod.nodes(ast.Call, ast.Assign, ast.Return):
                for key, value in self._handed(node, mod, processors):
                    self._output(key, value)

    def _handed(
        self, node: ast.AST, mod: Module, processors: set[Func]
    ) -> Iterator[tuple[str | None, At]]:
        """What a call, assignment or return hands to a template or a response."""

        def at(value: ast.AST) -> At:  # the enclosing function only for what is handed
            return At(value, Ctx(mod, mod.enclosing(node)))

        if isinstance(node, ast.Call):
            name = name_of(node.func)
            if name == "render_template" or name in RESPONDERS:
                yield from ((kw.arg, at(kw.value)) for kw in node.keywords)
            if name in RENDERERS | RESPONDERS:
                for arg in [*node.args, *(kw.value for kw in node.keywords)]:
                    if isinstance(arg, ast.Dict):
                        yield from _entries(at(arg))
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Attribute) and name_of(target.value) in ("g", "state"):
                    yield target.attr, at(node.value)
                if isinstance(target, ast.Subscript) and name_of(target.value) == "globals":
                    yield const_str(target.slice), at(node.value)
        elif isinstance(node, ast.Return) and isinstance(node.value, (ast.Dict, ast.Call)):
            func = mod.enclosing(node)
            if func in processors:
                yield from _entries(At(node.value, Ctx(mod, func)))

    def _output(self, key: str | None, value: At) -> None:
        mod = value.ctx.mod
        for leaf in self.values.leaves(value, KEY_THROUGH):
            read = self.values.env_read(leaf)
            if read is not None and read.name in self.key_envs:
                self.flag(
                    "key-in-client",
                    mod.path,
                    getattr(value.node, "lineno", 1),
                    f"the signing key {read.name} is handed to a page or a response"
                    + (f" as {key}" if key else ""),
                )
                return
        if key in self.token_vars and self.values.provider_tokens(value):
            self.flag(
                "provider-token-forwarded",
                mod.path,
                getattr(value.node, "lineno", 1),
                f"{key} for the widget is {ast.unparse(value.node)}, not a token signed for it",
            )

    def _context_processors(self) -> set[Func]:
        """Functions templates call for their context: `@app.context_processor`, those passed
        to `context_processor(...)` / `context_processors=[...]`, Django's dotted settings."""
        found: set[Func] = set()
        dotted = {
            s
            for mod in self.index.modules
            for node in mod.nodes(ast.Constant)
            if (s := const_str(node)) is not None and "." in s and " " not in s
        }
        for mod in self.index.modules:
            for name, func in mod.functions.items():
                decorators = " ".join(ast.unparse(d) for d in func.decorator_list)
                if "context_processor" in decorators or f"{mod.name}.{name}" in dotted:
                    found.add(func)
                for use in self.index.uses(func):
                    parent = use.mod.parents.get(use.node)
                    holder = parent and use.mod.parents.get(parent[0])
                    texts = [ast.unparse(p[0]) for p in (parent, holder) if p]
                    if any("context_processor" in t for t in texts):
                        found.add(func)
        return found

    # -- page caches --------------------------------------------------------------------------

    def _cache_middleware(self) -> None:
        for at in self.index.setting("MIDDLEWARE") or []:
            if isinstance(at.node, (ast.List, ast.Tuple)):
                for item in at.node.elts:
                    name = const_str(item) or ""
                    if name.endswith(CACHE_MIDDLEWARE):
                        self.flag(
                            "inline-token-page-cache",
                            at.ctx.mod.path,
                            item.lineno,
                            f"{name} caches whole pages, and the layout "
                            f"{sorted(self.inline)[0]} carries an inline data-user-token",
                        )
                        return

    def _cached_views(self) -> None:
        for mod in self.index.modules:
            kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Call)
            for node in mod.nodes(*kinds):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    for decorator in node.decorator_list:
                        if self._page_cache(decorator, mod):
                            self._cached(mod, decorator, self._page_templates(mod, node))
                elif isinstance(node, ast.ClassDef):
                    for decorator in node.decorator_list:
                        if self._page_cache(decorator, mod):
                            self._cached(mod, decorator, self._class_templates(node))
                elif (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Call)
                    and self._page_cache(node.func, mod)
                    and node.args
                ):  # urls.py: cache_page(60)(views.home)
                    self._cached(mod, node, self._view_templates(mod, node.args[0]))

    def _page_cache(self, decorator: ast.AST, mod: Module) -> bool:
        if not isinstance(decorator, ast.Call):
            return False
        name = name_of(decorator.func)
        if name == "method_decorator" and decorator.args:
            return self._page_cache(decorator.args[0], mod)
        qualified = mod.qualified(decorator.func) or ""
        if name == "cache_page" or qualified.endswith("fastapi_cache.decorator.cache"):
            return True
        if name == "cached":  # Flask-Caching, unless signed-in users are left out
            unless = next((kw.value for kw in decorator.keywords if kw.arg == "unless"), None)
            if isinstance(unless, ast.Lambda):
                return not implies_user(unless.body, True)
            return unless is None
        return False

    def _cached(self, mod: Module, node: ast.AST, templates: set[str]) -> None:
        inline = sorted(templates & self.inline)
        if inline:
            self.flag(
                "inline-token-page-cache",
                mod.path,
                getattr(node, "lineno", 1),
                f"a page cache serves this page, whose template {inline[0]} carries an inline "
                "data-user-token",
            )

    def _page_templates(self, mod: Module, func: Func) -> set[str]:
        found: set[str] = set()
        for node in own_nodes(func):
            if isinstance(node, ast.Call) and name_of(node.func) in RENDERERS:
                for arg in [*node.args, *(kw.value for kw in node.keywords)]:
                    for leaf in self.index.values(At(arg, Ctx(mod, func))):
                        name = const_str(leaf.node)
                        if name is not None and "." in name:
                            found |= self._chain(name)
        owner = mod.enclosing_class(func)
        return found | (self._class_templates(owner) if owner is not None else set())

    def _class_templates(self, cls: ast.ClassDef) -> set[str]:
        found: set[str] = set()
        for stmt in cls.body:
            if _target(stmt) == "template_name" and isinstance(stmt, ast.Assign):
                name = const_str(stmt.value)
                found |= self._chain(name) if name else set()
        return found

    def _view_templates(self, mod: Module, view: ast.expr) -> set[str]:
        if isinstance(view, ast.Call) and isinstance(view.func, ast.Attribute):
            view = view.func.value  # HomeView.as_view()
        target = self.index.function(mod, view)
        if target is not None:
            return self._page_templates(*target)
        for candidate in self.index.modules:
            cls = candidate.classes.get(name_of(view))
            if cls is not None:
                return self._class_templates(cls)
        return set()

    # -- the widget tag in Python strings -----------------------------------------------------

    def _tags_in_strings(self) -> None:
        for mod in self.index.modules:
            lines = set()
            for node in mod.nodes(ast.Constant):
                text = const_str(node)
                if text is not None and WIDGET_SRC in text and node.lineno not in lines:
                    lines.add(node.lineno)
                    inline = " with an inline data-user-token" if "data-user-token" in text else ""
                    what = f"the widget tag{inline}"
                    self.found.sites.append(Site("widget-tag", mod.path, node.lineno, what))
