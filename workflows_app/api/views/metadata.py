"""`api/metadata/`: what a builder needs, from the engine's registries (through
`workflows_app.metadata`, the source the admin builder reads too).

- `GET api/metadata/`: triggers, steps, types with their operators, models, input types;
- `GET api/metadata/scope/?trigger=model.updated&model=demo.order`: the references
  that trigger provides, each with its input and the operators it offers;
  `POST` a (possibly unfinished) definition to include earlier steps' outputs;
- `GET api/metadata/options/?type=Record[demo.order]&search=A-10&page=2`: values
  of an enumerable type (records, users, choices), searched and paged.

Everyone who may see, add or change workflows may read metadata; the options of
a `Record[...]` or `User` type also need the permission to view that model.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from engine import step_registry, trigger_registry
from engine.errors import DefinitionError, ValueParseError
from engine.scope import PathError
from engine.types import Choice, String, ValueType
from workflows_app import metadata
from workflows_app.api.exceptions import ApiError, DefinitionInvalid, error
from workflows_app.api.filters import StepTypeField, TriggerTypeField
from workflows_app.api.permissions import ADD, CHANGE, VIEW, may_read
from workflows_app.api.schema import ERROR_RESPONSE
from workflows_app.api.serializers import (
    CatalogueSerializer,
    OptionsPageSerializer,
    ScopeSerializer,
)
from workflows_app.api.views.base import ApiView
from workflows_app.models import Workflow
from workflows_app.records import get_registration
from workflows_app.triggers.lookup import trigger_label

BUILDER = [(VIEW, ADD, CHANGE)]
MAX_OPTION_OFFSET = 100_000


def config_params() -> list[OpenApiParameter]:
    """Every trigger setting name, documented as an optional query parameter."""
    seen: dict[str, list[str]] = {}
    for key, trigger_class in trigger_registry.items():
        for param in trigger_class.config_params:
            seen.setdefault(param.name, []).append(key)
    return [OpenApiParameter(name, str, required=False,
                             description=f"Setting of the trigger ({', '.join(keys)}); "
                                         "non-text settings as JSON.")
            for name, keys in sorted(seen.items())]


def _query_value(value_type: ValueType, raw: str) -> Any:
    """A trigger setting from the query string: text as is, anything else as JSON
    (falling back to the text, which the trigger then reports)."""
    import json

    if isinstance(value_type, String | Choice):
        return raw
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return raw


def trigger_from_query(params: Mapping[str, Any]) -> tuple[dict[str, Any], Any]:
    """`{"type": ..., <settings>}` from `?trigger=...&<setting>=...`, checked: a 400
    naming the query parameter when the trigger or a setting is wrong."""
    key = params.get("trigger")
    if not key:
        raise ApiError([error("trigger", "This parameter is required.", "required")])
    trigger_class = trigger_registry.find(key)
    if trigger_class is None:
        known = ", ".join(trigger_registry.keys())
        raise ApiError([error("trigger", f'unknown trigger "{key}" (known triggers: {known})')])
    config: dict[str, Any] = {}
    for param in trigger_class.config_params:
        raw = params.get(param.name)
        if raw is not None:
            config[param.name] = _query_value(param.type, raw)
    problems = trigger_class().check_config(config, "trigger")
    if problems:
        raise ApiError(error(item.path.removeprefix("trigger."), item.message)
                       for item in problems)
    return {"type": key, **config}, trigger_class


def _trigger_info(trigger_class: Any, trigger: Mapping[str, Any]) -> dict[str, Any]:
    return {"key": trigger_class.key, "label": trigger_label(trigger_class.key),
            "config": {key: value for key, value in trigger.items() if key != "type"}}


class MetadataView(ApiView, APIView):
    """The catalogue: triggers, steps, types and operators, models."""

    permission_model = Workflow
    permission_rules = {"get": BUILDER, "options": BUILDER}

    @extend_schema(summary="Triggers, steps, types with their operators, models",
                   responses={200: CatalogueSerializer})
    def get(self, request: Request) -> Response:
        return Response(metadata.catalogue())


class ScopeQuery(serializers.Serializer):
    trigger = TriggerTypeField(required=True, help_text='The trigger type, e.g. '
                                                         '"model.updated".')
    depth = serializers.IntegerField(required=False, min_value=2, max_value=6,
                                     default=metadata.MAX_DEPTH,
                                     help_text="How deep to list paths, in segments "
                                               "(record.customer.email is 3).")


class ScopeView(ApiView, APIView):
    """The references a trigger provides, with their inputs and operators."""

    permission_model = Workflow
    permission_rules = {"get": BUILDER, "post": BUILDER, "options": BUILDER}

    @extend_schema(
        summary="The scope a trigger builds",
        description="Every reference path the trigger provides (`record.total_amount`), with "
                    "its label, type, input and the operators it offers (with the type and "
                    "input of each operator's value). Pass the trigger's settings as query "
                    "parameters (`model=demo.order`).",
        parameters=[ScopeQuery, *config_params()],
        responses={200: ScopeSerializer, 400: ERROR_RESPONSE})
    def get(self, request: Request) -> Response:
        query = ScopeQuery(data={key: request.query_params.get(key)
                                 for key in ("trigger", "depth")
                                 if request.query_params.get(key) is not None})
        query.is_valid(raise_exception=True)
        trigger, trigger_class = trigger_from_query(request.query_params)
        scope = metadata.scope_metadata({"trigger": trigger},
                                        max_depth=query.validated_data["depth"], inline=True)
        if scope["trigger_errors"]:
            raise DefinitionInvalid([DefinitionError(item["path"], item["message"])
                                     for item in scope["trigger_errors"]])
        return Response(self._answer(scope, _trigger_info(trigger_class, trigger)))

    @extend_schema(
        summary="The scope of a definition being edited",
        description="Post a definition, possibly unfinished: the answer lists the trigger's "
                    "references and the outputs of its steps (`steps.<key>.<output>`), as "
                    "later steps see them. Problems with the trigger are listed in `errors` "
                    "rather than refused.",
        request={"application/json": {"type": "object", "additionalProperties": True}},
        responses={200: ScopeSerializer, 400: ERROR_RESPONSE})
    def post(self, request: Request) -> Response:
        definition = request.data
        if not isinstance(definition, dict):
            raise ApiError([error("", "expected a definition (a JSON object)")])
        scope = metadata.scope_metadata(definition, inline=True)
        raw_trigger = definition.get("trigger")
        trigger_class = (trigger_registry.find(raw_trigger.get("type"))
                         if isinstance(raw_trigger, dict) else None)
        info = _trigger_info(trigger_class, raw_trigger) if trigger_class else {}
        if trigger_class is None:
            scope["trigger_errors"] = [{"path": "trigger.type",
                                        "message": "choose a registered trigger"}]
        return Response(self._answer(scope, info))

    @staticmethod
    def _answer(scope: dict[str, Any], trigger: dict[str, Any]) -> dict[str, Any]:
        return metadata.json_safe({
            "metadata_version": metadata.METADATA_VERSION,
            "trigger": trigger,
            "paths": scope["paths"],
            "types": scope["types"],
            "compatible": scope["compatible"],
            "errors": scope["trigger_errors"],
        })


class OptionsQuery(serializers.Serializer):
    type = serializers.CharField(required=False, max_length=200, help_text=(
        'A type: "Record[<model>]" (e.g. "Record[demo.order]"), "User", or a list of them '
        '("User[]").'))
    step = StepTypeField(help_text="With `param`: the options of a step's param.")
    trigger = TriggerTypeField(help_text=(
        "With `param`: the options of a trigger setting; with `ref` (and the trigger's "
        "settings): the options of a reference."))
    param = serializers.CharField(required=False, max_length=100)
    ref = serializers.CharField(required=False, max_length=500,
                                help_text='A reference path such as "record.status".')
    search = serializers.CharField(required=False, allow_blank=True, max_length=200,
                                   trim_whitespace=False,
                                   help_text="Text in the label (records: in a text field, "
                                             "or the id).")
    page = serializers.IntegerField(required=False, min_value=1, max_value=10_000, default=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=100,
                                         default=20)


class OptionsView(ApiView, APIView):
    """Values of an enumerable type, searched and paged."""

    permission_model = Workflow
    permission_rules = {"get": BUILDER, "options": BUILDER}

    @extend_schema(
        summary="Options of an enumerable type: records, users, choices",
        description="Say which type with `type`, or with `step` + `param`, `trigger` + "
                    "`param`, or `trigger` + `ref` (+ the trigger's settings).",
        parameters=[OptionsQuery, *config_params(),
                    OpenApiParameter("type", str, required=False, description=(
                        'A type: "Record[<model>]" (e.g. "Record[demo.order]"), "User", or a '
                        'list of them ("User[]").'), examples=[
                        OpenApiExample("Users", value="User"),
                        OpenApiExample("A list of users", value="User[]")])],
        responses={200: OptionsPageSerializer, 400: ERROR_RESPONSE})
    def get(self, request: Request) -> Response:
        query = OptionsQuery(data={key: request.query_params.get(key)
                                   for key in OptionsQuery().fields
                                   if request.query_params.get(key) is not None})
        query.is_valid(raise_exception=True)
        values = query.validated_data
        value_type, where = self._value_type(values, request.query_params)
        self._check_model_permission(request, value_type)
        page, size = values["page"], values["page_size"]
        offset = (page - 1) * size
        if offset > MAX_OPTION_OFFSET:
            raise ApiError([error("page", "that page is too far; narrow the search instead")])
        try:
            found = metadata.options_for(value_type, search=values.get("search", "").strip(),
                                         offset=offset, limit=size)
        except metadata.NoOptions as exc:
            raise ApiError([error(where, str(exc))]) from None
        url = request.build_absolute_uri()
        return Response(metadata.json_safe({
            "metadata_version": metadata.METADATA_VERSION,
            "type": metadata.option_type(value_type).spec,
            "page": page,
            "page_size": size,
            "has_more": found.has_more,
            "next": replace_query_param(url, "page", page + 1) if found.has_more else None,
            "previous": (None if page == 1 else remove_query_param(url, "page") if page == 2
                         else replace_query_param(url, "page", page - 1)),
            "results": [{"value": value, "label": label} for value, label in found.items],
        }))

    def _value_type(self, values: Mapping[str, Any], params: Mapping[str, Any]
                    ) -> tuple[ValueType, str]:
        if values.get("type"):
            try:
                return metadata.parse_option_type(values["type"]), "type"
            except ValueParseError as exc:
                raise ApiError([error("type", exc.reason)]) from None
        if values.get("step"):
            step_class = step_registry.find(values["step"])
            if step_class is None:
                raise ApiError([error("step", f'unknown step "{values["step"]}"')])
            return self._param_type(step_class.params, values.get("param")), "param"
        if values.get("trigger"):
            if values.get("param"):
                trigger_class = trigger_registry.find(values["trigger"])
                if trigger_class is None:
                    raise ApiError([error("trigger", f'unknown trigger "{values["trigger"]}"')])
                return self._param_type(trigger_class.config_params, values["param"]), "param"
            if values.get("ref"):
                trigger, _ = trigger_from_query(params)
                schema, problems = metadata.trigger_scope(trigger)
                if problems:
                    raise DefinitionInvalid(problems)
                try:
                    return schema.lookup(values["ref"]).type, "ref"
                except PathError as exc:
                    raise ApiError([error("ref", str(exc))]) from None
            raise ApiError([error("param", 'give "param" (a trigger setting) or "ref" (a '
                                           "reference path) with \"trigger\"", "required")])
        raise ApiError([error("type", 'give "type", "step" and "param", or "trigger" with '
                                      '"param" or "ref"', "required")])

    @staticmethod
    def _param_type(params: Any, name: str | None) -> ValueType:
        if not name:
            raise ApiError([error("param", "This parameter is required.", "required")])
        for param in params:
            if param.name == name:
                return param.type
        known = ", ".join(param.name for param in params) or "none"
        raise ApiError([error("param", f'no param "{name}" (params: {known})')])

    @staticmethod
    def _check_model_permission(request: Request, value_type: ValueType) -> None:
        label = metadata.record_model(value_type)
        if label is None:
            return
        registration = get_registration(label)
        model: type[models.Model] | None = registration.model if registration else None
        if model is not None and not may_read(request.user, model):
            raise PermissionDenied(f"You may not view {model._meta.verbose_name_plural}.")
