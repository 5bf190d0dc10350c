"""Records as scope values: snapshots taken at event time, and lazy references.

An event stores the registered fields of its record as JSON (`serialize_record`).
At run time `SnapshotRecord` serves those values (what the record looked like when
the event happened) and follows foreign keys to `LazyRecord`s, which load the
related row on first use. Only registered fields are reachable.
"""

from __future__ import annotations

import copy
import datetime as dt
import decimal
import uuid
from typing import Any

from django.db import models

from engine.types import Duration
from workflows_app.records import ModelRecord, get_registration


def json_value(value: Any) -> Any:
    """A model field value as JSON (Decimal and dates as text, durations ISO 8601)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else None
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return Duration().to_json(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [json_value(item) for item in value]
    if isinstance(value, dict):
        return {str(key): json_value(item) for key, item in value.items()}
    return str(value)


def raw_values(instance: models.Model, field_names: tuple[str, ...]) -> dict[str, Any]:
    """The registered fields' current Python values (cheap; for `post_init`)."""
    meta = instance._meta
    values = {}
    for name in field_names:
        value = getattr(instance, meta.get_field(name).attname, None)
        values[name] = copy.deepcopy(value) if isinstance(value, dict | list) else value
    return values


def serialize_values(values: dict[str, Any]) -> dict[str, Any]:
    return {name: json_value(value) for name, value in values.items()}


def serialize_record(instance: models.Model, field_names: tuple[str, ...] | None = None
                     ) -> dict[str, Any]:
    """The registered fields of `instance` as JSON (foreign keys as their ids)."""
    registration = get_registration(
        f"{instance._meta.app_label}.{instance._meta.model_name}")
    names = field_names or (registration.field_names if registration else ())
    data: dict[str, Any] = {}
    for name in names:
        model_field = instance._meta.get_field(name)
        data[name] = json_value(getattr(instance, model_field.attname, None))
    return data


class LazyRecord:
    """A record known by model and primary key, loaded on first field access."""

    __slots__ = ("_loaded", "_record", "model", "pk")

    def __init__(self, model: str, pk: Any) -> None:
        self.model = model
        self.pk = pk
        self._loaded = False
        self._record: ModelRecord | None = None

    @property
    def record_pk(self) -> Any:
        return self.pk

    def _load(self) -> ModelRecord | None:
        if not self._loaded:
            self._loaded = True
            registration = get_registration(self.model)
            if registration is not None:
                instance = registration.model._default_manager.filter(pk=self.pk).first()
                self._record = ModelRecord(instance, registration) if instance else None
        return self._record

    def scope_child(self, name: str) -> Any:
        if name == "id" and self.model:
            registration = get_registration(self.model)
            if registration and registration.model._meta.pk.name == "id":
                return self.pk
        record = self._load()
        return record.scope_child(name) if record else None

    def __str__(self) -> str:
        record = self._load()
        return str(record) if record else f"{self.model} #{self.pk}"


class SnapshotRecord:
    """A record as it was when the event happened (from the event's JSON)."""

    __slots__ = ("data", "label", "model")

    def __init__(self, model: str, data: dict[str, Any], label: str = "") -> None:
        self.model = model
        self.data = data
        self.label = label

    @property
    def record_pk(self) -> Any:
        registration = get_registration(self.model)
        pk_name = registration.model._meta.pk.name if registration else "id"
        return self.data.get(pk_name)

    def scope_child(self, name: str) -> Any:
        if name not in self.data:
            return None
        value = self.data[name]
        registration = get_registration(self.model)
        if registration is not None and value is not None:
            model_field = registration.model._meta.get_field(name)
            if model_field.many_to_one or model_field.one_to_one:
                target = model_field.related_model._meta
                return LazyRecord(f"{target.app_label}.{target.model_name}", value)
        return value

    def __str__(self) -> str:
        if self.label:
            return self.label
        registration = get_registration(self.model)
        label = registration.verbose_name if registration else self.model
        return f"{label} #{self.record_pk}"
