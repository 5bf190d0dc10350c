"""Serializers of the API: read-only views of the models, and the few bodies it reads.

Definitions are not read by a serializer: the body of `POST api/workflows/` is
the definition itself (docs/definition-format.md), checked by the engine through
`workflows_app.services`, whose errors carry their paths.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from workflows_app.execution.redaction import definition_for, event_payload_for
from workflows_app.models import (
    Event,
    Run,
    RunAction,
    StepRun,
    Workflow,
    WorkflowEvaluation,
    WorkflowVersion,
)
from workflows_app.triggers.lookup import trigger_label

_OBJECT = {"type": "object", "additionalProperties": True}
_OBJECTS = {"type": "array", "items": _OBJECT}


@extend_schema_field(_OBJECT)
class _Object(serializers.JSONField):
    """A JSON object (documented as such)."""


@extend_schema_field(_OBJECTS)
class _Objects(serializers.JSONField):
    """A JSON array of objects."""


@extend_schema_field(OpenApiTypes.ANY)
class _Any(serializers.JSONField):
    """Any JSON value."""


class UserSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    username = serializers.CharField(source="get_username")


def _user(user: Any) -> dict[str, Any] | None:
    return UserSummarySerializer(user).data if user is not None else None


def _viewer(serializer: serializers.BaseSerializer) -> Any:
    """The user the data is for (None without a request: secrets stay hidden)."""
    request = serializer.context.get("request")
    return getattr(request, "user", None)


class WorkflowSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


# -- workflows --------------------------------------------------------------------


class WorkflowSerializer(serializers.ModelSerializer):
    """A workflow as listed: its trigger, state and live version number."""

    trigger = serializers.SerializerMethodField(
        help_text='The trigger of the live version: `{"type": ..., <settings>}`.')
    trigger_label = serializers.SerializerMethodField()
    live_version = serializers.SerializerMethodField(
        help_text="Number of the live version (the definition new runs use).")
    created_by = serializers.SerializerMethodField()
    updated_by = serializers.SerializerMethodField()

    class Meta:
        model = Workflow
        fields = ["id", "name", "description", "trigger", "trigger_type", "trigger_label",
                  "trigger_target", "is_active", "live_version", "created_by", "created_at",
                  "updated_by", "updated_at"]
        read_only_fields = fields

    @extend_schema_field({**_OBJECT, "properties": {"type": {"type": "string"}},
                          "required": ["type"]})
    def get_trigger(self, workflow: Workflow) -> dict[str, Any]:
        trigger = {"type": workflow.trigger_type, **(workflow.trigger_config or {})}
        return definition_for(_viewer(self), {"trigger": trigger})["trigger"]

    def get_trigger_label(self, workflow: Workflow) -> str:
        return trigger_label(workflow.trigger_type)

    def get_live_version(self, workflow: Workflow) -> int | None:
        return workflow.live_version.number if workflow.live_version_id else None

    @extend_schema_field(UserSummarySerializer(allow_null=True))
    def get_created_by(self, workflow: Workflow) -> dict[str, Any] | None:
        return _user(workflow.created_by)

    @extend_schema_field(UserSummarySerializer(allow_null=True))
    def get_updated_by(self, workflow: Workflow) -> dict[str, Any] | None:
        return _user(workflow.updated_by)


class WorkflowDetailSerializer(WorkflowSerializer):
    """A workflow with its live definition."""

    definition = serializers.SerializerMethodField(
        help_text="The live definition (see docs/definition-format.md), or null before the "
                  "first save.")
    version_count = serializers.SerializerMethodField()

    class Meta(WorkflowSerializer.Meta):
        fields = [*WorkflowSerializer.Meta.fields, "version_count", "definition"]
        read_only_fields = fields

    @extend_schema_field({**_OBJECT, "nullable": True})
    def get_definition(self, workflow: Workflow) -> dict[str, Any] | None:
        if not workflow.live_version_id:
            return None
        return definition_for(_viewer(self), workflow.live_version.definition)

    def get_version_count(self, workflow: Workflow) -> int:
        return workflow.versions.count()


class WorkflowSaveSerializer(WorkflowDetailSerializer):
    """The saved workflow, and whether the save made a new version."""

    changed = serializers.SerializerMethodField(
        help_text="False when the definition equalled the live one (no new version).")

    class Meta(WorkflowDetailSerializer.Meta):
        fields = [*WorkflowDetailSerializer.Meta.fields, "changed"]
        read_only_fields = fields

    def get_changed(self, workflow: Workflow) -> bool:
        return bool(self.context.get("changed", False))


class VersionSerializer(serializers.ModelSerializer):
    """One saved version of a workflow (versions are never modified)."""

    created_by = serializers.SerializerMethodField()
    is_live = serializers.SerializerMethodField()

    class Meta:
        model = WorkflowVersion
        fields = ["number", "checksum", "change_note", "created_by", "created_at", "is_live"]
        read_only_fields = fields

    @extend_schema_field(UserSummarySerializer(allow_null=True))
    def get_created_by(self, version: WorkflowVersion) -> dict[str, Any] | None:
        return _user(version.created_by)

    def get_is_live(self, version: WorkflowVersion) -> bool:
        return version.workflow.live_version_id == version.pk


class VersionDetailSerializer(VersionSerializer):
    definition = serializers.SerializerMethodField(
        help_text="The definition of this version; values its steps declare secret are "
                  '"[redacted]" for those who may not change workflows.')

    class Meta(VersionSerializer.Meta):
        fields = [*VersionSerializer.Meta.fields, "definition"]
        read_only_fields = fields

    @extend_schema_field(_OBJECT)
    def get_definition(self, version: WorkflowVersion) -> dict[str, Any]:
        return definition_for(_viewer(self), version.definition)




class DefinitionErrorSerializer(serializers.Serializer):
    path = serializers.CharField(help_text='Where, e.g. "conditions.all[0].value" ("" for the '
                                           "whole definition).")
    message = serializers.CharField()


class ValidationResultSerializer(serializers.Serializer):
    valid = serializers.BooleanField()
    errors = DefinitionErrorSerializer(many=True)


class ManualRunSerializer(serializers.Serializer):
    """The inputs of a manual workflow, by name (as its trigger declares them)."""

    inputs = serializers.DictField(
        child=serializers.JSONField(), required=False, default=dict,
        help_text="Input values by name; records by id, lists as JSON arrays.")


class ManualRunStartedSerializer(serializers.Serializer):
    event = serializers.IntegerField(help_text="The recorded event; a worker starts the run.")
    status = serializers.CharField()
    url = serializers.CharField(help_text="Where to follow the event and its run.")


# -- events -----------------------------------------------------------------------


class EvaluationSerializer(serializers.ModelSerializer):
    """What one workflow made of an event: why it ran, or why not."""

    workflow = WorkflowSummarySerializer()
    version = serializers.SerializerMethodField()
    outcome_label = serializers.CharField(source="get_outcome_display")
    explanation = _Object(
        help_text="The condition tree, leaf by leaf: path, kind, matched, ref, op, expected, "
                  "actual, message, children.")
    run = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = WorkflowEvaluation
        fields = ["workflow", "version", "outcome", "outcome_label", "message", "explanation",
                  "run", "created_at"]
        read_only_fields = fields

    def get_version(self, evaluation: WorkflowEvaluation) -> int | None:
        return evaluation.version.number if evaluation.version_id else None



class EventSerializer(serializers.ModelSerializer):
    """An event as listed, with every workflow's evaluation of it."""

    actor = serializers.SerializerMethodField()
    evaluations = EvaluationSerializer(many=True, read_only=True)

    class Meta:
        model = Event
        fields = ["id", "trigger_type", "target", "workflow", "status", "summary",
                  "record_model", "record_pk", "actor", "caused_by_run", "occurred_at",
                  "created_at", "dispatched_at", "evaluations"]
        read_only_fields = fields

    @extend_schema_field(UserSummarySerializer(allow_null=True))
    def get_actor(self, event: Event) -> dict[str, Any] | None:
        return _user(event.actor)


