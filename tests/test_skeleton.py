"""The shared skeleton: reporting texts, plan steps and their results, triage by manifests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from scaffolder import reporting, steps
from scaffolder.errors import BadInput, Refused
from scaffolder.model import Evidence
from scaffolder.paths import common_prefix, is_test_path
from scaffolder.plan import PlanBuilder
from scaffolder.project import Project
from scaffolder.registry import Manifest, Signals, load, manifests
from tests.helpers import copy_fixture


def builder(files: dict[str, str] | None = None) -> PlanBuilder:
    known = files or {}
    return PlanBuilder(lambda path: (known[path], False) if path in known else None)


# -- reporting ---------------------------------------------------------------------------------


def test_api_key_question_names_the_stacks_tag() -> None:
    assert reporting.api_key_question().text.startswith("The widget tag is missing: ")
    nextjs = reporting.api_key_question("<Script>")
    assert nextjs.id == "api_key" and nextjs.text.startswith("The widget <Script> is missing: ")


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        pytest.param(
            {},
            "page cache in play: an inline token could be served to the wrong visitor, so the "
            "token endpoint is the default delivery",
            id="default",
        ),
        pytest.param(
            {"because": "WP Rocket"},
            "page cache in play (WP Rocket): an inline token could be served to the wrong "
            "visitor, so the token endpoint is the default delivery",
            id="with-cause",
        ),
    ],
)
def test_page_cache_note(kwargs: dict[str, str], expected: str) -> None:
    note = reporting.page_cache_note("app.py", 3, **kwargs)
    assert (note.message, note.file, note.line) == (expected, "app.py", 3)


def test_widget_found_and_target_reports() -> None:
    found = reporting.widget_found("base.html", 9, True)
    assert (found.present, found.has_user_token, found.evidence[0].location()) == (
        True,
        True,
        "base.html:9",
    )
    target = reporting.widget_target("base.html", 4, "base layout: before </body>")
    assert (target.present, target.line, target.evidence[0].why) == (
        False,
        4,
        "base layout: before </body>",
    )


def test_csp_warning_names_the_policy_and_the_host() -> None:
    text = reporting.csp_warning(Evidence("app.py", 7, "Talisman sets a CSP"))
    assert text == (
        "app.py:7: Talisman sets a CSP; allow https://widget.bestchatbot.io in its script-src "
        "and connect-src, or the browser will block the widget."
    )


# -- steps -------------------------------------------------------------------------------------

OURS = {"ours": ("def sign_widget_token(",), "already": "present", "refusal": "not ours"}


def test_generated_file_new_is_written() -> None:
    b = builder()
    result = steps.generated_file(
        b,
        "bestchatbot.py",
        "def sign_widget_token(): ...\n",
        reason="new",
        language="python",
        **OURS,
    )
    assert result.outcome == "applied" and b.current("bestchatbot.py") is not None


def test_generated_file_already_ours_is_skipped() -> None:
    b = builder({"bestchatbot.py": "def sign_widget_token(): ...\n"})
    result = steps.generated_file(
        b, "bestchatbot.py", "other\n", reason="new", language="python", **OURS
    )
    assert (result.outcome, result.reason) == ("skipped", "present")
    assert b.build().edits == []


def test_generated_file_of_someone_else_is_a_conflict_and_run_refuses() -> None:
    b = builder({"bestchatbot.py": "print('mine')\n"})
    result = steps.generated_file(
        b, "bestchatbot.py", "x\n", reason="new", language="python", **OURS
    )
    assert result.outcome == "conflict"
    with pytest.raises(Refused, match="not ours"):
        steps.run(b, [lambda _b: result])
    assert b.current("bestchatbot.py") == "print('mine')\n"


def test_run_records_skips_and_turns_manual_into_bad_input() -> None:
    b = builder()
    done = steps.run(b, [lambda _b: steps.skipped("x", "a.py", "already"), lambda _b: None])
    assert [r.outcome for r in done] == ["skipped"]
    assert [(s.path, s.why) for s in b.plan.skipped] == [("a.py", "already")]
    with pytest.raises(BadInput, match=r"^app.py: cannot edit; add `x\(\)` by hand$"):
        steps.run(
            b, [lambda _b: steps.manual("r", "app.py", "cannot edit; add `x()` by hand", "x()")]
        )


def test_widget_tag_escapes_the_key() -> None:
    assert steps.widget_tag('a"b', " data-x") == (
        '<script src="https://widget.bestchatbot.io/widget/v1/chat.js" data-api-key="a&quot;b"'
        " data-x></script>"
    )


def test_identity_script_is_written_once() -> None:
    b = builder()
    first = steps.identity_script(b, "static/bestchatbot-identity.js", endpoint="/api/widget-token")
    assert first is not None and first.outcome == "applied"
    assert "/api/widget-token" in (b.current("static/bestchatbot-identity.js") or "")
    assert steps.identity_script(b, "static/bestchatbot-identity.js", endpoint="/x") is None


# -- paths -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "django", "expected"),
    [
        pytest.param("tests/app.py", False, True, id="tests-dir"),
        pytest.param("app/conftest.py", False, True, id="conftest"),
        pytest.param("app/tests.py", False, False, id="tests-module-not-flask"),
        pytest.param("app/tests.py", True, True, id="tests-module-django"),
        pytest.param("fixtures/site/settings.py", True, True, id="fixtures-django"),
        pytest.param("app/views.py", True, False, id="app-code"),
    ],
)
def test_is_test_path(path: str, django: bool, expected: bool) -> None:
    from scaffolder.stacks.django import discover

    assert (discover.is_test_path if django else is_test_path)(path) is expected


@pytest.mark.parametrize(
    ("prefixes", "expected"),
    [
        pytest.param([], None, id="none"),
        pytest.param(["/api/v1", "/api/v2"], "/api", id="shared-head"),
        pytest.param(["/api/v1/", "api/v1"], "/api/v1", id="slashes"),
        pytest.param(["/api", "/admin"], None, id="nothing-shared"),
    ],
)
def test_common_prefix(prefixes: list[str], expected: str | None) -> None:
    assert common_prefix(prefixes) == expected


# -- registry: manifests and triage ------------------------------------------------------------


def test_every_stack_has_a_manifest_and_loads() -> None:
    found = manifests()
    assert set(found) == {"django", "express", "fastapi", "flask", "nextjs", "wordpress"}
    for stack_id, manifest in found.items():
        stack = load(stack_id)
        assert (stack.id, stack.name, stack.language) == (
            manifest.id,
            manifest.name,
            manifest.language,
        )
        assert stack.auth_ids == manifest.auth_ids


def test_signals_read_the_listing_only(tmp_path: Path) -> None:
    (tmp_path / "index.js").write_text("x\n")
    project = Project(tmp_path)
    assert not Signals(suffixes=(".py",)).match(project)
    assert Signals(suffixes=(".py", ".js")).match(project)
    assert Signals(names=("index.js",)).match(project)
    assert Manifest("x", "X", "python", "m").signals is None  # unmigrated: always triaged in


def test_triage_leaves_flask_unimported_without_python(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"name": "site"}\n')
    code = (
        "import sys; from pathlib import Path; from scaffolder import engine; "
        "from scaffolder.model import Answers; "
        f"engine.inspect(Path({str(tmp_path)!r}), Answers()); "
        "print('scaffolder.stacks.flask.hooks' in sys.modules, "
        "'scaffolder.stacks.flask' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]


@pytest.mark.parametrize(
    ("fixture", "loaded"),
    [
        pytest.param("flask-login", {"flask"}, id="flask-app-loads-flask-only"),
        pytest.param("django-auth", {"django"}, id="django-app-loads-django-only"),
        pytest.param(
            "fastapi-oauth2",
            {"fastapi", "express", "nextjs"},  # its React frontend has a package.json
            id="fastapi-app-with-a-frontend",
        ),
        pytest.param("wp-classic-theme", {"wordpress"}, id="theme-loads-wordpress-only"),
    ],
)
def test_triage_greps_for_the_framework(tmp_path: Path, fixture: str, loaded: set[str]) -> None:
    """A `.py` file alone does not import Django's and FastAPI's modules: one of the files must
    name the framework (a grep, as cheap as the floor's), and a theme's CSS must be WordPress's."""
    root = copy_fixture(fixture, tmp_path)
    code = (
        "import sys; from pathlib import Path; from scaffolder import engine; "
        "from scaffolder.model import Answers; "
        f"engine.inspect(Path({str(root)!r}), Answers()); "
        "print(' '.join(sorted(m.split('.')[2] for m in sys.modules "
        "if m.startswith('scaffolder.stacks.') and m.endswith('.hooks'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert set(out.stdout.split()) == loaded
