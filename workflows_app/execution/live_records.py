"""Live records: `record.*` in a step is the record as it is when the step runs.

A trigger that reports a record (`model.created`, `model.updated`) declares it
live in its scope (`ScopeSchema.live`). The event keeps the snapshot taken when
it happened; the executor serves that snapshot under `trigger.<root>` and, under
`<root>`, a `LiveRecord` that reads the row from the database on first use. It is
read again after the run waited (a run is loaded afresh when it resumes) and
after a step of this run wrote the database (`RunState.refresh_live`).

The executor reads the records of the runs it is about to move on together,
one query per model (`load_live`).

A record deleted meanwhile reads as `deleted`; the executor then stops the run
with that explanation instead of running steps against nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError

from engine import ScopeSchema, resolve_path
from engine.scope import LIVE_SNAPSHOT_ROOT as TRIGGER_ROOT
from engine.types.record import is_record_value
from workflows_app.execution.snapshot import json_value
from workflows_app.records import ModelRecord, get_registration


class LiveRecord:
    """A record known by model and primary key, read from the database on first
    use and again after `refresh()`. `deleted` tells whether the row is gone."""

    __slots__ = ("_loaded", "_record", "model", "pk", "snapshot")

    def __init__(self, model: str, pk: Any, snapshot: Any = None) -> None:
        self.model = model
        self.pk = pk
        self.snapshot = snapshot
        self._loaded = False
        self._record: ModelRecord | None = None

    @property
    def record_pk(self) -> Any:
        return self.pk

    def refresh(self) -> None:
        """Forget what was read: the next use reads the row again."""
        self._loaded = False
        self._record = None

    def _load(self) -> ModelRecord | None:
        if not self._loaded:
            self._loaded = True
            registration = get_registration(self.model)
            if registration is not None and self.pk is not None:
                instance = registration.model._default_manager.filter(pk=self.pk).first()
                self._record = ModelRecord(instance, registration) if instance else None
        return self._record

    @property
    def deleted(self) -> bool:
        """Whether the record no longer exists (reads the database if not read yet)."""
        return self._load() is None

    def scope_child(self, name: str) -> Any:
        record = self._load()
        return record.scope_child(name) if record else None

    def describe(self) -> str:
        """How the record is named in messages ("Order #12")."""
        registration = get_registration(self.model)
        label = registration.verbose_name if registration else self.model
        return f"{label} #{self.pk}"

    def __str__(self) -> str:
        record = self._load()
        if record is not None:
            return str(record.instance)
        return str(self.snapshot) if self.snapshot is not None else self.describe()


def load_live(records: Iterable[LiveRecord]) -> None:
    """Read the rows of the records not read yet, one query per model (the runs of
    a batch about to take their next steps). A record whose row is not found here
    is left to read itself on first use (the usual path, which also tells a
    deleted record)."""
    by_model: dict[str, list[LiveRecord]] = {}
    for record in records:
        if not record._loaded and record.pk is not None:
            by_model.setdefault(record.model, []).append(record)
    for model, group in by_model.items():
        registration = get_registration(model)
        if registration is None or len(group) < 2:
            continue
        pk_field = registration.model._meta.pk
        try:
            wanted = {record: pk_field.to_python(record.pk) for record in group}
        except ValidationError:  # a key of another type: each record reads itself
            continue
        found = {instance.pk: instance for instance in registration.model._default_manager
                 .filter(pk__in=set(wanted.values()))}
        for record, pk in wanted.items():
            instance = found.get(pk)
            if instance is not None:
                record._record = ModelRecord(instance, registration)
                record._loaded = True


def snapshot_values(values: dict[str, Any], scope: ScopeSchema) -> dict[str, Any]:
    """Add `trigger.<root>` (the snapshot) for each live root of `scope`: conditions
    and steps can always name the values from when the event happened."""
    if scope.live:
        values[TRIGGER_ROOT] = {root: values.get(root) for root in scope.live}
    return values


def make_live(values: dict[str, Any], scope: ScopeSchema) -> list[LiveRecord]:
    """Serve each live root of `scope` as a `LiveRecord` (the snapshot stays under
    `trigger.<root>`); returns them."""
    made: list[LiveRecord] = []
    snapshots = values.get(TRIGGER_ROOT)
    if not isinstance(snapshots, Mapping):
        return made
    for root in scope.live:
        snapshot = snapshots.get(root)
        pk = getattr(snapshot, "record_pk", None)
        model = getattr(snapshot, "model", None)
        if pk is None or not isinstance(model, str):
            continue
        live = LiveRecord(model, pk, snapshot)
        values[root] = live
        made.append(live)
    return made


def values_seen(step: Any, values: Mapping[str, Any], definition: Any,
                secrets: list[Any] | None = None) -> dict[str, Any] | None:
    """The values of the record references (`record.*`, `trigger.record.*`) that
    `step` uses, as it sees them now: kept in its attempt log so the run history
    shows which values each step saw. None when it uses none."""
    scope = definition.scope if definition is not None else None
    if scope is None or not scope.live:
        return None
    roots = {*scope.live, TRIGGER_ROOT}
    seen: dict[str, Any] = {}
    for path in step.refs:
        if path.partition(".")[0] not in roots:
            continue
        value = resolve_path(values, path)
        if is_record_value(value):
            value = str(value)
        elif secrets and value in secrets:
            value = "********"
        seen[path] = json_value(value)
    return seen or None
