"""`api/runs/`: run history (the admin's filters and search), a run with its steps,
and what people may do to a run: retry from the failed step, cancel, run again.

Actions go through `workflows_app.run_actions`, which records each one (who,
when) in the run's history; an action that does not fit the run's state is a
409 naming the state.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from workflows_app.api.exceptions import Conflict
from workflows_app.api.filters import RunFilter
from workflows_app.api.permissions import CHANGE, READ
from workflows_app.api.schema import ERROR_RESPONSE
from workflows_app.api.serializers import RunDetailSerializer, RunSerializer
from workflows_app.api.views.base import ApiView, IdLookupMixin
from workflows_app.models import Run, RunAction, StepRun
from workflows_app.run_actions import RunActionError, cancel_run, retry_run, run_again

CONFLICT = {409: ERROR_RESPONSE}


class RunViewSet(ApiView, IdLookupMixin, viewsets.GenericViewSet):
    """Runs: one execution of one pinned workflow version for one event."""

    permission_model = Run
    permission_rules = {
        "list": [READ], "retrieve": [READ], "metadata": [READ],
        "retry": [(CHANGE,)], "cancel": [(CHANGE,)], "run_again": [(CHANGE,)],
    }
    queryset = (Run.objects.top_level().with_step_errors()
                .select_related("workflow", "version", "event").order_by("-created_at", "-pk"))
    serializer_class = RunSerializer

    def get_queryset(self) -> QuerySet[Run]:
        queryset = super().get_queryset()
        if self.action == "list":  # the list shows the event's summary, not its data
            return queryset.defer("event__payload", "event__search_text", "event__chain")
        return queryset.prefetch_related(
            Prefetch("steps", queryset=StepRun.objects.order_by("index")),
            Prefetch("actions", queryset=RunAction.objects.select_related("user")
                     .order_by("created_at", "pk")))

    def get_serializer_class(self) -> type[RunSerializer]:
        return RunSerializer if self.action == "list" else RunDetailSerializer

    def _detail(self, run: Run, status_code: int = status.HTTP_200_OK) -> Response:
        return Response(RunDetailSerializer(self.get_queryset().get(pk=run.pk),
                                            context={"request": self.request}).data,
                        status=status_code)

    @extend_schema(summary="List runs, newest first", parameters=[RunFilter],
                   responses={200: RunSerializer(many=True)})
    def list(self, request: Request) -> Response:
        queryset = RunFilter(request.query_params).filter(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(RunSerializer(page, many=True).data)

    @extend_schema(summary="Read a run: its event, explanation, steps and history",
                   responses={200: RunDetailSerializer})
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(RunDetailSerializer(self.get_object(),
                                            context={"request": request}).data)

    @extend_schema(summary="Retry a failed run from its failed step",
                   description="Completed steps are not run again. Only failed runs.",
                   request=None, responses={200: RunDetailSerializer, **CONFLICT})
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, pk: str) -> Response:
        try:
            run = retry_run(self.get_object(), user=request.user)
        except RunActionError as exc:
            raise Conflict(str(exc)) from None
        return self._detail(run)

    @extend_schema(summary="Cancel a run that has not finished",
                   request=None, responses={200: RunDetailSerializer, **CONFLICT})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        try:
            run = cancel_run(self.get_object(), user=request.user)
        except RunActionError as exc:
            raise Conflict(str(exc)) from None
        return self._detail(run)

    @extend_schema(summary="Run the same event again on the workflow's live version",
                   description="Answers with the new run.",
                   request=None, responses={201: RunDetailSerializer, **CONFLICT})
    @action(detail=True, methods=["post"], url_path="run-again")
    def run_again(self, request: Request, pk: str) -> Response:
        try:
            new_run = run_again(self.get_object(), user=request.user)
        except RunActionError as exc:
            raise Conflict(str(exc)) from None
        return self._detail(new_run, status.HTTP_201_CREATED)
