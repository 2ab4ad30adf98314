"""A project that names no Python: the Python range its exact pins allow (the framework's
documented support, the other pins' Requires-Python), and PyJWT pinned at the newest release for
the oldest Python of that range (raised to the 3.6 the token module needs), with the code written
for that Python and said in the edit's reason. End to end: `django-legacy-pins` (Django 2.2,
every requirement pinned, nothing naming a Python), installed from its patched requirements.txt
on Python 3.6 where this machine has it."""

from __future__ import annotations

import fcntl
import hashlib
import json
import subprocess
from pathlib import Path

import pytest

from scaffolder.plan import Plan, PlanBuilder
from scaffolder.project import Project
from scaffolder.python.deps import PYJWT, plan_requirement
from scaffolder.python.jwtlib import JOSERFC
from scaffolder.python.supported import Pin, python_range
from scaffolder.python.versions import pinned_pythons, python_runtime, unsupported_python
from tests.helpers import apply_twice, assert_contract, copy_fixture, run, verify
from tests.py_envs import CACHE, run_driver

DJANGO_2_2 = "Django==2.2.14\nPillow==6.2.2\nrequests==2.21.0\nstripe==2.27.0\n"
FLASK_1 = (
    "click==7.1.2\nFlask==1.1.4\nFlask-Login==0.5.0\nitsdangerous==1.1.0\nJinja2==2.11.3\n"
    "MarkupSafe==1.1.1\nWerkzeug==1.0.1\n"
)


def tree(root: Path, files: dict[str, str]) -> Project:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return Project(root)


def planned(root: Path, files: dict[str, str], framework: str) -> Plan:
    project = tree(root, files)

    def read(rel: str) -> tuple[str, bool] | None:
        path = root / rel
        return (path.read_text(), False) if path.is_file() else None

    builder = PlanBuilder(read)
    plan_requirement(project, builder, ".", PYJWT, framework)
    return builder.build()


# -- the range the pins allow ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "target", "described"),
    [
        pytest.param({"requirements.txt": DJANGO_2_2}, (3, 6),
                     "Django==2.2.14 runs on Python 3.5 to 3.8", id="django-2.2-raised-to-3.6"),
        pytest.param({"requirements.txt": FLASK_1}, (3, 6),
                     "Flask==1.1.4 runs on Python 2.7 or later", id="flask-1-raised-to-3.6"),
        pytest.param({"requirements.txt": "Django==3.2.25\nPillow==9.5.0\n"}, (3, 7),
                     "Pillow==9.5.0 runs on Python 3.7 or later, Django==3.2.25 on 3.10 at most",
                     id="another-pin-sets-the-floor"),
        pytest.param({"requirements.txt": "fastapi==0.110.3\npydantic==2.6.4\n"}, (3, 8),
                     "FastAPI==0.110.3 runs on Python 3.8 or later", id="fastapi-pydantic"),
        pytest.param({"requirements/base.txt": "Django==4.2.16\n"}, (3, 8),
                     "Django==4.2.16 runs on Python 3.8 to 3.12", id="requirements-dir"),
        pytest.param({"Pipfile.lock": json.dumps({"_meta": {}, "default": {
                         "django": {"version": "==5.1.4"}}})}, (3, 10),
                     "Django==5.1.4 runs on Python 3.10 to 3.13", id="pipfile-lock"),
    ],
)  # fmt: skip
def test_the_pins_imply_the_oldest_python(
    tmp_path: Path, files: dict[str, str], target: tuple[int, int], described: str
) -> None:
    project = tree(tmp_path, files)
    runtime = python_runtime(project, ".")
    assert runtime is not None and runtime.pins is not None
    assert (runtime.version, runtime.pins.describe()) == (target, described)
    assert unsupported_python(project, ".") is None


