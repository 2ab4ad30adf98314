"""Where the auth provider's element is rendered: in a shell (root layout, `_app`), directly or
through the app's own components (`<Providers>` rendering `<SessionProvider>`, however deep), or
only in some route groups' layouts (`app/(app)/layout.tsx` but not `app/(marketing)/...`).

The identity component mounts inside the app's own provider, never inside a second one: where
only some route groups have the provider, it mounts in those groups' layouts.
"""

from __future__ import annotations

import posixpath

from scaffolder.js.imports import find_imports
from scaffolder.js.syntax import Source, jsx_elements
from scaffolder.js.tsconfig import resolve
from scaffolder.project import Project
from scaffolder.stacks.nextjs.detect import JS_SUFFIXES, NextApp

DEPTH = 4
"""How many components deep a provider is looked for (layout -> Providers -> AuthProvider...)."""


def provider_names(
    project: Project, app: NextApp, elements: frozenset[str], shells: list[Source]
) -> frozenset[str]:
    """`elements` and the local names of the app's components the shells import that render
    one of them (`<Providers>`), at any depth up to `DEPTH`."""
    names = set(elements)
    if not elements:
        return frozenset()
    seen: dict[str, bool] = {}
    for source in shells:
        for imp in find_imports(source):
            target = resolve(project, app.config, source.path, imp.source)
            if target is not None and _renders(project, app, target, elements, DEPTH, seen):
                names.update(n for n in [imp.default, *(loc for _, loc in imp.names)] if n)
    return frozenset(names)


def _renders(
    project: Project,
    app: NextApp,
    path: str,
    elements: frozenset[str],
    depth: int,
    seen: dict[str, bool],
) -> bool:
    """Whether the module at `path` renders one of `elements`, itself or through the
    components it imports from the app."""
    if path in seen:
        return seen[path]
    seen[path] = False  # an import cycle renders nothing new
    if depth == 0 or "/node_modules/" in path or not path.endswith(JS_SUFFIXES):
        return False
    text = project.text(path)
    if text is None:
        return False
    source = Source.of(path, text)
    if any(e in text for e in elements) and jsx_elements(source, None, *elements):
        seen[path] = True
        return True
    rendered = {e.name.split(".")[0] for e in jsx_elements(source)}
    for imp in find_imports(source):
        local = {n for n in [imp.default, *(loc for _, loc in imp.names)] if n}
        if not local & rendered:
            continue
        target = resolve(project, app.config, path, imp.source)
        if target is not None and _renders(project, app, target, elements, depth - 1, seen):
            seen[path] = True
            return True
    return False


def renders_provider(
    project: Project, app: NextApp, elements: frozenset[str], source: Source
) -> bool:
    names = provider_names(project, app, elements, [source])
    return bool(names and jsx_elements(source, None, *names))


def provider_layouts(
    project: Project, app: NextApp, elements: frozenset[str], shells: tuple[str, ...]
) -> tuple[str, ...]:
    """The outermost layouts (below the root ones) that render the provider, when no shell
    does: the route groups whose pages have it."""
    if not elements or app.router != "app" or app.app_dir is None:
        return ()
    for path in shells:
        if renders_provider(project, app, elements, Source.of(path, project.text(path) or "")):
            return ()
    found = []
    for path in project.under(app.app_dir, project.with_suffix(*JS_SUFFIXES)):
        stem = posixpath.splitext(posixpath.basename(path))[0]
        if stem != "layout" or path in shells:
            continue
        text = project.text(path)
        if text and renders_provider(project, app, elements, Source.of(path, text)):
            found.append(path)
    out: list[str] = []
    for path in sorted(found, key=lambda p: (p.count("/"), p)):
        if not any(path.startswith(posixpath.dirname(o) + "/") for o in out):
            out.append(path)
    return tuple(out)
