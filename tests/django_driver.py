"""The Django end-to-end driver: runs one scenario against a patched project in an interpreter
of its own (Django's settings are process-wide), over a throwaway, migrated SQLite database,
and prints what it saw as JSON on its last line.

    python tests/django_driver.py PROJECT SETTINGS SCENARIO TMP

It imports nothing but the standard library and what the project itself needs, so it also
runs in the pinned environments of tests/py_envs.py (Django 3.2, 4.2...).
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _json(response: Any) -> dict[str, Any]:
    return {
        "status": response.status_code,
        "json": json.loads(response.content),
        "no_store": "no-store" in response.headers.get("Cache-Control", ""),
    }


_AFTER_TAG = re.compile(r"chat\.js[^>]*>\s*</script>\s*<script src=\"(?P<src>[^\"]+)\"")


def _text(response: Any) -> str:
    """The page as text (`response.text` only since Django 5.0)."""
    return str(response.content.decode())


def _renewal_script(page: str) -> dict[str, Any] | None:
    """The script the page loads right after the widget tag, as staticfiles serves it (through
    its finders, as runserver does: collectstatic copies the same files)."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.core.wsgi import get_wsgi_application
    from django.test import RequestFactory

    m = _AFTER_TAG.search(page)
    if m is None:
        return None
    started: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], *_: Any) -> None:
        started.update(status=int(status.split()[0]), headers=dict(headers))

    handler = StaticFilesHandler(get_wsgi_application())
    response = handler(RequestFactory().get(m.group("src")).environ, start_response)
    try:
        body = b"".join(response).decode()
    finally:
        getattr(response, "close", lambda: None)()
    return {
        "src": m.group("src"),
        "status": started["status"],
        "content_type": started["headers"].get("Content-Type", ""),
        "text": body,
    }


def _scenario_auth() -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.test import Client
    from kitchen.models import Recipe  # type: ignore[import-not-found]

    users = get_user_model().objects
    ada = users.create_user(
        "ada",
        "Ada.Lovelace@Example.COM",
        "analytical-engine",
        first_name="Ada",
        last_name="Lovelace",
    )
    bob = users.create_user("bob", "bob@example.com", "hunter22")
    Recipe.objects.create(
        title="Soda bread", slug="soda-bread", ingredients="flour", method="bake", author=bob
    )
    client = Client()
    seen: dict[str, Any] = {"ada_id": str(ada.pk), "bob_id": str(bob.pk)}
    seen["anonymous"] = _text(client.get("/"))
    seen["renewal_script"] = _renewal_script(seen["anonymous"])
    seen["anonymous_token"] = _json(client.get("/api/widget-token"))
    seen["login"] = client.post(
        "/accounts/login/", {"username": "ada", "password": "analytical-engine"}
    ).status_code
    seen["ada"] = _text(client.get("/"))
    seen["renewed"] = _json(client.get("/api/widget-token"))
    seen["ada_on_bobs_recipe"] = _text(client.get("/recipes/soda-bread/"))
    client.post("/accounts/logout/")
    seen["after_logout"] = _text(client.get("/"))
    seen["after_logout_token"] = _json(client.get("/api/widget-token"))
    client.post("/accounts/login/", {"username": "bob", "password": "hunter22"})
    seen["bob"] = _text(client.get("/mine/"))
    return seen


