"""The token endpoint as one of the project's own API views (issue 13): DRF's authentication
classes and view style, django-ninja's NinjaAPI and authenticators, the versions projects pin,
and the SPA's own sign-in events. Plans only; tests/test_django_api_e2e.py runs them."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
from pathlib import Path
from textwrap import dedent

import pytest

from scaffolder.errors import BadInput
from scaffolder.project import Project
from scaffolder.python.versions import python_version
from tests.helpers import FIXTURES
from tests.test_django import edit, inspect, plan, site, write

NO_PAGES = {"pages/views.py": "def nothing(request):\n    return None\n"}
API_URLS = """\
    from django.urls import include, path

    urlpatterns = [
        path("api/", include("api.urls")),
    ]
    """


def drf_site(root: Path, views: str, extra: str = "") -> Path:
    return site(
        root,
        apps='"rest_framework", "api",',
        extra=extra,
        files={
            **NO_PAGES,
            "api/__init__.py": "",
            "api/views.py": views,
            "api/urls.py": """\
                from django.urls import path

                from . import views

                urlpatterns = [
                    path("items/", views.items),
                ]
                """,
            "site_conf/urls.py": API_URLS,
        },
    )


# -- DRF ------------------------------------------------------------------------------------------

CLASS_VIEWS = """\
    from rest_framework.authentication import SessionAuthentication, TokenAuthentication
    from rest_framework.views import APIView

    from .auth import ApiKeyAuthentication


    class Items(APIView):
        authentication_classes = [SessionAuthentication, TokenAuthentication]


    class Webhook(APIView):
        authentication_classes = (ApiKeyAuthentication,)


    class Public(APIView):
        authentication_classes = []


    items = Items.as_view()
    """
DEFAULTS = """\
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
}
"""


@pytest.mark.parametrize(
    ("extra", "classes", "doc"),
    [
        pytest.param(
            "",
            "[SessionAuthentication, TokenAuthentication, ApiKeyAuthentication]",
            "the classes its views name",
            id="every class the views name, in order",
        ),
        pytest.param(
            DEFAULTS,
            "[SessionAuthentication, TokenAuthentication, ApiKeyAuthentication]",
            "DEFAULT_AUTHENTICATION_CLASSES and the classes its views add",
            id="the defaults, then what the views add",
        ),
    ],
)
def test_drf_endpoint_accepts_every_credential_the_api_does(
    tmp_path: Path, extra: str, classes: str, doc: str
) -> None:
    drf_site(tmp_path, CLASS_VIEWS, extra)
    (tmp_path / "api/auth.py").write_text("class ApiKeyAuthentication:\n    pass\n")
    module = edit(plan(tmp_path), "site_conf/bestchatbot.py")
    assert f"    authentication_classes = {classes}\n" in module
    assert f"Uses the API's authentication ({doc});" in module
    assert "from api.auth import ApiKeyAuthentication\n" in module
    assert (
        "from rest_framework.authentication import SessionAuthentication, TokenAuthentication\n"
        in module
    )


def test_drf_endpoint_inherits_defaults_that_cover_the_views(tmp_path: Path) -> None:
    views = """\
        from rest_framework.authentication import SessionAuthentication
        from rest_framework.views import APIView


        class Items(APIView):
            authentication_classes = [SessionAuthentication]


        items = Items.as_view()
        """
    drf_site(tmp_path, views, DEFAULTS)
    module = edit(plan(tmp_path), "site_conf/bestchatbot.py")
    assert "authentication_classes" not in module
    assert "(DEFAULT_AUTHENTICATION_CLASSES)" in module


def test_drf_function_views_get_a_function_endpoint(tmp_path: Path) -> None:
    views = """\
        from rest_framework.authentication import TokenAuthentication
        from rest_framework.decorators import api_view, authentication_classes
        from rest_framework.response import Response


        @api_view(["GET"])
        @authentication_classes([TokenAuthentication])
        def items(request):
            return Response([])
        """
    drf_site(tmp_path, views)
    result = plan(tmp_path)
    module = edit(result, "site_conf/bestchatbot.py")
    assert (
        dedent(
            """\
            @never_cache
            @api_view(["GET"])
            @authentication_classes([TokenAuthentication])
            @permission_classes([AllowAny])
            def widget_token(request: Request) -> Response:
            """
        )
        in module
    )
    assert (
        "from rest_framework.decorators import api_view, authentication_classes, "
        "permission_classes\n" in module
    )
    urls = edit(result, "api/urls.py")
    assert '    path("widget-token", widget_token, name="widget-token"),\n]' in urls
    assert "from site_conf.bestchatbot import widget_token\n" in urls


def test_api_conf_with_include_from_django_conf_urls(tmp_path: Path) -> None:
    """Django < 4 URL confs import `include` (and `url`) from django.conf.urls."""
    drf_site(tmp_path, CLASS_VIEWS)
    (tmp_path / "api/auth.py").write_text("class ApiKeyAuthentication:\n    pass\n")
    (tmp_path / "site_conf/urls.py").write_text(
        "from django.conf.urls import include, url\n\n"
        "urlpatterns = [\n    url(r'^api/', include('api.urls')),\n]\n"
    )
    result = plan(tmp_path)
    assert "site_conf/urls.py" not in {e.path for e in result.plan.edits}
    assert "WidgetTokenView.as_view()" in edit(result, "api/urls.py")


def test_django_before_2_gets_a_url_regex(tmp_path: Path) -> None:
    drf_site(tmp_path, CLASS_VIEWS)
    (tmp_path / "api/auth.py").write_text("class ApiKeyAuthentication:\n    pass\n")
    (tmp_path / "requirements.txt").write_text("Django==1.11.29\ndjangorestframework==3.9.4\n")
    (tmp_path / "api/urls.py").write_text(
        "from django.conf.urls import url\n\nfrom . import views\n\n"
        "urlpatterns = [\n    url(r'^items/$', views.items),\n]\n"
    )
    urls = edit(plan(tmp_path), "api/urls.py")
    assert "    url(r'^widget-token$', WidgetTokenView.as_view(), name='widget-token'),\n" in urls
    assert "django.urls" not in urls


# -- DRF: the authentication the views inherit -----------------------------------------------------

AUTH_MODULE = """\
    from rest_framework.authentication import SessionAuthentication, TokenAuthentication


    class CsrfExemptSessionAuthentication(SessionAuthentication):
        def enforce_csrf(self, request):
            return None
    """
MIXIN = """\
    from core.auth import CsrfExemptSessionAuthentication


    class SessionAuthMixin:
        authentication_classes = [CsrfExemptSessionAuthentication]
    """


def inherited_site(root: Path, views: str, core: dict[str, str], extra: str = "") -> str:
    """The token module of a DRF project whose views authenticate through `core` (modules of
    a `core` package besides its `auth.py`)."""
    drf_site(root, views, extra)
    files = {"core/__init__.py": "", "core/auth.py": AUTH_MODULE}
    write(root, {**files, **{f"core/{name}": text for name, text in core.items()}})
    return edit(plan(root), "site_conf/bestchatbot.py")


BASE_VIEW = """\
    from rest_framework.views import APIView

    from .mixins import SessionAuthMixin


    class ApiView(SessionAuthMixin, APIView):
        pass
    """
VIEWS_ON_BASE = """\
    from core.api import ApiView


    class Items(ApiView):
        pass


    class Orders(ApiView):
        pass


    items = Items.as_view()
    """


@pytest.mark.parametrize(
    ("views", "core", "extra", "head", "classes", "doc"),
    [
        pytest.param(
            VIEWS_ON_BASE,
            {"mixins.py": MIXIN, "api.py": BASE_VIEW},
            'REST_FRAMEWORK = {"DEFAULT_AUTHENTICATION_CLASSES": []}\n',
            "class WidgetTokenView(ApiView):",
            None,
            "inherited from ApiView, like its views",
            id="empty defaults, the views' base in another module, its mixin in a third",
        ),
        pytest.param(
            """\
            from rest_framework import generics

            from core.mixins import SessionAuthMixin


            class Items(SessionAuthMixin, generics.ListAPIView):
                pass


            items = Items.as_view()
            """,
            {"mixins.py": MIXIN},
            "",
            "class WidgetTokenView(SessionAuthMixin, APIView):",
            None,
            "inherited from SessionAuthMixin, like its views",
            id="a mixin beside a concrete generic view: the mixin and APIView",
        ),
        pytest.param(
            VIEWS_ON_BASE,
            {
                "api.py": """\
                from rest_framework.views import APIView

                from .auth import CsrfExemptSessionAuthentication


                class ApiView(APIView):
                    def get_authenticators(self):
                        return [CsrfExemptSessionAuthentication()]
                """
            },
            "",
            "class WidgetTokenView(ApiView):",
            None,
            "inherited from ApiView, like its views",
            id="authenticators computed by the base",
        ),
        pytest.param(
            """\
            from rest_framework.authentication import TokenAuthentication
            from rest_framework.views import APIView

            from core.api import ApiView


            class Items(ApiView):
                pass


            class Webhook(APIView):
                authentication_classes = [TokenAuthentication]


            items = Items.as_view()
            """,
            {"mixins.py": MIXIN, "api.py": BASE_VIEW},
            "",
            "class WidgetTokenView(ApiView):",
            "[CsrfExemptSessionAuthentication, TokenAuthentication]",
            "ApiView's and the classes its other views name",
            id="another view accepts more: named as well",
        ),
        pytest.param(
            """\
            from django.contrib.auth.mixins import LoginRequiredMixin
            from rest_framework.views import APIView

            from core.mixins import SessionAuthMixin


            class ApiView(LoginRequiredMixin, SessionAuthMixin, APIView):
                pass


            class Items(ApiView):
                pass


            items = Items.as_view()
            """,
            {"mixins.py": MIXIN},
            "",
            "class WidgetTokenView(SessionAuthMixin, APIView):",
            None,
            "inherited from SessionAuthMixin, like its views",
            id="a base that redirects guests to the login page: its mixin only",
        ),
        pytest.param(
            """\
            from rest_framework import viewsets

            from core.auth import CsrfExemptSessionAuthentication


            class BaseViewSet(viewsets.ModelViewSet):
                authentication_classes = [CsrfExemptSessionAuthentication]


            class Items(BaseViewSet):
                pass


            items = Items.as_view({"get": "list"})
            """,
            {},
            "",
            "class WidgetTokenView(APIView):",
            "[CsrfExemptSessionAuthentication]",
            "the classes its views name",
            id="a viewset base is not inherited: its classes are named",
        ),
        pytest.param(
            """\
            from rest_framework.views import APIView


            class Items(APIView):
                pass


            items = Items.as_view()
            """,
            {},
            'REST_FRAMEWORK = {"DEFAULT_AUTHENTICATION_CLASSES": []}\n',
            "class WidgetTokenView(APIView):",
            "[SessionAuthentication]",
            "the session: DEFAULT_AUTHENTICATION_CLASSES is empty",
            id="nothing authenticates: the session",
        ),
        pytest.param(
            """\
            from rest_framework.authentication import TokenAuthentication
            from rest_framework.views import APIView


            class PublicView(APIView):
                authentication_classes = []


            class Health(PublicView):
                pass


            class Status(PublicView):
                pass


            class Items(APIView):
                authentication_classes = [TokenAuthentication]


            items = Items.as_view()
            """,
            {},
            "",
            "class WidgetTokenView(APIView):",
            "[TokenAuthentication]",
            "the classes its views name",
            id="a public base, however many views use it, is not inherited",
        ),
    ],
)
def test_drf_endpoint_authenticates_as_the_views_inherit(
    tmp_path: Path,
    views: str,
    core: dict[str, str],
    extra: str,
    head: str,
    classes: str | None,
    doc: str,
) -> None:
    module = inherited_site(tmp_path, views, core, extra)
    assert f"\n{head}\n" in module
    if classes is None:
        assert "authentication_classes" not in module
    else:
        assert f"    authentication_classes = {classes}\n" in module
    assert f"Uses the API's authentication ({doc});" in module
    ast.parse(module)


def test_drf_views_and_their_base_across_modules(tmp_path: Path) -> None:
    """Views found through the project's bases, whatever module they live in; the endpoint
    imports the base from the project (first-party, after the third-party imports)."""
    module = inherited_site(tmp_path, VIEWS_ON_BASE, {"mixins.py": MIXIN, "api.py": BASE_VIEW})
    assert "from rest_framework.response import Response\n\nfrom core.api import ApiView\n" in (
        module
    )
    assert "rest_framework.views" not in module
    inspection = inspect(tmp_path)
    evidence = {
        f.value: f.evidence[0] for f in inspection.findings if f.kind == "api-authentication"
    }
    assert evidence["core.auth.CsrfExemptSessionAuthentication"].file == "core/mixins.py"


# -- django-ninja ---------------------------------------------------------------------------------


def ninja_site(root: Path, api: str, files: dict[str, str] | None = None) -> Path:
    return site(
        root,
        files={
            **NO_PAGES,
            "site_conf/api.py": api,
            "site_conf/urls.py": """\
                from django.urls import path

                from .api import api

                urlpatterns = [
                    path("api/", api.urls),
                ]
                """,
            **(files or {}),
        },
    )


def test_django_ninja_gets_an_operation_on_its_api(tmp_path: Path) -> None:
    """The NinjaAPI's own authenticators, one of them defined in its module below the API."""
    ninja_site(
        tmp_path,
        """\
        from ninja import NinjaAPI
        from ninja.security import HttpBearer, django_auth

        api = NinjaAPI(auth=[django_auth, ApiKey()])


        class ApiKey(HttpBearer):
            def authenticate(self, request, token):
                return None


        @api.get("/ping", auth=None)
        def ping(request):
            return "pong"
        """,
    )
    result = plan(tmp_path)
    assert result.inspection.delivery == "token-endpoint"
    assert "site_conf/urls.py" not in {e.path for e in result.plan.edits}
    assert edit(result, "site_conf/api.py") == dedent(
        """\
        from ninja import NinjaAPI
        from ninja.security import HttpBearer, django_auth

        from .bestchatbot import widget_token_router

        api = NinjaAPI(auth=[django_auth, ApiKey()])


        class ApiKey(HttpBearer):
            def authenticate(self, request, token):
                return None


        api.add_router("", widget_token_router(django_auth, ApiKey()))


        @api.get("/ping", auth=None)
        def ping(request):
            return "pong"
        """
    )
    module = edit(result, "site_conf/bestchatbot.py")
    assert '    @router.get("/widget-token", auth=[*auth, _anonymous])\n' in module
    assert "from django.contrib.auth.models import AnonymousUser, User\n" in module
    assert any('fetch("/api/widget-token"' in s for s in result.plan.next_steps)


