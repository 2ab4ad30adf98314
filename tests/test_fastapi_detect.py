"""FastAPI detection and planning on small projects written for each case: API prefixes through
settings and nested routers, the router that gets the endpoint, the current-user dependency
and its optional variant, questions instead of guesses."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from scaffolder import engine, steps
from scaffolder.inspection import Settled
from scaffolder.model import Answers
from scaffolder.plan import PlanBuilder
from scaffolder.stacks.fastapi import facts as fx
from scaffolder.stacks.fastapi import plan as fastapi_plan
from scaffolder.stacks.fastapi.facts import Chosen, FastAPIFacts
from scaffolder.stacks.fastapi.header import TokenHeader
from tests.helpers import copy_fixture, run, run_json, tree_digest

DEPS = """
    from typing import Annotated

    import jwt
    from fastapi import Depends, HTTPException
    from fastapi.security import OAuth2PasswordBearer

    from app.models import User

    oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/token")


    def get_current_user(token: Annotated[str, Depends(oauth2_scheme)]) -> User:
        try:
            payload = jwt.decode(token, "secret", algorithms=["HS256"])
        except jwt.InvalidTokenError:
            raise HTTPException(status_code=401)
        return User(email=payload["email"], name=payload["name"])


    CurrentUser = Annotated[User, Depends(get_current_user)]
"""
MODELS = """
    from pydantic import BaseModel


    class User(BaseModel):
        email: str
        name: str
"""
ROUTES = """
    from fastapi import APIRouter

    from app.deps import CurrentUser

    router = APIRouter(prefix="/items")


    @router.get("/")
    def items(user: CurrentUser) -> list[str]:
        return []
"""


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return root


def app_project(root: Path, main: str, extra: dict[str, str] | None = None) -> Path:
    files = {
        "app/__init__.py": "",
        "app/models.py": MODELS,
        "app/deps.py": DEPS,
        "app/routes/__init__.py": "",
        "app/routes/items.py": ROUTES,
        "app/main.py": main,
        "requirements.txt": "fastapi\nPyJWT\n",
    }
    files.update(extra or {})
    return write(root, files)


def found(root: Path, **answers: str) -> FastAPIFacts:
    """The facts found, whatever is still asked."""
    _, insp = engine.inspect(root, Answers(**answers))
    assert isinstance(insp.facts, Settled) and isinstance(insp.facts.found, FastAPIFacts)
    return insp.facts.found


def settled(root: Path, **answers: str) -> tuple[FastAPIFacts, Chosen]:
    """The facts found and the choices settled (the API key answered, so nothing is asked)."""
    _, insp = engine.inspect(root, Answers(**{"api_key": "pk", **answers}))
    assert insp.stack.framework == "fastapi"
    assert isinstance(insp.facts, Settled) and insp.facts.choices is not None, insp.questions
    assert isinstance(insp.facts.found, FastAPIFacts)
    return insp.facts.found, insp.facts.choices


def prefix_of(root: Path, **answers: str) -> str:
    return settled(root, **answers)[1].endpoint_prefix


def planned(root: Path, path: str, **answers: str) -> str:
    result = engine.plan(root, Answers(**answers))
    assert not result.inspection.questions, result.inspection.questions
    edit = next(e for e in result.plan.edits if e.path == path)
    return edit.after


# -- API prefix and target router -------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "imported", "prefix_expr"),
    [
        pytest.param(
            'API_V1_STR = "/api/v1"\n',
            "from app import config",
            "config.API_V1_STR",
            id="module-constant",
        ),
        pytest.param(
            """
            from pydantic_settings import BaseSettings


            class Settings(BaseSettings):
                API_V1_STR: str = "/api/v1"


            settings = Settings()
            """,
            "from app.config import settings",
            "settings.API_V1_STR",
            id="settings-object",
        ),
        pytest.param(
            """
            from functools import lru_cache

            from pydantic import Field
            from pydantic_settings import BaseSettings


            class Settings(BaseSettings):
                api_prefix: str = Field(default="/api")


            @lru_cache
            def get_settings() -> Settings:
                return Settings()
            """,
            "from app.config import get_settings",
            'f"{get_settings().api_prefix}/v1"',
            id="cached-settings-function-in-an-f-string",
        ),
        pytest.param(
            'API = "/api"\nVERSION = "/v1"\nAPI_V1 = API + VERSION\n',
            "from app.config import API_V1",
            "API_V1",
            id="concatenated-constants",
        ),
    ],
)
def test_api_prefix_through_settings(
    tmp_path: Path, settings: str, imported: str, prefix_expr: str
) -> None:
    root = app_project(
        tmp_path,
        f"""
        from fastapi import FastAPI

        from app.api import api_router
        {imported}

        app = FastAPI()
        app.include_router(api_router, prefix={prefix_expr})
        """,
        {
            "app/config.py": settings,
            "app/api.py": """
            from fastapi import APIRouter

            from app.routes import items

            api_router = APIRouter()
            api_router.include_router(items.router)
            """,
        },
    )
    facts, choices = settled(root)
    assert choices.endpoint_prefix == "/api/v1"
    target = fx.target(facts, choices.endpoint_prefix)
    assert (target.path, target.var) == ("app/api.py", "api_router")
    assert choices.endpoint_url == "/api/v1/widget-token"


def test_endpoint_on_the_app_when_no_router_sits_at_the_prefix(tmp_path: Path) -> None:
    root = app_project(
        tmp_path,
        """
        from fastapi import FastAPI

        from app.routes import items

        app = FastAPI()
        app.include_router(items.router, prefix="/api/v2")
        """,
    )
    assert prefix_of(root) == "/api/v2"  # the router's own /items is not the API's prefix
    main = planned(root, "app/main.py")
    assert main.endswith(
        'app.include_router(items.router, prefix="/api/v2")\n'
        'app.include_router(bestchatbot_router, prefix="/api/v2")\n'
    )
    assert "from app.bestchatbot import bestchatbot_router\n" in main


def test_routers_registered_by_a_helper_the_factory_calls(tmp_path: Path) -> None:
    """`register_router(app)` includes what `build_final_router()` returns, a router it imports
    inside itself; the /api/v1 prefix is the included router's own, read from the settings."""
    root = copy_fixture("fastapi-router-helper", tmp_path)
    facts, choices = settled(root)
    assert choices.endpoint_prefix == "/api/v1"
    target = fx.target(facts, choices.endpoint_prefix)
    assert (target.path, target.var) == ("api/v1/__init__.py", "v1")
    assert choices.endpoint_url == "/api/v1/widget-token"


