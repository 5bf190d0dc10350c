"""Execution under slow steps, cancellation, lost connections, crashes and shutdown,
with real `qcluster` processes on the test database and broker, and a real HTTP
receiver that answers slowly.

These are the guarantees a host project relies on: a slow endpoint does not stall
other runs nor get called twice; a cancelled run makes no further call; the
engine's wake-ups never pile up in front of the host's own tasks; a dropped
database connection repeats no finished step; a stopping worker exits promptly
and loses nothing; a run whose worker keeps dying fails with the reason.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.models import Schedule
from django_q.tasks import async_task, fetch
from werkzeug import Response

from tests.workflows_app.support import (
    create_workflow,
    http_step,
    order,
    runs_of,
    steps_of,
    wait_until,
)
from workflows_app.models import Run, RunStatus, StepStatus
from workflows_app.run_actions import cancel_run

SWEEP_TASK = "workflows_app.execution.queue.sweep"


def slow_handler(seconds: float):
    def handler(request):
        time.sleep(seconds)
        return Response('{"ok": true}', status=200, content_type="application/json")

    return handler


def statuses(workflow) -> dict[str, int]:
    counts: dict[str, int] = {}
    for run in runs_of(workflow):
        counts[run.status] = counts.get(run.status, 0) + 1
    return counts


def wait_for_statuses(workflow, expected: dict[str, int], workers, *, timeout: float):
    return wait_until(lambda: statuses(workflow) == expected, timeout=timeout,
                      message=f"runs of {workflow} to be {expected}",
                      details=lambda: f"now: {statuses(workflow)}\n{workers.output()}")


def keys_called(receiver, path: str) -> list[str]:
    return [call.idempotency_key for call in receiver.received(path)]


# -- finding 1: slow steps -------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_twenty_slow_runs_falling_due_together_all_succeed_calling_once_each(receiver,
                                                                             workers):
    """20 runs fall due together (after a delay), each calling an endpoint that
    answers in 3 s, one cluster: every run succeeds within a bound and every
    idempotency key is called exactly once, although the calls together take far
    longer than the lease."""
    receiver.respond("/slow", handler=slow_handler(3.0))
    workflow = create_workflow("Slow endpoint", [
        {"key": "wait", "type": "delay", "params": {"duration": "2 seconds"}},
        http_step("call", receiver.url("/slow"), params={"timeout_seconds": 20}),
    ])
    workers.start(1, q_workers=2, workflows={"LEASE_SECONDS": 5})
    with transaction.atomic():
        for _ in range(20):
            order("10.00")
    wait_for_statuses(workflow, {RunStatus.WAITING: 20}, workers, timeout=30)
    due = max(run.due_at for run in runs_of(workflow))

    wait_for_statuses(workflow, {RunStatus.SUCCEEDED: 20}, workers, timeout=60)
    finished = max(run.finished_at for run in runs_of(workflow))
    keys = keys_called(receiver, "/slow")
    assert sorted(keys) == sorted(f"{run.pk}:call" for run in runs_of(workflow))
    # 20 x 3 s one after the other would be 60 s; concurrently it is a few seconds.
    assert (finished - due).total_seconds() < 25, workers.output()


@pytest.mark.django_db(transaction=True)
def test_cancelled_runs_make_no_further_calls(receiver, workers):
    """Cancelling runs while a burst of them calls a slow endpoint: no cancelled run
    makes another call, the others finish."""
    receiver.respond("/first", handler=slow_handler(2.0))
    workflow = create_workflow("Two calls", [
        http_step("first", receiver.url("/first"), params={"timeout_seconds": 20}),
        http_step("second", receiver.url("/second")),
    ])
    workers.start(1, q_workers=1, workflows={"WORKER_CONCURRENCY": 4})
    with transaction.atomic():
        for _ in range(12):
            order("10.00")
    wait_until(lambda: receiver.count("/first") >= 2, message="the first calls",
               details=workers.output)
    runs = runs_of(workflow)
    cancelled = runs[::2]
    for run in cancelled:
        cancel_run(run)
    calls_before = len(receiver.received())
    cancelled_ids = {run.pk for run in cancelled}

    wait_for_statuses(workflow, {RunStatus.SUCCEEDED: 6, RunStatus.CANCELLED: 6}, workers,
                      timeout=90)
    time.sleep(2.5)  # a step in flight at the cancel finishes within its 2 s answer
    later = receiver.received()[calls_before:]
    late_calls = [call.idempotency_key for call in later
                  if int(call.idempotency_key.split(":")[0]) in cancelled_ids]
    assert late_calls == [], workers.output()
    assert not any(int(key.split(":")[0]) in cancelled_ids
                   for key in keys_called(receiver, "/second"))
    for run in cancelled:
        assert Run.objects.get(pk=run.pk).status == RunStatus.CANCELLED


# -- finding 2: a polite neighbour on the host's queue ---------------------------------

@pytest.mark.django_db(transaction=True)
def test_a_burst_of_saves_leaves_at_most_one_pending_wake_up(receiver, allow_local_http):
    """However many saves (no worker running), at most one engine task waits in the
    queue."""
    create_workflow("Notify", [http_step("notify", receiver.url("/notify"))])
    broker = get_broker()
    broker.purge_queue()
    for _ in range(200):
        with transaction.atomic():
            order("10.00")
    time.sleep(0.5)  # the background waker has sent whatever it sends
    assert broker.queue_size() == 1


@pytest.mark.django_db(transaction=True)
def test_a_working_task_hands_its_worker_over_for_host_tasks_not_for_its_own():
    """The engine's own waiting tasks (its successor and a parallel step's branch
    wake-ups) do not make a working engine task hand its worker over; one host task
    does."""
    from workflows_app.execution.wakeups import enqueue_work, wake_several
    from workflows_app.execution.work_loop import _Politeness

    broker = get_broker()
    broker.purge_queue()
    assert enqueue_work()
    wake_several(3)  # e.g. a parallel step with three branches
    assert broker.queue_size() == 4
    assert not _Politeness._tasks_waiting()

    async_task("math.floor", 2.5, task_name="host task")
    assert _Politeness._tasks_waiting()
    broker.purge_queue()


@pytest.mark.django_db(transaction=True)
def test_a_host_task_enqueued_after_a_burst_of_saves_finishes_quickly(receiver, workers):
    create_workflow("Notify", [http_step("notify", receiver.url("/notify"))])
    workers.start(1, q_workers=2)
    for _ in range(1000):
        with transaction.atomic():
            order("10.00")
    enqueued = time.monotonic()
    task_id = async_task("math.floor", 2.5, task_name="host task")
    wait_until(lambda: fetch(task_id), timeout=60, interval=0.02,
               message="the host's task", details=workers.output)
    latency = time.monotonic() - enqueued
    assert fetch(task_id).result == 2
    assert latency < 10, f"the host's task waited {latency:.1f} s\n{workers.output()}"


# -- finding 8: lost connections and shutdown ----------------------------------------

@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="pg_terminate_backend drops a worker's connection (PostgreSQL)")
@pytest.mark.django_db(transaction=True)
def test_a_dropped_database_connection_repeats_no_finished_step(receiver, workers):
    """The worker's database connections are terminated while steps are in flight:
    no finished step is repeated, and every run succeeds."""
    release = threading.Event()

    def blocking(request):
        release.wait(30)
        return Response('{"ok": true}', status=200, content_type="application/json")

    receiver.respond("/b", handler=blocking)
    workflow = create_workflow("Three calls", [
        http_step("a", receiver.url("/a")),
        http_step("b", receiver.url("/b"), params={"timeout_seconds": 40}),
        http_step("c", receiver.url("/c")),
    ])
    workers.start(1, q_workers=1, workflows={"LEASE_SECONDS": 4})
    with transaction.atomic():
        for _ in range(10):
            order("10.00")
    wait_until(lambda: receiver.count("/b") >= 1, message="a call to /b",
               details=workers.output)
    time.sleep(0.5)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                       "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    release.set()
    # Whatever was lost is found by the sweeper once the leases expire.
    time.sleep(5)
    async_task(SWEEP_TASK, task_name="workflows: sweeper")
    wait_for_statuses(workflow, {RunStatus.SUCCEEDED: 10}, workers, timeout=60)
    runs = runs_of(workflow)
    assert sorted(keys_called(receiver, "/a")) == sorted(f"{r.pk}:a" for r in runs)
    assert sorted(keys_called(receiver, "/c")) == sorted(f"{r.pk}:c" for r in runs)
    b_keys = keys_called(receiver, "/b")
    assert set(b_keys) == {f"{r.pk}:b" for r in runs}
    assert len(b_keys) - len(runs) <= 1, f"repeated calls: {len(b_keys) - len(runs)}"


@pytest.mark.django_db(transaction=True)
def test_sigterm_after_a_burst_exits_within_10_seconds_and_loses_nothing(receiver, workers):
    receiver.respond("/slow", handler=slow_handler(0.5))
    workflow = create_workflow("Burst", [
        http_step("one", receiver.url("/slow"), params={"timeout_seconds": 20}),
        http_step("two", receiver.url("/two")),
    ])
    [cluster] = workers.start(1, q_workers=2)
    for _ in range(300):
        with transaction.atomic():
            order("10.00")
    wait_until(lambda: receiver.count("/slow") >= 5, message="the first calls",
               details=workers.output)

    stopping = time.monotonic()
    cluster.terminate()
    with contextlib.suppress(subprocess.TimeoutExpired):
        cluster.process.wait(timeout=30)
    took = time.monotonic() - stopping
    assert not cluster.is_running() and took <= 10, (
        f"exited: {not cluster.is_running()}, after {took:.1f} s\n{workers.output()}")

    workers.start(1, q_workers=2)
    wait_for_statuses(workflow, {RunStatus.SUCCEEDED: 300}, workers, timeout=120)
    runs = runs_of(workflow)
    assert sorted(keys_called(receiver, "/two")) == sorted(f"{r.pk}:two" for r in runs)
    one = keys_called(receiver, "/slow")
    assert set(one) == {f"{r.pk}:one" for r in runs}
    assert len(one) == len(runs), f"repeated calls: {len(one) - len(runs)}"


# -- a run whose worker keeps dying ----------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_a_run_whose_worker_keeps_dying_fails_with_the_reason(receiver, workers):
    """Every time the step starts, its worker process is killed (as an out-of-memory
    kill would): after `MAX_TAKEOVERS` takeovers the run fails, saying why,
    instead of being taken over forever."""
    killed: list[int] = []

    def kill_the_caller(request):
        run_id = int(request.headers["Idempotency-Key"].split(":")[0])
        owner = Run.objects.values_list("lease_owner", flat=True).get(pk=run_id)
        pid = int(owner.split(":")[1])
        killed.append(pid)
        os.kill(pid, signal.SIGKILL)
        return Response("{}", status=200, content_type="application/json")

    receiver.respond("/crash", handler=kill_the_caller)
    workflow = create_workflow("Crashing", [http_step("boom", receiver.url("/crash"))])
    workers.start(1, q_workers=1, workflows={"LEASE_SECONDS": 2, "MAX_TAKEOVERS": 2})
    order("10.00")

    def nudge_then_check():
        runs = runs_of(workflow)
        if not runs:
            return None
        [run] = runs
        if run.status == RunStatus.FAILED:
            return run
        if run.lease_expires_at and run.lease_expires_at < timezone.now() - timedelta(
                seconds=0.5):
            async_task(SWEEP_TASK, task_name="workflows: sweeper")
            time.sleep(1)
        return None

    run = wait_until(nudge_then_check, timeout=90, interval=0.5,
                     message="the run to fail", details=workers.output)
    assert len(killed) == 3  # the first attempt and two takeovers
    assert "stopped 3 times" in run.error and '"boom"' in run.error, run.error
    step = steps_of(run)["boom"]
    assert step.status == StepStatus.FAILED


# -- the start-up sweep --------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_a_starting_worker_resumes_work_left_behind_without_the_sweeper_schedule(
        receiver, workers):
    """Work left in the database while no worker ran is picked up by the first
    worker that starts, without the minutely sweeper schedule (deleted here, so
    the test does not depend on the migration-created row or on test order)."""
    Schedule.objects.all().delete()
    workflow = create_workflow("Left behind", [http_step("call", receiver.url("/left"))])
    with transaction.atomic():
        for _ in range(3):
            order("10.00")
    get_broker().purge_queue()  # the wake-ups are lost, as with a broker restart
    workers.start(1)
    wait_for_statuses(workflow, {RunStatus.SUCCEEDED: 3}, workers, timeout=30)
    assert receiver.count("/left") == 3



# -- a queue of its own ------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_with_a_task_cluster_the_engine_uses_only_its_own_queue(receiver, workers, settings):
    """`TASK_CLUSTER` sends every wake-up to the engine's own cluster, served by
    `Q_CLUSTER_NAME=<name> qcluster`; the host's default queue stays empty."""
    settings.WORKFLOWS = {**settings.WORKFLOWS, "TASK_CLUSTER": "engine"}
    workflow = create_workflow("Own queue", [http_step("call", receiver.url("/own"))])
    workers.start(1, workflows={"TASK_CLUSTER": "engine"}, env={"Q_CLUSTER_NAME": "engine"})
    default_queue = get_broker()
    default_queue.purge_queue()
    with transaction.atomic():
        for _ in range(5):
            order("10.00")
    wait_for_statuses(workflow, {RunStatus.SUCCEEDED: 5}, workers, timeout=60)
    assert receiver.count("/own") == 5
    assert default_queue.queue_size() == 0  # nothing for the host's workers
