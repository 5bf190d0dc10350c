"""docs/writing-a-step.md, walked through: an app outside `workflows_app`
(`tests.extension_app`) adds the "Compose a greeting" step in one module, and it
shows in the builder and the API metadata, validates (its own check included),
and runs, its output used by a later step — with no edit to `workflows_app`."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from rest_framework.test import APIClient

from tests.workflows_app.extension_support import STEP, extension_app  # noqa: F401
from workflows_app.execution.queue import drain
from workflows_app.manual import start_manual_run
from workflows_app.models import Run, RunStatus, StepRun, Workflow

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
API = "/workflows/api/"
GREET_BY_HAND = {
    "schema_version": 1, "name": "Greet a customer",
    "trigger": {"type": "manual", "inputs": [{"name": "who", "type": "String"},
                                             {"name": "email", "type": "Email"}]},
    "steps": [
        {"key": "greet", "type": STEP, "label": "Greeting",
         "params": {"name": {"ref": "inputs.who"}, "style": "formal",
                    "sign_off": "The demo shop"}},
        {"key": "send", "type": "email.send", "params": {
            "to": [{"ref": "inputs.email"}], "subject": "Hello",
            "body": "{{ steps.greet.text }}"}},
    ],
}


@pytest.fixture
def superuser() -> User:
    return User.objects.create_superuser("root", "root@shop.example", None)


def api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def errors_of(user: User, definition: dict) -> dict[str, str]:
    answer = api(user).post(API + "workflows/validate/", definition, format="json").json()
    return {item["path"]: item["message"] for item in answer["errors"]}


def test_nothing_in_workflows_app_names_the_step() -> None:
    mentions = [path for path in (ROOT / "workflows_app").rglob("*")
                if path.is_file() and path.suffix in {".py", ".html", ".js"}
                and STEP in path.read_text(encoding="utf-8")]
    assert mentions == []


@pytest.mark.usefixtures("extension_app")
def test_it_shows_in_the_api_metadata_and_the_builder(superuser) -> None:
    body = api(superuser).get(API + "metadata/").json()
    step = next(item for item in body["steps"] if item["key"] == STEP)
    assert (step["label"], step["group"]) == ("Compose a greeting", "Text")
    params = {param["name"]: param for param in step["params"]}
    assert list(params) == ["name", "style", "sign_off"]
    assert params["style"]["input"]["widget"] == "select"
    assert [option["value"] for option in params["style"]["input"]["options"]] == [
        "formal", "casual"]
    assert params["style"]["default"] == "casual" and not params["style"]["required"]
    assert step["outputs"] == [{"name": "text", "label": "Greeting", "type": "String",
                                "help": ""}]
    # The next step can insert the greeting: the scope lists the output.
    scope = api(superuser).post(API + "metadata/scope/", GREET_BY_HAND, format="json").json()
    greeting = next(item for item in scope["paths"] if item["path"] == "steps.greet.text")
    assert greeting["group"] == "Step 1: Greeting"

    client = Client()
    client.force_login(superuser)
    page = client.get("/admin/workflows_app/workflow/add/").content.decode()
    assert f'data-step-type="{STEP}"' in page and "Compose a greeting" in page


@pytest.mark.usefixtures("extension_app")
def test_it_validates_with_errors_at_their_place(superuser) -> None:
    assert errors_of(superuser, GREET_BY_HAND) == {}
    greet = GREET_BY_HAND["steps"][0]
    wrong = {**GREET_BY_HAND, "steps": [
        {**greet, "params": {"style": "shouty", "sign_off": "x" * 81}},
        {**GREET_BY_HAND["steps"][1], "params": {
            **GREET_BY_HAND["steps"][1]["params"], "body": "{{ steps.greet.txt }}"}}]}
    errors = errors_of(superuser, wrong)
    assert errors["steps[0].params.name"] == 'missing required param "name" (String)'
    assert errors["steps[0].params.style"].startswith('"shouty" is not one of the options')
    assert errors["steps[1].params.body"].startswith("{{ steps.greet.txt }}: ")
    wrong["steps"][0]["params"] = {"name": "Ada", "sign_off": "x" * 81}
    assert errors_of(superuser, wrong)["steps[0].params.sign_off"] == (
        "a sign-off has at most 80 characters")


@pytest.mark.usefixtures("extension_app")
def test_it_runs_and_a_later_step_uses_its_output(superuser) -> None:
    created = api(superuser).post(API + "workflows/", GREET_BY_HAND, format="json")
    assert created.status_code == 201, created.json()
    workflow = Workflow.objects.get(pk=created.json()["id"])
    api(superuser).post(API + f"workflows/{workflow.pk}/activate/")
    workflow.refresh_from_db()
    start_manual_run(workflow, {"who": "Ada", "email": "ada@example.org"}, superuser)
    drain()
    [run] = Run.objects.filter(workflow=workflow)
    assert run.status == RunStatus.SUCCEEDED
    greet = StepRun.objects.get(run=run, key="greet")
    assert greet.outputs == {"text": "Good day, Ada.\nThe demo shop"}
    assert greet.attempts_log[-1]["note"] == "greeted Ada"
    [message] = mail.outbox
    assert (message.to, message.body) == (["ada@example.org"], "Good day, Ada.\nThe demo shop")
