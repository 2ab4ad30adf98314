"""The deepest check each stack allows here, on the throw-away database servers a recipe names
(services.py): one module per stack (deep_python.py for Flask, Django and FastAPI,
deep_nextjs.py, deep_express.py, deep_wordpress.py). An app whose check cannot run reports
"skip" with the reason: the corpus's own (`verify = "..."`), a missing recipe, a server this
machine lacks, or what stopped it (an install, a crash before the token was reached). Only a
check that ran and passed is "pass".
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from . import deep_express, deep_nextjs, deep_python, deep_wordpress
from .corpus import App

if TYPE_CHECKING:
    from .levels import Level


def verify(
    app: App, checkout: Path, root: Path, work: Path, bcb: Path, changed: list[str]
) -> Level:
    from .levels import Level

    if app.verify:
        return Level("skip", app.verify)
    if app.stack == "wordpress":
        return deep_wordpress.verify(root, bcb, changed)
    if app.stack == "nextjs":
        return deep_nextjs.verify(app, checkout, root, work, changed)
    if app.stack == "express":
        return deep_express.verify(app, root, work, changed)
    return deep_python.verify(app, checkout, root, work, changed)