def test_django_ninja_routers_and_operations_authenticators(tmp_path: Path) -> None:
    """No auth on the API itself: its routers' and operations', imported where the API is."""
    ninja_site(
        tmp_path,
        """\
        from ninja import NinjaAPI

        from events.api import router as events_router

        api = NinjaAPI()
        api.add_router("/events/", events_router)
        """,
        {
            "events/__init__.py": "",
            "events/auth.py": "from ninja.security import APIKeyHeader\n\n\n"
            "class TeamKey(APIKeyHeader):\n    param_name = 'X-Team-Key'\n",
            "events/api.py": """\
                from ninja import Router
                from ninja.security import django_auth

                from .auth import TeamKey

                AUTH = [django_auth, TeamKey()]
                router = Router(auth=AUTH)


                @router.get("/mine", auth=django_auth)
                def mine(request):
                    return []
                """,
        },
    )
    api = edit(plan(tmp_path), "site_conf/api.py")
    assert api == dedent(
        """\
        from ninja import NinjaAPI
        from ninja.security import django_auth

        from events.api import router as events_router
        from events.auth import TeamKey

        from .bestchatbot import widget_token_router

        api = NinjaAPI()
        api.add_router("/events/", events_router)
        api.add_router("", widget_token_router(django_auth, TeamKey()))
        """
    )