HELPER_BUILDS = """
    from fastapi import APIRouter

    api = APIRouter(prefix="/api/v3")


    def build_router() -> APIRouter:
        from app.routes.items import router as items_router

        api.include_router(items_router)
        return api
"""


@pytest.mark.parametrize(
    "main",
    [
        pytest.param(
            """
            from fastapi import FastAPI

            from app.building import build_router


            def create_app() -> FastAPI:
                application = FastAPI()
                mount_routers(application)
                return application


            def mount_routers(target: FastAPI) -> None:
                router = build_router()
                target.include_router(router)


            app = create_app()
            """,
            id="factory-passes-its-app-under-another-name",
        ),
        pytest.param(
            """
            from fastapi import FastAPI

            from app.building import build_router


            def mount_routers(app: FastAPI) -> None:
                app.include_router(build_router())


            app = FastAPI()
            mount_routers(app=app)
            """,
            id="module-level-app-and-a-called-builder",
        ),
    ],
)
def test_a_helper_includes_the_router_a_project_function_returns(tmp_path: Path, main: str) -> None:
    root = app_project(tmp_path, main, {"app/building.py": HELPER_BUILDS})
    facts, choices = settled(root)
    assert choices.endpoint_prefix == "/api/v3"
    target = fx.target(facts, choices.endpoint_prefix)
    assert (target.path, target.var) == ("app/building.py", "api")


def test_a_helper_no_app_is_passed_to_mounts_nothing(tmp_path: Path) -> None:
    main = """
        from fastapi import APIRouter, FastAPI

        from app.building import build_router


        def mount_routers(target: APIRouter) -> None:
            target.include_router(build_router())


        app = FastAPI()
        admin = APIRouter()
        mount_routers(admin)
        """
    root = app_project(tmp_path, main, {"app/building.py": HELPER_BUILDS})
    assert not any(m.prefix == "/api/v3" for m in found(root).mounts)


def test_the_apps_own_prefix_expression_is_reused(tmp_path: Path) -> None:
    root = app_project(
        tmp_path,
        """
        from fastapi import FastAPI

        from app import config
        from app.routes import items

        app = FastAPI()
        app.include_router(items.router, prefix=config.API)
        app.include_router(items.router, prefix=config.API + "/legacy")
        """,
        {
            "app/config.py": 'API = "/api"\n',
        },
    )
    # items.router has its own prefix (/items): the routers sit at /api/items and
    # /api/legacy/items, and the API prefix is their common part.
    assert prefix_of(root) == "/api"
    main = planned(root, "app/main.py")
    assert "app.include_router(bestchatbot_router, prefix=config.API)\n" in main


