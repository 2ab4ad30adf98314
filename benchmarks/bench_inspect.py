"""Benchmark: start-up time, and `inspect` wall time and peak memory against `git ls-files`.

Builds a synthetic project of N files: the bundled flask-login fixture (a real Flask app) plus
more app modules and templates, a large `node_modules` and a `.venv`, git-ignored the way real
projects ignore them. Then measures, each in a fresh process (median of --repeat runs):

- `bcb-scaffold --version`
- `bcb-scaffold inspect` on the plain fixture (a typical app)
- `bcb-scaffold inspect` on the N-file tree
- the floor for each inspected tree: a fresh interpreter that runs `git ls-files --cached
  --others --exclude-standard` and greps every listed file for the stacks' marker words, the
  least any static inspection of the tree must do; the ratio inspect / floor is printed, of
  wall and of CPU time

Each measure is the median wall time, with the median CPU time (user + system, the process
and its children) beside it: on a shared machine, CPU time moves less with the load. The tool's
bytecode is compiled first, as an installed tool's is (a stale `.pyc`, say after an edit under
PYTHONDONTWRITEBYTECODE, would otherwise be recompiled in every run).

Usage: python benchmarks/bench_inspect.py [--files 100000] [--repeat 11] [--json]
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FIXTURE = ROOT / "fixtures" / "flask-login"


def build_tree(target: Path, files: int) -> Path:
    """The fixture plus app modules and templates (2%), node_modules (68%) and .venv (30%)."""
    marker = target / ".bench-files"
    if marker.exists() and marker.read_text() == str(files):
        return target
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(FIXTURE, target)
    existing = sum(1 for p in target.rglob("*") if p.is_file())
    remaining = max(files - existing, 0)
    app_files = remaining // 50
    venv_files = remaining * 30 // 100
    node_files = remaining - app_files - venv_files
    for i in range(app_files):
        if i % 2:
            page = target / "app" / "templates" / "pages" / f"page_{i}.html"
            page.parent.mkdir(parents=True, exist_ok=True)
            page.write_text(
                '{% extends "base.html" %}\n{% block content %}<p>'
                + str(i)
                + "</p>{% endblock %}\n"
            )
        else:
            module = target / "app" / "reports" / f"report_{i}.py"
            module.parent.mkdir(parents=True, exist_ok=True)
            module.write_text(
                "from flask import render_template\n\n\n"
                f"def report_{i}(rows):\n    return render_template('pages/page_{i + 1}.html',"
                " rows=rows)\n"
            )
    for i in range(node_files):
        path = target / "node_modules" / f"pkg{i // 40}" / "lib" / f"m{i % 40}.js"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"module.exports = {i};\n")
    for i in range(venv_files):
        site = target / ".venv" / "lib" / "python3.11" / "site-packages"
        path = site / f"p{i // 40}" / f"m{i % 40}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"X = {i}\n")
    (target / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    with (target / ".gitignore").open("a") as fh:
        fh.write("node_modules/\n.venv/\n")
    if shutil.which("git") and not (target / ".git").exists():
        subprocess.run(["git", "init", "-q", str(target)], check=True)
    marker.write_text(str(files))
    return target


# Runs the CLI and records the process's own peak RSS (VmHWM belongs to the process's address
# space since exec; rusage's maxrss would also count the parent's memory before the exec).
PEAK_WRAPPER = """
import atexit, os, sys
def _peak():
    with open("/proc/self/status") as status, open(os.environ["BCB_BENCH_PEAK"], "w") as out:
        out.write(next(l.split()[1] for l in status if l.startswith("VmHWM:")))
atexit.register(_peak)
sys.argv = ["bcb-scaffold", *sys.argv[1:]]
from scaffolder.cli import main
main()
"""


def measure(argv: list[str], cwd: Path | None = None) -> tuple[float, float, float | None]:
    """(wall seconds, CPU seconds, peak RSS MiB or None) of one run of `argv` in a fresh
    process."""
    peak_file = HERE / "out" / ".peak"
    peak_file.unlink(missing_ok=True)
    env = {**os.environ, "BCB_BENCH_PEAK": str(peak_file)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    if result.returncode not in (0, 4):
        raise SystemExit(f"{argv} exited {result.returncode}: {result.stderr.decode()[-500:]}")
    peak = int(peak_file.read_text()) / 1024 if peak_file.exists() else None
    return wall, cpu, peak


CLI = [sys.executable, "-c", PEAK_WRAPPER]

# The floor: start an interpreter, list the project's files the way git does, grep each one.
FLOOR_SCRIPT = """
import os, re, subprocess, sys
root = sys.argv[1]
listed = subprocess.run(
    ["git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
    capture_output=True, check=True,
).stdout
marker = re.compile(rb"flask|django|fastapi|starlette|next|express|wp_|add_action")
hits = 0
for rel in listed.split(b"\\0"):
    if rel:
        try:
            with open(os.path.join(root.encode(), rel), "rb") as fh:
                hits += marker.search(fh.read()) is not None
        except OSError:
            pass
print(hits)
"""
FLOOR = [sys.executable, "-c", FLOOR_SCRIPT]


def median(argv: list[str], repeat: int, cwd: Path | None = None) -> dict[str, float | None]:
    measure(argv, cwd)  # warm the file system cache
    runs = [measure(argv, cwd) for _ in range(repeat)]
    peaks = [r[2] for r in runs if r[2] is not None]
    return {
        "seconds": round(statistics.median(r[0] for r in runs), 3),
        "cpu_seconds": round(statistics.median(r[1] for r in runs), 3),
        "peak_mib": round(max(peaks), 1) if peaks else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=11)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    tree = build_tree(HERE / "out" / f"tree-{args.files}", args.files)
    compileall.compile_dir(ROOT / "scaffolder", quiet=1)
    count = sum(1 for p in tree.rglob("*") if p.is_file() and ".git" not in p.parts)
    results: dict[str, Any] = {
        "files": count,
        "version": median([*CLI, "--version"], args.repeat),
        "inspect_typical_app": median([*CLI, "inspect", "--json", str(FIXTURE)], args.repeat),
        "inspect_large_tree": median([*CLI, "inspect", "--json", str(tree)], args.repeat),
    }
    if shutil.which("git"):
        results["floor_typical_app"] = median([*FLOOR, str(FIXTURE)], args.repeat)
        results["floor_large_tree"] = median([*FLOOR, str(tree)], args.repeat)
        for what in ("typical_app", "large_tree"):
            inspected, floor = results[f"inspect_{what}"], results[f"floor_{what}"]
            results[f"ratio_{what}"] = round(inspected["seconds"] / floor["seconds"], 1)
            results[f"cpu_ratio_{what}"] = round(inspected["cpu_seconds"] / floor["cpu_seconds"], 1)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"| measure ({count:,} files in the large tree) | wall (median) | CPU | peak memory |")
    print("|---|---|---|---|")
    for name, row in results.items():
        if isinstance(row, dict):
            peak = f"{row['peak_mib']:.0f} MiB" if row["peak_mib"] is not None else "-"
            wall, cpu = row["seconds"] * 1000, row["cpu_seconds"] * 1000
            print(f"| {name} | {wall:.0f} ms | {cpu:.0f} ms | {peak} |")
    for what in ("typical_app", "large_tree"):
        if f"ratio_{what}" in results:
            ratio, cpu = results[f"ratio_{what}"], results[f"cpu_ratio_{what}"]
            print(f"\ninspect / floor, {what}: {ratio}x (CPU time: {cpu}x)")


if __name__ == "__main__":
    main()
