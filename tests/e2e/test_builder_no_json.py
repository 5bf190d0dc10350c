"""No JSON for everyday work, in Chromium through the UI alone: a webhook learns
its payload's fields from a pasted sample and a condition picks one; an HTTP
request's body is built from rows and a number arrives as a JSON number."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from tests.e2e.builder_actions import save_and_activate
from tests.e2e.test_builder import PASSWORD, log_in, wait_for_scope
from tests.e2e.test_builder_boxes import add_step, start_order_workflow
from tests.workflows_app.support import Receiver
from workflows_app.execution.queue import drain
from workflows_app.models import Run, RunStatus, Workflow

pytestmark = pytest.mark.e2e

ADD = "/admin/workflows_app/workflow/add/"
SAMPLE = {"alert": {"severity": "critical", "service": "checkout", "count": 3}}


@pytest.fixture
def ada(django_user_model: Any) -> Any:
    return django_user_model.objects.create_superuser("ada", "ada@example.com", PASSWORD)


@pytest.fixture
def receiver(settings: Any) -> Iterator[Receiver]:
    """A real HTTP server on 127.0.0.1 (pytest-httpserver) that `http.request` may reach."""
    settings.WORKFLOWS = {**settings.WORKFLOWS, "HTTP_ALLOWED_PRIVATE_HOSTS": ["127.0.0.1"]}
    server = Receiver().start()
    try:
        yield server
    finally:
        server.stop()


def test_a_condition_picks_a_field_learned_from_a_sample_payload(
        page: Page, live_server: Any, ada: Any) -> None:
    log_in(page, live_server.url, "ada", ADD)
    page.fill("#id_name", "Critical alert")
    page.get_by_label("A webhook is received").check()
    wait_for_scope(page)
    sample = page.locator("#wb-trigger-config").get_by_label("Sample payload")
    sample.fill("{\"alert\": ")  # half a paste: said at the box, nothing learned
    expect(page.locator("#wb-trigger-config [role=alert]")).to_contain_text("not valid JSON")
    sample.fill(json.dumps(SAMPLE, indent=2))
    wait_for_scope(page)
    expect(page.locator(".wb-sample-fields")).to_contain_text("Alert \u203a Severity (Text)")
    expect(page.locator(".wb-sample-fields")).to_contain_text("Alert \u203a Count (Number)")

    page.get_by_role("button", name="+ Add a condition").click()
    leaf = page.locator("#wb-conditions .wb-leaf")
    leaf.get_by_label("Value to test").select_option(label="Alert \u203a Severity (Text)")
    expect(leaf.get_by_label("Path inside the data")).to_be_hidden()  # nothing to type
    leaf.get_by_label("Comparison").select_option(label="is")
    leaf.locator(".wb-leaf-value input").fill("critical")
    step = add_step(page, "Send an e-mail")
    step.locator('[data-path="steps[0].params.to"] input').fill("oncall@example.com")
    subject = step.locator('[data-path="steps[0].params.subject"] textarea')
    subject.fill("Down: ")
    step.locator('[data-path="steps[0].params.subject"]').get_by_label(
        "Insert variable").select_option(label="Alert \u203a Service (Text)")
    step.locator('[data-path="steps[0].params.body"] textarea').fill("On call, please.")
    workflow = save_and_activate(page, "Critical alert")

    definition = workflow.live_version.definition
    assert definition["trigger"]["sample"] == SAMPLE
    assert definition["conditions"] == {"ref": "payload.alert.severity", "op": "eq",
                                        "value": "critical"}
    assert definition["steps"][0]["params"]["subject"] == "Down: {{ payload.alert.service }}"
    hook_url = page.locator("#wb-webhook-url").inner_text()
    assert page.request.post(hook_url, data={"alert": {"severity": "low",
                                                       "service": "search"}}).ok
    assert page.request.post(hook_url, data={"alert": {"severity": "critical",
                                                       "service": "checkout"}}).ok
    drain()
    [run] = Run.objects.filter(workflow=workflow)
    assert run.status == RunStatus.SUCCEEDED
    assert [message.subject for message in mail.outbox] == ["Down: checkout"]

    # Once requests arrived, one of them can be the sample.
    page.reload()
    picker = page.get_by_label("Use a request already received")
    expect(picker.locator("option")).to_have_count(3)


def test_an_http_body_built_from_rows_sends_numbers_as_numbers(
        page: Page, live_server: Any, ada: Any, receiver: Receiver) -> None:
    from config.demo.models import Customer, Order

    start_order_workflow(page, live_server.url, "Tell the warehouse")
    step = add_step(page, "Send an HTTP request")
    step.locator('[data-path="steps[0].params.url"] input').fill(receiver.url("/orders"))
    body = page.locator('[data-path="steps[0].params.body"]')
    expect(body.get_by_label("Edit as JSON (advanced)")).not_to_be_checked()

    body.get_by_role("button", name="+ Add a field").click()
    body.get_by_label("Body: name 1").fill("order")
    body.get_by_label("Body: value 1").fill("Order ")
    body.locator(".wb-json-row").nth(0).get_by_label("Insert variable").select_option(
        value="record.number")
    body.get_by_role("button", name="+ Add a field").click()
    body.get_by_label("Body: name 2").fill("total")
    body.get_by_label("Body: kind 2").select_option(label="Number")
    body.get_by_label("Body: value 2").fill("12abc")
    body.get_by_role("button", name="+ Add a field").click()
    body.get_by_label("Body: name 3").fill("urgent")
    body.get_by_label("Body: kind 3").select_option(label="Yes / no")
    headers = page.locator('[data-path="steps[0].params.headers"]')
    headers.get_by_role("button", name="+ Add a header").click()
    headers.get_by_label("Headers: name 1").fill("X-Shop")
    headers.get_by_label("Headers: value 1").fill("north")

    # A number that is not one blocks Save, with the reason at its box.
    page.click("#wb-save")
    expect(page.locator("#wb-blocked")).to_contain_text("Nothing was saved")
    expect(body.locator(".wb-json-row").nth(1).get_by_role("alert")).to_contain_text(
        "is not a number")
    assert not Workflow.objects.filter(name="Tell the warehouse").exists()
    add_step(page, "Wait")  # the steps are drawn again: the text stays
    expect(body.get_by_label("Body: value 2")).to_have_value("12abc")
    page.get_by_role("button", name="Remove step 2").click()
    body.get_by_label("Body: value 2").fill("1250.5")

    workflow = save_and_activate(page, "Tell the warehouse")
    params = workflow.live_version.definition["steps"][0]["params"]
    assert params["body"] == {"order": "Order {{ record.number }}", "total": 1250.5,
                              "urgent": True}
    assert params["headers"] == {"X-Shop": "north"}
    # The advanced switch shows the same data as JSON.
    body.get_by_label("Edit as JSON (advanced)").check()
    assert json.loads(body.locator("textarea").input_value())["total"] == 1250.5

    customer = Customer.objects.create(name="Ada", email="ada@example.com")
    Order.objects.create(number="W-7", customer=customer, total_amount=1250)
    drain()
    [request] = receiver.received("/orders")
    sent = json.loads(request.body)
    assert sent == {"order": "Order W-7", "total": 1250.5, "urgent": True}
    assert isinstance(sent["total"], float)
    assert request.headers["x-shop"] == "north"


def test_a_new_webhook_workflow_takes_a_request_already_received_as_its_sample(
        page: Page, live_server: Any, ada: Any) -> None:
    from django.urls import reverse

    from tests.workflows_app.test_webhook_samples import alert_definition
    from workflows_app.services import save_definition

    monitoring = save_definition({**alert_definition(sample=None), "name": "Monitoring"},
                                 activate=True).workflow
    hook = live_server.url + reverse("workflows_app:webhook", args=[monitoring.webhook_token])
    delivered = {"alert": {"severity": "warning", "service": "search", "count": 2,
                           "api_token": "tok_live_9"}}
    assert page.request.post(hook, data=delivered).ok

    # A workflow that is not saved yet: the request the other one received is offered.
    log_in(page, live_server.url, "ada", ADD)
    page.fill("#id_name", "Search alerts")
    page.get_by_label("A webhook is received").check()
    wait_for_scope(page)
    picker = page.get_by_label("Use a request already received")
    option = picker.locator("option", has_text='Received by "Monitoring"')
    expect(option).to_have_count(1)
    expect(option).to_contain_text('"severity":"warning"')  # what it carried
    picker.select_option(value=option.get_attribute("value"))
    wait_for_scope(page)
    expect(page.locator(".wb-sample-fields")).to_contain_text("Alert \u203a Service (Text)")

    page.get_by_role("button", name="+ Add a condition").click()
    leaf = page.locator("#wb-conditions .wb-leaf")
    leaf.get_by_label("Value to test").select_option(label="Alert \u203a Count (Number)")
    leaf.get_by_label("Comparison").select_option(label="is greater than")
    leaf.locator(".wb-leaf-value input").fill("1")
    step = add_step(page, "Send an e-mail")
    step.locator('[data-path="steps[0].params.to"] input').fill("search@example.com")
    step.locator('[data-path="steps[0].params.subject"] textarea').fill("Search alert")
    step.locator('[data-path="steps[0].params.body"] textarea').fill("Have a look.")
    workflow = save_and_activate(page, "Search alerts")
    definition = workflow.live_version.definition
    assert definition["trigger"]["sample"] == {"alert": {**delivered["alert"],
                                                         "api_token": ""}}
    assert definition["conditions"] == {"ref": "payload.alert.count", "op": "gt", "value": 1}
