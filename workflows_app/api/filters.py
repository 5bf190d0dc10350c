"""Query parameters of the lists: declared as serializers (so they are validated,
a bad value being a 400 naming the parameter, and documented in the schema),
applied by plain functions on querysets.

The runs list offers what the runs admin offers: status, workflow, trigger type,
a date range and a search in the trigger data (the event's `search_text`,
which holds its one-line summary and every value of its data, lower-cased):
an order number, a customer's e-mail... Events add the record they are about
(`record_model` + `record_pk`: "why didn't it run for order 123?") and the
outcome of the evaluations.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from rest_framework import serializers

from engine import step_registry, trigger_registry
from workflows_app.models import (
    Event,
    EventStatus,
    Run,
    RunStatus,
    Workflow,
    WorkflowEvaluation,
)
from workflows_app.search import search_trigger_data

#: The largest id a query parameter may name (a signed 64-bit integer).
MAX_ID = 2**63 - 1


class IdField(serializers.IntegerField):
    """A positive database id."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, max_value=MAX_ID, required=False, **kwargs)


class TriggerTypeField(serializers.ChoiceField):
    """One of the registered trigger types (read when the field is made)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(choices=trigger_registry.keys(), **kwargs)


class StepTypeField(serializers.ChoiceField):
    """One of the registered step types (read when the field is made)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(choices=step_registry.keys(), **kwargs)


def _text(max_length: int, help_text: str) -> serializers.CharField:
    """Free text; blank means "no filter". Whitespace is kept while validating (so
    the length limit is the documented one) and trimmed when applied."""
    return serializers.CharField(required=False, max_length=max_length, allow_blank=True,
                                 trim_whitespace=False, help_text=help_text)


def query_values(params: Mapping[str, Any]) -> dict[str, Any]:
    """A request's query parameters as a plain dict (the last value of each), so that
    an absent boolean is absent rather than false (DRF reads form input that way)."""
    return {key: params.get(key) for key in params}


