"""Browser tests: Playwright (sync API) driving Debian's Chromium against `live_server`.

Chromium is expected at /usr/bin/chromium (`apt-get install chromium`; never
`playwright install`). Without it the tests are skipped with the reason, except
in CI (the `CI` environment variable is set), where a missing browser is a
failure. A failing test leaves a full-page screenshot in test-artifacts/.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
MISSING = (f"Chromium is not installed at {CHROMIUM} (apt-get install chromium); "
           "browser tests are skipped outside CI")


def in_ci() -> bool:
    return bool(os.environ.get("CI"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if CHROMIUM.exists() or in_ci():
        return
    skip = pytest.mark.skip(reason=MISSING)
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(skip)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def browser() -> Iterator[Any]:
    """A Chromium for one test. Not shared across tests: Playwright's sync API keeps
    an event loop running in this thread while it is open, which would break later
    tests that use `async_to_sync` (pytest-django runs tests without a database last)."""
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}; CI must install it "
                    "(see .ci/run install_system_packages)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM
    # calls are still synchronous, so tell Django they are safe here.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            launched = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                                  args=CHROMIUM_ARGS, headless=True)
            yield launched
            # While Playwright's loop runs in this thread, Django keeps the test's
            # database connections in async (context-local) storage; close them now,
            # or they outlive the test and block dropping the test database.
            from django.db import connections

            connections.close_all()
            launched.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture(autouse=True)
def _no_websockets_on_the_wsgi_live_server(request: pytest.FixtureRequest) -> Iterator[None]:
    """pytest-django's `live_server` speaks WSGI only: a page that opened a WebSocket
    there (the notification indicator in every admin header, the run pages) would
    get a 404 and a console error. Tests on it run with live updates off, as a host
    serving the admin over WSGI would configure; the ASGI server fixture keeps them on."""
    if "live_server" not in request.fixturenames:
        yield
        return
    settings = request.getfixturevalue("settings")
    settings.WORKFLOWS = {**settings.WORKFLOWS, "LIVE_UPDATES": False}
    yield
