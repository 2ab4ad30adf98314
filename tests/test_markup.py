"""The widget tag, `</body>` insertion and layout detection in templates."""

from __future__ import annotations

from textwrap import dedent

import pytest

from scaffolder.markup import (
    add_attribute,
    find_layouts,
    insert_after_widget_tag,
    insert_before_body_close,
    parse_template,
    widget_tags,
)

SRC = "https://widget.bestchatbot.io/widget/v1/chat.js"
TAG = f'<script src="{SRC}" data-api-key="pk"></script>'


@pytest.mark.parametrize(
    ("html", "count"),
    [
        pytest.param(TAG, 1, id="plain"),
        pytest.param(TAG.replace('"', "'"), 1, id="single-quotes"),
        pytest.param(
            '<SCRIPT defer\n  src="https://widget.bestchatbot.io/widget/v1/chat.js">',
            1,
            id="multiline-upper",
        ),
        pytest.param('<script src="/static/app.js"></script>', 0, id="other-script"),
        pytest.param("<!-- widget.bestchatbot.io chat.js -->", 0, id="comment-not-tag"),
    ],
)
def test_widget_tags(html: str, count: int) -> None:
    assert len(widget_tags(html)) == count


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param(
            f'<script src="{SRC}" data-api-key="{{{{ key }}}}"></script>',
            f'<script src="{SRC}" data-api-key="{{{{ key }}}}" X></script>',
            id="template-expression-value",
        ),
        pytest.param(
            f'<script src="{SRC}" data-x="a>b" />',
            f'<script src="{SRC}" data-x="a>b" X />',
            id="self-closing-and-quoted-gt",
        ),
    ],
)
def test_add_attribute(before: str, after: str) -> None:
    tag = widget_tags(before)[0]
    assert add_attribute(before, tag, "X") == after


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param(
            "<html>\n  <body>\n    <main></main>\n  </body>\n</html>\n",
            "<html>\n  <body>\n    <main></main>\n    TAG\n  </body>\n</html>\n",
            id="indented",
        ),
        pytest.param(
            "<body>\r\n\t<p>x</p>\r\n</body>\r\n",
            "<body>\r\n\t<p>x</p>\r\n\tTAG\r\n</body>\r\n",
            id="crlf-tabs",
        ),
        pytest.param(
            "<%- include('nav') %>\n<main></main>\n</body>\n</html>\n",
            "<%- include('nav') %>\n<main></main>\nTAG\n</body>\n</html>\n",
            id="flush-left-partial",
        ),
        pytest.param(
            "<body>\n</body>\n",
            "<body>\n  TAG\n</body>\n",
            id="empty-body-goes-one-level-deeper",
        ),
        pytest.param(
            "<body><p>x</p></body>",
            "<body><p>x</p>\n  TAG\n</body>",
            id="same-line",
        ),
        pytest.param(
            '  <body>\n    <script src="a.js"\n            defer></script>\n  </body>\n',
            '  <body>\n    <script src="a.js"\n            defer></script>\n    TAG\n  </body>\n',
            id="after-a-tag-continued-on-the-next-line",
        ),
        pytest.param(
            '<body>\n  <img src="a.png"\n       alt="a">\n  <p>x\n    y</p>\n</body>\n',
            '<body>\n  <img src="a.png"\n       alt="a">\n  <p>x\n    y</p>\n  TAG\n</body>\n',
            id="after-an-element-whose-text-runs-on",
        ),
    ],
)
def test_insert_before_body_close(before: str, after: str) -> None:
    assert insert_before_body_close(before, ["TAG"]) == after


def test_no_body_close() -> None:
    assert insert_before_body_close("<p>x</p>", ["TAG"]) is None


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param(
            f"  <body>\n    {TAG}\n  </body>\n",
            f"  <body>\n    {TAG}\n    NEXT\n  </body>\n",
            id="own-line",
        ),
        pytest.param(
            f"{{% if on %}}\r\n\t{TAG}\r\n{{% endif %}}\r\n",
            f"{{% if on %}}\r\n\t{TAG}\r\n\tNEXT\r\n{{% endif %}}\r\n",
            id="in-its-conditional-crlf-tabs",
        ),
        pytest.param(
            f"<p>x</p>{TAG}</body>",
            f"<p>x</p>{TAG}\nNEXT\n</body>",
            id="the-rest-of-its-line-moves-down",
        ),
        pytest.param(
            f'<script\n  src="{SRC}"\n  async>\n</script >\n',
            f'<script\n  src="{SRC}"\n  async>\n</script >\nNEXT\n',
            id="tag-over-several-lines",
        ),
    ],
)
def test_insert_after_widget_tag(before: str, after: str) -> None:
    assert insert_after_widget_tag(before, ["NEXT"]) == after


def test_nothing_to_insert_after() -> None:
    assert insert_after_widget_tag("<body></body>", ["NEXT"]) is None
    assert insert_after_widget_tag(f'<script src="{SRC}">', ["NEXT"]) is None  # never closed


def templates(**files: str) -> dict[str, object]:
    return {
        name: parse_template(f"templates/{name}", name, dedent(text))
        for name, text in files.items()
    }


def test_layout_is_the_extended_template_with_body() -> None:
    found = find_layouts(
        templates(  # type: ignore[arg-type]
            **{
                "base.html": "<html><body>{% block content %}{% endblock %}</body></html>",
                "index.html": '{% extends "base.html" %}',
                "about.html": "{% extends 'base.html' %}",
                "email.html": "<html><body>standalone</body></html>",
            }
        )
    )
    assert [(lay.template.name, lay.mode, lay.extenders) for lay in found] == [
        ("base.html", "body", 2)
    ]


def test_layout_chain_counts_grandchildren() -> None:
    found = find_layouts(
        templates(  # type: ignore[arg-type]
            **{
                "skeleton.html": "<body>{% block page %}{% endblock %}</body>",
                "layout.html": '{% extends "skeleton.html" %}{% block page %}{% endblock %}',
                "a.html": '{% extends "layout.html" %}',
                "b.html": '{% extends "layout.html" %}',
            }
        )
    )
    assert found[0].template.name == "skeleton.html"
    assert found[0].extenders == 3


def test_layout_from_an_installed_package_uses_scripts_block() -> None:
    found = find_layouts(
        templates(  # type: ignore[arg-type]
            **{
                "base.html": '{% extends "bootstrap/base.html" %}'
                "{% block scripts %}x{% endblock %}",
                "index.html": '{% extends "base.html" %}',
            }
        )
    )
    assert [(lay.template.name, lay.mode) for lay in found] == [("base.html", "block")]


def test_root_layout_without_body_markup_is_appended() -> None:
    found = find_layouts(
        templates(  # type: ignore[arg-type]
            **{
                "base.html": "<!doctype html><title>x</title>{% block content %}{% endblock %}",
                "index.html": "{% extends 'base.html' %}",
            }
        )
    )
    assert [(lay.template.name, lay.mode) for lay in found] == [("base.html", "append")]


def test_blocks_nest() -> None:
    tpl = parse_template("t", "t", "{% block a %}1{% block b %}2{% endblock %}3{% endblock %}")
    assert tpl.text[slice(*tpl.blocks["b"])] == "2"
    assert tpl.text[slice(*tpl.blocks["a"])] == "1{% block b %}2{% endblock %}3"
