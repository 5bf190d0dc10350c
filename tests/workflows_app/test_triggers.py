"""Built-in triggers: config checks and the scope each builds."""

from __future__ import annotations

import pytest

from engine import check_definition, trigger_registry
from workflows_app.metadata import trigger_metadata
from workflows_app.triggers.schedule.trigger import describe_cron


def definition(trigger, conditions=None):
    return {"schema_version": 1, "name": "T", "trigger": trigger,
            "conditions": conditions or {}, "steps": []}


def errors(trigger, conditions=None):
    return [str(e) for e in check_definition(definition(trigger, conditions))]


def test_contract_trigger_names_are_registered():
    assert set(trigger_registry.keys()) >= {"model.created", "model.updated", "model.deleted",
                                            "event", "webhook", "schedule", "manual"}


def test_model_trigger_needs_a_registered_model():
    assert errors({"type": "model.created"}) == ["trigger.model: model.created needs model (model)"]
    [message] = errors({"type": "model.created", "model": "auth.permission"})
    assert message.startswith('trigger.model: "auth.permission" is not one of the options')


def test_previous_only_on_model_updated():
    condition = {"ref": "previous.status", "op": "eq", "value": "new"}
    assert errors({"type": "model.updated", "model": "demo.order"}, condition) == []
    [message] = errors({"type": "model.created", "model": "demo.order"}, condition)
    assert '"previous.status" is not in scope' in message


def test_schedule_checks_cron_and_timezone():
    assert errors({"type": "schedule", "cron": "0 9 * * 1-5", "timezone": "Europe/London"}) == []
    assert errors({"type": "schedule", "cron": "0 9 * *"}) == [
        'trigger.cron: "0 9 * *" has 4 fields; a cron expression has 5 (minute hour '
        "day-of-month month day-of-week)"]
    assert errors({"type": "schedule", "cron": "0 25 * * *"}) == [
        'trigger.cron: "0 25 * * *" is not a valid cron expression']
    assert errors({"type": "schedule", "cron": "0 9 * * *", "timezone": "Mars/Base"}) == [
        'trigger.timezone: "Mars/Base" is not a known timezone (e.g. "UTC", "Europe/Paris")']
    assert describe_cron("0 9 * * 1-5") == "At 09:00, Monday through Friday"


def test_manual_inputs_become_typed_scope():
    trigger = {"type": "manual", "inputs": [
        {"name": "order", "type": "Record[demo.order]", "label": "Order"},
        {"name": "amount", "type": "Number"}]}
    assert errors(trigger, {"ref": "inputs.order.customer.email", "op": "is_set"}) == []
    assert errors(trigger, {"ref": "inputs.amount", "op": "gt", "value": 1}) == []
    bad = {"type": "manual", "inputs": [{"name": "Bad Name", "type": "Nope"},
                                        {"name": "x", "type": "Number", "default": "abc"}]}
    messages = errors(bad)
    assert "trigger.inputs[0].name: an input name is lower-case letters, digits and _" in messages
    assert any(m.startswith('trigger.inputs[0].type: unknown type "Nope"') for m in messages)
    assert any(m.startswith('trigger.inputs[1].default: "abc" is not a valid Number')
               for m in messages)


def test_event_trigger_uses_declared_data():
    trigger = {"type": "event", "event": "payment.received"}
    assert errors(trigger, {"ref": "data.order.total_amount", "op": "gt", "value": 0}) == []
    [message] = errors({"type": "event", "event": "nothing.happened"})
    assert message.startswith('trigger.event: "nothing.happened" is not one of the options')


def test_webhook_scope_allows_any_payload_path():
    assert errors({"type": "webhook"}, {"ref": "payload.customer.tier", "op": "eq",
                                        "value": "gold"}) == []


@pytest.mark.parametrize("key", ["model.created", "manual", "schedule", "webhook", "event"])
def test_every_trigger_describes_itself(key):
    described = trigger_metadata(trigger_registry.get(key))
    assert described["key"] == key and described["label"] and described["description"]
