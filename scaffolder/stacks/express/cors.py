"""Express: the app's CORS policy, where it answers any origin with credentials
(`scaffolder.cors`): the `cors` package and middleware setting the headers itself. Such a
policy covering the token endpoint is an inspect finding, a plan warning, and the reason the
generated handler refuses cross-site cookie requests (`Sec-Fetch-Site: cross-site` without an
Authorization header: 403 {"token": null}); clients on other sites that send a bearer token
keep working."""

from __future__ import annotations

from scaffolder.cors import Permissive, reaching
from scaffolder.cors.javascript import express_cors, reflected
from scaffolder.stacks.express.index import JsIndex

HEADER_WORDS = ("Allow-Origin", "allow-origin", "ALLOW-ORIGIN")


def find(index: JsIndex) -> tuple[Permissive, ...]:
    """The permissive configurations of the app's server modules (parsed only where they
    mention `cors` or the header)."""
    cors = [m.source for m in index.modules(containing="cors")]
    by_path = {m.path: m.source for w in HEADER_WORDS for m in index.modules(containing=w)}
    return tuple(express_cors(cors) + reflected(by_path.values(), middleware_only=True))


def covering(found: tuple[Permissive, ...], endpoint: str | None) -> list[Permissive]:
    """Those that cover the endpoint the plan serves (none without one)."""
    return reaching(found, endpoint) if endpoint else []
