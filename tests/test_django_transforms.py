"""The LibCST edits of the Django stack: before/after pairs compared exactly, and no-ops."""

from __future__ import annotations

import ast
from collections.abc import Callable
from textwrap import dedent

import pytest

from scaffolder.python.cst import CannotEdit
from scaffolder.stacks.django.transforms import (
    add_context_processor,
    add_import,
    add_middleware,
    add_to_from_import,
    add_urlpattern,
    insert_after,
    uses_name,
)

CP = "config.bestchatbot.widget_token_context"


def check(before: str, after: str, edit: object) -> None:
    before, after = dedent(before), dedent(after)
    assert callable(edit)
    result = edit(before)
    assert result == after
    ast.parse(result)
    assert edit(result) == result  # a second run adds nothing more


def processor(backends: tuple[int, ...] = (0,), quote: str = '"') -> object:
    return lambda code: add_context_processor(code, CP, backends, quote)


# -- context processors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param(
            """\
            TEMPLATES = [
                {
                    'BACKEND': 'django.template.backends.django.DjangoTemplates',
                    'DIRS': [],
                    'APP_DIRS': True,
                    'OPTIONS': {
                        'context_processors': [
                            'django.template.context_processors.request',
                            'django.contrib.auth.context_processors.auth',
                        ],
                    },
                },
            ]
            """,
            """\
            TEMPLATES = [
                {
                    'BACKEND': 'django.template.backends.django.DjangoTemplates',
                    'DIRS': [],
                    'APP_DIRS': True,
                    'OPTIONS': {
                        'context_processors': [
                            'django.template.context_processors.request',
                            'django.contrib.auth.context_processors.auth',
                            'config.bestchatbot.widget_token_context',
                        ],
                    },
                },
            ]
            """,
            id="startproject list, single quotes kept",
        ),
        pytest.param(
            """\
            TEMPLATES = [{
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "OPTIONS": {
                    "context_processors": (
                        "django.template.context_processors.request",
                        "django.contrib.auth.context_processors.auth",
                    ),
                },
            }]
            """,
            """\
            TEMPLATES = [{
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "OPTIONS": {
                    "context_processors": (
                        "django.template.context_processors.request",
                        "django.contrib.auth.context_processors.auth",
                        "config.bestchatbot.widget_token_context",
                    ),
                },
            }]
            """,
            id="tuple with trailing comma",
        ),
        pytest.param(
            """\
            TEMPLATES = [
                {
                    "BACKEND": "django.template.backends.django.DjangoTemplates",
                    "OPTIONS": {
                        "context_processors": [
                            "django.template.context_processors.request",
                            "django.contrib.auth.context_processors.auth"  # users
                        ]
                    }
                }
            ]
            """,
            """\
            TEMPLATES = [
                {
                    "BACKEND": "django.template.backends.django.DjangoTemplates",
                    "OPTIONS": {
                        "context_processors": [
                            "django.template.context_processors.request",
                            "django.contrib.auth.context_processors.auth",  # users
                            "config.bestchatbot.widget_token_context"
                        ]
                    }
                }
            ]
            """,
            id="no trailing comma, comment stays on its line",
        ),
        pytest.param(
            """\
            TEMPLATES = [
                {
                    "BACKEND": "django.template.backends.django.DjangoTemplates",
                    "OPTIONS": {
                        "context_processors": [
                            "django.template.context_processors.request",
                            # "django.template.context_processors.debug",
                        ],
                    },
                },
            ]
            """,
            """\
            TEMPLATES = [
                {
                    "BACKEND": "django.template.backends.django.DjangoTemplates",
                    "OPTIONS": {
                        "context_processors": [
                            "django.template.context_processors.request",
                            # "django.template.context_processors.debug",
                            "config.bestchatbot.widget_token_context",
                        ],
                    },
                },
            ]
            """,
            id="after a commented-out entry",
        ),
        pytest.param(
            """\
            TEMPLATES = [
                {
                    "BACKEND": "django.template.backends.django.DjangoTemplates",
                    "APP_DIRS": True,
                },
            ]
            """,
            """\
            TEMPLATES = [
                {
                    "BACKEND": "django.template.backends.django.DjangoTemplates",
                    "APP_DIRS": True,
                    "OPTIONS": {
                        "context_processors": [
                            "config.bestchatbot.widget_token_context",
                        ],
                    },
                },
            ]
            """,
            id="no OPTIONS",
        ),
        pytest.param(
            """\
            TEMPLATES = [
                {
                    "BACKEND": "django.template.backends.django.DjangoTemplates",
                    "OPTIONS": {
                        "debug": DEBUG,
                    },
                },
            ]
            """,
            """\
            TEMPLATES = [
                {
                    "BACKEND": "django.template.backends.django.DjangoTemplates",
                    "OPTIONS": {
                        "debug": DEBUG,
                        "context_processors": [
                            "config.bestchatbot.widget_token_context",
                        ],
                    },
                },
            ]
            """,
            id="OPTIONS without context_processors",
        ),
        pytest.param(
            """\
            CONTEXT_PROCESSORS = [
                "django.template.context_processors.request",
            ]

            TEMPLATES = [
                {
                    "BACKEND": "django.template.backends.django.DjangoTemplates",
                    "OPTIONS": {"context_processors": CONTEXT_PROCESSORS},
                },
            ]
            """,
            """\
            CONTEXT_PROCESSORS = [
                "django.template.context_processors.request",
                "config.bestchatbot.widget_token_context",
            ]

            TEMPLATES = [
                {
                    "BACKEND": "django.template.backends.django.DjangoTemplates",
                    "OPTIONS": {"context_processors": CONTEXT_PROCESSORS},
                },
            ]
            """,
            id="context_processors named by a module-level list",
        ),
    ],
)
def test_context_processor_fixes(before: str, after: str) -> None:
    check(before, after, processor())


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param(
            'TEMPLATES = [{"OPTIONS": {"context_processors": ["a.b", "c.d"]}}]\n',
            'TEMPLATES = [{"OPTIONS": {"context_processors": ["a.b", "c.d", "p.cp"]}}]\n',
            id="inline list",
        ),
        pytest.param(
            'TEMPLATES = [{"OPTIONS": {"context_processors": ("a.b",)}}]\n',
            'TEMPLATES = [{"OPTIONS": {"context_processors": ("a.b", "p.cp")}}]\n',
            id="one-element tuple",
        ),
        pytest.param(
            'TEMPLATES = [{"OPTIONS": {"context_processors": ("a.b", "c.d",)}}]\n',
            'TEMPLATES = [{"OPTIONS": {"context_processors": ("a.b", "c.d", "p.cp",)}}]\n',
            id="inline tuple with trailing comma",
        ),
        pytest.param(
            'TEMPLATES = [{"OPTIONS": {"context_processors": []}}]\n',
            'TEMPLATES = [{"OPTIONS": {"context_processors": ["p.cp"]}}]\n',
            id="empty list",
        ),
        pytest.param(
            'TEMPLATES = [{"BACKEND": "x"}]\n',
            'TEMPLATES = [{"BACKEND": "x", "OPTIONS": {"context_processors": ["p.cp"]}}]\n',
            id="inline, no OPTIONS",
        ),
        pytest.param(
            "TEMPLATES = [{'OPTIONS': {}}]\n",
            "TEMPLATES = [{'OPTIONS': {'context_processors': ['p.cp']}}]\n",
            id="empty OPTIONS, single quotes",
        ),
    ],
)
def test_context_processor_fixes_inline(before: str, after: str) -> None:
    result = add_context_processor(before, "p.cp", [0], '"')
    assert result == after
    assert add_context_processor(result, "p.cp", [0], '"') == result


