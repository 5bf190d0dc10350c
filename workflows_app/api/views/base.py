"""What every view of the API shares: authentication, permissions, parsing,
rendering, pagination and the error format. Set here rather than through
`REST_FRAMEWORK` defaults, so a host project's settings for its own APIs never
loosen (or break) this one."""

from __future__ import annotations

from typing import Any, ClassVar

from django.apps import apps
from rest_framework.authentication import (
    BaseAuthentication,
    SessionAuthentication,
    TokenAuthentication,
)
from rest_framework.exceptions import NotFound
from rest_framework.renderers import JSONRenderer

from workflows_app.api.exceptions import exception_handler
from workflows_app.api.filters import MAX_ID
from workflows_app.api.pagination import Pagination
from workflows_app.api.parsers import StrictJSONParser
from workflows_app.api.permissions import ModelActionPermission, PermissionRules

#: Path parameters that are database ids.
ID_PATTERN = r"[0-9]{1,19}"


def authenticators() -> list[BaseAuthentication]:
    """Token authentication (when `rest_framework.authtoken` is installed) first, so
    that an anonymous request is answered 401 with `WWW-Authenticate: Token`; then
    the session of a user logged in to the site (the admin, the docs page)."""
    found: list[BaseAuthentication] = []
    if apps.is_installed("rest_framework.authtoken"):
        found.append(TokenAuthentication())
    found.append(SessionAuthentication())
    return found


class ApiView:
    """Mixin for every API view (APIView or viewset)."""

    permission_classes = [ModelActionPermission]
    parser_classes = [StrictJSONParser]
    renderer_classes = [JSONRenderer]
    pagination_class = Pagination
    #: The model whose permissions guard the view, and what each action needs.
    permission_model: ClassVar[Any] = None
    permission_rules: ClassVar[PermissionRules] = {}

    def get_authenticators(self) -> list[BaseAuthentication]:
        return authenticators()

    def get_exception_handler(self) -> Any:
        return exception_handler


class IdLookupMixin:
    """Detail routes take a numeric id; one too large for the database is a 404."""

    lookup_value_regex = ID_PATTERN
    kwargs: dict[str, Any]

    def get_object(self) -> Any:
        lookup = getattr(self, "lookup_url_kwarg", None) or getattr(self, "lookup_field", "pk")
        value = self.kwargs.get(lookup)
        if value is not None and int(value) > MAX_ID:
            raise NotFound()
        return super().get_object()  # type: ignore[misc]
