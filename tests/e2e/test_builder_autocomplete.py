"""Record and user pickers search as staff type (Django admin's autocomplete),
in the builder and in the Run now form, instead of asking for an id."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.builder_actions import fill_email_step
from tests.e2e.test_builder import PASSWORD, log_in, wait_for_scope
from workflows_app.models import Workflow

pytestmark = pytest.mark.e2e

ADD = "/admin/workflows_app/workflow/add/"


@pytest.fixture
def ada(django_user_model: Any) -> Any:
    return django_user_model.objects.create_superuser("ada", "ada@example.com", PASSWORD)


def test_a_condition_on_a_customer_picks_the_customer_by_name(
        page: Page, live_server: Any, ada: Any) -> None:
    from config.demo.models import Customer

    Customer.objects.create(name="Brian Kernighan", email="bwk@example.com")
    grace = Customer.objects.create(name="Grace Hopper", email="grace@example.com")
    log_in(page, live_server.url, "ada", ADD)
    page.fill("#id_name", "Grace's orders")
    page.get_by_label("A record is created").check()
    page.locator("#wb-trigger-config").get_by_label("Model").select_option(
        label="Order (demo.order)")
    wait_for_scope(page)
    page.get_by_role("button", name="+ Add a condition").click()
    leaf = page.locator("#wb-conditions .wb-leaf")
    leaf.get_by_label("Value to test").select_option(value="record.customer")
    leaf.get_by_label("Comparison").select_option(label="is")
    leaf.locator(".wb-leaf-value .select2-selection").click()
    page.locator(".select2-search__field").fill("hopp")
    expect(page.locator(".select2-results__option")).to_have_text(["Grace Hopper"])
    page.locator(".select2-results__option", has_text="Grace Hopper").click()
    definition = page.locator("#id_definition").input_value()
    assert f'"value": {grace.pk}' in definition
    page.get_by_role("button", name="+ Add a step").click()
    page.locator("#wb-catalogue .wb-catalogue-item",
                 has=page.get_by_text("Send an e-mail", exact=True)).click()
    wait_for_scope(page)
    step = page.locator(".wb-step").last
    fill_email_step(step, "Grace ordered")
    page.click("#wb-save")
    expect(page.locator(".messagelist")).to_contain_text("was saved as version 1")
    saved = Workflow.objects.get(name="Grace's orders").live_version.definition
    assert saved["conditions"] == {"ref": "record.customer", "op": "eq", "value": grace.pk}
    # Opened again, the picker shows the customer by name, not by id.
    expect(page.locator("#wb-conditions .select2-selection__rendered")).to_contain_text(
        "Grace Hopper")
