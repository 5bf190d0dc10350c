"""The builder's value inputs are the server's Django form fields (issue #11 item 0).

A project teaches a value type its input once, with `register_form_field`, and
the builder shows it, with no JavaScript for that type; what is chosen is read
back into the definition.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django import forms
from playwright.sync_api import Page, expect

from engine import Param, StepType, step_registry
from engine.types import String
from tests.e2e.test_builder import log_in
from workflows_app.forms.fields import form_field_registry, register_form_field

pytestmark = pytest.mark.e2e


class Colour(String):
    """A colour, as a project might declare one (no widget of the builder's scripts)."""

    widget = "test_colour"


class PaintSign(StepType):
    """A step that exists only while the tests of this file run."""

    key = "test.e2e_paint"
    label = "Paint a sign"
    description = "Paint the shop sign."
    group = "Test"
    params = (Param("colour", Colour(), "Colour"),)


def colour_field(value_type: Any, **kwargs: Any) -> forms.Field:
    return forms.ChoiceField(choices=[("", "---------"), ("#ff0000", "Red"),
                                      ("#00aa00", "Green")], **kwargs)


@pytest.fixture
def paint_step() -> Iterator[None]:
    register_form_field(Colour)(colour_field)
    try:
        with step_registry.temporarily(PaintSign):
            yield
    finally:
        form_field_registry.pop(Colour, None)


def test_a_type_registered_with_a_form_field_gets_that_input_in_the_builder(
        page: Page, live_server: Any, django_user_model: Any, paint_step: None) -> None:
    django_user_model.objects.create_superuser("ada", "ada@example.com", "correct-horse-battery")
    log_in(page, live_server.url, "ada", "/admin/workflows_app/workflow/add/")
    page.get_by_role("button", name="+ Add a step").click()
    page.get_by_role("button", name="Paint a sign").click()
    colour = page.locator('[data-path="steps[0].params.colour"] select')
    expect(colour.locator("option")).to_have_text(["---------", "Red", "Green"])
    colour.select_option(label="Green")
    definition = page.locator("#id_definition").input_value()
    assert '"colour": "#00aa00"' in definition


def test_a_value_the_form_field_refuses_is_shown_at_the_field(
        page: Page, live_server: Any, django_user_model: Any) -> None:
    """Saving checks each step's params with their form fields: the field's own
    message, at the field, under the step's and field's labels; nothing is saved."""
    from tests.e2e.test_builder_boxes import add_step, start_order_workflow
    from workflows_app.models import Workflow

    django_user_model.objects.create_superuser("ada", "ada@example.com", "correct-horse-battery")
    start_order_workflow(page, live_server.url, "Tell operations")
    step = add_step(page, "Send an e-mail")
    step.locator('[data-path="steps[0].params.to"] input[type=email]').fill("ops at example")
    step.locator('[data-path="steps[0].params.subject"] textarea').fill("New order")
    step.locator('[data-path="steps[0].params.body"] textarea').fill("Have a look.")
    page.click("#wb-save")
    expect(page.locator("#workflow-builder")).to_have_attribute("data-ready", "true")
    expect(page.locator(".errornote")).to_contain_text("Nothing was saved")
    expect(page.locator('[data-path="steps[0].params.to[0]"] .wb-inline-errors')).to_have_text(
        "Enter a valid email address.")
    expect(page.locator("#wb-error-summary")).to_contain_text(
        "Step 1, Send an e-mail \u203a To")
    expect(page.locator('[data-path="steps[0].params.to"] input[type=email]')).to_have_value(
        "ops at example")
    assert not Workflow.objects.filter(name="Tell operations").exists()


def test_a_typed_value_is_checked_by_its_form_field_when_it_changes(
        page: Page, live_server: Any, django_user_model: Any) -> None:
    """Before saving: leaving the box asks the server (htmx) what the field's form
    field says, shown beside it; fixing the value clears it."""
    from tests.e2e.test_builder_boxes import add_step, start_order_workflow

    django_user_model.objects.create_superuser("ada", "ada@example.com", "correct-horse-battery")
    start_order_workflow(page, live_server.url, "Tell operations")
    step = add_step(page, "Send an e-mail")
    to = step.locator('[data-path="steps[0].params.to"] input[type=email]')
    to.fill("ops at example")
    to.press("Tab")
    check = step.locator('[data-path="steps[0].params.to"] .wb-field-check')
    expect(check).to_have_text("Enter a valid email address.")
    to.fill("ops@example.com")
    to.press("Tab")
    expect(check).to_have_text("")
