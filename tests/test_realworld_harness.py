"""The Python and WordPress deep checks of the real-world benchmark: the recipe's set-up steps
(`copy`, `setup`, the user's `hash` and `stamped`) as drivers/python_signin.py and
deep_python.py run them, and the WordPress stand-ins of extra-stand-ins.php under the php CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from benchmarks.realworld import deep_python, deep_wordpress
from benchmarks.realworld.tokens import PERSON

KEY = "test-signing-key-of-at-least-32-bytes!"
TOOL_ROOT = Path(__file__).resolve().parents[1]

# A Flask app that, like flask-base and Flask-User apps, renders its layout only once a seeded
# row exists, stores a hash made by its own hasher and signs in confirmed users only.
FLASK_APP = """
import datetime
import hashlib

import jwt
from flask import Flask, redirect, request
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()
app = Flask(__name__)
app.config.update(SECRET_KEY="s", SQLALCHEMY_DATABASE_URI="sqlite://")
db.init_app(app)
login = LoginManager(app)


def hash_password(password):
    return "sha256$" + hashlib.sha256(password.encode()).hexdigest()


class Role(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(20))

    @staticmethod
    def insert_roles():
        db.session.add(Role(name="User"))
        db.session.commit()


class User(UserMixin, db.Model):
    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(80))
    password = db.Column(db.String(80))
    confirmed_at = db.Column(db.DateTime())


@login.user_loader
def load(user_id):
    return db.session.get(User, int(user_id))


@app.route("/login", methods=["POST"])
def sign_in():
    user = User.query.filter_by(email=request.form["email"]).first()
    if user and user.confirmed_at and user.password == hash_password(request.form["password"]):
        login_user(user)
    return redirect("/")


@app.route("/logout")
def sign_out():
    logout_user()
    return redirect("/")


@app.route("/")
def page():
    role = Role.query.first()
    token = ""
    if current_user.is_authenticated:
        soon = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=59)
        claims = {"email": current_user.email.lower(), "exp": soon}
        token = ' data-user-token="%s"' % jwt.encode(claims, app.config["KEY"], algorithm="HS256")
    return "<p>%s</p><script%s></script>" % (role.name, token)
