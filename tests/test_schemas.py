"""Every `--json` document validates against the JSON Schema files shipped in
scaffolder/schemas/: on every fixture (found at collection time, so new fixtures are covered
without editing this file), for every `apply` status, and for error documents."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import typing
import zipfile
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from scaffolder import errors, model
from scaffolder.documents import (
    DOCUMENTS,
    SCHEMAS_DIR,
    bundled_json_schema,
    json_schema,
    schema_name,
)
from scaffolder.exitcodes import ExitCode
from tests.helpers import FIXTURES, ROOT, copy_fixture, run, tree_digest

FIXTURE_NAMES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())
SCHEMA_FILES = sorted(SCHEMAS_DIR.glob("*.schema.json"))
REGISTRY: Registry = Registry().with_resources(
    (s["$id"], Resource.from_contents(s)) for s in (json.loads(f.read_text()) for f in SCHEMA_FILES)
)


def problems(document: dict[str, Any]) -> list[str]:
    """Schema violations of a document, by the schema its `schema` id names."""
    validator = Draft202012Validator(
        json_schema(schema_name(document["schema"])), registry=REGISTRY
    )
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(document)
    ]


def cli_json(*args: str | Path) -> tuple[int, dict[str, Any]]:
    result = run(*map(str, args), "--json")
    document = json.loads(result.stdout)  # exactly one document on stdout
    assert problems(document) == [], json.dumps(document, indent=2)[:3000]
    return result.exit_code, document


def expected_exit(document: dict[str, Any]) -> set[int]:
    kind = document["schema"]
    if kind == "bcb-scaffold/error@1":
        return {document["error"]["exit_code"]}
    if kind == "bcb-scaffold/inspect@1":
        return {0} if document["supported"] else {4}
    if kind == "bcb-scaffold/apply@1":
        return {3} if document["status"] == "questions" else {0}
    return {0}


# -- the schema files themselves ----------------------------------------------------------


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_schema_file_is_a_valid_2020_12_schema(path: Path) -> None:
    schema = json.loads(path.read_text())
    Draft202012Validator.check_schema(schema)
    kind = path.name.removesuffix(".schema.json")
    assert schema["$id"] == f"urn:bcb-scaffold:{kind}@1"


def test_every_document_kind_has_a_schema() -> None:
    for kind in DOCUMENTS:
        schema = json_schema(schema_name(kind))
        assert schema["properties"]["schema"] == {"const": kind}
        assert kind in schema["title"]


def test_enums_follow_the_model() -> None:
    defs = json_schema("defs")["$defs"]
    assert defs["confidence"]["enum"] == list(typing.get_args(model.Confidence))
    assert defs["rendering"]["enum"] == [*typing.get_args(model.Rendering), None]
    assert defs["delivery"]["enum"] == [*model.DELIVERIES, None]
    codes = {
        cls.code: int(cls.exit_code)
        for cls in (errors.ScaffoldError, *errors.ScaffoldError.__subclasses__())
    }
    error = json_schema("error")["properties"]["error"]
    assert set(error["properties"]["code"]["enum"]) == set(codes)
    assert set(error["properties"]["exit_code"]["enum"]) == set(codes.values())
    # outcomes of their own document, not errors
    outcomes = (ExitCode.OK, ExitCode.QUESTIONS, ExitCode.FOLLOW_UP_FAILED, ExitCode.VIOLATIONS)
    assert set(error["properties"]["exit_code"]["enum"]) == {
        int(c) for c in ExitCode if c not in outcomes
    }


def test_bundled_schema_needs_no_registry(tmp_path: Path) -> None:
    root = copy_fixture("flask-login", tmp_path)
    _, planned = cli_json("apply", root, "--dry-run", "--api-key", "pk_test")
    bundled = bundled_json_schema("apply")
    assert set(bundled["$defs"]) >= {"urn:bcb-scaffold:inspect@1", "urn:bcb-scaffold:defs@1"}
    validator = Draft202012Validator(bundled, registry=Registry())
    assert list(validator.iter_errors(planned)) == []
    broken = planned | {"status": "applied"}  # applied, yet no changed files
    assert list(validator.iter_errors(broken)) != []


@pytest.mark.parametrize(
    ("kind", "mutate"),
    [
        pytest.param("inspect", lambda d: d.pop("widget"), id="inspect-missing-widget"),
        pytest.param(
            "inspect", lambda d: d["stack"].update(rendering="ssr"), id="inspect-bad-rendering"
        ),
        pytest.param(
            "inspect", lambda d: d["auth"].update(email={"expr": ""}), id="inspect-bad-email"
        ),
        pytest.param("inspect", lambda d: d.update(extra=1), id="inspect-undocumented-field"),
        pytest.param("apply", lambda d: d.update(status="done"), id="apply-unknown-status"),
        pytest.param("apply", lambda d: d.update(reminder=None), id="apply-planned-no-reminder"),
        pytest.param(
            "apply", lambda d: d["edits"][0].update(action="delete"), id="apply-bad-action"
        ),
    ],
)
def test_schemas_reject_malformed_documents(tmp_path: Path, kind: str, mutate: Any) -> None:
    root = copy_fixture("flask-login", tmp_path)
    if kind == "inspect":
        _, document = cli_json("inspect", root)
    else:
        _, document = cli_json("apply", root, "--dry-run", "--api-key", "pk_test")
    mutate(document)
    assert problems(document) != []


# -- every fixture ------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", FIXTURE_NAMES)
def test_every_fixture_documents_validate(fixture: str) -> None:
    root = FIXTURES / fixture
    before = tree_digest(root)
    code, inspected = cli_json("inspect", root)
    assert code in expected_exit(inspected)
    code, planned = cli_json("apply", root, "--dry-run", "--api-key", "pk_test")
    assert code in expected_exit(planned)
    code, prompted = cli_json("prompt", root)
    assert code in expected_exit(prompted)
    if prompted["schema"] == "bcb-scaffold/prompt@1":
        assert "PHASE 1" in prompted["prompt"] and "PHASE 2" in prompted["prompt"]
    assert tree_digest(root) == before


# -- every apply status and error ---------------------------------------------------------


def test_apply_statuses_validate(tmp_path: Path) -> None:
    root = copy_fixture("flask-login", tmp_path)
    code, doc = cli_json("apply", root, "--dry-run")
    assert (code, doc["status"]) == (3, "questions")
    patch = tmp_path / "identity.patch"
    code, doc = cli_json("apply", root, "--api-key", "pk_test", "--patch", patch)
    assert (code, doc["status"], doc["patch_file"]) == (0, "patch-written", str(patch))
    code, doc = cli_json("apply", root, "--api-key", "pk_test", "--yes")
    assert (code, doc["status"]) == (0, "applied") and doc["changed_files"]
    code, doc = cli_json("apply", root, "--api-key", "pk_test", "--yes")
    assert (code, doc["status"]) == (0, "nothing-to-do")


def _rails(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    (root / "config").mkdir(parents=True)
    (root / "Gemfile").write_text('source "https://rubygems.org"\n\ngem "rails", "~> 7.1"\n')
    (root / "config" / "routes.rb").write_text("Rails.application.routes.draw do\nend\n")
    return root


def _non_utf8(tmp_path: Path) -> Path:
    root = copy_fixture("flask-login", tmp_path)
    models = root / "app" / "models.py"
    models.write_bytes(models.read_bytes().replace(b"class User", b"# caf\xe9\nclass User"))
    return root


@pytest.mark.parametrize(
    ("make", "args", "code", "error"),
    [
        pytest.param(lambda t: t / "missing", ["inspect"], 2, "usage", id="inspect-missing-path"),
        pytest.param(
            lambda t: t / "missing", ["apply", "--dry-run"], 2, "usage", id="apply-missing-path"
        ),
        pytest.param(lambda t: t / "missing", ["prompt"], 2, "usage", id="prompt-missing-path"),
        pytest.param(_rails, ["apply", "--dry-run"], 4, "unsupported-stack", id="unsupported"),
        pytest.param(
            lambda t: copy_fixture("flask-login", t),
            ["apply", "--dry-run", "--delivery", "carrier-pigeon"],
            2,
            "usage",
            id="bad-answer",
        ),
        pytest.param(
            lambda t: copy_fixture("flask-login", t),
            ["apply", "--bogus-flag"],
            2,
            "usage",
            id="unknown-flag",
        ),
        pytest.param(
            _non_utf8, ["apply", "--dry-run", "--api-key", "pk"], 6, "bad-input", id="not-utf8"
        ),
        pytest.param(
            lambda t: copy_fixture("flask-login", t),
            ["apply", "--api-key", "pk"],
            5,
            "refused",
            id="no-yes-off-a-terminal",
        ),
    ],
)
def test_error_documents_validate(
    tmp_path: Path, make: Any, args: list[str], code: int, error: str
) -> None:
    root = make(tmp_path)
    exit_code, doc = cli_json(args[0], root, *args[1:])
    assert doc["schema"] == "bcb-scaffold/error@1"
    assert (exit_code, doc["error"]["code"], doc["error"]["exit_code"]) == (code, error, code)


def test_unsupported_inspection_validates_and_points_to_prompt(tmp_path: Path) -> None:
    root = _rails(tmp_path)
    code, doc = cli_json("inspect", root)
    assert code == 4 and doc["supported"] is False
    assert doc["stack"]["language"] == "ruby"
    assert f"bcb-scaffold prompt {root}" in doc["hint"]


# -- the wheel ships the schemas ----------------------------------------------------------


@pytest.mark.e2e
def test_wheel_ships_the_schemas(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(ROOT)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    wheel = next(out.glob("bcb_scaffold-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {f"scaffolder/schemas/{f.name}" for f in SCHEMA_FILES} <= names
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-compile", "-q",
         "--target", str(target), str(wheel)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    code = (
        "import json; from scaffolder.documents import SCHEMAS_DIR, bundled_json_schema; "
        "print(json.dumps([str(SCHEMAS_DIR), bundled_json_schema('prompt')['$id']]))"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    where, schema_id = json.loads(done.stdout)
    assert where.startswith(str(target)) and schema_id == "urn:bcb-scaffold:prompt@1"
    prompted = subprocess.run(
        [sys.executable, "-m", "scaffolder", "prompt", "--json", str(_rails(tmp_path))],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert prompted.returncode == 0, prompted.stderr
    assert problems(json.loads(prompted.stdout)) == []
