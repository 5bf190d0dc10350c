"""`record.update` steps of many runs, written together in one transaction (one
round trip of UPDATEs), behave as `save(update_fields=...)` one by one: every
record changed, `auto_now` fields set, `pre_save` / `post_save` sent with the
update fields, and the `model.updated` events they record carry the run's causal
chain, so a workflow reacting to the change runs once per record and never
re-triggers itself."""

from __future__ import annotations

import pytest
from django.db.models.signals import post_save, pre_save

from config.demo.models import Order
from tests.workflows_app.support import ORDER_UPDATED, create_workflow, http_step, order, runs_of
from workflows_app.execution.queue import drain
from workflows_app.models import Event, RunStatus

pytestmark = pytest.mark.django_db


def test_a_batch_of_record_updates_acts_as_saves_one_by_one(receiver, allow_local_http):
    confirm = create_workflow("Confirm", [
        {"key": "confirm", "type": "record.update",
         "params": {"record": {"ref": "record"}, "fields": {"status": "confirmed"}}}])
    react = create_workflow("React", [
        http_step("tell", receiver.url("/confirmed")),
        {"key": "again", "type": "record.update",
         "params": {"record": {"ref": "record"}, "fields": {"status": "confirmed"}}},
    ], trigger=ORDER_UPDATED,
        conditions={"ref": "record.status", "op": "changed_to", "value": "confirmed"})
    orders = [order("10.00") for _ in range(12)]
    before = {o.pk: o.updated_at for o in orders}
    seen: list[tuple[str, int, frozenset]] = []

    def pre(sender, instance, update_fields=None, **kwargs):
        seen.append(("pre", instance.pk, frozenset(update_fields or ())))

    def post(sender, instance, created, update_fields=None, **kwargs):
        seen.append(("post", instance.pk, frozenset(update_fields or ())))

    pre_save.connect(pre, sender=Order)
    post_save.connect(post, sender=Order)
    try:
        drain(max_seconds=30)
    finally:
        pre_save.disconnect(pre, sender=Order)
        post_save.disconnect(post, sender=Order)

    assert [run.status for run in runs_of(confirm)] == [RunStatus.SUCCEEDED] * 12
    assert [run.status for run in runs_of(react)] == [RunStatus.SUCCEEDED] * 12
    assert receiver.count("/confirmed") == 12
    for stored in Order.objects.filter(pk__in=before):
        assert stored.status == "confirmed"
        assert stored.updated_at > before[stored.pk]
    fields = frozenset({"status", "updated_at"})
    for o in orders:
        assert ("pre", o.pk, fields) in seen and ("post", o.pk, fields) in seen
        assert seen.index(("pre", o.pk, fields)) < seen.index(("post", o.pk, fields))
    by_confirm = Event.objects.filter(trigger_type="model.updated", chain=[confirm.pk])
    assert by_confirm.count() == 12
    # React's own change carries [confirm, react]: React does not start again.
    assert Event.objects.filter(trigger_type="model.updated",
                                chain=[confirm.pk, react.pk]).count() == 12


PAYMENT_CREATED = {"type": "model.created", "model": "demo.payment"}


def test_a_record_reached_through_the_trigger_records_foreign_key_is_updated_and_linked():
    """`record.order` of a new payment (the record as it is now, followed through
    its foreign key) is the order to change, and the record a task is about."""
    from django.contrib.auth.models import Group

    from config.demo.models import Payment
    from workflows_app.models import Task

    Group.objects.create(name="Account managers")
    workflow = create_workflow("Mark orders paid", [
        {"key": "mark_paid", "type": "record.update",
         "params": {"record": {"ref": "record.order"}, "fields": {"status": "paid"}}},
        {"key": "call", "type": "task.create",
         "params": {"title": "Call about {{ record.order.number }}", "due": "in 2 days",
                    "assignee": "group:Account managers",
                    "record": {"ref": "record.order"}}},
    ], trigger=PAYMENT_CREATED)
    placed = order("120.00")
    Payment.objects.create(order=placed, amount="120.00", method="card")
    drain(max_seconds=30)

    [run] = runs_of(workflow)
    assert (run.status, run.error) == (RunStatus.SUCCEEDED, "")
    placed.refresh_from_db()
    assert placed.status == "paid"
    task = Task.objects.get(title=f"Call about {placed.number}")
    assert (task.record_model, task.record_id) == ("demo.order", str(placed.pk))
