"""End to end on the Flask fixtures: apply, run the patched app with Flask's test client, sign
in through the app's own login, verify the token with PyJWT and the key from the environment."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import render_template
from flask.testing import FlaskClient

from scaffolder.python.deps import PYJWT
from tests.helpers import (
    apply_twice,
    assert_contract,
    assert_missing_key_logged_once,
    copy_fixture,
    imported,
    run,
    token_in,
    tree_digest,
    verify,
)
from tests.py_envs import installed, py_env, run_driver
from tests.test_identity_renewal import renewal_script, script_after_tag

pytestmark = pytest.mark.e2e
WIDGET = "https://widget.bestchatbot.io/widget/v1/chat.js"


@contextlib.contextmanager
def bookclub(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *members: dict[str, str]
) -> Iterator[tuple[FlaskClient, list[int]]]:
    """The patched flask-login app on SQLite with `members` (User fields plus `password`):
    its test client and the members' ids."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'bookclub.db'}")
    with imported(root, "app") as pkg:
        from app.extensions import db  # type: ignore[import-not-found]
        from app.models import User  # type: ignore[import-not-found]

        app = pkg.create_app()
        with app.app_context():
            db.create_all()
            users = []
            for fields in members:
                user = User(**{k: v for k, v in fields.items() if k != "password"})
                user.set_password(fields["password"])
                users.append(user)
            db.session.add_all(users)
            db.session.commit()
            ids = [user.id for user in users]
        yield app.test_client(), ids


@contextlib.contextmanager
def taskboard(root: Path, tmp_path: Path, email: str) -> Iterator[FlaskClient]:
    """The patched flask-api app on SQLite with one account (Lin Chen, `email`, "s3cret")."""
    with imported(root / "src", "taskboard") as pkg:
        from taskboard.extensions import db  # type: ignore[import-not-found]
        from taskboard.models import Account  # type: ignore[import-not-found]

        app = pkg.create_app(
            {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'tb.db'}"}
        )
        with app.app_context():
            db.create_all()
            lin = Account(email=email, full_name="Lin Chen")
            lin.set_password("s3cret")
            db.session.add(lin)
            db.session.commit()
        yield app.test_client()


def test_dry_run_changes_nothing(tmp_path: Path) -> None:
    root = copy_fixture("flask-login", tmp_path)
    before = tree_digest(root)
    result = run("apply", root, "--dry-run", "--api-key", "pk_test")
    assert result.exit_code == 0, result.output
    assert "+++ b/app/bestchatbot.py" in result.output
    assert tree_digest(root) == before


