"""Whole-definition validation: the example of docs/definition-format.md passes, each error kind is
refused with its path and a sentence."""

from __future__ import annotations

import pytest

from engine import InvalidDefinition
from engine.templates import Template


def test_design_example_validates(world, example):
    validated = world.validate(example)
    assert validated.name == "New order processing"
    assert [step.key for step in validated.steps] == ["confirm", "mail_ops"]
    assert validated.steps[1].on_error == "continue"
    assert validated.trigger_type.key == "model.created"


def test_design_example_compiled_parts_work(world, example):
    validated = world.validate(example)
    values = {"record": {"number": "A-1001", "total_amount": "12000.00", "currency": "EUR",
                         "customer": {"name": "Ada", "email": "ada@example.com"}}}
    assert validated.condition.evaluate(values)
    mail = validated.step("mail_ops")
    assert mail.when is not None and mail.when.evaluate(values)
    assert mail.params["subject"].resolve(values, mail.schema) == "New order A-1001"
    assert mail.params["body"].resolve(values, mail.schema) == "Total 12000.00 from Ada"
    assert mail.params["to"].resolve(values) == ["ops@example.com"]


def errors_for(world, data):
    messages = world.errors(data)
    assert messages, "the definition should have been refused"
    with pytest.raises(InvalidDefinition):
        world.validate(data)
    return messages


def test_unknown_trigger(world, example):
    example["trigger"] = {"type": "model.exploded", "model": "demo.order"}
    [message] = errors_for(world, example)
    assert message.startswith('trigger.type: unknown trigger "model.exploded"')
    assert "model.created" in message


def test_trigger_config_unknown_model(world, example):
    example["trigger"]["model"] = "demo.nothing"
    assert errors_for(world, example) == [
        'trigger.model: "demo.nothing" is not registered for workflows']


def test_trigger_config_unknown_setting(world, example):
    example["trigger"]["cron"] = "* * * * *"
    [message] = errors_for(world, example)
    assert message.startswith('trigger.cron: unknown setting "cron" for model.created')


def test_unknown_step_type(world, example):
    example["steps"][1]["type"] = "fax.send"
    [message] = errors_for(world, example)
    assert message.startswith('steps[1].type: unknown step type "fax.send"')
    assert "email.send" in message


def test_unknown_reference_in_condition(world, example):
    example["conditions"]["all"][0]["ref"] = "record.totl_amount"
    [message] = errors_for(world, example)
    assert message == ('conditions.all[0]: "record.totl_amount" is not in scope: record '
                       '(Record[demo.order]) has no "totl_amount"')


def test_unknown_root_reference(world, example):
    example["steps"][0]["params"]["record"] = {"ref": "order"}
    [message] = errors_for(world, example)
    assert message.startswith('steps[0].params.record: "order" is not in scope (available: ')


def test_operator_not_offered_by_type(world, example):
    example["conditions"]["all"][1]["any"][1] = {
        "ref": "record.customer.email", "op": "gte", "value": 3}
    [message] = errors_for(world, example)
    assert message.startswith('conditions.all[1].any[1]: "gte" is not an operator of Email '
                              "(record.customer.email)")
    # changed* need a model.updated trigger, so they are not offered here
    assert "changed" not in message.split("offers:")[1]


def test_value_of_wrong_type_in_condition(world, example):
    example["conditions"]["all"][0]["value"] = "12abc"
    [message] = errors_for(world, example)
    assert message.startswith('conditions.all[0].value: "12abc" is not a valid Number')


def test_value_of_wrong_type_in_param(world, example):
    example["steps"][1]["params"]["to"] = ["ops@example.com", "not-an-address"]
    [message] = errors_for(world, example)
    assert message.startswith('steps[1].params.to[1]: "not-an-address" is not a valid Email')


def test_reference_of_wrong_type_in_param(world, example):
    example["steps"][1]["params"]["to"] = [{"ref": "record.total_amount"}]
    assert errors_for(world, example) == [
        "steps[1].params.to[0]: record.total_amount is Number, but Email is needed here"]


def test_reference_of_right_type_in_param_list(world, example):
    example["steps"][1]["params"]["to"] = [{"ref": "record.customer.email"}, "ops@example.com"]
    validated = world.validate(example)
    values = {"record": {"customer": {"email": "ada@example.com"}}}
    assert validated.step("mail_ops").params["to"].resolve(values) == [
        "ada@example.com", "ops@example.com"]


def test_missing_required_param(world, example):
    del example["steps"][1]["params"]["subject"]
    assert errors_for(world, example) == [
        'steps[1].params.subject: missing required param "subject" (Text)']


def test_unknown_param(world, example):
    example["steps"][1]["params"]["bcc"] = ["x@example.com"]
    [message] = errors_for(world, example)
    assert message.startswith('steps[1].params.bcc: email.send has no param "bcc"')


def test_duplicate_step_key(world, example):
    example["steps"][1]["key"] = "confirm"
    assert errors_for(world, example) == [
        'steps[1].key: duplicate step key "confirm" (also steps[0])']


def test_reference_to_later_step_output(world, example):
    example["steps"].insert(0, {"key": "notify", "type": "email.send", "params": {
        "to": ["ops@example.com"], "subject": "{{ steps.mail_ops.message_id }}", "body": "x"}})
    [message] = errors_for(world, example)
    assert message.startswith("steps[0].params.subject: {{ steps.mail_ops.message_id }}: ")
    assert 'output of step "mail_ops", which runs later' in message


