"""Channel steps against local HTTP servers standing in for the providers: each checks
the provider's real request format (path, authentication, form or JSON fields,
idempotency), the step's outputs from the provider's answer, and that a provider's
refusal, an unreachable provider or a bad phone number is a step error with the
provider's words, retried by the step's retry policy. Connections are real rows,
their secrets encrypted; every request goes through `workflows_app.net`."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.workflows_app.support import (
    create_workflow,
    customer,
    order,
    runs_of,
    steps_of,
    wait_until,
)
from workflows_app.channels import outbox
from workflows_app.channels import twilio as twilio_sending
from workflows_app.execution.queue import drain
from workflows_app.models import Connection, RunStatus, StepStatus

# Steps run in the executor's worker threads, which read the connection through their own
# database connections: the rows must be committed.
pytestmark = pytest.mark.django_db(transaction=True)

AUTH_TOKEN = "tw-token-5e1d0c9b8a"
ROUTING_KEY = "R0UT1NGKEY0000000000000000000001"
SID = "AC0123456789abcdef0123456789abcdef"


@pytest.fixture
def local_providers(settings: Any) -> None:
    """The stand-in providers run on 127.0.0.1, which net.py refuses unless allowed."""
    settings.WORKFLOWS = {**settings.WORKFLOWS, "HTTP_ALLOWED_PRIVATE_HOSTS": ["127.0.0.1"]}


@pytest.fixture(params=["sdk", "own request"])
def sender(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Twilio messages go out through Twilio's SDK (installed with the test tools) and,
    as where the `twilio` extra is not installed, through the request built by the
    app: both must speak Twilio's format and give the same outputs and errors."""
    if request.param == "own request":
        monkeypatch.setattr(twilio_sending, "sdk_installed", lambda: False)
    else:
        assert twilio_sending.sdk_installed(), "the dev tools include the twilio extra"
    return request.param


def make_connection(name: str, kind: str, settings: dict[str, Any],
                    secrets: dict[str, Any]) -> Connection:
    conn = Connection(name=name, kind=kind, settings=settings)
    for key, value in secrets.items():
        conn.set_secret(key, value)
    conn.save()
    return conn


def twilio(server: HTTPServer, kind: str = "twilio_sms", name: str = "Shop SMS") -> Connection:
    return make_connection(name, kind, {"account_sid": SID, "from_number": "+15017122661",
                                        "api_url": server.url_for("/").rstrip("/")},
                           {"auth_token": AUTH_TOKEN})


def run_one(step: dict[str, Any], *, phone: str = "+44 20 7183 8750") -> tuple[Any, Any]:
    workflow = create_workflow("Channel", [step])
    order("42.00", number="C-1", customer_obj=customer(name="Grace", email="g@example.org")
          if not phone else _customer_with_phone(phone))
    drain(wait_for_delays=True, max_seconds=20)
    [run] = runs_of(workflow)
    return run, steps_of(run)[step["key"]]


def _customer_with_phone(phone: str) -> Any:
    person = customer(name="Grace", email="g@example.org")
    person.phone = phone
    person.save()
    return person


def twilio_answer(request: Request) -> Response:
    form = parse_qs(request.get_data(as_text=True))
    return Response(json.dumps({"sid": "SM87105da94bff44b999e4e6eb90d8eb6",
                                "status": "queued", "to": form["To"][0],
                                "body": form["Body"][0]}),
                    status=201, content_type="application/json")


# -- sms.send / whatsapp.send -------------------------------------------------------


def test_sms_uses_twilios_messages_api(httpserver: HTTPServer, local_providers: None,
                                      sender: str) -> None:
    twilio(httpserver)
    httpserver.expect_request(f"/2010-04-01/Accounts/{SID}/Messages.json",
                              method="POST").respond_with_handler(twilio_answer)
    run, step = run_one({"key": "text", "type": "sms.send", "params": {
        "connection": "Shop SMS", "to": {"ref": "record.customer.phone"},
        "body": "Order {{ record.number }} is paid"}})
    assert run.status == RunStatus.SUCCEEDED, step.error
    [(request, _)] = httpserver.log
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(
        f"{SID}:{AUTH_TOKEN}".encode()).decode()
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.headers["I-Twilio-Idempotency-Token"] == f"{run.pk}:text"
    assert request.headers["User-Agent"].startswith(
        "twilio-python/" if sender == "sdk" else "django-workflows/")
    assert parse_qs(request.get_data(as_text=True)) == {
        "To": ["+442071838750"], "From": ["+15017122661"], "Body": ["Order C-1 is paid"]}
    assert step.outputs == {"message_id": "SM87105da94bff44b999e4e6eb90d8eb6",
                            "status": "queued", "to": "+442071838750"}
    assert step.inputs["connection"] == "Shop SMS"
    assert AUTH_TOKEN not in json.dumps(step.inputs)


