"""FastAPI pages renew their inline token: the plan adds the endpoint and the identity script
(`renews_inline`) in the app's StaticFiles directory, loaded right after the widget tag at the
mount's `url_for` URL; an app without static files gets a next step; a second apply and a token
module of an earlier apply are left as they are. The patched apps run in test_fastapi_e2e.py."""

from __future__ import annotations

import re
from pathlib import Path

import jinja2
import pytest

from scaffolder import engine
from scaffolder.model import Answers
from scaffolder.plan import Plan
from tests.helpers import copy_fixture, run

WIDGET = "https://widget.bestchatbot.io/widget/v1/chat.js"
LAYOUT = "app/templates/base.html"
MAIN = "app/main.py"
MOUNT = (
    'app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")'
)


def planned(root: Path, **answers: str) -> Plan:
    result = engine.plan(root, Answers(api_key="pk_recipes", **answers))  # type: ignore[arg-type]
    assert not result.inspection.questions, result.inspection.questions
    return result.plan


def edited(plan: Plan, path: str) -> str:
    return next(e.after for e in plan.edits if e.path == path)


def replace_in(root: Path, path: str, old: str, new: str) -> None:
    file = root / path
    text = file.read_text()
    assert old in text
    file.write_text(text.replace(old, new))


@pytest.mark.parametrize(
    ("mount", "src", "script"),
    [
        pytest.param(
            MOUNT,
            "{{ url_for('static', path='bestchatbot-identity.js') }}",
            "app/static/bestchatbot-identity.js",
            id="url_for-the-named-mount",
        ),
        pytest.param(
            'app.mount("/assets/", StaticFiles(directory="app/static"))',
            "/assets/bestchatbot-identity.js",
            "app/static/bestchatbot-identity.js",
            id="the-path-of-a-mount-without-a-name",
        ),
    ],
)
def test_the_layout_loads_the_renewal_script_after_the_tag(
    tmp_path: Path, mount: str, src: str, script: str
) -> None:
    root = copy_fixture("fastapi-jinja", tmp_path)
    replace_in(root, MAIN, MOUNT, mount)
    replace_in(root, LAYOUT, "url_for('static', path='site.css')", "'/site.css'")
    plan = planned(root)
    layout = edited(plan, LAYOUT)
    tag_line, script_line = layout.splitlines()[-4:-2]
    assert tag_line.startswith(f'    <script src="{WIDGET}" data-api-key="pk_recipes"{{% if')
    assert script_line == f'    <script src="{src}"></script>'
    body = edited(plan, script)
    assert 'const ENDPOINT = "/api/widget-token";' in body
    assert "tag?.dataset.userToken" in body  # starts from the page's own token
    assert 'app.include_router(bestchatbot_router, prefix="/api")' in edited(plan, MAIN)
    module = edited(plan, "app/bestchatbot.py")
    assert '@bestchatbot_router.get("/widget-token")' in module
    assert "def remember_widget_token(" in module and "class WidgetTokenPrivate:" in module

    # A guest's page loads the script, with no token on the tag.
    env = jinja2.Environment(loader=jinja2.DictLoader({"base.html": layout}))
    env.globals["url_for"] = lambda name, path: f"/{name}/{path}"
    guest = env.get_template("base.html").render(bestchatbot_token=None)
    assert "data-user-token" not in guest
    assert re.search(r'<script src="/(static|assets)/bestchatbot-identity\.js"></script>', guest)


def test_the_endpoint_follows_the_answered_prefix(tmp_path: Path) -> None:
    root = copy_fixture("fastapi-jinja", tmp_path)
    plan = planned(root, api_prefix="/backend")
    assert 'const ENDPOINT = "/backend/widget-token";' in edited(
        plan, "app/static/bestchatbot-identity.js"
    )
    assert 'include_router(bestchatbot_router, prefix="/backend")' in edited(plan, MAIN)


def test_an_existing_tag_gets_the_script_right_after_it_in_its_block(tmp_path: Path) -> None:
    root = copy_fixture("fastapi-jinja", tmp_path)
    tag = f'<script src="{WIDGET}" data-api-key="pk_live"></script>'
    replace_in(
        root,
        LAYOUT,
        "</body>",
        f"    {{% block widget %}}\n      {tag}\n    {{% endblock %}}\n</body>",
    )
    layout = edited(planned(root), LAYOUT)
    start = layout.index("{% block widget %}")
    assert layout[start : layout.index("{% endblock %}", start)].splitlines()[1:] == [
        f'      <script src="{WIDGET}" data-api-key="pk_live"{{% if bestchatbot_token %}} '
        'data-user-token="{{ bestchatbot_token }}"{% endif %}></script>',
        "      <script src=\"{{ url_for('static', path='bestchatbot-identity.js') }}\"></script>",
        "    ",
    ]
    assert layout.count(WIDGET) == 1


def test_without_static_files_the_script_is_a_next_step(tmp_path: Path) -> None:
    root = copy_fixture("fastapi-jinja", tmp_path)
    replace_in(root, MAIN, MOUNT + "\n", "")
    plan = planned(root)
    assert "bestchatbot-identity.js" not in edited(plan, LAYOUT)
    assert not any(e.path.endswith(".js") for e in plan.edits)
    assert WIDGET in edited(plan, LAYOUT)  # the inline token works as before
    assert "include_router(bestchatbot_router" in edited(plan, MAIN)
    (step,) = [s for s in plan.next_steps if "bestchatbot-identity.js" in s]
    assert 'app.mount("/static", StaticFiles(directory="static"), name="static")' in step
    assert "run apply again" in step


def test_a_second_apply_keeps_the_endpoint_and_the_script(tmp_path: Path) -> None:
    root = copy_fixture("fastapi-jinja", tmp_path)
    assert run("apply", root, "--yes", "--api-key", "pk_recipes").exit_code == 0
    plan = planned(root)
    assert plan.edits == []
    reasons = {s.path: s.why for s in plan.skipped}
    assert reasons[MAIN] == "bestchatbot_router is already included"
    assert reasons[LAYOUT] == "identity script already loaded"


def test_a_token_module_of_an_earlier_apply_is_kept(tmp_path: Path) -> None:
    """Applied before pages renewed their token: nothing changes, the skip says how to get it."""
    root = copy_fixture("fastapi-jinja", tmp_path)
    assert run("apply", root, "--yes", "--api-key", "pk_recipes").exit_code == 0
    module = (root / "app/bestchatbot.py").read_text()
    endpoint = module[module.index('\n\n@bestchatbot_router.get("/widget-token")') :]
    endpoint = endpoint[: endpoint.index("\n\n\ndef remember_widget_token(")]
    (root / "app/bestchatbot.py").write_text(
        module.replace(endpoint, "").replace(
            '\n\nbestchatbot_router = APIRouter(tags=["bestchatbot"])\n', "\n"
        )
    )
    replace_in(root, MAIN, '\napp.include_router(bestchatbot_router, prefix="/api")', "")
    replace_in(root, MAIN, "WidgetTokenPrivate, bestchatbot_router", "WidgetTokenPrivate")
    layout = (root / LAYOUT).read_text()
    (root / LAYOUT).write_text(
        "\n".join(line for line in layout.split("\n") if "bestchatbot-identity.js" not in line)
    )
    (root / "app/static/bestchatbot-identity.js").unlink()
    plan = planned(root)
    assert plan.edits == []
    (why,) = [s.why for s in plan.skipped if s.path == "app/bestchatbot.py"]
    assert "without GET /api/widget-token" in why and "move app/bestchatbot.py aside" in why
