"""Django detection and planning on project shapes beyond the fixtures, and the fixtures'
reviewed snapshots (`inspect --json` and the dry-run diff)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from textwrap import dedent

import pytest

from scaffolder import engine, registry
from scaffolder.errors import BadInput, Refused, UsageError
from scaffolder.model import Answers
from scaffolder.project import Project
from scaffolder.python.source import PythonIndex
from scaffolder.stacks.django.settings import ProjPath, load
from scaffolder.stacks.django.templates import check_django_template
from tests.helpers import FIXTURES, copy_fixture, run
from tests.test_identity_renewal import renewal_script

MANAGE = """\
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{settings}")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
"""

SETTINGS = """\
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.staticfiles",
    {apps}
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "site_conf.urls"
STATIC_URL = "static/"
TEMPLATES = [
    {{
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {{"context_processors": ["django.contrib.auth.context_processors.auth"]}},
    }},
]
{extra}
"""

URLS = """\
from django.urls import include, path

urlpatterns = [
    path("accounts/", include("django.contrib.auth.urls")),
]
"""

BASE = """\
<!doctype html>
<html><body>
{% block content %}{% endblock %}
</body></html>
"""

PAGE = '{% extends "base.html" %}{% block content %}hi{% endblock %}\n'
VIEWS = """\
from django.shortcuts import render


def home(request):
    return render(request, "home.html")
