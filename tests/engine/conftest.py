from __future__ import annotations

import copy

import pytest

from engine import ValidatedDefinition, check_definition, validate_definition
from engine.types.record import set_record_provider
from tests.engine.support import DemoProvider, registries

FORMAT_EXAMPLE = {
    "schema_version": 1,
    "name": "New order processing",
    "description": "Confirm big orders and tell operations",
    "trigger": {"type": "model.created", "model": "demo.order"},
    "conditions": {"all": [
        {"ref": "record.total_amount", "op": "gte", "value": 10000},
        {"any": [
            {"ref": "record.currency", "op": "eq", "value": "USD"},
            {"ref": "record.customer.email", "op": "ends_with", "value": "@example.com"},
        ]},
    ]},
    "steps": [
        {"key": "confirm", "type": "record.update",
         "params": {"record": {"ref": "record"}, "fields": {"status": "confirmed"}}},
        {"key": "mail_ops", "type": "email.send", "on_error": "continue",
         "when": {"ref": "record.customer.email", "op": "is_set"},
         "params": {"to": ["ops@example.com"],
                    "subject": "New order {{ record.number }}",
                    "body": "Total {{ record.total_amount }} from {{ record.customer.name }}"}},
    ],
}


@pytest.fixture(autouse=True)
def demo_provider():
    previous = set_record_provider(DemoProvider())
    yield
    set_record_provider(previous)


@pytest.fixture
def example():
    return copy.deepcopy(FORMAT_EXAMPLE)


class World:
    def __init__(self) -> None:
        self.triggers, self.steps = registries()

    def validate(self, data) -> ValidatedDefinition:
        return validate_definition(data, triggers=self.triggers, steps=self.steps)

    def errors(self, data) -> list[str]:
        return [str(e) for e in check_definition(data, triggers=self.triggers, steps=self.steps)]


@pytest.fixture
def world():
    return World()
