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