"""


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dedent(text))
    return root


def site(
    root: Path, *, apps: str = "", extra: str = "", files: dict[str, str] | None = None
) -> Path:
    """A small Django project: manage.py, site_conf/ settings and urls, one page app."""
    base = {
        "manage.py": MANAGE.format(settings="site_conf.settings"),
        "site_conf/__init__.py": "",
        "site_conf/settings.py": SETTINGS.format(apps=apps, extra=extra),
        "site_conf/urls.py": URLS,
        "pages/__init__.py": "",
        "pages/views.py": VIEWS,
        "templates/base.html": BASE,
        "templates/home.html": PAGE,
    }
    base.update(files or {})
    return write(root, base)


def inspect(root: Path, **answers: str) -> engine.Inspection:
    return engine.inspect(root, Answers(**answers))[1]


def plan(root: Path, **answers: str) -> engine.Result:
    return engine.plan(root, Answers(**answers))


def edit(result: engine.Result, path: str) -> str:
    return next(e.after for e in result.plan.edits if e.path == path)


# -- static settings -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base_dir", "dirs"),
    [
        pytest.param(
            "Path(__file__).resolve().parent.parent", 'BASE_DIR / "templates"', id="pathlib"
        ),
        pytest.param(
            "Path(__file__).resolve().parents[1]", '"templates"', id="parents[1], relative"
        ),
        pytest.param(
            "os.path.dirname(os.path.dirname(os.path.abspath(__file__)))",
            'os.path.join(BASE_DIR, "templates")',
            id="os.path",
        ),
        pytest.param("Path(__file__).parent.parent", 'str(BASE_DIR / "templates")', id="str()"),
        pytest.param("Path(__file__).parent.parent", 'f"{BASE_DIR}/templates"', id="f-string"),
        pytest.param(
            "Path(__file__).parent.parent", 'BASE_DIR.joinpath("templates")', id="joinpath"
        ),
        pytest.param(
            "environ.Path(__file__) - 2", 'str(BASE_DIR.path("templates"))', id="environ.Path"
        ),
        pytest.param("environ.Path(__file__) - 2", 'BASE_DIR("templates")', id="environ call"),
        pytest.param(
            "os.path.join(os.path.dirname(os.path.dirname(__file__)), 'site')",
            'os.path.join(BASE_DIR, "..", "templates")',
            id="os.path.join of a joined dir",
        ),
    ],
)
def test_template_dirs_resolve(tmp_path: Path, base_dir: str, dirs: str) -> None:
    write(
        tmp_path,
        {
            "proj/settings.py": f"""\
                import os
                from pathlib import Path

                import environ

                BASE_DIR = {base_dir}
                TEMPLATES = [{{"BACKEND": "x", "DIRS": [{dirs}]}}]
                """,
            "proj/__init__.py": "",
        },
    )
    settings = load(PythonIndex(Project(tmp_path)), ".", "proj.settings")
    assert settings is not None
    value = settings.get("TEMPLATES")[0]["DIRS"][0]
    assert value == ProjPath(("templates",)) or value == "templates"


def test_split_settings_follow_star_imports(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "config/__init__.py": "",
            "config/settings/__init__.py": "",
            "config/settings/base.py": """\
                DJANGO_APPS = ["django.contrib.auth"]
                LOCAL_APPS = ["shop"]
                INSTALLED_APPS = DJANGO_APPS + LOCAL_APPS
                TEMPLATES = []
                """,
            "config/settings/dev.py": """\
                from .base import *  # noqa

                INSTALLED_APPS += ["debug_toolbar"]
                INSTALLED_APPS.append("django_extensions")
                if DEBUG:
                    MIDDLEWARE = ["debug_toolbar.middleware.DebugToolbarMiddleware"]
                """,
        },
    )
    settings = load(PythonIndex(Project(tmp_path)), ".", "config.settings.dev")
    assert settings is not None
    assert settings.strings("INSTALLED_APPS") == [
        "django.contrib.auth",
        "shop",
        "debug_toolbar",
        "django_extensions",
    ]
    assert settings.where("TEMPLATES").path == "config/settings/base.py"  # type: ignore[union-attr]
    assert settings.strings("MIDDLEWARE") == ["debug_toolbar.middleware.DebugToolbarMiddleware"]
    assert settings.modules == ["config/settings/dev.py", "config/settings/base.py"]


# -- which project, which settings ---------------------------------------------------------------


def test_several_settings_modules_without_a_pointer_ask(tmp_path: Path) -> None:
    site(tmp_path)
    (tmp_path / "manage.py").write_text(
        "from django.core.management import execute_from_command_line\n"
    )
    other = (tmp_path / "site_conf/settings.py").read_text()
    (tmp_path / "site_conf/settings_staging.py").write_text(other)
    insp = inspect(tmp_path, api_key="pk")
    question = next(q for q in insp.questions if q.id == "settings")
    assert question.flag == "--settings"
    assert question.choices == ("site_conf.settings", "site_conf.settings_staging")
    assert inspect(tmp_path, api_key="pk", settings="site_conf.settings_staging").questions == ()
    with pytest.raises(UsageError, match=r"--settings nowhere\.settings"):
        inspect(tmp_path, settings="nowhere.settings")


def _split_settings_site(root: Path, production: str) -> None:
    site(root)
    (root / "manage.py").write_text(
        "from django.core.management import execute_from_command_line\n"
    )
    settings = (root / "site_conf/settings.py").read_text()
    (root / "site_conf/settings.py").unlink()
    write(
        root,
        {
            "site_conf/settings/__init__.py": "",
            "site_conf/settings/base.py": settings.replace("parent.parent", "parent.parent.parent"),
            "site_conf/settings/local.py": "from .base import *\nDEBUG = True\n",
            "site_conf/settings/production.py": "from .base import *\n" + production,
        },
    )


def test_split_settings_leaves_of_one_base_are_not_rivals(tmp_path: Path) -> None:
    _split_settings_site(tmp_path, 'DEBUG = False\nINSTALLED_APPS += ["anymail"]\n')
    insp = inspect(tmp_path, api_key="pk")
    assert insp.questions == ()
    assert [f.value for f in insp.findings if f.kind == "settings"] == [
        "site_conf.settings.local",
        "site_conf.settings.production",
    ]
    assert "site_conf.bestchatbot.widget_token_context" in edit(
        plan(tmp_path, api_key="pk"), "site_conf/settings/base.py"
    )


def test_split_settings_leaf_that_redefines_the_apps_is_a_rival(tmp_path: Path) -> None:
    _split_settings_site(tmp_path, 'INSTALLED_APPS = ["django.contrib.auth", "shop"]\n')
    question = next(q for q in inspect(tmp_path).questions if q.id == "settings")
    assert question.choices == ("site_conf.settings.local", "site_conf.settings.production")
    result = plan(tmp_path, settings="site_conf.settings.local", api_key="pk")
    assert "site_conf.bestchatbot.widget_token_context" in edit(
        result, "site_conf/settings/base.py"
    )


def test_several_projects_ask_which(tmp_path: Path) -> None:
    site(tmp_path / "shop")
    site(tmp_path / "blog")
    question = next(q for q in inspect(tmp_path).questions if q.id == "app")
    assert question.choices == ("blog", "shop")
    chosen = plan(tmp_path, app="shop", api_key="pk")
    assert {e.path for e in chosen.plan.edits} >= {"shop/site_conf/bestchatbot.py"}


def test_templates_defined_in_two_settings_modules_are_both_extended(tmp_path: Path) -> None:
    site(tmp_path)
    prod = (tmp_path / "site_conf/settings.py").read_text().replace("APP_DIRS", "'APP_DIRS'")
    (tmp_path / "site_conf/prod.py").write_text(prod.replace("'APP_DIRS'", "APP_DIRS"))
    write(
        tmp_path,
        {
            "site_conf/wsgi.py": """\
                import os
                os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_conf.prod")
                """
        },
    )
    result = plan(tmp_path, api_key="pk")
    for path in ("site_conf/settings.py", "site_conf/prod.py"):
        assert edit(result, path).count("site_conf.bestchatbot.widget_token_context") == 1


# -- the user ------------------------------------------------------------------------------------


def test_cookiecutter_user_name_field_and_removed_first_name(tmp_path: Path) -> None:
    site(
        tmp_path,
        apps='"users",',
        extra='AUTH_USER_MODEL = "users.User"',
        files={
            "users/__init__.py": "",
            "users/models.py": """\
                from django.contrib.auth.models import AbstractUser
                from django.db import models


                class User(AbstractUser):
                    name = models.CharField(blank=True, max_length=255)
                    first_name = None
                    last_name = None
                """,
        },
    )
    auth = inspect(tmp_path, api_key="pk").auth
    assert auth.email is not None and auth.email.expr == "user.email"
    assert auth.name is not None and auth.name.expr == "user.name"
    assert auth.user_id is not None and auth.user_id.expr == "user.pk"


@pytest.mark.parametrize(
    ("model", "email", "name"),
    [
        pytest.param(
            """\
            class Member(AbstractBaseUser):
                email_address = models.EmailField(unique=True)
                display_name = models.CharField(max_length=80)
                EMAIL_FIELD = "email_address"
                USERNAME_FIELD = "email_address"
            """,
            "user.email_address",
            "user.display_name",
            id="EMAIL_FIELD",
        ),
        pytest.param(
            """\
            class Member(AbstractBaseUser):
                login = models.EmailField(unique=True)
                handle = models.CharField(max_length=30)
                USERNAME_FIELD = "login"
            """,
            "user.login",
            None,
            id="USERNAME_FIELD is an EmailField",
        ),
        pytest.param(
            """\
            class Person(AbstractBaseUser):
                email = models.EmailField()
                given_name = models.CharField(max_length=30)
                family_name = models.CharField(max_length=30)
                USERNAME_FIELD = "email"

                def get_full_name(self):
                    return f"{self.given_name} {self.family_name}"


            class Member(Person):
                pass
            """,
            "user.email",
            "user.get_full_name()",
            id="inherited from a project base",
        ),
        pytest.param(
            """\
            class Member(AbstractUser):
                pass
            """,
            "user.email",
            "user.get_full_name() or user.get_username()",
            id="AbstractUser",
        ),
        pytest.param(
            """\
            class Member(AbstractBaseUser):
                id = models.UUIDField(primary_key=True, default=uuid.uuid4)
                email = models.EmailField(unique=True)
                given = models.CharField(max_length=30)
                family = models.CharField(max_length=30)
                USERNAME_FIELD = "email"

                def full_name(self):
                    return f"{self.given} {self.family}".strip()
            """,
            "user.email",
            "user.full_name()",
            id="a full_name() method is called",
        ),
        pytest.param(
            """\
            class Member(AbstractBaseUser):
                email = models.EmailField(unique=True)
                first_name = models.CharField(max_length=30)
                USERNAME_FIELD = "email"
            """,
            "user.email",
            "user.first_name",
            id="a first name alone",
        ),
    ],
)
def test_custom_user_fields(tmp_path: Path, model: str, email: str, name: str | None) -> None:
    site(
        tmp_path,
        apps='"members.apps.MembersConfig",',
        extra='AUTH_USER_MODEL = "crew.Member"',
        files={
            "members/__init__.py": "",
            "members/apps.py": """\
                from django.apps import AppConfig


                class MembersConfig(AppConfig):
                    name = "members"
                    label = "crew"
                """,
            "members/models.py": "import uuid\n\nfrom django.contrib.auth.models import "
            "AbstractBaseUser, AbstractUser\nfrom django.db import models\n\n\n" + dedent(model),
        },
    )
    auth = inspect(tmp_path, api_key="pk").auth
    assert auth.email is not None and auth.email.expr == email
    assert (auth.name.expr if auth.name else None) == name
    # Every primary key (a UUID too) is stringified.
    assert '        "user_id": str(user.pk),\n' in edit(
        plan(tmp_path, api_key="pk"), "site_conf/bestchatbot.py"
    )


def test_no_email_field_asks_then_uses_the_answer(tmp_path: Path) -> None:
    site(
        tmp_path,
        apps='"members",',
        extra='AUTH_USER_MODEL = "members.Member"',
        files={
            "members/__init__.py": "",
            "members/models.py": """\
                from django.contrib.auth.base_user import AbstractBaseUser
                from django.db import models


                class Member(AbstractBaseUser):
                    handle = models.CharField(max_length=30, unique=True)
                    USERNAME_FIELD = "handle"
                """,
        },
    )
    question = next(q for q in inspect(tmp_path, api_key="pk").questions if q.id == "email_expr")
    assert "Member" in question.text and question.flag == "--email-expr"
    result = plan(tmp_path, api_key="pk", email_expr='user.handle + "@crew.example"')
    module = edit(result, "site_conf/bestchatbot.py")
    assert 'email = user.handle + "@crew.example"' in module
    assert "name = user.handle" in module
    with pytest.raises(UsageError, match="may only use user"):
        inspect(tmp_path, email_expr="request.POST['email']")


def test_allauth_without_an_email_field_on_the_user(tmp_path: Path) -> None:
    site(
        tmp_path,
        apps='"allauth", "allauth.account",',
        extra="ACCOUNT_USER_MODEL_EMAIL_FIELD = None",
    )
    insp = inspect(tmp_path, api_key="pk")
    assert insp.auth.library == "django-allauth"
    assert insp.auth.email is not None
    assert insp.auth.email.expr == "EmailAddress.objects.get_primary_email(user)"
    module = edit(plan(tmp_path, api_key="pk"), "site_conf/bestchatbot.py")
    assert "from allauth.account.models import EmailAddress\n" in module


# -- templates -----------------------------------------------------------------------------------


def test_no_base_template_asks_for_one(tmp_path: Path) -> None:
    site(tmp_path)
    (tmp_path / "templates/base.html").write_text(
        "<main>{% block content %}{% endblock %}</main>\n"
    )
    (tmp_path / "templates/home.html").write_text("<html><body>plain</body></html>\n")
    question = next(q for q in inspect(tmp_path, api_key="pk").questions if q.id == "layout")
    assert "templates/home.html" in question.choices
    result = plan(tmp_path, api_key="pk", layout="home.html")
    assert "data-user-token" in edit(result, "templates/home.html")


def jinja2_site(tmp_path: Path, apps: str = "") -> None:
    """`site` with a Jinja2 backend first, its layout and a page in the backend's folder."""
    site(tmp_path, apps=apps)
    settings = tmp_path / "site_conf/settings.py"
    settings.write_text(
        settings.read_text().replace(
            "TEMPLATES = [\n",
            'TEMPLATES = [\n    {"BACKEND": "django.template.backends.jinja2.Jinja2",'
            ' "DIRS": [BASE_DIR / "jinja2"]},\n',
        )
    )
    write(
        tmp_path,
        {
            "jinja2/layout.html": "<html><body>{% block main %}{% endblock %}</body></html>\n",
            "jinja2/shop.html": '{% extends "layout.html" %}{% block main %}{% endblock %}\n',
        },
    )


