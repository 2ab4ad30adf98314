"""End to end on the app's own page exclusions (issue 15): flask-doc-share keeps its support
chat off the public document links (`/share/`, `/embed/`); after apply the widget follows the
same rule. The patched app runs with Flask's test client: a member signs in through the app's
own form, the workspace page carries a token that verifies, the shared and embedded documents
carry no widget at all. express-share-links does the same in a Handlebars layout (`{{#unless
hideChat}}`, the flag set by middleware from a list of paths and by the print route), run under
node."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import (
    ROOT,
    apply_twice,
    assert_contract,
    copy_fixture,
    imported,
    token_in,
    verify,
)

pytestmark = pytest.mark.e2e
WIDGET = "https://widget.bestchatbot.io/widget/v1/chat.js"


def test_shared_documents_get_no_widget(
    tmp_path: Path, signing_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = copy_fixture("flask-doc-share", tmp_path)
    applied = apply_twice(root, "--api-key", "pk_docshare")
    assert "docshare/templates/base.html" in applied.changed
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'docshare.db'}")
    with imported(root, "docshare") as pkg:
        from docshare.extensions import db  # type: ignore[import-not-found]
        from docshare.models import Document, Member  # type: ignore[import-not-found]

        app = pkg.create_app()
        with app.app_context():
            db.create_all()
            grace = Member(email="Grace.Hopper@Example.COM", full_name="Grace Hopper")
            grace.set_password("cobol-1959")
            db.session.add(grace)
            db.session.flush()
            doc = Document(title="Q3 report", body="Revenue grew.", owner_id=grace.id)
            db.session.add(doc)
            db.session.commit()
            grace_id, share = grace.id, doc.share_token
        client = app.test_client()

        sign_in = client.get("/sign-in").text  # a workspace page: the widget, no token
        assert WIDGET in sign_in and token_in(sign_in) is None
        for public in (f"/share/{share}", f"/embed/{share}"):
            page = client.get(public)
            assert page.status_code == 200 and "Revenue grew." in page.text
            assert WIDGET not in page.text and "client.crisp.chat" not in page.text

        response = client.post(
            "/sign-in", data={"email": "grace.hopper@example.com", "password": "cobol-1959"}
        )
        assert response.status_code == 302
        workspace = client.get("/").text
        assert "client.crisp.chat" in workspace  # the app's own chat, and the widget beside it
        token = token_in(workspace)
        assert token is not None
        assert_contract(
            verify(token),
            email="grace.hopper@example.com",
            name="Grace Hopper",
            user_id=str(grace_id),
        )
        # Signed in, the shared document still carries neither the chat nor the widget.
        shared = client.get(f"/share/{share}").text
        assert WIDGET not in shared and token_in(shared) is None


def test_nextjs_branch_type_checks(tmp_path: Path) -> None:
    """The widget's `<Script>` and the identity component in `_app`'s workspace branch: the
    patched app passes its own `tsc --noEmit` against the real packages."""
    from tests.test_nextjs_e2e import patched, type_check

    root = patched("nextjs-excluded-paths", tmp_path, "--api-key", "pk_folio")
    app = (root / "src/pages/_app.tsx").read_text()
    branch = app[app.index("<Workspace>") : app.index("</Workspace>")]
    assert "<BestChatBotIdentity />" in branch and "widget.bestchatbot.io" in branch
    assert app.index("EXCLUDED_PATHS.includes(router.pathname) ?") < app.index("<Workspace>")
    type_check(root)


def test_nextjs_client_component_type_checks(tmp_path: Path) -> None:
    """The widget's `<Script>` and the identity component beside the app's chat script in the
    client component that returns nothing on some paths (so no token is fetched there); the
    workspace and viewer root layouts untouched; `tsc --noEmit`."""
    from tests.test_nextjs_e2e import patched, type_check

    root = patched("nextjs-viewer-group", tmp_path, "--api-key", "pk_deck")
    chat = (root / "components/chat-scripts.tsx").read_text()
    assert chat.index("return null;") < chat.index("widget.bestchatbot.io")
    assert chat.index("return null;") < chat.index("<BestChatBotIdentity />")
    for layout in ("app/(viewer)/layout.tsx", "app/(workspace)/layout.tsx"):
        fixture = ROOT / "fixtures/nextjs-viewer-group" / layout
        assert (root / layout).read_text() == fixture.read_text()
    type_check(root)


def test_express_public_links_get_no_widget(tmp_path: Path, signing_key: str) -> None:
    """The widget tag and the identity script after it under the layout's `{{#unless
    hideChat}}`: no widget (nor the app's chat) on the public links and the print view, signed
    in or not; the workspace pages carry a token that verifies and renews."""
    from tests.test_express_e2e import assert_renews, install, node_server, renewal_script

    root = copy_fixture("express-share-links", tmp_path)
    applied = apply_twice(root, "--api-key", "pk_paperclip")
    assert "views/layouts/main.hbs" in applied.changed
    install(root)
    public = ("/share/q3-report-4f9c", "/embed/q3-report-4f9c")
    with node_server(root, "server.js") as browser:
        sign_in = browser.get("/login").text  # a workspace page: the widget, no token
        assert WIDGET in sign_in and token_in(sign_in) is None
        assert renewal_script(sign_in) == "/static/bestchatbot-identity.js"
        for path in public:
            page = browser.get(path)
            assert page.status == 200 and "Revenue grew by a third." in page.text
            assert WIDGET not in page.text and "client.crisp.chat" not in page.text
            assert "bestchatbot-identity.js" not in page.text

        joined = browser.post(
            "/join",
            form={"email": "Grace.Hopper@Example.COM", "password": "cobol", "name": "Grace Hopper"},
        )
        assert joined.status == 200 and joined.url.endswith("/")
        home = browser.get("/").text
        assert "client.crisp.chat" in home  # the app's own chat, and the widget beside it
        token = token_in(home)
        assert token is not None
        assert_contract(
            verify(token), email="grace.hopper@example.com", name="Grace Hopper", user_id="1"
        )
        assert_renews(
            browser,
            home,
            "/api/widget-token",
            email="grace.hopper@example.com",
            name="Grace Hopper",
            user_id="1",
        )
        assert token_in(browser.get("/docs/1").text) is not None
        # Signed in: the print view and the public links still carry neither chat nor widget.
        for path in ("/docs/1/print", *public):
            page = browser.get(path)
            assert page.status == 200 and "Revenue grew by a third." in page.text
            assert WIDGET not in page.text and "client.crisp.chat" not in page.text


LEDGER_PAGES = {
    "/about/": {"post_type": "page", "slug": "about"},
    "/checkout/": {"post_type": "page", "slug": "checkout"},
    "/shared/q3-accounts/": {
        "post_type": "page",
        "slug": "q3-accounts",
        "template": "page-templates/document-viewer.php",
    },
    "/invoices/42/": {"post_type": "invoice", "slug": "42"},
}


def test_wordpress_conditional_tags_keep_the_widget_off(tmp_path: Path, signing_key: str) -> None:
    """The theme's wp_footer chat returns early on the checkout and the document viewer's pages
    and asks its ledger_show_chat filter (which a callback turns off on invoices): the widget's
    wp_footer callback and the identity script's enqueue follow the same rule, served over HTTP
    by `php -S` with the stand-ins, signed in or not."""
    from tests.test_wordpress_e2e import apply_and_lint
    from tests.test_wordpress_http_e2e import php_server, sign_in
    from tests.test_wordpress_renewal import SETTINGS, _get

    root = copy_fixture("wp-chat-rules", tmp_path)
    assert apply_and_lint(root, "--api-key", "pk_ledger") == [
        "assets/js/bestchatbot-identity.js",
        "functions.php",
    ]
    excluded = ("/checkout/", "/shared/q3-accounts/", "/invoices/42/")
    with php_server(root, None, LEDGER_PAGES) as base:
        for cookie in (None, sign_in(base, "analytical-engine")[1]):
            for path in excluded:
                status, _, html = _get(f"{base}{path}", cookie)
                assert status == 200 and "Ledger Studio" in html
                assert "embed.tawk.to" not in html, path  # the theme's own rule
                assert WIDGET not in html and "bestchatbot-identity" not in html, path
            for path in ("/", "/about/"):
                status, _, html = _get(f"{base}{path}", cookie)
                assert "embed.tawk.to" in html and WIDGET in html, path
                assert 'data-api-key="pk_ledger"' in html and "bestchatbot-identity.js" in html
                token = token_in(html)
                if cookie is None:
                    assert token is None
                    continue
                assert token is not None
                assert_contract(
                    verify(token),
                    email="ada.lovelace@example.com",
                    name="Ada Lovelace",
                    user_id="7",
                )
                found = SETTINGS.search(html)
                assert found is not None
                settings = json.loads(found.group(1))
                status, _, body = _get(
                    settings["endpoint"], cookie, **{"X-WP-Nonce": settings["nonce"]}
                )
                assert status == 200
                assert_contract(
                    verify(json.loads(body)["token"]),
                    email="ada.lovelace@example.com",
                    name="Ada Lovelace",
                    user_id="7",
                )
