"""The FastAPI stack's LibCST edits: exact before/after pairs, and a noop case for each."""

from __future__ import annotations

import ast
import textwrap

import pytest

from scaffolder.python.cst import CannotEdit
from scaffolder.stacks.fastapi import transforms
from scaffolder.stacks.fastapi.spa import add_side_effect_import


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def check(before: str, after: str, edit: object) -> None:
    result = edit(dedent(before))  # type: ignore[operator]
    assert result == dedent(after)
    ast.parse(result)


# -- include_router ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after", "args"),
    [
        pytest.param(
            """
            from fastapi import APIRouter

            from app.api.routes import items, login

            api_router = APIRouter()
            api_router.include_router(login.router)
            api_router.include_router(items.router, prefix="/items", tags=["items"])
            """,
            """
            from fastapi import APIRouter

            from app.api.routes import items, login

            api_router = APIRouter()
            api_router.include_router(login.router)
            api_router.include_router(items.router, prefix="/items", tags=["items"])
            api_router.include_router(bestchatbot_router)
            """,
            ("api_router", None, None),
            id="after-the-routers-other-includes",
        ),
        pytest.param(
            """
            api = APIRouter(prefix="/api")


            @api.get("/{slug}")
            def page(slug: str) -> dict[str, str]:
                return {"slug": slug}
            """,
            """
            api = APIRouter(prefix="/api")
            api.include_router(bestchatbot_router)


            @api.get("/{slug}")
            def page(slug: str) -> dict[str, str]:
                return {"slug": slug}
            """,
            ("api", None, None),
            id="router-without-includes-right-after-it-is-created",
        ),
        pytest.param(
            """
            app = FastAPI(title=settings.PROJECT_NAME)
            app.add_middleware(CORSMiddleware, allow_origins=["*"])

            app.include_router(
                users.router,
                prefix=settings.API_V1_STR,
            )
            app.mount("/", StaticFiles(directory="dist", html=True))
            """,
            """
            app = FastAPI(title=settings.PROJECT_NAME)
            app.add_middleware(CORSMiddleware, allow_origins=["*"])

            app.include_router(
                users.router,
                prefix=settings.API_V1_STR,
            )
            app.include_router(bestchatbot_router, prefix=settings.API_V1_STR)
            app.mount("/", StaticFiles(directory="dist", html=True))
            """,
            ("app", "settings.API_V1_STR", None),
            id="app-with-prefix-before-a-catch-all-mount",
        ),
        pytest.param(
            """
            def create_app() -> FastAPI:
                app = FastAPI(lifespan=lifespan)
                app.include_router(auth_router, prefix="/auth")
                app.include_router(api_router)

                @app.get("/health")
                def health() -> str:
                    return "ok"

                return app
            """,
            """
            def create_app() -> FastAPI:
                app = FastAPI(lifespan=lifespan)
                app.include_router(auth_router, prefix="/auth")
                app.include_router(api_router)
                app.include_router(bestchatbot_router, prefix="/api")

                @app.get("/health")
                def health() -> str:
                    return "ok"

                return app
            """,
            ("app", '"/api"', "create_app"),
            id="in-the-app-factory",
        ),
        pytest.param(
            """
            def create_app():
                application = FastAPI()
                return application
            """,
            """
            def create_app():
                application = FastAPI()
                application.include_router(bestchatbot_router, prefix="/api")
                return application
            """,
            ("application", '"/api"', "create_app"),
            id="factory-without-includes",
        ),
    ],
)
def test_include_router_fixes(
    before: str, after: str, args: tuple[str, str | None, str | None]
) -> None:
    variable, prefix, function = args
    check(
        before,
        after,
        lambda code: transforms.include_router(
            code, variable, "bestchatbot_router", prefix, function
        ),
    )


@pytest.mark.parametrize(
    ("code", "args"),
    [
        pytest.param(
            """
            api_router = APIRouter()
            api_router.include_router(login.router)
            api_router.include_router(bestchatbot_router)
            """,
            ("api_router", None),
            id="module-level",
        ),
        pytest.param(
            """
            def create_app():
                app = FastAPI()
                app.include_router(bestchatbot.bestchatbot_router, prefix="/api")
                return app
            """,
            ("app", "create_app"),
            id="factory-through-a-module-attribute",
        ),
    ],
)
def test_include_router_noop(code: str, args: tuple[str, str | None]) -> None:
    variable, function = args
    source = dedent(code)
    assert (
        transforms.include_router(source, variable, "bestchatbot_router", None, function) == source
    )