def test_flask_login(tmp_path: Path, signing_key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_fixture("flask-login", tmp_path)
    apply_twice(root, "--api-key", "pk_test_bookclub")
    ada = {
        "username": "ada",
        "email": "Ada.Lovelace@Example.COM",
        "display_name": "Ada Lovelace",
        "password": "analytical-engine",
    }
    bob = {"username": "bob", "email": "bob@example.com", "password": "hunter22"}
    with bookclub(root, tmp_path, monkeypatch, ada, bob) as (client, (ada_id, _)):
        # A page of the app's own that is never cached: it stays no-store with a token.
        client.application.add_url_rule(
            "/shelf",
            "shelf",
            lambda: (render_template("index.html", books=[]), {"Cache-Control": "no-store"}),
        )
        guest = client.get("/")
        anonymous = guest.text
        assert WIDGET in anonymous and 'data-api-key="pk_test_bookclub"' in anonymous
        assert token_in(anonymous) is None
        assert "Cache-Control" not in guest.headers  # a guest's page is left as the app sends it
        # The page loads the script renewing its token, from the app's own static files.
        assert_serves_renewal(client, anonymous)
        nobody = client.get("/api/widget-token")
        assert (nobody.status_code, nobody.json) == (401, {"token": None})
        assert nobody.headers["Cache-Control"] == "no-store"

        response = client.post(
            "/auth/login",
            data={"email": "ADA.lovelace@example.com", "password": "analytical-engine"},
        )
        assert response.status_code == 302
        signed_in = client.get("/")
        assert signed_in.headers["Cache-Control"] == "private"  # carries a token: not shared
        shelf = client.get("/shelf")
        assert token_in(shelf.text) is not None
        assert shelf.headers["Cache-Control"] == "no-store"
        page = signed_in.text
        token = token_in(page)
        assert token is not None
        assert_contract(
            verify(token),
            email="ada.lovelace@example.com",
            name="Ada Lovelace",
            user_id=str(ada_id),
        )
        # The open page renews its token from the endpoint, with the session cookie.
        renewed = client.get("/api/widget-token")
        assert renewed.status_code == 200 and renewed.headers["Cache-Control"] == "no-store"
        assert_contract(
            verify(renewed.json["token"]),
            email="ada.lovelace@example.com",
            name="Ada Lovelace",
            user_id=str(ada_id),
        )
        # A profile page of another member still identifies the signed-in user, not `user`.
        client.get("/auth/logout")
        client.post("/auth/login", data={"email": "bob@example.com", "password": "hunter22"})
        other = token_in(client.get("/members/ada").text)
        assert other is not None
        assert verify(other).payload["email"] == "bob@example.com"
        assert "name" not in verify(other).payload  # no display name: no null claim

        client.get("/auth/logout")
        assert token_in(client.get("/").text) is None
        assert client.get("/api/widget-token").status_code == 401


def assert_serves_renewal(client: FlaskClient, page: str) -> None:
    """The page loads the renewal script right after the widget tag, at a URL the app serves."""
    src = script_after_tag(page)
    assert src == "/static/bestchatbot-identity.js"
    with client.get(src) as served:  # static files: close what send_file opened
        assert served.status_code == 200 and "javascript" in served.content_type
        assert served.text == renewal_script("/api/widget-token")


def test_flask_session(tmp_path: Path, signing_key: str) -> None:
    root = copy_fixture("flask-session", tmp_path)
    apply_twice(root, "--api-key", "pk_journal")
    generated = (root / "journal" / "bestchatbot.py").read_text()
    assert "g.user['email']" in generated and '"' not in generated.replace('"""', "")
    with imported(root, "journal") as journal:
        from journal.db import init_db  # type: ignore[import-not-found]

        app = journal.create_app({"TESTING": True, "DATABASE": str(tmp_path / "journal.sqlite")})
        with app.app_context():
            init_db()
        client = app.test_client()
        assert token_in(client.get("/").text) is None
        client.post(
            "/auth/register",
            data={"username": "grace", "email": "Grace.Hopper@Navy.MIL", "password": "cobol"},
        )
        client.post("/auth/login", data={"username": "grace", "password": "cobol"})
        token = token_in(client.get("/").text)
        assert token is not None
        assert_contract(verify(token), email="grace.hopper@navy.mil", name="grace", user_id="1")
        client.get("/auth/logout")
        assert token_in(client.get("/").text) is None


def test_flask_themes(tmp_path: Path, signing_key: str) -> None:
    """A `Flask` subclass built in a factory, templates from a theme folder computed at run time,
    and the app's own `login_user()` (session-based, not Flask-Login's)."""
    root = copy_fixture("flask-themes", tmp_path)
    apply_twice(root, "--api-key", "pk_board")
    layout = (root / "noticeboard/themes/classic/templates/base.html").read_text()
    assert '            defer></script>\n    <script src="' + WIDGET in layout
    with imported(root, "noticeboard") as board:
        from noticeboard.extensions import db  # type: ignore[import-not-found]
        from noticeboard.models import Member  # type: ignore[import-not-found]

        database = f"sqlite:///{tmp_path / 'board.db'}"
        app = board.create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database})
        with app.app_context():
            db.create_all()
            ada = Member(email="Ada.Lovelace@Example.COM", full_name="Ada Lovelace")
            ada.set_password("analytical-engine")
            db.session.add(ada)
            db.session.commit()
            ada_id = ada.id
        client = app.test_client()
        anonymous = client.get("/").text
        assert 'data-api-key="pk_board"' in anonymous and token_in(anonymous) is None
        response = client.post(
            "/auth/login",
            data={"email": "ada.lovelace@example.com", "password": "analytical-engine"},
        )
        assert response.status_code == 302
        token = token_in(client.get("/").text)
        assert token is not None
        assert_contract(
            verify(token),
            email="ada.lovelace@example.com",
            name="Ada Lovelace",
            user_id=str(ada_id),
        )
        client.get("/auth/logout")
        assert token_in(client.get("/").text) is None


