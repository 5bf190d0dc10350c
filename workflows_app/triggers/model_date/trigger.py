"""`model.date`: a time relative to a date or date-and-time field of a registered
record falls due ("3 days after an order's created_at", "1 day before its due date").

    {"type": "model.date", "model": "demo.order", "field": "created_at",
     "offset": "3 days", "timezone": "Europe/London"}

The due time of a record is its field's value, read in the workflow's timezone,
plus the offset ("3 days": after; "-1 day": before; "0 days" or none: at it). A
date without a time falls due at the start of that day in the timezone, plus the
offset ("-15 hours": 09:00 the day before). `firing` checks for due records in
every worker loop; each record fires once per value of its field, and the
workflow's conditions are checked when it fires, on the record as it is then.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import models
from django.utils import timezone as django_timezone

from engine import DefinitionError, Param, ScopeField, ScopeSchema, trigger_registry
from engine.errors import ValueParseError, join_path
from engine.types import Duration, Record, String
from workflows_app.execution.snapshot import serialize_record
from workflows_app.models import Event, Workflow
from workflows_app.records import (
    ModelRegistration,
    get_registration,
    registrations,
    trigger_model_choices,
)
from workflows_app.triggers.base import Trigger
from workflows_app.triggers.config import (
    DynamicChoice,
    SuggestedChoice,
    timezone_param,
    timezone_problem,
)
from workflows_app.triggers.model_date.firing import fire_due_dates
from workflows_app.triggers.scope import (
    EVENT,
    SCHEDULED_FOR,
    event_scope_field,
    scheduled_for_field,
)

#: Scope root (and payload key) of the record.
RECORD = "record"
_SIGN = re.compile(r"^\s*([+-])\s*")


def parse_offset(raw: object) -> timedelta:
    """A signed length of time: "3 days", "+2 hours", "-1 day", "P1D"; raises
    `ValueParseError` in words a person understands."""
    if raw is None or raw == "":
        return timedelta(0)
    if not isinstance(raw, str):
        raise ValueParseError('expected a length of time such as "3 days" (after the date) or '
                              '"-1 day" (before it)')
    match = _SIGN.match(raw)
    sign = -1 if match and match.group(1) == "-" else 1
    text = raw[match.end():] if match else raw
    try:
        length = Duration().parse(text)
    except ValueParseError as exc:
        reason = exc.reason.split(": ", 1)[-1]
        raise ValueParseError(f'"{raw}" is not a length of time such as "3 days" (after the '
                              f'date) or "-1 day" (before it): {reason}') from None
    return sign * length


def offset_phrase(offset: timedelta) -> str:
    """ "3 days after", "1 day before", "at"."""
    if not offset:
        return "at"
    length = Duration().to_display(abs(offset))
    return f"{length} {'after' if offset > timedelta(0) else 'before'}"


def date_fields(registration: ModelRegistration) -> dict[str, models.Field]:
    """The exposed date and date-and-time fields of a registered model, by name."""
    found = {}
    for name in registration.field_names:
        model_field = registration.model._meta.get_field(name)
        if isinstance(model_field, models.DateField):  # DateTimeField is one too
            found[name] = model_field
    return found


def _field_label(model_field: models.Field) -> str:
    return str(getattr(model_field, "verbose_name", model_field.name)).capitalize()


def date_field_choices() -> list[tuple[str, str]]:
    """Every date field of every registered model, once per name, labelled with the
    models that have it ("Created at (Order, Payment)")."""
    models_by_name: dict[str, list[str]] = {}
    labels: dict[str, str] = {}
    offered = {value for value, _ in trigger_model_choices()}
    for label, registration in sorted(registrations().items()):
        if label not in offered:
            continue
        for name, model_field in date_fields(registration).items():
            labels.setdefault(name, _field_label(model_field))
            models_by_name.setdefault(name, []).append(registration.verbose_name)
    return [(name, f"{labels[name]} ({', '.join(owners)})")
            for name, owners in sorted(models_by_name.items())]


@dataclass(frozen=True)
class DatePlan:
    """A valid `model.date` config, read: which field of which model, the offset and
    the timezone, and how a value becomes a due time."""

    registration: ModelRegistration
    field: models.DateField
    offset: timedelta
    zone: ZoneInfo

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> DatePlan:
        registration = get_registration(str(config["model"]))
        if registration is None:
            raise LookupError(f'{config["model"]} is not registered for workflows')
        model_field = date_fields(registration).get(str(config["field"]))
        if model_field is None:
            raise LookupError(f'{config["field"]} is not a date field of {registration.label}')
        return cls(registration, model_field, parse_offset(config.get("offset")),
                   ZoneInfo(str(config.get("timezone") or "UTC")))

    @property
    def has_time(self) -> bool:
        return isinstance(self.field, models.DateTimeField)

    def local(self, value: date | datetime) -> datetime:
        """The value as a wall-clock time (naive) in the timezone."""
        if isinstance(value, datetime):
            if django_timezone.is_naive(value):
                value = django_timezone.make_aware(value)
            return value.astimezone(self.zone).replace(tzinfo=None)
        return datetime.combine(value, time())

    def due_time(self, value: date | datetime) -> datetime:
        """When a record whose field holds `value` falls due (aware)."""
        return (self.local(value) + self.offset).replace(tzinfo=self.zone)

    def value_at(self, due: datetime) -> datetime:
        """The field value (wall clock in the timezone, aware) that falls due at `due`:
        `due_time` backwards, exact but for an hour around clock changes."""
        return (due.astimezone(self.zone).replace(tzinfo=None) - self.offset).replace(
            tzinfo=self.zone)

    def values_due_between(self, since: datetime, until: datetime) -> models.Q:
        """A filter on the field for records that may fall due in (since, until]
        (a little wider; check each with `due_time`)."""
        low, high = self.value_at(since), self.value_at(until)
        name = self.field.name
        if self.has_time:
            slack = timedelta(hours=3)  # clock changes between the value and the due time
            return models.Q(**{f"{name}__gt": low - slack, f"{name}__lte": high + slack})
        return models.Q(**{f"{name}__gte": low.date() - timedelta(days=1),
                           f"{name}__lte": high.date() + timedelta(days=1)})

    def in_words(self) -> str:
        """ "3 days after Created at"."""
        return f"{offset_phrase(self.offset)} {_field_label(self.field).lower()}"


@trigger_registry.register
class ModelDate(Trigger):
    """Fires when a time relative to a record's date field falls due: once per record
    and value of the field, exactly once with any number of workers.

    Scope: `record.*` (the record as it is when it falls due) and `event.*`
    (`event.scheduled_for` is the due time).
    """

    key = "model.date"
    label = "A date is reached"
    description = ("Runs for each record when a time before or after one of its dates is "
                   "reached, e.g. 3 days after an order was created.")
    group = "Time"
    config_params = (
        Param("model", DynamicChoice(trigger_model_choices, "Model"), "Model",
              help="Which kind of record."),
        Param("field", SuggestedChoice(date_field_choices, "Date field"), "Date field",
              help="The date (or date and time) of the record to count from."),
        Param("offset", String(), "Offset", required=False, default="0 days",
              help='How long after the date, e.g. "3 days"; before it with a minus: '
                   '"-1 day". Empty: at the date.', extra={"placeholder": "3 days"}),
        timezone_param('The timezone the date is read in, e.g. "Europe/London"; '
                       "defaults to UTC."),
    )

    def check_config(self, config: Mapping[str, Any], path: str) -> list[DefinitionError]:
        errors = super().check_config(config, path)
        if errors:
            return errors
        registration = get_registration(str(config["model"]))
        assert registration is not None  # checked by the model's Choice
        fields = date_fields(registration)
        if config["field"] not in fields:
            known = ", ".join(fields) or "none"
            errors.append(DefinitionError(
                join_path(path, "field"),
                f'"{config["field"]}" is not a date field of {registration.verbose_name} '
                f"({registration.label}); its date fields: {known}"))
        try:
            parse_offset(config.get("offset"))
        except ValueParseError as exc:
            errors.append(DefinitionError(join_path(path, "offset"), exc.reason))
        if config.get("timezone") is not None:
            problem = timezone_problem(config["timezone"])
            if problem:
                errors.append(DefinitionError(join_path(path, "timezone"), problem))
        return errors

    def target(self, config: Mapping[str, Any]) -> str:
        return str(config["model"]).lower()

    def scope(self, config: Mapping[str, Any]) -> ScopeSchema:
        model = self.target(config)
        registration = get_registration(model)
        label = registration.verbose_name if registration else model
        return ScopeSchema([
            ScopeField(RECORD, Record(model), label,
                       help=f"The {label.lower()} whose date was reached, as it is now."),
            event_scope_field(scheduled_for_field()),
        ])

    def periodic(self, now: datetime) -> None:
        fire_due_dates(self, now)

    def plan(self, config: Mapping[str, Any]) -> DatePlan:
        """The stored config of a workflow, read (raises `LookupError` when its model
        or field is no longer registered)."""
        return DatePlan.from_config(config)

    @classmethod
    def record_due(cls, workflow: Workflow, plan: DatePlan, instance: models.Model,
                   due: datetime, *, dedupe_key: str) -> Event:
        """Record that `instance` fell due at `due` for `workflow`, with a snapshot of
        the record as it is now."""
        registration = plan.registration
        return cls.record(
            payload={RECORD: serialize_record(instance, registration.field_names),
                     f"{RECORD}_label": str(instance),
                     EVENT: {SCHEDULED_FOR: due.isoformat()}},
            target=registration.label, workflow=workflow,
            summary=f"{instance}: {plan.in_words()} ({workflow.name})",
            record_model=registration.label, record_pk=instance.pk,
            dedupe_key=dedupe_key, occurred_at=due, wake=False)
