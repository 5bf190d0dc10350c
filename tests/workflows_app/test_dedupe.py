"""What the dedupe window drops, and what it never drops.

A duplicate is the same change reported twice: a `model.updated` event whose values
before and after equal those of the event just before it for the same record (a
double click, two code paths saving one change, in one transaction or two). A
genuine repeat - the record changed back, then the same change again - always runs,
however soon. Webhook retries are recognised by their `webhook-id` (409), never by
their content; identical bodies without an id are two deliveries."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from config.demo.models import Order
from tests.workflows_app.support import (
    ORDER_UPDATED,
    create_workflow,
    http_step,
    order,
    runs_of,
    wait_until,
)
from tests.workflows_app.test_webhooks import hook_definition
from workflows_app.execution.queue import drain
from workflows_app.models import Event, Run, WorkflowEvaluation
from workflows_app.services import save_definition

Outcome = WorkflowEvaluation.Outcome
SUBMITTED = {"ref": "record.status", "op": "changed_to", "value": "submitted"}


def confirm_workflow(receiver):
    return create_workflow("Confirm", [http_step("confirm", receiver.url("/confirm"))],
                           trigger=ORDER_UPDATED, conditions=SUBMITTED)


def set_status(pk: int, status: str) -> None:
    record = Order.objects.get(pk=pk)
    record.status = status
    record.save()


@pytest.mark.django_db
def test_the_same_change_made_again_after_a_change_back_runs_again(receiver,
                                                                  allow_local_http) -> None:
    workflow = confirm_workflow(receiver)
    created = order("250.00")
    for status in ("submitted", "new", "submitted"):  # within a second, well inside 300 s
        set_status(created.pk, status)
    drain()
    assert len(runs_of(workflow)) == 2
    assert receiver.count("/confirm") == 2
    assert not WorkflowEvaluation.objects.filter(outcome=Outcome.DUPLICATE).exists()


@pytest.mark.django_db
def test_the_same_change_saved_twice_in_one_transaction_is_one_run(receiver,
                                                                  allow_local_http) -> None:
    workflow = confirm_workflow(receiver)
    created = order("250.00")
    with transaction.atomic():
        first, second = Order.objects.get(pk=created.pk), Order.objects.get(pk=created.pk)
        first.status = second.status = "submitted"
        first.save()
        second.save()
    drain()
    [run] = runs_of(workflow)
    duplicate = WorkflowEvaluation.objects.get(workflow=workflow, outcome=Outcome.DUPLICATE)
    assert f"event #{run.event_id}" in duplicate.message
    assert "same change" in duplicate.message


@pytest.mark.django_db
def test_three_identical_reports_of_one_change_are_one_run(receiver, allow_local_http) -> None:
    workflow = confirm_workflow(receiver)
    created = order("250.00")
    copies = [Order.objects.get(pk=created.pk) for _ in range(3)]
    for copy in copies:
        copy.status = "submitted"
        copy.save()
    drain()
    assert len(runs_of(workflow)) == 1
    assert WorkflowEvaluation.objects.filter(outcome=Outcome.DUPLICATE).count() == 2


@pytest.mark.django_db
def test_an_identical_change_after_the_window_runs(receiver, allow_local_http, settings) -> None:
    settings.WORKFLOWS = {**settings.WORKFLOWS, "DEDUPE_WINDOW_SECONDS": 60}
    workflow = confirm_workflow(receiver)
    created = order("250.00")
    first, second = Order.objects.get(pk=created.pk), Order.objects.get(pk=created.pk)
    first.status = second.status = "submitted"
    first.save()
    second.save()
    one, two = Event.objects.filter(trigger_type="model.updated").order_by("pk")
    Event.objects.filter(pk=one.pk).update(occurred_at=two.occurred_at - timedelta(seconds=61))
    drain()
    assert len(runs_of(workflow)) == 2


@pytest.mark.django_db
def test_webhooks_are_deduplicated_by_delivery_id_only(client) -> None:
    workflow = save_definition(hook_definition(require_signature=False), activate=True).workflow
    target = reverse("workflows_app:webhook", args=[workflow.webhook_token])
    body = json.dumps({"customer": {"tier": "gold", "name": "Acme"}})
    answers = [client.post(target, data=body, content_type="application/json",
                           headers=headers).status_code
               for headers in ({}, {}, {"Idempotency-Key": "x"}, {"webhook-id": "evt_1"},
                               {"webhook-id": "evt_1"})]
    assert answers == [202, 202, 202, 202, 409]
    call_command("workflows_drain", verbosity=0, stdout=None)
    assert Run.objects.filter(workflow=workflow).count() == 4


@pytest.mark.django_db(transaction=True)
def test_with_real_workers_a_repeat_runs_and_a_double_save_does_not(receiver, workers) -> None:
    workflow = confirm_workflow(receiver)
    workers.start(1)
    repeated = order("250.00", number="D-1")
    for status in ("submitted", "new", "submitted"):
        set_status(repeated.pk, status)
    doubled = order("250.00", number="D-2")
    first, second = Order.objects.get(pk=doubled.pk), Order.objects.get(pk=doubled.pk)
    first.status = second.status = "submitted"
    first.save()
    second.save()
    wait_until(lambda: receiver.count("/confirm") >= 3, timeout=60,
               message="three calls", details=workers.output)
    wait_until(lambda: not Event.objects.filter(status="pending").exists(), timeout=30,
               message="every event dispatched", details=workers.output)
    by_order = {number: Run.objects.filter(workflow=workflow, event__summary__contains=number)
                .count() for number in ("D-1", "D-2")}
    assert by_order == {"D-1": 2, "D-2": 1}
    assert receiver.count("/confirm") == 3
