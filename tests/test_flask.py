"""Flask detection and planning on project shapes beyond the fixtures, and the fixtures'
reviewed dry-run snapshots."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from textwrap import dedent

import pytest

from scaffolder import engine
from scaffolder.model import Answers
from tests.helpers import copy_fixture, run, tree_digest
from tests.test_identity_renewal import renewal_script

LOGIN_MODEL = """\
from flask_login import LoginManager, UserMixin
from .db import db

login_manager = LoginManager()

class User(UserMixin, db.Model):
    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String)
    first_name = db.Column(db.String)
    last_name = db.Column(db.String)

@login_manager.user_loader
def load(uid):
    return User.query.get(int(uid))
"""
BASE = "<html><body>{% block content %}{% endblock %}</body></html>\n"
PAGE = '{% extends "base.html" %}\n'


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dedent(text))
    return tmp_path


def inspect(root: Path, **answers: str):  # type: ignore[no-untyped-def]
    return engine.inspect(root, Answers(**answers))[1]


def test_module_app_under_another_name_and_view_functions(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {
            "wsgi.py": """\
                import flask
                from models import login_manager
                application = flask.Flask(__name__, template_folder="views")
                login_manager.init_app(application)

                @application.route("/")
                def home():
                    return flask.render_template("home.html")
                """,
            "models.py": LOGIN_MODEL.replace("from .db import db", "from db import db"),
            "db.py": "db = None\n",
            "views/base.html": BASE,
            "views/home.html": PAGE,
        },
    )
    insp = inspect(root)
    assert insp.stack.framework == "flask" and insp.stack.rendering == "server-rendered"
    assert insp.facts.found.app.var == "application" and insp.facts.found.app.factory is None
    assert insp.widget.file == "views/base.html"
    assert insp.auth.name is not None
    assert insp.auth.name.expr == (
        '" ".join(filter(None, [current_user.first_name, current_user.last_name]))'
    )
    result = engine.plan(root, Answers(api_key="pk"))
    wsgi = next(e for e in result.plan.edits if e.path == "wsgi.py").after
    assert (
        "application.context_processor(inject_widget_token)\n"
        'application.register_blueprint(bestchatbot_bp, url_prefix="/api")\n'
    ) in wsgi
    assert "from bestchatbot import bestchatbot_bp, inject_widget_token\n" in wsgi


def test_factory_with_another_name_in_a_monorepo_backend(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {
            "frontend/package.json": "{}",
            "backend/requirements.txt": "flask\nflask-login\n",
            "backend/shop/__init__.py": """\
                from flask import Flask, render_template
                from .models import login_manager

                def make_app(settings=None):
                    web = Flask(__name__)
                    login_manager.init_app(web)
                    return web
                """,
            "backend/shop/models.py": LOGIN_MODEL,
            "backend/shop/db.py": "db = None\n",
            "backend/shop/views.py": (
                "from flask import render_template\n"
                "def x():\n    return render_template('a.html')\n"
            ),
            "backend/shop/templates/base.html": BASE,
            "backend/shop/templates/a.html": PAGE,
        },
    )
    insp = inspect(root)
    assert insp.stack.app_root == "backend"
    assert (insp.facts.found.app.factory, insp.facts.found.app.var) == ("make_app", "web")
    result = engine.plan(root, Answers(api_key="pk"))
    paths = [e.path for e in result.plan.edits]
    assert paths == [
        "backend/shop/bestchatbot.py",
        "backend/shop/__init__.py",
        "backend/shop/templates/base.html",
        "backend/shop/static/bestchatbot-identity.js",
        "backend/requirements.txt",
        "backend/.env.example",
    ]


def test_apps_in_tests_do_not_count_but_two_real_apps_are_a_question(tmp_path: Path) -> None:
    files = {
        "site/app.py": "from flask import Flask\napp = Flask(__name__)\n",
        "tests/conftest.py": "from flask import Flask\napp = Flask('test')\n",
    }
    root = project(tmp_path, files)
    assert inspect(root).facts.found.app.path == "site/app.py"
    project(tmp_path, {"admin/app.py": "from flask import Flask\nadmin = Flask(__name__)\n"})
    insp = inspect(root)
    assert [(q.id, q.choices) for q in insp.questions] == [
        ("app", ("admin/app.py:admin", "site/app.py:app"))
    ]
    assert inspect(root, app="site/app.py").facts.found.app.var == "app"


def test_hand_rolled_session_with_an_orm_model(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {
            "app.py": """\
                from flask import Flask, g, session, render_template
                from models import Person

                app = Flask(__name__)

                @app.before_request
                def load_user():
                    uid = session.get("uid")
                    g.current_user = Person.get(uid) if uid else None

                @app.post("/login")
                def login():
                    session["user_id"] = 1
                    return render_template("base.html")
                """,
            "models.py": """\
                from dataclasses import dataclass

                @dataclass
                class Person:
                    id: int
                    email_address: str
                    display_name: str
                """,
            "templates/base.html": BASE,
            "templates/x.html": PAGE,
        },
    )
    insp = inspect(root, api_key="pk_test")  # no question left: the choices are settled
    assert insp.auth.library == "flask-session"
    assert insp.auth.email is not None and insp.auth.email.expr == "g.current_user.email_address"
    assert insp.auth.confidence == "medium"
    assert insp.facts.choices.auth.anonymous == 'g.get("current_user") is None'


def test_page_cache_prefers_the_endpoint(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {
            "app.py": """\
                from flask import Flask, render_template
                from flask_caching import Cache
                from flask_login import LoginManager, login_user
                from models import User

                app = Flask(__name__)
                cache = Cache(app)
                lm = LoginManager(app)

                @lm.user_loader
                def load(uid):
                    return User.get(uid)

                @app.route("/")
                @cache.cached(timeout=60)
                def index():
                    return render_template("page.html")
                """,
            "models.py": "class User:\n    id = 1\n    email = ''\n",
            "templates/base.html": BASE,
            "templates/page.html": PAGE,
        },
    )
    insp = inspect(root)
    assert insp.delivery == "token-endpoint"
    assert any("page cache" in n.message for n in insp.notes)


def test_flask_bootstrap_layout_gets_the_scripts_block(tmp_path: Path) -> None:
    root = copy_fixture("flask-login", tmp_path)
    base = root / "app/templates/base.html"
    base.write_text(
        '{% extends "bootstrap/base.html" %}\n{% block content %}{% endblock %}\n'
        '{% block scripts %}\n  {{ super() }}\n  <script src="/static/x.js"></script>\n'
        "{% endblock %}\n"
    )
    result = engine.plan(root, Answers(api_key="pk"))
    after = next(e.after for e in result.plan.edits if e.path.endswith("base.html"))
    assert after.endswith(
        '  <script src="/static/x.js"></script>\n'
        '  <script src="https://widget.bestchatbot.io/widget/v1/chat.js" data-api-key="pk"'
        '{% if bestchatbot_token %} data-user-token="{{ bestchatbot_token }}"{% endif %}>'
        "</script>\n"
        "  <script src=\"{{ url_for('static', filename='bestchatbot-identity.js') }}\"></script>\n"
        "{% endblock %}\n"
    )


def test_existing_widget_tag_gets_the_attribute_only(tmp_path: Path) -> None:
    root = copy_fixture("flask-login", tmp_path)
    base = root / "app/templates/base.html"
    tag = '<script async src="https://widget.bestchatbot.io/widget/v1/chat.js" data-api-key="k">'
    base.write_text(base.read_text().replace("</body>", tag + "</script>\n  </body>"))
    insp = inspect(root)
    assert insp.widget.present and insp.widget.line == 24 and insp.questions == ()
    result = engine.plan(root, Answers())
    after = next(e.after for e in result.plan.edits if e.path.endswith("base.html"))
    assert (
        tag[:-1] + '{% if bestchatbot_token %} data-user-token="{{ bestchatbot_token }}"'
        "{% endif %}></script>" in after
    )


def test_two_layouts_are_a_question_and_layout_answers_it(tmp_path: Path) -> None:
    root = copy_fixture("flask-noemail", tmp_path)
    (root / "templates/admin.html").write_text("<html><body>{% block x %}{% endblock %}</body>")
    for page in ("users", "audit", "settings"):
        (root / f"templates/{page}.html").write_text("{% extends 'admin.html' %}")
    insp = inspect(root, email_expr="current_user.username")
    assert [(q.id, q.choices) for q in insp.questions] == [
        ("layout", ("templates/admin.html", "templates/layout.html"))
    ]
    chosen = inspect(root, email_expr="current_user.username", layout="admin.html")
    assert chosen.widget.file == "templates/admin.html"


def test_talisman_csp_is_a_warning(tmp_path: Path) -> None:
    root = copy_fixture("flask-login", tmp_path)
    init = root / "app/__init__.py"
    init.write_text(
        init.read_text()
        .replace(
            "from config import Config",
            "from config import Config\nfrom flask_talisman import Talisman",
        )
        .replace("    db.init_app(app)", "    Talisman(app)\n    db.init_app(app)")
    )
    result = engine.plan(root, Answers(api_key="pk"))
    assert any("widget.bestchatbot.io" in w and "script-src" in w for w in result.plan.warnings)


def test_noop_on_an_integrated_project(tmp_path: Path) -> None:
    root = copy_fixture("flask-session", tmp_path)
    assert run("apply", root, "--yes", "--api-key", "pk").exit_code == 0
    insp = inspect(root)
    assert insp.widget.present and insp.widget.has_user_token
    result = engine.plan(root, Answers())
    assert result.plan.edits == []
    assert {s.path for s in result.plan.skipped} >= {
        "journal/bestchatbot.py",
        "journal/__init__.py",
        "journal/templates/base.html",
        "pyproject.toml",
        ".env.example",
    }


def test_crlf_project_stays_crlf(tmp_path: Path) -> None:
    root = copy_fixture("flask-login", tmp_path)
    for path in root.rglob("*"):
        if path.is_file() and path.suffix in (".py", ".html", ".txt"):
            path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    result = engine.plan(root, Answers(api_key="pk"))
    for edit in result.plan.edits:
        if edit.path != ".env.example":
            assert "\n" not in edit.after.replace("\r\n", ""), edit.path


def test_a_lone_full_page_template_is_the_layout(tmp_path: Path) -> None:
    files = {
        "app.py": """\
            from flask import Flask, render_template
            from models import login_manager
            app = Flask(__name__)
            login_manager.init_app(app)

            @app.route("/")
            def index():
                return render_template("index.html")
            """,
        "models.py": LOGIN_MODEL.replace("from .db import db", "db = None"),
        "templates/index.html": "<html><body><h1>Hi</h1></body></html>\n",
    }
    root = project(tmp_path, files)
    insp = inspect(root, api_key="pk")
    assert (insp.widget.file, insp.questions) == ("templates/index.html", ())
    project(tmp_path, {"templates/about.html": "<html><body>About</body></html>\n"})
    insp = inspect(root, api_key="pk")
    assert [q.id for q in insp.questions] == ["layout"]
    assert "question below" in run("inspect", root).output


def test_an_app_of_a_flask_subclass_of_a_subclass(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {
            "shop/base.py": """\
                import flask

                class BaseApp(flask.Flask):
                    pass
                """,
            "shop/web.py": """\
                from flask import render_template
                from shop.base import BaseApp

                class ShopApp(BaseApp):
                    pass

                def build():
                    shop = ShopApp(__name__)
                    shop.add_url_rule("/", "home", lambda: render_template("x.html"))
                    return shop
                """,
            "shop/templates/base.html": BASE,
            "shop/templates/x.html": PAGE,
        },
    )
    insp = inspect(root, api_key="pk_test", auth="flask-login", email_expr="current_user.email")
    assert insp.stack.framework == "flask"
    assert (insp.facts.found.app.path, insp.facts.found.app.factory) == ("shop/web.py", "build")
    assert insp.widget.file == "shop/templates/base.html"


HAND_ROLLED = """\
    from flask import Flask, g, render_template, session
    {import_line}

    app = Flask(__name__)

    def login_user(account):
        session["account"] = account["id"]

    def logout_user():
        session.pop("account", None)

    @app.before_request
    def load_account():
        g.account = ACCOUNTS.get(session.get("account"))

    @app.post("/login")
    def login():
        login_user(ACCOUNTS[1])
        return render_template("x.html")

    ACCOUNTS = {{1: {{"id": 1, "email": "a@example.com"}}}}
    """


def test_own_login_user_is_session_auth_not_flask_login(tmp_path: Path) -> None:
    # The module mentions flask_login, but its login_user() is the app's own.
    code = HAND_ROLLED.format(import_line="import flask_login_compat  # noqa")
    files = {"app.py": code, "templates/base.html": BASE, "templates/x.html": PAGE}
    insp = inspect(project(tmp_path, files), api_key="pk_test", email_expr='g.account["email"]')
    assert insp.auth.library == "flask-session" and insp.questions == ()
    assert insp.facts.choices.auth.anonymous == 'g.get("account") is None'
    assert [e.why for e in insp.auth.evidence][:2] == [
        'session["account"] set at sign-in',
        "load_account() loads g.account per request",
    ]


def test_flask_logins_login_user_is_flask_login(tmp_path: Path) -> None:
    code = HAND_ROLLED.replace("    def login_user(account):\n", "    def _unused(account):\n")
    code = code.format(import_line="from flask_login import LoginManager, login_user")
    files = {"app.py": code, "templates/base.html": BASE, "templates/x.html": PAGE}
    insp = inspect(project(tmp_path, files), api_key="pk_test", email_expr="current_user.email")
    assert insp.auth.library == "flask-login" and insp.questions == ()


THEMED = """\
    import os
    from pathlib import Path

    from flask import Flask, render_template
    from jinja2 import ChoiceLoader, FileSystemLoader

    HERE = Path(__file__).resolve().parent

    def create_app():
        app = Flask(__name__, template_folder={template_folder})
        app.config.from_object("settings")
        {loader}
        app.add_url_rule("/", "page", lambda: render_template("page.html"))
        return app
    """
THEME_LAYOUTS = ("themes/dark/layout.html", "themes/light/layout.html")
THEMES = {
    "web/themes/dark/layout.html": BASE,
    "web/themes/dark/page.html": '{% extends "layout.html" %}',
    "web/themes/light/layout.html": BASE,
    "web/themes/light/page.html": '{% extends "layout.html" %}',
    "web/templates/base.html": BASE,
    "web/templates/x.html": PAGE,
}


def test_a_config_driven_theme_folder_offers_every_theme(tmp_path: Path) -> None:
    code = THEMED.format(template_folder='HERE / "themes" / os.environ["THEME"]', loader="")
    insp = inspect(project(tmp_path, {"web/app.py": code, **THEMES}), api_key="pk_test")
    assert insp.facts.found.app.template_dirs == ("web/themes/dark", "web/themes/light")
    assert [(q.id, q.choices) for q in insp.questions if q.id == "layout"] == [
        ("layout", ("web/themes/dark/layout.html", "web/themes/light/layout.html"))
    ]


def test_an_env_default_names_the_theme(tmp_path: Path) -> None:
    folder = 'os.path.join(os.path.dirname(__file__), "themes", os.getenv("THEME", "light"))'
    code = THEMED.format(template_folder=folder, loader="")
    insp = inspect(project(tmp_path, {"web/app.py": code, **THEMES}), api_key="pk_test")
    assert insp.facts.found.app.template_dirs == ("web/themes/light",)
    assert insp.widget.file == "web/themes/light/layout.html"


def test_a_choice_loader_puts_the_theme_before_the_app_templates(tmp_path: Path) -> None:
    theme = 'FileSystemLoader(str(HERE / "themes" / app.config["THEME"]))'
    loader = f"app.jinja_loader = ChoiceLoader([{theme}, app.jinja_loader])"
    code = THEMED.format(template_folder='"templates"', loader=loader)
    insp = inspect(project(tmp_path, {"web/app.py": code, **THEMES}), api_key="pk_test")
    assert insp.facts.found.app.template_dirs == (
        "web/themes/dark",
        "web/themes/light",
        "web/templates",
    )
    assert [(q.id, q.choices) for q in insp.questions if q.id == "layout"] == [
        ("layout", tuple(f"web/{t}" for t in ("templates/base.html", *THEME_LAYOUTS)))
    ]


def test_flask_user_is_flask_login_underneath(tmp_path: Path) -> None:
    insp = inspect(copy_fixture("flask-user", tmp_path), api_key="pk_test")
    assert insp.auth.library == "flask-login" and insp.questions == ()
    assert insp.auth.email is not None and insp.auth.email.expr == "current_user.email"
    assert "Flask-User UserManager (Flask-Login underneath)" in [e.why for e in insp.auth.evidence]


def test_the_import_joins_the_top_imports_not_the_bottom_of_module_one(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {
            "blog/__init__.py": """\
                from flask import Flask

                app = Flask(__name__)
                app.config["SECRET_KEY"] = "dev"

                from blog import routes
                """,
            "blog/routes.py": """\
                from flask import g, render_template, session
                from blog import app

                @app.before_request
                def load_user():
                    g.user = session.get("user")

                @app.route("/")
                def index():
                    return render_template("x.html")
                """,
            "blog/templates/base.html": BASE,
            "blog/templates/x.html": PAGE,
        },
    )
    flags = ("--api-key", "pk_test", "--auth", "flask-session", "--email-expr", 'g.user["email"]')
    result = run("apply", root, "--yes", *flags)
    assert result.exit_code == 0, result.output
    assert (root / "blog/__init__.py").read_text() == dedent(
        """\
        from flask import Flask

        from blog.bestchatbot import bestchatbot_bp, inject_widget_token

        app = Flask(__name__)
        app.config["SECRET_KEY"] = "dev"
        app.context_processor(inject_widget_token)
        app.register_blueprint(bestchatbot_bp, url_prefix="/api")

        from blog import routes
        """
    )


# -- the project's Python and its JWT library ---------------------------------------------------

PY36 = Path.home() / ".pyenv/versions/3.6.15/bin/python"


def generated(root: Path, *flags: str) -> str:
    assert run("apply", str(root), "--yes", "--api-key", "pk", *flags).exit_code == 0
    return (root / "app" / "bestchatbot.py").read_text()


def test_python_3_6_gets_string_annotations_and_pyjwt_2_4(tmp_path: Path) -> None:
    """flasky's shape: a Dockerfile on python:3.6 and fully pinned requirements. No
    `from __future__ import annotations` (3.7+): the annotations naming generics are strings;
    the pin is PyJWT 2.4.0, the last release for 3.6."""
    root = copy_fixture("flask-login", tmp_path)
    (root / "Dockerfile").write_text(
        "FROM python:3.6-alpine\nRUN pip install -r requirements.txt\n"
    )
    module = generated(root)
    assert "__future__" not in module
    assert 'def widget_claims() -> "dict[str, object] | None":' in module
    assert 'def sign_widget_token(claims: "dict[str, object]") -> "str | None":' in module
    assert "PyJWT==2.4.0" in (root / "requirements.txt").read_text().splitlines()
    compile(module, "bestchatbot.py", "exec")
    if PY36.is_file():  # the interpreter itself, where this machine has it
        (tmp_path / "module.py").write_text(module)
        done = subprocess.run(
            [str(PY36), "-m", "py_compile", str(tmp_path / "module.py")],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr


def test_a_python_the_module_cannot_run_on_is_refused_plainly(tmp_path: Path) -> None:
    root = copy_fixture("flask-login", tmp_path)
    (root / "runtime.txt").write_text("python-3.5.10\n")
    before = tree_digest(root)
    result = run("apply", str(root), "--yes", "--api-key", "pk")
    assert result.exit_code == 5
    assert (
        "runtime.txt names Python 3.5: the token module needs Python 3.6 or later, and no PyJWT 2 "
        "release supports it; upgrade the app's Python, then run apply again"
    ) in " ".join(result.output.split())
    assert tree_digest(root) == before


def test_python_jose_is_reused(tmp_path: Path) -> None:
    root = copy_fixture("flask-login", tmp_path)
    requirements = root / "requirements.txt"
    requirements.write_text(requirements.read_text() + "python-jose[cryptography]==3.3.0\n")
    before = requirements.read_text()
    module = generated(root)
    assert "from jose import jwt\n" in module and "\nimport jwt\n" not in module
    assert '    return jwt.encode(claims, key, algorithm="HS256")\n' in module
    assert requirements.read_text() == before


# -- every claim the user model can supply -------------------------------------------------------

PATIENT = """\
from flask_login import LoginManager, UserMixin
from .db import db

