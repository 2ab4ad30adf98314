"""End to end on the app's own page exclusions (issue 15): flask-doc-share keeps its support
chat off the public document links (`/share/`, `/embed/`); after apply the widget follows the
same rule. The patched app runs with Flask's test client: a member signs in through the app's
own form, the workspace page carries a token that verifies, the shared and embedded documents
carry no widget at all."""

from __future__ import annotations

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
    """The widget's `<Script>` beside the app's chat script in the client component that
    returns nothing on some paths; the viewer's own root layout untouched; `tsc --noEmit`."""
    from tests.test_nextjs_e2e import patched, type_check

    root = patched("nextjs-viewer-group", tmp_path, "--api-key", "pk_deck")
    chat = (root / "components/chat-scripts.tsx").read_text()
    assert chat.index("return null;") < chat.index("widget.bestchatbot.io")
    viewer = root / "app/(viewer)/layout.tsx"
    assert (
        viewer.read_text()
        == (ROOT / "fixtures/nextjs-viewer-group/app/(viewer)/layout.tsx").read_text()
    )
    type_check(root)
