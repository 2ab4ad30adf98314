"""The version of a package a project really installs, read from its lockfile (npm's
`package-lock.json`, `pnpm-lock.yaml`, `yarn.lock` classic and Berry, Bun's text `bun.lock`),
else its installed `node_modules/<name>/package.json`, else the lowest version its
`package.json` range allows. Read-only; nothing here resolves ranges against a registry."""

from __future__ import annotations

import json
import posixpath
import re

from scaffolder.js import jsonc
from scaffolder.js.packages import PackageJson, join, package_manager, parent_dirs
from scaffolder.project import Project

_VERSION = re.compile(r"\d+(?:\.\d+){0,2}")


def installed_version(project: Project, manifest: PackageJson, name: str) -> str | None:
    """`name`'s version for the package whose manifest is given: the lockfile's (of the
    workspace root holding it), else the one in the nearest node_modules, else the start of the
    declared range (`^4.9.5` -> `4.9.5`)."""
    declared = manifest.version(name)
    if declared is None:
        return None
    manager = package_manager(project, manifest.directory)
    importer = posixpath.relpath(manifest.directory or ".", manager.root or ".")
    for lockfile in ("package-lock.json", "pnpm-lock.yaml", "yarn.lock", "bun.lock"):
        path = join(manager.root, lockfile)
        text = project.text(path) if project.exists(path) else None
        if not text:
            continue
        if lockfile == "package-lock.json":
            found = _npm(text, importer, name)
        elif lockfile == "pnpm-lock.yaml":
            found = _pnpm(text, importer, name)
        elif lockfile == "yarn.lock":
            found = _yarn(text, name, declared)
        else:
            found = _bun(text, importer, name)
        if found:
            return found
    found = _node_modules(project, manifest.directory, name)
    if found:
        return found
    match = _VERSION.search(declared)
    return match.group(0) if match else None


def major(version: str | None) -> int | None:
    match = _VERSION.match(version or "")
    return int(match.group(0).split(".")[0]) if match else None


def _npm(text: str, importer: str, name: str) -> str | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    packages = data.get("packages")
    if isinstance(packages, dict):  # lockfileVersion 2 and 3
        keys = ([f"{importer}/node_modules/{name}"] if importer != "." else []) + [
            f"node_modules/{name}"
        ]
        for key in keys:
            entry = packages.get(key)
            if isinstance(entry, dict) and isinstance(entry.get("version"), str):
                return str(entry["version"])
    dependencies = data.get("dependencies")  # lockfileVersion 1
    if isinstance(dependencies, dict):
        entry = dependencies.get(name)
        if isinstance(entry, dict) and isinstance(entry.get("version"), str):
            return str(entry["version"])
    return None


def _pnpm(text: str, importer: str, name: str) -> str | None:
    """The importer's direct dependency: `name: 4.7.4` (lockfile 5), or `name:` followed by
    `specifier:` / `version:` lines (6 and 9, under `importers:` in workspaces and in 9)."""
    lines = text.splitlines()
    start, end = 0, next((i for i, ln in enumerate(lines) if ln == "packages:"), len(lines))
    if "importers:" in lines:
        keys = {f"  {importer}:", f"  '{importer}':", f'  "{importer}":'}
        begin = next((i for i, ln in enumerate(lines) if ln in keys), None)
        if begin is None:
            return None
        start = begin + 1
        end = next(
            (i for i in range(start, len(lines)) if lines[i] and not lines[i].startswith("   ")),
            len(lines),
        )
    entry = re.compile(rf"""^(\s+)['"]?{re.escape(name)}['"]?:\s*(\S*)\s*$""")
    for i in range(start, end):
        m = entry.match(lines[i])
        if m is None:
            continue
        if m.group(2):
            return _bare(m.group(2))
        for following in lines[i + 1 : i + 3]:
            value = following.strip()
            if value.startswith("version:"):
                return _bare(value.removeprefix("version:").strip())
    return None


def _yarn(text: str, name: str, declared: str) -> str | None:
    """The entry resolving `name@<declared range>` (classic: `version "x"`, Berry: `version: x`),
    else the only entry for `name`."""
    entries: list[tuple[list[str], str]] = []
    header: list[str] | None = None
    for line in text.splitlines():
        if line and not line.startswith((" ", "#")) and line.endswith(":"):
            header = [h.strip().strip("\"'") for h in line[:-1].split(",")]
        elif header is not None and line.strip().startswith("version"):
            value = line.strip().removeprefix("version").strip(' :"')
            entries.append((header, value))
            header = None
    ours = [(h, v) for h, v in entries if any(_yarn_name(s) == name for s in h)]
    wanted = {f"{name}@{declared}", f"{name}@npm:{declared}"}
    for specs, version in ours:
        if wanted & set(specs):
            return version
    return ours[0][1] if len(ours) == 1 else None


def _bun(text: str, importer: str, name: str) -> str | None:
    """bun.lock (JSON with trailing commas): `packages` maps `name` (hoisted) or
    `<workspace name>/name` (a workspace's own copy) to `["name@version", ...]`."""
    try:
        data = jsonc.loads(text)
    except ValueError:
        return None
    packages = data.get("packages") if isinstance(data, dict) else None
    if not isinstance(packages, dict):
        return None
    workspaces = data.get("workspaces")
    workspace = workspaces.get(importer) if isinstance(workspaces, dict) else None
    keys = [name]
    if importer != "." and isinstance(workspace, dict) and isinstance(workspace.get("name"), str):
        keys.insert(0, f"{workspace['name']}/{name}")
    for key in keys:
        entry = packages.get(key)
        if isinstance(entry, list) and entry and isinstance(entry[0], str):
            spec = entry[0]
            if spec.startswith(f"{name}@"):
                return _bare(spec[len(name) + 1 :])
    return None


def _node_modules(project: Project, directory: str, name: str) -> str | None:
    """The version in the nearest installed node_modules/<name>/package.json, from the
    package's directory up, as Node resolves it (node_modules itself is never scanned)."""
    for here in parent_dirs(directory):
        path = join(here, f"node_modules/{name}/package.json")
        if project.abspath(path).is_file():
            try:
                data = json.loads(project.text(path) or "")
            except ValueError:
                return None
            version = data.get("version") if isinstance(data, dict) else None
            return _bare(version) if isinstance(version, str) else None
    return None


def _yarn_name(spec: str) -> str:
    return spec[: spec.index("@", 1)] if "@" in spec[1:] else spec


def _bare(version: str) -> str | None:
    """`5.5.3(react@19)` / `4.7.4_abc` -> the version; links and other sources -> None."""
    match = _VERSION.match(version.strip("\"'"))
    return match.group(0) if match else None