@pytest.mark.parametrize(
    "files",
    [
        pytest.param({"requirements.txt": "Django>=2.2,<3\nPillow\n"}, id="ranges-say-nothing"),
        pytest.param({"requirements.txt": "gunicorn==21.2.0\n"}, id="a-pin-the-table-lacks"),
        pytest.param({"requirements.txt": "Django==0.96\n"}, id="older-than-the-table"),
    ],
)
def test_nothing_inferred(tmp_path: Path, files: dict[str, str]) -> None:
    project = tree(tmp_path, files)
    assert pinned_pythons(project, ".") is None and python_runtime(project, ".") is None


def test_a_named_python_wins_over_the_pins(tmp_path: Path) -> None:
    project = tree(tmp_path, {"requirements.txt": DJANGO_2_2, "runtime.txt": "python-3.8.18\n"})
    runtime = python_runtime(project, ".")
    assert runtime is not None and (runtime.version, runtime.source, runtime.pins) == (
        (3, 8),
        "runtime.txt",
        None,
    )


def test_the_nearest_pin_wins(tmp_path: Path) -> None:
    """A monorepo: the app's own requirements before the repository's."""
    project = tree(
        tmp_path, {"requirements.txt": "Django==2.2.28\n", "web/requirements.txt": "Django==4.2\n"}
    )
    found = pinned_pythons(project, "web")
    assert found is not None and (found.lowest, found.floor.path) == (
        (3, 8),
        "web/requirements.txt",
    )


def test_a_ceiling_below_the_floor_is_left_out() -> None:
    """Pins that cannot install together (Django 2.2 runs on 3.9 at most, Pillow 11 needs
    3.9... and 12 needs 3.10): the floor stands, no ceiling is claimed."""
    found = python_range([Pin("django", (2, 2, 28), "r.txt"), Pin("pillow", (12, 0, 0), "r.txt")])
    assert found is not None
    assert (found.lowest, found.newest, found.target((3, 6))) == ((3, 10), None, (3, 10))


def test_pins_that_run_on_python_3_5_at_most_are_unsupported(tmp_path: Path) -> None:
    project = tree(tmp_path, {"requirements.txt": "Django==1.8.19\n"})
    assert unsupported_python(project, ".") == (
        "Django==1.8.19 runs on Python 2.7 to 3.5 (pinned in requirements.txt): the token "
        "module needs Python 3.6 or later, and no PyJWT 2 release supports it; upgrade the app's "
        "Python, then run apply again"
    )


# -- the pin and the reason it gives ------------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "framework", "line", "reason"),
    [
        pytest.param(
            {"requirements.txt": DJANGO_2_2}, "django", "PyJWT==2.4.0",
            "declare PyJWT (signs the widget token); pinned PyJWT==2.4.0: the newest that runs on "
            "Python 3.6, the oldest your pins support that the token module runs on "
            "(Django==2.2.14 runs on Python 3.5 to 3.8)",
            id="django-2.2",
        ),
        pytest.param(
            {"requirements.txt": FLASK_1}, "flask", "PyJWT==2.4.0",
            "declare PyJWT (signs the widget token); pinned PyJWT==2.4.0: the newest that runs on "
            "Python 3.6, the oldest your pins support that the token module runs on "
            "(Flask==1.1.4 runs on Python 2.7 or later)",
            id="flask-1",
        ),
        pytest.param(
            {"requirements.txt": "Django==3.2.25\nPillow==9.5.0\n"}, "django", "PyJWT==2.8.0",
            "declare PyJWT (signs the widget token); pinned PyJWT==2.8.0: the newest that runs on "
            "Python 3.7, the oldest your pins support (Pillow==9.5.0 runs on Python 3.7 or later, "
            "Django==3.2.25 on 3.10 at most)",
            id="pillow-sets-the-floor",
        ),
        pytest.param(
            {"requirements.txt": "Flask==3.1.2\nFlask-Login==0.6.3\n"}, "flask", "PyJWT==2.15.1",
            "declare PyJWT (signs the widget token); pinned PyJWT==2.15.1: the newest that runs "
            "on Python 3.9, the oldest your pins support (Flask==3.1.2 runs on Python 3.9 or "
            "later)",
            id="current-flask",
        ),
        pytest.param(
            {"requirements.txt": "Django==2.2.28\nrequests\n"}, "django", "PyJWT>=2.4",
            "declare PyJWT (signs the widget token)", id="not-fully-pinned-a-floor-for-3.6",
        ),
        pytest.param(
            {"requirements.txt": "gunicorn==21.2.0\nFlask-Login==0.6.3\n"}, "flask",
            "PyJWT==2.15.1", "declare PyJWT (pinned like its other requirements, signs the widget "
            "token)", id="pins-that-say-nothing-the-newest",
        ),
    ],
)  # fmt: skip
def test_pyjwt_for_the_oldest_python_the_pins_support(
    tmp_path: Path, files: dict[str, str], framework: str, line: str, reason: str
) -> None:
    plan = planned(tmp_path, files, framework)
    [edit] = plan.edits
    assert line in edit.after.splitlines()
    assert edit.reason == reason
    assert plan.warnings == []


