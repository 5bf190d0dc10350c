"""A shop manager gives an order's JSON field (its delivery details) a sample taken
from a stored order, then picks one of its fields from a list in the builder, in
Chromium through the UI alone."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import Page, expect

from tests.e2e.test_builder import PASSWORD, wait_for_scope
from tests.e2e.test_builder_boxes import add_step
from tests.workflows_app.test_json_field_samples import without_declared_samples
from workflows_app import json_samples
from workflows_app.models import JSONFieldSample, Workflow

pytestmark = pytest.mark.e2e

DELIVERY = {"carrier": "DHL", "express": True, "weight_kg": 2.5, "api_key": "k_live_1",
            "address": {"city": "Berlin", "country": "DE"}}


@pytest.fixture
def manager(django_user_model: Any, settings: Any) -> Any:
    """Staff who build workflows and may view orders: not a superuser (and the
    delivery details have no sample yet)."""
    without_declared_samples(settings)
    user = django_user_model.objects.create_user("maria", "maria@example.com", PASSWORD,
                                                 is_staff=True)
    wanted = [("workflows_app", codename) for codename in (
        "add_workflow", "change_workflow", "view_workflow", "add_jsonfieldsample",
        "change_jsonfieldsample", "view_jsonfieldsample")] + [("demo", "view_order")]
    for app_label, codename in wanted:
        user.user_permissions.add(Permission.objects.get(
            codename=codename, content_type__app_label=app_label))
    json_samples.clear_cache()
    return user


def test_a_json_field_sub_field_is_picked_from_a_list_after_giving_a_sample(
        page: Page, live_server: Any, manager: Any) -> None:
    from config.demo.models import Customer, Order

    customer = Customer.objects.create(name="Ada", email="ada@example.com")
    Order.objects.create(number="D-1", customer=customer, total_amount=Decimal(90),
                         delivery=DELIVERY)

    page.goto(f"{live_server.url}/admin/login/?next=/admin/workflows_app/workflow/add/")
    page.fill("#id_username", "maria")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("#workflow-builder")).to_have_attribute("data-ready", "true")
    page.fill("#id_name", "Express parcels")
    page.get_by_label("A record is created").check()
    page.locator("#wb-trigger-config").get_by_label("Model").select_option(
        label="Order (demo.order)")
    wait_for_scope(page)
    page.get_by_role("button", name="+ Add a condition").click()
    leaf = page.locator("#wb-conditions .wb-leaf")
    # Without a sample the delivery details are free-form: a sub-path to type, and
    # a way to give the field a sample.
    leaf.get_by_label("Value to test").select_option(label="Delivery details (JSON)")
    expect(leaf.get_by_label("Path inside the data")).to_be_visible()
    with page.expect_popup() as opened:
        leaf.get_by_role("link", name="Give this field a sample").click()
    samples = opened.value
    expect(samples.get_by_label("JSON field")).to_have_value("demo.order:delivery")
    # A pasted sample that is not JSON is refused at its box; nothing is saved.
    samples.get_by_label("Sample").fill('{"carrier": ')
    samples.click("input[name=_continue]")
    expect(samples.locator(".errorlist")).to_contain_text("not valid JSON")
    assert not JSONFieldSample.objects.exists()
    samples.get_by_label("Sample").fill("")
    samples.get_by_label("Or take it from a stored record").select_option(label="Order D-1")
    samples.click("input[name=_continue]")
    expect(samples.locator(".messagelist")).to_contain_text("was added successfully")
    expect(samples.locator(".field-learned")).to_contain_text("Address \u203a City (Text)")
    assert JSONFieldSample.objects.get().sample["api_key"] == ""  # a secret is not kept
    samples.close()

    # Back in the builder, the fields learned are listed.
    page.bring_to_front()
    page.evaluate("window.dispatchEvent(new Event('focus'))")
    wait_for_scope(page)
    leaf.get_by_label("Value to test").select_option(
        label="Delivery details \u203a Carrier (Text)")
    expect(leaf.get_by_label("Path inside the data")).to_be_hidden()  # nothing to type
    leaf.get_by_label("Comparison").select_option(label="is")
    leaf.locator(".wb-leaf-value input").fill("DHL")
    step = add_step(page, "Send an e-mail")
    step.locator('[data-path="steps[0].params.to"] input').fill("warehouse@example.com")
    subject = step.locator('[data-path="steps[0].params.subject"] textarea')
    subject.fill("Parcel to ")
    step.locator('[data-path="steps[0].params.subject"]').get_by_label(
        "Insert variable").select_option(label="Delivery details \u203a Address \u203a City (Text)")
    step.locator('[data-path="steps[0].params.body"] textarea').fill("Pack it.")
    page.click("#wb-save")
    expect(page.locator(".messagelist")).to_contain_text("was saved as version 1")
    definition = Workflow.objects.get(name="Express parcels").versions.get().definition
    assert definition["conditions"] == {"ref": "record.delivery.carrier", "op": "eq",
                                        "value": "DHL"}
    assert definition["steps"][0]["params"]["subject"] == (
        "Parcel to {{ record.delivery.address.city }}")
