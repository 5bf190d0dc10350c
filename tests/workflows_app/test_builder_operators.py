"""A condition row's operator list comes from the server (`builder/operators/`,
asked through htmx): the operators of the chosen reference's type, in words, and
the input of the value the chosen operator compares with."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from engine import Output, StepType, step_registry
from engine.operators.base import Operator
from engine.types import Number

pytestmark = pytest.mark.django_db

OPERATORS = reverse("admin:workflows_app_workflow_builder_operators")


class Temperature(Number):
    """A project's own type, with an operator of its own."""

    name = "Temperature"
    label = "Temperature"


class Freezing(Operator):
    """A project's own operator."""

    name = "freezing"
    label = "is below freezing"

    def value_type(self, subject: Any) -> None:
        return None

    def test(self, subject_type: Any, subject: Any, value: Any, context: Any) -> bool:
        return subject < 0


class ReadThermometer(StepType):
    """A step that exists only while a test runs."""

    key = "test.thermometer"
    label = "Read the thermometer"
    outputs = (Output("reading", Temperature(), "Reading"),)


def definition(**extra: Any) -> str:
    return json.dumps({"schema_version": 1, "name": "x",
                       "trigger": {"type": "model.updated", "model": "demo.order"},
                       "steps": [], **extra})


def options(response: Any) -> dict[str, str]:
    """The operator select's options, value -> label."""
    text = response.content.decode()
    return {value: html.unescape(label) for value, label in
            re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', text)}


def value_of(response: Any) -> dict[str, Any]:
    text = response.content.decode()
    found = re.search(r'<script type="application/json">(.*?)</script>', text, re.S)
    assert found, text
    return json.loads(found.group(1))


def test_a_number_offers_greater_than_in_words_with_a_number_box(admin_client: Client) -> None:
    response = admin_client.post(OPERATORS, {
        "definition": definition(), "ref": "record.total_amount", "op": "", "pick": "1",
        "path": "conditions"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    offered = options(response)
    assert offered["gt"] == "is greater than"
    assert offered["changed_to"]  # a record field of model.updated has its value from before
    value = value_of(response)
    assert value["op"] == "eq"  # the reference's first operator, chosen for a new row
    assert 'type="number"' in value["spec"]["input"]["html"]
    assert value["asked"]["ref"] == "record.total_amount"


def test_the_operator_chosen_gets_its_own_value_input(admin_client: Client) -> None:
    response = admin_client.post(OPERATORS, {
        "definition": definition(), "ref": "record.status", "op": "one_of"})
    assert options(response)["one_of"] == "is one of"
    value = value_of(response)
    assert value["op"] == "one_of"
    assert value["spec"]["item"]  # a list of the choices
    assert "Submitted" in json.dumps(value["spec"])  # the field's choices, by their labels


def test_changes_are_offered_only_where_the_trigger_keeps_the_value_before(
        admin_client: Client) -> None:
    response = admin_client.post(OPERATORS, {
        "definition": definition(), "ref": "event.id", "op": ""})
    offered = options(response)
    assert "gt" in offered
    assert "changed" not in offered


def test_an_operator_the_reference_does_not_offer_stays_as_stored(admin_client: Client) -> None:
    response = admin_client.post(OPERATORS, {
        "definition": definition(), "ref": "record.number", "op": "gt"})
    assert options(response)["gt"] == "gt (not offered)"
    assert value_of(response)["offered"] is False


def test_a_projects_own_type_gets_its_operators_and_input_with_no_javascript(
        admin_client: Client) -> None:
    Temperature.register_operator(Freezing)
    try:
        with step_registry.temporarily(ReadThermometer):
            steps = [{"key": "read", "type": "test.thermometer", "params": {}},
                     {"key": "mail", "type": "email.send", "params": {}}]
            response = admin_client.post(OPERATORS, {
                "definition": definition(steps=steps), "ref": "steps.read.reading",
                "op": "", "at": "1", "pick": "1"})
    finally:
        Temperature.unregister_operator("freezing")
    offered = options(response)
    assert offered["freezing"] == "is below freezing"
    assert offered["gt"] == "is greater than"  # and those of the type it extends


def test_the_endpoint_needs_the_permission_to_see_or_edit_workflows(
        django_user_model: Any) -> None:
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("bo", "bo@example.com", "pw", is_staff=True)
    client = Client()
    client.force_login(user)
    query = {"definition": definition(), "ref": "record.total_amount"}
    assert client.get(OPERATORS, query).status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="view_workflow"))
    client.force_login(django_user_model.objects.get(pk=user.pk))
    assert "is greater than" in client.get(OPERATORS, query).content.decode()
    assert client.post(OPERATORS, query).status_code == 403  # editing needs more


def test_a_broken_definition_is_a_clear_400(admin_client: Client) -> None:
    response = admin_client.post(OPERATORS, {"definition": "{nope", "ref": "record.id"})
    assert response.status_code == 400


ROW = reverse("admin:workflows_app_workflow_builder_condition_row")


def test_a_new_row_lists_what_its_place_may_test_by_label_and_type(
        admin_client: Client) -> None:
    steps = [{"key": "mail", "type": "email.send", "params": {}},
             {"key": "later", "type": "email.send", "params": {}}]
    response = admin_client.post(ROW, {"definition": definition(steps=steps), "ref": "",
                                        "op": "", "path": "conditions"})
    assert response.status_code == 200
    text = response.content.decode()
    assert 'aria-label="Value to test"' in text
    refs = options(response)
    assert refs["record.total_amount"] == "Total amount (Number)"
    assert not any(path.startswith("steps.") for path in refs)  # the workflow's conditions
    # The second step's "run only if" may test the first step's outputs.
    at_step = options(admin_client.post(ROW, {"definition": definition(steps=steps),
                                               "ref": "", "at": "1", "path": "x"}))
    assert any(path.startswith("steps.mail.") for path in at_step)


def test_a_row_shows_its_reference_and_operator_as_stored(admin_client: Client) -> None:
    response = admin_client.post(ROW, {"definition": definition(),
                                        "ref": "record.total_amount", "op": "gte",
                                        "path": "conditions"})
    text = response.content.decode()
    assert re.search(r'<option value="record.total_amount"[^>]*selected', text)
    assert re.search(r'<option value="gte"[^>]*selected[^>]*>is at least<', text)
    gone = admin_client.post(ROW, {"definition": definition(), "ref": "record.nothing",
                                    "op": "eq", "path": "conditions"}).content.decode()
    assert "Not available here" in gone  # kept, as stored, not dropped


def test_the_row_endpoint_needs_the_permission_to_see_workflows(
        django_user_model: Any) -> None:
    user = django_user_model.objects.create_user("bo", "bo@example.com", "pw", is_staff=True)
    client = Client()
    client.force_login(user)
    assert client.get(ROW, {"definition": definition()}).status_code == 403
