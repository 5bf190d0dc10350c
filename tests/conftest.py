"""Fixtures shared by the Django test suites (tests/workflows_app, tests/demo)."""

from __future__ import annotations

import pytest
from django.core.management import call_command


@pytest.fixture
def demo_data(db: None) -> None:
    """The demo shop's data set (customers, orders A-1001..A-1020, payments), no users."""
    call_command("demo_load_data", "--no-superuser", verbosity=0, stdout=None)
