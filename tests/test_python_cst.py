"""LibCST edits: exact before/after, and a noop for each."""

from __future__ import annotations

import ast
from textwrap import dedent

import pytest

from scaffolder.python import cst


def check(before: str, after: str, edit: object) -> None:
    got = edit(dedent(before))  # type: ignore[operator]
    assert got == dedent(after)
    ast.parse(got)


@pytest.mark.parametrize(
    ("before", "after", "module", "relative"),
    [
        pytest.param(
            """\
            from flask import Flask

            from .auth import bp
            from .models import db
            """,
            """\
            from flask import Flask

            from .auth import bp
            from .bestchatbot import inject_widget_token
            from .models import db
            """,
            "bestchatbot",
            1,
            id="relative-sorted-middle",
        ),
        pytest.param(
            """\
            from flask import Flask

            from .auth import bp
            """,
            """\
            from flask import Flask

            from .auth import bp
            from .bestchatbot import inject_widget_token
            """,
            "bestchatbot",
            1,
            id="relative-sorted-last",
        ),
        pytest.param(
            """\
            import os

            from flask import Flask


            def create_app():
                from . import db
            """,
            """\
            import os

            from flask import Flask

            from .bestchatbot import inject_widget_token


            def create_app():
                from . import db
            """,
            "bestchatbot",
            1,
            id="first-party-section-of-its-own",
        ),
        pytest.param(
            """\
            from flask import Flask

            from app.models import db
            from app.auth import bp
            """,
            """\
            from flask import Flask

            from app.models import db
            from app.auth import bp
            from app.bestchatbot import inject_widget_token
            """,
            "app.bestchatbot",
            0,
            id="absolute-unsorted-appends",
        ),
        pytest.param(
            """\
            from app.auth import bp
            from app.models import db
            """,
            """\
            from app.auth import bp
            from app.bestchatbot import inject_widget_token
            from app.models import db
            """,
            "app.bestchatbot",
            0,
            id="absolute-sorted",
        ),
        pytest.param(
            '''\
            """Docs."""
            app = None
            ''',
            '''\
            """Docs."""
            from bestchatbot import inject_widget_token

            app = None
            ''',
            "bestchatbot",
            0,
            id="no-imports-yet",
        ),
        pytest.param(
            """\
            from .bestchatbot import inject_widget_token
            """,
            """\
            from .bestchatbot import inject_widget_token
            """,
            "bestchatbot",
            1,
            id="noop-already-imported",
        ),
    ],
)
def test_add_import(before: str, after: str, module: str, relative: int) -> None:
    got = cst.add_import(dedent(before), module, "inject_widget_token", relative=relative)
    assert got == dedent(after)


FACTORY = """\
def create_app():
    app = Flask(__name__)
    db.init_app(app)
    app.register_blueprint(auth_bp)

    return app
"""


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param(
            FACTORY,
            """\
            def create_app():
                app = Flask(__name__)
                db.init_app(app)
                app.register_blueprint(auth_bp)
                app.context_processor(inject)

                return app
            """,
            id="after-last-registration",
        ),
        pytest.param(
            """\
            def create_app():
                app = Flask(__name__)
                return app
            """,
            """\
            def create_app():
                app = Flask(__name__)
                app.context_processor(inject)
                return app
            """,
            id="before-return",
        ),
        pytest.param(
            """\
            def create_app():
                app = Flask(__name__)

                @app.get("/")
                def home():
                    return "hi"
                return app
            """,
            """\
            def create_app():
                app = Flask(__name__)

                @app.get("/")
                def home():
                    return "hi"

                app.context_processor(inject)

                return app
            """,
            id="after-nested-def-keeps-blank-lines",
        ),
        pytest.param(
            """\
            def create_app(config=None):
            \tapp = Flask(__name__)
            \treturn app
            """,
            """\
            def create_app(config=None):
            \tapp = Flask(__name__)
            \tapp.context_processor(inject)
            \treturn app
            """,
            id="tabs",
        ),
    ],
)
def test_insert_in_factory(before: str, after: str) -> None:
    check(
        before,
        after,
        lambda code: cst.insert_in_factory(
            code, "create_app", "app", "app.context_processor(inject)", ("register_blueprint",)
        ),
    )