class FilterSerializer(serializers.Serializer):
    """Validates query parameters; `filter(queryset)` applies them."""

    def __init__(self, params: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        data = query_values(params) if params is not None else None
        if data is None:
            super().__init__(**kwargs)
        else:
            super().__init__(data=data, **kwargs)

    def filter(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        self.is_valid(raise_exception=True)
        values = {key: value.strip() if isinstance(value, str) else value
                  for key, value in self.validated_data.items()}
        return self.apply(queryset, values)

    def apply(self, queryset: QuerySet[Any], values: Mapping[str, Any]) -> QuerySet[Any]:
        raise NotImplementedError


class WorkflowFilter(FilterSerializer):
    is_active = serializers.BooleanField(required=False, help_text="Only active (or inactive) "
                                                                  "workflows.")
    trigger = TriggerTypeField(help_text="Only workflows with this trigger type.")
    search = _text(200, "Part of the name or description (case-insensitive).")

    def apply(self, queryset: QuerySet[Workflow], values: Mapping[str, Any]
              ) -> QuerySet[Workflow]:
        if values.get("is_active") is not None:
            queryset = queryset.filter(is_active=values["is_active"])
        if values.get("trigger"):
            queryset = queryset.filter(trigger_type=values["trigger"])
        if values.get("search"):
            queryset = queryset.filter(Q(name__icontains=values["search"])
                                       | Q(description__icontains=values["search"]))
        return queryset


class RunFilter(FilterSerializer):
    status = serializers.ChoiceField(choices=RunStatus.choices, required=False,
                                     help_text="Only runs in this status.")
    succeeded_with_errors = serializers.BooleanField(
        required=False,
        help_text="true: only succeeded runs in which a step failed and the run went on "
                  "(`on_error: continue`); false: only succeeded runs in which no step "
                  "failed.")
    workflow = IdField(help_text="Only runs of this workflow (id).")
    trigger = TriggerTypeField(help_text="Only runs started by this trigger type.")
    event = IdField(help_text="Only runs for this event (id).")
    record_model = _text(200, 'Only runs for events about a record of this model, e.g. '
                              '"demo.order" (with `record_pk`: one record).')
    record_pk = _text(64, "Only runs for events about the record with this id.")
    created_after = serializers.DateTimeField(required=False, help_text="Created at or after "
                                                                        "(ISO 8601).")
    created_before = serializers.DateTimeField(required=False, help_text="Created before "
                                                                         "(ISO 8601).")
    search = _text(200, "Words in the trigger data, e.g. an order number or a customer's "
                        'e-mail (case-insensitive; every word must match; "quoted phrases" '
                        "stay whole; #123 is the run with id 123).")

    def apply(self, queryset: QuerySet[Run], values: Mapping[str, Any]) -> QuerySet[Run]:
        if values.get("status"):
            queryset = queryset.filter(status=values["status"])
        if values.get("succeeded_with_errors") is True:
            queryset = queryset.succeeded_with_errors()
        elif values.get("succeeded_with_errors") is False:
            queryset = queryset.succeeded_cleanly()
        if values.get("workflow"):
            queryset = queryset.filter(workflow_id=values["workflow"])
        if values.get("trigger"):
            queryset = queryset.filter(event__trigger_type=values["trigger"])
        if values.get("event"):
            queryset = queryset.filter(event_id=values["event"])
        if values.get("record_model"):
            queryset = queryset.filter(event__record_model=values["record_model"].lower())
        if values.get("record_pk"):
            queryset = queryset.filter(event__record_pk=values["record_pk"])
        if values.get("created_after"):
            queryset = queryset.filter(created_at__gte=values["created_after"])
        if values.get("created_before"):
            queryset = queryset.filter(created_at__lt=values["created_before"])
        if values.get("search"):
            queryset = search_trigger_data(queryset, values["search"])
        return queryset


class EventFilter(FilterSerializer):
    trigger = TriggerTypeField(help_text="Only events of this trigger type.")
    status = serializers.ChoiceField(choices=EventStatus.choices, required=False,
                                     help_text="Only events in this dispatch status.")
    workflow = IdField(help_text="Only events aimed at or evaluated for this workflow (id).")
    outcome = serializers.ChoiceField(
        choices=WorkflowEvaluation.Outcome.choices, required=False,
        help_text="Only events with an evaluation of this outcome (with `workflow`: that "
                  "workflow's), e.g. conditions_not_met.")
    record_model = _text(200, 'Only events about a record of this model, e.g. "demo.order".')
    record_pk = _text(64, "Only events about the record with this id.")
    occurred_after = serializers.DateTimeField(required=False, help_text="Occurred at or "
                                                                         "after (ISO 8601).")
    occurred_before = serializers.DateTimeField(required=False, help_text="Occurred before "
                                                                          "(ISO 8601).")
    search = _text(200, "Words in the event's data (case-insensitive; every word must match; "
                        '"quoted phrases" stay whole; #123 is the event with id 123).')

    def apply(self, queryset: QuerySet[Event], values: Mapping[str, Any]) -> QuerySet[Event]:
        if values.get("trigger"):
            queryset = queryset.filter(trigger_type=values["trigger"])
        if values.get("status"):
            queryset = queryset.filter(status=values["status"])
        evaluations = WorkflowEvaluation.objects.filter(event=OuterRef("pk"))
        if values.get("workflow"):
            evaluations = evaluations.filter(workflow_id=values["workflow"])
            queryset = queryset.filter(Q(workflow_id=values["workflow"]) | Exists(evaluations))
        if values.get("outcome"):
            queryset = queryset.filter(Exists(evaluations.filter(outcome=values["outcome"])))
        if values.get("record_model"):
            queryset = queryset.filter(record_model=values["record_model"].lower())
        if values.get("record_pk"):
            queryset = queryset.filter(record_pk=values["record_pk"])
        if values.get("occurred_after"):
            queryset = queryset.filter(occurred_at__gte=values["occurred_after"])
        if values.get("occurred_before"):
            queryset = queryset.filter(occurred_at__lt=values["occurred_before"])
        if values.get("search"):
            queryset = search_trigger_data(queryset, values["search"])
        return queryset