@pytest.mark.parametrize(
    ("requirements", "line", "reason"),
    [
        pytest.param(
            "Flask==3.0.3\nrequests==2.32.3\n", "joserfc==1.6.8",
            "pinned joserfc==1.6.8: the newest that runs on Python 3.9, the oldest your pins "
            "support that joserfc runs on (Flask==3.0.3 runs on Python 3.8 or later)",
            id="raised-to-the-oldest-python-a-release-supports",
        ),
        pytest.param(
            "Authlib==1.9.10\nFlask==3.0.3\n", "joserfc==1.7.7",
            "pinned joserfc==1.7.7: the newest that runs on Python 3.10, the oldest your pins "
            "support (Authlib==1.9.10 runs on Python 3.10 or later)",
            id="authlib-1.9-needs-3.10",
        ),
    ],
)  # fmt: skip
def test_a_requirement_with_no_release_for_the_pins_oldest_python(
    tmp_path: Path, requirements: str, line: str, reason: str
) -> None:
    project = tree(tmp_path, {"requirements.txt": requirements})
    builder = PlanBuilder(lambda rel: ((tmp_path / rel).read_text(), False)
                          if (tmp_path / rel).is_file() else None)  # fmt: skip
    plan_requirement(project, builder, ".", JOSERFC, "flask")
    [edit] = builder.build().edits
    assert line in edit.after.splitlines()
    assert edit.reason.endswith(reason)


def test_unsupported_pins_add_no_pyjwt_and_say_why(tmp_path: Path) -> None:
    plan = planned(tmp_path, {"requirements.txt": "Django==1.8.19\nPillow==3.4.2\n"}, "django")
    assert plan.edits == []
    assert plan.warnings == [
        "Django==1.8.19 runs on Python 2.7 to 3.5 (pinned in requirements.txt), which no PyJWT "
        "release supports: PyJWT was not added; upgrade the app's Python first"
    ]


# -- the generated code follows the same Python -------------------------------------------------


def test_flask_1_code_runs_on_python_3_6(tmp_path: Path) -> None:
    """No `from __future__ import annotations` (3.7+) for pins that allow 3.6: string
    annotations, and `jwt.encode`'s str (PyJWT 2.4) returned as it is."""
    root = copy_fixture("flask-login", tmp_path)
    (root / "requirements.txt").write_text(FLASK_1 + "Flask-SQLAlchemy==2.5.1\n")
    assert run("apply", root, "--yes", "--api-key", "pk").exit_code == 0
    module = (root / "app" / "bestchatbot.py").read_text()
    assert "__future__" not in module
    assert 'def widget_claims() -> "dict[str, object] | None":' in module
    assert 'return jwt.encode(claims, key, algorithm="HS256")' in module
    assert "PyJWT==2.4.0" in (root / "requirements.txt").read_text().splitlines()
    compile(module, "bestchatbot.py", "exec")


