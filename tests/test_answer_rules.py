"""The validation layer for answers (`scaffolder.answer_rules`): each rule's accepted and
refused values, the message, exit 2 through the CLI and an `usage` error document through MCP,
the project byte-identical after a refused answer, `--patch` and `--layout` paths."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from scaffolder import answer_rules
from scaffolder.answer_rules import GRAMMARS, check_patch_file, prefix_segments, validate
from scaffolder.errors import UsageError
from scaffolder.mcp.tools import TOOLS, call, input_schema
from scaffolder.model import Answers
from tests.helpers import copy_fixture, run, run_json, tree_digest

ACCEPTED = [
    pytest.param("api_key", "pk_live_123", "pk_live_123", id="key"),
    pytest.param("api_key", "A-b_9", "A-b_9", id="key-dash-underscore"),
    pytest.param("api_key", "k" * 128, "k" * 128, id="key-128"),
    pytest.param("api_key", " pk_demo\n", "pk_demo", id="key-stripped"),
    pytest.param("api_prefix", "api/v1/", "/api/v1", id="prefix-slashes"),
    pytest.param("api_prefix", "/api", "/api", id="prefix"),
    pytest.param("api_prefix", "/", "/", id="prefix-root"),
    pytest.param("api_prefix", "/v1.0/~me/a_b-c", "/v1.0/~me/a_b-c", id="prefix-unreserved"),
    pytest.param("api_prefix", "/.well-known/x", "/.well-known/x", id="prefix-dot-name"),
    pytest.param("layout", "templates/base.html", "templates/base.html", id="layout"),
    pytest.param(
        "layout", "./templates/./base.html", "templates/base.html", id="layout-normalised"
    ),
    pytest.param("layout", "base.html", "base.html", id="layout-loader-name"),
    pytest.param("layout", "all", "all", id="layout-all"),
    pytest.param(
        "layout",
        "app/layout.tsx, app/[locale]/layout.tsx",
        "app/layout.tsx,app/[locale]/layout.tsx",
        id="layout-list",
    ),
    pytest.param("app", "site/app.py:app", "site/app.py:app", id="app-variable"),
    pytest.param("app", "./apps/web/", "apps/web", id="app-folder"),
    pytest.param("app", ".", ".", id="app-root"),
    pytest.param("app", "Twenty Twenty-Four", "Twenty Twenty-Four", id="app-theme-name"),
    pytest.param("settings", "config.settings.dev", "config.settings.dev", id="settings"),
    pytest.param("user_dependency", "app.deps:get_user", "app.deps:get_user", id="dependency"),
    pytest.param("user_dependency", "app/deps.py:get_user", "app/deps.py:get_user", id="dep-file"),
    pytest.param("user_dependency", "get_admin", "get_admin", id="dependency-name"),
    pytest.param("auth", "flask-login", "flask-login", id="auth"),
    pytest.param("spa_token", 'localStorage.getItem("access_token")', None, id="spa-local"),
    pytest.param("spa_token", "sessionStorage.getItem('id_token')", None, id="spa-session"),
    pytest.param("spa_token", 'window.localStorage.getItem("a:b/c")', None, id="spa-window-store"),
    pytest.param("spa_token", "window.app.$auth.token", None, id="spa-window-chain"),
    pytest.param("delivery", "token-endpoint", "token-endpoint", id="delivery"),
    pytest.param("framework", "flask", "flask", id="framework"),
]

REFUSED = [
    pytest.param("api_key", "", "--api-key must be 1 to 128", id="key-empty"),
    pytest.param("api_key", "k" * 129, "--api-key must be 1 to 128", id="key-129"),
    pytest.param("api_key", 'pk" onload="alert(1)', "--api-key must be", id="key-quote"),
    pytest.param("api_key", "pk><script>", "--api-key must be", id="key-gt"),
    pytest.param("api_key", "{{7*7}}", "--api-key must be", id="key-jinja"),
    pytest.param("api_key", "<%= 1 %>", "--api-key must be", id="key-ejs"),
    pytest.param("api_key", "pk\nx", "--api-key must be", id="key-newline"),
    pytest.param("api_key", "p\u2028k", "--api-key must be", id="key-u2028"),
    pytest.param("api_prefix", "../../x", "--api-prefix must be a URL path", id="prefix-dotdot"),
    pytest.param("api_prefix", "/api/../x", "--api-prefix must be", id="prefix-inner-dotdot"),
    pytest.param("api_prefix", "/./api", "--api-prefix must be", id="prefix-dot"),
    pytest.param("api_prefix", "/a//b", "--api-prefix must be", id="prefix-empty-segment"),
    pytest.param("api_prefix", "//", "--api-prefix must be", id="prefix-double-slash"),
    pytest.param("api_prefix", '/a"b', "--api-prefix must be", id="prefix-quote"),
    pytest.param("api_prefix", "/<script>", "--api-prefix must be", id="prefix-tag"),
    pytest.param("api_prefix", "/api?x=1", "--api-prefix must be", id="prefix-query"),
    pytest.param("api_prefix", "/%2e%2e", "--api-prefix must be", id="prefix-percent"),
    pytest.param(
        "layout", "../outside.html", "--layout '../outside.html': outside", id="layout-up"
    ),
    pytest.param("layout", "/etc/passwd", "outside the project", id="layout-absolute"),
    pytest.param("layout", "a/../../x.html", "outside the project", id="layout-escapes"),
    pytest.param("layout", "base\n.html", "--layout must be", id="layout-newline"),
    pytest.param("layout", "all,../x", "outside the project", id="layout-list-escapes"),
    pytest.param("app", "../other", "--app '../other': outside", id="app-up"),
    pytest.param("app", "/etc", "outside the project", id="app-absolute"),
    pytest.param("app", "app.py:not-an-id", "--app must be a path", id="app-bad-variable"),
    pytest.param("app", "a\x1b[31m", "--app must be", id="app-escape-sequence"),
    pytest.param("settings", "config/settings", "--settings must be a dotted", id="settings-path"),
    pytest.param("settings", "config..dev", "--settings must be", id="settings-empty-part"),
    pytest.param("user_dependency", "deps:get()", "--user-dependency must be", id="dep-call"),
    pytest.param("user_dependency", "x; import os", "--user-dependency must be", id="dep-code"),
    pytest.param("auth", "Okta!", "--auth must be an auth library id", id="auth-chars"),
    pytest.param("spa_token", 'fetch("/steal")', "--spa-token must be", id="spa-call"),
    pytest.param("spa_token", "document.cookie", "--spa-token must be", id="spa-cookie"),
    pytest.param("spa_token", "localStorage.getItem(key)", "--spa-token must be", id="spa-var"),
    pytest.param("spa_token", 'localStorage.getItem("a\\"b")', "--spa-token must", id="spa-escape"),
    pytest.param(
        "spa_token", 'localStorage.getItem("t")+alert(1)', "--spa-token must", id="spa-suffix"
    ),
    pytest.param("spa_token", "window", "--spa-token must be", id="spa-window-alone"),
    pytest.param("delivery", "carrier-pigeon", "--delivery must be one of", id="delivery"),
    pytest.param("framework", "rails", "--framework must be one of", id="framework"),
]


@pytest.mark.parametrize(("name", "value", "normalised"), ACCEPTED)
def test_accepted(tmp_path: Path, name: str, value: str, normalised: str | None) -> None:
    answers = validate(Answers(**{name: value}), tmp_path)
    assert answers.value(name) == (value if normalised is None else normalised)


@pytest.mark.parametrize(("name", "value", "message"), REFUSED)
def test_refused(tmp_path: Path, name: str, value: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        validate(Answers(**{name: value}), tmp_path)
    text = caught.value.message
    assert message in text
    assert text.isprintable(), "control characters are shown repr-style, never raw"


def test_the_message_names_the_rule_and_shows_the_value_repr_style(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as caught:
        validate(Answers(api_key="pk\x1b[2J\n"), tmp_path)
    assert caught.value.message == (
        "--api-key must be 1 to 128 characters of letters, digits, `_` and `-` (the "
        "dashboard's public key); got 'pk\\x1b[2J'"
    )


def test_an_absolute_path_inside_the_project_becomes_relative(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    layout = tmp_path / "templates" / "base.html"
    answers = validate(Answers(layout=str(layout), app=str(tmp_path / "app.py")), tmp_path)
    assert (answers.layout, answers.app) == ("templates/base.html", "app.py")


def test_a_symlink_out_of_the_project_is_outside(tmp_path: Path) -> None:
    root, outside = tmp_path / "project", tmp_path / "outside.html"
    root.mkdir()
    outside.write_text("<body></body>\n")
    (root / "layout.html").symlink_to(outside)
    with pytest.raises(UsageError, match="outside the project"):
        validate(Answers(layout="layout.html"), root)


def test_prefix_segments_guard_paths_built_from_a_prefix() -> None:
    assert prefix_segments("/api/v1") == ["api", "v1"]
    assert prefix_segments("") == []
    for hostile in ("/../../x", "/a/./b", "/a%2F..", "/<x>"):
        with pytest.raises(UsageError, match="--api-prefix must be"):
            prefix_segments(hostile)


# -- the CLI and the MCP tools get the same wall ---------------------------------------------

HOSTILE = [
    pytest.param(
        ["--api-key", "{{ cycler.__init__.__globals__.os.popen('id').read() }}"], id="key"
    ),
    pytest.param(["--api-key", "pk", "--api-prefix", "../../x"], id="prefix"),
    pytest.param(["--api-key", "pk", "--layout", "../../../etc/passwd"], id="layout"),
    pytest.param(["--api-key", "pk", "--spa-token", "alert(document.cookie)"], id="spa-token"),
]


@pytest.mark.parametrize("args", HOSTILE)
@pytest.mark.parametrize("command", ["inspect", "apply --dry-run", "apply --yes", "prompt"])
def test_cli_refuses_with_exit_2(tmp_path: Path, command: str, args: list[str]) -> None:
    root = copy_fixture("flask-login", tmp_path)
    before = tree_digest(root)
    result = run(*command.split(), root, *args)
    assert result.exit_code == 2, result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert "must be" in result.stderr or "outside the project" in result.stderr
    assert tree_digest(root) == before


def test_cli_json_error_document(tmp_path: Path) -> None:
    root = copy_fixture("django-auth", tmp_path)
    code, doc = run_json("apply", root, "--dry-run", "--api-key", 'pk" onload="x')
    assert code == 2
    assert doc["error"]["code"] == "usage" and doc["error"]["exit_code"] == 2
    assert doc["error"]["message"].startswith("--api-key must be")


@pytest.mark.parametrize("tool", ["inspect", "plan", "apply", "prompt"])
def test_mcp_tools_refuse_with_a_usage_error(tmp_path: Path, tool: str) -> None:
    root = copy_fixture("express-passport-pug", tmp_path)
    before = tree_digest(root)
    arguments = {"path": str(root), "api_key": "x' onload='alert(1)", "confirm": True}
    if tool != "apply":
        del arguments["confirm"]
    outcome = call(tool, arguments)
    assert outcome.is_error
    assert outcome.document["error"]["code"] == "usage"
    assert outcome.document["error"]["exit_code"] == 2
    assert "--api-key must be" in outcome.document["error"]["message"]
    assert tree_digest(root) == before


def test_valid_answers_still_plan(tmp_path: Path) -> None:
    root = copy_fixture("flask-api", tmp_path)
    code, doc = run_json("apply", root, "--dry-run", "--api-key", "pk", "--api-prefix", "v2/")
    assert code == 0, doc
    assert doc["inspection"]["answers"]["api_prefix"] == "/v2"
    assert 'url_prefix="/v2"' in doc["diff"]


# -- the MCP input schema is the same grammar --------------------------------------------------


def test_schema_carries_every_grammar() -> None:
    for spec in (t for t in TOOLS if t.answers):
        properties = input_schema(spec)["properties"]
        for name, grammar in GRAMMARS.items():
            prop = properties[name]
            assert prop["pattern"] == f"^(?:{grammar.pattern})$"
            assert prop["maxLength"] == grammar.max_length
            assert grammar.says in prop["description"]
        assert (
            None in properties["framework"]["enum"] and "flask" in properties["framework"]["enum"]
        )


def test_schema_patterns_mean_the_same_in_javascript() -> None:
    """JSON Schema patterns are ECMA-262: node (with the `u` flag, the strictest reading) must
    accept and refuse exactly what Python does, on every value of the tables above."""
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    cases = [(p.values[0], str(p.values[1]).strip()) for p in ACCEPTED + REFUSED]
    cases = [(name, value) for name, value in cases if name in GRAMMARS]
    schemas = [GRAMMARS[name].json_schema() for name, _ in cases]
    script = (
        "const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "const ok = cases.map(([s, v]) => new RegExp(s.pattern, 'u').test(v) && v.length <= "
        "s.maxLength);"
        "process.stdout.write(JSON.stringify(ok));"
    )
    payload = json.dumps([[s, v] for s, (_, v) in zip(schemas, cases, strict=True)])
    out = subprocess.run(
        ["node", "-e", script], input=payload, capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) == [GRAMMARS[name].matches(value) for name, value in cases]


def test_help_and_json_schema_of_answers_without_a_grammar_here() -> None:
    assert answer_rules.json_schema("email_expr") == {}
    assert answer_rules.describe("email_expr") is None


# -- --patch FILE ------------------------------------------------------------------------------


def test_patch_onto_a_project_file_is_refused(tmp_path: Path) -> None:
    root = copy_fixture("flask-login", tmp_path)
    before = tree_digest(root)
    target = root / "app" / "templates" / "base.html"
    result = run("apply", root, "--api-key", "pk", "--patch", target)
    assert result.exit_code == 2
    assert "an existing file of the project" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert tree_digest(root) == before


def test_patch_into_a_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    root = copy_fixture("flask-login", tmp_path)
    result = run("apply", root, "--api-key", "pk", "--patch", tmp_path / "missing/dir/x.patch")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"bcb-scaffold: error: --patch '{tmp_path / 'missing/dir/x.patch'}': no such directory: "
        f"{tmp_path / 'missing/dir'}"
    ]


def test_patch_rules(tmp_path: Path) -> None:
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "app.py").write_text("")
    (tmp_path / "old.patch").write_text("")
    check_patch_file(tmp_path / "old.patch", tmp_path / "project")  # outside: overwritten
    check_patch_file(tmp_path / "project" / "new.patch", tmp_path / "project")  # new inside
    with pytest.raises(UsageError, match="a directory"):
        check_patch_file(tmp_path, tmp_path / "project")
    with pytest.raises(UsageError, match="not a directory"):
        check_patch_file(tmp_path / "old.patch" / "x.patch", tmp_path / "project")
    link = tmp_path / "link.patch"
    link.symlink_to(tmp_path / "project" / "app.py")
    with pytest.raises(UsageError, match="an existing file of the project"):
        check_patch_file(link, tmp_path / "project")


def test_patch_outside_the_project_is_written(tmp_path: Path) -> None:
    root = copy_fixture("flask-login", tmp_path)
    before = tree_digest(root)
    result = run("apply", root, "--api-key", "pk", "--patch", tmp_path / "bcb.patch")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "bcb.patch").read_text().startswith("diff --git")
    assert tree_digest(root) == before


# -- --layout through symlinks -----------------------------------------------------------------


def _symlinked_layout(tmp_path: Path) -> Path:
    """flask-login with its layout moved to layouts/base.html and symlinked back."""
    root = copy_fixture("flask-login", tmp_path)
    (root / "layouts").mkdir()
    (root / "app/templates/base.html").rename(root / "layouts/base.html")
    (root / "app/templates/base.html").symlink_to("../../layouts/base.html")
    return root


@pytest.mark.parametrize("answer", ["app/templates/base.html", "base.html"], ids=["path", "name"])
def test_a_symlinked_layout_edits_its_target(tmp_path: Path, answer: str) -> None:
    root = _symlinked_layout(tmp_path)
    code, doc = run_json("apply", root, "--dry-run", "--api-key", "pk", "--layout", answer)
    assert code == 0, doc
    edited = {e["path"] for e in doc["edits"]}
    assert "layouts/base.html" in edited
    assert "app/templates/base.html" not in edited


def test_apply_writes_the_target_and_keeps_the_symlink(tmp_path: Path) -> None:
    root = _symlinked_layout(tmp_path)
    result = run("apply", root, "--yes", "--api-key", "pk", "--layout", "base.html")
    assert result.exit_code == 0, result.output
    assert (root / "app/templates/base.html").is_symlink()
    assert 'data-api-key="pk"' in (root / "layouts/base.html").read_text()


def test_a_layout_symlink_out_of_the_project_is_refused(tmp_path: Path) -> None:
    root = copy_fixture("flask-login", tmp_path)
    outside = tmp_path / "outside.html"
    outside.write_text("<html><body></body></html>\n")
    (root / "app/templates/evil.html").symlink_to(outside)
    before = tree_digest(root)
    result = run("apply", root, "--yes", "--api-key", "pk", "--layout", "app/templates/evil.html")
    assert result.exit_code == 2
    assert "outside the project" in result.stderr
    assert tree_digest(root) == before
    assert outside.read_text() == "<html><body></body></html>\n"


def test_a_symlinked_view_edits_its_target(tmp_path: Path) -> None:
    root = copy_fixture("express-passport-pug", tmp_path)
    (root / "shared").mkdir()
    (root / "views/layout.pug").rename(root / "shared/layout.pug")
    (root / "views/layout.pug").symlink_to("../shared/layout.pug")
    code, doc = run_json("apply", root, "--dry-run", "--api-key", "pk", "--layout", "layout.pug")
    assert code == 0, doc
    assert "shared/layout.pug" in {e["path"] for e in doc["edits"]}
