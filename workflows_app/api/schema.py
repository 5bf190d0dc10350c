"""The OpenAPI 3 description of the API (drf-spectacular), served at `api/schema/`
and browsable at `api/docs/`.

The views describe their own bodies (`extend_schema`); the hooks here add what
every operation shares — the error responses in the API's one error shape —
and the definition format (docs/definition-format.md) as the `WorkflowDefinition`
component, its trigger and step types listed from the registries. The schema
is what schemathesis checks the API against (tests/api/test_schemathesis.py).
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.templatetags.static import static
from drf_spectacular.plumbing import _load_enum_name_overrides
from drf_spectacular.utils import OpenApiResponse, extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from engine import step_registry, trigger_registry
from workflows_app.api.exceptions import non_atomic_exception_handler

SCHEMAS = "#/components/schemas/"
#: Where clients read the whole format (shipped in the project's repository).
DEFINITION_FORMAT = (
    "A workflow definition: when its trigger fires, if its conditions hold, do its steps. "
    "Every key, reference, template, operator, step and trigger is specified in "
    "docs/definition-format.md, in the project's repository; GET api/metadata/ lists the "
    "triggers, steps, types and operators of this installation.")


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text='Machine-readable: "invalid", "required", '
                                           '"parse_error", "not_authenticated", '
                                           '"permission_denied", "not_found", '
                                           '"invalid_state"...')
    path = serializers.CharField(
        allow_blank=True,
        help_text='Where: a key of the body ("conditions.all[0].value", "inputs.order"), a '
                  'query parameter ("status"), or "" for the request as a whole.')
    message = serializers.CharField()


class ErrorListSerializer(serializers.Serializer):
    errors = ErrorSerializer(many=True)


ERROR_RESPONSE = OpenApiResponse(ErrorListSerializer, description="The request was refused; "
                                                                  "each error names its place.")
DEFINITION_REQUEST = {"application/json": {"$ref": f"{SCHEMAS}WorkflowDefinition"}}
#: What `validate` reads: any JSON, since judging it is the point.
ANY_DEFINITION_REQUEST = {"application/json": {
    "description": "A definition to check (see WorkflowDefinition); anything is accepted and "
                   "judged, so this may be invalid in any way."}}

EXAMPLE_DEFINITION: dict[str, Any] = {
    "schema_version": 1,
    "name": "Resend an order confirmation (example)",
    "description": "Started by hand with an order.",
    "trigger": {"type": "manual", "inputs": [
        {"name": "order", "type": "Record[demo.order]", "label": "Order"},
        {"name": "note", "type": "Text", "required": False},
    ]},
    "conditions": {},
    "steps": [
        {"key": "mail", "type": "email.send", "params": {
            "to": ["ops@example.com"],
            "subject": "Order {{ inputs.order.number }}",
            "body": "{{ inputs.note | default:\"(no note)\" }}",
        }},
    ],
}

#: Error responses every operation may give, added where a view did not say more.
STANDARD_ERRORS = {
    "400": "Invalid query parameters or body; each error names the parameter or path.",
    "401": "Not authenticated (send `Authorization: Token <key>` or log in).",
    "403": "Authenticated, but without the permission this needs.",
    "404": "No such resource, or a page past the end of the list.",
    "406": "The `Accept` header asks for something other than JSON.",
}
BODY_ERRORS = {
    "413": "The body is larger than the API reads.",
    "415": "The body is not `application/json`.",
}


def definition_components() -> dict[str, Any]:
    """The definition format as JSON Schema: no stricter than the engine, which
    checks the rest (types, references, operators) and names each error's path."""
    condition = {
        "type": "object", "nullable": True, "additionalProperties": True,
        "description": 'A condition tree: {"all": [...]}, {"any": [...]}, {"not": {...}} or '
                       '{"ref": PATH, "op": OPERATOR, "value": ...}.',
    }
    return {
        "WorkflowDefinition": {
            "type": "object",
            "description": DEFINITION_FORMAT,
            "required": ["schema_version", "name", "trigger"],
            "additionalProperties": False,
            "properties": {
                "schema_version": {"type": "integer", "enum": [1]},
                "name": {"type": "string", "minLength": 1, "maxLength": 200},
                "description": {"type": "string", "nullable": True},
                "trigger": {
                    "type": "object", "required": ["type"], "additionalProperties": True,
                    "description": "The trigger type and its settings, e.g. "
                                   '{"type": "model.created", "model": "demo.order"}.',
                    "properties": {"type": {"type": "string",
                                            "enum": trigger_registry.keys()}},
                },
                "conditions": condition,
                "steps": {"type": "array", "nullable": True, "maxItems": 100,
                          "items": {"$ref": f"{SCHEMAS}WorkflowStep"}},
            },
        },
        "WorkflowStep": {
            "type": "object",
            "required": ["key", "type"],
            "additionalProperties": False,
            "properties": {
                "key": {"type": "string", "minLength": 1, "maxLength": 63,
                        "description": "Unique in the workflow: lower-case letters, digits "
                                       "and _, starting with a letter."},
                "type": {"type": "string", "enum": step_registry.keys()},
                "label": {"type": "string"},
                "params": {"type": "object", "nullable": True, "additionalProperties": True},
                "when": condition,
                "on_error": {"type": "string", "enum": ["stop", "continue"]},
                "retry": {
                    "type": "object", "nullable": True, "additionalProperties": False,
                    "properties": {
                        "max_attempts": {"type": "integer", "minimum": 1, "maximum": 20},
                        "backoff_seconds": {"type": "number", "minimum": 0,
                                            "maximum": 86400},
                    },
                },
            },
        },
    }


