"""The ``WORKFLOWS["TENANT"]`` setting, parsed once and re-read when it changes.

::

    WORKFLOWS = {
        "TENANT": {
            "MODEL": "accounts.organisation",             # the tenant model
            "USER_TENANTS": "accounts.tenancy.organisations_of",  # user -> tenants
            "USER_FIELD": "memberships__organisation",   # user model -> tenant
            "CURRENT_TENANT": "accounts.tenancy.current_organisation",  # optional
        },
        "MODELS": {"shop.order": {"fields": "__all__", "tenant": "organisation"}},
    }

`USER_TENANTS` is called with a user and returns the tenants (instances or
primary keys) whose workflows, runs and events the user may see, or None for
every tenant (platform staff). `USER_FIELD` is the path from the user model to
the tenant, used to offer only a tenant's users in pickers. `CURRENT_TENANT`,
called with a request, picks the tenant a new workflow belongs to when a user
has several (default: the user's only tenant). Each registered model names the
path from its records to their tenant with ``"tenant"`` (default: its one
foreign key to the tenant model). Checked by `workflows_app.tenancy.checks`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver
from django.utils.module_loading import import_string

from workflows_app.conf import SETTING_NAME, workflow_settings

KEYS = ("MODEL", "USER_TENANTS", "USER_FIELD", "CURRENT_TENANT")
REQUIRED = ("MODEL", "USER_TENANTS", "USER_FIELD")


@dataclass(frozen=True)
class TenantSettings:
    """The parsed ``TENANT`` setting."""

    model: type[models.Model]
    user_tenants: Callable[[Any], Iterable[Any] | None]
    user_field: str
    current_tenant: Callable[[Any], Any] | None

    @property
    def label(self) -> str:
        return self.model._meta.label_lower


def enabled() -> bool:
    """Whether tenancy is on (``WORKFLOWS["TENANT"]`` is set). No query; cached."""
    return workflow_settings.TENANT is not None


def problems(value: Any) -> list[str]:
    """What is wrong with a ``TENANT`` value, in words (empty: nothing)."""
    if value is None:
        return []
    if not isinstance(value, Mapping):
        return ['TENANT must be a dict like {"MODEL": "accounts.organisation", '
                '"USER_TENANTS": "accounts.tenancy.organisations_of", '
                '"USER_FIELD": "memberships__organisation"}, or None.']
    found = []
    for key in value:
        if key not in KEYS:
            found.append(f"TENANT has an unknown key {key!r} (known: {', '.join(KEYS)}).")
    for key in REQUIRED:
        if not isinstance(value.get(key), str) or not value.get(key):
            found.append(f"TENANT[{key!r}] is required (a text).")
    label = value.get("MODEL")
    if isinstance(label, str) and label:
        try:
            apps.get_model(label)
        except (LookupError, ValueError):
            found.append(f'TENANT["MODEL"] is {label!r}, which is not an installed model '
                         '("app_label.modelname").')
    for key in ("USER_TENANTS", "CURRENT_TENANT"):
        path = value.get(key)
        if isinstance(path, str) and path:
            try:
                function = import_string(path)
            except ImportError as exc:
                found.append(f"TENANT[{key!r}] is {path!r}, which cannot be imported ({exc}).")
                continue
            if not callable(function):
                found.append(f"TENANT[{key!r}] is {path!r}, which is not callable.")
        elif key in value and value[key] is not None:
            found.append(f"TENANT[{key!r}] must be the dotted path of a function.")
    return found


@cache
def tenant_settings() -> TenantSettings | None:
    """The parsed setting, or None when tenancy is off. Raises
    `ImproperlyConfigured` for a broken setting (the system checks say why first)."""
    value = workflow_settings.TENANT
    if value is None:
        return None
    found = problems(value)
    if found:
        raise ImproperlyConfigured(f"{SETTING_NAME}['TENANT']: {' '.join(found)}")
    current = value.get("CURRENT_TENANT")
    return TenantSettings(
        model=apps.get_model(value["MODEL"]),
        user_tenants=import_string(value["USER_TENANTS"]),
        user_field=value["USER_FIELD"],
        current_tenant=import_string(current) if current else None,
    )


def require() -> TenantSettings:
    """The parsed setting; only call it when `enabled()`."""
    parsed = tenant_settings()
    if parsed is None:  # pragma: no cover - callers check enabled() first
        raise ImproperlyConfigured("Tenancy is off (WORKFLOWS['TENANT'] is not set).")
    return parsed


@receiver(setting_changed)
def _clear_on_setting_change(*, setting: str, **kwargs: Any) -> None:
    if setting == SETTING_NAME:
        tenant_settings.cache_clear()
