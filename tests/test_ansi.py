"""Styles are kept on a terminal only, and never under NO_COLOR."""

from __future__ import annotations

import io

import pytest

from scaffolder.ansi import for_stream, style, unstyle


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_style_and_unstyle_round_trip() -> None:
    styled = style("warning", fg="yellow", bold=True)
    assert styled == "\033[1;33mwarning\033[0m"
    assert unstyle(styled) == "warning"
    assert style("plain") == "plain"


@pytest.mark.parametrize(
    ("stream", "no_color", "kept"),
    [
        pytest.param(_Terminal(), None, True, id="terminal"),
        pytest.param(_Terminal(), "1", False, id="terminal-no-color"),
        pytest.param(io.StringIO(), None, False, id="pipe"),
    ],
)
def test_for_stream(
    monkeypatch: pytest.MonkeyPatch, stream: io.StringIO, no_color: str | None, kept: bool
) -> None:
    if no_color is None:
        monkeypatch.delenv("NO_COLOR", raising=False)
    else:
        monkeypatch.setenv("NO_COLOR", no_color)
    text = style("1. Stack", bold=True)
    assert for_stream(text, stream) == (text if kept else "1. Stack")