def test_flask_noemail_asks_then_uses_the_answer(tmp_path: Path, signing_key: str) -> None:
    root = copy_fixture("flask-noemail", tmp_path)
    before = tree_digest(root)
    asked = run("apply", root, "--yes", "--api-key", "pk_wiki")
    assert asked.exit_code == 3
    assert "--email-expr" in asked.output
    assert tree_digest(root) == before

    expr = 'current_user.username + "@Corp.Example"'
    apply_twice(root, "--api-key", "pk_wiki", "--email-expr", expr)
    with imported(root, "app") as module:
        client = module.app.test_client()
        assert token_in(client.get("/").text) is None
        client.post("/login", data={"username": "ghopper", "password": "cobol"})
        token = token_in(client.get("/").text)
        assert token is not None
        assert_contract(
            verify(token), email="ghopper@corp.example", name="Grace Hopper", user_id="1"
        )


def test_flask_api_spa(tmp_path: Path, signing_key: str) -> None:
    root = copy_fixture("flask-api", tmp_path)
    apply_twice(root, "--api-key", "pk_taskboard")
    with taskboard(root, tmp_path, "Lin.Chen@Example.org") as client:
        with client.get("/") as response:  # static files: close what send_file opened
            shell = response.text
        assert WIDGET in shell and "/assets/js/bestchatbot-identity.js" in shell
        with client.get("/assets/js/bestchatbot-identity.js") as response:
            assert response.status_code == 200

        anonymous = client.get("/api/widget-token")
        assert anonymous.status_code == 401
        assert anonymous.json == {"token": None}
        assert anonymous.headers["Cache-Control"] == "no-store"

        assert (
            client.post(
                "/api/session", json={"email": "lin.chen@example.org", "password": "s3cret"}
            ).status_code
            == 200
        )
        signed_in = client.get("/api/widget-token")
        assert signed_in.status_code == 200
        assert signed_in.headers["Cache-Control"] == "no-store"
        assert_contract(
            verify(signed_in.json["token"]),
            email="lin.chen@example.org",
            name="Lin Chen",
            user_id="1",
        )

        client.delete("/api/session")
        assert client.get("/api/widget-token").status_code == 401


