"""Errors of the API: every 4xx answer is JSON of one shape::

    {"errors": [{"code": "invalid", "path": "conditions.all[0].value",
                 "message": "\\"abc\\" is not a valid Number: ..."}]}

`path` names the place in the request the error is about: a key of the JSON
body (`steps[1].params.to`, `inputs.order`), a query parameter (`status`), or
"" for the request as a whole (authentication, permissions, a missing page).
`code` is machine-readable (`invalid`, `required`, `parse_error`,
`not_authenticated`, `permission_denied`, `not_found`, `invalid_state`...).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import set_rollback

from engine import DefinitionError, InvalidDefinition
from engine.errors import join_path


def error(path: str, message: str, code: str = "invalid") -> dict[str, str]:
    return {"code": code, "path": path, "message": message}


class ApiError(exceptions.APIException):
    """An error with its entries already in the API's shape (`errors`)."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"

    def __init__(self, errors: Iterable[Mapping[str, str]], status_code: int | None = None) -> None:
        self.errors = [dict(item) for item in errors]
        if status_code is not None:
            self.status_code = status_code
        message = "; ".join(item["message"] for item in self.errors) or "invalid request"
        super().__init__(message, self.default_code)


class DefinitionInvalid(ApiError):
    """A definition the engine refused: one entry per `DefinitionError`, at its path."""

    def __init__(self, errors: Iterable[DefinitionError], prefix: str = "") -> None:
        super().__init__(error(join_path(prefix, item.path) if prefix and item.path
                               else prefix or item.path, item.message) for item in errors)


class Conflict(ApiError):
    """The action does not apply to the resource in its current state."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "invalid_state"

    def __init__(self, message: str) -> None:
        super().__init__([error("", message, self.default_code)])


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"


def flatten(detail: Any, path: str = "") -> list[dict[str, str]]:
    """DRF's nested error details as a flat list of `{code, path, message}`."""
    if isinstance(detail, Mapping):
        entries: list[dict[str, str]] = []
        for key, value in detail.items():
            if key in (api_settings.NON_FIELD_ERRORS_KEY, "detail") and not path:
                entries.extend(flatten(value, path))
            elif isinstance(key, int):
                entries.extend(flatten(value, join_path(path, key)))
            else:
                entries.extend(flatten(value, join_path(path, str(key)) if path else str(key)))
        return entries
    if isinstance(detail, list | tuple):
        if all(not isinstance(item, Mapping | list | tuple) for item in detail):
            return [entry for item in detail for entry in flatten(item, path)]
        entries = []
        for index, item in enumerate(detail):
            if item:  # a list serializer gives {} for the items without errors
                entries.extend(flatten(item, join_path(path, index)))
        return entries
    code = getattr(detail, "code", None) or "invalid"
    return [error(path, str(detail), str(code))]


def _as_api_exception(exc: Exception) -> exceptions.APIException | None:
    if isinstance(exc, exceptions.APIException):
        return exc
    if isinstance(exc, InvalidDefinition):
        return DefinitionInvalid(exc.errors)
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, RequestDataTooBig):  # larger than DATA_UPLOAD_MAX_MEMORY_SIZE
        return PayloadTooLarge()
    return None


def exception_handler(exc: Exception, context: Mapping[str, Any], *,
                      rollback: bool = True) -> Response | None:
    """The API's exception handler: `{"errors": [...]}` for every handled error; None
    (a 500, logged) for anything else. With `ATOMIC_REQUESTS` the request's
    transaction is rolled back (`rollback=False` for views that are not atomic:
    there is no transaction of theirs to roll back)."""
    api_exc = _as_api_exception(exc)
    if api_exc is None:
        return None
    headers: dict[str, str] = {}
    if getattr(api_exc, "auth_header", None):
        headers["WWW-Authenticate"] = api_exc.auth_header  # type: ignore[attr-defined]
    if getattr(api_exc, "wait", None):
        headers["Retry-After"] = f"{int(api_exc.wait)}"  # type: ignore[attr-defined]
    if isinstance(api_exc, ApiError):
        errors = api_exc.errors
    else:
        errors = flatten(api_exc.detail)
        if not errors:
            errors = [error("", str(api_exc.default_detail), str(api_exc.default_code))]
    if rollback:
        set_rollback()
    return Response({"errors": errors}, status=api_exc.status_code, headers=headers)


def non_atomic_exception_handler(exc: Exception, context: Mapping[str, Any]
                                 ) -> Response | None:
    """`exception_handler` for views outside `ATOMIC_REQUESTS` (schema, docs)."""
    return exception_handler(exc, context, rollback=False)


@csrf_exempt  # a 404 whatever the method: no CSRF page for an unknown address
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """A JSON 404 for any address under `api/` that matches no endpoint."""
    return JsonResponse({"errors": [error("", "Not found.", "not_found")]},
                        status=status.HTTP_404_NOT_FOUND)
