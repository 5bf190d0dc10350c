"""An HTTP request's body as rows in Chromium: the rows are the server's Django
formset, rendered through htmx; adding and removing a row asks the server, a
row that cannot be read is said at that row and blocks Save, and what is saved
(and shown again after a reload) is the JSON object, numbers as numbers. No
JavaScript error on the way.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_builder_boxes import ada, add_step, start_order_workflow  # noqa: F401
from workflows_app.models import Workflow

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_rows_are_added_and_removed_through_the_server(page: Page, live_server: Any,
                                                       ada: Any) -> None:  # noqa: F811
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("console", lambda message: problems.append(f"console: {message.text}")
            if message.type == "error" else None)
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.method)
            if "/builder/widget/" in request.url else None)

    start_order_workflow(page, live_server.url, "Rows")
    step = add_step(page, "Send an HTTP request")
    step.locator('[data-path="steps[0].params.url"] input').fill("https://shop.example.com/hook")
    body = step.locator('[data-path="steps[0].params.body"]')
    expect(body.get_by_label("Edit as JSON (advanced)")).not_to_be_checked()

    before = asked.count("POST")
    body.get_by_role("button", name="+ Add a field").click()
    expect(body.get_by_label("Body: name 1")).to_be_focused()  # the new row's name
    assert asked.count("POST") > before  # the server added the row
    body.get_by_label("Body: name 1").fill("note")
    body.get_by_label("Body: value 1").fill("Order ")
    body.locator(".wb-json-row").nth(0).get_by_label("Insert variable").select_option(
        value="record.number")
    expect(body.get_by_label("Body: value 1")).to_have_value("Order {{ record.number }}")
    body.get_by_role("button", name="+ Add a field").click()
    body.get_by_label("Body: name 2").fill("drop me")
    body.get_by_role("button", name="+ Add a field").click()
    body.get_by_label("Body: name 3").fill("count")
    body.get_by_label("Body: kind 3").select_option(label="Number")
    body.get_by_label("Body: value 3").fill("7x")

    # The middle row goes; the rows after it move up, as typed.
    body.get_by_role("button", name="Remove field 2").click()
    expect(body.locator(".wb-json-row")).to_have_count(2)
    expect(body.get_by_label("Body: name 2")).to_have_value("count")
    expect(body.get_by_label("Body: value 2")).to_have_value("7x")

    # "7x" is no number: said at its row, by the row's name, and Save does nothing.
    page.click("#wb-save")
    expect(page.locator("#wb-blocked")).to_contain_text("Nothing was saved")
    expect(body.locator(".wb-json-row").nth(1).get_by_role("alert")).to_have_text(
        'Field 2 ("count"): "7x" is not a number (e.g. 12 or 12.50).')
    expect(body.get_by_label("Body: value 2")).to_be_focused()
    assert not Workflow.objects.filter(name="Rows").exists()
    body.get_by_label("Body: value 2").fill("7")
    page.click("#wb-save")
    expect(page.locator(".messagelist")).to_contain_text("was saved as version 1")
    definition = Workflow.objects.get(name="Rows").versions.get().definition
    assert definition["steps"][0]["params"]["body"] == {
        "note": "Order {{ record.number }}", "count": 7}

    # The saved object comes back as the same rows.
    page.reload()
    body = page.locator('[data-path="steps[0].params.body"]')
    expect(body.get_by_label("Body: value 1")).to_have_value("Order {{ record.number }}")
    expect(body.get_by_label("Body: kind 2")).to_have_value("number")
    expect(body.get_by_label("Body: value 2")).to_have_value("7")
    body.get_by_role("button", name="Remove field 1").click()
    expect(body.locator(".wb-json-row")).to_have_count(1)
    assert problems == []


def test_a_manual_triggers_inputs_are_rows_of_the_server(page: Page, live_server: Any,
                                                         ada: Any) -> None:  # noqa: F811
    from tests.e2e.test_builder import log_in
    from tests.e2e.test_builder_boxes import ADD

    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("console", lambda message: problems.append(f"console: {message.text}")
            if message.type == "error" else None)
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.method)
            if "/builder/widget/" in request.url else None)
    log_in(page, live_server.url, "ada", ADD)
    page.fill("#id_name", "By hand")
    page.get_by_label("Started by hand").check()
    settings = page.locator("#wb-trigger-config")
    expect(settings).to_contain_text("No inputs: the workflow starts without asking anything.")

    before = asked.count("POST")
    settings.get_by_role("button", name="+ Add an input").click()
    expect(settings.get_by_label("Input 1: name")).to_be_focused()
    assert asked.count("POST") > before
    settings.get_by_label("Input 1: name").fill("Amount due")
    settings.get_by_label("Input 1: type").select_option("Number")
    expect(settings.get_by_role("alert")).to_contain_text(
        "Input 1: a name is lower-case letters, digits and _")
    settings.get_by_label("Input 1: name").fill("amount")
    settings.get_by_role("button", name="+ Add an input").click()
    settings.get_by_label("Input 2: name").fill("speed")
    settings.get_by_label("Input 2: type").select_option("Choice")
    settings.get_by_label("Input 2: options").fill("slow, fast")
    settings.get_by_label("Input 2: required").uncheck()
    settings.get_by_role("button", name="+ Add an input").click()
    settings.get_by_label("Input 3: name").fill("gone")
    settings.get_by_role("button", name="Remove input 3").click()
    expect(settings.locator(".wb-input-row")).to_have_count(2)
    expect(settings.get_by_role("alert")).to_have_count(0)

    page.click("#wb-save")
    expect(page.locator(".messagelist")).to_contain_text("was saved as version 1")
    definition = Workflow.objects.get(name="By hand").versions.get().definition
    assert definition["trigger"]["inputs"] == [
        {"name": "amount", "type": "Number"},
        {"name": "speed", "type": "Choice", "required": False, "options": ["slow", "fast"]}]
    page.reload()
    settings = page.locator("#wb-trigger-config")
    expect(settings.get_by_label("Input 2: options")).to_have_value("slow, fast")
    assert problems == []
