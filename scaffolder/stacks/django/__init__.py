"""Django: https://docs.djangoproject.com/

Detects `manage.py` and the settings module it runs with (`DJANGO_SETTINGS_MODULE` in
`manage.py` / `wsgi.py` / `asgi.py`, split settings packages such as `settings/base.py` +
`dev.py`), INSTALLED_APPS, ROOT_URLCONF and its API include, the TEMPLATES backends with their
DIRS and app template directories, the base template the pages `{% extends %}`, the user model
(django.contrib.auth's User or AUTH_USER_MODEL: email via EMAIL_FIELD / the email field, name
via get_full_name() or first/last name or the username, id via pk), django-allauth, Django REST
framework or django-ninja, page caches (`cache_page`, the cache middleware) and a single-page
frontend in the same repository.

Adds a `bestchatbot.py` module to the project package (beside the settings) that mints the
widget token with the JWT library the project has (`signing`), and either:
- registers its context processor in TEMPLATES[...]["OPTIONS"]["context_processors"] (list or
  tuple, in whichever settings module defines TEMPLATES), its middleware marking the pages that
  carry a token `Cache-Control: private` in MIDDLEWARE, and gives the widget tag of the base
  template `data-user-token` for signed-in users
  (https://docs.djangoproject.com/en/stable/ref/templates/api/#writing-your-own-context-processors),
  the page renewing it before it expires (`renewal`: a JsonResponse view at
  `<api prefix>/widget-token` and the browser script, loaded with `{% static %}` after the tag);
- or serves `GET <api prefix>/widget-token` (a DRF APIView authenticating as the project's API
  views do, a django-ninja router, or a plain JsonResponse view), wired into the URL conf, plus
  the browser script that calls setUserToken / clearUserToken in the frontend.

The rooms: `discover` / `settings` / `users` / `templates` / `blocks` / `routes` / `drf` /
`drf_views` / `ninja` / `detect` (pure finders), `hooks` (the stack, imported only when triage
lets Django in), `plan` / `endpoint` / `renewal` / `signing` / `versions` (the plan).
This module only declares the manifest, so that triage costs no import.
"""

from __future__ import annotations

from scaffolder.grammar import IDENTIFIER, Grammar
from scaffolder.registry import Manifest, Signals, StackAnswer, declare

AUTH_IDS = ("django-auth", "django-allauth")

SETTINGS = StackAnswer(
    "settings",
    "Django settings module (dotted, e.g. config.settings.dev).",
    Grammar(
        rf"{IDENTIFIER}(?:\.{IDENTIFIER})*",
        256,
        "a dotted Python module path (config.settings.dev)",
    ),
)

MANIFEST = declare(
    Manifest(
        id="django",
        name="Django",
        language="python",
        module="scaffolder.stacks.django.hooks",
        auth_ids=AUTH_IDS,
        # Settings-only layouts have no manage.py: any Python file may be the settings module.
        signals=Signals(suffixes=(".py",), words=("django",)),
        answers=(SETTINGS,),
    )
)
