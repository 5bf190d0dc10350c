"""What broke users of the builder (issue: invalid boxes, list rows, one condition,
defaults, narrow windows, favicon), tried in Chromium through the UI alone."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.builder_actions import fill_email_step
from tests.e2e.test_builder import PASSWORD, log_in, wait_for_scope
from workflows_app.models import Workflow

pytestmark = pytest.mark.e2e

ADD = "/admin/workflows_app/workflow/add/"


def start_order_workflow(page: Page, base: str, name: str) -> None:
    log_in(page, base, "ada", ADD)
    page.fill("#id_name", name)
    page.get_by_label("A record is created").check()
    page.locator("#wb-trigger-config").get_by_label("Model").select_option(
        label="Order (demo.order)")
    wait_for_scope(page)


def add_step(page: Page, label: str) -> Any:
    page.get_by_role("button", name="+ Add a step").click()
    page.locator("#wb-catalogue .wb-catalogue-item",
                 has=page.get_by_text(label, exact=True)).click()
    wait_for_scope(page)
    return page.locator(".wb-step").last


@pytest.fixture
def ada(django_user_model: Any) -> Any:
    return django_user_model.objects.create_superuser("ada", "ada@example.com", PASSWORD)


def test_plain_text_in_a_json_box_is_kept_as_text(page: Page, live_server: Any,
                                                  ada: Any) -> None:
    start_order_workflow(page, live_server.url, "Tell the shop")
    step = add_step(page, "Send an HTTP request")
    step.locator('[data-path="steps[0].params.url"] input').fill("https://shop.example.com/hook")
    step.locator('[data-path="steps[0].params.body"]').get_by_label(
        "Edit as JSON (advanced)").check()  # the body is rows unless asked
    body = step.locator('[data-path="steps[0].params.body"] textarea')
    body.press_sequentially("Hello shop")  # every keystroke counts, the first one too
    page.click("#wb-save")
    expect(page.locator(".messagelist")).to_contain_text("was saved as version 1")
    definition = Workflow.objects.get(name="Tell the shop").live_version.definition
    assert definition["steps"][0]["params"]["body"] == "Hello shop"
    expect(page.locator('[data-path="steps[0].params.body"] textarea')).to_have_value(
        "Hello shop")


def test_a_box_that_cannot_be_read_blocks_save_and_keeps_the_text(
        page: Page, live_server: Any, ada: Any) -> None:
    start_order_workflow(page, live_server.url, "Broken body")
    step = add_step(page, "Send an HTTP request")
    step.locator('[data-path="steps[0].params.url"] input').fill("https://shop.example.com/hook")
    step.locator('[data-path="steps[0].params.body"]').get_by_label(
        "Edit as JSON (advanced)").check()
    body = step.locator('[data-path="steps[0].params.body"] textarea')
    body.fill('{"order": ')
    # A structural change redraws the steps: the text survives it.
    add_step(page, "Send an e-mail")
    body = page.locator('[data-path="steps[0].params.body"] textarea')
    expect(body).to_have_value('{"order": ')
    page.click("#wb-save")
    expect(page.locator("#wb-blocked")).to_contain_text("Nothing was saved")
    expect(page.locator('[data-path="steps[0].params.body"] [role=alert]')).to_contain_text(
        "not valid JSON")
    expect(body).to_be_focused()
    assert not Workflow.objects.filter(name="Broken body").exists()
    # Moving the step keeps the text with it.
    page.get_by_role("button", name="Move step 1 down").click()
    expect(page.locator('[data-path="steps[1].params.body"] textarea')).to_have_value(
        '{"order": ')


def test_one_e_mail_row_per_click_and_blank_rows_do_not_block(
        page: Page, live_server: Any, ada: Any) -> None:
    start_order_workflow(page, live_server.url, "Mail twice")
    add_step(page, "Send an e-mail")
    step = page.locator('.wb-step[data-path="steps[0]"]')
    to = step.locator('[data-path="steps[0].params.to"]')
    rows = to.locator(".wb-list-row")
    expect(rows).to_have_count(1)
    rows.first.locator("input").fill("ops@example.com")
    to.get_by_role("button", name="+ Add e-mail address").click()
    expect(rows).to_have_count(2)
    expect(rows.nth(1).locator("input")).to_be_focused()
    to.get_by_role("button", name="+ Add e-mail address").click()
    expect(rows).to_have_count(3)
    add_step(page, "Wait")  # the steps are drawn again: the blank rows stay
    expect(rows).to_have_count(3)
    page.get_by_role("button", name="Remove step 2").click()
    rows.nth(1).locator("input").fill("boss@example.com")
    step.locator('[data-path="steps[0].params.subject"] textarea').fill("Hello")
    step.locator('[data-path="steps[0].params.body"] textarea').fill("A new order.")
    page.click("#wb-save")
    expect(page.locator(".messagelist")).to_contain_text("was saved as version 1")
    definition = Workflow.objects.get(name="Mail twice").live_version.definition
    assert definition["steps"][0]["params"]["to"] == ["ops@example.com", "boss@example.com"]


def test_one_condition_is_one_row(page: Page, live_server: Any, ada: Any) -> None:
    start_order_workflow(page, live_server.url, "Big orders")
    page.get_by_role("button", name="+ Add a condition").click()
    conditions = page.locator("#wb-conditions")
    expect(conditions.locator(".wb-leaf")).to_have_count(1)
    expect(conditions.locator(".wb-group")).to_have_count(0)
    leaf = conditions.locator(".wb-leaf")
    leaf.get_by_label("Value to test").select_option(label="Total amount (Number)")
    leaf.get_by_label("Comparison").select_option(label="is at least")
    leaf.locator(".wb-leaf-value input[type=number]").fill("10000")
    step = add_step(page, "Send an e-mail")
    fill_email_step(step, "Big order")
    page.click("#wb-save")
    expect(page.locator(".messagelist")).to_contain_text("was saved as version 1")
    definition = Workflow.objects.get(name="Big orders").live_version.definition
    assert definition["conditions"] == {"ref": "record.total_amount", "op": "gte",
                                        "value": 10000}
    # A second condition makes the group, with its "and".
    page.get_by_role("button", name="+ Condition (AND)").click()
    expect(conditions.locator(".wb-leaf")).to_have_count(2)
    expect(conditions.locator(".wb-joiner")).to_have_text(["and"])


def test_a_select_shows_the_default_the_step_will_use(page: Page, live_server: Any,
                                                      ada: Any) -> None:
    start_order_workflow(page, live_server.url, "Method")
    step = add_step(page, "Send an HTTP request")
    method = step.locator('[data-path="steps[0].params.method"] select')
    expect(method.locator("option:checked")).to_have_text("POST")
    assert '"method"' not in page.locator("#id_definition").input_value()
    method.select_option(label="GET")
    assert '"method": "GET"' in page.locator("#id_definition").input_value()


def test_nothing_is_clipped_at_800_pixels(page: Page, live_server: Any, ada: Any) -> None:
    page.set_viewport_size({"width": 800, "height": 900})
    start_order_workflow(page, live_server.url, "Narrow")
    page.get_by_role("button", name="+ Add a condition").click()
    for label in ("Send an e-mail", "Send an HTTP request", "Update a record"):
        add_step(page, label)
    page.locator(".wb-step-options > summary").first.click()
    overflowing = page.evaluate("""() => {
        const limit = document.documentElement.clientWidth;
        return Array.from(document.querySelectorAll('#workflow-builder *'))
          .filter((node) => { const box = node.getBoundingClientRect();
                              return box.width > 0 && box.right > limit + 1; })
          .map((node) => `${node.tagName}.${node.className} in `
               + (node.closest('[data-path]') || {dataset: {}}).dataset.path);
    }""")
    assert overflowing == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 800


def test_pages_have_a_favicon(page: Page, live_server: Any, ada: Any) -> None:
    failed: list[str] = []
    page.on("response", lambda response: failed.append(response.url)
            if response.status >= 400 else None)
    log_in(page, live_server.url, "ada", ADD)
    icon = page.locator('link[rel="icon"]')
    expect(icon).to_have_count(1)
    href = icon.get_attribute("href")
    assert page.request.get(f"{live_server.url}{href}").ok
    assert page.request.get(f"{live_server.url}/favicon.ico").ok
    assert failed == []


def test_labels_name_steps_and_make_their_keys(page: Page, live_server: Any, ada: Any) -> None:
    start_order_workflow(page, live_server.url, "Labels")
    step = add_step(page, "Send an e-mail")
    step.locator(".wb-step-label").fill("Mail the customer")
    definition = page.locator("#id_definition").input_value()
    assert '"key": "mail_the_customer"' in definition
    step.locator(".wb-step-advanced > summary").click()
    expect(step.locator(".wb-step-key")).to_have_value("mail_the_customer")
    wait = add_step(page, "Wait")
    wait.locator('[data-path="steps[1].params.duration"] input').fill("P2D")
    page.click("#wb-save")  # the e-mail has no address, subject or body yet
    summary = page.locator("#wb-error-summary")
    expect(summary).to_contain_text("Mail the customer \u203a Subject: This is required.")
    expect(summary).not_to_contain_text("(Text)")
    expect(page.locator('[data-path="steps[1].params.duration"] input')).to_have_value(
        "2 days")


def test_a_long_name_is_not_covered_by_the_page_buttons(page: Page, live_server: Any,
                                                        ada: Any) -> None:
    from workflows_app.services import save_definition

    name = ("Payment received: text the customer, task for the account manager, "
            "page on-call if nobody confirms in 2 days")
    workflow = save_definition({
        "schema_version": 1, "name": name,
        "trigger": {"type": "model.created", "model": "demo.order"},
        "steps": [{"key": "mail", "type": "email.send", "params": {
            "to": ["ops@example.com"], "subject": "New", "body": "New order."}}]}).workflow
    change = f"/admin/workflows_app/workflow/{workflow.pk}/change/"
    log_in(page, live_server.url, "ada", change)
    for width in (1280, 800):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}{change}")
        expect(page.locator("#workflow-builder")).to_have_attribute("data-ready", "true")
        title = page.locator("#content > h2").first.bounding_box()
        for button in page.locator(".object-tools li").all():
            box = button.bounding_box()
            overlaps = (box["x"] < title["x"] + title["width"]
                        and title["x"] < box["x"] + box["width"]
                        and box["y"] < title["y"] + title["height"]
                        and title["y"] < box["y"] + box["height"])
            assert not overlaps, f"{button.inner_text()} covers the name at {width} px"