def test_jinja2_backend_layout_gets_the_processor_in_its_backend(tmp_path: Path) -> None:
    jinja2_site(tmp_path)
    write(
        tmp_path,
        {"jinja2/cart.html": '{% extends "layout.html" %}{% block main %}{% endblock %}\n'},
    )
    result = plan(tmp_path, api_key="pk")
    settings_after = edit(result, "site_conf/settings.py")
    assert '"DIRS": [BASE_DIR / "jinja2"], "OPTIONS": {"context_processors": [' in settings_after
    assert settings_after.count("widget_token_context") == 1
    layout = next(e for e in result.plan.edits if e.path == "jinja2/layout.html")
    assert layout.language == "jinja"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        pytest.param("{% block a %}{% if x %}y{% endif %}{% endblock %}", None, id="nested"),
        pytest.param("{% comment %}{% if %}{% endcomment %}", None, id="comment"),
        pytest.param("{% for x in y %}{% empty %}{% endfor %}", None, id="inner tags"),
        pytest.param("{% load static %}{% static 'a.js' %}", None, id="simple tags"),
        pytest.param("{% block a %}{% if x %}{% endblock %}{% endif %}", "line 1", id="crossed"),
        pytest.param("{% block a %}\n{% if x %}{% endif %}", "is never closed", id="unclosed"),
        pytest.param("{% endif %}", "closes nothing", id="stray end"),
    ],
)
def test_django_template_check(text: str, problem: str | None) -> None:
    found = check_django_template(text)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


