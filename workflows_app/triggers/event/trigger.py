"""`event`: host code emits a named, declared event with typed data."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine import Param, ScopeField, ScopeSchema, trigger_registry
from engine.types import ObjectType, Record, User
from workflows_app.models import Event
from workflows_app.records import get_registration, user_model_label
from workflows_app.tenancy import config as tenancy_config
from workflows_app.tenancy.events import UNSET
from workflows_app.triggers.base import Trigger
from workflows_app.triggers.config import DynamicChoice
from workflows_app.triggers.event.declared import (
    DeclaredEvent,
    declared_event_choices,
    get_declared_event,
)
from workflows_app.triggers.scope import event_scope_field

#: Scope root (and payload key) of the event's data.
DATA = "data"


@trigger_registry.register
class NamedEvent(Trigger):
    """Fires when host code calls `emit("payment.received", amount=..., order=...)`.

    Scope: `data.*` as the event declares it, and `event.*`.
    """

    key = "event"
    label = "An event happens"
    description = "Runs when the application reports a named event, such as a payment."
    group = "Events"
    config_params = (
        Param("event", DynamicChoice(declared_event_choices, "Event"), "Event",
              help="Which declared event."),
    )

    def target(self, config: Mapping[str, Any]) -> str:
        return str(config["event"])

    def scope(self, config: Mapping[str, Any]) -> ScopeSchema:
        declared = get_declared_event(str(config["event"]))
        data_fields = list(declared.fields.values()) if declared else []
        return ScopeSchema([
            ScopeField(DATA, ObjectType(data_fields, type_name=f"Data of {config['event']}"),
                       "Event data"),
            event_scope_field(),
        ])

    @classmethod
    def record_emitted(cls, declared: DeclaredEvent, stored: dict[str, Any],
                       instances: list[Any]) -> Event:
        """Record `declared` with its checked data (`stored`, records as keys); the
        event is about the first record in its data (and, with tenancy on, belongs
        to that record's tenant)."""
        record_model, record_pk = "", ""
        for key, scope_field in declared.fields.items():
            if isinstance(scope_field.type, Record) and stored.get(key) is not None:
                record_model = (user_model_label() if isinstance(scope_field.type, User)
                                else scope_field.type.model)
                record_pk = stored[key]
                break
        summary = declared.label
        if instances:
            summary += ": " + ", ".join(str(instance) for instance in instances[:3])
        tenant = UNSET
        if tenancy_config.enabled() and record_model:
            tenant = _record_tenant(record_model, record_pk, instances)
        return cls.record(payload={DATA: stored}, target=declared.name, summary=summary,
                          record_model=record_model, record_pk=record_pk, tenant=tenant)


def _record_tenant(model: str, pk: object, instances: list[object]) -> object:
    """The tenant key of the record an emitted event is about (`UNSET` when the
    record's model has no tenant path: the acting tenant or the cause's decides)."""
    registration = get_registration(model)
    if registration is None or not registration.tenant_path:
        return UNSET
    instance = next((item for item in instances if type(item) is registration.model
                     and str(getattr(item, "pk", None)) == str(pk)), None)
    if instance is None:
        instance = registration.model._default_manager.filter(pk=pk).first()
    return registration.tenant_key(instance) if instance is not None else UNSET
