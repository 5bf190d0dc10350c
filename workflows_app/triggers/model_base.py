"""The shared base of `model.created`, `model.updated` and `model.deleted`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from engine import Param, ScopeField, ScopeSchema, TriggerType
from engine.types import ObjectType, Record
from workflows_app.records import get_registration, trigger_model_choices
from workflows_app.triggers.common import DynamicChoice, event_scope_field


class ModelTrigger(TriggerType):
    """Fires after the commit of a save or delete of a registered model.

    Scope: `record.*` (the record, foreign keys followable), `event.*`, and on
    `model.updated` `previous.*` (the field values before the save).
    """

    group = "Records"
    config_params = (
        Param("model", DynamicChoice(trigger_model_choices, "Model"), "Model",
              help="Which kind of record."),
    )
    #: Whether the scope holds `previous.*` (the values before the save).
    with_previous: ClassVar[bool] = False
    #: The `event.type` suffix ("created").
    action: ClassVar[str] = ""

    def scope(self, config: Mapping[str, Any]) -> ScopeSchema:
        model = str(config["model"]).lower()
        record = Record(model)
        registration = get_registration(model)
        label = registration.verbose_name if registration else model
        fields = [ScopeField("record", record, label,
                             help=f"The {label.lower()} that was {self.action}."),
                  event_scope_field()]
        if self.with_previous:
            previous_fields = list(record.children().values())
            fields.append(ScopeField(
                "previous", ObjectType(previous_fields, type_name=f"{label} before the change"),
                "Before the change", help="The values of the fields before this save."))
        return ScopeSchema(fields)
