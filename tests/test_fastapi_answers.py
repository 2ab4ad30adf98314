"""FastAPI on the shapes of real projects: `--user-dependency` accepted for any function FastAPI
injects, refused with the exact reason otherwise; users behind repository classes and the
Starlette authentication middleware; optional variants a dependency factory offers; the API
prefix read from settings inside the app factory; middleware overwriting Cache-Control; the
FastAPI version that decides `Annotated` parameters."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from scaffolder.project import Project
from scaffolder.python import versions
from scaffolder.stacks.fastapi import transforms
from tests.helpers import run, tree_digest
from tests.test_fastapi_detect import app_project, planned, settled, write

MAIN = """
    from fastapi import FastAPI

    from app.routes import items

    app = FastAPI()
    app.include_router(items.router, prefix="/api")
"""

HELPERS = """
    from collections.abc import Iterator
    from typing import Annotated, Optional

    from fastapi import Depends, Header, HTTPException, Query, Request
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.models import User


    class Auth:
        def user(self) -> User: ...


    auth = Auth()
    header_scheme = Depends(Auth)
    USERS: dict[str, User] = {}


    async def get_user_by_id(db: AsyncSession, pk: int) -> User:
        raise HTTPException(status_code=401)


    def user_from_query(email: str = Query()) -> User:
        return USERS[email]


    def user_from_token(request: Request) -> Iterator[User]:
        yield USERS[request.headers["x-token"]]


    async def streamed_user(request: Request):
        yield USERS[request.headers["x-token"]]


    def any_user(*args: str) -> User: ...


    def maybe_user(request: Request) -> Optional[User]:
        return USERS.get(request.headers.get("x-member", ""))


    async def member_from_key(x_api_key: Annotated[str, Header()], request: Request) -> User:
        if x_api_key not in USERS:
            raise HTTPException(status_code=401)
        return USERS[x_api_key]
