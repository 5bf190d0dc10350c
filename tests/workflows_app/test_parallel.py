"""`parallel`: each branch runs as a branch run of its own (any worker may take
it), its steps checkpointed in the run's history under the branch's path; the
step goes on when all branches have finished, with per-branch `on_error`."""

from __future__ import annotations

import pytest
from django.urls import reverse

from engine import InvalidDefinition
from tests.workflows_app.support import (
    create_workflow,
    definition,
    http_step,
    order,
    runs_of,
    steps_of,
)
from workflows_app.execution.queue import drain
from workflows_app.models import Run, RunStatus, StepStatus
from workflows_app.run_actions import retry_run
from workflows_app.services import check


def fan(receiver, *, on_error: str = "stop", fail_path: str | None = None) -> dict:
    """Two branches: reserve stock (two steps) and tell the customer (one)."""
    return {"key": "fan", "type": "parallel", "params": {"branches": [
        {"label": "Stock", "steps": [
            http_step("reserve", receiver.url("/reserve")),
            http_step("confirm", receiver.url("/confirm"), params={"body": {
                "reserved": "{{ steps.reserve.status_code }}"}}),
        ]},
        {"label": "Customer", "on_error": on_error, "steps": [
            http_step("tell_customer", receiver.url(fail_path or "/tell")),
        ]},
    ]}}


@pytest.mark.django_db
def test_branches_run_as_branch_runs_checkpointed_under_their_paths_and_join(
        receiver, allow_local_http):
    workflow = create_workflow("Fan out", [
        fan(receiver),
        http_step("after", receiver.url("/after"), params={"body": {
            "order": "{{ record.number }}", "confirmed": "{{ steps.confirm.status_code }}",
            "told": "{{ steps.tell_customer.status_code }}",
            "failed": "{{ steps.fan.failed }}"}}),
    ])
    placed = order("20.00")
    drain()

    [run] = runs_of(workflow)
    assert run.status == RunStatus.SUCCEEDED
    rows = steps_of(run)
    assert set(rows) == {"fan", "fan.branches[0].reserve", "fan.branches[0].confirm",
                         "fan.branches[1].tell_customer", "after"}
    assert all(row.status == StepStatus.SUCCEEDED for row in rows.values())
    assert rows["fan"].outputs == {"failed": 0, "failed_branches": ""}
    assert receiver.received("/confirm")[0].json["reserved"] == "200"
    assert receiver.received("/after")[0].json == {"order": placed.number, "confirmed": "200",
                                                   "told": "200", "failed": "0"}
    # Each branch was a run of its own, finished, and hidden from the lists of runs.
    branches = Run.objects.filter(parent=run).order_by("branch")
    assert [(b.branch, b.status) for b in branches] == [
        ("fan.branches[0]", RunStatus.SUCCEEDED), ("fan.branches[1]", RunStatus.SUCCEEDED)]
    assert list(Run.objects.top_level().filter(workflow=workflow)) == [run]
    # The idempotency key of a branch's step is the run's, with the step's path.
    assert receiver.received("/tell")[0].headers["idempotency-key"] == \
        f"{run.pk}:fan.branches[1].tell_customer"


@pytest.mark.django_db
def test_a_failing_branch_fails_the_run_and_a_retry_runs_only_what_failed(
        receiver, allow_local_http):
    receiver.respond("/tell", status=500)
    workflow = create_workflow("Fan out", [fan(receiver), http_step("after",
                                                                    receiver.url("/after"))])
    order("20.00")
    drain()
    [run] = runs_of(workflow)
    assert run.status == RunStatus.FAILED
    assert 'branch "Customer" failed' in run.error
    assert receiver.count("/after") == 0

    receiver.respond("/tell", status=200)
    retry_run(run)
    drain()
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED
    assert receiver.count("/reserve") == 1 and receiver.count("/confirm") == 1  # not again
    assert receiver.count("/tell") == 2 and receiver.count("/after") == 1


