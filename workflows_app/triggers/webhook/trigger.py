"""`webhook`: a POST to the workflow's secret URL."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.urls import URLPattern, path

from engine import DefinitionError, Param, ScopeField, ScopeSchema, trigger_registry
from engine.errors import join_path
from engine.types import JSON, Bool, ValueType, sample_problem, shape_of
from workflows_app.models import Event, Workflow
from workflows_app.triggers.base import Trigger
from workflows_app.triggers.scope import event_scope_field
from workflows_app.triggers.webhook.view import webhook_view

#: Scope roots (and payload keys): the JSON body and the request headers.
PAYLOAD = "payload"
HEADERS = "headers"
#: The setting holding a sample body, from which the payload's fields are learned.
SAMPLE = "sample"


@trigger_registry.register
class Webhook(Trigger):
    """Fires on a JSON POST to `hooks/<token>/` (the token lives on the workflow, not
    in the definition, so exports never carry it). With `require_signature`,
    requests must carry a valid Standard Webhooks signature.

    Scope: `payload.*` (the JSON body), `headers.*`, `event.*`. Without a
    `sample`, any path into the payload is allowed and is free-form JSON; with
    one, the payload's fields are the sample's, typed (`payload.alert.severity`
    is Text), and a path the sample does not have is refused at save.
    """

    key = "webhook"
    label = "A webhook is received"
    description = "Runs when another system POSTs JSON to this workflow's secret address."
    group = "Integrations"
    config_params = (
        Param("require_signature", Bool(), "Require a signature", required=False,
              default=False,
              help="Refuse requests without a valid Standard Webhooks signature."),
        Param(SAMPLE, JSON(), "Sample payload", required=False,
              extra={"widget": "payload_sample"},
              help="A JSON body this webhook receives (paste one, or use a request "
                   "already received): its fields are offered, typed, wherever a value "
                   "is chosen."),
    )

    def check_config(self, config: Mapping[str, Any], path: str) -> list[DefinitionError]:
        errors = super().check_config(config, path)
        sample = config.get(SAMPLE)
        if sample is not None and not errors:
            problem = sample_problem(sample)
            if problem:
                errors.append(DefinitionError(join_path(path, SAMPLE), problem))
        return errors

    @staticmethod
    def payload_type(config: Mapping[str, Any]) -> ValueType:
        """The payload's type: learned from the config's sample, else free-form JSON."""
        sample = config.get(SAMPLE)
        if sample is None or sample_problem(sample):
            return JSON()
        return shape_of(sample)

    def scope(self, config: Mapping[str, Any]) -> ScopeSchema:
        return ScopeSchema([
            ScopeField(PAYLOAD, self.payload_type(config), "Payload",
                       help="The JSON body of the request."),
            ScopeField(HEADERS, JSON(), "Headers",
                       help="Request headers, lower-case names (headers.content_type)."),
            event_scope_field(),
        ])

    def urls(self) -> list[URLPattern]:
        """`hooks/<token>/`, answered by `view.webhook_view` on behalf of this trigger."""
        return [path("hooks/<str:token>/", webhook_view, {"trigger": self}, name="webhook")]

    @classmethod
    def record_delivery(cls, workflow: Workflow, data: Any, headers: dict[str, str], *,
                        summary: str, dedupe_key: str | None) -> Event:
        """Record an accepted request to `workflow`'s address: its JSON body and its
        (non-secret) headers."""
        return cls.record(payload={PAYLOAD: data, HEADERS: headers}, workflow=workflow,
                          summary=summary, dedupe_key=dedupe_key)
