"""`package.json`: reading manifests, adding a dependency without disturbing the file (key order,
indentation, newlines), the package manager in use (from its lockfile), its install command and the
command that updates its lockfile alone.
"""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass
from typing import Any, Literal

from scaffolder.errors import BadInput
from scaffolder.js import jsonc
from scaffolder.model import Evidence
from scaffolder.plan import LockUpdate, PlanBuilder
from scaffolder.project import Project, read_regular

DEPENDENCY_SECTIONS = (
    "dependencies",
    "devDependencies",
    "peerDependencies",
    "optionalDependencies",
)
INSTALL_WHY = "Install the dependencies added to package.json"
ManagerName = Literal["npm", "pnpm", "yarn", "bun"]

# Lockfiles, most specific first (a bun project may also carry a yarn.lock for tooling).
LOCKFILES: tuple[tuple[str, ManagerName], ...] = (
    ("bun.lock", "bun"),
    ("bun.lockb", "bun"),
    ("pnpm-lock.yaml", "pnpm"),
    ("yarn.lock", "yarn"),
    ("package-lock.json", "npm"),
    ("npm-shrinkwrap.json", "npm"),
)


def join(directory: str, name: str) -> str:
    return name if directory in ("", ".") else f"{directory}/{name}"


def parent_dirs(directory: str) -> list[str]:
    """`directory` and each parent up to the project root ("."), nearest first."""
    parts = [p for p in directory.split("/") if p not in ("", ".")]
    return ["/".join(parts[:i]) or "." for i in range(len(parts), -1, -1)]


@dataclass(frozen=True)
class PackageJson:
    """A parsed `package.json`: its path, text and data."""

    path: str
    text: str
    data: dict[str, Any]

    @property
    def directory(self) -> str:
        return posixpath.dirname(self.path) or "."

    @property
    def name(self) -> str | None:
        name = self.data.get("name")
        return name if isinstance(name, str) else None

    @property
    def type(self) -> str | None:
        value = self.data.get("type")
        return value if isinstance(value, str) else None

    def dependencies(self) -> dict[str, str]:
        """Every declared dependency (all sections) -> its version range."""
        out: dict[str, str] = {}
        for section in DEPENDENCY_SECTIONS:
            deps = self.data.get(section)
            if isinstance(deps, dict):
                for name, version in deps.items():
                    out.setdefault(name, str(version))
        return out

    def has(self, *names: str) -> bool:
        deps = self.dependencies()
        return any(n in deps for n in names)

    def version(self, name: str) -> str | None:
        return self.dependencies().get(name)

    def line_of(self, name: str) -> int:
        """The line declaring dependency `name` (1 when not found)."""
        m = re.search(rf'"{re.escape(name)}"\s*:', self.text)
        return self.text.count("\n", 0, m.start()) + 1 if m else 1

    def evidence(self, name: str, why: str) -> Evidence:
        return Evidence(self.path, self.line_of(name), why)

    @property
    def workspaces(self) -> list[str]:
        value = self.data.get("workspaces")
        if isinstance(value, dict):
            value = value.get("packages")
        return [w for w in value if isinstance(w, str)] if isinstance(value, list) else []


def load(project: Project, path: str) -> PackageJson | None:
    """The manifest at `path`; None when it is missing. Unparseable JSON is a note (and
    blocking: a project whose manifest cannot be read cannot be planned)."""
    if not project.abspath(path).is_file():
        return None
    text = project.text(path)
    if text is None:
        return None
    try:
        data = json.loads(text)
    except ValueError as exc:
        project.note(f"not valid JSON ({exc})", path, blocking=True)
        return None
    if not isinstance(data, dict):
        project.note("not a JSON object", path, blocking=True)
        return None
    return PackageJson(path, text, data)


def manifests(project: Project) -> list[PackageJson]:
    """Every `package.json` of the project (dependencies trees are not part of it)."""
    out = []
    for path in project.named("package.json"):
        found = load(project, path)
        if found is not None:
            out.append(found)
    return out


