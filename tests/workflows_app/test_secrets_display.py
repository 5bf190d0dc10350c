"""Secrets in definitions, step inputs and webhook data are never shown to people who may
not change workflows: one test per place, each read by a view-only staff user in the
admin and a view-only API token. What is hidden is decided by the params' declarations
(`signing_secret` is secret, `headers` shows only harmless header values), not by a
list of suspicious names: `X-Auth-Key`, `X-Access-Key`, `Private-Key` and `X-Session`
are as hidden as `Authorization`. People who may change the workflow still see the
values they need to edit it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from workflows_app.models import Event, Run, StepRun, Workflow
from workflows_app.services import save_definition

pytestmark = pytest.mark.django_db

SIGNING_SECRET = "whsec_c2VjcmV0LXNpZ25pbmcta2V5LTEyMzQ1Njc4OTA="
OLD_SIGNING_SECRET = "whsec_b2xkLXNpZ25pbmcta2V5LTEyMzQ1Njc4OTAxMg=="
HEADER_SECRETS = {"Authorization": "Bearer sk-live-4f9a8b7c6d5e", "X-Auth-Key": "auth-7421",
                  "X-Access-Key": "access-9981", "Private-Key": "private-5530",
                  "X-Session": "session-6612"}
HARMLESS = {"Accept": "application/json", "X-Request-Id": "req-42"}
SECRETS = [SIGNING_SECRET, OLD_SIGNING_SECRET, *HEADER_SECRETS.values()]
VIEW = ["view_workflow", "view_workflowversion", "view_run", "view_event",
        "view_workflowevaluation"]


def partner_definition(secret: str, url: str) -> dict[str, Any]:
    return {"schema_version": 1, "name": "Notify partner",
            "trigger": {"type": "model.created", "model": "demo.order"},
            "steps": [{"key": "notify", "type": "http.request", "params": {
                "url": url, "method": "POST", "signing_secret": secret,
                "headers": {**HEADER_SECRETS, **HARMLESS},
                "body": {"order": "{{ record.number }}"}}}]}


def make_user(name: str, codenames: list[str]) -> Any:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(name, f"{name}@example.com", "pw",
                                                is_staff=True)
    user.user_permissions.set(Permission.objects.filter(
        content_type__app_label="workflows_app", codename__in=codenames))
    return user


@pytest.fixture
def viewer_user() -> Any:
    return make_user("viewer", VIEW)


@pytest.fixture
def viewer(viewer_user) -> Client:
    client = Client()
    client.force_login(viewer_user)
    return client


@pytest.fixture
def viewer_api(viewer_user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=viewer_user).key}")
    return client


@pytest.fixture
def editor() -> Client:
    client = Client()
    client.force_login(make_user("editor", [*VIEW, "change_workflow", "add_workflow"]))
    return client


@pytest.fixture
def workflow(receiver, allow_local_http) -> Workflow:
    url = receiver.url("/partner")
    save_definition(partner_definition(OLD_SIGNING_SECRET, url), activate=True)
    workflow = Workflow.objects.get()
    save_definition(partner_definition(SIGNING_SECRET, url), workflow=workflow)
    return Workflow.objects.get()


def assert_no_secret(text: str | bytes) -> None:
    if isinstance(text, bytes):
        text = text.decode()
    leaked = [secret for secret in SECRETS if secret in text]
    assert leaked == [], f"shown: {leaked}"
    assert "[redacted]" in text


# -- definitions -------------------------------------------------------------------------


def test_api_workflow_detail(workflow, viewer_api) -> None:
    response = viewer_api.get(f"/workflows/api/workflows/{workflow.pk}/")
    assert response.status_code == 200
    assert_no_secret(response.content)
    params = response.json()["definition"]["steps"][0]["params"]
    assert params["signing_secret"] == "[redacted]"
    assert params["headers"] == {**{name: "[redacted]" for name in HEADER_SECRETS}, **HARMLESS}
    assert params["body"] == {"order": "{{ record.number }}"}


def test_api_version_detail(workflow, viewer_api) -> None:
    for number in (1, 2):
        response = viewer_api.get(f"/workflows/api/workflows/{workflow.pk}/versions/{number}/")
        assert response.status_code == 200
        assert_no_secret(response.content)


def test_builder_page(workflow, viewer, editor) -> None:
    url = reverse("admin:workflows_app_workflow_change", args=[workflow.pk])
    response = viewer.get(url)
    assert response.status_code == 200
    assert_no_secret(response.content)
    # Those who may change the workflow edit the real values.
    assert SIGNING_SECRET in editor.get(url).content.decode()


def test_version_compare_page(workflow, viewer) -> None:
    url = reverse("admin:workflows_app_workflow_compare", args=[workflow.pk])
    response = viewer.get(url, {"a": 1, "b": 2})
    assert response.status_code == 200
    assert_no_secret(response.content)
    # The secret changed between the versions: listed as changed, both values hidden.
    [(change, _where)] = response.context["changes"]
    assert (change.path, change.kind) == ("steps[0].params.signing_secret", "changed")
    assert (change.old, change.new) == ("[redacted]", "[redacted]")


def test_version_page(workflow, viewer) -> None:
    for version in workflow.versions.all():
        response = viewer.get(reverse("admin:workflows_app_workflowversion_change",
                                      args=[version.pk]))
        assert response.status_code == 200
        assert_no_secret(response.content)


def test_download_json(workflow, viewer, editor) -> None:
    changelist = reverse("admin:workflows_app_workflow_changelist")
    form = {"action": "download_json", "_selected_action": [workflow.pk]}
    response = viewer.post(changelist, form)
    assert response.status_code == 200 and response["Content-Type"].startswith(
        "application/json")
    assert_no_secret(response.content)
    # An editor's download still imports elsewhere with its secrets.
    assert SIGNING_SECRET in editor.post(changelist, form).content.decode()


# -- run history ---------------------------------------------------------------------------


@pytest.fixture
def run(workflow, receiver) -> Run:
    from tests.workflows_app.support import order

    order("12.00", number="SEC-1")
    call_command("workflows_drain", verbosity=0, stdout=None)
    run = Run.objects.get(workflow=workflow)
    [call] = receiver.received("/partner")
    assert call.headers["x-session"] == "session-6612"  # the real request had the values
    return run


def test_run_history_step_inputs(run, viewer, viewer_api) -> None:
    step = StepRun.objects.get(run=run)
    assert step.inputs["headers"] == {**{name: "[redacted]" for name in HEADER_SECRETS},
                                      **HARMLESS}
    assert step.inputs["signing_secret"] == "[redacted]"
    page = viewer.get(reverse("admin:workflows_app_run_change", args=[run.pk]))
    assert page.status_code == 200
    assert_no_secret(page.content)
    api = viewer_api.get(f"/workflows/api/runs/{run.pk}/")
    assert api.status_code == 200
    assert_no_secret(api.content)


# -- webhook event data ------------------------------------------------------------------


@pytest.fixture
def webhook_event(client) -> Event:
    hook = save_definition({
        "schema_version": 1, "name": "Inbound",
        "trigger": {"type": "webhook", "require_signature": False},
        "steps": [{"key": "mail", "type": "email.send", "params": {
            "to": ["ops@example.com"], "subject": "Order {{ payload.order }}",
            "body": "{{ payload.order }}"}}]}, activate=True).workflow
    response = client.post(reverse("workflows_app:webhook", args=[hook.webhook_token]),
                           data=json.dumps({"order": "W-1"}), content_type="application/json",
                           headers={**HEADER_SECRETS, "X-Source": "shop-7", **HARMLESS})
    assert response.status_code == 202
    call_command("workflows_drain", verbosity=0, stdout=None)
    event = Event.objects.get(trigger_type="webhook")
    assert event.payload["headers"]["x_source"] == "shop-7"  # the workflow may use it
    return event


def test_webhook_event_data(webhook_event, viewer, viewer_api) -> None:
    page = viewer.get(reverse("admin:workflows_app_event_change", args=[webhook_event.pk]))
    assert page.status_code == 200
    assert_no_secret(page.content)
    assert "shop-7" not in page.content.decode()  # unknown headers are hidden too
    api = viewer_api.get(f"/workflows/api/events/{webhook_event.pk}/")
    assert api.status_code == 200
    assert_no_secret(api.content)
    headers = api.json()["payload"]["headers"]
    assert headers["x_request_id"] == "req-42" and headers["x_source"] == "[redacted]"
    # A header's value cannot be found by searching the runs either.
    assert "shop-7" not in Event.objects.get(pk=webhook_event.pk).search_text
    assert viewer_api.get("/workflows/api/runs/", {"search": "shop-7"}).json()["count"] == 0
    assert viewer_api.get("/workflows/api/runs/", {"search": "W-1"}).json()["count"] == 1
    run = Run.objects.get(event=webhook_event)
    for response in (viewer.get(reverse("admin:workflows_app_run_change", args=[run.pk])),
                     viewer_api.get(f"/workflows/api/runs/{run.pk}/")):
        assert response.status_code == 200
        assert "shop-7" not in response.content.decode()
        assert_no_secret(response.content)


def test_webhook_delivery_log(webhook_event, viewer) -> None:
    from workflows_app.models import WebhookDelivery

    delivery = WebhookDelivery.objects.get()
    logged = json.dumps(delivery.headers)
    assert_no_secret(logged)
    assert delivery.headers["x-request-id"] == "req-42"