def test_flask_login_without_the_key(
    tmp_path: Path,
    no_signing_key: None,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """BESTCHATBOT_SIGNING_KEY unset: signed-in pages render as for a guest, one logged error."""
    root = copy_fixture("flask-login", tmp_path)
    apply_twice(root, "--api-key", "pk_test_bookclub")
    ada = {"username": "ada", "email": "ada@example.com", "password": "analytical-engine"}
    with bookclub(root, tmp_path, monkeypatch, ada) as (client, _):
        client.post(
            "/auth/login", data={"email": "ada@example.com", "password": "analytical-engine"}
        )
        for path in ("/", "/members/ada", "/"):
            page = client.get(path)
            assert page.status_code == 200
            assert WIDGET in page.text and "data-user-token" not in page.text
            assert "private" not in page.headers.get("Cache-Control", "")  # no token
            assert_serves_renewal(client, page.text)  # it finds no token: fetches nothing
        renewal = client.get("/api/widget-token")
        assert (renewal.status_code, renewal.json) == (503, {"token": None})
        assert renewal.headers["Cache-Control"] == "no-store"
    assert_missing_key_logged_once(caplog.text)


def test_flask_api_without_the_key(
    tmp_path: Path, no_signing_key: None, caplog: pytest.LogCaptureFixture
) -> None:
    """The endpoint answers 503 {"token": null} to a signed-in user; anonymous ones still 401."""
    root = copy_fixture("flask-api", tmp_path)
    apply_twice(root, "--api-key", "pk_taskboard")
    with taskboard(root, tmp_path, "lin@example.org") as client:
        anonymous = client.get("/api/widget-token")
        assert (anonymous.status_code, anonymous.json) == (401, {"token": None})
        assert anonymous.headers["Cache-Control"] == "no-store"
        client.post("/api/session", json={"email": "lin@example.org", "password": "s3cret"})
        for _ in range(2):
            signed_in = client.get("/api/widget-token")
            assert (signed_in.status_code, signed_in.json) == (503, {"token": None})
            assert signed_in.headers["Cache-Control"] == "no-store"
    assert_missing_key_logged_once(caplog.text)


def test_identity_script_sets_and_clears_the_user(tmp_path: Path, signing_key: str) -> None:
    """The generated browser script, run under node against a fake page and endpoint."""
    root = copy_fixture("flask-api", tmp_path)
    assert run("apply", root, "--yes", "--api-key", "pk").exit_code == 0
    script = root / "src/taskboard/static/js/bestchatbot-identity.js"
    harness = tmp_path / "harness.js"
    harness.write_text(HARNESS.replace("SCRIPT", str(script)))
    out = subprocess.run(["node", str(harness)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    signed_in = "set:header.eyJleHAiOjk5OTk5OTk5OTl9.sig"
    # Signed in, signed out (401), signed in, then the server lost its key (503): no identity.
    assert out.stdout.split() == [signed_in, "clear", signed_in, "clear"]


HARNESS = r"""
const fs = require("fs");
const vm = require("vm");
const calls = [];
const signedIn = {
  ok: true, status: 200, json: async () => ({ token: "header.eyJleHAiOjk5OTk5OTk5OTl9.sig" }),
};
const refused = (status) => ({ ok: false, status, json: async () => ({ token: null }) });
let answer = signedIn;
const listeners = {};
const context = {
  window: {},
  document: {
    visibilityState: "visible",
    querySelector: () => ({ addEventListener: () => {} }),
    addEventListener: (name, fn) => { listeners[name] = fn; },
  },
  fetch: async (url, init) => {
    if (url !== "/api/widget-token" || init.cache !== "no-store") throw new Error(url);
    return answer;
  },
  atob: (s) => Buffer.from(s, "base64").toString("binary"),
  setTimeout: () => 0, clearTimeout: () => {}, Date, JSON, Math,
};
context.window.BestChatBot = {
  setUserToken: (t) => calls.push("set:" + t),
  clearUserToken: () => calls.push("clear"),
};
vm.runInNewContext(fs.readFileSync("SCRIPT", "utf8"), context);
(async () => {
  await new Promise((r) => setImmediate(r));
  for (const next of [refused(401), signedIn, refused(503)]) {
    answer = next;
    await context.window.BestChatBotIdentity.refresh();
  }
  console.log(calls.join("\n"));
})();
"""


# Flask-Login 0.5 imports werkzeug.security.safe_str_cmp, which Werkzeug 2.1 removed: it runs
# on Flask / Werkzeug 2.0; Flask 2.2 goes with Flask-Login 0.6.
FLASK_2_2 = [
    "flask==2.2.5",
    "werkzeug==2.2.3",
    "flask-login==0.6.2",
    "flask-sqlalchemy==3.0.5",
    "sqlalchemy==1.4.52",
    "pyjwt==2.8.0",
]
FLASK_LOGIN_0_5 = [
    "flask==2.0.3",
    "werkzeug==2.0.3",
    "flask-login==0.5.0",
    "flask-sqlalchemy==2.5.1",
    "sqlalchemy==1.4.52",
    "pyjwt==2.8.0",
]
BOOKCLUB_DRIVER = """
import json, re
from app import create_app
from app.extensions import db
from app.models import User

app = create_app()
with app.app_context():
    db.create_all()
    ada = User(username="ada", email="Ada.Lovelace@Example.COM", display_name="Ada Lovelace")
    ada.set_password("analytical-engine")
    db.session.add(ada)
    db.session.commit()
    ada_id = ada.id

def token(page):
    found = re.findall(r'data-user-token="([^"]+)"', page)
    return found[0] if found else None

client = app.test_client()
out = {"id": ada_id, "anonymous": token(client.get("/").get_data(as_text=True))}
form = {"email": "ada.lovelace@example.com", "password": "analytical-engine"}
out["login"] = client.post("/auth/login", data=form).status_code
out["signed_in"] = token(client.get("/").get_data(as_text=True))
client.get("/auth/logout")
out["signed_out"] = token(client.get("/").get_data(as_text=True))
print(json.dumps(out))
"""


PYJWT_1 = [pin if "jwt" not in pin else "pyjwt==1.7.1" for pin in FLASK_2_2]


@pytest.mark.parametrize(
    "pins",
    [
        pytest.param(FLASK_2_2, id="flask-2.2"),
        pytest.param(FLASK_LOGIN_0_5, id="flask-login-0.5"),
        pytest.param(PYJWT_1, id="pyjwt-1.7-bytes"),
    ],
)
def test_flask_2_and_flask_login_05(tmp_path: Path, signing_key: str, pins: list[str]) -> None:
    """The book club pinned to Flask 2.x, Flask-Login 0.5 / 0.6 and SQLAlchemy 1.4: the
    generated module and context processor run on them, signing in through the app's login.
    A project pinning PyJWT 1.7 keeps it: its `jwt.encode` returns bytes, the module a str."""
    root = copy_fixture("flask-login", tmp_path)
    declared = [pin for pin in pins if "jwt==1." in pin or "jwt" not in pin]
    (root / "requirements.txt").write_text("".join(f"{pin}\n" for pin in declared))
    apply_twice(root, "--api-key", "pk_test_bookclub")
    requirements = (root / "requirements.txt").read_text().splitlines()
    module = (root / "app/bestchatbot.py").read_text()
    if "pyjwt==1.7.1" in pins:
        assert requirements == declared  # reused as pinned
        assert "return token.decode() if isinstance(token, bytes) else token" in module
    else:
        # no Python named: the newest PyJWT for the oldest Python the Flask pin runs on
        oldest = {"flask==2.2.5": (3, 7), "flask==2.0.3": (3, 6)}[pins[0]]
        assert f"PyJWT=={PYJWT.release(oldest)}" in requirements  # pinned like the others
        assert "isinstance(token, bytes)" not in module
    python = py_env(pins)
    flask_login = next(p.split("==")[1] for p in pins if p.startswith("flask-login"))
    assert installed(python, "flask-login") == flask_login
    out = run_driver(
        python,
        BOOKCLUB_DRIVER,
        cwd=root,
        env={
            "BESTCHATBOT_SIGNING_KEY": signing_key,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'bookclub.db'}",
        },
    )
    assert out["anonymous"] is None and out["signed_out"] is None
    assert out["login"] == 302
    assert_contract(
        verify(out["signed_in"]),
        email="ada.lovelace@example.com",
        name="Ada Lovelace",
        user_id=str(out["id"]),
    )


# -- e-mails rendered outside a request, with the JWT library the project has -------------------

CLINIC_DRIVER = """
import json, re
from datetime import datetime, timedelta
from clinic import create_app
from clinic.extensions import db
from clinic.mail import OUTBOX
from clinic.models import Appointment, Patient
from clinic.worker import send_reminders

app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite:///" + DATABASE})
with app.app_context():
    db.create_all()
    ada = Patient(email="Ada.Lovelace@Example.COM", first_name="Ada", last_name="Lovelace")
    ada.set_password("analytical-engine")
    db.session.add(ada)
    tomorrow = datetime.now() + timedelta(days=1)
    db.session.add(Appointment(patient=ada, doctor="Dr Snow", starts_at=tomorrow))
    db.session.commit()
    ada_id = ada.id

def token(page):
    found = re.findall(r'data-user-token="([^"]+)"', page)
    return found[0] if found else None

out = {"id": ada_id}
# The worker renders the reminder in app.app_context(), with no request at all.
out["worker"] = [m.html for m in send_reminders(app)]
with app.app_context():
    later = datetime.now() + timedelta(days=2)
    db.session.add(Appointment(patient_id=ada_id, doctor="Dr Gray", starts_at=later))
    db.session.commit()
cli = app.test_cli_runner().invoke(args=["send-reminders"])
out["cli"] = [cli.exit_code, cli.output, OUTBOX[-1].html]
client = app.test_client()
out["anonymous"] = token(client.get("/").get_data(as_text=True))
form = {"email": "ada.lovelace@example.com", "password": "analytical-engine"}
out["login"] = client.post("/auth/login", data=form).status_code
out["signed_in"] = token(client.get("/").get_data(as_text=True))
client.get("/auth/logout")
out["signed_out"] = token(client.get("/").get_data(as_text=True))
print(json.dumps(out))
"""


@pytest.mark.parametrize(
    ("authlib", "signs_with", "added"),
    [
        pytest.param("1.3.2", "from authlib.jose import jwt", None, id="authlib-1.3-authlib.jose"),
        pytest.param(
            "1.9.10", "from joserfc import jwt", "joserfc==1.7.7", id="authlib-1.9-joserfc"
        ),
    ],
)
def test_emails_rendered_by_a_worker_and_the_apps_own_jwt_library(
    tmp_path: Path, signing_key: str, authlib: str, signs_with: str, added: str | None
) -> None:
    """The clinic renders reminder e-mails in a worker's app.app_context() and in a CLI command,
    with no request: the context processor gives them no token (it used to raise
    AttributeError on current_user, None there). The project signs in with Authlib's Google
    client: the token module signs with Authlib (authlib.jose before 1.7, joserfc after, which
    it then declares, pinned like the rest); no PyJWT is added or installed."""
    root = copy_fixture("flask-mail-worker", tmp_path)
    requirements = root / "requirements.txt"
    requirements.write_text(
        requirements.read_text().replace("Authlib==1.3.2", f"Authlib=={authlib}")
    )
    before = requirements.read_text()
    apply_twice(root, "--api-key", "pk_clinic")
    module = (root / "clinic/bestchatbot.py").read_text()
    assert signs_with in module and "\nimport jwt\n" not in module
    after = requirements.read_text()
    assert "pyjwt" not in after.lower()
    if added is None:
        assert after == before
    else:
        assert added in after.splitlines()
    python = py_env([line for line in after.splitlines() if line])  # the pins as written
    out = run_driver(
        python,
        f"DATABASE = {str(tmp_path / 'clinic.db')!r}\n" + CLINIC_DRIVER,
        cwd=root,
        env={"BESTCHATBOT_SIGNING_KEY": signing_key},
    )
    [reminder] = out["worker"]
    assert "Dear Ada," in reminder and "Dr Snow" in reminder and "data-user-token" not in reminder
    exit_code, output, emailed = out["cli"]
    assert (exit_code, output.strip()) == (0, "1 reminder(s) sent")
    assert "Dr Gray" in emailed and "data-user-token" not in emailed
    assert out["anonymous"] is None and out["signed_out"] is None
    assert out["login"] == 302
    assert_contract(
        verify(out["signed_in"]),
        email="ada.lovelace@example.com",
        name="Ada Lovelace",
        user_id=str(out["id"]),
    )


# -- declared where the hosting installs from, pinned for its Python ----------------------------

PY38 = Path.home() / ".pyenv/versions/3.8.18/bin/python"


def py_env_on(python: Path, pins: list[str]) -> Path:
    """`py_env(pins)` built on another interpreter (py_env keys its cache by the Python that
    runs it): the virtualenv's interpreter."""
    if not python.is_file():
        pytest.skip(f"{python} is not installed here")
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); from tests.py_envs import py_env; "
        "print(py_env(sys.argv[2:]))"
    )
    repo = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [str(python), "-c", code, str(repo), *pins], capture_output=True, text=True, timeout=1500
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return Path(done.stdout.split()[-1])


