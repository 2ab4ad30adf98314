"""`bcb-scaffold check` on a corpus of hand-written integrations (tests/check_corpus/<stack>/
<case>/, each a small project): clean ones, ones with exactly one planted violation each, and
near misses that look suspicious but are correct.

A planted violation is marked on its own line with `expect: <rule-id>` in a comment of the
file's language (`# expect: key-literal`, `// expect: exp-missing`, `<!-- expect: ... -->`);
several rules on one line are comma-separated. The findings must be exactly the marked
(file, line, rule) triples: every violation flagged at its line, nothing else flagged.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scaffolder import check
from scaffolder.check.rules import RULES
from scaffolder.project import Project

CORPUS = Path(__file__).resolve().parent / "check_corpus"
MARK = re.compile(r"expect:\s*([a-z0-9-]+(?:\s*,\s*[a-z0-9-]+)*)")
CASES = sorted(p for p in CORPUS.glob("*/*") if p.is_dir())


def expected(case: Path) -> set[tuple[str, int, str]]:
    out = set()
    for path in sorted(case.rglob("*")):
        if not path.is_file():
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            match = MARK.search(line)
            if match:
                for rule in re.split(r"\s*,\s*", match.group(1)):
                    assert rule in RULES, f"{path}:{number}: unknown rule {rule}"
                    out.add((path.relative_to(case).as_posix(), number, rule))
    return out


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}/{c.name}" for c in CASES])
def test_case(case: Path) -> None:
    report = check.run(Project(case))
    found = {(v.file, v.line, v.rule) for v in report.violations}
    assert found == expected(case), "\n".join(
        f"{v.file}:{v.line}: {v.rule}: {v.message}" for v in report.violations
    )
    if case.name.startswith(("clean", "near-miss")):
        assert report.found, "a clean case is an integration: its sites must be found"
        assert report.ok


def test_the_corpus_plants_every_rule() -> None:
    planted = {rule for case in CASES for _, _, rule in expected(case)}
    assert planted == set(RULES), f"no planted case for: {sorted(set(RULES) - planted)}"


def test_every_case_of_a_violation_plants_exactly_one() -> None:
    for case in CASES:
        if case.name.startswith("violation"):
            assert len(expected(case)) == 1, case
