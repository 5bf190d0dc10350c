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


def test_each_input_is_its_form_field_marked_with_how_it_reads_back() -> None:
    assert 'type="email"' in input_html(Email())
    assert 'data-wb-value="number"' in input_html(Number())
    assert value_kind(forms.BooleanField()) == "bool"
    assert value_kind(forms.TypedChoiceField()) == "choice"
    assert value_kind(forms.CharField()) == "text"


def test_a_type_registered_with_a_form_field_is_rendered_in_the_builder_page(
        admin_client: Client) -> None:
    register_form_field(Colour)(lambda value_type, **kwargs: forms.ChoiceField(
        choices=[("#ff0000", "Red"), ("#00aa00", "Green")], **kwargs))
    try:
        with step_registry.temporarily(PaintSign):
            metadata = admin_client.get(ADD).context["metadata"]
    finally:
        form_field_registry.pop(Colour, None)
    steps = {item["key"]: item for group in metadata["steps"] for item in group["items"]}
    html = steps["test.paint"]["params"][0]["value_type"]["input"]["html"]
    assert html.startswith("<select")
    assert 'data-wb-value="choice"' in html
    assert '<option value="#00aa00">Green</option>' in html


def test_the_values_compared_with_come_as_form_fields_from_the_scope_endpoint(
        admin_client: Client) -> None:
    definition = {"schema_version": 1, "name": "x",
                  "trigger": {"type": "model.created", "model": "demo.order"}, "steps": []}
    data = admin_client.post(SCOPE, json.dumps(definition),
                              content_type="application/json").json()
    email = next(op for op in data["types"]["Email"]["operators"] if op["name"] == "eq")
    assert 'type="email"' in email["value"]["input"]["html"]


def test_the_public_catalogue_carries_no_html(admin_client: Client) -> None:
    from workflows_app.metadata import catalogue

    assert '"html"' not in json.dumps(catalogue())


def test_saving_checks_each_value_with_its_form_field(admin_client: Client) -> None:
    from workflows_app.models import Workflow

    definition = {
        "schema_version": 1, "name": "Tell operations", "description": "",
        "trigger": {"type": "model.created", "model": "demo.order"},
        "steps": [{"key": "mail", "type": "email.send", "params": {
            "to": ["ops@example.com", "ops at example"], "subject": "x{{ record.number }}",
            "body": "Have a look."}}],
    }
    response = admin_client.post(ADD, {"definition": json.dumps(definition)})
    errors = {error["path"]: error for error in response.context["errors"]}
    assert errors["steps[0].params.to[1]"]["message"] == "Enter a valid email address."
    assert errors["steps[0].params.to[1]"]["place"].startswith("Step 1, Send an e-mail")
    assert "steps[0].params.to[0]" not in errors
    assert not Workflow.objects.filter(name="Tell operations").exists()


CHECK = reverse("admin:workflows_app_workflow_builder_check")


def test_the_check_endpoint_answers_with_the_form_fields_message(admin_client: Client) -> None:
    answer = admin_client.post(CHECK, {"type": "Email", "value": "ops at example"},
                                headers={"HX-Request": "true"})
    assert answer.status_code == 200
    assert answer.content.decode() == (
        '<span class="wb-local-error" role="alert">Enter a valid email address.</span>')
    fine = admin_client.post(CHECK, {"type": "Email", "value": "ops@example.com"},
                              headers={"HX-Request": "true"})
    assert fine.content == b""
    # A template is filled in when the step runs; an unknown type is the save's to check.
    assert admin_client.post(CHECK, {"type": "Email", "value": "{{ record.email }}"}
                              ).json() == {"errors": []}
    assert admin_client.post(CHECK, {"type": "Nope[", "value": "x"}).json() == {"errors": []}
    assert admin_client.post(CHECK, {"type": "Number", "value": "twelve"}).json() == {
        "errors": ["Enter a number."]}


