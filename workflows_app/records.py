"""Models registered for workflows, and how their fields become typed scope.

A host project registers models in settings::

    WORKFLOWS = {"MODELS": {
        "demo.order": {"fields": "__all__"},
        "demo.customer": {"fields": ["name", "email", "phone"], "types": {"phone": "Phone"}},
    }}

or with one call (for reusable apps, in `AppConfig.ready()`)::

    from workflows_app.records import register_model
    register_model(Order, fields="__all__")

Field types map to engine types through `field_type_registry` (looked up along
the field class hierarchy, so `PositiveIntegerField` is a Number because it is an
`IntegerField`): CharField -> String, DecimalField/IntegerField/FloatField ->
Number, BooleanField -> Bool, DateTimeField -> DateTime, EmailField -> Email,
URLField -> URL, DurationField -> Duration, JSONField -> JSON, fields with
choices -> Choice, ForeignKey/OneToOneField -> Record[target] (traversable when
the target is registered too; the user model is `User`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import models
from django.db.models import Q
from django.dispatch import receiver

from engine import ScopeField
from engine.types import (
    JSON,
    URL,
    Bool,
    Choice,
    DateTime,
    Duration,
    Email,
    Number,
    Record,
    String,
    User,
    ValueType,
    parse_type_spec,
)
from workflows_app.conf import workflow_settings
from workflows_app.tenancy import config as tenancy_config
from workflows_app.tenancy import scoping

FieldTypeFactory = Callable[[models.Field], ValueType | None]

#: Django field class -> engine type factory. Extend with `register_field_type`.
field_type_registry: dict[type[models.Field], FieldTypeFactory] = {}

USER_FIELDS = ("id", "username", "email", "first_name", "last_name")


def register_field_type(field_class: type[models.Field]) -> Callable[[FieldTypeFactory],
                                                                     FieldTypeFactory]:
    """Decorator: map a Django field class (and its subclasses) to an engine type."""

    def decorator(factory: FieldTypeFactory) -> FieldTypeFactory:
        field_type_registry[field_class] = factory
        return factory

    return decorator


def _simple(value_type: type[ValueType]) -> FieldTypeFactory:
    return lambda model_field: value_type()


for _field_class, _type in (
    (models.CharField, String), (models.TextField, String), (models.SlugField, String),
    (models.UUIDField, String), (models.GenericIPAddressField, String),
    (models.EmailField, Email), (models.URLField, URL),
    (models.IntegerField, Number), (models.DecimalField, Number), (models.FloatField, Number),
    (models.AutoField, Number), (models.BigAutoField, Number), (models.SmallAutoField, Number),
    (models.BooleanField, Bool), (models.DateTimeField, DateTime),
    (models.DurationField, Duration), (models.JSONField, JSON),
):
    field_type_registry[_field_class] = _simple(_type)


@register_field_type(models.ForeignKey)
def _foreign_key(model_field: models.Field) -> ValueType | None:
    target = model_field.related_model
    if target is None or isinstance(target, str):
        return None
    label = model_label_of(target)
    if label == user_model_label():
        return User()
    return Record(label)


field_type_registry[models.OneToOneField] = _foreign_key


def model_label_of(model: type[models.Model]) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def user_model_label() -> str:
    app_label, model_name = settings.AUTH_USER_MODEL.split(".")
    return f"{app_label}.{model_name.lower()}"


def engine_type_for(model_field: models.Field) -> ValueType | None:
    """The engine type of a Django field, or None when it has no mapping."""
    if getattr(model_field, "choices", None) and not model_field.is_relation:
        return Choice([(value, str(label)) for value, label in model_field.flatchoices])
    for klass in type(model_field).__mro__:
        factory = field_type_registry.get(klass)
        if factory is not None:
            return factory(model_field)
    return None


@dataclass
class ModelRegistration:
    """One model workflows may react to, and the fields it exposes."""

    label: str
    model: type[models.Model]
    field_names: tuple[str, ...]
    type_overrides: Mapping[str, str] = field(default_factory=dict)
    #: Registered by the project (settings or `register_model`): its saves and
    #: deletes are events. The user model is always known for `User` scope, but
    #: records events only when registered explicitly.
    records_events: bool = True
    #: With tenancy on: the ORM path from a record to its tenant (``"organisation"``),
    #: or None when the records belong to no tenant.
    tenant_path: str | None = None
    #: Samples of its JSON fields declared by the project, by field name (``"samples"``
    #: in settings): their fields become typed paths (`workflows_app.json_samples`).
    samples: Mapping[str, Any] = field(default_factory=dict)

    def tenant_key(self, instance: models.Model) -> str | None:
        """The tenant key of one of its records (None with tenancy off)."""
        if not tenancy_config.enabled():
            return None
        return scoping.key_by_path(instance, self.tenant_path)

    def visible_records(self, who: Any) -> models.QuerySet[Any]:
        """Its records that `who` (a user or a `Visibility`) may see or pick."""
        return scoping.scope_by_path(self.model._default_manager.all(), self.tenant_path,
                                     who)

    @property
    def verbose_name(self) -> str:
        return str(self.model._meta.verbose_name).capitalize()

    @cached_property
    def scope_fields(self) -> dict[str, ScopeField]:
        """The exposed fields as typed scope, computed once per registration."""
        fields: dict[str, ScopeField] = {}
        for name in self.field_names:
            model_field = self.model._meta.get_field(name)
            override = self.type_overrides.get(name)
            value_type = parse_type_spec(override) if override else engine_type_for(model_field)
            if value_type is None:
                continue
            label = str(getattr(model_field, "verbose_name", name)).capitalize()
            fields[name] = ScopeField(
                name, value_type, label=label,
                help=str(getattr(model_field, "help_text", "") or ""),
                extra={"editable": bool(getattr(model_field, "editable", False))
                       and not getattr(model_field, "primary_key", False)
                       and not getattr(model_field, "auto_now", False)
                       and not getattr(model_field, "auto_now_add", False)},
            )
        return fields


_code_registrations: dict[str, dict[str, Any]] = {}


def register_model(model: type[models.Model] | str, fields: str | Iterable[str] = "__all__",
                   types: Mapping[str, str] | None = None, tenant: str | None = None,
                   samples: Mapping[str, Any] | None = None) -> None:
    """Register a model for workflows in one call (e.g. in `AppConfig.ready()`);
    `tenant` is the path from its records to their tenant, with tenancy on;
    `samples` gives JSON fields a sample value (`{"delivery": {"carrier": "DHL"}}`)
    whose fields become typed paths (`workflows_app.json_samples`)."""
    label = model if isinstance(model, str) else model_label_of(model)
    label = label.lower()
    if label in _code_registrations or label in (workflow_settings.MODELS or {}):
        raise ImproperlyConfigured(f"{label} is already registered for workflows.")
    _code_registrations[label] = {
        "fields": fields if isinstance(fields, str) else list(fields),
        "types": dict(types or {}),
        **({"tenant": tenant} if tenant else {}),
        **({"samples": dict(samples)} if samples else {}),
    }
    registrations.cache_clear()


def unregister_model(model: type[models.Model] | str) -> None:
    """Undo `register_model` (for tests)."""
    label = model if isinstance(model, str) else model_label_of(model)
    _code_registrations.pop(label.lower(), None)
    registrations.cache_clear()


def _exposed_field_names(model: type[models.Model], fields: Any) -> tuple[str, ...]:
    concrete = [f for f in model._meta.get_fields()
                if getattr(f, "concrete", False) and not getattr(f, "many_to_many", False)]
    if fields == "__all__":
        names = [f.name for f in concrete]
    else:
        names = list(fields)
        for name in names:
            model._meta.get_field(name)  # raises FieldDoesNotExist
    pk_name = model._meta.pk.name
    if pk_name not in names:
        names.insert(0, pk_name)
    return tuple(names)


@cache
def registrations() -> dict[str, ModelRegistration]:
    """Every registered model, by "app_label.modelname" (settings, then calls)."""
    configured: dict[str, Any] = {}
    for label, options in (workflow_settings.MODELS or {}).items():
        configured[str(label).lower()] = options or {}
    configured.update(_code_registrations)
    result: dict[str, ModelRegistration] = {}
    for label, options in configured.items():
        try:
            model = apps.get_model(label)
            names = _exposed_field_names(model, options.get("fields", "__all__"))
        except (LookupError, ValueError, FieldDoesNotExist, TypeError):
            continue  # reported by the system checks (workflows.E003/E004)
        samples = options.get("samples")
        result[label] = ModelRegistration(label, model, names, options.get("types") or {},
                                          tenant_path=record_tenant_path(model, options),
                                          samples=samples if isinstance(samples, Mapping)
                                          else {})
    user_label = user_model_label()
    tenant = tenancy_config.tenant_settings()
    if user_label not in result:
        user_model = apps.get_model(settings.AUTH_USER_MODEL)
        names = tuple(name for name in USER_FIELDS if _has_field(user_model, name))
        result[user_label] = ModelRegistration(user_label, user_model, names,
                                               records_events=False)
    if tenant is not None:  # users belong to tenants through USER_FIELD
        result[user_label].tenant_path = tenant.user_field
    return result


def record_tenant_path(model: type[models.Model], options: Mapping[str, Any]) -> str | None:
    """With tenancy on, how a registered model's records reach their tenant: the
    ``"tenant"`` option, else the model's only foreign key to the tenant model
    (the tenant model itself: its own key). None: no way (`workflows.E031`)."""
    tenant = tenancy_config.tenant_settings()
    if tenant is None:
        return None
    if options.get("tenant"):
        return str(options["tenant"])
    if model is tenant.model:
        return "pk"
    keys = [field.name for field in model._meta.concrete_fields
            if field.many_to_one and field.related_model is tenant.model]
    return keys[0] if len(keys) == 1 else None


def _has_field(model: type[models.Model], name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


def get_registration(label: str) -> ModelRegistration | None:
    return registrations().get(str(label).lower())


def registration_for_model(model: type[models.Model]) -> ModelRegistration | None:
    return registrations().get(model_label_of(model))


def trigger_model_choices() -> list[tuple[str, str]]:
    """Registered models (except the implicit user model) for trigger pickers."""
    user_label = user_model_label()
    return [(label, f"{registration.verbose_name} ({label})")
            for label, registration in sorted(registrations().items())
            if label != user_label or label in (workflow_settings.MODELS or {})]


@receiver(setting_changed)
def _clear_on_setting_change(*, setting: str, **kwargs: Any) -> None:
    if setting in {"WORKFLOWS", "AUTH_USER_MODEL"}:
        registrations.cache_clear()


class ModelRecord:
    """A model instance as workflow scope sees it: only its registered fields.

    Foreign keys are followed lazily to another `ModelRecord` (one query each,
    cached); nothing else of the instance is reachable from a workflow.
    """

    __slots__ = ("_cache", "instance", "registration")

    def __init__(self, instance: models.Model, registration: ModelRegistration) -> None:
        self.instance = instance
        self.registration = registration
        self._cache: dict[str, Any] = {}

    @classmethod
    def wrap(cls, instance: models.Model | None) -> ModelRecord | None:
        if instance is None:
            return None
        registration = registration_for_model(type(instance))
        if registration is None:
            return None
        return cls(instance, registration)

    @property
    def record_pk(self) -> Any:
        return self.instance.pk

    @property
    def model(self) -> str:
        """The model's label (`demo.order`), as every record value of a run has it:
        the steps that act on a record (`record.update`, `task.create`) find the
        model by it."""
        return self.registration.label

    def scope_child(self, name: str) -> Any:
        if name in self._cache:
            return self._cache[name]
        if name not in self.registration.field_names:
            return None
        model_field = self.instance._meta.get_field(name)
        if model_field.many_to_one or model_field.one_to_one:
            value = ModelRecord.wrap(getattr(self.instance, name, None))
            if value is None:
                value = getattr(self.instance, model_field.attname, None)
        else:
            value = getattr(self.instance, model_field.attname, None)
        self._cache[name] = value
        return value

    def __str__(self) -> str:
        return str(self.instance)

    def __repr__(self) -> str:
        return f"<ModelRecord {self.registration.label}:{self.instance.pk}>"



class DjangoRecordProvider:
    """Answers the engine's questions about `Record[...]` from Django models."""

    def exists(self, model: str) -> bool:
        return get_registration(model) is not None

    def model_label(self, model: str) -> str:
        registration = get_registration(model)
        return registration.verbose_name if registration else model

    def fields(self, model: str) -> Mapping[str, ScopeField]:
        return _scope_fields(model)

    def options(self, model: str, search: str = "", offset: int = 0,
                limit: int = 20) -> list[tuple[Any, str]]:
        registration = get_registration(model)
        if registration is None:
            return []
        # With tenancy on, only records of the tenants the asking user may see.
        queryset = registration.visible_records(scoping.current_visibility())
        if search:
            text_fields = [name for name in registration.field_names
                           if isinstance(registration.model._meta.get_field(name),
                                         models.CharField | models.TextField)]
            query = Q()
            for name in text_fields[:5]:
                query |= Q(**{f"{name}__icontains": search})
            if search.isdecimal():  # not isdigit(): "²" is a digit int() cannot read
                query |= Q(pk=int(search))
            queryset = queryset.filter(query)
        queryset = queryset.order_by("pk")[offset:offset + limit]
        return [(obj.pk, str(obj)) for obj in queryset]


def _scope_fields(model: str) -> Mapping[str, ScopeField]:
    registration = get_registration(model)
    return registration.scope_fields if registration else {}


def install_record_provider() -> None:
    """Called from `AppConfig.ready()`: Record[...] types now answer from Django."""
    from engine.types.record import set_record_provider

    User.user_model = user_model_label()
    set_record_provider(DjangoRecordProvider())
