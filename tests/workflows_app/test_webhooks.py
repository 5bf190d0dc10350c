"""Inbound webhooks through real requests: accepted, refused (4xx with a reason, logged,
nothing started), signed in the Standard Webhooks format, rotated."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse
from standardwebhooks.webhooks import Webhook

from workflows_app.models import Event, Run, RunStatus, WebhookDelivery, Workflow
from workflows_app.services import (
    new_webhook_secret,
    rotate_webhook_token,
    save_definition,
    set_webhook_secret,
)
from workflows_app.triggers.webhook.trigger import Webhook as WebhookTrigger
from workflows_app.triggers.webhook.view import webhook_view

pytestmark = pytest.mark.django_db

BODY = {"customer": {"name": "Acme", "tier": "gold"}, "amount": 250, "items": [{"sku": "A1"}]}


def hook_definition(name: str = "Inbound orders", *, require_signature: bool = True) -> dict:
    return {
        "schema_version": 1,
        "name": name,
        "trigger": {"type": "webhook", "require_signature": require_signature},
        "conditions": {"ref": "payload.customer.tier", "op": "eq", "value": "gold"},
        "steps": [{"key": "mail", "type": "email.send", "params": {
            "to": ["ops@example.com"],
            "subject": "Order from {{ payload.customer.name }}",
            "body": "{{ payload.amount }} via {{ headers.x_source }} "
                    "({{ headers.content_type }}) sku {{ payload.items.0.sku }} "
                    "event {{ event.id }}",
        }}],
    }


@pytest.fixture
def workflow() -> Workflow:
    workflow = save_definition(hook_definition(), activate=True).workflow
    set_webhook_secret(workflow)
    return workflow


def url(workflow_or_token: Workflow | str) -> str:
    token = getattr(workflow_or_token, "webhook_token", workflow_or_token)
    return reverse("workflows_app:webhook", args=[token])


def signed(secret: str, body: str, *, msg_id: str = "msg_1",
           timestamp: datetime | None = None) -> dict[str, str]:
    moment = timestamp or datetime.now(tz=UTC)
    return {"webhook-id": msg_id,
            "webhook-timestamp": str(int(moment.timestamp())),
            "webhook-signature": Webhook(secret).sign(msg_id, moment, body)}


def post(client, target: str, body: str | bytes, *, headers: dict[str, str] | None = None,
         content_type: str = "application/json"):
    return client.post(target, data=body, content_type=content_type, headers=headers or {})


def assert_refused(response, status: int, reason: str, workflow: Workflow | None) -> None:
    assert response.status_code == status, response.content
    assert reason in response.json()["error"] or status in (404, 503)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status_code, delivery.workflow, delivery.event) == (status, workflow, None)
    assert reason in delivery.reason
    assert not Event.objects.exists()
    assert not Run.objects.exists()


def test_a_good_signature_starts_a_run_that_sees_payload_and_headers(client, workflow) -> None:
    body = json.dumps(BODY)
    headers = {**signed(workflow.webhook_secret, body), "X-Source": "crm",
               "Authorization": "Bearer top-secret", "Cookie": "session=abc"}
    response = post(client, url(workflow), body, headers=headers)
    assert response.status_code == 202, response.content
    event = Event.objects.get()
    assert response.json() == {"event_id": event.pk}
    assert (event.trigger_type, event.workflow_id) == ("webhook", workflow.pk)
    assert event.dedupe_key == f"webhook:{workflow.pk}:msg_1"
    assert event.payload["payload"] == BODY
    scope_headers = event.payload["headers"]
    assert scope_headers["x_source"] == "crm"
    assert scope_headers["content_type"] == "application/json"
    assert scope_headers["webhook_id"] == "msg_1"
    assert not {"authorization", "cookie", "webhook_signature"} & set(scope_headers)

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status_code, delivery.event, delivery.workflow) == (202, event, workflow)
    assert (delivery.method, delivery.webhook_id, delivery.remote_addr) == ("POST", "msg_1",
                                                                            "127.0.0.1")
    assert delivery.content_length == len(body.encode())
    assert delivery.headers["authorization"] == "[redacted]"
    assert delivery.headers["webhook-signature"] == "[redacted]"
    assert delivery.headers["x-source"] == "[redacted]"  # not on the harmless-header allowlist
    assert delivery.headers["content-type"] == "application/json"
    assert "top-secret" not in json.dumps(delivery.headers)

    call_command("workflows_drain", verbosity=0, stdout=None)
    [run] = Run.objects.all()
    assert (run.workflow, run.status) == (workflow, RunStatus.SUCCEEDED)
    [message] = mail.outbox
    assert message.subject == "Order from Acme"
    assert message.body == f"250 via crm (application/json) sku A1 event {event.pk}"


def test_a_json_array_body_is_accepted(client) -> None:
    workflow = save_definition(hook_definition(require_signature=False), activate=True).workflow
    response = post(client, url(workflow), "[1, 2]")
    assert response.status_code == 202
    assert Event.objects.get().payload["payload"] == [1, 2]


REFUSALS = {
    # case: (status, reason, how to send it)
    "bad signature": (401, "signature does not match",
                      lambda wf, body: {"headers": signed(new_webhook_secret(), body)}),
    "missing signature": (401, "missing signature", lambda wf, body: {}),
    "old timestamp": (401, "too old", lambda wf, body: {"headers": signed(
        wf.webhook_secret, body, timestamp=datetime.now(tz=UTC) - timedelta(minutes=10))}),
    "future timestamp": (401, "too new", lambda wf, body: {"headers": signed(
        wf.webhook_secret, body, timestamp=datetime.now(tz=UTC) + timedelta(minutes=10))}),
    "malformed signature": (401, "malformed webhook-signature", lambda wf, body: {"headers": {
        **signed(wf.webhook_secret, body), "webhook-signature": "nonsense"}}),
    "tampered body": (401, "signature does not match", lambda wf, body: {
        "headers": signed(wf.webhook_secret, body), "body": body.replace("250", "999")}),
    "wrong content type": (415, "is not JSON", lambda wf, body: {
        "headers": signed(wf.webhook_secret, body), "content_type": "text/plain"}),
    "form post": (415, "is not JSON", lambda wf, body: {
        "headers": signed(wf.webhook_secret, "a=1"), "body": "a=1",
        "content_type": "application/x-www-form-urlencoded"}),
    "non-JSON body": (400, "not valid JSON", lambda wf, body: {
        "headers": signed(wf.webhook_secret, "{oops"), "body": "{oops"}),
    "JSON scalar": (400, "must be an object or an array", lambda wf, body: {
        "headers": signed(wf.webhook_secret, "42"), "body": "42"}),
    "not UTF-8": (400, "not UTF-8", lambda wf, body: {"body": b'{"name": "\xff"}'}),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_refused_requests_get_a_reason_are_logged_and_start_nothing(client, workflow,
                                                                    case) -> None:
    status, reason, how = REFUSALS[case]
    request = how(workflow, json.dumps(BODY))
    response = post(client, url(workflow), request.get("body", json.dumps(BODY)),
                    headers=request.get("headers"),
                    content_type=request.get("content_type", "application/json"))
    assert_refused(response, status, reason, workflow)
    call_command("workflows_drain", verbosity=0, stdout=None)
    assert not Run.objects.exists()


def test_oversized_bodies_are_refused(client, workflow, settings) -> None:
    settings.WORKFLOWS = {**settings.WORKFLOWS, "WEBHOOK_MAX_BYTES": 100}
    body = json.dumps({"padding": "x" * 200})
    response = post(client, url(workflow), body, headers=signed(workflow.webhook_secret, body))
    assert_refused(response, 413, "larger than the limit of 100 bytes", workflow)
    assert WebhookDelivery.objects.get().content_length == len(body)


def test_the_read_is_capped_even_when_content_length_is_absent(workflow, settings) -> None:
    """A body without an honest Content-Length (chunked, or an ASGI server) is read
    only up to the limit."""
    settings.WORKFLOWS = {**settings.WORKFLOWS, "WEBHOOK_MAX_BYTES": 100}
    body = json.dumps({"padding": "x" * 10_000}).encode()
    request = RequestFactory().post(url(workflow), data=b"{}", content_type="application/json")
    request.META.pop("CONTENT_LENGTH", None)
    request._stream = io.BytesIO(body)
    response = webhook_view(request, workflow.webhook_token, trigger=WebhookTrigger())
    assert response.status_code == 413
    assert WebhookDelivery.objects.get().reason == "body is larger than the limit of 100 bytes"


def test_the_default_limit_is_256_kib(client) -> None:
    workflow = save_definition(hook_definition(require_signature=False), activate=True).workflow
    fits = json.dumps({"p": "x" * (262_144 - 20)})
    assert len(fits) <= 262_144
    assert post(client, url(workflow), fits).status_code == 202
    too_big = json.dumps({"p": "x" * 262_144})
    assert post(client, url(workflow), too_big).status_code == 413


def test_a_replayed_webhook_id_is_refused(client, workflow) -> None:
    body = json.dumps(BODY)
    headers = signed(workflow.webhook_secret, body, msg_id="msg_replayed")
    assert post(client, url(workflow), body, headers=headers).status_code == 202
    again = post(client, url(workflow), body, headers=headers)
    assert again.status_code == 409
    assert "already received" in again.json()["error"]
    assert Event.objects.count() == 1
    refused = WebhookDelivery.objects.get(status_code=409)
    assert (refused.workflow, refused.event, refused.webhook_id) == (workflow, None,
                                                                     "msg_replayed")
    call_command("workflows_drain", verbosity=0, stdout=None)
    assert Run.objects.count() == 1


def test_the_same_webhook_id_for_another_workflow_is_not_a_replay(client, workflow) -> None:
    other = save_definition(hook_definition("Other hook"), activate=True).workflow
    set_webhook_secret(other)
    body = json.dumps(BODY)
    for target in (workflow, other):
        headers = signed(target.webhook_secret, body, msg_id="shared")
        assert post(client, url(target), body, headers=headers).status_code == 202
    assert Event.objects.count() == 2


def test_unsigned_workflows_accept_unsigned_requests_and_still_refuse_replays(client) -> None:
    workflow = save_definition(hook_definition(require_signature=False), activate=True).workflow
    body = json.dumps(BODY)
    assert post(client, url(workflow), body).status_code == 202
    assert post(client, url(workflow), body).status_code == 202  # no id: two deliveries
    assert post(client, url(workflow), body, headers={"webhook-id": "a"}).status_code == 202
    assert post(client, url(workflow), body, headers={"webhook-id": "a"}).status_code == 409
    assert Event.objects.count() == 3


def test_get_is_not_allowed(client, workflow) -> None:
    response = client.get(url(workflow))
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert_refused(response, 405, "method GET not allowed", workflow)


def test_an_unknown_token_is_not_found_without_details(client, workflow) -> None:
    body = json.dumps(BODY)
    response = post(client, url("no-such-token"), body,
                    headers=signed(workflow.webhook_secret, body))
    assert response.status_code == 404
    assert response.json() == {"error": "not found"}
    assert_refused(response, 404, "no active webhook workflow has this address", None)


@pytest.mark.parametrize("change", ["inactive", "other trigger"])
def test_inactive_or_non_webhook_workflows_are_not_found(client, workflow, change) -> None:
    if change == "inactive":
        Workflow.objects.filter(pk=workflow.pk).update(is_active=False)
    else:
        Workflow.objects.filter(pk=workflow.pk).update(trigger_type="manual")
    body = json.dumps(BODY)
    response = post(client, url(workflow), body, headers=signed(workflow.webhook_secret, body))
    assert response.status_code == 404
    assert_refused(response, 404, "no active webhook workflow", None)


def test_a_required_signature_without_a_secret_is_a_server_problem(client) -> None:
    workflow = save_definition(hook_definition(), activate=True).workflow
    assert workflow.webhook_secret == ""
    body = json.dumps(BODY)
    response = post(client, url(workflow), body, headers=signed(new_webhook_secret(), body))
    assert response.status_code == 503
    assert response.json() == {"error": "signature cannot be checked"}
    assert_refused(response, 503, "no valid signing secret", workflow)


def test_rotating_the_token_invalidates_the_old_address(client, workflow,
                                                       django_user_model) -> None:
    editor = django_user_model.objects.create_user("editor", password="x")
    old_url = url(workflow)
    new_token = rotate_webhook_token(workflow, editor)
    assert new_token != old_url.split("/")[-2] and len(new_token) >= 32
    workflow.refresh_from_db()
    assert (workflow.webhook_token, workflow.updated_by) == (new_token, editor)
    body = json.dumps(BODY)
    headers = signed(workflow.webhook_secret, body, msg_id="after-rotation")
    assert post(client, old_url, body, headers=headers).status_code == 404
    assert post(client, url(new_token), body, headers=headers).status_code == 202
    assert Event.objects.filter(trigger_type="webhook").count() == 1


def test_set_webhook_secret_generates_a_standard_webhooks_secret(workflow) -> None:
    first = workflow.webhook_secret
    second = set_webhook_secret(workflow)
    assert first.startswith("whsec_") and second.startswith("whsec_") and first != second
    Webhook(second)  # a valid secret for the standardwebhooks package
    workflow.refresh_from_db()
    assert workflow.webhook_secret == second
