"""Reviewed snapshots of the FastAPI fixtures: `inspect --json` (the phase-1 report) and the
`apply --dry-run` diff. A change in either shows up here as a diff to review; after reviewing,
refresh them with `BCB_UPDATE_SNAPSHOTS=1 pytest tests/test_fastapi_snapshots.py`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.helpers import SNAPSHOTS, copy_fixture, run

FIXTURES = ("fastapi-oauth2", "fastapi-users", "fastapi-jinja", "fastapi-single-module")
ROOT = "<ROOT>"


def check_snapshot(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    if os.environ.get("BCB_UPDATE_SNAPSHOTS") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"no snapshot {name}: run with BCB_UPDATE_SNAPSHOTS=1 and review it"
    assert text == path.read_text(encoding="utf-8")


def normalised(document: dict[str, object], root: Path) -> str:
    document["tool"] = {"name": "bcb-scaffold", "version": "<VERSION>"}
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    return text.replace(str(root), ROOT)


@pytest.mark.parametrize("fixture", FIXTURES)
def test_inspect_json(tmp_path: Path, fixture: str) -> None:
    root = copy_fixture(fixture, tmp_path)
    result = run("inspect", root, "--json")
    assert result.exit_code == 0, result.output
    check_snapshot(f"{fixture}.inspect.json", normalised(json.loads(result.stdout), root))


@pytest.mark.parametrize("fixture", FIXTURES)
def test_dry_run_diff(tmp_path: Path, fixture: str) -> None:
    root = copy_fixture(fixture, tmp_path)
    result = run("apply", root, "--dry-run", "--json", "--api-key", "pk_snapshot")
    assert result.exit_code == 0, result.output
    check_snapshot(f"{fixture}.diff", json.loads(result.stdout)["diff"])