def nearest(project: Project, path: str) -> PackageJson | None:
    """The manifest of the package holding file `path`."""
    for directory in parent_dirs(posixpath.dirname(path)):
        found = load(project, join(directory, "package.json"))
        if found is not None:
            return found
    return None


# -- editing ----------------------------------------------------------------------------------


def add_dependency(text: str, name: str, version: str, section: str = "dependencies") -> str:
    """`package.json` text with `name@version` in `section`, unless any section declares it.

    Keys keep their order (the new one goes in alphabetical position when the section is
    sorted, as npm keeps it), and the file keeps its indentation and newlines. A missing section
    is created after `dependencies` / before `devDependencies`, else at the end.
    """
    try:
        root = jsonc.parse(text, comments=False)
    except jsonc.JsonError as exc:
        raise BadInput(f"package.json is not valid JSON ({exc})") from None
    if root.kind != "object":
        raise BadInput("package.json is not a JSON object")
    for sec in DEPENDENCY_SECTIONS:
        deps = root.get(sec)
        if deps is not None and deps.kind == "object" and deps.get(name) is not None:
            return text
    value = json.dumps(version)
    deps = root.get(section)
    if deps is not None:
        if deps.kind != "object":
            raise BadInput(f'package.json: "{section}" is not an object')
        return jsonc.set_member(text, deps, name, value, sort=True)
    nl = "\r\n" if "\r\n" in text else "\n"
    unit = jsonc.indent_unit(text)
    block = "{" + nl + unit * 2 + json.dumps(name) + ": " + value + nl + unit + "}"
    order = list(DEPENDENCY_SECTIONS)
    index = order.index(section) if section in order else len(order)
    after = next((s for s in reversed(order[:index]) if root.get(s) is not None), None)
    before = next((s for s in order[index + 1 :] if root.get(s) is not None), None)
    if after is None and before is None:
        after = "scripts" if root.get("scripts") is not None else None
    return jsonc.set_member(text, root, section, block, after=after, before=before)


# -- package managers -------------------------------------------------------------------------


@dataclass(frozen=True)
class PackageManager:
    name: ManagerName
    root: str
    """The directory holding the lockfile (a workspace's root), where installs run."""
    evidence: Evidence | None
    lockfile: str | None = None
    """The lockfile's path, when there is one."""

    def install(self) -> list[str]:
        """The command that installs what `package.json` declares, updating the lockfile."""
        return [self.name, "install"]


def package_manager(project: Project, package_dir: str) -> PackageManager:
    """npm, pnpm, yarn or bun, from the nearest lockfile (up to the project root), else the
    `packageManager` field, else npm."""
    for directory in parent_dirs(package_dir):
        for lockfile, name in LOCKFILES:
            path = join(directory, lockfile)
            if project.abspath(path).is_file():
                evidence = Evidence(path, 1, f"{name} lockfile")
                return PackageManager(name, directory, evidence, path)
    for directory in parent_dirs(package_dir):
        manifest = load(project, join(directory, "package.json"))
        field = manifest.data.get("packageManager") if manifest else None
        if isinstance(field, str):
            tool = field.split("@", 1)[0]
            if tool in ("npm", "pnpm", "yarn", "bun"):
                assert manifest is not None
                return PackageManager(
                    tool,  # type: ignore[arg-type]
                    directory,
                    Evidence(manifest.path, manifest.line_of("packageManager"), "packageManager"),
                )
        if project.abspath(join(directory, "pnpm-workspace.yaml")).is_file():
            path = join(directory, "pnpm-workspace.yaml")
            return PackageManager("pnpm", directory, Evidence(path, 1, "pnpm workspace"))
    return PackageManager("npm", package_dir, None)