SEVERAL_BACKENDS = """\
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "jinja2"],
        "OPTIONS": {"environment": "config.jinja2.environment"},
    },
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": ["django.contrib.auth.context_processors.auth"],
        },
    },
]
"""


def test_context_processor_only_in_the_backends_given() -> None:
    after = add_context_processor(SEVERAL_BACKENDS, "p.cp", [1], '"')
    assert after == SEVERAL_BACKENDS.replace(
        '["django.contrib.auth.context_processors.auth"]',
        '["django.contrib.auth.context_processors.auth", "p.cp"]',
    )
    both = add_context_processor(SEVERAL_BACKENDS, "p.cp", [0, 1], '"')
    assert both.count("p.cp") == 2
    assert '{"environment": "config.jinja2.environment", "context_processors": ["p.cp"]}' in both


@pytest.mark.parametrize(
    "code",
    [
        pytest.param('TEMPLATES = [{"OPTIONS": {"context_processors": ["p.cp"]}}]\n', id="list"),
        pytest.param(
            'TEMPLATES = ({"OPTIONS": {"context_processors": ("a", "p.cp")}},)\n', id="tuple"
        ),
        pytest.param(
            'CPS = ["p.cp"]\nTEMPLATES = [{"OPTIONS": {"context_processors": CPS}}]\n',
            id="named list",
        ),
    ],
)
def test_context_processor_noop(code: str) -> None:
    assert add_context_processor(code, "p.cp", [0], '"') == code


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("DEBUG = True\n", id="no TEMPLATES"),
        pytest.param("TEMPLATES = build_templates()\n", id="TEMPLATES computed"),
        pytest.param('TEMPLATES = [{"OPTIONS": OPTIONS}]\n', id="OPTIONS not a literal"),
        pytest.param(
            'TEMPLATES = [{"OPTIONS": {"context_processors": BASE + ["x"]}}]\n',
            id="context_processors computed",
        ),
    ],
)
def test_context_processor_cannot_edit(code: str) -> None:
    with pytest.raises(CannotEdit):
        add_context_processor(code, CP, [0], '"')