@pytest.mark.django_db
def test_a_branch_with_on_error_continue_lets_the_others_finish(receiver, allow_local_http):
    receiver.respond("/tell", status=500)
    workflow = create_workflow("Fan out", [
        fan(receiver, on_error="continue"),
        http_step("after", receiver.url("/after"), params={"body": {
            "failed": "{{ steps.fan.failed_branches }}",
            "told": '{{ steps.tell_customer.status_code | default:"no" }}'}}),
    ])
    order("20.00")
    drain()
    [run] = runs_of(workflow)
    assert run.status == RunStatus.SUCCEEDED
    assert receiver.received("/after")[0].json == {"failed": "Customer", "told": "no"}
    assert steps_of(run)["fan"].outputs == {"failed": 1, "failed_branches": "Customer"}
    assert receiver.count("/confirm") == 1


@pytest.mark.django_db
def test_after_a_branch_that_may_fail_its_outputs_may_be_missing(receiver):
    steps = [fan(receiver, on_error="continue"),
             {"key": "note", "type": "http.request", "params": {
                 "method": "POST",
                 "url": receiver.url("/x") + "?code={{ steps.tell_customer.status_code }}"}}]
    with pytest.raises(InvalidDefinition, match="tell_customer"):
        check(definition("Fan", steps))
    steps[0] = fan(receiver)  # both branches stop the step on failure: always there
    check(definition("Fan", steps))


@pytest.mark.django_db
def test_parallel_inside_a_for_each_runs_per_item(receiver, allow_local_http):
    workflow = create_workflow("Each fan", [
        {"key": "each", "type": "for_each", "params": {
            "items": {"ref": "inputs.alerts"},
            "steps": [{"key": "pair", "type": "parallel", "params": {"branches": [
                {"steps": [http_step("page", receiver.url("/page"), params={"body": {
                    "alert": "{{ item.name }}"}})]},
                {"steps": [http_step("mail", receiver.url("/mail"), params={"body": {
                    "alert": "{{ item.name }}"}})]},
            ]}}]}},
    ], trigger={"type": "manual", "inputs": [{"name": "alerts", "type": "JSON"}]})
    from workflows_app.triggers.manual.start import start_manual_run

    start_manual_run(workflow, {"alerts": [{"name": "disk"}, {"name": "cpu"}]}, None)
    drain()
    [run] = runs_of(workflow)
    assert run.status == RunStatus.SUCCEEDED
    rows = steps_of(run)
    assert {key for key in rows if "branches" in key} == {
        "each[0].pair.branches[0].page", "each[0].pair.branches[1].mail",
        "each[1].pair.branches[0].page", "each[1].pair.branches[1].mail"}
    assert sorted(call.json["alert"] for call in receiver.received("/page")) == ["cpu", "disk"]
    assert sorted(call.json["alert"] for call in receiver.received("/mail")) == ["cpu", "disk"]


@pytest.mark.django_db
def test_run_page_shows_each_branch_with_its_steps_and_the_runs_list_only_the_run(
        admin_client, receiver, allow_local_http):
    receiver.respond("/tell", status=500)
    workflow = create_workflow("Fan out", [fan(receiver, on_error="continue")])
    order("20.00")
    drain()
    [run] = runs_of(workflow)
    page = admin_client.get(reverse("admin:workflows_app_run_change", args=[run.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Stock" in html and "Customer" in html
    assert 'data-step-key="fan.branches[0].confirm" data-step-status="succeeded"' in html
    assert 'data-step-key="fan.branches[1].tell_customer" data-step-status="failed"' in html
    assert 'data-round-state="done"' in html and 'data-round-state="failed"' in html
    listing = admin_client.get(reverse("admin:workflows_app_run_changelist")).content.decode()
    branch_ids = list(Run.objects.filter(parent=run).values_list("pk", flat=True))
    assert f"/run/{run.pk}/change/" in listing
    assert not any(f"/run/{pk}/change/" in listing for pk in branch_ids)


@pytest.mark.django_db
def test_a_branch_runs_page_leads_to_the_run_it_belongs_to(receiver, allow_local_http,
                                                          admin_client):
    workflow = create_workflow("Fan out", [fan(receiver)])
    order("20.00")
    drain()
    [run] = runs_of(workflow)
    branch = Run.objects.filter(parent=run).first()
    response = admin_client.get(reverse("admin:workflows_app_run_change", args=[branch.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:workflows_app_run_change", args=[run.pk])
