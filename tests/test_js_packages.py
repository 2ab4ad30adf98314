"""package.json edits, package managers and their install commands."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffolder.errors import BadInput
from scaffolder.js.packages import add_dependency, load, package_manager, plan_dependency
from scaffolder.plan import PlanBuilder
from scaffolder.project import Project

MANIFEST = """\
{
  "name": "shop",
  "private": true,
  "scripts": {
    "dev": "next dev"
  },
  "dependencies": {
    "next": "15.1.0",
    "react": "^19.0.0"
  },
  "devDependencies": {
    "typescript": "^5"
  }
}
"""


@pytest.mark.parametrize(
    ("before", "name", "section", "after"),
    [
        pytest.param(
            MANIFEST,
            "jose",
            "dependencies",
            MANIFEST.replace('    "next"', '    "jose": "^6.1.0",\n    "next"'),
            id="alphabetical position",
        ),
        pytest.param(
            MANIFEST,
            "zod",
            "dependencies",
            MANIFEST.replace('"^19.0.0"\n', '"^19.0.0",\n    "zod": "^6.1.0"\n'),
            id="last",
        ),
        pytest.param(
            '{\n    "dependencies": {\n        "b": "1",\n        "a": "1"\n    }\n}\n',
            "c",
            "dependencies",
            '{\n    "dependencies": {\n        "b": "1",\n        "a": "1",\n'
            '        "c": "^6.1.0"\n    }\n}\n',
            id="unsorted section: appended, four spaces",
        ),
        pytest.param(
            '{\r\n\t"name": "x",\r\n\t"scripts": {}\r\n}\r\n',
            "jose",
            "dependencies",
            '{\r\n\t"name": "x",\r\n\t"scripts": {},\r\n\t"dependencies": {\r\n'
            '\t\t"jose": "^6.1.0"\r\n\t}\r\n}\r\n',
            id="new section after scripts, tabs, CRLF",
        ),
        pytest.param(
            '{\n  "name": "x",\n  "devDependencies": {\n    "a": "1"\n  },\n  "engines": {}\n}',
            "jose",
            "dependencies",
            '{\n  "name": "x",\n  "dependencies": {\n    "jose": "^6.1.0"\n  },\n'
            '  "devDependencies": {\n    "a": "1"\n  },\n  "engines": {}\n}',
            id="new section before devDependencies, no final newline",
        ),
        pytest.param(
            '{"name": "x", "dependencies": {}}',
            "jose",
            "dependencies",
            '{"name": "x", "dependencies": {\n  "jose": "^6.1.0"\n}}',
            id="empty section on one line",
        ),
    ],
)
def test_add_dependency(before: str, name: str, section: str, after: str) -> None:
    assert add_dependency(before, name, "^6.1.0", section) == after
    assert add_dependency(after, name, "^6.1.0", section) == after


def test_add_dependency_noop_when_declared_anywhere() -> None:
    assert add_dependency(MANIFEST, "typescript", "^5.9.0") == MANIFEST


def test_add_dependency_bad_json() -> None:
    with pytest.raises(BadInput, match="not valid JSON"):
        add_dependency('{"a": }', "jose", "1")


@pytest.mark.parametrize(
    ("files", "package_dir", "expected"),
    [
        pytest.param({"package-lock.json": "{}"}, ".", ("npm", "."), id="npm"),
        pytest.param({"pnpm-lock.yaml": ""}, ".", ("pnpm", "."), id="pnpm"),
        pytest.param({"yarn.lock": ""}, ".", ("yarn", "."), id="yarn"),
        pytest.param({"bun.lockb": ""}, ".", ("bun", "."), id="bun binary lockfile"),
        pytest.param({"bun.lock": "", "yarn.lock": ""}, ".", ("bun", "."), id="bun first"),
        pytest.param({"pnpm-lock.yaml": ""}, "apps/web", ("pnpm", "."), id="workspace root"),
        pytest.param(
            {"package.json": '{"packageManager": "yarn@4.5.0"}'}, "apps/web", ("yarn", "."),
            id="packageManager field",
        ),
        pytest.param({"pnpm-workspace.yaml": ""}, "apps/web", ("pnpm", "."), id="pnpm workspace"),
        pytest.param({}, "apps/web", ("npm", "apps/web"), id="nothing: npm in the package"),
    ],
)  # fmt: skip
def test_package_manager(
    tmp_path: Path, files: dict[str, str], package_dir: str, expected: tuple[str, str]
) -> None:
    (tmp_path / "apps/web").mkdir(parents=True)
    (tmp_path / "apps/web/package.json").write_text("{}")
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    manager = package_manager(Project(tmp_path), package_dir)
    assert (manager.name, manager.root) == expected
    assert manager.install() == [expected[0], "install"]


def _builder(project: Project) -> PlanBuilder:
    def read(path: str) -> tuple[str, bool] | None:
        file = project.abspath(path)
        return (file.read_text(), False) if file.is_file() else None

    return PlanBuilder(read)


def test_plan_dependency_edits_and_plans_one_lockfile_update(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text(MANIFEST)
    (tmp_path / "pnpm-lock.yaml").write_text("")
    project = Project(tmp_path)
    builder = _builder(project)
    assert plan_dependency(project, builder, ".", "jose", "^6.1.0", why="signs the token")
    assert plan_dependency(project, builder, ".", "firebase-admin", "^13.0.0")
    plan = builder.build()
    [edit] = plan.edits
    assert '"jose": "^6.1.0"' in edit.after and '"firebase-admin": "^13.0.0"' in edit.after
    assert edit.language == "json"
    [lock] = plan.locks
    assert (lock.path, lock.argv, lock.cwd) == (
        "pnpm-lock.yaml",
        ("pnpm", "install", "--lockfile-only"),
        ".",
    )
    assert plan.commands == [] and plan.next_steps == []


def test_plan_dependency_without_a_lockfile_plans_one_install(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text(MANIFEST)
    (tmp_path / "pnpm-workspace.yaml").write_text("packages: []\n")
    project = Project(tmp_path)
    builder = _builder(project)
    assert plan_dependency(project, builder, ".", "jose", "^6.1.0")
    assert plan_dependency(project, builder, ".", "firebase-admin", "^13.0.0")
    plan = builder.build()
    [command] = plan.commands
    assert (command.argv, command.cwd) == (("pnpm", "install"), ".")
    assert any("pnpm install" in step for step in plan.next_steps) and plan.locks == []


def test_plan_dependency_noop(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text(MANIFEST)
    project = Project(tmp_path)
    builder = _builder(project)
    assert not plan_dependency(project, builder, ".", "next", "^16.0.0")
    plan = builder.build()
    assert plan.empty and not plan.commands
    assert plan.skipped[0].why == "next is already a dependency"


def test_load_notes_invalid_manifest(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text("{ nope")
    project = Project(tmp_path)
    assert load(project, "package.json") is None
    assert project.notes[0].blocking


def test_manifest_queries(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text(MANIFEST)
    manifest = load(Project(tmp_path), "package.json")
    assert manifest is not None
    assert manifest.has("typescript") and manifest.version("next") == "15.1.0"
    assert manifest.evidence("next", "Next.js").line == 8