# -- urlpatterns ---------------------------------------------------------------------------------

ROUTE = 'path("api/widget-token", widget_token_view, name="widget-token")'


@pytest.mark.parametrize(
    ("before", "after", "line"),
    [
        pytest.param(
            """\
            urlpatterns = [
                path("admin/", admin.site.urls),
                path("accounts/", include("allauth.urls")),
            ]
            """,
            """\
            urlpatterns = [
                path("admin/", admin.site.urls),
                path("accounts/", include("allauth.urls")),
                path("api/widget-token", widget_token_view, name="widget-token"),
            ]
            """,
            None,
            id="path: at the end",
        ),
        pytest.param(
            """\
            urlpatterns = [
                path("admin/", admin.site.urls),
                # API
                path("api/", include("api.urls")),
                path("blog/", include("blog.urls")),
            ]
            """,
            """\
            urlpatterns = [
                path("admin/", admin.site.urls),
                # API
                path("api/widget-token", widget_token_view, name="widget-token"),
                path("api/", include("api.urls")),
                path("blog/", include("blog.urls")),
            ]
            """,
            4,
            id="include: before the API include",
        ),
        pytest.param(
            """\
            urlpatterns = [
                path("admin/", admin.site.urls),
                re_path(r"^.*$", TemplateView.as_view(template_name="index.html")),
            ]
            """,
            """\
            urlpatterns = [
                path("admin/", admin.site.urls),
                path("api/widget-token", widget_token_view, name="widget-token"),
                re_path(r"^.*$", TemplateView.as_view(template_name="index.html")),
            ]
            """,
            None,
            id="re_path: before the SPA catch-all",
        ),
        pytest.param(
            """\
            urlpatterns = [
                path("accounts/", include("django.contrib.auth.urls")),
                path("", include("pages.urls")),
            ]
            """,
            """\
            urlpatterns = [
                path("accounts/", include("django.contrib.auth.urls")),
                path("api/widget-token", widget_token_view, name="widget-token"),
                path("", include("pages.urls")),
            ]
            """,
            None,
            id="include: before a URL conf mounted at the root",
        ),
        pytest.param(
            """\
            urlpatterns = [
                path("admin/", admin.site.urls),
            ] + static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
            """,
            """\
            urlpatterns = [
                path("admin/", admin.site.urls),
                path("api/widget-token", widget_token_view, name="widget-token"),
            ] + static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
            """,
            None,
            id="list + static()",
        ),
        pytest.param(
            """\
            urlpatterns = [path("admin/", admin.site.urls)]

            urlpatterns += [
                path("api/v1/", include(router.urls)),
            ]
            """,
            """\
            urlpatterns = [path("admin/", admin.site.urls)]

            urlpatterns += [
                path("api/widget-token", widget_token_view, name="widget-token"),
                path("api/v1/", include(router.urls)),
            ]
            """,
            4,
            id="+=: the list holding the API include",
        ),
    ],
)
def test_urlpattern_fixes(before: str, after: str, line: int | None) -> None:
    result = add_urlpattern(dedent(before), ROUTE, line)
    assert result == dedent(after)
    assert uses_name(result, "widget_token_view")