POTLUCK_DRIVER = """
import json, re
from potluck import create_app
from potluck.db import init_db

app = create_app({"TESTING": True, "DATABASE": DATABASE})
with app.app_context():
    init_db()

def token(page):
    found = re.findall(r'data-user-token="([^"]+)"', page)
    return found[0] if found else None

client = app.test_client()
out = {"anonymous": token(client.get("/").get_data(as_text=True))}
form = {"email": "Mae.Jemison@Example.org", "display_name": "Mae", "password": "endeavour"}
client.post("/auth/register", data=form)
login = {"email": "mae.jemison@example.org", "password": "endeavour"}
out["login"] = client.post("/auth/login", data=login).status_code
out["signed_in"] = token(client.get("/").get_data(as_text=True))
client.get("/auth/logout")
out["signed_out"] = token(client.get("/").get_data(as_text=True))
print(json.dumps(out))
"""


def test_pyjwt_where_heroku_installs_pinned_for_its_python(
    tmp_path: Path, signing_key: str
) -> None:
    """Developed with pipenv, deployed on Heroku (Procfile) from the `pip freeze` in
    requirements.txt, on the Python 3.8 of runtime.txt: both manifests declare PyJWT, the
    pinned one with the newest PyJWT that runs on 3.8; the app, installed from the patched
    requirements.txt alone on Python 3.8, signs its users' tokens."""
    root = copy_fixture("flask-heroku-pipenv", tmp_path)
    apply_twice(root, "--api-key", "pk_potluck")
    assert 'pyjwt = ">=2.8"' in (root / "Pipfile").read_text().splitlines()
    pins = [line for line in (root / "requirements.txt").read_text().splitlines() if line]
    assert "PyJWT==2.9.0" in pins  # 2.10 needs Python 3.9
    python = py_env_on(PY38, pins)
    assert installed(python, "pyjwt") == "2.9.0"
    out = run_driver(
        python,
        f"DATABASE = {str(tmp_path / 'potluck.sqlite')!r}\n" + POTLUCK_DRIVER,
        cwd=root,
        env={"BESTCHATBOT_SIGNING_KEY": signing_key},
    )
    assert out["anonymous"] is None and out["signed_out"] is None
    assert out["login"] == 302
    assert_contract(
        verify(out["signed_in"]), email="mae.jemison@example.org", name="Mae", user_id="1"
    )
