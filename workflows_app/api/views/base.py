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
from workflows_app.tenancy.scoping import scope, viewing_as

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

    def get_queryset(self) -> Any:
        """With tenancy on, only the rows of the requesting user's tenants: another
        tenant's id is a 404, its rows are in no list."""
        return scope(super().get_queryset(), self.request.user)  # type: ignore[misc]

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        # Pickers answered deeper down (records, users, workflow names) see what the
        # requesting user sees.
        self._viewing = viewing_as(request.user)
        self._viewing.__enter__()

    def finalize_response(self, request: Any, response: Any, *args: Any, **kwargs: Any
                          ) -> Any:
        viewing = getattr(self, "_viewing", None)
        if viewing is not None:
            self._viewing = None
            viewing.__exit__(None, None, None)
        return super().finalize_response(request, response, *args,  # type: ignore[misc]
                                         **kwargs)


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
