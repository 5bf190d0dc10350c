"""The tenant key column, and how a model reaches its tenant key.

Why a key and not a foreign key: the tenant model is named by a setting, and a
foreign key to a setting-named model is part of the migration (as
``AUTH_USER_MODEL`` is), so switching tenancy on or off, or pointing it at
another model, would need migrations that differ between projects. A plain,
nullable text column holding the tenant's primary key is the same in every
project: one committed migration set, empty columns (and empty partial indexes)
when tenancy is off, and any primary key type (integer, UUID, text) for tenants.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

#: How long a tenant key may be (a UUID's text is 36 characters).
TENANT_KEY_LENGTH = 64


class TenantKeyField(models.CharField):
    """The tenant a row belongs to: the tenant's primary key as text, NULL when the
    row belongs to no tenant (always, when tenancy is off).

    Not editable in forms: it is set when a row is created (a workflow gets the
    tenant of the person creating it, an event the tenant of its record or
    workflow) and never changes. It deconstructs as a plain ``CharField``, so
    migrations do not depend on this class.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("verbose_name", _("tenant"))
        kwargs.setdefault("max_length", TENANT_KEY_LENGTH)
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.CharField", args, kwargs


#: The attribute a model sets to belong to the tenant of another row, e.g.
#: ``workflows_tenant_path = "workflow__tenant_id"``.
TENANT_PATH_ATTRIBUTE = "workflows_tenant_path"


@cache
def own_tenant_field(model: type[models.Model]) -> str | None:
    """The attribute name of the model's own `TenantKeyField`, if it has one."""
    for field in model._meta.concrete_fields:
        if isinstance(field, TenantKeyField):
            return field.attname
    return None


@cache
def tenant_path(model: type[models.Model]) -> str | None:
    """The ORM path from `model` to its tenant key (``"tenant_id"``,
    ``"run__workflow__tenant_id"``), or None when the model belongs to no tenant."""
    for field in model._meta.concrete_fields:
        if isinstance(field, TenantKeyField):
            return field.name
    return getattr(model, TENANT_PATH_ATTRIBUTE, None)
