"""Recording, dispatch and the executor, in this process (`drain`, as `workflows_drain`
does): events are written with the change, one event starts a workflow version at
most once, and the executor's step semantics (`when`, `on_error`, `filter`,
retries, cancel, run again, "why didn't it run")."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django_q.brokers import get_broker

from config.demo.models import Order
from tests.workflows_app.support import (
    ORDER_UPDATED,
    create_workflow,
    customer,
    http_step,
    order,
    runs_of,
    step_statuses,
    steps_of,
    wait_until,
)
from workflows_app.execution import wakeups
from workflows_app.execution.dispatch import dispatch_pending
from workflows_app.execution.queue import drain, work
from workflows_app.models import (
    Event,
    EventStatus,
    Run,
    RunAction,
    RunStatus,
    StepStatus,
    WorkflowEvaluation,
)
from workflows_app.run_actions import RunActionError, cancel_run, retry_run, run_again

Outcome = WorkflowEvaluation.Outcome


def order_events(record):
    return Event.objects.filter(record_model="demo.order", record_pk=str(record.pk))


def evaluation_for(workflow, event) -> WorkflowEvaluation:
    return WorkflowEvaluation.objects.get(workflow=workflow, event=event)


# -- events are part of the change's transaction ---------------------------------

@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_leaves_no_event_no_run_and_wakes_nobody(receiver,
                                                                       allow_local_http,
                                                                       monkeypatch):
    workflow = create_workflow("Notify", [http_step("notify", receiver.url("/notify"))])
    broker = get_broker()
    wakeups.settle()  # wake-ups asked for before this test are out
    queued = broker.queue_size()

    with pytest.raises(RuntimeError), transaction.atomic():
        created = order("250.00")
        assert order_events(created).count() == 1  # written...
        raise RuntimeError("the request failed after save()")

    assert Order.objects.count() == 0
    assert Event.objects.count() == 0  # ...and rolled back with the change
    time.sleep(0.3)  # the background waker would have sent one by now
    assert broker.queue_size() == queued  # no wake-up was sent for it
    drain()
    assert Run.objects.count() == 0
    assert runs_of(workflow) == []
    assert receiver.count() == 0


@pytest.mark.django_db(transaction=True)
def test_one_committed_change_makes_exactly_one_run(receiver, allow_local_http, monkeypatch):
    workflow = create_workflow("Notify", [http_step("notify", receiver.url("/notify"))])
    broker = get_broker()
    wakeups.settle()
    queued = broker.queue_size()
    try:
        with transaction.atomic():
            created = order("250.00")
            assert broker.queue_size() == queued  # no wake-up before the commit
        [event] = Event.objects.filter(target="demo.order")
        assert event.status == EventStatus.PENDING
        assert (event.trigger_type, event.target, event.record_pk) == (
            "model.created", "demo.order", str(created.pk))
        # A wake-up after the commit (the customer and the order each record an
        # event; their wake-ups are usually, not always, folded into one).
        wait_until(lambda: broker.queue_size() >= queued + 1, timeout=5,
                   message="a wake-up after the commit")
        assert broker.queue_size() <= queued + 2

        drain()
        drain()  # nothing left: a second pass creates and runs nothing
        [run] = runs_of(workflow)
        assert run.status == RunStatus.SUCCEEDED
        assert run.event_id == event.pk and run.version_id == workflow.live_version_id
        event.refresh_from_db()
        assert event.status == EventStatus.DISPATCHED
        assert receiver.count("/notify") == 1
    finally:
        broker.purge_queue()  # the wake-up is not for a real worker


@pytest.mark.django_db
def test_a_double_delivery_of_one_event_makes_one_run(receiver, allow_local_http):
    workflow = create_workflow("Notify", [http_step("notify", receiver.url("/notify"))])
    order("250.00")
    # The wake-up task delivered twice (or a sweep racing it): the event row is the
    # unit of work, so the second delivery finds nothing to do.
    first = work(max_seconds=5)
    second = work(max_seconds=5)
    assert first["runs_created"] == 1 and second["runs_created"] == 0
    [run] = runs_of(workflow)
    [event] = Event.objects.filter(target="demo.order")
    assert run.status == RunStatus.SUCCEEDED
    assert WorkflowEvaluation.objects.filter(event=event).count() == 1
    assert receiver.count("/notify") == 1
    # And should anything try to start the same version for the same event again,
    # the database refuses it.
    with pytest.raises(IntegrityError), transaction.atomic():
        Run.objects.create(workflow=workflow, version=run.version, event=event)


@pytest.mark.django_db
def test_an_event_that_cannot_be_dispatched_is_marked_failed_and_the_others_go_on(
        receiver, allow_local_http, monkeypatch):
    from workflows_app.execution import dispatch

    workflow = create_workflow("Notify", [http_step("notify", receiver.url("/notify"))])
    good, bad = order("250.00"), order("260.00")
    real_dispatch_event = dispatch.dispatch_event

    def broken_for_one(event, candidates):
        if event.record_pk == str(bad.pk):
            raise RuntimeError("candidate lookup exploded")
        return real_dispatch_event(event, candidates)

    monkeypatch.setattr(dispatch, "dispatch_event", broken_for_one)
    drain()
    good_event, bad_event = (order_events(good).get(), order_events(bad).get())
    assert (good_event.status, bad_event.status) == (EventStatus.DISPATCHED, EventStatus.FAILED)
    assert bad_event.error == "RuntimeError: candidate lookup exploded"
    assert [run.event_id for run in runs_of(workflow)] == [good_event.pk]
    # Both stay findable by their data in the runs and events lists.
    assert good.number.lower() in good_event.search_text
    assert bad.number.lower() in bad_event.search_text
    assert good_event.dispatch_attempts == bad_event.dispatch_attempts == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_over_the_same_events_start_each_run_once(receiver,
                                                                     allow_local_http):
    workflow = create_workflow("Notify", [http_step("notify", receiver.url("/notify"))])
    with transaction.atomic():
        for _ in range(20):
            order("10.00")
    start = threading.Barrier(3)
    errors: list[BaseException] = []

    def racer() -> None:
        try:
            start.wait()
            drain(max_seconds=30)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=racer) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert Run.objects.count() == 20
    assert WorkflowEvaluation.objects.count() == 20
    assert set(Run.objects.values_list("status", flat=True)) == {RunStatus.SUCCEEDED}
    keys = [item.idempotency_key for item in receiver.received("/notify")]
    assert len(keys) == 20 and len(set(keys)) == 20
    assert runs_of(workflow)


@pytest.mark.django_db
def test_a_double_save_with_identical_content_makes_one_run(receiver, allow_local_http):
    workflow = create_workflow(
        "Confirm", [http_step("confirm", receiver.url("/confirm"))], trigger=ORDER_UPDATED,
        conditions={"ref": "record.status", "op": "changed_to", "value": "submitted"})
    created = order("250.00")
    drain()
    # Two requests (a double click) load the same order and save the same change.
    first, second = Order.objects.get(pk=created.pk), Order.objects.get(pk=created.pk)
    first.status = second.status = "submitted"
    first.save()
    second.save()
    drain()
    [run] = runs_of(workflow)
    assert run.status == RunStatus.SUCCEEDED
    assert receiver.count("/confirm") == 1
    duplicate = WorkflowEvaluation.objects.get(workflow=workflow, outcome=Outcome.DUPLICATE)
    assert duplicate.run is None
    assert "identical event within the dedupe window" in duplicate.message

    # A change with other content is not a duplicate.
    third = Order.objects.get(pk=created.pk)
    third.status = "new"
    third.save()
    third.status = "submitted"
    third.total_amount = "300.00"
    third.save()
    drain()
    assert len(runs_of(workflow)) == 2


@pytest.mark.django_db(transaction=True)
def test_identical_events_dispatched_at_the_same_moment_make_one_run(receiver,
                                                                     allow_local_http):
    """Two workers dispatch the two events of a double save at once: the second waits
    for the first's run to commit (PostgreSQL: an advisory lock on the fingerprint;
    SQLite: one writing transaction at a time), then sees it is a duplicate."""
    workflow = create_workflow(
        "Confirm", [http_step("confirm", receiver.url("/confirm"))], trigger=ORDER_UPDATED,
        conditions={"ref": "record.status", "op": "changed_to", "value": "submitted"})
    created = order("250.00")
    drain()
    first, second = Order.objects.get(pk=created.pk), Order.objects.get(pk=created.pk)
    first.status = second.status = "submitted"
    first.save()
    second.save()
    one, two = order_events(created).filter(trigger_type="model.updated").order_by("pk")
    assert one.fingerprint == two.fingerprint

    dispatched, tried = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def hold_before_marking_dispatched(execute, sql, params, many, context):
        if sql.startswith('UPDATE "workflows_app_event" SET "status"'):
            dispatched.set()  # event one's run is written, not committed
            tried.wait(timeout=1.5)
        return execute(sql, params, many, context)

    def other_worker() -> None:  # dispatches event one, and commits a moment later
        try:
            with connection.execute_wrapper(hold_before_marking_dispatched):
                dispatch_pending(1)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
            dispatched.set()
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    assert dispatched.wait(timeout=10)
    dispatch_pending(50)  # event two, while event one's run is not committed yet
    tried.set()
    thread.join(timeout=10)
    assert not errors
    drain()

    [run] = runs_of(workflow)
    assert run.event_id == one.pk
    assert WorkflowEvaluation.objects.get(event=two, workflow=workflow).outcome == (
        Outcome.DUPLICATE)
    assert receiver.count("/confirm") == 1


@pytest.mark.django_db
def test_the_dedupe_window_can_be_turned_off(receiver, allow_local_http, settings):
    settings.WORKFLOWS = {**settings.WORKFLOWS, "DEDUPE_WINDOW_SECONDS": 0}
    workflow = create_workflow(
        "Confirm", [http_step("confirm", receiver.url("/confirm"))], trigger=ORDER_UPDATED,
        conditions={"ref": "record.status", "op": "changed_to", "value": "submitted"})
    created = order("250.00")
    first, second = Order.objects.get(pk=created.pk), Order.objects.get(pk=created.pk)
    first.status = second.status = "submitted"
    first.save()
    second.save()
    drain()
    assert len(runs_of(workflow)) == 2


# -- "why did / didn't it run" ---------------------------------------------------------

@pytest.mark.django_db
def test_every_considered_workflow_says_why_it_did_or_did_not_run(receiver, allow_local_http):
    big = create_workflow(
        "Big EUR orders", [http_step("notify", receiver.url("/big"))],
        conditions={"all": [{"ref": "record.total_amount", "op": "gte", "value": 10000},
                            {"ref": "record.currency", "op": "eq", "value": "EUR"}]})
    anything = create_workflow("Every order", [http_step("notify", receiver.url("/all"))])
    small = order("9500.00", currency="EUR")
    drain()

    [event] = order_events(small)
    not_met = evaluation_for(big, event)
    assert not_met.outcome == Outcome.CONDITIONS_NOT_MET and not_met.run is None
    # The message names the first condition that failed, with the value it saw.
    assert "record.total_amount" in not_met.message
    assert "9500" in not_met.message and "10000" in not_met.message
    assert "currency" not in not_met.message
    assert not_met.explanation["matched"] is False
    started = evaluation_for(anything, event)
    assert started.outcome == Outcome.STARTED and started.run is not None
    assert receiver.count("/big") == 0 and receiver.count("/all") == 1

    usd = order("12000.00", currency="USD")
    drain()
    message = evaluation_for(big, order_events(usd).get()).message
    assert "record.currency" in message and '"USD"' in message


# -- step semantics ------------------------------------------------------------------------

@pytest.mark.django_db
def test_when_false_skips_the_step_and_the_run_goes_on(receiver, allow_local_http):
    workflow = create_workflow("When", [
        http_step("only_big", receiver.url("/big"),
                  when={"ref": "record.total_amount", "op": "gte", "value": 1000}),
        http_step("always", receiver.url("/always")),
    ])
    order("50.00")
    drain()
    [run] = runs_of(workflow)
    assert run.status == RunStatus.SUCCEEDED
    assert step_statuses(run) == {"only_big": StepStatus.SKIPPED, "always": StepStatus.SUCCEEDED}
    skipped = steps_of(run)["only_big"]
    assert skipped.attempt == 0
    assert "record.total_amount" in skipped.attempts_log[-1]["note"]
    assert receiver.count("/big") == 0 and receiver.count("/always") == 1


@pytest.mark.django_db
def test_on_error_continue_records_the_failure_and_goes_on(receiver, allow_local_http):
    receiver.respond("/broken", status=503, body={"error": "down for maintenance"})
    workflow = create_workflow("Continue", [
        http_step("optional", receiver.url("/broken"), on_error="continue"),
        http_step("next", receiver.url("/next")),
    ])
    order("50.00")
    drain()
    [run] = runs_of(workflow)
    assert run.status == RunStatus.SUCCEEDED and run.error == ""
    steps = steps_of(run)
    assert steps["optional"].status == StepStatus.FAILED
    assert "HTTP 503" in steps["optional"].error and "down for maintenance" in steps[
        "optional"].error
    assert steps["next"].status == StepStatus.SUCCEEDED
    assert receiver.count("/broken") == 1 and receiver.count("/next") == 1


@pytest.mark.django_db
def test_record_updates_of_many_runs_each_take_effect_once_and_a_failure_stays_its_own(
        receiver, allow_local_http):
    """The executor runs the record.update steps of a round together; one that
    fails must not undo or repeat the others' changes."""
    workflow = create_workflow("Confirm", [
        {"key": "confirm", "type": "record.update",
         "params": {"record": {"ref": "record"}, "fields": {"status": "confirmed"}}},
        http_step("notify", receiver.url("/notify")),
    ])
    orders = [order("10.00") for _ in range(6)]
    gone = orders[2]
    Order.objects.filter(pk=gone.pk).delete()  # its run's record.update will fail
    drain()

    runs = {run.event.record_pk: run for run in runs_of(workflow)}
    assert len(runs) == 6
    failed = runs.pop(str(gone.pk))
    assert failed.status == RunStatus.FAILED
    assert steps_of(failed)["confirm"].error == f"Order #{gone.pk} no longer exists"
    assert steps_of(failed)["confirm"].attempt == 1
    for record_pk, run in runs.items():
        assert run.status == RunStatus.SUCCEEDED, run.error
        record = Order.objects.get(pk=record_pk)
        assert record.status == "confirmed"
        confirm = steps_of(run)["confirm"]
        assert confirm.attempt == 1 and len(confirm.attempts_log) == 1
        assert confirm.attempts_log[0]["note"] == f"updated status of {record}"
        # The change was recorded once (a rolled-back attempt leaves no event).
        assert Event.objects.filter(caused_by_run=run, trigger_type="model.updated").count() == 1
    assert receiver.count("/notify") == 5

    # All succeeding together: each change once as well.
    more = [order("20.00") for _ in range(4)]
    drain()
    for record in more:
        [run] = Run.objects.filter(workflow=workflow, event__record_pk=str(record.pk),
                                   event__trigger_type="model.created")
        assert run.status == RunStatus.SUCCEEDED
        assert Order.objects.get(pk=record.pk).status == "confirmed"
        assert Event.objects.filter(caused_by_run=run).count() == 1


