"""App configuration of the tests-only tenant app."""

from django.apps import AppConfig


class TenantAppConfig(AppConfig):
    """Organisations (the tenants), memberships and tickets."""

    name = "tests.tenant_app"
    label = "tenant_app"
    verbose_name = "Tenants (tests)"
    default_auto_field = "django.db.models.BigAutoField"
