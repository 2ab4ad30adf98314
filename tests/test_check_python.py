"""The Python checker on small sources: how values are followed (reassignments, branches,
defaults, settings), what cannot be followed (no guess), and files it cannot read.

A line marked `# expect: <rule>` must be flagged with that rule, and nothing else flagged.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from scaffolder import check
from scaffolder.project import Project
from tests.helpers import copy_fixture, run

MARK = re.compile(r"expect:\s*([a-z0-9-]+)")

HEAD = """\
import os
from datetime import datetime, timedelta, timezone

import jwt
from flask_login import current_user, login_required

"""


def findings(root: Path, files: dict[str, str]) -> tuple[set[tuple[str, int, str]], set[str]]:
    """The (file, line, rule) findings of `check` on the files, and the marked ones."""
    expected = set()
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if match := MARK.search(line):
                expected.add((name, number, match.group(1)))
    report = check.run(Project(root))
    found = {(v.file, v.line, v.rule) for v in report.violations}
    assert report.found, "no integration found"
    return found, {f"{f}:{n}:{r}" for f, n, r in expected ^ found}


CASES = [
    pytest.param(
        """
        def widget_token():
            if not current_user.is_authenticated:
                return None
            email = current_user.email
            email = email.strip().lower()
            claims = {"email": email, "exp": datetime.now(timezone.utc) + timedelta(hours=1)}
            return jwt.encode(claims, os.environ["BESTCHATBOT_SIGNING_KEY"], algorithm="HS256")
        """,
        id="a-reassignment-that-lowercases-is-the-value-used",
    ),
    pytest.param(
        """
        def widget_token(verified):
            if not current_user.is_authenticated:
                return None
            if verified:
                email = current_user.email.lower()
            else:
                email = current_user.email
            claims = {
                "email": email,  # expect: email-not-lowercased
                "exp": datetime.now(timezone.utc) + timedelta(hours=1),
            }
            return jwt.encode(claims, os.environ["BESTCHATBOT_SIGNING_KEY"], algorithm="HS256")
        """,
        id="one-branch-without-lower-is-a-path-without-it",
    ),
    pytest.param(
        """
        from keys import fetch_key
        from claims import extra_claims


        def widget_token():
            if not current_user.is_authenticated:
                return None
            claims = {"email": current_user.email.lower(), **extra_claims()}
            return jwt.encode(claims, fetch_key(), algorithm="HS256")
        """,
        id="what-cannot-be-followed-is-no-violation",
    ),
    pytest.param(
        """
        def widget_token():
            if not current_user.is_authenticated:
                return None
            key = os.environ.get("BESTCHATBOT_SIGNING_KEY") or "dev-key"  # expect: key-default
            claims = {"email": current_user.email.lower(), "exp": datetime.now(timezone.utc)}
            return jwt.encode(claims, key, algorithm="HS256")
        """,
        id="an-or-fallback-is-a-default",
    ),
    pytest.param(
        """
        from flask import Flask

        app = Flask(__name__)


        @app.route("/widget-token/<email>")
        @login_required
        def widget_token(email):
            claims = {
                "email": email.lower(),  # expect: email-from-client
                "exp": datetime.now(timezone.utc) + timedelta(hours=1),
            }
            token = jwt.encode(claims, os.environ["BESTCHATBOT_SIGNING_KEY"], algorithm="HS256")
            return {"token": token}, 200, {"Cache-Control": "no-store"}
        """,
        id="a-url-variable-is-client-input",
    ),
    pytest.param(
        """
        def a(claims):
            return b(claims)


        def b(claims):
            return a(claims) if claims else sign(claims)


        def sign(claims):
            key = os.environ["BESTCHATBOT_SIGNING_KEY"]
            key = key
            return jwt.encode(claims, key, algorithm="HS256")
        """,
        id="cycles-end",
    ),
]


@pytest.mark.parametrize("source", CASES)
def test_values_are_followed(tmp_path: Path, source: str) -> None:
    _, wrong = findings(tmp_path, {"widget.py": HEAD + textwrap.dedent(source)})
    assert not wrong


def test_django_settings_getattr_default_is_a_default(tmp_path: Path) -> None:
    _, wrong = findings(
        tmp_path,
        {
            "shop/__init__.py": "",
            "shop/settings.py": "BESTCHATBOT_SIGNING_KEY = None\n",
            "shop/widget.py": """\
                import jwt
                from django.conf import settings


                def widget_context(request):
                    if not request.user.is_authenticated:
                        return {}
                    key = getattr(settings, "BESTCHATBOT_SIGNING_KEY", "dev")  # expect: key-default
                    claims = {"email": request.user.email.lower(), "exp": 0}
                    return {"bestchatbot_token": jwt.encode(claims, key, algorithm="HS256")}
                """,
        },
    )
    assert not wrong


def test_a_file_that_does_not_parse_is_skipped(tmp_path: Path) -> None:
    widget = HEAD + textwrap.dedent(
        """
        @login_required
        def widget_context():
            claims = {"email": current_user.email.lower(), "exp": datetime.now(timezone.utc)}
            key = os.environ["BESTCHATBOT_SIGNING_KEY"]
            return {"bestchatbot_token": jwt.encode(claims, key, algorithm="HS256")}
        """
    )
    found, wrong = findings(tmp_path, {"widget.py": widget, "broken.py": "def broken(:\n"})
    assert not wrong and not found


GUARDED_BY_THE_SUBJECT = [
    pytest.param(
        """
        def widget_context():
            if g.get("neighbour") is None:
                return {}
            claims = {"email": g.neighbour.email.lower(), "exp": 0}
            return {"t": jwt.encode(claims, os.environ["BESTCHATBOT_SIGNING_KEY"], "HS256")}
        """,
        id="g-get-of-the-object-read",
    ),
    pytest.param(
        """
        def widget_context():
            if getattr(g, "neighbour", None):
                claims = {"email": g.neighbour.email.lower(), "exp": 0}
                return {"t": jwt.encode(claims, os.environ["BESTCHATBOT_SIGNING_KEY"], "HS256")}
            return {}
        """,
        id="getattr-of-the-object-read",
    ),
    pytest.param(
        """
        def widget_context():
            if "resident_id" not in session:
                abort(401)
            resident = db.session.get(Resident, session["resident_id"])
            claims = {"email": resident.email.lower(), "exp": 0}
            return {"t": jwt.encode(claims, os.environ["BESTCHATBOT_SIGNING_KEY"], "HS256")}
        """,
        id="the-session-key-it-was-loaded-from",
    ),
    pytest.param(
        """
        def sign(resident):
            claims = {"email": resident["email"].lower(), "exp": 0}
            return jwt.encode(claims, os.environ["BESTCHATBOT_SIGNING_KEY"], "HS256")


        def widget_context():
            resident = g.get("resident")
            if not resident:
                return {}
            return {"t": sign(resident)}
        """,
        id="a-caller-checks-the-argument",
    ),
    pytest.param(
        """
        def widget_context():
            if g.get("street") is None:
                return {}
            claims = {"email": g.neighbour.email.lower(), "exp": 0}
            key = os.environ["BESTCHATBOT_SIGNING_KEY"]
            return {"t": jwt.encode(claims, key, "HS256")}  # expect: no-auth-guard
        """,
        id="a-check-on-another-object-guards-nothing",
    ),
    pytest.param(
        """
        def widget_context():
            if g.get("neighbour") is None:
                pass
            claims = {"email": g.neighbour.email.lower(), "exp": 0}
            key = os.environ["BESTCHATBOT_SIGNING_KEY"]
            return {"t": jwt.encode(claims, key, "HS256")}  # expect: no-auth-guard
        """,
        id="a-check-that-does-not-exit-guards-nothing",
    ),
]


@pytest.mark.parametrize("source", GUARDED_BY_THE_SUBJECT)
def test_a_guard_checks_the_object_the_claims_are_read_from(tmp_path: Path, source: str) -> None:
    head = "import os\n\nimport jwt\nfrom flask import abort, g, session\n"
    _, wrong = findings(tmp_path, {"widget.py": head + textwrap.dedent(source)})
    assert not wrong


def test_apply_checks_a_user_kept_in_g_neighbour(tmp_path: Path) -> None:
    """apply's self-check accepts the guard it writes on an unusually named session user."""
    root = copy_fixture("flask-g-neighbour", tmp_path)
    result = run("apply", "--yes", "--api-key", "pk_test", root)
    assert result.exit_code == 0, result.output
    widget = (root / "street/bestchatbot.py").read_text()
    assert "g.get('neighbour') is None" in widget and "g.neighbour['email']" in widget
    assert check.run(Project(root)).ok


def test_a_check_on_what_the_client_sent_guards_nothing(tmp_path: Path) -> None:
    source = """\
        import os

        import jwt
        from flask import request


        def widget_token():
            if request.json is None:
                return None
            claims = {"email": request.json["email"].lower(), "exp": 0}  # expect: email-from-client
            key = os.environ["BESTCHATBOT_SIGNING_KEY"]
            return jwt.encode(claims, key, "HS256")  # expect: no-auth-guard
        """
    _, wrong = findings(tmp_path, {"widget.py": source})
    assert not wrong
