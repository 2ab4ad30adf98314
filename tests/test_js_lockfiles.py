"""The installed version of a package from each lockfile format, and jose 5 for TypeScript 4."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scaffolder import engine
from scaffolder.js import lockfiles, packages
from scaffolder.model import Answers
from scaffolder.project import Project
from tests.helpers import copy_fixture

PNPM_6 = """\
lockfileVersion: '6.0'

devDependencies:
  typescript:
    specifier: ^4.9.0
    version: 4.9.5

packages:

  /typescript@5.4.2:
    resolution: {integrity: sha512-x}
"""
PNPM_9_WORKSPACE = """\
lockfileVersion: '9.0'

importers:

  .:
    devDependencies:
      typescript:
        specifier: ^5.4.0
        version: 5.4.5

  apps/web:
    dependencies:
      typescript:
        specifier: 4.8.4
        version: 4.8.4(patch_hash=abc)

packages:
"""
YARN_CLASSIC = """\
# yarn lockfile v1


"typescript@^4.9.0", typescript@^4.9.3:
  version "4.9.5"
  resolved "https://registry.yarnpkg.com/typescript/-/typescript-4.9.5.tgz"

typescript@^5.0.0:
  version "5.3.3"
"""
YARN_BERRY = """\
__metadata:
  version: 8

"typescript@npm:^5.2.0":
  version: 5.2.2
  resolution: "typescript@npm:5.2.2"
"""

BUN = """\
{
  "lockfileVersion": 1,
  "workspaces": {
    "": {
      "name": "shop",
      "devDependencies": {
        "typescript": "^5.4.0",
      },
    },
    "apps/web": {
      "name": "web",
      "devDependencies": {
        "typescript": "4.9.5",
      },
    },
  },
  "packages": {
    "typescript": ["typescript@5.4.5", "", { "bin": { "tsc": "bin/tsc" } }, "sha512-x"],
    "web/typescript": ["typescript@4.9.5", "", {}, "sha512-y"],
  }
}
"""


def npm_lock(version: str) -> str:
    return json.dumps(
        {"lockfileVersion": 3, "packages": {"node_modules/typescript": {"version": version}}}
    )


@pytest.mark.parametrize(
    ("files", "manifest", "expected"),
    [
        pytest.param({"package-lock.json": npm_lock("4.9.5")}, "package.json", "4.9.5", id="npm"),
        pytest.param(
            {"package-lock.json": json.dumps({"dependencies": {"typescript": {"version": "4.1"}}})},
            "package.json", "4.1", id="npm lockfile v1",
        ),
        pytest.param(
            {"pnpm-lock.yaml": PNPM_6}, "package.json", "4.9.5", id="pnpm 6: the direct dependency"
        ),
        pytest.param(
            {"pnpm-lock.yaml": PNPM_9_WORKSPACE}, "apps/web/package.json", "4.8.4",
            id="pnpm 9 workspace",
        ),
        pytest.param(
            {"yarn.lock": YARN_CLASSIC}, "package.json", "4.9.5", id="yarn classic: declared range"
        ),
        pytest.param({"yarn.lock": YARN_BERRY}, "package.json", "5.2.2", id="yarn berry"),
        pytest.param({"bun.lock": BUN}, "package.json", "5.4.5", id="bun: hoisted"),
        pytest.param(
            {"bun.lock": BUN}, "apps/web/package.json", "4.9.5", id="bun: the workspace's own copy"
        ),
        pytest.param(
            {"node_modules/typescript/package.json": '{"name": "typescript", "version": "4.9.4"}'},
            "package.json", "4.9.4", id="no lockfile: node_modules",
        ),
        pytest.param(
            {"node_modules/typescript/package.json": '{"version": "4.7.2"}'},
            "apps/web/package.json", "4.7.2", id="workspace: the root's node_modules",
        ),
        pytest.param({}, "package.json", "4.9.0", id="no lockfile: the range's lowest version"),
    ],
)  # fmt: skip
def test_installed_version(
    tmp_path: Path, files: dict[str, str], manifest: str, expected: str
) -> None:
    declared = {"package.json": "^4.9.0", "apps/web/package.json": "4.8.4"}[manifest]
    if files.get("yarn.lock") == YARN_BERRY:
        declared = "^5.2.0"
    (tmp_path / manifest).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / manifest).write_text(json.dumps({"devDependencies": {"typescript": declared}}))
    if manifest != "package.json":
        (tmp_path / "package.json").write_text(json.dumps({"workspaces": ["apps/*"]}))
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    project = Project(tmp_path)
    found = packages.load(project, manifest)
    assert found is not None
    assert lockfiles.installed_version(project, found, "typescript") == expected


@pytest.mark.parametrize(
    ("lock_version", "jose"),
    [
        pytest.param("4.9.5", "^5.10.0", id="TypeScript 4: jose 5"),
        pytest.param("5.9.3", "^6.1.0", id="TypeScript 5: jose 6"),
    ],
)
def test_jose_follows_the_installed_typescript(
    tmp_path: Path, lock_version: str, jose: str
) -> None:
    root = copy_fixture("nextjs-authjs", tmp_path)
    (root / "package-lock.json").write_text(npm_lock(lock_version))
    result = engine.plan(root, Answers(api_key="pk"))
    manifest = next(e for e in result.plan.edits if e.path == "package.json")
    assert json.loads(manifest.after)["dependencies"]["jose"] == jose
