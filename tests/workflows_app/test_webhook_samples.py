"""A webhook's sample payload: the payload's fields typed from it (offered in the
builder's pickers, type-checked at save), samples taken from requests received,
and a run decided on a learned field."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from engine import InvalidDefinition, validate_definition
from tests.workflows_app.test_admin_builder import client_for, make_user
from workflows_app.metadata import scope_metadata
from workflows_app.models import Run
from workflows_app.services import save_definition

pytestmark = pytest.mark.django_db

SAMPLE = {"alert": {"severity": "critical", "count": 3, "service": "checkout",
                    "api_token": "tok_live_123"}}


def alert_definition(*, sample: Any = SAMPLE, condition: Any = None) -> dict[str, Any]:
    trigger: dict[str, Any] = {"type": "webhook"}
    if sample is not None:
        trigger["sample"] = sample
    return {
        "schema_version": 1,
        "name": "Critical alert",
        "trigger": trigger,
        "conditions": condition or {"ref": "payload.alert.severity", "op": "eq",
                                    "value": "critical"},
        "steps": [{"key": "page", "type": "email.send", "params": {
            "to": ["oncall@example.com"], "subject": "{{ payload.alert.service }} is down",
            "body": "{{ payload.alert.count }} alerts"}}],
    }


def errors_of(definition: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(InvalidDefinition) as caught:
        validate_definition(definition)
    return {error.path: error.message for error in caught.value.errors}


def test_references_into_the_payload_are_type_checked_against_the_sample() -> None:
    validate_definition(alert_definition())
    validate_definition(alert_definition(condition={"ref": "payload.alert.count", "op": "gte",
                                                    "value": 2}))
    typo = errors_of(alert_definition(condition={"ref": "payload.alert.severty", "op": "eq",
                                                 "value": "critical"}))
    assert 'payload.alert (JSON object) has no "severty"' in typo["conditions"]
    wrong_type = errors_of(alert_definition(condition={"ref": "payload.alert.count", "op": "eq",
                                                       "value": "many"}))
    assert "number" in wrong_type["conditions.value"].lower()
    in_text = errors_of({**alert_definition(), "steps": [{"key": "page", "type": "email.send",
                         "params": {"to": ["a@example.com"], "subject": "{{ payload.nope }}",
                                    "body": "x"}}]})
    assert "nope" in in_text["steps[0].params.subject"]


def test_without_a_sample_any_path_is_free_form_as_before() -> None:
    validate_definition(alert_definition(sample=None, condition={
        "ref": "payload.anything.goes", "op": "eq", "value": "x"}))


def test_a_sample_must_be_a_json_object() -> None:
    assert "JSON object" in errors_of(alert_definition(sample="critical"))["trigger.sample"]


def test_the_builder_offers_the_learned_fields_typed() -> None:
    paths = {entry["path"]: entry for entry in scope_metadata(alert_definition())["paths"]}
    severity = paths["payload.alert.severity"]
    assert severity["type_label"] == "Text"
    assert severity["label"] == "Payload \u203a Alert \u203a Severity"
    assert "eq" in severity["ops"] and not severity["json"]
    assert paths["payload.alert.count"]["type_label"] == "Number"
    assert not paths["payload"]["json"]  # no free sub-path box: the fields are listed
    free = {entry["path"]: entry
            for entry in scope_metadata(alert_definition(sample=None))["paths"]}
    assert free["payload"]["json"] and "payload.alert" not in free


def deliver(client: Client, token: str, body: dict[str, Any]) -> None:
    response = client.post(reverse("workflows_app:webhook", args=[token]), json.dumps(body),
                           content_type="application/json")
    assert response.status_code == 202, response.content


def test_a_learned_field_decides_the_run() -> None:
    workflow = save_definition(alert_definition(), activate=True).workflow
    deliver(Client(), workflow.webhook_token, {"alert": {"severity": "low", "count": 1,
                                                         "service": "search"}})
    deliver(Client(), workflow.webhook_token, {"alert": {"severity": "CRITICAL", "count": 7,
                                                         "service": "checkout"}})
    call_command("workflows_drain", verbosity=0, stdout=None)
    assert Run.objects.filter(workflow=workflow).count() == 1
    assert [message.subject for message in mail.outbox] == ["checkout is down"]
    assert mail.outbox[0].body == "7 alerts"


def test_requests_received_are_offered_as_samples_with_secrets_blanked() -> None:
    workflow = save_definition(alert_definition(sample=None), activate=True).workflow
    deliver(Client(), workflow.webhook_token, {**SAMPLE, "items": list(range(10))})
    received_url = reverse("admin:workflows_app_workflow_webhook_received", args=[workflow.pk])
    editor = client_for(make_user("editor", "view_workflow", "change_workflow"))
    received = editor.get(received_url).json()["received"]
    assert len(received) == 1
    assert received[0]["sample"] == {"alert": {**SAMPLE["alert"], "api_token": ""},
                                     "items": [0, 1, 2]}
    # The builder is told where to find them.
    page = editor.get(reverse("admin:workflows_app_workflow_change", args=[workflow.pk]))
    assert received_url in page.content.decode()
    viewer = client_for(make_user("viewer", "view_workflow"))
    assert viewer.get(received_url).status_code == 403


ANY_URL = "/admin/workflows_app/workflow/webhook/received/"


def test_a_draft_may_take_a_request_received_by_any_webhook_workflow_it_may_change() -> None:
    alerts = save_definition({**alert_definition(sample=None), "name": "Monitoring alerts"},
                             activate=True).workflow
    deliver(Client(), alerts.webhook_token, SAMPLE)
    assert reverse("admin:workflows_app_workflow_webhook_received_any") == ANY_URL
    editor = client_for(make_user("editor", "view_workflow", "add_workflow",
                                  "change_workflow"))
    received = editor.get(ANY_URL).json()["received"]
    assert [(item["workflow"], item["sample"]) for item in received] == [
        ("Monitoring alerts", {"alert": {**SAMPLE["alert"], "api_token": ""}})]
    # The add page (and a saved workflow with another trigger) is told where to look.
    assert ANY_URL in editor.get(reverse("admin:workflows_app_workflow_add")).content.decode()
    other = save_definition({
        "schema_version": 1, "name": "Nightly",
        "trigger": {"type": "schedule", "cron": "0 9 * * *"},
        "steps": [{"key": "tell", "type": "email.send", "params": {
            "to": ["ops@example.com"], "subject": "Morning", "body": "Hello"}}]}).workflow
    page = editor.get(reverse("admin:workflows_app_workflow_change", args=[other.pk]))
    assert ANY_URL in page.content.decode()


def test_requests_received_are_not_offered_to_people_who_may_not_change_workflows() -> None:
    alerts = save_definition(alert_definition(sample=None), activate=True).workflow
    deliver(Client(), alerts.webhook_token, SAMPLE)
    viewer = client_for(make_user("viewer", "view_workflow"))
    assert viewer.get(ANY_URL).status_code == 403
    adder = client_for(make_user("adder", "view_workflow", "add_workflow"))
    assert adder.get(ANY_URL).status_code == 403
    page = adder.get(reverse("admin:workflows_app_workflow_add"))
    assert page.status_code == 200 and ANY_URL not in page.content.decode()
