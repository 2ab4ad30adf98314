"""Source style: detection per file and per project, and restyling generated code."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffolder.js.style import DEFAULT, Style, detect, project_style, restyle
from scaffolder.project import Project


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        pytest.param(
            'import a from "a";\n\nexport function f() {\n  return a("x");\n}\n',
            "typescript",
            Style('"', True, "  ", True, "\n"),
            id="prettier defaults",
        ),
        pytest.param(
            "import a from 'a'\n\nexport function f() {\n    return a('x')\n}\n",
            "javascript",
            Style("'", False, "    ", True, "\n"),
            id="standard style, four spaces",
        ),
        pytest.param(
            "const a = {\r\n\tb: 'c',\r\n\td: \"it's\"\r\n};\r\n",
            "javascript",
            Style("'", True, "\t", False, "\r\n"),
            id="tabs, CRLF, no trailing comma, a string that needs double quotes ignored",
        ),
        pytest.param(
            '<html lang="en">\n',
            "javascript",
            DEFAULT,
            id="JSX attribute quotes do not count",
        ),
    ],
)
def test_detect(text: str, language: str, expected: Style) -> None:
    assert detect(text, language) == expected


CANONICAL = """\
"use client";

import { useEffect } from "react";

const ENDPOINT = "/api/widget-token";

export default function Identity() {
  useEffect(() => {
    const options = {
      cache: "no-store",
      headers: { Accept: "application/json" },
    };
    (async () => {
      await fetch(ENDPOINT, options);
    })();
  }, []);
  return <div className="x">{"it's"}</div>;
}
"""


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        pytest.param(DEFAULT, CANONICAL, id="defaults: unchanged"),
        pytest.param(
            Style("'", False, "    ", False, "\n"),
            """\
'use client'

import { useEffect } from 'react'

const ENDPOINT = '/api/widget-token'

export default function Identity() {
    useEffect(() => {
        const options = {
            cache: 'no-store',
            headers: { Accept: 'application/json' }
        };
        (async () => {
            await fetch(ENDPOINT, options)
        })()
    }, [])
    return <div className="x">{"it's"}</div>
}
""",
            id="single quotes, no semis except before a paren, 4 spaces, no trailing commas",
        ),
        pytest.param(
            Style('"', True, "\t", True, "\r\n"),
            CANONICAL.replace("  ", "\t").replace("\n", "\r\n"),
            id="tabs and CRLF",
        ),
    ],
)
def test_restyle(style: Style, expected: str) -> None:
    assert restyle(CANONICAL, style, "tsx") == expected


def test_string_literal() -> None:
    assert Style("'").string("a") == "'a'"
    assert Style("'").string("it's") == '"it\'s"'
    assert Style('"').string('say "hi"') == "'say \"hi\"'"


def test_project_style_prefers_prettier(tmp_path: Path) -> None:
    (tmp_path / ".prettierrc").write_text('{ "singleQuote": true, "semi": false }\n')
    (tmp_path / "a.ts").write_text('import a from "a";\n')
    style = project_style(Project(tmp_path), ".", ["a.ts"])
    assert style == Style("'", False, "  ", True, "\n")


def test_project_style_prettier_in_package_json(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text(
        '{"prettier": {"useTabs": true, "trailingComma": "none"}}'
    )
    style = project_style(Project(tmp_path), "src", [])
    assert style == Style('"', True, "\t", False, "\n")


def test_project_style_prettier_js_config(tmp_path: Path) -> None:
    (tmp_path / "prettier.config.mjs").write_text(
        "export default {\n  singleQuote: true,\n  tabWidth: 4,\n};\n"
    )
    style = project_style(Project(tmp_path), ".", [])
    assert (style.quote, style.indent, style.semicolons) == ("'", "    ", True)


def test_project_style_from_samples(tmp_path: Path) -> None:
    for name in ("a.js", "b.js"):
        (tmp_path / name).write_text("const a = require('a')\nif (a) {\n    a()\n}\n")
    (tmp_path / "c.js").write_text('const c = "c";\n')
    style = project_style(Project(tmp_path), ".", ["a.js", "b.js", "c.js"])
    assert style == Style("'", False, "    ", True, "\n")


def test_project_style_without_samples(tmp_path: Path) -> None:
    assert project_style(Project(tmp_path), ".", []) == DEFAULT
