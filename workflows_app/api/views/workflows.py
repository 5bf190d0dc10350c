"""`api/workflows/`: list, create, read, update (a new version), activate,
deactivate, versions, restore, validate without saving, and start by hand.

Every write goes through `workflows_app.services` (validated by the engine,
atomic, versioned) or `workflows_app.manual`.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from engine import DefinitionError, InvalidDefinition
from workflows_app.api.exceptions import ApiError, error
from workflows_app.api.filters import IdField, WorkflowFilter
from workflows_app.api.permissions import ADD, CHANGE, READ
from workflows_app.api.schema import (
    ANY_DEFINITION_REQUEST,
    DEFINITION_REQUEST,
    ERROR_RESPONSE,
    EXAMPLE_DEFINITION,
)
from workflows_app.api.serializers import (
    ManualRunSerializer,
    ManualRunStartedSerializer,
    ValidationResultSerializer,
    VersionDetailSerializer,
    VersionSerializer,
    WorkflowDetailSerializer,
    WorkflowSaveSerializer,
    WorkflowSerializer,
)
from workflows_app.api.views.base import ApiView, IdLookupMixin
from workflows_app.manual import NON_FIELD_ERRORS, ManualInputError, start_manual_run
from workflows_app.models import Workflow, WorkflowVersion
from workflows_app.services import check, restore_version, save_definition, set_active
from workflows_app.tenancy.events import acting_for
from workflows_app.tenancy.scoping import creation_tenant, of_tenant

VERSION_NUMBER = r"[0-9]{1,9}"


class ChangeNoteQuery(serializers.Serializer):
    change_note = serializers.CharField(
        required=False, allow_blank=True, max_length=500, trim_whitespace=False,
        help_text="A note kept with the new version (what changed, and why).")


class ValidateQuery(serializers.Serializer):
    workflow = IdField(help_text="The workflow being edited, if any: its own name is then "
                                 "not reported as taken.")


def _change_note(request: Request) -> str:
    query = ChangeNoteQuery(data={key: request.query_params.get(key)
                                  for key in request.query_params})
    query.is_valid(raise_exception=True)
    return str(query.validated_data.get("change_note", "")).strip()


def _name_taken(definition: Any, workflow_id: int | None,
                tenant: str | None = None) -> DefinitionError | None:
    name = definition.get("name") if isinstance(definition, dict) else None
    if not isinstance(name, str) or not name.strip():
        return None
    others = of_tenant(Workflow.objects.filter(name=name.strip()), tenant)
    if workflow_id is not None:
        others = others.exclude(pk=workflow_id)
    if others.exists():
        return DefinitionError("name", f'another workflow is already named "{name.strip()}"')
    return None


DEFINITION_EXAMPLES = [OpenApiExample("A manual workflow", value=EXAMPLE_DEFINITION,
                                      request_only=True)]
SAVE_ERRORS = {400: ERROR_RESPONSE}


class WorkflowViewSet(ApiView, IdLookupMixin, viewsets.GenericViewSet):
    """Workflows and their versions."""

    permission_model = Workflow
    permission_rules = {
        "list": [READ], "retrieve": [READ], "metadata": [READ],
        "versions": [READ], "version": [READ],
        "create": [(ADD,)], "validate": [(ADD, CHANGE)],
        "update": [(CHANGE,)], "activate": [(CHANGE,)], "deactivate": [(CHANGE,)],
        "restore": [(CHANGE,)], "run": [(CHANGE,)],
    }
    queryset = Workflow.objects.select_related(
        "live_version", "created_by", "updated_by").order_by("name", "pk")
    serializer_class = WorkflowSerializer

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action == "list":
            return WorkflowSerializer
        return WorkflowDetailSerializer

    def _saved(self, workflow: Workflow, changed: bool, status_code: int) -> Response:
        workflow = self.get_queryset().get(pk=workflow.pk)
        data = WorkflowSaveSerializer(workflow, context={"changed": changed,
                                                         "request": self.request}).data
        return Response(data, status=status_code)

    @extend_schema(summary="List workflows", parameters=[WorkflowFilter],
                   responses={200: WorkflowSerializer(many=True)})
    def list(self, request: Request) -> Response:
        queryset = WorkflowFilter(request.query_params).filter(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(
            WorkflowSerializer(page, many=True, context={"request": request}).data)

    @extend_schema(summary="Read a workflow, with its live definition",
                   responses={200: WorkflowDetailSerializer})
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(WorkflowDetailSerializer(self.get_object(),
                                                 context={"request": request}).data)

    @extend_schema(
        summary="Create a workflow from a definition",
        description="The body is a definition (the format is specified in "
                    "docs/definition-format.md). It is checked by the "
                    "engine; when invalid nothing is stored and every error names its path "
                    "in the definition. The new workflow is inactive: activate it with "
                    "`POST api/workflows/{id}/activate/`.",
        parameters=[ChangeNoteQuery], request=DEFINITION_REQUEST,
        responses={201: WorkflowSaveSerializer, **SAVE_ERRORS}, examples=DEFINITION_EXAMPLES)
    def create(self, request: Request) -> Response:
        note = _change_note(request)
        result = save_definition(request.data, user=request.user,
                                 change_note=note or "Created through the API",
                                 tenant=creation_tenant(request))
        return self._saved(result.workflow, result.changed, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Save a new version of a workflow",
        description="The body is the whole new definition. When it equals the live one no "
                    "version is made and `changed` is false. A run in flight keeps the "
                    "version it started with.",
        parameters=[ChangeNoteQuery], request=DEFINITION_REQUEST,
        responses={200: WorkflowSaveSerializer, **SAVE_ERRORS}, examples=DEFINITION_EXAMPLES)
    def update(self, request: Request, pk: str) -> Response:
        workflow = self.get_object()
        note = _change_note(request)
        result = save_definition(request.data, workflow=workflow, user=request.user,
                                 change_note=note or "Saved through the API")
        return self._saved(result.workflow, result.changed, status.HTTP_200_OK)

    @extend_schema(
        summary="Check a definition without saving it",
        description="Always 200 for a JSON body: `valid` and every error with its path, as "
                    "saving would report them (including a name taken by another workflow).",
        parameters=[ValidateQuery], request=ANY_DEFINITION_REQUEST,
        responses={200: ValidationResultSerializer}, examples=DEFINITION_EXAMPLES)
    @action(detail=False, methods=["post"])
    def validate(self, request: Request) -> Response:
        query = ValidateQuery(data={key: request.query_params.get(key)
                                    for key in request.query_params})
        query.is_valid(raise_exception=True)
        errors: list[DefinitionError] = []
        workflow_id = query.validated_data.get("workflow")
        try:
            tenant = self._validated_tenant(request, workflow_id)
        except InvalidDefinition as exc:
            tenant, errors = None, list(exc.errors)
        try:
            with acting_for(tenant):
                check(request.data)
        except InvalidDefinition as exc:
            errors += list(exc.errors)
        taken = _name_taken(request.data, workflow_id, tenant)
        if taken is not None:
            errors.append(taken)
        return Response({"valid": not errors,
                         "errors": [item.as_dict() for item in errors]})

    def _validated_tenant(self, request: Request, workflow_id: int | None) -> str | None:
        """The tenant a definition being validated would be saved in: that of the
        workflow it would update, or the one a new workflow would get."""
        if workflow_id is not None:
            return (self.get_queryset().filter(pk=workflow_id)
                    .values_list("tenant_id", flat=True).first())
        return creation_tenant(request)

    @extend_schema(summary="Activate a workflow", request=None,
                   responses={200: WorkflowDetailSerializer, 400: ERROR_RESPONSE})
    @action(detail=True, methods=["post"])
    def activate(self, request: Request, pk: str) -> Response:
        workflow = set_active(self.get_object(), True, user=request.user)
        return Response(WorkflowDetailSerializer(workflow, context={"request": request}).data)

    @extend_schema(summary="Deactivate a workflow", request=None,
                   responses={200: WorkflowDetailSerializer})
    @action(detail=True, methods=["post"])
    def deactivate(self, request: Request, pk: str) -> Response:
        workflow = set_active(self.get_object(), False, user=request.user)
        return Response(WorkflowDetailSerializer(workflow, context={"request": request}).data)

    @extend_schema(
        summary="Start a manual workflow with inputs",
        description="Checks the inputs against the workflow's declared inputs and records a "
                    "`manual` event; a worker starts the run. 400 names each bad input "
                    "(`inputs.<name>`); the workflow must be active and started by hand.",
        request=ManualRunSerializer,
        responses={202: ManualRunStartedSerializer, 400: ERROR_RESPONSE})
    @action(detail=True, methods=["post"])
    def run(self, request: Request, pk: str) -> Response:
        workflow = self.get_object()
        body = ManualRunSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            event = start_manual_run(workflow, body.validated_data["inputs"], request.user)
        except ManualInputError as exc:
            raise ApiError(error("" if name == NON_FIELD_ERRORS else f"inputs.{name}",
                                 message, "required" if message.endswith("required.")
                                 else "invalid")
                           for name, message in exc.errors.items()) from None
        url = reverse("workflows_app:api:event-detail", args=[event.pk], request=request)
        return Response({"event": event.pk, "status": event.status, "url": url},
                        status=status.HTTP_202_ACCEPTED)

    # -- versions ------------------------------------------------------------------

    def _version(self, workflow: Workflow, number: str) -> WorkflowVersion:
        version = (WorkflowVersion.objects.select_related("workflow", "created_by")
                   .filter(workflow=workflow, number=int(number)).first())
        if version is None:
            raise NotFound(f"Version {number} of this workflow does not exist.")
        return version

    @extend_schema(summary="List the versions of a workflow, newest first",
                   responses={200: VersionSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def versions(self, request: Request, pk: str) -> Response:
        workflow = self.get_object()
        queryset = (WorkflowVersion.objects.filter(workflow=workflow)
                    .select_related("workflow", "created_by").order_by("-number"))
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(VersionSerializer(page, many=True).data)

    @extend_schema(summary="Read one version of a workflow, with its definition",
                   responses={200: VersionDetailSerializer})
    @action(detail=True, methods=["get"], url_path=rf"versions/(?P<number>{VERSION_NUMBER})",
            pagination_class=None)
    def version(self, request: Request, pk: str, number: str) -> Response:
        version = self._version(self.get_object(), number)
        return Response(VersionDetailSerializer(version, context={"request": request}).data)

    @extend_schema(
        summary="Make an old version live again (as a new version)",
        request=None, responses={200: WorkflowSaveSerializer, 400: ERROR_RESPONSE})
    @action(detail=True, methods=["post"],
            url_path=rf"versions/(?P<number>{VERSION_NUMBER})/restore")
    def restore(self, request: Request, pk: str, number: str) -> Response:
        version = self._version(self.get_object(), number)
        result = restore_version(version, user=request.user)
        return self._saved(result.workflow, result.changed, status.HTTP_200_OK)