# -- APIs -----------------------------------------------------------------------------------------


def test_drf_views_authentication_classes_are_reused(tmp_path: Path) -> None:
    site(
        tmp_path,
        apps='"rest_framework", "rest_framework.authtoken", "api",',
        files={
            "api/__init__.py": "",
            "api/views.py": """\
                from rest_framework.authentication import TokenAuthentication
                from rest_framework.views import APIView


                class Items(APIView):
                    authentication_classes = [TokenAuthentication]
                """,
            "api/urls.py": """\
                from django.urls import re_path

                from . import views

                urlpatterns = [
                    re_path(r"^items/$", views.Items.as_view()),
                ]
                """,
            "site_conf/urls.py": """\
                from django.urls import include, path

                urlpatterns = [
                    path("api/", include("api.urls")),
                ]
                """,
            "pages/views.py": "def nothing(request):\n    return None\n",
        },
    )
    result = plan(tmp_path)
    module = edit(result, "site_conf/bestchatbot.py")
    assert "    authentication_classes = [TokenAuthentication]\n" in module
    assert "from rest_framework.authentication import TokenAuthentication\n" in module
    urls = edit(result, "api/urls.py")
    assert 're_path(r"^widget-token$", WidgetTokenView.as_view(), name="widget-token"),' in urls
    assert "from site_conf.bestchatbot import WidgetTokenView\n\nfrom . import views" in urls


def test_an_existing_bestchatbot_module_is_not_overwritten(tmp_path: Path) -> None:
    site(tmp_path, files={"site_conf/bestchatbot.py": "BOT_NAME = 'Ada'\n"})
    with pytest.raises(Refused, match=r"site_conf/bestchatbot\.py already exists"):
        plan(tmp_path, api_key="pk")


def test_unparseable_settings_are_reported_not_guessed(tmp_path: Path) -> None:
    site(tmp_path)
    settings = tmp_path / "site_conf/settings.py"
    settings.write_text(settings.read_text() + "\nTEMPLATES = load_templates(\n")
    result = run("apply", tmp_path, "--yes", "--api-key", "pk")
    assert result.exit_code == 6
    assert "site_conf/settings.py" in result.output


# -- a layout that extends another -----------------------------------------------------------------

TAG = (
    '<script src="https://widget.bestchatbot.io/widget/v1/chat.js" data-api-key="pk"'
    '{% if bestchatbot_token %} data-user-token="{{ bestchatbot_token }}"{% endif %}></script>'
)
SKELETON = """\
    <!doctype html>
    <html><head>{% block head %}{% endblock %}</head>
    <body>
    {% block body %}{% endblock %}
    {% block javascript %}<script src="/static/app.js"></script>{% endblock %}
    </body></html>
    """


def chained_site(root: Path, base: str, layout: str) -> Path:
    """templates/base.html (`base`), the app's layout extending it (`app/layout.html`), and a
    page of each."""
    return site(
        root,
        files={
            "templates/base.html": base,
            "templates/app/layout.html": layout,
            "templates/home.html": '{% extends "base.html" %}{% block body %}hi{% endblock %}\n',
            "templates/app/page.html": '{% extends "app/layout.html" %}\n',
        },
    )


