"""`event`: host code emits a named, declared event with typed data."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine import Param, ScopeField, ScopeSchema, TriggerType, trigger_registry
from engine.types import ObjectType
from workflows_app.events import declared_event_choices, get_declared_event
from workflows_app.triggers.common import DynamicChoice, event_scope_field


@trigger_registry.register
class NamedEvent(TriggerType):
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

    def scope(self, config: Mapping[str, Any]) -> ScopeSchema:
        declared = get_declared_event(str(config["event"]))
        data_fields = list(declared.fields.values()) if declared else []
        return ScopeSchema([
            ScopeField("data", ObjectType(data_fields, type_name=f"Data of {config['event']}"),
                       "Event data"),
            event_scope_field(),
        ])
