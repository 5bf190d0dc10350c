"""Finding a record by what staff know: an order number, an e-mail, a name.

`find_records(model_label, text)` looks for `text` in the registered model's text
fields (its `CharField`s and `EmailField`s, and those of the records its foreign
keys point to: an order is found by its customer's e-mail), exact matches
(case-insensitive) first, then records containing it; a number also matches the
primary key. Used by "Why didn't it run?" and by the builder's "Test with…".
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import Q

from workflows_app.records import get_registration

TEXT_FIELDS = (models.CharField, models.EmailField)
MAX_RESULTS = 20


def text_lookups(model: type[models.Model], field_names: tuple[str, ...]) -> list[str]:
    """The lookups paths searched for a model: its text fields, then the text fields
    of the records its foreign keys point to (`customer__email`)."""
    paths: list[str] = []
    related: list[str] = []
    for name in field_names:
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:  # a registered name that is not a field
            continue
        if isinstance(field, TEXT_FIELDS) and not field.choices:
            paths.append(name)
        elif isinstance(field, models.ForeignKey):
            target = field.related_model
            if isinstance(target, type):
                related += [f"{name}__{inner.name}" for inner in target._meta.concrete_fields
                            if isinstance(inner, TEXT_FIELDS) and not inner.choices
                            and "password" not in inner.name]
    return paths + related


def _pk_filter(model: type[models.Model], text: str) -> Q | None:
    try:
        value = model._meta.pk.to_python(text)
        model._meta.pk.get_prep_value(value)
    except (ValidationError, ValueError, TypeError):
        return None
    return Q(pk=value)


def find_records(model_label: str, text: str, *, who: Any = None,
                 limit: int = MAX_RESULTS) -> list[Any]:
    """Records of the registered model `model_label` that `text` names, among those
    `who` may see (with tenancy on: their tenants' records): exact matches first (the
    id, or a text field equal to it, ignoring case), else those containing it. Empty
    for an unknown model or empty text."""
    registration = get_registration(model_label)
    text = (text or "").strip()
    if registration is None or not text:
        return []
    model = registration.model
    manager = registration.visible_records(who)
    paths = text_lookups(model, registration.field_names)
    exact = Q()
    for path in paths:
        exact |= Q(**{f"{path}__iexact": text})
    pk = _pk_filter(model, text)
    if pk is not None:
        exact |= pk
    found = list(manager.filter(exact).distinct()[:limit]) if exact else []
    if found or len(text) < 2:
        return found
    contains = Q()
    for path in paths:
        contains |= Q(**{f"{path}__icontains": text})
    return list(manager.filter(contains).distinct()[:limit]) if contains else []
