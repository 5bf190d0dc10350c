"""`pagerduty.trigger`: open (or add to) a PagerDuty incident with the Events API v2."""

from __future__ import annotations

import json
from typing import Any

from engine import Output, Param, StepType, step_registry
from engine.types import Choice, Connection, String, Text
from workflows_app.channels.message import OutboundMessage
from workflows_app.channels.provider_errors import provider_error, provider_message
from workflows_app.channels.sending import deliver, load_connection, secret_strings

KINDS = ["pagerduty"]
SEVERITIES = [("critical", "Critical"), ("error", "Error"), ("warning", "Warning"),
              ("info", "Info")]
MAX_SUMMARY = 1024


@step_registry.register
class TriggerPagerDuty(StepType):
    """Sends a `trigger` event to PagerDuty's Events API v2.

    The dedup key defaults to `workflows-<run id>:<step key>`, so a retry of the
    same step (or a worker that died after sending) never opens a second
    incident; give one (e.g. `order-{{ record.number }}`) to fold several runs
    into one incident.
    """

    key = "pagerduty.trigger"
    label = "Page on-call (PagerDuty)"
    description = "Trigger a PagerDuty incident."
    group = "Messaging"
    params = (
        Param("connection", Connection(KINDS), "PagerDuty connection"),
        Param("summary", Text(), "Summary", help="What is wrong, in one line."),
        Param("severity", Choice(SEVERITIES), "Severity", required=False, default="error"),
        Param("dedup_key", Text(), "Dedup key", required=False,
              help="Events with the same key update one incident. Empty: one per run."),
    )
    outputs = (
        Output("dedup_key", String(), "Dedup key"),
        Output("status", String(), "Status"),
        Output("message", String(), "Message"),
    )

    def run(self, inputs: dict[str, Any], context: Any) -> dict[str, Any]:
        _, values = load_connection(inputs["connection"], KINDS)
        summary = " ".join(str(inputs["summary"]).split())[:MAX_SUMMARY]
        dedup_key = str(inputs.get("dedup_key") or "").strip() or (
            f"workflows-{context.idempotency_key}")
        event = {"routing_key": values["routing_key"], "event_action": "trigger",
                 "dedup_key": dedup_key,
                 "payload": {"summary": summary, "source": values.get("source") or "workflows",
                             "severity": inputs.get("severity") or "error"}}
        secrets = secret_strings(values, ["routing_key"])
        message = OutboundMessage(
            channel="PagerDuty", connection=inputs["connection"],
            summary={"severity": event["payload"]["severity"], "summary": summary,
                     "dedup_key": dedup_key},
            method="POST", url=str(values["events_url"]), body=json.dumps(event).encode(),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            simulated={"status": "success", "message": "Event processed",
                       "dedup_key": dedup_key},
            secrets=secrets)
        answer = deliver(message, context)
        if answer.status >= 400 or not isinstance(answer.body, dict):
            text = provider_message(answer, "message")
            if isinstance(answer.body, dict) and answer.body.get("errors"):
                text += ": " + "; ".join(map(str, answer.body["errors"]))[:300]
            raise provider_error("PagerDuty", answer, text, secrets)
        return {"dedup_key": str(answer.body.get("dedup_key") or dedup_key),
                "status": str(answer.body.get("status") or ""),
                "message": str(answer.body.get("message") or "")}
