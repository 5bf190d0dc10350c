"""`webhook`: a POST to the workflow's secret URL."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine import Param, ScopeField, ScopeSchema, TriggerType, trigger_registry
from engine.types import JSON, Bool
from workflows_app.triggers.common import event_scope_field


@trigger_registry.register
class Webhook(TriggerType):
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
            ScopeField("payload", JSON(), "Payload", help="The JSON body of the request."),
            ScopeField("headers", JSON(), "Headers",
                       help="Request headers, lower-case names (headers.content_type)."),
            event_scope_field(),
        ])