def test_the_check_endpoint_is_for_editors_only(django_user_model: Any) -> None:
    from django.contrib.auth.models import Permission

    viewer = django_user_model.objects.create_user("viewer", "v@example.com", "pw",
                                                   is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_workflow"))
    client = Client()
    client.force_login(viewer)
    assert client.post(CHECK, {"type": "Email", "value": "x"}).status_code == 403
    assert client.get(CHECK).status_code == 405
    assert Client().post(CHECK, {"type": "Email", "value": "x"}).status_code == 302


def test_inputs_ask_the_check_endpoint_only_for_editors(admin_client: Client) -> None:
    metadata = admin_client.get(ADD).context["metadata"]
    steps = {item["key"]: item for group in metadata["steps"] for item in group["items"]}
    to = steps["email.send"]["params"][0]["value_type"]["item"]["input"]["html"]
    assert f'hx-post="{CHECK}"' in to and 'form="wb-check-form"' in to
    definition = {"schema_version": 1, "name": "x",
                  "trigger": {"type": "model.created", "model": "demo.order"}, "steps": []}
    viewer_scope = admin_client.get(SCOPE, {"definition": json.dumps(definition)}).json()
    assert "hx-post" not in json.dumps(viewer_scope)


def test_saving_checks_compare_with_values_and_nested_steps(admin_client: Client) -> None:
    definition = {
        "schema_version": 1, "name": "Nested", "description": "",
        "trigger": {"type": "model.created", "model": "demo.order"},
        "conditions": {"all": [
            {"ref": "record.total_amount", "op": "gte", "value": "ten thousand"},
            {"ref": "record.customer.email", "op": "one_of",
             "value": ["a@example.com", "not an address"]},
        ]},
        "steps": [{"key": "prepare", "type": "parallel", "params": {"branches": [
            {"label": "Warehouse", "steps": [{"key": "mail", "type": "email.send", "params": {
                "to": ["nobody"], "subject": "Pack", "body": "x"}}]},
            {"label": "Accounts", "steps": [{"key": "bill", "type": "email.send", "params": {
                "to": ["accounts@example.com"], "subject": "Bill", "body": "x"}}]}]}}],
    }
    response = admin_client.post(ADD, {"definition": json.dumps(definition)})
    errors = {error["path"]: error["message"] for error in response.context["errors"]}
    assert errors["conditions.all[0].value"] == "Enter a number."
    assert errors["conditions.all[1].value[1]"] == "Enter a valid email address."
    assert "conditions.all[1].value[0]" not in errors
    assert errors["steps[0].params.branches[0].steps[0].params.to[0]"] == (
        "Enter a valid email address.")


def test_record_inputs_search_as_staff_type_and_list_no_records(admin_client: Client) -> None:
    from config.demo.models import Customer

    Customer.objects.create(name="Grace Hopper", email="grace@example.com")
    definition = {"schema_version": 1, "name": "x",
                  "trigger": {"type": "model.created", "model": "demo.order"}, "steps": []}
    data = admin_client.post(SCOPE, json.dumps(definition),
                              content_type="application/json").json()
    is_customer = next(op for op in data["types"]["Record[demo.customer]"]["operators"]
                       if op["name"] == "eq")
    html = is_customer["value"]["input"]["html"]
    assert 'class="admin-autocomplete"' in html and 'data-wb-value="record"' in html
    assert "autocomplete/?type=Record%5Bdemo.customer%5D" in html
    assert "Grace" not in html


def test_a_duration_is_typed_in_words_and_checked_by_its_form_field() -> None:
    from engine.types import Duration
    from workflows_app.forms.values import check_value

    assert 'data-wb-value="duration"' in input_html(Duration())
    assert check_value(Duration(), "2 days") == []
    assert check_value(Duration(), "2 dayz") == [
        'Enter a length of time such as "2 days" or "1 hour 30 minutes": unknown unit '
        '"dayz" (use seconds, minutes, hours, days or weeks).']
    assert check_value(Duration(), "99999999999 days") == [
        'Enter a length of time such as "2 days" or "1 hour 30 minutes": longer than '
        'ten years.']
