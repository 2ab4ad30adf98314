"""The fixtures the hostile answers are tried on, and how each one's patched output is run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.hostile import (
    render_django,
    render_express,
    render_fastapi,
    render_flask,
    render_nextjs,
    render_wordpress,
)
from tests.hostile.markup import WIDGET, Page, html_page
from tests.hostile.sandbox import Sandbox
from tests.test_express_e2e import NUNJUCKS_APP

Pages = Callable[[Sandbox, pytest.MonkeyPatch], list[Page]]
Run = Callable[[Sandbox, pytest.MonkeyPatch], None]


@dataclass(frozen=True)
class Route:
    """A call in a patched file whose argument holds the prefix: it must be one string literal.
    `arg` is a keyword name, or None for the first positional argument."""

    file: str
    call: str
    arg: str | None = None


@dataclass(frozen=True)
class Endpoint:
    """What a prefix changes: the browser script's ENDPOINT, the route, the running app."""

    script: str
    routes: tuple[Route, ...]
    run: Run | None
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Target:
    fixture: str
    language: str
    user: str
    """The expression root the stack allows (the signed-in user)."""
    layout_dir: str
    layout_suffix: str
    pages: Pages | None = None
    """Wall 2: render the pages that carry the widget tag (for the API key)."""
    endpoint: Endpoint | None = None
    """Wall 2: where the API prefix goes."""
    spa_script: str | None = None
    """Wall 2: the browser script holding `bearerToken = () => <--spa-token>`."""
    strip_tag: str | None = None
    """Wall 2: remove the fixture's own widget tag from this file, so the API key is written."""
    files: dict[str, str] | None = None
    """A project built from these files instead of a fixture copy."""
    wall_one: bool = True

    @property
    def stack(self) -> str:
        return self.fixture.split("-")[0]

    def sandbox(self, tmp: Path, *, stripped: bool = False) -> Sandbox:
        strip = self.strip_tag if stripped else None
        return Sandbox(
            tmp,
            self.fixture,
            files=self.files,
            prepare=(lambda root: _strip_widget(root / strip)) if strip else None,
        )


def _strip_widget(path: Path) -> None:
    lines = path.read_text().splitlines(keepends=True)
    kept = [line for line in lines if WIDGET not in line]
    assert len(kept) < len(lines), f"no widget tag in {path}"
    path.write_text("".join(kept))


def static_page(rel: str) -> Pages:
    """An SPA's page as the browser gets it: the file itself (served as is by Vite / nginx)."""

    def read(sb: Sandbox, mp: pytest.MonkeyPatch) -> list[Page]:
        return [html_page(rel, (sb.root / rel).read_text())]

    return read


TARGETS = (
    Target(
        "flask-login", "python", "current_user", "app/templates", ".html",
        pages=render_flask.login_pages,
    ),
    Target(
        "flask-api", "python", "current_user", "src/taskboard/static", ".html",
        pages=render_flask.api_pages,
        endpoint=Endpoint(
            "src/taskboard/static/js/bestchatbot-identity.js",
            (Route("src/taskboard/__init__.py", "register_blueprint", "url_prefix"),),
            render_flask.api_app,
        ),
    ),
    Target(
        "django-auth", "python", "user", "kitchen/templates/kitchen", ".html",
        pages=render_django.auth_pages,
    ),
    Target(
        "django-drf-spa", "python", "user", "frontend", ".html",
        pages=static_page("frontend/index.html"),
        endpoint=Endpoint(
            "frontend/public/bestchatbot-identity.js",
            (Route("backend/server/urls.py", "path"),),
            render_django.drf_urls,
        ),
    ),
    Target(
        "fastapi-jinja", "python", "user", "app/templates", ".html",
        pages=render_fastapi.jinja_pages,
    ),
    Target(
        "fastapi-oauth2", "python", "user", "frontend", ".html",
        pages=static_page("frontend/index.html"),
        endpoint=Endpoint(
            "frontend/src/bestchatbot-identity.js",
            (Route("backend/app/main.py", "include_router", "prefix"),),
            render_fastapi.oauth2_app,
        ),
        spa_script="frontend/src/bestchatbot-identity.js",
    ),
    Target(
        "nextjs-clerk", "javascript", "user", "app", ".tsx",
        pages=render_nextjs.clerk_layout,
        endpoint=Endpoint("components/bestchatbot-identity.tsx", (), None),
    ),
    Target(
        "express-passport-ejs", "javascript", "req.user", "views", ".ejs",
        pages=render_express.ejs_pages,
        endpoint=Endpoint(
            "public/bestchatbot-identity.js",
            (Route("app.js", "get"),),
            render_express.ejs_app,
            ("--delivery", "token-endpoint"),
        ),
    ),
    Target(
        "express-passport-pug", "javascript", "req.user", "views", ".pug",
        pages=render_express.pug_pages,
    ),
    Target(
        "express-session-hbs", "javascript", "req.session.user", "src/views/layouts", ".hbs",
        pages=render_express.handlebars_pages,
        strip_tag="src/views/layouts/main.hbs",
    ),
    Target(
        "express-nunjucks", "javascript", "req.session.user", "templates", ".njk",
        pages=render_express.nunjucks_pages,
        files=NUNJUCKS_APP,
        wall_one=False,
    ),
    Target(
        "wp-classic-theme", "php", "$user", ".", ".php",
        pages=render_wordpress.classic_pages,
        strip_tag="footer.php",
    ),
    Target(
        "wp-cached-site", "php", "$user", "wp-content/themes/harbor-child", ".php",
        pages=render_wordpress.cached_pages,
    ),
)  # fmt: skip
