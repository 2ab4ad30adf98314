"""A recipe's `sources` (benchmarks/realworld/checkout.py): a dependency an app installs from
GitHub at a commit, unpacked from its mirror beside the app's checkout, never inside it."""

from __future__ import annotations

import subprocess
from pathlib import Path

from benchmarks.realworld import checkout, deep_python
from benchmarks.realworld.corpus import App

GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"]


def _mirror(mirrors: Path, repo: str, files: dict[str, str]) -> str:
    """A bare mirror of a one-commit repository, as `fetch` leaves it; returns the commit."""
    work = mirrors.parent / "work" / repo.replace("/", "+")
    work.mkdir(parents=True)
    for name, text in files.items():
        (work / name).write_text(text)
    subprocess.run([*GIT, "init", "-q"], cwd=work, check=True)
    subprocess.run([*GIT, "add", "-A"], cwd=work, check=True)
    subprocess.run([*GIT, "commit", "-qm", "pinned"], cwd=work, check=True)
    bare = mirrors / repo.replace("/", "+") / "repo"
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(bare)], check=True)
    return subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=work, capture_output=True, text=True, check=True
    ).stdout.strip()


def _app(commit: str, sources: dict[str, str]) -> App:
    expect = dict.fromkeys(("framework", "auth", "app", "layout", "email", "rendering"), "")
    return App(
        id="site",
        stack="django",
        repo="owner/site",
        commit=commit,
        path=".",
        shape="",
        expect={**expect, "prefix": ""},
        recipe={"python": "3.12", "requirements": ["{sources}/push"], "sources": sources},
    )


def test_sources_are_unpacked_beside_the_checkout(tmp_path: Path) -> None:
    mirrors = tmp_path / "mirrors"
    site = _mirror(mirrors, "owner/site", {"manage.py": "# the app\n"})
    push = _mirror(mirrors, "other/push", {"setup.py": "# the dependency\n"})
    app = _app(site, {"push": f"other/push@{push}"})
    dest = tmp_path / "rw"
    assert checkout.materialise(app, mirrors, dest) == "ok"
    assert sorted(p.name for p in (dest / "site").iterdir()) == ["manage.py"]
    assert (dest / "site.sources" / "push" / "setup.py").read_text() == "# the dependency\n"
    assert checkout.materialise(app, mirrors, dest) == "kept"


def test_a_source_without_a_mirror_says_what_to_fetch(tmp_path: Path) -> None:
    mirrors = tmp_path / "mirrors"
    site = _mirror(mirrors, "owner/site", {"manage.py": "# the app\n"})
    app = _app(site, {"push": "other/push@0123abc"})
    outcome = checkout.materialise(app, mirrors, tmp_path / "rw")
    assert outcome.startswith("no mirror at ") and outcome.endswith(
        "(fetch github:other/push first)"
    )


def test_the_deep_check_skips_when_the_sources_were_not_checked_out(tmp_path: Path) -> None:
    app = _app("0123abc", {"push": "other/push@0123abc"})
    (tmp_path / "rw" / "site").mkdir(parents=True)
    level = deep_python.verify(app, tmp_path / "rw" / "site", tmp_path, tmp_path, [])
    assert level.status == "skip"
    assert (
        level.reason == f"no checkout of push in {tmp_path / 'rw' / 'site.sources'} (checkout.py)"
    )