@pytest.mark.django_db
def test_when_saving_a_batch_of_record_updates_fails_each_runs_again_alone_once(
        receiver, allow_local_http, monkeypatch):
    """A failure while writing the results of the round's record.update steps (a
    deadlock with another worker, say) rolls the batch back; each step then runs
    alone and its row shows one attempt, not a phantom success from the batch."""
    from workflows_app.execution import checkpoints

    workflow = create_workflow("Confirm", [
        {"key": "confirm", "type": "record.update",
         "params": {"record": {"ref": "record"}, "fields": {"status": "confirmed"}}},
    ])
    orders = [order("10.00") for _ in range(3)]
    real_save_rows = checkpoints.save_rows
    calls = []

    def fails_for_the_batch(rows):
        calls.append(len(rows))
        if len(rows) > 1:
            raise DatabaseError("deadlock detected")
        real_save_rows(rows)

    monkeypatch.setattr(checkpoints, "save_rows", fails_for_the_batch)
    drain()
    assert calls[0] == 3  # the batch was tried, then each step alone
    runs = {run.event.record_pk: run for run in runs_of(workflow)}
    for record in orders:
        run = runs[str(record.pk)]
        assert run.status == RunStatus.SUCCEEDED, run.error
        confirm = steps_of(run)["confirm"]
        assert confirm.attempt == 1
        assert [entry["status"] for entry in confirm.attempts_log] == ["succeeded"]
        assert Event.objects.filter(caused_by_run=run).count() == 1
        assert Order.objects.get(pk=record.pk).status == "confirmed"


