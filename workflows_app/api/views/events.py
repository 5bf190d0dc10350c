"""`api/events/`: what happened, and what each workflow made of it.

Each event lists every workflow that was considered with the outcome, the
first condition that failed in plain words and the whole explanation tree:
filter by record (`?record_model=demo.order&record_pk=123`) to answer "why
didn't it run for order 123?".
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from workflows_app.api.filters import EventFilter
from workflows_app.api.permissions import READ
from workflows_app.api.serializers import EventDetailSerializer, EventSerializer
from workflows_app.api.views.base import ApiView, IdLookupMixin
from workflows_app.models import Event, WorkflowEvaluation


class EventViewSet(ApiView, IdLookupMixin, viewsets.GenericViewSet):
    """Events and their evaluations."""

    permission_model = Event
    permission_rules = {"list": [READ], "retrieve": [READ], "metadata": [READ]}
    queryset = Event.objects.select_related("actor").order_by("-occurred_at", "-pk")
    serializer_class = EventSerializer

    def get_queryset(self) -> QuerySet[Event]:
        evaluations = WorkflowEvaluation.objects.select_related("workflow", "version").order_by(
            "workflow__name", "pk")
        queryset = super().get_queryset().prefetch_related(
            Prefetch("evaluations", queryset=evaluations))
        if self.action == "list":  # the list shows no data
            return queryset.defer("payload", "search_text")
        return queryset.prefetch_related("runs")

    def get_serializer_class(self) -> type[EventSerializer]:
        return EventSerializer if self.action == "list" else EventDetailSerializer

    @extend_schema(summary="List events with their evaluations, newest first",
                   parameters=[EventFilter], responses={200: EventSerializer(many=True)})
    def list(self, request: Request) -> Response:
        queryset = EventFilter(request.query_params).filter(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(EventSerializer(page, many=True).data)

    @extend_schema(summary="Read an event: its data, evaluations and runs",
                   responses={200: EventDetailSerializer})
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(EventDetailSerializer(self.get_object(),
                                              context={"request": request}).data)
