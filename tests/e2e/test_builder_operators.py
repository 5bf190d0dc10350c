"""A condition row and its operators come from the server through htmx: the
builder's script knows no type's operators (it asks `builder/condition-row/` and
`builder/operators/`)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from engine import step_registry
from tests.e2e.builder_actions import fill_email_step
from tests.e2e.test_builder_boxes import ada, add_step, start_order_workflow  # noqa: F401
from tests.e2e.test_builder_widget_tour import listen
from tests.workflows_app.test_builder_operators import Freezing, ReadThermometer, Temperature
from workflows_app.models import Workflow

pytestmark = pytest.mark.e2e

OPERATORS = "/builder/operators/"
ROW = "/builder/condition-row/"


def labels(select: Any) -> list[str]:
    return select.locator("option").evaluate_all("options => options.map(o => o.textContent)")


def test_choosing_a_number_offers_is_greater_than_from_the_server(
        page: Page, live_server: Any, ada: Any) -> None:  # noqa: F811
    problems = listen(page)
    start_order_workflow(page, live_server.url, "Big orders")
    with page.expect_response(lambda response: ROW in response.url):
        page.get_by_role("button", name="+ Add a condition").click()  # the row: the server's
    leaf = page.locator("#wb-conditions .wb-leaf")
    with page.expect_response(lambda response: OPERATORS in response.url) as answer:
        leaf.get_by_label("Value to test").select_option(label="Total amount (Number)")
    assert answer.value.ok
    comparison = leaf.get_by_label("Comparison")
    expect(comparison.locator("option", has_text="is greater than")).to_have_count(1)
    assert "contains" not in labels(comparison)
    # Another type, other operators (and the value it compares with starts afresh).
    leaf.get_by_label("Value to test").select_option(label="Number (Text)")
    expect(comparison.locator("option", has_text="contains")).to_have_count(1)
    assert "is greater than" not in labels(comparison)
    leaf.get_by_label("Value to test").select_option(label="Total amount (Number)")
    comparison.select_option(label="is greater than")
    leaf.locator(".wb-leaf-value input[type=number]").fill("500")
    step = add_step(page, "Send an e-mail")
    fill_email_step(step, "Big order")
    page.click("#wb-save")
    expect(page.locator(".messagelist")).to_contain_text("was saved as version 1")
    definition = Workflow.objects.get(name="Big orders").live_version.definition
    assert definition["conditions"] == {"ref": "record.total_amount", "op": "gt", "value": 500}
    # Opened again, the row shows what was saved (asked of the server too).
    leaf = page.locator("#wb-conditions .wb-leaf")
    expect(leaf.get_by_label("Comparison").locator("option:checked")).to_have_text(
        "is greater than")
    expect(leaf.locator(".wb-leaf-value input[type=number]")).to_have_value("500")
    assert problems == []


def test_a_projects_own_type_gets_its_operators_with_no_javascript(
        page: Page, live_server: Any, ada: Any) -> None:  # noqa: F811
    problems = listen(page)
    Temperature.register_operator(Freezing)
    try:
        with step_registry.temporarily(ReadThermometer):
            start_order_workflow(page, live_server.url, "Cold")
            add_step(page, "Read the thermometer")
            step = add_step(page, "Send an e-mail")
            step.locator(".wb-step-options > summary").click()
            step.get_by_label("Only run this step if").check()
            leaf = step.locator(".wb-when .wb-leaf")
            leaf.get_by_label("Value to test").select_option(label="Reading (Temperature)")
            leaf.get_by_label("Comparison").select_option(label="is below freezing")
            expect(leaf.locator(".wb-leaf-value input")).to_have_count(0)  # takes no value
            assert '"op": "freezing"' in page.locator("#id_definition").input_value()
    finally:
        Temperature.unregister_operator("freezing")
    assert problems == []
