"""`http.request` takes its credentials from a connection (bearer, basic, Standard
Webhooks signing plus secret headers), and `workflows_move_secrets` moves the inline
secrets of existing definitions onto connections: the workflow keeps sending the same
credentials while its definition no longer holds them."""

from __future__ import annotations

import base64
import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from standardwebhooks.webhooks import Webhook

from tests.workflows_app.support import create_workflow, http_step, order, runs_of, steps_of
from workflows_app.execution.queue import drain
from workflows_app.models import Connection, RunStatus, Workflow

# Steps run in the executor's worker threads: the connection rows must be committed.
pytestmark = pytest.mark.django_db(transaction=True)

SIGNING_SECRET = "whsec_KWpT7kXA/QWlcIqXLrisx/57V3UUqygX"
TOKEN = "sk-live-0c4b9e7d1a"


def connection(name: str, kind: str, settings: dict[str, Any] | None = None,
               **secrets: Any) -> Connection:
    conn = Connection(name=name, kind=kind, settings=settings or {})
    for key, value in secrets.items():
        conn.set_secret(key, value)
    conn.save()
    return conn


def run_new_order(workflow: Workflow, number: str) -> Any:
    order("10.00", number=number)
    drain(wait_for_delays=True, max_seconds=20)
    return runs_of(workflow)[-1]


def test_a_bearer_connection_adds_the_authorization_header(receiver, allow_local_http) -> None:
    connection("Partner API", "http_bearer", token=TOKEN)
    workflow = create_workflow("Call partner", [http_step(
        "call", receiver.url("/partner"), params={"connection": "Partner API"})])
    run = run_new_order(workflow, "H-1")
    assert run.status == RunStatus.SUCCEEDED, steps_of(run)["call"].error
    [call] = receiver.received("/partner")
    assert call.headers["authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in json.dumps(workflow.definition)
    assert TOKEN not in json.dumps(steps_of(run)["call"].inputs)


def test_a_basic_connection_adds_basic_authentication(receiver, allow_local_http) -> None:
    connection("ERP", "http_basic", {"username": "shop"}, password="p4ss-w0rd")
    workflow = create_workflow("Call ERP", [http_step(
        "call", receiver.url("/erp"), params={"connection": "ERP"})])
    run_new_order(workflow, "H-2")
    [call] = receiver.received("/erp")
    assert call.headers["authorization"] == "Basic " + base64.b64encode(
        b"shop:p4ss-w0rd").decode()


def test_moving_inline_secrets_keeps_the_requests_and_empties_the_definition(
        receiver, allow_local_http) -> None:
    legacy = http_step("notify", receiver.url("/hook"), params={
        "signing_secret": SIGNING_SECRET,
        "headers": {"X-Api-Key": TOKEN, "Accept": "application/json",
                    "X-Order": "{{ record.number }}"}})
    workflow = create_workflow("Notify partner", [legacy])
    out = StringIO()
    call_command("workflows_move_secrets", "--dry-run", stdout=out)
    assert "Would move signing_secret, X-Api-Key of \u201cNotify partner\u201d" in out.getvalue()
    assert Connection.objects.count() == 0
    call_command("workflows_move_secrets", stdout=out)
    workflow.refresh_from_db()
    params = workflow.definition["steps"][0]["params"]
    assert params["connection"] == "Notify partner: notify"
    assert "signing_secret" not in params
    assert params["headers"] == {"Accept": "application/json", "X-Order": "{{ record.number }}"}
    assert workflow.live_version.number == 2
    run = run_new_order(workflow, "H-3")
    assert run.status == RunStatus.SUCCEEDED, steps_of(run)["notify"].error
    [call] = receiver.received("/hook")
    assert call.headers["x-api-key"] == TOKEN and call.headers["x-order"] == "H-3"
    Webhook(SIGNING_SECRET).verify(call.body, call.headers)  # still signed
    export = StringIO()
    call_command("workflows_export", "Notify partner", stdout=export)
    assert SIGNING_SECRET not in export.getvalue() and TOKEN not in export.getvalue()
    again = StringIO()
    call_command("workflows_move_secrets", stdout=again)
    assert "nothing to move" in again.getvalue()


def test_a_connection_of_another_kind_is_refused_when_saved() -> None:
    from engine import InvalidDefinition

    connection("Sales Slack", "slack", webhook_url="https://hooks.slack.com/services/x")
    with pytest.raises(InvalidDefinition) as error:
        create_workflow("Wrong", [http_step("call", "https://example.com/x",
                                            params={"connection": "Sales Slack"})])
    assert "steps[0].params.connection" in str(error.value)
    assert "HTTP: bearer token or HTTP: basic authentication" in str(error.value)