def test_insert_in_factory_crlf_is_kept() -> None:
    before = "def create_app():\r\n    app = Flask(__name__)\r\n    return app\r\n"
    got = cst.insert_in_factory(before, "create_app", "app", "app.x()")
    assert (
        got == "def create_app():\r\n    app = Flask(__name__)\r\n    app.x()\r\n    return app\r\n"
    )


def test_insert_in_factory_needs_the_return() -> None:
    with pytest.raises(cst.CannotEdit):
        cst.insert_in_factory("def create_app():\n    return make()\n", "create_app", "app", "x()")


@pytest.mark.parametrize(
    ("before", "line", "after"),
    [
        pytest.param(
            """\
            app = Flask(__name__)
            app.secret_key = "x"
            login = LoginManager(app)
            login.login_view = "login"

            @app.route("/")
            def index():
                pass
            """,
            1,
            """\
            app = Flask(__name__)
            app.secret_key = "x"
            login = LoginManager(app)
            login.login_view = "login"
            app.context_processor(inject)

            @app.route("/")
            def index():
                pass
            """,
            id="after-setup-run",
        ),
        pytest.param(
            """\
            import os
            app = Flask(
                __name__,
            )
            """,
            3,
            """\
            import os
            app = Flask(
                __name__,
            )
            app.context_processor(inject)
            """,
            id="multi-line-creation",
        ),
    ],
)
def test_insert_after_line(before: str, line: int, after: str) -> None:
    check(
        before,
        after,
        lambda code: cst.insert_after_line(code, line, "app.context_processor(inject)"),
    )


def test_insert_after_line_outside_any_statement() -> None:
    with pytest.raises(cst.CannotEdit):
        cst.insert_after_line("x = 1\n", 10, "y()")


def test_append_statements() -> None:
    got = cst.append_statements("import os\nx = 1\n", "def f():\n    return 1\n")
    assert got == "import os\nx = 1\n\n\ndef f():\n    return 1\n"


@pytest.mark.parametrize(
    ("code", "found"),
    [
        pytest.param("app.context_processor(inject_widget_token)\n", True, id="call"),
        pytest.param("application.context_processor(m.inject_widget_token)\n", True, id="attr"),
        pytest.param("app.context_processor(other)\n", False, id="other-function"),
        pytest.param("inject_widget_token()\n", False, id="not-registered"),
    ],
)
def test_has_call(code: str, found: bool) -> None:
    assert cst.has_call(code, "context_processor", "inject_widget_token") is found


LATE_IMPORT = """\
    import os

    from flask import Flask

    app = Flask(__name__)
    app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]

    from app import routes  # noqa: E402  (routes import app)
    """


def test_add_import_on_top_skips_a_bottom_of_module_import() -> None:
    got = cst.add_import(dedent(LATE_IMPORT), "app.bestchatbot", "inject_widget_token", top=True)
    assert got == dedent(
        """\
        import os

        from flask import Flask

        from app.bestchatbot import inject_widget_token

        app = Flask(__name__)
        app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]

        from app import routes  # noqa: E402  (routes import app)
        """
    )


def test_add_import_without_top_joins_the_late_import() -> None:
    got = cst.add_import(dedent(LATE_IMPORT), "app.bestchatbot", "inject_widget_token")
    assert got.endswith(
        "from app import routes  # noqa: E402  (routes import app)\n"
        "from app.bestchatbot import inject_widget_token\n"
    )


def test_add_import_on_top_of_a_module_with_only_late_imports() -> None:
    code = "app = make()\n\nfrom app import routes\n"
    got = cst.add_import(code, "app.bestchatbot", "inject_widget_token", top=True)
    assert got.endswith("from app import routes\nfrom app.bestchatbot import inject_widget_token\n")