@pytest.mark.django_db
def test_on_error_stop_fails_the_run_and_leaves_later_steps_alone(receiver, allow_local_http):
    receiver.respond("/broken", status=500)
    workflow = create_workflow("Stop", [
        http_step("first", receiver.url("/broken")),
        http_step("second", receiver.url("/second")),
    ])
    order("50.00")
    drain()
    [run] = runs_of(workflow)
    assert run.status == RunStatus.FAILED
    assert run.error.startswith('step "first" failed: POST ') and "HTTP 500" in run.error
    assert step_statuses(run) == {"first": StepStatus.FAILED}
    assert receiver.count("/second") == 0


@pytest.mark.django_db
def test_filter_stops_quietly_and_skips_the_rest(receiver, allow_local_http):
    workflow = create_workflow("Filter", [
        http_step("before", receiver.url("/before")),
        {"key": "only_usd", "type": "filter", "params": {
            "condition": {"ref": "record.currency", "op": "eq", "value": "USD"}}},
        http_step("after", receiver.url("/after")),
    ])
    order("50.00", currency="EUR")
    order("60.00", currency="USD")
    drain()
    stopped, passed = runs_of(workflow)
    assert stopped.status == RunStatus.SUCCEEDED and stopped.error == ""
    steps = steps_of(stopped)
    assert {key: row.status for key, row in steps.items()} == {
        "before": StepStatus.SUCCEEDED, "only_usd": StepStatus.SUCCEEDED,
        "after": StepStatus.SKIPPED}
    assert steps["only_usd"].outputs == {"passed": False}
    assert "stopped by filter" in steps["only_usd"].attempts_log[-1]["note"]
    assert "record.currency" in steps["only_usd"].attempts_log[-1]["note"]
    assert "stopped by filter" in steps["after"].attempts_log[-1]["note"]

    assert passed.status == RunStatus.SUCCEEDED
    assert steps_of(passed)["only_usd"].outputs == {"passed": True}
    assert receiver.count("/before") == 2 and receiver.count("/after") == 1


