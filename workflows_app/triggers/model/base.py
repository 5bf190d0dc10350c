"""The shared base of `model.created`, `model.updated` and `model.deleted`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from django.db import models

from engine import Param, ScopeField, ScopeSchema
from engine.types import ObjectType, Record
from workflows_app.models import Event
from workflows_app.records import ModelRegistration, get_registration, trigger_model_choices
from workflows_app.tenancy import config as tenancy_config
from workflows_app.tenancy.events import UNSET
from workflows_app.triggers.base import Trigger
from workflows_app.triggers.config import DynamicChoice
from workflows_app.triggers.scope import event_scope_field

#: Scope roots (and payload keys): the record, and its values before the change.
RECORD = "record"
PREVIOUS = "previous"


class ModelTrigger(Trigger):
    """Fires after the commit of a save or delete of a registered model.

    Scope: `record.*` (the record, foreign keys followable), `event.*`, and on
    `model.updated` `previous.*` (the field values before the save, which the
    `changed*` operators compare `record.*` with). On `model.created` and
    `model.updated` the record is live: conditions see it as it was when the event
    happened, steps as it is when they run, with the snapshot at `trigger.record.*`.
    """

    group = "Records"
    config_params = (
        Param("model", DynamicChoice(trigger_model_choices, "Model"), "Model",
              help="Which kind of record."),
    )
    #: Whether the scope holds `previous.*` (the values before the save).
    with_previous: ClassVar[bool] = False
    #: The `event.type` suffix and summary verb ("created").
    action: ClassVar[str] = ""
    #: Whether steps see the record as it is when they run (not for deletes:
    #: the record is gone, the snapshot is all there is).
    live_record: ClassVar[bool] = True

    def target(self, config: Mapping[str, Any]) -> str:
        return str(config["model"]).lower()

    def scope(self, config: Mapping[str, Any]) -> ScopeSchema:
        model = self.target(config)
        record = Record(model)
        registration = get_registration(model)
        label = registration.verbose_name if registration else model
        live = {RECORD: f"{label} when it happened"} if self.live_record else {}
        record_label = f"{label} now" if self.live_record else label
        record_help = (f"The {label.lower()} that was {self.action}, as it is when the step "
                       "runs (conditions see it as it was when the event happened)."
                       if self.live_record else f"The {label.lower()} that was {self.action}.")
        fields = [ScopeField(RECORD, record, record_label, help=record_help),
                  event_scope_field()]
        if not self.with_previous:
            return ScopeSchema(fields, live=live)
        previous_fields = list(record.children().values())
        fields.append(ScopeField(
            PREVIOUS, ObjectType(previous_fields, type_name=f"{label} before the change"),
            "Before the change", help="The values of the fields before this save."))
        return ScopeSchema(fields, before_change={RECORD: PREVIOUS}, live=live)

    @classmethod
    def record_change(cls, registration: ModelRegistration, instance: models.Model,
                      current: dict[str, Any], *, previous: dict[str, Any] | None = None,
                      record_pk: Any = None, dedupe_content: Any = None) -> Event:
        """Record that `instance` (a registered model's record, serialised as
        `current`) was created, updated (with `previous`) or deleted."""
        payload: dict[str, Any] = {RECORD: current, f"{RECORD}_label": str(instance)}
        if cls.with_previous:
            payload[PREVIOUS] = previous
        return cls.record(
            payload=payload, target=registration.label, summary=f"{instance} {cls.action}",
            record_model=registration.label,
            record_pk=instance.pk if record_pk is None else record_pk,
            dedupe_content=dedupe_content,
            # With tenancy on, a record's events belong to the record's tenant.
            tenant=(registration.tenant_key(instance) if tenancy_config.enabled()
                    else UNSET))