def test_reference_to_own_output(world, example):
    example["steps"][1]["params"]["body"] = "{{ steps.mail_ops.message_id }}"
    [message] = errors_for(world, example)
    assert "this step's own output" in message


def test_reference_to_earlier_step_output_is_fine(world, example):
    example["steps"].append({"key": "again", "type": "email.send", "params": {
        "to": ["ops@example.com"], "subject": "Sent {{ steps.mail_ops.message_id }}",
        "body": "ok"}})
    validated = world.validate(example)
    again = validated.step("again")
    values = {"steps": {"mail_ops": {"message_id": "<m1@x>"}}}
    assert again.params["subject"].resolve(values, again.schema) == "Sent <m1@x>"


def test_template_naming_unknown_path(world, example):
    example["steps"][1]["params"]["subject"] = "Order {{ record.nubmer }}"
    [message] = errors_for(world, example)
    assert message.startswith('steps[1].params.subject: {{ record.nubmer }}: "record.nubmer" is '
                              "not in scope")


def test_template_with_bad_syntax(world, example):
    example["steps"][1]["params"]["body"] = "Total {{ record.total_amount "
    assert errors_for(world, example) == [
        'steps[1].params.body: "{{" is not closed with "}}"']


def test_schema_version_missing(world, example):
    del example["schema_version"]
    assert errors_for(world, example) == [
        "schema_version: missing; this engine reads schema_version 1"]


@pytest.mark.parametrize("version", [2, "1", 0, True, None])
def test_schema_version_unsupported(world, example, version):
    example["schema_version"] = version
    [message] = errors_for(world, example)
    assert message.startswith("schema_version: ")
    assert "is not supported; this engine reads schema_version 1" in message


def test_unknown_top_level_key(world, example):
    example["stpes"] = []
    [message] = errors_for(world, example)
    assert message.startswith('stpes: unknown key "stpes"')


def test_name_required(world, example):
    example["name"] = "  "
    assert errors_for(world, example) == ["name: a workflow needs a name"]


def test_when_condition_is_checked(world, example):
    example["steps"][1]["when"] = {"ref": "record.customer.email", "op": "is_set", "value": 1}
    assert errors_for(world, example) == [
        'steps[1].when.value: "is_set" takes no value; remove "value"']


def test_on_error_and_retry_are_checked(world, example):
    example["steps"][0]["on_error"] = "ignore"
    example["steps"][0]["retry"] = {"max_attempts": 0, "backoff_seconds": -1, "jitter": True}
    messages = errors_for(world, example)
    assert 'steps[0].on_error: "ignore" is not "stop" or "continue"' in messages
    assert "steps[0].retry.max_attempts: a whole number from 1 to 20, got 0" in messages
    assert any(m.startswith("steps[0].retry.backoff_seconds:") for m in messages)
    assert 'steps[0].retry.jitter: unknown retry setting "jitter"' in messages


def test_retry_is_compiled(world, example):
    example["steps"][1]["retry"] = {"max_attempts": 3, "backoff_seconds": 2.5}
    step = world.validate(example).step("mail_ops")
    assert (step.max_attempts, step.backoff_seconds) == (3, 2.5)


def test_step_specific_check_runs(world, example):
    example["steps"][0]["params"]["fields"] = {"status": "lost", "colour": "red"}
    messages = errors_for(world, example)
    assert 'steps[0].params.fields.colour: Record[demo.order] has no field "colour"' in messages
    assert any(m.startswith('steps[0].params.fields.status: "lost" is not one of the options')
               for m in messages)


def test_every_error_is_reported_at_once(world, example):
    example["conditions"]["all"][0]["op"] = "bigger"
    example["steps"][1]["params"]["to"] = ["nobody"]
    example["steps"][0]["key"] = "Bad Key"
    messages = errors_for(world, example)
    assert {m.split(":")[0] for m in messages} == {
        "conditions.all[0]", "steps[1].params.to[0]", "steps[0].key"}


def test_changed_operators_need_a_scope_with_values_before_the_change(world, example):
    example["conditions"] = {"ref": "record.status", "op": "changed_to", "value": "submitted"}
    [message] = errors_for(world, example)
    assert message == ('conditions: "changed_to" compares with the value before the change; '
                       "this trigger keeps no values from before the change")
    example["trigger"]["type"] = "model.updated"
    validated = world.validate(example)
    assert validated.condition.evaluate({"record": {"status": "submitted"},
                                         "previous": {"status": "new"}})
    assert not validated.condition.evaluate({"record": {"status": "submitted"},
                                             "previous": {"status": "submitted"}})


def test_manual_trigger_inputs_are_typed_scope(world):
    data = {"schema_version": 1, "name": "Refund",
            "trigger": {"type": "manual", "inputs": [
                {"name": "amount", "type": "Number"}, {"name": "reason", "type": "Text"}]},
            "conditions": {"ref": "inputs.amount", "op": "lt", "value": 500},
            "steps": [{"key": "tell", "type": "email.send", "params": {
                "to": ["ops@example.com"], "subject": "Refund {{ inputs.amount }}",
                "body": "{{ inputs.reason | default:\"no reason\" }}"}}]}
    validated = world.validate(data)
    step = validated.step("tell")
    assert step.params["body"].resolve({"inputs": {"amount": 3}}, step.schema) == "no reason"


def test_template_object_is_reusable():
    template = Template.parse("{{ a }}-{{ a | upper }}")
    assert template.render({"a": "x"}) == "x-X"