def only_this_api(endpoints: list[tuple[Any, ...]], **kwargs: Any) -> list[tuple[Any, ...]]:
    """Preprocessing hook: describe this app's API only, whatever else the host serves."""
    return [endpoint for endpoint in endpoints
            if getattr(endpoint[3], "__module__", "").startswith("workflows_app.api.")
            or getattr(getattr(endpoint[3], "cls", None), "__module__", "").startswith(
                "workflows_app.api.")]


def add_shared_parts(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Postprocessing hook: the definition components and the shared error responses."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(definition_components())
    error_ref = {"$ref": f"{SCHEMAS}ErrorList"}
    if "ErrorList" not in schemas:
        schemas["Error"] = {"type": "object", "required": ["code", "path", "message"],
                            "properties": {name: {"type": "string"}
                                           for name in ("code", "path", "message")}}
        schemas["ErrorList"] = {"type": "object", "required": ["errors"], "properties": {
            "errors": {"type": "array", "items": {"$ref": f"{SCHEMAS}Error"}}}}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            wanted = dict(STANDARD_ERRORS)
            if "requestBody" in operation:
                wanted.update(BODY_ERRORS)
            for code, description in wanted.items():
                responses.setdefault(code, {
                    "description": description,
                    "content": {"application/json": {"schema": error_ref}},
                })
    return result


SCHEMA_SETTINGS: dict[str, Any] = {
    "TITLE": "Workflows API",
    "DESCRIPTION": (
        "Build, run and audit workflows (\"when X happens, if Y, do Z\"): builder metadata, "
        "workflows and their versions, runs with their steps and actions, events with the "
        "explanation of every workflow considered. Authenticate with a token "
        "(`Authorization: Token <key>`) or a logged-in session. Errors are "
        '`{"errors": [{"code", "path", "message"}]}`. See docs/api.md.'),
    "VERSION": "1",
    "COMPONENT_SPLIT_REQUEST": True,
    "PREPROCESSING_HOOKS": ["workflows_app.api.schema.only_this_api"],
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "workflows_app.api.schema.add_shared_parts"],
    "ENUM_NAME_OVERRIDES": {
        "RunStatusEnum": "workflows_app.models.run.RunStatus",
        "StepStatusEnum": "workflows_app.models.run.StepStatus",
        "EventStatusEnum": "workflows_app.models.event.EventStatus",
        "EvaluationOutcomeEnum": "workflows_app.models.event.WorkflowEvaluation.Outcome",
    },
}


class SchemaView(SpectacularAPIView):
    """The OpenAPI 3 schema of the API (YAML; `?format=json` for JSON). Public: it
    describes the API, not data."""

    permission_classes = [AllowAny]
    custom_settings = SCHEMA_SETTINGS

    def get_authenticators(self) -> list[Any]:
        from workflows_app.api.views.base import authenticators

        return authenticators()

    def get_exception_handler(self) -> Any:
        return non_atomic_exception_handler

    @extend_schema(exclude=True)
    def get(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        # drf-spectacular caches the enum names per language; ours differ from the
        # project's (if it has an API of its own), so read them afresh, both ways.
        _load_enum_name_overrides.cache_clear()
        try:
            return super().get(request, *args, **kwargs)
        finally:
            _load_enum_name_overrides.cache_clear()


def _asset(path: str, fallback: str) -> str:
    """A Swagger UI file from `drf-spectacular-sidecar` when it is installed (no CDN,
    works offline), else from the CDN drf-spectacular uses by default."""
    if apps.is_installed("drf_spectacular_sidecar"):
        return static(f"drf_spectacular_sidecar/swagger-ui-dist/{path}")
    return fallback


class DocsView(SpectacularSwaggerView):
    """Swagger UI for the schema: try the API with your session or a token."""

    permission_classes = [AllowAny]
    url_name = "workflows_app:api:schema"
    title = "Workflows API"
    http_method_names = ["get", "head"]  # an HTML page: no OPTIONS description

    def get_authenticators(self) -> list[Any]:
        from workflows_app.api.views.base import authenticators

        return authenticators()

    def get_exception_handler(self) -> Any:
        return non_atomic_exception_handler

    @staticmethod
    def _swagger_ui_resource(filename: str) -> str:
        return _asset(filename, f"{SpectacularSwaggerView._swagger_ui_resource(filename)}")

    @staticmethod
    def _swagger_ui_favicon() -> str:
        return _asset("favicon-32x32.png", SpectacularSwaggerView._swagger_ui_favicon())
