"""Every JS / TS file bcb-scaffold generates (Next.js and Express fixtures), restyled for every
combination of the Prettier options a project may set: it still parses, it means the same
program as the canonical template output (same syntax tree, strings compared by value), and
reading its style back gives the style it was written in."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from tree_sitter import Node

from scaffolder import engine
from scaffolder.js.style import Style, detect, project_style, restyle
from scaffolder.js.syntax import Source, string_value
from scaffolder.model import Answers
from scaffolder.project import Project
from scaffolder.treesitter import syntax_error
from tests.helpers import FIXTURES, copy_fixture

FIXTURE_NAMES = sorted(
    p.name for p in FIXTURES.iterdir() if p.name.startswith(("nextjs-", "express-"))
)
OPTIONS = [
    {
        "semi": semi,
        "singleQuote": single,
        "trailingComma": comma,
        "tabWidth": width,
        "useTabs": tabs,
        "printWidth": print_width,
    }
    for semi, single, comma, (width, tabs), print_width in itertools.product(
        (True, False), (False, True), ("all", "es5", "none"), ((2, False), (4, False), (4, True)),
        (80, 120),
    )
]  # fmt: skip
SHARED_BROWSER_SCRIPT = "bestchatbot-identity.js"
SAMPLE_PATH = {"javascript": "x.js", "typescript": "x.ts", "tsx": "x.tsx"}


def generated(tmp_path: Path, fixture: str, prettierrc: str) -> dict[str, tuple[str, str]]:
    """The files a plan of `fixture` creates (path -> language, text) under that config."""
    root = copy_fixture(fixture, tmp_path)
    (root / ".prettierrc").write_text(prettierrc)
    result = engine.plan(root, Answers(api_key="pk_roundtrip"))
    return {
        e.path: (e.language, e.after)
        for e in result.plan.edits
        if e.before is None and e.language in SAMPLE_PATH
    }


def shape(code: str, language: str) -> list[tuple[str, str]]:
    """The program's syntax tree as (node type, leaf text) in order: punctuation that style
    changes (`;`, `,`, quotes, indentation) leaves it alone, a changed meaning does not."""
    source = Source.of(SAMPLE_PATH[language], code)
    out: list[tuple[str, str]] = []

    def visit(node: Node) -> None:
        if node.type == "string":
            out.append(("string", string_value(source, node) or ""))
            return
        if node.is_named:
            leaf = node.child_count == 0 or node.type == "comment"
            out.append((node.type, source.text_of(node).strip() if leaf else ""))
        if node.type != "comment":
            for child in node.children:
                visit(child)

    visit(source.root)
    return out


def style_of(tmp_path: Path, options: dict[str, object], config: str) -> Style:
    """The style a project with these Prettier options gets (through the real config reader:
    `.prettierrc` JSON or a `prettier.config.mjs` module)."""
    project_dir = tmp_path / "style"
    project_dir.mkdir(exist_ok=True)
    for old in project_dir.iterdir():
        old.unlink()
    if config == "json":
        (project_dir / ".prettierrc").write_text(json.dumps(options))
    else:
        body = ",\n".join(f"  {k}: {json.dumps(v)}" for k, v in options.items())
        (project_dir / "prettier.config.mjs").write_text(f"export default {{\n{body},\n}};\n")
    return project_style(Project(project_dir), ".", [])


@pytest.mark.parametrize("fixture", FIXTURE_NAMES)
def test_generated_files_survive_every_prettier_style(tmp_path: Path, fixture: str) -> None:
    canonical = generated(tmp_path / "canonical", fixture, "{}\n")
    assert canonical, f"{fixture}: the plan creates no JS / TS file"
    failures: list[str] = []
    for n, options in enumerate(OPTIONS):
        style = style_of(tmp_path, options, "json" if n % 2 else "module")
        assert style.semicolons is options["semi"]
        assert (style.quote == "'") is options["singleQuote"]
        for path, (language, code) in canonical.items():
            out = restyle(code, style, language)
            error = syntax_error(out, language)
            if error is not None:
                failures.append(f"{path} {options}: does not parse ({error})")
            elif shape(out, language) != shape(code, language):
                failures.append(f"{path} {options}: no longer the same program")
            elif detect(out, language, fallback=style) != style:
                failures.append(f"{path} {options}: reads back as {detect(out, language)}")
    assert not failures, "\n".join(failures[:10])


@pytest.mark.parametrize("fixture", FIXTURE_NAMES)
def test_plan_follows_a_no_semicolon_single_quote_tab_config(tmp_path: Path, fixture: str) -> None:
    rc = json.dumps({"semi": False, "singleQuote": True, "useTabs": True, "printWidth": 100})
    files = generated(tmp_path, fixture, rc)
    want = Style("'", False, "\t", True, "\n")
    for path, (language, code) in files.items():
        if fixture.startswith("express-") and path.endswith(SHARED_BROWSER_SCRIPT):
            continue  # one static asset for every server-rendered stack, written as it is
        assert syntax_error(code, language) is None, path
        assert detect(code, language, fallback=want) == want, path


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        pytest.param(
            "type U = { email: string; name?: string | null };\n",
            "type U = { email: string; name?: string | null }\n",
            id="one-line type literal keeps its separators",
        ),
        pytest.param(
            "type U = { a: string; /* why */ b: number; };\n",
            "type U = { a: string; /* why */ b: number }\n",
            id="a comment between members, trailing separator dropped",
        ),
        pytest.param(
            "interface W {\n  set(token: string): void;\n  clear(): void;\n}\n",
            "interface W {\n  set(token: string): void\n  clear(): void\n}\n",
            id="one member a line: separators dropped",
        ),
        pytest.param(
            "let f: { (x: number): void; new (): W };\n",
            "let f: { (x: number): void; new (): W }\n",
            id="call and construct signatures on one line",
        ),
    ],
)
def test_type_members_without_semicolons(code: str, expected: str) -> None:
    out = restyle(code, Style(semicolons=False), "typescript")
    assert out == expected
    assert syntax_error(out, "typescript") is None
