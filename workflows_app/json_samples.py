"""Samples of registered models' JSON fields: what is inside a JSON field, learned
from one value of it, so that its fields are typed paths in every workflow.

A registered model's `JSONField` is free-form JSON in workflows (any sub-path,
typed as JSON, typed in a "sub-path" box). Given a sample, the field's type is
learned from it (`engine.types.shape_of`): `record.delivery.carrier` is Text,
`record.delivery.weight_kg` a Number, and they are listed in every reference
picker and "Insert variable", and checked when a workflow is saved, wherever the
field is reached (`record.delivery.*`, `trigger.record.delivery.*`,
`previous.delivery.*`, `record.order.delivery.*` from a payment...). A sample
describes the model's field, not one workflow, so it lives outside definitions:

- the project may declare one in settings (``WORKFLOWS["MODELS"]["demo.order"]
  ["samples"] = {"delivery": {...}}``, or `register_model(..., samples=...)`),
  checked by `workflows.E006`;
- staff may give one in the admin ("JSON field samples", `JSONFieldSample`):
  pasted, or taken from a stored record; it takes the place of the declared one.

A sample must be a JSON object (the field's value is still JSON: what a workflow
writes into the field is not checked against it). A sample that would make a
saved workflow invalid (a path it uses is not in the sample) is refused
(`problems_for`). Samples given in the admin are read again at each request and,
outside requests (workers), every few seconds; a change recompiles the workflows
that used the old one.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from threading import Lock
from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured, SynchronousOnlyOperation
from django.core.signals import request_started, setting_changed
from django.db import DatabaseError
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from engine import InvalidDefinition, ScopeField, validate_definition
from engine.errors import ValueParseError
from engine.types import JSON, sample_problem, shape_of
from engine.types.json_shape import MAX_SAMPLE_CHARS
from workflows_app.models import JSONFieldSample, Workflow
from workflows_app.records import (
    DjangoRecordProvider,
    ModelRegistration,
    get_registration,
    registrations,
)
from workflows_app.tenancy import config as tenancy_config
from workflows_app.tenancy.scoping import scope
from workflows_app.triggers.webhook.samples import sample_from

#: The `MODELS` option (and `register_model` argument) declaring samples.
SAMPLES_OPTION = "samples"
#: Outside requests, samples given in the admin are read again after this long.
REFRESH_SECONDS = 5.0
#: A pasted sample may have this many characters (indentation included).
MAX_PASTED_CHARS = 4 * MAX_SAMPLE_CHARS
#: How many workflows a refused sample names.
NAMED_WORKFLOWS = 3
#: How many stored records are offered as samples, per field.
RECORD_CHOICES = 5

Key = tuple[str, str]
SEPARATOR = " \u203a "


@dataclass(frozen=True)
class JSONField:
    """A JSON field of a registered model that may take a sample."""

    model: str
    field: str
    label: str  #: "Order \u203a Delivery details" (the model's and the field's labels)

    @property
    def key(self) -> str:
        """`demo.order:delivery`, the value of a choice."""
        return f"{self.model}:{self.field}"


def json_fields() -> list[JSONField]:
    """Every registered model's field typed free-form JSON, by label."""
    found = []
    for label, registration in sorted(registrations().items()):
        for name, scope_field in registration.scope_fields.items():
            if type(scope_field.type) is JSON:
                found.append(JSONField(label, name, f"{registration.verbose_name} \u203a "
                                                    f"{scope_field.display_label}"))
    return found


def find_json_field(key: str) -> JSONField | None:
    """The field a choice's value (`demo.order:delivery`) names, if it may take a sample."""
    return next((item for item in json_fields() if item.key == key), None)


# -- reading a sample ------------------------------------------------------------------


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def read_sample(text: str) -> tuple[Any, str | None]:
    """A pasted sample: `(value, None)`, or `(None, why not)` in words for its box."""
    if len(text) > MAX_PASTED_CHARS:
        return None, (f"the sample has {len(text):,} characters; at most "
                      f"{MAX_SAMPLE_CHARS:,} are kept (leave out long lists)")
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        return None, "the sample nests too deeply"
    except ValueError as error:
        return None, f"this is not valid JSON ({error}); fix it, or clear the box"
    return value, sample_problem_of_field(value)


def sample_problem_of_field(sample: object) -> str | None:
    """Why `sample` cannot be the sample of a JSON field, or None."""
    if not isinstance(sample, dict):
        return ('paste a JSON object such as {"carrier": "DHL", "address": '
                '{"city": "Berlin"}}')
    try:
        JSON().parse(sample)
    except ValueParseError:  # too deep, or not JSON data
        return "the sample nests deeper than 64 levels or holds something that is not JSON"
    if _has_nul(sample):
        return "the sample holds a NUL character (\\u0000), which cannot be stored"
    return sample_problem(sample)