EVENTS_API = """\
    from ninja import Router
    from ninja.security import django_auth as session

    router = Router(auth=session)
    """


@pytest.mark.parametrize(
    ("api", "events", "refusal"),
    [
        pytest.param(
            """\
            from ninja import NinjaAPI

            from events.api import router

            api = NinjaAPI()
            api.add_router("/events/", router)
            """,
            EVENTS_API,
            r"session is ninja\.security\.django_auth under another name",
            id="an authenticator imported under another name",
        ),
        pytest.param(
            """\
            from ninja import NinjaAPI

            from events.api import router

            session = "the API's own name"
            api = NinjaAPI()
            api.add_router("/events/", router)
            """,
            EVENTS_API,
            r"session means something else in site_conf/api\.py",
            id="an authenticator's name bound to something else",
        ),
        pytest.param(
            """\
            from ninja import NinjaAPI
            from ninja.security import django_auth

            api = NinjaAPI(auth=django_auth)
            urls = api.urls
            api.add_router("/late/", "events.api.router")
            """,
            "",
            r"api\.urls is read before the API is set up",
            id="the API's URLs read before it is set up",
        ),
    ],
)
def test_django_ninja_shapes_it_cannot_edit_name_the_line_to_add(
    tmp_path: Path, api: str, events: str, refusal: str
) -> None:
    ninja_site(tmp_path, api, {"events/__init__.py": "", "events/api.py": events})
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    with pytest.raises(BadInput, match=refusal + r".*; add `api\.add_router\(\"\", "):
        plan(tmp_path)
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def test_django_ninja_answered_prefix_elsewhere_gets_a_plain_view(tmp_path: Path) -> None:
    ninja_site(tmp_path, "from ninja import NinjaAPI\n\napi = NinjaAPI()\n")
    result = plan(tmp_path, api_prefix="/v2")
    assert "site_conf/api.py" not in {e.path for e in result.plan.edits}
    assert 'path("v2/widget-token", widget_token_view' in edit(result, "site_conf/urls.py")


