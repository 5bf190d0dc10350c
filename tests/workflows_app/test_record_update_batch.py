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
