"""The `.env.example` entry, and the warning when `.env` is not git-ignored."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffolder.envfile import plan_env_example
from scaffolder.plan import Plan, PlanBuilder
from scaffolder.project import Project

ENTRY = (
    "# BestChatBot visitor identity: the signing key from the BestChatBot dashboard\n"
    "# (widget settings > Security / Identity Verification). Never commit the real value.\n"
    "BESTCHATBOT_SIGNING_KEY=\n"
)


def plan(tmp_path: Path, files: dict[str, str], app_root: str = ".") -> Plan:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    builder = PlanBuilder(
        lambda rel: ((tmp_path / rel).read_text(), False) if (tmp_path / rel).is_file() else None
    )
    plan_env_example(Project(tmp_path), app_root, builder)
    return builder.build()


def test_creates_env_example(tmp_path: Path) -> None:
    result = plan(tmp_path, {".gitignore": ".env\n"})
    assert [(e.path, e.action, e.after) for e in result.edits] == [
        (".env.example", "create", ENTRY)
    ]
    assert result.warnings == []


def test_appends_to_the_existing_example(tmp_path: Path) -> None:
    result = plan(tmp_path, {".env.sample": "DEBUG=1", ".gitignore": ".env\n"})
    assert result.edits[0].path == ".env.sample"
    assert result.edits[0].after == "DEBUG=1\n\n" + ENTRY


def test_next_to_the_env_files_of_the_app(tmp_path: Path) -> None:
    result = plan(tmp_path, {"backend/.env": "X=1\n", ".gitignore": ".env\n"}, "backend")
    assert result.edits[0].path == "backend/.env.example"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("BESTCHATBOT_SIGNING_KEY=\n", id="empty"),
        pytest.param("export BESTCHATBOT_SIGNING_KEY=\n", id="export"),
    ],
)
def test_noop_when_listed(tmp_path: Path, text: str) -> None:
    result = plan(tmp_path, {".env.example": text, ".gitignore": ".env\n"})
    assert result.edits == []


def test_warns_when_env_is_not_ignored(tmp_path: Path) -> None:
    result = plan(tmp_path, {".env": "SECRET=1\n"})
    assert any(".env is not git-ignored" in w for w in result.warnings)


def test_never_writes_a_value(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BESTCHATBOT_SIGNING_KEY", "super-secret")
    result = plan(tmp_path, {})
    assert "super-secret" not in result.edits[0].after


DOTENV_SAFE_APP = {
    "package.json": '{"dependencies": {"dotenv-safe": "^9.1.0", "express": "^4.21.0"}}\n',
    ".env.example": "PORT=\nSESSION_SECRET=\n",
    ".gitignore": ".env\nnode_modules\n",
}


def test_dotenv_safe_gets_a_commented_entry_and_a_second_run_keeps_it(tmp_path: Path) -> None:
    """dotenv-safe refuses to start while a listed variable is unset: the key is listed as a
    comment, so the app keeps starting without it."""
    [edit] = plan(tmp_path, DOTENV_SAFE_APP).edits
    assert edit.after is not None
    assert "\nBESTCHATBOT_SIGNING_KEY=" not in edit.after
    assert "# BESTCHATBOT_SIGNING_KEY=\n" in edit.after and "dotenv-safe" in edit.after
    (tmp_path / ".env.example").write_text(edit.after)
    assert plan(tmp_path, {}).edits == []


@pytest.mark.e2e
def test_dotenv_safe_app_still_starts_without_the_key(tmp_path: Path) -> None:
    """The real dotenv-safe, on the patched example, with the key unset."""
    import os
    import shutil
    import subprocess

    from tests.npm_cache import link_node_modules, npm_env

    [edit] = plan(tmp_path, DOTENV_SAFE_APP).edits
    assert edit.after is not None
    (tmp_path / ".env.example").write_text(edit.after)
    (tmp_path / ".env").write_text("PORT=3000\nSESSION_SECRET=s\n")
    link_node_modules(tmp_path, npm_env({"dotenv-safe": "^9.1.0"}))
    node = shutil.which("node")
    assert node is not None
    env = {k: v for k, v in os.environ.items() if k != "BESTCHATBOT_SIGNING_KEY"}
    script = "require('dotenv-safe').config(); console.log('started')"
    started = subprocess.run(
        [node, "-e", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert started.returncode == 0 and "started" in started.stdout, started.stderr
    # the uncommented entry is what made real apps refuse to start
    (tmp_path / ".env.example").write_text(
        DOTENV_SAFE_APP[".env.example"] + "BESTCHATBOT_SIGNING_KEY=\n"
    )
    refused = subprocess.run(
        [node, "-e", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert refused.returncode != 0 and "BESTCHATBOT_SIGNING_KEY" in refused.stderr
