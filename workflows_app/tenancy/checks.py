"""System checks of ``WORKFLOWS["TENANT"]`` (registered when the app is ready).

- ``workflows.E030``: ``TENANT`` is malformed (not a dict, unknown or missing keys,
  a model that is not installed, a function that cannot be imported);
- ``workflows.E031``: a model registered for workflows has no way to its tenant
  (no ``"tenant"`` path and not exactly one foreign key to the tenant model), or
  its path does not lead to the tenant model;
- ``workflows.E032``: ``USER_FIELD`` does not lead from the user model to the
  tenant model.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import checks
from django.core.exceptions import FieldDoesNotExist
from django.db import models

from workflows_app.conf import workflow_settings
from workflows_app.records import record_tenant_path, registrations
from workflows_app.tenancy import config

TAG = "workflows"


def path_target(model: type[models.Model], path: str) -> type[models.Model] | None:
    """The model an ORM path (``"customer__organisation"``) leads to, or None when a
    part is not a relation of the model before it."""
    current = model
    for part in path.split("__"):
        if part == "pk":
            continue
        try:
            field = current._meta.get_field(part)
        except FieldDoesNotExist:
            return None
        related = getattr(field, "related_model", None)
        if not getattr(field, "is_relation", False) or related is None:
            return None
        current = related
    return current


@checks.register(TAG)
def check_tenant(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """E030, E031, E032 (see the module docstring)."""
    try:
        value = workflow_settings.user_settings.get("TENANT")
    except Exception:  # WORKFLOWS itself is wrong: reported as workflows.E001
        return []
    found = config.problems(value)
    if found:
        return [checks.Error(problem, hint="See docs/tenancy.md.", obj="WORKFLOWS['TENANT']",
                             id="workflows.E030") for problem in found]
    if value is None:
        return []
    tenant_model = apps.get_model(value["MODEL"])
    errors: list[checks.CheckMessage] = []
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    if path_target(user_model, value["USER_FIELD"]) is not tenant_model:
        errors.append(checks.Error(
            f"TENANT['USER_FIELD'] is {value['USER_FIELD']!r}, which does not lead from "
            f"{user_model._meta.label} to {tenant_model._meta.label}.",
            hint='The ORM path from a user to their tenant, e.g. "memberships__organisation".',
            obj="WORKFLOWS['TENANT']", id="workflows.E032"))
    for label, registration in registrations().items():
        if not registration.records_events:
            continue  # the implicit user model: USER_FIELD
        options = (workflow_settings.MODELS or {}).get(label) or {}
        path = record_tenant_path(registration.model, options)
        if path is None:
            errors.append(checks.Error(
                f"{label} is registered for workflows but its records have no way to their "
                f"{tenant_model._meta.verbose_name}.",
                hint=f'Add "tenant": "<path to {tenant_model._meta.label_lower}>" to its '
                     'MODELS entry.', obj=f"WORKFLOWS['MODELS'][{label!r}]",
                id="workflows.E031"))
        elif registration.model is not tenant_model and (
                path_target(registration.model, path) is not tenant_model):
            errors.append(checks.Error(
                f"{label}: the tenant path {path!r} does not lead to "
                f"{tenant_model._meta.label}.", obj=f"WORKFLOWS['MODELS'][{label!r}]",
                hint="An ORM path of foreign keys, e.g. \"customer__organisation\".",
                id="workflows.E031"))
    return errors
