"""Django: the patched project in a fresh interpreter (settings are process-wide), over a
throwaway SQLite database: pages rendered through its own templates and context processors, or
its URL conf imported and the widget-token route read back.

This module is also the driver: `python -m tests.hostile.render_django PROJECT SETTINGS SCENARIO
WORK` prints what it saw as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import ROOT
from tests.hostile.markup import Page, html_page
from tests.hostile.sandbox import Sandbox


def _drive(project: Path, settings: str, scenario: str, work: Path) -> dict[str, Any]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(ROOT)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        [sys.executable, "-m", "tests.hostile.render_django", str(project), settings, scenario,
         str(work)],
        cwd=work, env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-4000:]
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


def auth_pages(sb: Sandbox, mp: pytest.MonkeyPatch) -> list[Page]:
    """django-auth: the home page for a visitor, then for a user signed in through the
    project's own login view."""
    seen = _drive(sb.root, "recipebox.settings", "pages", sb.work)
    return [
        html_page("GET / (visitor)", seen["anonymous"], inline=True),
        html_page("GET / (signed in)", seen["signed_in"], signed_in=True, inline=True),
    ]


def drf_urls(sb: Sandbox, mp: pytest.MonkeyPatch) -> None:
    """django-drf-spa: the patched URL conf and token module import; the route is where the
    prefix says."""
    seen = _drive(sb.root / "backend", "server.settings", "urls", sb.work)
    assert seen["route"].endswith("widget-token"), seen


# -- the driver: runs inside the subprocess --------------------------------------------------------


def _pages() -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    get_user_model().objects.create_user("ada", "ada@example.com", "analytical-engine")
    client = Client()
    seen = {"anonymous": client.get("/").text}
    login = client.post("/accounts/login/", {"username": "ada", "password": "analytical-engine"})
    assert login.status_code == 302, login.text
    seen["signed_in"] = client.get("/").text
    return seen


def _urls() -> dict[str, Any]:
    from django.urls import URLPattern, URLResolver, get_resolver

    def routes(patterns: list[Any], prefix: str) -> dict[str, str]:
        out = {}
        for p in patterns:
            if isinstance(p, URLResolver):
                out.update(routes(p.url_patterns, prefix + str(p.pattern)))
            elif isinstance(p, URLPattern) and p.name:
                out[p.name] = prefix + str(p.pattern)
        return out

    return {"route": routes(get_resolver().url_patterns, "")["widget-token"]}


def _main(project: str, settings: str, scenario: str, work: str) -> None:
    import django
    from django.core.management import call_command

    from tests.django_driver import OVERLAY

    overlay = Path(work) / "bcb_hostile_settings.py"
    database = str(Path(work) / "hostile.sqlite3")
    overlay.write_text(OVERLAY.format(settings=settings, database=database))
    sys.path[:0] = [project, work]
    os.environ["DJANGO_SETTINGS_MODULE"] = "bcb_hostile_settings"
    django.setup()
    call_command("migrate", verbosity=0)
    print(json.dumps({"pages": _pages, "urls": _urls}[scenario]()))


if __name__ == "__main__":
    _main(*sys.argv[1:])
