"""Flask: https://flask.palletsprojects.com/

Detects apps built by an app factory (`create_app`) or at module level, their blueprints and
URL prefixes, Jinja templates and the base layout, Flask-Login (`current_user` and the user
model's email / name / id) and hand-rolled session auth (`session["user_id"]` with `g.user`
loaded in a `before_request` / `before_app_request` hook).

Adds a `bestchatbot.py` module to the app's package that mints the widget token with the JWT
library the project has (`scaffolder.python.jwtlib`; PyJWT by default), and either registers
it as a context processor (the layout's widget tag gets `data-user-token`; nothing outside a
request, for e-mails rendered by workers) with a blueprint serving
`GET <api prefix>/widget-token`, from which the browser script loaded after the tag renews the
token before it expires, or as that blueprint alone plus a browser script for SPA pages.

The rooms: `detect` (pure finders), `hooks` (the stack's hooks into the shared inspection,
imported only when triage lets Flask in), `plan` (the plan's steps). This module only declares
the manifest, so that triage costs no import.
"""

from __future__ import annotations

from scaffolder.registry import Manifest, Signals, declare

AUTH_IDS = ("flask-login", "flask-session")

MANIFEST = declare(
    Manifest(
        id="flask",
        name="Flask",
        language="python",
        module="scaffolder.stacks.flask.hooks",
        auth_ids=AUTH_IDS,
        signals=Signals(suffixes=(".py",), words=("flask",)),
    )
)