# -- end to end on the oldest Python --------------------------------------------------------------

PY36 = Path.home() / ".pyenv/versions/3.6.15/bin/python"
DRIVER = """
import json, os, re, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "clubhouse.settings"
import django
django.setup()
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.test.utils import setup_test_environment
import jwt

setup_test_environment()
call_command("migrate", verbosity=0, interactive=False)
grace = User.objects.create_user(
    "grace", "Grace.Hopper@Example.ORG", "cobol-1959", first_name="Grace", last_name="Hopper"
)

def token(response):
    found = re.findall(r'data-user-token="([^"]+)"', response.content.decode())
    return found[0] if found else None

client = Client()
out = {"id": str(grace.pk), "anonymous": token(client.get("/"))}
out["login"] = client.post(
    "/accounts/login/", {"username": "grace", "password": "cobol-1959"}
).status_code
page = client.get("/mine/")
out["signed_in"], out["cache_control"] = token(page), page.get("Cache-Control", "")
endpoint = client.get("/api/widget-token")
out["endpoint"] = [endpoint.status_code, json.loads(endpoint.content.decode())]
client.get("/accounts/logout/")
out["signed_out"] = token(client.get("/"))
out["python"], out["pyjwt"] = list(sys.version_info[:2]), jwt.__version__
print(json.dumps(out))
"""


def venv_on(python: Path, pins: list[str]) -> Path:
    """A virtualenv of `python` holding `pins`, created once in the tests' cache (py_env's own
    helper runs on 3.7+ only), or a skip where this machine lacks that interpreter."""
    if not python.is_file():
        pytest.skip(f"{python} is not installed here")
    key = hashlib.sha256(json.dumps([str(python), sorted(pins)]).encode()).hexdigest()[:16]
    target = CACHE / f"on-{key}"
    done = target / ".complete"
    if not done.exists():
        target.mkdir(parents=True, exist_ok=True)
        with open(target.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not done.exists():
                subprocess.run(
                    [str(python), "-m", "venv", "--clear", str(target)],
                    check=True, capture_output=True, timeout=600,
                )  # fmt: skip
                pip = [str(target / "bin/python"), "-m", "pip", "install", "-q", *sorted(pins)]
                result = subprocess.run(pip, capture_output=True, text=True, timeout=900)
                assert result.returncode == 0, result.stderr[-4000:]
                done.touch()
    return target / "bin" / "python"


@pytest.mark.e2e
def test_django_2_2_pins_install_and_sign_on_python_3_6(tmp_path: Path, signing_key: str) -> None:
    root = copy_fixture("django-legacy-pins", tmp_path)
    applied = apply_twice(root, "--api-key", "pk_clubhouse")
    assert "the newest that runs on Python 3.6, the oldest your pins support" in applied.output
    module = (root / "clubhouse" / "bestchatbot.py").read_text()
    assert "__future__" not in module  # Python 3.6 has no PEP 563
    pins = [line for line in (root / "requirements.txt").read_text().splitlines() if line]
    assert "PyJWT==2.4.0" in pins
    python = venv_on(PY36, pins)  # the patched requirements.txt, nothing else
    out = run_driver(
        python, DRIVER, cwd=root, env={"BESTCHATBOT_SIGNING_KEY": signing_key}, timeout=300
    )
    assert (out["python"], out["pyjwt"]) == ([3, 6], "2.4.0")
    assert out["anonymous"] is None and out["signed_out"] is None
    assert out["login"] == 302
    assert "private" in out["cache_control"]
    assert_contract(
        verify(out["signed_in"]), email="grace.hopper@example.org", name="Grace Hopper",
        user_id=out["id"],
    )  # fmt: skip
    status, body = out["endpoint"]
    assert status == 200
    assert_contract(
        verify(body["token"]), email="grace.hopper@example.org", name="Grace Hopper",
        user_id=out["id"],
    )  # fmt: skip
