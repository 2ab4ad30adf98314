"""The gate for `apply`'s own output in JavaScript / TypeScript: every Next.js and Express
fixture, applied for real (`apply --yes` on a git copy), passes `bcb-scaffold check` with the
integration found (a mint; the widget tag or, for an API-only app, the endpoint; for
single-page delivery the endpoint and both setUserToken / clearUserToken) and no finding at
all. `apply` runs check on its plan before writing, so a false positive here is an apply that
refuses a correct integration."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from scaffolder import check
from scaffolder.project import Project
from tests.helpers import FIXTURES, copy_fixture, run

JS_FIXTURES = sorted(
    p.name for p in FIXTURES.iterdir() if p.is_dir() and p.name.startswith(("nextjs", "express"))
)


def git_copy(name: str, dest: Path) -> Path:
    root = copy_fixture(name, dest)
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "fixture"]):
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
            cwd=root,
            check=True,
        )
    return root


def test_the_fixtures_are_there() -> None:
    assert len([f for f in JS_FIXTURES if f.startswith("nextjs")]) >= 5
    assert len([f for f in JS_FIXTURES if f.startswith("express")]) >= 5


@pytest.mark.parametrize("fixture", JS_FIXTURES)
def test_applied_fixture_checks_clean(tmp_path: Path, fixture: str) -> None:
    root = git_copy(fixture, tmp_path)
    before = check.run(Project(root))
    assert not any(s.kind == "mint" for s in before.sites), "the fixture already mints a token"

    applied = run("apply", root, "--yes", "--api-key", "pk_gate")
    assert applied.exit_code == 0, applied.output

    report = check.run(Project(root))
    assert report.violations == (), "\n".join(
        f"{v.file}:{v.line}: {v.rule}: {v.message}" for v in report.violations
    )
    kinds = {s.kind for s in report.sites}
    assert "mint" in kinds, report.sites
    assert kinds & {"widget-tag", "endpoint"}, report.sites  # an API-only app: the endpoint
    if "set-token" in kinds:  # the endpoint delivery: the route and the browser sync
        assert {"endpoint", "clear-token"} <= kinds, report.sites
    assert report.ok
