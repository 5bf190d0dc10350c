"""Fixtures shared by the Django test suites (tests/workflows_app, tests/demo)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command


@pytest.fixture
def demo_data(db: None) -> None:
    """The demo shop's data set (customers, orders A-1001..A-1020, payments), no users."""
    call_command("demo_load_data", "--no-superuser", verbosity=0, stdout=None)


PACKAGING = Path(__file__).resolve().parent / "packaging"


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """tests/packaging (a wheel build and install, slow) runs only when named:
    ``./scripts/test tests/packaging``."""
    if collection_path != PACKAGING:
        return None
    named = [Path(str(arg).split("::")[0]).resolve() for arg in config.args]
    return not any(path == PACKAGING or path.is_relative_to(PACKAGING) for path in named)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Markers given by the fixtures a test uses, so a run can choose tests by them
    (``-m processes``, ``-m "not e2e or asgi"``): `processes` for tests that start
    real `qcluster` processes (the `workers` fixture), `asgi` for browser tests
    against the ASGI server (live updates over the channel layer, `asgi_server`)."""
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if "workers" in fixtures:
            item.add_marker(pytest.mark.processes)
        if "asgi_server" in fixtures:
            item.add_marker(pytest.mark.asgi)