class EventDetailSerializer(EventSerializer):
    """An event with its data, causal chain and the runs it started."""

    payload = serializers.SerializerMethodField(
        help_text="The scope values: record, previous, data, payload, headers, inputs. "
                  "Header values other than harmless ones are \"[redacted]\" for those "
                  "who may not change workflows.")
    runs = serializers.SerializerMethodField()

    class Meta(EventSerializer.Meta):
        fields = [*EventSerializer.Meta.fields, "payload", "chain", "error",
                  "dispatch_attempts", "runs"]
        read_only_fields = fields

    @extend_schema_field({"type": "array", "items": {"type": "integer"}})
    def get_runs(self, event: Event) -> list[int]:
        return sorted(run.pk for run in event.runs.all() if not run.parent_id)

    @extend_schema_field(_OBJECT)
    def get_payload(self, event: Event) -> Any:
        return event_payload_for(_viewer(self), event.payload)



class RunEventSerializer(serializers.ModelSerializer):
    """The event a run is for, with its data."""

    payload = serializers.SerializerMethodField()

    @extend_schema_field(_OBJECT)
    def get_payload(self, event: Event) -> Any:
        return event_payload_for(_viewer(self), event.payload)

    class Meta:
        model = Event
        fields = ["id", "trigger_type", "target", "summary", "record_model", "record_pk",
                  "occurred_at", "payload"]
        read_only_fields = fields



# -- runs -------------------------------------------------------------------------


