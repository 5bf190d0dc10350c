"""A workflow with a `for_each` and a `branch`, built in the builder without JSON:
"when monitoring posts a batch of alerts, e-mail ops about each one, then, if there
were two or more, tell the on-call lead, otherwise log a quiet batch". Saved,
triggered through its webhook, and read in the run's page: each item and each
path with its status."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from tests.e2e.test_builder import PASSWORD, log_in, wait_for_scope
from tests.e2e.test_five_workflows import add_step, new_workflow, param, save_and_activate
from workflows_app.execution.queue import drain
from workflows_app.models import Run

pytestmark = pytest.mark.e2e

ADD = "/admin/workflows_app/workflow/add/"


def nested_email(page: Page, holder: Any, to: str, subject: str) -> Any:
    """Add "Send an e-mail" to the nested step list `holder` (a for-each's steps, a
    path's steps) with its own "+ Add a step here"."""
    holder.locator(".wb-add-nested-step").last.select_option(label="Send an e-mail")
    wait_for_scope(page)
    step = holder.locator(".wb-nested-step-list > .wb-step").last
    param(step, "to").locator("input").first.fill(to)
    param(step, "subject").locator("textarea").fill(subject)
    param(step, "body").locator("textarea").fill("From monitoring.")
    return step


def test_a_for_each_and_a_branch_built_saved_triggered_and_read(
        page: Page, live_server: Any, django_user_model: Any, settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    django_user_model.objects.create_superuser("ada", "ada@example.com", PASSWORD)
    base = live_server.url
    log_in(page, base, "ada", ADD)
    new_workflow(page, base, "Alert batches", "A webhook is received")

    # For each alert of the payload: an e-mail naming the alert.
    loop = add_step(page, "For each item", "Each alert")
    items = param(loop, "items")
    items.locator(".wb-mode").first.select_option(label="Reference")
    items.locator(".wb-ref-select").select_option(label="Payload (JSON)")
    items.get_by_label("Path inside the data").fill("alerts")
    items.get_by_label("Path inside the data").press("Tab")
    wait_for_scope(page)
    mail_ops = nested_email(page, param(loop, "steps"), "ops@example.com", "Alert number ")
    subject = param(mail_ops, "subject")
    subject.get_by_label("Insert variable").select_option(value="item_index")
    expect(subject.locator("textarea")).to_have_value("Alert number {{ item_index }}")

    # Then a path by how many there were.
    route = add_step(page, "Choose a path", "By batch size")
    paths = param(route, "paths")
    row = paths.locator(".wb-struct").first  # a branch starts with one empty path
    row.get_by_label("Name").fill("Busy batch")
    row.get_by_role("button", name="+ Add a condition").click()
    leaf = row.locator(".wb-leaf").last
    leaf.get_by_label("Value to test").select_option(value="steps.each_alert.count")
    leaf.get_by_label("Comparison").select_option(label="is at least")
    leaf.locator(".wb-leaf-value input[type=number]").fill("2")
    nested_email(page, row, "lead@example.com", "Busy batch")
    nested_email(page, param(route, "otherwise"), "log@example.com", "Quiet batch")

    definition = json.loads(page.locator("#id_definition").input_value())
    assert [step["type"] for step in definition["steps"]] == ["for_each", "branch"]
    workflow = save_and_activate(page, "Alert batches")
    hook_url = page.locator("#wb-webhook-url").inner_text()

    assert page.request.post(hook_url, data={"alerts": [{"name": "disk"},
                                                        {"name": "cpu"}]}).ok
    drain()
    [run] = Run.objects.top_level().filter(workflow=workflow)
    assert run.status == "succeeded", run.error
    assert sorted(message.subject for message in mail.outbox) == [
        "Alert number 0", "Alert number 1", "Busy batch"]

    page.goto(f"{base}/admin/workflows_app/run/{run.pk}/change/")
    tree = page.locator("body")
    expect(tree).to_contain_text("Item 1")
    expect(tree).to_contain_text("Item 2")
    expect(tree).to_contain_text("Busy batch")
    expect(page.locator('[data-round-state="taken"]')).to_have_count(1)
    expect(page.locator('[data-round-state="not taken"]')).to_have_count(1)
    keys = page.locator("[data-step-key]").evaluate_all(
        "nodes => nodes.map(node => [node.dataset.stepKey, node.dataset.stepStatus])")
    statuses = dict(keys)
    assert statuses[f"each_alert[0].{mail_key(definition)}"] == "succeeded"
    assert statuses[f"each_alert[1].{mail_key(definition)}"] == "succeeded"


def mail_key(definition: dict[str, Any]) -> str:
    return definition["steps"][0]["params"]["steps"][0]["key"]
