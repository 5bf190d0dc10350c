"""A connection's secret appears nowhere but in the request to the provider: not in the
workflow's admin pages, version pages and diff, history, run detail inputs, the API or
`workflows_export` — for a view-only user, a view-only API token, and even for people
who may change workflows (definitions hold the connection's name only). One test per
place."""

from __future__ import annotations

import base64
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from pytest_httpserver import HTTPServer
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.workflows_app.support import customer, order
from workflows_app.models import Connection, Run, Workflow
from workflows_app.services import save_definition

pytestmark = pytest.mark.django_db(transaction=True)

TOKEN = "tw-secret-token-9d8c7b6a5f"
SID = "AC11112222333344445555666677778888"
VIEW = ["view_workflow", "view_workflowversion", "view_run", "view_event",
        "view_workflowevaluation", "view_connection"]


def user(name: str, codenames: list[str]) -> Any:
    person = get_user_model().objects.create_user(name, f"{name}@example.com", "pw",
                                                  is_staff=True)
    person.user_permissions.set(Permission.objects.filter(
        content_type__app_label="workflows_app", codename__in=codenames))
    return person


@pytest.fixture
def setup(httpserver: HTTPServer, settings: Any) -> dict[str, Any]:
    settings.WORKFLOWS = {**settings.WORKFLOWS, "HTTP_ALLOWED_PRIVATE_HOSTS": ["127.0.0.1"]}
    conn = Connection(name="Shop SMS", kind="twilio_sms", settings={
        "account_sid": SID, "from_number": "+15017122661",
        "api_url": httpserver.url_for("/").rstrip("/")})
    conn.set_secret("auth_token", TOKEN)
    conn.save()
    httpserver.expect_request(f"/2010-04-01/Accounts/{SID}/Messages.json").respond_with_json(
        {"sid": "SM1", "status": "queued"}, status=201)
    definition = {"schema_version": 1, "name": "Text the customer",
                  "trigger": {"type": "model.created", "model": "demo.order"},
                  "steps": [{"key": "text", "type": "sms.send", "params": {
                      "connection": "Shop SMS", "to": "+442071838750",
                      "body": "Order {{ record.number }}"}}]}
    save_definition(definition, activate=True)
    workflow = Workflow.objects.get()
    save_definition({**definition, "description": "v2"}, workflow=workflow)
    person = customer()
    order("12.00", number="SEC-9", customer_obj=person)
    call_command("workflows_drain", verbosity=0, stdout=StringIO())
    run = Run.objects.get(workflow=workflow)
    [(request, _)] = httpserver.log  # the provider did get the secret
    assert base64.b64decode(request.headers["Authorization"][6:]).decode() == f"{SID}:{TOKEN}"
    viewer, editor = Client(), Client()
    viewer.force_login(user("viewer", VIEW))
    editor.force_login(user("editor", [*VIEW, "change_workflow", "add_workflow",
                                       "change_connection"]))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user('api', VIEW))}")
    return {"workflow": workflow, "run": run, "viewer": viewer, "editor": editor, "api": api,
            "connection": conn}


def export(s: dict[str, Any]) -> str:
    out = StringIO()
    call_command("workflows_export", "Text the customer", stdout=out)
    return out.getvalue()


PLACES: dict[str, Callable[[dict[str, Any]], Any]] = {
    "builder page (viewer)": lambda s: s["viewer"].get(
        reverse("admin:workflows_app_workflow_change", args=[s["workflow"].pk])),
    "builder page (editor)": lambda s: s["editor"].get(
        reverse("admin:workflows_app_workflow_change", args=[s["workflow"].pk])),
    "version compare": lambda s: s["viewer"].get(
        reverse("admin:workflows_app_workflow_compare", args=[s["workflow"].pk]),
        {"a": 1, "b": 2}),
    "workflow history": lambda s: s["viewer"].get(
        reverse("admin:workflows_app_workflow_history", args=[s["workflow"].pk])),
    "download JSON (editor)": lambda s: s["editor"].post(
        reverse("admin:workflows_app_workflow_changelist"),
        {"action": "download_json", "_selected_action": [s["workflow"].pk]}),
    "run detail": lambda s: s["viewer"].get(
        reverse("admin:workflows_app_run_change", args=[s["run"].pk])),
    "connection page (editor)": lambda s: s["editor"].get(
        reverse("admin:workflows_app_connection_change", args=[s["connection"].pk])),
    "API workflow": lambda s: s["api"].get(f"/workflows/api/workflows/{s['workflow'].pk}/"),
    "API version": lambda s: s["api"].get(
        f"/workflows/api/workflows/{s['workflow'].pk}/versions/1/"),
    "API run": lambda s: s["api"].get(f"/workflows/api/runs/{s['run'].pk}/"),
    "workflows_export": export,
}


@pytest.mark.parametrize("place", PLACES)
def test_no_secret_is_shown(setup: dict[str, Any], place: str) -> None:
    response = PLACES[place](setup)
    text = response if isinstance(response, str) else response.content.decode()
    if not isinstance(response, str):
        assert response.status_code == 200, text[:500]
    assert TOKEN not in text
    # The place does show the workflow: its step's connection, or (diff, history) the change.
    shown = "v2" if place in {"version compare", "workflow history"} else "Shop SMS"
    assert shown in text
