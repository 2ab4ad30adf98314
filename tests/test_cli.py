"""The CLI in-process (tests.helpers.run: not a terminal) and a few subprocess smoke tests."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from scaffolder import __version__
from tests.helpers import copy_fixture, run, run_json, tree_digest


def test_help_and_version() -> None:
    assert __version__ in run("--version").output
    helped = run("--help")
    assert helped.exit_code == 0
    assert (
        "inspect" in helped.output and "apply" in helped.output and "exit codes:" in helped.output
    )
    apply_help = run("apply", "--help").output
    for flag in ("--email-expr", "--api-key", "--dry-run", "--patch", "--allow-dirty", "--yes"):
        assert flag in apply_help


def test_start_up_imports_nothing_heavy() -> None:
    code = (
        "import sys, scaffolder.cli; "
        "heavy = [m for m in ('libcst', 'jinja2', 'tree_sitter', 'tomlkit', 'pathspec') "
        "if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("argv", "unneeded"),
    [
        pytest.param(
            ["--version"],
            ["json", "pkgutil", "click", "shutil", "scaffolder.project", "scaffolder.engine"],
            id="version",
        ),
        pytest.param(
            ["inspect", "fixtures/flask-login"],
            # git's ignore rules are read by scaffolder.gitignore; apply's modules wait for apply
            # and the command line is argparse's: click is no dependency
            [
                *("pathspec", "shutil", "click", "libcst", "jinja2", "json"),
                *("scaffolder.outcome", "scaffolder.writer"),
            ],
            id="inspect",
        ),
        pytest.param(
            ["inspect", "--json", "fixtures/flask-login"],
            [
                # planning's modules: the plan, the dependency manifests, versions, locks, hosting
                "scaffolder.plan",
                "scaffolder.steps",
                "scaffolder.envfile",
                "scaffolder.python.deps",
                "scaffolder.python.versions",
                "scaffolder.python.locks",
                "scaffolder.python.hosting",
                "difflib",
                "shlex",
                # a proxy's readers and the CORS finders, for apps without their files
                "scaffolder.proxies",
                "scaffolder.cors",
                # the languages' table serves answers that are code, and the other commands
                "scaffolder.languages",
                "scaffolder.treesitter",
                "tree_sitter",
                "tomlkit",
                "libcst",
                "jinja2",
                # the stacks are listed without pkgutil, and triage lets only Flask in
                "pkgutil",
                "scaffolder.stacks.django.hooks",
                "scaffolder.stacks.fastapi.hooks",
            ],
            id="inspect-json",
        ),
    ],
)
def test_a_command_imports_only_what_it_needs(argv: list[str], unneeded: list[str]) -> None:
    code = (
        "import atexit, sys\n"
        f"atexit.register(lambda: print([m for m in {unneeded!r} if m in sys.modules]))\n"
        f"sys.argv = ['bcb-scaffold', *{argv!r}]\n"
        "from scaffolder.cli import main\n"
        "main()\n"
    )
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert out.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize(
    ("argv", "collecting"),
    [
        (["--version"], False),
        (["inspect", "fixtures/flask-login"], False),
        (["apply", "--help"], True),
        (["mcp"], True),
    ],
)
def test_only_reports_run_without_the_garbage_collector(argv: list[str], collecting: bool) -> None:
    """The reports (`inspect`, `prompt`, `--version`) run without the cyclic collector
    (start-up's objects live as long as the process); the commands that parse and rewrite whole
    projects and the server (`mcp`, for hours) collect their garbage."""
    code = (
        "import atexit, gc, sys\n"
        "atexit.register(lambda: print(gc.isenabled()))\n"
        f"sys.argv = ['bcb-scaffold', *{argv!r}]\n"
        "from scaffolder.cli import main\n"
        "main()\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert out.stdout.strip().splitlines()[-1] == str(collecting)


def test_installed_console_script() -> None:
    out = subprocess.run(["bcb-scaffold", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"bcb-scaffold, version {__version__}"


def test_inspect_report_has_the_three_parts(tmp_path: Path) -> None:
    root = copy_fixture("flask-login", tmp_path)
    result = run("inspect", root)
    assert result.exit_code == 0
    for part in (
        "1. Stack",
        "2. Authentication",
        "3. Widget",
        "app/models.py:14",
        "current_user.email",
        "app/templates/base.html:24",
        "--api-key",
    ):
        assert part in result.output


def test_inspect_json(tmp_path: Path) -> None:
    root = copy_fixture("flask-login", tmp_path)
    code, doc = run_json("inspect", root)
    assert code == 0
    assert doc["schema"] == "bcb-scaffold/inspect@1"
    assert doc["stack"] | {"evidence": None} == {
        "language": "python",
        "framework": "flask",
        "rendering": "server-rendered",
        "app_root": ".",
        "confidence": "high",
        "evidence": None,
    }
    assert doc["auth"]["library"] == "flask-login"
    assert doc["auth"]["email"] == {
        "expr": "current_user.email",
        "file": "app/models.py",
        "line": 14,
        "why": "the user's `email` field",
    }
    assert doc["auth"]["name"]["expr"] == "current_user.display_name"
    assert doc["auth"]["user_id"]["expr"] == "current_user.id"
    assert doc["widget"] | {"evidence": None} == {
        "present": False,
        "file": "app/templates/base.html",
        "line": 24,
        "has_user_token": False,
        "evidence": None,
    }
    assert doc["delivery"] == "script-attribute"
    assert doc["questions"] == [
        {"id": "api_key", "flag": "--api-key", "choices": [], "text": doc["questions"][0]["text"]}
    ]


def test_apply_refuses_off_a_terminal_without_yes(tmp_path: Path) -> None:
    root = copy_fixture("flask-login", tmp_path)
    before = tree_digest(root)
    result = run("apply", root, "--api-key", "pk")
    assert result.exit_code == 5
    assert "pass --yes" in result.stderr
    assert tree_digest(root) == before


def test_apply_questions_exit_3_and_write_nothing(tmp_path: Path) -> None:
    root = copy_fixture("flask-login", tmp_path)
    before = tree_digest(root)
    code, doc = run_json("apply", root, "--yes")
    assert code == 3
    assert doc["status"] == "questions"
    assert [q["id"] for q in doc["questions"]] == ["api_key"]
    assert tree_digest(root) == before


def test_apply_json(tmp_path: Path) -> None:
    root = copy_fixture("flask-login", tmp_path)
    code, doc = run_json("apply", root, "--yes", "--api-key", "pk")
    assert code == 0
    assert doc["status"] == "applied"
    assert doc["changed_files"] == [
        "app/bestchatbot.py",
        "app/__init__.py",
        "app/templates/base.html",
        "app/static/bestchatbot-identity.js",
        "requirements.txt",
        ".env.example",
    ]
    assert "BESTCHATBOT_SIGNING_KEY" in doc["reminder"]
    code, doc = run_json("apply", root, "--yes", "--api-key", "pk")
    assert (code, doc["status"], doc["edits"]) == (0, "nothing-to-do", [])


def test_no_colour_off_a_terminal(tmp_path: Path) -> None:
    root = copy_fixture("flask-login", tmp_path)
    result = run("apply", root, "--dry-run", "--api-key", "pk")
    assert result.exit_code == 0 and "+++ b/app/bestchatbot.py" in result.output
    assert "\x1b[" not in result.output


def test_patch_applies_with_git(tmp_path: Path) -> None:
    root = copy_fixture("flask-login", tmp_path / "a")
    patch = tmp_path / "widget.patch"
    before = tree_digest(root)
    result = run("apply", root, "--patch", patch, "--api-key", "pk")
    assert result.exit_code == 0, result.output
    assert tree_digest(root) == before
    subprocess.run(["git", "apply", "--check", str(patch)], cwd=root, check=True)
    subprocess.run(["git", "apply", str(patch)], cwd=root, check=True)
    applied = copy_fixture("flask-login", tmp_path / "b")
    assert run("apply", applied, "--yes", "--api-key", "pk").exit_code == 0
    assert tree_digest(root) == tree_digest(applied)


def test_interactive_asks_questions_then_confirms(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("scaffolder.cli._interactive", lambda: True)
    root = copy_fixture("flask-login", tmp_path)
    result = run("apply", root, input="pk_live_typed\ny\n")
    assert result.exit_code == 0, result.output
    assert 'data-api-key="pk_live_typed"' in (root / "app/templates/base.html").read_text()


def test_interactive_decline_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("scaffolder.cli._interactive", lambda: True)
    root = copy_fixture("flask-login", tmp_path)
    before = tree_digest(root)
    result = run("apply", root, "--api-key", "pk", input="n\n")
    assert result.exit_code == 5
    assert tree_digest(root) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--framework", "rails"], "--framework must be one of", id="framework"),
        pytest.param(["--delivery", "carrier-pigeon"], "--delivery must be one of", id="delivery"),
        pytest.param(["--email-expr", "current_user.("], "not a Python expression", id="syntax"),
        pytest.param(["--email-expr", "request.args['email']"], "uses request", id="client-input"),
        pytest.param(["--auth", "okta"], "--auth must be one of", id="auth"),
        pytest.param(["--layout", "nope.html"], "no such template", id="layout"),
        pytest.param(["--bogus"], "No such option", id="unknown-flag"),
    ],
)
def test_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    root = copy_fixture("flask-login", tmp_path)
    result = run("apply", root, "--dry-run", "--api-key", "pk", *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_usage_error_json(tmp_path: Path) -> None:
    result = run("inspect", tmp_path / "missing", "--json")
    assert result.exit_code == 2
    doc = json.loads(result.stdout)
    assert doc["schema"] == "bcb-scaffold/error@1"
    assert doc["error"]["code"] == "usage" and doc["error"]["exit_code"] == 2


def test_main_entry_point_usage_error() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "scaffolder", "apply", "--bogus"], capture_output=True, text=True
    )
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [
        "bcb-scaffold: error: No such option '--bogus'. (see: bcb-scaffold apply --help)"
    ]


def test_a_symlinked_layout_gets_the_tag_in_its_target(tmp_path: Path) -> None:
    root = copy_fixture("flask-login", tmp_path)
    (root / "theme").mkdir()
    (root / "app/templates/base.html").rename(root / "theme/base.html")
    (root / "app/templates/base.html").symlink_to("../../theme/base.html")
    result = run("apply", root, "--yes", "--api-key", "pk")
    assert result.exit_code == 0, result.output
    assert (root / "app/templates/base.html").is_symlink()
    assert 'data-api-key="pk"' in (root / "theme/base.html").read_text()


def test_exit_codes_are_documented_everywhere() -> None:
    """Each exit code is in the README table, in --help's epilog and in the error schema."""
    from scaffolder.documents import json_schema
    from scaffolder.exitcodes import ExitCode

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    table = {
        int(line.split("|")[1])
        for line in readme.splitlines()
        if line[:2] == "| " and line.split("|")[1].strip().isdigit()
    }
    assert table == {int(code) for code in ExitCode}
    assert "130  interrupted" in run("--help").output
    enum = json_schema("error")["properties"]["error"]["properties"]["exit_code"]["enum"]
    assert int(ExitCode.INTERRUPTED) in enum
