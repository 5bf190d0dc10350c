"""`http.request` against a real HTTP receiver: private targets refused unless allowed,
a stable Idempotency-Key, Standard Webhooks signatures, secrets kept out of the run
history, outputs."""

from __future__ import annotations

import json

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from werkzeug import Response

from tests.workflows_app.support import create_workflow, http_step, order, runs_of, steps_of
from workflows_app.execution.queue import drain
from workflows_app.models import RunStatus, StepStatus

pytestmark = pytest.mark.django_db

SIGNING_SECRET = "whsec_KWpT7kXA/QWlcIqXLrisx/57V3UUqygX"
TOKEN = "Bearer sk-live-4f9a8b7c6d5e"


def run_one(step: dict) -> tuple:
    """Run a one-step workflow for a new order; return (run, its step row)."""
    workflow = create_workflow("HTTP", [step])
    order("42.00", number="H-1")
    drain(wait_for_delays=True, max_seconds=20)
    [run] = runs_of(workflow)
    return run, steps_of(run)[step["key"]]


@pytest.mark.parametrize(("host", "address"), [
    ("127.0.0.1", "127.0.0.1"),
    ("localhost", "127.0.0.1"),  # checked after DNS resolution
    ("169.254.169.254", "169.254.169.254"),  # the cloud metadata service
    ("10.1.2.3", "10.1.2.3"),
])
def test_private_targets_are_refused_without_a_request(receiver, host, address):
    url = receiver.url("/private").replace("127.0.0.1", host)
    if host in {"169.254.169.254", "10.1.2.3"}:
        url = f"http://{host}/latest/meta-data/"
    run, step = run_one(http_step("call", url))
    assert run.status == RunStatus.FAILED
    assert step.status == StepStatus.FAILED and step.attempt == 1
    assert step.error.startswith(f"refused to call {url}: ")
    assert f'"{host}" resolves to {address}' in step.error
    assert 'add it to WORKFLOWS["HTTP_ALLOWED_PRIVATE_HOSTS"]' in step.error
    assert step.duration_ms is not None and step.duration_ms < 1000  # no connection tried
    assert receiver.count() == 0


@pytest.mark.parametrize("allowed", [["127.0.0.1"], ["localhost"], ["127.0.0.0/8"]])
def test_the_setting_allows_listed_hosts_addresses_and_ranges(receiver, settings, allowed):
    settings.WORKFLOWS = {**settings.WORKFLOWS, "HTTP_ALLOWED_PRIVATE_HOSTS": allowed}
    url = receiver.url("/allowed")
    if allowed == ["localhost"]:
        url = url.replace("127.0.0.1", "localhost")
    run, step = run_one(http_step("call", url))
    assert run.status == RunStatus.SUCCEEDED, step.error
    assert receiver.count("/allowed") == 1


def test_allowing_one_private_host_does_not_allow_others(receiver, settings):
    settings.WORKFLOWS = {**settings.WORKFLOWS, "HTTP_ALLOWED_PRIVATE_HOSTS": ["127.0.0.1"]}
    run, step = run_one(http_step("call", "http://169.254.169.254/latest/meta-data/"))
    assert run.status == RunStatus.FAILED
    assert step.error.startswith("refused to call http://169.254.169.254/latest/meta-data/")


def test_outputs_are_the_status_parsed_body_and_headers(receiver, allow_local_http):
    receiver.respond("/orders", status=201, body={"id": 991, "state": "created"})
    run, step = run_one(http_step("call", receiver.url("/orders"), params={
        "method": "PUT", "headers": {"X-Source": "workflows"},
        "body": {"number": "{{ record.number }}", "total": "{{ record.total_amount }}",
                 "nested": {"list": [1, "{{ record.currency }}"]}}}))
    assert run.status == RunStatus.SUCCEEDED
    assert step.outputs["status_code"] == 201
    assert step.outputs["body"] == {"id": 991, "state": "created"}
    assert step.outputs["headers"]["content-type"] == "application/json"
    [call] = receiver.received("/orders")
    assert call.method == "PUT"
    assert call.headers["content-type"] == "application/json"
    assert call.headers["x-source"] == "workflows"
    assert call.json == {"number": "H-1", "total": "42.00", "nested": {"list": [1, "USD"]}}


def test_the_idempotency_key_is_run_and_step_and_stable_across_retries(receiver,
                                                                       allow_local_http):
    calls = []

    def flaky(request):
        calls.append(request.headers.get("Idempotency-Key"))
        if len(calls) < 3:
            return Response('{"error": "try again"}', status=503,
                            content_type="application/json")
        return Response('{"ok": true}', status=200, content_type="application/json")

    receiver.respond("/flaky", handler=flaky)
    run, step = run_one(http_step("charge", receiver.url("/flaky"),
                                  retry={"max_attempts": 5, "backoff_seconds": 0.05}))
    assert run.status == RunStatus.SUCCEEDED
    assert step.attempt == 3
    assert calls == [f"{run.pk}:charge"] * 3
    assert [entry["status"] for entry in step.attempts_log] == ["failed", "failed", "succeeded"]


def test_standard_webhooks_signature_verifies_on_the_receiver(receiver, allow_local_http):
    run, _step = run_one(http_step("hook", receiver.url("/hook"), params={
        "signing_secret": SIGNING_SECRET,
        "body": {"type": "order.created", "order": "{{ record.number }}"}}))
    assert run.status == RunStatus.SUCCEEDED
    [call] = receiver.received("/hook")
    assert call.headers["webhook-id"] == f"{run.pk}:hook"
    payload = Webhook(SIGNING_SECRET).verify(call.body, call.headers)
    assert payload == {"type": "order.created", "order": "H-1"}
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 32).verify(call.body, call.headers)
    tampered = call.body.replace(b"H-1", b"H-2")
    with pytest.raises(WebhookVerificationError):
        Webhook(SIGNING_SECRET).verify(tampered, call.headers)


def test_secrets_are_redacted_in_the_run_history(receiver, allow_local_http):
    receiver.respond("/secret", handler=lambda request: Response(
        # A careless server echoing the credentials into its error.
        json.dumps({"error": f"token {request.headers['Authorization']} is revoked"}),
        status=401, content_type="application/json"))
    run, step = run_one(http_step("call", receiver.url("/secret"), params={
        "headers": {"Authorization": TOKEN, "X-Api-Key": "key-123456", "X-Trace": "t-1"},
        "signing_secret": SIGNING_SECRET}))
    # The request itself carried the real values.
    [call] = receiver.received("/secret")
    assert call.headers["authorization"] == TOKEN
    assert call.headers["x-api-key"] == "key-123456"
    assert "webhook-signature" in call.headers

    assert run.status == RunStatus.FAILED
    assert step.inputs["signing_secret"] == "[redacted]"
    assert step.inputs["headers"] == {"Authorization": "[redacted]", "X-Api-Key": "[redacted]",
                                      "X-Trace": "t-1"}
    assert step.inputs["url"] == receiver.url("/secret")
    assert "HTTP 401" in step.error and "[redacted]" in step.error
    history = json.dumps([step.inputs, step.outputs, step.error, step.attempts_log,
                          run.error])
    for secret in (TOKEN, "sk-live-4f9a8b7c6d5e", SIGNING_SECRET, "key-123456"):
        assert secret not in history
