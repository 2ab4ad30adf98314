"""The Pythons that releases of a few common packages run on, for a project that names no Python
(`scaffolder.python.versions`): its exact pins bound the range it can run on, and the code and
pins written for it target the oldest Python in that range.

Django: the table of its FAQ, "What Python version can I use with Django?"
(https://docs.djangoproject.com/en/stable/faq/install/), patch releases that add a Python
included. The others: the `Requires-Python` of their releases on PyPI (a lower bound only).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

Version = tuple[int, ...]

# Each package's name as published.
PACKAGES = {
    "django": "Django",
    "flask": "Flask",
    "fastapi": "FastAPI",
    "werkzeug": "Werkzeug",
    "jinja2": "Jinja2",
    "pillow": "Pillow",
    "djangorestframework": "djangorestframework",
    "sqlalchemy": "SQLAlchemy",
    "pydantic": "pydantic",
    "pyjwt": "PyJWT",
    "authlib": "Authlib",
}
# (package, since release, lowest Python, newest Python or None: no documented limit), oldest
# release first: a pinned release takes the last row at or below it; one older than the first
# row says nothing.
RELEASES: tuple[tuple[str, Version, Version, Version | None], ...] = (
    ("django", (1, 0), (2, 3), (2, 7)),
    ("django", (1, 5), (2, 6), (3, 3)),
    ("django", (1, 7), (2, 7), (3, 4)),
    ("django", (1, 8), (2, 7), (3, 5)),
    ("django", (1, 11), (2, 7), (3, 6)),
    ("django", (1, 11, 17), (2, 7), (3, 7)),
    ("django", (2, 0), (3, 4), (3, 7)),
    ("django", (2, 1), (3, 5), (3, 7)),
    ("django", (2, 2, 8), (3, 5), (3, 8)),
    ("django", (2, 2, 17), (3, 5), (3, 9)),
    ("django", (3, 0), (3, 6), (3, 8)),
    ("django", (3, 0, 11), (3, 6), (3, 9)),
    ("django", (3, 1), (3, 6), (3, 8)),
    ("django", (3, 1, 3), (3, 6), (3, 9)),
    ("django", (3, 2), (3, 6), (3, 9)),
    ("django", (3, 2, 9), (3, 6), (3, 10)),
    ("django", (4, 0), (3, 8), (3, 10)),
    ("django", (4, 1, 3), (3, 8), (3, 11)),
    ("django", (4, 2), (3, 8), (3, 11)),
    ("django", (4, 2, 8), (3, 8), (3, 12)),
    ("django", (5, 0), (3, 10), (3, 12)),
    ("django", (5, 1, 3), (3, 10), (3, 13)),
    ("django", (5, 2), (3, 10), (3, 13)),
    ("django", (5, 2, 8), (3, 10), None),
    ("django", (6, 0), (3, 12), None),
    ("flask", (1, 0), (2, 7), None),
    ("flask", (2, 0), (3, 6), None),
    ("flask", (2, 1), (3, 7), None),
    ("flask", (2, 3), (3, 8), None),
    ("flask", (3, 1), (3, 9), None),
    ("fastapi", (0,), (3, 6), None),
    ("fastapi", (0, 84), (3, 7), None),
    ("fastapi", (0, 104), (3, 8), None),
    ("fastapi", (0, 125), (3, 9), None),
    ("werkzeug", (1, 0), (2, 7), None),
    ("werkzeug", (2, 0), (3, 6), None),
    ("werkzeug", (2, 1), (3, 7), None),
    ("werkzeug", (2, 3), (3, 8), None),
    ("werkzeug", (3, 1), (3, 9), None),
    ("jinja2", (2, 11), (2, 7), None),
    ("jinja2", (3, 0), (3, 6), None),
    ("jinja2", (3, 1), (3, 7), None),
    ("pillow", (6, 0), (2, 7), None),
    ("pillow", (7, 0), (3, 5), None),
    ("pillow", (8, 0), (3, 6), None),
    ("pillow", (9, 0), (3, 7), None),
    ("pillow", (10, 0), (3, 8), None),
    ("pillow", (11, 0), (3, 9), None),
    ("pillow", (12, 0), (3, 10), None),
    ("djangorestframework", (3, 10), (3, 5), None),
    ("djangorestframework", (3, 13), (3, 6), None),
    ("djangorestframework", (3, 15), (3, 8), None),
    ("djangorestframework", (3, 16), (3, 9), None),
    ("sqlalchemy", (1, 4), (2, 7), None),
    ("sqlalchemy", (2, 0), (3, 7), None),
    ("pydantic", (1, 9), (3, 6), None),
    ("pydantic", (1, 10), (3, 7), None),
    ("pydantic", (2, 6), (3, 8), None),
    ("pydantic", (2, 11), (3, 9), None),
    ("pyjwt", (2, 0), (3, 6), None),
    ("pyjwt", (2, 5), (3, 7), None),
    ("pyjwt", (2, 9), (3, 8), None),
    ("pyjwt", (2, 10), (3, 9), None),
    ("authlib", (1, 3), (3, 8), None),
    ("authlib", (1, 7), (3, 10), None),
)


def dotted(version: Version) -> str:
    return ".".join(map(str, version))


@dataclass(frozen=True)
class Pin:
    """An exact pin of one of `PACKAGES` (canonical `name`), and the file that pins it."""

    name: str
    version: Version
    path: str

    def __str__(self) -> str:
        return f"{PACKAGES[self.name]}=={dotted(self.version)}"

    def pythons(self) -> tuple[Version, Version | None] | None:
        """(lowest, newest) Python of the pinned release; None when the table does not say."""
        found = None
        for name, since, lowest, newest in RELEASES:
            if name == self.name and since <= self.version:
                found = (lowest, newest)
        return found


@dataclass(frozen=True)
class PythonRange:
    """The Pythons a project's exact pins allow: from `lowest` (what `floor` needs) to `newest`
    (`ceiling`'s limit; None: no pin sets one)."""

    lowest: Version
    floor: Pin
    newest: Version | None = None
    ceiling: Pin | None = None

    def target(self, oldest_supported: Version) -> Version:
        """The Python to write code and pins for: the range's oldest, raised to
        `oldest_supported`; the range's newest when even that is older (unsupported)."""
        if self.newest is not None and self.newest < oldest_supported:
            return self.newest
        return max(self.lowest, oldest_supported)

    def describe(self) -> str:
        """`Django==2.2.14 runs on Python 3.5 to 3.8`, or the floor's and the ceiling's pins."""
        lowest = dotted(self.lowest)
        if self.ceiling is None or self.newest is None:
            return f"{self.floor} runs on Python {lowest} or later"
        if self.ceiling == self.floor:
            return f"{self.floor} runs on Python {lowest} to {dotted(self.newest)}"
        return (
            f"{self.floor} runs on Python {lowest} or later, "
            f"{self.ceiling} on {dotted(self.newest)} at most"
        )


def python_range(pins: Iterable[Pin]) -> PythonRange | None:
    """The range the pins allow together; None when none of them says. A ceiling below the
    floor (pins that cannot install together) is left out."""
    found: PythonRange | None = None
    ceilings: list[tuple[Version, Pin]] = []
    for pin in pins:
        pythons = pin.pythons()
        if pythons is None:
            continue
        lowest, newest = pythons
        if found is None or lowest > found.lowest:
            found = PythonRange(lowest, pin)
        if newest is not None:
            ceilings.append((newest, pin))
    if found is None:
        return None
    fitting = [c for c in ceilings if c[0] >= found.lowest]
    if not fitting:
        return found
    newest, ceiling = min(fitting, key=lambda c: c[0])
    return PythonRange(found.lowest, found.floor, newest, ceiling)
