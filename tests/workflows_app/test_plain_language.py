"""Plain language in the admin: places and problems named by labels, not paths
and type codes; steps headed by their labels in run history."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from engine import DefinitionError
from tests.workflows_app.support import create_workflow, order
from workflows_app.execution.queue import drain
from workflows_app.models import Run
from workflows_app.plain import for_people, place, plain_message, step_title

DEFINITION: dict[str, Any] = {
    "schema_version": 1, "name": "Orders",
    "trigger": {"type": "model.created", "model": "demo.order"},
    "conditions": {"all": [
        {"ref": "record.total_amount", "op": "gte", "value": 10000},
        {"ref": "record.currency", "op": "eq", "value": "USD"}]},
    "steps": [
        {"key": "confirm", "type": "record.update", "label": "Mark the order confirmed",
         "params": {"record": {"ref": "record"}, "fields": {"status": "confirmed"}}},
        {"key": "email_send", "type": "email.send",
         "when": {"ref": "record.customer.email", "op": "is_set"},
         "params": {"to": ["ops@example.com", "x"], "subject": "", "body": "Hi"}},
    ],
}


@pytest.mark.parametrize(("path", "words"), [
    ("steps[1].params.subject", "Step 2, Send an e-mail \u203a Subject"),
    ("steps[1].params.to[1]", "Step 2, Send an e-mail \u203a To \u203a item 2"),
    ("steps[0].params.fields", "Mark the order confirmed \u203a Fields"),
    ("steps[1].when.ref", "Step 2, Send an e-mail \u203a Only run this step if \u203a "
                          "Value to test"),
    ("steps[0].key", "Mark the order confirmed \u203a Key"),
    ("conditions.all[1].value", "Only if \u203a condition 2 \u203a Compare with"),
    ("trigger.model", "When this happens \u203a Model"),
    ("name", "Name"),
    ("", "The workflow"),
])
def test_places_read_as_the_builder_labels_them(path: str, words: str) -> None:
    assert place(DEFINITION, path) == words


def test_a_group_of_one_is_its_condition() -> None:
    definition = {"conditions": {"any": [{"all": [{"ref": "a", "op": "eq", "value": 1}]}]}}
    assert place(definition, "conditions.any[0].all[0].value") == "Only if \u203a Compare with"


def test_messages_lose_type_codes_and_say_what_is_missing() -> None:
    assert plain_message('missing required param "subject" (Text)') == "This is required."
    assert plain_message("model.created needs model (model)") == "This is required."
    assert plain_message('"x" is not an e-mail address (Email[])') == (
        '"x" is not an e-mail address')
    error = DefinitionError("steps[1].params.subject", 'missing required param "subject" (Text)')
    shown = for_people(DEFINITION, error)
    assert shown["path"] == "steps[1].params.subject"  # still placed by its path
    assert shown["message"] == 'missing required param "subject" (Text)'
    assert (shown["place"], shown["plain"]) == (
        "Step 2, Send an e-mail \u203a Subject", "This is required.")


def test_step_titles() -> None:
    assert step_title({"type": "email.send"}, 1) == "Step 2, Send an e-mail"
    assert step_title({"type": "email.send", "label": " Mail ops "}, 0) == "Mail ops"
    assert step_title({"type": "no.such"}, 0) == "Step 1, no.such"


@pytest.mark.django_db
def test_the_builder_lists_errors_in_words(admin_client: Client) -> None:
    import json

    definition = json.loads(json.dumps(DEFINITION))
    definition["steps"][1]["params"]["subject"] = ""
    del definition["steps"][1]["params"]["subject"]
    response = admin_client.post(reverse("admin:workflows_app_workflow_add"),
                                 {"definition": json.dumps(definition), "_continue": "1"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "Step 2, Send an e-mail \u203a Subject</strong>: This is required." in content
    assert "(Text)" not in content.split('id="wb-error-summary"')[1].split("</ul>")[0]


@pytest.mark.django_db
def test_run_history_heads_steps_with_their_labels(admin_client: Client) -> None:
    steps = [{"key": "tag", "type": "record.update", "label": "Mark it seen",
              "params": {"record": {"ref": "record"}, "fields": {"status": "confirmed"}}},
             {"key": "tag_again", "type": "record.update",
              "params": {"record": {"ref": "record"}, "fields": {"status": "confirmed"}}}]
    workflow = create_workflow("Label in history", steps)
    order()
    drain()
    run = Run.objects.get(workflow=workflow)
    content = admin_client.get(reverse("admin:workflows_app_run_change",
                                       args=[run.pk])).content.decode()
    assert '<strong class="wf-step-title">Mark it seen</strong>' in content
    assert '<strong class="wf-step-title">Step 2, Update a record</strong>' in content
