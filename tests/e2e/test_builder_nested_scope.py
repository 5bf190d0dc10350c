"""Pickers of nested steps in the builder, in a real browser: inside a `for_each`
the current item is offered with its type (an order's number, its customer's
e-mail), and a nested step is offered the outputs of the steps before it in its
own list; neither is offered outside."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_builder import PASSWORD, log_in, wait_for_scope
from workflows_app.models import Workflow
from workflows_app.services import save_definition

pytestmark = pytest.mark.e2e

STEPS = "steps[0].params.steps"


def test_nested_pickers_offer_the_item_typed_and_earlier_nested_steps(
        page: Page, live_server: Any, django_user_model: Any) -> None:
    django_user_model.objects.create_superuser("ada", "ada@example.com", PASSWORD)
    workflow = save_definition({
        "schema_version": 1, "name": "Chase each order",
        "trigger": {"type": "manual", "inputs": [
            {"name": "orders", "type": "Record[demo.order][]", "label": "Orders"}]},
        "steps": [
            {"key": "each_order", "type": "for_each", "params": {
                "items": {"ref": "inputs.orders"},
                "steps": [
                    {"key": "ask", "type": "http.request", "params": {
                        "method": "POST", "url": "https://example.com/ask"}},
                    {"key": "chase", "type": "email.send", "params": {
                        "to": ["ops@example.com"], "subject": "Chase ", "body": "Please."}},
                ]}},
            {"key": "done", "type": "email.send", "params": {
                "to": ["ops@example.com"], "subject": "Done ", "body": "All chased."}},
        ]}).workflow
    log_in(page, live_server.url, "ada",
           f"/admin/workflows_app/workflow/{workflow.pk}/change/")
    wait_for_scope(page)

    chase = page.locator(f'[data-path="{STEPS}[1].params.subject"]')
    inserter = chase.get_by_label("Insert variable")
    offered = inserter.locator("option").evaluate_all("(options) => options.map(o => o.value)")
    assert {"item.number", "item.customer.email", "item_index",
            "steps.ask.status_code"} <= set(offered)
    # Typed: the order's customer's e-mail reads as an e-mail address.
    assert "(E-mail" in inserter.locator('option[value="item.customer.email"]').inner_text()
    inserter.select_option(value="item.number")
    expect(chase.locator("textarea")).to_have_value("Chase {{ item.number }}")

    ask = page.locator(f'[data-path="{STEPS}[0].params.url"]').get_by_label("Insert variable")
    first_offered = set(ask.locator("option").evaluate_all(
        "(options) => options.map(o => o.value)"))
    assert "item.number" in first_offered and "steps.ask.status_code" not in first_offered

    after = page.locator('[data-path="steps[1].params.subject"]').get_by_label("Insert variable")
    outside = set(after.locator("option").evaluate_all("(options) => options.map(o => o.value)"))
    assert not any(value.startswith("item") for value in outside)
    assert "steps.ask.status_code" not in outside

    page.click("#wb-save")
    expect(page.locator(".messagelist")).to_contain_text("was saved as version 2")
    saved = Workflow.objects.get(pk=workflow.pk).versions.order_by("-number").first()
    assert saved.definition["steps"][0]["params"]["steps"][1]["params"]["subject"] == \
        "Chase {{ item.number }}"
