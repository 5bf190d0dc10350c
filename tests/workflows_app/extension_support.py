"""Installing the tests-only `tests.extension_app` for a test, as a project would
list it in INSTALLED_APPS: Django re-runs every app's `ready()`, and
`workflows_app` discovers the app's `workflow_triggers` and `workflow_steps`."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
from django.contrib.auth.signals import user_logged_in

from engine import step_registry, trigger_registry

APP = "tests.extension_app"
TRIGGER = "auth.logged_in"
STEP = "greeting.compose"


@pytest.fixture
def extension_app(settings) -> Iterator[None]:
    assert TRIGGER not in trigger_registry and STEP not in step_registry
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, APP]
    try:
        yield
    finally:  # forget what the app added, so the next test installs it afresh
        for registry, key in ((trigger_registry, TRIGGER), (step_registry, STEP)):
            if key in registry:
                registry.unregister(key)
        user_logged_in.disconnect(dispatch_uid="extension_app_user_logged_in")
        for module in (f"{APP}.workflow_triggers", f"{APP}.workflow_steps"):
            sys.modules.pop(module, None)
