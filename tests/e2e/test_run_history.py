"""Run history in a real browser, served by daphne (HTTP + WebSockets).

A support user with view permissions only searches the runs list for an order
number, opens the failed run and reads the failing step's error; an editor clicks
"Retry from the failed step", a real worker (`qcluster`) runs it, and both the
editor's run page and the support user's runs list show the run succeed without
reloading (the live update path: the Redis channel layer when `REDIS_URL` is set,
database polling by the consumer with the embedded in-memory layer).

With `WORKFLOWS_SCREENSHOTS=1` the test also saves screenshots of the pages to
test-artifacts/run-history/.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.asgi_server import AsgiServer, asgi_server  # noqa: F401  (fixture)
from tests.e2e.conftest import ARTIFACTS
from tests.workflows_app.history_support import (
    EDIT_PERMISSIONS,
    PASSWORD,
    VIEW_PERMISSIONS,
    erp_steps,
    make_user,
)
from tests.workflows_app.support import Receiver, create_workflow, customer, order
from tests.workflows_app.workers import Workers
from workflows_app.execution.definitions import clear_cache
from workflows_app.execution.queue import drain
from workflows_app.models import Run, RunAction, RunStatus

pytestmark = pytest.mark.e2e

SCREENSHOTS = ARTIFACTS / "run-history"


def shoot(page: Page, name: str) -> None:
    if os.environ.get("WORKFLOWS_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def log_in(page: Page, base: str, username: str, next_url: str) -> None:
    page.goto(f"{base}/admin/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("#content")).to_be_visible()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def workers(tmp_path: Path, asgi_server: AsgiServer) -> Iterator[Workers]:  # noqa: F811
    pool = Workers(tmp_path)
    try:
        yield pool
    finally:
        pool.stop()
        print(pool.output())


def test_support_finds_the_failed_run_and_an_editor_retries_it_live(
        page: Page, browser: Any, asgi_server: AsgiServer,  # noqa: F811
        workers: Workers, receiver: Receiver, settings: Any) -> None:
    clear_cache()
    base = asgi_server.url
    # -- a failed run: the ERP answers 500 -----------------------------------------------
    settings.WORKFLOWS = {**settings.WORKFLOWS, "HTTP_ALLOWED_PRIVATE_HOSTS": ["127.0.0.1"]}
    receiver.respond("/erp", status=500, body={"error": "ERP is down for maintenance"})
    workflow = create_workflow("Send orders to the ERP", erp_steps(receiver.url("/erp")))
    create_workflow(
        "Big orders to operations",
        [{"key": "mail_ops", "type": "email.send",
          "params": {"to": ["ops@example.com"], "subject": "Big order {{ record.number }}",
                     "body": "Total {{ record.total_amount }}"}}],
        conditions={"all": [{"ref": "record.total_amount", "op": "gte", "value": 10000}]})
    ada = customer("Ada Lovelace", "ada@example.org")
    receiver.respond("/erp", status=200)
    for number in range(1, 6):  # other orders, which go through
        order("120.00", number=f"A-09{number:02d}", customer_obj=ada)
    drain()
    receiver.respond("/erp", status=500, body={"error": "ERP is down for maintenance"})
    target = order("250.00", number="A-1001", customer_obj=ada)
    drain()
    run = Run.objects.get(workflow=workflow, event__record_pk=str(target.pk),
                          event__trigger_type="model.created")
    assert run.status == RunStatus.FAILED, run.error
    make_user("support", *VIEW_PERMISSIONS)
    editor = make_user("editor", *EDIT_PERMISSIONS)

    # -- support (view only): search, open, read the error --------------------------------
    runs_url = "/admin/workflows_app/run/"
    log_in(page, base, "support", runs_url)
    expect(page.locator("#wf-live-indicator")).to_have_attribute("data-state", "connected")
    page.fill("#searchbar", "A-1001")
    page.locator("#changelist-search").get_by_role("button").click()
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Order A-1001 created")
    expect(rows.first.locator(".wf-badge")).to_have_text("failed")
    shoot(page, "runs-list-search")
    rows.first.get_by_role("link", name=f"#{run.pk}").click()
    expect(page.locator("h1")).to_contain_text(f"Run #{run.pk}")
    error = page.locator("#step-notify_erp-error")
    expect(error).to_contain_text("This step failed:")
    expect(error).to_contain_text("answered HTTP 500")
    expect(error).to_contain_text("ERP is down for maintenance")
    expect(page.locator("#run-actions")).to_have_count(0)  # view only: no buttons
    shoot(page, "run-detail-view-only")
    page.evaluate("document.getElementById('step-confirm-inputs').open = true")
    # the support user keeps the runs list open (searched) while the editor acts
    page.goto(f"{base}{runs_url}?q=A-1001")
    expect(page.locator("#wf-live-indicator")).to_have_attribute("data-state", "connected")
    page.evaluate("window.__sameListPage = true")

    # -- editor: retry from the failed step; the page follows without reloading ------------
    editor_context = browser.new_context(viewport={"width": 1280, "height": 900})
    editor_context.set_default_timeout(15_000)
    editor_page = editor_context.new_page()
    errors: list[str] = []
    editor_page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        log_in(editor_page, base, "editor", f"/admin/workflows_app/run/{run.pk}/change/")
        expect(editor_page.locator("#wf-live-indicator")).to_have_attribute(
            "data-state", "connected")
        shoot(editor_page, "run-detail-failed")
        receiver.respond("/erp", status=200, body={"ok": True, "erp_id": "ERP-77"})
        workers.start(1, allowed_hosts=("127.0.0.1",))
        editor_page.get_by_role("button", name="Retry from the failed step").click()
        expect(editor_page.locator(".messagelist")).to_contain_text(
            f"Retrying run #{run.pk} from its failed step.")
        editor_page.evaluate("window.__samePage = true")
        status = editor_page.locator("#run-live")
        expect(status).to_have_attribute("data-status", "succeeded", timeout=45_000)
        expect(editor_page.locator("#run-status")).to_have_text("succeeded")
        assert editor_page.evaluate("window.__samePage === true"), "the page was reloaded"
        step = editor_page.locator("#step-notify_erp")
        expect(step).to_have_attribute("data-step-status", "succeeded")
        expect(editor_page.locator("#step-notify_erp-error")).to_have_count(0)
        expect(editor_page.locator("#run-actions-log")).to_contain_text("editor")
        expect(editor_page.locator("#run-actions-log")).to_contain_text(
            "retried from the failed step")
        shoot(editor_page, "run-detail-succeeded-live")

        # the support user's runs list followed too
        expect(page.locator(f'#result_list [data-run-id="{run.pk}"]')).to_have_text(
            "succeeded", timeout=30_000)
        assert page.evaluate("window.__sameListPage === true"), "the list was reloaded"
    except Exception:
        run.refresh_from_db()
        print(f"run {run.pk}: {run.status} {run.error!r} steps "
              f"{list(run.steps.values_list('key', 'status', 'attempt'))}")
        ARTIFACTS.mkdir(exist_ok=True)
        editor_page.screenshot(path=str(ARTIFACTS / "run_history_editor_failure.png"),
                               full_page=True)
        print(workers.output())
        print(asgi_server.output()[-4000:])
        raise
    finally:
        editor_context.close()
    assert not errors, f"JavaScript errors on the editor's page: {errors}"

    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED
    assert run.steps.get(key="confirm").attempt == 1  # resumed at the failed step
    assert RunAction.objects.get(run=run).user == editor
    # one retry of the failed step reached the ERP: 1 (the failure) + 1 (the retry)
    assert len([r for r in receiver.received("/erp")
                if r.json and r.json.get("order") == "A-1001"]) == 2

    # -- "why didn't it run?" for the order ----------------------------------------------
    page.goto(f"{base}/admin/workflows_app/event/why/?model=demo.order&pk={target.pk}")
    section = page.locator(".wf-why-event").last
    expect(section).to_contain_text("Big orders to operations")
    expect(section).to_contain_text("First condition that failed:")
    expect(section.locator(".wf-badge").filter(has_text=re.compile("conditions not met"))
           ).to_have_count(1)
    shoot(page, "why-did-not-it-run")


def test_history_pages_render_without_errors(page: Page, asgi_server: AsgiServer) -> None:  # noqa: F811
    """Every run history page in the browser: no JavaScript error, the live socket
    connects; screenshots with WORKFLOWS_SCREENSHOTS=1."""
    from django.utils import timezone

    from tests.workflows_app.history_support import build_shop
    from workflows_app.models import PruneLog

    clear_cache()
    shop = build_shop()
    make_user("root", superuser=True)
    base = asgi_server.url
    log_in(page, base, "root", "/admin/workflows_app/run/")
    # The list and its filters take the page's width (the live indicator once pushed
    # them aside, half the columns cut).
    expect(page.locator("#wf-live-indicator")).to_have_attribute("data-state", "connected")
    main = page.locator("#content-main").bounding_box()
    changelist = page.locator("#changelist").bounding_box()
    assert changelist["x"] + changelist["width"] >= main["x"] + main["width"] - 2
    now = timezone.now()
    PruneLog.objects.create(started_at=now, finished_at=now,
                            cutoff=now - timezone.timedelta(days=90), days=90, runs_deleted=3)
    page.reload()
    expect(page.locator("#wf-prune-note")).to_contain_text("were pruned on")
    expect(page.locator("#wf-live-indicator")).to_have_attribute("data-state", "connected")
    expect(page.locator("#result_list tbody tr")).to_have_count(Run.objects.count())
    shoot(page, "runs-list")

    caused = Run.objects.get(event__caused_by_run=shop.failed)
    page.goto(f"{base}/admin/workflows_app/run/{caused.pk}/change/")
    expect(page.locator("#run-chain")).to_contain_text(f"run #{shop.failed.pk}")
    expect(page.locator("#run-conditions .wf-cond-held")).not_to_have_count(0)
    expect(page.locator("#wf-live-indicator")).to_have_attribute("data-state", "connected")
    shoot(page, "run-detail-caused")

    page.goto(f"{base}/admin/workflows_app/event/{shop.event.pk}/change/")
    expect(page.locator("#event-evaluations")).to_contain_text("Big orders to operations")
    page.locator("#event-evaluations details summary").first.click()
    expect(page.locator(".wf-cond-first-failure")).to_be_visible()
    shoot(page, "event-detail")

    page.goto(f"{base}/admin/workflows_app/event/?q=a-1001")
    expect(page.locator("#result_list tbody tr")).not_to_have_count(0)
    shoot(page, "events-list")

    page.goto(f"{base}/admin/workflows_app/event/why/?q=ada%40example.org")
    # Ada's sign-up, and her order's creation and update (their customer's text)
    expect(page.locator(".wf-why-event")).to_have_count(3)
    shoot(page, "why-by-email")

    page.emulate_media(color_scheme="dark")
    page.goto(f"{base}/admin/workflows_app/run/{shop.failed.pk}/change/")
    expect(page.locator("#step-notify_erp-error")).to_be_visible()
    shoot(page, "run-detail-dark")