@pytest.mark.django_db
def test_later_steps_use_earlier_outputs(receiver, allow_local_http):
    receiver.respond("/lookup", body={"ticket": "T-77"})
    workflow = create_workflow("Outputs", [
        http_step("lookup", receiver.url("/lookup")),
        http_step("report", receiver.url("/report"), params={
            "body": {"status": "{{ steps.lookup.status_code }}",
                     "text": "ticket {{ steps.lookup.body.ticket }}"}}),
    ])
    order("50.00")
    drain()
    [run] = runs_of(workflow)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert steps_of(run)["lookup"].outputs["body"] == {"ticket": "T-77"}
    [report] = receiver.received("/report")
    assert report.json == {"status": "200", "text": "ticket T-77"}


@pytest.mark.django_db
def test_retries_back_off_then_fail_and_retry_run_resumes_at_the_failed_step(receiver,
                                                                            allow_local_http):
    receiver.respond("/flaky", status=500, body={"error": "boom"})
    workflow = create_workflow("Retry", [
        http_step("first", receiver.url("/first")),
        http_step("flaky", receiver.url("/flaky"),
                  retry={"max_attempts": 3, "backoff_seconds": 0.05}),
        http_step("last", receiver.url("/last")),
    ])
    order("50.00")
    drain(wait_for_delays=True, max_seconds=20)
    [run] = runs_of(workflow)
    assert run.status == RunStatus.FAILED
    assert receiver.count("/flaky") == 3
    flaky = steps_of(run)["flaky"]
    assert flaky.attempt == 3 and [entry["status"] for entry in flaky.attempts_log] == [
        "failed"] * 3

    with pytest.raises(RunActionError):
        cancel_run(run)
    receiver.respond("/flaky", status=200)
    retry_run(run)
    drain(wait_for_delays=True, max_seconds=20)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED and run.error == ""
    assert receiver.count("/first") == 1 and receiver.count("/flaky") == 4
    assert receiver.count("/last") == 1
    assert list(RunAction.objects.filter(run=run).values_list("action", flat=True)) == [
        "retry"]
    with pytest.raises(RunActionError):
        retry_run(run)