# Lockfile-only updates (node_modules untouched) and the frozen install CI runs:
# https://docs.npmjs.com/cli/commands/npm-install#package-lock-only,
# https://pnpm.io/cli/install#--lockfile-only, https://bun.sh/docs/pm/lockfile (bun >= 1.1.43),
# https://yarnpkg.com/cli/install (`--mode update-lockfile`, Yarn >= 3). Yarn 1 and 2 have no
# lockfile-only mode: their `yarn install` updates yarn.lock and installs.
_LOCK_ONLY: dict[str, tuple[tuple[str, ...], str]] = {
    "npm": (("npm", "install", "--package-lock-only"), "npm ci"),
    "pnpm": (("pnpm", "install", "--lockfile-only"), "pnpm install --frozen-lockfile"),
    "bun": (("bun", "install", "--lockfile-only"), "bun install --frozen-lockfile"),
    "yarn-berry": (("yarn", "install", "--mode", "update-lockfile"), "yarn install --immutable"),
    "yarn-2": (("yarn", "install"), "yarn install --immutable"),
    "yarn-classic": (("yarn", "install"), "yarn install --frozen-lockfile"),
}
_YARN_METADATA = re.compile(r"^__metadata:\s*\n\s+version:\s*(\d+)", re.M)


def lock_update(project: Project, manager: PackageManager) -> LockUpdate | None:
    """The command that brings the manager's lockfile in line with `package.json` without
    installing anything; None when the project has no lockfile."""
    lockfile = manager.lockfile
    if lockfile is None:
        return None
    yarn = manager.name == "yarn"
    argv, frozen = _LOCK_ONLY[
        _yarn_flavour(project, manager.root, lockfile) if yarn else manager.name
    ]
    return LockUpdate(lockfile, manager.name, argv, manager.root, frozen)


def _yarn_flavour(project: Project, root: str, lockfile: str) -> str:
    """Yarn Berry (3+), 2 or classic: from the `packageManager` field, else the lockfile's
    `__metadata` version (Yarn 2 writes 4), else a `.yarnrc.yml` (Berry's settings file)."""
    manifest = load(project, join(root, "package.json"))
    field = manifest.data.get("packageManager") if manifest else None
    if isinstance(field, str) and field.startswith("yarn@"):
        major = re.match(r"yarn@(\d+)", field)
        if major:
            number = int(major.group(1))
            return "yarn-classic" if number < 2 else "yarn-2" if number == 2 else "yarn-berry"
    try:
        head = read_regular(project.abspath(lockfile))[:4096].decode("utf-8", "replace")
    except OSError:
        head = ""
    metadata = _YARN_METADATA.search(head)
    if metadata:
        return "yarn-2" if int(metadata.group(1)) <= 4 else "yarn-berry"
    if "yarn lockfile v1" in head:
        return "yarn-classic"
    berry = project.abspath(join(root, ".yarnrc.yml")).is_file()
    return "yarn-berry" if berry else "yarn-classic"


def plan_dependency(
    project: Project,
    builder: PlanBuilder,
    package_dir: str,
    name: str,
    version: str,
    *,
    section: str = "dependencies",
    why: str = "",
) -> bool:
    """Declare `name` in the package's `package.json` and plan the lockfile's update (or, with no
    lockfile, the install command), printed and run by `apply --install`. False when the
    package already declares it."""
    path = join(package_dir, "package.json")
    text = builder.current(path)
    if text is None:
        raise BadInput(f"{path}: missing", file=path)
    try:
        new = add_dependency(text, name, version, section)
    except BadInput as exc:
        raise BadInput(f"{path}: {exc.message.removeprefix('package.json: ')}", file=path) from None
    if new == text:
        builder.skip(path, f"{name} is already a dependency")
        return False
    builder.write(path, new, f"add {name} ({why})" if why else f"add {name}", "json")
    manager = package_manager(project, package_dir)
    lock = lock_update(project, manager)
    if lock is not None:
        builder.lock(lock)
        return True
    argv = tuple(manager.install())
    if not any(c.argv == argv and c.cwd == manager.root for c in builder.plan.commands):
        builder.command(list(argv), manager.root, INSTALL_WHY)
    return True
