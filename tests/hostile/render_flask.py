"""Flask: the patched app from its own factory, pages fetched with Flask's test client."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import imported
from tests.hostile.markup import Page, html_page
from tests.hostile.sandbox import Sandbox


def login_pages(sb: Sandbox, mp: pytest.MonkeyPatch) -> list[Page]:
    """flask-login: the home page for a visitor, then for a member signed in through the app's
    own login form."""
    mp.setenv("DATABASE_URL", f"sqlite:///{sb.work / 'bookclub.db'}")
    with imported(sb.root, "app") as pkg:
        from app.extensions import db  # type: ignore[import-not-found]
        from app.models import User  # type: ignore[import-not-found]

        app = pkg.create_app()
        with app.app_context():
            db.create_all()
            ada = User(username="ada", email="ada@example.com", display_name="Ada Lovelace")
            ada.set_password("analytical-engine")
            db.session.add(ada)
            db.session.commit()
        client = app.test_client()
        anonymous = client.get("/").text
        login = client.post(
            "/auth/login", data={"email": "ada@example.com", "password": "analytical-engine"}
        )
        assert login.status_code == 302, login.text
        signed_in = client.get("/").text
    return [
        html_page("GET / (visitor)", anonymous, inline=True),
        html_page("GET / (signed in)", signed_in, signed_in=True, inline=True),
    ]


def _taskboard(sb: Sandbox) -> Any:
    return {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{sb.work / 'tb.db'}"}


def api_pages(sb: Sandbox, mp: pytest.MonkeyPatch) -> list[Page]:
    """flask-api: the SPA shell the app serves (the token comes from the endpoint)."""
    with imported(sb.root / "src", "taskboard") as taskboard:
        client = taskboard.create_app(_taskboard(sb)).test_client()
        with client.get("/") as response:
            shell = response.text
    return [html_page("GET / (SPA shell)", shell)]


def api_app(sb: Sandbox, mp: pytest.MonkeyPatch) -> None:
    """flask-api: the patched package imports and its factory builds the app (the endpoint's
    blueprint registered under the prefix)."""
    with imported(sb.root / "src", "taskboard") as taskboard:
        app = taskboard.create_app(_taskboard(sb))
        assert "bestchatbot" in app.blueprints
