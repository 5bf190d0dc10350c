"""Hostile query strings in the admin: a 400, never a 500.

PostgreSQL cannot compare text with a NUL character (`%00` in an address): a
list filter such as `?status=%00` reached the database and failed there. The
workflow admins refuse such addresses before any query.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import BadRequest
from django.http import HttpRequest


def refuse_nul_in_query(request: HttpRequest) -> None:
    """Raise `BadRequest` (HTTP 400) when a query parameter holds a NUL character."""
    for key, values in request.GET.lists():
        if "\x00" in key or any("\x00" in value for value in values):
            raise BadRequest("The address holds a NUL character (%00), which no filter or "
                             "search can contain.")


class RefuseNulQueryMixin:
    """For `ModelAdmin`s: list pages refuse query parameters with NUL characters."""

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        refuse_nul_in_query(request)
        return super().get_changelist_instance(request)  # type: ignore[misc]
