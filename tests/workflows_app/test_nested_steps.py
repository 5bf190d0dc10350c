"""`branch` and `for_each` run their nested steps in place: each nested step is
checkpointed under a key with its path and item index, a failure resumes at the
item it stopped at, and the run history keeps which path was taken and why."""

from __future__ import annotations

import pytest
from werkzeug import Response

from tests.workflows_app.support import (
    create_workflow,
    http_step,
    order,
    runs_of,
    step_statuses,
    steps_of,
)
from workflows_app.execution.queue import drain
from workflows_app.models import RunStatus, StepStatus
from workflows_app.run_actions import retry_run
from workflows_app.triggers.manual.start import start_manual_run

MANUAL = {"type": "manual", "inputs": [{"name": "alerts", "type": "JSON"}]}


def big_or_small(receiver) -> dict:
    return {"key": "route", "type": "branch", "params": {
        "paths": [
            {"label": "Big order", "when": {"ref": "record.total_amount", "op": "gte",
                                            "value": 1000},
             "steps": [http_step("tell_sales", receiver.url("/sales"))]},
            {"label": "Medium", "when": {"ref": "record.total_amount", "op": "gte",
                                         "value": 100},
             "steps": [http_step("tell_team", receiver.url("/team"))]},
        ],
        "otherwise": [http_step("log_small", receiver.url("/small"))]}}


@pytest.mark.django_db
def test_branch_takes_the_first_path_that_holds_or_otherwise(receiver, allow_local_http):
    workflow = create_workflow("Route", [
        big_or_small(receiver),
        http_step("after", receiver.url("/after"), params={"body": {
            "order": "{{ record.number }}", "path": "{{ steps.route.path }}",
            "sales": "{{ steps.tell_sales.status_code | default:\"not told\" }}"}}),
    ])
    big, medium, small = order("5000.00"), order("500.00"), order("5.00")
    drain()
    runs = runs_of(workflow)
    assert [run.status for run in runs] == [RunStatus.SUCCEEDED] * 3
    assert [call.json["order"] for call in receiver.received("/sales")] == [big.number]
    assert [call.json["order"] for call in receiver.received("/team")] == [medium.number]
    assert [call.json["order"] for call in receiver.received("/small")] == [small.number]
    after = {call.json["order"]: (call.json["path"], call.json["sales"])
             for call in receiver.received("/after")}
    assert after == {big.number: ("Big order", "200"), medium.number: ("Medium", "not told"),
                     small.number: ("otherwise", "not told")}
    rows = steps_of(runs[1])
    assert set(rows) == {"route", "route.tell_team", "after"}
    assert rows["route"].outputs == {"path": "Medium", "path_index": 2}
    assert rows["route"].inputs["checked"] == [
        {"path": "Big order", "matched": False, "why": rows["route"].inputs["checked"][0]["why"]},
        {"path": "Medium", "matched": True}]
    assert "1000" in rows["route"].inputs["checked"][0]["why"]


@pytest.mark.django_db
def test_for_each_runs_the_steps_per_item_with_keys_by_index(receiver, allow_local_http):
    workflow = create_workflow("Each", [
        {"key": "each", "type": "for_each", "params": {
            "items": {"ref": "inputs.alerts"},
            "steps": [http_step("page", receiver.url("/page"), params={"body": {
                "alert": "{{ item.name }}", "index": "{{ item_index }}"}})]}},
        http_step("done", receiver.url("/done"), params={"body": {
            "count": "{{ steps.each.count }}"}}),
    ], trigger=MANUAL)
    start_manual_run(workflow, {"alerts": [{"name": "disk"}, {"name": "cpu"}, {"name": "ram"}]},
                     None)
    drain()
    [run] = runs_of(workflow)
    assert run.status == RunStatus.SUCCEEDED
    assert [call.json for call in receiver.received("/page")] == [
        {"alert": "disk", "index": "0"}, {"alert": "cpu", "index": "1"},
        {"alert": "ram", "index": "2"}]
    assert [call.idempotency_key for call in receiver.received("/page")] == [
        f"{run.pk}:each[0].page", f"{run.pk}:each[1].page", f"{run.pk}:each[2].page"]
    assert receiver.received("/done")[0].json == {"count": "3"}
    assert step_statuses(run) == {"each": "succeeded", "each[0].page": "succeeded",
                                  "each[1].page": "succeeded", "each[2].page": "succeeded",
                                  "done": "succeeded"}


