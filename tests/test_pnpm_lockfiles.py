"""pnpm for real: a Next.js and an Express fixture locked by `pnpm-lock.yaml` (written by the
pinned pnpm of tests/pnpm_cache.py). `apply --install` runs `pnpm install --lockfile-only`, and
CI's `pnpm install --frozen-lockfile` then passes on the patched copy, whose code runs from that
install (pnpm's strict `node_modules` resolves only what `package.json` declares). Without
`--install`, the summary names the lockfile and the command, and the frozen install fails as it
says."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import click
import pytest

from tests.helpers import assert_contract, copy_fixture, run, token_in, verify
from tests.pnpm_cache import SETTINGS, pnpm, pnpm_path
from tests.test_express_e2e import node_server

pytestmark = pytest.mark.e2e
FROZEN = ("install", "--frozen-lockfile")
PENDING = (
    "   ! CI's frozen install (`pnpm install --frozen-lockfile`) will fail until pnpm-lock.yaml "
    "is updated: run `pnpm install --lockfile-only`\n"
)
CASES = [
    pytest.param("nextjs-pnpm", "jose", id="nextjs"),
    pytest.param("express-pnpm", "jsonwebtoken", id="express"),
]


@pytest.fixture
def pinned_pnpm(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pinned pnpm first on PATH, where `apply --install` looks for it."""
    monkeypatch.setenv("PATH", pnpm_path())
    for name, value in SETTINGS.items():
        monkeypatch.setenv(name, value)


def importer(root: Path) -> str:
    """The lockfile's entries for the project itself (its `importers: .:` block)."""
    text = (root / "pnpm-lock.yaml").read_text()
    return text.split("\n  .:\n", 1)[1].split("\npackages:", 1)[0]


@pytest.mark.parametrize(("fixture", "library"), CASES)
def test_without_install_the_frozen_install_fails_as_the_summary_says(
    tmp_path: Path, pinned_pnpm: None, fixture: str, library: str
) -> None:
    root = copy_fixture(fixture, tmp_path)
    lock = (root / "pnpm-lock.yaml").read_bytes()
    result = run("apply", root, "--yes", "--api-key", "pk_pnpm")
    assert result.exit_code == 0, result.output
    assert f"add {library}" in result.stdout
    assert f"Lockfiles, part of the change:\n{PENDING}" in click.unstyle(result.stdout)
    assert (root / "pnpm-lock.yaml").read_bytes() == lock  # nothing ran

    refused = pnpm(root, *FROZEN)
    assert refused.returncode != 0
    said = refused.stdout + refused.stderr
    assert "ERR_PNPM_OUTDATED_LOCKFILE" in said
    # the new dependency is the only difference: the fixture's lockfile is otherwise current
    assert "* 1 dependencies were added: " + library in said, said
    assert not (root / "node_modules").exists()


@pytest.mark.parametrize(("fixture", "library"), CASES)
def test_install_updates_the_lockfile_and_the_frozen_install_passes(
    tmp_path: Path, pinned_pnpm: None, fixture: str, library: str
) -> None:
    root = copy_fixture(fixture, tmp_path)
    assert f"\n      {library}:\n" not in importer(root)
    result = run("apply", root, "--yes", "--install", "--api-key", "pk_pnpm", "--json")
    assert result.exit_code == 0, result.output
    [lock] = json.loads(result.stdout)["lockfiles"]
    assert (lock["path"], lock["argv"], lock["cwd"], lock["status"]) == (
        "pnpm-lock.yaml",
        ["pnpm", "install", "--lockfile-only"],
        ".",
        "updated",
    )
    assert lock["message"] == (
        "pnpm-lock.yaml updated by `pnpm install --lockfile-only`; "
        "install from it with `pnpm install --frozen-lockfile`"
    )
    declared = json.loads((root / "package.json").read_text())["dependencies"][library]
    assert f"\n      {library}:\n        specifier: {declared}\n" in importer(root)
    assert not (root / "node_modules").exists()  # the lockfile only

    done = pnpm(root, *FROZEN)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (root / "node_modules" / library / "package.json").is_file()


def test_patched_express_app_runs_from_the_frozen_install(
    tmp_path: Path, pinned_pnpm: None, signing_key: str
) -> None:
    root = copy_fixture("express-pnpm", tmp_path)
    result = run("apply", root, "--yes", "--install", "--api-key", "pk_pnpm")
    assert result.exit_code == 0, result.output
    done = pnpm(root, *FROZEN)
    assert done.returncode == 0, done.stdout + done.stderr
    with node_server(root, "src/server.js") as browser:
        assert token_in(browser.get("/").text) is None
        member = {"name": "Ines Ortega", "email": "Ines.Ortega@Example.org", "password": "tomato"}
        browser.post("/join", form=member)
        token = token_in(browser.get("/rota").text)
        assert token is not None
        assert_contract(verify(token), email="ines.ortega@example.org", name="Ines Ortega",
                        user_id="1")  # fmt: skip
        browser.post("/logout")
        assert token_in(browser.get("/").text) is None


def test_patched_nextjs_app_type_checks_from_the_frozen_install(
    tmp_path: Path, pinned_pnpm: None
) -> None:
    """pnpm links only declared packages into `node_modules`: the route's `jose` import
    resolves because package.json and the lockfile both have it."""
    root = copy_fixture("nextjs-pnpm", tmp_path)
    result = run("apply", root, "--yes", "--install", "--api-key", "pk_pnpm")
    assert result.exit_code == 0, result.output
    done = pnpm(root, *FROZEN)
    assert done.returncode == 0, done.stdout + done.stderr
    route = (root / "app/api/widget-token/route.ts").read_text()
    assert 'from "jose"' in route
    tsc = root / "node_modules" / "typescript" / "bin" / "tsc"
    checked = subprocess.run(
        ["node", str(tsc), "--noEmit", "-p", "tsconfig.json"],
        cwd=root, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr
