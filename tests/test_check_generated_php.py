"""The gate of `bcb-scaffold check` for WordPress: every wp-* fixture checks without a finding
before `apply`, and after `apply --yes` (no php needed) its mint, widget tag and, where a page
cache is in play, its REST endpoint are found, with no finding."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_check_generated_python import assert_checks_clean_before_and_after_apply, fixtures


@pytest.mark.e2e
@pytest.mark.parametrize("fixture", fixtures("wp-"))
def test_a_generated_wordpress_integration_checks_clean(fixture: str, tmp_path: Path) -> None:
    kinds = assert_checks_clean_before_and_after_apply(fixture, tmp_path)
    assert "widget-tag" in kinds, kinds
    if fixture == "wp-cached-site":
        assert "endpoint" in kinds, kinds