def test_an_answer_sets_the_prefix(tmp_path: Path) -> None:
    root = app_project(
        tmp_path,
        """
        from fastapi import FastAPI

        from app.routes import items

        app = FastAPI()
        app.include_router(items.router, prefix=load_prefix())
        """,
    )
    _, insp = engine.inspect(root, Answers())
    assert any("cannot be read statically" in n.message for n in insp.notes)
    assert prefix_of(root) == "/api"
    choices = settled(root, api_prefix="/internal/api/")[1]
    assert choices.endpoint_url == "/internal/api/widget-token"


def test_the_unknown_prefix_note_comes_before_the_no_name_note(tmp_path: Path) -> None:
    root = app_project(
        tmp_path,
        """
        from fastapi import FastAPI

        from app.routes import items

        app = FastAPI()
        app.include_router(items.router, prefix=load_prefix())
        """,
        {"app/models.py": MODELS.replace("        name: str\n", "")},
    )
    _, insp = engine.inspect(root, Answers(api_key="pk"))
    assert [n.message.split(":")[0] for n in insp.notes] == [
        "some routers are mounted at a prefix that cannot be read statically; the endpoint "
        "goes under /api (pass --api-prefix to choose)",
        "no display-name field found",
    ]


def test_the_apps_root_as_the_answered_prefix(tmp_path: Path) -> None:
    root = app_project(
        tmp_path,
        """
        from fastapi import FastAPI

        from app.routes import items

        app = FastAPI()
        app.include_router(items.router, prefix="/api")
        """,
    )
    _, insp = engine.inspect(root, Answers(api_key="pk", api_prefix="/"))
    endpoint = next(f for f in insp.findings if f.kind == "endpoint-router")
    assert (endpoint.value, endpoint.evidence[0].why) == (
        "app/main.py: app.include_router(...)",
        "serves /widget-token",
    )
    main = planned(root, "app/main.py", api_key="pk", api_prefix="/")
    assert main.endswith("app.include_router(bestchatbot_router)\n")


# -- the user dependency and its optional variant ---------------------------------------------


def test_tutorial_style_dependency(tmp_path: Path) -> None:
    """`token: str = Depends(scheme)`, async, an exception kept in a variable."""
    root = app_project(
        tmp_path,
        """
        from fastapi import FastAPI

        from app.routes import items

        app = FastAPI()
        app.include_router(items.router, prefix="/api")
        """,
        {
            "app/deps.py": """
        import jwt
        from fastapi import Depends, HTTPException, status
        from fastapi.security import OAuth2PasswordBearer

        from app.models import User

        oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")


        async def get_current_user(token: str = Depends(oauth2_scheme)):
            credentials_exception = HTTPException(status_code=status.HTTP_401_UNAUTHORIZED)
            try:
                payload = jwt.decode(token, "secret", algorithms=["HS256"])
            except jwt.InvalidTokenError:
                raise credentials_exception
            return User(email=payload["sub"], name=payload["name"])


        async def get_current_active_user(current_user: User = Depends(get_current_user)) -> User:
            return current_user
        """,
        },
    )
    module = planned(root, "app/bestchatbot.py")
    expected = '''
        optional_oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token", auto_error=False)

        bestchatbot_router = APIRouter(tags=["bestchatbot"])


        async def get_current_user_or_none(
            token: Optional[str] = Depends(optional_oauth2_scheme),
        ) -> Optional[User]:
            """The app's own get_current_user(), or None for visitors who are not signed in."""
            if token is None:
                return None
            try:
                return await get_current_user(token=token)
            except HTTPException:
                return None
        '''
    assert textwrap.dedent(expected) in module
    assert "from app.deps import get_current_user\n" in module
    assert "async def read_widget_token(" in module
    ast.parse(module)


def test_a_dependency_that_is_optional_already_is_used_as_is(tmp_path: Path) -> None:
    root = app_project(
        tmp_path,
        """
        from fastapi import FastAPI

        from app.routes import items

        app = FastAPI()
        app.include_router(items.router, prefix="/api")
        """,
        {
            "app/deps.py": """
        from typing import Annotated, Optional

        from fastapi import Depends, Request

        from app.models import User


        def get_user(request: Request) -> Optional[User]:
            data = request.session.get("user")
            return User(**data) if data else None


        CurrentUser = Annotated[User, Depends(get_user)]
        """,
        },
    )
    assert settled(root)[1].auth.library == "fastapi-session"
    module = planned(root, "app/bestchatbot.py")
    assert "_or_none" not in module
    assert "Depends(get_user)]" in module
    assert "from app.deps import get_user\n" in module