def test_whatsapp_uses_whatsapp_addresses(httpserver: HTTPServer,
                                          local_providers: None, sender: str) -> None:
    twilio(httpserver, kind="twilio_whatsapp", name="Shop WhatsApp")
    httpserver.expect_request(f"/2010-04-01/Accounts/{SID}/Messages.json",
                              method="POST").respond_with_handler(twilio_answer)
    run, step = run_one({"key": "wa", "type": "whatsapp.send", "params": {
        "connection": "Shop WhatsApp", "to": "+1 415 523 8886", "body": "Hi"}})
    assert run.status == RunStatus.SUCCEEDED, step.error
    [(request, _)] = httpserver.log
    form = parse_qs(request.get_data(as_text=True))
    assert form["To"] == ["whatsapp:+14155238886"]
    assert form["From"] == ["whatsapp:+15017122661"]
    assert step.outputs["to"] == "whatsapp:+14155238886"


RETRY = {"max_attempts": 3, "backoff_seconds": 0}


def test_twilios_refusal_is_the_step_error_and_is_not_retried(
        httpserver: HTTPServer, local_providers: None, sender: str) -> None:
    # Twilio refused this request (4xx): another attempt would be refused the same way.
    twilio(httpserver)
    httpserver.expect_request(f"/2010-04-01/Accounts/{SID}/Messages.json").respond_with_json(
        {"code": 21610, "message": "Attempt to send to unsubscribed recipient",
         "more_info": "https://www.twilio.com/docs/errors/21610", "status": 400},
        status=400)
    run, step = run_one({"key": "text", "type": "sms.send", "retry": RETRY,
                         "params": {"connection": "Shop SMS", "to": "+442071838750",
                                    "body": "x"}})
    assert run.status == RunStatus.FAILED
    assert step.status == StepStatus.FAILED and step.attempt == 1
    assert step.error == ("Twilio answered HTTP 400: Attempt to send to unsubscribed "
                          "recipient (Twilio error 21610)")
    assert "not retried" in step.attempts_log[-1]["note"]
    assert len(httpserver.log) == 1


@pytest.mark.parametrize("status", [429, 500, 503])
def test_a_busy_or_failing_provider_is_retried_per_the_policy(
        httpserver: HTTPServer, local_providers: None, status: int, sender: str) -> None:
    twilio(httpserver)
    httpserver.expect_request(f"/2010-04-01/Accounts/{SID}/Messages.json").respond_with_json(
        {"code": 20429 if status == 429 else 20500, "message": "Try again later",
         "status": status}, status=status)
    run, step = run_one({"key": "text", "type": "sms.send", "retry": RETRY,
                         "params": {"connection": "Shop SMS", "to": "+442071838750",
                                    "body": "x"}})
    assert run.status == RunStatus.FAILED
    assert step.attempt == 3 and len(httpserver.log) == 3
    assert step.error.startswith(f"Twilio answered HTTP {status}: Try again later")


def test_a_provider_that_fails_once_succeeds_on_the_retry(
        httpserver: HTTPServer, local_providers: None, sender: str) -> None:
    twilio(httpserver)
    url = f"/2010-04-01/Accounts/{SID}/Messages.json"
    httpserver.expect_ordered_request(url).respond_with_data("Bad gateway", status=502)
    httpserver.expect_ordered_request(url).respond_with_handler(twilio_answer)
    run, step = run_one({"key": "text", "type": "sms.send", "retry": RETRY,
                         "params": {"connection": "Shop SMS", "to": "+442071838750",
                                    "body": "x"}})
    assert run.status == RunStatus.SUCCEEDED, step.error
    assert step.attempt == 2
    assert step.outputs["message_id"] == "SM87105da94bff44b999e4e6eb90d8eb6"
    # The same idempotency token on both attempts: Twilio sends the message once.
    tokens = {request.headers["I-Twilio-Idempotency-Token"] for request, _ in httpserver.log}
    assert tokens == {f"{run.pk}:text"}