@pytest.mark.parametrize(
    ("code", "args"),
    [
        pytest.param(
            "from app.api import api_router\n", ("api_router", None), id="router-created-elsewhere"
        ),
        pytest.param("app = FastAPI()\n", ("app", "create_app"), id="no-such-factory"),
    ],
)
def test_include_router_cannot_edit(code: str, args: tuple[str, str | None]) -> None:
    variable, function = args
    with pytest.raises(CannotEdit):
        transforms.include_router(code, variable, "bestchatbot_router", None, function)


# -- a list keyword argument ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after", "args"),
    [
        pytest.param(
            'templates = Jinja2Templates(directory="templates")\n',
            'templates = Jinja2Templates(directory="templates", context_processors=[ctx])\n',
            ("templates", "context_processors", "ctx", None),
            id="missing-argument",
        ),
        pytest.param(
            "router = APIRouter()\n",
            "router = APIRouter(dependencies=[Depends(dep)])\n",
            ("router", "dependencies", "Depends(dep)", None),
            id="call-without-arguments",
        ),
        pytest.param(
            'router = APIRouter(prefix="/pages", dependencies=[Depends(audit)])\n',
            'router = APIRouter(prefix="/pages", dependencies=[Depends(audit), Depends(dep)])\n',
            ("router", "dependencies", "Depends(dep)", None),
            id="existing-list",
        ),
        pytest.param(
            """
            templates = Jinja2Templates(
                directory=BASE_DIR / "templates",
                context_processors=[
                    flash_messages,
                ],
            )
            """,
            """
            templates = Jinja2Templates(
                directory=BASE_DIR / "templates",
                context_processors=[
                    flash_messages,
                    ctx,
                ],
            )
            """,
            ("templates", "context_processors", "ctx", None),
            id="existing-multi-line-list",
        ),
        pytest.param(
            """
            templates = Jinja2Templates(
                directory=BASE_DIR / "templates",
            )
            """,
            """
            templates = Jinja2Templates(
                directory=BASE_DIR / "templates",
                context_processors=[ctx],
            )
            """,
            ("templates", "context_processors", "ctx", None),
            id="multi-line-call-with-trailing-comma",
        ),
        pytest.param(
            """
            templates = Jinja2Templates(
                directory=BASE_DIR / "templates"
            )
            """,
            """
            templates = Jinja2Templates(
                directory=BASE_DIR / "templates",
                context_processors=[ctx]
            )
            """,
            ("templates", "context_processors", "ctx", None),
            id="multi-line-call-without-trailing-comma",
        ),
        pytest.param(
            'templates = Jinja2Templates(directory=Path(__file__).parent / "templates")\n',
            """
            templates = Jinja2Templates(
                directory=Path(__file__).parent / "templates",
                context_processors=[bestchatbot_context],
            )
            """,
            ("templates", "context_processors", "bestchatbot_context", None),
            id="too-long-one-argument-per-line",
        ),
        pytest.param(
            'app = FastAPI(title="Recipes", lifespan=lifespan, docs=None)\n',
            """
            app = FastAPI(
                title="Recipes", lifespan=lifespan, docs=None, dependencies=[Depends(dep)]
            )
            """,
            ("app", "dependencies", "Depends(dep)", None),
            id="too-long-arguments-on-one-indented-line",
        ),
        pytest.param(
            """
            def create_app():
                app = FastAPI()
                return app
            """,
            """
            def create_app():
                app = FastAPI(dependencies=[Depends(dep)])
                return app
            """,
            ("app", "dependencies", "Depends(dep)", "create_app"),
            id="in-a-factory",
        ),
    ],
)
def test_add_to_list_argument_fixes(
    before: str, after: str, args: tuple[str, str, str, str | None]
) -> None:
    variable, keyword, item, function = args
    check(
        before,
        after,
        lambda code: transforms.add_to_list_argument(
            code, variable, keyword, item, function, max_line=80
        ),
    )


@pytest.mark.parametrize(
    "code",
    [
        pytest.param(
            'templates = Jinja2Templates(directory="t", context_processors=[ctx])\n',
            id="single-line",
        ),
        pytest.param(
            """
            templates = Jinja2Templates(
                directory="t",
                context_processors=[
                    other,
                    ctx,
                ],
            )
            """,
            id="multi-line",
        ),
    ],
)
def test_add_to_list_argument_noop(code: str) -> None:
    source = dedent(code)
    assert (
        transforms.add_to_list_argument(source, "templates", "context_processors", "ctx") == source
    )