def test_several_user_dependencies_make_a_question(tmp_path: Path) -> None:
    root = app_project(
        tmp_path,
        """
        from fastapi import FastAPI

        from app.routes import items

        app = FastAPI()
        app.include_router(items.router, prefix="/api")
        """,
        {
            "app/session.py": """
        from fastapi import Depends, Request

        from app.models import User


        def session_user(request: Request) -> User:
            return User(**request.session["user"])


        def page(user: User = Depends(session_user)) -> None: ...
        """,
        },
    )
    before = tree_digest(root)
    code, doc = run_json("apply", root, "--yes")
    assert code == 3
    question = next(q for q in doc["questions"] if q["id"] == "user_dependency")
    assert question["flag"] == "--user-dependency"
    assert question["choices"] == ["app.deps:get_current_user", "app.session:session_user"]
    assert tree_digest(root) == before

    assert settled(root, user_dependency="app.session:session_user")[1].auth.name == "session_user"


def test_a_derived_dependency_is_not_an_identity_source_unless_answered(tmp_path: Path) -> None:
    root = app_project(
        tmp_path,
        """
        from fastapi import FastAPI

        from app.routes import items

        app = FastAPI()
        app.include_router(items.router, prefix="/api")
        """,
        {
            "app/admin.py": """
        from app.deps import CurrentUser


        def get_admin(user: CurrentUser):
            return user
        """,
            "app/routes/admin.py": """
        from fastapi import APIRouter, Depends

        from app.admin import get_admin

        router = APIRouter(dependencies=[Depends(get_admin)])
        """,
        },
    )
    assert settled(root)[1].auth.name == "get_current_user"
    # Answered, it identifies visitors through the optional variant of what it builds on.
    module = planned(root, "app/bestchatbot.py", api_key="pk", user_dependency="get_admin")
    expected = '''
        def get_admin_or_none(
            user: Annotated[Optional[User], Depends(get_current_user_or_none)],
        ) -> Optional[User]:
            """The app's own get_admin(), or None for visitors who are not signed in."""
            if user is None:
                return None
            try:
                return get_admin(user=user)
            except HTTPException:
                return None
        '''
    assert textwrap.dedent(expected) in module
    assert "def get_current_user_or_none(" in module
    assert "Depends(get_admin_or_none)]" in module


def test_no_email_field_makes_a_question(tmp_path: Path) -> None:
    root = app_project(
        tmp_path,
        """
        from fastapi import FastAPI

        from app.routes import items

        app = FastAPI()
        app.include_router(items.router, prefix="/api")
        """,
        {
            "app/models.py": """
        from pydantic import BaseModel


        class User(BaseModel):
            username: str
        """,
        },
    )
    code, doc = run_json("apply", root, "--dry-run")
    assert code == 3
    assert [q["id"] for q in doc["questions"]] == ["email_expr"]
    module = planned(root, "app/bestchatbot.py", email_expr='user.username + "@corp.example"')
    assert 'email = user.username + "@corp.example"\n' in module
    bad = run("apply", root, "--dry-run", "--email-expr", "request.headers['x-email']")
    assert bad.exit_code == 2


def test_an_existing_module_of_the_same_name_is_refused(tmp_path: Path) -> None:
    root = app_project(
        tmp_path,
        """
        from fastapi import FastAPI

        app = FastAPI()
        """,
        {
            "app/bestchatbot.py": "SOMETHING = 1\n",
        },
    )
    before = tree_digest(root)
    assert run("apply", root, "--yes").exit_code == 5
    assert tree_digest(root) == before


# -- pages and the SPA ------------------------------------------------------------------------


def test_templates_directory_relative_to_where_the_app_runs(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "service/pyproject.toml": '[project]\nname = "s"\ndependencies = ["fastapi"]\n',
            "service/web/__init__.py": "",
            "service/web/main.py": """
                from fastapi import Depends, FastAPI, Request
                from fastapi.templating import Jinja2Templates

                from web.deps import current_user
                from web.models import User

                app = FastAPI()
                templates = Jinja2Templates(directory="templates")


                @app.get("/")
                def home(request: Request, user: User | None = Depends(current_user)):
                    return templates.TemplateResponse(request, "home.html", {"user": user})
            """,
            "service/web/deps.py": """
                from fastapi import Request

                from web.models import User


                def current_user(request: Request) -> User | None:
                    return User.load(request.session.get("uid"))
            """,
            "service/web/models.py": MODELS,
            "service/templates/base.html": (
                "<html><body>{% block body %}{% endblock %}</body></html>\n"
            ),
            "service/templates/home.html": '{% extends "base.html" %}\n',
        },
    )
    facts, _ = settled(root)
    assert facts.struct.templates[0].dirs == ["service/templates"]
    assert [lay.template.path for lay in facts.layouts] == ["service/templates/base.html"]
    main = planned(root, "service/web/main.py", api_key="pk")
    assert "app = FastAPI(dependencies=[Depends(remember_widget_token)])\n" in main
    assert "context_processors=[bestchatbot_context]" in main


