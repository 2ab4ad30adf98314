"""The project's own DRF view classes, and where their authentication comes from.

Views subclass DRF's views directly or through the project's own bases, in other modules too
(`class ApiView(SessionAuthMixin, APIView)` in a core module, `class NoteList(ApiView)` in an
app). A view authenticates with the first class of its MRO that the project defines and that
sets `authentication_classes` or overrides `get_authenticators()`: the view itself, or a base
or mixin it inherits, which the endpoint then inherits too, so that it authenticates exactly as
the API's views do (https://www.django-rest-framework.org/api-guide/authentication/).
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from scaffolder.model import Evidence
from scaffolder.python.models import ModelClass, find_class
from scaffolder.python.source import PythonIndex

VIEW_BASES = ("rest_framework.views.", "rest_framework.generics.", "rest_framework.viewsets.")
API_VIEW = "rest_framework.views.APIView"
# DRF bases a plain GET view may inherit (viewsets route actions, concrete generics a queryset).
_INHERITABLE = frozenset({API_VIEW, "rest_framework.generics.GenericAPIView"})
# Django's access mixins redirect anonymous visitors: the endpoint answers them 401 itself.
_ACCESS_MIXINS = "django.contrib.auth.mixins."
_DEPTH = 5


@dataclass(frozen=True)
class AuthBase:
    """What the endpoint inherits to authenticate like the API's views."""

    inherits: ModelClass
    """The project's base view, or the mixin that sets the authentication."""
    mixin: bool
    """`inherits` is a mixin: the endpoint inherits it and DRF's APIView."""
    provider: ModelClass
    """The class that sets the authentication (`inherits`, or a class it inherits)."""
    views: int
    """How many of the project's views authenticate through it."""

    @property
    def evidence(self) -> Evidence:
        cls = self.provider
        return Evidence(cls.path, cls.node.lineno, f"{cls.name}: the API views' authentication")


def view_classes(index: PythonIndex, owns: Callable[[str], bool]) -> list[ModelClass]:
    """The project's DRF class views: subclasses of DRF's, directly or through its own bases."""
    known: dict[tuple[str, str], ModelClass] = {}
    for mod in index.modules(containing="rest_framework"):
        if owns(mod.path):
            for node in mod.nodes(ast.ClassDef):
                if any((mod.qualified(b) or "").startswith(VIEW_BASES) for b in node.bases):
                    known[(mod.path, node.name)] = ModelClass(mod, node)
    frontier = list(known.values())
    for _ in range(_DEPTH):
        if not frontier:
            break
        names = tuple(sorted({c.name for c in frontier}))
        frontier = []
        for mod in index.modules(containing=names):
            if not owns(mod.path):
                continue
            for node in mod.nodes(ast.ClassDef):
                if (mod.path, node.name) in known:
                    continue
                cls = ModelClass(mod, node)
                if any(_key(p) in known for p in project_bases(index, cls)):
                    known[(mod.path, node.name)] = cls
                    frontier.append(cls)
    return list(known.values())


def _key(cls: ModelClass) -> tuple[str, str]:
    return cls.path, cls.name


def project_bases(index: PythonIndex, cls: ModelClass) -> Iterator[ModelClass]:
    """The bases of `cls` that the project defines, in order."""
    for base in cls.node.bases:
        if isinstance(base, (ast.Name, ast.Attribute)):
            parent = find_class(index, cls.module, ast.unparse(base))
            if parent is not None and parent.node is not cls.node:
                yield parent


def sets_authentication(cls: ModelClass) -> bool:
    for stmt in cls.node.body:
        if isinstance(stmt, ast.FunctionDef) and stmt.name == "get_authenticators":
            return True
        targets = stmt.targets if isinstance(stmt, ast.Assign) else []
        if isinstance(stmt, ast.AnnAssign):
            targets = [stmt.target]
        if any(isinstance(t, ast.Name) and t.id == "authentication_classes" for t in targets):
            return True
    return False


def authenticates_nobody(cls: ModelClass) -> bool:
    """`authentication_classes = []`: a public base, whose views see no signed-in user."""
    return any(
        isinstance(stmt, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "authentication_classes" for t in stmt.targets)
        and isinstance(stmt.value, (ast.List, ast.Tuple))
        and not stmt.value.elts
        for stmt in cls.node.body
    )


def provider(index: PythonIndex, cls: ModelClass, depth: int = 0) -> ModelClass | None:
    """The first class of `cls`'s MRO (the project's part, depth first as Python reads
    single-line hierarchies) that sets the authentication."""
    if sets_authentication(cls):
        return cls
    if depth >= _DEPTH:
        return None
    for parent in project_bases(index, cls):
        found = provider(index, parent, depth + 1)
        if found is not None:
            return found
    return None


def _external_bases(index: PythonIndex, cls: ModelClass, depth: int = 0) -> set[str]:
    """The qualified bases outside the project that `cls` reaches."""
    found: set[str] = set()
    for base in cls.node.bases:
        qualified = cls.module.qualified(base) or ""
        if "." in qualified and find_class(index, cls.module, ast.unparse(base)) is None:
            found.add(qualified)
    if depth < _DEPTH:
        for parent in project_bases(index, cls):
            found |= _external_bases(index, parent, depth + 1)
    return found


def _inherit(
    index: PythonIndex, via: ModelClass, source: ModelClass
) -> tuple[ModelClass, bool] | None:
    """What the endpoint inherits, (class, is a mixin), for a view authenticating through its
    base `via` whose class `source` sets the authentication: `via` where a plain GET view can
    inherit it, else `source` when it is a mixin; None when neither can be."""
    for cls in (via, source):
        external = _external_bases(index, cls)
        if any(b.startswith(_ACCESS_MIXINS) for b in external):
            continue
        drf = {b for b in external if b.startswith("rest_framework.")}
        if not drf:
            return cls, True
        if drf <= _INHERITABLE:
            return cls, False
    return None


def auth_base(index: PythonIndex, views: list[ModelClass]) -> AuthBase | None:
    """The base (or mixin) most of the API's views authenticate through, when they inherit
    their authentication rather than set it themselves."""
    found: Counter[tuple[str, str, bool]] = Counter()
    chosen: dict[tuple[str, str, bool], tuple[ModelClass, ModelClass]] = {}
    # The views that serve requests: not the project's bases of other views.
    bases = {_key(p) for view in views for p in project_bases(index, view)}
    for view in views:
        if sets_authentication(view) or _key(view) in bases:
            continue
        for parent in project_bases(index, view):
            source = provider(index, parent)
            if source is None:
                continue
            if authenticates_nobody(source):
                break
            inherited = _inherit(index, parent, source)
            if inherited is not None:
                cls, mixin = inherited
                key = (cls.path, cls.name, mixin)
                found[key] += 1
                chosen.setdefault(key, (cls, source))
            break
    if not found:
        return None
    key, count = found.most_common(1)[0]
    cls, source = chosen[key]
    return AuthBase(cls, key[2], source, count)
