"""Jinja2 rendering of the templates of generated files (`templates/` in the source tree,
`scaffolder/templates/` inside the wheel)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from scaffolder import escape


def templates_dir() -> Path:
    here = Path(__file__).resolve().parent
    for candidate in (here / "templates", here.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("bcb-scaffold's templates are missing from this installation")


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # Autoescape is off (the output is code): a value from an answer or from the project goes
    # through the filter naming where it lands, e.g. `{{ endpoint | js_str }}`.
    env.filters.update(
        html_attr=escape.html_attr,
        js_str=escape.js_str,
        js_comment=escape.js_comment,
        py_str=escape.py_str,
        py_doc=escape.py_doc,
        php_str=escape.php_str,
    )
    return env


def render(template: str, **context: Any) -> str:
    return _environment().get_template(template).render(**context)