def test_ambiguous_spa_token_makes_a_question(tmp_path: Path) -> None:
    root = app_project(
        tmp_path,
        """
        from fastapi import FastAPI

        from app.routes import items

        app = FastAPI()
        app.include_router(items.router, prefix="/api")
        """,
        {
            "web/package.json": '{"dependencies": {"vue": "^3.5.0"}}\n',
            "web/index.html": (
                '<div id="app"></div><script type="module" src="/src/main.js"></script>\n'
            ),
            "web/src/main.js": """
        const token = () =>
          sessionStorage.getItem("id_token") || localStorage.getItem("refresh_token")
        const headers = () => ({ Authorization: `Bearer ${token()}` })
        """,
        },
    )
    code, doc = run_json("apply", root, "--dry-run")
    assert code == 3
    assert [q["id"] for q in doc["questions"]] == ["spa_token", "api_key"]
    question = doc["questions"][0]
    assert question["choices"] == [
        'sessionStorage.getItem("id_token")',
        'localStorage.getItem("refresh_token")',
    ]
    answer = 'sessionStorage.getItem("id_token")'
    script = planned(root, "web/src/bestchatbot-identity.js", api_key="pk", spa_token=answer)
    assert f"const bearerToken = () => {answer};" in script


SINGLE_MODULE = """
    from typing import Annotated

    from fastapi import Depends, FastAPI, Request
    from fastapi.staticfiles import StaticFiles
    from fastapi.templating import Jinja2Templates
    from pydantic import BaseModel

    app = FastAPI()
    templates = Jinja2Templates(directory="templates")


    class User(BaseModel):
        email: str


    def get_current_user(request: Request) -> User:
        return User(**request.session["user"])


    @app.get("/")
    def home(request: Request, user: Annotated[User, Depends(get_current_user)]):
        return templates.TemplateResponse(request, "home.html", {"user": user})
"""


@pytest.mark.parametrize(
    ("extra", "flags", "message"),
    [
        pytest.param("", ("--api-key", "pk"), "circular", id="pages-need-the-token-module"),
        pytest.param(
            '    app.mount("/", StaticFiles(directory="public", html=True))\n',
            ("--delivery", "token-endpoint", "--api-key", "pk"),
            "catch-all mount",
            id="endpoint-after-a-catch-all-mount",
        ),
    ],
)
def test_single_module_apps_that_cannot_be_edited_safely(
    tmp_path: Path, extra: str, flags: tuple[str, ...], message: str
) -> None:
    root = write(
        tmp_path,
        {
            "main.py": SINGLE_MODULE + extra,
            "templates/base.html": "<html><body>{% block body %}{% endblock %}</body></html>\n",
            "templates/home.html": '{% extends "base.html" %}\n',
            "public/index.html": "<html><body></body></html>\n",
        },
    )
    before = tree_digest(root)
    result = run("apply", root, "--yes", *flags)
    assert result.exit_code == 6, result.output
    assert message in result.output
    assert tree_digest(root) == before


def test_plain_pages_served_by_static_files(tmp_path: Path) -> None:
    """A cookie-session app serving its SPA with StaticFiles(html=True): the script goes beside
    the page, the route is included before the catch-all mount."""
    root = write(
        tmp_path,
        {
            "requirements.txt": "fastapi\n",
            "board/__init__.py": "",
            "board/deps.py": """
                from typing import Annotated

                from fastapi import Depends, HTTPException, Request
                from pydantic import BaseModel


                class Member(BaseModel):
                    id: int
                    email: str
                    nickname: str


                def current_member(request: Request) -> Member:
                    if "member" not in request.session:
                        raise HTTPException(status_code=401)
                    return Member(**request.session["member"])


                CurrentMember = Annotated[Member, Depends(current_member)]
            """,
            "board/main.py": """
                from fastapi import FastAPI
                from fastapi.staticfiles import StaticFiles

                from board.deps import CurrentMember

                app = FastAPI()


                @app.get("/api/me")
                def me(member: CurrentMember):
                    return member


                app.mount("/", StaticFiles(directory="board/static", html=True), name="static")
            """,
            "board/static/index.html": (
                "<!doctype html>\n<html>\n<body>\n  <main></main>\n"
                '  <script src="/app.js"></script>\n</body>\n</html>\n'
            ),
            "board/static/app.js": 'fetch("/api/session", { method: "POST" });\n',
        },
    )
    result = engine.plan(root, Answers(api_key="pk_board"))
    assert not result.inspection.questions
    edits = {e.path: e.after for e in result.plan.edits}
    assert edits["board/main.py"].splitlines()[5:8] == [
        "",
        "app = FastAPI()",
        'app.include_router(bestchatbot_router, prefix="/api")',
    ]
    assert edits["board/static/index.html"].endswith(
        '  <script src="/app.js"></script>\n'
        '  <script src="https://widget.bestchatbot.io/widget/v1/chat.js"'
        ' data-api-key="pk_board"></script>\n'
        '  <script src="/bestchatbot-identity.js"></script>\n'
        "</body>\n</html>\n"
    )
    script = edits["board/static/bestchatbot-identity.js"]
    assert 'const ENDPOINT = "/api/widget-token";' in script
    assert 'credentials: "same-origin"' in script and "Authorization" not in script
    assert any("BestChatBotIdentity.refresh()" in s for s in result.plan.next_steps)


