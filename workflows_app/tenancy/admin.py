"""Tenant scoping for `ModelAdmin`s: one mixin.

``class ConnectionAdmin(TenantScopedAdminMixin, admin.ModelAdmin)`` shows a user
only the rows of their tenants: the list, the change and delete pages (another
tenant's id is "not found"), bulk actions, the choices of related-field list
filters and of foreign-key form fields, and, for django-simple-history admins,
the history pages. Someone who sees every tenant gets a column naming each row's
tenant. Every view of the admin (its own URLs included, such as the builder's JSON
endpoints) runs inside `scoping.viewing_as(request.user)`, so pickers built deeper
down offer only the user's tenants' records, users and workflows. With tenancy off
it changes nothing.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern
from django.utils.functional import lazy

from engine import InvalidDefinition
from workflows_app.tenancy import config
from workflows_app.tenancy.fields import own_tenant_field, tenant_path
from workflows_app.tenancy.scoping import (
    creation_tenant,
    key_by_path,
    scope,
    viewing_as,
    visibility,
)

_labels = threading.local()


def _tenant_heading() -> str:
    settings = config.tenant_settings()
    return str(settings.model._meta.verbose_name).capitalize() if settings else "Tenant"


def tenant_label(key: str | None) -> str:
    """The tenant's name as its model prints it (looked up once per list page)."""
    if key is None:
        return "—"
    cache = getattr(_labels, "names", None)
    if cache is None:
        cache = _labels.names = {}
    if key not in cache:
        model = config.require().model
        try:
            tenant = model._default_manager.filter(pk=key).first()
        except (ValueError, TypeError):  # a key of the wrong type for the model
            tenant = None
        cache[key] = str(tenant) if tenant is not None else f"#{key}"
    return cache[key]


class TenantScopedRelatedFilter(admin.RelatedFieldListFilter):
    """A related-field list filter offering only the related rows the user sees
    (`?workflow=` on the runs list lists only the user's workflows)."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any
                      ) -> list[tuple[Any, str]]:
        related = field.related_model
        if not config.enabled() or tenant_path(related) is None:
            return super().field_choices(field, request, model_admin)
        queryset = scope(related._default_manager.all(), request.user)
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            queryset = queryset.order_by(*ordering)
        return [(obj.pk, str(obj)) for obj in queryset]


class TenantScopedAdminMixin:
    """For `ModelAdmin`s of models that belong to tenants (see the module docstring)."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return scope(super().get_queryset(request), request.user)  # type: ignore[misc]

    def get_urls(self) -> list[Any]:
        return [URLPattern(url.pattern, _viewing_as_user(url.callback), url.default_args,
                           url.name) if isinstance(url, URLPattern) else url
                for url in super().get_urls()]  # type: ignore[misc]

    def get_list_display(self, request: HttpRequest) -> Any:
        columns = super().get_list_display(request)  # type: ignore[misc]
        if (config.enabled() and visibility(request.user).everything
                and tenant_path(self.model) is not None):  # type: ignore[attr-defined]
            _labels.names = {}  # names are looked up afresh for each page
            return [*columns, "tenant_column"]
        return columns

    def tenant_column(self, obj: Model) -> str:
        """The tenant a row belongs to (for people who see every tenant)."""
        return tenant_label(key_by_path(obj, tenant_path(type(obj))))

    tenant_column.short_description = lazy(_tenant_heading, str)()  # type: ignore[attr-defined]

    def get_list_filter(self, request: HttpRequest) -> Any:
        filters = super().get_list_filter(request)  # type: ignore[misc]
        if not config.enabled():
            return filters
        model = self.model  # type: ignore[attr-defined]
        return [(entry, TenantScopedRelatedFilter) if _is_tenant_relation(model, entry)
                else entry for entry in filters]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False,
                 **kwargs: Any) -> Any:
        """A new row of a model with its own `TenantKeyField` belongs to the tenant
        the user creates in (`scoping.creation_tenant`); its per-tenant unique
        constraints are checked by the form."""
        form = super().get_form(request, obj, change, **kwargs)  # type: ignore[misc]
        attname = own_tenant_field(self.model)  # type: ignore[attr-defined]
        if attname is None:
            return form
        return _with_creation_tenant(form, request, attname, adding=obj is None)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest,
                                 **kwargs: Any) -> Any:
        related = db_field.related_model
        if config.enabled() and "queryset" not in kwargs and tenant_path(related):
            kwargs["queryset"] = scope(related._default_manager.all(), request.user)
        return super().formfield_for_foreignkey(db_field, request,  # type: ignore[misc]
                                                **kwargs)

    # -- django-simple-history ---------------------------------------------------------

    def get_history_queryset(self, request: HttpRequest, history_manager: Any,
                             pk_name: str, object_id: Any) -> QuerySet[Any]:
        queryset = super().get_history_queryset(  # type: ignore[misc]
            request, history_manager, pk_name, object_id)
        return _scope_history(queryset, request)

    def history_form_view(self, request: HttpRequest, object_id: str, version_id: str,
                          extra_context: dict[str, Any] | None = None) -> HttpResponse:
        model = self.model  # type: ignore[attr-defined]
        if config.enabled():
            history = model.history.model
            found = history.objects.filter(**{model._meta.pk.attname: object_id,
                                              "history_id": version_id})
            if not _scope_history(found, request).exists():
                raise Http404("No such version in the history.")
        return super().history_form_view(  # type: ignore[misc]
            request, object_id, version_id, extra_context)


def _with_creation_tenant(form_class: Any, request: HttpRequest, attname: str, *,
                          adding: bool) -> Any:
    class TenantForm(form_class):  # type: ignore[misc,valid-type]
        def clean(self) -> Any:
            data = super().clean()
            if not adding or not config.enabled():
                return data
            try:
                setattr(self.instance, attname, creation_tenant(request))
            except InvalidDefinition as exc:
                raise ValidationError("; ".join(str(error.message) for error in exc.errors)
                                      ) from None
            return data

        def _get_validation_exclusions(self) -> Any:
            excluded = super()._get_validation_exclusions()
            excluded.discard(attname)  # so that "name unique per tenant" is checked
            return excluded

    TenantForm.__name__ = form_class.__name__
    return TenantForm


def _viewing_as_user(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """`view`, run inside `viewing_as(request.user)`."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with viewing_as(request.user):
            return view(request, *args, **kwargs)

    return wrapped


def _scope_history(queryset: QuerySet[Any], request: HttpRequest) -> QuerySet[Any]:
    """Historical rows carry the tenant key of their row as it was."""
    if not config.enabled():
        return queryset
    seen = visibility(request.user)
    if seen.everything:
        return queryset
    return queryset.filter(tenant_id__in=sorted(seen.keys or ()))


def _is_tenant_relation(model: type[Model], entry: Any) -> bool:
    if not isinstance(entry, str) or "__" in entry:
        return False
    try:
        field = model._meta.get_field(entry)
    except Exception:
        return False
    related = getattr(field, "related_model", None)
    return bool(field.is_relation and related is not None and tenant_path(related))