"""


def project(tmp_path: Path) -> Path:
    return app_project(tmp_path, MAIN, {"app/helpers.py": HELPERS})


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        pytest.param(
            "app.nowhere:get_user", "no module `app.nowhere` in this project", id="no-such-module"
        ),
        pytest.param(
            "app.deps:nothing",
            "`app.deps` has no `nothing` (its functions: get_current_user)",
            id="not-in-the-module",
        ),
        pytest.param("nothing_at_all", "no module-level function `nothing_at_all`", id="no-name"),
        pytest.param(
            "app.models:User", "`User` is a class, not a function", id="a-class-not-a-function"
        ),
        pytest.param(
            "app.helpers:auth",
            "`auth` is an instance of Auth (a class-based dependency), not a function",
            id="an-instance-not-a-function",
        ),
        pytest.param("app.helpers:USERS", "`USERS` is a variable, not a function", id="a-variable"),
        pytest.param(
            "app.helpers:header_scheme",
            "`Auth` is a class, not a function: Depends(Auth) would inject a new Auth",
            id="depends-on-a-class",
        ),
        pytest.param(
            "app.helpers:Auth.user",
            "`Auth.user` is an attribute, not a module-level function",
            id="a-method",
        ),
        pytest.param(
            "app.helpers:get_user_by_id",
            "get_user_by_id() is not a dependency FastAPI can inject: `db: AsyncSession` has no "
            "Depends(), and FastAPI cannot build a AsyncSession itself; `pk: int` would be a "
            "query parameter, i.e. read from the client",
            id="parameters-fastapi-cannot-inject",
        ),
        pytest.param(
            "app.helpers:user_from_query",
            "`email: str` is read from the query string, i.e. from the client",
            id="the-user-from-client-input",
        ),
        pytest.param(
            "app.helpers:user_from_token",
            "user_from_token() is a generator dependency (it yields the user)",
            id="a-generator",
        ),
        pytest.param(
            "app.helpers:streamed_user",
            "streamed_user() is an async generator dependency",
            id="an-async-generator",
        ),
        pytest.param("app.helpers:any_user", "any_user() takes *args / **kwargs", id="star-args"),
    ],
)
def test_an_answer_that_cannot_identify_visitors_says_why(
    tmp_path: Path, answer: str, reason: str
) -> None:
    root = project(tmp_path)
    before = tree_digest(root)
    result = run("apply", root, "--dry-run", "--api-key", "pk", "--user-dependency", answer)
    assert result.exit_code == 2, result.output
    assert f"--user-dependency {answer}: " in result.output
    assert reason in " ".join(result.output.split())
    assert "candidates" not in result.output
    assert tree_digest(root) == before


def test_a_name_defined_twice_asks_for_its_module(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "app/other.py").write_text("def maybe_user(request):\n    return None\n")
    result = run("apply", root, "--dry-run", "--user-dependency", "maybe_user")
    assert result.exit_code == 2
    assert "answer one of app.helpers:maybe_user, app.other:maybe_user" in result.output


def test_an_answered_alias_names_the_function_it_injects(tmp_path: Path) -> None:
    root = project(tmp_path)
    dep = settled(root, user_dependency="app.deps:CurrentUser")[1].auth
    assert dep.label == "app.deps:get_current_user"


def test_an_optional_answer_is_used_as_is_and_the_endpoint_checks(tmp_path: Path) -> None:
    """Returning None for anonymous visitors without raising: no wrapper, the endpoint's own
    `user is not None` check refuses them."""
    root = project(tmp_path)
    module = planned(root, "app/bestchatbot.py", api_key="pk", user_dependency="maybe_user")
    assert "_or_none" not in module
    assert "user: Annotated[Optional[User], Depends(maybe_user)]," in module
    assert "claims = widget_claims(user) if user is not None else None" in module
    assert "from app.helpers import maybe_user\n" in module


def test_an_async_answer_reading_a_header_gets_an_async_variant(tmp_path: Path) -> None:
    """An API-key header dependency (no security scheme, no session): its variant is async
    like it, awaits it and catches what it raises."""
    root = project(tmp_path)
    _, choices = settled(root, user_dependency="app.helpers:member_from_key")
    assert (choices.auth.kind, choices.auth.library) == ("answered", "fastapi-session")
    module = planned(root, "app/bestchatbot.py", api_key="pk", user_dependency="member_from_key")
    expected = '''
        async def member_from_key_or_none(
            x_api_key: Annotated[str, Header()],
            request: Request,
        ) -> Optional[User]:
            """The app's own member_from_key(), or None for visitors who are not signed in."""
            try:
                return await member_from_key(x_api_key=x_api_key, request=request)
            except HTTPException:
                return None
        '''
    assert textwrap.dedent(expected) in module
    assert "async def read_widget_token(" in module
    ast.parse(module)


# -- repository classes, factories, middleware ------------------------------------------------

REPOSITORY_DEPS = """
    from fastapi import Depends, HTTPException
    from fastapi.security import HTTPBearer

    from app.db import get_session
    from app.repositories import {import_}

    security = HTTPBearer()


    async def get_current_user(credentials=Depends(security), session=Depends(get_session)):
        {body}
"""
REPOSITORIES = """
    from typing import Optional

    from app.models import Member, User


    class BaseRepository:
        def __init__(self, session) -> None:
            self.session = session

        async def get_by_email(self, email: str) -> Optional[Member]: ...


    class UserRepository(BaseRepository):
        async def get_by_username(self, username: str):
            return User(email=username, name=username)


    class MemberRepository(BaseRepository):
        pass


    def get_repository(cls):
        def _get(session=None):
            return cls(session)

        return _get
"""


@pytest.mark.parametrize(
    ("import_", "body", "model"),
    [
        pytest.param(
            "MemberRepository",
            "user = await MemberRepository(session).get_by_email(credentials.credentials)\n"
            "        if user is None:\n"
            "            raise HTTPException(status_code=401)\n"
            "        return user",
            "Member",
            id="built-in-place-annotated-in-a-base-class",
        ),
        pytest.param(
            "UserRepository",
            "repo = UserRepository(session)\n"
            "        return await repo.get_by_username(credentials.credentials)",
            "User",
            id="a-local-repository-returning-a-model",
        ),
        pytest.param(
            "MemberRepository, get_repository",
            "return await users.get_by_email(credentials.credentials)",
            "Member",
            id="injected-by-a-repository-factory",
        ),
    ],
)
def test_the_user_model_comes_from_the_repository(
    tmp_path: Path, import_: str, body: str, model: str
) -> None:
    deps = REPOSITORY_DEPS.format(import_=import_, body=body)
    if "users." in body:
        deps = deps.replace(
            "session=Depends(get_session)",
            "users: MemberRepository = Depends(get_repository(MemberRepository))",
        )
    root = app_project(
        tmp_path,
        MAIN,
        {
            "app/deps.py": deps,
            "app/repositories.py": REPOSITORIES,
            "app/db.py": "def get_session():\n    yield None\n",
            "app/models.py": """
                from pydantic import BaseModel


                class User(BaseModel):
                    email: str
                    name: str


                class Member(BaseModel):
                    id: int
                    email: str
                    nickname: str
                """,
            "app/routes/items.py": """
                from fastapi import APIRouter, Depends

                from app.deps import get_current_user

                router = APIRouter(dependencies=[Depends(get_current_user)])
                """,
        },
    )
    dep = settled(root)[1].auth
    assert dep.model is not None and dep.model.name == model


def test_a_factorys_optional_variant_is_not_a_second_candidate(tmp_path: Path) -> None:
    """`get_current_user_authorizer(required=...)` returns `_get_current_user` or its optional
    variant: one identity source, no question."""
    from tests.test_fastapi_detect import AUTHORIZER, AUTHORIZER_ROUTES

    root = app_project(
        tmp_path,
        MAIN,
        {"app/auth.py": AUTHORIZER, "app/routes/items.py": AUTHORIZER_ROUTES, "app/deps.py": ""},
    )
    assert settled(root)[1].auth.name == "_get_current_user"


def test_the_prefix_from_settings_read_in_the_factory(tmp_path: Path) -> None:
    """`settings = get_app_settings()` inside the factory, the class from the function's
    return annotation, the field after others (corpus: fastapi-realworld)."""
    root = app_project(
        tmp_path,
        """
        from fastapi import FastAPI

        from app.config import get_app_settings
        from app.routes import items


        def get_application() -> FastAPI:
            settings = get_app_settings()
            application = FastAPI(debug=settings.debug)
            application.include_router(items.router, prefix=settings.api_prefix)
            return application


        app = get_application()
        """,
        {
            "app/config.py": """
                from functools import lru_cache

                from pydantic import BaseSettings


                class AppSettings(BaseSettings):
                    debug: bool = False
                    api_prefix: str = "/api/v2"


                ENVIRONMENTS = {"prod": AppSettings}


                @lru_cache
                def get_app_settings() -> AppSettings:
                    return ENVIRONMENTS["prod"]()
                """,
        },
    )
    facts, choices = settled(root)
    assert choices.endpoint_prefix == "/api/v2"
    assert facts.auth.candidates  # and nothing is asked


AUTH_BACKEND = """
    from starlette.authentication import AuthCredentials, AuthenticationBackend

    from app.models import User


    class TokenBackend(AuthenticationBackend):
        async def authenticate(self, conn){returns}:
            token = conn.headers.get("Authorization")
            if not token:
                return None
            return AuthCredentials(["authenticated"]), User(email=token, name=token)
"""


@pytest.mark.parametrize(
    "returns",
    [
        pytest.param(" -> tuple[AuthCredentials, User] | None", id="annotated"),
        pytest.param("", id="from-what-it-returns"),
    ],
)
def test_the_user_an_authentication_middleware_sets(tmp_path: Path, returns: str) -> None:
    root = app_project(
        tmp_path,
        """
        from fastapi import FastAPI
        from starlette.middleware import Middleware
        from starlette.middleware.authentication import AuthenticationMiddleware

        from app.backend import TokenBackend
        from app.routes import items

        app = FastAPI(middleware=[Middleware(AuthenticationMiddleware, backend=TokenBackend())])
        app.include_router(items.router, prefix="/api")
        """,
        {
            "app/backend.py": AUTH_BACKEND.format(returns=returns),
            "app/deps.py": "",
            "app/routes/items.py": "from fastapi import APIRouter\n\nrouter = APIRouter()\n",
        },
    )
    _, choices = settled(root)
    assert (choices.auth.kind, choices.auth.library) == ("middleware", "fastapi-oauth2")
    assert choices.email.expr == "user.email"
    module = planned(root, "app/bestchatbot.py", api_key="pk")
    optional_user = "User | None" if returns else "Optional[User]"  # the project's own style
    assert f"def request_user_or_none(request: Request) -> {optional_user}:" in module
    assert "if isinstance(request.user, UnauthenticatedUser):" in module


CACHING = """
    from fastapi import FastAPI, Request

    from app.routes import items

    app = FastAPI()
    app.include_router(items.router, prefix="/api")


    @app.middleware("http")
    async def cache(request: Request, call_next):
        response = await call_next(request)
        {line}
        return response
"""


@pytest.mark.parametrize(
    ("line", "guarded"),
    [
        pytest.param('response.headers["Cache-Control"] = "public"', True, id="assigned"),
        pytest.param('response.headers.update({"cache-control": "max-age=60"})', True, id="update"),
        pytest.param(
            'if "cache-control" not in response.headers:\n'
            '            response.headers["Cache-Control"] = "public"',
            False,
            id="kept-when-set",
        ),
        pytest.param('response.headers.setdefault("Cache-Control", "public")', False, id="default"),
    ],
)
def test_a_middleware_overwriting_cache_control_gets_the_guard(
    tmp_path: Path, line: str, guarded: bool
) -> None:
    root = app_project(tmp_path, CACHING.replace("{line}", line))
    main = planned(root, "app/main.py", api_key="pk")
    module = planned(root, "app/bestchatbot.py", api_key="pk")
    assert ("app.add_middleware(WidgetTokenNoStore)" in main) is guarded
    assert ("class WidgetTokenNoStore:" in module) is guarded
    if guarded:
        assert main.index("async def cache(") < main.index("add_middleware(WidgetTokenNoStore)")
        assert "from app.bestchatbot import WidgetTokenNoStore, bestchatbot_router\n" in main


@pytest.mark.parametrize(
    ("before", "after", "args"),
    [
        pytest.param(
            "app = FastAPI()\napp.add_middleware(A)\napp.include_router(r)\n",
            "app = FastAPI()\napp.add_middleware(A)\napp.add_middleware(G)\n"
            "app.include_router(r)\n",
            ("app", "G", 2, None),
            id="after-a-statement",
        ),
        pytest.param(
            "def make():\n    app = FastAPI()\n    app.add_middleware(\n        A,\n    )\n"
            "    return app\n",
            "def make():\n    app = FastAPI()\n    app.add_middleware(\n        A,\n    )\n"
            "    app.add_middleware(G)\n    return app\n",
            ("app", "G", 4, "make"),
            id="in-a-factory-after-a-multiline-call",
        ),
        pytest.param(
            "@app.middleware('http')\nasync def m(r, n):\n    return await n(r)\n\n\nx = 1\n",
            "@app.middleware('http')\nasync def m(r, n):\n    return await n(r)\n\n\n"
            "app.add_middleware(G)\n\n\nx = 1\n",
            ("app", "G", 3, None),
            id="after-a-decorated-function",
        ),
        pytest.param(
            "def make():\n    @app.middleware('http')\n    async def m(r, n):\n"
            "        return await n(r)\n\n    app.add_middleware(P)\n\n    return app\n",
            "def make():\n    @app.middleware('http')\n    async def m(r, n):\n"
            "        return await n(r)\n\n    app.add_middleware(G)\n    app.add_middleware(P)\n"
            "\n    return app\n",
            ("app", "G", 4, "make"),
            id="joins-the-middleware-added-after-the-function",
        ),
    ],
)
def test_add_middleware_after_fixes(
    before: str, after: str, args: tuple[str, str, int, str | None]
) -> None:
    assert transforms.add_middleware_after(before, *args) == after
    assert transforms.add_middleware_after(after, *args) == after  # noop once there


# -- the FastAPI version ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "version"),
    [
        pytest.param({"requirements.txt": "uvicorn\nfastapi[all]==0.79.1\n"}, (0, 79, 1), id="pin"),
        pytest.param(
            {
                "pyproject.toml": '[tool.poetry.dependencies]\nfastapi = "^0.110"\n',
                "poetry.lock": '[[package]]\nname = "fastapi"\nversion = "0.94.1"\n',
            },
            (0, 94, 1),
            id="the-lock-over-the-range",
        ),
        pytest.param(
            {"pyproject.toml": '[project]\ndependencies = ["fastapi>=0.100,<1"]\n'},
            (0, 100),
            id="a-lower-bound",
        ),
        pytest.param(
            {"Pipfile.lock": '{"default": {"fastapi": {"version": "==0.88.0"}}}'},
            (0, 88, 0),
            id="pipfile-lock",
        ),
        pytest.param({"requirements.txt": "fastapi<1\n"}, None, id="an-upper-bound-alone"),
        pytest.param({"requirements.txt": "starlette==0.19.1\n"}, None, id="not-declared"),
    ],
)
def test_the_installed_fastapi_version(
    tmp_path: Path, files: dict[str, str], version: tuple[int, ...] | None
) -> None:
    write(tmp_path, files)
    assert versions.installed(Project(tmp_path), ".", "fastapi") == version


def test_fastapi_before_095_gets_default_parameters(tmp_path: Path) -> None:
    """FastAPI < 0.95 ignores `Annotated[..., Depends(...)]` (the user would be read from the
    request body): every injected parameter the token module writes is a `= Depends()`."""
    root = app_project(tmp_path, MAIN, {"requirements.txt": "fastapi==0.94.1\nPyJWT\n"})
    module = planned(root, "app/bestchatbot.py", api_key="pk")
    assert "Annotated" not in module
    assert "token: Optional[str] = Depends(optional_oauth2_scheme)," in module
    assert "user: Optional[User] = Depends(get_current_user_or_none)," in module
    current = app_project(tmp_path / "current", MAIN, {"requirements.txt": "fastapi==0.95.0\n"})
    assert "Annotated[Optional[User], Depends(" in planned(
        current, "app/bestchatbot.py", api_key="pk"
    )
