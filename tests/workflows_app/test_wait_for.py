"""`wait_for`: a run waits until a condition on its record holds (woken by the
record's change), or a declared event happens (woken by it), or the timeout; it
outputs which happened."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone

from config.demo.models import Order, Payment
from tests.workflows_app.support import (
    create_workflow,
    http_step,
    order,
    runs_of,
    steps_of,
)
from workflows_app.execution.queue import drain
from workflows_app.models import RunStatus, StepRun


def waiting_for(receiver, **params):
    return [
        {"key": "until_paid", "type": "wait_for", "params": {"timeout": "1 hour", **params}},
        http_step("next", receiver.url("/next"), params={"body": {
            "outcome": "{{ steps.until_paid.outcome }}", "status": "{{ record.status }}"}}),
    ]


PAID = {"ref": "record.status", "op": "eq", "value": "paid"}


@pytest.mark.django_db
def test_a_change_of_the_record_wakes_the_run_when_the_condition_holds(receiver,
                                                                       allow_local_http):
    workflow = create_workflow("Until paid", waiting_for(receiver, condition=PAID))
    placed = order("30.00")
    drain()
    [run] = runs_of(workflow)
    assert run.status == RunStatus.WAITING
    placed.status = Order.Status.CONFIRMED  # a change, but the condition does not hold
    placed.save()
    drain()
    assert runs_of(workflow)[0].status == RunStatus.WAITING
    placed.status = Order.Status.PAID
    placed.save()
    drain()  # no time passes: only the change can have woken it
    [run] = runs_of(workflow)
    assert run.status == RunStatus.SUCCEEDED
    assert receiver.received("/next")[0].json == {"outcome": "condition", "status": "paid"}


@pytest.mark.django_db
def test_a_declared_event_wakes_the_run(receiver, allow_local_http):
    workflow = create_workflow("Until payment", waiting_for(receiver, event="payment.received"))
    placed = order("30.00")
    drain()
    assert runs_of(workflow)[0].status == RunStatus.WAITING
    Payment.objects.create(order=placed, amount="30.00")
    drain()
    [run] = runs_of(workflow)
    assert run.status == RunStatus.SUCCEEDED
    assert receiver.received("/next")[0].json["outcome"] == "event"


@pytest.mark.django_db
def test_the_timeout_ends_the_wait(receiver, allow_local_http):
    workflow = create_workflow("Until paid", waiting_for(receiver, condition=PAID,
                                                         timeout="1 second"))
    order("30.00")
    drain()
    time.sleep(1.1)
    drain()
    [run] = runs_of(workflow)
    assert run.status == RunStatus.SUCCEEDED
    assert receiver.received("/next")[0].json["outcome"] == "timeout"
    assert steps_of(run)["until_paid"].outputs == {"outcome": "timeout"}


@pytest.mark.django_db
def test_a_condition_that_already_holds_goes_on_at_once(receiver, allow_local_http):
    workflow = create_workflow("Until paid", waiting_for(receiver, condition=PAID))
    order("30.00", status=Order.Status.PAID)
    drain()
    [run] = runs_of(workflow)
    assert run.status == RunStatus.SUCCEEDED
    assert not StepRun.objects.filter(run=run, due_at__gt=timezone.now()).exists()


@pytest.mark.django_db
def test_give_a_condition_or_an_event(receiver):
    from engine import check_definition

    base = {"schema_version": 1, "name": "x",
            "trigger": {"type": "model.created", "model": "demo.order"}}
    errors = [str(e) for e in check_definition({**base, "steps": [
        {"key": "w", "type": "wait_for", "params": {"timeout": "1 day"}}]})]
    assert errors == ['steps[0].params: give either "condition" or "event" (exactly one)']
    errors = [str(e) for e in check_definition({**base, "steps": [
        {"key": "w", "type": "wait_for", "params": {"timeout": "1 day", "event": "nope"}}]})]
    assert errors == ["steps[0].params.event: no event named 'nope' is declared"]