def _has_nul(node: Any) -> bool:
    if isinstance(node, str):
        return "\x00" in node
    if isinstance(node, dict):
        return any(_has_nul(key) or _has_nul(value) for key, value in node.items())
    if isinstance(node, list):
        return any(_has_nul(item) for item in node)
    return False


def sample_from_record(field: JSONField, pk: Any, who: Any) -> tuple[Any, str | None]:
    """The sample made from the field's value in the record `pk` of its model, if
    `who` may view that model's records and sees that one (secret-looking keys
    blanked, lists cut): `(sample, None)` or `(None, why not)`."""
    registration = get_registration(field.model)
    if registration is None or not may_view_records(registration, who):
        return None, "you may not view these records"
    instance = registration.visible_records(who).filter(pk=pk).first()
    if instance is None:
        return None, "that record is gone, or you may not see it"
    sample = sample_from(getattr(instance, field.field, None))
    problem = sample_problem_of_field(sample) if sample is not None else None
    if sample is None or problem:
        return None, f"the {field.label} of {instance} cannot be a sample ({problem or 'empty'})"
    return sample, None


def may_view_records(registration: ModelRegistration, who: Any) -> bool:
    """Whether `who` has Django's view (or change) permission on the model."""
    opts = registration.model._meta
    return bool(who.has_perm(f"{opts.app_label}.view_{opts.model_name}")
                or who.has_perm(f"{opts.app_label}.change_{opts.model_name}"))


def record_choices(who: Any) -> list[tuple[str, list[tuple[str, str]]]]:
    """For each JSON field of a model `who` may view: its latest records that hold a
    value, as `(choice value, "Order A-1020")` options grouped by field label."""
    groups = []
    for field in json_fields():
        registration = get_registration(field.model)
        if registration is None or not may_view_records(registration, who):
            continue
        records = (registration.visible_records(who)
                   .exclude(**{field.field: {}}).exclude(**{f"{field.field}__isnull": True})
                   .order_by("-pk")[:RECORD_CHOICES])
        options = [(f"{field.key}:{record.pk}", str(record)) for record in records]
        if options:
            groups.append((field.label, options))
    return groups


# -- the samples in force ----------------------------------------------------------------


class _Stored:
    """The samples given in the admin, read again at each request (and every
    `REFRESH_SECONDS` outside requests); `generation` changes when they do."""

    def __init__(self) -> None:
        self.lock = Lock()
        self.read_at: float | None = None
        self.samples: dict[Key, Any] = {}
        self.generation = 0
        self.fields: dict[str, Mapping[str, ScopeField]] = {}

    def current(self) -> dict[Key, Any]:
        with self.lock:
            if self.read_at is not None and time.monotonic() - self.read_at < REFRESH_SECONDS:
                return self.samples
        try:
            found = {(model, field): sample for model, field, sample in
                     JSONFieldSample.objects.values_list("model", "field", "sample")}
        except (DatabaseError, SynchronousOnlyOperation, RuntimeError):
            # No database to read here (before migrating, async code, a test without
            # one): the declared samples only, and the next use tries again.
            return {}
        with self.lock:
            if found != self.samples:
                self.samples = found
                self.generation += 1
                self.fields = {}
            self.read_at = time.monotonic()
            return self.samples

    def expire(self) -> None:
        with self.lock:
            self.read_at = None


_stored = _Stored()
#: Samples tried out (`trying`): by field, a sample or None for "none".
_trying: ContextVar[Mapping[Key, Any] | None] = ContextVar("json_samples_trying", default=None)


def clear_cache() -> None:
    """Read the samples given in the admin again at the next use (tests)."""
    _stored.expire()


def generation() -> int:
    """Changes whenever the samples given in the admin do (compiled definitions that
    were typed with the old ones are compiled again)."""
    _stored.current()
    return _stored.generation


@receiver(request_started)
def _expire_per_request(**kwargs: Any) -> None:
    _stored.expire()


@receiver(setting_changed)
def _forget_on_setting_change(*, setting: str, **kwargs: Any) -> None:
    if setting == "WORKFLOWS":  # declared samples
        with _stored.lock:
            _stored.fields = {}


@receiver(post_save, sender=JSONFieldSample)
@receiver(post_delete, sender=JSONFieldSample)
def _expire_on_change(**kwargs: Any) -> None:
    _stored.expire()


def sample_for(model: str, field: str) -> Any | None:
    """The sample in force for a JSON field: the one tried out, else the one given
    in the admin, else the one the project declared; None without one."""
    key = (model, field)
    trying = _trying.get()
    if trying is not None and key in trying:
        return trying[key]
    stored = _stored.current()
    if key in stored:
        return stored[key]
    registration = get_registration(model)
    return registration.samples.get(field) if registration else None