def run_after_a_change(httpserver: HTTPServer, change: Callable[[], Any]) -> tuple[Any, Any]:
    """A run that waits a second before its SMS step; `change` happens meanwhile (the
    workflow was valid when the run started)."""
    twilio(httpserver)
    workflow = create_workflow("Channel", [
        {"key": "pause", "type": "delay", "params": {"duration": "1 second"}},
        {"key": "text", "type": "sms.send", "retry": RETRY, "params": {
            "connection": "Shop SMS", "to": "+442071838750", "body": "x"}}])
    order("42.00", number="C-1")
    drain(max_seconds=20)
    [run] = runs_of(workflow)
    assert run.status == RunStatus.WAITING
    change()
    drain(wait_for_delays=True, max_seconds=20)
    run.refresh_from_db()
    return run, steps_of(run)["text"]


def test_a_deleted_connection_fails_the_step_at_once_naming_it(httpserver: HTTPServer,
                                                               local_providers: None) -> None:
    run, step = run_after_a_change(
        httpserver, lambda: Connection.objects.filter(name="Shop SMS").delete())
    assert run.status == RunStatus.FAILED
    assert step.attempt == 1
    assert step.error == ('there is no connection named "Shop SMS" any more (deleted or '
                          "renamed?): add it again under Workflows \u203a Connections "
                          "(SMS (Twilio)) or choose another one in this step")
    assert run.error.startswith('step "text" failed: there is no connection named "Shop SMS"')
    assert "not retried" in step.attempts_log[-1]["note"]
    assert httpserver.log == []


def test_a_connection_of_another_kind_fails_the_step_at_once(httpserver: HTTPServer,
                                                             local_providers: None) -> None:
    run, step = run_after_a_change(
        httpserver,
        lambda: Connection.objects.filter(name="Shop SMS").update(kind="twilio_whatsapp"))
    assert run.status == RunStatus.FAILED and step.attempt == 1
    assert step.error == ('the connection "Shop SMS" is WhatsApp (Twilio); SMS (Twilio) '
                          "is needed")
    assert httpserver.log == []


def test_a_phone_field_that_is_no_number_fails_the_step_before_sending(
        httpserver: HTTPServer, local_providers: None, sender: str) -> None:
    twilio(httpserver)
    run, step = run_one({"key": "text", "type": "sms.send", "params": {
        "connection": "Shop SMS", "to": {"ref": "record.customer.phone"}, "body": "x"}},
        phone="12345")
    assert run.status == RunStatus.FAILED
    assert "is not a phone number in international form" in step.error
    assert httpserver.log == []


def test_a_literal_bad_number_is_refused_when_saved(httpserver: HTTPServer) -> None:
    from engine import InvalidDefinition

    twilio(httpserver)
    with pytest.raises(InvalidDefinition) as error:
        create_workflow("Bad number", [{"key": "text", "type": "sms.send", "params": {
            "connection": "Shop SMS", "to": "+44 20 7183", "body": "x"}}])
    assert "steps[0].params.to" in str(error.value)
    assert "not a valid phone number" in str(error.value)


def test_an_unreachable_provider_is_a_step_error_retried_per_the_policy(
        httpserver: HTTPServer, local_providers: None, sender: str) -> None:
    make_connection("Shop SMS", "twilio_sms", {"account_sid": SID, "from_number": "+15017122661",
                                               "api_url": "http://127.0.0.1:9"},
                    {"auth_token": AUTH_TOKEN})
    run, step = run_one({"key": "text", "type": "sms.send", "retry": RETRY, "params": {
        "connection": "Shop SMS", "to": "+442071838750", "body": "x"}})
    assert run.status == RunStatus.FAILED
    assert step.error.startswith("could not reach http://127.0.0.1:9")
    assert step.attempt == 3


