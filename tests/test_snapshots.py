"""Reviewed snapshots of every fixture, one harness for all stacks: the `inspect --json`
document (the phase-1 report) and the `apply --dry-run` diff. A change in either shows up here as
a diff to review; after reviewing it, refresh them with
`BCB_UPDATE_SNAPSHOTS=1 pytest tests/test_snapshots.py`. A new fixture is picked up at collection
time and fails until its snapshots are written and reviewed."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.helpers import FIXTURES, SNAPSHOTS, copy_fixture, run

# The answers a fixture needs beyond an API key (its open questions), and the key its reviewed
# snapshots were made with.
ANSWERS: dict[str, list[str]] = {
    "flask-noemail": ["--email-expr", 'current_user.username + "@corp.example"'],
    "django-app-layout": ["--layout", "app/base.html"],
}
DEMO_KEY = ("flask-", "django-auth", "django-custom-user", "django-drf-spa")
ROOT, VERSION = "<ROOT>", "<VERSION>"
ALL = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())


def flags(fixture: str) -> list[str]:
    if fixture == "django-allauth":  # its layout already loads the widget: no key asked
        return []
    key = "pk_demo" if fixture.startswith(DEMO_KEY) else "pk_snapshot"
    return ["--api-key", key, *ANSWERS.get(fixture, [])]


def check_snapshot(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    if os.environ.get("BCB_UPDATE_SNAPSHOTS") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"no snapshot {name}: run with BCB_UPDATE_SNAPSHOTS=1 and review it"
    assert text == path.read_text(encoding="utf-8")


def normalised(document: dict[str, object], root: Path) -> str:
    document["tool"] = {"name": "bcb-scaffold", "version": VERSION}
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    return text.replace(str(root), ROOT)


@pytest.mark.parametrize("fixture", ALL)
def test_inspect_json(tmp_path: Path, fixture: str) -> None:
    root = copy_fixture(fixture, tmp_path)
    result = run("inspect", root, "--json", *flags(fixture))
    assert result.exit_code == 0, result.output
    check_snapshot(f"{fixture}.inspect.json", normalised(json.loads(result.stdout), root))


@pytest.mark.parametrize("fixture", ALL)
def test_dry_run_diff(tmp_path: Path, fixture: str) -> None:
    root = copy_fixture(fixture, tmp_path)
    result = run("apply", root, "--dry-run", "--json", *flags(fixture))
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["status"] == "planned", document["questions"]
    check_snapshot(f"{fixture}.diff", document["diff"])
