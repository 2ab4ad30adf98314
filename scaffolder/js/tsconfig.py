"""`tsconfig.json` / `jsconfig.json` (JSON with comments, `extends` followed inside the project):
path aliases (`@/*` -> `./src/*`), resolving import specifiers to project files, and the
specifier to import a project file by (through an alias when the project has one).
"""

from __future__ import annotations

import fnmatch
import posixpath
from dataclasses import dataclass, field
from typing import Any

from scaffolder.js import jsonc
from scaffolder.js.packages import join
from scaffolder.project import Project

RESOLVE_SUFFIXES = (".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts", ".d.ts")


@dataclass
class TsConfig:
    """The settings of one package's tsconfig / jsconfig that matter for imports."""

    path: str | None
    directory: str
    """The package directory the config belongs to."""
    base_url: str | None = None
    """Project-relative directory of `compilerOptions.baseUrl`."""
    paths: list[tuple[str, list[str]]] = field(default_factory=list)
    """`compilerOptions.paths`: pattern -> project-relative target patterns, in order."""
    include: list[str] | None = None
    """Project-relative `include` patterns (None: TypeScript's default, everything)."""
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def checks_js(self) -> bool:
        """`compilerOptions.checkJs`: the project type-checks its JavaScript."""
        return self.options.get("checkJs") is True

    @property
    def aliases(self) -> list[tuple[str, str]]:
        """Wildcard aliases as (specifier prefix, directory): `("@/", "src")`."""
        out = []
        for pattern, targets in self.paths:
            if not pattern.endswith("/*") or not targets:
                continue
            if targets[0] == "*":
                out.append((pattern[:-1], "."))
            elif targets[0].endswith("/*"):
                out.append((pattern[:-1], targets[0][:-2]))
        return out

    def includes(self, path: str) -> bool:
        """Whether the program covers `path` (by `include`; `files`-only configs: no)."""
        if self.include is None:
            return True
        for pattern in self.include:
            regex = pattern if any(c in pattern for c in "*?") else pattern.rstrip("/") + "/**/*"
            if _glob(path, regex) or path == pattern:
                return True
        return False


def _glob(path: str, pattern: str) -> bool:
    if pattern.startswith("./"):
        pattern = pattern[2:]
    if "**/" in pattern:
        head, _, tail = pattern.partition("**/")
        if not path.startswith(head):
            return False
        rest = path[len(head) :]
        parts = rest.split("/")
        return any(_glob("/".join(parts[i:]), tail) for i in range(len(parts)))
    return fnmatch.fnmatchcase(path, pattern) and path.count("/") == pattern.count("/")


def load(project: Project, package_dir: str) -> TsConfig:
    """The package's tsconfig.json (else jsconfig.json); an empty config when it has none."""
    for name in ("tsconfig.json", "jsconfig.json"):
        path = join(package_dir, name)
        if project.abspath(path).is_file():
            config = TsConfig(path, package_dir)
            _merge(project, path, config, depth=0)
            return config
    return TsConfig(None, package_dir)


def _read(project: Project, path: str) -> dict[str, Any] | None:
    text = project.text(path)
    if text is None:
        return None
    try:
        data = jsonc.loads(text)
    except ValueError as exc:
        project.note(f"cannot read it as JSON with comments ({exc}); its aliases are ignored", path)
        return None
    return data if isinstance(data, dict) else None


def _merge(project: Project, path: str, config: TsConfig, depth: int) -> None:
    data = _read(project, path)
    if data is None or depth > 8:
        return
    here = posixpath.dirname(path) or "."
    extends = data.get("extends")
    for parent in [extends] if isinstance(extends, str) else extends or []:
        if isinstance(parent, str) and parent.startswith("."):
            target = posixpath.normpath(posixpath.join(here, parent))
            if not target.endswith(".json"):
                target += ".json"
            if project.abspath(target).is_file():
                _merge(project, target, config, depth + 1)
    options = data.get("compilerOptions")
    if isinstance(options, dict):
        config.options.update(options)
        base = options.get("baseUrl")
        if isinstance(base, str):
            config.base_url = _norm(here, base)
        paths = options.get("paths")
        if isinstance(paths, dict):
            root = config.base_url if isinstance(base, str) and config.base_url else here
            config.paths = [
                (pattern, [_norm(root, t) for t in targets if isinstance(t, str)])
                for pattern, targets in paths.items()
                if isinstance(targets, list)
            ]
    include = data.get("include")
    if isinstance(include, list):
        config.include = [_norm(here, p) for p in include if isinstance(p, str)]


def _norm(directory: str, relative: str) -> str:
    joined = posixpath.normpath(posixpath.join(directory, relative))
    return "." if joined in ("", ".") else joined


# -- resolution -------------------------------------------------------------------------------


def _candidates(base: str) -> list[str]:
    stem = base
    for ext in (".js", ".jsx", ".mjs", ".cjs"):
        if base.endswith(ext):  # TypeScript's ESM style: "./x.js" names ./x.ts
            stem = base[: -len(ext)]
    out = [base] if posixpath.splitext(base)[1] else []
    out += [stem + s for s in RESOLVE_SUFFIXES]
    out += [f"{stem}/index{s}" for s in RESOLVE_SUFFIXES]
    return out


def _existing(project: Project, base: str) -> str | None:
    for candidate in _candidates(base):
        if project.abspath(candidate).is_file():
            return candidate
    return None


def resolve(project: Project, config: TsConfig, importer: str, specifier: str) -> str | None:
    """The project file an import specifier in `importer` names, or None (a package)."""
    if specifier.startswith("."):
        here = posixpath.dirname(importer)
        return _existing(project, posixpath.normpath(posixpath.join(here, specifier)))
    for pattern, targets in config.paths:
        if pattern.endswith("*"):
            prefix = pattern[:-1]
            if not specifier.startswith(prefix):
                continue
            rest = specifier[len(prefix) :]
        elif specifier != pattern:
            continue
        else:
            rest = ""
        for target in targets:
            found = _existing(project, _clean(target.replace("*", rest)))
            if found:
                return found
    if config.base_url is not None:
        return _existing(project, _clean(join(config.base_url, specifier)))
    return None


def _clean(path: str) -> str:
    return posixpath.normpath(path).removeprefix("./")


def specifier_for(config: TsConfig, importer: str, target: str) -> str:
    """How `importer` should import project file `target`: through an alias of the config
    when one covers it (`@/components/x`), else a relative path (`../components/x`)."""
    stem = _strip_suffix(target)
    for prefix, directory in config.aliases:
        base = "" if directory == "." else directory + "/"
        if stem.startswith(base):
            return prefix + _drop_index(stem[len(base) :])
    relative = posixpath.relpath(stem, posixpath.dirname(importer) or ".")
    if not relative.startswith("."):
        relative = "./" + relative
    return _drop_index(relative)


def _strip_suffix(path: str) -> str:
    for suffix in sorted(RESOLVE_SUFFIXES, key=len, reverse=True):
        if path.endswith(suffix):
            return path[: -len(suffix)]
    return path


def _drop_index(stem: str) -> str:
    return stem[: -len("/index")] if stem.endswith("/index") else stem
