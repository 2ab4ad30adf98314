"""A single-page frontend in the same repository as the API, and how it talks to the API.

Finds bundled apps (`scaffolder.spa.find_bundled`) and plain pages served by a
`StaticFiles(html=True)` mount. For bundled apps it reads where the app keeps its bearer token
(`localStorage.getItem("access_token")`) and the env variable holding the API's base URL
(`import.meta.env.VITE_API_URL`), so the identity script can call the API the way the app does.
"""

from __future__ import annotations

import json
import posixpath
import re

from tree_sitter import Node

from scaffolder import treesitter
from scaffolder.model import Evidence
from scaffolder.project import Project
from scaffolder.spa import Frontend, TokenStorage, body_line, find_bundled, frontend_sources
from scaffolder.stacks.fastapi.detect import StaticMount

_API_ENV = re.compile(
    r"\b(import\.meta\.env\.(?P<vite>VITE_\w+)|process\.env\.(?P<cra>(?:REACT_APP|VUE_APP)_\w+))"
)
_API_NAME = re.compile(r"API|BACKEND|SERVER|BASE_URL", re.IGNORECASE)
_TOKEN_KEY = re.compile(r"token|jwt|auth", re.IGNORECASE)


def find(project: Project, statics: list[StaticMount]) -> list[Frontend]:
    found = find_bundled(project)
    taken = {f.root for f in found}
    for mount in statics:
        if not mount.html or mount.directory is None or mount.directory in taken:
            continue
        page = (
            posixpath.join(mount.directory, "index.html")
            if mount.directory != "."
            else "index.html"
        )
        if project.exists(page):
            found.append(
                Frontend(
                    mount.directory,
                    "static",
                    "plain",
                    page,
                    None,
                    static_url=mount.url,
                    evidence=[
                        Evidence(
                            mount.path,
                            mount.line,
                            f"StaticFiles(html=True) serves {page} at {mount.url}",
                        )
                    ],
                    body_line=body_line(project.text(page) or ""),
                )
            )
    for frontend in found:
        _read_sources(project, frontend)
    return found


def _read_sources(project: Project, frontend: Frontend) -> None:
    files = frontend_sources(project, frontend)
    envs: dict[str, Evidence] = {}
    mentions_bearer: set[str] = set()
    parsed: list[tuple[str, Node]] = []
    constants: dict[str, str] = {}
    for path in files:
        text = project.text(path)
        if not text:
            continue
        if frontend.kind == "bundled":
            for m in _API_ENV.finditer(text):
                name = m.group("vite") or m.group("cra")
                if _API_NAME.search(name):
                    line = text.count("\n", 0, m.start()) + 1
                    envs.setdefault(m.group(1), Evidence(path, line, f"API base URL {m.group(1)}"))
        if "Bearer" in text or "Authorization" in text:
            mentions_bearer.add(path)
        if _STORAGE_CALL.search(text) or "const" in text:
            language = treesitter.language_for(path)
            if language not in ("javascript", "typescript", "tsx"):
                continue  # .vue / .svelte: their scripts are not parsed here
            root = treesitter.parse(text, language).root_node
            parsed.append((path, root))
            constants.update(_string_constants(root))
    storage: dict[tuple[str, str], TokenStorage] = {}
    for path, root in parsed:
        _storage_calls(path, root, {**constants, **_string_constants(root)}, storage)
    if len(envs) == 1:
        expr, evidence = next(iter(envs.items()))
        frontend.api_base = expr
        frontend.evidence.append(evidence)
    candidates = [s for s in storage.values() if _TOKEN_KEY.search(s.key) and s.evidence]
    sent = [s for s in candidates if any(e.file in mentions_bearer for e in s.evidence)]
    frontend.token_candidates = sent or candidates


_STORAGE_CALL = re.compile(r"\b(localStorage|sessionStorage)\s*\.\s*(getItem|setItem|removeItem)\b")
_STORES = ("localStorage", "sessionStorage", "window.localStorage", "window.sessionStorage")


def _storage_calls(
    path: str, root: Node, constants: dict[str, str], found: dict[tuple[str, str], TokenStorage]
) -> None:
    """`localStorage.getItem(KEY)` and friends, KEY a string or a string constant of the
    frontend (`export const TOKEN_KEY = "access_token"`)."""
    for node in treesitter.walk(root):
        if node.type != "call_expression":
            continue
        func = node.child_by_field_name("function")
        args = node.child_by_field_name("arguments")
        if func is None or args is None or func.type != "member_expression":
            continue
        obj = func.child_by_field_name("object")
        prop = func.child_by_field_name("property")
        if obj is None or prop is None:
            continue
        store, op = treesitter.text_of(obj), treesitter.text_of(prop)
        if store not in _STORES or op not in ("getItem", "setItem", "removeItem"):
            continue
        first = next((c for c in args.named_children if c.type != "comment"), None)
        if first is None:
            continue
        key = _string(first) or constants.get(treesitter.text_of(first))
        if key is None:
            continue
        store = store.removeprefix("window.")
        line = node.start_point[0] + 1
        entry = found.setdefault(
            (store, key), TokenStorage(f"{store}.getItem({json.dumps(key)})", key, [], [])
        )
        if op == "getItem":
            why = f"the SPA reads its token from {store} ({key!r})"
            entry.evidence.append(Evidence(path, line, why))
        else:
            entry.writes.append(f"{path}:{line}")


def _string(node: Node) -> str | None:
    if node.type == "string":
        return treesitter.text_of(node)[1:-1]
    if node.type == "template_string" and "${" not in treesitter.text_of(node):
        return treesitter.text_of(node)[1:-1]
    return None


def _string_constants(root: Node) -> dict[str, str]:
    found = {}
    for node in treesitter.walk(root):
        if node.type == "variable_declarator":
            name = node.child_by_field_name("name")
            value = node.child_by_field_name("value")
            if name is not None and value is not None and (text := _string(value)) is not None:
                found[treesitter.text_of(name)] = text
    return found