def _scenario_chat_block() -> dict[str, Any]:
    """django-chat-block: the printable card overrides the layout's support_chat block empty."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from kitchen.models import Recipe  # type: ignore[import-not-found]

    ada = get_user_model().objects.create_user("ada", "Ada@Example.COM", "analytical-engine")
    Recipe.objects.create(
        title="Soda bread", slug="soda-bread", ingredients="flour", method="bake", author=ada
    )
    client = Client()
    seen: dict[str, Any] = {"ada_id": str(ada.pk), "anonymous": _text(client.get("/"))}
    client.post("/accounts/login/", {"username": "ada", "password": "analytical-engine"})
    seen["ada"] = _text(client.get("/"))
    seen["ada_print"] = _text(client.get("/recipes/soda-bread/print/"))
    seen["renewed"] = _json(client.get("/api/widget-token"))
    return seen


def _scenario_custom_user() -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    noor = get_user_model().objects.create_user(
        "Noor.Haddad@Example.com", "studio-time", full_name="Noor Haddad"
    )
    client = Client()
    seen: dict[str, Any] = {"id": str(noor.pk), "anonymous": client.get("/").text}
    seen["login"] = client.post(
        "/account/sign-in/", {"email": "Noor.Haddad@example.com", "password": "studio-time"}
    ).status_code
    seen["dashboard"] = client.get("/dashboard/").text
    client.post("/account/sign-out/")
    seen["after_logout"] = client.get("/").text
    return seen


def _allauth_round_trip(
    email: str, password: str, first: str, last: str, login: str
) -> dict[str, Any]:
    """Sign up through allauth (it stores the address lowercased), name the user, sign in again
    with `login` (the address in another case), look around, sign out."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    seen: dict[str, Any] = {"anonymous": client.get("/").text}
    signup = client.post(
        "/accounts/signup/", {"email": email, "password1": password, "password2": password}
    )
    seen["signup"] = signup.status_code
    client.post("/accounts/logout/")
    user = get_user_model().objects.get()
    user.first_name, user.last_name = first, last
    user.save()
    seen["id"] = str(user.pk)
    seen["login_page"] = client.get("/accounts/login/").text
    response = client.post("/accounts/login/", {"login": login, "password": password})
    seen["login"] = response.status_code
    if response.status_code != 302:
        seen["login_page_after"] = response.text[-3000:]
    seen["home"] = client.get("/").text
    seen["renewal_script"] = _renewal_script(seen["home"])
    seen["renewed"] = _json(client.get("/api/widget-token"))
    seen["email_page"] = client.get("/accounts/email/").text
    client.post("/accounts/logout/")
    seen["after_logout"] = client.get("/").text
    seen["after_logout_token"] = _json(client.get("/api/widget-token"))
    return seen


def _scenario_allauth() -> dict[str, Any]:
    return _allauth_round_trip(
        "Grace.Hopper@Navy.MIL", "cobol-rules-1959", "Grace", "Hopper", "GRACE.hopper@navy.mil"
    )


def _scenario_drf() -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    lin = get_user_model().objects.create_user(
        "lin", "Lin.Chen@Example.org", "s3cret-pass", first_name="Lin", last_name="Chen"
    )
    client = Client()
    seen: dict[str, Any] = {"id": str(lin.pk)}
    seen["anonymous"] = _json(client.get("/api/v1/widget-token"))
    login = client.post(
        "/api/v1/auth/login/",
        {"username": "lin", "password": "s3cret-pass"},
        content_type="application/json",
    )
    seen["login"] = login.status_code
    seen["session"] = _json(client.get("/api/v1/widget-token"))
    key = json.loads(login.content)["token"]
    seen["api_token"] = _json(
        Client().get("/api/v1/widget-token", HTTP_AUTHORIZATION=f"Token {key}")
    )
    client.post("/api/v1/auth/logout/")
    seen["after_logout"] = _json(client.get("/api/v1/widget-token"))
    return seen


def _scenario_cached() -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    ada = get_user_model().objects.create_user(
        "ada",
        "ada.lovelace@example.com",
        "analytical-engine",
        first_name="Ada",
        last_name="Lovelace",
    )
    client = Client()
    seen: dict[str, Any] = {"id": str(ada.pk), "anonymous": client.get("/").text}
    seen["anonymous_token"] = _json(client.get("/api/widget-token"))
    client.post("/accounts/login/", {"username": "ada", "password": "analytical-engine"})
    seen["signed_in_page"] = client.get("/").text
    seen["token"] = _json(client.get("/api/widget-token"))
    return seen


def _scenario_without_key() -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    get_user_model().objects.create_user("ada", "ada@example.com", "analytical-engine")
    client = Client()
    seen: dict[str, Any] = {
        "login": client.post(
            "/accounts/login/", {"username": "ada", "password": "analytical-engine"}
        ).status_code
    }
    pages = [client.get(path) for path in ("/", "/mine/", "/")]
    seen["pages"] = [{"status": p.status_code, "text": p.text} for p in pages]
    seen["renewal_script"] = _renewal_script(pages[0].text)
    seen["token"] = _json(client.get("/api/widget-token"))
    return seen


