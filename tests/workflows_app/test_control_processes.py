"""Control flow with real django-q2 workers (`qcluster` subprocesses; run on
PostgreSQL + Redis with DATABASE_URL / REDIS_URL set): a reminder after a wait
reads the order as it is then, a `for_each` loop survives a SIGKILL of its
worker with each item's side effect applied once, and the branches of a
`parallel` step run at the same time on two workers and join."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest
from django.utils import timezone
from django_q.tasks import async_task
from werkzeug import Response

from config.demo.models import Order
from tests.workflows_app.support import (
    ORDER_UPDATED,
    create_workflow,
    http_step,
    order,
    runs_of,
    steps_of,
    wait_until,
)
from tests.workflows_app.test_execution_processes import SWEEP_TASK, wait_for_run
from workflows_app.models import Run, RunStatus, StepStatus
from workflows_app.triggers.manual.start import start_manual_run


@pytest.mark.django_db(transaction=True)
def test_a_reminder_after_a_wait_is_sent_only_for_orders_still_submitted(receiver, workers):
    workflow = create_workflow("Remind ops about submitted orders", [
        {"key": "wait", "type": "delay", "params": {"duration": "3 seconds"}},
        http_step("remind_ops", receiver.url("/ops"), params={"body": {
            "order": "{{ record.number }}", "status": "{{ record.status }}"}}),
    ], trigger=ORDER_UPDATED,
        conditions={"ref": "record.status", "op": "changed_to", "value": "submitted"})
    workers.start(2)
    confirmed, forgotten = order("80.00"), order("90.00")
    for placed in (confirmed, forgotten):
        placed.status = Order.Status.SUBMITTED
        placed.save()
    wait_for_run(workflow, RunStatus.WAITING, workers, count=2)
    confirmed.status = Order.Status.CONFIRMED  # during the wait
    confirmed.save()

    runs = wait_for_run(workflow, RunStatus.SUCCEEDED, workers, count=2)
    assert [call.json for call in receiver.received("/ops")] == [
        {"order": forgotten.number, "status": "submitted"}]
    by_order = {run.event.record_pk: run for run in runs}
    stopped = steps_of(by_order[str(confirmed.pk)])
    assert stopped["remind_ops"].status == StepStatus.SKIPPED
    assert "conditions no longer hold after the wait" in stopped["wait"].attempts_log[-1]["note"]


ITEMS = 1000


@pytest.mark.django_db(transaction=True)
def test_for_each_over_1000_items_survives_a_sigkill_with_each_effect_once(receiver, workers):
    applied: dict[str, str] = {}  # idempotency key -> item: what the receiver did
    lock = threading.Lock()

    def apply_once(request):
        key = request.headers.get("Idempotency-Key", "")
        item = request.get_json()["item"]
        with lock:
            assert applied.setdefault(key, item) == item  # a key always names one item
        return Response('{"ok": true}', content_type="application/json")

    receiver.respond("/effect", handler=apply_once)
    workflow = create_workflow("Each alert", [
        {"key": "each", "type": "for_each", "params": {
            "items": {"ref": "inputs.alerts"},
            "steps": [http_step("effect", receiver.url("/effect"), params={"body": {
                "item": "{{ item.id }}"}})]}},
    ], trigger={"type": "manual", "inputs": [{"name": "alerts", "type": "JSON"}]})
    workers.start(2, workflows={"LEASE_SECONDS": 3})
    start_manual_run(workflow, {"alerts": [{"id": f"A{n}"} for n in range(ITEMS)]}, None)

    wait_until(lambda: receiver.count("/effect") >= ITEMS // 3, timeout=120,
               message="a third of the items", details=workers.output)
    [run] = runs_of(workflow)
    pid = int(Run.objects.get(pk=run.pk).lease_owner.split(":")[1])
    os.kill(pid, signal.SIGKILL)  # the worker running the loop dies mid-loop
    done_at_kill = receiver.count("/effect")
    assert done_at_kill < ITEMS

    wait_until(lambda: (Run.objects.get(pk=run.pk).lease_expires_at or timezone.now())
               <= timezone.now(), timeout=15, message="the dead worker's lease to expire")
    async_task(SWEEP_TASK, task_name="workflows: sweeper")
    [run] = wait_for_run(workflow, RunStatus.SUCCEEDED, workers, timeout=240)

    assert run.takeovers >= 1  # another worker took the loop over
    calls = receiver.received("/effect")
    assert sorted(applied.values()) == sorted(f"A{n}" for n in range(ITEMS))
    assert len(applied) == ITEMS  # one key per item: each effect applied exactly once
    # Only a call in flight at the kill may be sent again (with its key).
    assert len(calls) - ITEMS <= 1
    rows = steps_of(run)
    assert rows["each"].status == StepStatus.SUCCEEDED and rows["each"].outputs == {"count": ITEMS}
    assert all(rows[f"each[{n}].effect"].status == StepStatus.SUCCEEDED for n in range(ITEMS))


@pytest.mark.django_db(transaction=True)
def test_wait_for_resumes_within_a_second_of_the_matching_change(receiver, workers):
    workflow = create_workflow("Ship once paid", [
        {"key": "until_paid", "type": "wait_for", "params": {
            "condition": {"ref": "record.status", "op": "eq", "value": "paid"},
            "timeout": "1 hour"}},
        http_step("ship", receiver.url("/ship"), params={"body": {
            "order": "{{ record.number }}", "outcome": "{{ steps.until_paid.outcome }}"}}),
    ])
    workers.start(1)
    placed = order("40.00")
    wait_for_run(workflow, RunStatus.WAITING, workers)
    time.sleep(1)  # the workers are idle when the change comes
    placed.status = Order.Status.PAID
    paid_at = time.monotonic()
    placed.save()
    wait_until(lambda: receiver.count("/ship") == 1, timeout=10, interval=0.01,
               message="the run to resume", details=workers.output)
    took = time.monotonic() - paid_at
    assert took < 1.0, f"resumed {took:.2f} s after the change"
    wait_for_run(workflow, RunStatus.SUCCEEDED, workers)
    assert receiver.received("/ship")[0].json == {"order": placed.number,
                                                  "outcome": "condition"}


SLOW_CALL_SECONDS = 3.0


def _cluster_of(pid: int, clusters) -> int | None:
    """The `qcluster` process (of `clusters`) that `pid`, a worker, descends from."""
    pids = {cluster.pid for cluster in clusters}
    while pid > 1 and pid not in pids:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            pid = int(stat.read().rsplit(")", 1)[1].split()[1])
    return pid if pid in pids else None


@pytest.mark.django_db(transaction=True)
def test_parallel_branches_overlap_on_two_workers_and_join(receiver, workers):
    spans: dict[str, tuple[float, float]] = {}  # idempotency key -> (start, end)
    lock = threading.Lock()

    def slow(request):
        started = time.time()
        time.sleep(SLOW_CALL_SECONDS)
        with lock:
            spans[request.headers.get("Idempotency-Key", "")] = (started, time.time())
        return Response('{"ok": true}', content_type="application/json")

    receiver.respond("/slow", handler=slow)
    workflow = create_workflow("Check stock and credit at once", [
        {"key": "fan", "type": "parallel", "params": {"branches": [
            {"label": "Stock", "steps": [http_step("stock", receiver.url("/slow"))]},
            {"label": "Credit", "steps": [http_step("credit", receiver.url("/slow"))]},
        ]}},
        http_step("joined", receiver.url("/joined"), params={"body": {
            "order": "{{ record.number }}", "stock": "{{ steps.stock.status_code }}",
            "credit": "{{ steps.credit.status_code }}"}}),
    ])
    # Two worker processes of one cluster (the default set-up): they share the
    # cluster's task queue, so each takes one of the two wake-ups. (Two clusters of
    # one worker each would not do: a cluster's task puller takes up to `queue_limit`
    # tasks while its worker is busy, so both wake-ups may land in one cluster.)
    clusters = workers.start(1, q_workers=2)
    placed = order("30.00")

    # While both slow calls are in flight, each branch run is leased by a worker.
    wait_until(lambda: receiver.count("/slow") == 2, timeout=30,
               message="both branches to call out", details=workers.output)
    [run] = runs_of(workflow)
    owners = dict(Run.objects.filter(parent=run).values_list("branch", "lease_owner"))
    pids = {branch: int(owner.split(":")[1]) for branch, owner in owners.items() if owner}

    in_clusters = {pid: _cluster_of(pid, clusters) for pid in pids.values()}
    [run] = wait_for_run(workflow, RunStatus.SUCCEEDED, workers, timeout=60)
    assert set(pids) == {"fan.branches[0]", "fan.branches[1]"}, owners
    assert len(set(pids.values())) == 2, f"both branches ran in one worker: {pids}"
    assert set(in_clusters.values()) == {c.pid for c in clusters}, in_clusters
    stock = spans[f"{run.pk}:fan.branches[0].stock"]
    credit = spans[f"{run.pk}:fan.branches[1].credit"]
    overlap = min(stock[1], credit[1]) - max(stock[0], credit[0])
    # Each worker may take a moment to claim its branch on a loaded machine; the calls
    # still overlap by most of their length (run one after another, they would not).
    assert overlap > SLOW_CALL_SECONDS / 2, \
        f"the branches overlapped {overlap:.2f} s: {stock} {credit}"
    [joined] = receiver.received("/joined")
    assert joined.json == {"order": placed.number, "stock": "200", "credit": "200"}
    rows = steps_of(run)
    assert rows["fan.branches[0].stock"].status == StepStatus.SUCCEEDED
    assert rows["fan.branches[1].credit"].status == StepStatus.SUCCEEDED
    assert rows["joined"].started_at >= rows["fan.branches[1].credit"].finished_at


BRANCH_ITEMS = 150


@pytest.mark.django_db(transaction=True)
def test_a_parallel_branch_survives_a_sigkill_with_each_effect_once(receiver, workers):
    applied: dict[str, str] = {}  # idempotency key -> item
    lock = threading.Lock()

    def apply_once(request):
        key = request.headers.get("Idempotency-Key", "")
        item = request.get_json()["item"]
        with lock:
            assert applied.setdefault(key, item) == item
        return Response('{"ok": true}', content_type="application/json")

    receiver.respond("/effect", handler=apply_once)

    def side(name: str) -> dict:
        return {"label": name.capitalize(), "steps": [
            {"key": f"{name}_each", "type": "for_each", "params": {
                "items": {"ref": "inputs.alerts"},
                "steps": [http_step(f"{name}_effect", receiver.url("/effect"), params={
                    "body": {"item": f"{name} {{{{ item.id }}}}"}})]}}]}

    workflow = create_workflow("Both sides of each alert", [
        {"key": "fan", "type": "parallel", "params": {"branches": [side("left"),
                                                                   side("right")]}},
        http_step("joined", receiver.url("/joined"), params={"body": {"done": True}}),
    ], trigger={"type": "manual", "inputs": [{"name": "alerts", "type": "JSON"}]})
    workers.start(2, workflows={"LEASE_SECONDS": 3})
    start_manual_run(workflow, {"alerts": [{"id": f"A{n}"} for n in range(BRANCH_ITEMS)]},
                     None)

    wait_until(lambda: receiver.count("/effect") >= BRANCH_ITEMS // 2, timeout=120,
               message="the branches to be under way", details=workers.output)
    [run] = runs_of(workflow)
    held = [branch for branch in Run.objects.filter(parent=run) if branch.lease_owner]
    assert held, "no branch run was held by a worker"
    victim = held[0]
    os.kill(int(victim.lease_owner.split(":")[1]), signal.SIGKILL)  # its worker dies

    wait_until(lambda: (Run.objects.get(pk=victim.pk).lease_expires_at or timezone.now())
               <= timezone.now(), timeout=15, message="the dead worker's lease to expire")
    async_task(SWEEP_TASK, task_name="workflows: sweeper")
    [run] = wait_for_run(workflow, RunStatus.SUCCEEDED, workers, timeout=240)

    assert Run.objects.get(pk=victim.pk).takeovers >= 1  # another worker took it over
    expected = sorted(f"{name} A{n}" for name in ("left", "right") for n in range(BRANCH_ITEMS))
    assert sorted(applied.values()) == expected  # one key per item and side: each once
    assert receiver.count("/effect") - len(expected) <= 2  # only calls in flight at the kill
    assert receiver.count("/joined") == 1
    rows = steps_of(run)
    assert all(rows[f"fan.branches[0].left_each[{n}].left_effect"].status ==
               StepStatus.SUCCEEDED for n in range(BRANCH_ITEMS))
