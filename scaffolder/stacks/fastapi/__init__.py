"""FastAPI: https://fastapi.tiangolo.com/

Detects `FastAPI()` apps (module level or built by a factory) and `APIRouter()`s across
modules, follows `include_router(..., prefix=...)` (nested routers, prefixes read from
settings such as `settings.API_V1_STR`) to the app's real API prefix, and finds the app's
current-user dependency: a function injected with `Depends(...)` / `Annotated[...,
Depends(...)]` that turns an `OAuth2PasswordBearer` token or the session cookie into the user,
or fastapi-users' `current_user(...)`; then the user model (SQLModel, SQLAlchemy, Pydantic,
fastapi-users tables) and its email / name / id fields, `Jinja2Templates` and the routes that
render pages, and a single-page frontend in the same repository (React, Vue, plain pages).

Adds a `bestchatbot.py` module beside the app that mints the widget token with the JWT library
the project has (`scaffolder.python.jwtlib`; PyJWT by default) from a
variant of the app's own dependency that yields no user for anonymous visitors (the app's
scheme with `auto_error=False` around its own decoding function, or fastapi-users'
`current_user(optional=True)`), and either
- `GET {api prefix}/widget-token` on the router mounted at the API prefix (libcst), plus the
  browser script in the SPA (sending the app's own `Authorization` header when the SPA uses
  bearer tokens); or
- for server-rendered pages, a dependency on the page routers that computes the token per
  request and a `Jinja2Templates` context processor, with `data-user-token` on the layout's
  widget tag; the endpoint too, and the browser script in the app's static files that renews
  the page's token from it before it expires.

The rooms: `detect` (apps, routers, templates), `auth` / `usermodel` / `injected` (the
current-user dependency and its user), `frontend` (an SPA in the repository), `hooks` (the
stack, imported only when triage lets FastAPI in), `report` and `plan` / `spa` / `renewal` /
`codegen` / `transforms`. This module only declares the manifest, so that triage costs no import.
"""

from __future__ import annotations

from scaffolder.grammar import IDENTIFIER, Grammar
from scaffolder.registry import Manifest, Signals, StackAnswer, declare

AUTH_IDS = ("fastapi-oauth2", "fastapi-users", "fastapi-session")

_STORAGE_KEY = r"[A-Za-z0-9_.:@/-]{1,128}"

USER_DEPENDENCY = StackAnswer(
    "user_dependency",
    "FastAPI: the current-user dependency identifying visitors (module.path:function).",
    Grammar(
        rf"(?:{IDENTIFIER}(?:[./]{IDENTIFIER})*:)?{IDENTIFIER}(?:\.{IDENTIFIER})*",
        256,
        "`module.path:function` (or the function's name alone)",
    ),
)
SPA_TOKEN = StackAnswer(
    "spa_token",
    "How the SPA's bearer token is read: "
    'localStorage.getItem("key"), sessionStorage.getItem("key") or a window.name chain.',
    Grammar(
        r"(?:window\.)?(?:localStorage|sessionStorage)\.getItem\("
        + f"(?:\"{_STORAGE_KEY}\"|'{_STORAGE_KEY}')"
        + r"\)|window(?:\.[A-Za-z_$][A-Za-z0-9_$]*){1,8}",
        200,
        '`localStorage.getItem("key")`, `sessionStorage.getItem("key")` (key: letters, digits and '
        "`_.:@/-`) or a `window.name` chain",
    ),
)

MANIFEST = declare(
    Manifest(
        id="fastapi",
        name="FastAPI",
        language="python",
        module="scaffolder.stacks.fastapi.hooks",
        auth_ids=AUTH_IDS,
        signals=Signals(suffixes=(".py",), words=("fastapi", "starlette")),
        answers=(USER_DEPENDENCY, SPA_TOKEN),
    )
)
