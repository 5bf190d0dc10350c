"""The builder's value inputs come from the one value-type -> form-field mapping
(`workflows_app.forms.fields.form_field_for`), rendered by the server: the page's
metadata and the scope endpoint carry each type's input as HTML."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django import forms
from django.test import Client
from django.urls import reverse

from engine import Param, StepType, step_registry
from engine.types import Email, Number, String
from workflows_app.forms.builder import input_html, value_kind
from workflows_app.forms.fields import form_field_registry, register_form_field

pytestmark = pytest.mark.django_db

ADD = reverse("admin:workflows_app_workflow_add")
SCOPE = reverse("admin:workflows_app_workflow_builder_scope")


class Colour(String):
    """A project's own type."""

    widget = "test_colour"


class PaintSign(StepType):
    """A step that exists only while a test runs."""

    key = "test.paint"
    label = "Paint a sign"
    params = (Param("colour", Colour(), "Colour"),)


@pytest.fixture
def admin_client_(django_user_model: Any) -> Client:
    user = django_user_model.objects.create_superuser("ada", "ada@example.com", "pw")
    client = Client()
    client.force_login(user)
    return client


def test_each_input_is_its_form_field_marked_with_how_it_reads_back() -> None:
    assert 'type="email"' in input_html(Email())
    assert 'data-wb-value="number"' in input_html(Number())
    assert value_kind(forms.BooleanField()) == "bool"
    assert value_kind(forms.TypedChoiceField()) == "choice"
    assert value_kind(forms.CharField()) == "text"


def test_a_type_registered_with_a_form_field_is_rendered_in_the_builder_page(
        admin_client_: Client) -> None:
    register_form_field(Colour)(lambda value_type, **kwargs: forms.ChoiceField(
        choices=[("#ff0000", "Red"), ("#00aa00", "Green")], **kwargs))
    try:
        with step_registry.temporarily(PaintSign):
            metadata = admin_client_.get(ADD).context["metadata"]
    finally:
        form_field_registry.pop(Colour, None)
    steps = {item["key"]: item for group in metadata["steps"] for item in group["items"]}
    html = steps["test.paint"]["params"][0]["value_type"]["input"]["html"]
    assert html.startswith("<select")
    assert 'data-wb-value="choice"' in html
    assert '<option value="#00aa00">Green</option>' in html


def test_the_values_compared_with_come_as_form_fields_from_the_scope_endpoint(
        admin_client_: Client) -> None:
    definition = {"schema_version": 1, "name": "x",
                  "trigger": {"type": "model.created", "model": "demo.order"}, "steps": []}
    data = admin_client_.post(SCOPE, json.dumps(definition),
                              content_type="application/json").json()
    email = next(op for op in data["types"]["Email"]["operators"] if op["name"] == "eq")
    assert 'type="email"' in email["value"]["input"]["html"]


def test_the_public_catalogue_carries_no_html(admin_client_: Client) -> None:
    from workflows_app.metadata import catalogue

    assert '"html"' not in json.dumps(catalogue())


def test_saving_checks_each_value_with_its_form_field(admin_client_: Client) -> None:
    from workflows_app.models import Workflow

    definition = {
        "schema_version": 1, "name": "Tell operations", "description": "",
        "trigger": {"type": "model.created", "model": "demo.order"},
        "steps": [{"key": "mail", "type": "email.send", "params": {
            "to": ["ops@example.com", "ops at example"], "subject": "x{{ record.number }}",
            "body": "Have a look."}}],
    }
    response = admin_client_.post(ADD, {"definition": json.dumps(definition)})
    errors = {error["path"]: error for error in response.context["errors"]}
    assert errors["steps[0].params.to[1]"]["message"] == "Enter a valid email address."
    assert errors["steps[0].params.to[1]"]["place"].startswith("Step 1, Send an e-mail")
    assert "steps[0].params.to[0]" not in errors
    assert not Workflow.objects.filter(name="Tell operations").exists()