"""


def _scenario(root: Path, **recipe: Any) -> dict[str, Any]:
    return {
        "framework": "flask",
        "root": str(root),
        "db": str(root / "db.sqlite3"),
        "email": PERSON["email"],
        "email_lower": PERSON["email"].lower(),
        "password": PERSON["password"],
        "app": "shop:app",
        "config": {"KEY": KEY},
        "orm": "shop:db",
        "login": {"url": "/login", "form": {"email": "{email}", "password": "{password}"}},
        "logout": {"url": "/logout", "method": "GET"},
        "page": "/",
        **recipe,
    }


def _drive(scenario: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(deep_python.DRIVER)],
        input=json.dumps(scenario),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


USER = {
    "model": "shop:User",
    "fields": {"email": "{email}"},
    "password": "password",
    "hash": "shop:hash_password",
    "stamped": ["confirmed_at"],
}


def test_setup_hash_and_stamp_sign_the_user_in(tmp_path: Path) -> None:
    (tmp_path / "shop.py").write_text(FLASK_APP)
    done = _drive(_scenario(tmp_path, setup=["shop:Role.insert_roles()"], user=USER))
    assert done.returncode == 0, done.stderr
    observed = json.loads(done.stdout.strip().splitlines()[-1])
    assert deep_python.judge(observed, KEY) is None


def test_without_the_setup_step_the_layout_does_not_render(tmp_path: Path) -> None:
    (tmp_path / "shop.py").write_text(FLASK_APP)
    done = _drive(_scenario(tmp_path, user=USER))
    assert "'NoneType' object has no attribute 'name'" in done.stderr
    observed = json.loads(done.stdout.strip().splitlines()[-1])
    assert "signed in: no token" in str(deep_python.judge(observed, KEY))


@pytest.mark.parametrize("left_out", ["hash", "stamped"])
def test_a_user_made_without_the_apps_hash_or_stamp_gets_no_token(
    tmp_path: Path, left_out: str
) -> None:
    (tmp_path / "shop.py").write_text(FLASK_APP)
    user = {k: v for k, v in USER.items() if k != left_out}
    done = _drive(_scenario(tmp_path, setup=["shop:Role.insert_roles()"], user=user))
    observed = json.loads(done.stdout.strip().splitlines()[-1])
    assert "signed in: no token" in str(deep_python.judge(observed, KEY))


def test_copy_files_runs_the_readmes_copy_step(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "local_settings_example.py").write_text("DEBUG = True\n")
    recipe = {"copy": {"app/local_settings.py": "app/local_settings_example.py"}}
    deep_python.copy_files(recipe, tmp_path, {})
    assert (tmp_path / "app" / "local_settings.py").read_text() == "DEBUG = True\n"


needs_php = pytest.mark.skipif(shutil.which("php") is None, reason="php is not installed")
RUNNER = TOOL_ROOT / "tests" / "php" / "run.php"


def _php(theme: Path, code: str) -> dict[str, Any] | str:
    (theme / "functions.php").write_text("<?php\n" + textwrap.dedent(code))
    scenario = {"require": [str(deep_wordpress.EXTRA), str(theme / "functions.php")], "page": True}
    env = {**os.environ, "WP_STUB_THEME_DIR": str(theme)}
    return deep_wordpress._php(RUNNER, {**scenario, "user": None}, env)


@needs_php
def test_theme_file_path_and_theme_mods_behave_as_wordpress_documents(tmp_path: Path) -> None:
    (tmp_path / "inc").mkdir()
    (tmp_path / "inc" / "setup.php").write_text("<?php\n")
    out = _php(
        tmp_path,
        """
        add_filter( 'theme_mod_navbar', function ( $value ) { return $value . '-filtered'; } );
        add_action( 'wp_footer', function () {
            echo json_encode( array(
                get_theme_file_path( '/inc/setup.php' ),
                get_theme_file_path(),
                get_theme_mod( 'navbar', 'collapse' ),
                get_theme_mod( 'missing' ),
            ) );
        } );
        """,
    )
    assert isinstance(out, dict), out
    assert json.loads(out["html"]) == [
        f"{tmp_path}/inc/setup.php",
        str(tmp_path),
        "collapse-filtered",
        False,
    ]


@needs_php
def test_a_theme_walker_with_wordpress_signatures_loads(tmp_path: Path) -> None:
    out = _php(
        tmp_path,
        """
        class Theme_Walker extends Walker_Nav_Menu {
            public function start_lvl( &$output, $depth = 0, $args = array() ) {
                $output .= '<ul>';
            }
            public function start_el( &$output, $item, $depth = 0, $args = array(), $id = 0 ) {
            }
        }
        add_action( 'wp_footer', function () {
            $walker = new Theme_Walker();
            $html   = '';
            $walker->start_lvl( $html );
            $walker->end_lvl( $html );
            echo $html . ' ' . $walker->db_fields['parent'];
        } );
        """,
    )
    assert isinstance(out, dict), out
    assert out["html"] == "<ul> menu_item_parent"


@needs_php
@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("new WP_Customize_Control();", "stand-ins lack class WP_Customize_Control"),
        ("new Roots\\Acorn\\Application();", "needs composer install"),
        ("get_header_image();", "stand-ins lack get_header_image()"),
    ],
)
def test_a_missing_core_class_is_a_stand_in_gap_not_composer(
    tmp_path: Path, code: str, reason: str
) -> None:
    out = _php(tmp_path, code)
    assert isinstance(out, str)
    assert out.startswith(reason)


def test_a_recipes_versions_stand_in_for_ranges_the_registry_cannot_serve() -> None:
    """Next.js recipes' `versions`: the harness's copy of package.json gets the stand-in, in
    dependencies and devDependencies alike; the other packages stay as the app wrote them."""
    from benchmarks.realworld import cache

    manifest = json.dumps(
        {"dependencies": {"next-auth": "beta", "next": "15.0.0"}, "devDependencies": {"x": "1"}}
    ).encode()
    assert cache._with_versions(manifest, {}) == manifest
    replaced = json.loads(cache._with_versions(manifest, {"next-auth": "5.0.0-beta.29", "x": "2"}))
    assert replaced["dependencies"] == {"next-auth": "5.0.0-beta.29", "next": "15.0.0"}
    assert replaced["devDependencies"] == {"x": "2"}
