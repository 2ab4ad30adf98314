"""Terminal styling: the reports are written with ANSI styles, which the CLI keeps only on a
terminal (and drops under NO_COLOR), so pipes, files and agents get plain text."""

from __future__ import annotations

import os
import re
from typing import IO

_CODES = {
    "bold": 1,
    "red": 31,
    "green": 32,
    "yellow": 33,
    "magenta": 35,
    "cyan": 36,
}
_ANSI = re.compile(r"\033\[[0-?]*[ -/]*[@-~]")


def style(text: str, fg: str | None = None, bold: bool = False) -> str:
    """`text` in colour `fg` (red, green, yellow, magenta, cyan) and / or bold."""
    codes = [str(_CODES["bold"])] if bold else []
    if fg is not None:
        codes.append(str(_CODES[fg]))
    return f"\033[{';'.join(codes)}m{text}\033[0m" if codes else text


def unstyle(text: str) -> str:
    """`text` without its ANSI styles."""
    return _ANSI.sub("", text)


def for_stream(text: str, stream: IO[str]) -> str:
    """`text` as `stream` should get it: styled on a terminal unless NO_COLOR is set."""
    isatty = getattr(stream, "isatty", None)
    if isatty is not None and isatty() and not os.environ.get("NO_COLOR"):
        return text
    return unstyle(text)