def test_no_user_dependency_makes_a_question(tmp_path: Path) -> None:
    root = app_project(
        tmp_path,
        """
        from fastapi import FastAPI

        app = FastAPI()
        """,
        {"app/deps.py": "", "app/routes/items.py": ""},
    )
    code, doc = run_json("apply", root, "--dry-run")
    assert code == 3
    assert [q["id"] for q in doc["questions"]] == ["user_dependency"]
    unknown = run("apply", root, "--dry-run", "--user-dependency", "app.deps:nothing")
    assert unknown.exit_code == 2


def test_an_existing_widget_tag_gets_the_attribute(tmp_path: Path) -> None:
    import shutil

    import jinja2

    from tests.helpers import FIXTURES

    root = tmp_path / "site"
    shutil.copytree(FIXTURES / "fastapi-jinja", root)
    layout = root / "app/templates/base.html"
    tag = '<script src="https://widget.bestchatbot.io/widget/v1/chat.js" data-api-key="pk_live">'
    layout.write_text(layout.read_text().replace("</body>", f"    {tag}</script>\n</body>"))
    result = engine.plan(root, Answers())
    assert not result.inspection.questions
    assert result.inspection.widget.present
    after = next(e.after for e in result.plan.edits if e.path == "app/templates/base.html")
    expected = (
        '<script src="https://widget.bestchatbot.io/widget/v1/chat.js" data-api-key="pk_live"'
        '{% if bestchatbot_token %} data-user-token="{{ bestchatbot_token }}"{% endif %}></script>'
    )
    assert expected in after
    rendered = jinja2.Template(expected).render(bestchatbot_token=None)
    assert rendered == f"{tag}</script>"


# -- dependencies built by factories, in-place schemes, the app's own scheme subclass ---------


AUTHORIZER = """
    from typing import Callable, Optional

    from fastapi import Depends, HTTPException, Security
    from fastapi.security import APIKeyHeader

    from app.models import User


    class TokenHeader(APIKeyHeader):
        pass


    def get_current_user_authorizer(*, required: bool = True) -> Callable:
        return _get_current_user if required else _get_current_user_optional


    def _token_retriever(*, required: bool = True) -> Callable:
        return _read_token if required else _read_token_optional


    def _read_token(header: str = Security(TokenHeader(name="Authorization"))) -> str:
        scheme, _, token = header.partition(" ")
        if scheme != "Token":
            raise HTTPException(status_code=403)
        return token


    def _read_token_optional(
        header: Optional[str] = Security(TokenHeader(name="Authorization", auto_error=False)),
    ) -> str:
        return _read_token(header) if header else ""


    async def _get_current_user(token: str = Depends(_token_retriever())) -> User:
        return User(email=token, name=token)


    async def _get_current_user_optional(
        token: str = Depends(_token_retriever(required=False)),
    ) -> Optional[User]:
        return await _get_current_user(token) if token else None
"""
AUTHORIZER_ROUTES = """
    from fastapi import APIRouter, Depends

    from app.auth import get_current_user_authorizer
    from app.models import User

    router = APIRouter()


    @router.get("/me")
    def me(user: User = Depends(get_current_user_authorizer())) -> str:
        return user.email
"""


