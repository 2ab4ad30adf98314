"""The gate of `bcb-scaffold check` for the Python stacks: every Flask, Django and FastAPI
fixture checks without a finding before `apply` (the app's own JWTs, settings and caches are not
the widget's), and after `apply --yes` on a git copy its integration is found (a mint, and the
tag or the endpoint) with no finding either. `apply` runs check on its own plan before writing,
so a false positive here would break apply."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers import FIXTURES, run, run_json
from tests.test_snapshots import flags

PYTHON = ("flask-", "django-", "fastapi-")


def fixtures(*prefixes: str) -> list[str]:
    return sorted(p.name for p in FIXTURES.iterdir() if p.is_dir() and p.name.startswith(prefixes))


def git_copy(fixture: str, dest: Path) -> Path:
    """The fixture as a committed git work tree, the way apply meets a real project."""
    root = dest / fixture
    shutil.copytree(FIXTURES / fixture, root, symlinks=True)
    git = ["git", "-c", "user.name=bcb", "-c", "user.email=bcb@example.invalid"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "fixture"]):
        subprocess.run([*git, *args], cwd=root, check=True, capture_output=True)
    return root


def assert_checks_clean_before_and_after_apply(fixture: str, tmp_path: Path) -> set[str]:
    """The kinds of the integration's sites `check` finds after apply."""
    root = git_copy(fixture, tmp_path)
    code, before = run_json("check", root)
    assert (code, before["findings"]) == (0, []), before["findings"]
    applied = run("apply", root, "--yes", *flags(fixture))
    assert applied.exit_code == 0, applied.output
    code, after = run_json("check", root)
    assert after["findings"] == [], after["findings"]
    assert (code, after["ok"]) == (0, True)
    sites = {(s["kind"], s["file"]) for s in after["integration"]}
    changed = set(
        subprocess.run(
            ["git", "ls-files", "--modified", "--others", "--exclude-standard"],
            cwd=root,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
    )
    assert any(kind == "mint" and file in changed for kind, file in sites), sites
    return {kind for kind, _ in sites}


@pytest.mark.e2e
@pytest.mark.parametrize("fixture", fixtures(*PYTHON))
def test_a_generated_python_integration_checks_clean(fixture: str, tmp_path: Path) -> None:
    kinds = assert_checks_clean_before_and_after_apply(fixture, tmp_path)
    assert kinds & {"widget-tag", "endpoint"}, kinds
