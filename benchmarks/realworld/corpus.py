"""Loads corpus.toml: the pinned apps and the answers recorded by reading their code."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomlkit

CORPUS = Path(__file__).resolve().parent / "corpus.toml"
STACKS = ("flask", "django", "fastapi", "nextjs", "express", "wordpress")
FIELDS = ("framework", "auth", "app", "layout", "email", "rendering", "prefix")


@dataclass(frozen=True)
class App:
    id: str
    stack: str
    repo: str
    commit: str
    path: str
    shape: str
    expect: dict[str, str]
    answers: dict[str, str] = field(default_factory=dict)
    verify: str = ""
    """Why the deep check cannot run here; empty when it can."""
    recipe: dict[str, Any] = field(default_factory=dict)
    """How the deep check runs the app (data: what to install, how to sign in)."""

    @property
    def mirror_name(self) -> str:
        return self.repo.replace("/", "+")


def load(path: Path = CORPUS) -> list[App]:
    data = tomlkit.parse(path.read_text(encoding="utf-8")).unwrap()
    apps = [_app(raw) for raw in data["app"]]
    ids = [a.id for a in apps]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"duplicate ids in {path.name}: {', '.join(duplicates)}")
    return apps


def _app(raw: dict[str, object]) -> App:
    expect = dict(raw["expect"])  # type: ignore[call-overload]
    missing = [f for f in FIELDS if f not in expect]
    if missing or raw["stack"] not in STACKS:
        raise ValueError(f"{raw['id']}: bad stack or missing expect fields {missing}")
    return App(
        id=str(raw["id"]),
        stack=str(raw["stack"]),
        repo=str(raw["repo"]),
        commit=str(raw["commit"]),
        path=str(raw.get("path", ".")),
        shape=str(raw.get("shape", "")),
        expect={k: str(v) for k, v in expect.items()},
        answers={k: str(v) for k, v in dict(raw.get("answers", {})).items()},  # type: ignore[call-overload]
        verify=str(raw.get("verify", "")),
        recipe=dict(raw.get("recipe", {})),  # type: ignore[call-overload]
    )


def select(apps: list[App], only: str | None, stack: str | None) -> list[App]:
    wanted = {i.strip() for i in only.split(",")} if only else None
    unknown = sorted(wanted - {a.id for a in apps}) if wanted else []
    if unknown:
        raise SystemExit(f"unknown app id(s): {', '.join(unknown)}")
    return [
        a
        for a in apps
        if (wanted is None or a.id in wanted) and (stack is None or a.stack == stack)
    ]
