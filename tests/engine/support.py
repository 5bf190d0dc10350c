"""A small in-memory world for engine tests: the demo models as a record provider,
model and manual triggers, and steps shaped like the core ones. Registered in
local registries so tests never leak into the global ones."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine import Output, Param, Registry, ScopeField, ScopeSchema, StepType, TriggerType
from engine.errors import DefinitionError, join_path
from engine.params import Reference, compile_param_value
from engine.steps import StepCheck
from engine.types import (
    JSON,
    URL,
    Bool,
    Choice,
    DateTime,
    Email,
    Number,
    ObjectType,
    Phone,
    Record,
    String,
    Text,
    parse_type_spec,
)
from engine.types.array import ArrayType

ORDER_STATUSES = [("new", "New"), ("submitted", "Submitted"), ("confirmed", "Confirmed"),
                  ("paid", "Paid"), ("shipped", "Shipped"), ("cancelled", "Cancelled")]


class DemoProvider:
    """Answers for demo.customer, demo.order and demo.payment."""

    def __init__(self) -> None:
        self.models: dict[str, dict[str, ScopeField]] = {
            "demo.customer": {
                "id": ScopeField("id", Number(), "ID"),
                "name": ScopeField("name", String(), "Name"),
                "email": ScopeField("email", Email(), "E-mail"),
                "phone": ScopeField("phone", Phone(), "Phone"),
            },
            "demo.order": {
                "id": ScopeField("id", Number(), "ID"),
                "number": ScopeField("number", String(), "Number"),
                "customer": ScopeField("customer", Record("demo.customer"), "Customer"),
                "status": ScopeField("status", Choice(ORDER_STATUSES), "Status"),
                "total_amount": ScopeField("total_amount", Number(), "Total amount"),
                "currency": ScopeField("currency", String(), "Currency"),
                "created_at": ScopeField("created_at", DateTime(), "Created at"),
                "updated_at": ScopeField("updated_at", DateTime(), "Updated at"),
            },
            "demo.payment": {
                "id": ScopeField("id", Number(), "ID"),
                "order": ScopeField("order", Record("demo.order"), "Order"),
                "amount": ScopeField("amount", Number(), "Amount"),
            },
        }

    def exists(self, model: str) -> bool:
        return model in self.models

    def model_label(self, model: str) -> str:
        return model.split(".")[-1].capitalize()

    def fields(self, model: str) -> Mapping[str, ScopeField]:
        return self.models.get(model, {})

    def options(self, model: str, search: str = "", offset: int = 0,
                limit: int = 20) -> list[tuple[Any, str]]:
        return []


def event_field() -> ScopeField:
    return ScopeField("event", ObjectType([
        ScopeField("occurred_at", DateTime(), "Occurred at"),
        ScopeField("actor", String(), "Actor"),
    ], type_name="Event"), "Event")


class _ModelTrigger(TriggerType):
    group = "Records"
    config_params = (Param("model", String(), "Model"),)
    with_previous = False

    def check_config(self, config: Mapping[str, Any], path: str) -> list[DefinitionError]:
        errors = super().check_config(config, path)
        model = config.get("model")
        if not errors and not DemoProvider().exists(model):  # type: ignore[arg-type]
            errors.append(DefinitionError(join_path(path, "model"),
                                          f'"{model}" is not registered for workflows'))
        return errors

    def scope(self, config: Mapping[str, Any]) -> ScopeSchema:
        record = Record(config["model"])
        fields = [ScopeField("record", record, "Record"), event_field()]
        if self.with_previous:
            fields.append(ScopeField("previous", ObjectType(
                list(record.children().values()), type_name=f"Previous {record.spec}"),
                "Before the change"))
            return ScopeSchema(fields, before_change={"record": "previous"})
        return ScopeSchema(fields)


class ModelCreated(_ModelTrigger):
    key = "model.created"
    label = "A record is created"


class ModelUpdated(_ModelTrigger):
    key = "model.updated"
    label = "A record is updated"
    with_previous = True


class Manual(TriggerType):
    key = "manual"
    label = "Started by hand"
    config_params = (Param("inputs", JSON(), "Inputs", required=False),)

    def scope(self, config: Mapping[str, Any]) -> ScopeSchema:
        inputs = [ScopeField(item["name"], parse_type_spec(item["type"]), item.get("label", ""))
                  for item in config.get("inputs") or []]
        return ScopeSchema([ScopeField("inputs", ObjectType(inputs, type_name="Inputs")),
                            event_field()])


class EmailSend(StepType):
    key = "email.send"
    label = "Send an e-mail"
    group = "Messaging"
    params = (
        Param("to", ArrayType(Email(), min_items=1), "To"),
        Param("cc", ArrayType(Email()), "Cc", required=False),
        Param("subject", Text(), "Subject"),
        Param("body", Text(), "Body"),
    )
    outputs = (Output("message_id", String(), "Message id"),)


class RecordUpdate(StepType):
    key = "record.update"
    label = "Update a record"
    group = "Records"
    params = (Param("record", Record("demo.order"), "Record"),
              Param("fields", JSON(), "Fields"))

    def check(self, step: StepCheck) -> list[DefinitionError]:
        record = step.params["record"]
        record_type = record.value_type if isinstance(record, Reference) else None
        if not isinstance(record_type, Record):
            return []
        errors: list[DefinitionError] = []
        fields = step.raw_params.get("fields")
        if not isinstance(fields, dict):
            return [DefinitionError(join_path(step.path, "params.fields"), "expected an object")]
        for name, value in fields.items():
            path = join_path(join_path(step.path, "params.fields"), name)
            field = record_type.child(name)
            if field is None:
                errors.append(DefinitionError(path, f'{record_type.spec} has no field "{name}"'))
                continue
            compile_param_value(value, field.type, step.schema, path, errors)
        return errors


class HttpRequest(StepType):
    key = "http.request"
    label = "Send an HTTP request"
    params = (
        Param("method", Choice(["GET", "POST", "PUT", "PATCH", "DELETE"]), default="POST",
              required=False),
        Param("url", URL()),
        Param("headers", JSON(), required=False),
        Param("body", JSON(), required=False),
        Param("timeout_seconds", Number(), required=False, default=10),
        Param("signing_secret", String(), required=False, secret=True),
        Param("verify", Bool(), required=False),
    )
    outputs = (Output("status_code", Number()), Output("body", JSON()))


def registries() -> tuple[Registry, Registry]:
    triggers: Registry = Registry("trigger")
    for trigger in (ModelCreated, ModelUpdated, Manual):
        triggers.register(trigger)
    steps: Registry = Registry("step")
    for step in (EmailSend, RecordUpdate, HttpRequest):
        steps.register(step)
    return triggers, steps
