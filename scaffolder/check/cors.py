"""The `endpoint-cors-credentials` rule, for every language's checker: the project's CORS
policy answers any origin with credentials (`scaffolder.cors`: Flask-CORS,
django-cors-headers, Starlette, the `cors` package, headers set from the request) and covers a
token endpoint that does not refuse cross-site cookie requests (a test of `Sec-Fetch-Site`
for `cross-site` in its module): then any web site can read a signed-in visitor's token.

A policy limited to some paths counts where one of the URLs the project requests the token
from (a string literal naming a `...token` path, a Next.js route's file path) is among them;
when none is known, it is not guessed to cover the endpoint.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from scaffolder.check.rules import Site, Sources, Violation
from scaffolder.cors import REFUSAL, Permissive

if TYPE_CHECKING:  # each checker loads only its own language's finders
    from scaffolder.js.syntax import Source
    from scaffolder.python.source import PyModule

RULE = "endpoint-cors-credentials"
URL_LITERAL = re.compile(r"""["'`](/[\w\-./]*token[\w\-./]*)["'`]""", re.IGNORECASE)
NEXT_ROUTE = re.compile(r"(?:^|/)(?:src/)?(?:app|pages)/(.+?)(?:/route|/index)?\.[cm]?[jt]sx?$")
NEXT_HANDLER = re.compile(r"(?:^|/)(?:src/)?(?:pages/api/.+|app/(?:.+/)?route)\.[cm]?[jt]sx?$")
"""A Next.js API route's file: a cors() of its own covers that route only."""


def python_configs(modules: Sequence[PyModule]) -> list[Permissive]:
    """Flask-CORS, django-cors-headers (each settings chain) and Starlette (unless the app
    signs requests in only by a header the page attaches) configurations."""
    from scaffolder.cors import python as py

    found = py.flask_cors(modules)
    found += [p for chain in py.settings_chains(modules) for p in py.django_cors(chain)]
    found += [] if py.bearer_only(modules) else py.starlette_cors(modules)
    return list(dict.fromkeys(found))


def javascript_configs(sources: Iterable[Source]) -> list[Permissive]:
    """The `cors` package's (Next.js routes left out: a route's own cors() covers only it) and
    headers set from the request by Express or Next.js middleware."""
    from scaffolder.cors import javascript as js

    server = list(sources)
    nextjs = [s for s in server if js.is_middleware_file(s.path) and "next/server" in s.text]
    others = [s for s in server if all(s is not n for n in nextjs)]
    found = js.express_cors([s for s in others if not NEXT_HANDLER.search(s.path)])
    found += js.reflected(others, middleware_only=True)
    found += js.reflected(nextjs, middleware_only=False)
    return found


def violations(
    given: Sources, sites: Sequence[Site], configs: Sequence[Permissive]
) -> list[Violation]:
    """One violation per permissive configuration that covers an endpoint left open, at the
    configuration's line."""
    endpoints = [s for s in sites if s.kind == "endpoint" and not refuses(given, s.file)]
    if not endpoints or not configs:
        return []
    urls = endpoint_urls(given, endpoints)
    shown = ", ".join(dict.fromkeys(f"{s.file}:{s.line}" for s in endpoints))
    out = []
    for p in configs:
        if p.scope is not None and not any(p.reaches(url) for url in urls):
            continue
        message = (
            f"{p.why}: any web site can read the widget token the endpoint ({shown}) hands a "
            "signed-in visitor, and impersonate them in the chat"
        )
        out.append(Violation(RULE, p.file, p.line, message))
    return out


def refuses(given: Sources, path: str) -> bool:
    """Whether the endpoint's module refuses cross-site requests (Fetch Metadata)."""
    text = given.text(path) or ""
    return REFUSAL.search(text) is not None and "cross-site" in text.lower()


def endpoint_urls(given: Sources, endpoints: Sequence[Site]) -> set[str]:
    """The URLs the token is served at, as far as the project says: Next.js routes by their
    file, and every `...token` path its code and templates request or register."""
    urls = set()
    for site in endpoints:
        route = NEXT_ROUTE.search(site.file)
        if route is not None:
            segments = [s for s in route.group(1).split("/") if not s.startswith("(")]
            urls.add("/" + "/".join(segments))
    for path in given.with_suffix(""):  # the overlay's files too
        urls |= set(URL_LITERAL.findall(given.text(path) or ""))
    return urls
