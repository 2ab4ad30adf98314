"""Which project files can configure a proxy in front of the app, by name alone: inspect asks
this before it loads `scaffolder.proxies` (their readers), so an app with none of them never
loads it."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable

Kind = str
"""nginx, traefik, js-config, package-json, angular, vercel, netlify."""


def kind_of(path: str) -> Kind | None:
    """What kind of proxy configuration `path` may hold, by its name; None: none."""
    name = posixpath.basename(path)
    lowered = path.lower()
    if name in ("nginx.conf", "default.conf") or (
        name.endswith((".conf", ".nginx", ".conf.template")) and "nginx" in lowered
    ):
        return "nginx"
    if name.endswith((".yml", ".yaml", ".toml")) and ("compose" in name or "traefik" in lowered):
        return "traefik"
    if re.fullmatch(r"(vite|next|webpack[\w.-]*)\.config\.[cm]?[jt]s|webpack\.[\w.-]+\.js", name):
        return "js-config"
    if name == "package.json":
        return "package-json"
    if re.fullmatch(r"proxy\.conf(\.[\w-]+)?\.json", name):
        return "angular"
    if name == "vercel.json":
        return "vercel"
    if name == "netlify.toml":
        return "netlify"
    return None


def proxy_files(paths: Iterable[str]) -> list[tuple[str, Kind]]:
    """The files among `paths` that may configure a proxy, with their kind, in order."""
    return [(path, kind) for path in paths if (kind := kind_of(path)) is not None]