def test_a_dependency_factory_and_an_in_place_scheme_subclass(tmp_path: Path) -> None:
    main = """
        from fastapi import FastAPI

        from app.routes.items import router

        app = FastAPI()
        app.include_router(router, prefix="/api")
    """
    root = app_project(
        tmp_path,
        main,
        {"app/auth.py": AUTHORIZER, "app/routes/items.py": AUTHORIZER_ROUTES},
    )
    dep = settled(root, user_dependency="app.auth:_get_current_user")[1].auth
    assert dep.name == "_get_current_user"
    assert dep.token_source is not None and dep.token_source.name == "_read_token"
    code = planned(root, "app/bestchatbot.py", user_dependency="app.auth:_get_current_user")
    ast.parse(code)
    assert 'optional_header = TokenHeader(name="Authorization", auto_error=False)' in code
    assert "header: Optional[str] = Depends(optional_header)" in code
    assert "token: Optional[str] = Depends(_read_token_or_none)" in code
    assert "return await _get_current_user(token=token)" in code


AUTHORIZER_MAIN = """
    from fastapi import FastAPI

    from app.routes.items import router

    app = FastAPI()
    app.include_router(router, prefix="/api")
"""
READ_TOKEN = """def _read_token(header: str = Security(TokenHeader(name="Authorization"))) -> str:
        scheme, _, token = header.partition(" ")
        if scheme != "Token":
            raise HTTPException(status_code=403)
        return token"""


@pytest.mark.parametrize(
    ("read_token", "sent"),
    [
        pytest.param(READ_TOKEN, 'Authorization: "Token " + accessToken', id="compared-prefix"),
        pytest.param(
            READ_TOKEN.replace('if scheme != "Token"', "if scheme.upper() != PREFIX"),
            'Authorization: "JWT " + accessToken',
            id="an-uppercased-comparison-with-a-constant",
        ),
        pytest.param(
            READ_TOKEN.replace('scheme, _, token = header.partition(" ")', "token = header")
            .replace('if scheme != "Token"', "if not token")
            .replace('name="Authorization"', 'name="X-Session-Token"'),
            '"X-Session-Token": accessToken',
            id="a-bare-token-in-its-own-header",
        ),
    ],
)
def test_the_next_step_sends_the_token_as_the_scheme_reads_it(
    tmp_path: Path, read_token: str, sent: str
) -> None:
    auth = AUTHORIZER.replace(READ_TOKEN, read_token).replace(
        "class TokenHeader", 'PREFIX = "JWT"\n\n\n    class TokenHeader'
    )
    assert read_token in auth
    files = {"app/auth.py": auth, "app/routes/items.py": AUTHORIZER_ROUTES}
    root = app_project(tmp_path, AUTHORIZER_MAIN, files)
    result = engine.plan(root, Answers(api_key="pk", user_dependency="app.auth:_get_current_user"))
    steps = [s for s in result.plan.next_steps if "fetch /api/widget-token" in s]
    assert len(steps) == 1 and f"{{ headers: {{ {sent} }} }}" in steps[0], steps


def test_oauth2_and_the_realworld_fixture_send_their_own_prefixes(tmp_path: Path) -> None:
    root = app_project(tmp_path, AUTHORIZER_MAIN)
    assert settled(root)[1].auth.header == TokenHeader("Authorization", "Bearer")
    realworld = copy_fixture("fastapi-token-header", tmp_path)
    assert settled(realworld)[1].auth.header == TokenHeader("Authorization", "Token")


def test_the_app_a_core_factory_builds_is_named_by_its_package(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/core/__init__.py": "",
            "app/core/setup.py": """
                from fastapi import APIRouter, FastAPI


                def create_application(router: APIRouter) -> FastAPI:
                    application = FastAPI()
                    application.include_router(router)
                    return application
            """,
            "app/api.py": """
                from fastapi import APIRouter

                router = APIRouter(prefix="/api/v2")


                @router.get("/ping")
                def ping() -> str:
                    return "pong"
            """,
            "app/main.py": """
                from app.api import router
                from app.core.setup import create_application

                app = create_application(router=router)
            """,
            "requirements.txt": "fastapi\n",
        },
    )
    for answer in ("app", "app/main.py", "app.main:app"):
        facts = found(tmp_path, app=answer)
        assert facts.app.factory == "create_application"
        assert facts.api_prefix is not None and facts.api_prefix[0] == "/api/v2"
        assert facts.package_dir == "app"


# -- triage ------------------------------------------------------------------------------------