@pytest.mark.django_db
def test_cancel_run_stops_a_waiting_run(receiver, allow_local_http):
    workflow = create_workflow("Wait", [
        {"key": "wait", "type": "delay", "params": {"duration": "1 hour"}},
        http_step("after", receiver.url("/after")),
    ])
    order("50.00")
    drain()
    [run] = runs_of(workflow)
    assert run.status == RunStatus.WAITING and run.due_at is not None
    assert step_statuses(run) == {"wait": StepStatus.WAITING}

    cancel_run(run)
    Run.objects.filter(pk=run.pk).update(due_at=None)  # even if it were due now
    drain()
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED and run.finished_at is not None
    assert step_statuses(run) == {"wait": StepStatus.SKIPPED}
    assert receiver.count("/after") == 0
    with pytest.raises(RunActionError):
        cancel_run(run)


@pytest.mark.django_db
def test_run_again_starts_a_new_run_on_the_live_version(receiver, allow_local_http):
    from tests.workflows_app.support import update_workflow

    workflow = create_workflow("Again", [http_step("call", receiver.url("/v1"))])
    order("50.00")
    drain()
    [first] = runs_of(workflow)
    assert first.status == RunStatus.SUCCEEDED

    workflow = update_workflow(workflow, [http_step("call", receiver.url("/v2"))])
    again = run_again(first)
    assert again.pk != first.pk and again.rerun_of_id == first.pk
    assert again.event_id == first.event_id
    assert again.version_id == workflow.live_version_id != first.version_id
    drain()
    again.refresh_from_db()
    assert again.status == RunStatus.SUCCEEDED
    assert receiver.count("/v1") == 1 and receiver.count("/v2") == 1
    [call] = receiver.received("/v2")
    assert call.idempotency_key == f"{again.pk}:call"  # its own key, not the first run's
    first.refresh_from_db()
    assert first.status == RunStatus.SUCCEEDED


@pytest.mark.django_db
def test_a_step_never_sees_records_outside_registered_fields(receiver, allow_local_http):
    """`trigger.record` holds what the record looked like when the event happened;
    `record` is the record as it is when the step runs."""
    buyer = customer("Grace Hopper", "grace@example.net")
    workflow = create_workflow("Snapshot", [
        http_step("notify", receiver.url("/notify"), params={
            "body": {"order": "{{ record.number }}", "total": "{{ record.total_amount }}",
                     "then": "{{ trigger.record.total_amount }}",
                     "who": "{{ record.customer.name }}"}}),
    ])
    created = order("123.45", number="S-1", customer_obj=buyer)
    Order.objects.filter(pk=created.pk).update(total_amount="999.00")  # after the event
    drain()
    [run] = runs_of(workflow)
    assert run.status == RunStatus.SUCCEEDED
    [call] = receiver.received("/notify")
    assert call.json == {"order": "S-1", "total": "999.00", "then": "123.45",
                         "who": "Grace Hopper"}
    seen = steps_of(run)["notify"].attempts_log[-1]["seen"]
    assert seen == {"record.number": "S-1", "record.total_amount": "999.00",
                    "trigger.record.total_amount": "123.45",
                    "record.customer.name": "Grace Hopper"}
