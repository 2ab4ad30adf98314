from __future__ import annotations

import pytest

from scaffolder.python.style import preferred_quote, requote


@pytest.mark.parametrize(
    ("code", "quote"),
    [
        pytest.param("a = 'x'\nb = 'y'\nc = \"z\"\n", "'", id="mostly-single"),
        pytest.param("a = \"x\"\nb = 'y'\n", '"', id="tie-prefers-double"),
        pytest.param('"""Doc."""\na = \'x\'\n', "'", id="docstrings-do-not-count"),
        pytest.param("def (:\n", '"', id="unparseable"),
    ],
)
def test_preferred_quote(code: str, quote: str) -> None:
    assert preferred_quote(code) == quote


def test_requote_rewrites_simple_strings_only() -> None:
    code = '"""Doc "quoted"."""\nx = {"a": "b"}\ny = "it\'s"\nz = f"{x}"\nw = "a\\n"\n'
    assert requote(code, "'") == (
        '"""Doc "quoted"."""\nx = {\'a\': \'b\'}\ny = "it\'s"\nz = f"{x}"\nw = "a\\n"\n'
    )


def test_requote_noop_for_double() -> None:
    assert requote('x = "a"\n', '"') == 'x = "a"\n'