@pytest.mark.parametrize(
    ("base", "layout", "after"),
    [
        pytest.param(
            SKELETON,
            '{% extends "base.html" %}\n{% block body %}<nav></nav>{% endblock %}\n',
            '{% extends "base.html" %}\n{% block body %}<nav></nav>{% endblock %}\n'
            "{% block javascript %}\n{{ block.super }}\nTAG\n{% endblock %}\n",
            id="the parent's script block, overridden with block.super",
        ),
        pytest.param(
            SKELETON,
            '{% extends "base.html" %}\n{% block javascript %}\n  {{ block.super }}\n'
            "{% endblock %}\n",
            '{% extends "base.html" %}\n{% block javascript %}\n  {{ block.super }}\n  TAG\n'
            "{% endblock %}\n",
            id="the block the layout already overrides",
        ),
        pytest.param(
            "<html><body>\n{% block main %}{% endblock %}\n<footer>{% block footer_links %}"
            "{% endblock %}</footer>\n</body></html>\n",
            '{% extends "base.html" %}\n\n{% block main %}app{% endblock %}\n',
            '{% extends "base.html" %}\n\n{% block main %}app{% endblock %}\n\n'
            "{% block footer_links %}\n{{ block.super }}\nTAG\n{% endblock %}\n",
            id="no scripts block: the one closest to </body>",
        ),
        pytest.param(
            "<html><body>\n{% block page %}<main>{% block scripts %}{% endblock %}</main>"
            "{% endblock %}{% block after %}{% endblock %}\n</body></html>\n",
            '{% extends "base.html" %}\n{% block page %}mine{% endblock %}\n',
            '{% extends "base.html" %}\n{% block page %}mine{% endblock %}\n'
            "{% block after %}\n{{ block.super }}\nTAG\n{% endblock %}\n",
            id="not inside a block the layout overrides",
        ),
    ],
)
def test_answered_layout_extending_another_gets_the_tag_in_a_block(
    tmp_path: Path, base: str, layout: str, after: str
) -> None:
    """Django renders only the blocks of a template that extends another: the tag goes in the
    block of base.html that renders last in <body>, never after the layout's last endblock."""
    chained_site(tmp_path, base, layout)
    result = plan(tmp_path, api_key="pk", layout="app/layout.html")
    assert edit(result, "templates/app/layout.html") == after.replace("TAG", TAG)
    assert "templates/base.html" not in {e.path for e in result.plan.edits}


def test_answered_layout_whose_parent_has_no_block_in_body(tmp_path: Path) -> None:
    """No block of base.html renders in <body> that the layout could fill: the tag goes in
    base.html itself."""
    chained_site(
        tmp_path,
        "<html><head>{% block head %}{% endblock %}</head><body>\n<p>static</p>\n</body></html>\n",
        '{% extends "base.html" %}\n{% block head %}<title>App</title>{% endblock %}\n',
    )
    result = plan(tmp_path, api_key="pk", layout="app/layout.html")
    assert TAG in edit(result, "templates/base.html")
    assert "templates/app/layout.html" not in {e.path for e in result.plan.edits}


@pytest.mark.parametrize(
    ("layout", "message"),
    [
        pytest.param(
            "{% extends base_template %}\n{% block body %}{% endblock %}\n",
            "--layout app/layout.html: it extends a template chosen at run time",
            id="a parent named at run time",
        ),
        pytest.param(
            '{% extends "vendor/shell.html" %}\n{% block body %}{% endblock %}\n',
            "--layout app/layout.html: it extends vendor/shell.html, and no block of that chain",
            id="an installed package's template without a block we know",
        ),
    ],
)
def test_answered_layout_whose_blocks_cannot_be_known(
    tmp_path: Path, layout: str, message: str
) -> None:
    chained_site(tmp_path, SKELETON, layout)
    with pytest.raises(UsageError, match=re.escape(message)):
        plan(tmp_path, api_key="pk", layout="app/layout.html")


def test_a_layout_extending_one_named_at_run_time_is_no_candidate(tmp_path: Path) -> None:
    """`{% extends base_template %}` without <body>: appending to it would render nothing."""
    site(
        tmp_path,
        files={
            "templates/base.html": "{% extends layout %}{% block content %}{% endblock %}\n",
        },
    )
    insp = inspect(tmp_path, api_key="pk")
    assert [f.value for f in insp.findings if f.kind == "layout"] == []
    assert any(q.id == "layout" for q in insp.questions)


# -- layouts of installed packages, line endings ---------------------------------------------------


def test_base_template_extending_a_package_template_uses_its_script_block(tmp_path: Path) -> None:
    site(
        tmp_path,
        files={
            "templates/base.html": """\
                {% extends "theme/skeleton.html" %}
                {% block extra_js %}
                  <script src="/static/app.js"></script>
                {% endblock %}
                """,
            "templates/about.html": '{% extends "base.html" %}\n',
        },
    )
    result = plan(tmp_path, api_key="pk")
    tag = (
        '<script src="https://widget.bestchatbot.io/widget/v1/chat.js" data-api-key="pk"'
        '{% if bestchatbot_token %} data-user-token="{{ bestchatbot_token }}"{% endif %}></script>'
    )
    assert edit(result, "templates/base.html") == dedent(
        """\
        {% extends "theme/skeleton.html" %}
        {% block extra_js %}
          <script src="/static/app.js"></script>
          TAG
        {% endblock %}
        """
    ).replace("TAG", tag)


def test_base_template_extending_an_unknown_package_template_asks(tmp_path: Path) -> None:
    site(
        tmp_path,
        files={
            "templates/base.html": '{% extends "theme/skeleton.html" %}\n',
            "templates/about.html": '{% extends "base.html" %}\n',
        },
    )
    question = next(q for q in inspect(tmp_path, api_key="pk").questions if q.id == "layout")
    assert "theme/skeleton.html" in question.text


