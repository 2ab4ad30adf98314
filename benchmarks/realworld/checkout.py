"""Materialises the corpus from fetched mirrors: DEST/<id>/ holds the pinned commit's `path`.

Usage: python -m benchmarks.realworld.checkout --mirrors /work/.mirror --dest DIR [--only ID,...]

A mirror is a bare git directory at MIRRORS/<owner>+<name>/repo (what the search tool's `fetch`
brings). `git archive` of `<commit>:<path>` is unpacked into DEST/<id>/; an existing checkout is
kept, so re-running only adds what is missing. A recipe's `sources` ({name = "owner/repo@commit"}:
a dependency the app installs from GitHub at a commit, which pip cannot reach here) are unpacked
the same way beside it, into DEST/<id>.sources/<name>/, never inside the app.
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tarfile
from pathlib import Path

from .corpus import App, load, select

TIMEOUT = 300


def sources_dir(checkout: Path) -> Path:
    """Where the recipe's `sources` of the app checked out at `checkout` are unpacked."""
    return checkout.parent / f"{checkout.name}.sources"


def materialise(app: App, mirrors: Path, dest: Path) -> str:
    """One app and its recipe's sources: 'ok', 'kept' or the one-line reason it could not be
    checked out."""
    tree = app.commit if app.path == "." else f"{app.commit}:{app.path}"
    outcome = _unpack(mirrors / app.mirror_name / "repo", app.repo, tree, dest / app.id)
    for name, pinned in dict(app.recipe.get("sources", {})).items():
        repo, _, commit = str(pinned).partition("@")
        git_dir = mirrors / repo.replace("/", "+") / "repo"
        done = _unpack(git_dir, repo, commit, sources_dir(dest / app.id) / str(name))
        if not done.startswith(("ok", "kept")):
            return done
    return outcome


def _unpack(git_dir: Path, repo: str, tree: str, target: Path) -> str:
    if target.is_dir() and any(target.iterdir()):
        return "kept"
    if not git_dir.is_dir():
        return f"no mirror at {git_dir} (fetch github:{repo} first)"
    archive = subprocess.run(
        ["git", "-C", str(git_dir), "archive", "--format=tar", tree],
        capture_output=True,
        timeout=TIMEOUT,
        check=False,
    )
    target.mkdir(parents=True, exist_ok=True)
    if archive.returncode == 0:
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(target, filter="data")
        return "ok"
    # Snapshots leave out files of 4 MiB and more: copy every blob that is there.
    missing = _copy_blobs(git_dir, tree, target)
    return f"ok ({missing} large file(s) absent from the mirror)"


def _copy_blobs(git_dir: Path, tree: str, target: Path) -> int:
    listing = subprocess.run(
        ["git", "-C", str(git_dir), "ls-tree", "-r", "-z", tree],
        capture_output=True,
        timeout=TIMEOUT,
        check=True,
    ).stdout.decode()
    entries = []
    for row in filter(None, listing.split("\0")):
        meta, name = row.split("\t", 1)
        mode, kind, sha = meta.split()
        if kind == "blob" and mode != "120000":
            entries.append((sha, name))
    batch = subprocess.run(
        ["git", "-C", str(git_dir), "cat-file", "--batch"],
        input="".join(f"{sha}\n" for sha, _ in entries).encode(),
        capture_output=True,
        timeout=TIMEOUT,
        check=True,
    ).stdout
    missing, pos = 0, 0
    for _sha, name in entries:
        end = batch.index(b"\n", pos)
        header = batch[pos:end].split()
        pos = end + 1
        if header[-1] == b"missing":
            missing += 1
            continue
        size = int(header[2])
        out = target / name
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(batch[pos : pos + size])
        pos += size + 1
    return missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.realworld.checkout")
    parser.add_argument("--mirrors", type=Path, required=True)
    parser.add_argument("--dest", type=Path, required=True)
    parser.add_argument("--only", help="comma-separated app ids")
    parser.add_argument("--stack")
    args = parser.parse_args(argv)
    failed = 0
    for app in select(load(), args.only, args.stack):
        outcome = materialise(app, args.mirrors, args.dest)
        failed += outcome not in ("ok", "kept")
        print(f"{app.id}: {outcome}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