def test_a_slow_provider_times_out_as_a_step_error(httpserver: HTTPServer,
                                                   local_providers: None, settings: Any) -> None:
    settings.WORKFLOWS = {**settings.WORKFLOWS, "STEP_TIMEOUT_SECONDS": 1}
    twilio(httpserver)

    def slow(request: Request) -> Response:
        time.sleep(3)
        return twilio_answer(request)

    httpserver.expect_request(f"/2010-04-01/Accounts/{SID}/Messages.json"
                              ).respond_with_handler(slow)
    run, step = run_one({"key": "text", "type": "sms.send",
                         "retry": {"max_attempts": 2, "backoff_seconds": 0}, "params": {
                             "connection": "Shop SMS", "to": "+442071838750", "body": "x"}})
    assert run.status == RunStatus.FAILED
    assert "timed out" in step.error or "time budget" in step.error
    assert step.attempt == 2  # a timeout may pass: retried
    wait_until(lambda: len(httpserver.log) == 2, message="the slow answers")  # not later


def test_the_provider_must_be_an_allowed_address(httpserver: HTTPServer) -> None:
    twilio(httpserver)
    run, step = run_one({"key": "text", "type": "sms.send", "retry": RETRY, "params": {
        "connection": "Shop SMS", "to": "+442071838750", "body": "x"}})
    assert run.status == RunStatus.FAILED
    assert step.error.startswith("refused to call http://localhost:")
    assert step.attempt == 1  # the address stays refused
    assert httpserver.log == []


# -- chat.post ---------------------------------------------------------------------


def test_slack_gets_an_incoming_webhook_message(httpserver: HTTPServer,
                                                local_providers: None) -> None:
    hook = "/services/T000/B000/XXXXSECRETXXXX"
    make_connection("Sales Slack", "slack", {"default_channel": "#general"},
                    {"webhook_url": httpserver.url_for(hook)})
    httpserver.expect_request(hook, method="POST").respond_with_data("ok")
    run, step = run_one({"key": "chat", "type": "chat.post", "params": {
        "connection": "Sales Slack", "channel": "#sales",
        "text": "Big order {{ record.number }}"}})
    assert run.status == RunStatus.SUCCEEDED, step.error
    [(request, _)] = httpserver.log
    assert request.headers["Content-Type"] == "application/json"
    assert request.get_json() == {"text": "Big order C-1", "channel": "#sales"}
    assert step.outputs == {"status_code": 200, "response": "ok"}
    assert "XXXXSECRETXXXX" not in json.dumps(step.inputs)


def test_slacks_refusal_is_the_step_error(httpserver: HTTPServer,
                                          local_providers: None) -> None:
    hook = "/services/T000/B000/XXXXSECRETXXXX"
    make_connection("Sales Slack", "slack", {}, {"webhook_url": httpserver.url_for(hook)})
    httpserver.expect_request(hook).respond_with_data("no_service", status=404)
    run, step = run_one({"key": "chat", "type": "chat.post", "retry": RETRY, "params": {
        "connection": "Sales Slack", "text": "x"}})
    assert run.status == RunStatus.FAILED
    assert step.error == "Slack answered HTTP 404: no_service"
    assert step.attempt == 1
    assert "XXXXSECRETXXXX" not in step.error


def test_teams_gets_an_adaptive_card(httpserver: HTTPServer, local_providers: None) -> None:
    make_connection("Ops Teams", "teams", {},
                    {"webhook_url": httpserver.url_for("/workflows/abc/triggers/manual")})
    httpserver.expect_request("/workflows/abc/triggers/manual").respond_with_data("", 202)
    run, step = run_one({"key": "chat", "type": "chat.post", "params": {
        "connection": "Ops Teams", "text": "Order {{ record.number }}"}})
    assert run.status == RunStatus.SUCCEEDED, step.error
    [(request, _)] = httpserver.log
    body = request.get_json()
    assert body["type"] == "message"
    [attachment] = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert attachment["content"]["type"] == "AdaptiveCard"
    assert attachment["content"]["body"] == [
        {"type": "TextBlock", "text": "Order C-1", "wrap": True}]
    assert step.outputs["status_code"] == 202


# -- pagerduty.trigger -----------------------------------------------------------------


def pagerduty(server: HTTPServer) -> Connection:
    return make_connection("On-call", "pagerduty",
                           {"source": "shop", "events_url": server.url_for("/v2/enqueue")},
                           {"routing_key": ROUTING_KEY})


