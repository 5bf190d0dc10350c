"""`webhook`: a POST to the workflow's secret URL."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.urls import URLPattern, path

from engine import Param, ScopeField, ScopeSchema, trigger_registry
from engine.types import JSON, Bool
from workflows_app.models import Event, Workflow
from workflows_app.triggers.base import Trigger
from workflows_app.triggers.scope import event_scope_field
from workflows_app.triggers.webhook.view import webhook_view

#: Scope roots (and payload keys): the JSON body and the request headers.
PAYLOAD = "payload"
HEADERS = "headers"


@trigger_registry.register
class Webhook(Trigger):
    """Fires on a JSON POST to `hooks/<token>/` (the token lives on the workflow, not
    in the definition, so exports never carry it). With `require_signature`,
    requests must carry a valid Standard Webhooks signature.

    Scope: `payload.*` (the JSON body; any path), `headers.*`, `event.*`.
    """

    key = "webhook"
    label = "A webhook is received"
    description = "Runs when another system POSTs JSON to this workflow's secret address."
    group = "Integrations"
    config_params = (
        Param("require_signature", Bool(), "Require a signature", required=False,
              default=False,
              help="Refuse requests without a valid Standard Webhooks signature."),
    )

    def scope(self, config: Mapping[str, Any]) -> ScopeSchema:
        return ScopeSchema([
            ScopeField(PAYLOAD, JSON(), "Payload", help="The JSON body of the request."),
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
