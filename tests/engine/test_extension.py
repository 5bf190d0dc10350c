"""Adding a type, an operator or a step is one new file: these tests write such a
file into a temporary package, import it, and use what it registered."""

from __future__ import annotations

import importlib
import sys
import textwrap

import pytest

from engine import AlreadyRegistered, NotRegistered, Registry, step_registry, type_registry
from engine.types import String, parse_type_spec

NEW_TYPE = '''
"""A new type: an ISO 4217 currency code."""
from engine.types import String, type_registry


@type_registry.register
class CurrencyCode(String):
    name = "CurrencyCode"
    label = "Currency"

    def parse(self, raw):
        text = super().parse(raw).strip().upper()
        if len(text) != 3 or not text.isalpha():
            raise self.error(raw, "expected three letters such as USD")
        return text
'''

NEW_OPERATOR = '''
"""A new operator: a text is longer than N characters."""
from engine.operators.base import Operator
from engine.types import Number, String


@String.register_operator
class LongerThan(Operator):
    name = "longer_than"
    label = "is longer than"

    def value_type(self, subject):
        return Number()

    def test(self, subject_type, subject, value, context):
        return len(subject) > value
'''

NEW_STEP = '''
"""A new step: send an SMS."""
from engine import Output, Param, StepType, step_registry
from engine.types import Phone, String, Text


@step_registry.register
class SendSms(StepType):
    key = "test_sms.send"
    label = "Send an SMS"
    group = "Messaging"
    params = (Param("to", Phone()), Param("body", Text()))
    outputs = (Output("message_id", String()),)

    def run(self, inputs, context):
        return {"message_id": "sms-" + inputs["to"]}
'''


@pytest.fixture
def plugin_package(tmp_path, monkeypatch):
    package = tmp_path / "my_plugins"
    package.mkdir()
    (package / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))

    def add(module_name: str, source: str):
        (package / f"{module_name}.py").write_text(textwrap.dedent(source))
        return importlib.import_module(f"my_plugins.{module_name}")

    yield add
    for name in list(sys.modules):
        if name.startswith("my_plugins"):
            del sys.modules[name]


def test_new_type_in_one_file(plugin_package, world):
    plugin_package("currency", NEW_TYPE)
    try:
        currency = parse_type_spec("CurrencyCode")
        assert currency.parse(" usd ") == "USD"
        assert "starts_with" in currency.operators()  # inherited from String
        definition = {"schema_version": 1, "name": "FX",
                      "trigger": {"type": "manual", "inputs": [
                          {"name": "currency", "type": "CurrencyCode"}]},
                      "conditions": {"ref": "inputs.currency", "op": "eq", "value": "eur"},
                      "steps": []}
        validated = world.validate(definition)
        assert validated.condition.evaluate({"inputs": {"currency": "EUR"}})
        definition["conditions"]["value"] = "euro"
        assert world.errors(definition) == [
            'conditions.value: "euro" is not a valid CurrencyCode: expected three letters '
            "such as USD"]
    finally:
        type_registry.unregister("CurrencyCode")


def test_new_operator_in_one_file_is_inherited(plugin_package, world, example):
    plugin_package("longer", NEW_OPERATOR)
    try:
        example["conditions"] = {"ref": "record.customer.email", "op": "longer_than",
                                 "value": 10}
        validated = world.validate(example)  # Email inherits String's new operator
        assert validated.condition.evaluate({"record": {"customer": {"email": "a@example.com"}}})
        assert not validated.condition.evaluate({"record": {"customer": {"email": "a@b.io"}}})
    finally:
        String.unregister_operator("longer_than")


def test_new_step_in_one_file(plugin_package, world, example):
    module = plugin_package("sms", NEW_STEP)
    try:
        world.steps.register(module.SendSms)
        example["steps"].append({"key": "sms", "type": "test_sms.send", "params": {
            "to": "+44 20 7183 8750", "body": "Order {{ record.number }}"}})
        step = world.validate(example).step("sms")
        inputs = {name: value.resolve({"record": {"number": "A-1"}}, step.schema)
                  for name, value in step.params.items()}
        assert step.step_type.run(inputs, None) == {"message_id": "sms-+442071838750"}
        assert "test_sms.send" in step_registry
        assert [param.name for param in module.SendSms.params] == ["to", "body"]
        assert module.SendSms.params[0].type.input_spec()["widget"] == "tel"
    finally:
        step_registry.unregister("test_sms.send")


def test_registry_refuses_duplicates_and_unknown_keys():
    registry: Registry = Registry("widget")

    @registry.register
    class First:
        key = "a"

    with pytest.raises(AlreadyRegistered, match='A widget is already registered as "a"'):
        registry.register(type("Second", (), {"key": "a"}))
    registry.register(type("Third", (), {}), key="b")
    assert registry.keys() == ["a", "b"]
    registry.unregister("a")
    with pytest.raises(NotRegistered, match='No widget is registered as "a"'):
        registry.get("a")
    with pytest.raises(NotRegistered):
        registry.unregister("a")
    with registry.temporarily(First):
        assert registry.get("a") is First
    assert "a" not in registry
