"""Where the widget tag goes in a template that `{% extends %}` another.

A child template renders only its blocks: Django drops whatever it holds outside them
(https://docs.djangoproject.com/en/stable/ref/templates/language/#template-inheritance). The tag
goes into the block that renders last inside the `<body>` of the layout at the top of the chain
(a scripts block by name first), unless a template below overrides a block around it; the
child overrides that block with `{{ block.super }}` and the tag. A chain that ends in an
installed package's template uses the block the package is known to render in `<body>`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from scaffolder.markup import Layout, Template

SCRIPT_BLOCKS = ("extra_body", "scripts", "extra_js", "javascript", "js", "extrajs", "footer")
PARENT_BLOCKS = {"admin/base.html": "footer", "allauth/layouts/base.html": "extra_body"}
_BODY_OPEN = re.compile(r"<body\b", re.IGNORECASE)
_BODY_CLOSE = re.compile(r"</body\s*>", re.IGNORECASE)
_ANY_EXTENDS = re.compile(r"\{%-?\s*extends\b")


def extends_at_run_time(tpl: Template) -> bool:
    """`{% extends base_template %}`: a parent named by a variable."""
    return tpl.extends is None and _ANY_EXTENDS.search(tpl.text) is not None


def body_close_renders(tpl: Template) -> bool:
    """Whether the tag can go before the template's last `</body>`: it is not a child
    template, or its `</body>` is inside one of its blocks."""
    closes = list(_BODY_CLOSE.finditer(tpl.text))
    if not closes:
        return False
    at = closes[-1].start()
    return tpl.extends is None or any(s <= at <= e for s, e in tpl.blocks.values())


def chain(tpl: Template, templates: Mapping[str, Template]) -> list[Template]:
    """The templates `tpl` extends, nearest first, as far as the project holds them."""
    found: list[Template] = []
    name = tpl.extends
    while name and name in templates and all(t.name != name for t in [tpl, *found]):
        found.append(templates[name])
        name = found[-1].extends
    return found


def block_for(layout: Layout, templates: Mapping[str, Template]) -> str | None:
    """The block of `layout` (which extends another template) that the tag goes in; None
    when no block of the chain renders in `<body>`."""
    tpl = layout.template
    parents = chain(tpl, templates)
    top = parents[-1] if parents else None
    if top is None or top.extends:  # the chain goes on in an installed package
        own = next((name for name in SCRIPT_BLOCKS if name in tpl.blocks), None)
        return own or PARENT_BLOCKS.get((top or tpl).extends or "")
    if extends_at_run_time(top):
        return None
    return _last_in_body(top, [tpl, *parents[:-1]])


def _last_in_body(top: Template, below: list[Template]) -> str | None:
    """The block of `top` inside `<body>` that renders last, not inside a block that one of
    the templates `below` overrides (its content would not render then)."""
    text = top.text
    opened = _BODY_OPEN.search(text)
    closes = list(_BODY_CLOSE.finditer(text))
    low = opened.end() if opened else 0
    high = closes[-1].start() if closes else len(text)
    overridden = {name for t in below for name in t.blocks}
    inside = {
        name: span
        for name, span in top.blocks.items()
        if low <= span[0]
        and span[1] <= high
        and not any(
            other != name and other in overridden and around[0] <= span[0] and span[1] <= around[1]
            for other, around in top.blocks.items()
        )
    }
    for name in SCRIPT_BLOCKS:
        if name in inside:
            return name
    return max(inside, key=lambda name: inside[name][1]) if inside else None


def parent_layout(tpl: Template, templates: Mapping[str, Template]) -> Template | None:
    """The layout at the top of `tpl`'s chain when it holds `</body>` (the tag goes there when
    no block of the chain renders in `<body>`)."""
    parents = chain(tpl, templates)
    top = parents[-1] if parents else None
    return top if top is not None and not top.extends and top.has_body_close else None
