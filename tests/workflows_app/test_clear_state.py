"""Issue 11, item 3 — clear state: saving and activating in one go, save messages that
say whether the workflow is live, "latest" and "live" in the versions table, deleting
and archiving workflows, and runs that succeeded with errors."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.workflows_app.support import create_workflow, definition, order, runs_of
from tests.workflows_app.test_admin_builder import client_for, make_user
from workflows_app.execution.queue import drain
from workflows_app.models import Event, Run, RunStatus, StepRun, Workflow, WorkflowVersion
from workflows_app.services import save_definition

pytestmark = pytest.mark.django_db

ADD = reverse("admin:workflows_app_workflow_add")
CHANGELIST = reverse("admin:workflows_app_workflow_changelist")
RUNS = reverse("admin:workflows_app_run_changelist")
MAIL = {"key": "mail", "type": "email.send",
        "params": {"to": ["ops@example.com"], "subject": "Order {{ record.number }}",
                   "body": "New order"}}


def url(name: str, *args: Any) -> str:
    return reverse(f"admin:workflows_app_workflow_{name}", args=args)


def messages_of(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def root() -> Client:
    return client_for(make_user("root", superuser=True))


def draft(name: str = "New order mail", **kwargs: Any) -> dict[str, Any]:
    return definition(name, [copy.deepcopy(MAIL)], **kwargs)


# -- saving: one action to go live, and every message says whether it is -----------


def test_a_new_workflow_is_saved_and_activated_in_one_action(root: Client) -> None:
    response = root.post(ADD, {"definition": json.dumps(draft()), "_activate": "1"},
                         follow=True)
    workflow = Workflow.objects.get(name="New order mail")
    assert workflow.is_active and workflow.live_version.number == 1
    assert messages_of(response) == [
        "The workflow “New order mail” was saved as version 1. It is live: new events "
        "start runs of version 1."]
    order()  # a new order now starts a run
    drain()
    assert [run.status for run in runs_of(workflow)] == [RunStatus.SUCCEEDED]


def test_a_plain_save_says_the_workflow_is_not_active(root: Client) -> None:
    response = root.post(ADD, {"definition": json.dumps(draft()), "_continue": "1"},
                         follow=True)
    workflow = Workflow.objects.get(name="New order mail")
    assert not workflow.is_active
    assert messages_of(response) == [
        "The workflow “New order mail” was saved as version 1. It is not active: it does "
        "not run until you activate it."]
    page = response.content.decode()
    assert 'id="wb-save-activate"' in page  # offered while it is inactive
    # Saving an unchanged definition with "Save and activate" still activates it.
    response = root.post(url("change", workflow.pk),
                         {"definition": json.dumps(draft()), "_activate": "1"}, follow=True)
    assert Workflow.objects.get(pk=workflow.pk).is_active
    assert messages_of(response) == [
        "The definition did not change; “New order mail” stays at version 1. It is live: "
        "new events start runs of version 1."]
    assert 'id="wb-save-activate"' not in response.content.decode()


def test_saving_an_active_workflow_says_it_is_live(root: Client) -> None:
    workflow = create_workflow("New order mail", [MAIL])
    changed = draft()
    changed["steps"][0]["params"]["body"] = "A new order"
    response = root.post(url("change", workflow.pk),
                         {"definition": json.dumps(changed), "_continue": "1"}, follow=True)
    assert messages_of(response) == [
        "The workflow “New order mail” was saved as version 2. It is live: new events "
        "start runs of version 2."]


def version_badges(page: str) -> dict[str, list[str]]:
    rows = re.findall(r'<tr class="wb-version-row" data-version="(\d+)">(.*?)</tr>', page,
                      re.S)
    return {number: re.findall(r'class="wb-badge [^"]*"[^>]*>([^<]+)<', row)
            for number, row in rows}


def test_the_versions_table_tells_latest_from_live(root: Client) -> None:
    workflow = save_definition(draft()).workflow
    changed = draft()
    changed["steps"][0]["params"]["body"] = "A new order"
    save_definition(changed, workflow=workflow)
    page = root.get(url("change", workflow.pk)).content.decode()
    assert version_badges(page) == {"2": ["latest", "not live: inactive"], "1": []}
    assert "Latest version: <strong>2</strong> (not live: the workflow is not active)" in page

    root.post(url("activate", workflow.pk))
    page = root.get(url("change", workflow.pk)).content.decode()
    assert version_badges(page) == {"2": ["latest", "live"], "1": []}
    assert "Live version: <strong>2</strong>" in page


# -- deleting and archiving ---------------------------------------------------------------


def workflow_with_runs() -> Workflow:
    workflow = create_workflow("New order mail", [MAIL])
    order(number="A-1")
    order(number="A-2")
    drain()
    assert len(runs_of(workflow)) == 2
    return workflow


def test_a_superuser_can_delete_a_workflow_with_its_runs(root: Client) -> None:
    workflow = workflow_with_runs()
    other = create_workflow("Other", [MAIL], trigger={"type": "model.updated",
                                                      "model": "demo.order"})
    page = root.get(url("delete", workflow.pk))
    assert page.status_code == 200
    text = page.content.decode()
    assert "perms_lacking" not in page.context or not page.context["perms_lacking"]
    assert "1 version of its definition" in text
    assert "2 runs, with their steps, inputs, outputs and errors" in text
    assert "archive it instead" in text
    response = root.post(url("delete", workflow.pk), {"post": "yes"}, follow=True)
    assert response.status_code == 200
    assert not Workflow.objects.filter(pk=workflow.pk).exists()
    assert not WorkflowVersion.objects.filter(workflow_id=workflow.pk).exists()
    assert not Run.objects.filter(workflow_id=workflow.pk).exists()
    assert Workflow.objects.filter(pk=other.pk).exists()
    assert Event.objects.filter(record_model="demo.order").count() == 2  # the orders' events


def test_deleting_needs_only_the_permission_to_delete_workflows() -> None:
    workflow = workflow_with_runs()
    deleter = client_for(make_user("deleter", "view_workflow", "delete_workflow"))
    assert deleter.get(url("delete", workflow.pk)).context["perms_lacking"] == set()
    deleter.post(url("delete", workflow.pk), {"post": "yes"})
    assert not Workflow.objects.filter(pk=workflow.pk).exists()

    kept = create_workflow("Kept", [MAIL])
    editor = client_for(make_user("editor", "view_workflow", "change_workflow"))
    assert editor.post(url("delete", kept.pk), {"post": "yes"}).status_code == 403
    assert Workflow.objects.filter(pk=kept.pk).exists()


def test_an_archived_workflow_stops_keeps_its_runs_and_leaves_the_list(root: Client) -> None:
    workflow = workflow_with_runs()
    response = root.post(url("archive", workflow.pk), follow=True)
    workflow.refresh_from_db()
    assert workflow.is_archived and not workflow.is_active
    assert "was archived" in messages_of(response)[0]
    assert len(runs_of(workflow)) == 2

    order(number="A-3")  # no longer starts it
    drain()
    assert len(runs_of(workflow)) == 2

    listed = root.get(CHANGELIST).context["cl"].result_list
    assert workflow not in listed
    assert workflow in root.get(CHANGELIST + "?archived=yes").context["cl"].result_list
    assert workflow in root.get(CHANGELIST + "?archived=all").context["cl"].result_list

    response = root.post(url("unarchive", workflow.pk), follow=True)
    workflow.refresh_from_db()
    assert not workflow.is_archived and not workflow.is_active
    assert workflow in root.get(CHANGELIST).context["cl"].result_list


def test_archiving_needs_the_change_permission() -> None:
    workflow = create_workflow("New order mail", [MAIL])
    viewer = client_for(make_user("viewer", "view_workflow"))
    assert viewer.post(url("archive", workflow.pk)).status_code == 403
    assert viewer.get(url("archive", workflow.pk)).status_code in (403, 405)
    workflow.refresh_from_db()
    assert not workflow.is_archived


# -- succeeded with errors ---------------------------------------------------------------


BROKEN_CALL = {"key": "notify_erp", "type": "http.request", "on_error": "continue",
               "params": {"method": "POST", "url": "http://127.0.0.1:9/never"}}


@pytest.fixture
def two_runs() -> tuple[Run, Run]:
    """One run whose `continue` step failed, one that went through cleanly."""
    with_errors = create_workflow("Tell the ERP", [BROKEN_CALL, MAIL])
    clean = create_workflow("Mail only", [MAIL])
    order()
    drain()
    (broken,) = runs_of(with_errors)
    (fine,) = runs_of(clean)
    assert broken.status == fine.status == RunStatus.SUCCEEDED
    assert StepRun.objects.get(run=broken, key="notify_erp").status == "failed"
    return broken, fine


def test_runs_that_succeeded_with_errors_are_marked_and_filterable(
        root: Client, two_runs: tuple[Run, Run]) -> None:
    broken, fine = two_runs
    page = root.get(RUNS)
    text = page.content.decode()
    row = re.search(rf'data-run-id="{broken.pk}".*?</tr>', text, re.S)
    assert row and "with errors" in row.group(0)
    row = re.search(rf'data-run-id="{fine.pk}".*?</tr>', text, re.S)
    assert row and "with errors" not in row.group(0)
    assert list(root.get(RUNS + "?errors=with").context["cl"].result_list) == [broken]
    assert list(root.get(RUNS + "?errors=without").context["cl"].result_list) == [fine]
    assert "with errors" in root.get(
        reverse("admin:workflows_app_run_change", args=[broken.pk])).content.decode()


def test_the_api_marks_and_filters_runs_that_succeeded_with_errors(
        root: Client, two_runs: tuple[Run, Run]) -> None:
    broken, fine = two_runs
    listed = root.get("/workflows/api/runs/").json()["results"]
    marks = {item["id"]: item["succeeded_with_errors"] for item in listed}
    assert marks == {broken.pk: True, fine.pk: False}
    only = root.get("/workflows/api/runs/?succeeded_with_errors=true").json()["results"]
    assert [item["id"] for item in only] == [broken.pk]
    none = root.get("/workflows/api/runs/?succeeded_with_errors=false").json()["results"]
    assert [item["id"] for item in none] == [fine.pk]
    assert root.get(f"/workflows/api/runs/{broken.pk}/").json()["succeeded_with_errors"]
    assert root.get("/workflows/api/runs/?succeeded_with_errors=maybe").status_code == 400
