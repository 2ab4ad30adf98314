"""`bcb-scaffold check` as users run it: the CLI's exit codes, text, JSON (validated against its
schema), SARIF, the MCP tool, and the README's rule table kept true to the rule table."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from scaffolder.check.rules import RULES
from scaffolder.mcp.tools import call
from tests.helpers import ROOT, run
from tests.test_schemas import problems

CORPUS = Path(__file__).resolve().parent / "check_corpus"
CLEAN = CORPUS / "express" / "clean-middleware-ejs"
VIOLATION = CORPUS / "express" / "violation-key-literal-jsonwebtoken"


def test_a_clean_integration_exits_0_and_lists_its_sites() -> None:
    result = run("check", str(CLEAN))
    assert result.exit_code == 0, result.output
    assert "integration site(s)" in result.output and "ok: the integration meets" in result.output


def test_a_violation_exits_8_with_its_line_rule_and_fix() -> None:
    result = run("check", str(VIOLATION))
    assert result.exit_code == 8, result.output
    line = next(ln for ln in result.output.splitlines() if "[key-literal]" in ln)
    assert re.match(r"^[\w./-]+:\d+: error \[key-literal\] ", line)
    assert "fix: " + RULES["key-literal"].fix in result.output


def test_json_validates_and_paths_are_relative() -> None:
    result = run("check", str(VIOLATION), "--json")
    document = json.loads(result.stdout)
    assert problems(document) == []
    assert document["ok"] is False and result.exit_code == 8
    assert all(not f["file"].startswith("/") for f in document["findings"])
    assert {f["rule"] for f in document["findings"]} == {"key-literal"}
    assert json.loads(run("check", str(CLEAN), "--format", "json").stdout)["ok"] is True


def test_sarif_has_the_rules_and_results() -> None:
    result = run("check", str(VIOLATION), "--format", "sarif")
    sarif = json.loads(result.stdout)
    assert sarif["version"] == "2.1.0" and result.exit_code == 8
    [run_] = sarif["runs"]
    rules = run_["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["key-literal"]
    [found] = run_["results"]
    assert found["ruleId"] == "key-literal" and found["level"] == "error"
    location = found["locations"][0]["physicalLocation"]
    assert location["region"]["startLine"] >= 1 and not location["artifactLocation"][
        "uri"
    ].startswith("/")


def test_no_integration_is_a_note_and_exit_0(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("print('hello')\n")
    result = run("check", str(tmp_path), "--json")
    document = json.loads(result.stdout)
    assert result.exit_code == 0 and document["ok"] is True
    assert document["integration"] == [] and document["notes"]
    assert problems(document) == []


def test_the_mcp_tool_returns_the_cli_document() -> None:
    result = call("check", {"path": str(VIOLATION)})
    assert not result.is_error
    cli = json.loads(run("check", str(VIOLATION), "--json").stdout)
    assert result.document == cli


def test_the_readme_table_is_the_rule_table() -> None:
    readme = (ROOT / "README.md").read_text()
    rows = re.findall(r"^\| `([a-z0-9-]+)` \| (error|warning) \| ", readme, re.M)
    assert dict(rows) == {r.id: r.severity for r in RULES.values()}


def test_apply_refuses_a_plan_that_fails_its_own_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A generated integration that breaks a rule is a bug: exit 1, nothing written. Planted
    by dropping the `.toLowerCase()` from the Express template the plan renders."""
    from scaffolder.stacks.express import plan as express_plan
    from tests.helpers import copy_fixture, tree_digest

    root = copy_fixture("express-passport-ejs", tmp_path)
    render = express_plan.render

    def careless(template: str, **context: object) -> str:
        return render(template, **context).replace(".toLowerCase()", "")

    monkeypatch.setattr(express_plan, "render", careless)
    before = tree_digest(root)
    result = run("apply", str(root), "--yes", "--api-key", "pk_test")
    assert result.exit_code == 1, result.output
    assert "fails its own check" in result.output and "[email-not-lowercased]" in result.output
    assert tree_digest(root) == before