login_manager = LoginManager()

class Patient(UserMixin, db.Model):
    patient_no = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String)
    FIELDS

    def get_id(self):
        return str(self.patient_no)

@login_manager.user_loader
def load(patient_no):
    return db.session.get(Patient, int(patient_no))
"""


@pytest.mark.parametrize(
    ("fields", "name"),
    [
        pytest.param(
            "firstname = db.Column(db.String)\n    lastname = db.Column(db.String)",
            '" ".join(filter(None, [current_user.firstname, current_user.lastname]))',
            id="firstname-lastname",
        ),
        pytest.param(
            "given_name = db.Column(db.String)\n    family_name = db.Column(db.String)",
            '" ".join(filter(None, [current_user.given_name, current_user.family_name]))',
            id="given-family-name",
        ),
        pytest.param("nickname = db.Column(db.String)", "current_user.nickname", id="nickname"),
        pytest.param("", None, id="truly-none"),
    ],
)
def test_claims_from_a_primary_key_of_its_own_name_and_name_parts(
    tmp_path: Path, fields: str, name: str | None
) -> None:
    """The id is the table's primary key whatever it is called (UserMixin.get_id() would read
    a missing `id`); the name from first and last name in their common spellings; no name only
    when the model has none."""
    root = project(
        tmp_path,
        {
            "app/__init__.py": "from flask import Flask\nfrom .models import login_manager\n"
            "app = Flask(__name__)\nlogin_manager.init_app(app)\n",
            "app/db.py": "db = None\n",
            "app/models.py": PATIENT.replace("FIELDS", fields),
            "app/templates/base.html": BASE,
            "app/templates/x.html": PAGE,
        },
    )
    insp = inspect(root, api_key="pk")
    assert insp.auth.user_id is not None and insp.auth.user_id.expr == "current_user.patient_no"
    assert (insp.auth.name.expr if insp.auth.name else None) == name


# -- the single-page app beside a JSON API (issue 13) ------------------------------------------

WIDGET_TAG = (
    '<script src="https://widget.bestchatbot.io/widget/v1/chat.js" data-api-key="pk"></script>'
)
CRA_PACKAGE = '{"dependencies": {"react": "^18.3.1", "react-scripts": "5.0.1"}}\n'


def _vite_base(root: Path) -> None:
    config = root / "frontend/vite.config.js"
    config.write_text(config.read_text().replace("  server: {", '  base: "/app/",\n  server: {'))


def _create_react_app(root: Path) -> None:
    front = root / "frontend"
    (front / "public").mkdir()
    (front / "index.html").rename(front / "public/index.html")
    (front / "src/main.js").rename(front / "src/index.js")
    (front / "package.json").write_text(CRA_PACKAGE)


@pytest.mark.parametrize(
    ("change", "script", "url"),
    [
        pytest.param(None, "frontend/public", "/bestchatbot-identity.js", id="vite"),
        pytest.param(_vite_base, "frontend/public", "/app/bestchatbot-identity.js", id="vite-base"),
        pytest.param(
            _create_react_app,
            "frontend/public",
            "%PUBLIC_URL%/bestchatbot-identity.js",
            id="create-react-app",
        ),
    ],
)
def test_the_spa_beside_the_api_loads_the_identity_script_from_its_public_folder(
    tmp_path: Path, change: Callable[[Path], None] | None, script: str, url: str
) -> None:
    root = copy_fixture("flask-vite-proxy", tmp_path)
    if change is not None:
        change(root)
    page = next(
        p for p in ("frontend/index.html", "frontend/public/index.html") if (root / p).is_file()
    )
    insp = inspect(root)
    assert insp.stack.rendering == "spa"
    assert (insp.widget.file, insp.delivery) == (page, "token-endpoint")
    result = engine.plan(root, Answers(api_key="pk"))
    edits = {e.path: e.after for e in result.plan.edits}
    assert 'const ENDPOINT = "/backend/widget-token";' in edits[f"{script}/bestchatbot-identity.js"]
    shell = edits[page]
    tags = f'{WIDGET_TAG}\n    <script src="{url}"></script>\n  </body>'
    assert tags in shell, shell
    steps = result.plan.next_steps
    assert not any("outside this project" in s for s in steps)
    source = "frontend/src/index.js" if change is _create_react_app else "frontend/src/main.js"
    assert any(f"{source}:21, {source}:30" in s for s in steps), steps


def test_a_spa_already_loading_the_widget_gets_only_the_identity_script(tmp_path: Path) -> None:
    root = copy_fixture("flask-vite-proxy", tmp_path)
    page = root / "frontend/index.html"
    tag = WIDGET_TAG.replace('"pk"', '"pk_own"')
    page.write_text(page.read_text().replace("  </body>", f"    {tag}\n  </body>"))
    insp = inspect(root)
    assert (insp.widget.present, insp.widget.file) == (True, "frontend/index.html")
    result = engine.plan(root, Answers())
    shell = next(e.after for e in result.plan.edits if e.path == "frontend/index.html")
    assert shell.count("chat.js") == 1
    assert f'{tag}\n    <script src="/bestchatbot-identity.js"></script>\n  </body>' in shell


def test_a_package_json_without_a_frontend_leaves_the_fetch_to_the_user(tmp_path: Path) -> None:
    root = copy_fixture("flask-vite-proxy", tmp_path)
    (root / "frontend/package.json").write_text('{"devDependencies": {"eslint": "^9.0.0"}}\n')
    insp = inspect(root)
    assert insp.stack.rendering == "api"
    result = engine.plan(root, Answers(api_key="pk"))
    assert not any(e.path.startswith("frontend/") for e in result.plan.edits)
    assert any("outside this project" in s for s in result.plan.next_steps)


def test_server_rendered_pages_keep_the_layout_tag_beside_a_spa(tmp_path: Path) -> None:
    root = copy_fixture("flask-login", tmp_path)
    spa = copy_fixture("flask-vite-proxy", tmp_path / "spa") / "frontend"
    spa.rename(root / "frontend")
    insp = inspect(root)
    assert (insp.stack.rendering, insp.delivery) == ("server-rendered", "script-attribute")
    result = engine.plan(root, Answers(api_key="pk"))
    assert not any(e.path.startswith("frontend/") for e in result.plan.edits)


# -- renewing the token of open pages ------------------------------------------------------------

RENEWAL_TAG = (
    "<script src=\"{{ url_for('static', filename='bestchatbot-identity.js') }}\"></script>"
)


def test_pages_get_the_endpoint_and_the_script_renewing_their_token(tmp_path: Path) -> None:
    root = copy_fixture("flask-login", tmp_path)
    edits = {e.path: e for e in engine.plan(root, Answers(api_key="pk")).plan.edits}
    module = edits["app/bestchatbot.py"].after
    assert "def inject_widget_token(" in module and "def widget_token_view(" in module
    assert 'bestchatbot_bp = Blueprint("bestchatbot", __name__)' in module
    assert (
        'app.register_blueprint(bestchatbot_bp, url_prefix="/api")'
        in edits["app/__init__.py"].after
    )
    layout = edits["app/templates/base.html"].after
    tag = '<script src="https://widget.bestchatbot.io/widget/v1/chat.js" data-api-key="pk"'
    assert re.search(re.escape(tag) + r"[^\n]*</script>\n    " + re.escape(RENEWAL_TAG), layout)
    script = edits["app/static/bestchatbot-identity.js"]
    assert script.after == renewal_script("/api/widget-token")
    assert (
        script.reason == "new: renews the page's widget token from the endpoint before it expires"
    )


def test_the_renewal_endpoint_goes_under_the_api_prefix(tmp_path: Path) -> None:
    root = copy_fixture("flask-login", tmp_path)
    project(
        root,
        {
            "app/api.py": """\
                from flask import Blueprint, jsonify

                bp = Blueprint("api", __name__, url_prefix="/api/v1")

                @bp.get("/books")
                def books():
                    return jsonify([])
                """
        },
    )
    init = root / "app/__init__.py"
    init.write_text(
        init.read_text().replace(
            "    app.register_blueprint(main_bp)\n",
            "    app.register_blueprint(main_bp)\n\n    from .api import bp as api_bp\n\n"
            "    app.register_blueprint(api_bp)\n",
        )
    )
    edits = {e.path: e.after for e in engine.plan(root, Answers(api_key="pk")).plan.edits}
    assert 'register_blueprint(bestchatbot_bp, url_prefix="/api/v1")' in edits["app/__init__.py"]
    assert edits["app/static/bestchatbot-identity.js"] == renewal_script("/api/v1/widget-token")


def test_a_layout_already_loading_the_script_keeps_it(tmp_path: Path) -> None:
    """The app's own tag and script (and its own copy of the file) stay as they are."""
    root = copy_fixture("flask-login", tmp_path)
    base = root / "app/templates/base.html"
    own = (
        '<script src="https://widget.bestchatbot.io/widget/v1/chat.js" data-api-key="k" '
        'data-user-token="{{ widget_token }}"></script>\n'
        '    <script src="/static/js/bestchatbot-identity.js" defer></script>\n  </body>'
    )
    base.write_text(base.read_text().replace("</body>", own))
    project(root, {"app/static/bestchatbot-identity.js": "// the app's own\n"})
    result = engine.plan(root, Answers())
    assert "app/templates/base.html" not in {e.path for e in result.plan.edits}
    assert "app/static/bestchatbot-identity.js" not in {e.path for e in result.plan.edits}
    assert {(s.path, s.why) for s in result.plan.skipped} >= {
        ("app/templates/base.html", "widget tag already carries data-user-token"),
        ("app/templates/base.html", "identity script already loaded"),
    }