@pytest.mark.parametrize(
    "code",
    [
        pytest.param(
            "from .bestchatbot import widget_token_view\n\n"
            'urlpatterns = [path("api/widget-token", widget_token_view)]\n',
            id="routed",
        ),
        pytest.param(
            'urlpatterns = [re_path(r"^api/token$", bestchatbot.widget_token_view)]\n',
            id="routed through a module attribute",
        ),
    ],
)
def test_urlpattern_noop(code: str) -> None:
    assert uses_name(code, "widget_token_view")


def test_urlpattern_not_wired_when_only_imported() -> None:
    assert not uses_name(
        "from .bestchatbot import widget_token_view\nurlpatterns = []\n", "widget_token_view"
    )


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("urlpatterns = router.urls\n", id="router.urls"),
        pytest.param("from .routes import urlpatterns  # noqa\n", id="imported"),
    ],
)
def test_urlpattern_cannot_edit(code: str) -> None:
    with pytest.raises(CannotEdit):
        add_urlpattern(code, ROUTE)


# -- imports ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param(
            """\
            from django.urls import include, path

            from .views import TaskViewSet
            """,
            """\
            from django.urls import include, path

            from server.bestchatbot import WidgetTokenView

            from .views import TaskViewSet
            """,
            id="first-party section before the relative imports",
        ),
        pytest.param(
            """\
            from django.urls import include, path

            from server.views import health
            """,
            """\
            from django.urls import include, path

            from server.bestchatbot import WidgetTokenView
            from server.views import health
            """,
            id="sorted among the same package",
        ),
        pytest.param(
            """\
            \"\"\"The site's URLs.\"\"\"
            from django.urls import path

            urlpatterns = [path("", home)]

            from server.views import health

            urlpatterns += [path("health/", health)]
            """,
            """\
            \"\"\"The site's URLs.\"\"\"
            from django.urls import path

            from server.bestchatbot import WidgetTokenView

            urlpatterns = [path("", home)]

            from server.views import health

            urlpatterns += [path("health/", health)]
            """,
            id="among the imports on top, not the late ones below a use",
        ),
    ],
)
def test_add_import(before: str, after: str) -> None:
    assert add_import(dedent(before), "server.bestchatbot", "WidgetTokenView") == dedent(after)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param(
            "from django.urls import include, re_path\n",
            "from django.urls import include, path, re_path\n",
            id="between",
        ),
        pytest.param(
            "from django.urls import include\n",
            "from django.urls import include, path\n",
            id="last",
        ),
        pytest.param(
            "from django.urls import re_path\n",
            "from django.urls import path, re_path\n",
            id="first",
        ),
    ],
)
def test_add_to_from_import(before: str, after: str) -> None:
    assert add_to_from_import(before, "django.urls", "path") == after


@pytest.mark.parametrize(
    ("code", "edit"),
    [
        pytest.param(
            "from django.urls import path, re_path\n",
            lambda c: add_to_from_import(c, "django.urls", "path"),
            id="from import: already there",
        ),
        pytest.param(
            "from server.bestchatbot import WidgetTokenView\n\nfrom .views import A\n",
            lambda c: add_import(c, "server.bestchatbot", "WidgetTokenView"),
            id="import: already there",
        ),
    ],
)
def test_imports_noop(code: str, edit: Callable[[str], str]) -> None:
    assert edit(code) == code


