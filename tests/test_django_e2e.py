"""End to end on the Django fixtures: apply, then run the patched project for real with Django's
test client, sign in through the app's own login view, verify the token with PyJWT and the key
from the environment; anonymous visitors get none.

Django's settings are process-wide, so each project runs in a subprocess of its own, under
tests/django_driver.py (which migrates a throwaway SQLite database, runs one scenario and prints
what it saw as JSON); the version fixtures run it in pinned environments (tests/py_envs.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import (
    FIXTURES,
    ROOT,
    apply_twice,
    assert_contract,
    assert_missing_key_logged_once,
    copy_fixture,
    run,
    token_in,
    verify,
)
from tests.test_identity_renewal import renewal_script

pytestmark = pytest.mark.e2e
WIDGET = "https://widget.bestchatbot.io/widget/v1/chat.js"
DRIVER = ROOT / "tests/django_driver.py"
NO_TOKEN = {"status": 401, "json": {"token": None}, "no_store": True}


def drive(project: Path, settings: str, scenario: str, tmp: Path) -> dict[str, Any]:
    """Run one scenario against the patched project in a fresh interpreter; `log` is what the
    project wrote to stderr (loggers without a handler of their own end up there)."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        [sys.executable, str(DRIVER), str(project), settings, scenario, str(tmp)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    result["log"] = done.stderr
    return result


def assert_renews(seen: dict[str, Any], **user: str) -> None:
    """The page loads the renewal script right after the widget tag, from the static files the
    project serves, and the endpoint hands the signed-in `user` a fresh token."""
    script = seen["renewal_script"]
    assert script is not None, "no script after the widget tag"
    assert script["src"] == "/static/bestchatbot-identity.js"
    assert script["status"] == 200 and "javascript" in script["content_type"]
    assert script["text"] == renewal_script("/api/widget-token")
    renewed = seen["renewed"]
    assert renewed["status"] == 200 and renewed["no_store"]
    assert_contract(verify(renewed["json"]["token"]), **user)


def test_django_auth(tmp_path: Path, signing_key: str) -> None:
    root = copy_fixture("django-auth", tmp_path)
    apply_twice(root, "--api-key", "pk_test_recipes")
    seen = drive(root, "recipebox.settings", "auth", tmp_path)

    assert WIDGET in seen["anonymous"] and 'data-api-key="pk_test_recipes"' in seen["anonymous"]
    assert token_in(seen["anonymous"]) is None
    assert seen["anonymous_token"] == NO_TOKEN  # a guest's page loads the script, gets nothing
    assert seen["login"] == 302
    ada = token_in(seen["ada"])
    assert ada is not None
    assert_contract(
        verify(ada), email="ada.lovelace@example.com", name="Ada Lovelace", user_id=seen["ada_id"]
    )
    assert_renews(
        seen, email="ada.lovelace@example.com", name="Ada Lovelace", user_id=seen["ada_id"]
    )
    # Another member's recipe page still identifies the signed-in user.
    other = token_in(seen["ada_on_bobs_recipe"])
    assert other is not None and verify(other).payload["user_id"] == seen["ada_id"]
    assert token_in(seen["after_logout"]) is None
    assert seen["after_logout_token"] == NO_TOKEN
    bob = token_in(seen["bob"])
    assert bob is not None
    assert_contract(verify(bob), email="bob@example.com", name="bob", user_id=seen["bob_id"])


def test_django_custom_user_split_settings(tmp_path: Path, signing_key: str) -> None:
    root = copy_fixture("django-custom-user", tmp_path)
    apply_twice(root, "--api-key", "pk_studio")
    assert "widget_token_context" in (root / "config/settings/base.py").read_text()
    assert "bestchatbot" not in (root / "config/settings/dev.py").read_text()
    seen = drive(root, "config.settings.dev", "custom_user", tmp_path)

    assert token_in(seen["anonymous"]) is None and WIDGET in seen["anonymous"]
    assert seen["login"] == 302
    token = token_in(seen["dashboard"])
    assert token is not None
    assert_contract(
        verify(token), email="noor.haddad@example.com", name="Noor Haddad", user_id=seen["id"]
    )
    assert token_in(seen["after_logout"]) is None


