"""Fixtures of the workflows_app tests: real HTTP receivers, real SMTP, real workers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.workflows_app.support import Receiver
from tests.workflows_app.workers import workers  # noqa: F401  (fixture)
from workflows_app.execution.definitions import clear_cache


@pytest.fixture(autouse=True)
def _fresh_definition_cache() -> Iterator[None]:
    """Compiled definitions are cached by version id; SQLite reuses ids after a test's
    transaction is rolled back, so start every test with an empty cache."""
    clear_cache()
    yield
    clear_cache()


@pytest.fixture(scope="session")
def _receiver_server() -> Iterator[Receiver]:
    server = Receiver().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def receiver(_receiver_server: Receiver) -> Iterator[Receiver]:
    """A real HTTP server on 127.0.0.1 that records and counts requests per path
    (one server per session, reset for every test)."""
    _receiver_server.reset()
    yield _receiver_server
    _receiver_server.reset()


@pytest.fixture
def allow_local_http(settings) -> None:
    """Let `http.request` reach 127.0.0.1 in this process (the test receiver)."""
    settings.WORKFLOWS = {**settings.WORKFLOWS, "HTTP_ALLOWED_PRIVATE_HOSTS": ["127.0.0.1"]}