def test_a_module_written_before_renewal_is_kept_with_a_next_step(tmp_path: Path) -> None:
    """A project integrated before pages renewed their token: nothing is planned that would
    import what its module lacks; the next step says how to get the renewal."""
    root = copy_fixture("flask-session", tmp_path)
    assert run("apply", root, "--yes", "--api-key", "pk").exit_code == 0
    module = root / "journal/bestchatbot.py"
    text = module.read_text()
    text = text[: text.index("\n\n@bestchatbot_bp.route")] + "\n"
    module.write_text(text.replace("\nbestchatbot_bp = Blueprint('bestchatbot', __name__)\n", ""))
    init = root / "journal/__init__.py"
    init.write_text(
        init.read_text()
        .replace("bestchatbot_bp, inject_widget_token", "inject_widget_token")
        .replace("    app.register_blueprint(bestchatbot_bp, url_prefix='/api')\n", "")
    )
    base = root / "journal/templates/base.html"
    base.write_text(base.read_text().replace(RENEWAL_TAG + "\n", ""))
    (root / "journal/static/bestchatbot-identity.js").unlink()
    assert "bestchatbot-identity" not in base.read_text()
    result = engine.plan(root, Answers())
    assert result.plan.edits == []
    assert ("journal/bestchatbot.py", "token module already present (without renewal)") in {
        (s.path, s.why) for s in result.plan.skipped
    }
    assert any("written before the widget token was renewed" in n for n in result.plan.next_steps)