def test_crlf_files_stay_crlf(tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(FIXTURES / "django-auth", root)
    for path in root.rglob("*"):
        if path.is_file() and path.suffix in (".py", ".html", ".txt"):
            path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    result = plan(root, api_key="pk")
    assert {e.path for e in result.plan.edits} >= {
        "recipebox/bestchatbot.py",
        "recipebox/settings.py",
        "kitchen/templates/kitchen/base.html",
    }
    for e in result.plan.edits:
        if e.path != ".env.example":
            assert "\n" not in e.after.replace("\r\n", ""), e.path


def test_drf_spa_without_session_authentication_warns(tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(FIXTURES / "django-drf-spa", root)
    settings = root / "backend/server/settings.py"
    settings.write_text(
        settings.read_text().replace(
            '        "rest_framework.authentication.SessionAuthentication",\n', ""
        )
    )
    result = plan(root, api_key="pk")
    assert any("TokenAuthentication" in w and "Authorization" in w for w in result.plan.warnings)
    with_session = plan(FIXTURES / "django-drf-spa", api_key="pk")
    assert not any("Authorization" in w for w in with_session.plan.warnings)


# -- shapes of real projects (issue 13) -----------------------------------------------------------


def test_project_package_named_example_is_the_project(tmp_path: Path) -> None:
    """The project's own package in `example/` is not sample code: its views render pages, and
    its override of allauth's base template is the layout the package's pages extend."""
    root = copy_fixture("django-example-pkg", tmp_path)
    insp = inspect(root, api_key="pk")
    assert insp.stack.rendering == "server-rendered"
    assert insp.widget.file == "example/templates/allauth/layouts/base.html"
    assert insp.delivery == "script-attribute"
    assert insp.questions == ()
    layout = edit(plan(root, api_key="pk"), "example/templates/allauth/layouts/base.html")
    assert "data-user-token" in layout.split("</body>")[0]


def test_example_tests_stay_tests(tmp_path: Path) -> None:
    """Below the project's package, its tests are still not the app: a login() there is no
    sign-in evidence."""
    root = copy_fixture("django-example-pkg", tmp_path)
    write(
        root,
        {
            "example/tests/__init__.py": "",
            "example/tests/test_login.py": """\
                from django.contrib.auth import login


                def test_login(rf, user):
                    login(rf.get("/"), user)
                """,
        },
    )
    evidence = {e.file for e in inspect(root, api_key="pk").auth.evidence}
    assert "example/urls.py" in evidence
    assert not any(f.startswith("example/tests/") for f in evidence)


def test_admin_overrides_are_no_layout(tmp_path: Path) -> None:
    root = copy_fixture("django-drf-admin", tmp_path)
    insp = inspect(root)
    assert (insp.stack.rendering, insp.delivery) == ("api", "token-endpoint")
    assert insp.widget is None or insp.widget.file is None
    assert insp.questions == ()
    edits = {e.path for e in plan(root).plan.edits}
    assert "inventory/urls.py" in edits
    assert not any(p.startswith("templates/") for p in edits)


@pytest.mark.parametrize(
    ("answers", "refusal"),
    [
        pytest.param(
            {"layout": "admin/base_site.html"},
            r"--layout admin/base_site\.html: the project renders no pages",
            id="--layout on a JSON API",
        ),
        pytest.param(
            {"delivery": "script-attribute", "api_key": "pk"},
            r"--delivery script-attribute: the project renders no pages",
            id="--delivery script-attribute without pages",
        ),
        pytest.param(
            {"delivery": "script-attribute", "api_key": "pk", "layout": "admin/base_site.html"},
            r"--layout admin/base_site\.html: an admin site template",
            id="--layout naming an admin template",
        ),
    ],
)
def test_answers_without_pages_are_refused(
    tmp_path: Path, answers: dict[str, str], refusal: str
) -> None:
    root = copy_fixture("django-drf-admin", tmp_path)
    with pytest.raises(UsageError, match=refusal):
        inspect(root, **answers)


def test_layout_answer_turns_an_api_judgement_into_pages(tmp_path: Path) -> None:
    """Pages the tool did not see rendered (a view it cannot read): --layout says they exist."""
    site(tmp_path, files={"pages/views.py": "def home(request):\n    return None\n"})
    assert inspect(tmp_path, api_key="pk").stack.rendering == "api"
    insp = inspect(tmp_path, api_key="pk", layout="base.html")
    assert (insp.stack.rendering, insp.widget.file) == ("server-rendered", "templates/base.html")
    assert "data-user-token" in edit(
        plan(tmp_path, api_key="pk", layout="base.html"), "templates/base.html"
    )


def test_settings_package_without_a_pointer_and_apps_dir_templates(tmp_path: Path) -> None:
    """manage.py sets no DJANGO_SETTINGS_MODULE; local / production only star-import base, whose
    DIRS is `os.path.join(APPS_DIR, "templates")`."""
    root = copy_fixture("django-split-settings", tmp_path)
    insp = inspect(root, api_key="pk")
    assert insp.questions == ()
    assert insp.stack.rendering == "server-rendered"
    assert insp.widget.file == "ledger/templates/base.html"
    settings = [f.value for f in insp.findings if f.kind == "settings"]
    assert settings == ["config.settings.local", "config.settings.production"]
    result = plan(root, api_key="pk")
    assert "config.bestchatbot.widget_token_context" in edit(result, "config/settings/base.py")
    assert not any(e.path.endswith(("local.py", "production.py")) for e in result.plan.edits)


# -- detection, and the plan's steps -------------------------------------------------------------


def test_settings_alone_are_a_django_project_of_medium_confidence(tmp_path: Path) -> None:
    """No manage.py, no DJANGO_SETTINGS_MODULE: triage still lets Django in, on its settings."""
    write(
        tmp_path, {"proj/__init__.py": "", "proj/settings.py": SETTINGS.format(apps="", extra="")}
    )
    project = Project(tmp_path)
    assert "django" in [s.id for s in registry.triage(project)]
    detection = registry.load("django").detect(project)
    assert detection is not None
    assert (detection.confidence, [e.why for e in detection.evidence]) == (
        "medium",
        ["Django settings"],
    )
    assert inspect(tmp_path).stack.framework == "django"


def test_framework_django_without_a_project_asks_for_the_settings(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": "print('hello')\n"})
    assert registry.load("django").detect(Project(tmp_path)) is None
    insp = inspect(tmp_path, framework="django")
    question = next(q for q in insp.questions if q.id == "settings")
    assert question.text.endswith("None sets DJANGO_SETTINGS_MODULE or defines INSTALLED_APPS")
    assert (insp.stack.framework, insp.stack.confidence) == ("django", "low")


@pytest.mark.parametrize(
    ("files", "answers", "refusal"),
    [
        pytest.param(
            {"site_conf/urls.py": "from django.urls import path\n\nurlpatterns = build()\n"},
            {"delivery": "token-endpoint"},
            r"^site_conf/urls\.py: no `urlpatterns = \[\.\.\.\]` list; add "
            r"`path\(\"api/widget-token\", widget_token_view, name=\"widget-token\"\)`",
            id="urlpatterns that are not a list",
        ),
        pytest.param(
            {"site_conf/urls.py": None},
            {"delivery": "token-endpoint", "api_prefix": "/v2"},
            r"^site_conf/settings\.py: ROOT_URLCONF could not be resolved; add "
            r"`path\(\"v2/widget-token\", widget_token_view",
            id="ROOT_URLCONF that is not there, under the answered prefix",
        ),
        pytest.param(
            {
                "site_conf/settings.py": SETTINGS.format(apps="", extra="")
                .replace(
                    '"OPTIONS": {"context_processors": '
                    '["django.contrib.auth.context_processors.auth"]}',
                    '"OPTIONS": OPTIONS',
                )
                .replace("TEMPLATES = [", "OPTIONS = {}\nTEMPLATES = ["),
            },
            {},
            r"^site_conf/settings\.py: TEMPLATES OPTIONS is not a dict literal; add "
            r"'site_conf\.bestchatbot\.widget_token_context' to TEMPLATES",
            id="TEMPLATES OPTIONS that are not a literal",
        ),
    ],
)
def test_steps_that_cannot_edit_safely_name_what_to_paste(
    tmp_path: Path, files: dict[str, str | None], answers: dict[str, str], refusal: str
) -> None:
    site(tmp_path)
    for rel, text in files.items():
        if text is None:
            (tmp_path / rel).unlink()
        else:
            (tmp_path / rel).write_text(text)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    with pytest.raises(BadInput, match=refusal):
        plan(tmp_path, api_key="pk", **answers)
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


@pytest.mark.parametrize(
    ("answers", "skips"),
    [
        pytest.param(
            {},
            [
                ("site_conf/bestchatbot.py", "token module already present"),
                ("site_conf/settings.py", "context processor already registered"),
                ("site_conf/settings.py", "PrivateTokenPagesMiddleware is already in MIDDLEWARE"),
                ("site_conf/urls.py", "widget_token_view is already routed"),
                ("templates/base.html", "widget tag already carries data-user-token"),
                ("templates/base.html", "identity script already loaded"),
            ],
            id="context processor, middleware, tag and renewal",
        ),
        pytest.param(
            {"delivery": "token-endpoint"},
            [
                ("site_conf/bestchatbot.py", "token module already present"),
                ("site_conf/urls.py", "widget_token_view is already routed"),
                ("templates/base.html", "identity script already loaded"),
            ],
            id="endpoint and the base template's script",
        ),
    ],
)
def test_every_step_is_a_noop_once_applied(
    tmp_path: Path, answers: dict[str, str], skips: list[tuple[str, str]]
) -> None:
    site(tmp_path, extra='STATICFILES_DIRS = [BASE_DIR / "static"]')
    for e in plan(tmp_path, api_key="pk", **answers).plan.edits:
        (tmp_path / e.path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / e.path).write_text(e.after)
    again = plan(tmp_path, api_key="pk", **answers).plan
    assert [e.path for e in again.edits] == []
    assert set(skips) <= {(s.path, s.why) for s in again.skipped}


# -- renewing the token of open pages ------------------------------------------------------------

STATIC_TAG = "<script src=\"{% static 'bestchatbot-identity.js' %}\"></script>"


def test_pages_get_the_route_and_the_script_renewing_their_token(tmp_path: Path) -> None:
    """A plain view reading request.user, as the context processor does: the session the page
    was signed in with, whatever the project's API authenticates with."""
    site(
        tmp_path,
        apps='"pages", "rest_framework",',
        extra='REST_FRAMEWORK = {"DEFAULT_AUTHENTICATION_CLASSES": '
        '["rest_framework.authentication.TokenAuthentication"]}',
    )
    result = plan(tmp_path, api_key="pk")
    module = edit(result, "site_conf/bestchatbot.py")
    assert "def widget_token_context(" in module and "def widget_token_view(" in module
    assert "rest_framework" not in module
    urls = edit(result, "site_conf/urls.py")
    assert 'path("api/widget-token", widget_token_view, name="widget-token"),' in urls
    assert "from .bestchatbot import widget_token_view" in urls
    layout = edit(result, "templates/base.html")
    assert layout.startswith("{% load static %}\n<!doctype html>")
    assert re.search(
        r'data-user-token="\{\{ bestchatbot_token \}\}"\{% endif %\}></script>\n'
        + re.escape(STATIC_TAG)
        + "\n</body>",
        layout,
    )
    # The base template belongs to no app: the script goes in the project's first app.
    script = next(e for e in result.plan.edits if e.path == "pages/static/bestchatbot-identity.js")
    assert script.after == renewal_script("/api/widget-token")


@pytest.mark.parametrize(
    ("apps", "extra", "why"),
    [
        pytest.param(
            '"pages",',
            "",
            "STATIC_URL is not set (site_conf/settings.py), so the pages cannot load "
            "bestchatbot-identity.js, which renews the widget token while a page stays open: "
            'set it (STATIC_URL = "static/") and run apply again',
            id="no STATIC_URL",
        ),
        pytest.param(
            "",
            'STATIC_URL = "static/"',
            "staticfiles finds no folder of the project (site_conf/settings.py), so the pages "
            "cannot load bestchatbot-identity.js, which renews the widget token while a page "
            "stays open: add a folder of its own to STATICFILES_DIRS and run apply again",
            id="no app and no STATICFILES_DIRS",
        ),
    ],
)
def test_without_static_files_the_script_is_a_next_step(
    tmp_path: Path, apps: str, extra: str, why: str
) -> None:
    site(tmp_path, apps=apps, extra=extra)
    settings = tmp_path / "site_conf/settings.py"
    settings.write_text(
        settings.read_text().replace('STATIC_URL = "static/"\nTEMPLATES', "TEMPLATES")
    )
    result = plan(tmp_path, api_key="pk")
    assert "bestchatbot-identity" not in edit(result, "templates/base.html")
    assert not any(e.path.endswith(".js") for e in result.plan.edits)
    assert why in result.plan.next_steps


def test_without_staticfiles_the_script_is_a_next_step(tmp_path: Path) -> None:
    site(tmp_path, apps='"pages",')
    settings = tmp_path / "site_conf/settings.py"
    settings.write_text(settings.read_text().replace('    "django.contrib.staticfiles",\n', ""))
    result = plan(tmp_path, api_key="pk")
    assert not any(e.path.endswith(".js") for e in result.plan.edits)
    assert any(
        n.startswith("django.contrib.staticfiles is not in INSTALLED_APPS")
        and 'add it (and STATIC_URL = "static/") and run apply again' in n
        for n in result.plan.next_steps
    )


def test_a_jinja2_layout_gets_the_script_file_and_the_tag_to_add(tmp_path: Path) -> None:
    jinja2_site(tmp_path, apps='"pages",')
    result = plan(tmp_path, api_key="pk", layout="layout.html")
    assert "static" not in edit(result, "jinja2/layout.html")
    assert "pages/static/bestchatbot-identity.js" in {e.path for e in result.plan.edits}
    assert (
        "Load pages/static/bestchatbot-identity.js in jinja2/layout.html right after the widget tag"
        ", with the static() of your Jinja2 environment: "
        "<script src=\"{{ static('bestchatbot-identity.js') }}\"></script>"
    ) in result.plan.next_steps
    # behind a page cache the layout gets neither tag by itself: the step names both
    (tmp_path / "pages/views.py").write_text(
        "from django.views.decorators.cache import cache_page\n\n"
        "@cache_page(60)\ndef home(request):\n    return None\n"
    )
    cached = plan(tmp_path, api_key="pk", layout="layout.html")
    assert "jinja2/layout.html" not in {e.path for e in cached.plan.edits}
    assert "pages/static/bestchatbot-identity.js" in {e.path for e in cached.plan.edits}
    step = next(s for s in cached.plan.next_steps if s.startswith("Load pages/static/"))
    assert 'after the widget tag <script src="https://widget.bestchatbot.io/' in step
    assert "templates/browser" not in " ".join(cached.plan.next_steps)


def test_a_url_conf_it_cannot_edit_leaves_the_pages_as_they_were(tmp_path: Path) -> None:
    """The route becomes a next step (the pages work without renewal) and no script loads an
    endpoint that is not routed."""
    site(tmp_path, apps='"pages",')
    (tmp_path / "site_conf/urls.py").write_text(
        "from django.urls import path\n\nurlpatterns = build()\n"
    )
    result = plan(tmp_path, api_key="pk")
    paths = {e.path for e in result.plan.edits}
    assert "site_conf/urls.py" not in paths and "pages/static/bestchatbot-identity.js" not in paths
    assert "bestchatbot-identity" not in edit(result, "templates/base.html")
    assert any(
        n.startswith("site_conf/urls.py: no `urlpatterns = [...]` list; add `path(")
        and n.endswith(
            "then run apply again to load bestchatbot-identity.js, which renews the "
            "widget token while a page stays open"
        )
        for n in result.plan.next_steps
    )


def test_without_a_url_conf_pages_keep_their_token_for_its_hour(tmp_path: Path) -> None:
    site(tmp_path, apps='"pages",')
    (tmp_path / "site_conf/urls.py").unlink()
    result = plan(tmp_path, api_key="pk")
    assert "def widget_token_view(" not in edit(result, "site_conf/bestchatbot.py")
    assert not any(e.path.endswith(".js") for e in result.plan.edits)


def test_a_module_written_before_renewal_is_kept_with_a_next_step(tmp_path: Path) -> None:
    site(tmp_path, apps='"pages",')
    for e in plan(tmp_path, api_key="pk").plan.edits:
        (tmp_path / e.path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / e.path).write_text(e.after)
    module = tmp_path / "site_conf/bestchatbot.py"
    text = module.read_text()
    module.write_text(text[: text.index("\n\n@never_cache")] + "\n")
    (tmp_path / "site_conf/urls.py").write_text(URLS)
    (tmp_path / "pages/static/bestchatbot-identity.js").unlink()
    base = tmp_path / "templates/base.html"
    base.write_text(base.read_text().replace(STATIC_TAG + "\n", ""))
    again = plan(tmp_path, api_key="pk").plan
    assert again.edits == []
    assert ("site_conf/bestchatbot.py", "token module already present (without renewal)") in {
        (s.path, s.why) for s in again.skipped
    }
    assert any("written before the widget token was renewed" in n for n in again.next_steps)
