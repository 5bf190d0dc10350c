"""The builder's widgets by name (`workflows_app.forms.builder_widgets`), one per
module: `timezone` (a select), `cron` (cron text, read back in words as it is
typed), `schedule` (the schedule picker, with its next runs) and `json_rows` (a
JSON object, such as an HTTP request's body, as rows added and removed through
the server) and `inputs` (what a manual trigger asks for, as rows)."""

from workflows_app.forms.widget_fields import cron, json_rows, manual_inputs, schedule, timezone

__all__ = ["cron", "json_rows", "manual_inputs", "schedule", "timezone"]