def test_an_app_serving_no_static_files_gets_the_script_as_a_next_step(tmp_path: Path) -> None:
    root = copy_fixture("flask-noemail", tmp_path)
    app = root / "app.py"
    app.write_text(
        app.read_text().replace("Flask(__name__)", "Flask(__name__, static_folder=None)")
    )
    result = engine.plan(root, Answers(api_key="pk", email_expr="current_user.username"))
    edits = {e.path: e.after for e in result.plan.edits}
    assert "bestchatbot-identity" not in edits["templates/layout.html"]
    assert edits["static/bestchatbot-identity.js"] == renewal_script("/api/widget-token")
    step = next(n for n in result.plan.next_steps if "serves no static files" in n)
    assert "templates/layout.html" in step
    assert '<script src="/static/bestchatbot-identity.js"></script>' in step


def test_a_theme_chosen_at_run_time_serves_the_script_beside_its_layout(tmp_path: Path) -> None:
    root = copy_fixture("flask-themes", tmp_path)
    themes = root / "noticeboard/themes"
    shutil.copytree(themes / "classic", themes / "modern")
    init = root / "noticeboard/__init__.py"
    init.write_text(
        init.read_text().replace(
            'os.environ.get("NOTICEBOARD_THEME", "classic")', 'os.environ["NOTICEBOARD_THEME"]'
        )
    )
    answers = Answers(api_key="pk", layout="noticeboard/themes/modern/templates/base.html")
    paths = {e.path for e in engine.plan(root, answers).plan.edits}
    assert "noticeboard/themes/modern/static/bestchatbot-identity.js" in paths
    assert "noticeboard/themes/classic/static/bestchatbot-identity.js" not in paths
