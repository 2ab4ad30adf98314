from __future__ import annotations

import secrets

import pytest


@pytest.fixture
def signing_key(monkeypatch: pytest.MonkeyPatch) -> str:
    key = secrets.token_urlsafe(32)
    monkeypatch.setenv("BESTCHATBOT_SIGNING_KEY", key)
    return key
