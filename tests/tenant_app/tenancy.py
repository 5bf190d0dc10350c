"""The functions `WORKFLOWS["TENANT"]` names for this app."""

from __future__ import annotations

from typing import Any


def organisations_of(user: Any) -> Any:
    """The organisations a user works in; every organisation for superusers."""
    from tests.tenant_app.models import Organisation

    if user.is_superuser:
        return None
    return Organisation.objects.filter(memberships__user=user)


def current_organisation(request: Any) -> Any:
    """The organisation picked in the session (`?org=` in a real app), if any."""
    return getattr(request, "session", {}).get("organisation")
