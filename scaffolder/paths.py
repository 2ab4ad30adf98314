"""Path and URL helpers every stack's finders share."""

from __future__ import annotations

import re

_TEST_PATH = re.compile(r"(^|/)(tests?|testing|examples?|docs)/|(^|/)(test_[^/]*|conftest)\.py$")


def is_test_path(path: str) -> bool:
    """A file of the test suite, the examples or the docs: apps built there are not the app
    (a stack adds its own conventions in its finders: Django's `tests.py`, `fixtures/`)."""
    return bool(_TEST_PATH.search(path))


def common_prefix(prefixes: list[str]) -> str | None:
    """The URL path segments every prefix starts with (`/api/v1`, `/api/v2` -> `/api`)."""
    if not prefixes:
        return None
    parts = [p.strip("/").split("/") for p in prefixes]
    common = []
    for segment in zip(*parts, strict=False):
        if len(set(segment)) != 1:
            break
        common.append(segment[0])
    return "/" + "/".join(common) if common else None