@pytest.mark.django_db
def test_a_failed_item_fails_the_run_and_a_retry_resumes_at_that_item(receiver,
                                                                      allow_local_http):
    failed_once: list[bool] = []

    def cpu_fails_once(request):
        if b'"cpu"' in request.get_data() and not failed_once:
            failed_once.append(True)
            return Response("down", status=500)
        return Response('{"ok": true}', content_type="application/json")

    receiver.respond("/page", handler=cpu_fails_once)
    workflow = create_workflow("Each", [
        {"key": "each", "type": "for_each", "params": {
            "items": {"ref": "inputs.alerts"},
            "steps": [http_step("page", receiver.url("/page"), params={"body": {
                "alert": "{{ item.name }}"}})]}},
    ], trigger=MANUAL)
    start_manual_run(workflow, {"alerts": [{"name": "disk"}, {"name": "cpu"}, {"name": "ram"}]},
                     None)
    drain()
    [run] = runs_of(workflow)
    assert run.status == RunStatus.FAILED
    assert 'step "each" failed: step "each[1].page" failed' in run.error
    assert step_statuses(run) == {"each": "failed", "each[0].page": "succeeded",
                                  "each[1].page": "failed"}
    retry_run(run)
    drain()
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED
    assert [call.json["alert"] for call in receiver.received("/page")] == [
        "disk", "cpu", "cpu", "ram"]


@pytest.mark.django_db
def test_too_many_items_fail_the_step_before_any_item(receiver, allow_local_http, settings):
    settings.WORKFLOWS = {**settings.WORKFLOWS, "FOR_EACH_MAX_ITEMS": 2}
    workflow = create_workflow("Each", [
        {"key": "each", "type": "for_each", "params": {
            "items": {"ref": "inputs.alerts"},
            "steps": [http_step("page", receiver.url("/page"), params={"body": {}})]}},
    ], trigger=MANUAL)
    start_manual_run(workflow, {"alerts": [1, 2, 3]}, None)
    drain()
    [run] = runs_of(workflow)
    assert run.status == RunStatus.FAILED and receiver.count("/page") == 0
    assert steps_of(run)["each"].error == (
        "the list has 3 items; a for_each step takes at most 2 (FOR_EACH_MAX_ITEMS)")


@pytest.mark.django_db
def test_a_filter_inside_a_loop_skips_the_rest_of_that_item_only(receiver, allow_local_http):
    workflow = create_workflow("Each", [
        {"key": "each", "type": "for_each", "params": {
            "items": {"ref": "inputs.alerts"},
            "steps": [
                {"key": "only_critical", "type": "filter", "params": {"condition": {
                    "ref": "item.level", "op": "eq", "value": "critical"}}},
                http_step("page", receiver.url("/page"), params={"body": {
                    "alert": "{{ item.name }}"}})]}},
        http_step("done", receiver.url("/done"), params={"body": {}}),
    ], trigger=MANUAL)
    start_manual_run(workflow, {"alerts": [{"name": "disk", "level": "info"},
                                           {"name": "cpu", "level": "critical"}]}, None)
    drain()
    [run] = runs_of(workflow)
    assert run.status == RunStatus.SUCCEEDED
    assert [call.json["alert"] for call in receiver.received("/page")] == ["cpu"]
    assert receiver.count("/done") == 1
    assert "each[0].page" not in steps_of(run)
    assert steps_of(run)["each[0].only_critical"].status == StepStatus.SUCCEEDED
