"""The widget tag as a browser would see it: parsed with html.parser (HTML pages) or read off
the syntax tree (JSX), with exactly the expected attributes and the API key verbatim."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

WIDGET = "https://widget.bestchatbot.io/widget/v1/chat.js"


@dataclass(frozen=True)
class Page:
    """A rendered page (or, for JSX, the layout's elements) and what its tag should carry."""

    where: str
    tags: list[dict[str, str | None]]
    """Every element's attributes, in document order, with its name under `<tag>`."""
    signed_in: bool = False
    inline_token: bool = False
    """The page carries the visitor's token on the tag (script-attribute delivery)."""
    extra: frozenset[str] = frozenset()
    """Attributes the tag has besides src and data-api-key (next/script's strategy...)."""


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element: dict[str, str | None] = {"<tag>": tag}
        for name, value in attrs:
            assert name not in element, f"<{tag}> has {name} twice"
            element[name] = value
        self.tags.append(element)

    handle_startendtag = handle_starttag


def html_page(where: str, html: str, *, signed_in: bool = False, inline: bool = False) -> Page:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return Page(where, parser.tags, signed_in, inline and signed_in)


def assert_widget(page: Page, api_key: str) -> None:
    """Exactly one widget tag, with exactly the expected attributes, the key verbatim, and no
    element anywhere on the page with an event-handler attribute."""
    widgets = [t for t in page.tags if t.get("src") == WIDGET]
    assert len(widgets) == 1, f"{page.where}: {len(widgets)} widget tags: {page.tags}"
    tag = widgets[0]
    expected = {"<tag>", "src", "data-api-key", *page.extra}
    if page.inline_token:
        expected.add("data-user-token")
    assert set(tag) == expected, f"{page.where}: widget tag attributes {sorted(tag)}"
    assert tag["data-api-key"] == api_key, f"{page.where}: data-api-key {tag['data-api-key']!r}"
    if page.inline_token:
        assert tag["data-user-token"], f"{page.where}: empty data-user-token"
    handlers = [t for t in page.tags if any(k.startswith("on") for k in t if k != "<tag>")]
    assert not handlers, f"{page.where}: event-handler attributes: {handlers}"
