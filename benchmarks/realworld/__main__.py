"""Runs bcb-scaffold against the real-world corpus.

Usage: python -m benchmarks.realworld --checkouts DIR [--only ID,...] [--stack S]
       [--tool PATH] [--json OUT] [--markdown OUT]

DIR holds one checkout per app (python -m benchmarks.realworld.checkout). Each app is copied
into a temporary git repository; the checkouts themselves are never changed.
"""

from __future__ import annotations

import argparse
import datetime
import shutil
import sys
import tempfile
from pathlib import Path

from . import levels, report, tool
from .corpus import STACKS, load, select


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.realworld")
    parser.add_argument("--checkouts", type=Path, required=True)
    parser.add_argument("--only", help="comma-separated app ids")
    parser.add_argument("--stack", choices=STACKS)
    default_tool = shutil.which("bcb-scaffold")
    parser.add_argument("--tool", type=Path, default=Path(default_tool) if default_tool else None)
    parser.add_argument("--json", type=Path, help="write the results as JSON")
    parser.add_argument("--markdown", type=Path, help="write the Markdown report here too")
    args = parser.parse_args(argv)
    if args.tool is None or not args.tool.exists():
        parser.error("no bcb-scaffold found: pass --tool PATH")
    apps = select(load(), args.only, args.stack)
    results = []
    for app in apps:
        with tempfile.TemporaryDirectory(prefix=f"rw-{app.id}-") as work:
            result = levels.run_app(app, args.checkouts, args.tool, Path(work))
        results.append(result)
        marks = " ".join(f"{name}={getattr(result, name).status}" for name, _ in report.LEVELS)
        print(f"{app.id}: {marks}", file=sys.stderr, flush=True)
    date = datetime.date.today().isoformat()
    commit = tool.commit_of(args.tool)
    text = report.markdown(results, date, commit)
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")
    if args.json:
        report.write_json(results, date, commit, args.json)
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