def test_triage_leaves_fastapi_unimported_without_python(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"name": "site"}\n')
    code = (
        "import sys; from pathlib import Path; from scaffolder import engine; "
        "from scaffolder.model import Answers; "
        f"engine.inspect(Path({str(tmp_path)!r}), Answers()); "
        "print('scaffolder.stacks.fastapi.hooks' in sys.modules, "
        "'scaffolder.stacks.fastapi' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]


# -- the plan's steps --------------------------------------------------------------------------


def step_results(root: Path) -> list[tuple[str, str]]:
    """(step, outcome) of every FastAPI plan step that applies, run on the project as it is."""
    project, insp = engine.inspect(root, Answers(api_key="pk"))
    assert isinstance(insp.facts, Settled) and insp.facts.choices is not None, insp.questions
    assert isinstance(insp.facts.found, FastAPIFacts)
    builder = PlanBuilder(
        lambda path: (project.text(path) or "", False) if project.exists(path) else None
    )
    planned_steps = fastapi_plan.steps(project, insp, insp.facts.found, insp.facts.choices)
    return [(r.step, r.outcome) for r in steps.run(builder, planned_steps)]


@pytest.mark.parametrize(
    ("fixture", "first"),
    [
        pytest.param(
            "fastapi-oauth2",
            [
                ("token-module", "applied"),
                ("register", "applied"),
                ("widget-tag", "applied"),
                ("identity-script", "applied"),
                ("identity-import", "applied"),
            ],
            id="endpoint-for-a-bundled-spa",
        ),
        pytest.param(
            "fastapi-jinja",
            [
                ("token-module", "applied"),
                ("private-pages", "applied"),
                ("context-processor", "applied"),
                ("page-dependency", "applied"),  # routers/recipes.py and routers/auth.py
                ("page-dependency", "applied"),
                ("register", "applied"),  # the endpoint the page renews its token from
                ("layout-tag", "applied"),
                ("identity-script", "applied"),
            ],
            id="tag-in-the-jinja-layout",
        ),
        pytest.param(
            "fastapi-core-pages",
            [
                ("token-module", "applied"),
                ("private-pages", "applied"),  # in create_app(), after cache_pages()
                ("no-store-guard", "applied"),
                ("context-processor", "applied"),
                ("page-dependency", "applied"),
                ("page-dependency", "applied"),
                ("register", "applied"),
                ("layout-tag", "applied"),
                ("identity-script", "applied"),
            ],
            id="tag-in-the-layout-of-a-factory-app",
        ),
    ],
)
def test_steps_apply_then_skip_once_applied(
    tmp_path: Path, fixture: str, first: list[tuple[str, str]]
) -> None:
    root = copy_fixture(fixture, tmp_path)
    assert step_results(root) == first
    assert run("apply", root, "--yes", "--api-key", "pk").exit_code == 0
    again = step_results(root)
    assert [step for step, _ in again] == [step for step, _ in first if step != "widget-tag"]
    assert {outcome for _, outcome in again} == {"skipped"}


# -- claims, the JWT library, the Python -------------------------------------------------------


def test_a_pydantic_id_under_an_alias_is_the_user_id(tmp_path: Path) -> None:
    """`id_: int = Field(alias="id")` (the realworld example's IDModelMixin) is the id."""
    models = MODELS.replace(
        "    class User(BaseModel):",
        '    class User(BaseModel):\n        id_: int = Field(0, alias="id")',
    ).replace("from pydantic import BaseModel", "from pydantic import BaseModel, Field")
    root = app_project(
        tmp_path, "from fastapi import FastAPI\napp = FastAPI()\n", {"app/models.py": models}
    )
    user_id = settled(root)[1].user_id
    assert user_id is not None and user_id.expr == "user.id_"


@pytest.mark.parametrize(
    ("extra", "present", "absent"),
    [
        pytest.param(
            {"requirements.txt": "fastapi\npython-jose==3.3.0\n"},
            ["from jose import jwt\n", 'return jwt.encode(claims, key, algorithm="HS256")'],
            ["\nimport jwt\n"],
            id="python-jose",
        ),
        pytest.param(
            {"requirements.txt": "fastapi\nAuthlib==1.3.2\n"},
            ["from authlib.jose import jwt\n", 'jwt.encode({"alg": "HS256"}, claims, key)'],
            ["\nimport jwt\n"],
            id="authlib",
        ),
        pytest.param(
            {"requirements.txt": "fastapi\nPyJWT\n", "runtime.txt": "python-3.8.18\n"},
            ["from typing_extensions import Annotated\n", "-> Optional[Dict[str, object]]:"],
            ["dict[", "from typing import Annotated"],
            id="python-3.8-before-annotated-endpoint-dict",
        ),
    ],
)  # fmt: skip
def test_the_module_signs_with_the_projects_library_on_its_python(
    tmp_path: Path, extra: dict[str, str], present: list[str], absent: list[str]
) -> None:
    main = "from fastapi import FastAPI\nfrom app.routes.items import router\n\napp = FastAPI()\n"
    main += "app.include_router(router)\n"
    code = planned(app_project(tmp_path, main, extra), "app/bestchatbot.py", api_key="pk")
    ast.parse(code)
    for text in present:
        assert text in code
    for text in absent:
        assert text not in code