def _scenario_example_pkg() -> dict[str, Any]:
    return _allauth_round_trip(
        "Mae.Jemison@Example.com", "endeavour-92", "Mae", "Jemison", "mae.jemison@example.com"
    )


def _scenario_split_settings() -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    kofi = get_user_model().objects.create_user("kofi", "Kofi@Example.net", "double-entry")
    client = Client()
    seen: dict[str, Any] = {"id": str(kofi.pk), "anonymous": client.get("/").text}
    seen["login"] = client.post(
        "/accounts/login/", {"username": "kofi", "password": "double-entry"}
    ).status_code
    seen["home"] = client.get("/").text
    return seen


def _scenario_drf_admin() -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    ops = get_user_model().objects.create_user(
        "ops", "ops@example.com", "restock-now", is_staff=True, is_superuser=True
    )
    client = Client()
    seen: dict[str, Any] = {"id": str(ops.pk)}
    seen["anonymous"] = _json(client.get("/api/widget-token"))
    seen["login"] = client.post(
        "/api-auth/login/", {"username": "ops", "password": "restock-now"}
    ).status_code
    seen["session"] = _json(client.get("/api/widget-token"))
    seen["items"] = client.get("/api/items/").status_code
    seen["admin"] = client.get("/admin/").text
    client.post("/api-auth/logout/")
    seen["after_logout"] = _json(client.get("/api/widget-token"))
    return seen


def _scenario_drf_headless() -> dict[str, Any]:
    """allauth headless: the browser client signs in with the session cookie, the app client
    with the X-Session-Token allauth hands out; both reach the DRF endpoint."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.test import Client

    wren = get_user_model().objects.create_user(
        "wren",
        "Wren.Alvarez@Example.org",
        "lichen-on-granite",
        first_name="Wren",
        last_name="Alvarez",
    )
    EmailAddress.objects.create(
        user=wren, email="wren.alvarez@example.org", primary=True, verified=True
    )
    credentials = {"email": "Wren.Alvarez@example.org", "password": "lichen-on-granite"}
    browser = Client()
    seen: dict[str, Any] = {"id": str(wren.pk)}
    seen["anonymous"] = _json(browser.get("/api/widget-token"))
    login = browser.post(
        "/_allauth/browser/v1/auth/login", credentials, content_type="application/json"
    )
    seen["login"] = login.status_code
    seen["session"] = _json(browser.get("/api/widget-token"))
    seen["notes"] = browser.get("/api/notes/").status_code
    app_login = Client().post(
        "/_allauth/app/v1/auth/login", credentials, content_type="application/json"
    )
    seen["app_login"] = app_login.status_code
    session_token = json.loads(app_login.content)["meta"]["session_token"]
    seen["x_session_token"] = _json(
        Client().get("/api/widget-token", HTTP_X_SESSION_TOKEN=session_token)
    )
    seen["unknown_token"] = _json(
        Client().get("/api/widget-token", HTTP_X_SESSION_TOKEN="no-such-session")
    )
    browser.delete("/_allauth/browser/v1/auth/session")
    seen["after_logout"] = _json(browser.get("/api/widget-token"))
    Client().delete("/_allauth/app/v1/auth/session", HTTP_X_SESSION_TOKEN=session_token)
    seen["after_app_logout"] = _json(
        Client().get("/api/widget-token", HTTP_X_SESSION_TOKEN=session_token)
    )
    return seen


def _scenario_ninja() -> dict[str, Any]:
    """django-ninja: sign in through the API's own login operation (session), then with a
    personal access token of the API's own bearer authenticator."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    rosa = get_user_model().objects.create_user(
        "rosa", "Rosa.Ortega@Example.net", "anemone-count", first_name="Rosa", last_name="Ortega"
    )
    browser = Client()
    seen: dict[str, Any] = {"id": str(rosa.pk)}
    seen["anonymous"] = _json(browser.get("/api/v1/widget-token"))
    seen["login"] = browser.post(
        "/api/v1/accounts/login",
        {"username": "rosa", "password": "anemone-count"},
        content_type="application/json",
    ).status_code
    seen["session"] = _json(browser.get("/api/v1/widget-token"))
    created = browser.post(
        "/api/v1/accounts/tokens", {"label": "field app"}, content_type="application/json"
    )
    bearer = {"HTTP_AUTHORIZATION": "Bearer " + json.loads(created.content)["key"]}
    seen["bearer"] = _json(Client().get("/api/v1/widget-token", **bearer))
    seen["unknown_bearer"] = _json(
        Client().get("/api/v1/widget-token", HTTP_AUTHORIZATION="Bearer no-such-token")
    )
    seen["surveys"] = Client().get("/api/v1/surveys/", **bearer).status_code
    seen["openapi"] = browser.get("/api/v1/openapi.json").status_code
    browser.post("/api/v1/accounts/logout")
    seen["after_logout"] = _json(browser.get("/api/v1/widget-token"))
    return seen