def sampled_fields(registration: ModelRegistration) -> Mapping[str, ScopeField]:
    """The model's typed fields, its JSON fields typed from their samples."""
    if _trying.get() is None:
        _stored.current()
        cached = _stored.fields.get(registration.label)
        if cached is not None:
            return cached
    fields = dict(registration.scope_fields)
    for name, scope_field in fields.items():
        if type(scope_field.type) is not JSON:
            continue
        sample = sample_for(registration.label, name)
        if sample is None or sample_problem_of_field(sample):
            continue
        fields[name] = ScopeField(name, shape_of(sample), scope_field.label,
                                  help=scope_field.help, extra=scope_field.extra)
    if _trying.get() is None:
        _stored.fields[registration.label] = fields
    return fields


@contextmanager
def trying(model: str, field: str, sample: Any | None) -> Iterator[None]:
    """Within: the field's sample is `sample` (None: none), in this context only."""
    token = _trying.set({**(_trying.get() or {}), (model, field): sample})
    try:
        yield
    finally:
        _trying.reset(token)


def problems_for(model: str, field: str, sample: Any | None,
                 who: Any = None) -> list[str]:
    """What `sample` as the field's sample would break: for each saved workflow
    (its live and its latest version) that is valid now, why it would not be. With
    tenancy on and `who` given, a workflow `who` may not see is not named."""
    found: list[str] = []
    visible = (set(scope(Workflow.objects.all(), who).values_list("pk", flat=True))
               if who is not None and tenancy_config.enabled() else None)
    needle = f".{field}"
    workflows = Workflow.objects.select_related("live_version").order_by("name")
    for workflow in workflows:
        versions = {workflow.live_version} if workflow.live_version_id else set()
        latest = workflow.versions.order_by("-number").first()
        if latest is not None:
            versions.add(latest)
        for version in versions:
            if needle not in json.dumps(version.definition):
                continue
            if _errors(version.definition):
                continue  # already invalid: not this sample's doing
            with trying(model, field, sample):
                errors = _errors(version.definition)
            if errors and visible is not None and workflow.pk not in visible:
                found.append("a workflow of another organisation uses it")
                break
            if errors:
                found.append(f'the workflow "{workflow.name}" uses it: {errors[0]}')
                break
    if len(found) > NAMED_WORKFLOWS:
        found = [*found[:NAMED_WORKFLOWS], f"and {len(found) - NAMED_WORKFLOWS} more workflows"]
    return found


def _errors(definition: Any) -> list[str]:
    try:
        validate_definition(definition)
    except InvalidDefinition as invalid:
        return [str(error) for error in invalid.errors]
    return []


def learned_paths(model: str, field: str) -> list[str]:
    """The fields the sample in force gives, as "Address, City (Text)" joined by `SEPARATOR`."""
    sample = sample_for(model, field)
    if sample is None or sample_problem_of_field(sample):
        return []
    lines: list[str] = []

    def walk(value_type: Any, labels: list[str], depth: int) -> None:
        for child in value_type.children().values():
            names = [*labels, child.display_label]
            lines.append(f"{SEPARATOR.join(names)} ({child.type.label})")
            if depth < 3:
                walk(child.type, names, depth + 1)

    walk(shape_of(sample), [], 1)
    return lines


# -- wiring --------------------------------------------------------------------------


class SampledRecordProvider(DjangoRecordProvider):
    """Record fields as `DjangoRecordProvider` answers them, JSON fields typed from
    their samples."""

    def fields(self, model: str) -> Mapping[str, ScopeField]:
        registration = get_registration(model)
        return sampled_fields(registration) if registration else {}


def install_record_provider() -> None:
    """Called from `AppConfig.ready()`: Record[...] types answer from Django models,
    JSON fields typed from their samples."""
    from engine.types import User
    from engine.types.record import set_record_provider
    from workflows_app.records import user_model_label

    User.user_model = user_model_label()
    set_record_provider(SampledRecordProvider())


@checks.register("workflows")
def check_declared_samples(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """E006: a sample declared in settings names a registered JSON field and is a
    usable JSON object."""
    errors: list[checks.CheckMessage] = []
    try:
        found = registrations()
    except (ImproperlyConfigured, AttributeError, TypeError, ValueError, LookupError):
        return []  # the setting itself is malformed: reported by E001-E005
    fields = {(item.model, item.field) for item in json_fields()}
    for label, registration in sorted(found.items()):
        for name, sample in registration.samples.items():
            obj = f"settings.WORKFLOWS['MODELS'][{label!r}]['samples'][{name!r}]"
            if (label, name) not in fields:
                problem = f"{name!r} is not a JSON field of {label} registered for workflows"
            else:
                problem = sample_problem_of_field(sample)
            if problem:
                errors.append(checks.Error(f"{obj}: {problem}.", obj=obj, id="workflows.E006"))
    return errors
