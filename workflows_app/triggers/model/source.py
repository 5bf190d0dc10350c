"""The source of `model.created` / `model.updated` / `model.deleted` events: thin
model signal receivers that remember loaded values and record events.

They do nothing else: matching and execution happen in a worker. Connected for
every model when this module is imported (in `WorkflowsAppConfig.ready()`, which
imports the built-in triggers), with a cheap early return for models not
registered for workflows; `disconnect()` / `connect()` switch them off and on.

Note on transactions: Django sends `post_save` after the save's own atomic
block. Inside `transaction.atomic()` (or with `ATOMIC_REQUESTS = True`, as the
demo sets) the event is part of the caller's transaction: both commit or
neither does. In autocommit mode the change commits first and the event is
written in its own commit right after; a crash exactly between the two loses the
event. Wrap saves that must trigger workflows in a transaction to close that
window.
"""

from __future__ import annotations

import functools
from typing import Any

from django.db import models

from workflows_app.execution.snapshot import raw_values, serialize_record, serialize_values
from workflows_app.records import ModelRegistration, registration_for_model
from workflows_app.triggers.model.created import ModelCreated
from workflows_app.triggers.model.deleted import ModelDeleted
from workflows_app.triggers.model.updated import ModelUpdated

LOADED_VALUES = "_workflows_loaded_values"


def _registration(sender: type[models.Model]) -> ModelRegistration | None:
    if sender._meta.app_label in {"workflows_app", "django_q", "sessions", "admin",
                                  "contenttypes"}:
        return None
    registration = registration_for_model(sender)
    return registration if registration is not None and registration.records_events else None


def remember_loaded_values(sender: type[models.Model], instance: models.Model,
                           **kwargs: Any) -> None:
    """`post_init`: keep the values a record was loaded with, for `previous.*`.

    `post_init` cannot tell a row loaded from the database from an instance built
    by hand with a primary key; `load_missing_values` drops the values of the
    latter (whose `_state.adding` is still true at save time)."""
    if instance.pk is None:
        return
    registration = _registration(sender)
    if registration is not None:
        instance.__dict__[LOADED_VALUES] = raw_values(instance, registration.field_names)


def load_missing_values(sender: type[models.Model], instance: models.Model,
                        **kwargs: Any) -> None:
    """`pre_save`: for an instance that was not loaded from the database (built
    with a primary key, then saved), read the stored values once for `previous.*`."""
    if kwargs.get("raw"):
        return
    if instance._state.adding:
        instance.__dict__.pop(LOADED_VALUES, None)
    elif LOADED_VALUES in instance.__dict__:
        return
    registration = _registration(sender)
    if registration is None or instance.pk is None:
        return
    stored = sender._default_manager.filter(pk=instance.pk).first()
    if stored is not None:
        instance.__dict__[LOADED_VALUES] = raw_values(stored, registration.field_names)


def record_save(sender: type[models.Model], instance: models.Model, created: bool,
                raw: bool = False, **kwargs: Any) -> None:
    """`post_save`: record `model.created` / `model.updated` (fixtures are ignored)."""
    if raw:
        return
    registration = _registration(sender)
    if registration is None:
        return
    loaded = instance.__dict__.get(LOADED_VALUES)
    previous = serialize_values(loaded) if loaded is not None else None
    instance.__dict__[LOADED_VALUES] = raw_values(instance, registration.field_names)
    current = serialize_record(instance, registration.field_names)
    if created:
        ModelCreated.record_change(registration, instance, current)
    else:
        ModelUpdated.record_change(
            registration, instance, current, previous=previous,
            dedupe_content=[_stable(previous, sender), _stable(current, sender)])


@functools.cache
def _auto_now_fields(model: type[models.Model]) -> frozenset[str]:
    return frozenset(field.name for field in model._meta.concrete_fields
                     if getattr(field, "auto_now", False))


def _stable(values: dict[str, Any] | None, model: type[models.Model]) -> dict[str, Any] | None:
    """`values` without `auto_now` fields: they change on every save, so with them two
    saves of the same change would never fall in the dedupe window."""
    if values is None:
        return None
    skip = _auto_now_fields(model)
    return {name: value for name, value in values.items() if name not in skip}


def record_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    """`post_delete`: record `model.deleted` with the values the record had."""
    registration = _registration(sender)
    if registration is None:
        return
    current = serialize_record(instance, registration.field_names)
    ModelDeleted.record_change(registration, instance, current,
                               record_pk=current.get(registration.model._meta.pk.name, ""))


def connect() -> None:
    """Connect the receivers (idempotent)."""
    models.signals.post_init.connect(remember_loaded_values, dispatch_uid="workflows_post_init")
    models.signals.pre_save.connect(load_missing_values, dispatch_uid="workflows_pre_save")
    models.signals.post_save.connect(record_save, dispatch_uid="workflows_post_save")
    models.signals.post_delete.connect(record_delete, dispatch_uid="workflows_post_delete")


def disconnect() -> None:
    """Disconnect the receivers (benchmarks measure a save with workflows off)."""
    models.signals.post_init.disconnect(dispatch_uid="workflows_post_init")
    models.signals.pre_save.disconnect(dispatch_uid="workflows_pre_save")
    models.signals.post_save.disconnect(dispatch_uid="workflows_post_save")
    models.signals.post_delete.disconnect(dispatch_uid="workflows_post_delete")


connect()
