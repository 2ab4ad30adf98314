from __future__ import annotations

import secrets

import pytest


@pytest.fixture
def signing_key(monkeypatch: pytest.MonkeyPatch) -> str:
    key = secrets.token_urlsafe(32)
    monkeypatch.setenv("BESTCHATBOT_SIGNING_KEY", key)
    return key


@pytest.fixture
def no_signing_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """BESTCHATBOT_SIGNING_KEY unset, as in an app's own test suite or a forgotten deploy."""
    monkeypatch.delenv("BESTCHATBOT_SIGNING_KEY", raising=False)