def test_django_ninja_apply_twice_is_a_noop(tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(FIXTURES / "django-ninja", root)
    for e in plan(root).plan.edits:
        (root / e.path).write_text(e.after)
    again = plan(root).plan
    assert [e.path for e in again.edits] == []
    skipped = {s.path: s.why for s in again.skipped}
    assert skipped["tidepool/api.py"] == "widget_token_router is already added to api"


# -- the JWT library the project has ---------------------------------------------------------------

PYJWT_2 = '    return jwt.encode(claims, key, algorithm="HS256")\n'
PYJWT_1 = "    return token.decode() if isinstance(token, bytes) else token\n"
POETRY_LOCK = """\
[[package]]
name = "djangorestframework-simplejwt"
version = "5.3.1"

[[package]]
name = "pyjwt"
version = "1.7.1"
"""


@pytest.mark.parametrize(
    ("files", "imports", "signs", "declared"),
    [
        pytest.param(
            {"requirements.txt": "Django>=4.2\npython-jose[cryptography]>=3.3\n"},
            "from jose import jwt\n",
            PYJWT_2,
            None,
            id="python-jose: its jwt, nothing added",
        ),
        pytest.param(
            {"requirements.txt": "Django==3.2.25\ndjangorestframework-simplejwt==4.5.0\n"},
            "import jwt\n",
            PYJWT_1,
            ("requirements.txt", "PyJWT==1.7.1"),
            id="simplejwt before 4.6 runs on PyJWT 1.x only: its last release",
        ),
        pytest.param(
            {"requirements.txt": "Django>=4.2\ndjangorestframework-simplejwt>=5.3\n"},
            "import jwt\n",
            PYJWT_2,
            ("requirements.txt", "PyJWT>=2.8"),
            id="simplejwt 5: PyJWT 2",
        ),
        pytest.param(
            {"requirements.txt": "Django>=3.2\ndjangorestframework-jwt>=1.11\n"},
            "import jwt\n",
            PYJWT_1,
            ("requirements.txt", "PyJWT>=1.7"),
            id="djangorestframework-jwt: PyJWT < 2, a floor it accepts",
        ),
        pytest.param(
            {
                "pyproject.toml": '[tool.poetry.dependencies]\npython = "^3.10"\nDjango = "^4.2"\n'
                'djangorestframework-simplejwt = "^5.3"\n',
                "poetry.lock": POETRY_LOCK,
            },
            "import jwt\n",
            PYJWT_1,
            ("pyproject.toml", 'pyjwt = "^1.7"'),
            id="the PyJWT the lock installs with it",
        ),
    ],
)
def test_the_jwt_library_the_project_has(
    tmp_path: Path,
    files: dict[str, str],
    imports: str,
    signs: str,
    declared: tuple[str, str] | None,
) -> None:
    site(tmp_path, files=files)
    result = plan(tmp_path, api_key="pk")
    module = edit(result, "site_conf/bestchatbot.py")
    assert imports in module and signs in module
    edited = {e.path: e.after for e in result.plan.edits}
    if declared is None:
        assert "requirements.txt" not in edited
    else:
        path, line = declared
        assert line in edited[path].splitlines()


# -- versions -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "version"),
    [
        pytest.param({"runtime.txt": "python-3.6.15\n"}, (3, 6), id="runtime.txt"),
        pytest.param({".python-version": "3.9.18\n"}, (3, 9), id=".python-version"),
        pytest.param({"Dockerfile": "FROM python:3.8-slim AS base\n"}, (3, 8), id="Dockerfile"),
        pytest.param(
            {"Pipfile": '[requires]\npython_version = "3.7"\n'}, (3, 7), id="Pipfile requires"
        ),
        pytest.param(
            {"pyproject.toml": '[project]\nname = "x"\nrequires-python = ">=3.10"\n'},
            (3, 10),
            id="requires-python",
        ),
        pytest.param(
            {"pyproject.toml": '[tool.poetry.dependencies]\npython = "^3.11"\n'},
            (3, 11),
            id="Poetry python",
        ),
        pytest.param({"requirements.txt": "Django==3.2\n"}, (3, 6), id="pins: Django 3.2 on 3.6"),
        pytest.param({"requirements.txt": "Django>=3.2\n"}, None, id="nothing says"),
    ],
)
def test_python_version(
    tmp_path: Path, files: dict[str, str], version: tuple[int, int] | None
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    assert python_version(Project(tmp_path), ".") == version


PY36 = Path.home() / ".pyenv/versions/3.6.15/bin/python"


def test_python_3_6_gets_string_annotations(tmp_path: Path) -> None:
    """No `from __future__ import annotations` before Python 3.7: the annotations are strings
    (they name classes imported only for type checking)."""
    site(tmp_path, files={"runtime.txt": "python-3.6.15\n"})
    module = edit(plan(tmp_path, api_key="pk"), "site_conf/bestchatbot.py")
    assert "__future__" not in module
    assert 'def widget_claims(user: "User | AnonymousUser") -> "dict[str, object] | None":' in (
        module
    )
    assert 'def widget_token_context(request: "HttpRequest") -> "dict[str, object]":' in module
    init = 'def __init__(self, get_response: "Callable[[HttpRequest], HttpResponseBase]") -> None:'
    assert init in module
    compile(module, "bestchatbot.py", "exec")
    if PY36.is_file():  # the interpreter itself, where this machine has it
        (tmp_path / "module.py").write_text(module)
        done = subprocess.run(
            [str(PY36), "-m", "py_compile", str(tmp_path / "module.py")],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        )
        assert done.returncode == 0, done.stderr


def test_current_python_keeps_future_annotations(tmp_path: Path) -> None:
    site(tmp_path)
    module = edit(plan(tmp_path, api_key="pk"), "site_conf/bestchatbot.py")
    assert "from __future__ import annotations\n" in module
    assert "def widget_claims(user: User | AnonymousUser)" in module
    assert "isinstance(token, bytes)" not in module


# -- the SPA's own sign-in events -----------------------------------------------------------------


def test_identity_script_follows_the_spa_auth_events(tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(FIXTURES / "django-drf-headless", root)
    result = plan(root, api_key="pk")
    script = edit(result, "frontend/public/bestchatbot-identity.js")
    assert 'document.addEventListener("allauth.auth.change", (event) => {' in script
    assert "event.detail?.status === 200 && event.detail.meta?.is_authenticated" in script
    assert "Call window.BestChatBotIdentity.refresh()" not in script
    assert not any("refresh()" in s for s in result.plan.next_steps)
    page = next(e for e in result.plan.edits if e.path == "frontend/index.html")
    assert "allauth.auth.change events (frontend/src/lib/allauth.js:23)" in page.reason


def test_identity_script_without_auth_events_asks_for_refresh(tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(FIXTURES / "django-drf-spa", root)
    result = plan(root, api_key="pk")
    script = edit(result, "frontend/public/bestchatbot-identity.js")
    assert 'addEventListener("allauth' not in script and "signOuts" not in script
    assert any("BestChatBotIdentity.refresh()" in s for s in result.plan.next_steps)


# -- APIs under prefixes of their own -------------------------------------------------------------


def test_drf_views_included_under_another_prefix_are_the_api(tmp_path: Path) -> None:
    """allauth's headless example: DRF views (rest_framework not even installed) routed at
    `drf/` + `api/...`; the endpoint joins them there, not `/api` of the root conf."""
    site(
        tmp_path,
        files={
            **NO_PAGES,
            "demo/__init__.py": "",
            "demo/views.py": """\
                from rest_framework.views import APIView


                class AddView(APIView):
                    pass
                """,
            "demo/urls.py": """\
                from django.urls import path

                from .views import AddView

                urlpatterns = [
                    path("api/add/", AddView.as_view()),
                    path("api/schema/", AddView.as_view(), name="schema"),
                ]
                """,
            "site_conf/urls.py": """\
                from django.urls import include, path

                urlpatterns = [
                    path("_allauth/", include("allauth.headless.urls")),
                    path("drf/", include("demo.urls")),
                ]
                """,
        },
    )
    result = plan(tmp_path)
    prefixes = [f.value for f in result.inspection.findings if f.kind == "api-prefix"]
    assert prefixes == ["/drf/api/"]
    urls = edit(result, "demo/urls.py")
    assert '    path("api/widget-token", WidgetTokenView.as_view(), name="widget-token"),\n' in urls
    assert any('fetch("/drf/api/widget-token"' in s for s in result.plan.next_steps)


def test_ninja_api_included_through_a_url_conf(tmp_path: Path) -> None:
    site(
        tmp_path,
        files={
            **NO_PAGES,
            "demo/__init__.py": "",
            "demo/views.py": "from ninja import NinjaAPI\n\napi = NinjaAPI()\n",
            "demo/urls.py": """\
                from django.urls import path

                from . import views

                urlpatterns = [
                    path("api/", views.api.urls),
                ]
                """,
            "site_conf/urls.py": """\
                from django.urls import include, path

                urlpatterns = [
                    path("ninja/", include("demo.urls")),
                ]
                """,
        },
    )
    result = plan(tmp_path)
    views = edit(result, "demo/views.py")
    assert views.endswith('api = NinjaAPI()\napi.add_router("", widget_token_router())\n')
    assert any('fetch("/ninja/api/widget-token"' in s for s in result.plan.next_steps)
