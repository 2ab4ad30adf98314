"""WordPress: the patched theme / must-use plugin run under the php CLI with the stand-ins of
tests/php/, for a visitor and a logged-in user; the printed page is parsed."""

from __future__ import annotations

import subprocess

import pytest

from tests.hostile.markup import Page, html_page
from tests.hostile.sandbox import Sandbox
from tests.test_wordpress_e2e import ADA, php


def _lint(sb: Sandbox, *files: str) -> None:
    for rel in files:
        lint = subprocess.run(
            ["php", "-l", str(sb.root / rel)], capture_output=True, text=True, timeout=60
        )
        assert lint.returncode == 0, lint.stdout + lint.stderr


def classic_pages(sb: Sandbox, mp: pytest.MonkeyPatch) -> list[Page]:
    """wp-classic-theme (its own tag removed): footer.php rendered, wp_footer printing the tag."""
    _lint(sb, "functions.php")
    page = {
        "require": [str(sb.root / "functions.php")],
        "page": True,
        "template": str(sb.root / "footer.php"),
    }
    visitor = php({**page, "user": None}, theme_dir=sb.root)["html"]
    member = php({**page, "user": ADA}, theme_dir=sb.root)["html"]
    return [
        html_page("footer.php (visitor)", visitor, inline=True),
        html_page("footer.php (logged in)", member, signed_in=True, inline=True),
    ]


def cached_pages(sb: Sandbox, mp: pytest.MonkeyPatch) -> list[Page]:
    """wp-cached-site: the must-use plugin prints the tag without a token (the page is cached);
    the identity script fetches it."""
    plugins = (sb.root / "wp-content/mu-plugins").glob("*.php")
    mu = sorted(p.relative_to(sb.root).as_posix() for p in plugins)
    _lint(sb, *mu)
    page = {"require": [str(sb.root / p) for p in mu], "page": True}
    return [
        html_page("wp_footer (visitor)", php({**page, "user": None})["html"]),
        html_page("wp_footer (logged in)", php({**page, "user": ADA})["html"], signed_in=True),
    ]
