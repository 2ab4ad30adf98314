"""FastAPI: the patched app imported in isolation, pages fetched with FastAPI's TestClient; a
Vite SPA's page is the static index.html the browser gets."""

from __future__ import annotations

import warnings

import pytest
from fastapi.testclient import TestClient

from tests.helpers import imported
from tests.hostile.markup import Page, html_page
from tests.hostile.sandbox import Sandbox

APP_SECRET = "an-app-secret-that-is-long-enough-for-hs256"


def jinja_pages(sb: Sandbox, mp: pytest.MonkeyPatch) -> list[Page]:
    """fastapi-jinja: the home page for a visitor, then for a member signed in through the
    app's own login form (a cookie session)."""
    mp.setenv("RECIPES_SESSION_SECRET", APP_SECRET)
    mp.setenv("RECIPES_DATABASE_URL", f"sqlite:///{sb.work / 'recipes.db'}")
    with imported(sb.root, "app.main") as main, TestClient(main.app) as client:
        from app.database import SessionLocal  # type: ignore[import-not-found]
        from app.models import Member  # type: ignore[import-not-found]

        with SessionLocal() as db:
            julia = Member(email="julia@example.com", first_name="Julia", last_name="Child")
            julia.set_password("bouillabaisse")
            db.add(julia)
            db.commit()
        anonymous = client.get("/").text
        login = client.post(
            "/login",
            data={"email": "julia@example.com", "password": "bouillabaisse"},
            follow_redirects=False,
        )
        assert login.status_code == 303, login.text
        signed_in = client.get("/").text
    return [
        html_page("GET / (visitor)", anonymous, inline=True),
        html_page("GET / (signed in)", signed_in, signed_in=True, inline=True),
    ]


def oauth2_app(sb: Sandbox, mp: pytest.MonkeyPatch) -> None:
    """fastapi-oauth2: the patched backend imports and starts; the token router is mounted."""
    mp.setenv("SECRET_KEY", APP_SECRET)
    mp.setenv("DATABASE_URL", f"sqlite:///{sb.work / 'fieldnotes.db'}")
    from sqlalchemy.exc import SAWarning
    from sqlmodel import SQLModel

    SQLModel.metadata.clear()  # the fixture's tables live in SQLModel's process-wide registry
    with warnings.catch_warnings():
        # Each case imports a fresh copy of the same models into that registry.
        warnings.filterwarnings("ignore", "This declarative base already contains", SAWarning)
        with imported(sb.root / "backend", "app.main") as main, TestClient(main.app):
            paths = list(main.app.openapi()["paths"])
    assert any(p.endswith("/widget-token") for p in paths), paths
