"""Durable execution with real django-q2 workers: `qcluster` subprocesses on the test
database and broker (SQLite + ORM broker, or PostgreSQL + Redis), a real HTTP
receiver counting calls, and workers that are stopped, restarted and SIGKILLed."""

from __future__ import annotations

import os
import signal
import threading
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.models import Schedule
from django_q.tasks import async_task
from werkzeug import Response

from config.demo.models import Order
from tests.workflows_app.support import (
    create_workflow,
    http_step,
    order,
    runs_of,
    step_statuses,
    steps_of,
    update_workflow,
    wait_until,
)
from workflows_app.execution.queue import WORK_TASK
from workflows_app.models import Event, EventStatus, Run, RunStatus, StepStatus, WorkflowEvaluation
from workflows_app.run_actions import retry_run

SWEEP_TASK = "workflows_app.execution.queue.sweep"


def run_status(run: Run) -> str:
    return Run.objects.values_list("status", flat=True).get(pk=run.pk)


def wait_for_run(workflow, status: str, workers, *, timeout: float = 30.0, count: int = 1):
    """Wait until `workflow` has `count` runs, all in `status`; return them."""
    def ready():
        runs = runs_of(workflow)
        return runs if len(runs) == count and all(r.status == status for r in runs) else None

    def details() -> str:
        runs = [(r.pk, r.status, r.error) for r in runs_of(workflow)]
        return f"runs: {runs}\n{workers.output()}"

    return wait_until(ready, timeout=timeout, message=f"{count} {status} run(s) of {workflow}",
                      details=details)


@pytest.mark.django_db(transaction=True)
def test_one_committed_change_makes_one_run_and_a_rolled_back_one_none(receiver, workers):
    workflow = create_workflow("Notify", [http_step("notify", receiver.url("/notify"))])
    workers.start(1)
    with pytest.raises(RuntimeError), transaction.atomic():
        order("10.00", number="ROLLED-BACK")
        raise RuntimeError("rolled back")
    kept = order("20.00", number="KEPT")

    [run] = wait_for_run(workflow, RunStatus.SUCCEEDED, workers)
    assert run.event.record_pk == str(kept.pk)
    assert not Order.objects.filter(number="ROLLED-BACK").exists()
    assert [call.json["order"] for call in receiver.received("/notify")] == ["KEPT"]
    assert Event.objects.filter(record_model="demo.order").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_step_is_taken_over_without_repeating_finished_steps(receiver,
                                                                                 workers):
    release = threading.Event()

    def slow(request):
        release.wait(60)  # the first call hangs until the test has killed its worker
        return Response('{"ok": true}', status=200, content_type="application/json")

    receiver.respond("/slow", handler=slow)
    workflow = create_workflow("Three steps", [
        http_step("before", receiver.url("/before")),
        http_step("slow", receiver.url("/slow"), params={"timeout_seconds": 50}),
        http_step("after", receiver.url("/after")),
    ])
    clusters = workers.start(2, workflows={"LEASE_SECONDS": 3})
    order("10.00")

    wait_until(lambda: receiver.count("/slow") == 1, message="the slow step to start",
               details=workers.output)
    [run] = runs_of(workflow)
    assert run.status == RunStatus.RUNNING
    assert step_statuses(run) == {"before": StepStatus.SUCCEEDED, "slow": StepStatus.RUNNING}
    pid = int(run.lease_owner.split(":")[1])  # "<host>:<pid>:<suffix>"
    [holder] = [c for c in clusters if f"ready for work at {pid}" in c.output()]
    os.kill(pid, signal.SIGKILL)  # the worker process dies in the middle of the step
    release.set()

    # Nobody may touch the run until its lease expires; then the sweeper (scheduled
    # every minute; enqueued here so the test need not wait for it) resumes it.
    wait_until(lambda: (Run.objects.get(pk=run.pk).lease_expires_at or timezone.now())
               <= timezone.now(),
               timeout=10, message="the dead worker's lease to expire")
    async_task(SWEEP_TASK, task_name="workflows: sweeper")
    [run] = wait_for_run(workflow, RunStatus.SUCCEEDED, workers)

    steps = steps_of(run)
    assert {key: row.status for key, row in steps.items()} == {
        "before": StepStatus.SUCCEEDED, "slow": StepStatus.SUCCEEDED,
        "after": StepStatus.SUCCEEDED}
    assert receiver.count("/before") == 1  # finished before the kill: not run again
    assert receiver.count("/slow") == 2  # interrupted: tried again, with the same key
    assert {call.idempotency_key for call in receiver.received("/slow")} == {f"{run.pk}:slow"}
    assert steps["slow"].attempt == 2
    assert receiver.count("/after") == 1
    assert "reincarnated worker" in holder.output()


