"""docs/writing-a-trigger.md, walked through: an app outside `workflows_app`
(`tests.extension_app`) adds the "Someone logs in" trigger in one module, and it
shows in the builder and the API metadata, validates, and runs — with no edit to
`workflows_app`."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth import login
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from tests.workflows_app.extension_support import TRIGGER, extension_app  # noqa: F401
from workflows_app.execution.queue import drain
from workflows_app.models import Event, Run, RunStatus, Workflow, WorkflowEvaluation

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
API = "/workflows/api/"
WELCOME_STAFF = {
    "schema_version": 1, "name": "Staff login notice",
    "trigger": {"type": "auth.logged_in", "staff_only": True},
    "conditions": {"ref": "user.email", "op": "ends_with", "value": "@shop.example"},
    "steps": [{"key": "notify", "type": "email.send", "params": {
        "to": ["security@shop.example"],
        "subject": "{{ user.username }} logged in",
        "body": "From {{ ip_address }} at {{ event.occurred_at }}"}}],
}


@pytest.fixture
def superuser() -> User:
    return User.objects.create_superuser("root", "root@shop.example", None)


def api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_nothing_in_workflows_app_names_the_trigger() -> None:
    mentions = [path for path in (ROOT / "workflows_app").rglob("*")
                if path.is_file() and path.suffix in {".py", ".html", ".js"}
                and TRIGGER in path.read_text(encoding="utf-8")]
    assert mentions == []


@pytest.mark.usefixtures("extension_app")
def test_it_shows_in_the_api_metadata_and_the_builder(superuser) -> None:
    body = api(superuser).get(API + "metadata/").json()
    trigger = next(item for item in body["triggers"] if item["key"] == TRIGGER)
    assert (trigger["label"], trigger["group"]) == ("Someone logs in", "People")
    [staff_only] = trigger["config"]
    assert (staff_only["name"], staff_only["type"], staff_only["default"]) == (
        "staff_only", "Bool", False)
    assert staff_only["input"]["widget"] == "checkbox"

    scope = api(superuser).get(API + "metadata/scope/", {"trigger": TRIGGER}).json()
    paths = {item["path"]: item for item in scope["paths"]}
    assert {"user.email", "ip_address", "staff", "event.occurred_at"} <= set(paths)
    assert paths["user.email"]["label"] == "Who logged in \u203a Email address"

    client = Client()
    client.force_login(superuser)
    page = client.get("/admin/workflows_app/workflow/add/").content.decode()
    assert f'value="{TRIGGER}"' in page and "Someone logs in" in page


@pytest.mark.usefixtures("extension_app")
def test_it_validates_with_errors_at_their_place(superuser) -> None:
    bad = {**WELCOME_STAFF, "trigger": {"type": TRIGGER, "staff_only": "sometimes"},
           "conditions": {"ref": "user.nickname", "op": "is_set"}}
    answer = api(superuser).post(API + "workflows/validate/", bad, format="json").json()
    assert answer["valid"] is False
    errors = {item["path"]: item["message"] for item in answer["errors"]}
    assert errors == {"trigger.staff_only": '"sometimes" is not a valid Bool: expected true '
                                            "or false"}
    bad["trigger"] = {"type": TRIGGER}
    answer = api(superuser).post(API + "workflows/validate/", bad, format="json").json()
    assert answer["errors"] == [{"path": "conditions", "message": (
        '"user.nickname" is not in scope: user (User) has no "nickname"')}]
    ok = api(superuser).post(API + "workflows/validate/", WELCOME_STAFF, format="json").json()
    assert ok == {"valid": True, "errors": []}


@pytest.mark.usefixtures("extension_app")
def test_it_runs(superuser) -> None:
    created = api(superuser).post(API + "workflows/", WELCOME_STAFF, format="json")
    assert created.status_code == 201, created.json()
    workflow = Workflow.objects.get(pk=created.json()["id"])
    api(superuser).post(API + f"workflows/{workflow.pk}/activate/")
    clerk = User.objects.create_user("clerk", "clerk@shop.example")
    manager = User.objects.create_user("manager", "manager@shop.example", is_staff=True)
    for person in (clerk, manager):  # what any login view does
        request = RequestFactory().post("/login/", REMOTE_ADDR="203.0.113.9")
        request.session = SessionStore()
        login(request, person, backend="django.contrib.auth.backends.ModelBackend")

    logins = list(Event.objects.filter(trigger_type=TRIGGER).order_by("pk"))
    assert [event.summary for event in logins] == ["clerk logged in", "manager logged in"]
    drain()
    [run] = Run.objects.filter(workflow=workflow)
    assert run.status == RunStatus.SUCCEEDED and run.event == logins[1]
    [message] = mail.outbox
    assert message.subject == "manager logged in"
    assert message.body.startswith("From 203.0.113.9 at ")
    # The clerk's login is not for this staff-only workflow: dispatch and "why
    # didn't it run?" agree that it was not even a candidate.
    assert not WorkflowEvaluation.objects.filter(event=logins[0]).exists()
    assert WorkflowEvaluation.objects.get(event=logins[1]).outcome == "started"