class StepRunSerializer(serializers.ModelSerializer):
    """The checkpoint of one step: status, attempts, resolved inputs (secrets
    redacted), outputs, error, timing and the log of every attempt."""

    inputs = _Object()
    outputs = _Object()
    attempts_log = _Objects()

    class Meta:
        model = StepRun
        fields = ["index", "key", "step_type", "status", "attempt", "inputs", "outputs",
                  "error", "attempts_log", "due_at", "started_at", "finished_at", "duration_ms",
                  "idempotency_key"]
        read_only_fields = fields


class RunActionSerializer(serializers.ModelSerializer):
    user = serializers.SerializerMethodField()

    class Meta:
        model = RunAction
        fields = ["action", "user", "note", "created_at"]
        read_only_fields = fields

    @extend_schema_field(UserSummarySerializer(allow_null=True))
    def get_user(self, action: RunAction) -> dict[str, Any] | None:
        return _user(action.user)


class RunSerializer(serializers.ModelSerializer):
    """A run as listed: workflow and version, status, the event's one-line summary."""

    workflow = WorkflowSummarySerializer()
    version = serializers.IntegerField(source="version.number")
    trigger_type = serializers.CharField(source="event.trigger_type")
    summary = serializers.CharField(source="event.summary")
    duration_ms = serializers.SerializerMethodField()
    succeeded_with_errors = serializers.BooleanField(
        read_only=True, help_text="The run succeeded, but a step failed on the way and the "
                                  "run went on (its `on_error` is `continue`).")

    class Meta:
        model = Run
        fields = ["id", "workflow", "version", "status", "succeeded_with_errors", "event",
                  "trigger_type", "summary",
                  "error", "rerun_of", "created_at", "started_at", "finished_at", "due_at",
                  "duration_ms"]
        read_only_fields = fields

    def get_duration_ms(self, run: Run) -> int | None:
        duration = run.duration
        return int(duration.total_seconds() * 1000) if duration is not None else None


class RunDetailSerializer(RunSerializer):
    """A run with its event, the condition explanation, its steps, the causal chain
    and the history of what people did to it."""

    event_detail = RunEventSerializer(source="event")
    evaluation = serializers.SerializerMethodField()
    steps = StepRunSerializer(many=True)
    actions = RunActionSerializer(many=True)
    caused_by_run = serializers.IntegerField(source="event.caused_by_run_id", allow_null=True)
    caused_events = serializers.SerializerMethodField()

    class Meta(RunSerializer.Meta):
        fields = [*RunSerializer.Meta.fields, "event_detail", "evaluation", "chain", "steps",
                  "actions", "caused_by_run", "caused_events"]
        read_only_fields = fields

    @extend_schema_field(EvaluationSerializer(allow_null=True))
    def get_evaluation(self, run: Run) -> dict[str, Any] | None:
        evaluation = (WorkflowEvaluation.objects.filter(run=run)
                      .select_related("workflow", "version").first())
        return EvaluationSerializer(evaluation).data if evaluation is not None else None

    @extend_schema_field({"type": "array", "items": {"type": "integer"}})
    def get_caused_events(self, run: Run) -> list[int]:
        return list(run.caused_events.order_by("pk").values_list("pk", flat=True))


# -- metadata ---------------------------------------------------------------------

class CatalogueSerializer(serializers.Serializer):
    metadata_version = serializers.IntegerField()
    triggers = _Objects(help_text="Every trigger: key, label, description, group, config "
                                  "(params with type and input).")
    steps = _Objects(help_text="Every step: key, label, description, group, params (type, "
                               "required, default, input...), outputs.")
    types = _Objects(help_text="Every type: type, label, input, operators (name, label, "
                               "needs_previous, value: the type and input of its param).")
    models = _Object(help_text="Registered models by label, with their fields.")
    input_types = _Objects(help_text="Types a manual trigger may ask for.")


class ScopeSerializer(serializers.Serializer):
    metadata_version = serializers.IntegerField()
    trigger = _Object(help_text="The trigger the scope is for.")
    paths = _Objects(help_text="Every reference: path, label, type, input, operators "
                               "(only those the path offers, with their value's input).")
    types = _Object(help_text="Each type used, by spec, with all its operators.")
    compatible = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="For each target type, the paths whose type it accepts.")
    errors = DefinitionErrorSerializer(many=True, help_text="Problems with the trigger or "
                                                            "its settings (POST only).")


class OptionSerializer(serializers.Serializer):
    value = _Any(help_text="What to put in the definition (a record's id, a "
                                            "choice's value).")
    label = serializers.CharField()


class OptionsPageSerializer(serializers.Serializer):
    metadata_version = serializers.IntegerField()
    type = serializers.CharField(help_text="The type whose options these are.")
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    has_more = serializers.BooleanField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = OptionSerializer(many=True)
