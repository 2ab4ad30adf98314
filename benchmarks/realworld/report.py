"""Per-app results and the per-stack summary, as Markdown (for the README) and JSON."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from .corpus import STACKS
from .levels import Result

LEVELS = (
    ("inspected", "inspected right"),
    ("applied", "applied cleanly"),
    ("verified", "verified by running"),
)


def _cell(passed: int, total: int) -> str:
    return f"{passed}/{total} ({100 * passed // total if total else 0}%)"


def summary(results: list[Result]) -> list[dict[str, Any]]:
    rows = []
    for stack in (*STACKS, "all"):
        mine = [r for r in results if stack in ("all", r.stack)]
        if not mine:
            continue
        row: dict[str, Any] = {"stack": stack, "apps": len(mine)}
        for level, _ in LEVELS:
            row[level] = sum(getattr(r, level).status == "pass" for r in mine)
        rows.append(row)
    return rows


def markdown(results: list[Result], date: str, commit: str) -> str:
    lines = [
        "# bcb-scaffold on real-world apps",
        "",
        f"Measured {date} with bcb-scaffold at commit `{commit}` "
        f"({len(results)} apps of `benchmarks/realworld/corpus.toml`).",
        "",
        "| stack | apps | " + " | ".join(title for _, title in LEVELS) + " |",
        "|---|---|" + "---|" * len(LEVELS),
    ]
    for row in summary(results):
        cells = [_cell(row[level], row["apps"]) for level, _ in LEVELS]
        name = "**all**" if row["stack"] == "all" else row["stack"]
        lines.append(f"| {name} | {row['apps']} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Not verified counts every app whose deep check did not run (what it needs that this",
        "machine lacks: a server, an interpreter, a package source), as well as the ones that",
        "failed.",
        "",
        "## Per app",
        "",
        "| app | stack | inspect | apply | verify | first failure |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        levels = [getattr(r, level) for level, _ in LEVELS]
        first = next((lv.reason for lv in levels if lv.status == "fail"), "")
        if not first:
            first = next((lv.reason for lv in levels if lv.reason), "")
        first = first.replace("|", "\\|")
        marks = " | ".join(lv.status for lv in levels)
        lines.append(f"| {r.id} | {r.stack} | {marks} | {first} |")
    return "\n".join(lines) + "\n"


def write_json(results: list[Result], date: str, commit: str, out: Path) -> None:
    document = {
        "date": date,
        "commit": commit,
        "summary": summary(results),
        "apps": [dataclasses.asdict(r) for r in results],
    }
    out.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
