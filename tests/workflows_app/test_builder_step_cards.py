"""A step's card comes from the server (`builder/step-card/`, asked through htmx): a
Django form built from the step type's metadata, with a row per param (label,
required marker, help, the input of its type) and the options every step has."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from tests.workflows_app.extension_support import STEP, extension_app  # noqa: F401

pytestmark = pytest.mark.django_db

CARD = reverse("admin:workflows_app_workflow_builder_step_card")
EMAIL = {"key": "tell_ops", "type": "email.send", "label": "Tell ops",
         "params": {"subject": "Hi", "old_param": 1}, "on_error": "continue",
         "retry": {"max_attempts": 3}}


def definition(*steps: Any) -> str:
    return json.dumps({"schema_version": 1, "name": "x", "steps": list(steps)})


def rows(text: str) -> dict[str, str]:
    """The card's rows, data-path -> the row's label as shown."""
    found = re.findall(r'<div class="form-row wb-row[^"]*" data-path="([^"]+)">'
                       r'<div class="flex-container wb-row-inner"><label([^>]*)>([^<]*)</label>',
                       text)
    return {path: html.unescape(label) + (" *" if "required" in attrs else "")
            for path, attrs, label in found}


def test_a_card_has_a_row_per_param_with_its_label_marker_help_and_input(
        admin_client: Client) -> None:
    response = admin_client.post(CARD, {"type": "email.send", "at": "steps[0]",
                                        "definition": definition(EMAIL)})
    assert response.status_code == 200
    text = response.content.decode()
    assert rows(text) == {
        "steps[0].label": "Label:", "steps[0].key": "Key: *",
        "steps[0].params.to": "To: *", "steps[0].params.cc": "Cc:",
        "steps[0].params.subject": "Subject: *", "steps[0].params.body": "Body: *",
        "steps[0].params.old_param": "old_param:", "steps[0].on_error": "If it fails:",
        "steps[0].retry": "Retry:"}
    assert "Send an e-mail to one or more addresses." in text  # the type's description
    assert "One or more addresses." in text  # the param's help
    # Each literal's input is its type's form field (an e-mail box checked as typed).
    to = re.search(r'data-param="to" data-item>(<input[^>]*>)', text).group(1)
    assert 'type="email"' in to and 'hx-post="' in to
    assert re.search(r'data-param="subject"><textarea', text)
    # The step's own fields show the draft's values.
    assert 'value="tell_ops"' in text and 'value="Tell ops"' in text
    assert '<option value="continue" selected>' in text
    assert re.search(r'name="max_attempts" value="3" min="1" max="20"', text)  # the engine's
    assert 'data-unknown-param="old_param"' in text  # not declared: offered for removal


def test_a_nested_step_gets_its_card_at_its_place(admin_client: Client) -> None:
    loop = {"key": "each", "type": "for_each",
            "params": {"items": {"ref": "payload.alerts"}, "steps": [EMAIL]}}
    response = admin_client.post(CARD, {"type": "email.send", "at": "steps[0].params.steps[0]",
                                        "definition": definition(loop)})
    assert response.status_code == 200
    text = response.content.decode()
    assert "steps[0].params.steps[0].params.subject" in rows(text)
    assert 'value="tell_ops"' in text
    assert 'data-focus="steps[0].params.steps[0].when|toggle"' in text


def test_a_projects_own_step_type_gets_its_card_with_no_javascript(
        admin_client: Client, extension_app: None) -> None:  # noqa: F811
    response = admin_client.post(CARD, {"type": STEP, "at": "steps[1]", "definition": ""})
    assert response.status_code == 200
    text = response.content.decode()
    assert rows(text)["steps[1].params.name"] == "Name: *"
    assert rows(text)["steps[1].params.style"] == "Style:"
    assert "Who to greet." in text and "Default: casual." in text
    assert re.search(r'data-param="style"><select[^>]*>.*<option value="formal">Formal</option>',
                     text, re.S)
    assert '<span class="wb-step-number">2</span>' in text


def test_viewers_may_look_and_only_editors_may_post(django_user_model: Any) -> None:
    user = django_user_model.objects.create_user("bo", "bo@example.com", "pw", is_staff=True)
    client = Client()
    client.force_login(user)
    query = {"type": "email.send", "at": "steps[0]", "definition": definition(EMAIL)}
    assert client.get(CARD, query).status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="view_workflow"))
    client.force_login(django_user_model.objects.get(pk=user.pk))
    looked = client.get(CARD, query)
    assert looked.status_code == 200
    assert "hx-post" not in looked.content.decode()  # nothing typed is checked for viewers
    assert client.post(CARD, query).status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="change_workflow"))
    client.force_login(django_user_model.objects.get(pk=user.pk))
    assert client.post(CARD, query).status_code == 200


def test_an_unknown_step_type_is_a_clear_error(admin_client: Client) -> None:
    response = admin_client.post(CARD, {"type": "email.sned", "at": "steps[0]"})
    assert response.status_code == 400
    assert response.content.decode() == "There is no step type “email.sned”."


@pytest.mark.parametrize(("asked", "status", "message"), [
    ({"type": "email.send", "at": '"><script>alert(1)</script>'}, 400,
     "is not the place of a step"),
    ({"type": "email.send", "at": "steps[0].params"}, 400, "is not the place of a step"),
    ({"type": "email.send", "at": ""}, 400, "is not the place of a step"),
    ({"type": "<img src=x onerror=alert(1)>", "at": "steps[0]"}, 400, "There is no step type"),
    ({"type": "email.send", "at": "steps[0]", "definition": "{not json"}, 400, ""),
    ({"type": "email.send", "at": "steps[0]", "definition": " " * (2 * 1024 * 1024 + 1)}, 413,
     "too large"),
])
def test_hostile_input_is_refused_with_a_message(admin_client: Client, asked: dict[str, str],
                                                 status: int, message: str) -> None:
    response = admin_client.post(CARD, asked)
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/plain")
    assert message in response.content.decode()


def test_other_methods_are_refused(admin_client: Client) -> None:
    assert admin_client.put(CARD).status_code == 405


def test_the_page_comes_with_the_cards_of_its_steps_nested_ones_too(
        admin_client: Client) -> None:
    from workflows_app.services import import_definition

    email = {**EMAIL, "params": {"to": ["ops@example.com"], "subject": "Hi", "body": "!"}}
    loop = {"key": "each", "type": "for_each",
            "params": {"items": {"ref": "payload.alerts"}, "steps": [email]}}
    workflow = import_definition({
        "schema_version": 1, "name": "Alerts", "description": "",
        "trigger": {"type": "webhook"}, "steps": [loop]}).workflow
    page = admin_client.get(reverse("admin:workflows_app_workflow_change",
                                    args=[workflow.pk])).content.decode()
    keys = [json.loads(html.unescape(key))
            for key in re.findall(r'<template data-step-card="([^"]+)">', page)]
    assert keys == [
        {"type": "for_each", "at": "steps[0]", "unknown": [], "invalid": False},
        {"type": "email.send", "at": "steps[0].params.steps[0]", "unknown": [],
         "invalid": False}]
    assert 'data-path="steps[0].params.steps[0].params.subject"' in page


def test_a_draft_with_too_many_steps_comes_back_with_no_more_cards_than_a_workflow_may_have(
        admin_client: Client) -> None:
    from engine.definition import MAX_STEPS

    steps = [{"key": f"mail_{index}", "type": "email.send", "params": {}}
             for index in range(MAX_STEPS + 50)]
    response = admin_client.post(reverse("admin:workflows_app_workflow_add"), {
        "definition": json.dumps({"schema_version": 1, "name": "Big", "steps": steps})})
    page = response.content.decode()
    assert "Nothing was saved" in page
    assert page.count("<template data-step-card=") == MAX_STEPS