@pytest.mark.django_db(transaction=True)
def test_an_always_failing_step_is_tried_max_attempts_times_then_retry_run_finishes(
        receiver, workers):
    receiver.respond("/down", status=500, body={"error": "database unavailable"})
    workflow = create_workflow("Retry", [
        http_step("first", receiver.url("/first")),
        http_step("flaky", receiver.url("/down"),
                  retry={"max_attempts": 3, "backoff_seconds": 0.1}),
        http_step("last", receiver.url("/last")),
    ])
    workers.start(1)
    order("10.00")

    [run] = wait_for_run(workflow, RunStatus.FAILED, workers)
    assert receiver.count("/down") == 3
    assert run.error.startswith('step "flaky" failed: POST http://127.0.0.1:')
    assert "HTTP 500" in run.error and "database unavailable" in run.error
    flaky = steps_of(run)["flaky"]
    assert flaky.status == StepStatus.FAILED and flaky.attempt == 3
    assert [entry["attempt"] for entry in flaky.attempts_log] == [1, 2, 3]
    assert step_statuses(run) == {"first": StepStatus.SUCCEEDED, "flaky": StepStatus.FAILED}
    assert receiver.count("/last") == 0

    receiver.respond("/down", status=200)  # the cause is fixed
    retry_run(run)  # wakes a worker after commit
    [run] = wait_for_run(workflow, RunStatus.SUCCEEDED, workers)
    assert receiver.count("/first") == 1  # not repeated
    assert receiver.count("/down") == 4
    assert receiver.count("/last") == 1
    keys = {call.idempotency_key for call in receiver.received("/down")}
    assert keys == {f"{run.pk}:flaky"}  # stable across every attempt


@pytest.mark.django_db(transaction=True)
def test_a_delay_survives_stopping_every_worker_and_fires_once(receiver, workers):
    # Without the minutely sweeper schedule (a migration creates it, and a test
    # before this one may have flushed it): the start-up sweep alone must resume.
    Schedule.objects.all().delete()
    workflow = create_workflow("Later", [
        http_step("before", receiver.url("/before")),
        {"key": "wait", "type": "delay", "params": {"duration": "5 seconds"}},
        http_step("after", receiver.url("/after")),
    ])
    workers.start(2)
    order("10.00")
    [run] = wait_for_run(workflow, RunStatus.WAITING, workers)
    workers.stop()  # every worker
    assert run_status(run) == RunStatus.WAITING and receiver.count("/after") == 0

    # Past the due time, with no worker running: nothing happens.
    wait_until(lambda: timezone.now() > run.due_at + timedelta(seconds=0.5), timeout=10,
               message="the delay to fall due")
    assert run_status(run) == RunStatus.WAITING and receiver.count("/after") == 0

    workers.start(2)  # a starting worker looks for work left behind
    [run] = wait_for_run(workflow, RunStatus.SUCCEEDED, workers)
    wait_until(lambda: get_broker().queue_size() == 0, message="the start-up wake-ups")
    assert receiver.count("/before") == 1 and receiver.count("/after") == 1
    wait_step = steps_of(run)["wait"]
    assert wait_step.status == StepStatus.SUCCEEDED and "resumed_at" in wait_step.outputs


@pytest.mark.django_db(transaction=True)
def test_a_run_waiting_in_a_delay_finishes_on_its_pinned_version(receiver, workers):
    workflow = create_workflow("Pinned", [
        {"key": "wait", "type": "delay", "params": {"duration": "3 seconds"}},
        http_step("call", receiver.url("/v1")),
    ])
    first_version = workflow.live_version_id
    # The worker that parks the run sets a timer for its due time (no sweeper needed).
    workers.start(1)
    order("10.00", number="BEFORE-EDIT")
    [waiting] = wait_for_run(workflow, RunStatus.WAITING, workers)

    workflow = update_workflow(workflow, [http_step("call", receiver.url("/v2"))])
    assert run_status(waiting) == RunStatus.WAITING  # edited while it waits
    order("10.00", number="AFTER-EDIT")

    old, new = wait_for_run(workflow, RunStatus.SUCCEEDED, workers, count=2)
    assert old.pk == waiting.pk and old.version_id == first_version
    assert new.version_id == workflow.live_version_id != first_version
    assert list(steps_of(old)) == ["wait", "call"] and list(steps_of(new)) == ["call"]
    assert [call.json["order"] for call in receiver.received("/v1")] == ["BEFORE-EDIT"]
    assert [call.json["order"] for call in receiver.received("/v2")] == ["AFTER-EDIT"]


@pytest.mark.django_db(transaction=True)
def test_two_clusters_on_one_queue_run_500_events_once_each(receiver, workers):
    total, batch = 500, 50
    workflow = create_workflow("Bulk", [http_step("notify", receiver.url("/bulk"))])
    workers.start(2, q_workers=1)
    for _ in range(total // batch):
        with transaction.atomic():
            for _ in range(batch):
                order("10.00")
        # Deliver each wake-up twice: both clusters race over the same events.
        async_task(WORK_TASK, task_name="workflows: work")

    runs = wait_for_run(workflow, RunStatus.SUCCEEDED, workers, count=total, timeout=110)
    assert Event.objects.filter(record_model="demo.order").count() == total
    assert not Event.objects.exclude(status=EventStatus.DISPATCHED).exists()
    assert WorkflowEvaluation.objects.filter(workflow=workflow).count() == total
    keys = [call.idempotency_key for call in receiver.received("/bulk")]
    assert len(keys) == total  # no step executed twice
    assert sorted(keys) == sorted(f"{run.pk}:notify" for run in runs)