def test_pagerduty_gets_an_events_v2_trigger_with_a_dedup_key_from_the_run(
        httpserver: HTTPServer, local_providers: None) -> None:
    pagerduty(httpserver)
    httpserver.expect_request("/v2/enqueue", method="POST").respond_with_handler(
        lambda request: Response(json.dumps({
            "status": "success", "message": "Event processed",
            "dedup_key": request.get_json()["dedup_key"]}), 202,
            content_type="application/json"))
    run, step = run_one({"key": "page", "type": "pagerduty.trigger", "params": {
        "connection": "On-call", "summary": "Order {{ record.number }} is stuck",
        "severity": "critical"}})
    assert run.status == RunStatus.SUCCEEDED, step.error
    [(request, _)] = httpserver.log
    assert request.get_json() == {
        "routing_key": ROUTING_KEY, "event_action": "trigger",
        "dedup_key": f"workflows-{run.pk}:page",
        "payload": {"summary": "Order C-1 is stuck", "source": "shop",
                    "severity": "critical"}}
    assert step.outputs == {"dedup_key": f"workflows-{run.pk}:page", "status": "success",
                            "message": "Event processed"}
    assert ROUTING_KEY not in json.dumps(step.inputs)


def test_pagerdutys_invalid_event_answer_is_the_step_error(httpserver: HTTPServer,
                                                           local_providers: None) -> None:
    pagerduty(httpserver)
    httpserver.expect_request("/v2/enqueue").respond_with_json(
        {"status": "invalid event", "message": "Event object is invalid",
         "errors": ["Length of 'routing_key' is incorrect (should be 32 characters)"]},
        status=400)
    run, step = run_one({"key": "page", "type": "pagerduty.trigger", "retry": RETRY,
                         "params": {"connection": "On-call", "summary": "x"}})
    assert run.status == RunStatus.FAILED
    assert step.error == ("PagerDuty answered HTTP 400: Event object is invalid: Length of "
                          "'routing_key' is incorrect (should be 32 characters)")
    assert step.attempt == 1


def test_pagerdutys_rate_limit_is_retried(httpserver: HTTPServer,
                                          local_providers: None) -> None:
    pagerduty(httpserver)
    httpserver.expect_request("/v2/enqueue").respond_with_json(
        {"status": "throttle event", "message": "Requests for this service are arriving "
                                                "too quickly"}, status=429)
    run, step = run_one({"key": "page", "type": "pagerduty.trigger", "retry": RETRY,
                         "params": {"connection": "On-call", "summary": "x"}})
    assert run.status == RunStatus.FAILED
    assert step.attempt == 3 and len(httpserver.log) == 3
    assert "PagerDuty answered HTTP 429: Requests for this service" in step.error


# -- delivery backends ------------------------------------------------------------------


def test_the_locmem_backend_keeps_messages_instead_of_sending(
        httpserver: HTTPServer, settings: Any, sender: str) -> None:
    settings.WORKFLOWS = {**settings.WORKFLOWS, "CHANNEL_BACKEND":
                          "workflows_app.channels.backends.locmem.LocmemBackend"}
    outbox.messages.clear()
    twilio(httpserver)
    run, step = run_one({"key": "text", "type": "sms.send", "params": {
        "connection": "Shop SMS", "to": "+442071838750", "body": "Paid, thanks"}})
    assert run.status == RunStatus.SUCCEEDED, step.error
    [message] = outbox.messages
    assert message.summary == {"to": "+442071838750", "from": "+15017122661",
                               "body": "Paid, thanks"}
    assert httpserver.log == []
    outbox.messages.clear()


def test_the_console_backend_prints_the_message(httpserver: HTTPServer, settings: Any,
                                                capsys: Any) -> None:
    settings.WORKFLOWS = {**settings.WORKFLOWS, "CHANNEL_BACKEND":
                          "workflows_app.channels.backends.console.ConsoleBackend"}
    make_connection("Sales Slack", "slack", {}, {"webhook_url": "https://hooks.slack.com/x"})
    run, step = run_one({"key": "chat", "type": "chat.post", "params": {
        "connection": "Sales Slack", "channel": "#sales", "text": "Big order {{ record.number }}"}})
    assert run.status == RunStatus.SUCCEEDED, step.error
    printed = capsys.readouterr().out
    assert "chat (Slack (incoming webhook)) via \u201cSales Slack\u201d" in printed
    assert "channel: #sales" in printed and "text: Big order C-1" in printed
    assert "hooks.slack.com" not in printed
