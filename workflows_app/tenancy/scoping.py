"""Who sees which tenants, and querysets narrowed to them.

`visibility(user)` is what a user may see: the keys of their tenants, or every
tenant (tenancy off, or `USER_TENANTS` answered None). `scope(queryset, who)`
narrows any tenant-owned queryset (`fields.tenant_path`) to it; records of
registered models and users are narrowed by `scope_by_path` with the path the
setting gives. With tenancy off every function returns its input untouched and
runs no query.

Code that has no request at hand (the record and user pickers answered through
the engine's record provider) reads the visibility set for the current context
with `viewing_as(user)`; without one, and with tenancy on, it sees nothing.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import QuerySet

from engine import DefinitionError, InvalidDefinition
from workflows_app.tenancy import config
from workflows_app.tenancy.fields import tenant_path

ModelT = TypeVar("ModelT", bound=models.Model)

#: Cached on a user object for the rest of its request.
_CACHE_ATTRIBUTE = "_workflows_tenant_visibility"


@dataclass(frozen=True)
class Visibility:
    """The tenants someone may see: `keys` (tenant primary keys as text), or every
    tenant when `keys` is None. Rows of no tenant are seen only with every tenant."""

    keys: frozenset[str] | None

    @property
    def everything(self) -> bool:
        return self.keys is None

    def allows(self, key: str | None) -> bool:
        """Whether a row with tenant key `key` may be seen."""
        return self.keys is None or (key is not None and key in self.keys)


EVERYTHING = Visibility(None)
NOTHING = Visibility(frozenset())


def tenant_key(tenant: Any) -> str | None:
    """The text key of a tenant given as an instance, a primary key or None."""
    if tenant is None:
        return None
    if isinstance(tenant, models.Model):
        tenant = tenant.pk
    return None if tenant is None else str(tenant)


def visibility(user: Any) -> Visibility:
    """What `user` may see (cached on the user object). With tenancy off:
    everything, without a query. An anonymous user sees no tenant."""
    if not config.enabled():
        return EVERYTHING
    if isinstance(user, Visibility):
        return user
    if user is None or not getattr(user, "is_authenticated", False):
        return NOTHING
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is not None:
        return cached
    tenants = config.require().user_tenants(user)
    result = EVERYTHING if tenants is None else Visibility(frozenset(
        key for key in (tenant_key(tenant) for tenant in tenants) if key is not None))
    setattr(user, _CACHE_ATTRIBUTE, result)
    return result


def scope(queryset: QuerySet[ModelT], who: Any) -> QuerySet[ModelT]:
    """`queryset` narrowed to what `who` (a user or a `Visibility`) may see. The
    model must belong to tenants (`fields.tenant_path`)."""
    if not config.enabled():
        return queryset
    seen = visibility(who)
    if seen.everything:
        return queryset
    path = tenant_path(queryset.model)
    if path is None:
        raise ImproperlyConfigured(
            f"{queryset.model._meta.label} belongs to no tenant: give it a TenantKeyField "
            "or a workflows_tenant_path.")
    return queryset.filter(**{f"{path}__in": sorted(seen.keys or ())})


def scope_by_path(queryset: QuerySet[ModelT], path: str | None, who: Any
                  ) -> QuerySet[ModelT]:
    """Records (of a registered model, or users) narrowed to `who`'s tenants through
    `path`, the ORM path from the model to the tenant. A model without a path
    shows nothing to anyone limited to some tenants."""
    if not config.enabled():
        return queryset
    seen = visibility(who)
    if seen.everything:
        return queryset
    if not path:
        return queryset.none()
    model = queryset.model
    # A subquery, so a path through a to-many relation lists each record once.
    inner = model._default_manager.filter(**{f"{path}__in": sorted(seen.keys or ())})
    return queryset.filter(pk__in=inner.values("pk"))


def key_by_path(instance: models.Model, path: str | None) -> str | None:
    """The tenant key of `instance` found by following `path` (``"organisation"``,
    ``"customer__organisation"``); a foreign key at the end is read without a query."""
    if not path:
        return None
    current: Any = instance
    parts = path.split("__")
    for index, part in enumerate(parts):
        if current is None:
            return None
        if index == len(parts) - 1:
            field = _concrete_field(type(current), part)
            if field is not None and field.is_relation and field.many_to_one:
                return tenant_key(getattr(current, field.attname))
            return tenant_key(getattr(current, part))
        current = getattr(current, part, None)
    return None


def _concrete_field(model: type[models.Model], name: str) -> Any:
    try:
        field = model._meta.get_field(name)
    except Exception:
        return None
    return field if getattr(field, "concrete", False) else None


# -- the context of code without a request ------------------------------------------

_viewer: contextvars.ContextVar[Visibility | None] = contextvars.ContextVar(
    "workflows_tenant_viewer", default=None)


@contextlib.contextmanager
def viewing_as(who: Any) -> Iterator[Visibility]:
    """Inside the block, `current_visibility()` is what `who` may see."""
    token = _viewer.set(visibility(who))
    try:
        yield _viewer.get() or NOTHING
    finally:
        _viewer.reset(token)


def current_visibility() -> Visibility:
    """What the code running now may see: everything with tenancy off; else what
    `viewing_as` set, or nothing."""
    if not config.enabled():
        return EVERYTHING
    return _viewer.get() or NOTHING


# -- the tenant of something new --------------------------------------------------


def creation_tenant(request: Any) -> str | None:
    """The tenant key a workflow created in `request` belongs to (None: no tenant).

    `CURRENT_TENANT(request)` when set (it must be one of the user's tenants), else
    the user's only tenant; someone who sees every tenant creates workflows of no
    tenant unless `CURRENT_TENANT` names one. Raises `InvalidDefinition` when the
    tenant cannot be told.
    """
    if not config.enabled():
        return None
    settings = config.require()
    user = getattr(request, "user", None)
    seen = visibility(user)
    if settings.current_tenant is not None:
        key = tenant_key(settings.current_tenant(request))
        if key is not None:
            if not seen.allows(key):
                raise InvalidDefinition([DefinitionError(
                    "", "the current organisation is not one of yours")])
            return key
    if seen.everything:
        return None
    keys = sorted(seen.keys or ())
    if len(keys) == 1:
        return keys[0]
    name = str(settings.model._meta.verbose_name)
    if not keys:
        raise InvalidDefinition([DefinitionError(
            "", f"you belong to no {name}, so you cannot create workflows")])
    raise InvalidDefinition([DefinitionError(
        "", f"you belong to several {settings.model._meta.verbose_name_plural}; "
            f"choose the {name} to work in first")])


def keys_of(tenants: Iterable[Any]) -> frozenset[str]:
    return frozenset(key for key in map(tenant_key, tenants) if key is not None)


def of_tenant(queryset: QuerySet[ModelT], key: str | None) -> QuerySet[ModelT]:
    """`queryset` narrowed to the rows of exactly one tenant (`key` None: rows of no
    tenant). Names and other per-tenant lookups (a workflow named "X") use it.
    Unchanged with tenancy off."""
    if not config.enabled():
        return queryset
    path = tenant_path(queryset.model)
    if path is None:
        raise ImproperlyConfigured(f"{queryset.model._meta.label} belongs to no tenant.")
    if key is None:
        return queryset.filter(**{f"{path}__isnull": True})
    return queryset.filter(**{path: key})


def tenant_visibility(key: str | None) -> Visibility:
    """What the work of a workflow (or event) of tenant `key` may touch: that
    tenant's rows; everything for a workflow of no tenant (a platform-wide one)
    and with tenancy off."""
    if not config.enabled() or key is None:
        return EVERYTHING
    return Visibility(frozenset({key}))


def tenant_option(value: str | None) -> Any:
    """The tenant key named by a management command's ``--tenant`` (the tenant's
    primary key), None when not given. Raises `ValueError` naming the problem when
    tenancy is off or no such tenant exists."""
    if value is None:
        return None
    if not config.enabled():
        raise ValueError("--tenant needs tenancy (WORKFLOWS['TENANT']) to be set")
    model = config.require().model
    try:
        exists = model._default_manager.filter(pk=value).exists()
    except Exception as exc:
        raise ValueError(f"{value!r} is not a {model._meta.verbose_name} id ({exc})") from None
    if not exists:
        raise ValueError(f"no {model._meta.verbose_name} has the id {value!r}")
    return str(value)