def test_django_allauth(tmp_path: Path, signing_key: str) -> None:
    root = copy_fixture("django-allauth", tmp_path)
    before = (root / "templates/base.html").read_text()
    apply_twice(root)  # the widget tag is already there: no API key needed
    assert "pk_live_meetups_4f2a" in (root / "templates/base.html").read_text()
    after = (root / "templates/base.html").read_text()
    assert before.count(WIDGET) == after.count(WIDGET) == 1  # the app's own tag, not a second
    assert after.count("<script") == before.count("<script") + 1  # and the renewal script
    seen = drive(root, "meetups.settings", "allauth", tmp_path)

    assert token_in(seen["anonymous"]) is None and WIDGET in seen["anonymous"]
    assert seen["signup"] == 302
    assert token_in(seen["login_page"]) is None
    assert seen["login"] == 302, seen.get("login_page_after")
    token = token_in(seen["home"])
    assert token is not None
    assert_contract(
        verify(token), email="grace.hopper@navy.mil", name="Grace Hopper", user_id=seen["id"]
    )
    # The project's templates/ belong to no app: the script is in its app's static folder.
    assert (root / "events/static/bestchatbot-identity.js").is_file()
    assert_renews(seen, email="grace.hopper@navy.mil", name="Grace Hopper", user_id=seen["id"])
    # allauth's own pages extend the project's base template: they carry the token too.
    account_page = token_in(seen["email_page"])
    assert account_page is not None and verify(account_page).payload["user_id"] == seen["id"]
    assert token_in(seen["after_logout"]) is None
    assert seen["after_logout_token"] == NO_TOKEN


def test_django_drf_spa(tmp_path: Path, signing_key: str) -> None:
    root = copy_fixture("django-drf-spa", tmp_path)
    apply_twice(root, "--api-key", "pk_taskflow")
    page = (root / "frontend/index.html").read_text()
    assert WIDGET in page and '<script src="/bestchatbot-identity.js"></script>' in page
    script = (root / "frontend/public/bestchatbot-identity.js").read_text()
    assert '"/api/v1/widget-token"' in script
    seen = drive(root / "backend", "server.settings", "drf", tmp_path)

    assert seen["anonymous"] == {"status": 401, "json": {"token": None}, "no_store": True}
    assert seen["login"] == 200
    session = seen["session"]
    assert session["status"] == 200 and session["no_store"]
    assert_contract(
        verify(session["json"]["token"]),
        email="lin.chen@example.org",
        name="Lin Chen",
        user_id=seen["id"],
    )
    # The project's TokenAuthentication works for the endpoint too (a mobile client).
    api_token = seen["api_token"]
    assert api_token["status"] == 200
    assert verify(api_token["json"]["token"]).payload["email"] == "lin.chen@example.org"
    assert seen["after_logout"]["status"] == 401


def test_django_project_package_named_example(tmp_path: Path, signing_key: str) -> None:
    """The project's package is `example/`; its override of allauth's base template is the
    layout of allauth's own pages and of the pages extending allauth's manage layout."""
    root = copy_fixture("django-example-pkg", tmp_path)
    apply_twice(root, "--api-key", "pk_notes")
    layout = (root / "example/templates/allauth/layouts/base.html").read_text()
    assert WIDGET in layout and "data-user-token" in layout
    seen = drive(root, "example.settings", "example_pkg", tmp_path)

    assert WIDGET in seen["anonymous"] and token_in(seen["anonymous"]) is None
    assert WIDGET in seen["login_page"] and token_in(seen["login_page"]) is None
    assert seen["login"] == 302, seen.get("login_page_after")
    token = token_in(seen["home"])
    assert token is not None
    assert_contract(
        verify(token), email="mae.jemison@example.com", name="Mae Jemison", user_id=seen["id"]
    )
    assert_renews(seen, email="mae.jemison@example.com", name="Mae Jemison", user_id=seen["id"])
    account_page = token_in(seen["email_page"])
    assert account_page is not None and verify(account_page).payload["user_id"] == seen["id"]
    assert token_in(seen["after_logout"]) is None


