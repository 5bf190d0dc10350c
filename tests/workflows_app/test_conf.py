"""``workflow_settings``: defaults, lazy reads, reload on ``override_settings``."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from workflows_app.conf import DEFAULTS, WorkflowSettings, workflow_settings


def test_project_settings_are_read() -> None:
    assert set(workflow_settings.MODELS) == {"demo.customer", "demo.order", "demo.payment"}
    assert workflow_settings.HTTP_ALLOWED_PRIVATE_HOSTS == []


def test_every_default_is_documented() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "settings.md").read_text()
    for key, value in DEFAULTS.items():
        row = next((line for line in docs.splitlines() if line.startswith(f"| `{key}` |")),
                   None)
        assert row is not None, f"{key} is not documented in docs/settings.md"
        assert f"`{value}`" in row or ((value in ({}, []) and "`{}`" in row) or "`[]`" in row), (
            f"the documented default of {key} is not {value!r}")
    with override_settings(WORKFLOWS={}):
        for key, value in DEFAULTS.items():
            assert getattr(workflow_settings, key) == value


def test_missing_setting_means_defaults(settings) -> None:
    del settings.WORKFLOWS
    fresh = WorkflowSettings()
    assert fresh.MODELS == {}
    assert fresh.MAX_CHAIN_DEPTH == 5


def test_reloads_on_override_settings() -> None:
    assert workflow_settings.MAX_CHAIN_DEPTH == 5  # cached now
    with override_settings(WORKFLOWS={"MAX_CHAIN_DEPTH": 9, "MODELS": {}}):
        assert workflow_settings.MAX_CHAIN_DEPTH == 9
        assert workflow_settings.MODELS == {}
        assert workflow_settings.DEDUPE_WINDOW_SECONDS == 300
    assert workflow_settings.MAX_CHAIN_DEPTH == 5
    assert "demo.order" in workflow_settings.MODELS


def test_reloads_with_pytest_settings_fixture(settings) -> None:
    settings.WORKFLOWS = {"WEBHOOK_MAX_BYTES": 1024}
    assert workflow_settings.WEBHOOK_MAX_BYTES == 1024


def test_defaults_are_copied_not_shared() -> None:
    with override_settings(WORKFLOWS={}):
        workflow_settings.HTTP_ALLOWED_PRIVATE_HOSTS.append("10.0.0.0/8")
        workflow_settings.reload()
        assert workflow_settings.HTTP_ALLOWED_PRIVATE_HOSTS == []
    assert DEFAULTS["HTTP_ALLOWED_PRIVATE_HOSTS"] == []


def test_unknown_setting_is_a_clear_error() -> None:
    with pytest.raises(AttributeError, match="'MAX_CHAIN_DEPHT' is not a known WORKFLOWS"):
        workflow_settings.MAX_CHAIN_DEPHT  # noqa: B018
    with pytest.raises(AttributeError, match="Did you mean 'MAX_CHAIN_DEPTH'"):
        workflow_settings.MAX_CHAIN_DEPHT  # noqa: B018


def test_non_dict_setting_is_improperly_configured() -> None:
    with override_settings(WORKFLOWS=["MODELS"]), pytest.raises(ImproperlyConfigured):
        workflow_settings.MODELS  # noqa: B018
