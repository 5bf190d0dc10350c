"""The notification indicator in the admin header, in a real browser against
daphne: the count appears on an admin page and goes up by itself when a
`notify.user` run (in another process than the web server) notifies the user:
the live socket's change message, or the consumer's database polling with the
in-memory channel layer; reading the notification brings it back down."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.asgi_server import AsgiServer, asgi_server  # noqa: F401  (fixture)
from tests.e2e.test_run_history import log_in
from tests.workflows_app.history_support import make_user
from tests.workflows_app.support import create_workflow, order
from workflows_app.execution.definitions import clear_cache
from workflows_app.execution.queue import drain

pytestmark = pytest.mark.e2e


def test_the_header_count_goes_up_live_after_a_notify_user_run(
        page: Page, asgi_server: AsgiServer) -> None:  # noqa: F811
    clear_cache()
    make_user("manager")
    make_user("clerk")
    create_workflow("Tell the manager", [{"key": "tell", "type": "notify.user", "params": {
        "users": ["manager"], "title": "Big order {{ record.number }}"}}])
    base = asgi_server.url
    log_in(page, base, "manager", "/admin/")
    indicator = page.locator("#wf-notifications")
    expect(indicator).to_have_attribute("data-unread", "0")
    expect(indicator).to_have_attribute("data-live", "connected")

    order("12000.00", number="W-7")
    drain(wait_for_delays=True, max_seconds=20)
    expect(indicator).to_have_attribute("data-unread", "1")  # no reload
    expect(indicator).to_contain_text("1")

    indicator.click()
    expect(page.locator("#result_list")).to_contain_text("Big order W-7")
    page.locator("#result_list a", has_text="Big order W-7").click()
    expect(page.locator("#wf-notifications")).to_have_attribute("data-unread", "0")
