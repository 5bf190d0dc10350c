"""Hostile webhook input: bodies PostgreSQL cannot store, numbers JSON does not have,
nesting Python cannot parse, tokens that are not tokens. Each is a 4xx with a reason,
logged as a delivery row (with the workflow when the address names one), never a 500,
and nothing is recorded or run. Run on SQLite and on PostgreSQL (where NUL and lone
surrogates used to reach `jsonb` and fail with a 500)."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.workflows_app.test_webhooks import hook_definition, post, url
from workflows_app.models import Event, Run, WebhookDelivery
from workflows_app.services import save_definition

pytestmark = pytest.mark.django_db


@pytest.fixture
def workflow():
    return save_definition(hook_definition(require_signature=False), activate=True).workflow


HOSTILE_BODIES = {
    # case: (body as sent, words the reason must contain)
    "NUL in a value": ('{"customer": {"name": "Ac\\u0000me"}}', "NUL"),
    "NUL in a key": ('{"cust\\u0000omer": 1}', "NUL"),
    "NUL at the top of a list": ('["\\u0000"]', "NUL"),
    "lone high surrogate": ('{"name": "\\ud800"}', "surrogate"),
    "lone low surrogate in a key": ('{"\\udc00": 1}', "surrogate"),
    "NaN": ('{"amount": NaN}', "NaN"),
    "Infinity": ('{"amount": Infinity}', "Infinity"),
    "-Infinity": ('{"amount": -Infinity}', "Infinity"),
    "1e999": ('{"amount": 1e999}', "finite"),
    "-1e999 in a list": ('[1, -1e999]', "finite"),
    "objects nested 1,200 levels": ('{"a":' * 1200 + "1" + "}" * 1200, "nests deeper"),
    "lists nested 100,000 levels": ("[" * 100_000 + "]" * 100_000, "nests deeper"),
    "nested past the limit (65)": ('{"a":' * 65 + "1" + "}" * 65, "nests deeper than 64"),
}


@pytest.mark.parametrize("case", list(HOSTILE_BODIES))
def test_hostile_bodies_are_a_logged_400_never_a_500(client, workflow, case) -> None:
    body, reason = HOSTILE_BODIES[case]
    response = post(client, url(workflow), body)
    assert response.status_code == 400, response.content[:300]
    assert reason in response.json()["error"]
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status_code, delivery.workflow, delivery.event) == (400, workflow, None)
    assert reason in delivery.reason
    assert not Event.objects.exists()
    call_command("workflows_drain", verbosity=0, stdout=None)
    assert not Run.objects.exists()


def test_nesting_within_the_limit_is_accepted(client, workflow) -> None:
    body = '{"a":' * 63 + "1" + "}" * 63
    assert post(client, url(workflow), body).status_code == 202


def test_the_depth_limit_is_a_setting(client, workflow, settings) -> None:
    settings.WORKFLOWS = {**settings.WORKFLOWS, "WEBHOOK_MAX_DEPTH": 3}
    assert post(client, url(workflow), '{"a": {"b": {"c": 1}}}').status_code == 202
    response = post(client, url(workflow), '{"a": {"b": {"c": {"d": 1}}}}')
    assert response.status_code == 400
    assert "nests deeper than 3 levels" in response.json()["error"]


def test_a_nul_in_the_webhook_id_is_refused_not_stored(client, workflow) -> None:
    response = post(client, url(workflow), "{}", headers={"webhook-id": "msg\x00 1"})
    assert response.status_code == 400
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status_code, delivery.workflow) == (400, workflow)
    assert "\x00" not in delivery.webhook_id
    assert not Event.objects.exists()


def test_a_nul_in_a_header_value_does_not_break_the_log(client, workflow) -> None:
    response = post(client, url(workflow), '{"ok": 1}', headers={"X-Source": "c\x00rm"})
    assert response.status_code == 202
    delivery = WebhookDelivery.objects.get()
    assert "\x00" not in json.dumps(delivery.headers)
    assert "\x00" not in json.dumps(Event.objects.get().payload)


@pytest.mark.parametrize("token", ["abc%00def", "%00", "a%2500", "a.b", "x" * 65,
                                   "tok%C3%A9n", "%F0%9F%92%A9"])
def test_malformed_tokens_are_not_found_without_asking_the_database(client, workflow,
                                                                  token) -> None:
    with CaptureQueriesContext(connection) as queries:
        response = post(client, f"/workflows/hooks/{token}/", "{}")
    assert response.status_code == 404
    assert response.json() == {"error": "not found"}
    # The one statement is the delivery log's insert: no lookup by a bad token.
    statements = [query["sql"].split()[0].upper() for query in queries.captured_queries]
    assert [word for word in statements if word not in {"SAVEPOINT", "RELEASE"}] == ["INSERT"]
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status_code, delivery.workflow) == (404, None)