def _scenario_drf_legacy() -> dict[str, Any]:
    """Django 3.2, DRF 3.12, djangorestframework-jwt: the session and the JWT both work."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    amal = get_user_model().objects.create_user(
        "amal", "Amal.Haddad@Example.ie", "overdue-fines", first_name="Amal", last_name="Haddad"
    )
    desk = Client()
    seen: dict[str, Any] = {"id": str(amal.pk)}
    seen["anonymous"] = _json(desk.get("/api/widget-token"))
    credentials = {"username": "amal", "password": "overdue-fines"}
    seen["login"] = desk.post(
        "/api/auth/login/", credentials, content_type="application/json"
    ).status_code
    seen["session"] = _json(desk.get("/api/widget-token"))
    issued = Client().post("/api/auth/token/", credentials, content_type="application/json")
    kiosk = {"HTTP_AUTHORIZATION": "JWT " + json.loads(issued.content)["token"]}
    seen["jwt"] = _json(Client().get("/api/widget-token", **kiosk))
    seen["loans"] = Client().get("/api/loans/", **kiosk).status_code
    desk.post("/api/auth/logout/")
    seen["after_logout"] = _json(desk.get("/api/widget-token"))
    from shelf.bestchatbot import sign_widget_token  # type: ignore[import-not-found]

    # PyJWT 1.7's jwt.encode returns bytes; the module hands out a str all the same.
    seen["signed_type"] = type(sign_widget_token({"email": "amal.haddad@example.ie"})).__name__
    return seen


def _scenario_drf_mixin() -> dict[str, Any]:
    """The API authenticates through its views' base (a mixin's session and bearer token)
    while DEFAULT_AUTHENTICATION_CLASSES is empty: both reach the endpoint."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    iris = get_user_model().objects.create_user(
        "Iris.Nakamura@Example.org", "brood-frames", first_name="Iris", last_name="Nakamura"
    )
    web = Client()
    seen: dict[str, Any] = {"id": str(iris.pk)}
    seen["anonymous"] = _json(web.get("/api/widget-token"))
    credentials = {"email": "Iris.Nakamura@example.org", "password": "brood-frames"}
    seen["login"] = web.post(
        "/api/accounts/login/", credentials, content_type="application/json"
    ).status_code
    seen["session"] = _json(web.get("/api/widget-token"))
    seen["hives"] = web.get("/api/hives/").status_code
    issued = web.post("/api/accounts/device-token/")
    bearer = {"HTTP_AUTHORIZATION": "Bearer " + json.loads(issued.content)["token"]}
    seen["bearer"] = _json(Client().get("/api/widget-token", **bearer))
    unknown = {"HTTP_AUTHORIZATION": "Bearer no-such-token"}
    seen["unknown_bearer"] = [
        Client().get(path, **unknown).status_code for path in ("/api/widget-token", "/api/hives/")
    ]
    web.post("/api/accounts/logout/")
    seen["after_logout"] = _json(web.get("/api/widget-token"))
    return seen