@pytest.mark.parametrize(
    "code",
    [
        pytest.param(
            "templates = Jinja2Templates(directory='t', context_processors=PROCESSORS)\n",
            id="not-a-list",
        ),
        pytest.param("from app.templating import templates\n", id="created-elsewhere"),
        pytest.param("templates = Jinja2Templates(**options)\n", id="keyword-unpacking"),
    ],
)
def test_add_to_list_argument_cannot_edit(code: str) -> None:
    with pytest.raises(CannotEdit):
        transforms.add_to_list_argument(code, "templates", "context_processors", "ctx")


# -- imports ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after", "args"),
    [
        pytest.param(
            "from fastapi import APIRouter, Form, Request, status\n",
            "from fastapi import APIRouter, Depends, Form, Request, status\n",
            ("fastapi", "Depends", 0),
            id="into-an-import-in-isort-order",
        ),
        pytest.param(
            """
            from fastapi import (
                APIRouter,
                Request,
            )
            """,
            """
            from fastapi import (
                APIRouter,
                Depends,
                Request,
            )
            """,
            ("fastapi", "Depends", 0),
            id="into-a-parenthesized-import",
        ),
        pytest.param(
            "from fastapi import Request, APIRouter\n",
            "from fastapi import Request, APIRouter, Depends\n",
            ("fastapi", "Depends", 0),
            id="unordered-names-appended",
        ),
        pytest.param(
            """
            from fastapi import APIRouter

            from app.deps import CurrentUser
            from app.templating import templates

            router = APIRouter()
            """,
            """
            from fastapi import APIRouter

            from app.bestchatbot import remember_widget_token
            from app.deps import CurrentUser
            from app.templating import templates

            router = APIRouter()
            """,
            ("app.bestchatbot", "remember_widget_token", 0),
            id="new-first-party-import-in-order",
        ),
        pytest.param(
            """
            from fastapi import APIRouter

            from . import admin, notes

            api_router = APIRouter(prefix="/api")
            """,
            """
            from fastapi import APIRouter

            from ..bestchatbot import bestchatbot_router
            from . import admin, notes

            api_router = APIRouter(prefix="/api")
            """,
            ("bestchatbot", "bestchatbot_router", 2),
            id="relative-furthest-first",
        ),
    ],
)
def test_import_name_fixes(before: str, after: str, args: tuple[str, str, int]) -> None:
    module, name, relative = args
    check(before, after, lambda code: transforms.import_name(code, module, name, relative=relative))


@pytest.mark.parametrize(
    ("code", "args"),
    [
        pytest.param(
            "from fastapi import Depends, Request\n", ("fastapi", "Depends", 0), id="imported"
        ),
        pytest.param(
            "from ..bestchatbot import bestchatbot_router\n",
            ("bestchatbot", "bestchatbot_router", 2),
            id="relative",
        ),
    ],
)
def test_import_name_noop(code: str, args: tuple[str, str, int]) -> None:
    module, name, relative = args
    assert transforms.import_name(code, module, name, relative=relative) == code


# -- the SPA entry module (tree-sitter splice) -------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after", "language"),
    [
        pytest.param(
            'import { StrictMode } from "react"\nimport App from "./App"\n\nrender(App)\n',
            'import { StrictMode } from "react"\nimport App from "./App"\n'
            'import "./bestchatbot-identity.js"\n\nrender(App)\n',
            "tsx",
            id="no-semicolons",
        ),
        pytest.param(
            "import { createApp } from 'vue';\nimport App from './App.vue';\n\n"
            "createApp(App).mount('#app');\n",
            "import { createApp } from 'vue';\nimport App from './App.vue';\n"
            "import './bestchatbot-identity.js';\n\ncreateApp(App).mount('#app');\n",
            "javascript",
            id="single-quotes-and-semicolons",
        ),
        pytest.param(
            "document.body.append('hi');\n",
            "import \"./bestchatbot-identity.js\";\n\ndocument.body.append('hi');\n",
            "javascript",
            id="no-imports",
        ),
    ],
)
def test_side_effect_import(before: str, after: str, language: str) -> None:
    assert add_side_effect_import(before, "./bestchatbot-identity.js", language) == after