def test_django_split_settings_without_a_pointer(
    tmp_path: Path, signing_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """manage.py names no settings module; local and production only star-import base."""
    monkeypatch.setenv("DJANGO_SECRET_KEY", "e2e-production-secret")
    root = copy_fixture("django-split-settings", tmp_path)
    apply_twice(root, "--api-key", "pk_ledger")
    assert "widget_token_context" in (root / "config/settings/base.py").read_text()
    for leaf in ("local", "production"):
        before = (FIXTURES / "django-split-settings/config/settings" / f"{leaf}.py").read_text()
        assert (root / "config/settings" / f"{leaf}.py").read_text() == before
    for settings in ("config.settings.local", "config.settings.production"):
        (tmp_path / settings).mkdir()
        seen = drive(root, settings, "split_settings", tmp_path / settings)
        assert WIDGET in seen["anonymous"] and token_in(seen["anonymous"]) is None
        assert seen["login"] == 302
        token = token_in(seen["home"])
        assert token is not None
        assert_contract(verify(token), email="kofi@example.net", name="kofi", user_id=seen["id"])


def test_django_drf_api_with_admin_overrides(tmp_path: Path, signing_key: str) -> None:
    """An API-only DRF project whose only templates rebrand the admin: the endpoint, and the
    admin templates stay as they were."""
    root = copy_fixture("django-drf-admin", tmp_path)
    admin = sorted((root / "templates").rglob("*.html"))
    before = {p: p.read_bytes() for p in admin}
    apply_twice(root)
    assert {p: p.read_bytes() for p in admin} == before
    seen = drive(root, "inventory.settings", "drf_admin", tmp_path)

    assert seen["anonymous"] == {"status": 401, "json": {"token": None}, "no_store": True}
    assert seen["login"] == 302
    session = seen["session"]
    assert session["status"] == 200 and session["no_store"]
    assert_contract(
        verify(session["json"]["token"]), email="ops@example.com", name="ops", user_id=seen["id"]
    )
    assert seen["items"] == 200
    assert WIDGET not in seen["admin"]
    assert seen["after_logout"]["status"] == 401


def test_django_page_cache_prefers_the_endpoint(tmp_path: Path, signing_key: str) -> None:
    """A cached page must not carry a token: the endpoint serves it, the page loads a script."""
    root = copy_fixture("django-auth", tmp_path)
    urls = root / "kitchen/urls.py"
    urls.write_text(
        urls.read_text()
        .replace(
            "from django.urls import path\n",
            "from django.urls import path\nfrom django.views.decorators.cache import cache_page\n",
        )
        .replace(
            "views.RecipeListView.as_view()", "cache_page(60 * 15)(views.RecipeListView.as_view())"
        )
    )
    inspected = run("inspect", root, "--api-key", "pk")
    assert "page cache in play" in inspected.output
    apply_twice(root, "--api-key", "pk_cached")
    assert (root / "kitchen/static/bestchatbot-identity.js").is_file()
    seen = drive(root, "recipebox.settings", "cached", tmp_path)

    for page in (seen["anonymous"], seen["signed_in_page"]):
        assert WIDGET in page and token_in(page) is None
        assert "/static/bestchatbot-identity.js" in page
    assert seen["anonymous_token"] == {"status": 401, "json": {"token": None}, "no_store": True}
    assert seen["token"]["status"] == 200 and seen["token"]["no_store"]
    assert_contract(
        verify(seen["token"]["json"]["token"]),
        email="ada.lovelace@example.com",
        name="Ada Lovelace",
        user_id=seen["id"],
    )


def test_django_pages_without_the_key(tmp_path: Path, no_signing_key: None) -> None:
    """BESTCHATBOT_SIGNING_KEY unset: signed-in pages render as for a guest, one logged error."""
    root = copy_fixture("django-auth", tmp_path)
    apply_twice(root, "--api-key", "pk_test_recipes")
    seen = drive(root, "recipebox.settings", "without_key", tmp_path)

    assert seen["login"] == 302
    for page in seen["pages"]:
        assert page["status"] == 200
        assert WIDGET in page["text"] and "data-user-token" not in page["text"]
    assert seen["renewal_script"]["status"] == 200  # it finds no token: fetches nothing
    assert seen["token"] == {"status": 503, "json": {"token": None}, "no_store": True}
    assert_missing_key_logged_once(seen["log"])


def test_django_endpoints_without_the_key(tmp_path: Path, no_signing_key: None) -> None:
    """The DRF APIView and the JsonResponse view answer 503 {"token": null} to signed-in users
    while the key is unset; anonymous visitors still get 401."""
    unavailable = {"status": 503, "json": {"token": None}, "no_store": True}
    anonymous = {"status": 401, "json": {"token": None}, "no_store": True}

    drf = copy_fixture("django-drf-spa", tmp_path)
    apply_twice(drf, "--api-key", "pk_taskflow")
    seen = drive(drf / "backend", "server.settings", "drf", tmp_path)
    assert seen["anonymous"] == anonymous
    assert seen["session"] == unavailable and seen["api_token"] == unavailable
    assert seen["after_logout"] == anonymous
    assert_missing_key_logged_once(seen["log"])

    django = copy_fixture("django-auth", tmp_path / "cached")
    urls = django / "kitchen/urls.py"
    urls.write_text(
        urls.read_text()
        .replace(
            "from django.urls import path\n",
            "from django.urls import path\nfrom django.views.decorators.cache import cache_page\n",
        )
        .replace(
            "views.RecipeListView.as_view()", "cache_page(60 * 15)(views.RecipeListView.as_view())"
        )
    )
    apply_twice(django, "--api-key", "pk_cached")
    seen = drive(django, "recipebox.settings", "cached", tmp_path / "cached")
    assert seen["anonymous_token"] == anonymous
    assert seen["token"] == unavailable
    assert_missing_key_logged_once(seen["log"])


def test_django_tag_in_a_layout_that_extends_another(tmp_path: Path, signing_key: str) -> None:
    """`--layout app/base.html`, a layout extending base.html (which holds </body>): Django
    renders only a child's blocks, so the tag goes in base.html's scripts block, overridden
    with {{ block.super }}. Pages with a token are private, on top of what their views set;
    public pages keep their own Cache-Control."""
    root = copy_fixture("django-app-layout", tmp_path)
    apply_twice(root, "--api-key", "pk_ledgerly", "--layout", "app/base.html")
    layout = (root / "templates/app/base.html").read_text()
    assert "{% endblock %}\n\n{% block scripts %}\n{{ block.super }}\n<script " in layout
    seen = drive(root, "ledgerly.settings", "app_layout", tmp_path)

    for page in ("guest_home", "home"):  # base.html alone: no widget, public whoever asks
        assert seen[page]["status"] == 200 and WIDGET not in seen[page]["text"]
        assert seen[page]["cache_control"] == "public, max-age=600"
    # A guest on a page of the app's layout: the widget, no token, the view's own header.
    guest = seen["guest_help"]
    assert WIDGET in guest["text"] and token_in(guest["text"]) is None
    assert guest["cache_control"] == "public, max-age=300"
    assert seen["login"] == 302
    for page in ("dashboard", "invoices", "help"):
        text = seen[page]["text"]
        assert seen[page]["status"] == 200 and 'data-api-key="pk_ledgerly"' in text
        assert text.index("js/site.js") < text.index(WIDGET) < text.index("</body>")
        token = token_in(text)
        assert token is not None
        assert_contract(
            verify(token), email="noor.rahman@example.com", name="Noor Rahman", user_id=seen["id"]
        )
    # The layout extends base.html: the script joins the tag in the scripts block it overrides,
    # with the {% load static %} a child template needs of its own.
    assert_renews(seen, email="noor.rahman@example.com", name="Noor Rahman", user_id=seen["id"])
    assert sorted(seen["dashboard"]["cache_control"].split(", ")) == ["max-age=60", "private"]
    assert sorted(seen["help"]["cache_control"].split(", ")) == ["max-age=300", "private"]
    invoices = seen["invoices"]["cache_control"].split(", ")
    assert "no-store" in invoices and "private" in invoices
    assert seen["after_logout"]["status"] == 302


def test_django_chat_block(tmp_path: Path, signing_key: str) -> None:
    """The widget follows the layout's support_chat block: the printable card, which overrides
    it empty, carries neither the app's chat nor the widget; the other pages carry both."""
    root = copy_fixture("django-chat-block", tmp_path)
    apply_twice(root, "--api-key", "pk_test_recipes")
    seen = drive(root, "recipebox.settings", "chat_block", tmp_path)
    for page in ("anonymous", "ada"):
        assert WIDGET in seen[page] and "widget.intercom.io" in seen[page]
    assert token_in(seen["anonymous"]) is None
    ada = {"email": "ada@example.com", "name": "ada", "user_id": seen["ada_id"]}
    assert_contract(verify(token_in(seen["ada"])), **ada)
    assert WIDGET not in seen["ada_print"] and "widget.intercom.io" not in seen["ada_print"]
    assert "Soda bread" in seen["ada_print"]
    assert_contract(verify(seen["renewed"]["json"]["token"]), **ada)