def test_add_to_from_import_needs_the_import() -> None:
    with pytest.raises(CannotEdit):
        add_to_from_import("import django\n", "django.urls", "path")


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param(
            'urlpatterns = [path("", home), path("about/", about)]\n',
            'urlpatterns = [path("", home), path("about/", about), path("t", v)]\n',
            id="inline list",
        ),
        pytest.param(
            'urlpatterns = [path("about/", about), path("", include("p.urls"))]\n',
            'urlpatterns = [path("about/", about), path("t", v), path("", include("p.urls"))]\n',
            id="inline, before the root include",
        ),
        pytest.param(
            "urlpatterns: list[URLPattern] = []\n",
            'urlpatterns: list[URLPattern] = [path("t", v)]\n',
            id="annotated, empty",
        ),
        pytest.param(
            'urlpatterns = (path("about/", about),)\nurlpatterns += [path("a", b)]\n',
            'urlpatterns = (path("about/", about),)\nurlpatterns += [path("a", b), path("t", v)]\n',
            id="the first list literal",
        ),
    ],
)
def test_urlpattern_fixes_inline(before: str, after: str) -> None:
    result = add_urlpattern(before, 'path("t", v)')
    assert result == after
    assert uses_name(result, "v")


@pytest.mark.parametrize(
    ("line", "after"),
    [
        pytest.param(
            2,
            'api = NinjaAPI()\napi.add_router("/a/", a)\nX\n\n\nclass Key:\n    pass\n',
            id="after a statement, with no blank line of its own",
        ),
        pytest.param(
            5,
            'api = NinjaAPI()\napi.add_router("/a/", a)\n\n\nclass Key:\n    pass\n\n\nX\n',
            id="after a class, two blank lines",
        ),
    ],
)
def test_insert_after(line: int, after: str) -> None:
    before = 'api = NinjaAPI()\napi.add_router("/a/", a)\n\n\nclass Key:\n    pass\n'
    assert insert_after(before, line, "X") == after


def test_insert_after_a_line_outside_the_module_cannot_edit() -> None:
    with pytest.raises(CannotEdit, match="no top-level statement on line 9"):
        insert_after("x = 1\n", 9, "y = 2")


# -- MIDDLEWARE --------------------------------------------------------------------------------

MW = "config.bestchatbot.PrivateTokenPagesMiddleware"


def middleware(code: str) -> str:
    return add_middleware(code, MW, '"')


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param(
            """\
            MIDDLEWARE = [
                "django.middleware.security.SecurityMiddleware",
                "django.contrib.sessions.middleware.SessionMiddleware",  # sessions
                "django.contrib.auth.middleware.AuthenticationMiddleware",
            ]
            """,
            """\
            MIDDLEWARE = [
                "django.middleware.security.SecurityMiddleware",
                "config.bestchatbot.PrivateTokenPagesMiddleware",
                "django.contrib.sessions.middleware.SessionMiddleware",  # sessions
                "django.contrib.auth.middleware.AuthenticationMiddleware",
            ]
            """,
            id="after SecurityMiddleware, ahead of the rest",
        ),
        pytest.param(
            """\
            MIDDLEWARE = (
                'django.middleware.cache.UpdateCacheMiddleware',
                'django.middleware.security.SecurityMiddleware',
                'django.middleware.cache.FetchFromCacheMiddleware',
            )
            """,
            """\
            MIDDLEWARE = (
                'django.middleware.cache.UpdateCacheMiddleware',
                'django.middleware.security.SecurityMiddleware',
                'config.bestchatbot.PrivateTokenPagesMiddleware',
                'django.middleware.cache.FetchFromCacheMiddleware',
            )
            """,
            id="inside the page cache, so that it sees private; the file's quotes",
        ),
        pytest.param(
            'MIDDLEWARE = ["a.First", "b.Second"]\n',
            f'MIDDLEWARE = ["{MW}", "a.First", "b.Second"]\n',
            id="first of a one-line list",
        ),
    ],
)
def test_middleware_fixes(before: str, after: str) -> None:
    check(before, after, middleware)


def test_middleware_noop() -> None:
    code = f'MIDDLEWARE = [\n    "{MW}",\n    "a.First",\n]\n'
    assert middleware(code) == code


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("MIDDLEWARE = BASE_MIDDLEWARE + ['a.First']\n", id="a concatenation"),
        pytest.param("INSTALLED_APPS = []\n", id="no MIDDLEWARE"),
    ],
)
def test_middleware_cannot_edit(code: str) -> None:
    with pytest.raises(CannotEdit):
        middleware(code)