def _scenario_simplejwt() -> dict[str, Any]:
    """A driver signs in for simplejwt's access token and sends it as a bearer token."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    tomas = get_user_model().objects.create_user(
        "tomas", "Tomas.Novak@Example.cz", "left-lane", first_name="Tomáš", last_name="Novák"
    )
    seen: dict[str, Any] = {"id": str(tomas.pk)}
    seen["anonymous"] = _json(Client().get("/api/widget-token"))
    pair = Client().post(
        "/api/token/",
        {"username": "tomas", "password": "left-lane"},
        content_type="application/json",
    )
    seen["login"] = pair.status_code
    bearer = {"HTTP_AUTHORIZATION": "Bearer " + json.loads(pair.content)["access"]}
    seen["bearer"] = _json(Client().get("/api/widget-token", **bearer))
    seen["vehicles"] = Client().get("/api/vehicles/", **bearer).status_code
    seen["forged"] = (
        Client().get("/api/widget-token", HTTP_AUTHORIZATION="Bearer not.a.token").status_code
    )
    return seen


def _page(response: Any) -> dict[str, Any]:
    return {
        "status": response.status_code,
        "text": response.content.decode(),
        "cache_control": response.headers.get("Cache-Control", ""),
    }


def _scenario_app_layout() -> dict[str, Any]:
    """Public pages and the signed-in app share base.html; the app's pages extend
    app/base.html, the layout the tag went in."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    noor = get_user_model().objects.create_user(
        "Noor.Rahman@Example.com", "net-30-days", given_name="Noor", family_name="Rahman"
    )
    client = Client()
    seen: dict[str, Any] = {"id": str(noor.pk)}
    seen["guest_home"] = _page(client.get("/"))
    seen["guest_help"] = _page(client.get("/app/help/"))
    seen["login"] = client.post(
        "/accounts/login/", {"username": "Noor.Rahman@example.com", "password": "net-30-days"}
    ).status_code
    seen["dashboard"] = _page(client.get("/app/"))
    seen["renewal_script"] = _renewal_script(seen["dashboard"]["text"])
    seen["renewed"] = _json(client.get("/api/widget-token"))
    seen["invoices"] = _page(client.get("/app/invoices/"))
    seen["help"] = _page(client.get("/app/help/"))
    seen["home"] = _page(client.get("/"))
    client.post("/accounts/logout/")
    seen["after_logout"] = _page(client.get("/app/"))
    return seen


SCENARIOS: dict[str, Callable[[], dict[str, Any]]] = {
    "auth": _scenario_auth,
    "chat_block": _scenario_chat_block,
    "without_key": _scenario_without_key,
    "custom_user": _scenario_custom_user,
    "allauth": _scenario_allauth,
    "drf": _scenario_drf,
    "cached": _scenario_cached,
    "example_pkg": _scenario_example_pkg,
    "split_settings": _scenario_split_settings,
    "drf_admin": _scenario_drf_admin,
    "drf_headless": _scenario_drf_headless,
    "ninja": _scenario_ninja,
    "drf_legacy": _scenario_drf_legacy,
    "drf_mixin": _scenario_drf_mixin,
    "app_layout": _scenario_app_layout,
    "simplejwt": _scenario_simplejwt,
}

OVERLAY = """\
from {settings} import *  # noqa: F403

DATABASES = {{"default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": {database!r}}}}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ALLOWED_HOSTS = ["testserver"]
"""


def _main(project: str, settings: str, scenario: str, tmp: str) -> None:
    """Run `scenario` against the project with its own settings, over a throwaway database."""
    import django
    from django.core.management import call_command

    overlay = Path(tmp) / "bcb_e2e_settings.py"
    overlay.write_text(OVERLAY.format(settings=settings, database=str(Path(tmp) / "e2e.sqlite3")))
    sys.path[:0] = [project, tmp]
    os.environ["DJANGO_SETTINGS_MODULE"] = "bcb_e2e_settings"
    django.setup()
    call_command("migrate", verbosity=0)
    print(json.dumps(SCENARIOS[scenario]()))


if __name__ == "__main__":
    _main(*sys.argv[1:])
